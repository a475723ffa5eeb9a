"""The fleet pages, for the Unidad de Alarmas Comunitarias (and administrators): the list of
controllers with their state, a controller's page (heartbeat, nodes, episodes, self-tests,
alarms, commands), the alarms with their acknowledgement, and enrollment codes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from aiohttp import web

from hub import keys
from hub.errors import Invalid, NotFound
from hub.fleet import alarms, commands, controllers, dashboard, location, readings
from hub.fleet.alarms import AlarmFilter, AlarmType, Severity
from hub.fleet.controllers import CODE_HOURS, DEFAULT_CODE_HOURS
from hub.maintenance.tickets import Tickets
from hub.territory import all_barrios
from hub.web.access import current_session, safe_next
from hub.web.render import form, render, see_other

MAX_ID: Final = 2**62


def _id(request: web.Request, name: str) -> int:
    value = int(request.match_info[name])
    if value > MAX_ID:
        raise NotFound("No existe ese registro.")
    return value


def _now(request: web.Request) -> float:
    return request.app[keys.clock]()


async def controllers_list(request: web.Request) -> web.StreamResponse:
    """``/controladores?pagina=N``: the fleet, :data:`dashboard.PAGE_SIZE` at a time."""
    text = request.query.get("pagina", "1")
    number = int(text) if text.isdecimal() and len(text) <= 9 else 1
    listing = dashboard.controllers_page(request.app[keys.db], at=_now(request), page=number)
    return render(request, "fleet/controllers.html", {"listing": listing})


async def controller_page(request: web.Request) -> web.StreamResponse:
    return _controller_page(request, _id(request, "controller_id"), {})


def _controller_page(
    request: web.Request,
    controller_id: int,
    errors: Mapping[str, str],
    *,
    status: int = 200,
    location_fields: Mapping[str, str] | None = None,
) -> web.Response:
    db, now = request.app[keys.db], _now(request)
    controller = controllers.get(db, controller_id)
    place = location.get(db, controller_id)
    context: dict[str, Any] = {
        "location": place,
        "location_fields": place.fields() if location_fields is None else location_fields,
        "state": readings.state(db, controller, at=now),
        "controller": controller,
        "heartbeat": readings.latest_heartbeat(db, controller_id),
        "nodes": readings.nodes(db, controller_id),
        "episodes": readings.episodes(db, controller_id),
        "self_tests": readings.self_tests(db, controller_id),
        "security": readings.security_totals(db, controller_id),
        "alarms": alarms.alarms(
            db, AlarmFilter(state="todas", controller_id=controller_id), limit=30
        ),
        "commands": commands.for_controller(db, controller_id),
        "command_labels": commands.LABELS,
        "errors": errors,
        "now": now,
    }
    return render(request, "fleet/controller.html", context, status=status)


async def issue_command(request: web.Request) -> web.StreamResponse:
    """Ask first (a page with the question), then queue the command on confirmation."""
    controller_id = _id(request, "controller_id")
    fields = await form(request)
    db = request.app[keys.db]
    controller = controllers.get(db, controller_id)
    command_type = fields.get("type", "")
    if command_type not in commands.LABELS:
        errors = {"type": "Elija un comando: silenciar, probar la sirena o recargar."}
        return _controller_page(request, controller_id, errors, status=400)
    if fields.get("confirmar") != "si":
        context = {
            "controller": controller,
            "type": command_type,
            "label": commands.LABELS[command_type],
            "question": commands.QUESTIONS[command_type],
        }
        return render(request, "fleet/confirm_command.html", context)
    user = current_session(request).user
    commands.issue(db, controller_id, command_type, actor=user.actor, at=_now(request))
    raise see_other(request, "controller", controller_id=str(controller_id))


async def set_interval(request: web.Request) -> web.StreamResponse:
    controller_id = _id(request, "controller_id")
    fields = await form(request)
    user = current_session(request).user
    try:
        controllers.set_interval(
            request.app[keys.db],
            controller_id,
            fields.get("report_interval_s", ""),
            actor=user.actor,
            at=_now(request),
        )
    except Invalid as exc:
        return _controller_page(request, controller_id, exc.problems, status=400)
    raise see_other(request, "controller", controller_id=str(controller_id))


async def set_location(request: web.Request) -> web.StreamResponse:
    """Save the controller's coordinates and address, or (``accion=quitar``) take it off
    the map."""
    controller_id = _id(request, "controller_id")
    fields = await form(request)
    db, actor, now = request.app[keys.db], current_session(request).user.actor, _now(request)
    try:
        if fields.get("accion") == "quitar":
            location.remove_coordinates(db, controller_id, actor=actor, at=now)
        else:
            location.set_location(db, controller_id, fields, actor=actor, at=now)
    except Invalid as exc:
        return _controller_page(
            request, controller_id, exc.problems, status=400, location_fields=fields
        )
    raise see_other(request, "controller", controller_id=str(controller_id))


def _filter(query: Mapping[str, str]) -> AlarmFilter:
    """The alarms page's filters from its query; anything unknown is ignored."""
    state = query.get("estado", "abiertas")
    severity = query.get("severidad", "")
    kind = query.get("tipo", "")
    controller = query.get("controlador", "")
    return AlarmFilter(
        state=state if state in alarms.STATES else "abiertas",
        severity=Severity(severity) if severity in {s.value for s in Severity} else None,
        type=AlarmType(kind) if kind in {t.value for t in AlarmType} else None,
        controller_id=int(controller)
        if controller.isascii() and controller.isdigit() and len(controller) < 12
        else None,
    )


async def alarms_list(request: web.Request) -> web.StreamResponse:
    db, now = request.app[keys.db], _now(request)
    wanted = _filter(request.query)
    found = alarms.alarms(db, wanted)
    held = dashboard.held_controllers(db, at=now)
    context = {
        "alarms": found,
        "held": held,
        "wanted": wanted,
        "states": alarms.STATES,
        "severities": list(Severity),
        "types": list(AlarmType),
        "controllers": alarms.alarmed_controllers(db),
        "here": request.rel_url.path_qs,
    }
    return render(request, "fleet/alarms.html", context)


async def alarm_page(request: web.Request) -> web.StreamResponse:
    return _alarm_page(request, _id(request, "alarm_id"), {})


def _alarm_page(
    request: web.Request, alarm_id: int, errors: Mapping[str, str], *, status: int = 200
) -> web.Response:
    db, now = request.app[keys.db], _now(request)
    found = alarms.alarm(db, alarm_id)
    controller = controllers.get(db, found.controller_id)
    context = {
        "alarm": found,
        "state": readings.state(db, controller, at=now),
        "tickets": Tickets(db).for_alarm(alarm_id),
        "errors": errors,
    }
    return render(request, "fleet/alarm.html", context, status=status)


async def acknowledge(request: web.Request) -> web.StreamResponse:
    alarm_id = _id(request, "alarm_id")
    fields = await form(request)
    user = current_session(request).user
    try:
        alarms.acknowledge(request.app[keys.db], alarm_id, actor=user.actor, at=_now(request))
    except Invalid as exc:
        return _alarm_page(request, alarm_id, exc.problems, status=400)
    back = safe_next(fields.get("siguiente"))
    if back is not None:
        raise web.HTTPSeeOther(back)
    raise see_other(request, "alarm", alarm_id=str(alarm_id))


def _enrollment_page(
    request: web.Request,
    fields: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    db = request.app[keys.db]
    context = {
        "codes": controllers.enrollment_codes(db),
        "barrios": all_barrios(db),
        "fields": {"hours": str(DEFAULT_CODE_HOURS), **fields},
        "errors": errors,
        "hours_range": CODE_HOURS,
        "now": _now(request),
    }
    return render(request, "fleet/enrollment.html", context, status=status)


async def enrollment_codes(request: web.Request) -> web.StreamResponse:
    return _enrollment_page(request, {}, {})


async def create_code(request: web.Request) -> web.StreamResponse:
    fields = await form(request)
    user = current_session(request).user
    try:
        record, code = controllers.issue_code(
            request.app[keys.db],
            name=fields.get("name", ""),
            barrio=fields.get("barrio", ""),
            hours=fields.get("hours", ""),
            actor=user.actor,
            at=_now(request),
        )
    except Invalid as exc:
        return _enrollment_page(request, fields, exc.problems, status=400)
    return render(request, "fleet/enrollment_code.html", {"record": record, "code": code})
