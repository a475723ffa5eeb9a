"""The node's HEARTBEAT: battery, flags and firmware version, every few hours.

The first heartbeat goes out shortly after start (a random delay of up to one minute,
scaled, so a block's nodes coming back from the same power cut do not all talk at once),
then one every ``heartbeat_hours``. Heartbeats have the lowest priority: an alarm pre-empts
them, and they never touch the LED.

Battery: millivolts from an MCP3008 when the node has one (``[battery]``), else unknown
(``0xFFFF`` on the wire). A node without a battery monitor is taken to run on mains and sets
the *external power* flag; a failed reading is reported as unknown, without that flag.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from importlib.metadata import PackageNotFoundError, version
from typing import Final, Protocol

from hardware.errors import HardwareError
from node.sender import Priority, Sender
from protocol.frame import Heartbeat

log = logging.getLogger(__name__)

FIRST_HEARTBEAT_MAX_DELAY_S: Final = 60.0
SECONDS_PER_HOUR: Final = 3600.0


class BatteryReader(Protocol):
    """What the heartbeat needs from a battery monitor (hardware.gpio.BatteryMonitor)."""

    def read_millivolts(self) -> int: ...


def firmware_version(package: str = "sereno") -> tuple[int, int]:
    """``(major, minor)`` of the installed package; ``(0, 0)`` when it is not installed."""
    try:
        text = version(package)
    except PackageNotFoundError:
        return (0, 0)
    match = re.match(r"(\d+)\.(\d+)", text)
    if match is None:
        return (0, 0)
    return (min(int(match[1]), 255), min(int(match[2]), 255))


class HeartbeatSource:
    """Builds HEARTBEAT payloads, and remembers the last battery reading for PANICs."""

    def __init__(
        self,
        battery: BatteryReader | None = None,
        *,
        low_mv: int = 11800,
        firmware: tuple[int, int] | None = None,
    ) -> None:
        self.battery = battery
        self.low_mv = low_mv
        self.firmware = firmware if firmware is not None else firmware_version()
        self.last_mv: int | None = None
        """The last good battery reading (None: none yet, or no monitor)."""

    def last_battery_mv(self) -> int | None:
        return self.last_mv

    async def read(self) -> Heartbeat:
        major, minor = self.firmware
        if self.battery is None:
            return Heartbeat(None, external_power=True, fw_major=major, fw_minor=minor)
        try:
            millivolts: int | None = await asyncio.to_thread(self.battery.read_millivolts)
        except HardwareError as exc:
            log.warning("battery reading failed: %s", exc)
            millivolts = None
        if millivolts is not None and not 0 <= millivolts < 0xFFFF:
            log.warning("battery reading out of range: %d mV", millivolts)
            millivolts = None
        self.last_mv = millivolts
        return Heartbeat(
            millivolts,
            low_battery=millivolts is not None and millivolts < self.low_mv,
            fw_major=major,
            fw_minor=minor,
        )


async def heartbeat_loop(
    sender: Sender,
    source: HeartbeatSource,
    *,
    interval_s: float,
    first_delay_s: float | None = None,
    rng: random.Random | None = None,
) -> None:
    """Send a HEARTBEAT after ``first_delay_s`` (random when None), then every
    ``interval_s`` seconds (already scaled), until cancelled."""
    if first_delay_s is None:
        jitter = rng if rng is not None else random.Random()  # noqa: S311 - jitter only
        first_delay_s = jitter.uniform(0, min(FIRST_HEARTBEAT_MAX_DELAY_S, interval_s))
    await asyncio.sleep(first_delay_s)
    while True:
        body = await source.read()
        result = await sender.send(body, priority=Priority.HEARTBEAT, coalesce="heartbeat")
        log.info("heartbeat #%d: %s", result.counter, result.outcome.value)
        await asyncio.sleep(interval_s)
