"""The diagnóstico's lists — focos de concentración, actores clave, presencia
institucional, recursos — and the diagnóstico page: add, edit, remove (soft, audited),
history, the Spanish refusals (nothing written), the checklist and the barrio's profile."""

from __future__ import annotations

import json

import pytest

from hub.enlace.diagnostico.listas import ACTORES, BY_KEY, FOCOS, LISTAS, PRESENCIA, RECURSOS, Lista
from hub.enlace.diagnostico.problematicas import Problematicas
from hub.enlace.diagnostico.registros import Registros, read_form
from hub.errors import Invalid
from tests.hub.conftest import CLI, T0
from tests.hub.enlace.conftest import MARKER, World

POINT = '{"type": "Point", "coordinates": [-70.755, -33.505]}'
AREA = json.dumps(
    {
        "type": "Feature",
        "properties": {},
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [
                    [-70.76, -33.51],
                    [-70.75, -33.51],
                    [-70.75, -33.50],
                    [-70.76, -33.50],
                    [-70.76, -33.51],
                ]
            ],
        },
    }
)
GOOD = {
    "focos": {"nombre": "Plaza", "clase": "hotspot", "categoria": "robo", "geometria": AREA},
    "actores": {"nombre": "JJVV Villa", "tipo": "junta_vecinos", "relevancia": "alta"},
    "presencia": {"nombre": "Cuadrante 12", "tipo": "carabineros", "geometria": POINT},
    "recursos": {"nombre": "Plaza de juegos", "tipo": "area_verde"},
}
REFUSALS = {
    "focos": (
        {
            "nombre": "",
            "clase": "coldspot",
            "categoria": "robos",
            "geometria": "",
            "problematica_id": "x",
        },
        {
            "nombre": "Escriba un nombre para el foco.",
            "clase": "Elija hotspot o harmspot.",
            "categoria": "Elija la categoría del foco.",
            "geometria": "Marque el foco en el mapa (un punto o un área) o pegue su GeoJSON.",
            "problematica_id": "Indique la problemática con su número (por ejemplo 12).",
        },
    ),
    "actores": (
        {"nombre": " ", "tipo": "vecino", "relevancia": "", "contacto": "9" * 121},
        {
            "nombre": "Escriba el nombre del actor clave.",
            "tipo": "Elija el tipo de actor.",
            "relevancia": "Elija la relevancia: alta, media o baja.",
            "contacto": "Es demasiado largo: use como máximo 120 caracteres.",
        },
    ),
    "presencia": (
        {"nombre": "Retén", "tipo": "carabineros", "geometria": AREA},
        {"geometria": "Se esperaba un punto, pero el GeoJSON trae un polígono."},
    ),
    "recursos": (
        {"nombre": "Consultorio", "tipo": "salud", "geometria": "[-70.7, -33.5"},
        {"geometria": "No es GeoJSON válido"},
    ),
}


def audit_count(world: World) -> int:
    return int(world.hub.db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0])


def rows(world: World, table: str) -> int:
    return int(world.hub.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


@pytest.mark.parametrize("lista", LISTAS, ids=lambda lista: lista.key)
def test_each_form_refuses_bad_input_field_by_field(lista: Lista) -> None:

    fields, expected = REFUSALS[lista.key]
    with pytest.raises(Invalid) as caught:
        read_form(lista, fields, problematica_ids=set())
    for name, message in expected.items():
        assert caught.value.problems[name].startswith(message), (name, caught.value.problems)


def test_a_problematica_of_another_barrio_is_refused(world: World) -> None:
    other = Problematicas(world.hub).add(world.sur.id, "Robos en Sur", actor=CLI, at=T0)
    fields = {**GOOD["focos"], "problematica_id": str(other.id)}
    with pytest.raises(Invalid) as caught:
        read_form(FOCOS, fields, problematica_ids=set())
    assert caught.value.problems == {"problematica_id": "Elija una problemática de este barrio."}


def test_add_edit_remove_keep_the_history(world: World) -> None:
    repository = Registros(world.hub, ACTORES)
    values = read_form(ACTORES, GOOD["actores"], problematica_ids=set())
    made = repository.add(world.norte.id, values, actor=CLI, at=T0)
    assert made.values["tipo"] == "junta_vecinos" and made.values["contacto"] == ""
    edited = repository.update(made.id, {**values, "relevancia": "media"}, actor=CLI, at=T0 + 1)
    assert edited.values["relevancia"] == "media"
    repository.remove(made.id, actor=CLI, at=T0 + 2)
    assert repository.of_barrio(world.norte.id) == []
    assert [r.id for r in repository.of_barrio(world.norte.id, removed=True)] == [made.id]
    lines = repository.history(made.id)
    assert [line.what for line in lines] == ["Registró", "Editó", "Eliminó del diagnóstico"]
    assert lines[0].changed["tipo"] == (None, "Junta de vecinos")
    assert lines[1].changed == {"relevancia": ("Alta", "Media")}
    with pytest.raises(Invalid, match="fue eliminado"):
        repository.update(made.id, values, actor=CLI, at=T0 + 3)


@pytest.mark.parametrize("key", ["focos", "actores", "presencia", "recursos"])
async def test_the_gestor_adds_edits_and_removes_through_the_pages(world: World, key: str) -> None:

    lista = BY_KEY[key]
    fields = {**GOOD[key], "nombre": f"{GOOD[key]['nombre']} {MARKER}"}
    response = await world.post(world.gestor_norte, f"/barrios/1/diagnostico/{key}", fields)
    assert response.status == 303, await response.text()
    record = response.headers["Location"].split("?")[0]
    assert record.startswith(f"/diagnostico/{key}/")
    listed = await (await world.get(world.gestor_norte, f"/barrios/1/diagnostico/{key}")).text()
    assert fields["nombre"] in listed
    response = await world.post(
        world.gestor_norte, f"{record}/editar", {**fields, "nombre": f"Nuevo {MARKER}"}
    )
    assert response.status == 303
    page = await (await world.get(world.gestor_norte, record)).text()
    assert f"Nuevo {MARKER}" in page and "Historial" in page and "Editó" in page
    response = await world.post(world.gestor_norte, f"{record}/eliminar", {})
    assert response.status == 303
    assert response.headers["Location"].startswith(f"/barrios/1/diagnostico/{key}?aviso=")
    page = await (await world.get(world.gestor_norte, record)).text()
    assert "Eliminado del diagnóstico" in page and "Eliminó del diagnóstico" in page
    assert Registros(world.hub, lista).of_barrio(1) == []
    diagnostico = await (await world.get(world.gestor_norte, "/barrios/1/diagnostico")).text()
    assert f"Nuevo {MARKER}" not in diagnostico


@pytest.mark.parametrize("key", ["focos", "actores", "presencia", "recursos"])
async def test_bad_forms_are_refused_in_spanish_and_write_nothing(world: World, key: str) -> None:

    lista = BY_KEY[key]
    fields, expected = REFUSALS[key]
    before = audit_count(world), rows(world, lista.table)
    response = await world.post(world.gestor_norte, f"/barrios/1/diagnostico/{key}", fields)
    assert response.status == 400
    page = await response.text()
    for message in expected.values():
        assert message in page
    assert (audit_count(world), rows(world, lista.table)) == before
    made = Registros(world.hub, lista).add(
        1, read_form(lista, GOOD[key], problematica_ids=set()), actor=CLI, at=T0
    )
    before = audit_count(world), rows(world, lista.table)
    response = await world.post(world.gestor_norte, f"/diagnostico/{key}/{made.id}/editar", fields)
    assert response.status == 400
    assert (audit_count(world), rows(world, lista.table)) == before
    assert Registros(world.hub, lista).get(made.id).values == made.values


async def test_the_diagnostico_page_has_every_item_and_its_checklist(world: World) -> None:
    hub = world.hub
    page = await (await world.get(world.gestor_norte, "/barrios/1/diagnostico")).text()
    assert "0 de 8" in page
    for heading in (
        "Límites geográficos del barrio",
        "Caracterización sociodemográfica",
        "Principales problemáticas relacionadas con la seguridad pública",
        "Focos de concentración de problemas delictuales",
        "Actores clave del barrio",
        "Presencia institucional (municipal y policial)",
        "Recursos del barrio",
        "Activaciones de alarmas comunitarias",
    ):
        assert heading in page, heading
    problematica = Problematicas(hub).add(1, "Robos", actor=CLI, at=T0)
    for lista in (FOCOS, ACTORES, PRESENCIA, RECURSOS):
        values = read_form(lista, GOOD[lista.key], problematica_ids={problematica.id})
        Registros(hub, lista).add(1, values, actor=CLI, at=T0)
    page = await (await world.get(world.gestor_norte, "/barrios/1/diagnostico")).text()
    assert "5 de 8" in page
    assert 'class="mapa-area diag-focos diag-hotspot"' in page
    assert 'class="mapa-punto diag-presencia' in page


async def test_the_profile_of_gestion_territorial_is_shown_when_present(world: World) -> None:
    hub = world.hub
    limits = json.loads(AREA)["geometry"]
    hub.db.execute(
        "UPDATE barrios SET poblacion = ?, grupos_etarios = ?, gse = ?, "
        "fuente_sociodemografica = ?, limites = ? WHERE id = 1",
        [
            12345,
            json.dumps({"0-14": 2000, "15-29": 3000, "30-44": 3000, "45-64": 2500, "65+": 1845}),
            json.dumps({"AB": 2.5, "C1a": 5, "C1b": 7.5, "C2": 20, "C3": 30, "D": 25, "E": 10}),
            "Censo 2017",
            json.dumps(limits),
        ],
    )
    page = await (await world.get(world.gestor_norte, "/barrios/1/diagnostico")).text()
    assert "12.345" in page and "Censo 2017" in page and "65+ años" in page
    assert "C1b" in page and "7,5" in page
    assert 'class="mapa-limite"' in page and "2 de 8" in page
    assert 'href="/barrios/1/limites">Dibujar o importar los límites del barrio' in page


async def test_without_limits_the_map_frames_the_barrio_controllers(world: World) -> None:
    page = await (await world.get(world.gestor_norte, "/barrios/1/diagnostico/focos")).text()
    assert "Sin mapa" in page and 'data-draw-field="geometria"' not in page
    world.hub.db.execute(
        "INSERT INTO controllers (name, reported_name, barrio_id, enrolled_at, "
        "report_interval_s, software_version, latitude, longitude) "
        "VALUES ('Plaza', 'Plaza', 1, 0, 60, '1.0', -33.505, -70.755)"
    )
    page = await (await world.get(world.gestor_norte, "/barrios/1/diagnostico/focos")).text()
    assert 'data-draw-field="geometria"' in page
    assert 'data-geo-kind="Point Polygon"' in page
