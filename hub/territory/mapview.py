"""A barrio's map as the pages draw it: its limits and any geometries on top, projected
into one SVG by the server (no tiles, nothing from the internet).

Views build a :class:`MapView` with :func:`map_view`; templates draw it with the ``mapa``
macro of ``territory/mapa.html``::

    {% from "territory/mapa.html" import mapa %}
    {{ mapa(view, "Focos del barrio") }}

Each :class:`MapItem` takes CSS classes (``foco hotspot``) that ``sereno.css`` colours, a
label (the SVG ``<title>``, read on hover and by screen readers) and an optional link. The
SVG carries its projection in ``data-frame`` so the drawing tool (``static/dibujo.js``) can
turn a click back into longitude and latitude.

A form where people draw needs a map even when there is nothing to frame yet (a barrio
with no limits): pass ``fallback=MAIPU`` (or any :class:`Frame`) to :func:`map_view`, or
use :func:`default_view`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Final

from hub.territory.geo import Frame, Geometry

MAIPU: Final = Frame(west=-70.83, south=-33.56, east=-70.70, north=-33.46)
"""The comuna of Maipú: the frame of a map with nothing on it yet."""


@dataclass(frozen=True)
class MapItem:
    geometry: Geometry
    label: str
    css: str = ""
    href: str | None = None


@dataclass(frozen=True)
class MapView:
    frame: Frame
    limits: Geometry | None
    items: list[MapItem] = field(default_factory=list)

    @property
    def data_frame(self) -> str:
        f = self.frame
        return f"{f.west},{f.south},{f.east},{f.north},{f.width},{f.height},{f.margin}"

    def limits_path(self) -> str:
        return self.frame.path(self.limits) if self.limits is not None else ""


def map_view(
    limits: Geometry | None,
    items: Iterable[MapItem] = (),
    *,
    width: int = 640,
    height: int = 480,
    fallback: Frame | None = None,
    widen: float = 0.0,
) -> MapView | None:
    """The map of a barrio with ``limits`` and ``items``. When there is nothing to place
    (no limits and no geometries): the ``fallback`` frame (resized to ``width`` ×
    ``height``) if given, so people can still draw; None otherwise, so the page can say so
    instead. ``widen`` adds that share of the frame's span on every side (a drawing form:
    room to draw beyond what is there)."""
    listed = list(items)
    frame = Frame.around([limits, *(item.geometry for item in listed)], width=width, height=height)
    if frame is not None and widen > 0:
        dx, dy = (frame.east - frame.west) * widen, (frame.north - frame.south) * widen
        frame = replace(
            frame,
            west=frame.west - dx,
            south=frame.south - dy,
            east=frame.east + dx,
            north=frame.north + dy,
        )
    if frame is None and fallback is not None:
        frame = replace(fallback, width=width, height=height)
    return None if frame is None else MapView(frame, limits, listed)


def default_view(*, width: int = 640, height: int = 480) -> MapView:
    """An empty map of Maipú (:data:`MAIPU`), to draw on."""
    return MapView(replace(MAIPU, width=width, height=height), None, [])
