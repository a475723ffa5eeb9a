"""``node.toml``: a panic node's configuration, read into frozen values and validated.

Every field is checked and every unknown key or table refused; errors are
:class:`~node.errors.NodeConfigError` with a Spanish message naming the file, the table and
the field, because installers read them (``node.toml: [node] address debe ser un número
entre 1 y 65534; recibí 0``). The reference is ``docs/node.md``; ``examples/node.toml``
is a complete example. The key is never part of a ``repr`` or a message.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Final

from hardware.errors import PinConfigError
from hardware.pins import PinMap
from hardware.radio.settings import RadioSettings, RadioSettingsError, parse_radio
from node._fields import Section, did_you_mean
from node.errors import NodeConfigError
from protocol.frame import CONTROLLER_ADDRESS, KEY_LEN, PanicKind

TABLES: Final = ("node", "buttons", "radio", "pins", "battery")
MAIN_KINDS: Final = {"PANICO": PanicKind.PANICO, "ROBO": PanicKind.ROBO}
OPTIONAL_BUTTONS: Final = {
    "incendio": PanicKind.INCENDIO,
    "medica": PanicKind.EMERGENCIA_MEDICA,
    "silenciosa": PanicKind.ALERTA_SILENCIOSA,
}
"""Optional buttons: ``[buttons]`` key → the kind it sends (the key is also the default pin
name in ``[pins] buttons``)."""
MAIN_PIN: Final = "main"
DEFAULT_STATE_DIR: Final = "/var/lib/sereno/node"
_HEX_KEY: Final = re.compile(r"[0-9A-Fa-f]{32}")
_PIN_FIELD: Final = re.compile(r"^pins\.([a-z0-9_.]+):")


@dataclass(frozen=True, slots=True)
class ButtonsConfig:
    """Which kinds the node's buttons send, by pin name (a key of ``[pins] buttons``)."""

    main: PanicKind = PanicKind.PANICO
    extra: Mapping[str, PanicKind] = field(default_factory=dict)
    """Optional buttons: pin name → kind."""
    hold_seconds: float = 3.0
    """Holding the main button this long sends CANCEL for its last PANIC."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))

    def kinds_by_pin(self) -> Mapping[str, PanicKind]:
        return MappingProxyType({MAIN_PIN: self.main, **self.extra})


@dataclass(frozen=True, slots=True)
class BatteryConfig:
    """The battery divider on an MCP3008 channel (``[pins] mcp3008`` gives bus/device)."""

    channel: int
    ratio: float
    vref: float = 3.3
    low_mv: int = 11800
    """Below this the HEARTBEAT sets its low-battery flag (11.8 V: a 12 V lead-acid)."""


@dataclass(frozen=True, slots=True)
class NodeConfig:
    address: int
    network_id: int
    key: bytes = field(repr=False)
    radio: RadioSettings
    pins: PinMap
    buttons: ButtonsConfig = ButtonsConfig()
    controller: int = CONTROLLER_ADDRESS
    state_dir: Path = Path(DEFAULT_STATE_DIR)
    heartbeat_hours: float = 6.0
    cancel_window_seconds: float = 60.0
    """How long after a PANIC the main button's hold may still cancel it (the
    controller's own window, ``cancel_window_s``, is 60 s by default)."""
    battery: BatteryConfig | None = None
    source: Path | None = None

    def __post_init__(self) -> None:
        if len(self.key) != KEY_LEN:
            raise NodeConfigError("la clave debe tener 16 bytes")


def load_config(path: str | Path) -> NodeConfig:
    """Read and validate a ``node.toml``; raises :class:`NodeConfigError`."""
    path = Path(path)
    label = path.name
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise NodeConfigError(f"{path}: el archivo de configuración no existe") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise NodeConfigError(f"{path}: no se pudo leer ({exc})") from None
    return parse_config(text, base_dir=path.parent, label=label, source=path)


def parse_config(
    text: str, *, base_dir: Path, label: str = "node.toml", source: Path | None = None
) -> NodeConfig:
    """Validate a configuration given as TOML text; paths are relative to ``base_dir``."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise NodeConfigError(f"{label}: no es TOML válido: {exc}") from None
    return config_from_mapping(document, base_dir=base_dir, label=label, source=source)


def config_from_mapping(
    document: Mapping[str, object],
    *,
    base_dir: Path,
    label: str = "node.toml",
    source: Path | None = None,
) -> NodeConfig:
    for name in document:
        if name not in TABLES:
            raise NodeConfigError(
                f"{label}: tabla desconocida [{name}];{did_you_mean(name, TABLES)} "
                "las válidas son: " + ", ".join(f"[{t}]" for t in TABLES)
            )
    if "node" not in document:
        raise NodeConfigError(f"{label}: falta la tabla [node]")
    node = Section(label, "node", document["node"])
    address = node.integer("address", 1, 65534)
    network_id = node.integer("network_id", 0, 65535)
    key = _key(node, base_dir)
    controller = node.integer("controller", 0, 65534, CONTROLLER_ADDRESS)
    if controller == address:
        raise node.error("controller", f"no puede ser la dirección del propio nodo ({address})")
    state_dir = base_dir / node.text("state_dir", DEFAULT_STATE_DIR)
    heartbeat_hours = node.number("heartbeat_hours", 0, 168, 6.0, low_open=True)
    cancel_window = node.number("cancel_window_seconds", 0, 3600, 60.0, low_open=True)
    node.finish()

    pins = _pins(label, document.get("pins", {}))
    buttons = _buttons(Section(label, "buttons", document.get("buttons")), pins)
    radio = _radio(label, document.get("radio"), address)
    battery = None
    if "battery" in document:
        battery = _battery(Section(label, "battery", document["battery"]), pins)
    return NodeConfig(
        address=address,
        network_id=network_id,
        key=key,
        radio=radio,
        pins=pins,
        buttons=buttons,
        controller=controller,
        state_dir=state_dir,
        heartbeat_hours=heartbeat_hours,
        cancel_window_seconds=cancel_window,
        battery=battery,
        source=source,
    )


def _key(node: Section, base_dir: Path) -> bytes:
    if node.has("key") and node.has("key_file"):
        raise node.error("key", "y key_file no pueden ir juntas; use solo una")
    if node.has("key_file"):
        key_path = base_dir / node.text("key_file")
        try:
            text = key_path.read_text("ascii").strip()
        except (OSError, UnicodeDecodeError):
            raise node.error("key_file", f"no se pudo leer {key_path}") from None
        if not _HEX_KEY.fullmatch(text):
            raise node.error(
                "key_file", f"{key_path} debe contener 32 dígitos hexadecimales (16 bytes)"
            )
        return bytes.fromhex(text)
    node.raw("key_file", None)  # offer it in "valid keys"
    if not node.has("key"):
        raise node.error("key", "falta: ponga key (32 dígitos hexadecimales) o key_file")
    value = node.raw("key")
    if not isinstance(value, str):
        raise node.error("key", "debe ser un texto de 32 dígitos hexadecimales (16 bytes)")
    if not _HEX_KEY.fullmatch(value):
        if len(value) == 32:
            raise node.error("key", "tiene caracteres que no son dígitos hexadecimales (0-9, a-f)")
        raise node.error(
            "key", f"debe tener 32 dígitos hexadecimales (16 bytes); recibí {len(value)} caracteres"
        )
    return bytes.fromhex(value)


def _pins(label: str, table: object) -> PinMap:
    if not isinstance(table, Mapping):
        raise NodeConfigError(f"{label}: [pins] debe ser una tabla; recibí {table!r}")
    try:
        return PinMap.from_mapping(table)
    except PinConfigError as exc:
        lines = [_PIN_FIELD.sub(r"\1:", line) for line in str(exc).splitlines()]
        raise NodeConfigError("\n".join(f"{label}: [pins] {line}" for line in lines)) from None


def _radio(label: str, table: object, address: int) -> RadioSettings:
    """``[radio]`` (hardware.radio.settings); the module address defaults to the node's."""
    try:
        return parse_radio(table, "node", address=address)
    except RadioSettingsError as exc:
        raise NodeConfigError("\n".join(f"{label}: {line}" for line in exc.problems)) from None


def _pin_name(section: Section, key: str, value: object, pins: PinMap) -> str:
    name = key if value is True else value
    if not isinstance(name, str):
        raise section.error(
            key, f"debe ser true, false o el nombre de un botón de [pins] buttons; recibí {value!r}"
        )
    if name not in pins.buttons:
        known = ", ".join(pins.buttons) or "ninguno"
        raise section.error(
            key, f'usa el botón "{name}", que no está en [pins] buttons (hay: {known})'
        )
    return name


def _buttons(section: Section, pins: PinMap) -> ButtonsConfig:
    main = section.choice("main", MAIN_KINDS, "PANICO")
    if MAIN_PIN not in pins.buttons:
        raise section.error("main", 'necesita un botón "main" en [pins] buttons')
    extra: dict[str, PanicKind] = {}
    for key, kind in OPTIONAL_BUTTONS.items():
        value = section.raw(key, False)
        if value is False:
            continue
        name = _pin_name(section, key, value, pins)
        if name == MAIN_PIN or name in extra:
            raise section.error(key, f'usa el botón "{name}", que ya tiene otro uso')
        extra[name] = kind
    hold = section.number("hold_seconds", 0.5, 30, 3.0)
    section.finish()
    return ButtonsConfig(main=main, extra=extra, hold_seconds=hold)


def _battery(section: Section, pins: PinMap) -> BatteryConfig:
    if pins.mcp3008 is None:
        raise NodeConfigError(
            f"{section.label}: [battery] necesita el MCP3008, pero [pins] mcp3008 = false"
        )
    channel = section.integer("channel", 0, 7, pins.mcp3008.channel)
    if section.has("ratio") and (section.has("top_ohms") or section.has("bottom_ohms")):
        raise section.error("ratio", "y top_ohms/bottom_ohms no pueden ir juntos; use uno")
    if section.has("top_ohms") or section.has("bottom_ohms"):
        top = section.number("top_ohms", 0, 10_000_000)
        bottom = section.number("bottom_ohms", 0, 10_000_000, low_open=True)
        ratio = (top + bottom) / bottom
    else:
        ratio = section.number("ratio", 1, 100)
        section.raw("top_ohms", None)
        section.raw("bottom_ohms", None)
    vref = section.number("vref", 0, 5.5, 3.3, low_open=True)
    full_scale_mv = vref * ratio * 1000
    low_mv = section.integer("low_mv", 0, 65534, 11800)
    if low_mv > full_scale_mv:
        raise section.error(
            "low_mv",
            f"= {low_mv} está sobre lo que el divisor puede medir ({math.floor(full_scale_mv)} mV)",
        )
    section.finish()
    return BatteryConfig(channel=channel, ratio=ratio, vref=vref, low_mv=low_mv)
