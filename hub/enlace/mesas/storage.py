"""Mesas de Seguridad Focalizadas: migration set ``mesas``.

- ``mesas``: the focalization of one sector barrial (a barrio, optionally a named part of
  it) by one gestor territorial, with its objetivo, start date and estado. Triggers keep the
  seed's rule in the database itself: a gestor has at most two ``activa`` mesas;
- ``mesa_problematicas``: the barrio's problemáticas complejas a mesa addresses;
- ``mesa_sesiones``: its sessions (agenda, attendance and acta; lists as JSON);
- ``mesa_acuerdos``: acuerdos y compromisos taken in a session;
- ``mesa_seguimientos``: the follow-up of an acuerdo (new estado and note), in a later
  session or between sessions.
"""

from __future__ import annotations

from typing import Final

from sqlite_utils import Database

from hub.storage.migrations import MigrationSet

migrations: Final = MigrationSet("mesas")

TOO_MANY: Final = "mesas: a gestor focuses at most two sectores barriales"
"""The trigger's message (the repository answers in Spanish before it fires)."""


@migrations()
def m001_mesas(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE mesas (
            id INTEGER PRIMARY KEY,
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            sector TEXT NOT NULL DEFAULT '',
            gestor_id INTEGER NOT NULL REFERENCES users(id),
            objetivo TEXT NOT NULL,
            inicio TEXT NOT NULL,
            estado TEXT NOT NULL DEFAULT 'activa' CHECK (estado IN ('activa', 'cerrada')),
            cierre_fecha TEXT,
            cierre_nota TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            created_by TEXT NOT NULL,
            updated_at REAL NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE INDEX mesas_barrio ON mesas(barrio_id)")
    db.execute("CREATE INDEX mesas_gestor_activas ON mesas(gestor_id) WHERE estado = 'activa'")
    active = "SELECT COUNT(*) FROM mesas WHERE gestor_id = NEW.gestor_id AND estado = 'activa'"
    db.execute(
        "CREATE TRIGGER mesas_max_dos_insert BEFORE INSERT ON mesas "
        f"WHEN NEW.estado = 'activa' AND ({active}) >= 2 "
        f"BEGIN SELECT RAISE(ABORT, '{TOO_MANY}'); END"
    )
    db.execute(
        "CREATE TRIGGER mesas_max_dos_update BEFORE UPDATE OF estado, gestor_id ON mesas "
        f"WHEN NEW.estado = 'activa' AND ({active} AND id != NEW.id) >= 2 "
        f"BEGIN SELECT RAISE(ABORT, '{TOO_MANY}'); END"
    )
    db.execute(
        """
        CREATE TABLE mesa_problematicas (
            mesa_id INTEGER NOT NULL REFERENCES mesas(id),
            problematica_id INTEGER NOT NULL REFERENCES problematicas(id),
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            PRIMARY KEY (mesa_id, problematica_id)
        ) STRICT
        """
    )
    db.execute(
        """
        CREATE TABLE mesa_sesiones (
            id INTEGER PRIMARY KEY,
            mesa_id INTEGER NOT NULL REFERENCES mesas(id),
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            fecha TEXT NOT NULL,
            hora TEXT NOT NULL,
            lugar TEXT NOT NULL,
            agenda TEXT NOT NULL DEFAULT '[]',
            vecinos INTEGER NOT NULL DEFAULT 0 CHECK (vecinos >= 0),
            vecinos_nombres TEXT NOT NULL DEFAULT '[]',
            organizaciones TEXT NOT NULL DEFAULT '[]',
            instituciones TEXT NOT NULL DEFAULT '[]',
            acta TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            created_by TEXT NOT NULL,
            updated_at REAL NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE INDEX mesa_sesiones_mesa ON mesa_sesiones(mesa_id, fecha, hora)")
    db.execute("CREATE INDEX mesa_sesiones_barrio ON mesa_sesiones(barrio_id)")
    db.execute(
        """
        CREATE TABLE mesa_acuerdos (
            id INTEGER PRIMARY KEY,
            mesa_id INTEGER NOT NULL REFERENCES mesas(id),
            sesion_id INTEGER NOT NULL REFERENCES mesa_sesiones(id),
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            descripcion TEXT NOT NULL,
            responsable TEXT NOT NULL,
            fecha_comprometida TEXT NOT NULL,
            estado TEXT NOT NULL DEFAULT 'pendiente'
                CHECK (estado IN ('pendiente', 'en_curso', 'cumplido', 'no_cumplido')),
            created_at REAL NOT NULL,
            created_by TEXT NOT NULL,
            updated_at REAL NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE INDEX mesa_acuerdos_mesa ON mesa_acuerdos(mesa_id, estado)")
    db.execute("CREATE INDEX mesa_acuerdos_sesion ON mesa_acuerdos(sesion_id)")
    db.execute("CREATE INDEX mesa_acuerdos_barrio ON mesa_acuerdos(barrio_id)")
    db.execute(
        """
        CREATE TABLE mesa_seguimientos (
            id INTEGER PRIMARY KEY,
            acuerdo_id INTEGER NOT NULL REFERENCES mesa_acuerdos(id),
            sesion_id INTEGER REFERENCES mesa_sesiones(id),
            barrio_id INTEGER NOT NULL REFERENCES barrios(id),
            estado_anterior TEXT NOT NULL,
            estado TEXT NOT NULL
                CHECK (estado IN ('pendiente', 'en_curso', 'cumplido', 'no_cumplido')),
            nota TEXT NOT NULL DEFAULT '',
            at REAL NOT NULL,
            author TEXT NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE INDEX mesa_seguimientos_acuerdo ON mesa_seguimientos(acuerdo_id, at)")
    db.execute("CREATE INDEX mesa_seguimientos_sesion ON mesa_seguimientos(sesion_id)")
