"""hub.territory.geo: what GeoJSON it accepts and refuses (in Spanish), areas with holes,
bounding boxes, the SVG frame and its inverse — and dibujo.js's copy of that projection."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import pytest

from hub.errors import Invalid
from hub.territory.geo import Frame, Geometry, parse_geometry, parse_optional
from hub.territory.mapview import MAIPU, MapItem, default_view, map_view

DIBUJO = Path(__file__).resolve().parents[3] / "hub" / "static" / "dibujo.js"
OUTER = [[-70.77, -33.52], [-70.74, -33.52], [-70.74, -33.49], [-70.77, -33.49], [-70.77, -33.52]]
HOLE = [[-70.76, -33.51], [-70.75, -33.51], [-70.75, -33.50], [-70.76, -33.50], [-70.76, -33.51]]


def polygon(*rings: list[list[float]]) -> dict[str, object]:
    return {"type": "Polygon", "coordinates": list(rings)}


def test_a_bare_geometry_a_feature_and_a_one_feature_collection_are_the_same() -> None:
    bare = parse_geometry(json.dumps(polygon(OUTER)))
    feature = {"type": "Feature", "properties": {"name": "x"}, "geometry": polygon(OUTER)}
    collection = {"type": "FeatureCollection", "features": [feature]}
    assert parse_geometry(json.dumps(feature)) == bare
    assert parse_geometry(collection) == bare
    assert bare.kind == "Polygon" and json.loads(bare.to_json()) == polygon(OUTER)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{nope", "No es GeoJSON válido"),
        ("[1, 2]", "debe ser un objeto con «type»"),
        ('{"type": "Circle", "coordinates": [1, 2]}', "Tipo de geometría no admitido"),
        (json.dumps({"type": "FeatureCollection", "features": []}), "trae 0 elementos"),
        (json.dumps({"type": "Feature", "geometry": None}), "no trae geometría"),
        (json.dumps(polygon(OUTER[:-1])), "no está cerrado"),
        (json.dumps(polygon(OUTER[:3])), "al menos cuatro posiciones"),
        (
            json.dumps(
                polygon(
                    [
                        [-70.77, -33.52],
                        [-70.74, -33.49],
                        [-70.74, -33.52],
                        [-70.77, -33.49],
                        [-70.77, -33.52],
                    ]
                )
            ),
            "se cruza consigo mismo",
        ),
        (json.dumps(polygon([[p[1], p[0]] for p in OUTER])), "longitud y latitud invertidas"),
        (
            json.dumps(polygon([[2.35, 48.85], [2.36, 48.85], [2.36, 48.86], [2.35, 48.85]])),
            "fuera de Chile",
        ),
        ('{"type": "Point", "coordinates": ["a", 1]}', "Coordenada inválida"),
        ('{"type": "LineString", "coordinates": [[-70.7, -33.5]]}', "al menos dos puntos"),
    ],
)
def test_bad_geojson_is_refused_saying_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(Invalid, match=message) as caught:
        parse_geometry(text, field="limites")
    assert list(caught.value.problems) == ["limites"]


def test_a_kind_not_wanted_is_refused_naming_both() -> None:
    point = '{"type": "Point", "coordinates": [-70.76, -33.51]}'
    with pytest.raises(Invalid, match="Se esperaba un polígono o varios polígonos, pero el"):
        parse_geometry(point, kinds={"Polygon", "MultiPolygon"})
    assert parse_optional("  ", kinds={"Polygon"}) is None


def test_contains_keeps_holes_out_and_multipolygons_in() -> None:
    area = parse_geometry(polygon(OUTER, HOLE))
    assert area.contains(-70.765, -33.515)
    assert not area.contains(-70.755, -33.505)  # in the hole
    assert not area.contains(-70.70, -33.50)
    far = [[-70.72, -33.52], [-70.71, -33.52], [-70.71, -33.51], [-70.72, -33.52]]
    both = parse_geometry({"type": "MultiPolygon", "coordinates": [[OUTER], [far]]})
    assert both.contains(-70.765, -33.515) and both.contains(-70.712, -33.518)
    line = parse_geometry({"type": "LineString", "coordinates": OUTER[:2]})
    assert not line.contains(-70.76, -33.52)


def test_bbox_and_center() -> None:
    area = parse_geometry(polygon(OUTER, HOLE))
    assert area.bbox() == (-70.77, -33.52, -70.74, -33.49)
    assert area.center() == pytest.approx((-70.755, -33.505))
    point = parse_geometry('{"type": "Point", "coordinates": [-70.76, -33.51, 500]}')
    assert point.center() == (-70.76, -33.51) and point.bbox() == (-70.76, -33.51, -70.76, -33.51)


@pytest.mark.parametrize("frame", [MAIPU, Frame(-70.77, -33.52, -70.74, -33.49, 320, 640, 8)])
def test_lonlat_is_the_inverse_of_xy(frame: Frame) -> None:
    for lon, lat in [(-70.76, -33.51), (frame.west, frame.north), (frame.east, frame.south)]:
        x, y = frame.xy(lon, lat)
        back = frame.lonlat(x, y)
        # xy rounds to a tenth of a pixel: the way back is as close as that allows
        pixel = max(frame.east - frame.west, frame.north - frame.south) / min(
            frame.width, frame.height
        )
        assert back == pytest.approx((lon, lat), abs=pixel)
    x, y = 123.4, 201.7
    assert frame.xy(*frame.lonlat(x, y)) == (x, y)


def test_the_frame_keeps_shapes_true_to_the_latitude() -> None:
    frame = MAIPU
    x1, y1 = frame.xy(-70.80, -33.50)
    x2, y2 = frame.xy(-70.79, -33.49)  # 0.01° east and 0.01° north
    assert (x2 - x1) / (y1 - y2) == pytest.approx(math.cos(math.radians(-33.51)), rel=0.02)


def test_a_map_with_nothing_on_it_falls_back_to_maipu() -> None:
    assert map_view(None) is None
    view = map_view(None, fallback=MAIPU, width=320, height=240)
    assert view is not None and view.limits is None
    assert (view.frame.west, view.frame.north, view.frame.width) == (-70.83, -33.46, 320)
    assert default_view().data_frame == "-70.83,-33.56,-70.7,-33.46,640,480,16"
    point = parse_geometry('{"type": "Point", "coordinates": [-70.5, -33.4]}')
    placed = map_view(None, [MapItem(point, "Sede")], fallback=MAIPU)
    assert placed is not None and placed.frame.west < -70.5 < placed.frame.east


def test_dibujo_js_projects_as_the_frame_does() -> None:
    frame = Frame(-70.77, -33.52, -70.74, -33.49, 640, 480, 16)
    view_frame = f"{frame.west},{frame.south},{frame.east},{frame.north},640,480,16"
    script = f"""
        const d = require({json.dumps(str(DIBUJO))});
        const f = d.parseFrame({json.dumps(view_frame)});
        const drawn = d.geometry("Polygon", [[-70.7612345678, -33.51], [-70.75, -33.51],
                                             [-70.75, -33.50]]);
        console.log(JSON.stringify({{
            xy: d.xy(f, -70.76, -33.51),
            lonlat: d.lonlat(f, 123.4, 201.7),
            drawn: drawn,
            read: d.read(JSON.stringify({{type: "Feature", geometry: drawn}})),
        }}));
    """
    done = subprocess.run(
        ["node", "-e", script], capture_output=True, text=True, check=True, timeout=30
    )
    out = json.loads(done.stdout)
    assert out["xy"] == pytest.approx(frame.xy(-70.76, -33.51), abs=0.05)
    assert out["lonlat"] == pytest.approx(frame.lonlat(123.4, 201.7), abs=1e-12)
    drawn = parse_geometry(out["drawn"], kinds={"Polygon"})
    assert isinstance(drawn, Geometry) and drawn.coordinates[0][0] == (-70.761235, -33.51)
    assert drawn.coordinates[0][0] == drawn.coordinates[0][-1]
    assert out["read"] == {
        "kind": "Polygon",
        "vertices": [list(p) for p in drawn.coordinates[0][:-1]],
    }


def test_a_drawing_map_is_widened_around_what_is_there() -> None:
    area = parse_geometry(polygon(OUTER))
    tight = map_view(area)
    wide = map_view(area, widen=0.25)
    assert tight is not None and wide is not None
    span = tight.frame.east - tight.frame.west
    assert wide.frame.west == pytest.approx(tight.frame.west - span / 4)
    assert wide.frame.north == pytest.approx(
        tight.frame.north + (tight.frame.north - tight.frame.south) / 4
    )
