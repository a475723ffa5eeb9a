"""The RYLR998 driver against emulated modules on a virtual air, and its AT helpers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from hardware.emulators.air import Link, VirtualAir
from hardware.emulators.pty import EmulatedSerialPort
from hardware.emulators.rylr998 import Rylr998Emulator
from hardware.radio.base import Datagram, ModuleError, Radio, RadioClosed, RadioError
from hardware.radio.port import SerialPortLink
from hardware.radio.rylr998 import (
    MAX_DATAGRAM,
    DatagramError,
    ErrorCode,
    ModuleTimeout,
    Rylr998Config,
    Rylr998ConfigError,
    Rylr998Radio,
)
from hardware.radio.rylr998_at import (
    AtSyntaxError,
    LineBuffer,
    Received,
    answers,
    error_meaning,
    format_rcv,
    parse_rcv,
)

SCALE = 0.02
WITHIN = 20.0
"""Generous bound for anything awaited: a loaded 2-core CI machine must not flake."""
KEY = "00112233445566778899AABBCCDDEEFF"
CONTROLLER = Rylr998Config(address=1, network_id=6, aes_key=KEY)
NODE = Rylr998Config(address=10, network_id=6, aes_key=KEY)
DRIVER_TIMERS: dict[str, Any] = {
    "command_timeout": 3.0,
    "send_timeout": 5.0,
    "ready_timeout": 10.0,
    "backoff_initial": 0.02,
    "backoff_max": 0.2,
}


async def wait_until(condition: Callable[[], bool], within: float = WITHIN) -> None:
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - polling emulator state
            await asyncio.sleep(0.01)


async def next_datagram(radio: Radio) -> Datagram:
    async with asyncio.timeout(WITHIN):
        return await radio.receive()


class Site:
    """Emulated modules on one air, each driven by a :class:`Rylr998Radio`."""

    def __init__(self, directory: Path, time_scale: float = SCALE) -> None:
        self.directory = directory
        self.air = VirtualAir(time_scale=time_scale, seed=3)
        self.emulators: list[Rylr998Emulator] = []
        self.radios: list[Rylr998Radio] = []

    def module(self, name: str) -> Rylr998Emulator:
        emulator = Rylr998Emulator(self.air, self.directory / name, name=name)
        emulator.start()
        self.emulators.append(emulator)
        return emulator

    def radio(self, emulator: Rylr998Emulator, config: Rylr998Config, **kw: Any) -> Rylr998Radio:
        radio = Rylr998Radio(str(emulator.path), config, **{**DRIVER_TIMERS, **kw})
        self.radios.append(radio)
        return radio

    async def pair(self, name: str, config: Rylr998Config) -> tuple[Rylr998Emulator, Rylr998Radio]:
        emulator = self.module(name)
        radio = self.radio(emulator, config)
        await radio.start()
        return emulator, radio

    async def close(self) -> None:
        for radio in self.radios:
            await radio.close()
        for emulator in self.emulators:
            emulator.stop()


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    site = Site(tmp_path)
    yield site
    await site.close()


@pytest.fixture
async def slow_site(tmp_path: Path) -> AsyncIterator[Site]:
    """Real-time air: a frame stays on air long enough to be caught in the act."""
    site = Site(tmp_path, time_scale=1.0)
    yield site
    await site.close()


# --- configuration and exchange --------------------------------------------------------------
async def test_start_applies_the_configuration(site: Site) -> None:
    emulator, radio = await site.pair("controller", CONTROLLER)
    assert emulator.lines_in() == ["AT", *CONTROLLER.commands()]
    assert CONTROLLER.commands() == [
        "AT+ADDRESS=1",
        "AT+NETWORKID=6",
        "AT+BAND=915000000",
        "AT+PARAMETER=9,7,1,12",
        "AT+CRFOP=22",
        f"AT+CPIN={KEY}",
        "AT+MODE=0",
    ]
    settings = emulator.settings
    assert (settings.address, settings.networkid, settings.cpin) == (1, 6, KEY)
    assert radio.is_ready
    assert radio.max_datagram == MAX_DATAGRAM == 180
    assert await radio.command("AT+ADDRESS?") == "+ADDRESS=1"


async def test_node_and_controller_exchange_datagrams(site: Site) -> None:
    _, controller = await site.pair("controller", CONTROLLER)
    _, node = await site.pair("node", NODE)
    site.air.set_link("node", "controller", Link(rssi=-97, snr=6.0))
    frame = bytes(range(24))
    await node.send(frame, to=CONTROLLER.address)
    heard = await next_datagram(controller)
    assert (heard.data, heard.address) == (frame, NODE.address)
    assert heard.rssi is not None and -99 <= heard.rssi <= -95
    assert heard.snr is not None and 5 <= heard.snr <= 7
    await controller.send(b"\x00ACK,\xff", to=NODE.address)
    back = await next_datagram(node)
    assert (back.data, back.address) == (b"\x00ACK,\xff", CONTROLLER.address)
    assert node.stats.sent == controller.stats.received == 1


async def test_broadcast_reaches_every_module(site: Site) -> None:
    _, controller = await site.pair("controller", CONTROLLER)
    _, node = await site.pair("node", NODE)
    _, other = await site.pair("other", Rylr998Config(address=11, network_id=6, aes_key=KEY))
    await controller.send(b"siren test")
    assert (await next_datagram(node)).data == b"siren test"
    assert (await next_datagram(other)).data == b"siren test"


async def test_largest_datagram_and_refused_ones(site: Site) -> None:
    _, controller = await site.pair("controller", CONTROLLER)
    _, node = await site.pair("node", NODE)
    big = bytes(range(256))[:MAX_DATAGRAM]
    await node.send(big, to=1)
    assert (await next_datagram(controller)).data == big
    for data, to in ((big + b"!", 1), (b"", 1), (b"x", 65536), (b"x", -1)):
        with pytest.raises(DatagramError):
            await node.send(data, to=to)


# --- collisions, resets, vanishing ports --------------------------------------------------------
async def test_collision_loses_both_then_a_retry_gets_through(slow_site: Site) -> None:
    site = slow_site
    controller_module, controller = await site.pair("controller", CONTROLLER)
    node_a_module, node_a = await site.pair("a", NODE)
    _, node_b = await site.pair("b", Rylr998Config(address=11, network_id=6, aes_key=KEY))
    frame = bytes(48)  # 64 base64 characters: about 600 ms on air at SF9
    first = asyncio.create_task(node_a.send(frame, to=1))
    await wait_until(lambda: node_a_module.transmitting)
    await asyncio.wait_for(asyncio.gather(first, node_b.send(b"B" * 48, to=1)), WITHIN)
    tx_a, tx_b = list(site.air.history)[-2:]
    assert tx_b.start < tx_a.end, "the two frames did not overlap on air"
    assert tx_a.collided and tx_b.collided
    # Delivery happens as a frame ends, before its sender's +OK: nothing was heard.
    assert not [line for line in controller_module.lines_out() if line.startswith("+RCV")]
    await node_a.send(frame, to=1)
    assert (await next_datagram(controller)).data == frame
    assert controller.stats.received == 1


async def test_module_reset_mid_session_is_configured_again(site: Site) -> None:
    controller_module, controller = await site.pair("controller", CONTROLLER)
    _, node = await site.pair("node", NODE)
    controller_module.factory_reset()
    await wait_until(lambda: controller.stats.configurations == 2)
    assert controller.stats.module_resets == 1
    assert controller_module.settings.address == CONTROLLER.address
    await node.send(b"after the reset", to=1)
    assert (await next_datagram(controller)).data == b"after the reset"
    assert await controller.command("AT+ADDRESS?") == "+ADDRESS=1"
    assert await controller.command("AT+CPIN?") == f"+CPIN={KEY}"


async def test_reset_during_a_send_sends_again(slow_site: Site) -> None:
    _, controller = await slow_site.pair("controller", CONTROLLER)
    node_module, node = await slow_site.pair("node", NODE)
    sending = asyncio.create_task(node.send(b"P" * 30, to=1))
    await wait_until(lambda: node_module.transmitting)
    node_module.reset()  # its +OK never comes; +READY does
    await asyncio.wait_for(sending, WITHIN)
    assert node.stats.send_retries == 1
    assert (await next_datagram(controller)).data == b"P" * 30


async def test_send_queued_while_the_port_is_away_goes_after_it_returns(site: Site) -> None:
    _, controller = await site.pair("controller", CONTROLLER)
    node_module, node = await site.pair("node", NODE)
    before = len(node_module.lines_in())
    node_module.vanish()
    await wait_until(lambda: not node.port.is_connected)
    sending = asyncio.create_task(node.send(b"queued frame", to=1))
    await asyncio.sleep(0.2)
    assert not sending.done()
    node_module.reappear()
    await asyncio.wait_for(sending, WITHIN)
    assert (await next_datagram(controller)).data == b"queued frame"
    assert node.stats.reconnects == 1
    # Configured again first, then the frame, once.
    after = node_module.lines_in()[before:]
    assert after == ["AT", *NODE.commands(), after[-1]]
    assert after[-1].startswith("AT+SEND=1,16,")


async def test_send_in_flight_when_the_port_vanishes_is_sent_again(slow_site: Site) -> None:
    _, controller = await slow_site.pair("controller", CONTROLLER)
    node_module, node = await slow_site.pair("node", NODE)
    sending = asyncio.create_task(node.send(b"in flight", to=1))
    await wait_until(lambda: node_module.transmitting)
    node_module.vanish()
    await wait_until(lambda: not node.port.is_connected)
    node_module.reappear()
    await asyncio.wait_for(sending, WITHIN)
    assert node.stats.send_retries >= 1
    # The first copy may still have left the antenna before the power went: one or two.
    assert (await next_datagram(controller)).data == b"in flight"
    await wait_until(lambda: node.is_ready)
    assert node_module.settings.address == NODE.address


async def test_send_gives_up_at_its_deadline(site: Site) -> None:
    node_module = site.module("node")
    node = site.radio(node_module, NODE, send_deadline=0.3)
    await node.start()
    node_module.vanish()
    await wait_until(lambda: not node.port.is_connected)
    with pytest.raises(RadioError, match="could not send") as raised:
        await node.send(b"lost", to=1)
    assert not isinstance(raised.value, RadioClosed)
    node_module.reappear()
    await wait_until(lambda: node.is_ready)


async def test_port_lost_again_while_reconfiguring_is_reopened(tmp_path: Path) -> None:
    """SerialPortLink keeps reconnecting when the port goes away during on_reconnect."""
    device = EmulatedSerialPort(tmp_path / "ttyUSB", lambda data: None)
    device.open()
    hooks = 0

    async def slow_reconfiguration() -> None:
        nonlocal hooks
        hooks += 1
        if hooks == 1:
            device.vanish()
            await wait_until(lambda: not link.is_connected)
            device.reappear()

    link = SerialPortLink(
        str(device.path),
        baudrate=115200,
        on_data=lambda data: None,
        on_reconnect=slow_reconfiguration,
        backoff_initial=0.02,
        backoff_max=0.1,
    )
    await link.open()
    try:
        device.vanish()
        await wait_until(lambda: not link.is_connected)
        device.reappear()
        await wait_until(lambda: hooks == 2 and link.is_connected)
        assert link.reconnects == 2
    finally:
        await link.close()
        device.close()


# --- what the module says -----------------------------------------------------------------------
async def test_junk_and_bad_base64_are_counted_and_dropped(site: Site) -> None:
    controller_module, controller = await site.pair("controller", CONTROLLER)
    _, node = await site.pair("node", NODE)
    controller_module.inject_bytes(b"\x00\xff\xfegarbage\r\n")
    controller_module.inject_line("+RCV=5,4,@@@@,-80,9")
    controller_module.inject_line("+RCV=nonsense")
    controller_module.inject_line("+RCV=5,10,QUJD,-80,9")
    controller_module.inject_receive_error()
    controller_module.inject_line("+OK")
    controller_module.inject_bytes(b"z" * 5000)
    controller_module.inject_bytes(b"\r\n")
    await node.send(b"real", to=1)
    assert (await next_datagram(controller)).data == b"real"
    stats = controller.stats
    assert (stats.bad_base64, stats.bad_lines, stats.receive_errors) == (1, 2, 1)
    assert stats.overflows >= 1
    assert stats.stray_lines == 2
    assert stats.received == 1


async def test_module_errors_surface_with_their_code(site: Site) -> None:
    _, controller = await site.pair("controller", CONTROLLER)
    node_module, node = await site.pair("node", NODE)
    with pytest.raises(ModuleError) as unknown:
        await controller.command("AT+FOO")
    assert unknown.value.code == ErrorCode.UNKNOWN_COMMAND
    assert unknown.value.meaning == ErrorCode.UNKNOWN_COMMAND.meaning
    with pytest.raises(ModuleError) as preamble:
        await controller.command("AT+PARAMETER=9,7,1,8")
    assert preamble.value.code == ErrorCode.PREAMBLE_NOT_ALLOWED
    node_module.fail_next("SEND", ErrorCode.UNKNOWN_ERROR)
    with pytest.raises(ModuleError) as failed:
        await node.send(b"x", to=1)
    assert failed.value.code == 15
    assert failed.value.command.startswith("AT+SEND=1,")
    node_module.max_airtime_ms = 100.0
    with pytest.raises(ModuleError) as too_long:
        await node.send(b"x" * 100, to=1)
    assert too_long.value.code == ErrorCode.TX_TIME_OVER


async def test_busy_module_is_asked_again(site: Site) -> None:
    _, controller = await site.pair("controller", CONTROLLER)
    node_module, node = await site.pair("node", NODE)
    node_module.fail_next("SEND", ErrorCode.TX_BUSY, times=2)
    await node.send(b"patience", to=1)
    assert node.stats.busy_retries == 2
    assert (await next_datagram(controller)).data == b"patience"


async def test_silent_module_fails_start_unless_reset_revives_it(site: Site) -> None:
    emulator = site.module("stuck")
    emulator.hung = True
    timers = {"ready_timeout": 1.0, "command_timeout": 0.5}
    radio = site.radio(emulator, NODE, **timers)
    with pytest.raises(ModuleTimeout):
        await radio.start()
    pulses: list[float] = []

    async def pulse_reset_pin() -> None:
        pulses.append(asyncio.get_running_loop().time())
        emulator.reset()

    revived = site.radio(emulator, NODE, reset=pulse_reset_pin, **timers)
    await revived.start()
    assert len(pulses) == 1
    assert emulator.settings.address == NODE.address


async def test_close_wakes_the_receiver_and_refuses_more(site: Site) -> None:
    _, controller = await site.pair("controller", CONTROLLER)
    receiving = asyncio.create_task(controller.receive())
    await asyncio.sleep(0.01)
    await controller.close()
    with pytest.raises(RadioClosed):
        await asyncio.wait_for(receiving, WITHIN)
    with pytest.raises(RadioClosed):
        await controller.send(b"x")
    with pytest.raises(RadioClosed):
        await controller.start()
    await controller.close()


# --- AT helpers and configuration values --------------------------------------------------------
def test_parse_rcv_takes_len_bytes_of_data() -> None:
    assert parse_rcv("+RCV=50,5,HELLO,-99,40") == Received(50, "HELLO", -99, 40.0)
    assert parse_rcv("+RCV=7,5,a,b,c,-10,5").data == "a,b,c"
    assert parse_rcv("+RCV=7,3,,,,,-10,-7.5") == Received(7, ",,,", -10, -7.5)
    line = format_rcv(65535, "x,y", -120, -12.4)
    assert line == "+RCV=65535,3,x,y,-120,-12"
    assert parse_rcv(line) == Received(65535, "x,y", -120, -12.0)


@pytest.mark.parametrize(
    "line",
    [
        "+OK",
        "+RCV=",
        "+RCV=1,2",
        "+RCV=1,3,ab,-1,2",
        "+RCV=70000,1,a,1,1",
        "+RCV=1,241," + "a" * 241 + ",1,1",
        "+RCV=1,1,a,x,1",
        "+RCV=1,1,a,-1",
        "+RCV=1,1,a,-1,",
        "+RCV=1,1,a,-1.5,3",
        "+RCV=-1,1,a,-1,3",
    ],
)
def test_parse_rcv_refuses_malformed_lines(line: str) -> None:
    with pytest.raises(AtSyntaxError):
        parse_rcv(line)


def test_answers_match_their_commands() -> None:
    assert answers("AT+ADDRESS?", "+ADDRESS=7")
    assert not answers("AT+ADDRESS?", "+NETWORKID=7")
    assert not answers("AT+ADDRESS?", "+OK")
    assert answers("AT+ADDRESS=7", "+OK")
    assert answers("AT+SEND=0,4,QUJD", "+ERR=17")
    assert not answers("AT+SEND=0,4,QUJD", "+ERR=12")  # about reception, never an answer
    assert not answers("AT", "+READY")
    assert answers("AT+RESET", "+RESET")
    assert answers("AT+FACTORY", "+FACTORY")
    assert not answers("AT+FACTORY", "+OK")


def test_line_buffer_splits_any_chunking_and_caps_junk() -> None:
    buffer = LineBuffer(cap=64)
    stream = b"+OK\r\n+RCV=1,2,AB,-5,3\r\n\n+READY\r\n"
    lines = [line for byte in stream for line in buffer.feed(bytes([byte]))]
    assert lines == ["+OK", "+RCV=1,2,AB,-5,3", "", "+READY"]
    assert buffer.feed(b"j" * 100) == []
    assert buffer.overflows == 1
    assert buffer.feed(b"unk still\r\n+OK\r\n") == ["+OK"]


def test_error_codes_have_meanings_in_english_and_spanish() -> None:
    assert [int(code) for code in ErrorCode] == [1, 2, 4, 5, 10, 12, 13, 14, 15, 17, 18, 19, 20]
    for code in ErrorCode:
        assert code.meaning and code.describe() and code.meaning != code.describe()
    assert error_meaning(17) == "previous transmission not finished"
    assert error_meaning(99) == "undocumented error code 99"
    error = ModuleError(17, error_meaning(17), "AT+SEND=0,4,QUJD")
    assert "17" in str(error) and "AT+SEND" in str(error)


@pytest.mark.parametrize(
    "values",
    [
        {"address": 65536},
        {"address": -1},
        {"address": True},
        {"network_id": 16},
        {"network_id": 2},
        {"band_hz": 433_000_000},
        {"sf": 10},  # needs 250 kHz
        {"sf": 11, "bw_khz": 250},
        {"sf": 6},
        {"bw_khz": 62},
        {"cr": 0},
        {"cr": 5},
        {"preamble": 8, "network_id": 6},
        {"preamble": 3},
        {"preamble": 25},
        {"tx_power_dbm": 23},
        {"aes_key": "00112233"},
        {"aes_key": "X" * 32},
    ],
)
def test_config_refuses_what_the_module_would(values: dict[str, Any]) -> None:
    with pytest.raises(Rylr998ConfigError):
        Rylr998Config(**{"address": 1, **values})


def test_config_accepts_the_facts() -> None:
    config = Rylr998Config(
        address=0, network_id=18, sf=11, bw_khz=500, cr=4, preamble=4, aes_key=KEY.lower()
    )
    assert config.aes_key == KEY
    assert config.bw_code == 9
    assert "AT+PARAMETER=11,9,4,4" in config.commands()
    assert Rylr998Config(address=5).commands()[-1] == "AT+MODE=0"
    assert "AT+CPIN" not in " ".join(Rylr998Config(address=5).commands())
    # A 24-byte PANIC frame is 32 characters: about 304 ms at SF9, 86 ms at SF7.
    assert round(Rylr998Config(address=5).airtime_ms(32)) == 304
    assert round(Rylr998Config(address=5, sf=7).airtime_ms(32)) == 86
