"""Técnicas cualitativas (fuente primaria de información): grupo focal, cartografía
participativa and marcha exploratoria, each with its date, place, participants, facilitator,
hallazgos and the problemáticas of the barrio it speaks of. A marcha keeps its route
(``geometria``, a LineString); the points and areas of a cartografía and the hallazgos of a
marcha are in :mod:`.elementos`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from hub.enlace.history import record_change
from hub.errors import Invalid, NotFound
from hub.forms import FormReader, positive_id
from hub.storage import Actor, HubDB, Subject
from hub.storage.audit import Json
from hub.territory import geo

SUBJECT: Final = "tecnica"
MAX_TEXT: Final = 8000
MAX_PEOPLE: Final = 100_000


class Tipo(StrEnum):
    GRUPO_FOCAL = "grupo-focal"
    CARTOGRAFIA = "cartografia"
    MARCHA = "marcha"

    @property
    def label(self) -> str:
        return TIPO_LABELS[self]


TIPO_LABELS: Final = {
    Tipo.GRUPO_FOCAL: "Grupo focal",
    Tipo.CARTOGRAFIA: "Cartografía participativa",
    Tipo.MARCHA: "Marcha exploratoria",
}
FIELD_LABELS: Final = {
    "titulo": "Nombre",
    "fecha": "Fecha",
    "lugar": "Lugar",
    "participantes": "Participantes",
    "vecinos": "Vecinos y vecinas",
    "organizaciones": "Organizaciones",
    "instituciones": "Instituciones",
    "facilitador": "Facilitador(a)",
    "hallazgos": "Hallazgos",
    "geometria": "Recorrido",
    "problematicas": "Problemáticas",
    "elemento": "Elemento",
}


@dataclass(frozen=True)
class Draft:
    """What the técnica's form says (before it is written)."""

    titulo: str
    fecha: str
    lugar: str
    participantes: int
    vecinos: str
    organizaciones: str
    instituciones: str
    facilitador: str
    hallazgos: str
    geometria: str | None
    problematicas: tuple[int, ...]


@dataclass(frozen=True)
class Tecnica:
    id: int
    barrio_id: int
    tipo: Tipo
    titulo: str
    fecha: str
    lugar: str
    participantes: int
    vecinos: str
    organizaciones: str
    instituciones: str
    facilitador: str
    hallazgos: str
    geometria: str | None
    created_at: float
    created_by: str
    updated_at: float

    @property
    def route(self) -> geo.Geometry | None:
        return geo.load(self.geometria)

    @property
    def fecha_dmy(self) -> str:
        return date.fromisoformat(self.fecha).strftime("%d-%m-%Y")

    def fields(self) -> dict[str, str]:
        """The técnica as its edit form's fields."""
        values = {k: str(v) for k, v in asdict(self).items() if v is not None}
        values["geometria"] = self.geometria or ""
        return values


_COLUMNS: Final = (
    "id, barrio_id, tipo, titulo, fecha, lugar, participantes, vecinos, organizaciones, "
    "instituciones, facilitador, hallazgos, geometria, created_at, created_by, updated_at"
)


def read_form(
    fields: Mapping[str, str], problematicas: Collection[str], tipo: Tipo, *, today: date
) -> Draft:
    """The técnica in a submitted form (``problematicas``: the ids ticked);
    :class:`Invalid` with a Spanish message per field."""
    reader = FormReader(fields)
    titulo = reader.text("titulo", required="Escriba un nombre para la actividad.", max_chars=120)
    fecha = reader.day("fecha", required="Indique la fecha en que se realizó.")
    if fecha is not None and fecha > today:
        reader.fail("fecha", "La fecha no puede ser futura: registre la actividad ya realizada.")
    lugar = reader.text("lugar", required="Indique el lugar.", max_chars=200)
    participantes = reader.whole_number(
        "participantes",
        f"Indique cuántas personas participaron (un número entre 1 y {MAX_PEOPLE}).",
        low=1,
        high=MAX_PEOPLE,
    )
    vecinos = reader.text("vecinos", max_chars=MAX_TEXT)
    organizaciones = reader.text("organizaciones", max_chars=MAX_TEXT)
    instituciones = reader.text("instituciones", max_chars=MAX_TEXT)
    facilitador = reader.text(
        "facilitador", required="Indique quién facilitó la actividad.", max_chars=120
    )
    hallazgos = reader.text("hallazgos", max_chars=MAX_TEXT)
    geometria = None
    if tipo is Tipo.MARCHA:
        try:
            route = geo.parse_optional(reader.raw("geometria"), kinds={"LineString"})
            geometria = route.to_json() if route else None
        except Invalid as exc:
            for name, message in exc.problems.items():
                reader.fail(name or "geometria", f"Recorrido: {message}")
    ids = []
    for value in problematicas:
        found = positive_id(value)
        if found is None:
            reader.fail("problematicas", "Elija las problemáticas de la lista.")
        else:
            ids.append(found)
    reader.done()
    assert fecha is not None
    return Draft(
        titulo,
        fecha.isoformat(),
        lugar,
        participantes,
        vecinos,
        organizaciones,
        instituciones,
        facilitador,
        hallazgos,
        geometria,
        tuple(sorted(set(ids))),
    )


class Tecnicas:
    def __init__(self, hub: HubDB) -> None:
        self._hub = hub

    def add(self, barrio_id: int, tipo: Tipo, draft: Draft, *, actor: Actor, at: float) -> Tecnica:
        with self._hub.db.atomic():
            self._check_problematicas(barrio_id, draft.problematicas)
            cursor = self._hub.db.execute(
                f"INSERT INTO tecnicas ({_COLUMNS.removeprefix('id, ')}) "  # noqa: S608
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [barrio_id, tipo.value, *_values(draft), at, actor.label, at],
            )
            new_id = cursor.lastrowid
            assert new_id is not None
            self._link(new_id, draft.problematicas)
            record_change(
                self._hub,
                actor,
                "tecnica.create",
                Subject(SUBJECT, new_id),
                None,
                {"tipo": tipo.label, **self._audited(draft)},
                at=at,
                extra={"barrio_id": barrio_id},
            )
        return self.get(new_id)

    def update(self, tecnica_id: int, draft: Draft, *, actor: Actor, at: float) -> Tecnica:
        with self._hub.db.atomic():
            before = self.get(tecnica_id)
            self._check_problematicas(before.barrio_id, draft.problematicas)
            old = self._audited(self._draft_of(before))
            self._hub.db.execute(
                "UPDATE tecnicas SET titulo = ?, fecha = ?, lugar = ?, participantes = ?, "
                "vecinos = ?, organizaciones = ?, instituciones = ?, facilitador = ?, "
                "hallazgos = ?, geometria = ?, updated_at = ? WHERE id = ?",
                [*_values(draft), at, tecnica_id],
            )
            self._hub.db.execute(
                "DELETE FROM tecnica_problematicas WHERE tecnica_id = ?", [tecnica_id]
            )
            self._link(tecnica_id, draft.problematicas)
            record_change(
                self._hub,
                actor,
                "tecnica.update",
                Subject(SUBJECT, tecnica_id),
                old,
                self._audited(draft),
                at=at,
                extra={"barrio_id": before.barrio_id},
            )
        return self.get(tecnica_id)

    def get(self, tecnica_id: int) -> Tecnica:
        row = self._hub.db.execute(
            f"SELECT {_COLUMNS} FROM tecnicas WHERE id = ?",  # noqa: S608
            [tecnica_id],
        ).fetchone()
        if row is None:
            raise NotFound(f"No existe la técnica {tecnica_id}.")
        return _tecnica(row)

    def of_barrio(self, barrio_id: int) -> list[Tecnica]:
        rows = self._hub.db.execute(
            f"SELECT {_COLUMNS} FROM tecnicas WHERE barrio_id = ? "  # noqa: S608
            "ORDER BY fecha DESC, id DESC",
            [barrio_id],
        ).fetchall()
        return [_tecnica(row) for row in rows]

    def problematicas_of(self, tecnica_id: int) -> list[tuple[int, str]]:
        """(id, título) of the problemáticas the técnica is linked to."""
        rows = self._hub.db.execute(
            "SELECT p.id, p.titulo FROM tecnica_problematicas l "
            "JOIN problematicas p ON p.id = l.problematica_id WHERE l.tecnica_id = ? "
            "ORDER BY p.id",
            [tecnica_id],
        ).fetchall()
        return [(int(r[0]), str(r[1])) for r in rows]

    def _draft_of(self, tecnica: Tecnica) -> Draft:
        return Draft(
            tecnica.titulo,
            tecnica.fecha,
            tecnica.lugar,
            tecnica.participantes,
            tecnica.vecinos,
            tecnica.organizaciones,
            tecnica.instituciones,
            tecnica.facilitador,
            tecnica.hallazgos,
            tecnica.geometria,
            tuple(pid for pid, _ in self.problematicas_of(tecnica.id)),
        )

    def _audited(self, draft: Draft) -> dict[str, Json]:
        values: dict[str, Json] = {
            k: v for k, v in asdict(draft).items() if k not in ("problematicas", "geometria")
        }
        values["geometria"] = "dibujado" if draft.geometria else None
        marks = ", ".join("?" for _ in draft.problematicas)
        sql = f"SELECT id, titulo FROM problematicas WHERE id IN ({marks})"  # noqa: S608
        titles = dict(self._hub.db.execute(sql, list(draft.problematicas)).fetchall())
        values["problematicas"] = ", ".join(titles[i] for i in draft.problematicas if i in titles)
        return values

    def _check_problematicas(self, barrio_id: int, ids: tuple[int, ...]) -> None:
        for problematica_id in ids:
            row = self._hub.db.execute(
                "SELECT barrio_id FROM problematicas WHERE id = ?", [problematica_id]
            ).fetchone()
            if row is None or row[0] != barrio_id:
                raise Invalid("Elija solo problemáticas de este barrio.", field="problematicas")

    def _link(self, tecnica_id: int, ids: tuple[int, ...]) -> None:
        self._hub.db.conn.executemany(
            "INSERT INTO tecnica_problematicas (tecnica_id, problematica_id) VALUES (?, ?)",
            [(tecnica_id, pid) for pid in ids],
        )


def _values(draft: Draft) -> list[object]:
    return [
        draft.titulo,
        draft.fecha,
        draft.lugar,
        draft.participantes,
        draft.vecinos,
        draft.organizaciones,
        draft.instituciones,
        draft.facilitador,
        draft.hallazgos,
        draft.geometria,
    ]


def _tecnica(row: tuple[object, ...]) -> Tecnica:
    values = list(row)
    values[2] = Tipo(str(values[2]))
    return Tecnica(*values)  # type: ignore[arg-type]
