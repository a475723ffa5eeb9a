"""The routes of Mesas de Seguridad Focalizadas (added to the hub's table in :mod:`hub.routes`)."""

from __future__ import annotations

from typing import Final

from hub.enlace.mesas import views
from hub.enlace.web import READERS, WRITERS
from hub.routing import Route, route

ROUTES: Final[tuple[Route, ...]] = (
    route("GET", "/mesas", views.mesas_list, name="mesas", access=READERS),
    route(
        "GET",
        r"/barrios/{barrio_id:\d+}/mesas",
        views.mesas_barrio,
        name="mesas_barrio",
        access=READERS,
        example="/barrios/1/mesas",
    ),
    route(
        "POST",
        r"/barrios/{barrio_id:\d+}/mesas",
        views.create_mesa,
        name="mesas_barrio",
        access=WRITERS,
        example="/barrios/1/mesas",
    ),
    route(
        "GET",
        r"/mesas/{mesa_id:\d+}",
        views.mesa_page,
        name="mesa",
        access=READERS,
        example="/mesas/1",
    ),
    route(
        "POST",
        r"/mesas/{mesa_id:\d+}/editar",
        views.edit_mesa,
        name="mesa_edit",
        access=WRITERS,
        example="/mesas/1/editar",
    ),
    route(
        "POST",
        r"/mesas/{mesa_id:\d+}/cerrar",
        views.close_mesa,
        name="mesa_close",
        access=WRITERS,
        example="/mesas/1/cerrar",
    ),
)
