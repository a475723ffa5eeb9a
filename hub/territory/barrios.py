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

import json
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from hub.errors import Invalid, NotFound
from hub.storage.audit import Actor, Subject
from hub.territory.geo import Geometry, load

if TYPE_CHECKING:  # hub.storage.schema imports this package while hub.storage loads
    from hub.storage import HubDB

MAX_NAME: Final = 80
AGE_BANDS: Final[tuple[str, ...]] = ("0-14", "15-29", "30-44", "45-64", "65+")
"""The age bands of ``barrios.grupos_etarios`` (band → people), youngest first."""
GSE_GROUPS: Final[tuple[str, ...]] = ("AB", "C1a", "C1b", "C2", "C3", "D", "E")
"""The socioeconomic groups of ``barrios.gse`` (group → percent of households), as the
AIM (Asociación de Investigadores de Mercado) names them, highest first."""


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


@dataclass(frozen=True)
class BarrioProfile:
    """A barrio as the Enlace modules read it: its territorio, sector, caracterización
    sociodemográfica and limits. ``grupos_etarios`` and ``gse`` hold only the bands and
    groups given (in the order of :data:`AGE_BANDS` and :data:`GSE_GROUPS`)."""

    barrio: Barrio
    territorio_id: int | None
    territorio: str | None
    sector: str
    poblacion: int | None
    grupos_etarios: dict[str, int]
    gse: dict[str, float]
    fuente: str
    limites: Geometry | None
    updated_at: float | None = None


def profile(hub: HubDB, barrio_id: int) -> BarrioProfile:
    """The barrio's profile; :class:`NotFound` when it does not exist (scope is the
    caller's: check it first with :func:`hub.territory.scope.require_barrio`)."""
    row = hub.db.execute(
        "SELECT b.id, b.name, b.created_at, b.territorio_id, t.name, b.sector, b.poblacion, "
        "b.grupos_etarios, b.gse, b.fuente_sociodemografica, b.limites, b.updated_at "
        "FROM barrios b LEFT JOIN territorios t ON t.id = b.territorio_id WHERE b.id = ?",
        [barrio_id],
    ).fetchone()
    if row is None:
        raise NotFound(f"No existe el barrio {barrio_id}.")
    ages = _object(row[7])
    gse = _object(row[8])
    return BarrioProfile(
        barrio=Barrio(int(row[0]), str(row[1]), float(row[2])),
        territorio_id=row[3],
        territorio=row[4],
        sector=str(row[5]),
        poblacion=row[6],
        grupos_etarios={band: int(ages[band]) for band in AGE_BANDS if band in ages},
        gse={group: float(gse[group]) for group in GSE_GROUPS if group in gse},
        fuente=str(row[9]),
        limites=load(row[10]),
        updated_at=row[11],
    )


def _object(text: str | None) -> dict[str, Any]:
    data = json.loads(text) if text else {}
    return data if isinstance(data, dict) else {}
