"""The REYAX RYLR998 AT dialect: error codes, value rules, ``+RCV`` lines, line framing.

Shared by the driver (:mod:`hardware.radio.rylr998`) and the emulator
(:mod:`hardware.emulators.rylr998`), so both read FIELD-FACTS.md the same way:

- every command ends with ``\\r\\n``; ``?`` queries answer ``+NAME=value``; sets answer
  ``+OK``; failures answer ``+ERR=n``; power-up and ``AT+RESET`` print ``+READY``;
- ``AT+PARAMETER=SF,BW,CR,preamble`` with BW codes 7/8/9 = 125/250/500 kHz, SF 7..9 at
  125 kHz (7..10 at 250, 7..11 at 500), CR 1..4, preamble 12 unless NETWORKID is 18
  (then 4..24);
- ``+RCV=<addr>,<len>,<data>,<RSSI>,<SNR>``, where the data may hold commas: exactly
  ``<len>`` bytes follow the second comma.

Lines are decoded as Latin-1 on both sides, so one byte is one character and ``<len>``
counts both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Final

from hardware.errors import HardwareError
from protocol.airtime import RYLR998_OVERHEAD, lora_airtime_ms

BAUDRATE: Final = 115200
"""The module's factory line speed (8N1)."""

ENCODING: Final = "latin-1"
"""One byte per character, so ``<len>`` counts bytes and characters alike."""

MAX_DATA: Final = 240
"""Most bytes of data one ``AT+SEND`` carries."""

ADDRESS_RANGE: Final = (0, 65535)
BROADCAST: Final = 0
NETWORK_IDS: Final = frozenset({*range(3, 16), 18})
DEFAULT_NETWORK_ID: Final = 18
BAND_RANGE_HZ: Final = (820_000_000, 960_000_000)
"""Frequencies the module accepts. *Unverified* (datasheet memory: 820–960 MHz); Chile
uses 915–928 MHz (AU915)."""
DEFAULT_BAND_HZ: Final = 915_000_000
BW_CODES: Final = {7: 125, 8: 250, 9: 500}
"""``AT+PARAMETER`` bandwidth code → kHz."""
MAX_SF_BY_BW_KHZ: Final = {125: 9, 250: 10, 500: 11}
MIN_SF: Final = 7
CR_RANGE: Final = (1, 4)
FIXED_PREAMBLE: Final = 12
FREE_PREAMBLE_RANGE: Final = (4, 24)
"""Preambles allowed when NETWORKID is 18; any other network id needs exactly 12."""
TX_POWER_RANGE_DBM: Final = (0, 22)
MODE2_RANGE_MS: Final = (30, 60000)
"""RX and sleep times ``AT+MODE=2`` accepts. *Unverified* (vendor manual memory)."""
DEFAULT_PARAMETER: Final = (9, 7, 1, 12)
"""Factory ``AT+PARAMETER``: SF9, 125 kHz, CR 4/5, preamble 12."""


class ErrorCode(IntEnum):
    """``+ERR=n`` codes of the RYLR998 (FIELD-FACTS.md)."""

    MISSING_CRLF = 1
    NOT_AT = 2
    UNKNOWN_COMMAND = 4
    LENGTH_MISMATCH = 5
    TX_TIME_OVER = 10
    RX_CRC = 12
    DATA_TOO_LONG = 13
    FLASH_WRITE = 14
    UNKNOWN_ERROR = 15
    TX_BUSY = 17
    PREAMBLE_NOT_ALLOWED = 18
    RX_HEADER = 19
    BAD_MODE2_TIMING = 20

    @property
    def meaning(self) -> str:
        """What the code means, in English (logs, exceptions)."""
        return _MEANINGS[self]

    def describe(self) -> str:
        """What the code means, in Spanish, for installers."""
        return _DESCRIPCIONES[self]


_MEANINGS: Final = {
    ErrorCode.MISSING_CRLF: "command not ended by CR LF",
    ErrorCode.NOT_AT: "command does not start with AT",
    ErrorCode.UNKNOWN_COMMAND: "unknown command (or a value it does not accept)",
    ErrorCode.LENGTH_MISMATCH: "data length does not match the length given",
    ErrorCode.TX_TIME_OVER: "transmit time over the limit",
    ErrorCode.RX_CRC: "CRC error on a received packet",
    ErrorCode.DATA_TOO_LONG: "data over 240 bytes",
    ErrorCode.FLASH_WRITE: "writing the settings to flash failed",
    ErrorCode.UNKNOWN_ERROR: "unknown error",
    ErrorCode.TX_BUSY: "previous transmission not finished",
    ErrorCode.PREAMBLE_NOT_ALLOWED: "preamble not allowed (12 unless NETWORKID is 18)",
    ErrorCode.RX_HEADER: "header error on a received packet",
    ErrorCode.BAD_MODE2_TIMING: "MODE 2 receive/sleep times not allowed",
}

_DESCRIPCIONES: Final = {
    ErrorCode.MISSING_CRLF: "el comando no terminó en CR LF",
    ErrorCode.NOT_AT: "el comando no empieza con AT",
    ErrorCode.UNKNOWN_COMMAND: "comando desconocido o valor no aceptado",
    ErrorCode.LENGTH_MISMATCH: "el largo de los datos no coincide con el indicado",
    ErrorCode.TX_TIME_OVER: "el tiempo de transmisión supera el límite",
    ErrorCode.RX_CRC: "error de CRC en un paquete recibido",
    ErrorCode.DATA_TOO_LONG: "datos de más de 240 bytes",
    ErrorCode.FLASH_WRITE: "no se pudo guardar la configuración en la memoria del módulo",
    ErrorCode.UNKNOWN_ERROR: "error desconocido del módulo",
    ErrorCode.TX_BUSY: "la transmisión anterior aún no termina",
    ErrorCode.PREAMBLE_NOT_ALLOWED: "preámbulo no permitido (12, salvo con NETWORKID 18)",
    ErrorCode.RX_HEADER: "error de encabezado en un paquete recibido",
    ErrorCode.BAD_MODE2_TIMING: "tiempos de MODE 2 no permitidos",
}

RECEIVE_ERRORS: Final = frozenset({ErrorCode.RX_CRC, ErrorCode.RX_HEADER})
"""Codes the module prints on its own about reception: never the answer to a command."""


def error_meaning(code: int) -> str:
    """English meaning of any ``+ERR`` code, known or not."""
    try:
        return ErrorCode(code).meaning
    except ValueError:
        return f"undocumented error code {code}"


class AtSyntaxError(HardwareError, ValueError):
    """A line from or to the module does not follow the AT dialect."""


# --- value rules -------------------------------------------------------------------------
def modulation_problem(sf: int, bw_code: int, cr: int) -> str | None:
    """Why SF/BW code/CR are refused, or None when the module accepts them."""
    bw_khz = BW_CODES.get(bw_code)
    if bw_khz is None:
        return f"bandwidth code must be one of {sorted(BW_CODES)}, got {bw_code}"
    if not MIN_SF <= sf <= MAX_SF_BY_BW_KHZ[bw_khz]:
        return f"SF must be {MIN_SF}..{MAX_SF_BY_BW_KHZ[bw_khz]} at {bw_khz} kHz, got {sf}"
    if not CR_RANGE[0] <= cr <= CR_RANGE[1]:
        return f"CR must be {CR_RANGE[0]}..{CR_RANGE[1]}, got {cr}"
    return None


def preamble_allowed(preamble: int, network_id: int) -> bool:
    """Preamble 12 always; 4..24 only with NETWORKID 18."""
    if network_id == DEFAULT_NETWORK_ID:
        return FREE_PREAMBLE_RANGE[0] <= preamble <= FREE_PREAMBLE_RANGE[1]
    return preamble == FIXED_PREAMBLE


def send_airtime_ms(data_len: int, *, sf: int, bw_khz: int, cr: int, preamble: int) -> float:
    """Unscaled time on air of an ``AT+SEND`` of ``data_len`` bytes (the module adds 8)."""
    return lora_airtime_ms(
        data_len + RYLR998_OVERHEAD, sf=sf, bw_hz=bw_khz * 1000, cr=cr, preamble=preamble
    )


_DECIMAL: Final = re.compile(r"[0-9]{1,10}")
_SIGNED: Final = re.compile(r"-?[0-9]{1,4}(?:\.[0-9]{1,3})?")


def parse_uint(text: str) -> int | None:
    """A plain decimal (no sign, no spaces), or None."""
    return int(text) if _DECIMAL.fullmatch(text) else None


# --- +RCV ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Received:
    """One ``+RCV`` line."""

    address: int
    """The sender's ADDRESS."""
    data: str
    rssi: int
    snr: float


def format_rcv(address: int, data: str, rssi: int, snr: float) -> str:
    """``+RCV=<addr>,<len>,<data>,<RSSI>,<SNR>`` (SNR printed as a whole number)."""
    return f"+RCV={address},{len(data)},{data},{rssi},{round(snr)}"


def parse_rcv(line: str) -> Received:
    """Parse a ``+RCV`` line by its ``<len>``; raises :class:`AtSyntaxError`."""
    if not line.startswith("+RCV="):
        raise AtSyntaxError(f"not a +RCV line: {line[:40]!r}")
    head, sep, rest = line[5:].partition(",")
    length_text, sep2, rest = rest.partition(",")
    address, length = parse_uint(head), parse_uint(length_text)
    if not (sep and sep2) or address is None or length is None:
        raise AtSyntaxError(f"+RCV without address and length: {line[:40]!r}")
    if address > ADDRESS_RANGE[1] or length > MAX_DATA or len(rest) < length + 1:
        raise AtSyntaxError(f"+RCV with a bad address or length: {line[:40]!r}")
    data, comma, tail = rest[:length], rest[length], rest[length + 1 :]
    rssi_text, sep3, snr_text = tail.partition(",")
    if comma != "," or not sep3 or not _SIGNED.fullmatch(rssi_text):
        raise AtSyntaxError(f"+RCV without RSSI and SNR after the data: {line[:40]!r}")
    if not _SIGNED.fullmatch(snr_text) or "." in rssi_text:
        raise AtSyntaxError(f"+RCV with a bad SNR: {line[:40]!r}")
    return Received(address=address, data=data, rssi=int(rssi_text), snr=float(snr_text))


def parse_error(line: str) -> int | None:
    """The code of a ``+ERR=n`` line, or None for any other line."""
    if not line.startswith("+ERR="):
        return None
    return parse_uint(line[5:])


def answers(command: str, line: str) -> bool:
    """Whether ``line`` can be the module's answer to ``command``.

    ``+ERR=n`` answers anything (but 12 and 19, which are about reception); a query
    ``AT+X?`` is answered ``+X=…``; ``AT+RESET`` and ``AT+FACTORY`` echo their name;
    everything else is answered ``+OK``.
    """
    code = parse_error(line)
    if code is not None:
        return code not in RECEIVE_ERRORS
    if command.startswith("AT+") and command.endswith("?"):
        return line.startswith(f"+{command[3:-1]}=")
    if command in ("AT+RESET", "AT+FACTORY"):
        return line == command[2:]
    return line == "+OK"


# --- framing of what the module prints -------------------------------------------------------
@dataclass(slots=True)
class LineBuffer:
    """Splits the module's output into lines, never holding more than ``cap`` bytes.

    Lines end in ``\\n`` (a ``\\r`` before it is dropped). Junk that never brings a line end
    is thrown away once it passes ``cap``, together with the rest of that line.
    """

    cap: int = 1024
    overflows: int = 0
    _buffer: bytearray = field(default_factory=bytearray)
    _skipping: bool = False

    def feed(self, data: bytes) -> list[str]:
        lines: list[str] = []
        self._buffer += data
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                break
            raw = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if self._skipping:
                self._skipping = False
                continue
            lines.append(raw.removesuffix(b"\r").decode(ENCODING))
        if len(self._buffer) > self.cap:
            self._buffer.clear()
            self._skipping = True
            self.overflows += 1
        return lines

    def clear(self) -> None:
        self._buffer.clear()
        self._skipping = False


# --- the driver's configuration ----------------------------------------------------------------
class Rylr998ConfigError(HardwareError, ValueError):
    """A :class:`Rylr998Config` value the module would refuse."""


_AES_KEY: Final = re.compile(r"[0-9A-Fa-f]{32}")


@dataclass(frozen=True, slots=True)
class Rylr998Config:
    """How Sereno sets up one RYLR998. Defaults are the module's factory settings."""

    address: int
    network_id: int = DEFAULT_NETWORK_ID
    band_hz: int = DEFAULT_BAND_HZ
    sf: int = DEFAULT_PARAMETER[0]
    bw_khz: int = 125
    cr: int = DEFAULT_PARAMETER[2]
    preamble: int = DEFAULT_PARAMETER[3]
    tx_power_dbm: int = TX_POWER_RANGE_DBM[1]
    aes_key: str | None = None
    """The module's own AES key (``AT+CPIN``), 32 hex digits, or None to leave it unset."""

    def __post_init__(self) -> None:
        def check(name: str, value: object, low: int, high: int) -> None:
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise Rylr998ConfigError(f"{name} must be an integer {low}..{high}, got {value!r}")

        check("address", self.address, *ADDRESS_RANGE)
        if self.network_id not in NETWORK_IDS or isinstance(self.network_id, bool):
            raise Rylr998ConfigError(f"network_id must be 3..15 or 18, got {self.network_id!r}")
        check("band_hz", self.band_hz, *BAND_RANGE_HZ)
        check("tx_power_dbm", self.tx_power_dbm, *TX_POWER_RANGE_DBM)
        check("preamble", self.preamble, 0, 255)
        bw_codes = {khz: code for code, khz in BW_CODES.items()}
        if self.bw_khz not in bw_codes or isinstance(self.bw_khz, bool):
            raise Rylr998ConfigError(f"bw_khz must be 125, 250 or 500, got {self.bw_khz!r}")
        check("sf", self.sf, 0, 12)
        check("cr", self.cr, 0, 9)
        problem = modulation_problem(self.sf, bw_codes[self.bw_khz], self.cr)
        if problem is not None:
            raise Rylr998ConfigError(problem)
        if not preamble_allowed(self.preamble, self.network_id):
            raise Rylr998ConfigError(
                f"preamble must be 12 unless network_id is 18 (then 4..24), got {self.preamble}"
            )
        if self.aes_key is not None:
            if not isinstance(self.aes_key, str) or not _AES_KEY.fullmatch(self.aes_key):
                raise Rylr998ConfigError("aes_key must be 32 hexadecimal digits")
            object.__setattr__(self, "aes_key", self.aes_key.upper())

    @property
    def bw_code(self) -> int:
        return {khz: code for code, khz in BW_CODES.items()}[self.bw_khz]

    def commands(self) -> list[str]:
        """The AT commands that apply this configuration, in a safe order.

        NETWORKID goes before PARAMETER because the preamble rule depends on it.
        """
        commands = [
            f"AT+ADDRESS={self.address}",
            f"AT+NETWORKID={self.network_id}",
            f"AT+BAND={self.band_hz}",
            f"AT+PARAMETER={self.sf},{self.bw_code},{self.cr},{self.preamble}",
            f"AT+CRFOP={self.tx_power_dbm}",
        ]
        if self.aes_key is not None:
            commands.append(f"AT+CPIN={self.aes_key}")
        commands.append("AT+MODE=0")
        return commands

    def airtime_ms(self, data_len: int) -> float:
        """Unscaled time on air of ``data_len`` bytes of ``AT+SEND`` data at these settings."""
        return send_airtime_ms(
            data_len, sf=self.sf, bw_khz=self.bw_khz, cr=self.cr, preamble=self.preamble
        )
