"""Tickets de mantención: an installation, maintenance or repair job, opened by hand or
from an alarm, assigned to a técnico, and moved through its statuses::

    abierto → asignado → en curso → resuelto → cerrado
       (any of the first four) → cancelado

A ticket may also go back: asignado → abierto (the técnico is released), en curso →
asignado (paused), resuelto → en curso (reopened, with a note). Assigning needs an active
técnico; closing needs a closing note; cancelling and reopening need a note. Every change
is a row of the ticket's status history and an audit record, in one transaction.

An installation ticket made when a waitlist request is scheduled carries its request along:
closing it marks the request *instalada*; cancelling it sends the request back to
*aprobada* (see :meth:`hub.maintenance.waitlist.Waitlist.follow_ticket`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Final, TypeVar

from hub.errors import Invalid, NotFound
from hub.forms import FormReader, positive_id
from hub.maintenance import lookup
from hub.maintenance.history import TICKETS, StatusChange, StatusLog, check_transition
from hub.maintenance.phones import shown
from hub.maintenance.technicians import Technicians
from hub.storage import Actor, HubDB, Subject

E = TypeVar("E", bound=StrEnum)


class TicketKind(StrEnum):
    INSTALACION = "instalacion"
    MANTENCION = "mantencion"
    REPARACION = "reparacion"

    @property
    def label(self) -> str:
        return {"instalacion": "Instalación", "mantencion": "Mantención"}.get(
            self.value, "Reparación"
        )


class Priority(StrEnum):
    BAJA = "baja"
    NORMAL = "normal"
    ALTA = "alta"
    URGENTE = "urgente"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def rank(self) -> int:
        """Higher goes first."""
        return list(Priority).index(self)


class TicketStatus(StrEnum):
    ABIERTO = "abierto"
    ASIGNADO = "asignado"
    EN_CURSO = "en_curso"
    RESUELTO = "resuelto"
    CERRADO = "cerrado"
    CANCELADO = "cancelado"

    @property
    def label(self) -> str:
        return "En curso" if self is TicketStatus.EN_CURSO else self.value.capitalize()

    @property
    def finished(self) -> bool:
        return self in (TicketStatus.CERRADO, TicketStatus.CANCELADO)


S = TicketStatus
TRANSITIONS: Final[Mapping[TicketStatus, tuple[TicketStatus, ...]]] = {
    S.ABIERTO: (S.ASIGNADO, S.CANCELADO),
    S.ASIGNADO: (S.EN_CURSO, S.ABIERTO, S.CANCELADO),
    S.EN_CURSO: (S.RESUELTO, S.ASIGNADO, S.CANCELADO),
    S.RESUELTO: (S.CERRADO, S.EN_CURSO, S.CANCELADO),
    S.CERRADO: (),
    S.CANCELADO: (),
}
NEEDS_NOTE: Final[Mapping[tuple[TicketStatus | None, TicketStatus], str]] = {
    (None, S.CERRADO): "Para cerrar el ticket escriba la nota de cierre.",
    (None, S.CANCELADO): "Para cancelar el ticket escriba el motivo.",
    (S.RESUELTO, S.EN_CURSO): "Para reabrir el ticket explique qué falta.",
}
PRIORITY_ORDER: Final = (
    "CASE tickets.priority WHEN 'urgente' THEN 0 WHEN 'alta' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END"
)
_COLUMNS: Final = (
    "tickets.id, kind, status, priority, controller_id, alarm_id, waitlist_request_id, barrio, "
    "address, description, technician_id, technicians.name, technicians.phone, due_on, "
    "closing_note, tickets.created_at, created_by, updated_at, closed_at"
)
_FROM: Final = "tickets LEFT JOIN technicians ON technicians.id = tickets.technician_id"


@dataclass(frozen=True)
class Ticket:
    id: int
    kind: TicketKind
    status: TicketStatus
    priority: Priority
    controller_id: int | None
    alarm_id: int | None
    waitlist_request_id: int | None
    barrio: str
    address: str
    description: str
    technician_id: int | None
    technician_name: str | None
    technician_phone: str | None
    due_on: date | None
    closing_note: str
    created_at: float
    created_by: str
    updated_at: float
    closed_at: float | None

    @property
    def subject(self) -> Subject:
        return Subject("ticket", self.id)

    @property
    def next_statuses(self) -> tuple[TicketStatus, ...]:
        return TRANSITIONS[self.status]

    @property
    def technician_phone_shown(self) -> str:
        return "" if self.technician_phone is None else shown(self.technician_phone)

    def overdue(self, today: date) -> bool:
        return self.due_on is not None and self.due_on < today and not self.status.finished


@dataclass(frozen=True)
class TicketDraft:
    """A new ticket as the form gives it."""

    kind: TicketKind
    priority: Priority
    description: str
    controller_id: int | None = None
    alarm_id: int | None = None
    barrio: str = ""
    address: str = ""
    due_on: date | None = None
    technician_id: int | None = None


def read_ticket_form(fields: Mapping[str, str], *, today: date) -> TicketDraft:
    """The ticket the form describes; :class:`Invalid` with a message per wrong field."""
    form = FormReader(fields)
    kind = form.choice("kind", TicketKind, "Elija el tipo: instalación, mantención o reparación.")
    kind_known = "kind" not in form.problems
    controller_id = form.record_id("controller_id", "el controlador")
    if kind_known and kind is not TicketKind.INSTALACION and controller_id is None:
        form.fail("controller_id", f"Indique el controlador que necesita la {kind.label.lower()}.")
    address = form.text("address", max_chars=200)
    if kind_known and kind is TicketKind.INSTALACION and not address:
        form.fail("address", "Escriba la dirección de la instalación.")
    draft = TicketDraft(
        kind=kind,
        priority=_priority(form),
        description=form.text("description", required="Describa el trabajo.", max_chars=4000),
        controller_id=controller_id,
        alarm_id=form.record_id("alarm_id", "la alarma"),
        barrio=form.text("barrio", max_chars=120),
        address=address,
        due_on=_due_on(form, today),
        technician_id=form.record_id("technician_id", "el técnico"),
    )
    form.done()
    return draft


def read_edit_form(
    fields: Mapping[str, str], *, today: date, due_on: date | None = None
) -> dict[str, Any]:
    """The editable data of a ticket (priority, due date, description, place); the
    ticket's current ``due_on`` may stay even if it has passed."""
    form = FormReader(fields)
    changes = {
        "priority": _priority(form).value,
        "due_on": _due_on(form, today, keep=due_on),
        "description": form.text("description", required="Describa el trabajo.", max_chars=4000),
        "barrio": form.text("barrio", max_chars=120),
        "address": form.text("address", max_chars=200),
    }
    form.done()
    return changes


def _priority(form: FormReader) -> Priority:
    message = "Elija la prioridad: baja, normal, alta o urgente."
    return form.choice("priority", Priority, message, default=Priority.NORMAL)


def _due_on(form: FormReader, today: date, *, keep: date | None = None) -> date | None:
    due_on = form.day("due_on")
    if due_on is not None and due_on < today and due_on != keep:
        form.fail("due_on", "La fecha comprometida no puede estar en el pasado.")
    return due_on


@dataclass(frozen=True)
class TicketFilter:
    """What the ticket list shows: ``status`` is a status, ``""`` (the active ones: not
    closed or cancelled) or ``"todos"``; the others narrow it down when set."""

    status: str = ""
    kind: TicketKind | None = None
    priority: Priority | None = None
    technician_id: int | None = None
    controller_id: int | None = None
    barrio: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> TicketFilter:
        """From the list page's query (``?estado=&tipo=&prioridad=&tecnico=&controlador=
        &barrio=``); values that make no sense are ignored."""
        status = query.get("estado", "")
        return cls(
            status=status if status == "todos" or status in set(TicketStatus) else "",
            kind=_member(TicketKind, query.get("tipo", "")),
            priority=_member(Priority, query.get("prioridad", "")),
            technician_id=positive_id(query.get("tecnico", "")),
            controller_id=positive_id(query.get("controlador", "")),
            barrio=query.get("barrio", "").strip()[:120],
        )

    def where(self) -> tuple[str, list[object]]:
        clauses, parameters = [], list[object]()
        if self.status == "":
            clauses.append("status NOT IN ('cerrado', 'cancelado')")
        elif self.status != "todos":
            clauses.append("status = ?")
            parameters.append(self.status)
        for column, value in (
            ("kind", self.kind),
            ("priority", self.priority),
            ("technician_id", self.technician_id),
            ("controller_id", self.controller_id),
        ):
            if value is not None:
                clauses.append(f"tickets.{column} = ?")
                parameters.append(value.value if isinstance(value, StrEnum) else value)
        if self.barrio:
            clauses.append("barrio LIKE ? ESCAPE '\\'")
            parameters.append("%" + like_escape(self.barrio) + "%")
        return " AND ".join(clauses) or "1", parameters


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _member(kind: type[E], value: str) -> E | None:
    try:
        return kind(value)
    except ValueError:
        return None


def _ticket(row: Sequence[Any]) -> Ticket:
    return Ticket(
        id=row[0],
        kind=TicketKind(row[1]),
        status=TicketStatus(row[2]),
        priority=Priority(row[3]),
        controller_id=row[4],
        alarm_id=row[5],
        waitlist_request_id=row[6],
        barrio=row[7],
        address=row[8],
        description=row[9],
        technician_id=row[10],
        technician_name=row[11],
        technician_phone=row[12],
        due_on=None if row[13] is None else date.fromisoformat(row[13]),
        closing_note=row[14],
        created_at=row[15],
        created_by=row[16],
        updated_at=row[17],
        closed_at=row[18],
    )


class Tickets:
    """Every write to ``tickets`` and its status history, each with its audit record."""

    def __init__(self, hub: HubDB) -> None:
        self._hub = hub
        self._db = hub.db
        self._audit = hub.audit
        self._log = StatusLog(hub.db, TICKETS)
        self._technicians = Technicians(hub)

    def open(
        self,
        draft: TicketDraft,
        *,
        actor: Actor,
        at: float,
        waitlist_request_id: int | None = None,
        note: str = "",
    ) -> Ticket:
        """Store a new ticket (*abierto*, or *asignado* when the draft names a técnico);
        :class:`Invalid` when it names a controller, alarm or técnico that does not exist."""
        self._check_references(draft)
        record = {
            "kind": draft.kind.value,
            "priority": draft.priority.value,
            "controller_id": draft.controller_id,
            "alarm_id": draft.alarm_id,
            "waitlist_request_id": waitlist_request_id,
            "barrio": draft.barrio,
            "address": draft.address,
            "description": draft.description,
            "due_on": None if draft.due_on is None else draft.due_on.isoformat(),
        }
        with self._db.atomic():
            ticket_id = (
                self._db.table("tickets")
                .insert(
                    {
                        **record,
                        "status": S.ABIERTO.value,
                        "created_at": at,
                        "created_by": actor.label,
                        "updated_at": at,
                    }
                )
                .last_pk
            )
            assert isinstance(ticket_id, int)
            self._log.add(ticket_id, None, S.ABIERTO, note=note, actor=actor, at=at)
            self._audit.record(actor, "ticket.create", Subject("ticket", ticket_id), record, at=at)
            if draft.technician_id is not None:
                self.move(
                    ticket_id, S.ASIGNADO, technician_id=draft.technician_id, actor=actor, at=at
                )
        return self.get(ticket_id)

    def _check_references(self, draft: TicketDraft) -> None:
        problems = {}
        if draft.controller_id is not None and (
            lookup.exists(self._db, lookup.CONTROLLERS, draft.controller_id) is False
        ):
            problems["controller_id"] = f"No existe el controlador N° {draft.controller_id}."
        if draft.alarm_id is not None and (
            lookup.exists(self._db, lookup.ALARMS, draft.alarm_id) is False
        ):
            problems["alarm_id"] = f"No existe la alarma N° {draft.alarm_id}."
        if draft.technician_id is not None:
            try:
                self._technicians.active(draft.technician_id)
            except Invalid as exc:
                problems.update(exc.problems)
        if problems:
            raise Invalid(problems)

    def get(self, ticket_id: int) -> Ticket:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE tickets.id = ?",  # noqa: S608
            [ticket_id],
        ).fetchone()
        if row is None:
            raise NotFound(f"No existe el ticket N° {ticket_id}.")
        return _ticket(row)

    def history(self, ticket_id: int) -> list[StatusChange]:
        return self._log.of(ticket_id)

    def move(
        self,
        ticket_id: int,
        to: TicketStatus,
        *,
        technician_id: int | None = None,
        note: str = "",
        actor: Actor,
        at: float,
    ) -> Ticket:
        """Change the ticket's status to ``to`` (``technician_id``: who takes it, when it
        is assigned); :class:`Invalid` in Spanish when the move is not allowed."""
        ticket = self.get(ticket_id)
        check_move(ticket, to, technician_id=technician_id, note=note)
        changes: dict[str, Any] = {"status": to.value, "updated_at": at}
        if to is S.ASIGNADO and technician_id is not None:
            changes["technician_id"] = self._technicians.active(technician_id).id
        elif to is S.ABIERTO:
            changes["technician_id"] = None
        if to is S.CERRADO:
            changes["closing_note"] = note
        if to.finished:
            changes["closed_at"] = at
        detail = {"from": ticket.status.value, "to": to.value, "note": note}
        if "technician_id" in changes:
            detail["technician_id"] = changes["technician_id"]
        with self._db.atomic():
            self._db.table("tickets").update(ticket.id, changes)
            self._log.add(ticket.id, ticket.status, to, note=note, actor=actor, at=at)
            self._audit.record(actor, "ticket.status", ticket.subject, detail, at=at)
            moved = self.get(ticket.id)
            if moved.waitlist_request_id is not None and to.finished:
                # Imported here: the waitlist module imports this one (to schedule).
                from hub.maintenance.waitlist import Waitlist

                Waitlist(self._hub).follow_ticket(moved, actor=actor, at=at)
        return moved

    def assign(
        self, ticket_id: int, technician_id: int | None, *, note: str = "", actor: Actor, at: float
    ) -> Ticket:
        """Give the ticket to a técnico: an *abierto* one becomes *asignado*; one already
        assigned or in progress changes hands and keeps its status."""
        ticket = self.get(ticket_id)
        if ticket.status is S.ABIERTO:
            return self.move(
                ticket.id, S.ASIGNADO, technician_id=technician_id, note=note, actor=actor, at=at
            )
        if ticket.status not in (S.ASIGNADO, S.EN_CURSO):
            raise Invalid(
                f"Un ticket «{ticket.status.label}» no se reasigna.", field="technician_id"
            )
        if technician_id is None:
            raise Invalid("Elija el técnico.", field="technician_id")
        technician = self._technicians.active(technician_id)
        if technician.id == ticket.technician_id:
            raise Invalid(f"El ticket ya está asignado a {technician.name}.", field="technician_id")
        text = f"Reasignado a {technician.name}" + (f": {note}" if note else ".")
        detail = {"technician_id": technician.id, "from_technician_id": ticket.technician_id}
        with self._db.atomic():
            self._db.table("tickets").update(
                ticket.id, {"technician_id": technician.id, "updated_at": at}
            )
            self._log.add(ticket.id, ticket.status, ticket.status, note=text, actor=actor, at=at)
            self._audit.record(actor, "ticket.assign", ticket.subject, detail, at=at)
        return self.get(ticket.id)

    def edit(
        self, ticket_id: int, changes: Mapping[str, Any], *, actor: Actor, at: float
    ) -> Ticket:
        """Change the ticket's priority, due date, description or place (what
        :func:`read_edit_form` gives); a closed or cancelled ticket does not change."""
        ticket = self.get(ticket_id)
        if ticket.status.finished:
            raise Invalid(f"Un ticket «{ticket.status.label}» ya no se edita.")
        due_on = changes.get("due_on")
        wanted = {**changes, "due_on": due_on.isoformat() if isinstance(due_on, date) else None}
        current = {
            "priority": ticket.priority.value,
            "due_on": None if ticket.due_on is None else ticket.due_on.isoformat(),
            "description": ticket.description,
            "barrio": ticket.barrio,
            "address": ticket.address,
        }
        changed = {key: value for key, value in wanted.items() if current.get(key) != value}
        if changed:
            with self._db.atomic():
                self._db.table("tickets").update(ticket.id, {**changed, "updated_at": at})
                self._audit.record(actor, "ticket.edit", ticket.subject, changed, at=at)
        return self.get(ticket.id)

    def search(self, wanted: TicketFilter = TicketFilter(), *, limit: int = 500) -> list[Ticket]:
        """Tickets matching ``wanted``: unfinished first, then by priority, due date and age."""
        where, parameters = wanted.where()
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE {where} "  # noqa: S608
            f"ORDER BY status IN ('cerrado', 'cancelado'), {PRIORITY_ORDER}, "
            "due_on IS NULL, due_on, tickets.created_at, tickets.id LIMIT ?",
            [*parameters, limit],
        ).fetchall()
        return [_ticket(row) for row in rows]

    def for_alarm(self, alarm_id: int) -> list[Ticket]:
        """The tickets opened from an alarm (for the fleet's alarm page)."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE alarm_id = ? ORDER BY tickets.id",  # noqa: S608
            [alarm_id],
        ).fetchall()
        return [_ticket(row) for row in rows]

    def of_request(self, request_id: int) -> list[Ticket]:
        """The installation tickets made for a waitlist request, oldest first."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM {_FROM} "  # noqa: S608
            "WHERE waitlist_request_id = ? ORDER BY tickets.id",
            [request_id],
        ).fetchall()
        return [_ticket(row) for row in rows]


def check_move(
    ticket: Ticket, to: TicketStatus, *, technician_id: int | None = None, note: str = ""
) -> None:
    """:class:`Invalid`, in Spanish, unless ``ticket`` may move to ``to`` with what is given."""
    check_transition(ticket.status, to, TRANSITIONS, the="El ticket", one="Un ticket")
    if to is S.ASIGNADO and technician_id is None and ticket.technician_id is None:
        raise Invalid("Para asignar el ticket elija un técnico.", field="technician_id")
    needs = NEEDS_NOTE.get((None, to)) or NEEDS_NOTE.get((ticket.status, to))
    if needs and not note.strip():
        raise Invalid(needs, field="note")


def read_move_form(fields: Mapping[str, str]) -> tuple[TicketStatus, int | None, str]:
    """The status, técnico and note of the "cambiar estado" form."""
    form = FormReader(fields)
    to = form.choice("status", TicketStatus, "Elija el nuevo estado.")
    technician_id = form.record_id("technician_id", "el técnico")
    note = form.text("note", max_chars=2000)
    form.done()
    return to, technician_id, note
