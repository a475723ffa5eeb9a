"""Ebyte E220-900T22 registers, modes and air rates: shared by the driver and its emulator.

Register map (FIELD-FACTS.md): ``00`` ADDH, ``01`` ADDL, ``02`` REG0 (bits 7–5 UART baud,
4–3 parity, 2–0 air rate), ``03`` REG1 (bits 7–6 sub-packet size, bits 1–0 TX power), ``04``
REG2 channel (850.125 + CH MHz), ``05`` REG3 (bit 7 RSSI byte, bit 6 fixed addressing, bit 4
listen before talk, bits 2–0 WOR cycle), ``06``/``07`` CRYPT (write only, read as 0).

Air rates are LoRa settings the vendor does not publish. :data:`AIR_RATES` maps each to an
approximate spreading factor and bandwidth for time-on-air estimates: 2.4 kbps to SF9 at
125 kHz (the datasheet's −129 dBm sensitivity is the LLCC68's SF9/125 kHz figure), then
one SF less or a wider band per step. Treat every airtime derived from it as an estimate.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from hardware.radio.base import RadioError
from protocol.airtime import lora_airtime_ms
from protocol.link import cobs_encoded_max_len

CONFIG_BAUD: Final = 9600
"""The UART speed (8N1) of configuration mode, whatever REG0 says."""
REGISTER_COUNT: Final = 8
CMD_WRITE: Final = 0xC0
"""Write registers and save them (they survive a power cycle)."""
CMD_READ: Final = 0xC1
"""Read registers; also the first byte of every answer."""
CMD_WRITE_TEMPORARY: Final = 0xC2
"""Write registers without saving (lost at the next power cycle)."""
MALFORMED: Final = b"\xff\xff\xff"
"""The module's answer to a command it cannot parse."""
BROADCAST: Final = 0xFFFF
"""Fixed mode: a target address every module accepts; as a module's own address, it hears
every target (monitor)."""
FIXED_HEADER: Final = 3
"""Fixed mode: bytes in front of each sent frame (target ADDH, ADDL, CHAN)."""
BASE_MHZ: Final = 850.125
MAX_CHANNEL: Final = 80
"""E220-900T22: channels 0..80, 850.125–930.125 MHz. Chile (AU915) is CH 65..77."""
CHILE_CHANNELS: Final = range(65, 78)
DEFAULT_REGISTERS: Final = bytes([0x00, 0x00, 0x62, 0x00, 0x12, 0x03, 0x00, 0x00])
"""Factory settings: address 0, 9600 8N1, 2.4 kbps, 200-byte sub-packets, 22 dBm,
CH 18 (868.125 MHz), no RSSI byte, transparent, WOR 2000 ms, no key."""

REG3_RSSI_BYTE: Final = 0x80
REG3_FIXED: Final = 0x40
REG3_LBT: Final = 0x10
REG3_WOR_2000MS: Final = 0x03

UART_BAUDS: Final = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
"""REG0 bits 7–5, code 0..7."""
SUB_PACKET_SIZES: Final = (200, 128, 64, 32)
"""REG1 bits 7–6, code 0..3."""
TX_POWERS_DBM: Final = (22, 17, 13, 10)
"""REG1 bits 1–0, code 0..3."""


class E220Mode(enum.IntEnum):
    """Operating modes by the pins: value = M1 << 1 | M0."""

    NORMAL = 0
    """Transmit and receive (transparent or fixed)."""
    WOR_TRANSMIT = 1
    """Transmit with a wake-up preamble; receive as in NORMAL."""
    WOR_RECEIVE = 2
    """Receive only, duty-cycled."""
    CONFIG = 3
    """Deep sleep: configuration commands at 9600 8N1, radio off."""


@dataclass(frozen=True, slots=True)
class AirRate:
    """One REG0 air rate and the LoRa modulation assumed for its time on air."""

    bps: int
    sf: int
    bw_hz: int


AIR_RATES: Final[Mapping[int, AirRate]] = MappingProxyType(
    {
        0: AirRate(2400, 9, 125_000),
        1: AirRate(2400, 9, 125_000),
        2: AirRate(2400, 9, 125_000),
        3: AirRate(4800, 8, 125_000),
        4: AirRate(9600, 7, 125_000),
        5: AirRate(19200, 8, 500_000),
        6: AirRate(38400, 7, 500_000),
        7: AirRate(62500, 6, 500_000),
    }
)
"""REG0 bits 2–0 → air rate (codes 0–2 are all 2.4 kbps). SF/BW are approximations."""


class E220ConfigError(RadioError, ValueError):
    """An E220 setting is out of range or inconsistent."""


def check_uart_baud(baud: int) -> int:
    """The REG0 code of a UART speed; raises E220ConfigError for a speed it cannot do."""
    if baud not in UART_BAUDS:
        raise E220ConfigError(f"E220 UART speed must be one of {UART_BAUDS}, got {baud!r}")
    return UART_BAUDS.index(baud)


def uart_baud(reg0: int) -> int:
    """The UART speed REG0 selects for modes 0–2."""
    return UART_BAUDS[(reg0 >> 5) & 0x07]


def air_rate(reg0: int) -> AirRate:
    """The air rate REG0 selects."""
    return AIR_RATES[reg0 & 0x07]


def air_rate_code(reg0: int) -> int:
    """REG0's air rate, with the three 2.4 kbps codes folded into one (code 2)."""
    return max(reg0 & 0x07, 2)


def sub_packet_size(reg1: int) -> int:
    return SUB_PACKET_SIZES[(reg1 >> 6) & 0x03]


def rssi_dbm(byte: int) -> int:
    """The RSSI byte the module appends to a received packet, in dBm: −(256 − byte)."""
    return -(256 - byte)


def rssi_byte(dbm: int) -> int:
    """Inverse of :func:`rssi_dbm`, clamped to a byte (used by the emulator)."""
    return min(max(256 + dbm, 1), 255)


def channel_mhz(channel: int) -> float:
    return round(BASE_MHZ + channel, 3)


@dataclass(frozen=True, slots=True)
class E220Config:
    """The settings Sereno gives an E220; constructing one validates it."""

    address: int = 0x0000
    """ADDH:ADDL. Transparent mode: every module of a network shares one address. Fixed
    mode: each has its own; 0xFFFF hears every target."""
    channel: int = 65
    """850.125 + channel MHz; 65 is 915.125 MHz (Chile uses 65..77)."""
    air_rate_bps: int = 2400
    fixed: bool = False
    """Fixed addressing: each sent frame is prefixed with target ADDH ADDL CHAN."""
    rssi_byte: bool = True
    """Have the module append an RSSI byte to each received packet (reported in dBm)."""
    key: int | None = None
    """CRYPT (16 bits). Modules with different keys cannot understand each other."""
    tx_power_dbm: int = 22
    sub_packet: int = 200
    listen_before_talk: bool = False

    def __post_init__(self) -> None:
        def integer(name: str, value: object, low: int, high: int) -> None:
            if isinstance(value, bool) or not isinstance(value, int):
                raise E220ConfigError(f"E220Config.{name} must be an integer, got {value!r}")
            if not low <= value <= high:
                raise E220ConfigError(f"E220Config.{name} must be {low}..{high}, got {value}")

        integer("address", self.address, 0, 0xFFFF)
        integer("channel", self.channel, 0, MAX_CHANNEL)
        if self.key is not None:
            integer("key", self.key, 0, 0xFFFF)
        rates = sorted({rate.bps for rate in AIR_RATES.values()})
        if self.air_rate_bps not in rates:
            raise E220ConfigError(
                f"E220Config.air_rate_bps must be one of {rates}, got {self.air_rate_bps!r}"
            )
        if self.tx_power_dbm not in TX_POWERS_DBM:
            raise E220ConfigError(
                f"E220Config.tx_power_dbm must be one of {TX_POWERS_DBM}, got {self.tx_power_dbm!r}"
            )
        if self.sub_packet not in SUB_PACKET_SIZES:
            raise E220ConfigError(
                f"E220Config.sub_packet must be one of {SUB_PACKET_SIZES}, got {self.sub_packet!r}"
            )
        for name in ("fixed", "rssi_byte", "listen_before_talk"):
            if not isinstance(getattr(self, name), bool):
                raise E220ConfigError(f"E220Config.{name} must be True or False")
        if self.max_datagram < 21:
            raise E220ConfigError(
                f"E220Config.sub_packet {self.sub_packet} leaves {self.max_datagram} bytes per "
                "frame; a Sereno frame needs at least 21"
            )

    @property
    def frequency_mhz(self) -> float:
        return channel_mhz(self.channel)

    @property
    def air_rate_code(self) -> int:
        return max(code for code, rate in AIR_RATES.items() if rate.bps == self.air_rate_bps)

    @property
    def max_datagram(self) -> int:
        """The longest datagram whose COBS form, delimiter and header fit one sub-packet."""
        room = self.sub_packet - 1 - (FIXED_HEADER if self.fixed else 0)
        size = room
        while cobs_encoded_max_len(size) > room:
            size -= 1
        return size

    def registers(self, uart_baud: int = CONFIG_BAUD) -> bytes:
        """The eight register bytes (00..07) for this configuration at a UART speed."""
        reg0 = check_uart_baud(uart_baud) << 5 | self.air_rate_code  # parity 00 = 8N1
        reg1 = SUB_PACKET_SIZES.index(self.sub_packet) << 6 | TX_POWERS_DBM.index(self.tx_power_dbm)
        reg3 = REG3_WOR_2000MS
        if self.rssi_byte:
            reg3 |= REG3_RSSI_BYTE
        if self.fixed:
            reg3 |= REG3_FIXED
        if self.listen_before_talk:
            reg3 |= REG3_LBT
        key = self.key or 0
        address = [self.address >> 8, self.address & 0xFF]
        return bytes([*address, reg0, reg1, self.channel, reg3, key >> 8, key & 0xFF])

    def airtime_ms(self, datagram_len: int) -> float:
        """Approximate time on air of one datagram: COBS form + delimiter + 3 address bytes."""
        rate = AIR_RATES[self.air_rate_code]
        on_air = cobs_encoded_max_len(datagram_len) + 1 + FIXED_HEADER
        return lora_airtime_ms(on_air, sf=rate.sf, bw_hz=rate.bw_hz)
