"""Waitlist pages: the queue with positions and filters, its CSV, the new-request form
(gestores too), a request's page with its history, and the Unidad's forms: change status
(rejecting needs a reason), change priority, schedule the installation (opens its ticket)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from aiohttp import web

from hub import keys
from hub.errors import Invalid
from hub.maintenance import lookup
from hub.maintenance.exports import waitlist_csv
from hub.maintenance.technicians import Technicians
from hub.maintenance.tickets import Priority, Tickets
from hub.maintenance.waitlist import (
    RequesterKind,
    RequestStatus,
    Waitlist,
    WaitlistFilter,
    WaitlistRequest,
    read_move_form,
    read_request_form,
    read_schedule_form,
)
from hub.maintenance.web.common import (
    MANAGERS,
    actor,
    current_user,
    done,
    now,
    numbered,
    options,
    page,
    path_id,
    technician_options,
    today,
)
from hub.web.render import form

SCHEDULED: Final = RequestStatus.PROGRAMADA
"""Reached only through the schedule form, so not offered in the status form."""


def _choices() -> dict[str, Any]:
    return {
        "kind_options": options(RequesterKind),
        "status_options": options(RequestStatus),
        "priority_options": options(Priority),
    }


async def waitlist_list(request: web.Request) -> web.StreamResponse:
    wanted = WaitlistFilter.from_query(request.query)
    context = {
        "requests": Waitlist(request.app[keys.db]).search(wanted),
        "wanted": wanted,
        "csv_query": request.query_string,
        **_choices(),
    }
    return page(request, "maintenance/waitlist_list.html", context)


async def waitlist_export(request: web.Request) -> web.StreamResponse:
    """The list as CSV, with the same filters as the page."""
    found = Waitlist(request.app[keys.db]).search(WaitlistFilter.from_query(request.query))
    name = f"lista-de-espera-{today(request):%Y-%m-%d}.csv"
    return web.Response(
        body=waitlist_csv(found).encode(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def new_request_form(request: web.Request) -> web.StreamResponse:
    fields = {"priority": Priority.NORMAL.value, "received_on": today(request).isoformat()}
    return _form_page(request, fields, {})


async def create_request(request: web.Request) -> web.StreamResponse:
    fields = await form(request)
    may_set_priority = current_user(request).role in MANAGERS
    try:
        draft = read_request_form(fields, today=today(request), may_set_priority=may_set_priority)
        added = Waitlist(request.app[keys.db]).add(draft, actor=actor(request), at=now(request))
    except Invalid as exc:
        return _form_page(request, fields, exc.problems, status=400)
    raise done(request, "waiting_request", "solicitud-recibida", request_id=added.id)


def _form_page(
    request: web.Request,
    fields: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    context = {
        "fields": fields,
        "errors": errors,
        "barrio_options": numbered(lookup.all_names(request.app[keys.db].db, lookup.BARRIOS)),
        "today": today(request),
        **_choices(),
    }
    return page(request, "maintenance/waitlist_new.html", context, status=status)


async def request_detail(request: web.Request) -> web.StreamResponse:
    return _detail(request, _request(request), {}, {})


async def move_request(request: web.Request) -> web.StreamResponse:
    wanted = _request(request)
    fields = await form(request)
    try:
        to, note = read_move_form(fields)
        Waitlist(request.app[keys.db]).move(
            wanted.id, to, note=note, actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _detail(request, wanted, exc.problems, fields, status=400)
    raise done(request, "waiting_request", "solicitud-actualizada", request_id=wanted.id)


async def set_request_priority(request: web.Request) -> web.StreamResponse:
    wanted = _request(request)
    fields = await form(request)
    try:
        priority = Priority(fields.get("priority", ""))
    except ValueError:
        problems = {"priority": "Elija la prioridad: baja, normal, alta o urgente."}
        return _detail(request, wanted, problems, fields, status=400)
    try:
        Waitlist(request.app[keys.db]).set_priority(
            wanted.id, priority, actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _detail(request, wanted, exc.problems, fields, status=400)
    raise done(request, "waiting_request", "solicitud-actualizada", request_id=wanted.id)


async def schedule_request(request: web.Request) -> web.StreamResponse:
    wanted = _request(request)
    fields = await form(request)
    try:
        due_on, technician_id, note = read_schedule_form(fields, today=today(request))
        ticket = Waitlist(request.app[keys.db]).schedule(
            wanted.id,
            due_on=due_on,
            technician_id=technician_id,
            note=note,
            actor=actor(request),
            at=now(request),
        )
    except Invalid as exc:
        return _detail(request, wanted, exc.problems, fields, status=400)
    raise done(request, "ticket", "instalacion-programada", ticket_id=ticket.id)


def _request(request: web.Request) -> WaitlistRequest:
    return Waitlist(request.app[keys.db]).get(path_id(request, "request_id"))


def _detail(
    request: web.Request,
    wanted: WaitlistRequest,
    errors: Mapping[str, str],
    fields: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    hub = request.app[keys.db]
    context = {
        "item": wanted,
        "errors": errors,
        "fields": fields,
        "history": Waitlist(hub).history(wanted.id),
        "tickets": Tickets(hub).of_request(wanted.id),
        "technician_options": technician_options(Technicians(hub).all(only_active=True)),
        "next_options": options(
            s for s in wanted.next_statuses if s is not RequestStatus.PROGRAMADA
        ),
        "status_labels": {status.value: status.label for status in RequestStatus},
        "today": today(request),
        **_choices(),
    }
    return page(request, "maintenance/waitlist_detail.html", context, status=status)
