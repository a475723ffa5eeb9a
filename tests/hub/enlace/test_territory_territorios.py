"""Territorios (administration only): the list with gestores and barrios, creating and
renaming one, assigning and removing gestores, moving barrios — each audited, each bad
input refused in Spanish with nothing written."""

from __future__ import annotations

import pytest

from hub.errors import Invalid
from hub.roles import Role
from hub.storage import Subject
from hub.territory.scope import scope_of
from hub.territory.territorios import Territorios
from tests.hub.conftest import CLI, T0, add_user
from tests.hub.enlace.conftest import MARKER, World


def audit_count(world: World) -> int:
    return int(world.hub.db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0])


async def test_only_the_administration_opens_the_territorios(world: World) -> None:
    page = await world.get(world.admin, "/territorios")
    text = await page.text()
    assert page.status == 200
    assert "Territorio Norte" in text and "Nora Norte" in text and MARKER in text
    assert "Territorio Sur" in text and "Sergio Sur" in text and "Los Aromos" in text
    for person in (world.gestor_norte, world.mediacion, world.unidad):
        assert (await world.get(person, "/territorios")).status == 403
        assert (await world.get(person, "/territorios/1")).status == 403
        before = audit_count(world)
        response = await world.post(person, "/territorios", {"name": "Territorio Oriente"})
        assert response.status == 403 and audit_count(world) == before


async def test_the_administration_creates_and_renames_a_territorio(world: World) -> None:
    response = await world.post(
        world.admin, "/territorios", {"name": " Territorio   Oriente ", "description": "Villas"}
    )
    assert response.status == 303
    assert response.headers["Location"] == "/territorios/3?aviso=territorio-creado"
    page = await (await world.get(world.admin, "/territorios/3?aviso=territorio-creado")).text()
    assert "El territorio fue creado." in page and "Territorio Oriente" in page
    response = await world.post(
        world.admin, "/territorios/3", {"accion": "datos", "name": "Oriente", "description": ""}
    )
    assert response.status == 303
    assert Territorios(world.hub).get(3).name == "Oriente"
    page = await (await world.get(world.admin, "/territorios/3")).text()
    assert "Creó el territorio" in page and "Cambió los datos del territorio" in page
    assert "«Territorio Oriente» → «Oriente»" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "  "}, "Escriba el nombre del territorio."),
        ({"name": "territorio  NORTE"}, "Ya existe un territorio llamado «territorio NORTE»."),
        ({"name": "x" * 81}, "Use como máximo 80 caracteres."),
    ],
)
async def test_a_bad_territorio_is_refused(
    world: World, data: dict[str, str], message: str
) -> None:
    before = audit_count(world)
    response = await world.post(world.admin, "/territorios", data)
    assert response.status == 400 and message in await response.text()
    response = await world.post(world.admin, "/territorios/2", {"accion": "datos", **data})
    if "NORTE" not in data["name"]:
        assert response.status == 400 and message in await response.text()
    else:  # renaming Sur to Norte's name
        assert response.status == 400 and "Ya existe un territorio" in await response.text()
    assert audit_count(world) == before
    assert [t.name for t in Territorios(world.hub).all()] == ["Territorio Norte", "Territorio Sur"]


async def test_gestores_are_assigned_and_removed(world: World) -> None:
    nueva = add_user(world.client, Role.GESTOR, email="nueva@maipu.cl", name="Nadia Nueva")
    page = await (await world.get(world.admin, "/territorios/1")).text()
    assert "Nadia Nueva (nueva@maipu.cl)" in page and 'label for="campo-user_id"' in page
    response = await world.post(
        world.admin, "/territorios/1/gestores", {"accion": "agregar", "user_id": str(nueva.id)}
    )
    assert response.status == 303
    assert response.headers["Location"] == "/territorios/1?aviso=gestor-asignado"
    assert scope_of(world.hub, nueva).sees(world.norte.id)
    response = await world.post(
        world.admin, "/territorios/1/gestores", {"accion": "quitar", "user_id": str(nueva.id)}
    )
    assert response.status == 303
    assert not scope_of(world.hub, nueva).sees(world.norte.id)
    page = await (await world.get(world.admin, "/territorios/1")).text()
    assert "Asignó un(a) gestor(a) territorial" in page and "Quitó un(a) gestor(a)" in page
    assert "«Nadia Nueva» → «—»" in page


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("mediacion", "Marta Mediadora no tiene el rol de gestor(a) territorial."),
        ("nadie", "Indique el gestor o la gestora territorial con su número"),
        ("vacío", "Indique el gestor o la gestora territorial."),
        ("999", "Elija un(a) gestor(a) territorial de la lista."),
    ],
)
async def test_only_gestores_can_be_assigned(world: World, who: str, message: str) -> None:
    user_id = {"mediacion": str(world.mediacion.id), "nadie": "abc", "vacío": ""}.get(who, who)
    before = audit_count(world)
    response = await world.post(
        world.admin, "/territorios/1/gestores", {"accion": "agregar", "user_id": user_id}
    )
    assert response.status == 400 and message in await response.text()
    assert audit_count(world) == before
    assert [u.id for u in Territorios(world.hub).gestores(1)] == [world.gestor_norte.id]


async def test_removing_who_is_not_a_gestor_there_is_refused(world: World) -> None:
    before = audit_count(world)
    response = await world.post(
        world.admin,
        "/territorios/1/gestores",
        {"accion": "quitar", "user_id": str(world.gestor_sur.id)},
    )
    assert response.status == 400
    assert "Esa persona no es gestor(a) de este territorio." in await response.text()
    assert audit_count(world) == before


async def test_a_barrio_moves_between_territorios(world: World) -> None:
    response = await world.post(
        world.admin, "/territorios/2", {"accion": "sumar-barrio", "barrio_id": "1"}
    )
    assert response.status == 303
    assert response.headers["Location"] == "/territorios/2?aviso=barrio-sumado"
    assert scope_of(world.hub, world.gestor_sur).sees(1)
    assert not scope_of(world.hub, world.gestor_norte).sees(1)
    sur = await (await world.get(world.admin, "/territorios/2")).text()
    assert "Sumó un barrio al territorio" in sur
    norte = await (await world.get(world.admin, "/territorios/1")).text()
    assert (
        "Un barrio dejó el territorio" in norte and "Este territorio aún no tiene barrios." in norte
    )
    ficha = await (await world.get(world.admin, "/barrios/1")).text()
    assert "Cambió el territorio del barrio" in ficha
    assert "«Territorio Norte» → «Territorio Sur»" in ficha
    response = await world.post(
        world.admin, "/territorios/2", {"accion": "quitar-barrio", "barrio_id": "1"}
    )
    assert response.status == 303
    assert world.hub.db.execute("SELECT territorio_id FROM barrios WHERE id = 1").fetchone() == (
        None,
    )
    listing = await (await world.get(world.admin, "/territorios")).text()
    assert "Barrios sin territorio" in listing


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"accion": "sumar-barrio", "barrio_id": ""}, "Indique el barrio."),
        ({"accion": "sumar-barrio", "barrio_id": "77"}, "Elija un barrio de la lista."),
        ({"accion": "quitar-barrio", "barrio_id": "2"}, "Ese barrio no está en este territorio."),
        ({"accion": "otra"}, "Acción desconocida"),
    ],
)
async def test_a_bad_move_is_refused(world: World, data: dict[str, str], message: str) -> None:
    before = audit_count(world)
    response = await world.post(world.admin, "/territorios/1", data)
    assert response.status == 400 and message in await response.text()
    assert audit_count(world) == before


async def test_a_territorio_that_does_not_exist_is_not_found(world: World) -> None:
    assert (await world.get(world.admin, "/territorios/99")).status == 404
    response = await world.post(world.admin, "/territorios/99/gestores", {"user_id": "2"})
    assert response.status == 404


def test_the_repository_audits_only_real_changes(world: World) -> None:
    territorios = Territorios(world.hub)
    before = audit_count(world)
    territorios.assign_gestor(1, world.gestor_norte.id, actor=CLI, at=T0)  # already there
    territorios.update(1, "Territorio Norte", "", actor=CLI, at=T0)  # nothing changed
    territorios.place_barrio(1, 1, actor=CLI, at=T0)  # already there
    assert audit_count(world) == before
    territorios.update(1, "Norte", "Villas del norte", actor=CLI, at=T0)
    entry = world.hub.audit.history(Subject("territorio", 1))[-1]
    assert entry.action == "territorio.update"
    assert entry.detail["cambios"] == {
        "name": ["Territorio Norte", "Norte"],
        "description": ["", "Villas del norte"],
    }
    assert [t.name for t in territorios.of_gestor(world.gestor_norte.id)] == ["Norte"]
    with pytest.raises(Invalid, match="demasiado larga"):
        territorios.update(1, "Norte", "x" * 2001, actor=CLI, at=T0)
