"""``sereno controller enroll`` (and ``run --hub``) through click's CliRunner, against the
fake hub. The CLI runs its own event loop, so it runs in a thread while the hub serves
on the test's loop."""

from __future__ import annotations

import asyncio
import logging
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from controller.hub_client import read_credential
from protocol.report import parse_credential
from sereno.cli import main
from tests.controller.fake_hub import FakeHub, running_hub


def config(tmp_path: Path, hub_url: str | None = None) -> Path:
    path = tmp_path / "controller.toml"
    hub = f'[hub]\nurl = "{hub_url}"\n' if hub_url else ""
    path.write_text(
        '[controller]\nname = "Pasaje Los Aromos"\nnetwork_id = 2571\ndata_dir = "datos"\n'
        f'[radio]\nkind = "emulated"\n{hub}',
        encoding="utf-8",
    )
    return path


async def sereno(*args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, main, list(args))


async def enroll(toml: Path, *args: str) -> Result:
    return await sereno("controller", "enroll", "--config", str(toml), *args)


def credential_file(tmp_path: Path) -> Path:
    return tmp_path / "datos" / "hub-credential"


async def test_enrolling_stores_the_credential_privately_and_never_shows_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_hub() as hub:
        code = hub.issue_code("7KQ2-MX4P")
        result = await enroll(config(tmp_path), "--hub", hub.url, "--code", " 7kq2-mx4p ")
        assert result.exit_code == 0, result.output
        path = credential_file(tmp_path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        credential = read_credential(path)
        assert credential is not None
        controller_id, secret = parse_credential(credential)
        assert secret not in result.output and secret not in caplog.text
        assert result.stdout.splitlines() == [
            f"Controlador «Pasaje Los Aromos» inscrito en el hub {hub.url} con el número "
            f"{controller_id}.",
            f"Credencial guardada en {path} (solo la lee este usuario; no se muestra).",
            "Reportará cada 60 s mientras el controlador esté en marcha.",
            f'Para reportar a este hub, ponga url = "{hub.url}" en la sección [hub] de '
            "controller.toml, o inicie con «sereno controller run --hub URL».",
        ]
        assert hub.codes[code].used
        assert hub.names[controller_id] == "Pasaje Los Aromos"
        assert list(path.parent.glob(".hub-credential*")) == []  # no temporary left


async def test_the_hub_url_may_come_from_the_configuration(tmp_path: Path) -> None:
    async with running_hub() as hub:
        toml = config(tmp_path, hub.url)
        result = await enroll(toml, "--code", hub.issue_code())
        assert result.exit_code == 0, result.output
        assert "Para reportar a este hub" not in result.output
        first = read_credential(credential_file(tmp_path))
        again = await enroll(toml, "--code", hub.issue_code("SEGUNDO-1"))
        assert "reemplazó a la anterior" in again.output
        assert read_credential(credential_file(tmp_path)) not in (None, first)


async def refused(hub: FakeHub, tmp_path: Path, *args: str) -> str:
    result = await enroll(config(tmp_path), "--hub", hub.url, *args)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert not credential_file(tmp_path).exists()
    return result.stderr


async def test_a_code_works_once(tmp_path: Path) -> None:
    async with running_hub() as hub:
        code = hub.issue_code()
        hub.codes[code].used = True
        assert "El código 7KQ2-MX4P ya se usó" in await refused(hub, tmp_path, "--code", code)


async def test_an_expired_code_is_refused(tmp_path: Path) -> None:
    async with running_hub() as hub:
        code = hub.issue_code(valid_s=60)
        hub.now += 61
        assert "El código 7KQ2-MX4P venció" in await refused(hub, tmp_path, "--code", code)


async def test_an_unknown_code_is_refused(tmp_path: Path) -> None:
    async with running_hub() as hub:
        stderr = await refused(hub, tmp_path, "--code", "ZZZZ-9999")
        assert "El hub no reconoce el código ZZZZ-9999" in stderr


async def test_a_code_of_the_wrong_shape_never_leaves_the_controller(tmp_path: Path) -> None:
    async with running_hub() as hub:
        assert "no tiene la forma" in await refused(hub, tmp_path, "--code", "¡hola!")
        assert "Falta --code" in await refused(hub, tmp_path)
        assert hub.requests == 0


async def test_an_unreachable_hub_is_said_so(tmp_path: Path) -> None:
    async with running_hub() as hub:
        code = hub.issue_code()
        await hub.stop()
        stderr = await refused(hub, tmp_path, "--code", code)
        assert "No se pudo inscribir: no se pudo conectar con el hub" in stderr
        assert "vuelva a intentarlo con el mismo código" in stderr


async def test_a_hub_url_is_required_and_checked(tmp_path: Path) -> None:
    result = await enroll(config(tmp_path), "--code", "7KQ2-MX4P")
    assert result.exit_code == 1 and "Falta la URL del hub" in result.stderr
    result = await enroll(config(tmp_path), "--hub", "alarmas.maipu.cl", "--code", "7KQ2-MX4P")
    assert result.exit_code == 1 and "debe empezar con https://" in result.stderr
    result = await sereno(
        "controller", "run", "--config", str(config(tmp_path)), "--hub", "ftp://x"
    )
    assert result.exit_code == 1 and "debe empezar con https://" in result.stderr
