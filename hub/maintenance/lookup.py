"""Defensive reads of other domains' tables: controllers, barrios and alarms.

Those tables belong to the fleet and Enlace work and may not exist yet (or not have the
columns read here). Every function answers ``None`` (or nothing) when it cannot tell, and
callers then show the bare id and accept it as typed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from sqlite_utils import Database

CONTROLLERS: Final = "controllers"
BARRIOS: Final = "barrios"
ALARMS: Final = "alarms"


def _has(db: Database, table: str, *columns: str) -> bool:
    if not db.table(table).exists():
        return False
    return set(columns) <= set(db.table(table).columns_dict)


def exists(db: Database, table: str, record_id: int) -> bool | None:
    """Whether ``table`` has a row ``record_id``; None when the table is not there."""
    if not _has(db, table, "id"):
        return None
    sql = f"SELECT 1 FROM [{table}] WHERE id = ?"  # noqa: S608 - table is one of ours
    return db.execute(sql, [record_id]).fetchone() is not None


def names(db: Database, table: str, ids: Iterable[int | None]) -> dict[int, str]:
    """``{id: name}`` for those of ``ids`` that ``table`` has (empty without the table)."""
    wanted = sorted({record_id for record_id in ids if record_id is not None})
    if not wanted or not _has(db, table, "id", "name"):
        return {}
    marks = ", ".join("?" for _ in wanted)
    sql = f"SELECT id, name FROM [{table}] WHERE id IN ({marks})"  # noqa: S608
    return {int(row[0]): str(row[1]) for row in db.execute(sql, wanted).fetchall()}


def all_names(db: Database, table: str, *, limit: int = 1000) -> list[tuple[int, str]]:
    """Every ``(id, name)`` of ``table`` by name, for a choice list (empty without it)."""
    if not _has(db, table, "id", "name"):
        return []
    sql = f"SELECT id, name FROM [{table}] ORDER BY name, id LIMIT ?"  # noqa: S608
    return [(int(row[0]), str(row[1])) for row in db.execute(sql, [limit]).fetchall()]


def number(db: Database, table: str, column: str, record_id: int) -> int | None:
    """The integer ``column`` of row ``record_id`` (a controller's ``barrio_id``, an
    alarm's ``controller_id``), when the table has it."""
    if not _has(db, table, "id", column):
        return None
    row = db.execute(
        f"SELECT [{column}] FROM [{table}] WHERE id = ?",  # noqa: S608 - names are ours
        [record_id],
    ).fetchone()
    return row[0] if row is not None and isinstance(row[0], int) else None
