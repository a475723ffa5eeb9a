"""Planes de acción and their hitos: every write with its audit record in the same
transaction. One plan per barrio is *vigente* at a time; closing it keeps it readable and
lets a new one be opened."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Final

from hub.enlace.history import record_change
from hub.enlace.mesas.sesiones import Sesiones
from hub.enlace.planes.model import Hito, HitoDraft, Plan, PlanDraft
from hub.errors import Invalid, NotFound
from hub.storage import Actor, HubDB, Subject
from hub.storage.audit import Json

_PLAN: Final = (
    "SELECT p.id, p.barrio_id, p.titulo, p.inicio, p.termino, p.objetivo_general, p.gestor_id, "
    "COALESCE(NULLIF(u.name, ''), u.email, ''), p.validacion, p.validacion_fecha, "
    "p.mesa_sesion_id, p.estado, p.cerrado_at, p.created_at, p.created_by, p.updated_at "
    "FROM planes p LEFT JOIN users u ON u.id = p.gestor_id"
)
_HITO: Final = (
    "SELECT id, barrio_id, plan_id, titulo, fecha, cumplido, created_at, created_by, "
    "updated_at FROM plan_hitos"
)


def _plan(row: Sequence[Any]) -> Plan:
    return Plan(
        id=row[0],
        barrio_id=row[1],
        titulo=row[2],
        inicio=date.fromisoformat(row[3]),
        termino=date.fromisoformat(row[4]),
        objetivo_general=row[5],
        gestor_id=row[6],
        gestor=row[7],
        validacion=row[8],
        validacion_fecha=date.fromisoformat(row[9]) if row[9] else None,
        mesa_sesion_id=row[10],
        estado=row[11],
        cerrado_at=row[12],
        created_at=row[13],
        created_by=row[14],
        updated_at=row[15],
    )


def _hito(row: Sequence[Any]) -> Hito:
    return Hito(row[0], row[1], row[2], row[3], date.fromisoformat(row[4]), bool(row[5]), *row[6:9])


def plan_fields(draft: PlanDraft) -> dict[str, Json]:
    """The columns a :class:`PlanDraft` sets (dates as ``AAAA-MM-DD``)."""
    return {
        "titulo": draft.titulo,
        "inicio": draft.inicio.isoformat(),
        "termino": draft.termino.isoformat(),
        "objetivo_general": draft.objetivo_general,
        "gestor_id": draft.gestor_id,
        "validacion": draft.validacion,
        "validacion_fecha": draft.validacion_fecha.isoformat() if draft.validacion_fecha else None,
        "mesa_sesion_id": draft.mesa_sesion_id,
    }


def _plan_fields(plan: Plan) -> dict[str, Json]:
    return plan_fields(
        PlanDraft(
            plan.titulo,
            plan.inicio,
            plan.termino,
            plan.objetivo_general,
            plan.gestor_id,
            plan.validacion,
            plan.validacion_fecha,
            plan.mesa_sesion_id,
        )
    )


def save_changes(
    hub: HubDB,
    table: str,
    subject: Subject,
    before: Mapping[str, Json],
    after: Mapping[str, Json],
    *,
    action: str,
    actor: Actor,
    at: float,
    extra: Mapping[str, Json],
) -> None:
    """Write ``after``'s columns (and ``updated_at``) on the ``table`` row of ``subject``
    and audit ``action`` with what changed, in one transaction; nothing if nothing changed."""
    if before == after:
        return
    sets = ", ".join(f"{name} = ?" for name in after)
    with hub.db.atomic():
        hub.db.execute(
            f"UPDATE {table} SET {sets}, updated_at = ? WHERE id = ?",  # noqa: S608
            [*after.values(), at, subject.id],
        )
        record_change(hub, actor, action, subject, before, after, at=at, extra=extra)


class Planes:
    """The planes de acción of every barrio and their hitos."""

    def __init__(self, hub: HubDB) -> None:
        self._hub = hub
        self._db = hub.db

    def create(self, barrio_id: int, draft: PlanDraft, *, actor: Actor, at: float) -> Plan:
        """Open the barrio's plan; :class:`Invalid` while another one is vigente."""
        if self.current(barrio_id) is not None:
            raise Invalid("El barrio ya tiene un plan vigente: ciérrelo antes de abrir otro.")
        record = plan_fields(draft)
        try:
            with self._db.atomic():
                cursor = self._db.execute(
                    "INSERT INTO planes (barrio_id, titulo, inicio, termino, objetivo_general, "
                    "gestor_id, validacion, validacion_fecha, mesa_sesion_id, created_at, "
                    "created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [barrio_id, *record.values(), at, actor.label, at],
                )
                plan_id = cursor.lastrowid
                assert plan_id is not None
                record_change(
                    self._hub,
                    actor,
                    "plan.create",
                    self.get(plan_id).subject,
                    None,
                    record,
                    at=at,
                    extra={"barrio_id": barrio_id},
                )
        except sqlite3.IntegrityError as exc:  # another one opened meanwhile
            raise Invalid(
                "El barrio ya tiene un plan vigente: ciérrelo antes de abrir otro."
            ) from exc
        return self.get(plan_id)

    def update(self, plan_id: int, draft: PlanDraft, *, actor: Actor, at: float) -> Plan:
        plan = self.get(plan_id)
        if not plan.vigente:
            raise Invalid("El plan está cerrado: ya no se modifica.")
        save_changes(
            self._hub,
            "planes",
            plan.subject,
            _plan_fields(plan),
            plan_fields(draft),
            action="plan.update",
            actor=actor,
            at=at,
            extra={"barrio_id": plan.barrio_id},
        )
        return self.get(plan.id)

    def close(self, plan_id: int, *, actor: Actor, at: float) -> Plan:
        plan = self.get(plan_id)
        if not plan.vigente:
            raise Invalid("El plan ya está cerrado.")
        with self._db.atomic():
            self._db.execute(
                "UPDATE planes SET estado = 'cerrado', cerrado_at = ?, updated_at = ? WHERE id = ?",
                [at, at, plan.id],
            )
            record_change(
                self._hub,
                actor,
                "plan.close",
                plan.subject,
                {"estado": "vigente"},
                {"estado": "cerrado"},
                at=at,
                extra={"barrio_id": plan.barrio_id},
            )
        return self.get(plan.id)

    def get(self, plan_id: int) -> Plan:
        row = self._db.execute(f"{_PLAN} WHERE p.id = ?", [plan_id]).fetchone()
        if row is None:
            raise NotFound(f"No existe el plan {plan_id}.")
        return _plan(row)

    def current(self, barrio_id: int) -> Plan | None:
        """The barrio's vigente plan, if it has one."""
        row = self._db.execute(
            f"{_PLAN} WHERE p.barrio_id = ? AND p.estado = 'vigente'", [barrio_id]
        ).fetchone()
        return None if row is None else _plan(row)

    def of_barrio(self, barrio_id: int) -> list[Plan]:
        """Every plan of the barrio, newest first."""
        rows = self._db.execute(
            f"{_PLAN} WHERE p.barrio_id = ? ORDER BY p.id DESC", [barrio_id]
        ).fetchall()
        return [_plan(row) for row in rows]

    def vigentes(self, where: str, params: list[int]) -> list[Plan]:
        """The vigente plans of the barrios ``where`` (a scope condition on ``p.barrio_id``)
        keeps."""
        rows = self._db.execute(
            f"{_PLAN} WHERE p.estado = 'vigente' AND {where} ORDER BY p.barrio_id", params
        ).fetchall()
        return [_plan(row) for row in rows]

    def add_hito(self, plan_id: int, draft: HitoDraft, *, actor: Actor, at: float) -> Hito:
        plan = self.get(plan_id)
        if not plan.vigente:
            raise Invalid("El plan está cerrado: ya no se modifica.")
        record: dict[str, Json] = {"titulo": draft.titulo, "fecha": draft.fecha.isoformat()}
        with self._db.atomic():
            cursor = self._db.execute(
                "INSERT INTO plan_hitos (barrio_id, plan_id, titulo, fecha, created_at, "
                "created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [plan.barrio_id, plan.id, draft.titulo, record["fecha"], at, actor.label, at],
            )
            hito_id = cursor.lastrowid
            assert hito_id is not None
            hito = self.hito(hito_id)
            record_change(
                self._hub,
                actor,
                "plan_hito.create",
                hito.subject,
                None,
                record,
                at=at,
                extra={"barrio_id": plan.barrio_id, "plan_id": plan.id},
            )
        return hito

    def set_cumplido(self, hito_id: int, cumplido: bool, *, actor: Actor, at: float) -> Hito:
        hito = self.hito(hito_id)
        save_changes(
            self._hub,
            "plan_hitos",
            hito.subject,
            {"cumplido": hito.cumplido},
            {"cumplido": cumplido},
            action="plan_hito.update",
            actor=actor,
            at=at,
            extra={"barrio_id": hito.barrio_id, "plan_id": hito.plan_id},
        )
        return self.hito(hito.id)

    def hito(self, hito_id: int) -> Hito:
        row = self._db.execute(f"{_HITO} WHERE id = ?", [hito_id]).fetchone()
        if row is None:
            raise NotFound(f"No existe el hito {hito_id}.")
        return _hito(row)

    def hitos(self, plan_id: int) -> list[Hito]:
        rows = self._db.execute(
            f"{_HITO} WHERE plan_id = ? ORDER BY fecha, id", [plan_id]
        ).fetchall()
        return [_hito(row) for row in rows]

    def mesa_sesiones(self, barrio_id: int) -> list[tuple[int, str]]:
        """The barrio's mesa sessions (id, "Sesión N° 2 del 12-01-2027 · Villa Norte"),
        named as the mesas' pages name them, newest first."""
        return [
            (sesion.id, f"{sesion.title} · {sector}" if sector else sesion.title)
            for sesion, sector in Sesiones(self._hub).of_barrio(barrio_id)
        ]

    def gestores(self, barrio_id: int) -> list[tuple[int, str]]:
        """The gestores territoriales of the barrio's territorio: who may be responsable."""
        rows = self._db.execute(
            "SELECT u.id, COALESCE(NULLIF(u.name, ''), u.email) FROM territorio_gestores g "
            "JOIN users u ON u.id = g.user_id JOIN barrios b ON b.territorio_id = "
            "g.territorio_id WHERE b.id = ? ORDER BY 2",
            [barrio_id],
        ).fetchall()
        return [(int(row[0]), str(row[1])) for row in rows]
