"""The ``[radio]`` table of ``node.toml``: which module, on which port, with which settings.

The same kinds and keys as the controller's ``[radio]`` (controller/config.py), plus
``controller_address``, the controller module's address the node sends to:

- ``rylr998``: REYAX RYLR998 over AT commands (FIELD-FACTS.md); LoRa settings are the
  module's own (``AT+ADDRESS``, ``AT+NETWORKID``, ``AT+BAND``, ``AT+PARAMETER``,
  ``AT+CRFOP``, ``AT+CPIN``). ``emulated`` takes the same keys, ``port`` optional: the
  demo runs the node on an emulated module.
- ``e220``: Ebyte E220-900T22 in transparent or fixed-address mode.
- ``serial``: a wired link (RS-485, USB serial) carrying COBS frames.

Each settings value knows the time on air of a frame, which sets the node's ACK timer
(PROTOCOL.md, "Timing"). Only the RYLR998 figure is exact (Semtech AN1200.13 through
:func:`protocol.airtime.rylr998_airtime_ms`); the E220 and serial figures are estimates
from the nominal bit rate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final, Literal, TypeAlias

from node._fields import Section
from protocol.airtime import rylr998_airtime_ms

KINDS: Final = ("rylr998", "e220", "serial", "emulated")

# RYLR998 rules (FIELD-FACTS.md).
RYLR998_NETWORK_IDS: Final = (*range(3, 16), 18)
RYLR998_MAX_SF: Final = {125: 9, 250: 10, 500: 11}
RYLR998_MAX_AIRTIME_MS: Final = 400.0
"""PROTOCOL.md: keep every frame's airtime under 400 ms at the configured settings."""
LONGEST_NODE_FRAME: Final = 26
"""A HEARTBEAT (13 + 5 + 8 bytes): the longest frame a node sends."""

# E220 presets (Ebyte E220-900T22 manual): air data rates and power steps.
E220_AIR_RATES: Final = (2400, 4800, 9600, 19200, 38400, 62500)
E220_TX_POWERS: Final = (22, 17, 13, 10)
E220_PREAMBLE_MS: Final = 25.0
"""Rough preamble and header time added to the E220 estimate."""
SERIAL_BAUDRATES: Final = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)

_HEX32: Final = re.compile(r"[0-9A-Fa-f]{32}")


def _stream_len(frame_len: int) -> int:
    """Bytes of a frame after COBS (+1 per 254) and its 0x00 delimiter."""
    return frame_len + 1 + frame_len // 254 + 1


@dataclass(frozen=True, slots=True)
class Rylr998Settings:
    port: str | None
    address: int
    network_id: int = 18
    band_hz: int = 915_000_000
    sf: int = 9
    bw_khz: int = 125
    cr: int = 1
    preamble: int = 12
    tx_power_dbm: int = 22
    aes_key: str | None = field(default=None, repr=False)
    controller_address: int | None = None
    """The controller module's ``AT+ADDRESS``; None sends to every module (address 0)."""
    kind: Literal["rylr998", "emulated"] = "rylr998"

    def airtime_ms(self, frame_len: int) -> float:
        return rylr998_airtime_ms(
            frame_len, self.sf, self.bw_khz * 1000, cr=self.cr, preamble=self.preamble
        )


@dataclass(frozen=True, slots=True)
class E220Settings:
    port: str
    address: int
    channel: int = 65
    """Frequency = 850.125 + channel MHz; 65 is 915.125 MHz (Chile: 915–928 MHz)."""
    air_rate: int = 2400
    """Air data rate, bit/s."""
    fixed_mode: bool = False
    rssi_byte: bool = True
    tx_power_dbm: int = 22
    controller_address: int | None = None
    """The controller module's address (fixed mode); None = every module."""
    kind: Literal["e220"] = "e220"

    def airtime_ms(self, frame_len: int) -> float:
        """Estimate: the COBS bytes at the nominal air rate plus a preamble."""
        return _stream_len(frame_len) * 8 * 1000 / self.air_rate + E220_PREAMBLE_MS


@dataclass(frozen=True, slots=True)
class SerialSettings:
    port: str
    baudrate: int = 9600
    rs485: bool = False
    kind: Literal["serial"] = "serial"

    @property
    def controller_address(self) -> None:
        """A wire has no module addresses."""
        return None

    def airtime_ms(self, frame_len: int) -> float:
        """The COBS bytes at 10 bits per byte (8N1)."""
        return _stream_len(frame_len) * 10 * 1000 / self.baudrate


RadioSettings: TypeAlias = Rylr998Settings | E220Settings | SerialSettings


def parse_radio(section: Section, node_address: int) -> RadioSettings:
    """Read ``[radio]``; the module address defaults to the node's own address."""
    kind = section.choice("kind", {k: k for k in KINDS}, "rylr998")
    settings: RadioSettings
    if kind == "rylr998" or kind == "emulated":
        if kind == "rylr998":
            port: str | None = section.text("port", "/dev/serial0")
        else:
            port = section.optional_text("port")
        settings = _rylr998(
            section, "emulated" if kind == "emulated" else "rylr998", port, node_address
        )
    elif kind == "e220":
        settings = E220Settings(
            port=section.text("port", "/dev/serial0"),
            address=section.integer("address", 0, 65535, node_address),
            channel=section.integer("channel", 0, 83, 65),
            air_rate=_one_of(section, "air_rate", E220_AIR_RATES, 2400),
            fixed_mode=section.flag("fixed_mode", False),
            rssi_byte=section.flag("rssi_byte", True),
            tx_power_dbm=_one_of(section, "tx_power_dbm", E220_TX_POWERS, 22),
            controller_address=section.optional_integer("controller_address", 0, 65535),
        )
    else:
        settings = SerialSettings(
            port=section.text("port", "/dev/ttyUSB0"),
            baudrate=_one_of(section, "baudrate", SERIAL_BAUDRATES, 9600),
            rs485=section.flag("rs485", False),
        )
    section.finish()
    return settings


def _one_of(section: Section, key: str, options: tuple[int, ...], default: int) -> int:
    value = section.raw(key, default)
    if isinstance(value, bool) or value not in options:
        valid = ", ".join(str(option) for option in options)
        raise section.error(key, f"debe ser uno de {valid}; recibí {value!r}")
    assert isinstance(value, int)
    return value


def _rylr998(
    section: Section, kind: Literal["rylr998", "emulated"], port: str | None, node_address: int
) -> Rylr998Settings:
    address = section.integer("address", 1, 65535, node_address)
    network_id = section.raw("network_id", 18)
    if isinstance(network_id, bool) or network_id not in RYLR998_NETWORK_IDS:
        raise section.error(
            "network_id", f"debe ser un número entre 3 y 15, o 18; recibí {network_id!r}"
        )
    assert isinstance(network_id, int)
    band_hz = section.integer("band_hz", 915_000_000, 928_000_000, 915_000_000)
    bw_khz = _one_of(section, "bw_khz", (125, 250, 500), 125)
    sf = section.integer("sf", 7, RYLR998_MAX_SF[bw_khz], 9)
    cr = section.integer("cr", 1, 4, 1)
    preamble = section.integer("preamble", 4, 24, 12)
    if network_id != 18 and preamble != 12:
        raise section.error(
            "preamble",
            f"debe ser 12 cuando network_id no es 18 (el RYLR998 solo acepta otro preámbulo "
            f"en la red 18); recibí {preamble}",
        )
    tx_power = section.integer("tx_power_dbm", 0, 22, 22)
    aes_key = section.raw("aes_key", None)
    if aes_key is not None and (not isinstance(aes_key, str) or not _HEX32.fullmatch(aes_key)):
        raise section.error("aes_key", "debe tener 32 dígitos hexadecimales")
    settings = Rylr998Settings(
        kind=kind,
        port=port,
        address=address,
        network_id=network_id,
        band_hz=band_hz,
        sf=sf,
        bw_khz=bw_khz,
        cr=cr,
        preamble=preamble,
        tx_power_dbm=tx_power,
        aes_key=aes_key.upper() if isinstance(aes_key, str) else None,
        controller_address=section.optional_integer("controller_address", 0, 65535),
    )
    longest = settings.airtime_ms(LONGEST_NODE_FRAME)
    if longest >= RYLR998_MAX_AIRTIME_MS:
        raise section.error(
            "sf",
            f"= {sf}, bw_khz = {bw_khz}, cr = {cr} y preamble = {preamble}: una trama de "
            f"{LONGEST_NODE_FRAME} bytes tardaría {longest:.0f} ms en el aire y el protocolo "
            f"exige menos de {RYLR998_MAX_AIRTIME_MS:.0f} ms; baje sf, cr o preamble, o suba "
            "bw_khz",
        )
    return settings
