"""Barrios: the neighbourhoods the municipality works with.

Migration set ``territory`` (see :mod:`hub.territory.storage` for its later migrations):
``barrios`` has an id, a unique name and when it was created, so an enrollment code and a
controller can name their barrio; the Gestión Territorial pages add its territorio, its
limits and its caracterización sociodemográfica. Keep :func:`get_or_create`, :func:`get`
and :func:`all_barrios`: the fleet uses them.

Names are compared without regard to ASCII case and runs of spaces: ``villa  los
héroes`` finds ``Villa Los Héroes``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from hub.errors import Invalid, NotFound
from hub.storage.audit import Actor, Subject

if TYPE_CHECKING:  # hub.storage.schema imports this package while hub.storage loads
    from hub.storage import HubDB

MAX_NAME: Final = 80


@dataclass(frozen=True)
class Barrio:
    id: int
    name: str
    created_at: float


def clean_name(text: str, *, field: str = "barrio") -> str:
    """A barrio's name with its spaces tidied; :class:`Invalid` in Spanish when empty or
    too long."""
    name = " ".join(text.split())
    if not name:
        raise Invalid("Escriba el nombre del barrio.", field=field)
    if len(name) > MAX_NAME:
        raise Invalid(
            f"El nombre del barrio no puede tener más de {MAX_NAME} caracteres.", field=field
        )
    return name


def find(db: HubDB, name: str) -> Barrio | None:
    row = db.db.execute(
        "SELECT id, name, created_at FROM barrios WHERE name = ? COLLATE NOCASE",
        [" ".join(name.split())],
    ).fetchone()
    return None if row is None else Barrio(int(row[0]), str(row[1]), float(row[2]))


def get(db: HubDB, barrio_id: int) -> Barrio:
    row = db.db.execute(
        "SELECT id, name, created_at FROM barrios WHERE id = ?", [barrio_id]
    ).fetchone()
    if row is None:
        raise NotFound(f"No existe el barrio {barrio_id}.")
    return Barrio(int(row[0]), str(row[1]), float(row[2]))


def all_barrios(db: HubDB) -> list[Barrio]:
    rows = db.db.execute("SELECT id, name, created_at FROM barrios ORDER BY name, id").fetchall()
    return [Barrio(int(row[0]), str(row[1]), float(row[2])) for row in rows]


def get_or_create(db: HubDB, name: str, *, actor: Actor, at: float) -> Barrio:
    """The barrio called ``name``, created (and audited) when there is none yet."""
    name = clean_name(name)
    found = find(db, name)
    if found is not None:
        return found
    try:
        with db.db.atomic():
            cursor = db.db.execute(
                "INSERT INTO barrios (name, created_at) VALUES (?, ?)", [name, at]
            )
            barrio_id = cursor.lastrowid
            assert barrio_id is not None
            db.audit.record(
                actor, "barrio.create", Subject("barrio", barrio_id), {"name": name}, at=at
            )
    except sqlite3.IntegrityError:  # created meanwhile by another writer
        found = find(db, name)
        if found is None:
            raise
        return found
    return Barrio(barrio_id, name, at)
