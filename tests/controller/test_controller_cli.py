"""``sereno controller add-node|add-vecino|list|events`` through click's CliRunner."""

from __future__ import annotations

import json
import logging
import re
import shlex
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from controller.alarm import Alarm, AlarmPolicy
from controller.config import load_config
from controller.sms.notifier import SmsAttempt
from controller.store import Store, fingerprint
from protocol.frame import PanicKind
from sereno.cli import main

KEY_HEX = "000102030405060708090a0b0c0d0e0f"
T0 = 1_700_000_000.0
NODE = ["--household", "casa 3", "--street", "Pasaje Los Aromos 1234"]
VECINO = ["--name", "María Pérez", "--street", "Pasaje Los Aromos 1236"]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "controller.toml"
    path.write_text(
        '[controller]\nname = "Pasaje Los Aromos"\nnetwork_id = 2571\ndata_dir = "datos"\n'
        '[radio]\nkind = "emulated"\n',
        encoding="utf-8",
    )
    return path


def run(config: Path, *args: str) -> Result:
    command, *rest = args
    return CliRunner().invoke(main, ["controller", command, "--config", str(config), *rest])


def ok(config: Path, *args: str) -> str:
    result = run(config, *args)
    assert result.exit_code == 0, result.output
    return result.output


def refused(config: Path, *args: str) -> str:
    result = run(config, *args)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ")
    return result.stderr


def store_of(config: Path) -> Store:
    return Store.open(load_config(config).store_path)


def test_controller_group_is_registered() -> None:
    result = CliRunner().invoke(main, ["controller", "--help"])
    assert result.exit_code == 0
    for command in ("add-node", "add-vecino", "list", "events"):
        assert command in result.output


def test_add_node_with_a_key(config: Path) -> None:
    out = ok(
        config, "add-node", "--address", "7", "--key", KEY_HEX, *NODE, "--kinds", "robo,incendio"
    )
    assert "Nodo 7 registrado en la red 2571: casa 3, Pasaje Los Aromos 1234." in out
    assert "Tipos que envía: robo, incendio." in out
    assert f"Huella de la clave: {fingerprint(bytes.fromhex(KEY_HEX))}" in out
    assert KEY_HEX not in out
    with store_of(config) as store:
        assert store.key_for(2571, 7) == bytes.fromhex(KEY_HEX)
    assert (config.parent / "datos" / "controller.db").exists()


def test_generated_key_is_shown_once_and_then_only_its_fingerprint(config: Path) -> None:
    out = ok(config, "add-node", "--address", "7", "--generate-key", *NODE)
    key_hex = out.split("no se volverá a mostrar):\n")[1].strip()
    assert len(key_hex) == 32
    assert out.count(key_hex) == 1
    with store_of(config) as store:
        assert store.key_for(2571, 7) == bytes.fromhex(key_hex)
    listed = ok(config, "list") + ok(config, "list", "--json") + ok(config, "events", "--json")
    assert key_hex not in listed
    assert fingerprint(bytes.fromhex(key_hex)) in listed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--address", "7", "--key", KEY_HEX[:30], *NODE], "32 dígitos hexadecimales"),
        (["--address", "7", "--key", "zz" + KEY_HEX[2:], *NODE], "no es hexadecimal"),
        (["--address", "7", "--key", "0" * 32, *NODE], "puros ceros"),
        (["--address", "7", *NODE], "Indique la clave del nodo con --key"),
        (["--address", "7", "--key", KEY_HEX, "--generate-key", *NODE], "no ambas"),
        (["--key", KEY_HEX, *NODE], "Falta --address"),
        (["--address", "siete", "--key", KEY_HEX, *NODE], "--address debe ser un número"),
        (["--address", "0", "--key", KEY_HEX, *NODE], "entre 1 y 65534"),
        (["--address", "7", "--key", KEY_HEX, "--street", "x"], "Falta --household"),
        (["--address", "7", "--key", KEY_HEX, *NODE, "--kinds", "robo,robos"], "'robos'"),
    ],
)
def test_add_node_refusals(config: Path, args: list[str], message: str) -> None:
    assert message in refused(config, "add-node", *args)


def test_duplicate_node(config: Path) -> None:
    ok(config, "add-node", "--address", "7", "--key", KEY_HEX, *NODE)
    err = refused(config, "add-node", "--address", "7", "--generate-key", *NODE)
    assert "El nodo 7 ya está registrado en la red 2571" in err


def test_missing_config_file(tmp_path: Path) -> None:
    err = refused(tmp_path / "no-existe.toml", "list")
    assert "no-existe.toml: no existe el archivo de configuración" in err


def test_config_errors_name_the_field(config: Path) -> None:
    config.write_text(config.read_text() + "[alarm]\nsiren_max_seconds = 1000\n")
    err = refused(config, "add-node", "--address", "7", "--key", KEY_HEX, *NODE)
    assert "[alarm] siren_max_seconds debe ser un número entero entre 10 y 900" in err


def test_world_readable_token_is_refused(config: Path) -> None:
    config.write_text(config.read_text() + '[sms]\nauth_token = "secreto-de-prueba"\n')
    config.chmod(0o644)
    err = refused(config, "list")
    assert "chmod 600" in err
    assert "secreto-de-prueba" not in err


def test_config_from_the_environment(config: Path) -> None:
    result = CliRunner().invoke(
        main, ["controller", "list"], env={"SERENO_CONTROLLER_CONFIG": str(config)}
    )
    assert result.exit_code == 0, result.output
    assert "red 2571" in result.output


def test_add_vecino(config: Path) -> None:
    ok(config, "add-node", "--address", "7", "--key", KEY_HEX, *NODE)
    out = ok(config, "add-vecino", *VECINO, "--phone", "9 8765 4321", "--contact-for", "7")
    assert "Vecino 1 registrado: María Pérez, +56987654321." in out
    assert "Recibe: panico, robo, incendio, emergencia_medica." in out
    assert "alerta silenciosa) de los nodos: 7." in out
    out = ok(
        config,
        "add-vecino",
        "--name",
        "Pedro",
        "--phone",
        "+56976543210",
        "--street",
        "Pasaje Los Aromos 1240",
        "--household",
        "casa 9",
        "--kinds",
        "incendio",
    )
    assert "Recibe: incendio." in out
    with store_of(config) as store:
        assert [v.name for v in store.recipients_for(PanicKind.ALERTA_SILENCIOSA, (2571, 7))] == [
            "María Pérez"
        ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--phone", "12345"], "no es un número válido de Chile"),
        (["--phone", "+56 2 2123 4567"], "no es un celular"),
        (["--phone", "987654321", "--contact-for", "9"], "El nodo 9 no está registrado"),
        (["--phone", "987654321", "--contact-for", "casa"], "--contact-for debe ser un número"),
        (["--phone", "987654321", "--kinds", "robo,alerta_silenciosa"], "contactos designados"),
        (["--phone", "987654321", "--kinds", "terremoto"], "Tipo de alarma desconocido"),
        ([], "Falta --phone"),
    ],
)
def test_add_vecino_refusals(config: Path, args: list[str], message: str) -> None:
    assert message in refused(config, "add-vecino", *VECINO, *args)


def test_add_vecino_needs_a_name(config: Path) -> None:
    assert "Falta --name" in refused(config, "add-vecino", "--phone", "987654321", "--street", "x")


def test_duplicate_phone(config: Path) -> None:
    ok(config, "add-vecino", *VECINO, "--phone", "987654321")
    assert "ya está registrado para María Pérez" in refused(
        config, "add-vecino", "--name", "Otra", "--street", "x", "--phone", "+56 9 8765 4321"
    )


def test_list_empty_and_full(config: Path) -> None:
    empty = ok(config, "list")
    assert "Nodos (0):" in empty
    assert "Vecinos (0):" in empty
    ok(config, "add-node", "--address", "7", "--key", KEY_HEX, *NODE)
    ok(config, "add-vecino", *VECINO, "--phone", "987654321", "--contact-for", "7")
    out = ok(config, "list")
    assert "Controlador «Pasaje Los Aromos», red 2571" in out
    assert "Nodos (1):" in out
    assert fingerprint(bytes.fromhex(KEY_HEX)) in out
    assert "+56987654321" in out
    assert KEY_HEX not in out
    data = json.loads(ok(config, "list", "--json"))
    assert data["controller"] == {"name": "Pasaje Los Aromos", "network_id": 2571}
    (node,) = data["nodes"]
    assert node["key_fingerprint"] == fingerprint(bytes.fromhex(KEY_HEX))
    assert "key" not in node
    (vecino,) = data["vecinos"]
    assert vecino["phone"] == "+56987654321"
    assert vecino["contact_for"] == [{"network": 2571, "address": 7}]


def fill_events(config: Path) -> None:
    with store_of(config) as store:
        store.record_frame("tag", bytes.fromhex("0101"), network=2571, src=7, at=T0, detail="bad")
        store.record_frame(
            "accepted", b"\x01\x01", network=2571, src=7, counter=3, at=T0 + 5, rssi=-91, snr=7.5
        )
        alarm = Alarm(AlarmPolicy())
        alarm.panic(network=2571, src=7, counter=3, kind=PanicKind.ROBO, now=T0 + 5)
        store.save_episodes(alarm.take_changed())
        store.record_attempt(
            SmsAttempt(
                "e:1",
                "+56987654321",
                1,
                datetime.fromtimestamp(T0 + 6, UTC),
                "retry",
                error_code=20429,
                error_message="HTTP 429",
            )
        )
        store.record_attempt(
            SmsAttempt(
                "e:1",
                "+56987654321",
                2,
                datetime.fromtimestamp(T0 + 8, UTC),
                "accepted",
                status="queued",
                sid="SM1",
            )
        )


def test_events_in_time_order(config: Path) -> None:
    assert ok(config, "events").strip() == "Sin eventos registrados."
    fill_events(config)
    lines = ok(config, "events").splitlines()
    assert len(lines) == 5
    assert "trama     firma inválida" in lines[0]
    assert (
        "trama     aceptada  red 2571 nodo 7  contador 3  PANIC  RSSI -91 dBm  SNR 7.5 dB"
        in lines[1]
    )
    assert "episodio  ROBO  abierto  nodos 7" in lines[2]
    assert "sms       +56987654321  intento 1  se reintentará  error 20429 HTTP 429" in lines[3]
    assert "intento 2  aceptado  estado queued" in lines[4]
    assert len(ok(config, "events", "--limit", "2").splitlines()) == 2
    only = ok(config, "events", "--only", "sms", "--only", "episode").splitlines()
    assert [line.split()[2] for line in only] == ["episodio", "sms", "sms"]
    data = json.loads(ok(config, "events", "--json"))
    assert [e["event"] for e in data] == ["frame", "frame", "episode", "sms", "sms"]
    assert data[2]["kind"] == "ROBO"


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--limit", "0"], "--limit debe ser 1 o más"), (["--limit", "x"], "--limit debe ser")],
)
def test_events_refusals(config: Path, args: Sequence[str], message: str) -> None:
    assert message in refused(config, "events", *args)


def test_the_key_never_reaches_the_logs(config: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    outputs = [
        ok(config, "add-node", "--address", "7", "--key", KEY_HEX, *NODE),
        ok(config, "add-vecino", *VECINO, "--phone", "987654321"),
        ok(config, "list"),
        ok(config, "list", "--json"),
        ok(config, "events"),
        ok(config, "events", "--json"),
    ]
    assert "node 7 registered on network 2571" in caplog.text
    for text in (caplog.text, *outputs):
        assert KEY_HEX not in text
        assert KEY_HEX.upper() not in text


def console_examples() -> list[tuple[list[str], str]]:
    """``$ sereno …`` commands of docs/controller.md's console blocks, with their output."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "controller.md").read_text("utf-8")
    examples: list[tuple[list[str], str]] = []
    for block in re.findall(r"```console\n(.*?)```", doc, flags=re.DOTALL):
        for chunk in block.split("$ ")[1:]:
            command, _, output = chunk.partition("\n")
            examples.append((shlex.split(command), output))
    return examples


def test_docs_console_examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    example = (Path(__file__).resolve().parents[2] / "examples" / "controller.toml").read_text()
    config = example.replace('data_dir = "/var/lib/sereno"', 'data_dir = "datos"')
    assert 'data_dir = "datos"' in config
    (tmp_path / "controller.toml").write_text(config)
    monkeypatch.chdir(tmp_path)
    examples = console_examples()
    assert len(examples) >= 10
    for argv, expected in examples:
        assert argv[0] == "sereno"
        result = CliRunner().invoke(main, argv[1:])
        assert result.output == expected, argv
        assert result.exit_code == (1 if expected.startswith("Error:") else 0)
