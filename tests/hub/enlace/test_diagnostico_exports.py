"""The diagnóstico's downloads parsed back (problemáticas + caracterización CSV, focos
GeoJSON, actores / presencia / recursos CSV), scoped to the barrio, and the list of
diagnósticos with each barrio's progress."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

from tests.hub.enlace.conftest import MARKER, World
from tests.hub.enlace.seeds.diagnostico import seed


async def read_csv(world: World, path: str) -> list[dict[str, str]]:
    response = await world.get(world.gestor_norte, path)
    assert response.status == 200 and response.content_type == "text/csv"
    return list(csv.DictReader(io.StringIO((await response.read()).decode("utf-8-sig"))))


async def test_problematicas_csv_has_the_caracterizacion(world: World) -> None:
    seed(world)
    found = await read_csv(world, "/barrios/1/diagnostico/problematicas.csv")
    assert len(found) == 1
    row = found[0]
    assert row["problematica"] == f"Robos en la plaza {MARKER}" and row["prioridad"] == "alta"
    assert row["causas"] == f"Poca iluminación {MARKER}"
    assert row["temporalidad"] == "Invierno, 19 a 22 h" and row["cifra_negra"] == ""
    assert list(row) == [
        "id", "problematica", "prioridad", "descripcion", "causas", "dimension_espacial",
        "temporalidad", "victimas_victimarios", "impacto", "cifra_negra", "institucional",
        "registrada_por",
    ]  # fmt: skip


async def test_focos_geojson_is_a_feature_collection_of_the_barrio(world: World) -> None:
    seed(world)
    response = await world.get(world.gestor_norte, "/barrios/1/diagnostico/focos.geojson")
    assert response.status == 200 and response.content_type == "application/geo+json"
    collection = json.loads(await response.read())
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 1
    feature = collection["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [-70.755, -33.505]}
    properties = feature["properties"]
    assert properties["categoria"] == "robo" and properties["categoria_nombre"] == "Robo"
    assert properties["clase"] == "hotspot" and properties["barrio_id"] == 1
    assert properties["problematica"] == f"Robos en la plaza {MARKER}"


async def test_actores_presencia_recursos_csv(world: World) -> None:
    seed(world)
    actores = await read_csv(world, "/barrios/1/diagnostico/actores.csv")
    assert [(r["nombre"], r["tipo"], r["relevancia"]) for r in actores] == [
        (f"Junta de vecinos {MARKER}", "junta_vecinos", "alta")
    ]
    presencia = await read_csv(world, "/barrios/1/diagnostico/presencia.csv")
    assert [(r["nombre"], r["tipo"], r["ambito"], r["geometria"]) for r in presencia] == [
        (f"Cuadrante {MARKER}", "carabineros", "policial", "")
    ]
    recursos = await read_csv(world, "/barrios/1/diagnostico/recursos.csv")
    assert json.loads(recursos[0]["geometria"])["type"] == "Point"
    assert recursos[0]["tipo"] == "educacional"


async def test_exports_are_scoped_to_the_gestor_territory(world: World) -> None:
    seed(world)
    for path in (
        "/barrios/1/diagnostico/problematicas.csv",
        "/barrios/1/diagnostico/focos.geojson",
        "/barrios/1/diagnostico/actores.csv",
    ):
        assert (await world.get(world.gestor_sur, path)).status == 404
    response = await world.get(world.gestor_sur, "/barrios/2/diagnostico/actores.csv")
    body = (await response.read()).decode("utf-8-sig")
    assert "Junta de vecinos Sur" in body and MARKER not in body


async def test_the_diagnosticos_page_lists_visible_barrios_with_progress(world: World) -> None:
    seed(world)
    page = await (await world.get(world.admin, "/diagnosticos")).text()
    assert f"Villa {MARKER}" in page and "Población Los Aromos" in page
    assert (
        page.count('value="5"') == 2
    )  # problemáticas and the 4 lists: no limits, profile, full caracterización
    sur = await (await world.get(world.gestor_sur, "/diagnosticos")).text()
    assert MARKER not in sur and "Población Los Aromos" in sur
    nav = await (await world.get(world.gestor_sur, "/barrios")).text()
    assert 'href="/diagnosticos"' in nav


class Controls(HTMLParser):
    """The ids of a page's form controls (hidden inputs aside) and its labels' ``for``."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[str] = []
        self.labels: set[str] = set()
        self.styles = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.styles += "style" in found
        if tag == "label" and found.get("for"):
            self.labels.add(str(found["for"]))
        elif tag in ("input", "select", "textarea") and found.get("type") != "hidden":
            self.controls.append(str(found.get("id")))


async def test_every_field_has_its_label_and_no_inline_style(world: World) -> None:
    seed(world)
    for path in (
        "/diagnosticos",
        "/barrios/1/diagnostico",
        "/problematicas/1",
        "/barrios/1/diagnostico/focos",
        "/diagnostico/focos/1",
        "/barrios/1/diagnostico/actores",
        "/diagnostico/actores/1",
        "/diagnostico/presencia/1",
        "/diagnostico/recursos/1",
        "/barrios/1/diagnostico/activaciones",
    ):
        parser = Controls()
        parser.feed(await (await world.get(world.gestor_norte, path)).text())
        missing = [c for c in parser.controls if c not in parser.labels]
        assert not missing, f"{path}: fields without a label: {missing}"
        assert len(parser.controls) == len(set(parser.controls)), f"{path}: repeated ids"
        assert parser.styles == 0, path


async def test_mediacion_reads_every_page_without_forms(world: World) -> None:
    seed(world)
    page = await (await world.get(world.mediacion, "/barrios/1/diagnostico")).text()
    assert "Registrar problemática" not in page and MARKER in page
    page = await (await world.get(world.mediacion, "/diagnostico/focos/1")).text()
    assert "Guardar cambios" not in page and "Eliminar" not in page and "Historial" in page
    response = await world.post(world.mediacion, "/diagnostico/focos/1/eliminar", {})
    assert response.status == 403
    response = await world.post(world.mediacion, "/barrios/1/diagnostico/actores", {})
    assert response.status == 403
