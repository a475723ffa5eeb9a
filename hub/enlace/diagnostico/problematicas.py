"""Problemáticas: the security problems a barrio's diagnóstico names ("Principales
problemáticas relacionadas con la seguridad pública del barrio"). Objectives of the plan de
acción, técnicas cualitativas and mesas link to them by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from hub.enlace.history import record_change
from hub.errors import Invalid, NotFound
from hub.storage import Actor, HubDB, Subject

MAX_TITLE: Final = 120
MAX_TEXT: Final = 4000
SUBJECT: Final = "problematica"


@dataclass(frozen=True)
class Problematica:
    id: int
    barrio_id: int
    titulo: str
    descripcion: str
    created_at: float
    created_by: str


_COLUMNS: Final = "id, barrio_id, titulo, descripcion, created_at, created_by"


class Problematicas:
    def __init__(self, hub: HubDB) -> None:
        self._hub = hub

    def add(
        self, barrio_id: int, titulo: str, descripcion: str = "", *, actor: Actor, at: float
    ) -> Problematica:
        titulo = " ".join(titulo.split())
        if not titulo:
            raise Invalid("Escriba la problemática.", field="titulo")
        if len(titulo) > MAX_TITLE:
            raise Invalid(f"Use como máximo {MAX_TITLE} caracteres.", field="titulo")
        if len(descripcion) > MAX_TEXT:
            raise Invalid(f"Use como máximo {MAX_TEXT} caracteres.", field="descripcion")
        descripcion = descripcion.strip()
        with self._hub.db.atomic():
            cursor = self._hub.db.execute(
                "INSERT INTO problematicas (barrio_id, titulo, descripcion, created_at, "
                "created_by) VALUES (?, ?, ?, ?, ?)",
                [barrio_id, titulo, descripcion, at, actor.label],
            )
            new_id = cursor.lastrowid
            assert new_id is not None
            record_change(
                self._hub,
                actor,
                "problematica.create",
                Subject(SUBJECT, new_id),
                None,
                {"titulo": titulo, "descripcion": descripcion},
                at=at,
                extra={"barrio_id": barrio_id},
            )
        return self.get(new_id)

    def get(self, problematica_id: int) -> Problematica:
        row = self._hub.db.execute(
            f"SELECT {_COLUMNS} FROM problematicas WHERE id = ?",  # noqa: S608
            [problematica_id],
        ).fetchone()
        if row is None:
            raise NotFound(f"No existe la problemática {problematica_id}.")
        return Problematica(*row)

    def of_barrio(self, barrio_id: int) -> list[Problematica]:
        rows = self._hub.db.execute(
            f"SELECT {_COLUMNS} FROM problematicas WHERE barrio_id = ? ORDER BY id",  # noqa: S608
            [barrio_id],
        ).fetchall()
        return [Problematica(*row) for row in rows]
