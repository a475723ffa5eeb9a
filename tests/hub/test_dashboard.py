"""The Panel: controllers per state, open alarms by severity, tickets and the waitlist, the
controllers that need attention in order, the newest episodes; the SQL form of the states
agrees with the fleet's Python rules; a welcome for the roles that do not watch the fleet;
5,000 controllers render (the bench measures the time)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from hub.fleet import alarms, controllers, dashboard, readings
from hub.fleet.dashboard import FleetState, Need
from hub.maintenance.tickets import Priority, TicketDraft, TicketKind, Tickets, TicketStatus
from hub.maintenance.waitlist import RequestDraft, RequesterKind, RequestStatus, Waitlist
from hub.roles import Role
from hub.storage import HubDB
from hub.storage.schema import MIGRATION_SETS
from hub.web.dashboard import ticket_counts, waitlist_size
from tests.hub.conftest import CLI, T0, Client, FakeClock, db_of
from tests.hub.test_fleet_support import (
    Enrolled,
    beat,
    enrolled,
    episode,
    event,
    heartbeat,
    open_window,
    self_test,
    watch,
)
from tests.hub.test_maintenance_support import visitor

GRACE = 2 * 60 + 30


@dataclass
class Seeded:
    online: Enrolled
    battery: Enrolled
    siren: Enrolled
    down: Enrolled
    down_seen: Enrolled
    new: Enrolled
    held: Enrolled


async def seed_fleet(client: Client, clock: FakeClock) -> Seeded:
    """One controller in each situation, through the controller API and the fleet job."""
    fleet = Seeded(
        online=await enrolled(client, name="Pasaje En Línea"),
        battery=await enrolled(client, name="Pasaje Batería"),
        siren=await enrolled(client, name="Pasaje Sirena"),
        down=await enrolled(client, name="Pasaje Caído"),
        down_seen=await enrolled(client, name="Pasaje Caído Reconocido"),
        new=await enrolled(client, name="Pasaje Nuevo"),
        held=await enrolled(client, name="Pasaje en Mantención", barrio="Villa Taller"),
    )
    for who in (fleet.online, fleet.down, fleet.down_seen, fleet.held):
        await beat(client, who)
    clock.advance(1000)
    await beat(client, fleet.online)
    await beat(client, fleet.battery, beat=heartbeat(power="battery"))
    await beat(client, fleet.siren, event(self_test(ok=False), at=clock()))
    db = db_of(client)
    barrio = controllers.get(db, fleet.held.controller_id).barrio_id
    open_window(db, barrio_id=barrio, starts_at=clock(), ends_at=clock() + 3600)
    await watch(client)  # the three silent ones go offline
    seen = alarms.alarms(db, alarms.AlarmFilter(controller_id=fleet.down_seen.controller_id))
    alarms.acknowledge(db, seen[0].id, actor=CLI, at=clock())
    return fleet


async def test_counts_by_state_alarms_by_severity_and_attention_in_order(
    client: Client, clock: FakeClock
) -> None:
    fleet = await seed_fleet(client, clock)
    db = db_of(client)
    summary = dashboard.summary(db, at=clock())
    assert summary.by_state == {
        FleetState.ONLINE: 3,
        FleetState.OFFLINE: 2,
        FleetState.NEVER: 1,
        FleetState.MAINTENANCE: 1,
    }
    # critical: the failed siren test and three offline (held ones count too); warning: battery
    assert summary.alarms == dashboard.AlarmCounts(critical=4, warning=1, unacknowledged=4)
    found, total = dashboard.needing_attention(db, at=clock())
    assert total == 5
    assert [(row.controller_id, row.need) for row in found] == [
        (fleet.down.controller_id, Need.OFFLINE_UNACKNOWLEDGED),
        (fleet.siren.controller_id, Need.CRITICAL),  # its critical alarm is unacknowledged
        (fleet.down_seen.controller_id, Need.CRITICAL),
        (fleet.battery.controller_id, Need.WARNING),
        (fleet.new.controller_id, Need.NEVER),
    ]
    first = found[0]
    assert (first.state, first.critical, first.critical_unacknowledged) == (
        FleetState.OFFLINE,
        1,
        1,
    )
    assert found[-1].since == T0  # never reported: waiting since it was enrolled
    two, total = dashboard.needing_attention(db, at=clock(), limit=2)
    assert len(two) == 2 and total == 5


async def test_the_panel_page_shows_the_figures(client: Client, clock: FakeClock) -> None:
    fleet = await seed_fleet(client, clock)
    db = db_of(client)
    tickets = Tickets(db)
    for _ in range(2):
        draft = TicketDraft(
            TicketKind.REPARACION, Priority.ALTA, "revisar", controller_id=fleet.siren.controller_id
        )
        last = tickets.open(draft, actor=CLI, at=clock())
    tickets.move(last.id, TicketStatus.CANCELADO, note="duplicado", actor=CLI, at=clock())
    waitlist = Waitlist(db)
    for name in ("Junta Villa Sur", "Vecina Rosa"):
        request = waitlist.add(
            RequestDraft(
                name,
                RequesterKind.VECINO,
                "+56987654321",
                "Calle 1 123",
                "Villa Sur",
                None,
                4,
                "",
                Priority.NORMAL,
                date(2027, 1, 5),
            ),
            actor=CLI,
            at=clock(),
        )
    waitlist.move(request.id, RequestStatus.RECHAZADA, note="fuera de la comuna", actor=CLI, at=T0)
    assert ticket_counts(db)[TicketStatus.ABIERTO] == 1 and waitlist_size(db) == 1

    html = await visitor(client, Role.UNIDAD_ALARMAS).page("/")
    for count, label in (
        ("3", "en línea"),
        ("2", "sin conexión"),
        ("1", "nunca reportó"),
        ("1", "en mantención"),
        ("4", "críticas"),
        ("1", "advertencia"),
        ("4", "sin reconocer"),
        ("1", "ticket abierto"),
        ("0", "tickets asignados"),
        ("1", "en lista de espera"),
    ):
        assert f'<span class="count">{count}</span> {label}</a>' in html, label
    assert 'Requieren atención <span class="muted">(5)</span>' in html
    rows = re.findall(r'<tr class="need-([a-z_]+)">.*?href="/controladores/(\d+)"', html, re.S)
    assert [int(controller) for _, controller in rows] == [
        fleet.down.controller_id,
        fleet.siren.controller_id,
        fleet.down_seen.controller_id,
        fleet.battery.controller_id,
        fleet.new.controller_id,
    ]
    assert "Pasaje en Mantención" not in html.split("Requieren atención")[1].split("</table>")[0]
    assert 'class="badge state-offline">sin conexión</span>' in html
    assert "/requieren-atencion" not in html  # all five are on the panel


async def test_the_newest_episodes_of_the_fleet(client: Client, clock: FakeClock) -> None:
    one = await enrolled(client, name="Pasaje Uno")
    two = await enrolled(client, name="<b>Pasaje Dos</b>")
    now = clock()
    for index in range(12):
        who = one if index % 2 else two
        summary = episode(started=now - 1000 + index * 10, episode_id=f"{index:032x}")
        await beat(client, who, event(summary, at=now - 1000 + index * 10))
    latest = dashboard.latest_episodes(db_of(client))
    assert [item.episode.episode_id for item in latest] == [f"{i:032x}" for i in range(11, 1, -1)]
    assert latest[0].controller == "Pasaje Uno" and latest[1].controller == "<b>Pasaje Dos</b>"
    html = await visitor(client, Role.ADMIN).page("/")
    table = html.split("Últimos episodios")[1]
    assert table.count("<tr>") == 11  # the header and ten episodes
    assert "&lt;b&gt;Pasaje Dos&lt;/b&gt;" in table and "<b>Pasaje Dos</b>" not in table
    assert "Robo" in table and "en curso" in table and "5 de 6" in table


async def test_the_sql_states_agree_with_the_fleets_rules(client: Client, clock: FakeClock) -> None:
    """CONNECTION_SQL and HELD_SQL against Controller.connection and in_maintenance, on
    both sides of the grace, with a told interval, and with windows of every kind."""
    db = db_of(client)
    who = [await enrolled(client, name=f"C{i}", barrio=f"B{i % 3}") for i in range(9)]
    ids = [w.controller_id for w in who]
    for index, controller_id in enumerate(ids[:7]):
        db.db.execute(
            "UPDATE controllers SET last_report_at = ?, report_interval_s = ?, "
            "told_interval_s = ? WHERE id = ?",
            [T0 - index * 75.5, 10 + 20 * index, 300 if index == 5 else None, controller_id],
        )
    barrio_of = {i: controllers.get(db, i).barrio_id for i in ids}
    open_window(db, controller_id=ids[1], starts_at=T0 + 100, ends_at=T0 + 200)
    open_window(db, barrio_id=barrio_of[ids[2]], starts_at=T0 + 150, ends_at=T0 + 400)
    open_window(db, controller_id=ids[7], starts_at=T0 + 10, ends_at=T0 + 20)
    with db.db.atomic():  # a cancelled window holds nothing
        db.db.execute("UPDATE maintenance_windows SET canceled_at = ? WHERE id = 3", [T0])
    moments = [T0 + s for s in (0, 100, 150, 199.9, 200, 250, 400, 1000)]
    grace_edges = [
        float(row[0]) + 2 * max(row[1], row[2] or 0) + 30
        for row in db.db.execute(
            "SELECT last_report_at, report_interval_s, told_interval_s FROM controllers "
            "WHERE last_report_at IS NOT NULL"
        ).fetchall()
    ]
    for at in [*moments, *grace_edges, *(edge + 0.001 for edge in grace_edges)]:
        python = readings.states(db, at=at)  # the fleet's per-controller Python
        expected = {state.controller.id: state.badge for state in python}
        assert {i: s.label for i, s in dashboard.states(db, at=at).items()} == expected, at
        held = {state.controller.id for state in python if state.maintenance}
        assert dashboard.held_controllers(db, at=at) == held, at
        listed = dashboard.controllers_page(db, at=at).rows  # the list's page
        assert {row.id: row.state.label for row in listed} == expected, at
        connections = {state.controller.id: state.connection for state in python}
        assert {row.id: row.connection for row in listed} == connections, at
    assert {s.label for s in dashboard.states(db, at=T0 + 100).values()} == {
        "en línea",
        "sin conexión",
        "nunca reportó",
        "en mantención",
    }


async def test_roles_that_do_not_watch_the_fleet_get_a_welcome(
    client: Client, clock: FakeClock
) -> None:
    await seed_fleet(client, clock)
    gestor = await visitor(client, Role.GESTOR).page("/")
    assert "Hola, Persona Gestor(a) territorial" in gestor
    main = gestor[gestor.index("<main") :]
    assert "Sus secciones" in main and 'href="/lista-espera"' in main
    assert "Requieren atención" not in main and "Pasaje" not in main
    mediacion = await visitor(client, Role.MEDIACION).page("/")
    main = mediacion[mediacion.index("<main") :]
    assert "Sus secciones" in main and "Requieren atención" not in main
    response = await visitor(client, Role.GESTOR).get("/requieren-atencion")
    assert response.status == 403


async def test_an_empty_fleet(client: Client) -> None:
    html = await visitor(client, Role.UNIDAD_ALARMAS).page("/")
    assert "Ningún controlador requiere atención" in html
    assert "Aún no hay episodios de alarma." in html


def insert_fleet(db: HubDB, size: int, *, at: float) -> None:
    """``size`` controllers straight into the tables (the API would take minutes): a quarter
    never reported, a quarter offline with an open offline alarm, the rest online, one in
    five of those with a warning; and an episode each."""
    barrios = [
        db.db.execute(
            "INSERT INTO barrios (name, created_at) VALUES (?, ?)", [f"Villa {i}", at]
        ).lastrowid
        for i in range(40)
    ]
    controllers_rows, alarm_rows, episode_rows = [], [], []
    for number in range(1, size + 1):
        kind = number % 4
        last = None if kind == 0 else (at - 3600 if kind == 1 else at - 30)
        barrio = barrios[number % 40]
        controllers_rows.append(
            (number, f"Pasaje {number}", "x", barrio, at - 86_400, 60, "0.1.0", last, 0)
        )
        if kind == 1:
            alarm_rows.append((number, "offline", "critical", at - 3000))
        elif kind == 2 and number % 5 == 0:
            alarm_rows.append((number, "on_battery", "warning", at - 600))
        episode_rows.append((number, f"{number:032x}", at - number))
    with db.db.atomic():
        db.db.conn.executemany(
            "INSERT INTO controllers (id, name, reported_name, barrio_id, enrolled_at, "
            "report_interval_s, software_version, last_report_at, reports) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            controllers_rows,
        )
        db.db.conn.executemany(
            "INSERT INTO alarms (controller_id, type, severity, detail, first_seen, last_seen, "
            "count) VALUES (?, ?, ?, '', ?, ?, 1)",
            [(c, t, s, first, first) for c, t, s, first in alarm_rows],
        )
        db.db.conn.executemany(
            "INSERT INTO episodes (controller_id, episode_id, kind, network, nodes, presses, "
            "started_at, sms_expected, sms_accepted, sms_failed, snapshot_at, updated_at) "
            "VALUES (?, ?, 'PANICO', 1, '[1]', 1, ?, 3, 3, 0, 0, 0)",
            episode_rows,
        )


async def test_a_panel_of_five_thousand_controllers(client: Client, clock: FakeClock) -> None:
    db = db_of(client)
    insert_fleet(db, 5000, at=clock())
    html = await visitor(client, Role.UNIDAD_ALARMAS).page("/")
    assert '<span class="count">1.250</span> nunca reportó</a>' in html  # es-CL thousands
    assert '<span class="count">1.250</span> sin conexión</a>' in html
    assert '<span class="count">2.500</span> en línea</a>' in html
    assert html.count('<tr class="need-') == dashboard.ATTENTION_LIMIT
    assert html.count('<tr class="need-offline_unacknowledged">') == dashboard.ATTENTION_LIMIT
    needing = 1250 + 1250 + 250  # offline, never reported, warnings
    assert '<a href="/requieren-atencion">Ver los 2.750 controladores' in html
    assert needing == 2750
    everything = await visitor(client, Role.ADMIN).page("/requieren-atencion")
    assert everything.count('<tr class="need-') == needing


def test_the_panels_queries_use_their_indexes() -> None:
    """The newest episodes read the started_at index backwards, and the open alarms are read
    from a partial index, not the whole alarms table."""
    from sqlite_utils import Database

    from hub.storage.migrations import migrate

    db = Database(memory=True)
    migrate(db, MIGRATION_SETS)
    plan = " ".join(
        str(row[3])
        for row in db.execute(
            "EXPLAIN QUERY PLAN SELECT e.controller_id FROM episodes e "
            "JOIN controllers c ON c.id = e.controller_id ORDER BY e.started_at DESC LIMIT 10"
        ).fetchall()
    )
    assert "episodes_newest" in plan, plan
    plan = " ".join(
        str(row[3])
        for row in db.execute(
            f"EXPLAIN QUERY PLAN {dashboard.FLEET_CTE}, {dashboard.OPEN_ALARMS_CTE} "
            "SELECT * FROM open_alarms",
            {"at": T0},
        ).fetchall()
    )
    assert "alarms_open_per_controller" in plan or "alarms_one_open" in plan, plan
