"""The records of the diagnóstico's lists (:mod:`hub.enlace.diagnostico.listas`): added,
edited and removed — removal is soft (``removed_at``) and audited, so a record's page and
history stay — each change audited in its transaction.

>>> focos = Registros(hub, FOCOS)                                        # doctest: +SKIP
>>> values = read_form(FOCOS, fields, problematica_ids={1, 2})          # doctest: +SKIP
>>> foco = focos.add(barrio_id, values, actor=actor, at=now)            # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from hub.enlace.diagnostico.listas import Field, Lista
from hub.enlace.history import HistoryLine, history_of, record_change
from hub.errors import Invalid, NotFound
from hub.forms import FormReader
from hub.storage import Actor, HubDB, Subject
from hub.storage.audit import Json
from hub.territory import geo
from hub.territory.geo import Geometry

_META: Final = ("id", "barrio_id", "created_at", "created_by", "updated_at", "removed_at")


@dataclass(frozen=True)
class Registro:
    lista: Lista
    id: int
    barrio_id: int
    values: dict[str, Any]
    created_at: float
    created_by: str
    updated_at: float
    removed_at: float | None

    @property
    def nombre(self) -> str:
        return str(self.values.get("nombre", ""))

    @property
    def removed(self) -> bool:
        return self.removed_at is not None

    @property
    def geometry(self) -> Geometry | None:
        field = self.lista.geometry_field
        return None if field is None else geo.load(self.values.get(field.name))

    def shown(self, field: Field) -> str:
        """The value as a page shows it (choices by label)."""
        value = self.values.get(field.name)
        if field.kind == "choice":
            return field.choice_label(value)
        return "" if value is None else str(value)

    @property
    def subject(self) -> Subject:
        return Subject(self.lista.subject, self.id)


def read_form(
    lista: Lista, fields: Mapping[str, str], *, problematica_ids: Collection[int]
) -> dict[str, Json]:
    """The values of ``lista``'s form; :class:`Invalid` with one Spanish message per field.
    A problemática must be one of the barrio's (``problematica_ids``)."""
    form = FormReader(fields)
    values: dict[str, Json] = {}
    for field in lista.fields:
        values[field.name] = _read(form, field, problematica_ids)
    form.done()
    return values


def _read(form: FormReader, field: Field, problematica_ids: Collection[int]) -> Json:
    if field.kind in ("text", "longtext"):
        text = form.text(field.name, required=field.required, max_chars=field.max_chars)
        return " ".join(text.split()) if field.kind == "text" else text
    if field.kind == "choice":
        value = form.raw(field.name)
        if value not in dict(field.choices):
            form.fail(field.name, field.required or f"Elija {field.label.lower()}.")
        return value
    if field.kind == "geometry":
        text = form.raw(field.name)
        if not text:
            if field.required:
                form.fail(field.name, field.required)
            return None
        try:
            return geo.parse_geometry(text, kinds=field.geo_kinds, field=field.name).to_json()
        except Invalid as exc:
            form.problems.update({k: v for k, v in exc.problems.items() if k not in form.problems})
            return None
    found = form.record_id(field.name, "la problemática")
    if found is not None and found not in problematica_ids:
        form.fail(field.name, "Elija una problemática de este barrio.")
        return None
    return found


class Registros:
    def __init__(self, hub: HubDB, lista: Lista) -> None:
        self._hub = hub
        self.lista = lista

    def add(
        self, barrio_id: int, values: Mapping[str, Json], *, actor: Actor, at: float
    ) -> Registro:
        lista = self.lista
        row = {name: values.get(name) for name in lista.columns}
        columns = ", ".join(lista.columns)
        marks = ", ".join("?" for _ in lista.columns)
        with self._hub.db.atomic():
            cursor = self._hub.db.execute(
                f"INSERT INTO {lista.table} (barrio_id, {columns}, created_at, "  # noqa: S608
                f"created_by, updated_at) VALUES (?, {marks}, ?, ?, ?)",
                [barrio_id, *row.values(), at, actor.label, at],
            )
            new_id = cursor.lastrowid
            assert new_id is not None
            record_change(
                self._hub,
                actor,
                f"{lista.subject}.create",
                Subject(lista.subject, new_id),
                None,
                _shown(lista, row),
                at=at,
                extra={"barrio_id": barrio_id},
            )
        return self.get(new_id)

    def update(
        self, record_id: int, values: Mapping[str, Json], *, actor: Actor, at: float
    ) -> Registro:
        lista = self.lista
        before = self.get(record_id)
        if before.removed:
            raise Invalid(f"No se puede editar {lista.noun}: fue eliminado del diagnóstico.")
        row = {name: values.get(name) for name in lista.columns}
        old = {name: before.values.get(name) for name in lista.columns}
        if row == old:
            return before
        sets = ", ".join(f"{name} = ?" for name in lista.columns)
        with self._hub.db.atomic():
            self._hub.db.execute(
                f"UPDATE {lista.table} SET {sets}, updated_at = ? WHERE id = ?",  # noqa: S608
                [*row.values(), at, record_id],
            )
            record_change(
                self._hub,
                actor,
                f"{lista.subject}.update",
                before.subject,
                _shown(lista, old),
                _shown(lista, row),
                at=at,
                extra={"barrio_id": before.barrio_id},
            )
        return self.get(record_id)

    def remove(self, record_id: int, *, actor: Actor, at: float) -> Registro:
        """Take the record out of the diagnóstico (kept, with its history)."""
        before = self.get(record_id)
        if before.removed:
            return before
        with self._hub.db.atomic():
            self._hub.db.execute(
                f"UPDATE {self.lista.table} SET removed_at = ?, updated_at = ? "  # noqa: S608
                "WHERE id = ?",
                [at, at, record_id],
            )
            record_change(
                self._hub,
                actor,
                f"{self.lista.subject}.remove",
                before.subject,
                {"estado": "vigente"},
                {"estado": "eliminado"},
                at=at,
                extra={"barrio_id": before.barrio_id},
            )
        return self.get(record_id)

    def get(self, record_id: int) -> Registro:
        row = self._hub.db.execute(
            f"{self._select()} WHERE id = ?",
            [record_id],
        ).fetchone()
        if row is None:
            raise NotFound(f"No existe {self.lista.noun} {record_id}.")
        return self._registro(row)

    def of_barrio(self, barrio_id: int, *, removed: bool = False) -> list[Registro]:
        """The barrio's records in the order written (``removed``: the removed ones only)."""
        condition = "IS NOT NULL" if removed else "IS NULL"
        rows = self._hub.db.execute(
            f"{self._select()} WHERE barrio_id = ? AND removed_at {condition} ORDER BY id",
            [barrio_id],
        ).fetchall()
        return [self._registro(row) for row in rows]

    def count(self, barrio_id: int) -> int:
        row = self._hub.db.execute(
            f"SELECT COUNT(*) FROM {self.lista.table} "  # noqa: S608
            "WHERE barrio_id = ? AND removed_at IS NULL",
            [barrio_id],
        ).fetchone()
        return int(row[0])

    def history(self, record_id: int) -> list[HistoryLine]:
        lista = self.lista
        texts = {
            f"{lista.subject}.create": "Registró",
            f"{lista.subject}.update": "Editó",
            f"{lista.subject}.remove": "Eliminó del diagnóstico",
        }
        return history_of(self._hub, Subject(lista.subject, record_id), texts)

    def _select(self) -> str:
        columns = ", ".join((*_META, *self.lista.columns))
        return f"SELECT {columns} FROM {self.lista.table}"  # noqa: S608

    def _registro(self, row: Sequence[Any]) -> Registro:
        values = dict(zip(self.lista.columns, row[len(_META) :], strict=True))
        return Registro(
            self.lista,
            int(row[0]),
            int(row[1]),
            values,
            float(row[2]),
            str(row[3]),
            float(row[4]),
            None if row[5] is None else float(row[5]),
        )


def _shown(lista: Lista, row: Mapping[str, Json]) -> dict[str, Json]:
    """What the history keeps: choices by their label, geometries as their kind."""
    shown: dict[str, Json] = {}
    for field in lista.fields:
        value = row.get(field.name)
        if field.kind == "choice":
            shown[field.name] = field.choice_label(value)
        elif field.kind == "geometry":
            loaded = geo.load(value) if isinstance(value, str) else None
            shown[field.name] = None if loaded is None else describe(loaded)
        else:
            shown[field.name] = value
    return shown


def describe(geometry: Geometry) -> str:
    """A geometry in words: ``un punto en -70.75500, -33.51000``."""
    lon, lat = geometry.center()
    where = f"{lon:.5f}, {lat:.5f}"
    if geometry.kind == "Point":
        return f"un punto en {where}"
    count = sum(1 for _ in geometry.positions())
    return f"{geo.KIND_NAMES[geometry.kind]} de {count} posiciones, centro en {where}"
