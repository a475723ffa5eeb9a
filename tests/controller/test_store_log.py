"""Frames' verdicts (bounded), episodes (resumable), SMS attempts (the ledger) and events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from controller.alarm import Alarm, AlarmPolicy, EndReason
from controller.sms.notifier import MemoryLedger, SmsAttempt
from controller.store import VERDICTS, Event, FrameRecord, Store
from protocol.frame import PanicKind, build_frame, decode_frame
from protocol.payloads import Panic
from protocol.verifier import Accepted, Rejected

NET = 2571
KEY = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
T0 = 1_700_000_000.0
POLICY = AlarmPolicy(siren_max_s=180, strobe_max_s=900, cancel_window_s=60)


@pytest.fixture
def store() -> Iterator[Store]:
    with Store.open(":memory:", clock=lambda: T0) as store:
        yield store


def attempt(key: str, no: int, outcome: str, at: float = T0) -> SmsAttempt:
    return SmsAttempt(
        key=key,
        to="+56987654321",
        attempt_no=no,
        at=datetime.fromtimestamp(at, UTC),
        outcome=outcome,  # type: ignore[arg-type]
        status="queued" if outcome == "accepted" else None,
        sid="SM" + "0" * 32 if outcome == "accepted" else None,
        error_code=None if outcome == "accepted" else 20429,
        error_message=None if outcome == "accepted" else "HTTP 429: demasiadas solicitudes",
    )


# --- frames ---------------------------------------------------------------------------------


def test_record_frame_keeps_every_field(store: Store) -> None:
    data = build_frame(Panic(PanicKind.ROBO, 3300), network=NET, src=7, dst=0, counter=5, key=KEY)
    frame_id = store.record_frame(
        "accepted", data, network=NET, src=7, dst=0, counter=5, rssi=-91, snr=7.5, at=T0 + 1
    )
    (record,) = store.frames()
    assert record == FrameRecord(
        id=frame_id,
        at=T0 + 1,
        verdict="accepted",
        network=NET,
        src=7,
        dst=0,
        counter=5,
        type=1,
        detail="",
        rssi=-91,
        snr=7.5,
        frame_hex=data.hex(),
    )
    assert record.type_name == "PANIC"


def test_every_verdict_is_accepted_and_nothing_else(store: Store) -> None:
    for verdict in sorted(VERDICTS):
        store.record_frame(verdict, b"\x01\x01")
    assert {f.verdict for f in store.frames()} == VERDICTS
    with pytest.raises(ValueError, match="unknown verdict 'bueno'"):
        store.record_frame("bueno", b"")


def test_short_junk_is_logged_without_a_header(store: Store) -> None:
    store.record_frame("length", b"\x07", detail="1 byte")
    (record,) = store.frames()
    assert (record.network, record.src, record.dst, record.type) == (None, None, None, None)
    assert record.type_name is None
    assert record.frame_hex == "07"


def test_record_verdict_fills_the_columns(store: Store) -> None:
    data = build_frame(Panic(PanicKind.PANICO, None), network=NET, src=7, dst=0, counter=9, key=KEY)
    store.record_verdict(Accepted(decode_frame(data, KEY)), data, rssi=-80, snr=9.0, at=T0)
    store.record_verdict(Rejected("tag", "bad tag", NET, 7, 10), data, at=T0 + 1)
    accepted, tag = store.frames()[::-1]
    assert (accepted.verdict, accepted.network, accepted.src, accepted.counter) == (
        "accepted",
        NET,
        7,
        9,
    )
    assert (accepted.rssi, accepted.snr) == (-80, 9.0)
    assert (tag.verdict, tag.detail, tag.counter, tag.dst, tag.type) == ("tag", "bad tag", 10, 0, 1)


def test_frames_are_bounded_and_episodes_are_not_pruned() -> None:
    with Store.open(":memory:", frames_limit=20, clock=lambda: T0) as store:
        alarm = Alarm(POLICY)
        store.save_episode(
            alarm.panic(network=NET, src=7, counter=1, kind=PanicKind.ROBO, now=T0).episode
        )
        for n in range(95):
            store.record_frame("tag", bytes([n]), at=T0 + n)
            assert store.db.table("frames").count <= 20 + store.frames_limit // 10
        store.prune_frames()
        kept = store.frames(limit=1000)
        assert len(kept) == 20
        assert [f.frame_hex for f in kept] == [bytes([n]).hex() for n in range(94, 74, -1)]
        assert store.prune_frames(keep=5) == 15
        assert len(store.frames()) == 5
        assert len(store.load_open_episodes()) == 1


def test_frames_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="frames_limit"):
        Store.open(":memory:", frames_limit=0)


# --- episodes -------------------------------------------------------------------------------


def test_episode_round_trip(store: Store) -> None:
    alarm = Alarm(POLICY)
    alarm.panic(network=NET, src=7, counter=1, kind=PanicKind.ROBO, now=T0)
    alarm.panic(network=NET, src=8, counter=3, kind=PanicKind.ROBO, now=T0 + 12.345678)
    alarm.panic(network=NET, src=9, counter=1, kind=PanicKind.ALERTA_SILENCIOSA, now=T0 + 20)
    store.save_episodes(alarm.take_changed())
    assert store.load_open_episodes() == alarm.open_episodes
    robo = alarm.episode(PanicKind.ROBO)
    assert robo is not None
    assert store.get_episode(robo.id) == robo
    assert store.get_episode("nope") is None


def test_ended_episodes_are_not_resumed(store: Store) -> None:
    alarm = Alarm(POLICY)
    alarm.panic(network=NET, src=7, counter=1, kind=PanicKind.PANICO, now=T0)
    alarm.panic(network=NET, src=8, counter=1, kind=PanicKind.INCENDIO, now=T0 + 1)
    store.save_episodes(alarm.take_changed())
    cancelled = alarm.cancel(network=NET, src=7, panic_counter=1, now=T0 + 10)
    assert cancelled.accepted and cancelled.episode is not None
    alarm.silence(T0 + 20)
    store.save_episodes(alarm.take_changed())
    (open_one,) = store.load_open_episodes()
    assert open_one.kind is PanicKind.INCENDIO
    assert open_one.silenced_at == T0 + 20
    ended = store.get_episode(cancelled.episode.id)
    assert ended is not None
    assert ended.end_reason is EndReason.CANCELLED
    row = store.db.table("episodes").get(ended.id)
    assert (row["state"], row["cancelled"], row["ended_at"]) == ("cancelled", 1, T0 + 10)


def test_restart_mid_episode_resumes_within_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "controller.db"
    with Store.open(path) as store:
        alarm = Alarm(POLICY)
        alarm.panic(network=NET, src=7, counter=1, kind=PanicKind.ROBO, now=T0)
        store.save_episodes(alarm.take_changed())
    with Store.open(path) as store:
        resumed = Alarm(POLICY, store.load_open_episodes())
    assert resumed.street(T0 + 100).siren == "pulsed"
    assert resumed.street(T0 + 100).siren_until == T0 + 180
    assert resumed.street(T0 + 180).siren is None
    assert resumed.street(T0 + 181).strobe


# --- the SMS ledger -------------------------------------------------------------------------


def test_ledger_matches_the_notifiers_reference(store: Store) -> None:
    reference = MemoryLedger()
    script = [
        attempt("ep1:1", 1, "retry"),
        attempt("ep1:1", 2, "accepted", T0 + 2),
        attempt("ep1:2", 1, "failed"),
        attempt("ep2:1", 1, "retry"),
    ]
    for step in script:
        for ledger in (reference, store):
            ledger.record_attempt(step)
        for key in ("ep1:1", "ep1:2", "ep2:1", "ep3:1"):
            assert store.already_sent(key) == reference.already_sent(key), key
    assert store.already_sent("ep1:1")
    assert not store.already_sent("ep1:2")
    assert store.sms_attempts("ep1:1") == reference.attempts_for("ep1:1")
    assert store.sms_attempts() == script


def test_attempt_keys_fill_episode_and_vecino(store: Store) -> None:
    store.record_attempt(attempt("4f1c:12", 1, "accepted"))
    store.record_attempt(attempt("not-a-pair", 1, "failed"))
    rows = list(store.db.table("sms_attempts").rows_where(order_by="id"))
    assert [(r["episode_id"], r["vecino_id"]) for r in rows] == [("4f1c", 12), (None, None)]


# --- events ---------------------------------------------------------------------------------


def test_events_are_merged_in_time_order(store: Store) -> None:
    alarm = Alarm(POLICY)
    store.record_frame("unknown", b"\x01\x01", at=T0 + 10)
    store.record_frame("accepted", b"\x01\x01", network=NET, src=7, counter=1, at=T0 + 20)
    alarm.panic(network=NET, src=7, counter=1, kind=PanicKind.ROBO, now=T0 + 20)
    store.save_episodes(alarm.take_changed())
    store.record_attempt(attempt("x:1", 1, "accepted", T0 + 20))
    store.record_attempt(attempt("x:2", 1, "retry", T0 + 25))
    store.record_frame("replay", b"\x01\x01", at=T0 + 30)

    events = store.events()
    assert [(e.at - T0, e.kind) for e in events] == [
        (10, "frame"),
        (20, "frame"),
        (20, "episode"),
        (20, "sms"),
        (25, "sms"),
        (30, "frame"),
    ]
    assert [e.kind for e in store.events(limit=2)] == ["sms", "frame"]
    assert [e.at - T0 for e in store.events(since=T0 + 20, kinds=("sms", "episode"))] == [
        20,
        20,
        25,
    ]
    assert store.events(limit=0) == []
    with pytest.raises(ValueError, match="unknown event kinds"):
        store.events(kinds=("alarma",))  # type: ignore[arg-type]


def test_events_as_json_name_things(store: Store) -> None:
    alarm = Alarm(POLICY)
    alarm.panic(network=NET, src=7, counter=1, kind=PanicKind.ROBO, now=T0)
    store.save_episodes(alarm.take_changed())
    store.record_attempt(attempt("x:1", 1, "accepted", T0 + 1))
    episode, sms = (e.to_json() for e in store.events())
    assert (episode["event"], episode["kind"]) == ("episode", "ROBO")
    assert episode["at"] == "2023-11-14T22:13:20.000000+00:00"
    assert episode["siren_until"] == "2023-11-14T22:16:20.000000+00:00"
    assert sms["outcome"] == "accepted"
    assert isinstance(store.events()[0], Event)
