"""E220Radio drivers talking through emulated modules over a virtual air."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from hardware.emulators.air import Link, VirtualAir
from hardware.emulators.e220 import E220Emulator
from hardware.radio.base import Datagram, RadioClosed, RadioError
from hardware.radio.e220 import E220Config, E220ConfigError, E220Mode, E220Radio
from hardware.radio.stream import DatagramTooLong

WITHIN = 10.0
"""Generous bound for anything to happen on a loaded CI machine."""
QUIET = 0.5
PINS = [(5, 6, 13), (16, 20, 21), (17, 27, 22)]


@dataclass
class Station:
    emulator: E220Emulator
    radio: E220Radio


Factory = Callable[..., Awaitable[list[Station]]]


@pytest.fixture
async def make_stations(
    mock_factory: MockFactory, tmp_path: Path
) -> AsyncIterator[Callable[..., Awaitable[list[Station]]]]:
    made: list[Station] = []

    async def make(
        *configs: E220Config, time_scale: float = 0.02, start: bool = True
    ) -> list[Station]:
        air = VirtualAir(time_scale=time_scale, seed=7, default_link=Link(rssi=-97))
        stations = []
        for index, (config, (m0, m1, aux)) in enumerate(zip(configs, PINS, strict=False)):
            path = tmp_path / f"e220-{index}"
            emulator = E220Emulator(
                air,
                path,
                name=f"e220-{index}",
                m0=mock_factory.pin(m0),
                m1=mock_factory.pin(m1),
                aux=mock_factory.pin(aux),
                seed=index,
            )
            emulator.open()
            radio = E220Radio(
                str(path),
                config,
                m0=m0,
                m1=m1,
                aux=aux,
                pin_factory=mock_factory,
                backoff_initial=0.02,
                backoff_max=0.2,
            )
            station = Station(emulator, radio)
            made.append(station)
            stations.append(station)
        if start:
            await asyncio.gather(*(s.radio.start() for s in stations))
        return stations

    yield make
    for station in made:
        await station.radio.close()
        await station.emulator.close()
        assert station.emulator.stats.mode_changes_while_busy == 0


async def eventually(condition: Callable[[], bool], within: float = WITHIN) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


async def receive(station: Station, within: float = WITHIN) -> Datagram:
    async with asyncio.timeout(within):
        return await station.radio.receive()


async def nothing_heard(station: Station, quiet: float = QUIET) -> bool:
    try:
        async with asyncio.timeout(quiet):
            await station.radio.receive()
    except TimeoutError:
        return True
    return False


FRAME = bytes.fromhex("01 01 30 39 00 2a 00 00 00 00 00 07 03 01 0e 10 a1 b2 c3 d4 e5 f6 07 08")
"""A PANIC-sized frame (24 bytes) with zero bytes inside, as COBS must handle."""


async def test_start_configures_the_module(make_stations: Factory) -> None:
    config = E220Config(address=0x0102, channel=66, key=0xBEEF)
    (a,) = await make_stations(config)
    assert a.emulator.registers == config.registers(9600)
    assert a.emulator.registers == bytes.fromhex("01 02 62 00 42 83 BE EF")
    assert a.emulator.mode == E220Mode.NORMAL
    assert a.radio.mode == E220Mode.NORMAL
    assert a.emulator.port.baudrate() == 9600


async def test_module_stays_off_the_air_until_started(make_stations: Factory) -> None:
    a, b = await make_stations(E220Config(), E220Config(), start=False)
    await eventually(lambda: a.emulator.mode == b.emulator.mode == E220Mode.CONFIG)
    assert not a.emulator.is_listening()
    await asyncio.gather(a.radio.start(), b.radio.start())
    assert a.emulator.is_listening()
    await a.radio.send(FRAME)
    assert (await receive(b)).data == FRAME


async def test_start_at_another_working_baud(
    make_stations: Factory, mock_factory: MockFactory
) -> None:
    (a, b) = await make_stations(E220Config(), E220Config(), start=False)
    await a.radio.close()  # frees the pins for a driver working at 115200
    fast = E220Radio(
        a.radio.port,
        E220Config(),
        m0=PINS[0][0],
        m1=PINS[0][1],
        aux=PINS[0][2],
        pin_factory=mock_factory,
        working_baud=115200,
    )
    try:
        await asyncio.gather(fast.start(), b.radio.start())
        assert a.emulator.registers[2] == 0xE2
        assert a.emulator.port.baudrate() == 115200
        await fast.send(FRAME)
        assert (await receive(b)).data == FRAME
        await b.radio.send(b"de vuelta")
        async with asyncio.timeout(WITHIN):
            assert (await fast.receive()).data == b"de vuelta"
    finally:
        await fast.close()


async def test_transparent_exchange_reports_rssi(make_stations: Factory) -> None:
    a, b = await make_stations(E220Config(), E220Config())
    await a.radio.send(FRAME)
    got = await receive(b)
    assert got.data == FRAME
    assert got.rssi is not None and -99 <= got.rssi <= -95
    await b.radio.send(b"ack\x00ack")
    assert (await receive(a)).data == b"ack\x00ack"
    assert a.radio.stats.sent == 1 and b.radio.stats.received == 1


async def test_without_rssi_byte(make_stations: Factory) -> None:
    a, b = await make_stations(E220Config(rssi_byte=False), E220Config(rssi_byte=False))
    for index in range(3):
        await a.radio.send(FRAME + bytes([index]))
    for index in range(3):
        got = await receive(b)
        assert got == Datagram(FRAME + bytes([index]))


async def test_fixed_mode_addresses_and_broadcast(make_stations: Factory) -> None:
    a, b, c = await make_stations(
        E220Config(address=1, fixed=True),
        E220Config(address=2, fixed=True),
        E220Config(address=3, fixed=True),
    )
    await a.radio.send(FRAME, to=2)
    got = await receive(b)
    assert got.data == FRAME and got.rssi is not None
    assert await nothing_heard(c)
    await a.radio.send(b"todos", to=None)
    assert (await receive(b)).data == b"todos"
    assert (await receive(c)).data == b"todos"
    await c.radio.send(b"para uno", to=1)
    assert (await receive(a)).data == b"para uno"
    assert await nothing_heard(b)


async def test_many_frames_in_a_row_stay_aligned(make_stations: Factory) -> None:
    a, b = await make_stations(E220Config(), E220Config())
    frames = [bytes([i]) * (1 + i % 40) + b"\x00" + FRAME for i in range(20)]
    sender = asyncio.gather(*(a.radio.send(frame) for frame in frames))
    got = [await receive(b) for _ in frames]
    await sender
    assert [d.data for d in got] == frames
    assert all(d.rssi is not None and -99 <= d.rssi <= -95 for d in got)


async def test_collision_loses_both_then_a_retry_gets_through(make_stations: Factory) -> None:
    a, b, c = await make_stations(E220Config(), E220Config(), E220Config(), time_scale=0.5)
    air = a.emulator.air
    await asyncio.gather(a.radio.send(b"from a" + FRAME), b.radio.send(b"from b" + FRAME))
    assert air.stats.collided == 2
    assert await nothing_heard(c)
    await a.radio.send(b"from a" + FRAME)
    assert (await receive(c)).data == b"from a" + FRAME


async def test_queued_send_delivered_after_the_port_returns(make_stations: Factory) -> None:
    a, b = await make_stations(E220Config(), E220Config())
    a.emulator.vanish()
    a.emulator.power_cycle()  # a USB adapter powers its module: back to saved settings
    await asyncio.sleep(0.1)  # the driver notices the port is gone
    sending = asyncio.create_task(a.radio.send(FRAME))
    await asyncio.sleep(0.2)
    assert not sending.done()
    a.emulator.reappear()
    async with asyncio.timeout(WITHIN):
        await sending
    assert (await receive(b)).data == FRAME
    assert a.radio.stats.reconfigured == 1
    assert a.emulator.mode == E220Mode.NORMAL


async def test_junk_is_dropped_and_frames_after_it_get_through(make_stations: Factory) -> None:
    a, b = await make_stations(E220Config(), E220Config())
    await a.radio.send(b"uno")
    assert (await receive(b)).data == b"uno"
    # A foreign transparent transmitter on our channel: a packet that is not COBS. Without
    # a delimiter it swallows the frame after it; alignment is back after that one.
    b.emulator.port.write(b"\xff\xff\xffjunk" + bytes([200]))
    await asyncio.sleep(0.05)
    for frame in (b"dos", b"tres", b"cuatro"):
        await a.radio.send(frame)
    got = [(await receive(b)).data for _ in range(2)]
    assert got == [b"tres", b"cuatro"]
    assert b.radio.stats.junk == 1
    # Line noise on the UART (no RSSI byte after it) costs at most the next frame too.
    b.emulator.port.write(b"\x02\x00\x00\x05\x00noise\x00")
    await asyncio.sleep(0.05)
    for frame in (b"cinco", b"seis"):
        await a.radio.send(frame)
    assert (await receive(b)).data in (b"cinco", b"seis")
    assert b.radio.stats.junk > 1


async def test_start_fails_clearly_when_mode_pins_are_not_wired(
    mock_factory: MockFactory, tmp_path: Path
) -> None:
    air = VirtualAir(time_scale=0.02)
    emulator = E220Emulator(
        air,
        tmp_path / "e220",
        name="e220",
        m0=mock_factory.pin(5),
        m1=mock_factory.pin(6),
        aux=mock_factory.pin(13),
    )
    emulator.open()
    radio = E220Radio(
        str(tmp_path / "e220"),
        E220Config(),
        m0=23,
        m1=24,
        aux=13,
        pin_factory=mock_factory,
        command_timeout=0.5,
    )
    try:
        with pytest.raises(RadioError, match="did not answer C0 00 08"):
            await radio.start()
    finally:
        await radio.close()
        await emulator.close()
    with pytest.raises(RadioClosed):
        await radio.receive()


async def test_too_long_and_bad_targets(make_stations: Factory) -> None:
    a, _ = await make_stations(E220Config(), E220Config(fixed=True), start=False)
    assert a.radio.max_datagram == 198
    with pytest.raises(DatagramTooLong):
        await a.radio.send(bytes(199))
    assert E220Config(fixed=True).max_datagram == 195
    assert E220Config(sub_packet=64).max_datagram == 62


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("channel", 81, r"channel must be 0\.\.80"),
        ("address", 0x10000, r"address must be 0\.\.65535"),
        ("key", -1, r"key must be 0\.\.65535"),
        ("air_rate_bps", 1000, "air_rate_bps must be one of"),
        ("tx_power_dbm", 20, "tx_power_dbm must be one of"),
        ("sub_packet", 100, "sub_packet must be one of"),
        ("fixed", 1, "fixed must be True or False"),
        ("channel", True, "channel must be an integer"),
    ],
)
def test_config_validation(field: str, value: object, message: str) -> None:
    with pytest.raises(E220ConfigError, match=message) as caught:
        E220Config(**{field: value})  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError)


def test_config_registers_and_airtime() -> None:
    config = E220Config(address=0xABCD, channel=65, air_rate_bps=9600, fixed=True, key=7)
    assert config.registers(19200) == bytes.fromhex("AB CD 84 00 41 C3 00 07")
    assert config.frequency_mhz == 915.125
    assert E220Config(sub_packet=32, tx_power_dbm=10).registers()[3] == 0xC3
    # A PANIC frame at the default 2.4 kbps stays under PROTOCOL.md's 400 ms.
    assert 150 < E220Config().airtime_ms(24) < 400
    with pytest.raises(E220ConfigError, match="UART speed"):
        config.registers(1000)
