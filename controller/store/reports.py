"""The store's side of reporting to the hub: the outbox, its state, the commands run.

Rows in, rows out; the functions taking a ``Database`` are the store's, called through
:class:`~controller.store.Store` (which owns every write and its transactions). The
policy (what goes in, what is dropped first) is :mod:`controller.outbox`'s.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlite_utils import Database

from protocol.report import Event

FRAMES_CURSOR: Final = "frames_cursor"
DROPPED: Final = "dropped"

Merge = Callable[[Event, Event], Event]


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One event for the outbox; events with the same ``merge_key`` that were never sent
    are merged into one (``merge(old, new)``) instead of queued twice."""

    event: Event
    merge_key: str | None = None


@dataclass(frozen=True, slots=True)
class HubCommandRecord:
    """A hub command as run here: ``status`` is ``running``, ``done`` or ``failed``."""

    id: str
    type: str
    issued_at: float
    params: dict[str, Any]
    received_at: float
    status: str
    detail: str
    finished_at: float | None


def _encode(event: Event) -> str:
    return json.dumps(event.to_json(), ensure_ascii=False, separators=(",", ":"))


def put(db: Database, entry: OutboxEntry, merge: Merge | None) -> None:
    event = entry.event
    if entry.merge_key is not None and merge is not None:
        row = db.execute(
            "SELECT seq, event FROM outbox WHERE merge_key = ? AND sent = 0 AND parked IS NULL "
            "ORDER BY seq DESC LIMIT 1",
            [entry.merge_key],
        ).fetchone()
        if row is not None:
            merged = merge(Event.from_json(json.loads(row[1])), event)
            text = _encode(merged)
            db.execute(
                "UPDATE outbox SET at = ?, event = ?, size = ? WHERE seq = ?",
                [merged.at, text, len(text.encode()), row[0]],
            )
            return
    text = _encode(event)
    db.execute(
        "INSERT OR IGNORE INTO outbox (id, type, at, event, size, merge_key) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [event.id, event.type, event.at, text, len(text.encode()), entry.merge_key],
    )


def select_batch(db: Database, limit: int) -> list[Event]:
    """Up to ``limit`` events not set aside: episodes first, then the rest, each oldest
    first; returned in outbox order (oldest first)."""
    rows = db.execute(
        "SELECT seq, event FROM outbox WHERE type = 'episode' AND parked IS NULL "
        "ORDER BY seq LIMIT ?",
        [limit],
    ).fetchall()
    if len(rows) < limit:
        rows += db.execute(
            "SELECT seq, event FROM outbox WHERE type != 'episode' AND parked IS NULL "
            "ORDER BY seq LIMIT ?",
            [limit - len(rows)],
        ).fetchall()
    rows.sort()
    return [Event.from_json(json.loads(text)) for _, text in rows]


def mark_sent(db: Database, ids: Sequence[str]) -> None:
    for chunk in _chunks(ids):
        db.execute(
            f"UPDATE outbox SET sent = sent + 1 WHERE id IN ({_marks(chunk)})",  # noqa: S608
            chunk,
        )


def delete(db: Database, ids: Iterable[str]) -> int:
    deleted = 0
    for chunk in _chunks(list(ids)):
        cursor = db.execute(
            f"DELETE FROM outbox WHERE id IN ({_marks(chunk)})",  # noqa: S608
            chunk,
        )
        deleted += cursor.rowcount
    return deleted


def park(db: Database, event_id: str, reason: str) -> None:
    db.execute("UPDATE outbox SET parked = ? WHERE id = ?", [reason or "rechazado", event_id])


def unpark_all(db: Database) -> int:
    return db.execute("UPDATE outbox SET parked = NULL WHERE parked IS NOT NULL").rowcount


def size(db: Database) -> tuple[int, int]:
    """(events, bytes) in the outbox."""
    count, total = db.execute("SELECT count(*), coalesce(sum(size), 0) FROM outbox").fetchone()
    return int(count), int(total)


def count_by_type(db: Database) -> dict[str, int]:
    return {t: int(n) for t, n in db.execute("SELECT type, count(*) FROM outbox GROUP BY type")}


def has_merge_key(db: Database, merge_key: str) -> bool:
    row = db.execute("SELECT 1 FROM outbox WHERE merge_key = ? LIMIT 1", [merge_key]).fetchone()
    return row is not None


def drop_oldest(db: Database, event_type: str, count: int) -> int:
    return db.execute(
        "DELETE FROM outbox WHERE seq IN "
        "(SELECT seq FROM outbox WHERE type = ? ORDER BY seq LIMIT ?)",
        [event_type, count],
    ).rowcount


def get_state(db: Database, name: str) -> int:
    row = db.execute("SELECT value FROM outbox_state WHERE name = ?", [name]).fetchone()
    return int(row[0]) if row else 0


def set_state(db: Database, name: str, value: int) -> None:
    db.execute(
        "INSERT INTO outbox_state (name, value) VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        [name, value],
    )


def frames_after(db: Database, cursor: int, limit: int) -> list[dict[str, Any]]:
    """Frames logged after ``cursor`` (an id), oldest first."""
    return list(db.table("frames").rows_where("id > ?", [cursor], order_by="id", limit=limit))


def sms_counts(db: Database, episode_id: str) -> tuple[int, int, int]:
    """(messages attempted, accepted, failed for good) for one episode's SMS keys."""
    row = db.execute(
        "SELECT count(*), coalesce(sum(accepted), 0), coalesce(sum(failed), 0) FROM ("
        " SELECT max(outcome = 'accepted') AS accepted,"
        " max(outcome = 'failed') AND NOT max(outcome = 'accepted') AS failed"
        " FROM sms_attempts WHERE key >= ? AND key < ? GROUP BY key)",
        [f"{episode_id}:", f"{episode_id};"],
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def digests(db: Database, episode_ids: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in _chunks(episode_ids):
        found.update(
            db.execute(
                f"SELECT episode_id, digest FROM episode_reports "  # noqa: S608
                f"WHERE episode_id IN ({_marks(chunk)})",
                chunk,
            ).fetchall()
        )
    return found


def set_digest(db: Database, episode_id: str, digest: str, at: float) -> None:
    db.execute(
        "INSERT INTO episode_reports (episode_id, digest, at) VALUES (?, ?, ?) "
        "ON CONFLICT (episode_id) DO UPDATE SET digest = excluded.digest, at = excluded.at",
        [episode_id, digest, at],
    )


# --- hub commands -------------------------------------------------------------------------------


def insert_command(
    db: Database,
    *,
    command_id: str,
    command_type: str,
    issued_at: float,
    params: dict[str, Any],
    at: float,
) -> bool:
    """Record a command as running; False when this id was seen before (run it not)."""
    cursor = db.execute(
        "INSERT OR IGNORE INTO hub_commands (id, type, issued_at, params, received_at, status, "
        "detail) VALUES (?, ?, ?, ?, ?, 'running', '')",
        [command_id, command_type, issued_at, json.dumps(params), at],
    )
    return cursor.rowcount == 1


def finish_command(db: Database, command_id: str, status: str, detail: str, at: float) -> None:
    db.execute(
        "UPDATE hub_commands SET status = ?, detail = ?, finished_at = ? WHERE id = ?",
        [status, detail, at, command_id],
    )


def select_commands(
    db: Database, where: str | None = None, params: Sequence[Any] = ()
) -> list[HubCommandRecord]:
    rows = db.table("hub_commands").rows_where(where, list(params), order_by="received_at")
    return [HubCommandRecord(**{**row, "params": json.loads(row["params"])}) for row in rows]


def prune_commands(db: Database, before: float) -> int:
    return db.execute(
        "DELETE FROM hub_commands WHERE status != 'running' AND received_at < ?", [before]
    ).rowcount


def _marks(chunk: Sequence[object]) -> str:
    return ", ".join("?" * len(chunk))


def _chunks(items: Sequence[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
