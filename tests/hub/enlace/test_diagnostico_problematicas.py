"""Problemáticas and their caracterización: the repository, the pages, the forms' Spanish
refusals (nothing written), and the history on the problemática's page."""

from __future__ import annotations

import pytest

from hub.enlace.diagnostico.caracterizacion import NAMES, Caracterizaciones
from hub.enlace.diagnostico.problematicas import (
    Prioridad,
    ProblematicaDraft,
    Problematicas,
    read_problematica_form,
)
from hub.errors import Invalid
from hub.storage import HubDB
from tests.hub.conftest import CLI, T0
from tests.hub.enlace.conftest import MARKER, World


def audit_count(world: World) -> int:
    return int(world.hub.db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0])


def test_migrations_apply_on_an_empty_database() -> None:
    hub = HubDB.memory()
    columns = {row[1] for row in hub.db.execute("PRAGMA table_info(problematicas)")}
    assert {"prioridad", "updated_at", "titulo", "barrio_id"} <= columns
    tables = {row[0] for row in hub.db.execute("SELECT name FROM sqlite_master")}
    assert {
        "problematica_caracterizacion",
        "diagnostico_focos",
        "diagnostico_actores",
        "diagnostico_presencia",
        "diagnostico_recursos",
    } <= tables


def test_a_problematica_keeps_its_prioridad_and_every_change(world: World) -> None:
    repository = Problematicas(world.hub)
    made = repository.add(world.norte.id, "  Robos   en pasajes ", actor=CLI, at=T0)
    assert made.titulo == "Robos en pasajes" and made.prioridad is Prioridad.MEDIA
    alta = repository.add(
        world.norte.id, "Microtráfico", prioridad=Prioridad.ALTA, actor=CLI, at=T0
    )
    assert [p.id for p in repository.of_barrio(world.norte.id)] == [made.id, alta.id]
    assert [p.id for p in repository.ranked(world.norte.id)] == [alta.id, made.id]

    repository.update(
        made.id,
        ProblematicaDraft("Robos en pasajes", "De noche", Prioridad.BAJA),
        actor=CLI,
        at=T0 + 5,
    )
    changed = repository.get(made.id)
    assert (changed.descripcion, changed.prioridad, changed.updated_at) == (
        "De noche",
        Prioridad.BAJA,
        T0 + 5,
    )
    lines = repository.history(made.id)
    assert [line.what for line in lines] == ["Registró la problemática", "Editó la problemática"]
    assert lines[1].changed == {"descripcion": ("", "De noche"), "prioridad": ("media", "baja")}


def test_the_caracterizacion_is_saved_per_item_and_audited(world: World) -> None:
    made = Problematicas(world.hub).add(world.norte.id, "Robos", actor=CLI, at=T0)
    repository = Caracterizaciones(world.hub)
    assert repository.of(made.id).values == dict.fromkeys(NAMES, "")
    repository.save(
        made.id, {"causas": "Sitios eriazos", "temporalidad": "Invierno"}, actor=CLI, at=T0
    )
    saved = repository.save(made.id, {"dimension_espacial": "Pasaje 3"}, actor=CLI, at=T0 + 1)
    assert (
        saved.values["causas"] == "Sitios eriazos"
        and saved.values["dimension_espacial"] == "Pasaje 3"
    )
    assert not saved.complete and saved.required_done == 3
    done = repository.save(made.id, {"victimas_victimarios": "Estudiantes"}, actor=CLI, at=T0 + 2)
    assert done.complete and done.filled == 4
    history = Problematicas(world.hub).history(made.id)
    assert history[-1].what == "Actualizó la caracterización"
    assert history[-1].changed == {"victimas_victimarios": ("", "Estudiantes")}


def test_a_problematica_without_title_is_refused() -> None:

    with pytest.raises(Invalid) as caught:
        read_problematica_form({"titulo": "  ", "prioridad": "urgente"})
    assert caught.value.problems == {
        "titulo": "Escriba la problemática.",
        "prioridad": "Elija la prioridad: alta, media o baja.",
    }


async def test_the_gestor_registers_a_problematica_and_characterizes_it(world: World) -> None:
    response = await world.post(
        world.gestor_norte,
        "/barrios/1/diagnostico/problematicas",
        {"titulo": f"Robos {MARKER}", "descripcion": "En la plaza", "prioridad": "alta"},
    )
    assert response.status == 303
    location = response.headers["Location"]
    assert location.startswith("/problematicas/") and "aviso=problematica-creada" in location
    problematica_id = int(location.split("?")[0].rsplit("/", 1)[1])
    response = await world.post(
        world.gestor_norte,
        f"/problematicas/{problematica_id}/caracterizacion",
        {name: f"texto de {name}" for name in NAMES},
    )
    assert response.status == 303
    page = await (await world.get(world.gestor_norte, f"/problematicas/{problematica_id}")).text()
    assert "texto de cifra_negra" in page and "Prioridad alta" in page
    assert "Historial" in page and "Registró la problemática" in page
    assert "Actualizó la caracterización" in page and "Nora Norte" in page
    diagnostico = await (await world.get(world.gestor_norte, "/barrios/1/diagnostico")).text()
    assert f"Robos {MARKER}" in diagnostico and "Completa (7 de 7 puntos)" in diagnostico


async def test_bad_problematica_forms_are_refused_in_spanish_and_write_nothing(
    world: World,
) -> None:
    before = audit_count(world)
    response = await world.post(
        world.gestor_norte,
        "/barrios/1/diagnostico/problematicas",
        {"titulo": "", "descripcion": "algo", "prioridad": "altísima"},
    )
    assert response.status == 400
    page = await response.text()
    assert "Escriba la problemática." in page and "Elija la prioridad: alta, media o baja." in page
    assert 'value="algo"' in page or ">algo</textarea>" in page
    made = Problematicas(world.hub).add(world.norte.id, "Robos", actor=CLI, at=T0)
    before = audit_count(world)
    response = await world.post(
        world.gestor_norte, f"/problematicas/{made.id}/editar", {"titulo": "x" * 121}
    )
    assert response.status == 400 and "como máximo 120" in await response.text()
    response = await world.post(
        world.gestor_norte, f"/problematicas/{made.id}/caracterizacion", {"causas": "x" * 4001}
    )
    assert response.status == 400 and "como máximo 4000" in await response.text()
    assert audit_count(world) == before
    assert Problematicas(world.hub).get(made.id).titulo == "Robos"
    assert Caracterizaciones(world.hub).of(made.id).updated_at is None


async def test_mediacion_reads_but_cannot_write(world: World) -> None:
    made = Problematicas(world.hub).add(world.norte.id, "Robos", actor=CLI, at=T0)
    assert (await world.get(world.mediacion, f"/problematicas/{made.id}")).status == 200
    page = await (await world.get(world.mediacion, f"/problematicas/{made.id}")).text()
    assert "Guardar caracterización" not in page
    response = await world.post(
        world.mediacion, f"/problematicas/{made.id}/editar", {"titulo": "Otra"}
    )
    assert response.status == 403
    assert Problematicas(world.hub).get(made.id).titulo == "Robos"
