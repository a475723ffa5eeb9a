"""The navigation: every section and link the hub will have, shown by role.

A link appears when a GET route with its ``route`` name is in the routes table and admits
the user's role, so the routes table stays the one place that says who may see what.
Links of pages not built yet stay hidden: build the page, register its route under the
name below, and the link shows up for the roles the route admits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aiohttp import web

from hub.roles import Role
from hub.routing import RouteTable


@dataclass(frozen=True)
class NavLink:
    label: str
    route: str


@dataclass(frozen=True)
class NavSection:
    title: str
    links: tuple[NavLink, ...]


NAV: Final = (
    NavSection("Inicio", (NavLink("Panel", "panel"),)),
    NavSection(
        "Alarmas comunitarias",
        (
            NavLink("Mapa", "map"),
            NavLink("Controladores", "controllers"),
            NavLink("Alarmas", "alarms"),
            NavLink("Tickets", "tickets"),
            NavLink("Lista de espera", "waiting_list"),
        ),
    ),
    NavSection(
        "Gestión Territorial",
        (
            NavLink("Territorios", "territorios"),
            NavLink("Barrios", "barrios"),
            NavLink("Diagnósticos", "diagnosticos"),
            NavLink("Instrumentos", "instrumentos"),
            NavLink("Planes de acción", "planes"),
            NavLink("Mesas de seguridad", "mesas"),
            NavLink("Demandas", "demandas"),
        ),
    ),
    NavSection("Mediación Comunitaria", (NavLink("Mediación", "mediacion"),)),
    NavSection("Administración", (NavLink("Usuarios", "users"),)),
)


@dataclass(frozen=True)
class ShownLink:
    label: str
    url: str
    current: bool


@dataclass(frozen=True)
class ShownSection:
    title: str
    links: tuple[ShownLink, ...]


def navigation(table: RouteTable, role: Role, request: web.Request) -> list[ShownSection]:
    """The sections and links ``role`` may see; the link of the current page is marked."""
    shown = []
    for section in NAV:
        links = tuple(
            ShownLink(link.label, url, _is_current(request.path, url))
            for link in section.links
            if table.admits(link.route, role)
            for url in [str(request.app.router[link.route].url_for())]
        )
        if links:
            shown.append(ShownSection(section.title, links))
    return shown


def _is_current(path: str, url: str) -> bool:
    return path == url or (url != "/" and path.startswith(url + "/"))
