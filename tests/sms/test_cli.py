"""``sereno sms sandbox`` and ``sereno sms list``."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from controller.sms import MemoryLedger, OutgoingSms, SmsNotifier, TwilioSettings
from sereno.cli import main
from sereno.sms_cli import sms
from sereno.sms_sandbox import SandboxConfig, running_sandbox
from tests.sms.conftest import FAST, Sandbox, phone

REPO = Path(__file__).resolve().parents[2]


async def send(settings: TwilioSettings, *bodies: str) -> None:
    async with SmsNotifier(settings, MemoryLedger(), policy=FAST) as notifier:
        batch = [OutgoingSms(f"ep:{n}", phone(n), body) for n, body in enumerate(bodies)]
        results = await notifier.send_all(batch)
    assert {r.outcome for r in results} == {"accepted"}


def test_sms_is_a_sereno_command() -> None:
    result = CliRunner().invoke(main, ["sms", "--help"])
    assert result.exit_code == 0
    assert "sandbox" in result.output and "list" in result.output


async def test_list_from_the_store_file(tmp_path: Path) -> None:
    store = tmp_path / "sms.jsonl"
    async with running_sandbox(SandboxConfig(store=store)) as running:
        await send(running.settings(), "ALERTA ROBO: Pasaje Los Aromos 1234 (casa 3)", "x" * 200)
    result = CliRunner().invoke(sms, ["list", "--store", str(store)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["Hora", "Para", "Seg.", "Estado", "Mensaje"]
    assert re.match(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\+56987650000\s+1\s+queued\s+ALERTA ROBO", lines[1]
    )
    assert lines[2].split()[2:5] == ["+56987650001", "2", "queued"]
    assert lines[2].endswith("x" * 57 + "...")
    assert lines[-1] == "2 mensaje(s)."


async def test_list_json_from_a_running_sandbox(sandbox: Sandbox) -> None:
    await send(sandbox.settings, "Ñandú ¿sí?")
    result = await asyncio.to_thread(
        CliRunner().invoke, sms, ["list", "--url", sandbox.url, "--json"]
    )
    assert result.exit_code == 0, result.output
    [message] = json.loads(result.output)
    assert (message["to"], message["body"], message["num_segments"]) == (
        phone(0),
        "Ñandú ¿sí?",
        "1",
    )


async def test_list_when_nothing_arrived(sandbox: Sandbox) -> None:
    result = await asyncio.to_thread(CliRunner().invoke, sms, ["list", "--url", sandbox.url])
    assert (result.exit_code, result.output) == (0, "El sandbox no ha recibido mensajes.\n")


def test_list_errors_in_spanish(tmp_path: Path) -> None:
    runner = CliRunner()
    both = runner.invoke(sms, ["list", "--store", "a", "--url", "http://127.0.0.1:1"])
    assert both.exit_code == 2 and "no ambos" in both.output
    missing = runner.invoke(sms, ["list", "--store", str(tmp_path / "nada.jsonl")])
    assert missing.exit_code == 1 and "no existe el archivo" in missing.output
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = runner.invoke(sms, ["list", "--url", f"http://127.0.0.1:{port}"])
    assert down.exit_code == 1 and "¿está corriendo `sereno sms sandbox`?" in down.output
    scheme = runner.invoke(sms, ["list", "--url", "ftp://127.0.0.1"])
    assert scheme.exit_code == 2 and "http://" in scheme.output


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
async def test_sandbox_command_runs_until_stopped(tmp_path: Path, stop: signal.Signals) -> None:
    store = tmp_path / "sms.jsonl"
    code = "from sereno.sms_cli import sms; sms(prog_name='sereno sms')"
    args = ["sandbox", "--port", "0", "--store", str(store), "--latency-ms", "1"]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        *args,
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        async with asyncio.timeout(30):
            first = (await process.stdout.readline()).decode()
            header = first + b"".join([await process.stdout.readline() for _ in range(7)]).decode()
        found = re.search(r"escuchando en (http://127\.0\.0\.1:\d+)", first)
        assert found, header
        assert "Auth token:  sereno-sandbox-token" in header
        assert "Detenga con Ctrl-C." in header
        await send(TwilioSettings.sandbox(found.group(1)), "ALERTA INCENDIO: Los Aromos 1")
    finally:
        process.send_signal(stop)
        async with asyncio.timeout(30):
            rest, errors = await process.communicate()
    assert process.returncode == 0, errors.decode()
    assert rest.decode().strip().endswith("Sandbox detenido.")
    listed = CliRunner().invoke(sms, ["list", "--store", str(store)])
    assert "ALERTA INCENDIO: Los Aromos 1" in listed.output


def test_sandbox_command_reports_a_busy_port() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(sms, ["sandbox", "--port", str(port)])
    assert result.exit_code == 1
    assert f"no se pudo abrir 127.0.0.1:{port}" in result.output
