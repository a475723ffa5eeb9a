"""Objetivos específicos of a plan and their acciones, with each acción's progress
updates: every write with its audit record in the same transaction. A closed plan's
objetivos and acciones are kept as they were (read only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Final

from hub.enlace.history import record_change
from hub.enlace.planes.model import (
    Accion,
    AccionDraft,
    Avance,
    Estado,
    Objetivo,
    ObjetivoDraft,
    ProgressUpdate,
)
from hub.enlace.planes.plans import Planes, save_changes
from hub.errors import Invalid, NotFound
from hub.storage import Actor, HubDB
from hub.storage.audit import Json

CLOSED: Final = "El plan está cerrado: ya no se modifica."
_OBJETIVO: Final = (
    "SELECT o.id, o.barrio_id, o.plan_id, o.titulo, o.descripcion, o.problematica_id, "
    "COALESCE(pr.titulo, ''), o.created_at, o.created_by, o.updated_at FROM plan_objetivos o "
    "LEFT JOIN problematicas pr ON pr.id = o.problematica_id"
)
_ACCION: Final = (
    "SELECT id, barrio_id, plan_id, objetivo_id, actividad, descripcion, responsables, inicio, "
    "termino, recursos, indicador, meta, estado, avance, peso, created_at, created_by, "
    "updated_at FROM plan_acciones"
)


def _accion(row: Sequence[Any]) -> Accion:
    return Accion(
        id=row[0],
        barrio_id=row[1],
        plan_id=row[2],
        objetivo_id=row[3],
        actividad=row[4],
        descripcion=row[5],
        responsables=row[6],
        inicio=date.fromisoformat(row[7]),
        termino=date.fromisoformat(row[8]),
        recursos=row[9],
        indicador=row[10],
        meta=row[11],
        estado=Estado(row[12]),
        avance=row[13],
        peso=row[14],
        created_at=row[15],
        created_by=row[16],
        updated_at=row[17],
    )


def _objetivo_fields(draft: ObjetivoDraft) -> dict[str, Json]:
    return {
        "titulo": draft.titulo,
        "descripcion": draft.descripcion,
        "problematica_id": draft.problematica_id,
    }


def accion_fields(draft: AccionDraft) -> dict[str, Json]:
    return {
        "actividad": draft.actividad,
        "descripcion": draft.descripcion,
        "responsables": draft.responsables,
        "inicio": draft.inicio.isoformat(),
        "termino": draft.termino.isoformat(),
        "recursos": draft.recursos,
        "indicador": draft.indicador,
        "meta": draft.meta,
        "estado": draft.estado.value,
        "avance": draft.avance,
        "peso": draft.peso,
    }


def _draft_of(a: Accion) -> AccionDraft:
    return AccionDraft(
        a.actividad,
        a.descripcion,
        a.responsables,
        a.inicio,
        a.termino,
        a.recursos,
        a.indicador,
        a.meta,
        a.estado,
        a.avance,
        a.peso,
    )


class Acciones:
    """The objetivos and acciones of the planes de acción."""

    def __init__(self, hub: HubDB) -> None:
        self._hub = hub
        self._db = hub.db

    def _open_plan(self, plan_id: int) -> tuple[int, int]:
        plan = Planes(self._hub).get(plan_id)
        if not plan.vigente:
            raise Invalid(CLOSED)
        return plan.id, plan.barrio_id

    def add_objetivo(
        self, plan_id: int, draft: ObjetivoDraft, *, actor: Actor, at: float
    ) -> Objetivo:
        plan_id, barrio_id = self._open_plan(plan_id)
        record = _objetivo_fields(draft)
        with self._db.atomic():
            cursor = self._db.execute(
                "INSERT INTO plan_objetivos (barrio_id, plan_id, titulo, descripcion, "
                "problematica_id, created_at, created_by, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [barrio_id, plan_id, *record.values(), at, actor.label, at],
            )
            objetivo_id = cursor.lastrowid
            assert objetivo_id is not None
            objetivo = self.objetivo(objetivo_id)
            record_change(
                self._hub,
                actor,
                "plan_objetivo.create",
                objetivo.subject,
                None,
                record,
                at=at,
                extra={"barrio_id": barrio_id, "plan_id": plan_id},
            )
        return objetivo

    def update_objetivo(
        self, objetivo_id: int, draft: ObjetivoDraft, *, actor: Actor, at: float
    ) -> Objetivo:
        objetivo = self.objetivo(objetivo_id)
        self._open_plan(objetivo.plan_id)
        before = _objetivo_fields(
            ObjetivoDraft(objetivo.titulo, objetivo.descripcion, objetivo.problematica_id)
        )
        save_changes(
            self._hub,
            "plan_objetivos",
            objetivo.subject,
            before,
            _objetivo_fields(draft),
            action="plan_objetivo.update",
            actor=actor,
            at=at,
            extra={"barrio_id": objetivo.barrio_id},
        )
        return self.objetivo(objetivo.id)

    def objetivo(self, objetivo_id: int) -> Objetivo:
        row = self._db.execute(f"{_OBJETIVO} WHERE o.id = ?", [objetivo_id]).fetchone()
        if row is None:
            raise NotFound(f"No existe el objetivo {objetivo_id}.")
        return Objetivo(*row)

    def objetivos(self, plan_id: int) -> list[Objetivo]:
        rows = self._db.execute(
            f"{_OBJETIVO} WHERE o.plan_id = ? ORDER BY o.id", [plan_id]
        ).fetchall()
        return [Objetivo(*row) for row in rows]

    def add_accion(
        self, objetivo_id: int, draft: AccionDraft, *, actor: Actor, at: float
    ) -> Accion:
        objetivo = self.objetivo(objetivo_id)
        self._open_plan(objetivo.plan_id)
        record = accion_fields(draft)
        with self._db.atomic():
            cursor = self._db.execute(
                "INSERT INTO plan_acciones (barrio_id, plan_id, objetivo_id, actividad, "
                "descripcion, responsables, inicio, termino, recursos, indicador, meta, estado, "
                "avance, peso, created_at, created_by, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    objetivo.barrio_id,
                    objetivo.plan_id,
                    objetivo.id,
                    *record.values(),
                    at,
                    actor.label,
                    at,
                ],
            )
            accion_id = cursor.lastrowid
            assert accion_id is not None
            accion = self.accion(accion_id)
            record_change(
                self._hub,
                actor,
                "plan_accion.create",
                accion.subject,
                None,
                record,
                at=at,
                extra={"barrio_id": objetivo.barrio_id, "objetivo_id": objetivo.id},
            )
        return accion

    def update_accion(
        self, accion_id: int, draft: AccionDraft, *, actor: Actor, at: float
    ) -> Accion:
        accion = self.accion(accion_id)
        self._open_plan(accion.plan_id)
        save_changes(
            self._hub,
            "plan_acciones",
            accion.subject,
            accion_fields(_draft_of(accion)),
            accion_fields(draft),
            action="plan_accion.update",
            actor=actor,
            at=at,
            extra={"barrio_id": accion.barrio_id},
        )
        return self.accion(accion.id)

    def record_progress(
        self, accion_id: int, update: ProgressUpdate, *, actor: Actor, at: float
    ) -> Accion:
        """Set the acción's avance and estado and keep the update, with its note, in the
        acción's seguimiento."""
        accion = self.accion(accion_id)
        self._open_plan(accion.plan_id)
        before: dict[str, Json] = {"avance": accion.avance, "estado": accion.estado.value}
        after: dict[str, Json] = {"avance": update.avance, "estado": update.estado.value}
        with self._db.atomic():
            self._db.execute(
                "UPDATE plan_acciones SET avance = ?, estado = ?, updated_at = ? WHERE id = ?",
                [update.avance, update.estado.value, at, accion.id],
            )
            self._db.execute(
                "INSERT INTO plan_avances (barrio_id, accion_id, avance, estado, nota, at, by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    accion.barrio_id,
                    accion.id,
                    update.avance,
                    update.estado.value,
                    update.nota,
                    at,
                    actor.label,
                ],
            )
            record_change(
                self._hub,
                actor,
                "plan_accion.progress",
                accion.subject,
                before,
                after,
                at=at,
                extra={"barrio_id": accion.barrio_id, "nota": update.nota},
            )
        return self.accion(accion.id)

    def accion(self, accion_id: int) -> Accion:
        row = self._db.execute(f"{_ACCION} WHERE id = ?", [accion_id]).fetchone()
        if row is None:
            raise NotFound(f"No existe la acción {accion_id}.")
        return _accion(row)

    def of_plan(self, plan_id: int) -> list[Accion]:
        rows = self._db.execute(
            f"{_ACCION} WHERE plan_id = ? ORDER BY objetivo_id, inicio, id", [plan_id]
        ).fetchall()
        return [_accion(row) for row in rows]

    def of_objetivo(self, objetivo_id: int) -> list[Accion]:
        rows = self._db.execute(
            f"{_ACCION} WHERE objetivo_id = ? ORDER BY inicio, id", [objetivo_id]
        ).fetchall()
        return [_accion(row) for row in rows]

    def avances(self, accion_id: int) -> list[Avance]:
        """The acción's progress updates, newest first."""
        rows = self._db.execute(
            "SELECT id, accion_id, avance, estado, nota, at, by FROM plan_avances "
            "WHERE accion_id = ? ORDER BY at DESC, id DESC",
            [accion_id],
        ).fetchall()
        return [Avance(r[0], r[1], r[2], Estado(r[3]), r[4], r[5], r[6]) for r in rows]
