"""Instrumentos de recolección (fuentes secundarias, técnicas cualitativas): migration
set ``instrumentos``.

- ``fuente_imports``: one CSV import of a fuente secundaria into a barrio (who, when, which
  fuente, file name and hash, rows), undone as a whole (``undone_at``/``undone_by``);
- ``fuente_incidents``: the rows of an import (date, category, place and/or coordinates);
  deleted when their import is undone;
- ``fuente_staging``: an uploaded file parsed and waiting for confirmation, keyed by a
  random token bound to the person and the barrio, expiring;
- ``tecnicas``: grupo focal, cartografía participativa, marcha exploratoria (a marcha's
  route in ``geometria``); ``tecnica_problematicas`` links them to problemáticas;
- ``tecnica_elementos``: the points and areas of a cartografía, the hallazgos of a marcha.
"""

from __future__ import annotations

from typing import Final

from sqlite_utils import Database

from hub.storage.migrations import MigrationSet

migrations: Final = MigrationSet("instrumentos")


@migrations()
def m001_fuentes(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE fuente_imports (
            id INTEGER PRIMARY KEY,
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            fuente TEXT NOT NULL,
            fuente_nombre TEXT NOT NULL DEFAULT '',
            file_name TEXT NOT NULL,
            file_hash TEXT NOT NULL,
            row_count INTEGER NOT NULL,
            created_at REAL NOT NULL,
            created_by TEXT NOT NULL,
            undone_at REAL,
            undone_by TEXT
        ) STRICT
        """
    )
    db.execute("CREATE INDEX fuente_imports_barrio ON fuente_imports(barrio_id, created_at)")
    db.execute("CREATE INDEX fuente_imports_hash ON fuente_imports(barrio_id, file_hash)")
    db.execute(
        """
        CREATE TABLE fuente_incidents (
            id INTEGER PRIMARY KEY,
            import_id INTEGER NOT NULL REFERENCES fuente_imports(id),
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            fuente TEXT NOT NULL,
            line INTEGER NOT NULL,
            fecha TEXT NOT NULL,
            hora TEXT NOT NULL DEFAULT '',
            categoria TEXT NOT NULL,
            lugar TEXT NOT NULL DEFAULT '',
            descripcion TEXT NOT NULL DEFAULT '',
            latitud REAL,
            longitud REAL,
            fuera INTEGER NOT NULL DEFAULT 0
        ) STRICT
        """
    )
    db.execute("CREATE INDEX fuente_incidents_import ON fuente_incidents(import_id)")
    db.execute("CREATE INDEX fuente_incidents_barrio ON fuente_incidents(barrio_id, fecha)")
    db.execute(
        """
        CREATE TABLE fuente_staging (
            token TEXT PRIMARY KEY,
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            user_id INTEGER NOT NULL,
            fuente TEXT NOT NULL,
            fuente_nombre TEXT NOT NULL DEFAULT '',
            file_name TEXT NOT NULL,
            file_hash TEXT NOT NULL,
            parsed TEXT NOT NULL,
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE INDEX fuente_staging_expires ON fuente_staging(expires_at)")


@migrations()
def m002_tecnicas(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE tecnicas (
            id INTEGER PRIMARY KEY,
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            tipo TEXT NOT NULL,
            titulo TEXT NOT NULL,
            fecha TEXT NOT NULL,
            lugar TEXT NOT NULL DEFAULT '',
            participantes INTEGER NOT NULL DEFAULT 0,
            vecinos TEXT NOT NULL DEFAULT '',
            organizaciones TEXT NOT NULL DEFAULT '',
            instituciones TEXT NOT NULL DEFAULT '',
            facilitador TEXT NOT NULL DEFAULT '',
            hallazgos TEXT NOT NULL DEFAULT '',
            geometria TEXT,
            created_at REAL NOT NULL,
            created_by TEXT NOT NULL,
            updated_at REAL NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE INDEX tecnicas_barrio ON tecnicas(barrio_id, fecha)")
    db.execute(
        """
        CREATE TABLE tecnica_problematicas (
            tecnica_id INTEGER NOT NULL REFERENCES tecnicas(id),
            problematica_id INTEGER NOT NULL REFERENCES problematicas(id),
            PRIMARY KEY (tecnica_id, problematica_id)
        ) STRICT
        """
    )
    db.execute(
        "CREATE INDEX tecnica_problematicas_problematica ON tecnica_problematicas(problematica_id)"
    )
    db.execute(
        """
        CREATE TABLE tecnica_elementos (
            id INTEGER PRIMARY KEY,
            tecnica_id INTEGER NOT NULL REFERENCES tecnicas(id),
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            categoria TEXT NOT NULL,
            nota TEXT NOT NULL DEFAULT '',
            geometria TEXT NOT NULL,
            created_at REAL NOT NULL,
            created_by TEXT NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE INDEX tecnica_elementos_tecnica ON tecnica_elementos(tecnica_id)")
