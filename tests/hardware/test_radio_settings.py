"""hardware.radio.settings: the one ``[radio]`` parser and opener of node and controller."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from gpiozero import DigitalOutputDevice, GPIOPinInUse
from gpiozero.pins.mock import MockFactory

from hardware.errors import HardwareError
from hardware.pins import BOARD_DEFAULTS
from hardware.radio.e220 import E220Radio
from hardware.radio.e220_registers import E220Config
from hardware.radio.rylr998 import Rylr998Radio
from hardware.radio.rylr998_at import Rylr998Config
from hardware.radio.serial_link import SerialLinkRadio
from hardware.radio.settings import (
    LONGEST_FRAME,
    E220Settings,
    RadioSettings,
    RadioSettingsError,
    Rylr998Settings,
    SerialSettings,
    Station,
    open_radio,
    parse_radio,
)
from protocol.airtime import rylr998_airtime_ms

AES = "00112233445566778899aabbccddeeff"
PINS = BOARD_DEFAULTS["pi4"]

# (station, [radio] as TOML gives it, the settings it becomes); a node's address is 17.
ACCEPTED: list[tuple[Station, object, RadioSettings]] = [
    ("node", None, Rylr998Settings(address=17)),
    ("node", {}, Rylr998Settings(address=17)),
    ("controller", {"kind": "rylr998"}, Rylr998Settings()),
    ("controller", {"kind": "emulated"}, Rylr998Settings(kind="emulated", port=None)),
    (
        "node",
        {"kind": "emulated", "port": "/dev/pts/3"},
        Rylr998Settings(kind="emulated", port="/dev/pts/3", address=17),
    ),
    (
        "node",
        {"port": " /dev/ttyAMA0 ", "address": 0},
        Rylr998Settings(port="/dev/ttyAMA0", address=0),
    ),
    (
        "controller",
        {"kind": "rylr998", "sf": 11, "bw_khz": 500, "cr": 4, "aes_key": AES},
        Rylr998Settings(sf=11, bw_khz=500, cr=4, aes_key=AES.upper()),
    ),
    ("controller", {"kind": "rylr998", "network_id": 5}, Rylr998Settings(network_id=5)),
    ("controller", {"kind": "rylr998", "preamble": 4}, Rylr998Settings(preamble=4)),
    (
        "controller",
        {"kind": "rylr998", "band_hz": 928_000_000, "tx_power_dbm": 0},
        Rylr998Settings(band_hz=928_000_000, tx_power_dbm=0),
    ),
    ("node", {"controller_address": 1}, Rylr998Settings(address=17, controller_address=1)),
    ("node", {"kind": "e220"}, E220Settings(address=17)),
    (
        "controller",
        {"kind": "e220", "channel": 80, "air_rate": 62500, "fixed_mode": True, "tx_power_dbm": 10},
        E220Settings(channel=80, air_rate=62500, fixed_mode=True, tx_power_dbm=10),
    ),
    (
        "node",
        {"kind": "e220", "controller_address": 0},
        E220Settings(address=17, controller_address=0),
    ),
    ("node", {"kind": "serial"}, SerialSettings()),
    (
        "controller",
        {"kind": "serial", "port": "/dev/ttyUSB1", "baudrate": 115200, "rs485": True},
        SerialSettings(port="/dev/ttyUSB1", baudrate=115200, rs485=True),
    ),
]


@pytest.mark.parametrize(("station", "table", "expected"), ACCEPTED)
def test_accepted(station: Station, table: object, expected: RadioSettings) -> None:
    assert parse_radio(table, station, address=17 if station == "node" else 0) == expected


_SF_RULE = "7 a 9 con 125 kHz, 7 a 10 con 250 kHz y 7 a 11 con 500 kHz"

# (station, [radio], the one problem it has: it starts with "[radio] <key> " and holds the rest)
REFUSED: list[tuple[Station, dict[str, Any], str, tuple[str, ...]]] = [
    ("controller", {}, "kind", ('falta; es obligatorio: "rylr998", "e220"',)),
    ("node", {"kind": "lora"}, "kind", ('debe ser uno de "rylr998", "e220", "serial"', "'lora'")),
    ("node", {"kind": 3}, "kind", ("recibí 3",)),
    ("node", {"port": ""}, "port", ("debe ser un texto no vacío",)),
    ("node", {"address": 65536}, "address", ("entre 0 y 65535", "recibí 65536")),
    ("node", {"address": True}, "address", ("recibí true",)),
    ("node", {"network_id": 16}, "network_id", ("entre 3 y 15, o 18",)),
    ("node", {"network_id": 2}, "network_id", ("entre 3 y 15, o 18",)),
    ("node", {"network_id": "18"}, "network_id", ("recibí '18'",)),
    ("node", {"band_hz": 868_000_000}, "band_hz", ("entre 915000000 y 928000000", "915–928 MHz")),
    ("node", {"band_hz": 928_000_001}, "band_hz", ("en Chile",)),
    ("node", {"bw_khz": 300}, "bw_khz", ("debe ser uno de 125, 250, 500 (kHz)",)),
    ("node", {"sf": 6}, "sf", ("entre 7 y 9", _SF_RULE)),
    ("node", {"sf": 12}, "sf", ("debe ser un número entre 7 y 9", "entre 7 y 11", _SF_RULE)),
    ("node", {"sf": 10}, "sf", ("entre 7 y 9 (con bw_khz = 125",)),
    ("node", {"sf": 11, "bw_khz": 250}, "sf", ("entre 7 y 10 (con bw_khz = 250",)),
    ("controller", {"kind": "rylr998", "sf": 11}, "sf", ("7 a 9 con 125 kHz",)),
    ("node", {"cr": 5}, "cr", ("entre 1 y 4 (1 = 4/5 … 4 = 4/8)",)),
    ("node", {"preamble": 25}, "preamble", ("entre 4 y 24",)),
    ("node", {"network_id": 5, "preamble": 8}, "preamble", ("debe ser 12 cuando network_id",)),
    (
        "node",
        {"sf": 9, "cr": 4, "preamble": 24},
        "sf",
        ("= 9, bw_khz = 125, cr = 4 y preamble = 24: una trama de 26 bytes", "menos de 400 ms"),
    ),
    (
        "controller",
        {"kind": "rylr998", "sf": 9, "cr": 4, "preamble": 24},
        "sf",
        ("una trama de 27 bytes tardaría 476 ms",),
    ),
    ("node", {"tx_power_dbm": 23}, "tx_power_dbm", ("entre 0 y 22 (dBm)",)),
    ("node", {"aes_key": "xyz"}, "aes_key", ("debe tener 32 dígitos hexadecimales",)),
    ("node", {"aes_key": 1234}, "aes_key", ("32 dígitos",)),
    ("node", {"controller_address": -1}, "controller_address", ("entre 0 y 65535",)),
    (
        "controller",
        {"kind": "rylr998", "controller_address": 1},
        "controller_address",
        ("solo va en node.toml",),
    ),
    ("node", {"adress": 3}, "adress", ('es una clave desconocida; ¿quiso decir "address"?',)),
    ("node", {"kind": "e220", "sf": 9}, "sf", ('las válidas con kind = "e220" son: kind, port',)),
    ("node", {"kind": "e220", "channel": 81}, "channel", ("entre 0 y 80", "850,125 + canal")),
    ("node", {"kind": "e220", "air_rate": 1000}, "air_rate", ("uno de 2400, 4800, 9600",)),
    ("node", {"kind": "e220", "tx_power_dbm": 20}, "tx_power_dbm", ("uno de 22, 17, 13, 10",)),
    ("node", {"kind": "e220", "fixed_mode": "no"}, "fixed_mode", ("debe ser true o false",)),
    ("node", {"kind": "serial", "baudrate": 1000}, "baudrate", ("uno de 1200, 2400",)),
    ("node", {"kind": "serial", "rs485": 1}, "rs485", ("true o false; recibí 1",)),
    (
        "node",
        {"kind": "serial", "controller_address": 1},
        "controller_address",
        ('es una clave desconocida; las válidas con kind = "serial" son: kind, port, baudrate',),
    ),
]


@pytest.mark.parametrize(
    ("station", "table", "key", "fragments"),
    REFUSED,
    ids=[f"{s}-{'-'.join(f'{k}={v}' for k, v in t.items())}" for s, t, _, _ in REFUSED],
)
def test_refused_naming_the_field(
    station: Station, table: dict[str, Any], key: str, fragments: tuple[str, ...]
) -> None:
    with pytest.raises(RadioSettingsError) as caught:
        parse_radio(table, station, address=17)
    assert len(caught.value.problems) == 1, caught.value.problems
    problem = caught.value.problems[0]
    assert problem.startswith(f"[radio] {key} ")
    for fragment in fragments:
        assert fragment in problem


def test_not_a_table() -> None:
    with pytest.raises(RadioSettingsError) as caught:
        parse_radio("rylr998", "node", address=17)
    assert caught.value.problems == ("[radio] debe ser una tabla; recibí 'rylr998'",)


def test_every_problem_at_once_and_no_echo_of_the_key() -> None:
    table = {"kind": "rylr998", "address": -1, "cr": 9, "aes_key": "z" * 32, "colour": 1}
    with pytest.raises(RadioSettingsError) as caught:
        parse_radio(table, "controller")
    problems = caught.value.problems
    assert [p.split()[1] for p in problems] == ["address", "cr", "aes_key", "colour"]
    assert str(caught.value) == "\n".join(problems)
    assert "z" * 32 not in str(caught.value)


def test_a_bad_modulation_value_is_not_also_blamed_on_airtime() -> None:
    with pytest.raises(RadioSettingsError) as caught:
        parse_radio({"sf": 9, "cr": 9, "preamble": 24}, "node", address=17)
    assert caught.value.problems == (
        "[radio] cr debe ser un número entre 1 y 4 (1 = 4/5 … 4 = 4/8); recibí 9",
    )


def test_an_unknown_kind_leaves_the_other_keys_unjudged() -> None:
    with pytest.raises(RadioSettingsError) as caught:
        parse_radio({"kind": "lora", "spreading": 9}, "node", address=17)
    assert [p.split()[1] for p in caught.value.problems] == ["kind"]


def test_the_error_is_a_hardware_error_and_a_value_error() -> None:
    assert issubclass(RadioSettingsError, HardwareError)
    assert issubclass(RadioSettingsError, ValueError)
    assert RadioSettingsError("[radio] x").problems == ("[radio] x",)


def test_the_key_is_kept_out_of_repr() -> None:
    assert AES not in repr(Rylr998Settings(aes_key=AES))


def test_longest_frames() -> None:
    assert LONGEST_FRAME == {"node": 26, "controller": 27}  # a HEARTBEAT; an ACK


def test_rylr998_airtime_is_exact() -> None:
    settings = Rylr998Settings(sf=7, bw_khz=250, cr=2, preamble=8)
    assert settings.airtime_ms(24) == rylr998_airtime_ms(24, 7, 250_000, cr=2, preamble=8)
    assert Rylr998Settings().airtime_ms(24) == pytest.approx(304.128)  # FIELD-FACTS.md


def test_e220_airtime_is_the_driver_estimate() -> None:
    settings = E220Settings(air_rate=9600)
    assert settings.airtime_ms(26) == E220Config(air_rate_bps=9600).airtime_ms(26)


def test_serial_airtime_is_the_cobs_bytes_at_ten_bits_each() -> None:
    # 26 bytes: 1 COBS overhead byte and the 0x00 delimiter, 28 bytes, 280 bits at 9600 bit/s.
    assert SerialSettings().airtime_ms(26) == pytest.approx(280 / 9600 * 1000)
    assert SerialSettings(baudrate=115200).airtime_ms(300) == pytest.approx(
        (300 + 2 + 1) * 10 / 115200 * 1000
    )


def test_driver_configs() -> None:
    rylr = Rylr998Settings(address=9, network_id=5, sf=7, bw_khz=250, cr=3, aes_key=AES.upper())
    assert rylr.driver_config() == Rylr998Config(
        address=9, network_id=5, sf=7, bw_khz=250, cr=3, aes_key=AES.upper()
    )
    e220 = E220Settings(address=3, channel=70, air_rate=4800, fixed_mode=True, tx_power_dbm=13)
    assert e220.driver_config() == E220Config(
        address=3, channel=70, air_rate_bps=4800, fixed=True, tx_power_dbm=13
    )


def test_open_rylr998() -> None:
    radio = open_radio(Rylr998Settings(port="/dev/ttyS9", sf=7), pins=PINS, pin_factory=None)
    assert isinstance(radio, Rylr998Radio)
    assert radio.port.path == "/dev/ttyS9"
    assert radio.config == Rylr998Config(address=0, sf=7)


async def test_open_e220_takes_its_pins_from_the_pin_map(mock_factory: MockFactory) -> None:
    pins = replace(PINS, e220_m0=12, e220_m1=13, e220_aux=26)
    radio = open_radio(E220Settings(channel=70), pins=pins, pin_factory=mock_factory)
    assert isinstance(radio, E220Radio)
    assert (radio.port, radio.config) == ("/dev/serial0", E220Config(channel=70))
    for pin in (12, 13, 26):
        with pytest.raises(GPIOPinInUse):
            DigitalOutputDevice(pin, pin_factory=mock_factory)
    await radio.close()


def test_open_serial() -> None:
    settings = SerialSettings(port="/dev/ttyUSB1", baudrate=19200, rs485=True)
    radio = open_radio(settings, pins=PINS, pin_factory=None)
    assert isinstance(radio, SerialLinkRadio)
    assert (radio.port, radio.baudrate, radio.rs485) == ("/dev/ttyUSB1", 19200, True)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (Rylr998Settings(kind="emulated", port=None), "solo sirve dentro de sereno demo"),
        (Rylr998Settings(kind="emulated", port="/dev/pts/1"), "solo sirve dentro de sereno demo"),
        (Rylr998Settings(port=None), r"\[radio\] port falta"),
    ],
)
def test_open_refuses(settings: Rylr998Settings, message: str) -> None:
    with pytest.raises(RadioSettingsError, match=message):
        open_radio(settings, pins=PINS, pin_factory=None)
