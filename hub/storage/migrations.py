"""Numbered schema migrations, one set per domain module, on sqlite-utils' ``Migrations``
(new in sqlite-utils 4.0, like the ``db.atomic()`` transactions the repositories use).

Each storage module that owns tables declares its own set and its migrations beside its
repository, numbered from 1 in the function name::

    migrations = MigrationSet("fleet")

    @migrations()
    def m001_controllers(db: Database) -> None:
        db.table("controllers").create({...}, pk="id", strict=True)

and the set is listed once in :data:`hub.storage.schema.MIGRATION_SETS`. Sets are applied
in that order, each set's migrations in number order; a set may refer (foreign keys) to
tables of sets listed before it, never after. Because every domain numbers its own set,
three people adding migrations at once touch three files and never collide; the tests
check that each set is numbered 1, 2, 3… with no gap or repeat.

:func:`migrate` records what it applied in the ``_migrations`` table (set, name, time),
each migration in one transaction with its record: a failed migration leaves nothing and
is tried again at the next start. Applying twice is a no-op. Never edit a migration that
has shipped: append the next number.

Conventions: tables are STRICT; times are REAL seconds since the epoch (UTC); JSON is TEXT.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from sqlite_utils import Database, Migrations

from hub.errors import StorageError

MIGRATIONS_TABLE: Final = "_migrations"
NAME_PATTERN: Final = re.compile(r"m(\d{3})_[a-z0-9_]+")
"""A migration's function name: ``m`` + its three-digit number + ``_`` + what it does."""


class MigrationSet(Migrations):
    """One domain's migrations (sqlite-utils' ``Migrations``), recorded in ``_migrations``."""

    migrations_table = MIGRATIONS_TABLE

    def names(self) -> list[str]:
        """The names of this set's migrations, in the order they apply."""
        return [migration.name for migration in self.pending(Database(memory=True))]


def migrate(db: Database, sets: Sequence[MigrationSet]) -> None:
    """Apply every pending migration of ``sets``, in order.

    Raises :class:`StorageError` when the database holds migrations this program does not
    know: it was written by a newer Sereno, and an older one must not touch it.
    """
    known = {(migration_set.name, name) for migration_set in sets for name in migration_set.names()}
    if db.table(MIGRATIONS_TABLE).exists():
        applied = db.execute(
            f"SELECT migration_set, name FROM {MIGRATIONS_TABLE}"  # noqa: S608
        ).fetchall()
        unknown = sorted(f"{row[0]}.{row[1]}" for row in applied if tuple(row) not in known)
        if unknown:
            raise StorageError(
                "La base de datos del hub fue actualizada por una versión más nueva de Sereno "
                f"(migraciones desconocidas: {', '.join(unknown)}); actualice Sereno antes de "
                "usarla."
            )
    for migration_set in sets:
        migration_set.apply(db)


def pending(db: Database, sets: Sequence[MigrationSet]) -> list[str]:
    """``set.name`` of every migration not yet applied to ``db``."""
    return [
        f"{migration_set.name}.{migration.name}"
        for migration_set in sets
        for migration in migration_set.pending(db)
    ]
