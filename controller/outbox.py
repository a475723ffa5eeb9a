"""The outbox: every event the hub must see, kept in the controller's SQLite until the hub
acknowledges it (store-and-forward; ``docs/controller.md``, "Reporting to the hub").

Where events come from. The controller's own tables are the source of truth and the outbox
is reconciled from them by :meth:`Outbox.sync`, in the same transaction that advances its
cursors, so a crash between "recorded" and "queued" cannot lose an event:

- ``episode``: a snapshot of each episode (open, or started in the last week) whose
  content (triggers, silence, end, SMS results) differs from the last snapshot queued. The
  first sync of an :class:`Outbox` compares every such episode; later ones only those the
  store saved or recorded an SMS attempt for since (:meth:`Store.episodes_changed_since`),
  so a sync costs what changed, not what the week holds;
- ``security``: rejected frames (``replay``, ``tag``, ``unknown``) read from the frames
  log after a cursor, merged per (reason, network, claimed sender) while unsent;
- ``node_heartbeat``: each HEARTBEAT frame accepted, the newest per node while unsent;
- ``self_test`` and ``command_result`` are written straight in (:meth:`Outbox.add`, and
  ``Store.hub_command_finish`` with the command's own outcome).

The bound. The outbox holds at most ``max_events`` events and ``max_bytes`` bytes. When it
is over, :meth:`Outbox.trim` drops the oldest node heartbeats first, then the oldest security
counts, then self-test results, then command results (a hub that asks again for a command
already run gets its result again). It never drops an episode: with only episodes left it
stays over the bound (episodes are a handful a day; years of them fit). Every drop is
counted and reported in the heartbeat's ``outbox_dropped``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from controller.alarm import Episode
from controller.store import Store
from controller.store.reports import DROPPED, FRAMES_CURSOR, OutboxEntry
from protocol.errors import FrameError
from protocol.frame import HEADER_LEN, FrameType, Heartbeat, parse_header
from protocol.report import (
    MAX_NODES,
    MAX_TIME,
    EpisodeSummary,
    Event,
    EventBody,
    NodeStatus,
    ReportError,
    SecurityCount,
    SmsCounts,
)

log = logging.getLogger(__name__)

EPISODE_WINDOW_S: Final = 7 * 86400.0
"""Episodes started this long ago or less (or still open) are compared with what was sent."""
SECURITY_VERDICTS: Final = ("replay", "tag", "unknown")
DROP_ORDER: Final = ("node_heartbeat", "security", "self_test", "command_result")
"""What the bound drops first; ``episode`` is not in it."""
FRAMES_PER_STEP: Final = 1000


@dataclass(frozen=True, slots=True)
class OutboxLimits:
    max_events: int = 50_000
    max_bytes: int = 64 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.max_events < 1 or self.max_bytes < 1:
            raise ValueError("outbox limits must be positive")


def new_event_id() -> str:
    return uuid.uuid4().hex


class Outbox:
    """The events waiting for the hub, over a :class:`Store` (see the module doc)."""

    def __init__(
        self,
        store: Store,
        *,
        limits: OutboxLimits | None = None,
        clock: Callable[[], float] = time.time,
        new_id: Callable[[], str] = new_event_id,
    ) -> None:
        self.store = store
        self.limits = limits or OutboxLimits()
        self._clock = clock
        self._new_id = new_id
        self._over_with_episodes = False
        self._episodes_mark: int | None = None  # None: compare every recent episode

    # --- in ---------------------------------------------------------------------------------------
    def event(self, body: EventBody, at: float | None = None) -> Event:
        """A new event (fresh id) for ``body``, at ``at`` or now."""
        return Event.of(body, id=self._new_id(), at=_time(self._clock() if at is None else at))

    def add(
        self, body: EventBody, *, at: float | None = None, merge_key: str | None = None
    ) -> Event:
        """Queue one event now (durable when this returns)."""
        event = self.event(body, at)
        self.store.outbox_add([OutboxEntry(event, merge_key)])
        self.trim()
        return event

    def sync(self) -> int:
        """Queue what the controller recorded since the last sync; how many events were added
        or merged. Cheap when nothing happened."""
        added = self._sync_episodes() + self._sync_frames()
        if added:
            self.trim()
        return added

    def _sync_episodes(self) -> int:
        now = self._clock()
        mark = self.store.episode_changes
        changed = (
            None
            if self._episodes_mark is None
            else self.store.episodes_changed_since(self._episodes_mark)
        )
        if changed is not None and not changed:
            return 0
        episodes = self.store.recent_episodes(now - EPISODE_WINDOW_S, among=changed)
        if not episodes:
            self._episodes_mark = mark
            return 0
        known = self.store.episode_digests([e.id for e in episodes])
        entries: list[OutboxEntry] = []
        digests: dict[str, str] = {}
        for episode in episodes:
            try:
                summary = self.summary(episode)
            except ReportError:
                log.exception("episode %s cannot be reported", episode.id)
                continue
            text = json.dumps(summary.to_json(), sort_keys=True)
            digest = hashlib.sha256(text.encode()).hexdigest()[:32]
            if known.get(episode.id) != digest:
                entries.append(OutboxEntry(self.event(summary, now)))
                digests[episode.id] = digest
        if entries:
            self.store.outbox_add(entries, digests=digests)
        self._episodes_mark = mark  # not before the write: a failed one is compared again
        return len(entries)

    def summary(self, episode: Episode) -> EpisodeSummary:
        """What the hub is told about ``episode`` now."""
        expected, accepted, failed = self.store.sms_counts(episode.id)
        ended = episode.ended_at
        reason = episode.end_reason.value if episode.end_reason else "expired"
        return EpisodeSummary(
            episode_id=episode.id,
            kind=episode.kind.name,
            network=episode.opener.network,
            nodes=tuple(dict.fromkeys(t.src for t in episode.triggers))[:MAX_NODES],
            presses=min(len(episode.triggers), 100_000),
            started_at=_time(episode.started_at),
            silenced_at=None if episode.silenced_at is None else _time(episode.silenced_at),
            ended_at=None if ended is None else _time(ended),
            end_reason=None if ended is None else reason,
            sms=SmsCounts(expected, accepted, failed),
        )

    def _sync_frames(self) -> int:
        added = 0
        cursor = self.store.outbox_state(FRAMES_CURSOR)
        while True:
            rows = self.store.frames_after(cursor, FRAMES_PER_STEP)
            if not rows:
                return added
            entries = [entry for row in rows if (entry := self._frame_entry(row)) is not None]
            cursor = int(rows[-1]["id"])
            self.store.outbox_add(entries, merge=_merge, frames_cursor=cursor)
            added += len(entries)
            if len(rows) < FRAMES_PER_STEP:
                return added

    def _frame_entry(self, row: dict[str, Any]) -> OutboxEntry | None:
        verdict, network, src, at = row["verdict"], row["network"], row["src"], _time(row["at"])
        try:
            if verdict in SECURITY_VERDICTS:
                body: EventBody = SecurityCount(
                    verdict, network, src, row["counter"], 1, first_at=at, last_at=at
                )
                return OutboxEntry(self.event(body, at), f"security:{verdict}:{network}:{src}")
            if verdict == "accepted" and row["type"] == FrameType.HEARTBEAT:
                heartbeat = _heartbeat(row["frame_hex"])
                if heartbeat is None:
                    return None
                body = NodeStatus(
                    network=network,
                    address=src,
                    battery_mv=heartbeat.battery_mv,
                    low_battery=heartbeat.low_battery,
                    tamper=heartbeat.tamper,
                    external_power=heartbeat.external_power,
                    firmware=f"{heartbeat.fw_major}.{heartbeat.fw_minor}",
                    rssi=_within(row["rssi"], -200, 0),
                    snr=_within(row["snr"], -50, 50),
                    last_heard_at=at,
                )
                return OutboxEntry(self.event(body, at), f"node:{network}:{src}")
        except ReportError:
            log.exception("frame %s cannot be reported", row["id"])
        return None

    # --- out --------------------------------------------------------------------------------------
    def batch(self, limit: int) -> list[Event]:
        """Up to ``limit`` events for the next report (episodes first when trimming)."""
        return self.store.outbox_batch(limit)

    def acknowledge(self, ids: Iterable[str]) -> int:
        return self.store.outbox_acknowledge(ids)

    def park(self, event_id: str, reason: str) -> None:
        log.error("el hub rechazó el evento %s (%s); queda guardado y apartado", event_id, reason)
        self.store.outbox_park(event_id, reason[:200])

    def unpark(self) -> int:
        """Put the events the hub refused back in line (at start: a new version may help)."""
        return self.store.outbox_unpark()

    @property
    def pending(self) -> int:
        return self.store.outbox_size()[0]

    @property
    def dropped(self) -> int:
        return self.store.outbox_state(DROPPED)

    # --- the bound --------------------------------------------------------------------------------
    def trim(self) -> int:
        """Enforce the bound (module doc); how many events were dropped."""
        limits = self.limits
        count, size = self.store.outbox_size()
        dropped = 0
        for event_type in DROP_ORDER:
            while count > limits.max_events or size > limits.max_bytes:
                excess = count - limits.max_events
                if size > limits.max_bytes:
                    average = max(1, size // max(count, 1))
                    excess = max(excess, -(-(size - limits.max_bytes) // average))
                gone = self.store.outbox_drop_oldest(event_type, max(excess, 1))
                if not gone:
                    break
                dropped += gone
                count, size = self.store.outbox_size()
        over = count > limits.max_events or size > limits.max_bytes
        if dropped:
            log.warning("outbox full: dropped the %d oldest events that were not episodes", dropped)
        if over and not self._over_with_episodes:
            log.warning(
                "outbox over its bound (%d events, %d bytes) with episodes only: kept", count, size
            )
        self._over_with_episodes = over
        return dropped


def _merge(old: Event, new: Event) -> Event:
    """Two unsent events with the same merge key → one (the outbox keeps the old id)."""
    before, after = old.body(), new.body()
    if isinstance(before, SecurityCount) and isinstance(after, SecurityCount):
        after = SecurityCount(
            reason=after.reason,
            network=after.network,
            src=after.src,
            counter=after.counter if after.counter is not None else before.counter,
            count=min(before.count + after.count, 2**31 - 1),
            first_at=min(before.first_at, after.first_at),
            last_at=max(before.last_at, after.last_at),
        )
    return Event.of(after, id=old.id, at=max(old.at, new.at))


def _heartbeat(frame_hex: str) -> Heartbeat | None:
    try:
        data = bytes.fromhex(frame_hex)
        header = parse_header(data)
        return Heartbeat.decode(data[HEADER_LEN : HEADER_LEN + header.payload_len])
    except (ValueError, FrameError):
        return None


def _time(value: float) -> float:
    return min(max(float(value), 0.0), MAX_TIME)


def _within(value: float | None, low: int, high: int) -> Any:
    return value if value is None or low <= value <= high else None
