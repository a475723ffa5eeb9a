"""The controller's local store: one SQLite file (WAL) through sqlite-utils, every write here.

Concurrency. One :class:`Store` per process, used from one thread only: the controller's
event loop thread (sqlite3 itself refuses a connection used from another thread). Other
processes may open the same file at once: the registry CLI (``sereno controller add-node``)
while ``sereno controller run`` runs. WAL lets readers and the one writer proceed together;
a writer waits up to :data:`BUSY_TIMEOUT_MS` for another's short transaction.

Hot path. The verifier reads keys (:meth:`Store.key_for`) and counters
(:meth:`Store.last_accepted`) from dicts loaded at open: no disk read between a frame's
arrival and its ACK. :meth:`Store.accept_counter` writes through and commits before it
returns (``synchronous = FULL``: a power cut right after the ACK cannot roll the counter
back and let the same frame be replayed). Episodes and SMS attempts are as durable. The
frames log alone is written with ``synchronous = NORMAL`` (no fsync per frame, so a burst
of junk frames cannot stall the event loop on the SD card); a power cut may lose its last
lines, never a counter. Nodes added by another process reach the key
dict when the controller calls :meth:`Store.reload_registry` (cheap when nothing changed).

Bound. The frames log keeps about the newest ``frames_limit`` rows: every tenth of that
many inserts, the oldest beyond the limit are deleted. Episodes and SMS attempts are
never pruned.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

from sqlite_utils import Database

from controller.alarm import Episode
from controller.errors import StoreError
from controller.sms.notifier import SmsAttempt
from controller.store import log, registry, reports
from controller.store.migrations import migrate, schema_version
from controller.store.records import Event, EventKind, FrameRecord, Node, Vecino
from protocol.frame import PanicKind
from protocol.report import Event as ReportEvent
from protocol.verifier import Verdict

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS: Final = 5000
CACHE_KIB: Final = 512
"""SQLite's page cache for the connection (``PRAGMA cache_size``). SQLite's default, 2 MB,
fills as the frames log and the episodes grow and stays full: 3 % of a controller's 60 MB
for pages the kernel's own cache keeps anyway (``docs/controller.md``, Memory)."""
DEFAULT_FRAMES_LIMIT: Final = 100_000
EPISODE_CHANGES_KEPT: Final = 1024
"""Episodes whose latest change :meth:`Store.episodes_changed_since` remembers."""
FILE_MODE: Final = 0o600
DIR_MODE: Final = 0o700

Clock = Callable[[], float]


class Store:
    """Nodes and keys, vecinos, counters, frames, episodes and SMS attempts.

    Implements the verifier's ``KeyStore`` and ``CounterStore`` and the notifier's
    ``SmsLedger``. Open with :meth:`open`; close with :meth:`close` or ``with``.
    """

    def __init__(
        self, db: Database, *, clock: Clock = time.time, frames_limit: int = DEFAULT_FRAMES_LIMIT
    ) -> None:
        """Use :meth:`open`; this takes a database the caller has already migrated."""
        if frames_limit < 1:
            raise ValueError("frames_limit must be at least 1")
        self.db = db
        self.frames_limit = frames_limit
        self._clock = clock
        self._prune_every = max(1, frames_limit // 10)
        self._frames_since_prune = 0
        self._keys: dict[tuple[int, int], bytes] = {}
        self._counters: dict[tuple[int, int], tuple[int, bytes]] = {}
        self._data_version = -1
        self._episode_changes = 0
        self._changed_episodes: dict[str, int] = {}  # id → its latest change, oldest first
        self._changes_forgotten = 0
        self.reload_registry()
        for network, src, counter, frame in db.execute(
            "SELECT network, src, counter, frame FROM counters"
        ).fetchall():
            self._counters[network, src] = (counter, bytes(frame))

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        clock: Clock = time.time,
        frames_limit: int = DEFAULT_FRAMES_LIMIT,
    ) -> Self:
        """Open (creating it 0600, and its folder 0700, if needed) and migrate the store.

        ``":memory:"`` opens a private in-memory database (tests).
        """
        try:
            if str(path) == ":memory:":
                db = Database(memory=True, execute_plugins=False)
            else:
                _create_private(Path(path))
                db = Database(Path(path), execute_plugins=False)
        except PermissionError:
            raise StoreError(
                f"No tengo permiso para crear la base de datos {path}; ejecute el comando como "
                "el usuario del controlador (p. ej. con sudo) o cambie data_dir en controller.toml"
            ) from None
        except OSError as exc:
            raise StoreError(
                f"No puedo crear la base de datos {path}: {exc.strerror or exc}"
            ) from exc
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            if not db.memory:
                db.enable_wal()
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA foreign_keys = ON")
            migrate(db)
            return cls(db, clock=clock, frames_limit=frames_limit)
        except sqlite3.DatabaseError as exc:
            db.close()
            raise StoreError(f"No puedo abrir la base de datos {path}: {exc}") from exc
        except BaseException:
            db.close()
            raise

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

    @property
    def schema_version(self) -> int:
        return schema_version(self.db)

    # --- registry -----------------------------------------------------------------------------

    def add_node(
        self,
        network: int,
        address: int,
        key: bytes,
        household: str,
        street_address: str,
        kinds: Sequence[PanicKind] = registry.ALL_KINDS,
    ) -> Node:
        """Register a node and its 16-byte key; :class:`RegistryError` says what to fix."""
        node = registry.insert_node(
            self.db,
            network=network,
            address=address,
            key=key,
            household=household,
            street_address=street_address,
            kinds=kinds,
            at=self._clock(),
        )
        self._keys[network, address] = bytes(key)
        logger.info("node %d registered on network %d (key %s)", address, network, node.fingerprint)
        return node

    def list_nodes(self) -> list[Node]:
        return registry.select_nodes(self.db)

    def add_vecino(
        self,
        name: str,
        phone: str,
        street_address: str,
        household: str = "",
        kinds: Sequence[PanicKind] = registry.DEFAULT_VECINO_KINDS,
        contact_for: Iterable[tuple[int, int]] = (),
    ) -> Vecino:
        """Register a vecino; ``phone`` is normalised to E.164 (``+569…``) or refused.

        ``contact_for`` lists the ``(network, address)`` of registered nodes whose
        ALERTA_SILENCIOSA this vecino receives; ``kinds`` may not include that kind.
        """
        vecino = registry.insert_vecino(
            self.db,
            name=name,
            phone=phone,
            street_address=street_address,
            household=household,
            kinds=kinds,
            contact_for=contact_for,
            at=self._clock(),
        )
        logger.info("vecino %d registered", vecino.id)
        return vecino

    def list_vecinos(self) -> list[Vecino]:
        return registry.select_vecinos(self.db)

    def recipients_for(self, kind: PanicKind, presser: tuple[int, int]) -> list[Vecino]:
        """Who gets an SMS for ``kind`` pressed at node ``presser`` = ``(network, address)``.

        ALERTA_SILENCIOSA: only the presser's designated contacts. Any other kind: every
        vecino who receives that kind.
        """
        if kind is PanicKind.ALERTA_SILENCIOSA:
            return registry.select_vecinos(
                self.db,
                "id IN (SELECT vecino_id FROM silent_contacts WHERE network = ? AND address = ?)",
                presser,
            )
        return [v for v in registry.select_vecinos(self.db) if kind in v.kinds]

    def reload_registry(self) -> bool:
        """Reload the keys if another process changed the database since the last load."""
        (version,) = self.db.execute("PRAGMA data_version").fetchone()
        if version == self._data_version:
            return False
        self._keys = registry.select_keys(self.db)
        self._data_version = version
        return True

    # --- KeyStore and CounterStore (the verifier's, from memory) -------------------------------

    def key_for(self, network: int, src: int) -> bytes | None:
        return self._keys.get((network, src))

    def last_accepted(self, network: int, src: int) -> tuple[int, bytes] | None:
        return self._counters.get((network, src))

    def accept_counter(
        self, network: int, src: int, counter: int, frame: bytes, at: float | None = None
    ) -> None:
        """Store ``counter`` and the exact ``frame`` bytes as the last accepted from
        (network, src); committed to disk when this returns. Counters only go up."""
        frame = bytes(frame)
        last = self._counters.get((network, src))
        if last is not None and counter <= last[0]:
            raise ValueError(
                f"counter {counter} from network {network} src {src} is not above the last "
                f"accepted {last[0]}"
            )
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO counters (network, src, counter, frame, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (network, src) DO UPDATE SET "
                "counter = excluded.counter, frame = excluded.frame, "
                "updated_at = excluded.updated_at",
                [network, src, counter, frame, self._clock() if at is None else at],
            )
        self._counters[network, src] = (counter, frame)

    # --- the controller's own counters (ACKs), reserved ahead (protocol.counters) ---------------

    def tx_reservation(self, network: int, address: int) -> int:
        """The last persisted reservation of ACK counters to node (network, address); 0 if none."""
        row = self.db.execute(
            "SELECT reserved FROM ack_counters WHERE network = ? AND address = ?",
            [network, address],
        ).fetchone()
        return int(row[0]) if row else 0

    def save_tx_reservation(self, network: int, address: int, reserved: int) -> None:
        """Persist a reservation (durably) before any counter above the previous one is sent."""
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO ack_counters (network, address, reserved, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (network, address) DO UPDATE SET "
                "reserved = max(reserved, excluded.reserved), updated_at = excluded.updated_at",
                [network, address, reserved, self._clock()],
            )

    # --- frames -------------------------------------------------------------------------------

    def record_frame(
        self,
        verdict: str,
        data: bytes,
        *,
        network: int | None = None,
        src: int | None = None,
        dst: int | None = None,
        counter: int | None = None,
        frame_type: int | None = None,
        detail: str = "",
        rssi: int | None = None,
        snr: float | None = None,
        at: float | None = None,
    ) -> int:
        """Log one received datagram and its verdict (see ``records.VERDICTS``); its id."""
        with self._relaxed():
            frame_id = log.insert_frame(
                self.db,
                at=self._clock() if at is None else at,
                verdict=verdict,
                data=data,
                network=network,
                src=src,
                dst=dst,
                counter=counter,
                frame_type=frame_type,
                detail=detail,
                rssi=rssi,
                snr=snr,
            )
        self._frames_since_prune += 1
        if self._frames_since_prune >= self._prune_every:
            self.prune_frames()
        return frame_id

    def record_verdict(
        self,
        verdict: Verdict,
        data: bytes,
        *,
        rssi: int | None = None,
        snr: float | None = None,
        at: float | None = None,
    ) -> int:
        """:meth:`record_frame` for a :class:`~protocol.verifier.Verifier` verdict."""
        return self.record_frame(
            data=data, rssi=rssi, snr=snr, at=at, **log.verdict_fields(verdict)
        )

    def prune_frames(self, keep: int | None = None) -> int:
        """Keep only the newest ``keep`` (default ``frames_limit``) frames; return how many
        were deleted."""
        self._frames_since_prune = 0
        with self._relaxed():
            return log.prune_frames(self.db, self.frames_limit if keep is None else keep)

    @contextmanager
    def _relaxed(self) -> Iterator[None]:
        """``synchronous = NORMAL`` for the frames log's own writes (see the module doc)."""
        self.db.execute("PRAGMA synchronous = NORMAL")
        try:
            yield
        finally:
            self.db.execute("PRAGMA synchronous = FULL")

    def frames(self, limit: int = 100) -> list[FrameRecord]:
        """The newest ``limit`` frames, newest first."""
        return log.select_frames(self.db, limit)

    # --- episodes -----------------------------------------------------------------------------

    def save_episode(self, episode: Episode) -> None:
        """Insert or replace ``episode`` (call with each of ``Alarm.take_changed()``)."""
        log.upsert_episode(self.db, episode)
        self._episode_changed(episode.id)

    def save_episodes(self, episodes: Iterable[Episode]) -> None:
        saved = []
        with self.db.atomic():
            for episode in episodes:
                log.upsert_episode(self.db, episode)
                saved.append(episode.id)
        for episode_id in saved:
            self._episode_changed(episode_id)

    @property
    def episode_changes(self) -> int:
        """How many times this store changed an episode (saved it, or recorded an SMS attempt
        of one of its keys ``"<episode>:…"``) since it was opened: a mark for
        :meth:`episodes_changed_since`."""
        return self._episode_changes

    def episodes_changed_since(self, mark: int) -> set[str] | None:
        """Ids of the episodes this store changed after ``mark`` (an :attr:`episode_changes`);
        None when it no longer remembers that far back (more than
        :data:`EPISODE_CHANGES_KEPT` episodes changed since)."""
        if mark < self._changes_forgotten:
            return None
        changed = set()
        for episode_id, change in reversed(self._changed_episodes.items()):
            if change <= mark:
                break
            changed.add(episode_id)
        return changed

    def _episode_changed(self, episode_id: str) -> None:
        self._episode_changes += 1
        self._changed_episodes.pop(episode_id, None)
        self._changed_episodes[episode_id] = self._episode_changes
        if len(self._changed_episodes) > EPISODE_CHANGES_KEPT:
            oldest = next(iter(self._changed_episodes))
            self._changes_forgotten = self._changed_episodes.pop(oldest)

    def load_open_episodes(self) -> list[Episode]:
        """Episodes not ended, oldest first: give them to ``Alarm(policy, episodes)`` at
        start-up; their absolute deadlines keep the siren within its cap."""
        return log.select_episodes(self.db, "ended_at IS NULL", [])[::-1]

    def get_episode(self, episode_id: str) -> Episode | None:
        found = log.select_episodes(self.db, "id = ?", [episode_id])
        return found[0] if found else None

    # --- SmsLedger ----------------------------------------------------------------------------

    def already_sent(self, key: str) -> bool:
        """True when an attempt for ``key`` was accepted by the SMS provider."""
        return log.any_accepted(self.db, key)

    def record_attempt(self, attempt: SmsAttempt) -> None:
        """Keep one attempt; a key ``"<episode>:<vecino id>"`` also fills those columns."""
        log.insert_attempt(self.db, attempt)
        self._episode_changed(attempt.key.partition(":")[0])

    def sms_attempts(self, key: str | None = None) -> list[SmsAttempt]:
        """Every attempt (for ``key``), in the order recorded."""
        return log.select_attempts(
            self.db, None if key is None else "key = ?", [] if key is None else [key]
        )

    # --- the merged view ----------------------------------------------------------------------

    def events(
        self,
        limit: int = 50,
        since: float | None = None,
        kinds: Collection[EventKind] | None = None,
    ) -> list[Event]:
        """The newest ``limit`` frames, episodes (at their start) and SMS attempts at or
        after ``since``, merged oldest first; ``kinds`` picks among "frame", "episode",
        "sms"."""
        return log.select_events(self.db, limit, since, kinds)

    # --- reporting to the hub: the outbox, its cursors, the hub's commands ---------------------
    # (the policy is controller.outbox's; rows and transactions are here)

    def outbox_add(
        self,
        entries: Iterable[reports.OutboxEntry],
        *,
        merge: reports.Merge | None = None,
        frames_cursor: int | None = None,
        digests: Mapping[str, str] | None = None,
    ) -> None:
        """Queue events, advance the frames cursor and note episode snapshots, all in one
        transaction (durable when this returns)."""
        at = self._clock()
        with self.db.atomic():
            for entry in entries:
                reports.put(self.db, entry, merge)
            if frames_cursor is not None:
                reports.set_state(self.db, reports.FRAMES_CURSOR, frames_cursor)
            for episode_id, digest in (digests or {}).items():
                reports.set_digest(self.db, episode_id, digest, at)

    def outbox_batch(self, limit: int) -> list[ReportEvent]:
        """Up to ``limit`` events to send (episodes first, oldest first, none set aside);
        each is marked as offered to the hub, so it is never merged into again."""
        with self.db.atomic():
            events = reports.select_batch(self.db, limit)
            reports.mark_sent(self.db, [e.id for e in events])
        return events

    def outbox_acknowledge(self, ids: Iterable[str]) -> int:
        """Delete the events the hub acknowledged; how many were here."""
        with self.db.atomic():
            return reports.delete(self.db, ids)

    def outbox_park(self, event_id: str, reason: str) -> None:
        """Set one event aside (the hub refused it): kept, not sent until the next start."""
        with self.db.atomic():
            reports.park(self.db, event_id, reason)

    def outbox_unpark(self) -> int:
        with self.db.atomic():
            return reports.unpark_all(self.db)

    def outbox_size(self) -> tuple[int, int]:
        """(events, bytes) waiting in the outbox."""
        return reports.size(self.db)

    def outbox_counts(self) -> dict[str, int]:
        """Events waiting, by type."""
        return reports.count_by_type(self.db)

    def outbox_has(self, merge_key: str) -> bool:
        """Whether an event queued with ``merge_key`` is still waiting."""
        return reports.has_merge_key(self.db, merge_key)

    def outbox_drop_oldest(self, event_type: str, count: int) -> int:
        """Drop the ``count`` oldest events of ``event_type`` (the bound); counted."""
        with self.db.atomic():
            dropped = reports.drop_oldest(self.db, event_type, count)
            total = reports.get_state(self.db, reports.DROPPED) + dropped
            reports.set_state(self.db, reports.DROPPED, total)
        return dropped

    def outbox_state(self, name: str) -> int:
        """``frames_cursor`` (the last frame id turned into events) or ``dropped``."""
        return reports.get_state(self.db, name)

    def frames_after(self, cursor: int, limit: int = 1000) -> list[dict[str, Any]]:
        """Rows of the frames log after id ``cursor``, oldest first."""
        return reports.frames_after(self.db, cursor, limit)

    def sms_counts(self, episode_id: str) -> tuple[int, int, int]:
        """(attempted, accepted, failed) SMS of one episode, by message key."""
        return reports.sms_counts(self.db, episode_id)

    def episode_digests(self, episode_ids: Sequence[str]) -> dict[str, str]:
        return reports.digests(self.db, episode_ids)

    def recent_episodes(self, since: float, among: Collection[str] | None = None) -> list[Episode]:
        """Open episodes and those started at or after ``since``, oldest first; with
        ``among``, only those whose id is in it."""
        where = "(ended_at IS NULL OR started_at >= ?)"
        params: list[object] = [since]
        if among is not None:
            where += " AND id IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(sorted(among)))
        return log.select_episodes(self.db, where, params)[::-1]

    def hub_command_start(
        self, command_id: str, command_type: str, issued_at: float, params: dict[str, Any]
    ) -> bool:
        """Record a hub command as running before it runs; False if it was seen before."""
        with self.db.atomic():
            return reports.insert_command(
                self.db,
                command_id=command_id,
                command_type=command_type,
                issued_at=issued_at,
                params=params,
                at=self._clock(),
            )

    def hub_command_finish(
        self, command_id: str, status: str, detail: str, results: Sequence[reports.OutboxEntry]
    ) -> None:
        """Record a command's outcome and queue its result events, in one transaction."""
        with self.db.atomic():
            reports.finish_command(self.db, command_id, status, detail, self._clock())
            for entry in results:
                reports.put(self.db, entry, None)

    def hub_commands(self, status: str | None = None) -> list[reports.HubCommandRecord]:
        """The commands run (or ``status``: those in that state), oldest first."""
        if status is None:
            return reports.select_commands(self.db)
        return reports.select_commands(self.db, "status = ?", [status])

    def hub_command(self, command_id: str) -> reports.HubCommandRecord | None:
        found = reports.select_commands(self.db, "id = ?", [command_id])
        return found[0] if found else None

    def prune_hub_commands(self, before: float) -> int:
        with self.db.atomic():
            return reports.prune_commands(self.db, before)


def _create_private(path: Path) -> None:
    """Create ``path``'s folder (0700) and the file itself (0600) before SQLite opens it;
    SQLite gives its -wal and -shm files the database file's mode."""
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
