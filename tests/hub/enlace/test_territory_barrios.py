"""Barrios: creating one (an administrator anywhere, a gestor in their own territorios),
its datos and caracterización sociodemográfica, its limits (drawn, pasted or uploaded)
and the ficha — scope, Spanish refusals with nothing written, and the history."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import FormData

from hub.storage import HubDB
from hub.territory.barrios import profile
from hub.territory.geo import parse_geometry
from hub.territory.limits import area_m2, describe, hectares
from tests.hub.conftest import T0
from tests.hub.enlace.conftest import MARKER, World
from tests.hub.enlace.seeds.territory import NORTE_LIMITS, seed

SQUARE = NORTE_LIMITS  # 0.02° × 0.02° around -33.49°: about 2.22 km × 1.85 km


def audit_count(world: World) -> int:
    return int(world.hub.db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0])


def barrio_count(hub: HubDB) -> int:
    return int(hub.db.execute("SELECT COUNT(*) FROM barrios").fetchone()[0])


def add_controller(
    hub: HubDB, number: int, name: str, barrio_id: int | None, lon: float, lat: float
) -> None:
    hub.db.execute(
        "INSERT INTO controllers (id, name, reported_name, barrio_id, enrolled_at, "
        "report_interval_s, software_version, reports, latitude, longitude) "
        "VALUES (?, ?, ?, ?, ?, 60, '1.0', 0, ?, ?)",
        [number, name, name, barrio_id, T0, lat, lon],
    )


# New barrio ------------------------------------------------------------------------------


async def test_a_gestor_creates_a_barrio_in_their_territorio(world: World) -> None:
    form = await (await world.get(world.gestor_norte, "/barrios/nuevo")).text()
    assert 'label for="campo-name"' in form and 'label for="campo-territorio_id"' in form
    assert "Territorio Norte" in form and "Territorio Sur" not in form
    response = await world.post(
        world.gestor_norte,
        "/barrios/nuevo",
        {"name": "Villa  Los Héroes", "territorio_id": "1", "sector": "Sector 4"},
    )
    assert response.status == 303
    assert response.headers["Location"] == "/barrios/3?aviso=barrio-creado"
    found = profile(world.hub, 3)
    assert (found.barrio.name, found.territorio, found.sector) == (
        "Villa Los Héroes",
        "Territorio Norte",
        "Sector 4",
    )
    ficha = await (await world.get(world.gestor_norte, "/barrios/3?aviso=barrio-creado")).text()
    assert "El barrio fue creado." in ficha and "Creó el barrio" in ficha
    assert "Nora Norte" in ficha  # the territorio's gestores
    assert (await world.get(world.gestor_sur, "/barrios/3")).status == 404


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "territorio_id": "1"}, "name", "Escriba el nombre del barrio."),
        (
            {"name": "villa norte-reservado", "territorio_id": "1"},
            "name",
            "Ya existe un barrio llamado «villa norte-reservado».",
        ),
        (
            {"name": "Villa Nueva", "territorio_id": ""},
            "territorio_id",
            "Elija el territorio del barrio.",
        ),
        (
            {"name": "Villa Nueva", "territorio_id": "2"},
            "territorio_id",
            "Elija uno de los territorios de la lista.",
        ),
        (
            {"name": "Villa Nueva", "territorio_id": "x"},
            "territorio_id",
            "Elija uno de los territorios de la lista.",
        ),
        ({"name": "x" * 81, "territorio_id": "1"}, "name", "no puede tener más de 80 caracteres"),
    ],
)
async def test_a_bad_new_barrio_is_refused(
    world: World, data: dict[str, str], field: str, message: str
) -> None:
    before = (audit_count(world), barrio_count(world.hub))
    response = await world.post(world.gestor_norte, "/barrios/nuevo", data)
    text = await response.text()
    assert response.status == 400 and message in text
    assert f'id="error-{field}"' in text
    assert (audit_count(world), barrio_count(world.hub)) == before


async def test_the_administration_creates_a_barrio_anywhere_or_in_none(world: World) -> None:
    form = await (await world.get(world.admin, "/barrios/nuevo")).text()
    assert "Territorio Norte" in form and "Territorio Sur" in form and "Sin territorio" in form
    response = await world.post(
        world.admin, "/barrios/nuevo", {"name": "Villa Sur 2", "territorio_id": "2"}
    )
    assert response.status == 303 and profile(world.hub, 3).territorio == "Territorio Sur"
    response = await world.post(world.admin, "/barrios/nuevo", {"name": "Campo Abierto"})
    assert response.status == 303 and profile(world.hub, 4).territorio_id is None


async def test_readers_cannot_create_barrios(world: World) -> None:
    assert (await world.get(world.mediacion, "/barrios/nuevo")).status == 403
    before = barrio_count(world.hub)
    response = await world.post(
        world.mediacion, "/barrios/nuevo", {"name": "Villa M", "territorio_id": "1"}
    )
    assert response.status == 403 and barrio_count(world.hub) == before


async def test_a_gestor_without_territorio_is_told_so(world: World) -> None:
    world.hub.db.execute("DELETE FROM territorio_gestores WHERE user_id = ?", [world.gestor_sur.id])
    page = await (await world.get(world.gestor_sur, "/barrios/nuevo")).text()
    assert "Usted aún no tiene territorios asignados." in page


# Datos y caracterización -------------------------------------------------------------------

GOOD: dict[str, str] = {
    "name": f"Villa {MARKER}",
    "sector": "Sector 2",
    "poblacion": "4.200",
    "edad_0_14": "800",
    "edad_15_29": "1000",
    "edad_30_44": "900",
    "edad_45_64": "1000",
    "edad_65_mas": "500",
    "gse_C2": "30",
    "gse_C3": "40,5",
    "gse_D": "29,5",
    "fuente": "Censo 2017 (INE)",
}


async def test_the_datos_are_saved_and_shown(world: World) -> None:
    form = await (await world.get(world.gestor_norte, "/barrios/1/datos")).text()
    for label in ("Población (personas)", "De 0 a 14 años", "De 65 años y más", "GSE C1a"):
        assert label in form
    response = await world.post(world.gestor_norte, "/barrios/1/datos", GOOD)
    assert response.status == 303
    assert response.headers["Location"] == "/barrios/1?aviso=datos-guardados"
    found = profile(world.hub, 1)
    assert found.poblacion == 4200 and found.grupos_etarios["65+"] == 500
    assert found.gse == {"C2": 30.0, "C3": 40.5, "D": 29.5}
    assert found.fuente == "Censo 2017 (INE)" and found.updated_at == world.clock()
    ficha = await (await world.get(world.mediacion, "/barrios/1")).text()
    assert "4.200" in ficha and "40,5" in ficha and "Censo 2017 (INE)" in ficha
    assert "Cambió los datos del barrio" in ficha and "Población: «4200»" in ficha
    again = await (await world.get(world.gestor_norte, "/barrios/1/datos")).text()
    assert 'value="40,5"' in again and 'value="4200"' in again


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": " "}, "name", "Escriba el nombre del barrio."),
        (
            {"name": "población los aromos"},
            "name",
            "Ya existe un barrio llamado «población los aromos».",
        ),
        ({"poblacion": "-5"}, "poblacion", "La población debe ser un número entero de personas"),
        (
            {"poblacion": "muchos"},
            "poblacion",
            "La población debe ser un número entero de personas",
        ),
        ({"poblacion": "12,5"}, "poblacion", "La población debe ser un número entero de personas"),
        ({"edad_0_14": "-1"}, "edad_0_14", "El grupo de de 0 a 14 años debe ser un número entero"),
        (
            {"poblacion": "1000"},
            "grupos_etarios",
            "Los grupos etarios suman 4.200 personas, más que la población del barrio (1.000).",
        ),
        ({"gse_D": "20"}, "gse", "Los porcentajes del GSE suman 90,5 %; deben sumar 100 %"),
        (
            {"gse_AB": "101"},
            "gse_AB",
            "El porcentaje del grupo AB debe ser un número entre 0 y 100.",
        ),
        ({"sector": "s" * 81}, "sector", "Es demasiado largo"),
    ],
)
async def test_bad_datos_are_refused_and_nothing_is_written(
    world: World, change: dict[str, str], field: str, message: str
) -> None:
    before = (audit_count(world), profile(world.hub, 1))
    response = await world.post(world.gestor_norte, "/barrios/1/datos", {**GOOD, **change})
    text = await response.text()
    assert response.status == 400, text
    assert message in text and f'id="error-{field}"' in text
    assert (audit_count(world), profile(world.hub, 1)) == before
    for value in change.values():  # the fields are kept
        assert f'value="{value}"' in text or value.strip() == ""


async def test_the_gse_may_be_left_blank_and_rounding_is_tolerated(world: World) -> None:
    data = {**GOOD, "gse_C2": "", "gse_C3": "", "gse_D": ""}
    assert (await world.post(world.gestor_norte, "/barrios/1/datos", data)).status == 303
    assert profile(world.hub, 1).gse == {}
    data = {**GOOD, "gse_D": "30,2"}  # adds up to 100.7
    assert (await world.post(world.gestor_norte, "/barrios/1/datos", data)).status == 303


async def test_datos_are_scoped(world: World) -> None:
    before = audit_count(world)
    assert (await world.get(world.gestor_sur, "/barrios/1/datos")).status == 404
    assert (await world.post(world.gestor_sur, "/barrios/1/datos", GOOD)).status == 404
    assert (await world.get(world.mediacion, "/barrios/1/datos")).status == 200
    response = await world.post(world.mediacion, "/barrios/1/datos", GOOD)
    assert response.status == 403
    assert audit_count(world) == before and profile(world.hub, 1).poblacion is None


# Límites -----------------------------------------------------------------------------------


async def test_limits_drawn_or_pasted_are_saved_with_their_area(world: World) -> None:
    page = await (await world.get(world.gestor_norte, "/barrios/1/limites")).text()
    assert 'data-draw-field="limites"' in page and 'data-geo-kind="MultiPolygon Polygon"' in page
    assert 'data-frame="-70.83,-33.56,-70.7,-33.46,640,480,16"' in page  # Maipú, to draw on
    assert "/static/dibujo.js" in page and "<script>" not in page and "style=" not in page
    response = await world.post(
        world.gestor_norte, "/barrios/1/limites", {"limites": json.dumps(SQUARE)}
    )
    assert response.status == 303
    assert response.headers["Location"] == "/barrios/1?aviso=limites-guardados"
    assert profile(world.hub, 1).limites == parse_geometry(SQUARE)
    ficha = await (await world.get(world.gestor_norte, "/barrios/1")).text()
    assert "Área: 412,5 ha." in ficha and 'class="mapa-limite"' in ficha
    assert "Cambió los límites del barrio" in ficha and "Polígono de 4 vértices, 412,5 ha" in ficha


async def test_limits_from_an_uploaded_file(world: World) -> None:
    who = world.identity(world.gestor_norte)
    data = FormData()
    data.add_field("csrf_token", who.csrf)
    data.add_field("limites", "")
    feature = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": SQUARE}],
    }
    data.add_field(
        "archivo",
        json.dumps(feature).encode(),
        filename="barrio.geojson",
        content_type="application/geo+json",
    )
    response = await world.post(world.gestor_norte, "/barrios/1/limites", data)
    assert response.status == 303
    assert profile(world.hub, 1).limites == parse_geometry(SQUARE)


async def test_an_uploaded_file_too_big_or_not_text_is_refused(world: World) -> None:
    for content, message in [
        (b" " * 600_000, "El archivo es demasiado grande"),
        (b"\xff\xfe\x00garbage", "El archivo no es texto GeoJSON"),
    ]:
        who = world.identity(world.gestor_norte)
        data = FormData()
        data.add_field("csrf_token", who.csrf)
        data.add_field("archivo", content, filename="x.geojson")
        response = await world.post(world.gestor_norte, "/barrios/1/limites", data)
        assert response.status == 400 and message in await response.text()
    assert profile(world.hub, 1).limites is None


def ring(*points: tuple[float, float]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[list(p) for p in (*points, points[0])]]}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Dibuje el límite en el mapa, pegue el GeoJSON o suba un archivo .geojson."),
        ('{"type": "Polygon", "coordinates": [[[-70.7, -33.5]', "No es GeoJSON válido"),
        (
            '{"type": "Point", "coordinates": [-70.76, -33.49]}',
            "Se esperaba un polígono o varios polígonos, pero el GeoJSON trae un punto.",
        ),
        (
            json.dumps(
                ring((-70.77, -33.50), (-70.75, -33.48), (-70.75, -33.50), (-70.77, -33.48))
            ),
            "El borde del polígono se cruza consigo mismo",
        ),
        (json.dumps(ring((2.35, 48.85), (2.36, 48.85), (2.36, 48.86))), "queda fuera de Chile"),
        (
            json.dumps(ring((-33.50, -70.77), (-33.50, -70.75), (-33.48, -70.75))),
            "(¿longitud y latitud invertidas?)",
        ),
    ],
)
async def test_bad_limits_are_refused_and_nothing_is_written(
    world: World, text: str, message: str
) -> None:
    before = audit_count(world)
    response = await world.post(world.gestor_norte, "/barrios/1/limites", {"limites": text})
    body = await response.text()
    assert response.status == 400 and message in body and 'id="error-limites"' in body
    assert audit_count(world) == before and profile(world.hub, 1).limites is None


async def test_limits_are_removed_and_scoped(world: World) -> None:
    seed(world)
    before = audit_count(world)
    assert (
        await world.post(world.gestor_sur, "/barrios/1/limites", {"accion": "borrar"})
    ).status == 404
    assert (
        await world.post(world.mediacion, "/barrios/1/limites", {"accion": "borrar"})
    ).status == 403
    read_only = await (await world.get(world.mediacion, "/barrios/1/limites")).text()
    assert "data-draw-field" not in read_only and "no cambiarlos" in read_only
    assert audit_count(world) == before
    response = await world.post(world.gestor_norte, "/barrios/1/limites", {"accion": "borrar"})
    assert response.headers["Location"] == "/barrios/1?aviso=limites-borrados"
    assert profile(world.hub, 1).limites is None
    ficha = await (await world.get(world.gestor_norte, "/barrios/1")).text()
    assert "Sin mapa" in ficha


def test_area_and_description() -> None:
    square = parse_geometry(SQUARE)
    # 0.02° of latitude is 2,223.9 m; 0.02° of longitude at -33.49° is 1,854.6 m
    assert area_m2(square) == pytest.approx(2223.9 * 1854.6, rel=1e-3)
    holed = parse_geometry(
        {
            "type": "Polygon",
            "coordinates": [
                SQUARE["coordinates"][0],
                [
                    [-70.765, -33.495],
                    [-70.755, -33.495],
                    [-70.755, -33.485],
                    [-70.765, -33.485],
                    [-70.765, -33.495],
                ],
            ],
        }
    )
    assert hectares(holed) == pytest.approx(hectares(square) * 0.75, rel=1e-3)
    assert describe(None) is None and describe(holed) == "Polígono de 8 vértices, 309,3 ha"


# The ficha -----------------------------------------------------------------------------------


async def test_the_ficha_lists_the_barrios_controllers_and_those_inside_its_limits(
    world: World,
) -> None:
    seed(world)
    add_controller(world.hub, 1, "Pasaje Los Olmos", 1, -70.76, -33.49)
    add_controller(world.hub, 2, "Plaza sin barrio", None, -70.755, -33.485)
    add_controller(world.hub, 3, "Calle del Sur", 2, -70.76, -33.52)
    add_controller(world.hub, 4, "Esquina de Sur dentro", 2, -70.765, -33.495)
    gestor = await (await world.get(world.gestor_norte, "/barrios/1")).text()
    assert "Pasaje Los Olmos" in gestor and "Calle del Sur" not in gestor
    hint = gestor.split("Dentro de los límites")[1]
    assert "Plaza sin barrio" in hint and "Esquina de Sur dentro" in hint
    assert 'href="/controladores/1"' not in gestor  # the fleet's pages are not a gestor's
    admin = await (await world.get(world.admin, "/barrios/1")).text()
    assert 'href="/controladores/1"' in admin
    assert admin.count('class="mapa-punto controlador"') == 1
    assert "De 0 a 14 años" in admin and "Sector NORTE-RESERVADO" in admin
    assert "Planificación del barrio" in admin


async def test_the_barrio_list_shows_profile_columns_and_links(world: World) -> None:
    seed(world)
    page = await (await world.get(world.gestor_norte, "/barrios")).text()
    assert "4.200" in page and "Dibujados" in page and 'href="/barrios/nuevo"' in page
    assert 'href="/barrios.csv"' in page and 'href="/barrios.geojson"' in page
    reader = await (await world.get(world.mediacion, "/barrios")).text()
    assert 'href="/barrios/nuevo"' not in reader
