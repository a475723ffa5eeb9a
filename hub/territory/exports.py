"""Downloads of the barrios a person may see: their limits as GeoJSON (all of them, or one
barrio's) and their datos as CSV — for QGIS, uMap or a spreadsheet."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from aiohttp import web

from hub import keys
from hub.enlace.web import barrio_of, csv_download, geojson_download, scope, today
from hub.storage import HubDB
from hub.territory.barrios import AGE_BANDS, GSE_GROUPS, BarrioProfile, profile
from hub.territory.limits import hectares

CSV_HEADER: Final = (
    "id",
    "barrio",
    "territorio",
    "sector",
    "poblacion",
    *(f"edad_{band}" for band in AGE_BANDS),
    *(f"gse_{group}" for group in GSE_GROUPS),
    "fuente",
    "hectareas",
)


def visible_profiles(hub: HubDB, where: str, params: list[int]) -> Iterator[BarrioProfile]:
    rows = hub.db.execute(
        f"SELECT b.id FROM barrios b WHERE {where} ORDER BY b.name, b.id",  # noqa: S608
        params,
    ).fetchall()
    for row in rows:
        yield profile(hub, row[0])


def feature(found: BarrioProfile) -> dict[str, Any]:
    """The barrio as a GeoJSON Feature (its limits, its datos as properties)."""
    assert found.limites is not None
    return {
        "type": "Feature",
        "id": found.barrio.id,
        "geometry": found.limites.as_dict(),
        "properties": {
            "id": found.barrio.id,
            "name": found.barrio.name,
            "territorio": found.territorio,
            "sector": found.sector,
            "poblacion": found.poblacion,
            "grupos_etarios": found.grupos_etarios,
            "gse": found.gse,
            "fuente": found.fuente,
            "hectareas": round(hectares(found.limites), 2),
        },
    }


async def barrios_geojson(request: web.Request) -> web.StreamResponse:
    where, params = scope(request).where("b.id")
    found = visible_profiles(request.app[keys.db], where, params)
    return geojson_download(
        f"barrios-{today(request):%Y-%m-%d}.geojson",
        [feature(item) for item in found if item.limites is not None],
    )


async def barrio_geojson(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request)
    found = profile(request.app[keys.db], barrio.id)
    if found.limites is None:
        raise web.HTTPNotFound(text="El barrio aún no tiene límites dibujados.")
    return geojson_download(f"barrio-{barrio.id}-limites.geojson", [feature(found)])


async def barrios_csv(request: web.Request) -> web.StreamResponse:
    where, params = scope(request).where("b.id")
    rows = [_row(item) for item in visible_profiles(request.app[keys.db], where, params)]
    return csv_download(f"barrios-{today(request):%Y-%m-%d}.csv", CSV_HEADER, rows)


def _row(found: BarrioProfile) -> list[Any]:
    return [
        found.barrio.id,
        found.barrio.name,
        found.territorio or "",
        found.sector,
        found.poblacion,
        *(found.grupos_etarios.get(band) for band in AGE_BANDS),
        *(found.gse.get(group) for group in GSE_GROUPS),
        found.fuente,
        None if found.limites is None else round(hectares(found.limites), 2),
    ]
