"""An emulated REYAX RYLR998 on a pseudo-terminal, heard through a :class:`VirtualAir`.

It answers the AT commands of FIELD-FACTS.md at 115200 8N1, exactly as written there, so
the driver can be tested against it with the same byte stream a real module produces. What
it adds or simplifies is listed in ``hardware/docs/rylr998.md`` ("The emulator").

A command line ends at ``\\r\\n``. A line end that is only half there — a ``\\n`` without
the ``\\r`` before it, a ``\\r`` followed by anything but ``\\n``, or a line left unfinished
for ``line_timeout`` seconds — answers ``+ERR=1`` and the line is dropped.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, Literal

from hardware.emulators.air import VirtualAir
from hardware.emulators.pty import EmulatedSerialPort
from hardware.radio.rylr998_at import (
    ADDRESS_RANGE,
    BAND_RANGE_HZ,
    BAUDRATE,
    BROADCAST,
    BW_CODES,
    DEFAULT_BAND_HZ,
    DEFAULT_NETWORK_ID,
    DEFAULT_PARAMETER,
    ENCODING,
    MAX_DATA,
    MODE2_RANGE_MS,
    NETWORK_IDS,
    TX_POWER_RANGE_DBM,
    ErrorCode,
    format_rcv,
    modulation_problem,
    parse_uint,
    preamble_allowed,
    send_airtime_ms,
)

LINE_CAP: Final = 512
"""Longest command line kept (an ``AT+SEND`` of 240 bytes is 256 characters)."""
CPIN_UNSET_ANSWER: Final = "No Password!"
"""What ``AT+CPIN?`` shows while no key is set (*unverified*)."""
IPR_RATES: Final = frozenset({300, 1200, 4800, 9600, 19200, 28800, 38400, 57600, 115200})

Op = Literal["run", "query", "set"]
Answer = str | ErrorCode | None
"""A handler's answer: a line to print, an error to print, or None (already printed)."""


@dataclass(slots=True)
class ModuleSettings:
    """What the module keeps in flash (``AT+FACTORY`` restores these defaults).

    Fields named after their AT command, lowercased.
    """

    address: int = 0
    networkid: int = DEFAULT_NETWORK_ID
    band: int = DEFAULT_BAND_HZ
    sf: int = DEFAULT_PARAMETER[0]
    bw_code: int = DEFAULT_PARAMETER[1]
    cr: int = DEFAULT_PARAMETER[2]
    preamble: int = DEFAULT_PARAMETER[3]
    crfop: int = TX_POWER_RANGE_DBM[1]
    cpin: str | None = None
    mode: int = 0
    rx_ms: int = 0
    sleep_ms: int = 0
    ipr: int = BAUDRATE


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    """One line the module read (``in``) or printed (``out``), without its CR LF."""

    direction: Literal["in", "out"]
    text: str


class Rylr998Emulator:
    """One emulated module: a serial port on one side, the virtual air on the other."""

    def __init__(
        self,
        air: VirtualAir,
        path: Path,
        *,
        name: str,
        seed: int = 0,
        line_timeout: float = 0.5,
        band_range_hz: tuple[int, int] = BAND_RANGE_HZ,
        max_airtime_ms: float | None = None,
        transcript_limit: int = 10_000,
    ) -> None:
        self._air = air
        self._name = name
        self.path = Path(path)
        self.line_timeout = line_timeout
        self.band_range_hz = band_range_hz
        self.max_airtime_ms = max_airtime_ms
        """When set, an ``AT+SEND`` longer on air answers ``+ERR=10`` (off by default)."""
        self.settings = ModuleSettings()
        self.transcript: deque[TranscriptLine] = deque(maxlen=transcript_limit)
        self.uid = f"{random.Random(seed).getrandbits(96):024X}"  # noqa: S311 - an id
        self._port = EmulatedSerialPort(self.path, self._on_bytes)
        self._powered = False
        self._line = bytearray()
        self._cr_pending = False
        self._discarding = False
        self._line_timer: asyncio.TimerHandle | None = None
        self._tx: asyncio.Future[Any] | None = None
        self._owes_ok = False
        self._last_send = "0,0,"
        self._mode_since = 0.0
        self.hung = False
        """A stuck firmware: input ignored until :meth:`reset` (the RST pin)."""
        self._failures: dict[str, list[ErrorCode]] = {}
        self._numbers: dict[str, Callable[[int], bool]] = {
            "ADDRESS": lambda v: ADDRESS_RANGE[0] <= v <= ADDRESS_RANGE[1],
            "NETWORKID": lambda v: v in NETWORK_IDS,
            "BAND": lambda v: self.band_range_hz[0] <= v <= self.band_range_hz[1],
            "CRFOP": lambda v: TX_POWER_RANGE_DBM[0] <= v <= TX_POWER_RANGE_DBM[1],
            "IPR": lambda v: v in IPR_RATES,
        }
        self._handlers: dict[str, Callable[[Op, str], Answer]] = {
            "PARAMETER": self._parameter,
            "CPIN": self._cpin,
            "MODE": self._mode,
            "SEND": self._send,
            "RESET": self._reset_command,
            "FACTORY": self._factory_command,
            "UID": self._uid,
            "VER": self._version,
        }

    # --- AirModule -----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    def air_channel(self) -> Hashable:
        s = self.settings
        return ("rylr998", s.band, s.networkid, s.sf, s.bw_code)

    def is_listening(self) -> bool:
        if not self._powered or self.settings.mode == 1:
            return False
        if self.settings.mode == 2:
            elapsed_ms = (asyncio.get_running_loop().time() - self._mode_since) * 1000.0
            period = self.settings.rx_ms + self.settings.sleep_ms
            return (elapsed_ms / self._air.time_scale) % period < self.settings.rx_ms
        return True

    def deliver(self, payload: bytes, rssi: int, snr: float, info: Mapping[str, Any]) -> None:
        if info.get("cpin") != self.settings.cpin:
            return  # the module's AES: noise to a module with another key
        if info.get("to") not in (BROADCAST, self.settings.address):
            return
        self._print(format_rcv(int(info["from"]), payload.decode(ENCODING), rssi, snr))

    # --- life cycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Power up: open the port, join the air, print ``+READY``."""
        self._port.open()
        self._air.join(self)
        self._power_up()

    def stop(self) -> None:
        """Power off and remove the port."""
        self._power_down()
        self._air.leave(self)
        self._port.close()

    def reset(self) -> None:
        """A reset (RST pin or ``AT+RESET``): settings kept, ``+READY`` printed."""
        self._power_down()
        self._power_up()

    def factory_reset(self) -> None:
        """Restore the factory settings, as ``AT+FACTORY`` does, then reset."""
        self.settings = ModuleSettings()
        self.reset()

    def vanish(self) -> None:
        """The USB adapter is pulled out: the port disappears and the module loses power."""
        self._power_down()
        self._port.vanish()

    def reappear(self) -> None:
        """Plugged back in: same path, module powered up (its ``+READY`` likely unseen)."""
        self._port.reappear()
        self._power_up()

    def _power_up(self) -> None:
        self._powered = True
        self._mode_since = asyncio.get_running_loop().time()
        self._print("+READY")

    def _power_down(self) -> None:
        self._powered = self.hung = False
        self._owes_ok = False  # a packet already on air ends there; its +OK is never printed
        self._clear_line()

    # --- test hooks ----------------------------------------------------------------------------
    def inject_line(self, text: str) -> None:
        """Print any line, e.g. ``+ERR=12`` (a CRC error on reception)."""
        self._print(text)

    def inject_receive_error(self, code: ErrorCode = ErrorCode.RX_CRC) -> None:
        self._print(f"+ERR={int(code)}")

    def fail_next(self, command: str, code: ErrorCode, times: int = 1) -> None:
        """Answer the next ``times`` sets of ``command`` (e.g. ``SEND``) with ``+ERR=code``."""
        self._failures.setdefault(command, []).extend([code] * times)

    def inject_bytes(self, raw: bytes) -> None:
        """Write raw bytes to the port (line noise, a line without its end)."""
        self.transcript.append(TranscriptLine("out", raw.decode(ENCODING)))
        self._port.write(raw)

    def lines_in(self) -> list[str]:
        return [t.text for t in self.transcript if t.direction == "in"]

    def lines_out(self) -> list[str]:
        return [t.text for t in self.transcript if t.direction == "out"]

    @property
    def transmitting(self) -> bool:
        """A packet of this module is on air (even if the module reset since)."""
        return self._tx is not None

    # --- serial input -------------------------------------------------------------------------
    def _print(self, text: str) -> None:
        self.transcript.append(TranscriptLine("out", text))
        self._port.write(text.encode(ENCODING) + b"\r\n")

    def _on_bytes(self, data: bytes) -> None:
        if not self._powered or self.hung:
            return
        speed = self._port.baudrate()
        if speed is not None and speed != self.settings.ipr:
            self.transcript.append(TranscriptLine("in", f"<noise at {speed} baud>"))
            return
        for byte in data:
            if byte == 0x0A:  # \n
                if self._cr_pending:
                    self._end_line()
                else:
                    self._bad_line_end()
            elif byte == 0x0D:  # \r
                if self._cr_pending:
                    self._bad_line_end()
                self._cr_pending = True
            else:
                if self._cr_pending:
                    self._bad_line_end()
                if self._discarding:
                    continue
                if len(self._line) >= LINE_CAP:
                    self._discarding = True
                    self._error(ErrorCode.MISSING_CRLF)
                    continue
                self._line.append(byte)
        self._arm_line_timer()

    def _arm_line_timer(self) -> None:
        if self._line_timer is not None:
            self._line_timer.cancel()
            self._line_timer = None
        if self._line or self._cr_pending:
            loop = asyncio.get_running_loop()
            self._line_timer = loop.call_later(self.line_timeout, self._line_timed_out)

    def _line_timed_out(self) -> None:
        self._line_timer = None
        if self._powered and (self._line or self._cr_pending):
            self._bad_line_end()

    def _bad_line_end(self) -> None:
        text = self._line.decode(ENCODING)
        discarding = self._discarding
        self._clear_line()
        if not discarding:
            self.transcript.append(TranscriptLine("in", text))
            self._error(ErrorCode.MISSING_CRLF)

    def _end_line(self) -> None:
        text = self._line.decode(ENCODING)
        discarding = self._discarding
        self._clear_line()
        if not discarding:
            self._handle(text)

    def _clear_line(self) -> None:
        self._line.clear()
        self._cr_pending = False
        self._discarding = False
        if self._line_timer is not None:
            self._line_timer.cancel()
            self._line_timer = None

    def _error(self, code: ErrorCode) -> None:
        self._print(f"+ERR={int(code)}")

    # --- commands ------------------------------------------------------------------------------
    def _handle(self, line: str) -> None:
        self.transcript.append(TranscriptLine("in", line))
        if not line.startswith("AT"):
            self._error(ErrorCode.NOT_AT)
            return
        if line == "AT":
            self._print("+OK")
            return
        if not line.startswith("AT+"):
            self._error(ErrorCode.UNKNOWN_COMMAND)
            return
        name, equals, argument = line[3:].partition("=")
        op: Op = "set" if equals else "run"
        if not equals and name.endswith("?"):
            name, op = name[:-1], "query"
        handler = self._handlers.get(name)
        failures = self._failures.get(name)
        answer: Answer
        if failures and op == "set":
            answer = failures.pop(0)
        elif name in self._numbers:
            answer = self._number(op, argument, name)
        else:
            answer = handler(op, argument) if handler is not None else ErrorCode.UNKNOWN_COMMAND
        if isinstance(answer, ErrorCode):
            self._error(answer)
        elif answer is not None:
            self._print(answer)

    def _number(self, op: Op, argument: str, name: str) -> Answer:
        if op == "query":
            return f"+{name}={getattr(self.settings, name.lower())}"
        value = parse_uint(argument) if op == "set" else None
        if value is None or not self._numbers[name](value):
            return ErrorCode.UNKNOWN_COMMAND
        setattr(self.settings, name.lower(), value)
        return "+OK"

    def _parameter(self, op: Op, argument: str) -> Answer:
        s = self.settings
        if op == "query":
            return f"+PARAMETER={s.sf},{s.bw_code},{s.cr},{s.preamble}"
        fields = [parse_uint(part) for part in argument.split(",")] if op == "set" else []
        if len(fields) != 4 or any(f is None for f in fields):
            return ErrorCode.UNKNOWN_COMMAND
        sf, bw_code, cr, preamble = (int(f) for f in fields if f is not None)
        if modulation_problem(sf, bw_code, cr) is not None:
            return ErrorCode.UNKNOWN_COMMAND
        if not preamble_allowed(preamble, s.networkid):
            return ErrorCode.PREAMBLE_NOT_ALLOWED
        s.sf, s.bw_code, s.cr, s.preamble = sf, bw_code, cr, preamble
        return "+OK"

    def _cpin(self, op: Op, argument: str) -> Answer:
        if op == "query":
            return f"+CPIN={self.settings.cpin or CPIN_UNSET_ANSWER}"
        if op != "set" or len(argument) != 32:
            return ErrorCode.UNKNOWN_COMMAND
        try:
            bytes.fromhex(argument)
        except ValueError:
            return ErrorCode.UNKNOWN_COMMAND
        self.settings.cpin = argument.upper()
        return "+OK"

    def _mode(self, op: Op, argument: str) -> Answer:
        s = self.settings
        if op == "query":
            return f"+MODE={s.mode},{s.rx_ms},{s.sleep_ms}" if s.mode == 2 else f"+MODE={s.mode}"
        parts = argument.split(",") if op == "set" else [""]
        if parts[0] in ("0", "1") and len(parts) == 1:
            s.mode, s.rx_ms, s.sleep_ms = int(parts[0]), 0, 0
        elif parts[0] == "2":
            times = [parse_uint(part) for part in parts[1:]]
            low, high = MODE2_RANGE_MS
            if len(times) != 2 or not all(t is not None and low <= t <= high for t in times):
                return ErrorCode.BAD_MODE2_TIMING
            s.mode, s.rx_ms, s.sleep_ms = 2, int(parts[1]), int(parts[2])
        else:
            return ErrorCode.UNKNOWN_COMMAND
        self._mode_since = asyncio.get_running_loop().time()
        return "+OK"

    def _uid(self, op: Op, argument: str) -> Answer:
        return f"+UID={self.uid}" if op == "query" else ErrorCode.UNKNOWN_COMMAND

    def _version(self, op: Op, argument: str) -> Answer:
        return "+VER=RYLR998_SERENO_EMULATOR" if op == "query" else ErrorCode.UNKNOWN_COMMAND

    def _reset_command(self, op: Op, argument: str) -> Answer:
        if op != "run":
            return ErrorCode.UNKNOWN_COMMAND
        self._print("+RESET")
        self.reset()
        return None

    def _factory_command(self, op: Op, argument: str) -> Answer:
        if op != "run":
            return ErrorCode.UNKNOWN_COMMAND
        self.settings = replace(ModuleSettings(), ipr=self.settings.ipr)
        return "+FACTORY"

    def _send(self, op: Op, argument: str) -> Answer:
        if op == "query":
            return f"+SEND={self._last_send}"
        parts = argument.split(",", 2) if op == "set" else []
        if len(parts) != 3:
            return ErrorCode.UNKNOWN_COMMAND
        address, length = parse_uint(parts[0]), parse_uint(parts[1])
        data = parts[2]
        if address is None or address > ADDRESS_RANGE[1]:
            return ErrorCode.UNKNOWN_COMMAND
        if length is None:
            return ErrorCode.LENGTH_MISMATCH
        if length > MAX_DATA or len(data) > MAX_DATA:
            return ErrorCode.DATA_TOO_LONG
        if length == 0 or len(data) != length:
            return ErrorCode.LENGTH_MISMATCH
        if self._tx is not None:
            return ErrorCode.TX_BUSY
        s = self.settings
        airtime = send_airtime_ms(
            length, sf=s.sf, bw_khz=BW_CODES[s.bw_code], cr=s.cr, preamble=s.preamble
        )
        if self.max_airtime_ms is not None and airtime > self.max_airtime_ms:
            return ErrorCode.TX_TIME_OVER
        info = {"from": s.address, "to": address, "cpin": s.cpin}
        tx = self._air.transmit(self, data.encode(ENCODING), airtime, info)
        self._tx, self._owes_ok = tx, True
        self._last_send = argument
        tx.add_done_callback(self._sent)
        return None

    def _sent(self, tx: asyncio.Future[Any]) -> None:
        if tx is self._tx:
            self._tx = None
            if self._owes_ok:
                self._owes_ok = False
                self._print("+OK")
