"""The territory tables: migration set ``territory``, applied before the fleet's (controllers
and enrollment codes name a barrio).

- ``barrios``: the neighbourhoods (sectores barriales), by a unique name (m001), each in
  at most one territorio (m002);
- ``territorios``: the areas of the comuna the Unidad de Gestión Territorial divides its
  work into, each worked by one or more gestores territoriales (``territorio_gestores``).

A gestor territorial sees and changes the barrios of their territorios only
(:mod:`hub.territory.scope`). Append new migrations here, numbered on.
"""

from __future__ import annotations

from typing import Final

from sqlite_utils import Database

from hub.storage.migrations import MigrationSet

migrations: Final = MigrationSet("territory")


@migrations()
def m001_barrios(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE barrios (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            created_at REAL NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE UNIQUE INDEX barrios_name ON barrios(name COLLATE NOCASE)")


@migrations()
def m002_territorios(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE territorios (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE UNIQUE INDEX territorios_name ON territorios(name COLLATE NOCASE)")
    db.execute(
        """
        CREATE TABLE territorio_gestores (
            territorio_id INTEGER NOT NULL REFERENCES territorios(id),
            user_id INTEGER NOT NULL REFERENCES users(id),
            since REAL NOT NULL,
            PRIMARY KEY (territorio_id, user_id)
        ) STRICT
        """
    )
    db.execute("CREATE INDEX territorio_gestores_user ON territorio_gestores(user_id)")
    db.execute("ALTER TABLE barrios ADD COLUMN territorio_id INTEGER REFERENCES territorios(id)")
    db.execute("CREATE INDEX barrios_territorio ON barrios(territorio_id)")


@migrations()
def m003_barrio_profile(db: Database) -> None:
    """The barrio's sector, caracterización sociodemográfica (population, age bands as a
    JSON object band → people, GSE as a JSON object group → percent, and its source) and
    its limits (GeoJSON Polygon or MultiPolygon text, checked by :mod:`hub.territory.geo`)."""
    for column in (
        "sector TEXT NOT NULL DEFAULT ''",
        "poblacion INTEGER",
        "grupos_etarios TEXT NOT NULL DEFAULT '{}'",
        "gse TEXT NOT NULL DEFAULT '{}'",
        "fuente_sociodemografica TEXT NOT NULL DEFAULT ''",
        "limites TEXT",
        "updated_at REAL",
    ):
        db.execute(f"ALTER TABLE barrios ADD COLUMN {column}")
