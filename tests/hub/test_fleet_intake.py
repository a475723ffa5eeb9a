"""Group commit of reports (``hub.fleet.intake``): the reports of one turn of the event loop
share one transaction, each is answered only once it is committed, a report that fails is
rolled back alone, a failed commit answers none, and a resend inside the same batch is a
duplicate."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from hub import keys
from hub.fleet import intake as intake_module
from hub.fleet.ingest import Answer, fold_report
from hub.fleet.intake import Intake
from hub.storage import HubDB
from protocol import report as r
from tests.hub.conftest import Client, FakeClock, db_of
from tests.hub.test_fleet_support import (
    Enrolled,
    count,
    enrolled,
    event,
    heartbeat,
    make_report,
    node_status,
    security,
    send,
)


async def fleet(client: Client, size: int) -> list[Enrolled]:
    return [await enrolled(client, name=f"Pasaje {n}") for n in range(size)]


def intake_of(client: Client) -> Intake:
    return client.app[keys.intake]


async def test_reports_of_one_turn_share_one_transaction(client: Client, clock: FakeClock) -> None:
    who = await fleet(client, 5)
    intake = intake_of(client)
    before = intake.batches
    reports = [
        make_report(c, event(node_status(3, heard=clock() - 5), at=clock() - 5), at=clock())
        for c in who
    ]
    answers = await asyncio.gather(
        *(
            intake.apply(c.controller_id, report, at=clock())
            for c, report in zip(who, reports, strict=True)
        )
    )
    assert intake.batches == before + 1
    for report, answer in zip(reports, answers, strict=True):
        assert answer.accepted == (report.events[0].id,) and answer.duplicates == ()
    assert count(client, "SELECT count(*) FROM events") == 5
    assert count(client, "SELECT count(*) FROM heartbeats") == 5
    assert count(client, "SELECT sum(reports) FROM controllers") == 5
    assert not db_of(client).db.conn.in_transaction


async def test_a_resend_in_the_same_batch_is_a_duplicate(client: Client, clock: FakeClock) -> None:
    (who,) = await fleet(client, 1)
    report = make_report(who, event(security(3, at=clock()), at=clock()), at=clock())
    intake = intake_of(client)
    first, again = await asyncio.gather(
        intake.apply(who.controller_id, report, at=clock()),
        intake.apply(who.controller_id, report, at=clock()),
    )
    assert first.accepted == (report.events[0].id,) and first.duplicates == ()
    assert again.accepted == () and again.duplicates == (report.events[0].id,)
    assert count(client, "SELECT sum(count) FROM security_counts") == 3
    assert count(client, "SELECT count FROM alarms WHERE type = 'security'") == 3


async def test_a_failing_report_is_rolled_back_alone(
    client: Client, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    good, failing, other = await fleet(client, 3)

    def fold_then_fail(db: HubDB, controller_id: int, report: r.Report, *, at: float) -> Answer:
        answer = fold_report(db, controller_id, report, at=at)  # every row written…
        if controller_id == failing.controller_id:
            raise RuntimeError("…then something breaks")
        return answer

    monkeypatch.setattr(intake_module, "fold_report", fold_then_fail)
    intake = intake_of(client)
    outcomes = await asyncio.gather(
        *(
            intake.apply(
                c.controller_id,
                make_report(c, event(security(2, at=clock()), at=clock()), at=clock()),
                at=clock(),
            )
            for c in (good, failing, other)
        ),
        return_exceptions=True,
    )
    assert isinstance(outcomes[0], Answer) and isinstance(outcomes[2], Answer)
    assert isinstance(outcomes[1], RuntimeError)
    stored = "SELECT count(*) FROM {} WHERE controller_id = ?"
    for table in ("events", "heartbeats", "security_counts", "alarms"):
        assert count(client, stored.format(table), failing.controller_id) == 0, table
        assert count(client, stored.format(table), good.controller_id) == 1, table
        assert count(client, stored.format(table), other.controller_id) == 1, table
    assert count(client, "SELECT reports FROM controllers WHERE id = ?", failing.controller_id) == 0


async def test_a_report_for_no_controller_fails_alone(client: Client, clock: FakeClock) -> None:
    good, other = await fleet(client, 2)
    intake = intake_of(client)
    stranger = Enrolled(99, "99.x")  # no such controller: its events break a foreign key
    outcomes = await asyncio.gather(
        intake.apply(good.controller_id, make_report(good, at=clock()), at=clock()),
        intake.apply(
            stranger.controller_id,
            make_report(stranger, event(self_test_ok(), at=clock()), at=clock()),
            at=clock(),
        ),
        intake.apply(other.controller_id, make_report(other, at=clock()), at=clock()),
        return_exceptions=True,
    )
    assert isinstance(outcomes[0], Answer) and isinstance(outcomes[2], Answer)
    assert isinstance(outcomes[1], sqlite3.IntegrityError)
    assert count(client, "SELECT count(*) FROM events") == 0
    assert count(client, "SELECT count(*) FROM heartbeats") == 2


async def test_a_failed_commit_answers_no_report(
    client: Client, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    good, other = await fleet(client, 2)
    db = db_of(client)

    def fold_then_break_at_commit(
        db: HubDB, controller_id: int, report: r.Report, *, at: float
    ) -> Answer:
        answer = fold_report(db, controller_id, report, at=at)
        if controller_id == other.controller_id:  # a row that fails only at COMMIT
            db.db.execute("PRAGMA defer_foreign_keys = ON")
            db.db.execute(
                "INSERT INTO heartbeats (controller_id, received_at, uptime_s, "
                "software_version, power, alarm_state, open_episodes, outbox_pending, "
                "outbox_dropped) VALUES (99, 0, 0, '0', 'ac', 'idle', 0, 0, 0)"
            )
        return answer

    monkeypatch.setattr(intake_module, "fold_report", fold_then_break_at_commit)
    intake = intake_of(client)
    outcomes = await asyncio.gather(
        intake.apply(good.controller_id, make_report(good, at=clock()), at=clock()),
        intake.apply(
            other.controller_id,
            make_report(other, event(self_test_ok(), at=clock()), at=clock()),
            at=clock(),
        ),
        return_exceptions=True,
    )
    assert all(isinstance(outcome, sqlite3.IntegrityError) for outcome in outcomes), outcomes
    assert count(client, "SELECT count(*) FROM heartbeats") == 0
    assert count(client, "SELECT count(*) FROM events") == 0
    assert count(client, "SELECT coalesce(sum(reports), 0) FROM controllers") == 0
    assert not db.db.conn.in_transaction
    monkeypatch.undo()
    # The controllers resend; now they are stored.
    await send(client, good, make_report(good, at=clock()))
    assert count(client, "SELECT count(*) FROM heartbeats") == 1


async def test_one_report_alone_fails_without_storing_anything(
    client: Client, clock: FakeClock
) -> None:
    await fleet(client, 1)
    stranger = Enrolled(99, "99.x")
    report = make_report(stranger, event(self_test_ok(), at=clock()), at=clock())
    with pytest.raises(sqlite3.IntegrityError):
        await intake_of(client).apply(stranger.controller_id, report, at=clock())
    assert count(client, "SELECT count(*) FROM heartbeats") == 0


async def test_concurrent_posts_are_each_answered_and_stored_once(
    client: Client, clock: FakeClock
) -> None:
    who = await fleet(client, 8)
    reports = [
        make_report(
            c,
            event(node_status(1, heard=clock() - 3), at=clock() - 3),
            event(node_status(2, heard=clock() - 2, low_battery=True), at=clock() - 2),
            at=clock(),
            beat=heartbeat(power="battery" if n % 2 else "ac"),
        )
        for n, c in enumerate(who)
    ]
    answers = await asyncio.gather(
        *(send(client, c, rep) for c, rep in zip(who, reports, strict=True))
    )
    again = await asyncio.gather(
        *(send(client, c, rep) for c, rep in zip(who, reports, strict=True))
    )
    for report, answer, resent in zip(reports, answers, again, strict=True):
        ids = {e.id for e in report.events}
        assert set(answer.accepted) == ids and answer.duplicates == ()
        assert resent.accepted == () and set(resent.duplicates) == ids
    assert count(client, "SELECT count(*) FROM events") == 16
    assert count(client, "SELECT count(*) FROM alarms WHERE type = 'node_low_battery'") == 8
    assert count(client, "SELECT count(*) FROM alarms WHERE type = 'on_battery'") == 4
    assert count(client, "SELECT max(count) FROM alarms WHERE type = 'on_battery'") == 2


def self_test_ok() -> r.SelfTestResult:
    return r.SelfTestResult(ok=True, skipped=False, detail="", siren_ms=1000)
