"""Enlace Comunitario routes that belong to no single module: the printable barrio report
(:mod:`hub.enlace.reporte`). Added to the hub's table in :mod:`hub.routes`."""

from __future__ import annotations

from typing import Final

from hub.enlace import reporte
from hub.enlace.web import READERS
from hub.routing import Route, route

ROUTES: Final[tuple[Route, ...]] = (
    route(
        "GET",
        r"/barrios/{barrio_id:\d+}/reporte",
        reporte.barrio_report,
        name="barrio_report",
        access=READERS,
        example="/barrios/1/reporte",
    ),
)
