"""The routes of the instrumentos de recolección: fuentes secundarias and técnicas
cualitativas (added to the hub's table in :mod:`hub.routes`)."""

from __future__ import annotations

from typing import Final

from hub.enlace.instrumentos import web_fuentes as fuentes
from hub.enlace.instrumentos import web_resumen as resumen
from hub.enlace.instrumentos import web_tecnicas as tecnicas
from hub.enlace.web import READERS, WRITERS
from hub.routing import Route, route

BARRIO: Final = r"/barrios/{barrio_id:\d+}"
IMPORT: Final = r"/importaciones/{import_id:\d+}"
TECNICA: Final = r"/tecnicas/{tecnica_id:\d+}"

ROUTES: Final[tuple[Route, ...]] = (
    route("GET", "/instrumentos", resumen.overview, name="instrumentos", access=READERS),
    route(
        "GET",
        f"{BARRIO}/instrumentos",
        resumen.barrio_page,
        name="instrumentos_barrio",
        access=READERS,
        example="/barrios/1/instrumentos",
    ),
    # Fuentes secundarias
    route(
        "GET",
        f"{BARRIO}/fuentes",
        fuentes.fuentes_page,
        name="fuentes_barrio",
        access=READERS,
        example="/barrios/1/fuentes",
    ),
    route(
        "GET",
        f"{BARRIO}/fuentes/importar",
        fuentes.import_form,
        name="fuentes_importar",
        access=WRITERS,
        example="/barrios/1/fuentes/importar",
    ),
    route(
        "POST",
        f"{BARRIO}/fuentes/importar",
        fuentes.upload,
        name="fuentes_importar",
        access=WRITERS,
        example="/barrios/1/fuentes/importar",
    ),
    route(
        "POST",
        f"{BARRIO}/fuentes/confirmar",
        fuentes.confirm,
        name="fuentes_confirmar",
        access=WRITERS,
        example="/barrios/1/fuentes/confirmar",
    ),
    route(
        "GET",
        f"{BARRIO}/fuentes/incidentes.csv",
        fuentes.incidents_csv,
        name="fuentes_csv",
        access=READERS,
        example="/barrios/1/fuentes/incidentes.csv",
    ),
    route(
        "GET",
        f"{BARRIO}/fuentes/incidentes.geojson",
        fuentes.incidents_geojson,
        name="fuentes_geojson",
        access=READERS,
        example="/barrios/1/fuentes/incidentes.geojson",
    ),
    route(
        "GET",
        IMPORT,
        fuentes.import_page,
        name="fuente_import",
        access=READERS,
        example="/importaciones/1",
    ),
    route(
        "POST",
        f"{IMPORT}/deshacer",
        fuentes.undo,
        name="fuente_deshacer",
        access=WRITERS,
        example="/importaciones/1/deshacer",
    ),
    # Técnicas cualitativas
    route(
        "GET",
        f"{BARRIO}/tecnicas/nueva",
        tecnicas.new_form,
        name="tecnica_nueva",
        access=WRITERS,
        example="/barrios/1/tecnicas/nueva?tipo=marcha",
    ),
    route(
        "POST",
        f"{BARRIO}/tecnicas/nueva",
        tecnicas.create,
        name="tecnica_nueva",
        access=WRITERS,
        example="/barrios/1/tecnicas/nueva",
    ),
    route(
        "GET",
        f"{BARRIO}/tecnicas.csv",
        tecnicas.tecnicas_csv,
        name="tecnicas_csv",
        access=READERS,
        example="/barrios/1/tecnicas.csv",
    ),
    route(
        "GET",
        f"{BARRIO}/tecnicas.geojson",
        tecnicas.tecnicas_geojson,
        name="tecnicas_geojson",
        access=READERS,
        example="/barrios/1/tecnicas.geojson",
    ),
    route(
        "GET",
        TECNICA,
        tecnicas.tecnica_page,
        name="tecnica",
        access=READERS,
        example="/tecnicas/1",
    ),
    route(
        "GET",
        f"{TECNICA}/editar",
        tecnicas.edit_form,
        name="tecnica_editar",
        access=WRITERS,
        example="/tecnicas/1/editar",
    ),
    route(
        "POST",
        f"{TECNICA}/editar",
        tecnicas.update,
        name="tecnica_editar",
        access=WRITERS,
        example="/tecnicas/1/editar",
    ),
    route(
        "POST",
        f"{TECNICA}/elementos",
        tecnicas.add_elemento,
        name="tecnica_elementos",
        access=WRITERS,
        example="/tecnicas/2/elementos",
    ),
    route(
        "POST",
        TECNICA + r"/elementos/{elemento_id:\d+}/quitar",
        tecnicas.remove_elemento,
        name="tecnica_elemento_quitar",
        access=WRITERS,
        example="/tecnicas/2/elementos/1/quitar",
    ),
    route(
        "GET",
        f"{TECNICA}/mapa.geojson",
        tecnicas.tecnica_geojson,
        name="tecnica_geojson",
        access=READERS,
        example="/tecnicas/2/mapa.geojson",
    ),
)
