"""A real ``sereno controller run`` process: a press over an emulated radio, then
``sereno controller status`` and ``silence`` through its control socket, then SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from controller.store import Store
from hardware.emulators.air import VirtualAir
from hardware.emulators.rylr998 import Rylr998Emulator
from hardware.radio.rylr998 import Rylr998Config, Rylr998Radio
from protocol.frame import Ack, Panic, PanicKind, build_frame, decode_frame
from sereno.sms_sandbox.server import running_sandbox

KEY = bytes(range(16))
NETWORK = 2571


def _config(tmp_path: Path, port: Path, sandbox_url: str) -> Path:
    path = tmp_path / "controller.toml"
    path.write_text(
        f"""
[controller]
name = "Pasaje de Prueba"
network_id = {NETWORK}
data_dir = "datos"

[radio]
kind = "rylr998"
port = "{port}"
address = 1

[pins]
board = "pi4"

[alarm]
siren_max_seconds = 10

[sms]
provider = "sandbox"
api_base = "{sandbox_url}"
""",
        encoding="utf-8",
    )
    return path


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


async def test_controller_process_alarms_reports_status_and_silences(tmp_path: Path) -> None:
    air = VirtualAir(time_scale=0.05)
    controller_module = Rylr998Emulator(air, tmp_path / "dev" / "controller", name="controller")
    node_module = Rylr998Emulator(air, tmp_path / "dev" / "node", name="node")
    controller_module.start()
    node_module.start()
    node_radio = Rylr998Radio(str(node_module.path), Rylr998Config(address=7))
    async with running_sandbox() as sandbox:
        config = _config(tmp_path, controller_module.path, sandbox.url)
        data = tmp_path / "datos"
        with Store.open(data / "controller.db") as store:
            store.add_node(NETWORK, 7, KEY, "casa 7", "Pasaje de Prueba 7")
            store.add_vecino(name="Ana", phone="+56987654321", street_address="Pasaje de Prueba 9")
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "sereno",
            "controller",
            "run",
            "--config",
            str(config),
            "--mock-gpio",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert process.stdout is not None
        try:
            await node_radio.start()
            while b"en marcha" not in await asyncio.wait_for(process.stdout.readline(), 60):
                pass
            frame = build_frame(
                Panic(PanicKind.ROBO, 3700), network=NETWORK, src=7, dst=0, counter=1, key=KEY
            )
            await node_radio.send(frame, to=1)
            datagram = await asyncio.wait_for(node_radio.receive(), 30)
            ack = decode_frame(datagram.data, KEY).body()
            assert isinstance(ack, Ack)
            assert ack.acked_counter == 1

            code, out = await _sereno("controller", "status", "--config", str(config))
            assert code == 0, out
            assert "Sirena: pulsed" in out
            assert "Episodio ROBO: 1" in out

            code, out = await _sereno("controller", "silence", "--config", str(config))
            assert code == 0, out
            assert "Sirena silenciada (1 episodio(s))" in out
            code, out = await _sereno("controller", "status", "--config", str(config))
            assert "Sirena: apagada" in out
            assert "Baliza: encendida" in out

            for _ in range(100):
                if sandbox.state.messages:
                    break
                await asyncio.sleep(0.1)
            bodies = [m["body"] for m in sandbox.state.messages.values()]
            assert bodies == [
                "ALERTA ROBO: Pasaje de Prueba 7 (casa 7). Llame a Carabineros 133. Sereno Maipu"
            ]
        finally:
            process.send_signal(signal.SIGTERM)
            rest, _ = await asyncio.wait_for(process.communicate(), 30)
            await node_radio.close()
            controller_module.stop()
            node_module.stop()
        assert process.returncode == 0, rest.decode()
        assert "Deteniendo el controlador" in rest.decode()
    code, out = await _sereno("controller", "silence", "--config", str(config))
    assert code == 1
    assert "No encuentro un controlador en marcha" in out


async def _start_controller(config: Path) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sereno",
        "controller",
        "run",
        "--config",
        str(config),
        "--mock-gpio",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    while b"en marcha" not in await asyncio.wait_for(process.stdout.readline(), 60):
        pass
    return process


async def test_controller_killed_mid_episode_resumes_without_a_second_sms(tmp_path: Path) -> None:
    air = VirtualAir(time_scale=0.05)
    controller_module = Rylr998Emulator(air, tmp_path / "dev" / "controller", name="controller")
    node_module = Rylr998Emulator(air, tmp_path / "dev" / "node", name="node")
    controller_module.start()
    node_module.start()
    node_radio = Rylr998Radio(str(node_module.path), Rylr998Config(address=7))
    async with running_sandbox() as sandbox:
        config = _config(tmp_path, controller_module.path, sandbox.url)
        with Store.open(tmp_path / "datos" / "controller.db") as store:
            store.add_node(NETWORK, 7, KEY, "casa 7", "Pasaje de Prueba 7")
            store.add_vecino(name="Ana", phone="+56987654321", street_address="Pasaje de Prueba 9")
        first = await _start_controller(config)
        second: asyncio.subprocess.Process | None = None
        try:
            await node_radio.start()
            frame = build_frame(
                Panic(PanicKind.INCENDIO, None), network=NETWORK, src=7, dst=0, counter=1, key=KEY
            )
            await node_radio.send(frame, to=1)
            await asyncio.wait_for(node_radio.receive(), 30)
            for _ in range(100):
                if sandbox.state.messages:
                    break
                await asyncio.sleep(0.1)
            first.kill()  # SIGKILL: no clean shutdown, as in a power cut
            await first.wait()
            assert first.returncode == -signal.SIGKILL

            second = await _start_controller(config)
            code, out = await _sereno("controller", "status", "--config", str(config))
            assert code == 0, out
            assert "Sirena: temporal-three" in out  # resumed within the 10 s cap
            assert "Episodio INCENDIO: 1" in out
            # The retransmission of the same frame is a duplicate to the new process too.
            await node_radio.send(frame, to=1)
            ack = decode_frame((await asyncio.wait_for(node_radio.receive(), 30)).data, KEY).body()
            assert isinstance(ack, Ack)
            assert ack.result == 1
            await asyncio.sleep(1.0)
            assert len(sandbox.state.messages) == 1
        finally:
            for process in (first, second):
                if process is not None and process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                    await asyncio.wait_for(process.communicate(), 30)
            await node_radio.close()
            controller_module.stop()
            node_module.stop()
