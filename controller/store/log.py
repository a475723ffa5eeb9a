"""The store's history: frames' verdicts, episodes, SMS attempts, and the merged events view.

Rows in, records out; the functions taking a ``Database`` are the store's, called through
:class:`~controller.store.Store`, which owns every write.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any, Final

from sqlite_utils import Database

from controller.alarm import EndReason, Episode, Trigger
from controller.sms.notifier import SmsAttempt
from controller.store.records import EVENT_KINDS, VERDICTS, Event, EventKind, FrameRecord
from protocol.frame import PanicKind
from protocol.verifier import Accepted, Duplicate, NotForUs, Rejected, Verdict

_RANK: Final[dict[EventKind, int]] = {"frame": 0, "episode": 1, "sms": 2}
"""Order of events at the same instant: the frame, the episode it opened, its SMS."""


# --- frames ---------------------------------------------------------------------------------


def verdict_fields(verdict: Verdict) -> dict[str, Any]:
    """The ``frames`` columns a verifier verdict fills (header fields, verdict, detail)."""
    if isinstance(verdict, Rejected):
        return {
            "verdict": verdict.reason,
            "network": verdict.network,
            "src": verdict.src,
            "counter": verdict.counter,
            "detail": verdict.detail,
        }
    name = {Accepted: "accepted", Duplicate: "duplicate", NotForUs: "not_for_us"}[type(verdict)]
    frame = verdict.frame
    return {
        "verdict": name,
        "network": frame.network,
        "src": frame.src,
        "dst": frame.dst,
        "counter": frame.counter,
        "frame_type": frame.type,
    }


def insert_frame(
    db: Database,
    *,
    at: float,
    verdict: str,
    data: bytes,
    network: int | None = None,
    src: int | None = None,
    dst: int | None = None,
    counter: int | None = None,
    frame_type: int | None = None,
    detail: str = "",
    rssi: int | None = None,
    snr: float | None = None,
) -> int:
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}; expected one of {sorted(VERDICTS)}")
    data = bytes(data)
    if frame_type is None and len(data) >= 2:  # unauthenticated: what it claimed to be
        frame_type = data[1]
    if dst is None and len(data) >= 8:
        dst = int.from_bytes(data[6:8], "big")
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO frames (at, network, src, dst, counter, type, verdict, detail, rssi, "
            "snr, frame_hex) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [at, network, src, dst, counter, frame_type, verdict, detail, rssi, snr, data.hex()],
        )
    return int(cursor.lastrowid or 0)


def prune_frames(db: Database, keep: int) -> int:
    """Delete all but the newest ``keep`` frames; return how many went."""
    with db.atomic():
        cursor = db.execute(
            "DELETE FROM frames WHERE id < "
            "(SELECT min(id) FROM (SELECT id FROM frames ORDER BY id DESC LIMIT ?))",
            [keep],
        )
    return cursor.rowcount


def select_frames(db: Database, limit: int) -> list[FrameRecord]:
    """The newest ``limit`` frames, newest first."""
    return [_frame(row) for row in db.table("frames").rows_where(order_by="id DESC", limit=limit)]


def _frame(row: dict[str, Any]) -> FrameRecord:
    return FrameRecord(**row)


# --- episodes -------------------------------------------------------------------------------


def upsert_episode(db: Database, episode: Episode) -> None:
    if episode.is_open:
        state = "open"
    else:
        state = episode.end_reason.value if episode.end_reason else "ended"
    row = {
        "id": episode.id,
        "kind": PanicKind(episode.kind).name,
        "started_at": episode.started_at,
        "ended_at": episode.ended_at,
        "state": state,
        "siren_until": episode.siren_until,
        "strobe_until": episode.strobe_until,
        "triggers": json.dumps(
            [
                {"network": t.network, "src": t.src, "counter": t.counter, "at": t.at}
                for t in episode.triggers
            ]
        ),
        "silenced_at": episode.silenced_at,
        "cancelled": int(episode.end_reason is EndReason.CANCELLED),
        "data": json.dumps({"hold_until": episode.hold_until}),
    }
    # Plain SQL, not sqlite-utils' upsert: that reads the table's schema at every call
    # (sqlite_master and PRAGMA table_info), on the event loop, after every press.
    updates = ", ".join(f'"{name}" = excluded."{name}"' for name in row if name != "id")
    with db.atomic():
        db.execute(
            f"{_insert('episodes', row)} ON CONFLICT(id) DO UPDATE SET {updates}",
            list(row.values()),
        )


def _insert(table: str, row: dict[str, Any]) -> str:
    """``INSERT INTO table (columns) VALUES (?, …)`` for ``row``'s keys (our own names)."""
    columns = ", ".join(f'"{name}"' for name in row)
    marks = ", ".join("?" for _ in row)
    return f'INSERT INTO "{table}" ({columns}) VALUES ({marks})'  # noqa: S608 - fixed names


def select_episodes(
    db: Database, where: str | None, params: list[object], limit: int = -1
) -> list[Episode]:
    rows = db.table("episodes").rows_where(
        where, params, order_by="started_at DESC", limit=limit if limit >= 0 else None
    )
    return [_episode(row) for row in rows]


def _episode(row: dict[str, Any]) -> Episode:
    data = json.loads(row["data"])
    state = row["state"]
    return Episode(
        id=row["id"],
        kind=PanicKind[row["kind"]],
        started_at=row["started_at"],
        triggers=tuple(Trigger(**t) for t in json.loads(row["triggers"])),
        siren_until=row["siren_until"],
        strobe_until=row["strobe_until"],
        hold_until=data["hold_until"],
        silenced_at=row["silenced_at"],
        ended_at=row["ended_at"],
        end_reason=EndReason(state) if state in EndReason._value2member_map_ else None,
    )


# --- SMS attempts ---------------------------------------------------------------------------


def insert_attempt(db: Database, attempt: SmsAttempt) -> None:
    episode_id, _, recipient = attempt.key.rpartition(":")
    row = {
        "key": attempt.key,
        "episode_id": episode_id or None,
        "vecino_id": int(recipient) if episode_id and recipient.isdigit() else None,
        "to": attempt.to,
        "attempt_no": attempt.attempt_no,
        "at": attempt.at.timestamp(),
        "outcome": attempt.outcome,
        "status": attempt.status,
        "sid": attempt.sid,
        "error_code": attempt.error_code,
        "error_message": attempt.error_message,
    }
    with db.atomic():  # plain SQL: sqlite-utils' insert reads the schema at every call
        db.execute(_insert("sms_attempts", row), list(row.values()))


def any_accepted(db: Database, key: str) -> bool:
    row = db.execute(
        "SELECT 1 FROM sms_attempts WHERE key = ? AND outcome = 'accepted' LIMIT 1", [key]
    ).fetchone()
    return row is not None


def select_attempts(
    db: Database, where: str | None, params: list[object], order_by: str = "id", limit: int = -1
) -> list[SmsAttempt]:
    rows = db.table("sms_attempts").rows_where(
        where, params, order_by=order_by, limit=limit if limit >= 0 else None
    )
    return [_attempt(row) for row in rows]


def _attempt(row: dict[str, Any]) -> SmsAttempt:
    return SmsAttempt(
        key=row["key"],
        to=row["to"],
        attempt_no=row["attempt_no"],
        at=datetime.fromtimestamp(row["at"], UTC),
        outcome=row["outcome"],
        status=row["status"],
        sid=row["sid"],
        error_code=row["error_code"],
        error_message=row["error_message"],
    )


# --- events ---------------------------------------------------------------------------------


def select_events(
    db: Database, limit: int, since: float | None, kinds: Collection[EventKind] | None
) -> list[Event]:
    """The newest ``limit`` events (at or after ``since``), oldest first."""
    wanted = set(EVENT_KINDS if kinds is None else kinds)
    unknown = wanted - set(EVENT_KINDS)
    if unknown:
        raise ValueError(f"unknown event kinds {sorted(unknown)}; expected {EVENT_KINDS}")
    found: list[tuple[float, int, int, Event]] = []
    params: list[object] = [] if since is None else [since]
    if "frame" in wanted:
        where = None if since is None else "at >= ?"
        rows = db.table("frames").rows_where(
            where, params, order_by="at DESC, id DESC", limit=limit
        )
        for row in rows:
            frame = _frame(row)
            found.append((frame.at, _RANK["frame"], frame.id, Event(frame.at, "frame", frame)))
    if "episode" in wanted:
        where = None if since is None else "started_at >= ?"
        for episode in select_episodes(db, where, params, limit):
            event = Event(episode.started_at, "episode", episode)
            found.append((episode.started_at, _RANK["episode"], 0, event))
    if "sms" in wanted:
        where = None if since is None else "at >= ?"
        rows = db.table("sms_attempts").rows_where(
            where, params, order_by="at DESC, id DESC", limit=limit
        )
        for row in rows:
            attempt = _attempt(row)
            found.append((row["at"], _RANK["sms"], row["id"], Event(row["at"], "sms", attempt)))
    found.sort(key=lambda item: item[:3])
    return [event for *_, event in found[-limit:]] if limit > 0 else []
