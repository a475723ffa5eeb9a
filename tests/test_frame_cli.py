"""``sereno frame decode|encode`` against the golden vectors, and its Spanish errors."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from protocol import REASONS, FrameError, b64_encode, frame_for_stream, frame_tag
from sereno.cli import main
from sereno.frame_cli import refusal_message
from tests.protocol.vectors import INVALID, VALID, InvalidVector, ValidVector, by_name

KEY = "000102030405060708090a0b0c0d0e0f"
DOC = Path(__file__).resolve().parents[1] / "docs" / "protocol.md"

# What each valid vector's payload says, as the CLI prints it.
BODIES: dict[str, dict[str, Any]] = {
    "panic-robo": {"kind": "ROBO", "contact_id": 130, "battery_mv": 3700},
    "panic-incendio": {"kind": "INCENDIO", "contact_id": 110, "battery_mv": 3650},
    "panic-silenciosa": {"kind": "ALERTA_SILENCIOSA", "contact_id": 122, "battery_mv": None},
    "ack-accepted": {"acked_counter": 1, "result": "ACCEPTED", "alarm_state": "SOUNDING"},
    "ack-duplicate": {"acked_counter": 1, "result": "DUPLICATE", "alarm_state": "SOUNDING"},
    "heartbeat": {
        "battery_mv": 3300,
        "low_battery": True,
        "tamper": False,
        "external_power": False,
        "fw_major": 1,
        "fw_minor": 2,
    },
    "cancel": {"panic_counter": 1},
    "test": {},
    "unknown-type-0x10": {},
}
TYPE_NAMES = {1: "PANIC", 2: "CANCEL", 3: "HEARTBEAT", 4: "TEST", 0x81: "ACK", 0x10: "0x10"}

# The options that rebuild each valid vector from its meaning (not its raw payload).
ENCODE_OPTIONS: dict[str, str] = {
    "panic-robo": "--type PANIC --kind ROBO --battery-mv 3700",
    "panic-incendio": "--type panic --kind incendio --battery-mv 3650",
    "panic-silenciosa": "--type PANIC --kind ALERTA_SILENCIOSA",
    "ack-accepted": "--type ACK --acked 1 --alarm-state sounding",
    "ack-duplicate": "--type ACK --acked 1 --result duplicate --alarm-state sounding",
    "heartbeat": "--type HEARTBEAT --battery-mv 3300 --low-battery --fw 1.2",
    "cancel": "--type CANCEL --cancels 1",
    "test": "--type TEST",
    "unknown-type-0x10": "--type 0x10 --payload 000102",
}

valid = pytest.mark.parametrize("vector", VALID, ids=[v.name for v in VALID])
invalid = pytest.mark.parametrize("vector", INVALID, ids=[v.name for v in INVALID])


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["frame", *args])


def _forms(frame: bytes) -> dict[str, str]:
    return {"hex": frame.hex(), "base64": b64_encode(frame), "cobs": frame_for_stream(frame).hex()}


def test_frame_group_is_registered() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "frame" in result.output


def test_vector_tables_cover_every_vector() -> None:
    assert {v.name for v in VALID} == set(BODIES) == set(ENCODE_OPTIONS)


@valid
@pytest.mark.parametrize("form", ["hex", "base64", "cobs"])
def test_every_valid_vector_decodes_in_every_form(vector: ValidVector, form: str) -> None:
    result = run("decode", "--key", vector.key.hex(), _forms(vector.frame)[form])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert json.loads(result.stdout) == {
        "type": TYPE_NAMES[vector.type],
        "network": vector.network,
        "src": vector.src,
        "dst": vector.dst,
        "counter": vector.counter,
        "payload": vector.payload.hex(),
        **BODIES[vector.name],
        "form": form,
    }
    assert result.stdout.count("\n") == 1  # one JSON object, one line


@valid
def test_vector_forms_as_given_in_the_file_are_detected(vector: ValidVector) -> None:
    for text, form in [(vector.base64, "base64"), (vector.cobs.hex(), "cobs")]:
        result = run("decode", "--key", vector.key.hex(), text)
        assert json.loads(result.stdout)["form"] == form


@pytest.mark.parametrize("form", ["hex", "base64", "cobs"])
def test_forced_form(form: str) -> None:
    vector = by_name("cancel")
    result = run("decode", "--key", KEY, "--as", form, _forms(vector.frame)[form])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["panic_counter"] == 1


def test_forced_form_that_does_not_fit_is_a_spanish_usage_error() -> None:
    result = run("decode", "--key", KEY, "--as", "hex", by_name("cancel").base64)
    assert result.exit_code == 2
    assert "No se pudo leer la trama en la forma hex" in result.stderr


@invalid
@pytest.mark.parametrize("form", ["hex", "base64", "cobs"])
def test_every_invalid_vector_is_refused_with_its_reason(vector: InvalidVector, form: str) -> None:
    result = run("decode", "--key", vector.key.hex(), _forms(vector.frame)[form])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"Trama rechazada ({vector.reason}): " in result.stderr


def test_verified_frame_with_an_undefined_kind_is_refused_as_payload() -> None:
    # encode refuses kind 9, so sign the bytes by hand: a valid tag over a bad payload.
    signed = bytes.fromhex("01010a0b000700000000000903090e74")
    data = signed + frame_tag(bytes.fromhex(KEY), signed)
    result = run("decode", "--key", KEY, data.hex())
    assert result.exit_code == 1
    assert "Trama rechazada (payload): " in result.stderr


def test_every_reason_has_a_spanish_explanation() -> None:
    for reason in REASONS:
        message = refusal_message(FrameError(reason, "detail in English"))
        assert message.startswith(f"Trama rechazada ({reason}): ")
        assert "detail in English" not in message


@valid
def test_encode_reproduces_every_vector_from_its_meaning(vector: ValidVector) -> None:
    header = (
        f"--key {vector.key.hex()} --network {vector.network} --src {vector.src} "
        f"--dst {vector.dst} --counter {vector.counter}"
    )
    result = run("encode", *shlex.split(header), *shlex.split(ENCODE_OPTIONS[vector.name]))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "frame": vector.frame.hex(),
        "base64": vector.base64,
        "cobs": vector.cobs.hex(),
        "length": len(vector.frame),
    }


@valid
def test_encode_reproduces_every_vector_from_its_raw_payload(vector: ValidVector) -> None:
    result = run(
        "encode", "--key", vector.key.hex(), "--type", f"0x{vector.type:02x}",
        "--network", str(vector.network), "--src", str(vector.src), "--dst", str(vector.dst),
        "--counter", str(vector.counter), "--payload", vector.payload.hex(),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["frame"] == vector.frame.hex()


@pytest.mark.parametrize(
    "key",
    ["0001020304", "000102030405060708090a0b0c0d0e0f00", "zz0102030405060708090a0b0c0d0e0f"],
)
def test_bad_key_is_a_spanish_usage_error(key: str) -> None:
    header = shlex.split("--type TEST --network 1 --src 7 --dst 0 --counter 1")
    for args in (
        ["decode", "--key", key, by_name("test").base64],
        ["encode", "--key", key, *header],
    ):
        result = run(*args)
        assert result.exit_code == 2
        assert "La clave debe tener 32 dígitos hexadecimales (16 bytes)" in result.stderr
        assert result.stdout == ""


def test_key_may_be_pasted_with_spaces_or_colons() -> None:
    spaced = " ".join(KEY[i : i + 2] for i in range(0, 32, 2))
    for key in (spaced, spaced.replace(" ", ":"), KEY.upper()):
        assert run("decode", "--key", key, by_name("test").base64).exit_code == 0


ENCODE_BASE = "--key " + KEY + " --type PANIC --network 1 --src 7 --dst 0 --counter 1 --kind ROBO"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("--network abc", "--network: «abc» no es un número entero"),
        ("--network 65536", "--network debe estar entre 0 y 65535; recibí 65536."),
        ("--counter -1", "--counter debe estar entre 0 y 4294967295; recibí -1."),
        ("--counter 4294967296", "--counter debe estar entre 0 y 4294967295"),
        ("--src 65535", "Un nodo es 1-65534 y el controlador 0."),
        ("--battery-mv 65535", "Omita la opción si el nodo va a la red"),
        ("--battery-mv 3,7", "--battery-mv: «3,7» no es un número entero"),
        ("--kind ROB", "--kind: «ROB» no es un tipo de pánico; use uno de: PANICO, ROBO"),
        ("--type ALARMA", "--type: «ALARMA» no es un tipo de trama"),
        ("--type 256", "--type: «256» no es un tipo de trama"),
        ("--cancels 3", "--cancels no corresponde a una trama PANIC; sirve para CANCEL."),
        ("--cancels 0", "--cancels no corresponde a una trama PANIC; sirve para CANCEL."),
        ("--fw 1.2", "--fw no corresponde a una trama PANIC; sirve para HEARTBEAT."),
        ("--payload 020e74", "--payload no se combina con --kind"),
    ],
)
def test_bad_encode_options_are_spanish_usage_errors(change: str, message: str) -> None:
    args = shlex.split(ENCODE_BASE)
    option, _, value = change.partition(" ")
    if option in args:
        args[args.index(option) + 1] = value
    else:
        args += [option, value]
    result = run("encode", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("--type PANIC", "Para una trama PANIC falta --kind: el tipo de pánico: PANICO"),
        ("--type CANCEL", "Para una trama CANCEL falta --cancels"),
        ("--type HEARTBEAT", "Para una trama HEARTBEAT falta --fw"),
        ("--type ACK", "Para una trama ACK falta --acked"),
        ("--type HEARTBEAT --fw 1.x", "--fw debe ser la versión de firmware como MAYOR.MENOR"),
        ("--type HEARTBEAT --fw 1.256", "--fw debe ser la versión de firmware"),
        ("--type ACK --acked 1 --result ok", "--result: «ok» no es un resultado"),
        ("--type PANIC --payload 02", "--payload no sirve para una trama PANIC: debe tener 3"),
        ("--type PANIC --payload 090e74", "--payload no sirve para una trama PANIC"),
        ("--type 0x10 --payload 0g", "--payload: «0g» no es hexadecimal"),
        ("--type 0x10 --payload " + "00" * 65, "--payload tiene 65 bytes; el máximo es 64."),
        ("--type 0x10 --kind ROBO", "--kind no corresponde a una trama 0x10; sirve para PANIC."),
    ],
)
def test_missing_or_misplaced_type_options(args: str, message: str) -> None:
    base = f"--key {KEY} --network 1 --src 7 --dst 0 --counter 1 "
    result = run("encode", *shlex.split(base + args))
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_numbers_may_be_hex() -> None:
    result = run(
        "encode", "--key", KEY, "--type", "PANIC", "--network", "0x0A0B", "--src", "0x7",
        "--dst", "0", "--counter", "1", "--kind", "robo", "--battery-mv", "0x0E74",
    )  # fmt: skip
    assert json.loads(result.stdout)["frame"] == by_name("panic-robo").frame.hex()


@pytest.mark.parametrize("text", ["zz!", "0", "   "])
def test_text_in_no_frame_form_is_a_spanish_usage_error(text: str) -> None:
    result = run("decode", "--key", KEY, text)
    assert result.exit_code == 2
    assert "No se pudo leer la trama ni como hex, ni como COBS" in result.stderr


def _doc_examples() -> list[tuple[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```console\n\$ (sereno frame .*?)\n(.*?)```", text, flags=re.DOTALL)
    return [(command, output) for command, output in blocks]


def test_doc_has_cli_examples() -> None:
    commands = [command for command, _ in _doc_examples()]
    assert len(commands) >= 5
    assert any("decode" in c for c in commands) and any("encode" in c for c in commands)


@pytest.mark.parametrize("example", _doc_examples(), ids=lambda e: e[0][:60])
def test_doc_cli_examples_print_what_the_doc_says(example: tuple[str, str]) -> None:
    command, expected = example
    result = CliRunner().invoke(main, shlex.split(command)[1:])
    assert result.output == expected
    assert result.exit_code in ((1, 2) if expected.startswith("Error:") else (0,))
