"""SerialLinkRadio stations on an emulated serial bus (RS-485 multi-drop or a cable)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import serial
from gpiozero.pins.mock import MockFactory

from hardware.emulators.wire import SerialBus
from hardware.radio.base import Datagram, RadioClosed, RadioError
from hardware.radio.serial_link import SerialLinkConfigError, SerialLinkRadio
from protocol.link import frame_for_stream

WITHIN = 10.0
QUIET = 0.5


class CountingRadio(SerialLinkRadio):
    """Records the size of every read the transport hands over."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.reads: list[int] = []

    def _on_bytes(self, chunk: bytes) -> None:
        self.reads.append(len(chunk))
        super()._on_bytes(chunk)


Setup = Callable[..., Awaitable[tuple[SerialBus, list[CountingRadio]]]]


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    buses: list[SerialBus] = []
    radios: list[CountingRadio] = []

    async def make(
        stations: int = 2, *, radio_baud: int = 9600, start: bool = True, **bus: object
    ) -> tuple[SerialBus, list[CountingRadio]]:
        paths = [tmp_path / f"rs485-{index}" for index in range(stations)]
        made_bus = SerialBus(paths, **bus)  # type: ignore[arg-type]
        made_bus.open()
        buses.append(made_bus)
        made = []
        for path in paths[: stations - 1 if not start else stations]:
            radio = CountingRadio(
                str(path), baudrate=radio_baud, backoff_initial=0.02, backoff_max=0.2
            )
            made.append(radio)
            radios.append(radio)
        if start:
            await asyncio.gather(*(radio.start() for radio in made))
        return made_bus, made

    yield make
    for radio in radios:
        await radio.close()
    for bus in buses:
        bus.close()


async def receive(radio: SerialLinkRadio, within: float = WITHIN) -> Datagram:
    async with asyncio.timeout(within):
        return await radio.receive()


async def eventually(condition: Callable[[], bool], within: float = WITHIN) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def drain(radio: SerialLinkRadio, quiet: float = QUIET) -> list[bytes]:
    got = []
    while True:
        try:
            got.append((await receive(radio, quiet)).data)
        except TimeoutError:
            return got


def frame(index: int) -> bytes:
    return bytes([1, 1, 0x30, 0x39, 0, index, 0, 0]) + bytes(range(index % 7, 20))


async def test_two_stations_exchange_frames_in_chunks(setup: Setup) -> None:
    _, (a, b) = await setup(2, time_scale=0.05)
    for index in range(5):
        await a.send(frame(index))
    assert [(await receive(b)).data for _ in range(5)] == [frame(i) for i in range(5)]
    await b.send(b"respuesta\x00")
    assert (await receive(a)) == Datagram(b"respuesta\x00")
    assert await drain(a) == []  # a transceiver does not hear itself


async def test_three_stations_byte_at_a_time(setup: Setup) -> None:
    bus, (a, b, c) = await setup(3, time_scale=1.0, chunk_size=1)
    await a.send(frame(1))
    assert (await receive(b)).data == frame(1)
    assert (await receive(c)).data == frame(1)
    await c.send(frame(2))  # after a's frame has left the bus: no collision
    assert (await receive(b)).data == frame(2)
    assert (await receive(a)).data == frame(2)
    assert bus.stats.collisions == 0
    assert max(b.reads) < len(frame_for_stream(frame(1)))  # it really came in pieces


async def test_junk_between_frames_is_dropped(setup: Setup, tmp_path: Path) -> None:
    bus, (a,) = await setup(2, time_scale=0.05, start=False)
    await a.start()
    raw = serial.Serial(str(tmp_path / "rs485-1"), 9600, timeout=0)
    try:
        stream = (
            b"\xff\xfe\x00"  # noise ending in a delimiter
            + frame_for_stream(frame(1))
            + b"\x00\x00\x05ab"  # empty packets, then a half frame
            + b"\x00"
            + frame_for_stream(frame(2))
            + bytes([0xFF]) * 300  # longer than any frame
            + b"\x00"
            + frame_for_stream(frame(3))
        )
        for byte in stream:
            raw.write(bytes([byte]))
            await asyncio.sleep(0)
        got = [(await receive(a)).data for _ in range(3)]
    finally:
        raw.close()
    assert got == [frame(1), frame(2), frame(3)]
    assert a.stats.junk == 3
    assert bus.stats.collisions == 0


async def test_corruption_loses_only_the_damaged_frames(setup: Setup, tmp_path: Path) -> None:
    bus, (a, b) = await setup(2, time_scale=0.05, corrupt_rate=0.01, seed=3)
    sent = [frame(index) for index in range(40)]
    for data in sent:
        await a.send(data)
        await asyncio.sleep(0.002)
    got = await drain(b)
    receiver = tmp_path / "rs485-1"
    # Bit flips keep lengths, so what was written and what arrived line up byte for byte
    # (the pty may merge several frames into one bus write: compare whole streams).
    written = b"".join(w.data for w in bus.history)
    arrived = b"".join(w.received[receiver] for w in bus.history)
    wire = [b"\x00" + frame_for_stream(data) for data in sent]
    assert written == b"".join(wire)
    intact, offset = [], 0
    for data, on_wire in zip(sent, wire, strict=True):
        if arrived[offset : offset + len(on_wire)] == on_wire:
            intact.append(data)
        offset += len(on_wire)
    assert 0 < len(sent) - len(intact) < len(sent) // 2  # the seed damages some, not most
    assert bus.stats.corrupted_bytes > 0
    # Every frame whose own bytes arrived intact is received, whatever hit its neighbours.
    assert [data for data in got if data in sent] == intact
    assert b.stats.junk + len(got) - len(intact) >= 1


async def test_dropped_bytes_lose_only_their_frames(setup: Setup) -> None:
    bus, (a, b) = await setup(2, time_scale=0.05, drop_rate=0.01, seed=5)
    sent = [frame(index) for index in range(40)]
    for data in sent:
        await a.send(data)
        await asyncio.sleep(0.002)
    got = [data for data in await drain(b) if data in sent]
    lost = len(sent) - len(got)
    assert bus.stats.dropped_bytes > 0
    assert 0 < lost <= bus.stats.dropped_bytes  # one dropped byte never costs two frames
    assert got == [data for data in sent if data in got]  # in order, no duplicates


async def test_overlapping_writers_garble_each_other(setup: Setup) -> None:
    bus, (a, b, c) = await setup(3, time_scale=1.0)
    await asyncio.gather(a.send(frame(1)), b.send(frame(2)))
    assert await drain(c) == []
    assert bus.stats.collisions == 2
    await a.send(frame(3))  # the retry, alone on the bus
    assert (await receive(c)).data == frame(3)


async def test_sender_port_vanishes_and_the_queued_send_goes_out(setup: Setup) -> None:
    bus, (a, b) = await setup(2, time_scale=0.05)
    port_a = bus.port(Path(a.port))
    port_a.vanish()
    await asyncio.sleep(0.1)
    sending = asyncio.create_task(a.send(frame(7)))
    await asyncio.sleep(0.2)
    assert not sending.done()
    port_a.reappear()
    async with asyncio.timeout(WITHIN):
        await sending
    assert (await receive(b)).data == frame(7)
    assert a.stats.reconfigured == 1


async def test_receiver_port_vanishes_and_later_frames_arrive(setup: Setup) -> None:
    bus, (a, b) = await setup(2, time_scale=0.05)
    port_b = bus.port(Path(b.port))
    port_b.vanish()
    await a.send(frame(1))  # nobody on the other end: lost
    await asyncio.sleep(0.1)
    port_b.reappear()
    await eventually(lambda: b.stats.reconfigured == 1)
    await a.send(frame(2))
    assert await drain(b) == [frame(2)]


async def test_gpio_direction_control(
    setup: Setup, tmp_path: Path, mock_factory: MockFactory
) -> None:
    _, (a,) = await setup(2, time_scale=0.05, start=False)
    de = mock_factory.pin(18)
    master = SerialLinkRadio(
        str(tmp_path / "rs485-1"), rs485=True, de_pin=18, pin_factory=mock_factory
    )
    assert master.direction_control == "gpio"
    try:
        await asyncio.gather(a.start(), master.start())
        de.clear_states()
        await master.send(frame(4))
        de.assert_states([False, True, False])
        # DE stays high at least as long as the bytes take at 9600 baud.
        assert de.states[2].timestamp >= len(frame_for_stream(frame(4))) * 10 / 9600
        assert (await receive(a)).data == frame(4)
    finally:
        await master.close()


async def test_kernel_rs485_mode_refused_by_a_pty(setup: Setup, tmp_path: Path) -> None:
    await setup(2, start=False)
    radio = SerialLinkRadio(str(tmp_path / "rs485-1"), rs485=True)
    assert radio.direction_control == "kernel"
    try:
        with pytest.raises(RadioError, match="no kernel RS-485 mode"):
            await radio.start()
    finally:
        await radio.close()


async def test_wrong_line_speed_hears_only_garbage(setup: Setup, tmp_path: Path) -> None:
    bus, (a,) = await setup(2, time_scale=0.05, start=False)
    fast = SerialLinkRadio(str(tmp_path / "rs485-1"), baudrate=115200)
    try:
        await asyncio.gather(a.start(), fast.start())
        await fast.send(frame(1))
        await a.send(frame(2))
        assert frame(1) not in await drain(a)
        sizes = [len(frame_for_stream(frame(i))) + 1 for i in (1, 2)]
        await eventually(lambda: bus.stats.garbled_bytes == sum(sizes))
        assert frame(2) not in await drain(fast)
    finally:
        await fast.close()


def test_settings_that_contradict_each_other() -> None:
    with pytest.raises(SerialLinkConfigError, match="DE pin only makes sense"):
        SerialLinkRadio("/dev/null", de_pin=18)
    with pytest.raises(ValueError, match="baudrate"):
        SerialLinkRadio("/dev/null", baudrate=0)
    with pytest.raises(ValueError, match="at least two"):
        SerialBus([Path("/tmp/x")])


async def test_close_releases_a_send_waiting_for_the_port(setup: Setup) -> None:
    bus, (a, _) = await setup(2, time_scale=0.05)
    bus.port(Path(a.port)).vanish()
    await asyncio.sleep(0.1)
    sending = asyncio.create_task(a.send(frame(1)))
    receiving = asyncio.create_task(a.receive())
    await asyncio.sleep(0.1)
    await a.close()
    async with asyncio.timeout(WITHIN):
        with pytest.raises(RadioClosed):
            await sending
        with pytest.raises(RadioClosed):
            await receiving
    with pytest.raises(RadioClosed):
        await a.send(frame(2))


async def test_send_before_start_is_refused(setup: Setup, tmp_path: Path) -> None:
    await setup(2, start=False)
    radio = SerialLinkRadio(str(tmp_path / "rs485-0"))
    with pytest.raises(RadioError, match="not started"):
        await radio.send(frame(1))
    await radio.close()
