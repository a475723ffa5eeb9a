"""HEARTBEAT payloads and the heartbeat loop."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from hardware.errors import HardwareError
from node.counter_file import CounterFile
from node.exchange import AckAddress
from node.heartbeat import HeartbeatSource, firmware_version, heartbeat_loop
from node.sender import Sender
from protocol.frame import FrameType, Heartbeat
from tests.node.fakes import KEY, NETWORK, FakeAir, FakeController, FakeRadio

SCALE = 0.1
WAIT = 30.0


class Battery:
    def __init__(self, millivolts: int | None) -> None:
        self.millivolts = millivolts

    def read_millivolts(self) -> int:
        if self.millivolts is None:
            raise HardwareError("cannot read the MCP3008: SPI gone")
        return self.millivolts


async def test_without_a_battery_monitor_the_battery_is_unknown_on_external_power() -> None:
    body = await HeartbeatSource(None, firmware=(1, 4)).read()
    assert body == Heartbeat(None, external_power=True, fw_major=1, fw_minor=4)
    assert body.encode()[:2] == b"\xff\xff"


@pytest.mark.parametrize(
    ("millivolts", "low"),
    [(12600, False), (11800, False), (11799, True), (0, True)],
)
async def test_battery_and_low_flag(millivolts: int, low: bool) -> None:
    source = HeartbeatSource(Battery(millivolts), low_mv=11800, firmware=(0, 1))
    body = await source.read()
    assert body == Heartbeat(millivolts, low_battery=low, fw_major=0, fw_minor=1)
    assert source.last_battery_mv() == millivolts


async def test_a_failed_reading_is_unknown_without_external_power() -> None:
    source = HeartbeatSource(Battery(None), firmware=(0, 1))
    body = await source.read()
    assert body == Heartbeat(None, fw_major=0, fw_minor=1)
    assert source.last_battery_mv() is None


def test_firmware_version_comes_from_the_package() -> None:
    assert firmware_version() == (0, 1)  # pyproject: 0.1.0.dev0
    assert firmware_version("no-such-package-sereno") == (0, 0)


async def test_loop_sends_first_then_every_interval(tmp_path: Path) -> None:
    air = FakeAir(time_scale=SCALE)
    radio = FakeRadio(air, "node")
    controller = FakeController(FakeRadio(air, "controller"), {17: KEY})
    sender = Sender(
        radio,
        address=AckAddress(network=NETWORK, node=17, controller=0, key=KEY),
        counter_file=CounterFile(tmp_path, KEY),
        airtime_ms=lambda n: 100.0,
        seconds_scale=SCALE,
        rng=random.Random(3),
    )
    async with controller:
        await sender.start()
        task = asyncio.create_task(
            heartbeat_loop(
                sender,
                HeartbeatSource(Battery(12345), firmware=(0, 1)),
                interval_s=0.2,
                first_delay_s=0.0,
            )
        )
        try:
            for _ in range(int(WAIT / 0.01)):
                if len(controller.frames) >= 3:
                    break
                await asyncio.sleep(0.01)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await sender.close()
    assert [f.type for f in controller.frames[:3]] == [FrameType.HEARTBEAT] * 3
    assert controller.frames[0].body() == Heartbeat(12345, fw_major=0, fw_minor=1)
