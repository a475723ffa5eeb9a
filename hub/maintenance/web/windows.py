"""Maintenance window pages: the list (in progress, planned, past), the form (per
controller or barrio, planned or immediate), a window's page and "terminar ahora"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from aiohttp import web

from hub import keys
from hub.errors import Invalid
from hub.forms import positive_id
from hub.maintenance import lookup
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
    zone,
)
from hub.maintenance.windows import (
    MaintenanceWindow,
    MaintenanceWindows,
    WindowKind,
    WindowState,
    read_window_form,
)
from hub.web.render import form

TITLES: Final = {
    WindowState.EN_CURSO: "En curso",
    WindowState.PROGRAMADA: "Planificadas, por empezar",
    WindowState.TERMINADA: "Terminadas",
    WindowState.CANCELADA: "Canceladas",
}
ACTIONS: Final = {
    "maintenance_window.create": "Ventana registrada",
    "maintenance_window.end": "Terminada antes de tiempo («terminar ahora»)",
    "maintenance_window.cancel": "Cancelada antes de empezar",
}


async def windows_list(request: web.Request) -> web.StreamResponse:
    controller_id = positive_id(request.query.get("controlador", ""))
    barrio_id = None if controller_id else positive_id(request.query.get("barrio", ""))
    found = MaintenanceWindows(request.app[keys.db]).listing(
        at=now(request), controller_id=controller_id, barrio_id=barrio_id
    )
    every = [window for windows in found.values() for window in windows]
    context = {
        "sections": [(state, found[state]) for state in TITLES],
        "titles": TITLES,
        "controller_id": controller_id,
        "barrio_id": barrio_id,
        "at": now(request),
        **place_names(request, every),
    }
    return page(request, "maintenance/windows_list.html", context)


async def new_window_form(request: web.Request) -> web.StreamResponse:
    """The form; ``?controlador=<id>`` or ``?barrio=<id>`` fill in what it covers."""
    fields = {
        "controller_id": str(positive_id(request.query.get("controlador", "")) or ""),
        "barrio_id": str(positive_id(request.query.get("barrio", "")) or ""),
        "kind": WindowKind.INMEDIATA.value,
    }
    return _form_page(request, fields, {})


async def create_window(request: web.Request) -> web.StreamResponse:
    fields = await form(request)
    windows = MaintenanceWindows(request.app[keys.db])
    try:
        draft = read_window_form(fields, at=now(request), zone=zone(request))
        window = windows.create(draft, actor=actor(request), at=now(request))
    except Invalid as exc:
        return _form_page(request, fields, exc.problems, status=400)
    raise done(request, "maintenance_window", "ventana-creada", window_id=window.id)


def _form_page(
    request: web.Request,
    fields: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    db = request.app[keys.db].db
    context = {
        "fields": fields,
        "errors": errors,
        "kinds_options": options(WindowKind),
        "barrios": numbered(lookup.all_names(db, lookup.BARRIOS)),
        "controllers": numbered(lookup.all_names(db, lookup.CONTROLLERS)),
        "now": now(request),
    }
    return page(request, "maintenance/window_new.html", context, status=status)


async def window_detail(request: web.Request) -> web.StreamResponse:
    window = _window(request)
    return _detail(request, window, {})


async def end_window(request: web.Request) -> web.StreamResponse:
    window = _window(request)
    try:
        ended = MaintenanceWindows(request.app[keys.db]).end(
            window.id, actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _detail(request, window, exc.problems, status=400)
    notice = "ventana-cancelada" if ended.canceled_at is not None else "ventana-terminada"
    raise done(request, "maintenance_window", notice, window_id=window.id)


def _window(request: web.Request) -> MaintenanceWindow:
    return MaintenanceWindows(request.app[keys.db]).get(path_id(request, "window_id"))


def _detail(
    request: web.Request,
    window: MaintenanceWindow,
    errors: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    history = request.app[keys.db].audit.history(window.subject)
    context = {
        "window": window,
        "state": window.state(now(request)),
        "errors": errors,
        "history": audit_trail(history, ACTIONS),
        **place_names(request, [window]),
    }
    return page(request, "maintenance/window_detail.html", context, status=status)
