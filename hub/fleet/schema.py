"""The fleet's tables: migration set ``fleet`` (after ``territory``: controllers name a
barrio).

- ``controllers``: one per enrolled street controller, with what its last report said
  about its clock and the report interval the hub asks of it;
- ``controller_credentials``: the SHA-256 of each controller's secret (never the secret);
- ``enrollment_codes``: the SHA-256 of each one-time code, its expiry and when it was used;
  ``enrollment_failures`` counts wrong codes per client address;
- ``heartbeats``: a bounded history per controller (the newest row is its state);
- ``events``: every event received, once per ``(controller_id, event_id)``, so a resend is
  harmless; the tables below are folded from them: ``episodes`` (newest snapshot),
  ``self_tests``, ``nodes`` (newest status per node), ``security_counts`` (deltas);
- ``commands``: what people asked a controller to do, and what came of it;
- ``alarms``: one open row per (controller or node, type), enforced by a unique index.

Times are REAL seconds since the epoch on the hub's clock, except the ``*_at`` columns that
copy an event's own time (the controller's clock), named as in the report.
"""

from __future__ import annotations

from typing import Final

from sqlite_utils import Database

from hub.storage.migrations import MigrationSet

migrations: Final = MigrationSet("fleet")


@migrations()
def m001_controllers_and_enrollment(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE controllers (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            reported_name TEXT NOT NULL,
            barrio_id INTEGER REFERENCES barrios(id),
            enrolled_at REAL NOT NULL,
            report_interval_s INTEGER NOT NULL CHECK (report_interval_s BETWEEN 10 AND 3600),
            told_interval_s INTEGER,
            software_version TEXT NOT NULL,
            last_report_at REAL,
            last_sent_at REAL,
            clock_skew_s REAL,
            reports INTEGER NOT NULL DEFAULT 0
        ) STRICT
        """
    )
    db.execute(
        """
        CREATE TABLE controller_credentials (
            controller_id INTEGER PRIMARY KEY REFERENCES controllers(id),
            secret_sha256 TEXT NOT NULL,
            created_at REAL NOT NULL
        ) STRICT
        """
    )
    db.execute(
        """
        CREATE TABLE enrollment_codes (
            id INTEGER PRIMARY KEY,
            code_sha256 TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            barrio_id INTEGER REFERENCES barrios(id),
            created_at REAL NOT NULL,
            created_by TEXT NOT NULL,
            expires_at REAL NOT NULL,
            used_at REAL,
            controller_id INTEGER REFERENCES controllers(id)
        ) STRICT
        """
    )
    db.execute(
        "CREATE TABLE enrollment_failures "
        "(id INTEGER PRIMARY KEY, at REAL NOT NULL, ip TEXT NOT NULL) STRICT"
    )
    db.execute("CREATE INDEX enrollment_failures_ip ON enrollment_failures(ip, at)")


@migrations()
def m002_reports(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE heartbeats (
            id INTEGER PRIMARY KEY,
            controller_id INTEGER NOT NULL REFERENCES controllers(id),
            received_at REAL NOT NULL,
            uptime_s INTEGER NOT NULL,
            software_version TEXT NOT NULL,
            power TEXT NOT NULL,
            battery_mv INTEGER,
            radio_noise_dbm INTEGER,
            disk_free_mb INTEGER,
            temperature_c REAL,
            alarm_state TEXT NOT NULL,
            open_episodes INTEGER NOT NULL,
            outbox_pending INTEGER NOT NULL,
            outbox_dropped INTEGER NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE INDEX heartbeats_controller ON heartbeats(controller_id, id)")
    db.execute(
        """
        CREATE TABLE events (
            controller_id INTEGER NOT NULL REFERENCES controllers(id),
            event_id TEXT NOT NULL,
            type TEXT NOT NULL,
            at REAL NOT NULL,
            received_at REAL NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (controller_id, event_id)
        ) STRICT
        """
    )
    db.execute(
        """
        CREATE TABLE episodes (
            controller_id INTEGER NOT NULL REFERENCES controllers(id),
            episode_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            network INTEGER NOT NULL,
            nodes TEXT NOT NULL,
            presses INTEGER NOT NULL,
            started_at REAL NOT NULL,
            silenced_at REAL,
            ended_at REAL,
            end_reason TEXT,
            sms_expected INTEGER NOT NULL,
            sms_accepted INTEGER NOT NULL,
            sms_failed INTEGER NOT NULL,
            snapshot_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            PRIMARY KEY (controller_id, episode_id)
        ) STRICT
        """
    )
    db.execute("CREATE INDEX episodes_started ON episodes(controller_id, started_at)")
    db.execute(
        """
        CREATE TABLE self_tests (
            id INTEGER PRIMARY KEY,
            controller_id INTEGER NOT NULL REFERENCES controllers(id),
            event_id TEXT NOT NULL,
            at REAL NOT NULL,
            ok INTEGER NOT NULL,
            skipped INTEGER NOT NULL,
            detail TEXT NOT NULL,
            siren_ms INTEGER NOT NULL,
            received_at REAL NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE INDEX self_tests_at ON self_tests(controller_id, at)")
    db.execute(
        """
        CREATE TABLE nodes (
            controller_id INTEGER NOT NULL REFERENCES controllers(id),
            network INTEGER NOT NULL,
            address INTEGER NOT NULL,
            battery_mv INTEGER,
            low_battery INTEGER NOT NULL,
            tamper INTEGER NOT NULL,
            external_power INTEGER NOT NULL,
            firmware TEXT,
            rssi INTEGER,
            snr REAL,
            last_heard_at REAL NOT NULL,
            heard_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            PRIMARY KEY (controller_id, network, address)
        ) STRICT
        """
    )
    db.execute(
        """
        CREATE TABLE security_counts (
            id INTEGER PRIMARY KEY,
            controller_id INTEGER NOT NULL REFERENCES controllers(id),
            event_id TEXT NOT NULL,
            reason TEXT NOT NULL,
            network INTEGER,
            src INTEGER,
            counter INTEGER,
            count INTEGER NOT NULL,
            first_at REAL NOT NULL,
            last_at REAL NOT NULL,
            received_at REAL NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE INDEX security_counts_controller ON security_counts(controller_id, reason)")


@migrations()
def m003_commands_and_alarms(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE commands (
            id INTEGER PRIMARY KEY,
            public_id TEXT NOT NULL UNIQUE,
            controller_id INTEGER NOT NULL REFERENCES controllers(id),
            type TEXT NOT NULL,
            params TEXT NOT NULL DEFAULT '{}',
            issued_at REAL NOT NULL,
            issued_by_id INTEGER,
            issued_by TEXT NOT NULL,
            expires_at REAL NOT NULL,
            sent_at REAL,
            sent_count INTEGER NOT NULL DEFAULT 0,
            result_at REAL,
            status TEXT CHECK (status IN ('done', 'failed')),
            detail TEXT
        ) STRICT
        """
    )
    db.execute("CREATE INDEX commands_controller ON commands(controller_id, id)")
    db.execute(
        """
        CREATE TABLE alarms (
            id INTEGER PRIMARY KEY,
            controller_id INTEGER NOT NULL REFERENCES controllers(id),
            node_network INTEGER,
            node_address INTEGER,
            type TEXT NOT NULL,
            severity TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
            detail TEXT NOT NULL,
            first_seen REAL NOT NULL,
            last_seen REAL NOT NULL,
            count INTEGER NOT NULL,
            acknowledged_by_id INTEGER,
            acknowledged_by TEXT,
            acknowledged_at REAL,
            cleared_at REAL,
            notified_at REAL,
            last_notified_at REAL,
            reminders INTEGER NOT NULL DEFAULT 0,
            CHECK ((node_network IS NULL) = (node_address IS NULL))
        ) STRICT
        """
    )
    db.execute(
        "CREATE UNIQUE INDEX alarms_one_open ON alarms(controller_id, type, "
        "coalesce(node_network, -1), coalesce(node_address, -1)) WHERE cleared_at IS NULL"
    )
    db.execute("CREATE INDEX alarms_last_seen ON alarms(last_seen)")


@migrations()
def m004_controller_location_and_panel_indexes(db: Database) -> None:
    """Where each controller stands (the map; set on its page), and the indexes the panel's
    aggregate queries read: open alarms per controller, the newest episodes of the fleet."""
    columns = {str(row[1]) for row in db.execute("PRAGMA table_info(controllers)").fetchall()}
    for column, definition in (
        ("latitude", "REAL CHECK (latitude BETWEEN -90 AND 90)"),
        ("longitude", "REAL CHECK (longitude BETWEEN -180 AND 180)"),
        ("address", "TEXT"),
    ):
        if column not in columns:
            db.execute(f"ALTER TABLE controllers ADD COLUMN {column} {definition}")
    db.execute(
        "CREATE INDEX IF NOT EXISTS alarms_open_per_controller "
        "ON alarms(controller_id, severity, acknowledged_at, first_seen) WHERE cleared_at IS NULL"
    )
    db.execute("CREATE INDEX IF NOT EXISTS episodes_newest ON episodes(started_at)")
