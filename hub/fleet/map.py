"""The map of the fleet: an SVG drawn on the server from the controllers' coordinates, with
no tiles, no JavaScript and nothing from the internet, so it prints and works offline.

The projection is equirectangular, fit to the controllers' bounding box with padding:
longitudes are shrunk by the cosine of the middle latitude, so a comuna keeps its shape.
Each controller is a circle linked to its page, with a ``<title>`` naming it and its state;
the states differ in size, outline and fill as well as colour (never colour alone), and the
legend says which is which. Barrios' names stand at the middle of their controllers. The
page shows the drawing inline (the links work); ``/mapa.svg`` serves the same drawing as a
file. Controllers without coordinates are listed beside the map.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from aiohttp import web

from hub import keys
from hub.fleet.dashboard import FLEET_CTE, FleetState
from hub.storage import HubDB
from hub.web.render import render

WIDTH: Final = 800
MAX_HEIGHT: Final = 900
MIN_HEIGHT: Final = 320
PADDING: Final = 48
LEGEND_HEIGHT: Final = 48
MIN_SPAN_DEG: Final = 0.01
"""The smallest area the map shows, about 1 km: one controller alone is not a blown-up dot."""
KM_PER_DEGREE: Final = 111.32
"""Kilometres per degree of latitude (and of longitude at the equator)."""
SCALE_STEPS_KM: Final = (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
MAX_SCALE_PX: Final = 160
UNPLACED_SHOWN: Final = 200
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class DotStyle:
    fill: str
    stroke: str
    stroke_width: float
    radius: float
    dash: str = ""


STYLES: Final = {
    FleetState.ONLINE: DotStyle("#1b7a3e", "#ffffff", 1.5, 6),
    FleetState.NEVER: DotStyle("#ffffff", "#4f5b63", 2.5, 6),
    FleetState.MAINTENANCE: DotStyle("#1f5fa8", "#0b2e55", 2, 7, "3 2"),
    FleetState.OFFLINE: DotStyle("#b3261e", "#3d0b08", 2.5, 8),
}
"""Drawn in this order, so the controllers without connection stay on top."""


@dataclass(frozen=True)
class Placed:
    controller_id: int
    name: str
    barrio: str | None
    state: FleetState
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Unplaced:
    controller_id: int
    name: str
    barrio: str | None
    state: FleetState


@dataclass(frozen=True)
class Fleet:
    placed: list[Placed]
    unplaced: list[Unplaced]
    """The first :data:`UNPLACED_SHOWN`, by barrio and name."""
    unplaced_total: int


def fleet(db: HubDB, *, at: float) -> Fleet:
    """Every controller with its state, split by whether it has coordinates (one query)."""
    rows = db.db.execute(
        f"{FLEET_CTE} SELECT f.id, f.name, b.name, f.state, f.latitude, f.longitude "  # noqa: S608 - fixed SQL
        "FROM fleet f LEFT JOIN barrios b ON b.id = f.barrio_id ORDER BY b.name, f.name, f.id",
        {"at": at},
    ).fetchall()
    placed, unplaced = [], []
    for controller_id, name, barrio, state, latitude, longitude in rows:
        if latitude is None or longitude is None:
            unplaced.append(Unplaced(controller_id, name, barrio, FleetState(state)))
        else:
            placed.append(
                Placed(controller_id, name, barrio, FleetState(state), latitude, longitude)
            )
    return Fleet(placed, unplaced[:UNPLACED_SHOWN], len(unplaced))


@dataclass(frozen=True)
class Projection:
    """Degrees to the drawing's pixels: ``x`` grows east, ``y`` grows south."""

    width: float
    height: float
    scale: float
    """Pixels per degree of latitude."""
    center_latitude: float
    center_longitude: float
    shrink: float
    """cos(middle latitude): how much shorter a degree of longitude is."""

    def xy(self, latitude: float, longitude: float) -> tuple[float, float]:
        x = self.width / 2 + (longitude - self.center_longitude) * self.shrink * self.scale
        y = self.height / 2 - (latitude - self.center_latitude) * self.scale
        return round(x, 1), round(y, 1)

    @property
    def px_per_km(self) -> float:
        return self.scale / KM_PER_DEGREE


def fit(
    points: Sequence[tuple[float, float]],
    *,
    width: float = WIDTH,
    max_height: float = MAX_HEIGHT,
    min_height: float = MIN_HEIGHT,
    padding: float = PADDING,
) -> Projection:
    """The equirectangular projection that fits ``points`` (latitude, longitude) in
    ``width`` with ``padding`` on every side, as tall as their shape asks (within
    ``min_height`` and ``max_height``)."""
    latitudes = [point[0] for point in points]
    longitudes = [point[1] for point in points]
    south, north = min(latitudes), max(latitudes)
    west, east = min(longitudes), max(longitudes)
    shrink = math.cos(math.radians((south + north) / 2))
    span_x = max((east - west) * shrink, MIN_SPAN_DEG)
    span_y = max(north - south, MIN_SPAN_DEG)
    scale = min((width - 2 * padding) / span_x, (max_height - 2 * padding) / span_y)
    height = min(max(span_y * scale + 2 * padding, min_height), max_height)
    return Projection(width, round(height), scale, (south + north) / 2, (west + east) / 2, shrink)


@dataclass(frozen=True)
class Dot:
    controller_id: int
    title: str
    state: FleetState
    style: DotStyle
    x: float
    y: float


@dataclass(frozen=True)
class Label:
    text: str
    x: float
    y: float


@dataclass(frozen=True)
class LegendEntry:
    state: FleetState
    style: DotStyle
    count: int
    x: float


@dataclass(frozen=True)
class ScaleBar:
    text: str
    x: float
    y: float
    length: float


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    map_height: int
    dots: list[Dot]
    labels: list[Label]
    legend: list[LegendEntry]
    legend_y: float
    scale_bar: ScaleBar | None
    description: str


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (escaping is the template's)."""
    return _NOT_XML.sub("", text)


def draw(placed: Sequence[Placed]) -> Drawing:
    """The drawing of ``placed`` (an empty map with its legend when there is none)."""
    projection = fit([(p.latitude, p.longitude) for p in placed]) if placed else None
    map_height = int(projection.height) if projection else MIN_HEIGHT
    order = list(STYLES)
    dots = []
    for item in sorted(placed, key=lambda p: order.index(p.state)):
        assert projection is not None
        x, y = projection.xy(item.latitude, item.longitude)
        where = f" · {item.barrio}" if item.barrio else ""
        title = xml_text(f"{item.name} · {item.state.label}{where}")
        dots.append(Dot(item.controller_id, title, item.state, STYLES[item.state], x, y))
    counts = {state: 0 for state in STYLES}
    for item in placed:
        counts[item.state] += 1
    legend = [
        LegendEntry(state, STYLES[state], counts[state], 16 + index * (WIDTH - 32) / len(STYLES))
        for index, state in enumerate(STYLES)
    ]
    described = ", ".join(f"{counts[s]} {s.label}" for s in STYLES)
    return Drawing(
        WIDTH,
        map_height + LEGEND_HEIGHT,
        map_height,
        dots,
        _barrio_labels(placed, projection) if projection else [],
        legend,
        map_height + LEGEND_HEIGHT / 2,
        _scale_bar(projection, map_height) if projection else None,
        f"{len(placed)} controladores con ubicación: {described}.",
    )


def _barrio_labels(placed: Sequence[Placed], projection: Projection) -> list[Label]:
    """Each barrio's name above the middle of its controllers."""
    members: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for item in placed:
        if item.barrio:
            members[item.barrio].append(projection.xy(item.latitude, item.longitude))
    labels = []
    for name, points in sorted(members.items()):
        x = sum(point[0] for point in points) / len(points)
        top = min(point[1] for point in points)
        x = min(max(x, PADDING + 40), projection.width - PADDING - 40)
        labels.append(Label(xml_text(name), round(x, 1), round(max(top - 14, 16), 1)))
    return labels


def _scale_bar(projection: Projection, map_height: int) -> ScaleBar:
    """A bar of a round length, at most :data:`MAX_SCALE_PX` long, bottom right."""
    fitting = [km for km in SCALE_STEPS_KM if km * projection.px_per_km <= MAX_SCALE_PX]
    km = fitting[-1] if fitting else SCALE_STEPS_KM[0]
    length = round(km * projection.px_per_km, 1)
    text = f"{km * 1000:g} m" if km < 1 else f"{km:g} km"
    return ScaleBar(text, round(projection.width - 16 - length, 1), map_height - 16, length)


# --- pages ---------------------------------------------------------------------------------


async def map_page(request: web.Request) -> web.StreamResponse:
    found = fleet(request.app[keys.db], at=request.app[keys.clock]())
    context = {"drawing": draw(found.placed), "fleet": found, "standalone": False}
    return render(request, "fleet/map.html", context)


async def map_svg(request: web.Request) -> web.StreamResponse:
    """The drawing alone, as an SVG file (to print or keep)."""
    found = fleet(request.app[keys.db], at=request.app[keys.clock]())
    response = render(request, "fleet/map.svg", {"drawing": draw(found.placed), "standalone": True})
    response.content_type = "image/svg+xml"
    response.headers["Content-Disposition"] = 'inline; filename="mapa-controladores.svg"'
    return response
