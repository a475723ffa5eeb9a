"""controller.outbox: durable across a reopen, reconciled from the controller's own tables,
merged while unsent, batched episodes first, and bounded without ever dropping an episode."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from controller.alarm import Alarm, AlarmPolicy, Episode
from controller.outbox import Outbox, OutboxLimits
from controller.sms.notifier import AttemptOutcome, SmsAttempt
from controller.store import MIGRATIONS, Store, migrate
from controller.store.reports import FRAMES_CURSOR, OutboxEntry
from protocol.frame import FrameType, Heartbeat, Panic, PanicKind, build_frame
from protocol.report import (
    EpisodeSummary,
    Event,
    NodeStatus,
    SecurityCount,
    SelfTestResult,
)

NETWORK = 2571
KEY = bytes(range(16))
T0 = 1_741_990_000.0


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    with Store.open(tmp_path / "controller.db", clock=clock) as opened:
        yield opened


def outbox_of(store: Store, clock: Clock, **limits: int) -> Outbox:
    return Outbox(store, limits=OutboxLimits(**limits), clock=clock)


def ok_test(detail: str = "sirena activada 1,0 s") -> SelfTestResult:
    return SelfTestResult(ok=True, skipped=False, detail=detail, siren_ms=1000)


def open_episode(store: Store, kind: PanicKind = PanicKind.ROBO, src: int = 7) -> Alarm:
    alarm = Alarm(AlarmPolicy(siren_max_s=180, strobe_max_s=900, cancel_window_s=60))
    alarm.panic(network=NETWORK, src=src, counter=1, kind=kind, now=T0)
    store.save_episodes(alarm.take_changed())
    return alarm


def episode(store: Store) -> Episode:
    (found,) = store.load_open_episodes()
    return found


def sms(store: Store, key: str, attempt: int, outcome: AttemptOutcome) -> None:
    store.record_attempt(
        SmsAttempt(key, "+56990010000", attempt, datetime.fromtimestamp(T0, UTC), outcome)
    )


def rejected(store: Store, reason: str, src: int | None, counter: int | None, at: float) -> None:
    store.record_frame(reason, b"\x01" * 30, network=NETWORK, src=src, counter=counter, at=at)


def heartbeat(store: Store, src: int, battery_mv: int, counter: int, at: float) -> None:
    data = build_frame(
        Heartbeat(battery_mv, low_battery=battery_mv < 3000, fw_major=1, fw_minor=2),
        network=NETWORK,
        src=src,
        dst=0,
        counter=counter,
        key=KEY,
    )
    store.record_frame(
        "accepted",
        data,
        network=NETWORK,
        src=src,
        dst=0,
        counter=counter,
        frame_type=FrameType.HEARTBEAT,
        rssi=-97,
        snr=6.5,
        at=at,
    )


def waiting(store: Store) -> list[Event]:
    return store.outbox_batch(10_000)


# --- durable ------------------------------------------------------------------------------------


def test_events_survive_closing_and_reopening_the_store(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "controller.db"
    with Store.open(path, clock=clock) as store:
        outbox = outbox_of(store, clock)
        first = outbox.add(ok_test())
        open_episode(store)
        rejected(store, "replay", 7, 2, T0 + 1)
        assert outbox.sync() == 2
        before = [e.id for e in waiting(store)]
    assert first.id in before and len(before) == 3
    with Store.open(path, clock=clock) as store:
        outbox = outbox_of(store, clock)
        assert outbox.sync() == 0  # nothing queued twice after a restart
        assert [e.id for e in waiting(store)] == before
        assert outbox.pending == 3


def test_an_outbox_write_that_fails_leaves_the_cursor_where_it_was(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox = outbox_of(store, clock)
    for counter in range(1, 4):
        rejected(store, "tag", 9, counter, T0 + counter)
    from controller.store import reports

    def broken(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(reports, "put", broken)
    with pytest.raises(OSError, match="disk full"):
        outbox.sync()
    assert store.outbox_state(FRAMES_CURSOR) == 0
    monkeypatch.undo()
    assert outbox.sync() == 3
    (event,) = waiting(store)
    body = event.body()
    assert isinstance(body, SecurityCount)
    assert body.count == 3


def test_the_migration_starts_the_frames_cursor_after_the_frames_already_logged() -> None:
    db = Database(memory=True)
    migrate(db, MIGRATIONS[:2])
    db.execute(
        "INSERT INTO frames (at, verdict, detail, frame_hex) VALUES (?, 'replay', '', '00')",
        [T0],
    )
    migrate(db)
    store = Store(db)
    assert store.outbox_state(FRAMES_CURSOR) == 1
    assert Outbox(store).sync() == 0


# --- what goes in ---------------------------------------------------------------------------------


def test_an_episode_is_queued_once_per_change(store: Store, clock: Clock) -> None:
    outbox = outbox_of(store, clock)
    alarm = open_episode(store)
    assert outbox.sync() == 1
    assert outbox.sync() == 0
    opened = episode(store)
    sms(store, f"{opened.id}:1", 1, "retry")
    sms(store, f"{opened.id}:1", 2, "accepted")
    sms(store, f"{opened.id}:2", 1, "failed")
    sms(store, f"{opened.id}:3", 1, "retry")
    sms(store, "otro:1", 1, "accepted")
    clock.now = T0 + 5
    assert outbox.sync() == 1
    clock.now = T0 + 10
    store.save_episodes(alarm.silence(T0 + 10))
    alarm.cancel(network=NETWORK, src=7, panic_counter=1, now=T0 + 20)
    store.save_episodes(alarm.take_changed())
    clock.now = T0 + 20
    assert outbox.sync() == 1
    snapshots = [e.body() for e in waiting(store)]
    assert all(isinstance(s, EpisodeSummary) for s in snapshots)
    first, second, third = snapshots
    assert isinstance(first, EpisodeSummary)
    assert (first.kind, first.network, first.nodes, first.presses) == ("ROBO", NETWORK, (7,), 1)
    assert (first.sms.expected, first.ended_at) == (0, None)
    assert isinstance(second, EpisodeSummary)
    assert (second.sms.expected, second.sms.accepted, second.sms.failed) == (3, 1, 1)
    assert isinstance(third, EpisodeSummary)
    assert (third.silenced_at, third.ended_at, third.end_reason) == (T0 + 10, T0 + 20, "cancelled")


def test_old_ended_episodes_are_not_compared_again(store: Store, clock: Clock) -> None:
    alarm = open_episode(store)
    alarm.expire(T0 + 900)
    store.save_episodes(alarm.take_changed())
    clock.now = T0 + 8 * 86400
    assert outbox_of(store, clock).sync() == 0


def count_summaries(monkeypatch: pytest.MonkeyPatch, store: Store) -> list[str]:
    """The ids of the episodes the outbox summarizes from now on (each needs its SMS counts)."""
    summarized: list[str] = []
    counts = store.sms_counts

    def spy(episode_id: str) -> tuple[int, int, int]:
        summarized.append(episode_id)
        return counts(episode_id)

    monkeypatch.setattr(store, "sms_counts", spy)
    return summarized


def three_ended_episodes(store: Store) -> list[str]:
    ids = []
    for src in (7, 8, 9):
        alarm = open_episode(store, src=src)
        alarm.expire(T0 + 900)
        store.save_episodes(alarm.take_changed())
        ids.append(episode_id_of(store, src))
    return ids


def episode_id_of(store: Store, src: int) -> str:
    (found,) = [e for e in store.recent_episodes(0.0) if e.opener.src == src]
    return found.id


def test_after_the_first_sync_only_changed_episodes_are_compared(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, third = three_ended_episodes(store)
    outbox = outbox_of(store, clock)
    summarized = count_summaries(monkeypatch, store)
    assert outbox.sync() == 3
    assert sorted(summarized) == sorted([first, second, third])
    summarized.clear()
    assert outbox.sync() == 0
    assert summarized == []  # nothing changed: no episode read, none summarized
    sms(store, f"{second}:4", 1, "accepted")
    assert outbox.sync() == 1
    assert summarized == [second]
    (*_, newest) = waiting(store)
    body = newest.body()
    assert isinstance(body, EpisodeSummary)
    assert (body.episode_id, body.sms.accepted) == (second, 1)


def test_a_new_outbox_compares_every_recent_episode(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change the store saw before a restart, never queued, is found by the first sync."""
    ids = three_ended_episodes(store)
    assert outbox_of(store, clock).sync() == 3
    store.db.execute("UPDATE episodes SET silenced_at = ? WHERE id = ?", [T0 + 5, ids[2]])
    summarized = count_summaries(monkeypatch, store)
    assert outbox_of(store, clock).sync() == 1
    assert sorted(summarized) == sorted(ids)
    body = waiting(store)[-1].body()
    assert isinstance(body, EpisodeSummary)
    assert (body.episode_id, body.silenced_at) == (ids[2], T0 + 5)


def test_when_the_store_forgot_the_changes_every_episode_is_compared(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from controller.store import store as store_module

    monkeypatch.setattr(store_module, "EPISODE_CHANGES_KEPT", 2)
    ids = three_ended_episodes(store)
    outbox = outbox_of(store, clock)
    assert outbox.sync() == 3
    mark = store.episode_changes
    for n, episode_id in enumerate(ids):
        sms(store, f"{episode_id}:{n}", 1, "failed")
    assert store.episodes_changed_since(mark) is None  # three changed, two remembered
    summarized = count_summaries(monkeypatch, store)
    assert outbox.sync() == 3
    assert sorted(summarized) == sorted(ids)
    assert store.episodes_changed_since(store.episode_changes) == set()


def test_the_store_remembers_which_episodes_changed(store: Store) -> None:
    mark = store.episode_changes
    alarm = open_episode(store)
    opened = episode(store)
    assert store.episodes_changed_since(mark) == {opened.id}
    after_open = store.episode_changes
    sms(store, "otro:1", 1, "accepted")
    sms(store, f"{opened.id}:cancel:2", 1, "retry")
    assert store.episodes_changed_since(after_open) == {"otro", opened.id}
    assert store.episodes_changed_since(mark) == {"otro", opened.id}
    latest = store.episode_changes
    alarm.expire(T0 + 900)
    store.save_episodes(alarm.take_changed())
    assert store.episodes_changed_since(latest) == {opened.id}
    assert store.episodes_changed_since(store.episode_changes) == set()


def test_rejected_frames_merge_per_sender_while_unsent(store: Store, clock: Clock) -> None:
    outbox = outbox_of(store, clock)
    for counter in (2, 3, 4):
        rejected(store, "replay", 7, counter, T0 + counter)
    rejected(store, "replay", 8, 9, T0 + 5)
    rejected(store, "tag", 7, 10, T0 + 6)
    rejected(store, "length", None, None, T0 + 7)  # noise: not reported
    store.record_frame("duplicate", b"\x01" * 30, network=NETWORK, src=7, counter=4, at=T0 + 8)
    assert outbox.sync() == 5
    counts = {
        (b.reason, b.src): b for e in waiting(store) if isinstance(b := e.body(), SecurityCount)
    }
    assert set(counts) == {("replay", 7), ("replay", 8), ("tag", 7)}
    replay = counts["replay", 7]
    assert (replay.count, replay.counter, replay.first_at, replay.last_at) == (3, 4, T0 + 2, T0 + 4)
    # offered to the hub: never merged into again (the hub may have stored it already)
    rejected(store, "replay", 7, 11, T0 + 9)
    outbox.sync()
    replays = [b for e in waiting(store) if isinstance(b := e.body(), SecurityCount) and b.src == 7]
    assert sorted(b.count for b in replays if b.reason == "replay") == [1, 3]


def test_node_heartbeats_keep_the_newest_per_node(store: Store, clock: Clock) -> None:
    outbox = outbox_of(store, clock)
    heartbeat(store, 11, 3300, 1, T0)
    heartbeat(store, 11, 2900, 2, T0 + 60)
    heartbeat(store, 12, 3100, 1, T0 + 30)
    store.record_frame(
        "accepted",
        build_frame(
            Panic(PanicKind.ROBO, 3000), network=NETWORK, src=11, dst=0, counter=3, key=KEY
        ),
        network=NETWORK,
        src=11,
        counter=3,
        frame_type=FrameType.PANIC,
        at=T0 + 70,
    )
    outbox.sync()
    statuses = {b.address: b for e in waiting(store) if isinstance(b := e.body(), NodeStatus)}
    assert set(statuses) == {11, 12}
    newest = statuses[11]
    assert (newest.battery_mv, newest.low_battery, newest.firmware) == (2900, True, "1.2")
    assert (newest.rssi, newest.snr, newest.last_heard_at) == (-97, 6.5, T0 + 60)


# --- what goes out ------------------------------------------------------------------------------


def test_a_batch_takes_episodes_first_then_the_oldest(store: Store, clock: Clock) -> None:
    outbox = outbox_of(store, clock)
    for address in range(10):
        heartbeat(store, 100 + address, 3300, 1, T0 + address)
    outbox.sync()
    for kind in (PanicKind.ROBO, PanicKind.INCENDIO, PanicKind.PANICO):
        open_episode(store, kind)
    outbox.sync()
    batch = outbox.batch(5)
    assert [e.type for e in batch] == ["node_heartbeat"] * 2 + ["episode"] * 3
    assert [b.address for e in batch if isinstance(b := e.body(), NodeStatus)] == [100, 101]
    assert outbox.acknowledge([e.id for e in batch]) == 5
    assert outbox.pending == 8
    assert [e.type for e in outbox.batch(100)] == ["node_heartbeat"] * 8


def test_a_refused_event_is_set_aside_until_the_next_start(store: Store, clock: Clock) -> None:
    outbox = outbox_of(store, clock)
    bad = outbox.add(ok_test("uno"))
    outbox.add(ok_test("dos"))
    outbox.park(bad.id, "events[0].data.detail: rechazado")
    assert [e.body() for e in outbox.batch(10)] == [ok_test("dos")]
    assert outbox.pending == 2
    assert outbox.unpark() == 1
    assert len(outbox.batch(10)) == 2


# --- the bound ------------------------------------------------------------------------------------


def test_the_bound_drops_node_heartbeats_first_then_security_never_episodes(
    store: Store, clock: Clock
) -> None:
    outbox = outbox_of(store, clock, max_events=20)
    for kind in (PanicKind.ROBO, PanicKind.INCENDIO):
        open_episode(store, kind)
    outbox.sync()
    for src in range(8):
        rejected(store, "replay", src, 1, T0 + src)
    for address in range(12):
        heartbeat(store, 100 + address, 3300, 1, T0 + 100 + address)
    outbox.sync()
    assert outbox.pending == 20 and outbox.dropped == 2
    counts = store.outbox_counts()
    assert counts == {"episode": 2, "security": 8, "node_heartbeat": 10}
    kept = [b.address for e in waiting(store) if isinstance(b := e.body(), NodeStatus)]
    assert kept == list(range(102, 112))  # the oldest two went
    for address in range(12, 30):
        heartbeat(store, 100 + address, 3300, 1, T0 + 200 + address)
    for src in range(8, 14):
        rejected(store, "tag", src, 1, T0 + 300 + src)
    outbox.sync()
    assert store.outbox_counts() == {"episode": 2, "security": 14, "node_heartbeat": 4}
    kept = [b.address for e in waiting(store) if isinstance(b := e.body(), NodeStatus)]
    assert kept == list(range(126, 130))
    for src in range(14, 24):
        rejected(store, "tag", src, 1, T0 + 400 + src)
    outbox.sync()
    assert store.outbox_counts() == {"episode": 2, "security": 18}
    sources = [b.src for e in waiting(store) if isinstance(b := e.body(), SecurityCount)]
    assert sources == list(range(6, 24))  # the oldest security counts went after the nodes
    assert outbox.dropped == 2 + 24 + 4 + 6


def test_episodes_alone_may_go_over_the_bound(store: Store, clock: Clock) -> None:
    outbox = outbox_of(store, clock, max_events=2)
    outbox.add(ok_test())
    for kind in (PanicKind.ROBO, PanicKind.INCENDIO, PanicKind.PANICO, PanicKind.EMERGENCIA_MEDICA):
        open_episode(store, kind)
    outbox.sync()
    assert store.outbox_counts() == {"episode": 4}
    assert outbox.dropped == 1


def test_the_bound_counts_bytes_too(store: Store, clock: Clock) -> None:
    outbox = outbox_of(store, clock, max_bytes=3000)
    for index in range(40):
        outbox.add(ok_test("x" * 150 + str(index)))
    _, size = store.outbox_size()
    assert size <= 3000
    details = [b.detail for e in waiting(store) if isinstance(b := e.body(), SelfTestResult)]
    assert details == ["x" * 150 + str(i) for i in range(40 - len(details), 40)]


def test_a_merge_key_is_never_used_across_types(store: Store) -> None:
    first = Event.of(ok_test(), id="a" * 32, at=T0)
    store.outbox_add([OutboxEntry(first, "k")], merge=None)
    second = Event.of(ok_test("dos"), id="b" * 32, at=T0)
    store.outbox_add([OutboxEntry(second, "k")], merge=None)  # no merge function: both kept
    assert len(waiting(store)) == 2


def test_during_an_outage_only_the_batch_offered_is_frozen(store: Store, clock: Clock) -> None:
    outbox = outbox_of(store, clock)
    heartbeat(store, 11, 3300, 1, T0)
    outbox.sync()
    offered = outbox.batch(500)  # a report that never got an answer
    for counter in range(2, 50):
        heartbeat(store, 11, 3300 - counter, counter, T0 + 60 * counter)
        rejected(store, "replay", 7, 1, T0 + counter)
        outbox.sync()
    assert outbox.pending == 3
    kinds = sorted((e.type, e.id in {o.id for o in offered}) for e in waiting(store))
    assert kinds == [("node_heartbeat", False), ("node_heartbeat", True), ("security", False)]
