"""End to end: nodes on emulated RYLR998 modules, the real driver, a virtual air.

Each node runs whole (``NodeApp``: MockFactory GPIO, ``open_radio`` building the real
``Rylr998Radio`` on an emulator's pseudo-terminal). A tiny controller on another emulated
module answers with ACKs built by ``protocol.frame``. Timers are scaled: the air's
``time_scale`` equals the node's ``seconds_scale``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from hardware.emulators.air import VirtualAir
from hardware.emulators.rylr998 import Rylr998Emulator
from hardware.radio.base import RadioClosed
from hardware.radio.rylr998 import Rylr998Config, Rylr998Radio
from hardware.radio.settings import open_radio
from node.app import NodeApp
from node.config import NodeConfig
from node.exchange import Outcome
from node.panel import LedFeedback
from protocol.errors import FrameError
from protocol.frame import (
    Ack,
    AckResult,
    AlarmState,
    Frame,
    Panic,
    PanicKind,
    build_frame,
    decode_frame,
    parse_header,
)
from tests.node.conftest import node_config
from tests.node.fakes import KEY, eventually

SCALE = 0.05
MAIN = 25
AES = "0F1E2D3C4B5A69788796A5B4C3D2E1F0"
CONTROLLER_MODULE = 1
DRIVER_TIMERS = {"command_timeout": 3.0, "send_timeout": 5.0, "ready_timeout": 10.0}


def _settled(feedback: LedFeedback) -> bool:
    return feedback.shown[-1] != "sending"


class TinyController:
    """Verifies frames with each node's key and ACKs them (PROTOCOL.md freshness)."""

    def __init__(self, radio: Rylr998Radio, keys: dict[int, bytes], network: int) -> None:
        self.radio = radio
        self.keys = keys
        self.network = network
        self.frames: list[Frame] = []
        self.lose_acks = 0
        self._highest: dict[int, tuple[int, bytes]] = {}
        self._sent: dict[int, int] = {}

    async def run(self) -> None:
        with contextlib.suppress(RadioClosed):
            while True:
                datagram = await self.radio.receive()
                await self._handle(datagram.data, datagram.address)

    async def _handle(self, data: bytes, module: int | None) -> None:
        try:
            src = parse_header(data).src
            frame = decode_frame(data, self.keys[src])
        except (FrameError, KeyError):
            return
        counter, last = self._highest.get(src, (0, b""))
        if frame.counter > counter:
            self._highest[src] = (frame.counter, data)
            self.frames.append(frame)
            result = AckResult.ACCEPTED
        elif frame.counter == counter and data == last:
            result = AckResult.DUPLICATE
        else:
            return
        if self.lose_acks:
            self.lose_acks -= 1
            return
        self._sent[src] = self._sent.get(src, 0) + 1
        ack = build_frame(
            Ack(frame.counter, result, AlarmState.SOUNDING),
            network=self.network,
            src=0,
            dst=src,
            counter=self._sent[src],
            key=self.keys[src],
        )
        await self.radio.send(ack, to=module)


class Street:
    def __init__(self, directory: Path, *, loss: float = 0.0) -> None:
        self.directory = directory
        self.air = VirtualAir(time_scale=SCALE, seed=11, loss_rate=loss)
        self.emulators: list[Rylr998Emulator] = []
        self.apps: list[NodeApp] = []
        self.factories: list[MockFactory] = []
        self.controller: TinyController | None = None
        self._task: asyncio.Task[None] | None = None

    def module(self, name: str) -> Rylr998Emulator:
        emulator = Rylr998Emulator(self.air, self.directory / "dev" / name, name=name)
        emulator.start()
        self.emulators.append(emulator)
        return emulator

    async def start_controller(self, keys: dict[int, bytes], network: int) -> TinyController:
        emulator = self.module("controller")
        radio = Rylr998Radio(
            str(emulator.path),
            Rylr998Config(address=CONTROLLER_MODULE, aes_key=AES),
            **DRIVER_TIMERS,  # type: ignore[arg-type]
        )
        await radio.start()
        self.controller = TinyController(radio, keys, network)
        self._task = asyncio.create_task(self.controller.run())
        return self.controller

    def node(self, address: int) -> tuple[NodeConfig, NodeApp, MockFactory]:
        emulator = self.module(f"node-{address}")
        config = node_config(
            self.directory / f"casa-{address}",
            node={"address": address},
            radio={
                "port": str(emulator.path),
                "aes_key": AES,
                "controller_address": CONTROLLER_MODULE,
            },
        )
        factory = MockFactory()
        radio = open_radio(config.radio, pins=config.pins, pin_factory=factory)
        app = NodeApp(
            config,
            radio=radio,
            pin_factory=factory,
            seconds_scale=SCALE,
            rng=random.Random(address),
            heartbeat_first_delay_s=3600.0,
        )
        self.apps.append(app)
        self.factories.append(factory)
        return config, app, factory

    async def close(self) -> None:
        for app in self.apps:
            await app.close()
        if self.controller is not None:
            await self.controller.radio.close()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        for emulator in self.emulators:
            emulator.stop()
        for factory in self.factories:
            factory.reset()
            factory.close()


@pytest.fixture
async def street(tmp_path: Path) -> AsyncIterator[Street]:
    street = Street(tmp_path)
    try:
        yield street
    finally:
        await street.close()


async def test_panic_and_its_ack_over_the_emulated_air(street: Street) -> None:
    config, app, factory = street.node(17)
    controller = await street.start_controller({17: KEY}, config.network_id)
    await app.start()
    await asyncio.to_thread(factory.pin(MAIN).drive_low)
    await asyncio.sleep(0.05)
    await asyncio.to_thread(factory.pin(MAIN).drive_high)
    await eventually(lambda: bool(app.sender.results))
    result = app.sender.results[0]
    assert result.outcome is Outcome.ACCEPTED
    assert result.sends == 1
    assert controller.frames[0].body() == Panic(PanicKind.PANICO)
    assert app.feedback is not None
    await eventually(lambda: app.feedback.shown == ["sending", "accepted"])  # type: ignore[union-attr]


async def test_a_lost_ack_and_its_retransmission(street: Street) -> None:
    config, app, _ = street.node(17)
    controller = await street.start_controller({17: KEY}, config.network_id)
    controller.lose_acks = 1
    await app.start()
    result = await asyncio.wait_for(app.sender.send(Panic(PanicKind.ROBO)), 60)
    assert result.outcome is Outcome.DUPLICATE
    assert result.delivered
    assert result.sends == 2
    assert len(controller.frames) == 1


async def test_five_homes_with_30_percent_loss(tmp_path: Path) -> None:
    street = Street(tmp_path, loss=0.3)
    try:
        nodes = [street.node(address) for address in range(21, 26)]
        keys = {config.address: KEY for config, _, _ in nodes}
        controller = await street.start_controller(keys, nodes[0][0].network_id)
        for _, app, _ in nodes:
            await app.start()
        for _, _, factory in nodes:
            factory.pin(MAIN).drive_low()
        for _, _, factory in nodes:
            factory.pin(MAIN).drive_high()
        await eventually(lambda: all(app.sender.results for _, app, _ in nodes), within=120)
        for config, app, _ in nodes:
            result = app.sender.results[0]
            assert result.outcome in (Outcome.ACCEPTED, Outcome.DUPLICATE, Outcome.UNANSWERED)
            got = [f.src for f in controller.frames]
            if result.delivered:
                assert config.address in got
            else:
                assert result.sends == 5
            feedback = app.feedback
            assert feedback is not None
            await eventually(partial(_settled, feedback))
            expected = "accepted" if result.delivered else "failed"
            assert feedback.shown == ["sending", expected]
    finally:
        await street.close()
