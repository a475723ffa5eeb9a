"""The store's file, modes and migrations (fresh, re-open, failure, newer schema)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlite_utils import Database

from controller.errors import StoreError
from controller.store import LATEST_VERSION, MIGRATIONS, Store, migrate, schema_version
from controller.store.migrations import MIGRATIONS_TABLE, Migration
from controller.store.store import CACHE_KIB

TABLES = {"nodes", "vecinos", "silent_contacts", "counters", "frames", "episodes", "sms_attempts"}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_fresh_in_memory_database_reaches_the_latest_version() -> None:
    db = Database(memory=True)
    assert schema_version(db) == 0
    assert migrate(db) == LATEST_VERSION == len(MIGRATIONS)
    assert set(db.table_names()) >= TABLES
    rows = list(db.table(MIGRATIONS_TABLE).rows_where(order_by="version"))
    assert [(r["version"], r["name"]) for r in rows] == [
        (n, m.__name__) for n, m in enumerate(MIGRATIONS, start=1)
    ]
    assert all(isinstance(r["applied_at"], float) for r in rows)


def test_migrating_again_changes_nothing() -> None:
    db = Database(memory=True)
    migrate(db)
    schema = {t.name: t.schema for t in db.tables}
    assert migrate(db) == LATEST_VERSION
    assert {t.name: t.schema for t in db.tables} == schema
    assert db.table(MIGRATIONS_TABLE).count == LATEST_VERSION


def test_tables_are_strict() -> None:
    with Store.open(":memory:") as store:
        for name in TABLES:
            assert store.db.table(name).schema.rstrip().endswith("STRICT"), name


def test_a_failing_migration_leaves_nothing_and_stays_pending() -> None:
    def m002_broken(db: Database) -> None:
        db.table("half_done").create({"id": int}, pk="id")
        raise RuntimeError("disk on fire")

    migrations: tuple[Migration, ...] = (*MIGRATIONS, m002_broken)
    db = Database(memory=True)
    with pytest.raises(RuntimeError, match="disk on fire"):
        migrate(db, migrations)
    assert schema_version(db) == len(MIGRATIONS)
    assert not db.table("half_done").exists()

    def m002_fixed(db: Database) -> None:
        db.table("half_done").create({"id": int}, pk="id")

    assert migrate(db, (*MIGRATIONS, m002_fixed)) == len(MIGRATIONS) + 1
    assert db.table("half_done").exists()


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "controller.db"
    Store.open(path).close()
    db = Database(path)
    db.table(MIGRATIONS_TABLE).insert({"version": 99, "name": "m099_future", "applied_at": 0.0})
    db.close()
    with pytest.raises(StoreError, match="actualice Sereno"):
        Store.open(path)


def test_file_store_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "datos" / "controller.db"
    with Store.open(path) as store:
        assert store.db.journal_mode == "wal"
        assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        store.accept_counter(1, 7, 1, b"frame")
        store.record_frame("tag", b"\x01\x01")  # the frames log alone skips the fsync
        assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2
        assert mode(path) == 0o600
        wal = path.with_name(path.name + "-wal")
        assert wal.exists()
        assert mode(wal) == 0o600
    assert mode(path.parent) == 0o700


def test_the_page_cache_is_capped(tmp_path: Path) -> None:
    """SQLite's default page cache (2 MB) fills as the logs grow: the store asks for less."""
    with Store.open(tmp_path / "controller.db") as store:
        assert store.db.execute("PRAGMA cache_size").fetchone()[0] == -CACHE_KIB
    assert CACHE_KIB <= 1024


def test_an_existing_open_file_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "controller.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    Store.open(path).close()
    assert mode(path) == 0o600


def test_reopening_keeps_the_version(tmp_path: Path) -> None:
    path = tmp_path / "controller.db"
    Store.open(path).close()
    with Store.open(path) as store:
        assert store.schema_version == LATEST_VERSION
        assert store.db.table(MIGRATIONS_TABLE).count == LATEST_VERSION


def test_not_a_database_is_refused_in_spanish(tmp_path: Path) -> None:
    path = tmp_path / "controller.db"
    path.write_bytes(b"esto no es sqlite" * 100)
    with pytest.raises(StoreError, match="No puedo abrir la base de datos"):
        Store.open(path)


def test_a_folder_that_cannot_be_made(tmp_path: Path) -> None:
    blocker = tmp_path / "archivo"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="No puedo crear la base de datos"):
        Store.open(blocker / "controller.db")


def test_a_folder_without_permission(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("controller.store.store.os.open", refuse)
    with pytest.raises(StoreError, match="No tengo permiso para crear la base de datos"):
        Store.open(tmp_path / "controller.db")


def test_ack_counter_reservations_persist_and_never_go_down(tmp_path: Path) -> None:
    path = tmp_path / "controller.db"
    with Store.open(path) as store:
        assert store.tx_reservation(2571, 7) == 0
        store.save_tx_reservation(2571, 7, 64)
        store.save_tx_reservation(2571, 7, 32)  # a stale writer cannot lower it
    with Store.open(path) as store:
        assert store.tx_reservation(2571, 7) == 64
        assert store.tx_reservation(2571, 8) == 0
