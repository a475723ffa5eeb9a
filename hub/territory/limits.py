"""A barrio's limits: their area, a short description for the history, reading an uploaded
GeoJSON file, and the fleet's controllers inside them.

The area is computed on a local equirectangular projection around the polygon's middle
latitude (outer rings minus holes), which is within a fraction of a percent of the
ellipsoidal area at a barrio's size (a few km across).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Final

from hub.storage import HubDB
from hub.territory.geo import Geometry, Ring
from hub.web.render import format_number

EARTH_RADIUS_M: Final = 6_371_008.8
"""The mean Earth radius (IUGG), metres."""
MAX_UPLOAD: Final = 500_000
"""Bytes of an uploaded GeoJSON file: a barrio's limits are a few kB; the hub refuses
forms over 1 MiB altogether."""


def area_m2(geometry: Geometry) -> float:
    """The area of a Polygon or MultiPolygon in square metres (0 for points and lines)."""
    polygons = geometry.polygons()
    if not polygons:
        return 0.0
    _west, south, _east, north = geometry.bbox()
    shrink = math.cos(math.radians((south + north) / 2))
    total = 0.0
    for polygon in polygons:
        outer, *holes = polygon
        total += _ring_area(outer, shrink) - sum(_ring_area(hole, shrink) for hole in holes)
    return max(total, 0.0)


def hectares(geometry: Geometry) -> float:
    return area_m2(geometry) / 10_000


def describe(geometry: Geometry | None) -> str | None:
    """``Polígono de 12 vértices, 34,5 ha``: how the history shows a limit (None: none)."""
    if geometry is None:
        return None
    polygons = geometry.polygons()
    vertices = sum(len(ring) - 1 for polygon in polygons for ring in polygon)
    kind = "Polígono" if len(polygons) == 1 else f"{len(polygons)} polígonos"
    return f"{kind} de {vertices} vértices, {format_number(hectares(geometry), 1)} ha"


def _ring_area(ring: Ring, shrink: float) -> float:
    """The shoelace area of ``ring`` in square metres, in metres from its first position."""
    per_degree = EARTH_RADIUS_M * math.pi / 180
    lon0, lat0 = ring[0]
    points = [((lon - lon0) * shrink * per_degree, (lat - lat0) * per_degree) for lon, lat in ring]
    twice = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(points))
    return abs(twice) / 2


@dataclass(frozen=True)
class PlacedController:
    """A controller of the fleet with its position (None when not placed yet)."""

    id: int
    name: str
    latitude: float | None
    longitude: float | None
    barrio_id: int | None


def _has_columns(hub: HubDB) -> bool:
    names = {row[1] for row in hub.db.execute("PRAGMA table_info(controllers)").fetchall()}
    return {"latitude", "longitude"} <= names


def controllers_of(hub: HubDB, barrio_id: int) -> list[PlacedController]:
    """The controllers assigned to the barrio (the fleet's ``controllers.barrio_id``)."""
    position = "latitude, longitude" if _has_columns(hub) else "NULL, NULL"
    rows = hub.db.execute(
        f"SELECT id, name, {position}, barrio_id FROM controllers "  # noqa: S608 - fixed text
        "WHERE barrio_id = ? ORDER BY name, id",
        [barrio_id],
    ).fetchall()
    return [PlacedController(*row) for row in rows]


def controllers_inside(
    hub: HubDB, barrio_id: int, limits: Geometry | None
) -> list[PlacedController]:
    """Controllers placed inside ``limits`` but assigned to another barrio (or to none): a
    hint for the Unidad de Alarmas, which assigns them."""
    if limits is None or not _has_columns(hub):
        return []
    west, south, east, north = limits.bbox()
    rows = hub.db.execute(
        "SELECT id, name, latitude, longitude, barrio_id FROM controllers "
        "WHERE (barrio_id IS NULL OR barrio_id != ?) AND longitude BETWEEN ? AND ? "
        "AND latitude BETWEEN ? AND ? ORDER BY name, id",
        [barrio_id, west, east, south, north],
    ).fetchall()
    found = [PlacedController(*row) for row in rows]
    return [c for c in found if limits.contains(float(c.longitude or 0), float(c.latitude or 0))]
