"""Board pin maps: defaults are valid and every validation rule speaks Spanish."""

from __future__ import annotations

import dataclasses

import pytest

from hardware.errors import HardwareError, PinConfigError
from hardware.pins import (
    BOARD_DEFAULTS,
    BOOT_PULL_UP_GPIOS,
    I2C1_PINS,
    SPI0_PINS,
    UART_RXD,
    UART_TXD,
    PinMap,
    SpiChannel,
)


def config_error(table: dict[str, object], **kwargs: str) -> str:
    with pytest.raises(PinConfigError) as caught:
        PinMap.from_mapping(table, **kwargs)
    return str(caught.value)


@pytest.mark.parametrize("board", ["pi-zero-2w", "pi4", "pi5"])
def test_board_defaults_are_valid_and_safe(board: str) -> None:
    pins = BOARD_DEFAULTS[board]
    assert pins.problems() == []
    used = [pin for _, pin in pins.assignments()]
    assert len(used) == len(set(used))
    assert {UART_TXD, UART_RXD}.isdisjoint(used)
    assert set(SPI0_PINS).isdisjoint(used)
    assert set(I2C1_PINS).isdisjoint(used)
    # Relay outputs must sit on pins pulled down at boot: no siren at power-up.
    assert pins.siren not in BOOT_PULL_UP_GPIOS
    assert pins.strobe not in BOOT_PULL_UP_GPIOS
    assert set(pins.buttons) == {"main", "incendio", "medica", "silenciosa"}
    assert pins.mcp3008 == SpiChannel(bus=0, device=0, channel=0)
    assert (pins.uart_txd, pins.uart_rxd) == (14, 15)


def test_as_mapping_round_trips() -> None:
    pins = BOARD_DEFAULTS["pi5"]
    assert PinMap.from_mapping(pins.as_mapping()) == pins
    assert PinMap.from_mapping({}) == BOARD_DEFAULTS["pi4"]


def test_overrides_land_on_the_named_board() -> None:
    pins = PinMap.from_mapping(
        {"board": "pi-zero-2w", "siren": 12, "buttons": {"main": 13}, "mcp3008": {"channel": 3}}
    )
    assert pins.siren == 12
    assert pins.strobe == BOARD_DEFAULTS["pi-zero-2w"].strobe
    assert dict(pins.buttons) == {"main": 13}
    assert pins.mcp3008 == SpiChannel(bus=0, device=0, channel=3)


def test_buttons_are_read_only() -> None:
    pins = BOARD_DEFAULTS["pi4"]
    with pytest.raises(TypeError):
        pins.buttons["main"] = 5  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        pins.siren = 5  # type: ignore[misc]


def test_pin_config_error_is_a_hardware_error() -> None:
    assert issubclass(PinConfigError, HardwareError)
    assert issubclass(HardwareError, OSError)


def test_unknown_key_names_the_field_and_suggests() -> None:
    message = config_error({"sirena": 17})
    assert message.startswith("pins.sirena: clave desconocida")
    assert '¿quiso decir "siren"?' in message


def test_uart_is_not_configurable() -> None:
    message = config_error({"uart_txd": 14})
    assert message.startswith("pins.uart_txd:")
    assert "fija en GPIO 14 (TXD)" in message


def test_unknown_board() -> None:
    assert config_error({"board": "pi3"}).startswith("pins.board: placa desconocida 'pi3'")
    assert "pi5" in config_error({}, board="pi-400")


@pytest.mark.parametrize("value", ["17", 17.0, True, None])
def test_non_integer_pin(value: object) -> None:
    message = config_error({"status_led": value})
    assert message == (f"pins.status_led: se esperaba un número de GPIO entero (BCM), no {value!r}")


def test_non_integer_button_pin() -> None:
    message = config_error({"buttons": {"incendio": "16"}})
    assert message.startswith("pins.buttons.incendio: se esperaba un número de GPIO entero")


@pytest.mark.parametrize("pin", [0, 1, 28, 40, -3])
def test_pin_outside_header_range(pin: int) -> None:
    message = config_error({"status_led": pin})
    assert message.startswith(f"pins.status_led: el GPIO {pin} no es utilizable")
    assert "entre 2 y 27" in message


def test_same_pin_twice_names_both_fields() -> None:
    message = config_error({"strobe": 17})  # 17 is the default siren
    assert message == "pins.strobe: el GPIO 17 ya está asignado a pins.siren"


def test_button_colliding_with_output() -> None:
    message = config_error({"buttons": {"main": 22}})  # 22 is the status LED
    assert message == "pins.buttons.main: el GPIO 22 ya está asignado a pins.status_led"


def test_uart_collision_message_for_installers() -> None:
    assert config_error({"siren": 14}) == (
        "pins.siren: el GPIO 14 es la UART (TXD) del radio; elija otro"
    )
    assert config_error({"key_switch": 15}).startswith(
        "pins.key_switch: el GPIO 15 es la UART (RXD) del radio"
    )


@pytest.mark.parametrize(("pin", "line"), [(7, "CE1"), (8, "CE0"), (9, "MISO"), (11, "SCLK")])
def test_spi_pins_are_taken_while_the_mcp3008_is_in_use(pin: int, line: str) -> None:
    message = config_error({"status_led": pin})
    assert message.startswith(f"pins.status_led: el GPIO {pin} es del bus SPI0 ({line})")
    assert "desactive pins.mcp3008" in message


def test_spi_pins_are_free_without_the_mcp3008() -> None:
    pins = PinMap.from_mapping({"mcp3008": False, "status_led": 10, "e220_aux": 9})
    assert pins.mcp3008 is None
    assert (pins.status_led, pins.e220_aux) == (10, 9)


@pytest.mark.parametrize("field", ["siren", "status_led", "radio_reset", "e220_m0"])
def test_i2c_pins_are_not_outputs(field: str) -> None:
    message = config_error({field: 2})
    assert message.startswith(f"pins.{field}: el GPIO 2 es I2C (SDA)")
    assert "no sirve como salida" in message


def test_i2c_pin_is_allowed_as_an_input() -> None:
    pins = PinMap.from_mapping({"buttons": {"main": 3}})
    assert pins.buttons["main"] == 3


@pytest.mark.parametrize(("field", "label"), [("siren", "la sirena"), ("strobe", "luz")])
def test_relays_refuse_pins_pulled_high_at_boot(field: str, label: str) -> None:
    message = config_error({field: 5, "e220_m0": 12})
    assert message.startswith(f"pins.{field}: el GPIO 5 queda en alto al encender")
    assert label in message


def test_non_relay_outputs_may_use_boot_high_pins() -> None:
    pins = PinMap.from_mapping({"status_led": 26, "radio_reset": 4})
    assert pins.radio_reset == 4


def test_every_problem_is_reported_at_once() -> None:
    message = config_error({"siren": 14, "strobe": 40})
    assert message.splitlines() == [
        "pins.siren: el GPIO 14 es la UART (TXD) del radio; elija otro",
        "pins.strobe: el GPIO 40 no es utilizable; use un GPIO entre 2 y 27 (numeración BCM)",
    ]


@pytest.mark.parametrize(
    ("spi", "expected"),
    [
        ({"bus": 1}, "pins.mcp3008.bus: solo se admite el bus SPI0"),
        ({"device": 2}, "pins.mcp3008.device: use 0 (CE0, GPIO 8) o 1 (CE1, GPIO 7)"),
        ({"channel": 8}, "pins.mcp3008.channel: el MCP3008 tiene los canales 0 a 7"),
        ({"chanel": 1}, "pins.mcp3008.chanel: clave desconocida"),
        ({"channel": "1"}, "pins.mcp3008.channel: se esperaba un número entero"),
        ("on", "pins.mcp3008: use false para desactivarlo"),
    ],
)
def test_mcp3008_table(spi: object, expected: str) -> None:
    assert config_error({"mcp3008": spi}).startswith(expected)


def test_buttons_must_be_a_table_of_valid_names() -> None:
    assert config_error({"buttons": [16]}).startswith("pins.buttons: se esperaba una tabla")
    assert config_error({"buttons": {"Botón Rojo": 16}}).startswith(
        "pins.buttons: nombre de botón inválido 'Botón Rojo'"
    )


def test_direct_construction_is_validated_too() -> None:
    with pytest.raises(PinConfigError, match=r"^pins\.siren: el GPIO 15 es la UART"):
        dataclasses.replace(BOARD_DEFAULTS["pi4"], siren=15)
