"""The routes of Gestión Territorial: territorios (administration only), barrios, their
datos and limits, and the downloads (added to the hub's table in :mod:`hub.routes`)."""

from __future__ import annotations

from typing import Final

from hub.enlace.web import READERS, WRITERS
from hub.roles import Role
from hub.routing import Route, route
from hub.territory import exports, views, views_barrios, views_territorios

ADMIN: Final = frozenset({Role.ADMIN})

ROUTES: Final[tuple[Route, ...]] = (
    route("GET", "/barrios", views.barrios_list, name="barrios", access=READERS),
    route("GET", "/barrios.csv", exports.barrios_csv, name="barrios_csv", access=READERS),
    route(
        "GET", "/barrios.geojson", exports.barrios_geojson, name="barrios_geojson", access=READERS
    ),
    # The new-barrio form is only a way to write: readers (mediación) do not get it.
    route(
        "GET", "/barrios/nuevo", views_barrios.new_barrio_form, name="new_barrio", access=WRITERS
    ),
    route("POST", "/barrios/nuevo", views_barrios.create_barrio, name="new_barrio", access=WRITERS),
    route(
        "GET",
        r"/barrios/{barrio_id:\d+}",
        views.barrio_page,
        name="barrio",
        access=READERS,
        example="/barrios/1",
    ),
    route(
        "GET",
        r"/barrios/{barrio_id:\d+}/datos",
        views_barrios.barrio_data_form,
        name="barrio_edit",
        access=READERS,
        example="/barrios/1/datos",
    ),
    route(
        "POST",
        r"/barrios/{barrio_id:\d+}/datos",
        views_barrios.save_barrio_data,
        name="barrio_edit",
        access=WRITERS,
        example="/barrios/1/datos",
    ),
    route(
        "GET",
        r"/barrios/{barrio_id:\d+}/limites",
        views_barrios.barrio_limits_form,
        name="barrio_limits",
        access=READERS,
        example="/barrios/1/limites",
    ),
    route(
        "POST",
        r"/barrios/{barrio_id:\d+}/limites",
        views_barrios.save_barrio_limits,
        name="barrio_limits",
        access=WRITERS,
        example="/barrios/1/limites",
    ),
    route(
        "GET",
        r"/barrios/{barrio_id:\d+}/limites.geojson",
        exports.barrio_geojson,
        name="barrio_geojson",
        access=READERS,
        example="/barrios/1/limites.geojson",
    ),
    route(
        "GET", "/territorios", views_territorios.territorios_list, name="territorios", access=ADMIN
    ),
    route(
        "POST",
        "/territorios",
        views_territorios.create_territorio,
        name="territorios",
        access=ADMIN,
    ),
    route(
        "GET",
        r"/territorios/{territorio_id:\d+}",
        views_territorios.territorio_page,
        name="territorio",
        access=ADMIN,
        example="/territorios/1",
    ),
    route(
        "POST",
        r"/territorios/{territorio_id:\d+}",
        views_territorios.edit_territorio,
        name="territorio",
        access=ADMIN,
        example="/territorios/1",
    ),
    route(
        "POST",
        r"/territorios/{territorio_id:\d+}/gestores",
        views_territorios.territorio_gestores,
        name="territorio_gestores",
        access=ADMIN,
        example="/territorios/1/gestores",
    ),
)
