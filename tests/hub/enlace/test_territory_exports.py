"""The barrios downloads, parsed back: GeoJSON of every visible barrio with limits, one
barrio's limits, and the CSV of datos — each person sees only their own barrios."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from hub.territory.exports import CSV_HEADER
from hub.territory.geo import parse_geometry
from tests.hub.enlace.conftest import MARKER, World
from tests.hub.enlace.seeds.territory import NORTE_LIMITS, SUR_LIMITS, seed


async def geojson(world: World, person: Any, path: str) -> dict[str, Any]:
    response = await world.get(person, path)
    assert response.status == 200
    assert response.content_type == "application/geo+json"
    assert ".geojson" in response.headers["Content-Disposition"]
    data: dict[str, Any] = json.loads(await response.read())
    return data


async def csv_rows(world: World, person: Any) -> list[dict[str, str]]:
    response = await world.get(person, "/barrios.csv")
    assert response.status == 200 and response.content_type == "text/csv"
    text = (await response.read()).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


async def test_the_geojson_of_the_barrios_reads_back(world: World) -> None:
    seed(world)
    data = await geojson(world, world.admin, "/barrios.geojson")
    assert data["type"] == "FeatureCollection"
    by_name = {f["properties"]["name"]: f for f in data["features"]}
    assert set(by_name) == {world.norte.name, world.sur.name}
    norte = by_name[world.norte.name]
    assert parse_geometry(norte["geometry"]) == parse_geometry(NORTE_LIMITS)
    assert norte["properties"]["territorio"] == "Territorio Norte"
    assert norte["properties"]["poblacion"] == 4200
    assert norte["properties"]["grupos_etarios"]["65+"] == 500
    assert norte["properties"]["gse"] == {"C2": 30.0, "C3": 40.0, "D": 30.0}
    assert norte["properties"]["hectareas"] == 412.47


async def test_barrios_without_limits_are_left_out_of_the_geojson(world: World) -> None:
    data = await geojson(world, world.admin, "/barrios.geojson")
    assert data["features"] == []
    assert (await world.get(world.admin, "/barrios/1/limites.geojson")).status == 404


async def test_each_gestor_downloads_only_their_barrios(world: World) -> None:
    seed(world)
    sur = await geojson(world, world.gestor_sur, "/barrios.geojson")
    assert [f["properties"]["name"] for f in sur["features"]] == [world.sur.name]
    assert parse_geometry(sur["features"][0]["geometry"]) == parse_geometry(SUR_LIMITS)
    assert [row["barrio"] for row in await csv_rows(world, world.gestor_sur)] == [world.sur.name]
    raw = await (await world.get(world.gestor_sur, "/barrios.csv")).read()
    assert MARKER.encode() not in raw
    assert (await world.get(world.gestor_sur, "/barrios/1/limites.geojson")).status == 404
    mediacion = await csv_rows(world, world.mediacion)
    assert len(mediacion) == 2


async def test_one_barrios_limits_read_back(world: World) -> None:
    seed(world)
    data = await geojson(world, world.gestor_norte, "/barrios/1/limites.geojson")
    (feature,) = data["features"]
    assert parse_geometry(json.dumps(data)) == parse_geometry(NORTE_LIMITS)
    assert feature["properties"]["name"] == world.norte.name


async def test_the_csv_of_the_barrios_reads_back(world: World) -> None:
    seed(world)
    rows = await csv_rows(world, world.admin)
    assert tuple(rows[0]) == CSV_HEADER
    norte = next(row for row in rows if row["id"] == "1")
    assert norte["barrio"] == world.norte.name and norte["territorio"] == "Territorio Norte"
    assert norte["sector"] == f"Sector {MARKER}" and norte["poblacion"] == "4200"
    assert norte["edad_0-14"] == "800" and norte["gse_C3"] == "40.0" and norte["gse_AB"] == ""
    assert norte["hectareas"] == "412.47"
    sur = next(row for row in rows if row["id"] == "2")
    assert sur["poblacion"] == "3100" and sur["fuente"] == ""
