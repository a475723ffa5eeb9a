"""Who reaches the Gestión Territorial pages: a gestor their own territorios' barrios only
(404 for the others, as for one that does not exist), mediación every barrio read-only
(403 on every write, nothing written), the Unidad de Alarmas none of them."""

from __future__ import annotations

import pytest

from hub.territory.scope import scope_of
from tests.hub.enlace.conftest import MARKER, World
from tests.hub.enlace.seeds.territory import seed

PAGES = (
    "/barrios/{id}",
    "/barrios/{id}/datos",
    "/barrios/{id}/limites",
    "/barrios/{id}/limites.geojson",
)
WRITES = {
    "/barrios/{id}/datos": {"name": "Otro nombre"},
    "/barrios/{id}/limites": {"accion": "borrar"},
}


def audit_count(world: World) -> int:
    return int(world.hub.db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0])


@pytest.mark.parametrize("path", PAGES)
async def test_a_gestor_opens_their_barrios_and_not_the_others(world: World, path: str) -> None:
    seed(world)
    assert (await world.get(world.gestor_norte, path.format(id=1))).status == 200
    assert (await world.get(world.gestor_norte, path.format(id=2))).status == 404
    assert (await world.get(world.gestor_norte, path.format(id=99))).status == 404
    response = await world.get(world.gestor_sur, path.format(id=1))
    assert response.status == 404 and MARKER.encode() not in await response.read()
    assert (await world.get(world.mediacion, path.format(id=1))).status == 200
    assert (await world.get(world.unidad, path.format(id=1))).status == 403


@pytest.mark.parametrize(("path", "data"), WRITES.items())
async def test_writes_are_scoped_and_mediacion_only_reads(
    world: World, path: str, data: dict[str, str]
) -> None:
    seed(world)
    before = audit_count(world)
    assert (await world.post(world.gestor_sur, path.format(id=1), data)).status == 404
    assert (await world.post(world.mediacion, path.format(id=1), data)).status == 403
    assert (await world.post(world.unidad, path.format(id=1), data)).status == 403
    assert audit_count(world) == before
    assert (await world.post(world.gestor_norte, path.format(id=1), data)).status == 303
    assert audit_count(world) == before + 1


async def test_lists_show_each_gestor_their_own_barrios(world: World) -> None:
    seed(world)
    sur = await (await world.get(world.gestor_sur, "/barrios")).text()
    assert MARKER not in sur and "Los Aromos" in sur
    reader = await (await world.get(world.mediacion, "/barrios")).text()
    assert MARKER in reader and "Los Aromos" in reader
    assert scope_of(world.hub, world.gestor_sur).where("b.id") == ("b.id IN (?)", [2])
