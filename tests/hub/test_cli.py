"""``sereno hub create-user`` and ``sereno hub serve``, as an operator runs them."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import socket
import stat
import sys
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from click.testing import CliRunner, Result

from hub.config import HubConfig
from hub.passwords import Passwords
from hub.roles import Role
from hub.server import HubAccessLogger, running_hub
from hub.storage import HubDB, Subject
from protocol.report import REPORTS_PATH
from sereno.cli import main
from tests.hub.conftest import FAST_HASHING, PASSWORD

REPO = Path(__file__).resolve().parents[2]
FAST_TOML = "[passwords]\ntime_cost = 1\nmemory_kib = 64\nparallelism = 1\n"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "hub.toml"
    path.write_text(FAST_TOML, encoding="utf-8")
    return path


def create_user(config_file: Path, *args: str, stdin: str | None = None) -> Result:
    db = config_file.parent / "hub.db"
    command = ["hub", "create-user", "--config", str(config_file), "--db", str(db), *args]
    return CliRunner().invoke(main, command, input=stdin)


def test_create_user_reads_the_password_from_stdin(config_file: Path) -> None:
    result = create_user(
        config_file,
        "--email",
        "Jefa@Maipu.cl",
        "--role",
        "admin",
        "--name",
        "María Jefa",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    db_path = config_file.parent / "hub.db"
    assert result.output == f"Usuario creado: jefa@maipu.cl (Administración) en {db_path}\n"
    assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600
    with HubDB.open(db_path) as db:
        credentials = db.users.credentials("jefa@maipu.cl")
        assert credentials is not None
        user, password_hash = credentials
        assert user.name == "María Jefa" and user.role is Role.ADMIN
        assert not user.must_change_password
        assert password_hash.startswith("$argon2id$v=19$m=64,t=1,p=1$")
        assert Passwords(FAST_HASHING).verify(password_hash, PASSWORD)
        created = db.audit.history(Subject("user", user.id))[0]
        assert created.actor.kind == "system"
        assert created.actor.label.startswith("sereno hub create-user (")


def test_create_user_asks_twice_without_echo(config_file: Path) -> None:
    result = create_user(
        config_file,
        "--email",
        "ana@maipu.cl",
        "--role",
        "gestor",
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Contraseña: \nRepita la contraseña: \n" in result.output
    assert PASSWORD not in result.output


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ["--email", "no-es-correo", "--role", "admin"],
            None,
            "'no-es-correo' no es un correo electrónico válido",
        ),
        (
            ["--email", "a@maipu.cl", "--role", "jefe"],
            None,
            "Rol desconocido: 'jefe'. Los roles son: admin (Administración), unidad-alarmas",
        ),
        (
            ["--email", "a@maipu.cl", "--role", "admin"],
            "corta\ncorta\n",
            "La contraseña debe tener al menos 12 caracteres.",
        ),
        (
            ["--email", "ana@maipu.cl", "--role", "admin"],
            "ana@maipu.cl\nana@maipu.cl\n",
            "La contraseña no puede ser su correo electrónico.",
        ),
        (
            ["--email", "a@maipu.cl", "--role", "admin"],
            "contraseña123\ncontraseña123\n",
            "Esa contraseña es demasiado común",
        ),
        (
            ["--email", "a@maipu.cl", "--role", "admin"],
            f"{PASSWORD}\n{PASSWORD}.\n",
            "Las contraseñas no coinciden",
        ),
        (
            ["--email", "a@maipu.cl", "--role", "admin", "--password-stdin"],
            "\n",
            "No llegó ninguna contraseña",
        ),
    ],
)
def test_create_user_refuses_in_spanish(
    config_file: Path, args: list[str], stdin: str | None, message: str
) -> None:
    result = create_user(config_file, *args, stdin=stdin)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ")
    assert message in result.stderr
    with HubDB.open(config_file.parent / "hub.db") as db:
        assert db.users.all() == []


def test_create_user_refuses_a_duplicate_email_before_asking(config_file: Path) -> None:
    first = create_user(
        config_file,
        "--email",
        "ana@maipu.cl",
        "--role",
        "gestor",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert first.exit_code == 0
    again = create_user(config_file, "--email", "ANA@maipu.cl", "--role", "admin")
    assert again.exit_code == 1
    assert "Ya existe un usuario con el correo ana@maipu.cl." in again.stderr
    assert "Contraseña:" not in again.output


def test_a_bad_configuration_file_is_explained(tmp_path: Path) -> None:
    bad = tmp_path / "hub.toml"
    bad.write_text('[hub]\nport = "ochenta"\npuerto = 1\n[otra]\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["hub", "serve", "--config", str(bad)])
    assert result.exit_code == 1
    assert "[hub] port debe ser un número entero entre 0 y 65535; recibí 'ochenta'" in result.stderr
    assert "[hub] clave desconocida 'puerto'" in result.stderr
    assert "tabla desconocida [otra]" in result.stderr


async def test_running_hub_answers_on_loopback(tmp_path: Path) -> None:
    config = HubConfig(db_path=tmp_path / "hub.db", port=0, password_hashing=FAST_HASHING)
    async with running_hub(config) as running, aiohttp.ClientSession() as session:
        assert running.url.startswith("http://127.0.0.1:")
        async with session.get(f"{running.url}/login") as response:
            assert response.status == 200
            assert "Iniciar sesión" in await response.text()


async def test_serve_runs_until_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sereno",
        "hub",
        "serve",
        "--db",
        str(db),
        "--port",
        "0",
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        async with asyncio.timeout(30):
            first = (await process.stdout.readline()).decode()
        found = re.fullmatch(r"Hub de Sereno escuchando en (http://127\.0\.0\.1:\d+)\n", first)
        assert found, first
        async with aiohttp.ClientSession() as session, session.get(f"{found[1]}/login") as page:
            assert page.status == 200 and "Iniciar sesión" in await page.text()
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            rest, errors = await process.communicate()
    assert process.returncode == 0, errors.decode()
    assert rest.decode().strip().endswith("Hub detenido.")
    assert db.exists()


def test_serve_reports_a_busy_port(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            main, ["hub", "serve", "--db", str(tmp_path / "hub.db"), "--port", str(port)]
        )
    assert result.exit_code == 1
    assert f"no se pudo abrir 127.0.0.1:{port}" in result.stderr


async def test_the_access_log_leaves_out_accepted_reports_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = HubConfig(db_path=tmp_path / "hub.db", port=0, password_hashing=FAST_HASHING)
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    async with running_hub(config) as running, aiohttp.ClientSession() as session:
        async with session.get(f"{running.url}/login") as response:
            assert response.status == 200
        async with session.post(f"{running.url}{REPORTS_PATH}", data=b"{}") as response:
            assert response.status == 401  # refused: logged
        request = make_mocked_request("POST", REPORTS_PATH)
        logger = HubAccessLogger(logging.getLogger("aiohttp.access"))
        logger.log(request, web.Response(status=200), 0.001)  # accepted: left out
        logger.log(request, web.Response(status=500), 0.001)  # failed: logged
    lines = [record.getMessage() for record in caplog.records if record.name == "aiohttp.access"]
    assert any('"GET /login' in line for line in lines)
    assert sum(REPORTS_PATH in line for line in lines) == 2
    assert any(f'"POST {REPORTS_PATH} HTTP/1.1" 500' in line for line in lines)
    caplog.clear()
    caplog.set_level(logging.DEBUG, logger="aiohttp.access")
    HubAccessLogger(logging.getLogger("aiohttp.access")).log(
        make_mocked_request("POST", REPORTS_PATH), web.Response(status=200), 0.001
    )
    assert len(caplog.records) == 1  # at DEBUG, every report is logged
