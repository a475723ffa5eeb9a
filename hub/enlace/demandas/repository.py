"""Every write to the demandas, their activities and estados, each audited in the same
transaction (:func:`hub.enlace.history.record_change`) and each change of estado kept in
``demanda_estados``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from statistics import median
from typing import Any, Final

from hub.enlace.demandas.forms import ActividadDraft, DemandaDraft, DemandaFilter, Triage
from hub.enlace.demandas.model import (
    SUBJECT,
    TRANSITIONS,
    Actividad,
    Canal,
    Categoria,
    Demanda,
    Estado,
    Prioridad,
    TipoActividad,
)
from hub.enlace.estados import StatusChange, StatusHistory, check_transition
from hub.enlace.history import record_change
from hub.errors import Invalid, NotFound
from hub.roles import Role
from hub.storage import Actor, HubDB, Subject
from hub.storage.audit import Json

_SELECT: Final = (
    "SELECT d.id, d.barrio_id, b.name, d.canal, d.categoria, d.descripcion, d.solicitante, "
    "d.contacto, d.recibida_el, d.prioridad, d.responsable_id, "
    "COALESCE(NULLIF(u.name, ''), u.email, ''), "
    "d.responsable_institucion, d.derivada_a, d.derivacion_nota, d.estado, "
    "d.motivo_desestimacion, d.resuelta_el, d.created_at, d.created_by, d.updated_at "
    "FROM demandas d JOIN barrios b ON b.id = d.barrio_id "
    "LEFT JOIN users u ON u.id = d.responsable_id"
)
RESPONSABLE_ROLES: Final = (Role.GESTOR, Role.ADMIN, Role.MEDIACION)


@dataclass(frozen=True)
class Metrics:
    """Figures of a list: open, overdue, and the median response time (días corridos
    from received to resolved) of the resolved ones (None when there are none)."""

    abiertas: int
    vencidas: int
    resueltas: int
    mediana_dias: float | None


def metrics(demandas: Sequence[Demanda], today: date) -> Metrics:
    days = [d.response_days for d in demandas if d.response_days is not None]
    return Metrics(
        abiertas=sum(1 for d in demandas if d.estado.open),
        vencidas=sum(1 for d in demandas if d.vencida(today)),
        resueltas=len(days),
        mediana_dias=float(median(days)) if days else None,
    )


def _demanda(row: Sequence[Any]) -> Demanda:
    return Demanda(
        id=row[0],
        barrio_id=row[1],
        barrio=row[2],
        canal=Canal(row[3]),
        categoria=Categoria(row[4]),
        descripcion=row[5],
        solicitante=row[6],
        contacto=row[7],
        recibida_el=date.fromisoformat(row[8]),
        prioridad=Prioridad(row[9]),
        responsable_id=row[10],
        responsable=row[11] if row[10] is not None else "",
        responsable_institucion=row[12],
        derivada_a=row[13],
        derivacion_nota=row[14],
        estado=Estado(row[15]),
        motivo_desestimacion=row[16],
        resuelta_el=date.fromisoformat(row[17]) if row[17] else None,
        created_at=row[18],
        created_by=row[19],
        updated_at=row[20],
    )


class Demandas:
    def __init__(self, hub: HubDB) -> None:
        self._hub = hub
        self._db = hub.db
        self._estados = StatusHistory(hub, "demanda_estados", "demanda_id")

    # Reading.

    def get(self, demanda_id: int) -> Demanda:
        row = self._db.execute(f"{_SELECT} WHERE d.id = ?", [demanda_id]).fetchone()
        if row is None:
            raise NotFound(f"No existe la demanda {demanda_id}.")
        return _demanda(row)

    def search(
        self, scope_sql: str, scope_params: Sequence[object], wanted: DemandaFilter, today: date
    ) -> list[Demanda]:
        """Visible demandas (``scope_sql`` on ``d.barrio_id``) matching ``wanted``: the
        overdue first (oldest plazo first), then the others by plazo."""
        where, params = wanted.where()
        rows = self._db.execute(
            f"{_SELECT} WHERE ({scope_sql}) AND {where} ORDER BY d.recibida_el, d.id",
            [*scope_params, *params],
        ).fetchall()
        found = [_demanda(row) for row in rows]
        if wanted.vencidas:
            found = [d for d in found if d.vencida(today)]
        return sorted(found, key=lambda d: (not d.vencida(today), d.plazo, d.id))

    def of_barrio(self, barrio_id: int) -> list[Demanda]:
        rows = self._db.execute(
            f"{_SELECT} WHERE d.barrio_id = ? ORDER BY d.recibida_el DESC, d.id DESC",
            [barrio_id],
        ).fetchall()
        return [_demanda(row) for row in rows]

    def actividades(self, demanda_id: int) -> list[Actividad]:
        rows = self._db.execute(
            "SELECT id, demanda_id, fecha, tipo, descripcion, quien, created_at, created_by "
            "FROM demanda_actividades WHERE demanda_id = ? ORDER BY fecha, id",
            [demanda_id],
        ).fetchall()
        return [
            Actividad(r[0], r[1], date.fromisoformat(r[2]), TipoActividad(r[3]), *r[4:])
            for r in rows
        ]

    def estados(self, demanda_id: int) -> list[StatusChange]:
        return self._estados.of(demanda_id)

    def responsables(self) -> list[tuple[int, str]]:
        """Active users who may be a demanda's responsable: (id, name)."""
        return [
            (user.id, user.display_name)
            for user in self._hub.users.all()
            if user.active and user.role in RESPONSABLE_ROLES
        ]

    # Writing.

    def add(self, barrio_id: int, draft: DemandaDraft, *, actor: Actor, at: float) -> Demanda:
        record: dict[str, Json] = {
            "canal": draft.canal.value,
            "categoria": draft.categoria.value,
            "descripcion": draft.descripcion,
            "solicitante": draft.solicitante,
            "contacto": draft.contacto,
            "recibida_el": draft.recibida_el.isoformat(),
            "prioridad": draft.prioridad.value,
            "estado": Estado.RECIBIDA.value,
        }
        with self._db.atomic():
            cursor = self._db.execute(
                "INSERT INTO demandas (barrio_id, canal, categoria, descripcion, solicitante, "
                "contacto, recibida_el, prioridad, estado, created_at, created_by, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [barrio_id, *record.values(), at, actor.label, at],
            )
            new_id = cursor.lastrowid
            assert new_id is not None
            self._estados.add(new_id, None, Estado.RECIBIDA.value, actor=actor, at=at)
            logged = {**record, "contacto": "(registrado)" if draft.contacto else ""}
            self._audit(actor, "demanda.create", new_id, None, logged, barrio_id, at)
        return self.get(new_id)

    def triage(self, demanda_id: int, triage: Triage, *, actor: Actor, at: float) -> Demanda:
        """Set prioridad and responsable; a *recibida* demanda moves to *en triage*."""
        demanda = self.get(demanda_id)
        if not demanda.estado.open:
            raise Invalid(f"La demanda está «{demanda.estado.label}»: ya no se hace su triage.")
        team = dict(self.responsables())
        if triage.responsable_id is not None and triage.responsable_id not in team:
            raise Invalid(
                "Elija como responsable a una persona activa del equipo.", field="responsable_id"
            )
        # The history names the responsable (the row keeps the user's id).
        before: dict[str, Json] = {
            "prioridad": demanda.prioridad.value,
            "responsable": demanda.responsable,
            "responsable_institucion": demanda.responsable_institucion,
        }
        after: dict[str, Json] = {
            "prioridad": triage.prioridad.value,
            "responsable": team.get(triage.responsable_id or 0, ""),
            "responsable_institucion": triage.responsable_institucion,
        }
        with self._db.atomic():
            self._db.execute(
                "UPDATE demandas SET prioridad = ?, responsable_id = ?, "
                "responsable_institucion = ?, updated_at = ? WHERE id = ?",
                [
                    triage.prioridad.value,
                    triage.responsable_id,
                    triage.responsable_institucion,
                    at,
                    demanda.id,
                ],
            )
            self._audit(actor, "demanda.triage", demanda.id, before, after, demanda.barrio_id, at)
            if demanda.estado is Estado.RECIBIDA:
                self._move(demanda, Estado.EN_TRIAGE, "Triage registrado.", actor, at, today=None)
        return self.get(demanda.id)

    def derive(
        self, demanda_id: int, institucion: str, nota: str, *, actor: Actor, at: float
    ) -> Demanda:
        """Derive the demanda to another institution or unit: it becomes *derivada*. Nothing
        is created in that institution's records (a Mediación case is opened by Mediación,
        naming this demanda)."""
        demanda = self.get(demanda_id)
        try:
            check_transition(
                demanda.estado, Estado.DERIVADA, TRANSITIONS, the="La demanda", one="Una demanda"
            )
        except Invalid as exc:  # the derivación form has no estado field
            raise Invalid("\n".join(exc.problems.values())) from None
        before: dict[str, Json] = {
            "derivada_a": demanda.derivada_a,
            "derivacion_nota": demanda.derivacion_nota,
        }
        after: dict[str, Json] = {"derivada_a": institucion, "derivacion_nota": nota}
        with self._db.atomic():
            self._db.execute(
                "UPDATE demandas SET derivada_a = ?, derivacion_nota = ?, updated_at = ? "
                "WHERE id = ?",
                [institucion, nota, at, demanda.id],
            )
            self._audit(actor, "demanda.derive", demanda.id, before, after, demanda.barrio_id, at)
            self._move(demanda, Estado.DERIVADA, f"Derivada a {institucion}: {nota}", actor, at)
        return self.get(demanda.id)

    def add_actividad(
        self, demanda_id: int, draft: ActividadDraft, *, actor: Actor, at: float
    ) -> Actividad:
        demanda = self.get(demanda_id)
        if not demanda.estado.open:
            raise Invalid(
                f"La demanda está «{demanda.estado.label}»: ya no se registran actividades."
            )
        record: dict[str, Json] = {
            "fecha": draft.fecha.isoformat(),
            "tipo": draft.tipo.value,
            "descripcion": draft.descripcion,
            "quien": draft.quien,
        }
        with self._db.atomic():
            cursor = self._db.execute(
                "INSERT INTO demanda_actividades (demanda_id, barrio_id, fecha, tipo, "
                "descripcion, quien, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [demanda.id, demanda.barrio_id, *record.values(), at, actor.label],
            )
            assert cursor.lastrowid is not None
            self._db.execute("UPDATE demandas SET updated_at = ? WHERE id = ?", [at, demanda.id])
            self._audit(actor, "demanda.activity", demanda.id, None, record, demanda.barrio_id, at)
        return next(a for a in self.actividades(demanda.id) if a.id == cursor.lastrowid)

    def move(
        self, demanda_id: int, to: Estado, *, nota: str = "", actor: Actor, at: float, today: date
    ) -> Demanda:
        """Change the estado (``today``: the hub's date, kept as the date resolved).
        *Derivada* comes only from :meth:`derive`; *desestimada* needs the reason."""
        demanda = self.get(demanda_id)
        check_transition(demanda.estado, to, TRANSITIONS, the="La demanda", one="Una demanda")
        if to is Estado.DERIVADA:
            raise Invalid(
                "Para derivar use «Derivar»: indique la institución o unidad y una nota.",
                field="estado",
            )
        if to is Estado.DESESTIMADA and not nota.strip():
            raise Invalid("Para desestimar la demanda escriba el motivo.", field="nota")
        with self._db.atomic():
            self._move(demanda, to, nota, actor, at, today=today)
        return self.get(demanda.id)

    def _move(
        self,
        demanda: Demanda,
        to: Estado,
        nota: str,
        actor: Actor,
        at: float,
        *,
        today: date | None = None,
    ) -> None:
        changes: dict[str, Json] = {"estado": to.value}
        if to is Estado.RESUELTA:
            changes["resuelta_el"] = (today or demanda.recibida_el).isoformat()
        elif to is Estado.EN_RESPUESTA and demanda.resuelta_el is not None:
            changes["resuelta_el"] = None  # reopened: the response time starts over
        if to is Estado.DESESTIMADA:
            changes["motivo_desestimacion"] = nota
        before: dict[str, Json] = {
            "estado": demanda.estado.value,
            "resuelta_el": demanda.resuelta_el.isoformat() if demanda.resuelta_el else None,
            "motivo_desestimacion": demanda.motivo_desestimacion,
        }
        sets = ", ".join(f"{name} = ?" for name in changes)
        self._db.execute(
            f"UPDATE demandas SET {sets}, updated_at = ? WHERE id = ?",  # noqa: S608
            [*changes.values(), at, demanda.id],
        )
        self._estados.add(demanda.id, demanda.estado.value, to.value, nota=nota, actor=actor, at=at)
        self._audit(actor, "demanda.status", demanda.id, before, changes, demanda.barrio_id, at)

    def _audit(
        self,
        actor: Actor,
        action: str,
        demanda_id: int,
        before: dict[str, Json] | None,
        after: dict[str, Json],
        barrio_id: int,
        at: float,
    ) -> None:
        record_change(
            self._hub,
            actor,
            action,
            Subject(SUBJECT, demanda_id),
            before,
            after,
            at=at,
            extra={"barrio_id": barrio_id},
        )
