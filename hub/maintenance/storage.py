"""The maintenance domain's tables and their migration set, ``maintenance``.

Tables: ``maintenance_windows`` (planned or ad hoc silences of a controller or a barrio),
``technicians``, ``tickets`` with ``ticket_status_changes``, and the installation waitlist
``waitlist_requests`` with ``waitlist_status_changes``.

``controller_id``, ``barrio_id`` and ``alarm_id`` are plain integers without foreign keys:
the controllers, barrios and alarms tables belong to other domains and may not exist when
this set runs (:mod:`hub.maintenance.lookup` reads them defensively). The CHECK
constraints repeat the rules of the repositories, so a bug there cannot store nonsense.
"""

from __future__ import annotations

from typing import Final

from sqlite_utils import Database

from hub.storage.migrations import MigrationSet

migrations: Final = MigrationSet("maintenance")


@migrations()
def m001_windows_tickets_waitlist(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE maintenance_windows (
            id INTEGER PRIMARY KEY,
            controller_id INTEGER,
            barrio_id INTEGER,
            kind TEXT NOT NULL CHECK (kind IN ('planificada', 'inmediata')),
            starts_at REAL NOT NULL,
            ends_at REAL,
            reason TEXT NOT NULL,
            created_at REAL NOT NULL,
            created_by TEXT NOT NULL,
            ended_at REAL,
            ended_by TEXT,
            canceled_at REAL,
            canceled_by TEXT,
            CHECK ((controller_id IS NULL) <> (barrio_id IS NULL)),
            CHECK (ends_at IS NULL OR ends_at >= starts_at)
        ) STRICT
        """
    )
    db.execute("CREATE INDEX maintenance_windows_controller ON maintenance_windows(controller_id)")
    db.execute("CREATE INDEX maintenance_windows_barrio ON maintenance_windows(barrio_id)")
    db.execute(
        """
        CREATE TABLE technicians (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            phone TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            created_at REAL NOT NULL
        ) STRICT
        """
    )
    db.execute(
        """
        CREATE TABLE waitlist_requests (
            id INTEGER PRIMARY KEY,
            requester_name TEXT NOT NULL,
            requester_kind TEXT NOT NULL CHECK (requester_kind IN ('vecino', 'junta_vecinos')),
            phone TEXT NOT NULL,
            address TEXT NOT NULL,
            barrio TEXT NOT NULL,
            barrio_id INTEGER,
            households INTEGER NOT NULL CHECK (households >= 1),
            notes TEXT NOT NULL DEFAULT '',
            priority TEXT NOT NULL CHECK (priority IN ('baja', 'normal', 'alta', 'urgente')),
            status TEXT NOT NULL CHECK (status IN ('recibida', 'en_evaluacion', 'aprobada',
                                                  'programada', 'instalada', 'rechazada')),
            received_on TEXT NOT NULL,
            rejection_reason TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            created_by TEXT NOT NULL,
            updated_at REAL NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE INDEX waitlist_requests_status ON waitlist_requests(status)")
    db.execute(
        """
        CREATE TABLE waitlist_status_changes (
            id INTEGER PRIMARY KEY,
            request_id INTEGER NOT NULL REFERENCES waitlist_requests(id),
            at REAL NOT NULL,
            actor TEXT NOT NULL,
            from_status TEXT,
            to_status TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT ''
        ) STRICT
        """
    )
    db.execute(
        "CREATE INDEX waitlist_status_changes_request ON waitlist_status_changes(request_id)"
    )
    db.execute(
        """
        CREATE TABLE tickets (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('instalacion', 'mantencion', 'reparacion')),
            status TEXT NOT NULL CHECK (status IN ('abierto', 'asignado', 'en_curso',
                                                   'resuelto', 'cerrado', 'cancelado')),
            priority TEXT NOT NULL CHECK (priority IN ('baja', 'normal', 'alta', 'urgente')),
            controller_id INTEGER,
            alarm_id INTEGER,
            waitlist_request_id INTEGER REFERENCES waitlist_requests(id),
            barrio TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL,
            technician_id INTEGER REFERENCES technicians(id),
            due_on TEXT,
            closing_note TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            created_by TEXT NOT NULL,
            updated_at REAL NOT NULL,
            closed_at REAL
        ) STRICT
        """
    )
    for column in ("status", "controller_id", "alarm_id", "waitlist_request_id", "technician_id"):
        db.execute(f"CREATE INDEX tickets_{column} ON tickets({column})")
    db.execute(
        """
        CREATE TABLE ticket_status_changes (
            id INTEGER PRIMARY KEY,
            ticket_id INTEGER NOT NULL REFERENCES tickets(id),
            at REAL NOT NULL,
            actor TEXT NOT NULL,
            from_status TEXT,
            to_status TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT ''
        ) STRICT
        """
    )
    db.execute("CREATE INDEX ticket_status_changes_ticket ON ticket_status_changes(ticket_id)")
