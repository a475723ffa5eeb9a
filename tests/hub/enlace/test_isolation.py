"""Territory isolation: a gestor territorial can neither read nor change another gestor's
barrios — proved by walking every Gestión Territorial / Enlace route.

The seeds (``tests/hub/enlace/seeds/``) put one record of every kind in the Norte barrio
(id 1), so every route's example path names a real Norte record. Then, for each route that
admits gestores:

- the Norte gestor GETs its example path and gets 200 (the record is there);
- the Sur gestor gets 404 for it, GET or POST, and a POST changes nothing (the audit log
  does not grow); a list without parameters shows the Sur gestor nothing of Norte;
- every POST route names its barrio or record in its path (so the check above covers it).
"""

from __future__ import annotations

import importlib
import pkgutil

from hub.enlace import routes as enlace
from hub.enlace.demandas import routes as demandas
from hub.enlace.diagnostico import routes as diagnostico
from hub.enlace.instrumentos import routes as instrumentos
from hub.enlace.mesas import routes as mesas
from hub.enlace.planes import routes as planes
from hub.mediacion import routes as mediacion
from hub.roles import Role
from hub.routing import Route
from hub.territory import routes as territory
from tests.hub.enlace import seeds
from tests.hub.enlace.conftest import MARKER, Comuna, World

ENLACE_ROUTES: tuple[Route, ...] = (
    *territory.ROUTES,
    *diagnostico.ROUTES,
    *instrumentos.ROUTES,
    *planes.ROUTES,
    *mesas.ROUTES,
    *demandas.ROUTES,
    *enlace.ROUTES,
    *mediacion.ROUTES,
)
GLOBAL_WRITES = {"territorios", "territorio", "territorio_gestores", "new_barrio"}
"""POST routes that do not belong to one barrio: territorios and new barrios (admin only)."""


def seed_everything(world: Comuna) -> list[str]:
    names = []
    for module in sorted(pkgutil.iter_modules(seeds.__path__), key=lambda m: m.name):
        importlib.import_module(f"{seeds.__name__}.{module.name}").seed(world)
        names.append(module.name)
    return names


def gestor_routes() -> list[Route]:
    return [entry for entry in ENLACE_ROUTES if entry.access.admits(Role.GESTOR)]


def audit_count(world: World) -> int:
    return int(world.hub.db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0])


async def test_every_gestor_write_route_names_its_barrio_or_record() -> None:
    for entry in gestor_routes():
        if entry.method == "POST" and entry.name not in GLOBAL_WRITES:
            assert "{" in entry.path, f"{entry.name}: {entry.path} must name what it changes"


async def test_the_norte_gestor_reaches_every_example(world: World) -> None:
    seed_everything(world)
    for entry in gestor_routes():
        if entry.method != "GET":
            continue
        response = await world.get(world.gestor_norte, entry.example_path)
        assert response.status == 200, f"{entry.name} {entry.example_path}: {response.status}"


async def test_the_sur_gestor_sees_and_changes_nothing_of_norte(world: World) -> None:
    seed_everything(world)
    for entry in gestor_routes():
        where = f"{entry.method} {entry.example_path} ({entry.name})"
        if entry.method == "GET":
            response = await world.get(world.gestor_sur, entry.example_path)
            body = await response.read()
            if "{" in entry.path:
                assert response.status == 404, f"{where}: {response.status}"
            else:
                assert response.status == 200, f"{where}: {response.status}"
            assert MARKER.encode() not in body, f"{where} shows Norte's data to the Sur gestor"
        else:
            before = audit_count(world)
            response = await world.post(world.gestor_sur, entry.example_path, {})
            if "{" in entry.path:
                assert response.status == 404, f"{where}: {response.status}"
            assert audit_count(world) == before, f"{where} changed something"
