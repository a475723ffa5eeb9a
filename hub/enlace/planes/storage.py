"""Planes de acción, carta Gantt, seguimiento and minutas: migration set ``planes``.

Tables (STRICT, every row with the ``barrio_id`` of its barrio):

- ``planes``: one plan de acción of a barrio (título, periodo, objetivo general, the gestor
  responsable, the validación comunitaria); ``estado`` is ``vigente`` or ``cerrado`` and a
  partial unique index keeps one ``vigente`` plan per barrio;
- ``plan_objetivos``: objetivos específicos, each optionally linked to a problemática;
- ``plan_acciones``: the acciones of an objetivo (dates, responsables, recursos, indicador,
  meta, estado, avance 0–100 and peso > 0);
- ``plan_avances``: every progress update of an acción, with its note;
- ``plan_hitos``: dated milestones of a plan, cumplido or not.

``mesa_sesion_id`` is a plain INTEGER: the ``mesas`` set comes after this one.
"""

from __future__ import annotations

from typing import Final

from sqlite_utils import Database

from hub.storage.migrations import MigrationSet

migrations: Final = MigrationSet("planes")

_RECORD: Final = """
            created_at REAL NOT NULL,
            created_by TEXT NOT NULL,
            updated_at REAL NOT NULL
"""


@migrations()
def m001_planes_objetivos_acciones_hitos(db: Database) -> None:
    db.execute(
        f"""
        CREATE TABLE planes (
            id INTEGER PRIMARY KEY,
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            titulo TEXT NOT NULL,
            inicio TEXT NOT NULL,
            termino TEXT NOT NULL CHECK (termino >= inicio),
            objetivo_general TEXT NOT NULL DEFAULT '',
            gestor_id INTEGER REFERENCES users(id),
            validacion TEXT NOT NULL DEFAULT '',
            validacion_fecha TEXT,
            mesa_sesion_id INTEGER,
            estado TEXT NOT NULL DEFAULT 'vigente' CHECK (estado IN ('vigente', 'cerrado')),
            cerrado_at REAL,
            {_RECORD}
        ) STRICT
        """
    )
    db.execute("CREATE INDEX planes_barrio ON planes(barrio_id)")
    db.execute("CREATE UNIQUE INDEX planes_vigente ON planes(barrio_id) WHERE estado = 'vigente'")
    db.execute(
        f"""
        CREATE TABLE plan_objetivos (
            id INTEGER PRIMARY KEY,
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            plan_id INTEGER NOT NULL REFERENCES planes(id),
            titulo TEXT NOT NULL,
            descripcion TEXT NOT NULL DEFAULT '',
            problematica_id INTEGER REFERENCES problematicas(id),
            {_RECORD}
        ) STRICT
        """
    )
    db.execute("CREATE INDEX plan_objetivos_plan ON plan_objetivos(plan_id)")
    db.execute(
        f"""
        CREATE TABLE plan_acciones (
            id INTEGER PRIMARY KEY,
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            plan_id INTEGER NOT NULL REFERENCES planes(id),
            objetivo_id INTEGER NOT NULL REFERENCES plan_objetivos(id),
            actividad TEXT NOT NULL,
            descripcion TEXT NOT NULL DEFAULT '',
            responsables TEXT NOT NULL DEFAULT '',
            inicio TEXT NOT NULL,
            termino TEXT NOT NULL CHECK (termino >= inicio),
            recursos TEXT NOT NULL DEFAULT '',
            indicador TEXT NOT NULL DEFAULT '',
            meta TEXT NOT NULL DEFAULT '',
            estado TEXT NOT NULL DEFAULT 'pendiente'
                CHECK (estado IN ('pendiente', 'en_curso', 'realizada', 'suspendida')),
            avance INTEGER NOT NULL DEFAULT 0 CHECK (avance BETWEEN 0 AND 100),
            peso REAL NOT NULL DEFAULT 1 CHECK (peso > 0),
            {_RECORD}
        ) STRICT
        """
    )
    db.execute("CREATE INDEX plan_acciones_objetivo ON plan_acciones(objetivo_id)")
    db.execute("CREATE INDEX plan_acciones_plan ON plan_acciones(plan_id)")
    db.execute(
        """
        CREATE TABLE plan_avances (
            id INTEGER PRIMARY KEY,
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            accion_id INTEGER NOT NULL REFERENCES plan_acciones(id),
            avance INTEGER NOT NULL CHECK (avance BETWEEN 0 AND 100),
            estado TEXT NOT NULL,
            nota TEXT NOT NULL DEFAULT '',
            at REAL NOT NULL,
            by TEXT NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE INDEX plan_avances_accion ON plan_avances(accion_id, at)")
    db.execute(
        f"""
        CREATE TABLE plan_hitos (
            id INTEGER PRIMARY KEY,
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            plan_id INTEGER NOT NULL REFERENCES planes(id),
            titulo TEXT NOT NULL,
            fecha TEXT NOT NULL,
            cumplido INTEGER NOT NULL DEFAULT 0 CHECK (cumplido IN (0, 1)),
            {_RECORD}
        ) STRICT
        """
    )
    db.execute("CREATE INDEX plan_hitos_plan ON plan_hitos(plan_id, fecha)")
