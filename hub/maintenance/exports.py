"""The waitlist as CSV, safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) would be
read as a formula by Excel or LibreOffice (CSV injection): such text gets a leading ``'``.
The file is UTF-8 with a byte-order mark, so Excel shows the accents, and RFC 4180 quoting.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Final

from hub.maintenance.waitlist import WaitlistRequest

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
WAITLIST_HEADER: Final = (
    "Posición",
    "N° solicitud",
    "Fecha de recepción",
    "Solicitante",
    "Tipo de solicitante",
    "Teléfono",
    "Dirección",
    "Barrio",
    "Hogares",
    "Prioridad",
    "Estado",
    "Motivo de rechazo",
    "Notas",
)


def safe_cell(value: str | int | None) -> str | int:
    """``value`` as a cell that no spreadsheet runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str | int | None]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return "\ufeff" + out.getvalue()


def waitlist_csv(requests: Iterable[WaitlistRequest]) -> str:
    return csv_text(
        WAITLIST_HEADER,
        (
            (
                request.position,
                request.id,
                request.received_on.strftime("%d-%m-%Y"),
                request.requester_name,
                request.requester_kind.label,
                request.phone_shown,
                request.address,
                request.barrio,
                request.households,
                request.priority.label,
                request.status.label,
                request.rejection_reason,
                request.notes,
            )
            for request in requests
        ),
    )
