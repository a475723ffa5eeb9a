"""HubConfig from TOML, and the background housekeeping."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpClient

from hub import keys
from hub.app import create_app, housekeeping, periodic
from hub.config import HubConfig, LoginLimits, PasswordHashing, load_config
from hub.errors import ConfigError
from hub.roles import Role
from tests.hub.conftest import FakeClock, add_user, log_in

DOCS = Path(__file__).resolve().parents[2] / "docs" / "hub.md"


def test_no_file_means_the_defaults() -> None:
    config = load_config(None)
    assert config == HubConfig()
    assert (config.host, config.port) == ("127.0.0.1", 8080)
    assert config.login_limits == LoginLimits(window_s=900, per_email=5, per_ip=20)


def test_the_example_in_the_docs_loads(tmp_path: Path) -> None:
    example = re.search(r"```toml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert example, "docs/hub.md has no TOML example"
    path = tmp_path / "etc" / "hub.toml"
    path.parent.mkdir()
    path.write_text(example[1], encoding="utf-8")
    config = load_config(path)
    assert config.secure_cookies and config.trust_forwarded_for
    assert config.db_path == Path("/var/lib/sereno/hub.db")
    assert config.session_lifetime_s == 12 * 3600 and config.session_idle_s == 2 * 3600
    assert config.password_hashing == PasswordHashing()


def test_a_relative_db_path_is_beside_the_file(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text('[hub]\ndb = "datos/hub.db"\n', encoding="utf-8")
    assert load_config(path).db_path == tmp_path / "datos" / "hub.db"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[hub]\nport = 70000\n", "[hub] port debe ser un número entero entre 0 y 65535"),
        ("[hub]\nsecure_cookies = 1\n", "[hub] secure_cookies debe ser true o false"),
        ('[hub]\ntimezone = "Marte/Olympus"\n', "no es una zona horaria conocida"),
        ("[login]\nmax_failures_per_email = 0\n", "max_failures_per_email debe ser"),
        ("[sesiones]\n", "tabla desconocida [sesiones]"),
        ("[hub\n", "error de sintaxis TOML"),
    ],
)
def test_problems_are_named_in_spanish(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert str(refused.value).startswith(f"{path}: ")
    assert problem in str(refused.value)


def test_a_missing_file_is_explained(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no existe el archivo de configuración"):
        load_config(tmp_path / "nada.toml")


async def test_housekeeping_forgets_old_sessions_and_failures(
    aiohttp_client: AiohttpClient, config: HubConfig, clock: FakeClock
) -> None:
    client = await aiohttp_client(create_app(config, clock=clock))
    add_user(client, Role.GESTOR, email="ana@maipu.cl")
    await log_in(client, "ana@maipu.cl")
    await log_in(client, "nadie@maipu.cl", "equivocada")
    db = client.app[keys.db]
    clock.advance(config.session_idle_s + 1)
    await housekeeping(client.app)
    assert db.db.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
    assert db.db.execute("SELECT count(*) FROM login_attempts").fetchone()[0] == 0


async def test_periodic_jobs_run_until_the_app_stops(
    aiohttp_client: AiohttpClient, config: HubConfig
) -> None:
    runs: list[float] = []
    ran_twice = asyncio.Event()

    async def job(app: web.Application) -> None:
        runs.append(app[keys.clock]())
        if len(runs) == 1:
            raise RuntimeError("a failing run is logged, the next one still happens")
        ran_twice.set()

    app = create_app(config)
    app.cleanup_ctx.append(periodic("prueba", 0.01, job))
    client = await aiohttp_client(app)
    async with asyncio.timeout(5):
        await ran_twice.wait()
    await client.close()
    count = len(runs)
    await asyncio.sleep(0.05)
    assert len(runs) == count
