"""Gestión Territorial pages: the barrios a person may see, and each barrio's ficha — its
territorio, caracterización and map, and the entry to its diagnóstico, instrumentos, plan
de acción, mesas and demandas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aiohttp import web

from hub import keys
from hub.enlace.web import barrio_of, current_user, page, scope
from hub.storage import HubDB
from hub.territory.barrio_forms import AGE_LABELS
from hub.territory.barrios import AGE_BANDS, profile
from hub.territory.geo import Geometry
from hub.territory.limits import controllers_inside, controllers_of, hectares
from hub.territory.mapview import MapItem, map_view
from hub.territory.records import HISTORY_LABELS, BarrioRecords
from hub.territory.views_barrios import NOTICES

MODULES: Final = (
    (
        "diagnostico",
        "Diagnóstico del barrio",
        "Paso 2: límites, caracterización, problemáticas, focos, actores y recursos.",
    ),
    (
        "instrumentos_barrio",
        "Instrumentos de recolección",
        "Paso 1: fuentes secundarias y técnicas cualitativas.",
    ),
    (
        "plan",
        "Plan de acción",
        "Pasos 3 a 5: caracterización, objetivos, acciones, carta Gantt y seguimiento.",
    ),
    ("mesas_barrio", "Mesas de Seguridad Focalizadas", "Sesiones, asistencia, actas y acuerdos."),
    (
        "demandas_barrio",
        "Demandas y requerimientos",
        "Protocolo de respuesta ante demandas de vecinos y vecinas.",
    ),
    ("barrio_report", "Reporte del barrio", "Resumen imprimible para una mesa."),
)
"""The barrio's modules, by route name: the ficha links those that exist."""


@dataclass(frozen=True)
class BarrioRow:
    id: int
    name: str
    territorio: str | None
    controllers: int
    sector: str = ""
    poblacion: int | None = None
    has_limits: bool = False


def visible_barrios(hub: HubDB, where: str, params: list[int]) -> list[BarrioRow]:
    select = (
        "SELECT b.id, b.name, t.name, "
        "(SELECT COUNT(*) FROM controllers c WHERE c.barrio_id = b.id), "
        "b.sector, b.poblacion, b.limites IS NOT NULL "
        "FROM barrios b LEFT JOIN territorios t ON t.id = b.territorio_id"
    )
    sql = f"{select} WHERE {where} ORDER BY b.name, b.id"
    rows = hub.db.execute(sql, params).fetchall()
    return [BarrioRow(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6])) for row in rows]


async def barrios_list(request: web.Request) -> web.StreamResponse:
    where, params = scope(request).where("b.id")
    context = {"barrios": visible_barrios(request.app[keys.db], where, params)}
    return page(request, "territory/barrios.html", context)


async def barrio_page(request: web.Request) -> web.StreamResponse:
    """The barrio's ficha: territorio and gestores, caracterización sociodemográfica, the
    map of its limits with its controllers, the modules of its planning, and its history."""
    barrio = barrio_of(request)
    hub = request.app[keys.db]
    found = profile(hub, barrio.id)
    gestores = hub.db.execute(
        "SELECT u.name, u.email FROM territorio_gestores g JOIN users u ON u.id = g.user_id "
        "JOIN barrios b ON b.territorio_id = g.territorio_id WHERE b.id = ? ORDER BY u.name",
        [barrio.id],
    ).fetchall()
    controllers = controllers_of(hub, barrio.id)
    outside = controllers_inside(hub, barrio.id, found.limites)
    items = [
        MapItem(Geometry("Point", (c.longitude, c.latitude)), c.name, "controlador")
        for c in controllers
        if c.latitude is not None and c.longitude is not None
    ]
    role = current_user(request).role
    context = {
        "barrio": barrio,
        "profile": found,
        "territorio": found.territorio,
        "gestores": [name or email for name, email in gestores],
        "modules": MODULES,
        "ages": [(band, AGE_LABELS[band]) for band in AGE_BANDS],
        "view": map_view(found.limites, items),
        "hectares": None if found.limites is None else hectares(found.limites),
        "controllers": controllers,
        "outside": outside,
        "link_controllers": request.app[keys.routes].admits("controller", role),
        "history": BarrioRecords(hub).history(barrio.id),
        "history_labels": HISTORY_LABELS,
    }
    return page(request, "territory/barrio.html", context, notices=NOTICES)
