"""What the maintenance views share: who may manage, the time and zone, the actor, fixed
notices after a redirect, and links to other domains' pages when those exist."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from aiohttp import web

from hub import keys
from hub.maintenance import lookup
from hub.maintenance.technicians import Technician
from hub.roles import Role
from hub.storage import AuditEntry
from hub.web.render import NOTICES as HUB_NOTICES
from hub.web.render import render
from hub.web.requests import actor as actor
from hub.web.requests import current_user as current_user
from hub.web.requests import now as now
from hub.web.requests import path_id as path_id
from hub.web.requests import today as today
from hub.web.requests import zone as zone

MANAGERS: Final = frozenset({Role.UNIDAD_ALARMAS, Role.ADMIN})
"""Who manages windows, tickets, técnicos and the waitlist's statuses."""
WAITLIST_READERS: Final = MANAGERS | {Role.GESTOR}
"""Who may see the waitlist and add requests to it."""

NOTICES: Final[Mapping[str, str]] = {
    "ventana-creada": "La ventana de mantención quedó registrada.",
    "ventana-terminada": "La ventana de mantención terminó.",
    "ventana-cancelada": "La ventana de mantención planificada fue cancelada.",
    "ticket-creado": "El ticket fue creado.",
    "ticket-actualizado": "El ticket fue actualizado.",
    "tecnico-guardado": "Los datos del técnico quedaron guardados.",
    "solicitud-recibida": "La solicitud quedó en la lista de espera.",
    "solicitud-actualizada": "La solicitud fue actualizada.",
    "instalacion-programada": "La instalación quedó programada y se creó su ticket.",
}
"""``?aviso=`` texts of these pages (fixed, like :data:`hub.web.render.NOTICES`)."""


def page(
    request: web.Request,
    template: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
) -> web.Response:
    """Render a maintenance page: the hub's context plus these pages' notices and helpers."""
    aviso = request.query.get("aviso", "")
    extra = {
        "notice": NOTICES.get(aviso) or HUB_NOTICES.get(aviso),
        "manages": current_user(request).role in MANAGERS,
        "other_page": lambda name, **parts: other_page(request, name, **parts),
    }
    return render(request, template, {**extra, **context}, status=status)


def done(request: web.Request, name: str, notice: str, **parts: int) -> web.HTTPSeeOther:
    """A 303 to route ``name`` with one of :data:`NOTICES`, to raise."""
    assert notice in NOTICES, notice
    url = request.app.router[name].url_for(**{key: str(value) for key, value in parts.items()})
    return web.HTTPSeeOther(url.with_query(aviso=notice))


def other_page(request: web.Request, name: str, **parts: int) -> str | None:
    """The URL of another domain's page (``controller``, ``alarm``, ``barrio``), or None
    while that page does not exist."""
    try:
        resource = request.app.router[name]
        return str(resource.url_for(**{key: str(value) for key, value in parts.items()}))
    except (KeyError, ValueError):
        return None


def options(members: Iterable[Any]) -> list[tuple[str, str]]:
    """``(value, label)`` pairs of enum members, for a choice list."""
    return [(member.value, member.label) for member in members]


def numbered(records: Iterable[tuple[int, str]]) -> list[tuple[str, str]]:
    """``(id, "N° id · name")`` pairs of another domain's records, for a choice list."""
    return [(str(record_id), f"N° {record_id} · {name}") for record_id, name in records]


def technician_options(technicians: Iterable[Technician]) -> list[tuple[str, str]]:
    return [(str(t.id), t.name + ("" if t.active else " (desactivado)")) for t in technicians]


def place_names(request: web.Request, records: Any) -> dict[str, dict[int, str]]:
    """Names of the controllers and barrios that ``records`` (objects with
    ``controller_id`` and/or ``barrio_id``) name, when those tables exist."""
    db = request.app[keys.db].db
    items = list(records)
    return {
        "controller_names": lookup.names(
            db, lookup.CONTROLLERS, (getattr(item, "controller_id", None) for item in items)
        ),
        "barrio_names": lookup.names(
            db, lookup.BARRIOS, (getattr(item, "barrio_id", None) for item in items)
        ),
    }


def audit_trail(
    entries: list[AuditEntry], texts: Mapping[str, str]
) -> list[tuple[AuditEntry, str]]:
    """Audit entries with their Spanish description (``texts`` by action)."""
    return [(entry, texts.get(entry.action, entry.action)) for entry in entries]
