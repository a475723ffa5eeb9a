"""Mediación comunitaria: migration set ``mediacion`` (applied after ``demandas``: a case
may name the demanda it was derived from).

- ``mediacion_casos``: a conflict between neighbours (tipo, barrio if known, origin, a short
  description, estado, acuerdo or result);
- ``mediacion_partes``: the parties, with minimal personal data (alias or name, requirente
  or requerido, an optional phone);
- ``mediacion_sesiones``: the sessions (date, attendance, a short note);
- ``mediacion_estados``: every change of estado, with who, when and a note.

Cases are not scoped by barrio (the Unidad de Mediación sees them all); ``barrio_id`` is
optional. Append migrations here, numbered on.
"""

from __future__ import annotations

from typing import Final

from sqlite_utils import Database

from hub.storage.migrations import MigrationSet

migrations: Final = MigrationSet("mediacion")


@migrations()
def m001_casos(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE mediacion_casos (
            id INTEGER PRIMARY KEY,
            tipo TEXT NOT NULL,
            barrio_id INTEGER REFERENCES barrios(id),
            origen TEXT NOT NULL,
            demanda_id INTEGER REFERENCES demandas(id),
            institucion_origen TEXT NOT NULL DEFAULT '',
            descripcion TEXT NOT NULL,
            estado TEXT NOT NULL,
            acuerdo TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            created_by TEXT NOT NULL,
            updated_at REAL NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE INDEX mediacion_casos_estado ON mediacion_casos(estado)")
    db.execute("CREATE INDEX mediacion_casos_demanda ON mediacion_casos(demanda_id)")
    db.execute(
        """
        CREATE TABLE mediacion_partes (
            id INTEGER PRIMARY KEY,
            caso_id INTEGER NOT NULL REFERENCES mediacion_casos(id),
            alias TEXT NOT NULL,
            rol TEXT NOT NULL,
            telefono TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            created_by TEXT NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE INDEX mediacion_partes_caso ON mediacion_partes(caso_id)")
    db.execute(
        """
        CREATE TABLE mediacion_sesiones (
            id INTEGER PRIMARY KEY,
            caso_id INTEGER NOT NULL REFERENCES mediacion_casos(id),
            fecha TEXT NOT NULL,
            asistencia TEXT NOT NULL,
            nota TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            created_by TEXT NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE INDEX mediacion_sesiones_caso ON mediacion_sesiones(caso_id, fecha)")
    db.execute(
        """
        CREATE TABLE mediacion_estados (
            id INTEGER PRIMARY KEY,
            caso_id INTEGER NOT NULL REFERENCES mediacion_casos(id),
            at REAL NOT NULL,
            actor TEXT NOT NULL,
            desde TEXT,
            hacia TEXT NOT NULL,
            nota TEXT NOT NULL DEFAULT ''
        ) STRICT
        """
    )
    db.execute("CREATE INDEX mediacion_estados_caso ON mediacion_estados(caso_id, at)")
