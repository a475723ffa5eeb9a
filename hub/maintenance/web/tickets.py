"""Ticket pages: the list with filters, the new-ticket form (also opened from an alarm with
``?alarma=<id>&controlador=<id>``), a ticket's page with its status history, and the
forms that change its status, técnico and data. Técnicos: list, add, edit, deactivate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from aiohttp import web

from hub import keys
from hub.errors import Invalid
from hub.forms import positive_id
from hub.maintenance import lookup
from hub.maintenance.technicians import Technician, Technicians, read_technician_form
from hub.maintenance.tickets import (
    Priority,
    Ticket,
    TicketFilter,
    TicketKind,
    Tickets,
    TicketStatus,
    read_edit_form,
    read_move_form,
    read_ticket_form,
)
from hub.maintenance.web.common import (
    actor,
    audit_trail,
    done,
    now,
    numbered,
    options,
    page,
    path_id,
    place_names,
    technician_options,
    today,
)
from hub.web.render import form

TICKET_ACTIONS: Final = {"ticket.edit": "Datos del ticket editados"}
TECHNICIAN_ACTIONS: Final = {
    "technician.create": "Técnico registrado",
    "technician.update": "Nombre o teléfono cambiado",
    "technician.activate": "Técnico reactivado",
    "technician.deactivate": "Técnico desactivado",
}


def _choices() -> dict[str, Any]:
    return {
        "kind_options": options(TicketKind),
        "priority_options": options(Priority),
        "status_options": options(TicketStatus),
    }


async def tickets_list(request: web.Request) -> web.StreamResponse:
    wanted = TicketFilter.from_query(request.query)
    hub = request.app[keys.db]
    found = Tickets(hub).search(wanted)
    context = {
        "tickets": found,
        "wanted": wanted,
        "technician_options": technician_options(Technicians(hub).all()),
        "today": today(request),
        **place_names(request, found),
        **_choices(),
    }
    return page(request, "maintenance/tickets_list.html", context)


async def new_ticket_form(request: web.Request) -> web.StreamResponse:
    """The form, blank or opened from an alarm: ``?alarma=<id>&controlador=<id>`` choose a
    repair of that controller (read from the alarm when not given) and link the alarm."""
    db = request.app[keys.db].db
    alarm_id = positive_id(request.query.get("alarma", ""))
    controller_id = positive_id(request.query.get("controlador", ""))
    if controller_id is None and alarm_id is not None:
        controller_id = lookup.number(db, lookup.ALARMS, "controller_id", alarm_id)
    fields = {"kind": "", "priority": Priority.NORMAL.value}
    if controller_id is not None:
        fields.update(kind=TicketKind.REPARACION.value, controller_id=str(controller_id))
        barrio_id = lookup.number(db, lookup.CONTROLLERS, "barrio_id", controller_id)
        if barrio_id is not None:
            fields["barrio"] = lookup.names(db, lookup.BARRIOS, [barrio_id]).get(barrio_id, "")
    if alarm_id is not None:
        fields.update(
            kind=TicketKind.REPARACION.value,
            alarm_id=str(alarm_id),
            priority=Priority.ALTA.value,
            description=f"Revisar el controlador tras la alarma N° {alarm_id}.",
        )
    return _form_page(request, fields, {})


async def create_ticket(request: web.Request) -> web.StreamResponse:
    fields = await form(request)
    try:
        draft = read_ticket_form(fields, today=today(request))
        ticket = Tickets(request.app[keys.db]).open(draft, actor=actor(request), at=now(request))
    except Invalid as exc:
        return _form_page(request, fields, exc.problems, status=400)
    raise done(request, "ticket", "ticket-creado", ticket_id=ticket.id)


def _form_page(
    request: web.Request,
    fields: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    hub = request.app[keys.db]
    alarm_id = positive_id(fields.get("alarm_id", ""))
    context = {
        "fields": fields,
        "errors": errors,
        "alarm_id": alarm_id,
        "technician_options": technician_options(Technicians(hub).all(only_active=True)),
        "controller_options": numbered(lookup.all_names(hub.db, lookup.CONTROLLERS)),
        **_choices(),
    }
    return page(request, "maintenance/ticket_new.html", context, status=status)


async def ticket_detail(request: web.Request) -> web.StreamResponse:
    return _detail(request, _ticket(request), {}, {})


async def move_ticket(request: web.Request) -> web.StreamResponse:
    ticket = _ticket(request)
    fields = await form(request)
    try:
        to, technician_id, note = read_move_form(fields)
        Tickets(request.app[keys.db]).move(
            ticket.id,
            to,
            technician_id=technician_id,
            note=note,
            actor=actor(request),
            at=now(request),
        )
    except Invalid as exc:
        return _detail(request, ticket, exc.problems, fields, status=400)
    raise done(request, "ticket", "ticket-actualizado", ticket_id=ticket.id)


async def assign_ticket(request: web.Request) -> web.StreamResponse:
    ticket = _ticket(request)
    fields = await form(request)
    technician_id = positive_id(fields.get("technician_id", ""))
    try:
        Tickets(request.app[keys.db]).assign(
            ticket.id,
            technician_id,
            note=fields.get("note", "").strip()[:2000],
            actor=actor(request),
            at=now(request),
        )
    except Invalid as exc:
        return _detail(request, ticket, exc.problems, fields, status=400)
    raise done(request, "ticket", "ticket-actualizado", ticket_id=ticket.id)


async def edit_ticket(request: web.Request) -> web.StreamResponse:
    ticket = _ticket(request)
    fields = await form(request)
    try:
        changes = read_edit_form(fields, today=today(request), due_on=ticket.due_on)
        Tickets(request.app[keys.db]).edit(
            ticket.id, changes, actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _detail(request, ticket, exc.problems, fields, status=400)
    raise done(request, "ticket", "ticket-actualizado", ticket_id=ticket.id)


def _ticket(request: web.Request) -> Ticket:
    return Tickets(request.app[keys.db]).get(path_id(request, "ticket_id"))


def _detail(
    request: web.Request,
    ticket: Ticket,
    errors: Mapping[str, str],
    fields: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    hub = request.app[keys.db]
    edits = [e for e in hub.audit.history(ticket.subject) if e.action in TICKET_ACTIONS]
    context = {
        "ticket": ticket,
        "errors": errors,
        "fields": fields,
        "history": Tickets(hub).history(ticket.id),
        "edits": audit_trail(edits, TICKET_ACTIONS),
        "technician_options": technician_options(Technicians(hub).all(only_active=True)),
        "next_options": options(ticket.next_statuses),
        "today": today(request),
        "status_labels": {status.value: status.label for status in TicketStatus},
        **place_names(request, [ticket]),
        **_choices(),
    }
    return page(request, "maintenance/ticket_detail.html", context, status=status)


async def technicians_list(request: web.Request) -> web.StreamResponse:
    return _technicians_page(request, {}, {})


async def add_technician(request: web.Request) -> web.StreamResponse:
    fields = await form(request)
    try:
        name, phone = read_technician_form(fields)
        technician = Technicians(request.app[keys.db]).add(
            name, phone, actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _technicians_page(request, fields, exc.problems, status=400)
    raise done(request, "technician", "tecnico-guardado", technician_id=technician.id)


def _technicians_page(
    request: web.Request,
    fields: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    context = {
        "technicians": Technicians(request.app[keys.db]).all(),
        "fields": fields,
        "errors": errors,
    }
    return page(request, "maintenance/technicians.html", context, status=status)


async def technician_detail(request: web.Request) -> web.StreamResponse:
    technician = _technician(request)
    fields = {"name": technician.name, "phone": technician.phone_shown}
    return _technician_page(request, technician, fields, {})


async def update_technician(request: web.Request) -> web.StreamResponse:
    technician = _technician(request)
    fields = await form(request)
    try:
        name, phone = read_technician_form(fields)
        Technicians(request.app[keys.db]).update(
            technician.id, name, phone, actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _technician_page(request, technician, fields, exc.problems, status=400)
    raise done(request, "technician", "tecnico-guardado", technician_id=technician.id)


async def deactivate_technician(request: web.Request) -> web.StreamResponse:
    return _set_active(request, active=False)


async def activate_technician(request: web.Request) -> web.StreamResponse:
    return _set_active(request, active=True)


def _set_active(request: web.Request, *, active: bool) -> web.StreamResponse:
    technician = _technician(request)
    Technicians(request.app[keys.db]).set_active(
        technician.id, active, actor=actor(request), at=now(request)
    )
    raise done(request, "technician", "tecnico-guardado", technician_id=technician.id)


def _technician(request: web.Request) -> Technician:
    return Technicians(request.app[keys.db]).get(path_id(request, "technician_id"))


def _technician_page(
    request: web.Request,
    technician: Technician,
    fields: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    hub = request.app[keys.db]
    context = {
        "technician": technician,
        "fields": fields,
        "errors": errors,
        "tickets": Tickets(hub).search(TicketFilter(technician_id=technician.id)),
        "history": audit_trail(hub.audit.history(technician.subject), TECHNICIAN_ACTIONS),
    }
    return page(request, "maintenance/technician_detail.html", context, status=status)
