"""The isolation walk over the instrumentos routes alone, with the instrumentos seed: the
Norte gestor reaches every example, the Sur gestor gets 404 and changes nothing, and
lists show the Sur gestor nothing of Norte (the full walk is test_isolation.py)."""

from __future__ import annotations

from hub.enlace.instrumentos.routes import ROUTES
from hub.roles import Role
from tests.hub.enlace.conftest import MARKER, World
from tests.hub.enlace.seeds import instrumentos


def audit_count(world: World) -> int:
    return int(world.hub.db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0])


async def test_the_seed_gives_ids_one_in_norte(world: World) -> None:
    instrumentos.seed(world)
    for table, count in (("fuente_imports", 1), ("tecnicas", 3), ("tecnica_elementos", 2)):
        rows = world.hub.db.execute(
            f"SELECT id, barrio_id FROM {table} ORDER BY id LIMIT ?",
            [count],
        ).fetchall()
        assert rows == [(n, 1) for n in range(1, count + 1)], table


async def test_norte_reaches_and_sur_gets_nothing(world: World) -> None:
    instrumentos.seed(world)
    for entry in ROUTES:
        assert entry.access.admits(Role.GESTOR)
        if entry.method == "GET":
            norte = await world.get(world.gestor_norte, entry.example_path)
            assert norte.status == 200, f"{entry.name} {entry.example_path}: {norte.status}"
            sur = await world.get(world.gestor_sur, entry.example_path)
            body = await sur.read()
            assert sur.status == (404 if "{" in entry.path else 200), entry.name
            assert MARKER.encode() not in body, entry.name
        else:
            before = audit_count(world)
            sur = await world.post(world.gestor_sur, entry.example_path, {})
            assert sur.status == 404, f"{entry.name}: {sur.status}"
            assert audit_count(world) == before
