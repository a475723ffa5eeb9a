"""``sereno node …``: Spanish messages, exit codes, the installer's TEST."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from gpiozero.pins.mock import MockFactory

import sereno.node_cli as node_cli
from hardware.radio.base import Datagram, RadioClosed
from node.app import NodeApp
from protocol.frame import decode_frame
from sereno.cli import main
from tests.node.fakes import KEY, NETWORK, ack_frame

CONFIG = f"""
[node]
address = 17
network_id = {NETWORK}
key = "{KEY.hex()}"
state_dir = "estado"

[radio]
kind = "rylr998"
port = "/dev/ttyFAKE"

[pins]
mcp3008 = false
"""


class AnsweringRadio:
    """A radio whose controller answers every frame at once (or never, when silent)."""

    max_datagram = 180

    def __init__(self, *, silent: bool = False) -> None:
        self.silent = silent
        self.inbox: asyncio.Queue[Datagram | None] = asyncio.Queue()
        self.sent: list[bytes] = []

    async def start(self) -> None:
        pass

    async def send(self, data: bytes, to: int | None = None) -> None:
        self.sent.append(data)
        if not self.silent:
            frame = decode_frame(data, KEY)
            self.inbox.put_nowait(Datagram(ack_frame(frame.counter, node=frame.src)))

    async def receive(self) -> Datagram:
        item = await self.inbox.get()
        if item is None:
            raise RadioClosed("closed")
        return item

    async def close(self) -> None:
        self.inbox.put_nowait(None)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "node.toml"
    path.write_text(CONFIG)
    return path


def test_help_lists_run_and_test() -> None:
    result = CliRunner().invoke(main, ["node", "--help"])
    assert result.exit_code == 0
    assert "run" in result.output and "test" in result.output


@pytest.mark.parametrize("command", ["run", "test"])
def test_bad_configuration_names_the_field(tmp_path: Path, command: str) -> None:
    path = tmp_path / "node.toml"
    path.write_text(CONFIG.replace("address = 17", "address = 0"))
    result = CliRunner().invoke(main, ["node", command, "--config", str(path)])
    assert result.exit_code == 2
    assert "node.toml: [node] address debe ser un número entre 1 y 65534; recibí 0" in result.output
    assert KEY.hex() not in result.output


def test_missing_configuration(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["node", "test", "--config", str(tmp_path / "no.toml")])
    assert result.exit_code == 2
    assert "el archivo de configuración no existe" in result.output


def test_seconds_scale_must_be_positive(config_file: Path) -> None:
    result = CliRunner().invoke(
        main, ["node", "run", "--config", str(config_file), "--seconds-scale", "0"]
    )
    assert result.exit_code == 2
    assert "--seconds-scale" in result.output


def test_installer_test_accepted(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    radio = AnsweringRadio()
    monkeypatch.setattr(node_cli, "open_radio", lambda *a, **k: radio)
    result = CliRunner().invoke(main, ["node", "test", "--config", str(config_file)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Prueba recibida por el controlador (contador 1, 1 envío)")
    assert len(radio.sent) == 1
    assert (config_file.parent / "estado" / "counter.json").exists()


def test_installer_test_unanswered(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    radio = AnsweringRadio(silent=True)
    monkeypatch.setattr(node_cli, "open_radio", lambda *a, **k: radio)
    result = CliRunner().invoke(
        main, ["node", "test", "--config", str(config_file), "--seconds-scale", "0.01"]
    )
    assert result.exit_code == 1
    assert "Sin respuesta del controlador tras 5 envíos" in result.output
    assert len(radio.sent) == 5


def test_run_wires_the_node(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    factory = MockFactory()

    async def run(self: NodeApp) -> None:
        await self.start()
        seen["buttons"] = sorted(self.buttons)
        seen["scale"] = self._scale
        await self.close()

    monkeypatch.setattr(node_cli, "open_radio", lambda *a, **k: AnsweringRadio())
    monkeypatch.setattr(node_cli, "_pin_factory", lambda: factory)
    monkeypatch.setattr(NodeApp, "run", run)
    monkeypatch.setattr(logging, "basicConfig", lambda **kwargs: None)
    try:
        result = CliRunner().invoke(
            main, ["node", "run", "--config", str(config_file), "--seconds-scale", "0.5"]
        )
    finally:
        factory.reset()
        factory.close()
    assert result.exit_code == 0, result.output
    assert seen == {"buttons": ["main"], "scale": 0.5}


def test_emulated_radio_is_only_for_the_demo(tmp_path: Path) -> None:
    path = tmp_path / "node.toml"
    path.write_text(CONFIG.replace('kind = "rylr998"\nport = "/dev/ttyFAKE"', 'kind = "emulated"'))
    result = CliRunner().invoke(main, ["node", "test", "--config", str(path)])
    assert result.exit_code == 1
    assert 'kind = "emulated" solo sirve dentro de sereno demo' in result.output


def test_sigterm_stops_the_node_cleanly(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[bool] = []

    async def run(self: NodeApp) -> None:
        try:
            os.kill(os.getpid(), signal.SIGTERM)  # what systemd sends
            await asyncio.Event().wait()
        finally:
            closed.append(True)

    monkeypatch.setattr(node_cli, "open_radio", lambda *a, **k: AnsweringRadio())
    monkeypatch.setattr(node_cli, "_pin_factory", lambda: None)
    monkeypatch.setattr(NodeApp, "run", run)
    monkeypatch.setattr(logging, "basicConfig", lambda **kwargs: None)
    result = CliRunner().invoke(main, ["node", "run", "--config", str(config_file)])
    assert result.exit_code == 0, result.output
    assert "Nodo detenido." in result.output
    assert closed == [True]
