"""The routes of Mesas de Seguridad Focalizadas (added to the hub's table in :mod:`hub.routes`)."""

from __future__ import annotations

from typing import Final

from hub.enlace.mesas import sesion_views, views
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
    route(
        "POST",
        r"/mesas/{mesa_id:\d+}/sesiones",
        sesion_views.create_sesion,
        name="mesa_sesion_new",
        access=WRITERS,
        example="/mesas/1/sesiones",
    ),
    route(
        "GET",
        r"/sesiones/{sesion_id:\d+}",
        sesion_views.sesion_page,
        name="mesa_sesion",
        access=READERS,
        example="/sesiones/1",
    ),
    route(
        "POST",
        r"/sesiones/{sesion_id:\d+}/editar",
        sesion_views.edit_sesion,
        name="mesa_sesion_edit",
        access=WRITERS,
        example="/sesiones/1/editar",
    ),
    route(
        "POST",
        r"/sesiones/{sesion_id:\d+}/acuerdos",
        sesion_views.create_acuerdo,
        name="mesa_sesion_acuerdo",
        access=WRITERS,
        example="/sesiones/1/acuerdos",
    ),
    route(
        "POST",
        r"/sesiones/{sesion_id:\d+}/seguimiento",
        sesion_views.follow_up_in_sesion,
        name="mesa_sesion_seguimiento",
        access=WRITERS,
        example="/sesiones/1/seguimiento",
    ),
    route(
        "GET",
        r"/acuerdos/{acuerdo_id:\d+}",
        sesion_views.acuerdo_page,
        name="mesa_acuerdo",
        access=READERS,
        example="/acuerdos/1",
    ),
    route(
        "POST",
        r"/acuerdos/{acuerdo_id:\d+}/editar",
        sesion_views.edit_acuerdo,
        name="mesa_acuerdo_edit",
        access=WRITERS,
        example="/acuerdos/1/editar",
    ),
    route(
        "POST",
        r"/acuerdos/{acuerdo_id:\d+}/seguimiento",
        sesion_views.follow_up_acuerdo,
        name="mesa_acuerdo_seguimiento",
        access=WRITERS,
        example="/acuerdos/1/seguimiento",
    ),
)
