"""HubDB: migrations on an in-memory database, the file on disk, and the repositories."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlite_utils import Database

from hub.errors import Invalid, NotFound, StorageError
from hub.roles import Role
from hub.storage import Actor, HubDB, Subject
from hub.storage.migrations import MIGRATIONS_TABLE, NAME_PATTERN, MigrationSet, migrate, pending
from hub.storage.schema import MIGRATION_SETS
from tests.hub.conftest import CLI, T0, add_user

TABLES = {"_migrations", "audit_log", "users", "sessions", "login_attempts"}


def applied(db: Database) -> list[tuple[str, str]]:
    rows = db.execute(f"SELECT migration_set, name FROM {MIGRATIONS_TABLE} ORDER BY id")
    return [(row[0], row[1]) for row in rows.fetchall()]


def test_a_fresh_database_gets_every_migration() -> None:
    with HubDB.memory() as hub_db:
        assert set(hub_db.db.table_names()) >= TABLES
        expected = [(s.name, name) for s in MIGRATION_SETS for name in s.names()]
        assert applied(hub_db.db) == expected
        assert pending(hub_db.db, MIGRATION_SETS) == []
        assert hub_db.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_migrating_again_changes_nothing() -> None:
    with HubDB.memory() as hub_db:
        before = applied(hub_db.db)
        schema = hub_db.db.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
        migrate(hub_db.db, MIGRATION_SETS)
        migrate(hub_db.db, MIGRATION_SETS)
        assert applied(hub_db.db) == before
        assert hub_db.db.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema


@pytest.mark.parametrize("migration_set", MIGRATION_SETS, ids=lambda s: s.name)
def test_each_set_is_numbered_1_2_3_without_gaps(migration_set: MigrationSet) -> None:
    numbers = []
    for name in migration_set.names():
        found = NAME_PATTERN.fullmatch(name)
        assert found, f"{migration_set.name}.{name}: name it m<NNN>_<what_it_does>"
        numbers.append(int(found[1]))
    assert numbers == list(range(1, len(numbers) + 1)), f"{migration_set.name}: {numbers}"


def test_set_names_are_unique() -> None:
    names = [migration_set.name for migration_set in MIGRATION_SETS]
    assert len(names) == len(set(names))


def test_a_database_from_a_newer_sereno_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    HubDB.open(path).close()
    db = Database(path)
    db.table(MIGRATIONS_TABLE).insert(
        {"migration_set": "accounts", "name": "m999_future", "applied_at": "2030"}
    )
    db.close()
    with pytest.raises(StorageError, match=r"versión más nueva.*accounts\.m999_future"):
        HubDB.open(path)


def test_a_failing_migration_leaves_nothing_behind() -> None:
    broken = MigrationSet("broken")

    @broken()
    def m001_half(db: Database) -> None:
        db.table("half").create({"id": int}, pk="id")
        raise RuntimeError("boom")

    db = Database(memory=True)
    with pytest.raises(RuntimeError, match="boom"):
        migrate(db, (*MIGRATION_SETS, broken))
    assert not db.table("half").exists()
    assert pending(db, (broken,)) == ["broken.m001_half"]


def test_the_file_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "datos" / "hub.db"
    with HubDB.open(path) as hub_db:
        add_user(hub_db, Role.ADMIN)
        assert hub_db.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert hub_db.db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700


def test_a_file_that_is_not_a_database_is_refused_in_spanish(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    path.write_bytes(b"esto no es SQLite" * 100)
    with pytest.raises(StorageError, match="No puedo usar la base de datos"):
        HubDB.open(path)


def test_users_are_unique_by_email_and_changes_are_audited() -> None:
    with HubDB.memory() as hub_db:
        ana = add_user(hub_db, Role.GESTOR, email="ana@maipu.cl")
        with pytest.raises(Invalid) as refused:
            add_user(hub_db, Role.ADMIN, email="ana@maipu.cl")
        assert refused.value.problems == {
            "email": "Ya existe un usuario con el correo ana@maipu.cl."
        }
        admin = Actor.user(99, "jefa@maipu.cl")
        hub_db.users.set_role(ana.id, Role.MEDIACION, actor=admin, at=T0 + 1)
        hub_db.users.set_role(ana.id, Role.MEDIACION, actor=admin, at=T0 + 2)  # no change
        hub_db.users.set_active(ana.id, False, actor=admin, at=T0 + 3)
        history = hub_db.audit.history(Subject("user", ana.id))
        assert [(e.action, e.actor, e.detail) for e in history] == [
            ("user.create", CLI, {"email": "ana@maipu.cl", "name": ana.name, "role": "gestor"}),
            ("user.role", admin, {"from": "gestor", "to": "mediacion"}),
            ("user.deactivate", admin, {}),
        ]
        assert [e.at for e in history] == [T0, T0 + 1, T0 + 3]
        assert hub_db.audit.recent(limit=1)[0].action == "user.deactivate"
        with pytest.raises(NotFound, match="No existe el usuario 404"):
            hub_db.users.get(404)


def test_sessions_are_stored_hashed_and_end_with_the_account() -> None:
    with HubDB.memory() as hub_db:
        ana = add_user(hub_db, Role.GESTOR)
        token, session = hub_db.sessions.start(ana, at=T0, lifetime_s=3600)
        stored = [row[0] for row in hub_db.db.execute("SELECT token_hash FROM sessions")]
        assert stored == [session.token_hash] and token not in stored
        found = hub_db.sessions.find(token, at=T0 + 10, idle_s=600)
        assert found is not None and found.user == ana
        assert hub_db.sessions.find(token, at=T0 + 3600, idle_s=10_000) is None  # expired
        assert hub_db.sessions.find(token, at=T0 + 601, idle_s=600) is None  # idle
        assert hub_db.sessions.find("x" * 500, at=T0, idle_s=600) is None
        hub_db.users.set_active(ana.id, False, actor=CLI, at=T0)
        assert hub_db.sessions.count_for(ana.id) == 0
        assert hub_db.sessions.find(token, at=T0 + 10, idle_s=600) is None
