"""Gestión Territorial pages: the barrios a person may see, and each barrio's ficha — the
entry to its diagnóstico, instrumentos, plan de acción, mesas and demandas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aiohttp import web

from hub import keys
from hub.enlace.web import barrio_of, page, scope
from hub.storage import HubDB

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


def visible_barrios(hub: HubDB, where: str, params: list[int]) -> list[BarrioRow]:
    select = (
        "SELECT b.id, b.name, t.name, "
        "(SELECT COUNT(*) FROM controllers c WHERE c.barrio_id = b.id) "
        "FROM barrios b LEFT JOIN territorios t ON t.id = b.territorio_id"
    )
    sql = f"{select} WHERE {where} ORDER BY b.name, b.id"
    rows = hub.db.execute(sql, params).fetchall()
    return [BarrioRow(*row) for row in rows]


async def barrios_list(request: web.Request) -> web.StreamResponse:
    where, params = scope(request).where("b.id")
    context = {"barrios": visible_barrios(request.app[keys.db], where, params)}
    return page(request, "territory/barrios.html", context)


async def barrio_page(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request)
    hub = request.app[keys.db]
    row = hub.db.execute(
        "SELECT t.name FROM barrios b LEFT JOIN territorios t ON t.id = b.territorio_id "
        "WHERE b.id = ?",
        [barrio.id],
    ).fetchone()
    gestores = hub.db.execute(
        "SELECT u.name, u.email FROM territorio_gestores g JOIN users u ON u.id = g.user_id "
        "JOIN barrios b ON b.territorio_id = g.territorio_id WHERE b.id = ? ORDER BY u.name",
        [barrio.id],
    ).fetchall()
    context = {
        "barrio": barrio,
        "territorio": row[0] if row else None,
        "gestores": [name or email for name, email in gestores],
        "modules": MODULES,
    }
    return page(request, "territory/barrio.html", context)
