"""The RYLR998 emulator, spoken to in raw AT over plain pyserial (FIELD-FACTS.md)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import serial

from hardware.emulators.air import Link, VirtualAir
from hardware.emulators.rylr998 import Rylr998Emulator
from hardware.radio.rylr998_at import ErrorCode, parse_rcv
from protocol.airtime import lora_airtime_ms

SCALE = 0.02
READ_TIMEOUT = 10.0
"""Generous: a loaded CI machine must not turn a slow answer into a failure."""
KEY_A = "0123456789ABCDEF0123456789ABCDEF"
KEY_B = "FEDCBA9876543210FEDCBA9876543210"


class Terminal:
    """A plain pyserial port on an emulator's path, driven from worker threads."""

    def __init__(self, port: serial.Serial) -> None:
        self.serial = port

    @classmethod
    async def open(cls, path: Path, baudrate: int = 115200) -> Terminal:
        port = await asyncio.to_thread(serial.Serial, str(path), baudrate, timeout=READ_TIMEOUT)
        return cls(port)

    async def ask(self, command: bytes | str, lines: int = 1) -> list[str]:
        """Write ``command`` (``str`` gets CR LF added) and read ``lines`` answer lines."""
        raw = command.encode("latin-1") + b"\r\n" if isinstance(command, str) else command
        return await asyncio.to_thread(self._ask, raw, lines)

    async def read_lines(self, lines: int = 1) -> list[str]:
        return await asyncio.to_thread(self._ask, b"", lines)

    async def read_for(self, seconds: float) -> bytes:
        """Whatever arrives within ``seconds`` (used only to show that nothing does)."""
        return await asyncio.to_thread(self._read_for, seconds)

    def _ask(self, raw: bytes, lines: int) -> list[str]:
        if raw:
            self.serial.write(raw)
        answers = []
        for _ in range(lines):
            line = self.serial.readline()
            assert line.endswith(b"\r\n"), f"no complete line, got {line!r}"
            answers.append(line[:-2].decode("latin-1"))
        return answers

    def _read_for(self, seconds: float) -> bytes:
        self.serial.timeout = seconds
        try:
            return self.serial.read(4096)
        finally:
            self.serial.timeout = READ_TIMEOUT

    def close(self) -> None:
        self.serial.close()


class Rig:
    """Emulators on one air, each with a pyserial terminal."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.air = VirtualAir(time_scale=SCALE, seed=1)
        self.modules: list[Rylr998Emulator] = []
        self.terminals: list[Terminal] = []

    async def module(
        self, name: str, *setup: str, **kwargs: Any
    ) -> tuple[Rylr998Emulator, Terminal]:
        emulator = Rylr998Emulator(self.air, self.directory / name, name=name, **kwargs)
        emulator.start()
        self.modules.append(emulator)
        terminal = await Terminal.open(emulator.path)
        self.terminals.append(terminal)
        for command in setup:
            assert await terminal.ask(command) == ["+OK"], command
        return emulator, terminal

    def close(self) -> None:
        for terminal in self.terminals:
            terminal.close()
        for emulator in self.modules:
            emulator.stop()


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    rig = Rig(tmp_path)
    yield rig
    rig.close()


def rcv_lines(emulator: Rylr998Emulator) -> list[str]:
    return [line for line in emulator.lines_out() if line.startswith("+RCV=")]


# --- power-up, queries, sets ----------------------------------------------------------------
async def test_ready_on_start_and_at(rig: Rig) -> None:
    module, term = await rig.module("m")
    assert module.lines_out() == ["+READY"]  # printed before anyone opened the port
    assert await term.ask("AT") == ["+OK"]
    assert module.lines_in() == ["AT"]


async def test_factory_defaults(rig: Rig) -> None:
    _, term = await rig.module("m")
    assert await term.ask("AT+ADDRESS?") == ["+ADDRESS=0"]
    assert await term.ask("AT+NETWORKID?") == ["+NETWORKID=18"]
    assert await term.ask("AT+BAND?") == ["+BAND=915000000"]
    assert await term.ask("AT+PARAMETER?") == ["+PARAMETER=9,7,1,12"]
    assert await term.ask("AT+CRFOP?") == ["+CRFOP=22"]
    assert await term.ask("AT+MODE?") == ["+MODE=0"]
    assert await term.ask("AT+IPR?") == ["+IPR=115200"]
    assert (await term.ask("AT+CPIN?"))[0].startswith("+CPIN=")
    assert (await term.ask("AT+UID?"))[0].startswith("+UID=")
    assert (await term.ask("AT+VER?"))[0].startswith("+VER=")


@pytest.mark.parametrize(
    ("command", "query", "answer"),
    [
        ("AT+ADDRESS=120", "AT+ADDRESS?", "+ADDRESS=120"),
        ("AT+ADDRESS=65535", "AT+ADDRESS?", "+ADDRESS=65535"),
        ("AT+NETWORKID=3", "AT+NETWORKID?", "+NETWORKID=3"),
        ("AT+NETWORKID=15", "AT+NETWORKID?", "+NETWORKID=15"),
        ("AT+BAND=923200000", "AT+BAND?", "+BAND=923200000"),
        ("AT+PARAMETER=7,7,4,12", "AT+PARAMETER?", "+PARAMETER=7,7,4,12"),
        ("AT+PARAMETER=10,8,2,12", "AT+PARAMETER?", "+PARAMETER=10,8,2,12"),
        ("AT+PARAMETER=11,9,3,12", "AT+PARAMETER?", "+PARAMETER=11,9,3,12"),
        ("AT+PARAMETER=9,7,1,4", "AT+PARAMETER?", "+PARAMETER=9,7,1,4"),
        ("AT+PARAMETER=9,7,1,24", "AT+PARAMETER?", "+PARAMETER=9,7,1,24"),
        ("AT+CRFOP=0", "AT+CRFOP?", "+CRFOP=0"),
        ("AT+CRFOP=14", "AT+CRFOP?", "+CRFOP=14"),
        (f"AT+CPIN={KEY_A.lower()}", "AT+CPIN?", f"+CPIN={KEY_A}"),
        ("AT+MODE=1", "AT+MODE?", "+MODE=1"),
        ("AT+MODE=2,100,1000", "AT+MODE?", "+MODE=2,100,1000"),
    ],
)
async def test_set_answers_ok_and_query_shows_it(
    rig: Rig, command: str, query: str, answer: str
) -> None:
    _, term = await rig.module("m")
    assert await term.ask(command) == ["+OK"]
    assert await term.ask(query) == [answer]


@pytest.mark.parametrize(
    "command",
    [
        "AT+ADDRESS=65536",
        "AT+ADDRESS=-1",
        "AT+ADDRESS=",
        "AT+NETWORKID=2",
        "AT+NETWORKID=16",
        "AT+NETWORKID=17",
        "AT+BAND=433000000",
        "AT+BAND=1000000000",
        "AT+PARAMETER=10,7,1,12",  # SF10 needs 250 kHz
        "AT+PARAMETER=11,8,1,12",  # SF11 needs 500 kHz
        "AT+PARAMETER=12,9,1,12",
        "AT+PARAMETER=6,7,1,12",
        "AT+PARAMETER=9,6,1,12",
        "AT+PARAMETER=9,7,5,12",
        "AT+PARAMETER=9,7,1",
        "AT+CRFOP=23",
        "AT+CPIN=0123",
        "AT+CPIN=0123456789ABCDEF0123456789ABCDEG",
        "AT+MODE=3",
        "AT+MODE=0,100,100",
        "AT+IPR=1234",
        "AT+FOO",
        "AT+FOO=1",
        "AT+ADDRESS",  # a setting is neither run nor set without a value
        "AT+RESET=1",
        "ATZ",
    ],
)
async def test_unknown_commands_and_refused_values_answer_err_4(rig: Rig, command: str) -> None:
    _, term = await rig.module("m")
    assert await term.ask(command) == ["+ERR=4"]


async def test_preamble_must_be_12_unless_network_18(rig: Rig) -> None:
    _, term = await rig.module("m")
    assert await term.ask("AT+PARAMETER=9,7,1,3") == ["+ERR=18"]
    assert await term.ask("AT+PARAMETER=9,7,1,25") == ["+ERR=18"]
    assert await term.ask("AT+NETWORKID=5") == ["+OK"]
    assert await term.ask("AT+PARAMETER=9,7,1,8") == ["+ERR=18"]
    assert await term.ask("AT+PARAMETER=9,7,1,12") == ["+OK"]
    assert await term.ask("AT+PARAMETER?") == ["+PARAMETER=9,7,1,12"]


@pytest.mark.parametrize(
    "command", ["AT+MODE=2,29,1000", "AT+MODE=2,100,60001", "AT+MODE=2,100", "AT+MODE=2,a,b"]
)
async def test_bad_mode_2_timing_answers_err_20(rig: Rig, command: str) -> None:
    _, term = await rig.module("m")
    assert await term.ask(command) == ["+ERR=20"]
    assert await term.ask("AT+MODE?") == ["+MODE=0"]


# --- framing ----------------------------------------------------------------
async def test_line_end_without_cr_answers_err_1(rig: Rig) -> None:
    _, term = await rig.module("m")
    assert await term.ask(b"AT\n") == ["+ERR=1"]
    assert await term.ask(b"AT\rAT\r\n", lines=2) == ["+ERR=1", "+OK"]
    assert await term.ask(b"AT\r\r\n", lines=2) == ["+ERR=1", "+ERR=2"]


async def test_unfinished_line_answers_err_1_after_a_pause(rig: Rig) -> None:
    _, term = await rig.module("m", line_timeout=0.2)
    assert await term.ask(b"AT") == ["+ERR=1"]
    assert await term.ask(b"AT+ADDRESS?\r") == ["+ERR=1"]
    assert await term.ask("AT") == ["+OK"]


async def test_over_long_line_answers_err_1_once_and_is_dropped(rig: Rig) -> None:
    _, term = await rig.module("m")
    assert await term.ask(b"AT+" + b"X" * 2000 + b"\r\n") == ["+ERR=1"]
    assert await term.ask("AT") == ["+OK"]


@pytest.mark.parametrize("command", [b"XAT\r\n", b"at\r\n", b"\r\n", b" AT\r\n"])
async def test_not_starting_with_at_answers_err_2(rig: Rig, command: bytes) -> None:
    _, term = await rig.module("m")
    assert await term.ask(command) == ["+ERR=2"]


async def test_wrong_line_speed_is_noise(rig: Rig) -> None:
    module, _ = await rig.module("m")
    slow = await Terminal.open(module.path, baudrate=9600)
    rig.terminals.append(slow)
    slow.serial.write(b"AT\r\n")
    assert await slow.read_for(0.3) == b""
    assert module.lines_in()[-1] == "<noise at 9600 baud>"


# --- reset ----------------------------------------------------------------
async def test_at_reset_prints_ready_and_keeps_settings(rig: Rig) -> None:
    _, term = await rig.module("m", "AT+ADDRESS=7")
    assert await term.ask("AT+RESET", lines=2) == ["+RESET", "+READY"]
    assert await term.ask("AT+ADDRESS?") == ["+ADDRESS=7"]


async def test_reset_pin_prints_ready(rig: Rig) -> None:
    module, term = await rig.module("m", "AT+ADDRESS=7")
    module.reset()
    assert await term.read_lines() == ["+READY"]
    assert await term.ask("AT+ADDRESS?") == ["+ADDRESS=7"]


async def test_factory_restores_defaults(rig: Rig) -> None:
    module, term = await rig.module("m", "AT+ADDRESS=7", "AT+NETWORKID=5", f"AT+CPIN={KEY_A}")
    assert await term.ask("AT+FACTORY") == ["+FACTORY"]
    assert await term.ask("AT+ADDRESS?") == ["+ADDRESS=0"]
    assert await term.ask("AT+NETWORKID?") == ["+NETWORKID=18"]
    assert await term.ask("AT+ADDRESS=9") == ["+OK"]
    module.factory_reset()
    assert await term.read_lines() == ["+READY"]
    assert await term.ask("AT+ADDRESS?") == ["+ADDRESS=0"]


async def test_a_hung_module_answers_only_after_a_reset(rig: Rig) -> None:
    module, term = await rig.module("m")
    module.hung = True
    term.serial.write(b"AT\r\n")
    assert await term.read_for(0.2) == b""
    module.reset()
    assert await term.ask("AT", lines=2) == ["+READY", "+OK"]


async def test_vanish_and_reappear(rig: Rig) -> None:
    module, term = await rig.module("m", "AT+ADDRESS=7")
    module.vanish()
    assert not module.path.exists()
    with pytest.raises(serial.SerialException):
        await term.read_for(0.5)
    module.reappear()
    again = await Terminal.open(module.path)
    rig.terminals.append(again)
    assert await again.ask("AT+ADDRESS?") == ["+ADDRESS=7"]  # kept in flash


# --- sending and receiving ----------------------------------------------------------------
async def test_send_answers_ok_after_its_time_on_air(rig: Rig) -> None:
    sender, term = await rig.module("a", "AT+ADDRESS=1")
    assert await term.ask("AT+SEND=2,5,HELLO") == ["+OK"]
    tx = rig.air.history[-1]
    expected_ms = lora_airtime_ms(5 + 8, sf=9, bw_hz=125_000, cr=1, preamble=12)
    assert tx.end - tx.start == pytest.approx(expected_ms / 1000.0 * SCALE)
    assert tx.end <= asyncio.get_running_loop().time()
    assert tx.info == {"from": 1, "to": 2, "cpin": None}
    assert await term.ask("AT+SEND?") == ["+SEND=2,5,HELLO"]
    assert not sender.transmitting


async def test_send_errors(rig: Rig) -> None:
    module, term = await rig.module("a", max_airtime_ms=400.0)
    assert await term.ask("AT+SEND=0,5,HI") == ["+ERR=5"]
    assert await term.ask("AT+SEND=0,1,HI") == ["+ERR=5"]
    assert await term.ask("AT+SEND=0,0,") == ["+ERR=5"]
    assert await term.ask("AT+SEND=0,x,HI") == ["+ERR=5"]
    assert await term.ask("AT+SEND=0,241," + "x" * 241) == ["+ERR=13"]
    assert await term.ask("AT+SEND=0,240," + "x" * 241) == ["+ERR=13"]
    assert await term.ask("AT+SEND=65536,2,HI") == ["+ERR=4"]
    assert await term.ask("AT+SEND=0,2") == ["+ERR=4"]
    assert await term.ask("AT+SEND=0,200," + "x" * 200) == ["+ERR=10"]  # > 400 ms at SF9
    module.fail_next("SEND", ErrorCode.FLASH_WRITE)
    assert await term.ask("AT+SEND=0,2,HI") == ["+ERR=14"]
    assert await term.ask("AT+SEND=0,240," + "x" * 240) == ["+ERR=10"]
    assert rig.air.stats.transmissions == 0


async def test_send_while_sending_answers_err_17(rig: Rig) -> None:
    rig.air = VirtualAir(time_scale=1.0)  # ~200 ms on air: both commands land during it
    _, term = await rig.module("a")
    both = b"AT+SEND=0,4,ABCD\r\nAT+SEND=0,4,EFGH\r\n"
    assert await term.ask(both, lines=2) == ["+ERR=17", "+OK"]
    assert [tx.payload for tx in rig.air.history] == [b"ABCD"]


async def test_two_modules_exchange_data_with_commas(rig: Rig) -> None:
    a, term_a = await rig.module("a", "AT+ADDRESS=1")
    b, term_b = await rig.module("b", "AT+ADDRESS=2")
    rig.air.set_link("a", "b", Link(rssi=-99, snr=-4.0))
    data = "hola,mundo,,"
    assert await term_a.ask(f"AT+SEND=2,{len(data)},{data}") == ["+OK"]
    (line,) = await term_b.read_lines()
    heard = parse_rcv(line)
    assert (heard.address, heard.data) == (1, data)
    assert -101 <= heard.rssi <= -97
    assert -5 <= heard.snr <= -3
    assert line == f"+RCV=1,12,{data},{heard.rssi},{int(heard.snr)}"
    assert await term_b.ask("AT+SEND=1,4,RESP") == ["+OK"]
    assert parse_rcv((await term_a.read_lines())[0]).data == "RESP"
    assert len(rcv_lines(a)) == len(rcv_lines(b)) == 1
    assert rcv_lines(a)[0].startswith("+RCV=2,4,RESP,")


async def test_addressed_and_broadcast(rig: Rig) -> None:
    _, term_1 = await rig.module("one", "AT+ADDRESS=1")
    two, term_2 = await rig.module("two", "AT+ADDRESS=2")
    three, term_3 = await rig.module("three", "AT+ADDRESS=3")
    assert await term_1.ask("AT+SEND=2,3,TWO") == ["+OK"]
    # Delivery happens as the packet ends, before the sender's +OK: nothing more will come.
    assert [parse_rcv(x).data for x in rcv_lines(two)] == ["TWO"]
    assert rcv_lines(three) == []
    assert await term_1.ask("AT+SEND=0,3,ALL") == ["+OK"]
    assert [parse_rcv(x).data for x in await term_2.read_lines(2)] == ["TWO", "ALL"]
    assert [parse_rcv(x).data for x in await term_3.read_lines()] == ["ALL"]


async def test_other_network_id_does_not_hear(rig: Rig) -> None:
    _, term_1 = await rig.module("one", "AT+ADDRESS=1")
    same, _ = await rig.module("same", "AT+ADDRESS=2")
    other, _ = await rig.module("other", "AT+ADDRESS=3", "AT+NETWORKID=5")
    assert await term_1.ask("AT+SEND=0,2,HI") == ["+OK"]
    assert len(rcv_lines(same)) == 1
    assert rcv_lines(other) == []


async def test_other_cpin_does_not_hear(rig: Rig) -> None:
    _, term_1 = await rig.module("one", "AT+ADDRESS=1", f"AT+CPIN={KEY_A}")
    same, _ = await rig.module("same", "AT+ADDRESS=2", f"AT+CPIN={KEY_A}")
    other, _ = await rig.module("other", "AT+ADDRESS=3", f"AT+CPIN={KEY_B}")
    none, _ = await rig.module("none", "AT+ADDRESS=4")
    assert await term_1.ask("AT+SEND=0,2,HI") == ["+OK"]
    assert len(rcv_lines(same)) == 1
    assert rcv_lines(other) == rcv_lines(none) == []


async def test_mode_1_sleeps(rig: Rig) -> None:
    _, term_1 = await rig.module("one", "AT+ADDRESS=1")
    sleeper, term_2 = await rig.module("two", "AT+ADDRESS=2", "AT+MODE=1")
    assert await term_1.ask("AT+SEND=2,2,HI") == ["+OK"]
    assert rcv_lines(sleeper) == []
    assert await term_2.ask("AT+MODE=0") == ["+OK"]
    assert await term_1.ask("AT+SEND=2,5,AWAKE") == ["+OK"]
    assert parse_rcv((await term_2.read_lines())[0]).data == "AWAKE"


async def test_injected_lines_reach_the_port(rig: Rig) -> None:
    module, term = await rig.module("m")
    module.inject_receive_error()
    module.inject_line("+RCV=5,3,abc,-40,7")
    module.inject_bytes(b"\x00\xffjunk\r\n")
    assert await term.read_lines(3) == ["+ERR=12", "+RCV=5,3,abc,-40,7", "\x00\xffjunk"]
    assert module.lines_out()[-3:] == ["+ERR=12", "+RCV=5,3,abc,-40,7", "\x00\xffjunk\r\n"]
