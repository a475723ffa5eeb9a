"""Numbered schema migrations of the controller's SQLite store.

Each migration is a function of the :class:`~sqlite_utils.Database`; its number is its
position in :data:`MIGRATIONS` (the first is version 1). :func:`migrate` applies, in order,
each one not yet recorded in the ``_migrations`` table, each in its own transaction together
with its record, so a failed migration leaves nothing behind and is tried again at the next
open. Applying twice is a no-op. Never edit a migration that has shipped: append a new one.

Conventions: tables are STRICT; times are REAL seconds since the epoch (UTC); lists and
objects are JSON text; node keys are 16-byte BLOBs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

from sqlite_utils import Database

from controller.errors import StoreError

Migration = Callable[[Database], None]

MIGRATIONS_TABLE: Final = "_migrations"


def m001_initial(db: Database) -> None:
    """Registry (nodes, vecinos, silent-alert contacts), counters, frames, episodes, SMS."""
    db.table("nodes").create(
        {
            "network": int,
            "address": int,
            "key": bytes,
            "household": str,
            "street_address": str,
            "kinds": str,
            "created_at": float,
        },
        pk=("network", "address"),
        not_null={"key", "household", "street_address", "kinds", "created_at"},
        strict=True,
    )
    db.table("vecinos").create(
        {
            "id": int,
            "name": str,
            "street_address": str,
            "household": str,
            "phone": str,
            "kinds": str,
            "created_at": float,
        },
        pk="id",
        not_null={"name", "street_address", "household", "phone", "kinds", "created_at"},
        strict=True,
    )
    db.table("vecinos").create_index(["phone"], unique=True)
    db.table("silent_contacts").create(
        {"vecino_id": int, "network": int, "address": int},
        pk=("vecino_id", "network", "address"),
        foreign_keys=[("vecino_id", "vecinos", "id")],
        strict=True,
    )
    db.table("counters").create(
        {"network": int, "src": int, "counter": int, "frame": bytes, "updated_at": float},
        pk=("network", "src"),
        not_null={"counter", "frame", "updated_at"},
        strict=True,
    )
    db.table("frames").create(
        {
            "id": int,
            "at": float,
            "network": int,
            "src": int,
            "dst": int,
            "counter": int,
            "type": int,
            "verdict": str,
            "detail": str,
            "rssi": int,
            "snr": float,
            "frame_hex": str,
        },
        pk="id",
        not_null={"at", "verdict", "detail", "frame_hex"},
        strict=True,
    )
    db.table("frames").create_index(["at"])
    db.table("episodes").create(
        {
            "id": str,
            "kind": str,
            "started_at": float,
            "ended_at": float,
            "state": str,
            "siren_until": float,
            "strobe_until": float,
            "triggers": str,
            "silenced_at": float,
            "cancelled": int,
            "data": str,
        },
        pk="id",
        not_null={"kind", "started_at", "state", "triggers", "cancelled", "data"},
        strict=True,
    )
    db.table("episodes").create_index(["started_at"])
    db.table("episodes").create_index(["ended_at"])
    db.table("sms_attempts").create(
        {
            "id": int,
            "key": str,
            "episode_id": str,
            "vecino_id": int,
            "to": str,
            "attempt_no": int,
            "at": float,
            "outcome": str,
            "status": str,
            "sid": str,
            "error_code": int,
            "error_message": str,
        },
        pk="id",
        not_null={"key", "to", "attempt_no", "at", "outcome"},
        strict=True,
    )
    db.table("sms_attempts").create_index(["key"])
    db.table("sms_attempts").create_index(["at"])


def m002_ack_counters(db: Database) -> None:
    """The controller's own sending counters (its ACKs), one reservation per node key."""
    db.table("ack_counters").create(
        {"network": int, "address": int, "reserved": int, "updated_at": float},
        pk=("network", "address"),
        not_null={"reserved", "updated_at"},
        strict=True,
    )


def m003_outbox(db: Database) -> None:
    """Store-and-forward to the hub: the outbox of events not yet acknowledged, the
    reporter's cursors and counters, episode snapshots sent, and the hub's commands run."""
    db.table("outbox").create(
        {
            "seq": int,
            "id": str,
            "type": str,
            "at": float,
            "event": str,
            "size": int,
            "merge_key": str,
            "sent": int,
            "parked": str,
        },
        pk="seq",
        not_null={"id", "type", "at", "event", "size", "sent"},
        defaults={"sent": 0},
        strict=True,
    )
    db.table("outbox").create_index(["id"], unique=True)
    db.table("outbox").create_index(["type", "seq"])
    db.table("outbox").create_index(["merge_key"])
    db.table("outbox_state").create(
        {"name": str, "value": int}, pk="name", not_null={"value"}, strict=True
    )
    # Frames already logged before this migration are history, not news for the hub.
    (last_frame,) = db.execute("SELECT coalesce(max(id), 0) FROM frames").fetchone()
    db.table("outbox_state").insert({"name": "frames_cursor", "value": last_frame})
    db.table("episode_reports").create(
        {"episode_id": str, "digest": str, "at": float},
        pk="episode_id",
        not_null={"digest", "at"},
        strict=True,
    )
    db.table("hub_commands").create(
        {
            "id": str,
            "type": str,
            "issued_at": float,
            "params": str,
            "received_at": float,
            "status": str,
            "detail": str,
            "finished_at": float,
        },
        pk="id",
        not_null={"type", "issued_at", "params", "received_at", "status", "detail"},
        strict=True,
    )
    db.table("hub_commands").create_index(["received_at"])


MIGRATIONS: Final[tuple[Migration, ...]] = (m001_initial, m002_ack_counters, m003_outbox)
"""Every migration, in order; version ``n`` is ``MIGRATIONS[n - 1]``."""

LATEST_VERSION: Final = len(MIGRATIONS)


def schema_version(db: Database) -> int:
    """The highest migration applied to ``db`` (0 for a new database)."""
    if not db.table(MIGRATIONS_TABLE).exists():
        return 0
    row = db.execute(f"SELECT max(version) FROM {MIGRATIONS_TABLE}").fetchone()  # noqa: S608
    return int(row[0] or 0)


def migrate(db: Database, migrations: tuple[Migration, ...] = MIGRATIONS) -> int:
    """Apply the pending ``migrations`` in order; return the schema version reached.

    Raises :class:`StoreError` when the database is newer than this program.
    """
    table = db.table(MIGRATIONS_TABLE)
    if not table.exists():
        with db.atomic():
            table.create(
                {"version": int, "name": str, "applied_at": float},
                pk="version",
                not_null={"name", "applied_at"},
                strict=True,
            )
    current = schema_version(db)
    if current > len(migrations):
        raise StoreError(
            f"La base de datos tiene el esquema {current}, más nuevo que el de este programa "
            f"({len(migrations)}); actualice Sereno antes de usarla"
        )
    for version, migration in enumerate(migrations, start=1):
        if version <= current:
            continue
        with db.atomic():
            migration(db)
            table.insert(
                {"version": version, "name": migration.__name__, "applied_at": time.time()}
            )
    return len(migrations)
