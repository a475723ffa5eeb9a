"""Changing a barrio from the Gestión Territorial pages: creating it in a territorio, its
datos (name, sector, caracterización sociodemográfica) and its limits — each change
audited in the same transaction, with what changed (``record_change``).

Scope is the views' business (:func:`hub.enlace.web.barrio_of`); this repository checks
the data.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Final

from hub.enlace.history import HistoryLine, history_of, record_change
from hub.errors import Invalid
from hub.storage import Actor, HubDB, Subject
from hub.storage.audit import Json
from hub.territory.barrio_forms import AGE_LABELS, BarrioData, NewBarrio
from hub.territory.barrios import AGE_BANDS, GSE_GROUPS, Barrio, BarrioProfile, get, profile
from hub.territory.geo import Geometry
from hub.territory.limits import describe

HISTORY_TEXTS: Final = {
    "barrio.create": "Creó el barrio",
    "barrio.update": "Cambió los datos del barrio",
    "barrio.limites": "Cambió los límites del barrio",
    "barrio.territorio": "Cambió el territorio del barrio",
    "barrio.rename": "Cambió el nombre del barrio",
}
"""The Spanish of each barrio action, for its history."""
HISTORY_LABELS: Final[dict[str, str]] = {
    "name": "Nombre",
    "sector": "Sector",
    "poblacion": "Población",
    "fuente": "Fuente",
    "limites": "Límites",
    "territorio": "Territorio",
    **{band: f"Población {label.lower()}" for band, label in AGE_LABELS.items()},
    **{group: f"GSE {group} (%)" for group in GSE_GROUPS},
}
"""The Spanish of each field of the barrio's history."""


class BarrioRecords:
    def __init__(self, hub: HubDB) -> None:
        self._hub = hub

    def create(self, draft: NewBarrio, *, actor: Actor, at: float) -> Barrio:
        """A new barrio in ``draft.territorio_id``; :class:`Invalid` when the name is taken."""
        try:
            with self._hub.db.atomic():
                cursor = self._hub.db.execute(
                    "INSERT INTO barrios (name, created_at, territorio_id, sector, updated_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [draft.name, at, draft.territorio_id, draft.sector, at],
                )
                barrio_id = cursor.lastrowid
                assert barrio_id is not None
                territorio = self._territorio_name(draft.territorio_id)
                record_change(
                    self._hub,
                    actor,
                    "barrio.create",
                    Subject("barrio", barrio_id),
                    None,
                    {"name": draft.name, "territorio": territorio, "sector": draft.sector},
                    at=at,
                    extra={"barrio_id": barrio_id},
                )
                if draft.territorio_id is not None:
                    self._hub.audit.record(
                        actor,
                        "territorio.barrio_add",
                        Subject("territorio", draft.territorio_id),
                        {"barrio_id": barrio_id, "cambios": {"barrio": [None, draft.name]}},
                        at=at,
                    )
        except sqlite3.IntegrityError:
            raise _taken(draft.name) from None
        return get(self._hub, barrio_id)

    def update(self, barrio_id: int, data: BarrioData, *, actor: Actor, at: float) -> None:
        """Set the barrio's datos (audited with what changed; nothing when nothing did)."""
        before = _flat(_data_of(profile(self._hub, barrio_id)))
        after = _flat(data)
        if before == after:
            return
        try:
            with self._hub.db.atomic():
                self._hub.db.execute(
                    "UPDATE barrios SET name = ?, sector = ?, poblacion = ?, grupos_etarios = ?, "
                    "gse = ?, fuente_sociodemografica = ?, updated_at = ? WHERE id = ?",
                    [
                        data.name,
                        data.sector,
                        data.poblacion,
                        json.dumps(data.grupos_etarios),
                        json.dumps(data.gse),
                        data.fuente,
                        at,
                        barrio_id,
                    ],
                )
                record_change(
                    self._hub,
                    actor,
                    "barrio.update",
                    Subject("barrio", barrio_id),
                    before,
                    after,
                    at=at,
                    extra={"barrio_id": barrio_id},
                )
        except sqlite3.IntegrityError:
            raise _taken(data.name) from None

    def set_limits(
        self, barrio_id: int, limits: Geometry | None, *, actor: Actor, at: float
    ) -> None:
        """Set (or, with None, remove) the barrio's limits; the history keeps a
        description of the old and new limits (vertices and hectares)."""
        old = profile(self._hub, barrio_id).limites
        if old == limits:
            return
        with self._hub.db.atomic():
            self._hub.db.execute(
                "UPDATE barrios SET limites = ?, updated_at = ? WHERE id = ?",
                [None if limits is None else limits.to_json(), at, barrio_id],
            )
            record_change(
                self._hub,
                actor,
                "barrio.limites",
                Subject("barrio", barrio_id),
                {"limites": describe(old)},
                {"limites": describe(limits)},
                at=at,
                extra={"barrio_id": barrio_id},
            )

    def history(self, barrio_id: int) -> list[HistoryLine]:
        return history_of(self._hub, Subject("barrio", barrio_id), HISTORY_TEXTS)

    def _territorio_name(self, territorio_id: int | None) -> str | None:
        if territorio_id is None:
            return None
        row = self._hub.db.execute(
            "SELECT name FROM territorios WHERE id = ?", [territorio_id]
        ).fetchone()
        if row is None:
            raise Invalid("Elija uno de los territorios de la lista.", field="territorio_id")
        return str(row[0])


def _data_of(found: BarrioProfile) -> BarrioData:
    return BarrioData(
        found.barrio.name,
        found.sector,
        found.poblacion,
        found.grupos_etarios,
        found.gse,
        found.fuente,
    )


def _flat(data: BarrioData) -> dict[str, Json]:
    """The datos as one flat mapping, so the history shows each band and group apart."""
    flat: dict[str, Json] = {"name": data.name, "sector": data.sector, "poblacion": data.poblacion}
    flat.update({band: data.grupos_etarios.get(band) for band in AGE_BANDS})
    flat.update({group: data.gse.get(group) for group in GSE_GROUPS})
    flat["fuente"] = data.fuente
    return flat


def _taken(name: str) -> Invalid:
    return Invalid(f"Ya existe un barrio llamado «{name}».", field="name")
