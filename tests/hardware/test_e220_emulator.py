"""The E220 emulator against raw register dialogues (FIELD-FACTS.md), through plain pyserial."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import serial
from gpiozero import DigitalInputDevice, DigitalOutputDevice
from gpiozero.pins.mock import MockFactory

from hardware.emulators.air import Link, VirtualAir
from hardware.emulators.e220 import E220Emulator
from hardware.radio.e220_registers import E220Mode, rssi_dbm

TIME_SCALE = 0.02
WITHIN = 5.0
"""Generous bound for anything to happen on a loaded CI machine."""
QUIET = 0.3
"""How long to listen before concluding nothing more comes."""


async def eventually(condition: Callable[[], bool], within: float = WITHIN) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.002)


class RawPort:
    """Plain pyserial, non-blocking, read from an async test without blocking the loop."""

    def __init__(self, path: Path, baudrate: int = 9600) -> None:
        self.serial = serial.Serial(str(path), baudrate, timeout=0)

    def write(self, data: bytes) -> None:
        self.serial.write(data)

    async def read(self, size: int, within: float = WITHIN) -> bytes:
        data = b""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while len(data) < size and loop.time() < deadline:
            data += self.serial.read(size - len(data))
            await asyncio.sleep(0.002)
        return data

    async def read_quiet(self, quiet: float = QUIET) -> bytes:
        """Everything that arrives until the line has been silent for ``quiet`` seconds."""
        data = b""
        loop = asyncio.get_running_loop()
        last = loop.time()
        while loop.time() - last < quiet:
            chunk = self.serial.read(4096)
            if chunk:
                data += chunk
                last = loop.time()
            await asyncio.sleep(0.005)
        return data

    def close(self) -> None:
        self.serial.close()


@dataclass
class Station:
    """One emulated module, its pins as a driver would hold them, and a raw port on it."""

    emulator: E220Emulator
    m0: DigitalOutputDevice
    m1: DigitalOutputDevice
    aux: DigitalInputDevice
    port: RawPort

    async def set_mode(self, mode: E220Mode) -> None:
        await eventually(lambda: bool(self.aux.value))
        self.m0.value = bool(mode & 1)
        self.m1.value = bool(mode & 2)
        await eventually(lambda: self.emulator.mode == mode and bool(self.aux.value))
        await asyncio.sleep(0.002)

    async def command(self, data: bytes, answer: int) -> bytes:
        self.port.write(data)
        return await self.port.read(answer)

    async def configure(self, registers: bytes) -> None:
        """Write registers (C2) in mode 3, then back to mode 0."""
        await self.set_mode(E220Mode.CONFIG)
        answer = await self.command(bytes([0xC2, 0, len(registers)]) + registers, 3 + 6)
        assert answer[:3] == bytes([0xC1, 0, len(registers)])
        await self.set_mode(E220Mode.NORMAL)


@pytest.fixture
async def air() -> VirtualAir:
    return VirtualAir(time_scale=TIME_SCALE, seed=1, default_link=Link(rssi=-90))


@pytest.fixture
async def stations(
    air: VirtualAir, mock_factory: MockFactory, tmp_path: Path
) -> AsyncIterator[list[Station]]:
    made: list[Station] = []
    for index, (m0, m1, aux) in enumerate([(5, 6, 13), (16, 20, 21), (17, 27, 22)]):
        emulator = E220Emulator(
            air,
            tmp_path / f"e220-{index}",
            name=f"e220-{index}",
            m0=mock_factory.pin(m0),
            m1=mock_factory.pin(m1),
            aux=mock_factory.pin(aux),
            seed=index,
        )
        emulator.open()
        station = Station(
            emulator,
            DigitalOutputDevice(m0, pin_factory=mock_factory),
            DigitalOutputDevice(m1, pin_factory=mock_factory),
            DigitalInputDevice(aux, pull_up=None, active_state=True, pin_factory=mock_factory),
            RawPort(tmp_path / f"e220-{index}"),
        )
        made.append(station)
    await eventually(lambda: all(s.aux.value for s in made))
    yield made
    for station in made:
        station.port.close()
        await station.emulator.close()
        for device in (station.m0, station.m1, station.aux):
            device.close()


DEFAULTS = bytes.fromhex("00 00 62 00 12 03 00 00")


async def test_reads_factory_defaults_in_mode_3(stations: list[Station]) -> None:
    a = stations[0]
    await a.set_mode(E220Mode.CONFIG)
    assert await a.command(bytes.fromhex("C1 00 08"), 11) == bytes.fromhex("C1 00 08") + DEFAULTS
    assert await a.command(bytes.fromhex("C1 04 01"), 4) == bytes.fromhex("C1 04 01 12")


async def test_c0_write_is_read_back_and_survives_a_power_cycle(stations: list[Station]) -> None:
    a = stations[0]
    await a.set_mode(E220Mode.CONFIG)
    written = bytes.fromhex("12 34 62 00 41 C3 AB CD")
    answer = await a.command(bytes.fromhex("C0 00 08") + written, 11)
    # Every answer starts C1 addr len; CRYPT is write only and reads as zeros.
    assert answer == bytes.fromhex("C1 00 08 12 34 62 00 41 C3 00 00")
    assert await a.command(bytes.fromhex("C1 00 06"), 9) == bytes.fromhex("C1 00 06") + written[:6]
    assert await a.command(bytes.fromhex("C1 06 02"), 5) == bytes.fromhex("C1 06 02 00 00")
    assert a.emulator.key == 0xABCD
    a.emulator.power_cycle()
    await eventually(lambda: bool(a.aux.value))
    assert await a.command(bytes.fromhex("C1 00 06"), 9) == bytes.fromhex("C1 00 06") + written[:6]


async def test_c2_write_does_not_survive_a_power_cycle(stations: list[Station]) -> None:
    a = stations[0]
    await a.set_mode(E220Mode.CONFIG)
    answer = await a.command(bytes.fromhex("C2 04 01 41"), 4)
    assert answer == bytes.fromhex("C1 04 01 41")
    assert await a.command(bytes.fromhex("C1 04 01"), 4) == bytes.fromhex("C1 04 01 41")
    a.emulator.power_cycle()
    await eventually(lambda: bool(a.aux.value))
    assert await a.command(bytes.fromhex("C1 04 01"), 4) == bytes.fromhex("C1 04 01 12")


@pytest.mark.parametrize(
    "command",
    ["C1 00 09", "C1 07 02", "C1 00 00", "C5 00 01", "C0 00 02 AA", "C0 00 01 AA BB", "C1 00"],
)
async def test_malformed_commands_answer_ff_ff_ff(stations: list[Station], command: str) -> None:
    a = stations[0]
    await a.set_mode(E220Mode.CONFIG)
    assert await a.command(bytes.fromhex(command), 3) == b"\xff\xff\xff"
    assert await a.port.read_quiet() == b""
    assert a.emulator.stats.malformed_commands == 1
    assert a.emulator.registers == DEFAULTS


async def test_no_configuration_in_mode_0(stations: list[Station]) -> None:
    a, b = stations[0], stations[1]
    a.port.write(bytes.fromhex("C1 00 08"))
    assert await a.port.read_quiet() == b""
    # In mode 0 the bytes are data: the other module hears them on air.
    assert await b.port.read(3) == bytes.fromhex("C1 00 08")


async def test_no_configuration_at_115200(stations: list[Station]) -> None:
    a = stations[0]
    await a.set_mode(E220Mode.CONFIG)
    a.port.serial.baudrate = 115200
    a.port.write(bytes.fromhex("C0 04 01 41"))
    a.port.write(bytes.fromhex("C1 00 08"))
    assert await a.port.read_quiet() == b""
    assert a.emulator.registers == DEFAULTS
    assert a.emulator.stats.garbled_bytes == 7
    a.port.serial.baudrate = 9600
    assert await a.command(bytes.fromhex("C1 04 01"), 4) == bytes.fromhex("C1 04 01 12")


async def test_aux_low_during_mode_change_and_transmission(
    stations: list[Station], air: VirtualAir
) -> None:
    a = stations[0]
    aux_pin = a.emulator.aux
    aux_pin.clear_states()
    await a.set_mode(E220Mode.CONFIG)
    aux_pin.assert_states([True, False, True])
    await a.set_mode(E220Mode.NORMAL)
    aux_pin.clear_states()
    a.port.write(b"hola vecinos")
    await eventually(lambda: air.stats.transmissions == 1)
    await eventually(lambda: bool(a.aux.value))
    aux_pin.assert_states([True, False, True])
    # Low from the first byte in, through the UART gap and the whole time on air.
    (tx,) = air.history
    assert aux_pin.states[2].timestamp >= a.emulator.packet_gap_s + (tx.end - tx.start)
    assert a.emulator.stats.mode_changes_while_busy == 0


async def test_transparent_transmission(stations: list[Station]) -> None:
    a, b, c = stations
    a.port.write(b"alarma en pasaje 3")
    assert await b.port.read(18) == b"alarma en pasaje 3"
    assert await c.port.read(18) == b"alarma en pasaje 3"
    assert await a.port.read_quiet() == b""


async def test_transparent_needs_the_same_address(stations: list[Station]) -> None:
    a, b, c = stations
    await b.configure(bytes.fromhex("00 07"))
    a.port.write(b"solo para 0000")
    assert await c.port.read(14) == b"solo para 0000"
    assert await b.port.read_quiet() == b""
    assert b.emulator.stats.dropped_address == 1


async def test_fixed_transmission_to_one_address_and_broadcast(stations: list[Station]) -> None:
    a, b, c = stations
    for station, address in zip(stations, (1, 2, 3), strict=True):
        await station.configure(bytes([0, address, 0x62, 0x00, 65, 0x40]))
    a.port.write(bytes([0x00, 0x02, 65]) + b"para dos")
    assert await b.port.read(8) == b"para dos"
    assert await c.port.read_quiet() == b""
    a.port.write(bytes([0xFF, 0xFF, 65]) + b"para todos")
    assert await b.port.read(10) == b"para todos"
    assert await c.port.read(10) == b"para todos"


async def test_fixed_transmission_on_another_channel(stations: list[Station]) -> None:
    a, b, c = stations
    await a.configure(bytes([0, 1, 0x62, 0x00, 65, 0x40]))
    await b.configure(bytes([0, 2, 0x62, 0x00, 70, 0x40]))
    await c.configure(bytes([0, 2, 0x62, 0x00, 65, 0x40]))
    a.port.write(bytes([0x00, 0x02, 70]) + b"canal 70")
    assert await b.port.read(8) == b"canal 70"
    assert await c.port.read_quiet() == b""


async def test_rssi_byte_appended(stations: list[Station]) -> None:
    a, b, _ = stations
    await b.configure(bytes.fromhex("00 00 62 00 12 83"))
    a.port.write(b"con rssi")
    received = await b.port.read(9)
    assert received[:8] == b"con rssi"
    assert -92 <= rssi_dbm(received[8]) <= -88  # the air's link: -90 dBm, jitter +-2


async def test_other_channels_and_keys_are_not_heard(stations: list[Station]) -> None:
    a, b, c = stations
    await b.configure(bytes.fromhex("00 00 62 00 13 03"))
    await c.set_mode(E220Mode.CONFIG)
    assert await c.command(bytes.fromhex("C2 06 02 12 34"), 5) == bytes.fromhex("C1 06 02 00 00")
    await c.set_mode(E220Mode.NORMAL)
    a.port.write(b"nadie me oye")
    assert await b.port.read_quiet() == b""
    assert await c.port.read_quiet() == b""
    assert c.emulator.stats.dropped_key == 1


async def test_uart_speed_mismatch_in_mode_0_sends_garbage(stations: list[Station]) -> None:
    a, b, _ = stations
    a.port.serial.baudrate = 115200
    a.port.write(b"demasiado rapido")
    received = await b.port.read(16)
    assert len(received) == 16
    assert received != b"demasiado rapido"
    assert a.emulator.stats.garbled_bytes == 16


async def test_long_input_is_cut_into_sub_packets(stations: list[Station], air: VirtualAir) -> None:
    a, b, _ = stations
    await a.configure(bytes.fromhex("00 00 62 C0"))  # REG1: 32-byte sub-packets
    data = bytes(range(1, 81))
    a.port.write(data)
    assert await b.port.read(80) == data
    assert [len(tx.payload) for tx in air.history] == [32, 32, 16]
