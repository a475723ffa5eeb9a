"""The installation waitlist (lista de espera de instalación): requests for a community
alarm from a vecino or a junta de vecinos, in the order the Unidad de Alarmas Comunitarias
will serve them.

A request is *recibida*, then *en evaluación*, *aprobada*, *programada* (scheduling it
opens an installation ticket) and *instalada*; it may be *rechazada* (with a reason) until
it is scheduled. The queue holds the requests not yet scheduled or closed (recibida, en
evaluación, aprobada), ordered by priority (urgente, alta, normal, baja), then by the date
received, then by arrival; a request's position is its place there.

The installation ticket carries its request: closing it marks the request *instalada*,
cancelling it puts the request back in the queue as *aprobada*.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Final

from hub.errors import Invalid, NotFound
from hub.forms import FormReader
from hub.maintenance import lookup
from hub.maintenance.history import WAITLIST, StatusChange, StatusLog, check_transition
from hub.maintenance.phones import chilean_phone, shown
from hub.maintenance.tickets import (
    Priority,
    Ticket,
    TicketDraft,
    TicketKind,
    Tickets,
    TicketStatus,
    like_escape,
)
from hub.storage import Actor, HubDB, Subject

MAX_HOUSEHOLDS: Final = 500


class RequesterKind(StrEnum):
    VECINO = "vecino"
    JUNTA_VECINOS = "junta_vecinos"

    @property
    def label(self) -> str:
        return "Vecino(a)" if self is RequesterKind.VECINO else "Junta de vecinos"


class RequestStatus(StrEnum):
    RECIBIDA = "recibida"
    EN_EVALUACION = "en_evaluacion"
    APROBADA = "aprobada"
    PROGRAMADA = "programada"
    INSTALADA = "instalada"
    RECHAZADA = "rechazada"

    @property
    def label(self) -> str:
        return "En evaluación" if self is R.EN_EVALUACION else self.value.capitalize()

    @property
    def in_queue(self) -> bool:
        return self in QUEUE


R = RequestStatus
QUEUE: Final = (R.RECIBIDA, R.EN_EVALUACION, R.APROBADA)
TRANSITIONS: Final[Mapping[RequestStatus, tuple[RequestStatus, ...]]] = {
    R.RECIBIDA: (R.EN_EVALUACION, R.RECHAZADA),
    R.EN_EVALUACION: (R.APROBADA, R.RECHAZADA),
    R.APROBADA: (R.PROGRAMADA, R.RECHAZADA),
    R.PROGRAMADA: (R.INSTALADA,),
    R.INSTALADA: (),
    R.RECHAZADA: (),
}
_QUEUE_SQL: Final = "('recibida', 'en_evaluacion', 'aprobada')"
_PRIORITY_ORDER: Final = (
    "CASE priority WHEN 'urgente' THEN 0 WHEN 'alta' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END"
)
_SELECT: Final = (
    "WITH queue AS (SELECT id, row_number() OVER "  # noqa: S608 - fixed SQL
    f"(ORDER BY {_PRIORITY_ORDER}, received_on, id) AS position "
    f"FROM waitlist_requests WHERE status IN {_QUEUE_SQL}) "
    "SELECT id, requester_name, requester_kind, phone, address, barrio, barrio_id, households, "
    "notes, priority, status, received_on, rejection_reason, created_at, created_by, "
    "updated_at, queue.position FROM waitlist_requests LEFT JOIN queue USING (id)"
)


@dataclass(frozen=True)
class WaitlistRequest:
    id: int
    requester_name: str
    requester_kind: RequesterKind
    phone: str
    """E.164."""
    address: str
    barrio: str
    barrio_id: int | None
    households: int
    notes: str
    priority: Priority
    status: RequestStatus
    received_on: date
    rejection_reason: str
    created_at: float
    created_by: str
    updated_at: float
    position: int | None
    """Its place in the queue (1 = next), None when it is not in the queue."""

    @property
    def phone_shown(self) -> str:
        return shown(self.phone)

    @property
    def subject(self) -> Subject:
        return Subject("waitlist_request", self.id)

    @property
    def next_statuses(self) -> tuple[RequestStatus, ...]:
        return TRANSITIONS[self.status]


@dataclass(frozen=True)
class RequestDraft:
    requester_name: str
    requester_kind: RequesterKind
    phone: str
    address: str
    barrio: str
    barrio_id: int | None
    households: int
    notes: str
    priority: Priority
    received_on: date


def read_request_form(
    fields: Mapping[str, str], *, today: date, may_set_priority: bool
) -> RequestDraft:
    """The request the form describes; the priority is read only when ``may_set_priority``
    (the Unidad and administrators), else it is *normal*."""
    form = FormReader(fields)
    name = form.text(
        "requester_name", required="Escriba el nombre de quien solicita.", max_chars=120
    )
    kind = form.choice(
        "requester_kind",
        RequesterKind,
        "Indique si la solicitud viene de un(a) vecino(a) o de una junta de vecinos.",
    )
    try:
        phone = chilean_phone(form.raw("phone"))
    except Invalid as exc:
        form.problems.update(exc.problems)
        phone = ""
    address = form.text(
        "address", required="Escriba la dirección donde se instalaría la alarma.", max_chars=200
    )
    barrio_id = form.record_id("barrio_id", "el barrio")
    barrio = form.text("barrio", max_chars=120)
    if not barrio and barrio_id is None and "barrio_id" not in form.problems:
        form.fail("barrio", "Indique el barrio.")
    households = form.whole_number(
        "households",
        f"Indique cuántos hogares cubriría la alarma (un número entre 1 y {MAX_HOUSEHOLDS}).",
        low=1,
        high=MAX_HOUSEHOLDS,
    )
    received_on = form.day("received_on") or today
    if received_on > today:
        form.fail("received_on", "La fecha de recepción no puede ser futura.")
    priority = Priority.NORMAL
    if may_set_priority:
        message = "Elija la prioridad: baja, normal, alta o urgente."
        priority = form.choice("priority", Priority, message, default=Priority.NORMAL)
    notes = form.text("notes", max_chars=2000)
    form.done()
    return RequestDraft(
        name, kind, phone, address, barrio, barrio_id, households, notes, priority, received_on
    )


def read_schedule_form(fields: Mapping[str, str], *, today: date) -> tuple[date, int | None, str]:
    """The installation date, técnico (optional) and note of the "programar" form."""
    form = FormReader(fields)
    due_on = form.day("due_on", required="Indique la fecha programada de instalación.")
    if due_on is not None and due_on < today:
        form.fail("due_on", "La fecha programada no puede estar en el pasado.")
    technician_id = form.record_id("technician_id", "el técnico")
    note = form.text("schedule_note", max_chars=2000)
    form.done()
    assert due_on is not None
    return due_on, technician_id, note


@dataclass(frozen=True)
class WaitlistFilter:
    """``status``: a status, ``""`` (the queue) or ``"todas"``."""

    status: str = ""
    kind: RequesterKind | None = None
    barrio: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> WaitlistFilter:
        status = query.get("estado", "")
        kind = query.get("tipo", "")
        return cls(
            status=status if status == "todas" or status in set(RequestStatus) else "",
            kind=RequesterKind(kind) if kind in set(RequesterKind) else None,
            barrio=query.get("barrio", "").strip()[:120],
        )

    def where(self) -> tuple[str, list[object]]:
        clauses, parameters = [], list[object]()
        if self.status == "":
            clauses.append(f"status IN {_QUEUE_SQL}")
        elif self.status != "todas":
            clauses.append("status = ?")
            parameters.append(self.status)
        if self.kind is not None:
            clauses.append("requester_kind = ?")
            parameters.append(self.kind.value)
        if self.barrio:
            clauses.append("barrio LIKE ? ESCAPE '\\'")
            parameters.append("%" + like_escape(self.barrio) + "%")
        return " AND ".join(clauses) or "1", parameters


def _request(row: Sequence[Any]) -> WaitlistRequest:
    return WaitlistRequest(
        id=row[0],
        requester_name=row[1],
        requester_kind=RequesterKind(row[2]),
        phone=row[3],
        address=row[4],
        barrio=row[5],
        barrio_id=row[6],
        households=row[7],
        notes=row[8],
        priority=Priority(row[9]),
        status=RequestStatus(row[10]),
        received_on=date.fromisoformat(row[11]),
        rejection_reason=row[12],
        created_at=row[13],
        created_by=row[14],
        updated_at=row[15],
        position=row[16],
    )


class Waitlist:
    """Every write to the waitlist and its status history, each with its audit record."""

    def __init__(self, hub: HubDB) -> None:
        self._hub = hub
        self._db = hub.db
        self._audit = hub.audit
        self._log = StatusLog(hub.db, WAITLIST)

    def add(self, draft: RequestDraft, *, actor: Actor, at: float) -> WaitlistRequest:
        """Put a request in the queue (*recibida*); :class:`Invalid` when it names a barrio
        the barrios table does not have."""
        barrio = draft.barrio
        if draft.barrio_id is not None:
            if lookup.exists(self._db, lookup.BARRIOS, draft.barrio_id) is False:
                raise Invalid(f"No existe el barrio N° {draft.barrio_id}.", field="barrio_id")
            barrio = barrio or lookup.names(self._db, lookup.BARRIOS, [draft.barrio_id]).get(
                draft.barrio_id, f"Barrio N° {draft.barrio_id}"
            )
        record = {
            "requester_name": draft.requester_name,
            "requester_kind": draft.requester_kind.value,
            "phone": draft.phone,
            "address": draft.address,
            "barrio": barrio,
            "barrio_id": draft.barrio_id,
            "households": draft.households,
            "notes": draft.notes,
            "priority": draft.priority.value,
            "received_on": draft.received_on.isoformat(),
        }
        with self._db.atomic():
            request_id = (
                self._db.table("waitlist_requests")
                .insert(
                    {
                        **record,
                        "status": R.RECIBIDA.value,
                        "created_at": at,
                        "created_by": actor.label,
                        "updated_at": at,
                    }
                )
                .last_pk
            )
            assert isinstance(request_id, int)
            self._log.add(request_id, None, R.RECIBIDA, actor=actor, at=at)
            subject = Subject("waitlist_request", request_id)
            self._audit.record(actor, "waitlist_request.create", subject, record, at=at)
        return self.get(request_id)

    def get(self, request_id: int) -> WaitlistRequest:
        row = self._db.execute(f"{_SELECT} WHERE id = ?", [request_id]).fetchone()
        if row is None:
            raise NotFound(f"No existe la solicitud N° {request_id} de la lista de espera.")
        return _request(row)

    def history(self, request_id: int) -> list[StatusChange]:
        return self._log.of(request_id)

    def search(self, wanted: WaitlistFilter = WaitlistFilter()) -> list[WaitlistRequest]:
        """Requests matching ``wanted``: the queue in order, then the others, newest first."""
        where, parameters = wanted.where()
        rows = self._db.execute(
            f"{_SELECT} WHERE {where} ORDER BY position IS NULL, position, "
            "received_on DESC, id DESC",
            parameters,
        ).fetchall()
        return [_request(row) for row in rows]

    def move(
        self, request_id: int, to: RequestStatus, *, note: str = "", actor: Actor, at: float
    ) -> WaitlistRequest:
        """Change the request's status; rejecting needs the reason in ``note``. *Programada*
        comes only from :meth:`schedule`."""
        request = self.get(request_id)
        check_move(request, to, note=note)
        self._set_status(request, to, note=note, actor=actor, at=at)
        return self.get(request.id)

    def _set_status(
        self, request: WaitlistRequest, to: RequestStatus, *, note: str, actor: Actor, at: float
    ) -> None:
        changes: dict[str, Any] = {"status": to.value, "updated_at": at}
        if to is R.RECHAZADA:
            changes["rejection_reason"] = note
        detail = {"from": request.status.value, "to": to.value, "note": note}
        with self._db.atomic():
            self._db.table("waitlist_requests").update(request.id, changes)
            self._log.add(request.id, request.status, to, note=note, actor=actor, at=at)
            self._audit.record(actor, "waitlist_request.status", request.subject, detail, at=at)

    def set_priority(
        self, request_id: int, priority: Priority, *, actor: Actor, at: float
    ) -> WaitlistRequest:
        request = self.get(request_id)
        if not request.status.in_queue:
            raise Invalid("Solo cambia la prioridad de una solicitud que está en la cola.")
        if priority is not request.priority:
            detail = {"from": request.priority.value, "to": priority.value}
            with self._db.atomic():
                self._db.table("waitlist_requests").update(
                    request.id, {"priority": priority.value, "updated_at": at}
                )
                self._audit.record(
                    actor, "waitlist_request.priority", request.subject, detail, at=at
                )
        return self.get(request.id)

    def schedule(
        self,
        request_id: int,
        *,
        due_on: date,
        technician_id: int | None,
        note: str = "",
        actor: Actor,
        at: float,
    ) -> Ticket:
        """Schedule an approved request: open its installation ticket (due ``due_on``,
        assigned when ``technician_id`` is given) and mark it *programada*."""
        request = self.get(request_id)
        check_move(request, R.PROGRAMADA, note=note, scheduling=True)
        draft = TicketDraft(
            kind=TicketKind.INSTALACION,
            priority=request.priority,
            description=(
                f"Instalación solicitada por {request.requester_name} "
                f"({request.requester_kind.label.lower()}), {request.households} hogares."
                + (f"\n{note}" if note else "")
            ),
            barrio=request.barrio,
            address=request.address,
            due_on=due_on,
            technician_id=technician_id,
        )
        with self._db.atomic():
            ticket = Tickets(self._hub).open(
                draft,
                actor=actor,
                at=at,
                waitlist_request_id=request.id,
                note=f"Desde la solicitud N° {request.id} de la lista de espera.",
            )
            text = f"Ticket de instalación N° {ticket.id} para el {due_on:%d-%m-%Y}." + (
                f" {note}" if note else ""
            )
            self._set_status(request, R.PROGRAMADA, note=text, actor=actor, at=at)
        return ticket

    def follow_ticket(self, ticket: Ticket, *, actor: Actor, at: float) -> None:
        """A scheduled request follows its installation ticket: closed → *instalada*,
        cancelled → back to *aprobada* in the queue."""
        if ticket.waitlist_request_id is None:
            return
        request = self.get(ticket.waitlist_request_id)
        if request.status is not R.PROGRAMADA:
            return
        if ticket.status is TicketStatus.CERRADO:
            note = f"Ticket de instalación N° {ticket.id} cerrado."
            self._set_status(request, R.INSTALADA, note=note, actor=actor, at=at)
        elif ticket.status is TicketStatus.CANCELADO:
            note = f"Ticket de instalación N° {ticket.id} cancelado: vuelve a la cola."
            self._set_status(request, R.APROBADA, note=note, actor=actor, at=at)


def check_move(
    request: WaitlistRequest, to: RequestStatus, *, note: str = "", scheduling: bool = False
) -> None:
    """:class:`Invalid`, in Spanish, unless ``request`` may move to ``to``."""
    check_transition(request.status, to, TRANSITIONS, the="La solicitud", one="Una solicitud")
    if to is R.PROGRAMADA and not scheduling:
        raise Invalid(
            "Para programar la instalación use «Programar instalación»: indica la fecha y "
            "crea el ticket de instalación.",
            field="status",
        )
    if to is R.RECHAZADA and not note.strip():
        raise Invalid("Para rechazar la solicitud escriba el motivo.", field="note")


def read_move_form(fields: Mapping[str, str]) -> tuple[RequestStatus, str]:
    form = FormReader(fields)
    to = form.choice("status", RequestStatus, "Elija el nuevo estado.")
    note = form.text("note", max_chars=2000)
    form.done()
    return to, note
