"""The registry: nodes (with their keys) and vecinos (with their phones), checked and stored.

The checks live here, apart from the :class:`~controller.store.Store`, so the CLI can parse
what an installer typed (a key in hex, ``robo,incendio``) with the same rules and the same
Spanish messages. Every refusal is a :class:`~controller.errors.RegistryError` that says what
to fix. The functions taking a ``Database`` are the store's: call them through it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import string
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any, Final

from sqlite_utils import Database

from controller.errors import RegistryError
from controller.sms.errors import InvalidPhone
from controller.sms.phones import normalize_phone
from controller.store.records import Node, Vecino
from protocol.frame import BROADCAST, KEY_LEN, PanicKind

ALL_KINDS: Final = tuple(PanicKind)
"""What a node may send by default: every kind."""
DEFAULT_VECINO_KINDS: Final = tuple(k for k in PanicKind if k is not PanicKind.ALERTA_SILENCIOSA)
"""What a vecino receives by default. A silent alert reaches only designated contacts."""
MAX_TEXT: Final = 120

_KIND_LIST: Final = ", ".join(k.name.lower() for k in PanicKind)


def generate_key() -> bytes:
    """A fresh random node key (16 bytes from :mod:`secrets`)."""
    return secrets.token_bytes(KEY_LEN)


def fingerprint(key: bytes) -> str:
    """First 4 bytes of SHA-256 of ``key``, in hex: shown instead of the key, everywhere."""
    return hashlib.sha256(key).hexdigest()[:8]


def parse_key_hex(text: str) -> bytes:
    """A node key typed as 32 hexadecimal digits (spaces and ``:`` between pairs allowed)."""
    digits = "".join(text.split()).replace(":", "")
    bad = next((c for c in digits if c not in string.hexdigits), None)
    if bad is not None:
        raise RegistryError(
            f"La clave tiene un carácter que no es hexadecimal ({bad!r}); use solo 0-9 y a-f, "
            f"32 dígitos en total"
        )
    if len(digits) != 2 * KEY_LEN:
        raise RegistryError(
            f"La clave debe tener {2 * KEY_LEN} dígitos hexadecimales ({KEY_LEN} bytes); "
            f"tiene {len(digits)}"
        )
    return check_key(bytes.fromhex(digits))


def check_key(key: bytes) -> bytes:
    if not isinstance(key, bytes | bytearray) or len(key) != KEY_LEN:
        size = len(key) if isinstance(key, bytes | bytearray) else "?"
        raise RegistryError(f"La clave debe ser de {KEY_LEN} bytes; recibí {size}")
    if not any(key):
        raise RegistryError("Una clave de puros ceros no es secreta; genere una con --generate-key")
    return bytes(key)


def parse_kinds(text: str) -> tuple[PanicKind, ...]:
    """Kind names separated by commas, any case, with or without accents (``pánico,robo``)."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise RegistryError(f"Indique al menos un tipo de alarma: {_KIND_LIST}")
    kinds: list[PanicKind] = []
    for name in names:
        plain = unicodedata.normalize("NFKD", name)
        plain = "".join(c for c in plain if not unicodedata.combining(c))
        kind = PanicKind.__members__.get(plain.upper().replace("-", "_").replace(" ", "_"))
        if kind is None:
            raise RegistryError(f"Tipo de alarma desconocido {name!r}; use: {_KIND_LIST}")
        if kind not in kinds:
            kinds.append(kind)
    return tuple(kinds)


def check_network(network: int) -> int:
    if isinstance(network, bool) or not isinstance(network, int) or not 0 <= network <= 0xFFFF:
        raise RegistryError(f"La red debe ser un número entre 0 y 65535; recibí {network!r}")
    return network


def check_address(address: int) -> int:
    if isinstance(address, bool) or not isinstance(address, int) or not 1 <= address < BROADCAST:
        raise RegistryError(
            f"La dirección del nodo debe ser un número entre 1 y {BROADCAST - 1} "
            f"(0 es el controlador); recibí {address!r}"
        )
    return address


def check_text(what: str, value: str, *, required: bool = True) -> str:
    value = " ".join(str(value).split())
    if required and not value:
        raise RegistryError(f"Falta {what}")
    if len(value) > MAX_TEXT:
        raise RegistryError(f"{what[0].upper()}{what[1:]} es muy largo (máximo {MAX_TEXT} letras)")
    return value


def check_phone(phone: str) -> str:
    try:
        return normalize_phone(phone)
    except InvalidPhone as exc:
        raise RegistryError(str(exc)) from None


def _kinds_json(kinds: Iterable[PanicKind]) -> str:
    return json.dumps([PanicKind(k).name for k in kinds])


def _kinds(text: str) -> tuple[PanicKind, ...]:
    return tuple(PanicKind[name] for name in json.loads(text))


# --- the store's side: rows in, records out ------------------------------------------------


def insert_node(
    db: Database,
    *,
    network: int,
    address: int,
    key: bytes,
    household: str,
    street_address: str,
    kinds: Sequence[PanicKind],
    at: float,
) -> Node:
    check_network(network)
    check_address(address)
    key = check_key(key)
    household = check_text("el hogar (p. ej. «casa 3»)", household)
    street_address = check_text("la dirección de la casa", street_address)
    if not kinds:
        raise RegistryError(f"El nodo debe enviar al menos un tipo de alarma: {_KIND_LIST}")
    row = {
        "network": network,
        "address": address,
        "key": key,
        "household": household,
        "street_address": street_address,
        "kinds": _kinds_json(kinds),
        "created_at": at,
    }
    try:
        db.table("nodes").insert(row)
    except sqlite3.IntegrityError:
        raise RegistryError(f"El nodo {address} ya está registrado en la red {network}") from None
    return _node(row)


def select_nodes(db: Database) -> list[Node]:
    return [_node(row) for row in db.table("nodes").rows_where(order_by="network, address")]


def select_keys(db: Database) -> dict[tuple[int, int], bytes]:
    rows = db.execute("SELECT network, address, key FROM nodes").fetchall()
    return {(network, address): bytes(key) for network, address, key in rows}


def _node(row: dict[str, Any]) -> Node:
    return Node(
        network=row["network"],
        address=row["address"],
        household=row["household"],
        street_address=row["street_address"],
        kinds=_kinds(row["kinds"]),
        fingerprint=fingerprint(row["key"]),
        created_at=row["created_at"],
    )


def insert_vecino(
    db: Database,
    *,
    name: str,
    phone: str,
    street_address: str,
    household: str,
    kinds: Sequence[PanicKind],
    contact_for: Iterable[tuple[int, int]],
    at: float,
) -> Vecino:
    name = check_text("el nombre del vecino", name)
    phone = check_phone(phone)
    street_address = check_text("la dirección del vecino", street_address)
    household = check_text("el hogar", household, required=False)
    if PanicKind.ALERTA_SILENCIOSA in kinds:
        raise RegistryError(
            "La alerta silenciosa no se elige en los tipos: llega solo a los contactos "
            "designados del botón que la envía (use --contact-for con el número del nodo)"
        )
    contacts = sorted(set(contact_for))
    if not kinds and not contacts:
        raise RegistryError(
            "El vecino no recibiría nada: indique tipos de alarma o --contact-for un nodo"
        )
    for network, address in contacts:
        if not db.execute(
            "SELECT 1 FROM nodes WHERE network = ? AND address = ?", [network, address]
        ).fetchone():
            raise RegistryError(
                f"El nodo {address} no está registrado en la red {network}; regístrelo "
                "primero con «sereno controller add-node»"
            )
    same = db.execute("SELECT id, name FROM vecinos WHERE phone = ?", [phone]).fetchone()
    if same:
        raise RegistryError(
            f"El teléfono {phone} ya está registrado para {same[1]} (vecino {same[0]}); "
            "cada vecino recibe un SMS por teléfono"
        )
    row = {
        "name": name,
        "street_address": street_address,
        "household": household,
        "phone": phone,
        "kinds": _kinds_json(kinds),
        "created_at": at,
    }
    with db.atomic():
        try:
            vecino_id = int(db.table("vecinos").insert(row).last_pk or 0)
        except sqlite3.IntegrityError:  # another process registered the phone just now
            raise RegistryError(f"El teléfono {phone} ya está registrado") from None
        db.table("silent_contacts").insert_all(
            {"vecino_id": vecino_id, "network": n, "address": a} for n, a in contacts
        )
    return Vecino(
        id=vecino_id,
        name=name,
        street_address=street_address,
        household=household,
        phone=phone,
        kinds=tuple(kinds),
        contact_for=tuple(contacts),
        created_at=at,
    )


def select_vecinos(db: Database, where: str = "", params: Sequence[object] = ()) -> list[Vecino]:
    contacts: dict[int, list[tuple[int, int]]] = {}
    for vecino_id, network, address in db.execute(
        "SELECT vecino_id, network, address FROM silent_contacts ORDER BY network, address"
    ).fetchall():
        contacts.setdefault(vecino_id, []).append((network, address))
    return [
        Vecino(
            id=row["id"],
            name=row["name"],
            street_address=row["street_address"],
            household=row["household"],
            phone=row["phone"],
            kinds=_kinds(row["kinds"]),
            contact_for=tuple(contacts.get(row["id"], ())),
            created_at=row["created_at"],
        )
        for row in db.table("vecinos").rows_where(where or None, list(params), order_by="id")
    ]
