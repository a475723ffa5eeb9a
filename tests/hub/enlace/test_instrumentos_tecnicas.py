"""Técnicas cualitativas in the web: grupo focal, cartografía participativa and marcha
exploratoria — create, edit, geometry refused in Spanish, links to problemáticas, points
and areas on the map, history, the overview pages and the exports."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from hub.enlace.diagnostico.problematicas import Problematicas
from hub.enlace.instrumentos.elementos import distance_to_line
from tests.hub.conftest import T0
from tests.hub.enlace.conftest import World
from tests.hub.enlace.seeds.instrumentos import AREA, HALLAZGO, ROUTE

FIELDS = {
    "titulo": "Grupo focal con la junta de vecinos",
    "fecha": "2026-10-15",
    "lugar": "Sede social Los Aromos",
    "participantes": "14",
    "vecinos": "Vecinas y vecinos del pasaje El Roble",
    "organizaciones": "Junta de vecinos Los Aromos",
    "instituciones": "Carabineros, 25ª Comisaría",
    "facilitador": "Nora Norte",
    "hallazgos": "La plaza se percibe insegura de noche.",
}


def count(world: World, table: str) -> int:
    return int(world.hub.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def problematica(world: World, barrio_id: int, titulo: str) -> int:
    return Problematicas(world.hub).add(barrio_id, titulo, actor=world.admin.actor, at=T0).id


async def create(world: World, tipo: str, **changes: Any) -> Any:
    data = {"tipo": tipo, **FIELDS, **changes}
    return await world.post(world.gestor_norte, "/barrios/1/tecnicas/nueva", data)


async def test_a_grupo_focal_is_created_linked_and_shown_with_history(world: World) -> None:
    first = problematica(world, 1, "Robos en la plaza")
    problematica(world, 1, "Consumo en la vía pública")
    response = await create(world, "grupo-focal", problematicas=str(first))
    assert response.status == 303
    assert response.headers["Location"] == "/tecnicas/1?aviso=tecnica-creada"
    html = await (await world.get(world.gestor_norte, "/tecnicas/1")).text()
    assert "Grupo focal con la junta de vecinos" in html and "Grupo focal</p>" in html
    assert "<dt>Problemáticas</dt><dd>Robos en la plaza</dd>" in html
    assert "Registró la técnica" in html and "norte@maipu.cl" in html
    assert world.hub.db.execute("SELECT * FROM tecnica_problematicas").fetchall() == [(1, first)]


async def test_editing_changes_links_and_records_what_changed(world: World) -> None:
    first = problematica(world, 1, "Robos en la plaza")
    second = problematica(world, 1, "Consumo en la vía pública")
    await create(world, "grupo-focal", problematicas=str(first))
    form = await world.get(world.gestor_norte, "/tecnicas/1/editar")
    assert f'value="{first}" checked' in await form.text()
    data = {**FIELDS, "participantes": "20", "problematicas": str(second)}
    response = await world.post(world.gestor_norte, "/tecnicas/1/editar", data)
    assert response.status == 303
    html = await (await world.get(world.gestor_norte, "/tecnicas/1")).text()
    assert "Editó la técnica" in html
    assert "Participantes: «14» → «20»" in html
    assert "«Robos en la plaza» → «Consumo en la vía pública»" in html
    assert world.hub.db.execute("SELECT problematica_id FROM tecnica_problematicas").fetchall() == [
        (second,)
    ]


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"titulo": ""}, "Escriba un nombre para la actividad."),
        ({"fecha": ""}, "Indique la fecha en que se realizó."),
        ({"fecha": "15-10-2026"}, "Escriba la fecha como AAAA-MM-DD."),
        ({"fecha": "2099-01-01"}, "La fecha no puede ser futura"),
        ({"participantes": "cero"}, "Indique cuántas personas participaron"),
        ({"facilitador": ""}, "Indique quién facilitó la actividad."),
        ({"lugar": ""}, "Indique el lugar."),
        ({"problematicas": "abc"}, "Elija las problemáticas de la lista."),
    ],
)
async def test_bad_tecnica_forms_are_refused(
    world: World, changes: dict[str, str], field_message: str
) -> None:
    response = await create(world, "grupo-focal", **changes)
    assert response.status == 400
    assert field_message in await response.text()
    assert count(world, "tecnicas") == 0


async def test_a_problematica_of_another_barrio_is_refused(world: World) -> None:
    other = problematica(world, 2, "Problemática del Sur")
    response = await create(world, "grupo-focal", problematicas=str(other))
    assert response.status == 400
    assert "Elija solo problemáticas de este barrio." in await response.text()
    assert count(world, "tecnicas") == 0


@pytest.mark.parametrize(
    ("geometria", "message"),
    [
        ("{no es json", "Recorrido: No es GeoJSON válido"),
        (HALLAZGO, "Recorrido: Se esperaba una línea o recorrido, pero el GeoJSON trae un punto."),
        (
            '{"type": "LineString", "coordinates": [[-33.51, -70.76], [-33.51, -70.75]]}',
            "queda fuera de Chile",
        ),
        ('{"type": "LineString", "coordinates": [[-70.76, -33.51]]}', "al menos dos puntos"),
    ],
)
async def test_a_bad_route_is_refused_in_spanish(
    world: World, geometria: str, message: str
) -> None:
    response = await create(world, "marcha", geometria=geometria)
    assert response.status == 400
    html = await response.text()
    assert message in html
    assert 'data-geo-kind="LineString"' in html
    assert count(world, "tecnicas") == 0


async def test_a_marcha_with_route_and_hallazgos_on_it(world: World) -> None:
    response = await create(world, "marcha", titulo="Marcha por Los Aromos", geometria=ROUTE)
    assert response.status == 303
    added = await world.post(
        world.gestor_norte,
        "/tecnicas/1/elementos",
        {"categoria": "punto-ciego", "nota": "Pasaje sin salida", "geometria": HALLAZGO},
    )
    assert added.status == 303
    far = '{"type": "Point", "coordinates": [-70.758, -33.5]}'
    refused = await world.post(
        world.gestor_norte,
        "/tecnicas/1/elementos",
        {"categoria": "iluminacion", "geometria": far},
    )
    assert refused.status == 400
    assert "El hallazgo queda a 1113 m del recorrido" in await refused.text()
    wrong = await world.post(
        world.gestor_norte, "/tecnicas/1/elementos", {"categoria": "x", "geometria": AREA}
    )
    text = await wrong.text()
    assert "Elija la categoría: Iluminación, Sitio eriazo" in text
    assert "Se esperaba un punto, pero el GeoJSON trae un polígono." in text
    assert count(world, "tecnica_elementos") == 1
    html = await (await world.get(world.gestor_norte, "/tecnicas/1")).text()
    assert 'class="mapa-linea recorrido"' in html
    assert 'class="mapa-punto hallazgo"' in html
    assert "Punto ciego" in html and "Pasaje sin salida" in html
    assert "Agregó un elemento al mapa" in html
    assert 'data-draw-field="geometria"' in html and "dibujo.js" in html


async def test_a_hallazgo_needs_the_route_first(world: World) -> None:
    await create(world, "marcha")
    response = await world.post(
        world.gestor_norte, "/tecnicas/1/elementos", {"categoria": "otro", "geometria": HALLAZGO}
    )
    assert response.status == 400
    assert "Dibuje primero el recorrido de la marcha" in await response.text()


async def test_a_cartografia_takes_points_and_areas_and_removes_them(world: World) -> None:
    await create(world, "cartografia", titulo="Cartografía de la villa")
    for categoria, geometria in (("inseguro", AREA), ("recurso", HALLAZGO)):
        response = await world.post(
            world.gestor_norte,
            "/tecnicas/1/elementos",
            {"categoria": categoria, "nota": "Plaza", "geometria": geometria},
        )
        assert response.status == 303
    empty = await world.post(
        world.gestor_norte, "/tecnicas/1/elementos", {"categoria": "otro", "geometria": ""}
    )
    assert "Marque el punto o dibuje el área en el mapa" in await empty.text()
    html = await (await world.get(world.gestor_norte, "/tecnicas/1")).text()
    assert 'class="mapa-area area-cartografia"' in html
    assert 'data-geo-kind="Point Polygon"' in html
    removed = await world.post(world.gestor_norte, "/tecnicas/1/elementos/1/quitar", {})
    assert removed.status == 303
    assert count(world, "tecnica_elementos") == 1
    html = await (await world.get(world.gestor_norte, "/tecnicas/1")).text()
    assert "Quitó un elemento del mapa" in html
    assert (await world.post(world.gestor_norte, "/tecnicas/1/elementos/1/quitar", {})).status == (
        404
    )


async def test_a_grupo_focal_has_no_map(world: World) -> None:
    await create(world, "grupo-focal")
    response = await world.post(
        world.gestor_norte, "/tecnicas/1/elementos", {"categoria": "otro", "geometria": HALLAZGO}
    )
    assert response.status == 404
    assert count(world, "tecnica_elementos") == 0


async def test_pages_for_readers_and_refusals_for_mediacion(world: World) -> None:
    await create(world, "grupo-focal")
    for path in ("/instrumentos", "/barrios/1/instrumentos", "/tecnicas/1"):
        response = await world.get(world.mediacion, path)
        assert response.status == 200, path
    assert (
        "Grupo focal con la junta de vecinos"
        in await (await world.get(world.mediacion, "/instrumentos")).text()
    )
    assert (await world.get(world.mediacion, "/tecnicas/1/editar")).status == 403
    response = await world.post(world.mediacion, "/tecnicas/1/editar", FIELDS)
    assert response.status == 403
    assert (await world.get(world.gestor_norte, "/barrios/1/tecnicas/nueva?tipo=x")).status == 404
    new = await world.get(world.gestor_norte, "/barrios/1/tecnicas/nueva?tipo=cartografia")
    assert "Registrar cartografía participativa" in await new.text()


async def test_the_barrio_page_links_each_tecnica(world: World) -> None:
    html = await (await world.get(world.gestor_norte, "/barrios/1/instrumentos")).text()
    for tipo in ("grupo-focal", "cartografia", "marcha"):
        assert f"/barrios/1/tecnicas/nueva?tipo={tipo}" in html
    assert "/barrios/1/fuentes/importar" in html


async def test_exports_parse_back(world: World) -> None:
    first = problematica(world, 1, "Robos en la plaza")
    await create(world, "grupo-focal", problematicas=str(first))
    await create(world, "cartografia", titulo="Cartografía")
    await create(world, "marcha", titulo="=Marcha", geometria=ROUTE)
    await world.post(
        world.gestor_norte, "/tecnicas/2/elementos", {"categoria": "inseguro", "geometria": AREA}
    )
    await world.post(
        world.gestor_norte,
        "/tecnicas/3/elementos",
        {"categoria": "microbasural", "nota": "Esquina", "geometria": HALLAZGO},
    )
    response = await world.get(world.gestor_norte, "/barrios/1/tecnicas.csv")
    rows = list(csv.DictReader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    assert [r["tipo"] for r in rows] == [
        "Marcha exploratoria",
        "Cartografía participativa",
        "Grupo focal",
    ]
    by_type = {r["tipo"]: r for r in rows}
    assert by_type["Grupo focal"]["problematicas"] == "Robos en la plaza"
    assert by_type["Marcha exploratoria"]["nombre"] == "'=Marcha"
    assert by_type["Marcha exploratoria"]["elementos_en_mapa"] == "1"
    collection = json.loads(
        await (await world.get(world.gestor_norte, "/barrios/1/tecnicas.geojson")).read()
    )
    kinds = sorted(f["geometry"]["type"] for f in collection["features"])
    assert kinds == ["LineString", "Point", "Polygon"]
    marcha = json.loads(
        await (await world.get(world.gestor_norte, "/tecnicas/3/mapa.geojson")).read()
    )
    props = [f["properties"] for f in marcha["features"]]
    assert props[0]["elemento"] == "recorrido"
    assert props[1]["categoria"] == "Microbasural" and props[1]["nota"] == "Esquina"
    assert marcha["features"][0]["geometry"]["coordinates"] == [[-70.76, -33.51], [-70.755, -33.51]]


def test_distance_to_a_route() -> None:
    line = ((-70.760, -33.510), (-70.755, -33.510))
    assert distance_to_line(-70.758, -33.510, line) < 1
    assert 1100 < distance_to_line(-70.758, -33.500, line) < 1125
