"""Status flows with a transitions table and a status history, shared by the demandas and
the Mediación Comunitaria cases.

A status is a ``StrEnum`` with a Spanish ``label``; a flow's transitions table maps each
status to those it may move to. :func:`check_transition` refuses, in Spanish, a move the
table does not allow and lists the allowed ones. :class:`StatusHistory` keeps every change
(who, when, from, to, note) in the record's own history table.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final, Protocol, TypeVar

from hub.enlace.history import HistoryLine
from hub.errors import Invalid
from hub.storage import Actor, HubDB
from hub.storage.audit import Json


class Status(Protocol, Hashable):
    @property
    def label(self) -> str: ...


S = TypeVar("S", bound=Status)


def check_transition(
    current: S, to: S, transitions: Mapping[S, tuple[S, ...]], *, the: str, one: str
) -> None:
    """:class:`Invalid` on the ``estado`` field unless ``transitions`` allow ``current`` →
    ``to`` (on the whole form when ``current`` is an end, whose page shows no status form);
    ``the`` / ``one`` name the record (``"La demanda"``, ``"Una demanda"``)."""
    if to == current:
        raise Invalid(f"{the} ya está «{to.label}».", field="estado")
    allowed = transitions[current]
    if not allowed:
        raise Invalid(f"{the} está «{current.label}» y ya no cambia de estado.")
    if to not in allowed:
        options = ", ".join(f"«{status.label}»" for status in allowed)
        raise Invalid(
            f"{one} «{current.label}» no puede pasar a «{to.label}». "
            f"Desde «{current.label}» puede pasar a: {options}.",
            field="estado",
        )


@dataclass(frozen=True)
class StatusChange:
    at: float
    actor: str
    desde: str | None
    """None for the record's creation."""
    hacia: str
    nota: str


class StatusHistory:
    """One history table (``table``, keyed by ``key``): ``demanda_estados`` / ``demanda_id``."""

    def __init__(self, hub: HubDB, table: str, key: str) -> None:
        self._hub = hub
        self._table = table
        self._key = key

    def add(
        self,
        record_id: int,
        desde: str | None,
        hacia: str,
        *,
        nota: str = "",
        actor: Actor,
        at: float,
    ) -> None:
        self._hub.db.execute(
            f"INSERT INTO {self._table} ({self._key}, at, actor, desde, hacia, nota) "  # noqa: S608
            "VALUES (?, ?, ?, ?, ?, ?)",
            [record_id, at, actor.label, desde, hacia, nota],
        )

    def of(self, record_id: int) -> list[StatusChange]:
        """The record's changes, oldest first."""
        rows = self._hub.db.execute(
            f"SELECT at, actor, desde, hacia, nota FROM {self._table} "  # noqa: S608
            f"WHERE {self._key} = ? ORDER BY at, id",
            [record_id],
        ).fetchall()
        return [StatusChange(*row) for row in rows]


def readable(
    lines: Sequence[HistoryLine], labels: Mapping[str, Mapping[str, str]]
) -> list[HistoryLine]:
    """``lines`` as people read them: coded values by their Spanish label (``labels``:
    field → value → label), dates as DD-MM-AAAA, empty values as None (shown «—»), and a
    field left empty at creation not listed at all."""
    shown = []
    for line in lines:
        changed: dict[str, tuple[Json, Json]] = {}
        for name, (old, new) in line.changed.items():
            if _blank(old) and _blank(new):
                continue
            known = labels.get(name, {})
            changed[name] = (_readable(old, known), _readable(new, known))
        shown.append(replace(line, changed=changed))
    return shown


def _blank(value: Json) -> bool:
    return value is None or value == ""


def _readable(value: Json, known: Mapping[str, str]) -> Json:
    if _blank(value):
        return None
    if isinstance(value, str):
        if value in known:
            return known[value]
        if _ISO_DATE.fullmatch(value):
            return f"{value[8:10]}-{value[5:7]}-{value[0:4]}"
    return value


_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
