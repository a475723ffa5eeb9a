"""A real controller process reports to the real hub through a hub outage: every episode
and every rejected frame reaches the hub once, nothing is lost and nothing is doubled."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from controller.store import Store
from hardware.emulators.air import VirtualAir
from hardware.emulators.rylr998 import Rylr998Emulator
from hardware.radio.rylr998 import Rylr998Config, Rylr998Radio
from hub import keys as hub_keys
from hub.config import HubConfig
from hub.fleet.controllers import issue_code
from hub.server import running_hub
from hub.storage.audit import Actor
from protocol.frame import Panic, PanicKind, build_frame
from sereno.sms_sandbox.server import running_sandbox

NETWORK = 2571
KEYS = {7: bytes(range(16)), 8: bytes(range(16, 32))}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _sereno(*args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sereno",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode()


def _hub_counts(path: Path) -> tuple[int, int, int]:
    with sqlite3.connect(path) as db:
        episodes = db.execute("SELECT count(*) FROM episodes").fetchone()[0]
        security = db.execute("SELECT coalesce(sum(count), 0) FROM security_counts").fetchone()[0]
        events = db.execute("SELECT count(*) FROM events").fetchone()[0]
    return int(episodes), int(security), int(events)


async def _until(check: Callable[[], bool], within: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.2)


async def test_reports_survive_a_hub_outage_without_loss_or_duplicates(tmp_path: Path) -> None:
    port = _free_port()
    hub_db = tmp_path / "hub.db"
    hub_config = HubConfig(db_path=hub_db, host="127.0.0.1", port=port)
    url = f"http://127.0.0.1:{port}"
    air = VirtualAir(time_scale=0.05)
    modules = {
        name: Rylr998Emulator(air, tmp_path / "dev" / name, name=name)
        for name in ("controller", "node")
    }
    for module in modules.values():
        module.start()
    node = Rylr998Radio(str(modules["node"].path), Rylr998Config(address=7))
    controller: asyncio.subprocess.Process | None = None
    async with running_sandbox() as sandbox:
        config = tmp_path / "controller.toml"
        config.write_text(
            f"""
[controller]
name = "Pasaje del Corte"
network_id = {NETWORK}
data_dir = "datos"

[radio]
kind = "rylr998"
port = "{modules["controller"].path}"
address = 1

[pins]
board = "pi4"

[sms]
provider = "sandbox"
api_base = "{sandbox.url}"

[hub]
url = "{url}"
report_interval_seconds = 10
self_test = "off"
""",
            encoding="utf-8",
        )
        with Store.open(tmp_path / "datos" / "controller.db") as store:
            for address, key in KEYS.items():
                store.add_node(NETWORK, address, key, f"casa {address}", f"Pasaje {address}")

        async def press(src: int, kind: PanicKind, counter: int) -> None:
            frame = build_frame(
                Panic(kind, None), network=NETWORK, src=src, dst=0, counter=counter, key=KEYS[src]
            )
            await node.send(frame, to=1)
            await asyncio.wait_for(node.receive(), 30)  # its ACK

        async def forge(src: int, counter: int) -> None:
            frame = build_frame(
                Panic(PanicKind.ROBO, None),
                network=NETWORK,
                src=src,
                dst=0,
                counter=counter,
                key=bytes(16),
            )
            await node.send(frame, to=1)

        try:
            async with running_hub(hub_config) as hub:
                db = hub.app[hub_keys.db]
                _, code = issue_code(
                    db,
                    name="Pasaje del Corte",
                    barrio="Villa Prueba",
                    hours=1,
                    actor=Actor.system("test"),
                    at=hub.app[hub_keys.clock](),
                )
                status, out = await _sereno(
                    "controller", "enroll", "--config", str(config), "--hub", url, "--code", code
                )
                assert status == 0, out
                controller = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "sereno",
                    "controller",
                    "run",
                    "--config",
                    str(config),
                    "--mock-gpio",
                    "--seconds-scale",
                    "0.1",
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                    env={**os.environ, "PYTHONUNBUFFERED": "1"},
                )
                await node.start()
                await _until(lambda: (tmp_path / "datos" / "control.sock").exists())  # running
                await press(7, PanicKind.ROBO, 1)
                await forge(7, 2)
                await _until(lambda: _hub_counts(hub_db)[:2] == (1, 1))

            # The hub is down: the street goes on, the controller keeps what it owes.
            await press(8, PanicKind.INCENDIO, 1)
            for counter in range(3, 6):
                await forge(8, counter)
            await asyncio.sleep(3.0)  # several failed tries, backing off
            assert _hub_counts(hub_db)[:2] == (1, 1)

            async with running_hub(hub_config):
                await _until(lambda: _hub_counts(hub_db)[:2] == (2, 4))
                await asyncio.sleep(3.0)  # more reports: resends must not add anything
                episodes, security, events = _hub_counts(hub_db)
                assert (episodes, security) == (2, 4)
                with sqlite3.connect(hub_db) as check:
                    kinds = sorted(r[0] for r in check.execute("SELECT kind FROM episodes"))
                    distinct = check.execute(
                        "SELECT count(DISTINCT event_id) FROM events"
                    ).fetchone()[0]
                assert kinds == ["INCENDIO", "ROBO"]
                assert distinct == events
        finally:
            if controller is not None and controller.returncode is None:
                controller.send_signal(signal.SIGTERM)
                await asyncio.wait_for(controller.wait(), 30)
            await node.close()
            for module in modules.values():
                module.stop()
    assert controller is not None
    assert controller.returncode == 0
