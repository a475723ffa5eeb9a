"""The routes of the Protocolo de Respuesta ante Demanda y Requerimientos (added to the
hub's table in :mod:`hub.routes`)."""

from __future__ import annotations

from typing import Final

from hub.enlace.demandas import views
from hub.enlace.web import READERS, WRITERS
from hub.routing import Route, route

_DEMANDA: Final = r"/demandas/{demanda_id:\d+}"

ROUTES: Final[tuple[Route, ...]] = (
    route("GET", "/demandas", views.demandas_list, name="demandas", access=READERS),
    route("GET", "/demandas.csv", views.demandas_csv, name="demandas_csv", access=READERS),
    route(
        "GET",
        r"/barrios/{barrio_id:\d+}/demandas",
        views.barrio_demandas,
        name="demandas_barrio",
        access=READERS,
        example="/barrios/1/demandas",
    ),
    route(
        "POST",
        r"/barrios/{barrio_id:\d+}/demandas",
        views.create_demanda,
        name="demandas_barrio",
        access=WRITERS,
        example="/barrios/1/demandas",
    ),
    route(
        "GET", _DEMANDA, views.demanda_page, name="demanda", access=READERS, example="/demandas/1"
    ),
    route(
        "POST",
        _DEMANDA + "/triage",
        views.triage,
        name="demanda_triage",
        access=WRITERS,
        example="/demandas/1/triage",
    ),
    route(
        "POST",
        _DEMANDA + "/derivacion",
        views.derive,
        name="demanda_derivacion",
        access=WRITERS,
        example="/demandas/1/derivacion",
    ),
    route(
        "POST",
        _DEMANDA + "/actividades",
        views.add_actividad,
        name="demanda_actividad",
        access=WRITERS,
        example="/demandas/1/actividades",
    ),
    route(
        "POST",
        _DEMANDA + "/estado",
        views.change_estado,
        name="demanda_estado",
        access=WRITERS,
        example="/demandas/1/estado",
    ),
)
