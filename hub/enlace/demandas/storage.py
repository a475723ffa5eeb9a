"""Protocolo de Respuesta ante Demanda y Requerimientos: migration set ``demandas``.

- ``demandas``: a request from vecinos and vecinas of one barrio (canal, categoría,
  descripción, who asked — minimal —, date received), its triage (prioridad, responsable,
  derivación) and its estado;
- ``demanda_actividades``: the response activities (visita, coordinación, operativo…);
- ``demanda_estados``: every change of estado, with who, when and a note.

Append migrations here, numbered on; tables are STRICT, with the ``barrio_id`` of their
barrio.
"""

from __future__ import annotations

from typing import Final

from sqlite_utils import Database

from hub.storage.migrations import MigrationSet

migrations: Final = MigrationSet("demandas")


@migrations()
def m001_demandas(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE demandas (
            id INTEGER PRIMARY KEY,
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            canal TEXT NOT NULL,
            categoria TEXT NOT NULL,
            descripcion TEXT NOT NULL,
            solicitante TEXT NOT NULL DEFAULT '',
            contacto TEXT NOT NULL DEFAULT '',
            recibida_el TEXT NOT NULL,
            prioridad TEXT NOT NULL,
            responsable_id INTEGER REFERENCES users(id),
            responsable_institucion TEXT NOT NULL DEFAULT '',
            derivada_a TEXT NOT NULL DEFAULT '',
            derivacion_nota TEXT NOT NULL DEFAULT '',
            estado TEXT NOT NULL,
            motivo_desestimacion TEXT NOT NULL DEFAULT '',
            resuelta_el TEXT,
            created_at REAL NOT NULL,
            created_by TEXT NOT NULL,
            updated_at REAL NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE INDEX demandas_barrio ON demandas(barrio_id, estado)")
    db.execute(
        """
        CREATE TABLE demanda_actividades (
            id INTEGER PRIMARY KEY,
            demanda_id INTEGER NOT NULL REFERENCES demandas(id),
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            fecha TEXT NOT NULL,
            tipo TEXT NOT NULL,
            descripcion TEXT NOT NULL,
            quien TEXT NOT NULL,
            created_at REAL NOT NULL,
            created_by TEXT NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE INDEX demanda_actividades_demanda ON demanda_actividades(demanda_id)")
    db.execute(
        """
        CREATE TABLE demanda_estados (
            id INTEGER PRIMARY KEY,
            demanda_id INTEGER NOT NULL REFERENCES demandas(id),
            at REAL NOT NULL,
            actor TEXT NOT NULL,
            desde TEXT,
            hacia TEXT NOT NULL,
            nota TEXT NOT NULL DEFAULT ''
        ) STRICT
        """
    )
    db.execute("CREATE INDEX demanda_estados_demanda ON demanda_estados(demanda_id, at)")
