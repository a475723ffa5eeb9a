"""Nodes, keys, vecinos and who gets an SMS: the registry through the Store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from controller.errors import RegistryError
from controller.store import (
    ALL_KINDS,
    DEFAULT_VECINO_KINDS,
    Store,
    fingerprint,
    generate_key,
    parse_key_hex,
    parse_kinds,
)
from protocol.frame import KEY_LEN, FrameType, PanicKind, build_frame
from protocol.payloads import Panic
from protocol.verifier import Accepted, Duplicate, Rejected, Verifier

NET = 2571
KEY = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
KEY_B = bytes.fromhex("f0e0d0c0b0a090807060504030201000")
STREET = "Pasaje Los Aromos 1234"
K = PanicKind


@pytest.fixture
def store() -> Iterator[Store]:
    with Store.open(":memory:", clock=lambda: 1_700_000_000.0) as store:
        yield store


def add_node(store: Store, address: int = 7, key: bytes = KEY, **kw: object) -> None:
    store.add_node(NET, address, key, f"casa {address}", STREET, **kw)  # type: ignore[arg-type]


def test_add_node_lists_it_with_a_fingerprint_only(store: Store) -> None:
    node = store.add_node(NET, 7, KEY, "casa 3", STREET, (K.ROBO, K.INCENDIO))
    assert store.list_nodes() == [node]
    assert (node.network, node.address, node.household, node.street_address) == (
        NET,
        7,
        "casa 3",
        STREET,
    )
    assert node.kinds == (K.ROBO, K.INCENDIO)
    assert node.fingerprint == fingerprint(KEY) == "be45cb26"
    assert node.created_at == 1_700_000_000.0
    assert KEY.hex() not in repr(node)
    assert KEY.hex() not in str(node.to_json())
    assert store.list_nodes()[0].kinds == (K.ROBO, K.INCENDIO)


def test_nodes_send_every_kind_by_default(store: Store) -> None:
    add_node(store)
    assert store.list_nodes()[0].kinds == ALL_KINDS


def test_duplicate_node_is_refused_in_spanish(store: Store) -> None:
    add_node(store)
    with pytest.raises(RegistryError, match=r"^El nodo 7 ya está registrado en la red 2571$"):
        add_node(store, key=KEY_B)
    assert store.key_for(NET, 7) == KEY
    store.add_node(NET + 1, 7, KEY_B, "casa 7", STREET)  # same address, other network: fine


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (KEY[:15], "16 bytes; recibí 15"),
        (KEY + b"\x00", "16 bytes; recibí 17"),
        (bytes(16), "puros ceros"),
    ],
)
def test_malformed_key_is_refused(store: Store, key: bytes, message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        add_node(store, key=key)
    assert store.list_nodes() == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("00010203", "32 dígitos hexadecimales \\(16 bytes\\); tiene 8"),
        ("0" * 31 + "1" + "ab", "tiene 34"),
        ("zz0102030405060708090a0b0c0d0e0f", "no es hexadecimal \\('z'\\)"),
        ("", "tiene 0"),
    ],
)
def test_malformed_key_hex_is_refused(text: str, message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        parse_key_hex(text)


def test_key_hex_accepts_case_spaces_and_colons() -> None:
    assert parse_key_hex(KEY.hex().upper()) == KEY
    assert parse_key_hex(" 00:01:02:03 04050607 08090a0b0c0d0e0f ") == KEY


def test_generated_keys_are_fresh() -> None:
    keys = {generate_key() for _ in range(20)}
    assert len(keys) == 20
    assert all(len(k) == KEY_LEN for k in keys)


@pytest.mark.parametrize(
    ("network", "address", "message"),
    [
        (NET, 0, "entre 1 y 65534 \\(0 es el controlador\\); recibí 0"),
        (NET, 65535, "recibí 65535"),
        (70000, 7, "La red debe ser un número entre 0 y 65535"),
    ],
)
def test_bad_addresses(store: Store, network: int, address: int, message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        store.add_node(network, address, KEY, "casa 3", STREET)


def test_node_needs_labels_and_kinds(store: Store) -> None:
    with pytest.raises(RegistryError, match="Falta el hogar"):
        store.add_node(NET, 7, KEY, "  ", STREET)
    with pytest.raises(RegistryError, match="Falta la dirección de la casa"):
        store.add_node(NET, 7, KEY, "casa 3", "")
    with pytest.raises(RegistryError, match="al menos un tipo"):
        store.add_node(NET, 7, KEY, "casa 3", STREET, ())
    with pytest.raises(RegistryError, match="muy largo"):
        store.add_node(NET, 7, KEY, "casa " * 50, STREET)


def test_parse_kinds() -> None:
    assert parse_kinds("robo, Incendio") == (K.ROBO, K.INCENDIO)
    assert parse_kinds("pánico,emergencia-medica,robo,ROBO") == (
        K.PANICO,
        K.EMERGENCIA_MEDICA,
        K.ROBO,
    )
    assert parse_kinds("alerta silenciosa") == (K.ALERTA_SILENCIOSA,)
    with pytest.raises(RegistryError, match="Tipo de alarma desconocido 'robos'; use: panico"):
        parse_kinds("robo,robos")
    with pytest.raises(RegistryError, match="al menos un tipo"):
        parse_kinds(" , ")


def test_add_vecino_normalizes_the_phone(store: Store) -> None:
    vecino = store.add_vecino("María Pérez", "9 8765 4321", STREET, household="casa 3")
    assert vecino.phone == "+56987654321"
    assert vecino.kinds == DEFAULT_VECINO_KINDS
    assert K.ALERTA_SILENCIOSA not in vecino.kinds
    assert store.list_vecinos() == [vecino]


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("12345", "no es un número válido de Chile"),
        ("+56 2 2123 4567", "no es un celular"),
        ("hola", "no es un número válido"),
    ],
)
def test_bad_phone_is_refused_in_spanish(store: Store, phone: str, message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        store.add_vecino("María", phone, STREET)
    assert store.list_vecinos() == []


def test_duplicate_phone_is_refused(store: Store) -> None:
    first = store.add_vecino("María", "+56 9 8765 4321", STREET)
    with pytest.raises(
        RegistryError, match=f"ya está registrado para María \\(vecino {first.id}\\)"
    ):
        store.add_vecino("Pedro", "987654321", STREET)


def test_silent_alert_is_not_a_kind_to_choose(store: Store) -> None:
    with pytest.raises(RegistryError, match="contactos designados"):
        store.add_vecino("María", "987654321", STREET, kinds=(K.ROBO, K.ALERTA_SILENCIOSA))


def test_contact_for_an_unknown_node_is_refused(store: Store) -> None:
    with pytest.raises(RegistryError, match="El nodo 9 no está registrado en la red 2571"):
        store.add_vecino("María", "987654321", STREET, contact_for=[(NET, 9)])
    assert store.list_vecinos() == []


def test_a_vecino_must_receive_something(store: Store) -> None:
    with pytest.raises(RegistryError, match="no recibiría nada"):
        store.add_vecino("María", "987654321", STREET, kinds=())


def test_recipients_for_each_kind_and_the_silent_alert(store: Store) -> None:
    add_node(store, 7)
    add_node(store, 8, KEY_B)
    ana = store.add_vecino("Ana", "+56991234567", STREET)
    beto = store.add_vecino("Beto", "+56992345678", STREET, kinds=(K.ROBO,))
    carla = store.add_vecino("Carla", "+56993456789", STREET, contact_for=[(NET, 7)])
    dani = store.add_vecino("Dani", "+56994567890", STREET, kinds=(), contact_for=[(NET, 8)])
    assert dani.contact_for == ((NET, 8),)

    def names(kind: PanicKind, src: int) -> list[str]:
        return [v.name for v in store.recipients_for(kind, (NET, src))]

    assert names(K.PANICO, 7) == ["Ana", "Carla"]
    assert names(K.ROBO, 8) == ["Ana", "Beto", "Carla"]
    assert names(K.ALERTA_SILENCIOSA, 7) == ["Carla"]
    assert names(K.ALERTA_SILENCIOSA, 8) == ["Dani"]
    assert names(K.ALERTA_SILENCIOSA, 9) == []
    assert store.recipients_for(K.INCENDIO, (NET, 7)) == [ana, carla]
    assert beto in store.recipients_for(K.ROBO, (NET, 7))


def test_keys_and_counters_serve_the_verifier_from_memory(store: Store) -> None:
    add_node(store)
    verifier = Verifier(store, store)
    panic = Panic(K.ROBO, 3300)
    frame = build_frame(panic, network=NET, src=7, dst=0, counter=5, key=KEY)
    verdict = verifier.verify(frame)
    assert isinstance(verdict, Accepted)
    assert verdict.frame.type == FrameType.PANIC
    store.accept_counter(NET, 7, 5, frame)
    store.db.close()  # nothing below may touch the database
    assert isinstance(verifier.verify(frame), Duplicate)
    older = build_frame(panic, network=NET, src=7, dst=0, counter=4, key=KEY)
    replay = verifier.verify(older)
    assert isinstance(replay, Rejected)
    assert replay.reason == "replay"
    assert store.key_for(NET, 8) is None


def test_counters_only_go_up(store: Store) -> None:
    store.accept_counter(NET, 7, 5, b"five")
    with pytest.raises(ValueError, match="not above the last accepted 5"):
        store.accept_counter(NET, 7, 5, b"other")
    with pytest.raises(ValueError, match="not above"):
        store.accept_counter(NET, 7, 4, b"four")
    store.accept_counter(NET, 7, 6, b"six")
    assert store.last_accepted(NET, 7) == (6, b"six")
    assert store.last_accepted(NET, 8) is None


def test_keys_and_counters_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "controller.db"
    running = Store.open(path)
    running.add_node(NET, 7, KEY, "casa 7", STREET)
    running.accept_counter(NET, 7, 41, b"frame 41")
    # a second process opens the file while the first still runs: the counter is on disk
    with Store.open(path) as after_power_cut:
        assert after_power_cut.last_accepted(NET, 7) == (41, b"frame 41")
        assert after_power_cut.key_for(NET, 7) == KEY
    running.close()


def test_reload_registry_picks_up_nodes_added_by_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "controller.db"
    with Store.open(path) as controller:
        assert controller.reload_registry() is False
        with Store.open(path) as cli:
            cli.add_node(NET, 7, KEY, "casa 7", STREET)
        assert controller.key_for(NET, 7) is None
        assert controller.reload_registry() is True
        assert controller.key_for(NET, 7) == KEY
        assert controller.reload_registry() is False
