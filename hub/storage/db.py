"""The hub's database: one SQLite file (WAL) through sqlite-utils, and its repositories.

:class:`HubDB` opens the file (creating it 0600 and its folder 0700), sets the pragmas,
applies pending migrations and exposes one repository per domain (``db.users``,
``db.sessions``, ``db.login_attempts``, ``db.audit``). Every write goes through a
repository method; views and the CLI never write SQL.

Concurrency: one :class:`HubDB` per process, used from the thread that opened it (the
event loop's; sqlite3 refuses others). ``sereno hub create-user`` may write while the
server runs: WAL lets readers go on, and a writer waits up to :data:`BUSY_TIMEOUT_MS`.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Final, Self

from sqlite_utils import Database

from hub.errors import StorageError
from hub.storage.accounts import LoginAttempts, Sessions, Users
from hub.storage.audit import AuditLog
from hub.storage.migrations import MigrationSet, migrate
from hub.storage.schema import MIGRATION_SETS

BUSY_TIMEOUT_MS: Final = 5000
FILE_MODE: Final = 0o600
DIR_MODE: Final = 0o700


class HubDB:
    """The open database and its repositories. Open with :meth:`open` or :meth:`memory`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        """The sqlite-utils database, for reads a repository does not offer (tests, reports).
        Writes go through the repositories below."""
        self.audit = AuditLog(db)
        self.users = Users(db, self.audit)
        self.sessions = Sessions(db)
        self.login_attempts = LoginAttempts(db)

    @classmethod
    def open(cls, path: Path | str, *, sets: Sequence[MigrationSet] = MIGRATION_SETS) -> Self:
        """Open (creating it if needed) and migrate the database at ``path``;
        ``":memory:"`` opens a private in-memory one. Raises :class:`StorageError`."""
        try:
            if str(path) == ":memory:":
                db = Database(memory=True, execute_plugins=False)
            else:
                _create_private(Path(path))
                db = Database(Path(path), execute_plugins=False)
        except PermissionError:
            raise StorageError(
                f"No tengo permiso para crear o abrir la base de datos {path}; use --db con "
                "otra ruta o ejecute el comando como el usuario del hub."
            ) from None
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"No puedo abrir la base de datos {path}: {exc}") from exc
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not db.memory:
                db.enable_wal()
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA foreign_keys = ON")
            migrate(db, sets)
        except sqlite3.DatabaseError as exc:
            db.close()
            raise StorageError(f"No puedo usar la base de datos {path}: {exc}") from exc
        except BaseException:
            db.close()
            raise
        return cls(db)

    @classmethod
    def memory(cls) -> Self:
        return cls.open(":memory:")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _create_private(path: Path) -> None:
    """Create ``path``'s folder (0700) and the file (0600) before SQLite opens it; SQLite
    gives its -wal and -shm files the database file's mode."""
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
