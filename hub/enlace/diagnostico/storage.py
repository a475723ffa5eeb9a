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
