"""Board pin maps: which BCM GPIO drives or reads each part, per Raspberry Pi board.

A :class:`PinMap` is a value: BCM numbers for the siren, the strobe, the status LED, the
installer's key switch, a node's buttons, the radio control lines and the MCP3008 that
reads the battery. The radio's UART is fixed on GPIO14 (TXD) / GPIO15 (RXD).

:data:`BOARD_DEFAULTS` holds the documented defaults (see ``hardware/docs/pins.md`` for
the reasons behind each pin); :meth:`PinMap.from_mapping` lays an installer's ``[pins]``
TOML table over a board default and validates the result. Validation errors are
:class:`~hardware.errors.PinConfigError` with Spanish messages naming the field, because
installers read them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import ClassVar, Final

from hardware.errors import PinConfigError

UART_TXD: Final = 14
"""GPIO14: the Pi's UART transmit line, wired to the radio module's RXD."""
UART_RXD: Final = 15
"""GPIO15: the Pi's UART receive line, wired to the radio module's TXD."""

FIRST_USABLE_GPIO: Final = 2
"""GPIO0/1 carry the HAT ID EEPROM bus; 2..27 are the header's general-purpose pins."""
LAST_USABLE_GPIO: Final = 27

SPI0_PINS: Final[Mapping[int, str]] = MappingProxyType(
    {7: "CE1", 8: "CE0", 9: "MISO", 10: "MOSI", 11: "SCLK"}
)
"""SPI0 as enabled by ``dtparam=spi=on``; the kernel claims both chip selects."""

I2C1_PINS: Final[Mapping[int, str]] = MappingProxyType({2: "SDA", 3: "SCL"})
"""I2C1 has 1.8 kΩ pull-ups soldered on the board: never usable as outputs."""

BOOT_PULL_UP_GPIOS: Final = range(0, 9)
"""GPIO0..8 come out of reset with their pull-up enabled (9..27 with a pull-down)."""

DEFAULT_BOARD: Final = "pi4"

_OUTPUTS: Final = ("siren", "strobe", "status_led", "radio_reset", "e220_m0", "e220_m1")
_INPUTS: Final = ("key_switch", "e220_aux")
_SINGLE_PINS: Final = (*_OUTPUTS, *_INPUTS)
_RELAYS: Final[Mapping[str, str]] = MappingProxyType(
    {"siren": "la sirena", "strobe": "la luz estroboscópica"}
)
_BUTTON_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")


@dataclass(frozen=True)
class SpiChannel:
    """Where the battery ADC (MCP3008) is read: SPI bus, chip select and ADC channel.

    ``device`` 0 is CE0 (GPIO8), 1 is CE1 (GPIO7); ``channel`` is the MCP3008 input 0..7.
    Only SPI0 (``bus`` 0) is supported: it is the one gpiozero maps by port/device.
    """

    bus: int = 0
    device: int = 0
    channel: int = 0


@dataclass(frozen=True, kw_only=True)
class PinMap:
    """BCM GPIO numbers of every part Sereno wires to a Raspberry Pi header.

    Constructing one validates it (see :meth:`problems`); an invalid map raises
    :class:`PinConfigError`. ``buttons`` maps a button's kind name (``"main"``,
    ``"incendio"``…) to its GPIO and is stored read-only. ``mcp3008`` is ``None`` when the
    board has no battery ADC, which also frees the SPI0 pins.
    """

    siren: int
    strobe: int
    status_led: int
    key_switch: int
    radio_reset: int
    e220_m0: int
    e220_m1: int
    e220_aux: int
    buttons: Mapping[str, int] = field(default_factory=dict, hash=False)
    mcp3008: SpiChannel | None = SpiChannel()

    uart_txd: ClassVar[int] = UART_TXD
    uart_rxd: ClassVar[int] = UART_RXD

    def __post_init__(self) -> None:
        object.__setattr__(self, "buttons", MappingProxyType(dict(self.buttons)))
        problems = self.problems()
        if problems:
            raise PinConfigError("\n".join(problems))

    def assignments(self) -> Iterator[tuple[str, int]]:
        """Each wired GPIO as ``(field, pin)``, buttons as ``buttons.<name>``."""
        for name in _SINGLE_PINS:
            yield name, getattr(self, name)
        for kind, pin in self.buttons.items():
            yield f"buttons.{kind}", pin

    def spi_pins(self) -> Mapping[int, str]:
        """The GPIOs taken by SPI0 (empty when no MCP3008 is configured)."""
        return SPI0_PINS if self.mcp3008 is not None else MappingProxyType({})

    def problems(self) -> list[str]:
        """Every reason this map is unsafe or impossible, in Spanish, one per field."""
        found: list[str] = []
        owner: dict[int, str] = {}
        for name in self.buttons:
            if not isinstance(name, str) or not _BUTTON_NAME.fullmatch(name):
                found.append(
                    f"pins.buttons: nombre de botón inválido {name!r}; use minúsculas, "
                    'dígitos y "_" (p. ej. "incendio")'
                )
        for name, pin in self.assignments():
            problem = self._pin_problem(name, pin)
            if problem is None and pin in owner:
                problem = f"el GPIO {pin} ya está asignado a pins.{owner[pin]}"
            if problem is not None:
                found.append(f"pins.{name}: {problem}")
            elif isinstance(pin, int):
                owner[pin] = name
        if self.mcp3008 is not None:
            found.extend(_spi_problems(self.mcp3008))
        return found

    def _pin_problem(self, name: str, pin: object) -> str | None:
        if not isinstance(pin, int) or isinstance(pin, bool):
            return f"se esperaba un número de GPIO entero (BCM), no {pin!r}"
        if not FIRST_USABLE_GPIO <= pin <= LAST_USABLE_GPIO:
            return (
                f"el GPIO {pin} no es utilizable; use un GPIO entre {FIRST_USABLE_GPIO} y "
                f"{LAST_USABLE_GPIO} (numeración BCM)"
            )
        if pin == UART_TXD:
            return f"el GPIO {pin} es la UART (TXD) del radio; elija otro"
        if pin == UART_RXD:
            return f"el GPIO {pin} es la UART (RXD) del radio; elija otro"
        if pin in self.spi_pins():
            return (
                f"el GPIO {pin} es del bus SPI0 ({SPI0_PINS[pin]}) que usa el MCP3008; "
                "elija otro o desactive pins.mcp3008"
            )
        if name in _OUTPUTS and pin in I2C1_PINS:
            return (
                f"el GPIO {pin} es I2C ({I2C1_PINS[pin]}) y tiene una resistencia pull-up "
                "fija en la placa; no sirve como salida, elija otro"
            )
        if name in _RELAYS and pin in BOOT_PULL_UP_GPIOS:
            return (
                f"el GPIO {pin} queda en alto al encender la Raspberry Pi (pull-up por "
                f"defecto) y activaría {_RELAYS[name]} en el arranque; use un GPIO entre "
                f"9 y {LAST_USABLE_GPIO}"
            )
        return None

    def as_mapping(self) -> dict[str, object]:
        """This map as a TOML-ready table that :meth:`from_mapping` reads back."""
        table: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self)}
        table["buttons"] = dict(self.buttons)
        table["mcp3008"] = (
            False
            if self.mcp3008 is None
            else {f.name: getattr(self.mcp3008, f.name) for f in fields(self.mcp3008)}
        )
        return table

    @classmethod
    def from_mapping(cls, table: Mapping[str, object], *, board: str = DEFAULT_BOARD) -> PinMap:
        """Lay an installer's ``[pins]`` table over a board default and validate it.

        The table may name its board (``board = "pi5"``), which wins over ``board``.
        ``buttons`` replaces the default buttons entirely; ``mcp3008 = false`` disables
        the battery ADC; ``mcp3008 = {channel = 3}`` changes only the keys given.
        """
        problems: list[str] = []
        board_name = table.get("board", board)
        base = BOARD_DEFAULTS.get(board_name) if isinstance(board_name, str) else None
        if base is None:
            raise PinConfigError(
                f"pins.board: placa desconocida {board_name!r}; use una de: "
                + ", ".join(BOARD_DEFAULTS)
            )
        overrides: dict[str, object] = {}
        for key, value in table.items():
            if key == "board":
                continue
            if key == "buttons":
                overrides[key] = _parse_buttons(value, problems)
            elif key == "mcp3008":
                overrides[key] = _parse_spi(value, base.mcp3008, problems)
            elif key in _SINGLE_PINS:
                if _is_int(value):
                    overrides[key] = value
                else:
                    problems.append(
                        f"pins.{key}: se esperaba un número de GPIO entero (BCM), no {value!r}"
                    )
            else:
                problems.append(_unknown_key(key))
        if problems:
            raise PinConfigError("\n".join(problems))
        return replace(base, **overrides)  # type: ignore[arg-type]


_TABLE_KEYS: Final = ("board", *_SINGLE_PINS, "buttons", "mcp3008")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _unknown_key(key: str) -> str:
    if key.startswith("uart"):
        return (
            f"pins.{key}: la UART del radio está fija en GPIO {UART_TXD} (TXD) y "
            f"GPIO {UART_RXD} (RXD); no se configura"
        )
    close = difflib.get_close_matches(key, _TABLE_KEYS, n=1)
    hint = f' ¿quiso decir "{close[0]}"?' if close else ""
    return f"pins.{key}: clave desconocida;{hint} las válidas son: " + ", ".join(_TABLE_KEYS)


def _parse_buttons(value: object, problems: list[str]) -> dict[str, int]:
    if not isinstance(value, Mapping):
        problems.append(
            f"pins.buttons: se esperaba una tabla nombre = GPIO (p. ej. {{ main = 25 }}), "
            f"no {value!r}"
        )
        return {}
    buttons: dict[str, int] = {}
    for name, pin in value.items():
        if _is_int(pin):
            buttons[str(name)] = pin
        else:
            problems.append(
                f"pins.buttons.{name}: se esperaba un número de GPIO entero (BCM), no {pin!r}"
            )
    return buttons


def _parse_spi(value: object, base: SpiChannel | None, problems: list[str]) -> SpiChannel | None:
    if value is False:
        return None
    if value is True:
        return base or SpiChannel()
    if not isinstance(value, Mapping):
        problems.append(
            "pins.mcp3008: use false para desactivarlo o una tabla "
            f"{{ bus = 0, device = 0, channel = 0 }}, no {value!r}"
        )
        return base
    current = base or SpiChannel()
    updates: dict[str, int] = {}
    for key, number in value.items():
        if key not in ("bus", "device", "channel"):
            problems.append(
                f"pins.mcp3008.{key}: clave desconocida; las válidas son: bus, device, channel"
            )
        elif not _is_int(number):
            problems.append(f"pins.mcp3008.{key}: se esperaba un número entero, no {number!r}")
        else:
            updates[key] = number
    return replace(current, **updates)


def _spi_problems(spi: SpiChannel) -> list[str]:
    found = []
    if spi.bus != 0:
        found.append("pins.mcp3008.bus: solo se admite el bus SPI0 (bus = 0)")
    if spi.device not in (0, 1):
        found.append("pins.mcp3008.device: use 0 (CE0, GPIO 8) o 1 (CE1, GPIO 7)")
    if not 0 <= spi.channel <= 7:
        found.append("pins.mcp3008.channel: el MCP3008 tiene los canales 0 a 7")
    return found


# The three boards share the 40-pin header and its BCM numbering, so they share one map;
# the table exists so a board can differ later without changing callers. Reasons per pin
# are in hardware/docs/pins.md.
_HEADER_40: Final = PinMap(
    siren=17,  # pin 11: pulled down at boot, so the siren stays silent while booting
    strobe=27,  # pin 13: pulled down at boot
    status_led=22,  # pin 15
    key_switch=23,  # pin 16: input, internal pull-up, key closes to GND
    radio_reset=4,  # pin 7: pulled up at boot = RYLR998 RST (active low) released
    e220_m0=5,  # pin 29: pulled up at boot
    e220_m1=6,  # pin 31: pulled up at boot, so M1=M0=1 (sleep) until the driver runs
    e220_aux=24,  # pin 18: input
    buttons={"main": 25, "incendio": 16, "medica": 20, "silenciosa": 21},
    mcp3008=SpiChannel(bus=0, device=0, channel=0),  # SCLK 11, MOSI 10, MISO 9, CE0 8
)

BOARD_DEFAULTS: Final[Mapping[str, PinMap]] = MappingProxyType(
    {"pi-zero-2w": _HEADER_40, "pi4": _HEADER_40, "pi5": _HEADER_40}
)
"""Documented default pin maps, keyed by board name (read-only)."""
