"""Problemáticas: the security problems a barrio's diagnóstico names ("Principales
problemáticas relacionadas con la seguridad pública del barrio"), each with its prioridad
(alta, media, baja). Objectives of the plan de acción, técnicas cualitativas and mesas link
to them by id; their caracterización is in :mod:`hub.enlace.diagnostico.caracterizacion`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from hub.enlace.history import HistoryLine, history_of, record_change
from hub.errors import Invalid, NotFound
from hub.forms import FormReader
from hub.storage import Actor, HubDB, Subject

MAX_TITLE: Final = 120
MAX_TEXT: Final = 4000
SUBJECT: Final = "problematica"


class Prioridad(StrEnum):
    ALTA = "alta"
    MEDIA = "media"
    BAJA = "baja"

    @property
    def label(self) -> str:
        return self.value.capitalize()


HISTORY_TEXTS: Final = {
    "problematica.create": "Registró la problemática",
    "problematica.update": "Editó la problemática",
    "problematica.caracterizacion": "Actualizó la caracterización",
}
FIELD_LABELS: Final = {
    "titulo": "Problemática",
    "descripcion": "Descripción",
    "prioridad": "Prioridad",
}


@dataclass(frozen=True)
class Problematica:
    id: int
    barrio_id: int
    titulo: str
    descripcion: str
    created_at: float
    created_by: str
    prioridad: Prioridad = Prioridad.MEDIA
    updated_at: float | None = None

    @property
    def subject(self) -> Subject:
        return Subject(SUBJECT, self.id)


@dataclass(frozen=True)
class ProblematicaDraft:
    titulo: str
    descripcion: str
    prioridad: Prioridad


_COLUMNS: Final = (
    "id, barrio_id, titulo, descripcion, created_at, created_by, prioridad, updated_at"
)


def read_problematica_form(fields: Mapping[str, str]) -> ProblematicaDraft:
    """The problemática the form describes; :class:`Invalid` in Spanish per field."""
    form = FormReader(fields)
    titulo = " ".join(
        form.text("titulo", required="Escriba la problemática.", max_chars=MAX_TITLE).split()
    )
    descripcion = form.text("descripcion", max_chars=MAX_TEXT)
    prioridad = form.choice(
        "prioridad", Prioridad, "Elija la prioridad: alta, media o baja.", default=Prioridad.MEDIA
    )
    form.done()
    return ProblematicaDraft(titulo, descripcion, prioridad)


class Problematicas:
    def __init__(self, hub: HubDB) -> None:
        self._hub = hub

    def add(
        self,
        barrio_id: int,
        titulo: str,
        descripcion: str = "",
        *,
        actor: Actor,
        at: float,
        prioridad: Prioridad = Prioridad.MEDIA,
    ) -> Problematica:
        draft = _checked(titulo, descripcion, prioridad)
        with self._hub.db.atomic():
            cursor = self._hub.db.execute(
                "INSERT INTO problematicas (barrio_id, titulo, descripcion, created_at, "
                "created_by, prioridad, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [barrio_id, draft.titulo, draft.descripcion, at, actor.label, draft.prioridad, at],
            )
            new_id = cursor.lastrowid
            assert new_id is not None
            record_change(
                self._hub,
                actor,
                "problematica.create",
                Subject(SUBJECT, new_id),
                None,
                _fields(draft),
                at=at,
                extra={"barrio_id": barrio_id},
            )
        return self.get(new_id)

    def update(
        self, problematica_id: int, draft: ProblematicaDraft, *, actor: Actor, at: float
    ) -> Problematica:
        """Change the title, description and prioridad (audited with what changed)."""
        before = self.get(problematica_id)
        draft = _checked(draft.titulo, draft.descripcion, draft.prioridad)
        old = _fields(ProblematicaDraft(before.titulo, before.descripcion, before.prioridad))
        new = _fields(draft)
        if old == new:
            return before
        with self._hub.db.atomic():
            self._hub.db.execute(
                "UPDATE problematicas SET titulo = ?, descripcion = ?, prioridad = ?, "
                "updated_at = ? WHERE id = ?",
                [draft.titulo, draft.descripcion, draft.prioridad, at, problematica_id],
            )
            record_change(
                self._hub,
                actor,
                "problematica.update",
                before.subject,
                old,
                new,
                at=at,
                extra={"barrio_id": before.barrio_id},
            )
        return self.get(problematica_id)

    def get(self, problematica_id: int) -> Problematica:
        row = self._hub.db.execute(
            f"SELECT {_COLUMNS} FROM problematicas WHERE id = ?",  # noqa: S608
            [problematica_id],
        ).fetchone()
        if row is None:
            raise NotFound(f"No existe la problemática {problematica_id}.")
        return _problematica(row)

    def of_barrio(self, barrio_id: int) -> list[Problematica]:
        """The barrio's problemáticas in the order they were written."""
        rows = self._hub.db.execute(
            f"SELECT {_COLUMNS} FROM problematicas WHERE barrio_id = ? ORDER BY id",  # noqa: S608
            [barrio_id],
        ).fetchall()
        return [_problematica(row) for row in rows]

    def ranked(self, barrio_id: int) -> list[Problematica]:
        """The barrio's problemáticas by prioridad (alta first), then in the order written."""
        order = {Prioridad.ALTA: 0, Prioridad.MEDIA: 1, Prioridad.BAJA: 2}
        return sorted(self.of_barrio(barrio_id), key=lambda p: (order[p.prioridad], p.id))

    def history(self, problematica_id: int) -> list[HistoryLine]:
        return history_of(self._hub, Subject(SUBJECT, problematica_id), HISTORY_TEXTS)


def _checked(titulo: str, descripcion: str, prioridad: Prioridad) -> ProblematicaDraft:
    titulo = " ".join(titulo.split())
    if not titulo:
        raise Invalid("Escriba la problemática.", field="titulo")
    if len(titulo) > MAX_TITLE:
        raise Invalid(f"Use como máximo {MAX_TITLE} caracteres.", field="titulo")
    if len(descripcion) > MAX_TEXT:
        raise Invalid(f"Use como máximo {MAX_TEXT} caracteres.", field="descripcion")
    return ProblematicaDraft(titulo, descripcion.strip(), Prioridad(prioridad))


def _fields(draft: ProblematicaDraft) -> dict[str, str]:
    return {
        "titulo": draft.titulo,
        "descripcion": draft.descripcion,
        "prioridad": draft.prioridad.value,
    }


def _problematica(row: Sequence[Any]) -> Problematica:
    return Problematica(
        id=int(row[0]),
        barrio_id=int(row[1]),
        titulo=str(row[2]),
        descripcion=str(row[3]),
        created_at=float(row[4]),
        created_by=str(row[5]),
        prioridad=Prioridad(str(row[6])),
        updated_at=None if row[7] is None else float(row[7]),
    )
