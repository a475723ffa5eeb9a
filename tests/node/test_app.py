"""The whole node, wired: GPIO on MockFactory, the radio on a fake air."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory, MockSPIDevice

from hardware.radio.rylr998 import Rylr998Radio
from hardware.radio.settings import open_radio
from node.app import NodeApp, describe_result, send_test_frame
from node.config import NodeConfig
from node.exchange import Outcome, SendResult
from protocol.frame import AckResult, Cancel, FrameType, Heartbeat, Panic, PanicKind
from tests.node.conftest import node_config
from tests.node.fakes import KEY, FakeAir, FakeController, FakeRadio, eventually

SCALE = 0.1
WAIT = 60.0
MAIN, INCENDIO = 25, 16  # pi4 defaults (hardware/pins.py)


def app_on(
    air: FakeAir, config: NodeConfig, factory: MockFactory, *, seed: int = 1, **kwargs: object
) -> NodeApp:
    radio = FakeRadio(air, f"node-{config.address}", airtime_ms=config.radio.airtime_ms)
    return NodeApp(
        config,
        radio=radio,
        pin_factory=factory,
        seconds_scale=SCALE,
        rng=random.Random(seed),
        heartbeat_first_delay_s=kwargs.pop("heartbeat_first_delay_s", 3600.0),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


def controller_on(air: FakeAir, config: NodeConfig, keys: dict[int, bytes]) -> FakeController:
    return FakeController(FakeRadio(air, "controller", airtime_ms=config.radio.airtime_ms), keys)


async def press(factory: MockFactory, pin: int, seconds: float = 0.05) -> None:
    await asyncio.to_thread(factory.pin(pin).drive_low)
    await asyncio.sleep(seconds)
    await asyncio.to_thread(factory.pin(pin).drive_high)


def panics(controller: FakeController) -> list[object]:
    return [frame.body() for frame in controller.frames]


async def test_button_press_sends_panic_and_hold_sends_cancel(
    tmp_path: Path, mock_factory: MockFactory
) -> None:
    config = node_config(tmp_path)
    air = FakeAir(time_scale=SCALE)
    async with controller_on(air, config, {17: KEY}) as controller:
        async with app_on(air, config, mock_factory) as app:
            assert app.radio.started  # type: ignore[attr-defined]
            await press(mock_factory, MAIN)
            await eventually(lambda: len(controller.frames) == 1)
            await press(mock_factory, INCENDIO)
            await eventually(lambda: len(controller.frames) == 2)
            assert panics(controller) == [Panic(PanicKind.PANICO), Panic(PanicKind.INCENDIO)]
            # Hold the main button 3 s (scaled): CANCEL naming the PANIC before this press.
            hold = config.buttons.hold_seconds * SCALE
            await press(mock_factory, MAIN, seconds=hold * 2)
            await eventually(lambda: any(f.type == FrameType.CANCEL for f in controller.frames))
            cancel = next(f for f in controller.frames if f.type == FrameType.CANCEL)
            assert cancel.body() == Cancel(controller.frames[0].counter)
            assert app.feedback is not None
            await eventually(lambda: app.feedback.shown[-1] == "accepted")  # type: ignore[union-attr]
        assert app.radio.closed  # type: ignore[attr-defined]
    assert app.led is None and not app.buttons


async def test_heartbeat_at_start_with_unknown_battery(
    tmp_path: Path, mock_factory: MockFactory
) -> None:
    config = node_config(tmp_path)
    air = FakeAir(time_scale=SCALE)
    async with (
        controller_on(air, config, {17: KEY}) as controller,
        app_on(air, config, mock_factory, heartbeat_first_delay_s=0.0) as app,
    ):
        await eventually(lambda: len(controller.frames) >= 1)
        assert app.feedback is not None
        assert app.feedback.shown == []  # heartbeats never touch the LED
    assert controller.frames[0].body() == Heartbeat(
        None, external_power=True, fw_major=0, fw_minor=1
    )


class FakeMcp3008(MockSPIDevice):  # type: ignore[misc]  # gpiozero ships no types
    """The slave side of an MCP3008 (the idea of tests/hardware/test_gpio_battery.py)."""

    rx_buf: list[int]

    def __init__(self, factory: MockFactory, code: int) -> None:
        super().__init__(11, 10, 9, 8, pin_factory=factory)
        self.value = code
        self._phase = "idle"

    def on_start(self) -> None:
        super().on_start()
        self._phase = "idle"

    def on_bit(self) -> None:
        if self._phase == "idle":
            if self.rx_buf[-1]:
                self._phase = "mode"
        elif self._phase == "mode":
            self._phase = "channel"
            self.rx_buf = []
        elif self._phase == "channel" and len(self.rx_buf) == 3:
            self.tx_word(self.value, 12)
            self._phase = "answer"


@pytest.fixture
def spi_factory(mock_factory: MockFactory) -> Iterator[MockFactory]:
    """gpiozero 2.0.1's software SPI looks up ``Device.pin_factory`` (see
    tests/hardware/test_gpio_battery.py): install the mock there for this test only."""
    saved = Device.pin_factory
    Device.pin_factory = mock_factory
    try:
        yield mock_factory
    finally:
        Device.pin_factory = saved


async def test_heartbeat_reads_the_battery_on_the_mcp3008(
    tmp_path: Path, spi_factory: MockFactory
) -> None:
    config = node_config(
        tmp_path,
        pins={"mcp3008": {"channel": 2}},
        battery={"ratio": 4.9, "low_mv": 11800},
    )
    adc = FakeMcp3008(spi_factory, code=774)  # 774/1024 × 3.3 V × 4.9 = 12.22 V
    air = FakeAir(time_scale=SCALE)
    try:
        async with (
            controller_on(air, config, {17: KEY}) as controller,
            app_on(air, config, spi_factory, heartbeat_first_delay_s=0.0),
        ):
            await eventually(lambda: len(controller.frames) >= 1)
    finally:
        adc.close()
    body = controller.frames[0].body()
    assert isinstance(body, Heartbeat)
    assert body.battery_mv == round(774 * 3.3 / 1024 * 4.9 * 1000)
    assert not body.low_battery and not body.external_power


async def test_five_homes_press_at_once_with_30_percent_loss(tmp_path: Path) -> None:
    """Every node ends with its ACK or shows the failure; none hangs, none is silent."""
    air = FakeAir(time_scale=SCALE, loss_rate=0.3, seed=7)
    configs = [
        node_config(tmp_path / f"casa-{n}", node={"address": n, "state_dir": "estado"})
        for n in range(11, 16)
    ]
    keys = {config.address: KEY for config in configs}
    factories = [MockFactory() for _ in configs]
    apps = [
        app_on(air, config, factory, seed=config.address)
        for config, factory in zip(configs, factories, strict=True)
    ]
    try:
        async with controller_on(air, configs[0], keys) as controller:
            for app in apps:
                await app.start()
            for factory in factories:
                factory.pin(MAIN).drive_low()  # all at once
            for factory in factories:
                factory.pin(MAIN).drive_high()

            def finished(app: NodeApp) -> bool:
                return (
                    bool(app.sender.results)
                    and app.feedback is not None
                    and (app.feedback.shown[-1] in ("accepted", "failed"))
                )

            await eventually(lambda: all(finished(app) for app in apps))
            for app in apps:
                result: SendResult = app.sender.results[0]
                assert result.frame_type is FrameType.PANIC
                assert app.feedback is not None
                if result.delivered:
                    assert app.feedback.shown == ["sending", "accepted"]
                    assert (result.counter, AckResult.ACCEPTED) in [
                        (c, r) for c, r in controller.acks
                    ] or result.outcome is Outcome.DUPLICATE
                else:
                    assert result.outcome is Outcome.UNANSWERED
                    assert result.sends == 5
                    assert app.feedback.shown == ["sending", "failed"]
            delivered = [app for app in apps if app.sender.results[0].delivered]
            assert delivered, "with 30 % loss and 5 sends, someone gets through"
            assert air.history and any(tx.collided for tx in air.history)  # they did collide
    finally:
        for app in apps:
            await app.close()
        for factory in factories:
            factory.reset()
            factory.close()


async def test_send_test_frame_for_the_installer(tmp_path: Path) -> None:
    config = node_config(tmp_path)
    air = FakeAir(time_scale=SCALE)
    async with controller_on(air, config, {17: KEY}) as controller:
        radio = FakeRadio(air, "node", airtime_ms=config.radio.airtime_ms)
        result = await asyncio.wait_for(send_test_frame(config, radio, seconds_scale=SCALE), WAIT)
    assert result.outcome is Outcome.ACCEPTED
    assert controller.frames[0].type == FrameType.TEST
    assert radio.closed
    text = describe_result(result)
    assert text.startswith("Prueba recibida por el controlador (contador 1, 1 envío)")
    assert "sonando" in text


def test_describe_result_in_spanish() -> None:
    unanswered = SendResult(FrameType.TEST, 4, Outcome.UNANSWERED, sends=5)
    assert describe_result(unanswered).startswith("Sin respuesta del controlador tras 5 envíos")
    refused = SendResult(FrameType.TEST, 4, Outcome.REFUSED, sends=1)
    assert describe_result(refused).startswith("El controlador rechazó la prueba")
    not_sent = SendResult(FrameType.TEST, 0, Outcome.NOT_SENT, sends=0)
    assert "no salió del nodo" in describe_result(not_sent)


def test_the_radio_settings_reach_the_driver(tmp_path: Path) -> None:
    """node.toml's [radio] becomes the driver's configuration; the module's address is the
    node's own unless [radio] address says otherwise (each kind: tests/hardware)."""
    config = node_config(tmp_path, radio={"sf": 7, "aes_key": "ab" * 16})
    radio = open_radio(config.radio, pins=config.pins, pin_factory=None)
    assert isinstance(radio, Rylr998Radio)
    assert (radio.config.address, radio.config.sf, radio.config.aes_key) == (17, 7, "AB" * 16)
