"""The routes of Diagnóstico del barrio (added to the hub's table in :mod:`hub.routes`)."""

from __future__ import annotations

from typing import Final

from hub.enlace.diagnostico import views, views_datos, views_listas
from hub.enlace.diagnostico.listas import LISTAS, Lista
from hub.enlace.web import READERS, WRITERS
from hub.routing import Route, route

BARRIO: Final = r"/barrios/{barrio_id:\d+}/diagnostico"


def _lista_routes(lista: Lista) -> tuple[Route, ...]:
    record = rf"/diagnostico/{lista.key}/{{{lista.id_part}:\d+}}"
    example = f"/diagnostico/{lista.key}/1"
    return (
        route(
            "GET",
            f"{BARRIO}/{lista.key}",
            views_listas.list_page(lista),
            name=lista.list_route,
            access=READERS,
            example=f"/barrios/1/diagnostico/{lista.key}",
        ),
        route(
            "POST",
            f"{BARRIO}/{lista.key}",
            views_listas.add(lista),
            name=lista.list_route,
            access=WRITERS,
            example=f"/barrios/1/diagnostico/{lista.key}",
        ),
        route(
            "GET",
            f"{BARRIO}/{lista.key}.csv",
            views_datos.lista_csv(lista),
            name=lista.csv_route,
            access=READERS,
            example=f"/barrios/1/diagnostico/{lista.key}.csv",
        ),
        route(
            "GET",
            record,
            views_listas.record_page(lista),
            name=lista.record_route,
            access=READERS,
            example=example,
        ),
        route(
            "POST",
            f"{record}/editar",
            views_listas.edit(lista),
            name=lista.edit_route,
            access=WRITERS,
            example=f"{example}/editar",
        ),
        route(
            "POST",
            f"{record}/eliminar",
            views_listas.remove(lista),
            name=lista.remove_route,
            access=WRITERS,
            example=f"{example}/eliminar",
        ),
    )


ROUTES: Final[tuple[Route, ...]] = (
    route("GET", "/diagnosticos", views.diagnosticos, name="diagnosticos", access=READERS),
    route(
        "GET",
        BARRIO,
        views.diagnostico,
        name="diagnostico",
        access=READERS,
        example="/barrios/1/diagnostico",
    ),
    route(
        "POST",
        f"{BARRIO}/problematicas",
        views.add_problematica,
        name="diagnostico_problematicas",
        access=WRITERS,
        example="/barrios/1/diagnostico/problematicas",
    ),
    route(
        "GET",
        f"{BARRIO}/problematicas.csv",
        views_datos.problematicas_csv,
        name="diagnostico_problematicas_csv",
        access=READERS,
        example="/barrios/1/diagnostico/problematicas.csv",
    ),
    route(
        "GET",
        r"/problematicas/{problematica_id:\d+}",
        views.problematica,
        name="problematica",
        access=READERS,
        example="/problematicas/1",
    ),
    route(
        "POST",
        r"/problematicas/{problematica_id:\d+}/editar",
        views.edit_problematica,
        name="problematica_edit",
        access=WRITERS,
        example="/problematicas/1/editar",
    ),
    route(
        "POST",
        r"/problematicas/{problematica_id:\d+}/caracterizacion",
        views.save_caracterizacion,
        name="problematica_caracterizacion",
        access=WRITERS,
        example="/problematicas/1/caracterizacion",
    ),
    route(
        "GET",
        f"{BARRIO}/focos.geojson",
        views_datos.focos_geojson,
        name="diagnostico_focos_geojson",
        access=READERS,
        example="/barrios/1/diagnostico/focos.geojson",
    ),
    route(
        "GET",
        f"{BARRIO}/activaciones",
        views_datos.activaciones,
        name="diagnostico_activaciones",
        access=READERS,
        example="/barrios/1/diagnostico/activaciones",
    ),
    route(
        "GET",
        f"{BARRIO}/activaciones.csv",
        views_datos.activaciones_csv,
        name="diagnostico_activaciones_csv",
        access=READERS,
        example="/barrios/1/diagnostico/activaciones.csv",
    ),
    *(entry for lista in LISTAS for entry in _lista_routes(lista)),
)
