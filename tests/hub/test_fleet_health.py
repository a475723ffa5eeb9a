"""Fleet health: never reported / online / offline after exactly the grace, each alarm type
from the data that raises it, one open alarm per key that a repeat updates, clearing,
acknowledgement, and maintenance windows that hold alarms but keep collecting."""

from __future__ import annotations

import pytest

from hub.fleet import alarms, controllers, health, readings
from hub.fleet.alarms import AlarmType, Severity
from hub.fleet.controllers import Connection
from hub.roles import Role
from tests.hub.conftest import Client, FakeClock, add_user, db_of, log_in, page_csrf
from tests.hub.test_fleet_support import (
    Enrolled,
    alarm_of,
    beat,
    count,
    enrolled,
    event,
    heartbeat,
    node_status,
    open_window,
    security,
    self_test,
    watch,
)


def connection(client: Client, who: Enrolled, clock: FakeClock) -> Connection:
    return controllers.get(db_of(client), who.controller_id).connection(clock())


async def test_never_reported_then_online_then_offline_after_exactly_the_grace(
    client: Client, clock: FakeClock
) -> None:
    who = await enrolled(client)
    assert connection(client, who, clock) is Connection.NEVER
    clock.advance(86_400)
    await watch(client)
    assert connection(client, who, clock) is Connection.NEVER  # never reported is no alarm
    assert count(client, "SELECT count(*) FROM alarms") == 0
    await beat(client, who)
    grace = 2 * 60 + 30
    clock.advance(grace)
    await watch(client)
    assert connection(client, who, clock) is Connection.ONLINE
    assert alarm_of(client, who, AlarmType.OFFLINE) is None
    clock.advance(0.5)
    assert connection(client, who, clock) is Connection.OFFLINE
    await watch(client)
    offline = alarm_of(client, who, AlarmType.OFFLINE)
    assert offline is not None and offline.severity is Severity.CRITICAL
    assert offline.first_seen == clock() and "2 min 30 s" in offline.detail
    clock.advance(600)
    await watch(client)
    repeated = alarm_of(client, who, AlarmType.OFFLINE)
    assert repeated.id == offline.id and repeated.last_seen == clock() and repeated.count == 1
    await beat(client, who)  # back
    assert alarm_of(client, who, AlarmType.OFFLINE) is None
    closed = alarms.alarm(db_of(client), offline.id)
    assert closed.cleared_at == clock()
    assert connection(client, who, clock) is Connection.ONLINE


async def test_the_grace_follows_the_interval_the_controller_was_told(
    client: Client, clock: FakeClock
) -> None:
    who = await enrolled(client)
    user = add_user(client, Role.ADMIN)
    controllers.set_interval(db_of(client), who.controller_id, "600", actor=user.actor, at=clock())
    assert (await beat(client, who)).report_interval_s == 600
    controllers.set_interval(db_of(client), who.controller_id, "10", actor=user.actor, at=clock())
    clock.advance(2 * 600 + 30)  # it still follows 600 s until its next answer
    assert connection(client, who, clock) is Connection.ONLINE
    await beat(client, who)
    clock.advance(2 * 10 + 31)
    assert connection(client, who, clock) is Connection.OFFLINE


async def test_power_and_battery_alarms(client: Client, clock: FakeClock) -> None:
    who = await enrolled(client)
    await beat(client, who, beat=heartbeat(power="battery", battery_mv=12_500))
    on_battery = alarm_of(client, who, AlarmType.ON_BATTERY)
    assert (
        on_battery.severity is Severity.WARNING
        and alarm_of(client, who, AlarmType.LOW_BATTERY) is None
    )
    clock.advance(60)
    await beat(client, who, beat=heartbeat(power="battery", battery_mv=11_700))
    low = alarm_of(client, who, AlarmType.LOW_BATTERY)
    assert low.severity is Severity.WARNING and low.detail == "Batería a 11.70 V."
    repeated = alarm_of(client, who, AlarmType.ON_BATTERY)
    assert repeated.id == on_battery.id and repeated.count == 2 and repeated.last_seen == clock()
    clock.advance(60)
    await beat(client, who, beat=heartbeat(power="battery", battery_mv=10_900))
    worse = alarm_of(client, who, AlarmType.LOW_BATTERY)
    assert worse.id == low.id and worse.severity is Severity.CRITICAL
    await beat(client, who, beat=heartbeat(power="unknown", battery_mv=11_900))
    assert alarm_of(client, who, AlarmType.ON_BATTERY) is not None  # unknown decides nothing
    assert alarm_of(client, who, AlarmType.LOW_BATTERY).severity is Severity.CRITICAL
    await beat(client, who, beat=heartbeat(power="ac", battery_mv=13_700))
    assert alarm_of(client, who, AlarmType.ON_BATTERY) is None
    assert alarm_of(client, who, AlarmType.LOW_BATTERY) is None
    assert count(client, "SELECT count(*) FROM alarms WHERE cleared_at IS NOT NULL") == 2


async def test_self_test_alarms_follow_the_newest_test(client: Client, clock: FakeClock) -> None:
    who = await enrolled(client)
    now = clock()
    await beat(client, who, event(self_test(ok=False, detail="sin corriente en la sirena"), at=now))
    failed = alarm_of(client, who, AlarmType.SELF_TEST_FAILED)
    assert failed.severity is Severity.CRITICAL and failed.detail == "sin corriente en la sirena"
    await beat(client, who, event(self_test(ok=True), at=now - 3600))  # an older test, late
    assert alarm_of(client, who, AlarmType.SELF_TEST_FAILED) is not None
    await beat(client, who, event(self_test(ok=True), at=now + 60))
    assert alarm_of(client, who, AlarmType.SELF_TEST_FAILED) is None
    shown = readings.self_tests(db_of(client), who.controller_id)
    assert [t.outcome for t in shown] == ["correcta", "falló", "correcta"]


async def test_node_alarms(client: Client, clock: FakeClock) -> None:
    who = await enrolled(client)
    now = clock()
    await beat(
        client, who, event(node_status(8, heard=now, low_battery=True, battery_mv=2900), at=now)
    )
    low = alarm_of(client, who, AlarmType.NODE_LOW_BATTERY, (2571, 8))
    assert low.severity is Severity.WARNING and "2.90 V" in low.detail
    assert alarm_of(client, who, AlarmType.NODE_LOW_BATTERY) is None  # it is the node's
    clock.advance(48 * 3600)
    await beat(client, who)
    await watch(client)
    assert alarm_of(client, who, AlarmType.NODE_SILENT, (2571, 8)) is None  # 48 h, not more
    clock.advance(60)
    await beat(client, who)
    await watch(client)
    silent = alarm_of(client, who, AlarmType.NODE_SILENT, (2571, 8))
    assert silent.severity is Severity.WARNING and silent.detail.endswith("hace 48 h 1 min.")
    await beat(client, who, event(node_status(8, heard=clock()), at=clock()))
    assert alarm_of(client, who, AlarmType.NODE_SILENT, (2571, 8)) is None
    assert alarm_of(client, who, AlarmType.NODE_LOW_BATTERY, (2571, 8)) is None


async def test_an_offline_controllers_nodes_are_not_judged(
    client: Client, clock: FakeClock
) -> None:
    who = await enrolled(client)
    await beat(client, who, event(node_status(8, heard=clock()), at=clock()))
    clock.advance(72 * 3600)
    await watch(client)
    assert alarm_of(client, who, AlarmType.OFFLINE) is not None
    assert alarm_of(client, who, AlarmType.NODE_SILENT, (2571, 8)) is None


async def test_replayed_and_forged_frames(client: Client, clock: FakeClock) -> None:
    who = await enrolled(client)
    await beat(client, who, event(security(3, reason="unknown", at=clock()), at=clock()))
    assert alarm_of(client, who, AlarmType.SECURITY) is None  # an unregistered node: counted
    await beat(client, who, event(security(4, reason="replay", at=clock()), at=clock()))
    await beat(client, who, event(security(2, reason="tag", at=clock()), at=clock()))
    forged = alarm_of(client, who, AlarmType.SECURITY)
    assert forged.severity is Severity.CRITICAL and forged.count == 6
    assert "con firma inválida" in forged.detail and "botón 7" in forged.detail
    totals = readings.security_totals(db_of(client), who.controller_id)
    assert sorted((t.reason, t.count) for t in totals) == [
        ("replay", 4),
        ("tag", 2),
        ("unknown", 3),
    ]
    clock.advance(24 * 3600)
    await beat(client, who)
    await watch(client)
    assert alarm_of(client, who, AlarmType.SECURITY) is None  # a quiet day clears it


async def test_acknowledging_shows_who_and_when(client: Client, clock: FakeClock) -> None:
    who = await enrolled(client)
    await beat(client, who, beat=heartbeat(power="battery"))
    found = alarm_of(client, who, AlarmType.ON_BATTERY)
    add_user(client, Role.UNIDAD_ALARMAS, email="turno@maipu.cl")
    await log_in(client, "turno@maipu.cl")
    token = await page_csrf(client, "/alarmas")
    clock.advance(120)
    response = await client.post(
        f"/alarmas/{found.id}/reconocer",
        data={"csrf_token": token, "siguiente": "/alarmas?estado=todas"},
        allow_redirects=False,
    )
    assert response.status == 303 and response.headers["Location"] == "/alarmas?estado=todas"
    acknowledged = alarms.alarm(db_of(client), found.id)
    assert (
        acknowledged.acknowledged_by == "turno@maipu.cl" and acknowledged.acknowledged_at == clock()
    )
    page = await (await client.get(f"/alarmas/{found.id}")).text()
    assert "por turno@maipu.cl el" in page
    again = await client.post(f"/alarmas/{found.id}/reconocer", data={"csrf_token": token})
    assert again.status == 400 and "ya fue reconocida por turno@maipu.cl" in await again.text()
    await beat(client, who, beat=heartbeat(power="battery"))  # a repeat keeps the acknowledgement
    assert alarm_of(client, who, AlarmType.ON_BATTERY).acknowledged
    history = db_of(client).audit.history(acknowledged.subject)
    assert [entry.action for entry in history] == ["alarm.acknowledge"]


async def test_the_database_keeps_one_open_alarm_per_key(client: Client, clock: FakeClock) -> None:
    who = await enrolled(client)
    await beat(client, who, beat=heartbeat(power="battery"))
    with pytest.raises(Exception, match="UNIQUE"):
        db_of(client).db.execute(
            "INSERT INTO alarms (controller_id, type, severity, detail, first_seen, last_seen, "
            "count) VALUES (?, 'on_battery', 'warning', '', 0, 0, 1)",
            [who.controller_id],
        )


async def test_a_maintenance_window_holds_alarms_but_keeps_collecting(
    client: Client, clock: FakeClock
) -> None:
    who = await enrolled(client)
    other = await enrolled(client, name="Calle Dos", barrio="Otro Barrio")
    await beat(client, who)
    await beat(client, other)
    barrio = controllers.get(db_of(client), who.controller_id).barrio_id
    open_window(db_of(client), barrio_id=barrio, starts_at=clock(), ends_at=clock() + 7200)
    clock.advance(600)
    await beat(client, who, beat=heartbeat(power="battery", uptime_s=5))
    await watch(client)
    states = {s.controller.id: s for s in readings.states(db_of(client), at=clock())}
    assert (
        states[who.controller_id].maintenance and states[who.controller_id].badge == "en mantención"
    )
    assert not states[other.controller_id].maintenance
    assert states[other.controller_id].connection is Connection.OFFLINE
    latest = readings.latest_heartbeat(db_of(client), who.controller_id)
    assert latest is not None and latest.beat.uptime_s == 5  # still collecting
    assert alarm_of(client, who, AlarmType.ON_BATTERY) is not None  # recorded, held
    add_user(client, Role.ADMIN, email="jefa@maipu.cl")
    await log_in(client, "jefa@maipu.cl")
    page = await (await client.get("/alarmas")).text()
    assert page.count("retenida: en mantención") == 1
    listing = await (await client.get("/controladores")).text()
    assert "en mantención" in listing and "sin conexión" in listing


def expected_round(client: Client, at: float) -> set[tuple[int, str, object, str]]:
    """The offline and silent-node alarms the rules call for at ``at``, one controller at a
    time in Python (``Controller.connection``, ``NodeRow.silent``): what the round's SQL
    must agree with."""
    db = db_of(client)
    wanted: set[tuple[int, str, object, str]] = set()
    for controller in controllers.all_controllers(db):
        state = controller.connection(at)
        if state is Connection.OFFLINE:
            detail = (
                f"Sin reportes por más de {health._duration(controller.grace_s)} "
                f"(intervalo {controller.report_interval_s} s)."
            )
            wanted.add((controller.id, "offline", None, detail))
        elif state is Connection.ONLINE:
            for node in readings.nodes(db, controller.id):
                if node.silent(at):
                    detail = (
                        "El controlador no escucha este botón hace "
                        f"{health._duration(at - node.heard_at)}."
                    )
                    key = (node.status.network, node.status.address)
                    wanted.add((controller.id, "node_silent", key, detail))
    return wanted


def round_alarms(client: Client, at: float) -> set[tuple[int, str, object, str]]:
    """The offline and silent-node alarms the round at ``at`` opened or updated."""
    return {
        (a.controller_id, a.type.value, a.node, a.detail)
        for a in alarms.open_alarms(db_of(client))
        if a.type in (AlarmType.OFFLINE, AlarmType.NODE_SILENT) and a.last_seen == at
    }


async def test_the_rounds_sql_agrees_with_the_rules_over_a_mixed_fleet(
    client: Client, clock: FakeClock
) -> None:
    user = add_user(client, Role.ADMIN)
    db = db_of(client)
    fleet = [
        await enrolled(client, name=f"Pasaje {name}", barrio=barrio)
        for name, barrio in (
            ("Zeta", "Villa Los Héroes"),
            ("Alfa", "Villa Los Héroes"),
            ("Beta", "El Abrazo"),
            ("Gama", "El Abrazo"),
            ("Delta", "Ciudad Satélite"),
            ("Épsilon", "Ciudad Satélite"),
            ("Nunca", "El Abrazo"),
        )
    ]
    zeta, alfa, beta, gama, delta, epsilon, _never = fleet
    controllers.set_interval(db, gama.controller_id, "600", actor=user.actor, at=clock())
    long_ago = clock() - 49 * 3600
    for who in (zeta, alfa, beta, gama, delta, epsilon):
        await beat(
            client,
            who,
            event(node_status(1, heard=long_ago), at=long_ago),
            event(node_status(2, heard=clock()), at=clock()),
        )
    clock.advance(200)  # past the 150 s grace of the 60 s interval, within gama's 1230 s
    for who in (beta, epsilon):
        await beat(client, who)
    await watch(client)
    first = clock()
    assert round_alarms(client, clock()) == expected_round(client, clock())
    offline_ids = [
        a.controller_id
        for a in sorted(alarms.open_alarms(db), key=lambda a: a.id)
        if a.type is AlarmType.OFFLINE
    ]
    assert offline_ids == [delta.controller_id, alfa.controller_id, zeta.controller_id]
    clock.advance(15)
    await watch(client)  # a second round updates, never opens again
    assert round_alarms(client, clock()) == expected_round(client, clock())
    for found in alarms.open_alarms(db):
        if found.type in (AlarmType.OFFLINE, AlarmType.NODE_SILENT):
            assert found.count == 1 and found.first_seen == first
            assert found.last_seen == clock()
    clock.advance(1100)  # gama too is now past its grace; beta's node goes on being silent
    await beat(client, beta)
    await watch(client)
    assert round_alarms(client, clock()) == expected_round(client, clock())
    assert alarm_of(client, gama, AlarmType.OFFLINE) is not None
    assert alarm_of(client, gama, AlarmType.NODE_SILENT, (2571, 1)) is not None  # kept open


async def test_a_longer_interval_brings_a_controller_back_online_at_the_next_round(
    client: Client, clock: FakeClock
) -> None:
    who = await enrolled(client)
    user = add_user(client, Role.ADMIN)
    await beat(client, who)
    clock.advance(300)
    await watch(client)
    offline = alarm_of(client, who, AlarmType.OFFLINE)
    assert offline is not None
    db = db_of(client)
    controllers.set_interval(db, who.controller_id, "600", actor=user.actor, at=clock())
    clock.advance(15)
    await watch(client)
    assert alarm_of(client, who, AlarmType.OFFLINE) is None
    assert alarms.alarm(db, offline.id).cleared_at == clock()


async def test_one_report_may_open_and_clear_the_same_alarm(
    client: Client, clock: FakeClock
) -> None:
    """The events of a report are folded oldest first, each deciding the node's alarm."""
    who = await enrolled(client)
    now = clock()
    low = event(node_status(8, heard=now - 20, low_battery=True), at=now - 20)
    fine = event(node_status(8, heard=now - 10), at=now - 10)
    await beat(client, who, fine, low)
    assert alarm_of(client, who, AlarmType.NODE_LOW_BATTERY, (2571, 8)) is None
    assert count(client, "SELECT count(*) FROM alarms WHERE cleared_at = ?", now) == 1
    later_fine = event(node_status(8, heard=now + 5), at=now + 5)
    later_low = event(node_status(8, heard=now + 6, low_battery=True), at=now + 6)
    await beat(client, who, later_low, later_fine)
    reopened = alarm_of(client, who, AlarmType.NODE_LOW_BATTERY, (2571, 8))
    assert reopened is not None and reopened.count == 1
    assert count(client, "SELECT count(*) FROM alarms") == 2
