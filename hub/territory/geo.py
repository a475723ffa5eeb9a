"""GeoJSON geometries of the territory — a barrio's limits, a hotspot, a marcha's route —
checked on the way in, and drawn as SVG on the way out.

The hub stores a geometry as the GeoJSON text of its ``geometry`` object (RFC 7946:
longitude then latitude, WGS 84), always after :func:`parse_geometry` accepted it:

>>> square = parse_geometry(
...     '{"type": "Polygon", "coordinates": [[[-70.76, -33.51], [-70.75, -33.51], '
...     '[-70.75, -33.50], [-70.76, -33.50], [-70.76, -33.51]]]}', kinds={"Polygon"})
>>> square.contains(-70.755, -33.505)
True

What it accepts: a bare geometry, a Feature, or a FeatureCollection with exactly one
feature (what QGIS, geojson.io and uMap export); ``Point``, ``LineString``, ``Polygon`` and
``MultiPolygon``; positions inside Chile's continental and insular extent; closed rings
of at least four positions that do not cross themselves. Anything else is refused with
:class:`~hub.errors.Invalid` naming what is wrong, in Spanish.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeAlias

from hub.errors import Invalid

Kind: TypeAlias = Literal["Point", "LineString", "Polygon", "MultiPolygon"]
Position: TypeAlias = tuple[float, float]
"""(longitude, latitude)."""
Ring: TypeAlias = tuple[Position, ...]

KINDS: Final[tuple[Kind, ...]] = ("Point", "LineString", "Polygon", "MultiPolygon")
KIND_NAMES: Final[dict[str, str]] = {
    "Point": "un punto",
    "LineString": "una línea o recorrido",
    "Polygon": "un polígono",
    "MultiPolygon": "varios polígonos",
}
MAX_POSITIONS: Final = 5000
MAX_TEXT: Final = 1_000_000
LONGITUDES: Final = (-110.0, -66.0)
"""Chile, Rapa Nui and Juan Fernández included."""
LATITUDES: Final = (-56.5, -17.0)


@dataclass(frozen=True)
class Geometry:
    """A checked geometry. ``coordinates``: a position for a Point, positions for a
    LineString, rings for a Polygon, polygons (lists of rings) for a MultiPolygon."""

    kind: Kind
    coordinates: Any

    def to_json(self) -> str:
        """The GeoJSON geometry, compact (what the hub stores)."""
        return json.dumps({"type": self.kind, "coordinates": _lists(self.coordinates)})

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.kind, "coordinates": _lists(self.coordinates)}

    def positions(self) -> Iterator[Position]:
        """Every position (rings' closing positions included)."""
        if self.kind == "Point":
            yield self.coordinates
        elif self.kind == "LineString":
            yield from self.coordinates
        else:
            for polygon in self.polygons():
                for ring in polygon:
                    yield from ring

    def polygons(self) -> tuple[tuple[Ring, ...], ...]:
        """The polygons of a Polygon or MultiPolygon (none for points and lines)."""
        if self.kind == "Polygon":
            return (self.coordinates,)
        if self.kind == "MultiPolygon":
            return tuple(self.coordinates)
        return ()

    def bbox(self) -> tuple[float, float, float, float]:
        """(west, south, east, north)."""
        lons, lats = zip(*self.positions(), strict=True)
        return min(lons), min(lats), max(lons), max(lats)

    def center(self) -> Position:
        """A representative position: the point, the middle of the bounding box otherwise."""
        if self.kind == "Point":
            return self.coordinates  # type: ignore[no-any-return]
        west, south, east, north = self.bbox()
        return (west + east) / 2, (south + north) / 2

    def contains(self, lon: float, lat: float) -> bool:
        """Whether (lon, lat) is inside the area (outer ring in, holes out); False for
        points and lines."""
        return any(
            _in_ring(lon, lat, polygon[0])
            and not any(_in_ring(lon, lat, hole) for hole in polygon[1:])
            for polygon in self.polygons()
        )


def parse_geometry(
    text: str | dict[str, Any], *, kinds: Collection[str] = KINDS, field: str = "geometria"
) -> Geometry:
    """The geometry in ``text`` (GeoJSON text or an already decoded object), one of
    ``kinds``; :class:`Invalid` on ``field`` saying what is wrong."""
    problem = _Problem(field)
    if isinstance(text, str):
        if len(text) > MAX_TEXT:
            raise problem("El GeoJSON es demasiado grande (más de 1 MB).")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise problem(f"No es GeoJSON válido: {exc.msg} (línea {exc.lineno}).") from None
        except ValueError:
            raise problem("No es GeoJSON válido.") from None
    else:
        data = text
    data = _unwrap(data, problem)
    kind = data.get("type")
    if kind not in KINDS:
        raise problem(f"Tipo de geometría no admitido: {kind!r}.")
    if kind not in kinds:
        wanted = " o ".join(KIND_NAMES[k] for k in KINDS if k in kinds)
        raise problem(f"Se esperaba {wanted}, pero el GeoJSON trae {KIND_NAMES[kind]}.")
    coordinates = data.get("coordinates")
    budget = [MAX_POSITIONS]
    if kind == "Point":
        checked: Any = _position(coordinates, problem, budget)
    elif kind == "LineString":
        checked = _line(coordinates, problem, budget)
    elif kind == "Polygon":
        checked = _polygon(coordinates, problem, budget)
    else:
        if not isinstance(coordinates, list) or not coordinates:
            raise problem("Un MultiPolygon necesita al menos un polígono.")
        checked = tuple(_polygon(polygon, problem, budget) for polygon in coordinates)
    return Geometry(kind, checked)


def parse_optional(
    text: str, *, kinds: Collection[str] = KINDS, field: str = "geometria"
) -> Geometry | None:
    """:func:`parse_geometry`, or None for an empty field."""
    return parse_geometry(text, kinds=kinds, field=field) if text.strip() else None


def load(text: str | None) -> Geometry | None:
    """A geometry the hub stored (already checked), or None."""
    return None if not text else parse_geometry(text)


class _Problem:
    def __init__(self, field: str) -> None:
        self.field = field

    def __call__(self, message: str) -> Invalid:
        return Invalid(message, field=self.field)


def _unwrap(data: Any, problem: _Problem) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise problem("El GeoJSON debe ser un objeto con «type».")
    if data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or len(features) != 1:
            count = len(features) if isinstance(features, list) else 0
            raise problem(
                f"La FeatureCollection trae {count} elementos; importe uno a la vez "
                "(un barrio, un foco)."
            )
        data = features[0]
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
        if not isinstance(data, dict):
            raise problem("El Feature no trae geometría.")
    return data  # type: ignore[no-any-return]


def _position(value: Any, problem: _Problem, budget: list[int]) -> Position:
    budget[0] -= 1
    if budget[0] < 0:
        raise problem(f"La geometría tiene más de {MAX_POSITIONS} puntos; simplifíquela.")
    if (
        not isinstance(value, list)
        or len(value) not in (2, 3)
        or not all(isinstance(n, int | float) and not isinstance(n, bool) for n in value)
        or not all(math.isfinite(n) for n in value)
    ):
        raise problem(f"Coordenada inválida: {json.dumps(value)[:60]}; use [longitud, latitud].")
    lon, lat = float(value[0]), float(value[1])
    if not (LONGITUDES[0] <= lon <= LONGITUDES[1] and LATITUDES[0] <= lat <= LATITUDES[1]):
        hint = " (¿longitud y latitud invertidas?)" if LONGITUDES[0] <= lat <= LONGITUDES[1] else ""
        raise problem(f"La coordenada [{lon}, {lat}] queda fuera de Chile{hint}.")
    return lon, lat


def _line(value: Any, problem: _Problem, budget: list[int]) -> tuple[Position, ...]:
    if not isinstance(value, list) or len(value) < 2:
        raise problem("Una línea necesita al menos dos puntos.")
    return tuple(_position(p, problem, budget) for p in value)


def _polygon(value: Any, problem: _Problem, budget: list[int]) -> tuple[Ring, ...]:
    if not isinstance(value, list) or not value:
        raise problem("Un polígono necesita al menos un anillo de coordenadas.")
    rings = []
    for ring_value in value:
        if not isinstance(ring_value, list) or len(ring_value) < 4:
            raise problem("Cada anillo del polígono necesita al menos cuatro posiciones.")
        ring = tuple(_position(p, problem, budget) for p in ring_value)
        if ring[0] != ring[-1]:
            raise problem(
                "El polígono no está cerrado: la última posición debe repetir la primera."
            )
        if len(set(ring[:-1])) < 3:
            raise problem("El polígono no tiene área: necesita al menos tres puntos distintos.")
        if _crosses_itself(ring):
            raise problem("El borde del polígono se cruza consigo mismo; corrija el dibujo.")
        rings.append(ring)
    return tuple(rings)


def _crosses_itself(ring: Ring) -> bool:
    """Whether two non-adjacent edges of the closed ``ring`` intersect (O(n²), n ≤ 5000 is
    bounded by :data:`MAX_POSITIONS`; barrio limits have tens to hundreds of points)."""
    edges = list(itertools.pairwise(ring))
    count = len(edges)
    for i in range(count):
        for j in range(i + 2, count):
            if i == 0 and j == count - 1:
                continue  # the first and last edges share the closing position
            if _segments_cross(*edges[i], *edges[j]):
                return True
    return False


def _segments_cross(a: Position, b: Position, c: Position, d: Position) -> bool:
    def side(p: Position, q: Position, r: Position) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    d1, d2 = side(c, d, a), side(c, d, b)
    d3, d4 = side(a, b, c), side(a, b, d)
    return ((d1 > 0) != (d2 > 0) and d1 != 0 and d2 != 0) and (
        (d3 > 0) != (d4 > 0) and d3 != 0 and d4 != 0
    )


def _in_ring(lon: float, lat: float, ring: Ring) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _lists(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_lists(item) for item in value]
    return value


# Drawing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """Projects (lon, lat) into an SVG of ``width`` × ``height`` pixels around a bounding
    box, equirectangular with the latitude's cosine (true to shape at a barrio's scale)."""

    west: float
    south: float
    east: float
    north: float
    width: int = 640
    height: int = 480
    margin: int = 16

    @classmethod
    def around(
        cls, geometries: Iterable[Geometry | None], *, width: int = 640, height: int = 480
    ) -> Frame | None:
        """The frame that shows every geometry given (None when there are none)."""
        boxes = [g.bbox() for g in geometries if g is not None]
        if not boxes:
            return None
        west, south, east, north = (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
        pad = max(east - west, north - south, 0.002) * 0.08
        return cls(west - pad, south - pad, east + pad, north + pad, width, height)

    def _scale(self) -> tuple[float, float]:
        stretch = math.cos(math.radians((self.south + self.north) / 2))
        span_x = max((self.east - self.west) * stretch, 1e-9)
        span_y = max(self.north - self.south, 1e-9)
        scale = min(
            (self.width - 2 * self.margin) / span_x, (self.height - 2 * self.margin) / span_y
        )
        return scale * stretch, scale

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        sx, sy = self._scale()
        used_w = (self.east - self.west) * sx
        used_h = (self.north - self.south) * sy
        left = (self.width - used_w) / 2
        top = (self.height - used_h) / 2
        return round(left + (lon - self.west) * sx, 1), round(top + (self.north - lat) * sy, 1)

    def lonlat(self, x: float, y: float) -> Position:
        """The inverse of :meth:`xy` (what the drawing tool sends back is computed so)."""
        sx, sy = self._scale()
        left = (self.width - (self.east - self.west) * sx) / 2
        top = (self.height - (self.north - self.south) * sy) / 2
        return self.west + (x - left) / sx, self.north - (y - top) / sy

    def path(self, geometry: Geometry) -> str:
        """The SVG path data of a line or area (empty for a point: use :meth:`xy`)."""
        if geometry.kind == "LineString":
            return _path(self, geometry.coordinates, close=False)
        return " ".join(
            _path(self, ring, close=True) for polygon in geometry.polygons() for ring in polygon
        )


def _path(frame: Frame, positions: Sequence[Position], *, close: bool) -> str:
    points = [frame.xy(lon, lat) for lon, lat in positions]
    text = "M" + " L".join(f"{x},{y}" for x, y in points)
    return text + (" Z" if close else "")
