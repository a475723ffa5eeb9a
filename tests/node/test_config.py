"""node.toml: the example loads; bad files are refused with a message naming the field."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest

from hardware.radio.settings import E220Settings, Rylr998Settings, SerialSettings
from node.config import ButtonsConfig, NodeConfig, config_from_mapping, load_config, parse_config
from node.errors import NodeConfigError, NodeError
from protocol.frame import PanicKind
from tests.node.conftest import BASE, node_config
from tests.node.fakes import KEY

EXAMPLE = Path(__file__).parents[2] / "examples" / "node.toml"


def test_example_loads(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / "node.toml")
    (tmp_path / "nodo-17.key").write_text(KEY.hex() + "\n")
    config = load_config(tmp_path / "node.toml")
    assert config.address == 17
    assert config.network_id == 2571
    assert config.key == KEY
    assert config.controller == 0
    assert config.state_dir == tmp_path / "estado"
    assert config.heartbeat_hours == 6
    assert config.buttons == ButtonsConfig(PanicKind.PANICO, {"incendio": PanicKind.INCENDIO}, 3.0)
    assert config.buttons.kinds_by_pin() == {
        "main": PanicKind.PANICO,
        "incendio": PanicKind.INCENDIO,
    }
    assert isinstance(config.radio, Rylr998Settings)
    assert (config.radio.sf, config.radio.address, config.radio.controller_address) == (9, 17, None)
    assert config.battery is not None
    assert config.battery.ratio == pytest.approx(4.9)
    assert config.source == tmp_path / "node.toml"


def test_the_key_is_never_shown(tmp_path: Path) -> None:
    config = node_config(tmp_path, radio={"aes_key": "A" * 32})
    assert KEY.hex() not in repr(config)
    assert "A" * 32 not in repr(config)


def test_defaults(tmp_path: Path) -> None:
    config = config_from_mapping(
        {"node": {"address": 3, "network_id": 0, "key": KEY.hex()}}, base_dir=tmp_path
    )
    assert config.state_dir == Path("/var/lib/sereno/node")
    assert config.buttons == ButtonsConfig()
    assert config.radio == Rylr998Settings(port="/dev/serial0", address=3)
    assert config.battery is None
    assert config.pins.mcp3008 is not None


def test_optional_buttons_by_pin_name(tmp_path: Path) -> None:
    config = node_config(
        tmp_path,
        buttons={"incendio": False, "silenciosa": "extra"},
        pins={"buttons": {"main": 25, "extra": 16}},
    )
    assert config.buttons.kinds_by_pin() == {
        "main": PanicKind.PANICO,
        "extra": PanicKind.ALERTA_SILENCIOSA,
    }


def test_other_radio_kinds(tmp_path: Path) -> None:
    def radio(**changes: Any) -> object:
        document = _document({f"radio.{key}": value for key, value in changes.items()})
        return config_from_mapping(document, base_dir=tmp_path).radio

    e220 = radio(kind="e220", sf=None, controller_address=0)
    assert e220 == E220Settings(port="/dev/null", address=17, controller_address=0)
    serial = radio(kind="serial", rs485=True, sf=None)
    assert serial == SerialSettings(port="/dev/null", rs485=True)
    emulated = radio(kind="emulated", port=None)
    assert isinstance(emulated, Rylr998Settings)
    assert emulated.port is None
    assert emulated.kind == "emulated"


def _document(changes: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        table, _, key = dotted.partition(".")
        if not key:
            document[table] = value
        elif value is None:
            document[table].pop(key, None)
        else:
            document.setdefault(table, {})[key] = value
    return document


CASES: list[tuple[dict[str, Any], str]] = [
    ({"node.address": 0}, "[node] address debe ser un número entre 1 y 65534; recibí 0"),
    ({"node.address": 65535}, "[node] address debe ser un número entre 1 y 65534"),
    ({"node.address": "17"}, "[node] address debe ser un número"),
    ({"node.address": True}, "[node] address debe ser un número"),
    ({"node.address": None}, "[node] address es obligatorio"),
    ({"node.network_id": 70000}, "[node] network_id debe ser un número entre 0 y 65535"),
    ({"node.key": "abc"}, "[node] key debe tener 32 dígitos hexadecimales (16 bytes); recibí 3"),
    ({"node.key": "zz" * 16}, "[node] key tiene caracteres que no son dígitos hexadecimales"),
    ({"node.key": 1234}, "[node] key debe ser un texto de 32 dígitos hexadecimales"),
    ({"node.key": None}, "[node] key falta"),
    ({"node.key_file": "clave.key"}, "[node] key y key_file no pueden ir juntas"),
    ({"node.controller": 17}, "[node] controller no puede ser la dirección del propio nodo"),
    ({"node.heartbeat_hours": 0}, "[node] heartbeat_hours debe ser un número mayor que 0"),
    ({"node.heartbeat_hours": 200}, "[node] heartbeat_hours debe ser un número mayor que 0"),
    ({"node.adress": 3}, '[node] adress es una clave desconocida; ¿quiso decir "address"?'),
    ({"nodo": {}}, 'tabla desconocida [nodo]; ¿quiso decir "node"?'),
    ({"node": "17"}, "[node] debe ser una tabla"),
    ({"buttons.main": "INCENDIO"}, '[buttons] main debe ser uno de "PANICO", "ROBO"'),
    ({"buttons.medica": "boton9"}, '[buttons] medica usa el botón "boton9", que no está'),
    ({"buttons.medica": 3}, "[buttons] medica debe ser true, false o el nombre de un botón"),
    ({"buttons.silenciosa": "main"}, '[buttons] silenciosa usa el botón "main", que ya tiene'),
    ({"buttons.hold_seconds": 0.1}, "[buttons] hold_seconds debe ser un número entre 0.5 y 30"),
    ({"radio.kind": "lora"}, '[radio] kind debe ser uno de "rylr998", "e220", "serial"'),
    ({"radio.sf": 12}, "[radio] sf debe ser un número entre 7 y 9"),
    ({"radio.network_id": 16}, "[radio] network_id debe ser un número entre 3 y 15, o 18"),
    (
        {"radio.network_id": 5, "radio.preamble": 8},
        "[radio] preamble debe ser 12 cuando network_id no es 18",
    ),
    ({"radio.band_hz": 868_000_000}, "[radio] band_hz debe ser un número entre 915000000"),
    ({"radio.aes_key": "xyz"}, "[radio] aes_key debe tener 32 dígitos hexadecimales"),
    ({"radio.baud": 9600}, "[radio] baud es una clave desconocida"),
    ({"radio.port": ""}, "[radio] port debe ser un texto no vacío"),
    (
        {"radio.kind": "e220", "radio.sf": None, "radio.air_rate": 1000},
        "[radio] air_rate debe ser uno de 2400, 4800",
    ),
    (
        {"radio.kind": "serial", "radio.sf": None, "radio.baudrate": 1},
        "[radio] baudrate debe ser uno de",
    ),
    ({"radio.kind": "serial", "radio.sf": 9}, "[radio] sf es una clave desconocida"),
    (
        {
            "radio.sf": 9,
            "radio.bw_khz": 125,
            "radio.cr": 4,
            "radio.network_id": 18,
            "radio.preamble": 24,
        },
        "[radio] sf = 9, bw_khz = 125, cr = 4 y preamble = 24: una trama de 26 bytes tardaría",
    ),
    ({"pins.status_led": 14}, "[pins] status_led: el GPIO 14 es la UART"),
    ({"pins.board": "pi3"}, "[pins] board: placa desconocida"),
    ({"pins.buttons": {"incendio": 16}}, '[buttons] main necesita un botón "main"'),
    ({"battery": {"ratio": 4.9}}, "[battery] necesita el MCP3008"),
    (
        {"pins.mcp3008": True, "battery": {"ratio": 0.5}},
        "[battery] ratio debe ser un número entre 1 y 100",
    ),
    (
        {"pins.mcp3008": True, "battery": {"ratio": 4.9, "top_ohms": 1}},
        "[battery] ratio y top_ohms/bottom_ohms no pueden ir juntos",
    ),
    (
        {"pins.mcp3008": True, "battery": {"ratio": 1.0, "low_mv": 12000}},
        "[battery] low_mv = 12000 está sobre lo que el divisor puede medir (3300 mV)",
    ),
    ({"pins.mcp3008": True, "battery": {"channel": 8}}, "[battery] channel debe ser un número"),
    ({"pins.mcp3008": True, "battery": {}}, "[battery] ratio es obligatorio"),
]


@pytest.mark.parametrize(("changes", "message"), CASES, ids=[m[:40] for _, m in CASES])
def test_bad_configuration_is_refused_naming_the_field(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(NodeConfigError) as caught:
        config_from_mapping(_document(changes), base_dir=tmp_path)
    text = str(caught.value)
    assert text.startswith("node.toml: ")
    assert message in text
    assert KEY.hex() not in text
    assert isinstance(caught.value, NodeError)
    assert isinstance(caught.value, ValueError)


def test_key_file_is_read_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "n.key").write_text(f"  {KEY.hex().upper()}\n")
    document = _document({"node.key": None, "node.key_file": "n.key"})
    assert config_from_mapping(document, base_dir=tmp_path).key == KEY


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no se pudo leer"), ("1234", "debe contener 32 dígitos")],
)
def test_bad_key_file(tmp_path: Path, content: str | None, message: str) -> None:
    if content is not None:
        (tmp_path / "n.key").write_text(content)
    document = _document({"node.key": None, "node.key_file": "n.key"})
    with pytest.raises(NodeConfigError, match=message) as caught:
        config_from_mapping(document, base_dir=tmp_path)
    assert "[node] key_file" in str(caught.value)


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(NodeConfigError, match="no existe"):
        load_config(tmp_path / "falta.toml")
    with pytest.raises(NodeConfigError, match=r"node\.toml: no es TOML válido"):
        parse_config("[node\naddress = 1", base_dir=tmp_path)
    with pytest.raises(NodeConfigError, match=r"falta la tabla \[node\]"):
        parse_config("[buttons]\nmain = 'ROBO'", base_dir=tmp_path)


def test_label_is_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "casa-17.toml"
    path.write_text("[node]\naddress = 0\n")
    with pytest.raises(NodeConfigError, match=r"^casa-17.toml: \[node\] address"):
        load_config(path)


def test_values_are_frozen(tmp_path: Path) -> None:
    config: NodeConfig = node_config(tmp_path)
    with pytest.raises(AttributeError):
        config.address = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.buttons.extra["x"] = PanicKind.ROBO  # type: ignore[index]
