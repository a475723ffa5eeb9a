"""Diagnóstico del barrio: migration set ``diagnostico``.

Append migrations here, numbered from 1 (``m001_…``); tables are STRICT, with the
``barrio_id`` of the barrio they belong to when they belong to one.
"""

from __future__ import annotations

from typing import Final

from sqlite_utils import Database

from hub.storage.migrations import MigrationSet

migrations: Final = MigrationSet("diagnostico")


@migrations()
def m001_problematicas(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE problematicas (
            id INTEGER PRIMARY KEY,
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            titulo TEXT NOT NULL,
            descripcion TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            created_by TEXT NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE INDEX problematicas_barrio ON problematicas(barrio_id)")


@migrations()
def m002_prioridad_y_caracterizacion(db: Database) -> None:
    """Each problemática's prioridad, when it last changed, and its caracterización (one row
    per problemática, every item of the seed's list)."""
    db.execute(
        "ALTER TABLE problematicas ADD COLUMN prioridad TEXT NOT NULL DEFAULT 'media' "
        "CHECK (prioridad IN ('alta', 'media', 'baja'))"
    )
    db.execute("ALTER TABLE problematicas ADD COLUMN updated_at REAL")
    db.execute(
        """
        CREATE TABLE problematica_caracterizacion (
            problematica_id INTEGER PRIMARY KEY REFERENCES problematicas(id),
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            causas TEXT NOT NULL DEFAULT '',
            dimension_espacial TEXT NOT NULL DEFAULT '',
            temporalidad TEXT NOT NULL DEFAULT '',
            victimas_victimarios TEXT NOT NULL DEFAULT '',
            impacto TEXT NOT NULL DEFAULT '',
            cifra_negra TEXT NOT NULL DEFAULT '',
            institucional TEXT NOT NULL DEFAULT '',
            updated_at REAL NOT NULL,
            updated_by TEXT NOT NULL
        ) STRICT
        """
    )


_RECORD_COLUMNS = """
            created_at REAL NOT NULL,
            created_by TEXT NOT NULL,
            updated_at REAL NOT NULL,
            removed_at REAL
"""


@migrations()
def m003_focos_actores_presencia_recursos(db: Database) -> None:
    """The diagnóstico's lists: focos de concentración (a point or an area), actores clave,
    presencia institucional and recursos del barrio (an optional point). Removing one sets
    ``removed_at`` (the row and its history stay)."""
    db.execute(
        f"""
        CREATE TABLE diagnostico_focos (
            id INTEGER PRIMARY KEY,
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            nombre TEXT NOT NULL,
            clase TEXT NOT NULL DEFAULT 'hotspot',
            categoria TEXT NOT NULL,
            descripcion TEXT NOT NULL DEFAULT '',
            geometria TEXT NOT NULL,
            problematica_id INTEGER REFERENCES problematicas(id),
            {_RECORD_COLUMNS}
        ) STRICT
        """
    )
    db.execute(
        f"""
        CREATE TABLE diagnostico_actores (
            id INTEGER PRIMARY KEY,
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            nombre TEXT NOT NULL,
            tipo TEXT NOT NULL,
            contacto TEXT NOT NULL DEFAULT '',
            relevancia TEXT NOT NULL DEFAULT '',
            notas TEXT NOT NULL DEFAULT '',
            {_RECORD_COLUMNS}
        ) STRICT
        """
    )
    db.execute(
        f"""
        CREATE TABLE diagnostico_presencia (
            id INTEGER PRIMARY KEY,
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            nombre TEXT NOT NULL,
            tipo TEXT NOT NULL,
            geometria TEXT,
            notas TEXT NOT NULL DEFAULT '',
            {_RECORD_COLUMNS}
        ) STRICT
        """
    )
    db.execute(
        f"""
        CREATE TABLE diagnostico_recursos (
            id INTEGER PRIMARY KEY,
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            nombre TEXT NOT NULL,
            tipo TEXT NOT NULL,
            geometria TEXT,
            notas TEXT NOT NULL DEFAULT '',
            {_RECORD_COLUMNS}
        ) STRICT
        """
    )
    for table in ("focos", "actores", "presencia", "recursos"):
        db.execute(f"CREATE INDEX diagnostico_{table}_barrio ON diagnostico_{table}(barrio_id)")
