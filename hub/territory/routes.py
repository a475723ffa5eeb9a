"""The routes of Gestión Territorial: territorios, barrios (added to the hub's table in
:mod:`hub.routes`)."""

from __future__ import annotations

from typing import Final

from hub.enlace.web import READERS
from hub.routing import Route, route
from hub.territory import views

ROUTES: Final[tuple[Route, ...]] = (
    route("GET", "/barrios", views.barrios_list, name="barrios", access=READERS),
    route(
        "GET",
        r"/barrios/{barrio_id:\d+}",
        views.barrio_page,
        name="barrio",
        access=READERS,
        example="/barrios/1",
    ),
)
