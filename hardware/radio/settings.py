"""The ``[radio]`` table of ``node.toml`` and ``controller.toml``: which module, which settings.

One set of settings values for both programs, read from a TOML table by :func:`parse_radio`
and turned into a driver, not started, by :func:`open_radio`:

- ``rylr998``: a REYAX RYLR998 over AT commands (:class:`Rylr998Settings`);
  ``emulated`` takes the same keys with ``port`` optional, for ``sereno demo``, which
  builds its emulated modules itself: :func:`open_radio` refuses it;
- ``e220``: an Ebyte E220-900T22, transparent or fixed-address (:class:`E220Settings`);
- ``serial``: a wired link (USB serial, RS-485) carrying COBS frames (:class:`SerialSettings`).

Every rule is checked with the installer in mind: a Spanish line per field that names it,
what is wrong and what is expected (``[radio] sf debe ser un número entre 7 y 9 …``);
:class:`RadioSettingsError` carries all of them and each program's loader puts its file's
name in front. The rules come from FIELD-FACTS.md and PROTOCOL.md: RYLR998 network ids 3–15
or 18, SF per bandwidth, preamble 12 unless the network is 18, Chile's 915–928 MHz, and no
frame 400 ms or more on air; E220 channels and air rates; serial line speeds.

What differs between the two programs is the :data:`Station` reading the table:

========================  ==================================  ==============================
                          ``"node"``                          ``"controller"``
========================  ==================================  ==============================
``kind``                  ``"rylr998"`` when left out         required
``address``               the node's address when left out    0 when left out
``controller_address``    accepted (rylr998, e220): the       refused, naming node.toml: a
                          controller module the node sends    controller does not send to
                          to; left out, every module          itself
airtime rule measured on  a HEARTBEAT, 26 bytes (the          an ACK, 27 bytes
                          longest frame a node sends)
========================  ==================================  ==============================

Each settings value knows the time on air of a frame (:meth:`Rylr998Settings.airtime_ms`…),
which sets the node's ACK timer (PROTOCOL.md, "Timing"). The RYLR998 figure is Semtech
AN1200.13 through :func:`protocol.airtime.rylr998_airtime_ms`; the E220 figure is the
driver's estimate (:meth:`~hardware.radio.e220_registers.E220Config.airtime_ms`: Ebyte does
not publish the LoRa settings behind its air rates); the serial figure is the COBS bytes at
10 bits each (8N1).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Literal, TypeAlias, TypeGuard, TypeVar

from hardware.errors import HardwareError
from hardware.pins import PinMap
from hardware.radio.base import Radio
from hardware.radio.e220_registers import AIR_RATES, MAX_CHANNEL, TX_POWERS_DBM, E220Config
from hardware.radio.rylr998_at import (
    ADDRESS_RANGE,
    CR_RANGE,
    DEFAULT_NETWORK_ID,
    FIXED_PREAMBLE,
    FREE_PREAMBLE_RANGE,
    MAX_SF_BY_BW_KHZ,
    MIN_SF,
    NETWORK_IDS,
    TX_POWER_RANGE_DBM,
    Rylr998Config,
    preamble_allowed,
)
from protocol.airtime import rylr998_airtime_ms
from protocol.frame import HEADER_LEN, TAG_LEN, Ack, Cancel, Heartbeat, Panic, Test
from protocol.link import cobs_encoded_max_len

RadioKind: TypeAlias = Literal["rylr998", "e220", "serial", "emulated"]
Station: TypeAlias = Literal["node", "controller"]
"""Whose ``[radio]`` is read (see the table in the module's docstring)."""

KINDS: Final[tuple[RadioKind, ...]] = ("rylr998", "e220", "serial", "emulated")
CHILE_BAND_HZ: Final = (915_000_000, 928_000_000)
"""FIELD-FACTS.md: Chile uses 915–928 MHz (AU915)."""
MAX_AIRTIME_MS: Final = 400.0
"""PROTOCOL.md: keep every frame under 400 ms on air at the configured settings."""
LONGEST_FRAME: Final[Mapping[Station, int]] = MappingProxyType(
    {
        "node": HEADER_LEN + max(Panic.SIZE, Cancel.SIZE, Heartbeat.SIZE, Test.SIZE) + TAG_LEN,
        "controller": HEADER_LEN + Ack.SIZE + TAG_LEN,
    }
)
"""The longest frame each station sends (a HEARTBEAT, 26 bytes; an ACK, 27 bytes): the
airtime rule is checked on it."""
RYLR998_BANDWIDTHS_KHZ: Final = tuple(MAX_SF_BY_BW_KHZ)
E220_AIR_RATES: Final = tuple(sorted({rate.bps for rate in AIR_RATES.values()}))
SERIAL_BAUDRATES: Final = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
DEFAULT_PORTS: Final[Mapping[RadioKind, str]] = MappingProxyType(
    {"rylr998": "/dev/serial0", "e220": "/dev/serial0", "serial": "/dev/ttyUSB0"}
)
"""``emulated`` has none: the demo gives each emulated module its own pseudo-terminal."""
_BITS_PER_BYTE: Final = 10
"""8N1 (start bit, eight data bits, stop bit), as the wired link sends."""
_HEX32: Final = re.compile(r"[0-9A-Fa-f]{32}")
_SF_SPANS: Final = tuple(f"{MIN_SF} a {sf} con {bw} kHz" for bw, sf in MAX_SF_BY_BW_KHZ.items())
_SF_RULE: Final = (
    f"el RYLR998 acepta sf entre {MIN_SF} y {max(MAX_SF_BY_BW_KHZ.values())} según el ancho "
    f"de banda: {', '.join(_SF_SPANS[:-1])} y {_SF_SPANS[-1]}"
)


class RadioSettingsError(HardwareError, ValueError):
    """A ``[radio]`` table is invalid.

    ``problems`` holds one Spanish line per offending field, without the file's name
    (``[radio] sf debe ser …``): each program's loader adds its own. The message is those
    lines joined. :func:`open_radio` raises it too, for a kind it cannot open.
    """

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems: tuple[str, ...] = (
            (problems,) if isinstance(problems, str) else tuple(problems)
        )
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True, slots=True, kw_only=True)
class Rylr998Settings:
    """A REYAX RYLR998 on a UART (``kind = "rylr998"``), or the demo's emulated one
    (``kind = "emulated"``, where ``port`` may be None). The LoRa settings are the module's
    own (``AT+ADDRESS``, ``AT+NETWORKID``, ``AT+BAND``, ``AT+PARAMETER``, ``AT+CRFOP``,
    ``AT+CPIN``)."""

    kind: Literal["rylr998", "emulated"] = "rylr998"
    port: str | None = DEFAULT_PORTS["rylr998"]
    address: int = 0
    network_id: int = DEFAULT_NETWORK_ID
    band_hz: int = CHILE_BAND_HZ[0]
    sf: int = 9
    bw_khz: int = 125
    cr: int = 1
    preamble: int = FIXED_PREAMBLE
    tx_power_dbm: int = TX_POWER_RANGE_DBM[1]
    aes_key: str | None = field(default=None, repr=False)
    """The module's own AES password (``AT+CPIN``), 32 hex digits; None leaves it unset."""
    controller_address: int | None = None
    """A node's only: the controller module's ``AT+ADDRESS``; None sends to every module."""

    def driver_config(self) -> Rylr998Config:
        """The settings as the RYLR998 driver takes them."""
        return Rylr998Config(
            address=self.address,
            network_id=self.network_id,
            band_hz=self.band_hz,
            sf=self.sf,
            bw_khz=self.bw_khz,
            cr=self.cr,
            preamble=self.preamble,
            tx_power_dbm=self.tx_power_dbm,
            aes_key=self.aes_key,
        )

    def airtime_ms(self, frame_len: int) -> float:
        """Time on air of a frame of ``frame_len`` bytes (base64 + the module's 8 bytes)."""
        return rylr998_airtime_ms(
            frame_len, self.sf, self.bw_khz * 1000, cr=self.cr, preamble=self.preamble
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class E220Settings:
    """An Ebyte E220-900T22 on a UART, driven through its M0/M1/AUX pins (``[pins]``)."""

    kind: Literal["e220"] = "e220"
    port: str = DEFAULT_PORTS["e220"]
    address: int = 0
    channel: int = 65
    """Frequency = 850.125 + channel MHz; 65 is 915.125 MHz (Chile: 915–928 MHz)."""
    air_rate: int = 2400
    """Air data rate, bit/s."""
    fixed_mode: bool = False
    rssi_byte: bool = True
    tx_power_dbm: int = TX_POWERS_DBM[0]
    controller_address: int | None = None
    """A node's only: the controller module's address (fixed mode); None = every module."""

    def driver_config(self) -> E220Config:
        """The settings as the E220 driver takes them."""
        return E220Config(
            address=self.address,
            channel=self.channel,
            air_rate_bps=self.air_rate,
            fixed=self.fixed_mode,
            rssi_byte=self.rssi_byte,
            tx_power_dbm=self.tx_power_dbm,
        )

    def airtime_ms(self, frame_len: int) -> float:
        """The driver's estimate (an assumed SF and bandwidth per air rate)."""
        return self.driver_config().airtime_ms(frame_len)


@dataclass(frozen=True, slots=True, kw_only=True)
class SerialSettings:
    """A plain byte-stream link: USB serial or an RS-485 adapter. The driver takes these
    as arguments, so there is no ``driver_config()``."""

    kind: Literal["serial"] = "serial"
    port: str = DEFAULT_PORTS["serial"]
    baudrate: int = 9600
    rs485: bool = False

    @property
    def controller_address(self) -> None:
        """A wire has no module addresses: every station hears every frame."""
        return None

    def airtime_ms(self, frame_len: int) -> float:
        """The COBS bytes and their delimiter at 10 bits per byte (8N1)."""
        return (cobs_encoded_max_len(frame_len) + 1) * _BITS_PER_BYTE * 1000 / self.baudrate


RadioSettings: TypeAlias = Rylr998Settings | E220Settings | SerialSettings


def parse_radio(table: object, station: Station, *, address: int = 0) -> RadioSettings:
    """Validate a ``[radio]`` table as TOML gave it (None when the file has none).

    ``address`` is the module address when the table leaves ``address`` out (a node passes
    its own). Raises :class:`RadioSettingsError` listing every problem found.
    """
    fields = _Fields(table)
    kind = _kind(fields, station)
    settings: RadioSettings | None = None
    if kind == "rylr998" or kind == "emulated":
        settings = _rylr998(fields, kind, station, address)
    elif kind == "e220":
        settings = E220Settings(
            port=fields.text("port", DEFAULT_PORTS["e220"]),
            address=fields.integer("address", address, *ADDRESS_RANGE),
            channel=fields.integer(
                "channel", 65, 0, MAX_CHANNEL, "frecuencia = 850,125 + canal MHz"
            ),
            air_rate=fields.one_of("air_rate", 2400, E220_AIR_RATES, "bit/s"),
            fixed_mode=fields.flag("fixed_mode", False),
            rssi_byte=fields.flag("rssi_byte", True),
            tx_power_dbm=fields.one_of("tx_power_dbm", TX_POWERS_DBM[0], TX_POWERS_DBM, "dBm"),
            controller_address=_controller_address(fields, station),
        )
    elif kind == "serial":
        settings = SerialSettings(
            port=fields.text("port", DEFAULT_PORTS["serial"]),
            baudrate=fields.one_of("baudrate", 9600, SERIAL_BAUDRATES, "bit/s"),
            rs485=fields.flag("rs485", False),
        )
    if kind is not None:  # the other keys can only be judged against a known kind
        fields.finish(f'con kind = "{kind}"')
    if fields.problems or settings is None:
        raise RadioSettingsError(fields.problems)
    return settings


def open_radio(settings: RadioSettings, *, pins: PinMap, pin_factory: Any) -> Radio:
    """The driver ``settings`` name, not started.

    ``pins`` and ``pin_factory`` serve the E220's M0/M1/AUX lines (the other kinds touch no
    GPIO). ``kind = "emulated"`` is refused with a :class:`RadioSettingsError`: only
    ``sereno demo`` runs emulated modules, and it builds their drivers itself.
    """
    if isinstance(settings, Rylr998Settings):
        if settings.kind == "emulated":
            raise RadioSettingsError('[radio] kind = "emulated" solo sirve dentro de sereno demo')
        if settings.port is None:
            raise RadioSettingsError('[radio] port falta; es obligatorio: p. ej. "/dev/serial0"')
        from hardware.radio.rylr998 import Rylr998Radio

        return Rylr998Radio(settings.port, settings.driver_config())
    if isinstance(settings, E220Settings):
        from hardware.radio.e220 import E220Radio

        return E220Radio(
            settings.port,
            settings.driver_config(),
            m0=pins.e220_m0,
            m1=pins.e220_m1,
            aux=pins.e220_aux,
            pin_factory=pin_factory,
        )
    from hardware.radio.serial_link import SerialLinkRadio

    return SerialLinkRadio(settings.port, baudrate=settings.baudrate, rs485=settings.rs485)


def _kind(fields: _Fields, station: Station) -> RadioKind | None:
    """The table's kind; None when it is unknown or a controller's is missing (reported)."""
    kind = fields.one_of("kind", None, KINDS)
    if fields.has("kind"):
        return kind
    if station == "node":
        return "rylr998"
    fields.problem("kind", "falta; es obligatorio: " + _listed(KINDS))
    return None


def _rylr998(
    fields: _Fields, kind: Literal["rylr998", "emulated"], station: Station, address: int
) -> Rylr998Settings:
    port = fields.text("port", DEFAULT_PORTS["rylr998"] if kind == "rylr998" else None)
    module_address = fields.integer("address", address, *ADDRESS_RANGE)
    network_id = fields.read(
        "network_id",
        DEFAULT_NETWORK_ID,
        lambda v: v if _is_int(v) and v in NETWORK_IDS else None,
        "debe ser un número entre 3 y 15, o 18",
    )
    band_hz = fields.integer(
        "band_hz", CHILE_BAND_HZ[0], *CHILE_BAND_HZ, "Hz; en Chile la banda es 915–928 MHz"
    )
    before = len(fields.problems)
    bw_khz = fields.one_of("bw_khz", 125, RYLR998_BANDWIDTHS_KHZ, "kHz")
    max_sf = MAX_SF_BY_BW_KHZ[bw_khz]
    sf = fields.integer("sf", 9, MIN_SF, max_sf, f"con bw_khz = {bw_khz}; {_SF_RULE}")
    cr = fields.integer("cr", 1, *CR_RANGE, "1 = 4/5 … 4 = 4/8")
    preamble = fields.integer("preamble", FIXED_PREAMBLE, *FREE_PREAMBLE_RANGE)
    if not preamble_allowed(preamble, network_id):
        fields.problem(
            "preamble",
            f"debe ser {FIXED_PREAMBLE} cuando network_id no es {DEFAULT_NETWORK_ID} (el RYLR998 "
            f"solo acepta otro preámbulo en la red {DEFAULT_NETWORK_ID}); recibí {preamble}",
        )
    modulation_ok = len(fields.problems) == before
    settings = Rylr998Settings(
        kind=kind,
        port=port,
        address=module_address,
        network_id=network_id,
        band_hz=band_hz,
        sf=sf,
        bw_khz=bw_khz,
        cr=cr,
        preamble=preamble,
        tx_power_dbm=fields.integer(
            "tx_power_dbm", TX_POWER_RANGE_DBM[1], *TX_POWER_RANGE_DBM, "dBm"
        ),
        aes_key=fields.read(
            "aes_key",
            None,
            lambda v: v.upper() if isinstance(v, str) and _HEX32.fullmatch(v) else None,
            "debe tener 32 dígitos hexadecimales",
            echo=False,  # a key is never repeated in a message
        ),
        controller_address=_controller_address(fields, station),
    )
    longest = LONGEST_FRAME[station]
    airtime = settings.airtime_ms(longest)
    if modulation_ok and airtime >= MAX_AIRTIME_MS:  # the values are the table's own
        fields.problem(
            "sf",
            f"= {sf}, bw_khz = {bw_khz}, cr = {cr} y preamble = {preamble}: una trama de "
            f"{longest} bytes tardaría {airtime:.0f} ms en el aire y el protocolo exige menos "
            f"de {MAX_AIRTIME_MS:.0f} ms; baje sf, cr o preamble, o suba bw_khz",
        )
    return settings


def _controller_address(fields: _Fields, station: Station) -> int | None:
    """A node's ``controller_address``; refused in a controller's table."""
    if station == "node":
        return fields.integer("controller_address", None, *ADDRESS_RANGE)
    fields.refuse(
        "controller_address",
        "solo va en node.toml (el módulo del controlador al que envía un nodo)",
    )
    return None


T = TypeVar("T")
D = TypeVar("D")


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(value: object) -> str:
    """A value as the installer wrote it in TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "una tabla"
    return repr(value)


def _listed(options: Sequence[object]) -> str:
    return ", ".join(f'"{o}"' if isinstance(o, str) else str(o) for o in options)


class _Fields:
    """The ``[radio]`` table being read. Each reader takes its key; a wrong value records a
    problem naming the key and gives the default back, so one reading finds every problem.
    :meth:`finish` refuses the keys no reader asked for (a typo must not pass silently)."""

    def __init__(self, table: object) -> None:
        self.problems: list[str] = []
        self._asked: list[str] = []
        self._refused: set[str] = set()
        if table is None:
            table = {}
        if not isinstance(table, Mapping):
            self.problems.append(f"[radio] debe ser una tabla; recibí {_shown(table)}")
            table = {}
        self._table: Mapping[str, object] = table

    def problem(self, key: str, text: str) -> None:
        self.problems.append(f"[radio] {key} {text}")

    def has(self, key: str) -> bool:
        return key in self._table

    def read(
        self,
        key: str,
        default: D,
        accept: Callable[[object], T | None],
        must: str,
        *,
        echo: bool = True,
    ) -> T | D:
        """The value at ``key`` as ``accept`` returns it; the default when the key is left
        out, or when ``accept`` returns None (then a problem: ``[radio] key {must}``)."""
        self._asked.append(key)
        if key not in self._table:
            return default
        value = self._table[key]
        accepted = accept(value)
        if accepted is None:
            self.problem(key, f"{must}; recibí {_shown(value)}" if echo else must)
            return default
        return accepted

    def integer(self, key: str, default: D, low: int, high: int, unit: str = "") -> int | D:
        suffix = f" ({unit})" if unit else ""
        return self.read(
            key,
            default,
            lambda v: v if _is_int(v) and low <= v <= high else None,
            f"debe ser un número entre {low} y {high}{suffix}",
        )

    def one_of(self, key: str, default: D, options: Sequence[T], unit: str = "") -> T | D:
        def accept(value: object) -> T | None:
            return next((o for o in options if o == value and type(o) is type(value)), None)

        suffix = f" ({unit})" if unit else ""
        return self.read(key, default, accept, f"debe ser uno de {_listed(options)}{suffix}")

    def flag(self, key: str, default: bool) -> bool:
        return self.read(
            key, default, lambda v: v if isinstance(v, bool) else None, "debe ser true o false"
        )

    def text(self, key: str, default: D) -> str | D:
        return self.read(
            key,
            default,
            lambda v: v.strip() if isinstance(v, str) and v.strip() else None,
            "debe ser un texto no vacío",
        )

    def refuse(self, key: str, why: str) -> None:
        """A key this table must not have, refused with a reason rather than as unknown."""
        if key in self._table:
            self._refused.add(key)
            self.problem(key, why)

    def finish(self, where: str) -> None:
        """Refuse every key no reader asked for, with the valid ones ``where`` (a kind)."""
        valid = ", ".join(self._asked)
        for key in self._table:
            if key in self._asked or key in self._refused:
                continue
            close = difflib.get_close_matches(key, self._asked, n=1)
            hint = f' ¿quiso decir "{close[0]}"?' if close else ""
            self.problem(key, f"es una clave desconocida;{hint} las válidas {where} son: {valid}")
