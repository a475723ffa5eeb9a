"""Reports: events stored once (a resend is a duplicate), states folded newest-first, the
answer, and the refusals of the contract (400 naming the field, 413)."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator

import pytest

from hub.fleet import ingest, readings
from protocol import report as r
from tests.hub.conftest import Client, FakeClock, db_of
from tests.hub.test_fleet_support import (
    count,
    enrolled,
    episode,
    event,
    heartbeat,
    make_report,
    node_status,
    security,
    self_test,
    send,
)


async def test_the_same_batch_twice_is_stored_once(client: Client, clock: FakeClock) -> None:
    who = await enrolled(client)
    now = clock()
    events = (
        event(episode(started=now - 30), at=now - 5),
        event(security(4, at=now - 10), at=now - 9),
        event(node_status(8, heard=now - 20), at=now - 20),
        event(self_test(ok=True), at=now - 60),
    )
    report = make_report(who, *events, at=now)
    first = await send(client, who, report)
    assert set(first.accepted) == {e.id for e in events} and first.duplicates == ()
    clock.advance(61)
    again = await send(client, who, report)  # the answer was lost: the controller resends
    assert again.accepted == () and set(again.duplicates) == {e.id for e in events}
    assert count(client, "SELECT count(*) FROM events") == 4
    assert count(client, "SELECT count(*) FROM episodes") == 1
    assert count(client, "SELECT sum(count) FROM security_counts") == 4
    assert count(client, "SELECT count(*) FROM self_tests") == 1
    assert count(client, "SELECT count(*) FROM nodes") == 1
    assert count(client, "SELECT count FROM alarms WHERE type = 'security'") == 4
    # A batch mixing old and new events: each in exactly one of the lists.
    fresh = event(security(2, at=clock()), at=clock())
    mixed = await send(client, who, make_report(who, events[1], fresh, at=clock()))
    assert mixed.accepted == (fresh.id,) and mixed.duplicates == (events[1].id,)
    assert count(client, "SELECT sum(count) FROM security_counts") == 6


async def test_an_episode_keeps_its_newest_snapshot(client: Client, clock: FakeClock) -> None:
    who = await enrolled(client)
    start = clock() - 60
    ended = episode(
        started=start, silenced_at=start + 20, ended_at=start + 50, end_reason="expired",
        sms=r.SmsCounts(6, 6, 0),
    )  # fmt: skip
    await send(client, who, make_report(who, event(ended, at=start + 50), at=clock()))
    await send(
        client, who, make_report(who, event(episode(started=start), at=start + 1), at=clock())
    )
    (shown,) = readings.episodes(db_of(client), who.controller_id)
    assert shown.ended_at == start + 50 and shown.sms_accepted == 6 and shown.nodes == [7, 8]
    assert shown.kind_label == "Robo" and shown.end_label == "terminó su tiempo"


async def test_a_node_keeps_its_newest_status(client: Client, clock: FakeClock) -> None:
    who = await enrolled(client)
    now = clock()
    newer = event(node_status(8, heard=now - 10, rssi=-80), at=now - 10)
    older = event(node_status(8, heard=now - 500, rssi=-120), at=now - 500)
    await send(client, who, make_report(who, newer, older, at=now))
    (node,) = readings.nodes(db_of(client), who.controller_id)
    assert node.status.rssi == -80 and node.heard_at == now - 10


async def test_node_times_move_onto_the_hubs_clock(client: Client, clock: FakeClock) -> None:
    """A controller without a real-time clock reports times near 0 until it syncs."""
    who = await enrolled(client)
    await send(
        client, who, make_report(who, event(node_status(3, heard=100.0), at=100.0), at=160.0)
    )
    (node,) = readings.nodes(db_of(client), who.controller_id)
    assert node.heard_at == clock() - 60


async def test_the_heartbeat_and_the_answer(client: Client, clock: FakeClock) -> None:
    who = await enrolled(client)
    answer = await send(client, who, make_report(who, at=clock() - 3, beat=heartbeat(uptime_s=99)))
    assert answer == r.ReportAnswer((), (), (), 60)
    beat = readings.latest_heartbeat(db_of(client), who.controller_id)
    assert beat is not None and beat.beat.uptime_s == 99 and beat.power_label == "red eléctrica"
    row = (
        db_of(client)
        .db.execute(
            "SELECT last_report_at, clock_skew_s, reports FROM controllers WHERE id = ?",
            [who.controller_id],
        )
        .fetchone()
    )
    assert tuple(row) == (clock(), 3.0, 1)
    # A report without a heartbeat (draining a backlog) is a sign of life too.
    clock.advance(10)
    await send(client, who, make_report(who, at=clock(), with_heartbeat=False))
    assert count(client, "SELECT last_report_at FROM controllers") == int(clock())
    assert count(client, "SELECT count(*) FROM heartbeats") == 1


async def test_refusals_follow_the_contract(client: Client, clock: FakeClock) -> None:
    who = await enrolled(client)
    good = make_report(who, event(self_test(ok=True), at=clock()), at=clock()).to_json()
    bad = json.loads(json.dumps(good))
    bad["events"][0]["data"]["siren_ms"] = -1
    cases = [
        (bad, "events[0].data.siren_ms"),
        ({**good, "heartbeat": {**good["heartbeat"], "power": "solar"}}, "heartbeat.power"),
        ({**good, "extra": 1}, "extra"),
    ]
    for body, field in cases:
        response = await client.post(
            r.REPORTS_PATH, data=json.dumps(body).encode(), headers=who.headers
        )
        answer = r.parse_error(await response.read())
        assert response.status == 400 and answer.error == "invalid" and answer.field == field
        assert answer.message.startswith("Reporte inválido: ")
    for raw in (b"", b"{", b'{"a": 1, "a": 2}', b"\xff"):
        response = await client.post(r.REPORTS_PATH, data=raw, headers=who.headers)
        assert response.status == 400 and r.parse_error(await response.read()).error == "invalid"
    huge = io.BytesIO(b" " * (r.MAX_REPORT_BYTES + 1))
    response = await client.post(r.REPORTS_PATH, data=huge, headers=who.headers)
    assert response.status == 413 and (await response.json())["error"] == "too_large"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: read up to the cap
        for _ in range(20):
            yield b" " * 65536

    response = await client.post(r.REPORTS_PATH, data=chunks(), headers=who.headers)
    assert response.status == 413 and (await response.json())["error"] == "too_large"
    assert count(client, "SELECT count(*) FROM events") == 0


async def test_the_heartbeat_history_keeps_the_newest(
    client: Client, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "HEARTBEAT_HISTORY", 10)
    monkeypatch.setattr(ingest, "HEARTBEAT_TRIM_EVERY", 4)
    who = await enrolled(client)
    other = await enrolled(client, name="Calle Dos")
    await send(client, other, make_report(other, at=clock(), beat=heartbeat(uptime_s=0)))
    held = []
    for uptime in range(1, 31):
        clock.advance(10)
        await send(client, who, make_report(who, at=clock(), beat=heartbeat(uptime_s=uptime)))
        held.append(
            count(
                client, "SELECT count(*) FROM heartbeats WHERE controller_id = ?", who.controller_id
            )
        )
    assert held[:10] == list(range(1, 11))  # nothing trimmed before the history is full
    assert max(held) == 10 + 4 - 1 and held[15] == 10  # trimmed at the 16th report
    kept = db_of(client).db.execute(
        "SELECT uptime_s FROM heartbeats WHERE controller_id = ? ORDER BY id", [who.controller_id]
    )
    uptimes = [row[0] for row in kept.fetchall()]
    assert uptimes == list(range(31 - len(uptimes), 31))  # the newest, in order
    mine = "SELECT count(*) FROM heartbeats WHERE controller_id = ?"
    assert count(client, mine, other.controller_id) == 1
    latest = readings.latest_heartbeat(db_of(client), who.controller_id)
    assert latest is not None and latest.beat.uptime_s == 30


def test_the_answer_is_the_contracts_report_answer() -> None:
    """The hub builds its answer without validating it again; its JSON and bytes are the
    ``ReportAnswer``'s."""
    commands = (
        r.Command("c-1a2b3c4d5e6f", "siren_test", 1_800_000_000.5, {}),
        r.Command("c-2b", "silence", 1_800_000_001.0, {"motivo": "prueba ñandú", "n": 2}),
    )
    answer = ingest.Answer(("a" * 32, "b" * 32), ("c" * 32,), commands, 600)
    assert answer.to_json() == answer.message().to_json()
    assert answer.body() == r.encode(answer.message())
    assert r.parse_report_answer(answer.body()) == answer.message()
    empty = ingest.Answer((), (), (), 60)
    assert empty.body() == r.encode(r.ReportAnswer((), (), (), 60))
