"""Alarm activations in the diagnóstico: episodes of the barrio's controllers counted by
kind, hour of day and day of week in the hub's time zone (America/Santiago), the period
filter, the hotspot map, the CSV, and nothing of other barrios."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from hub.enlace.diagnostico.activaciones import activity, bar_chart, circle_radius
from hub.enlace.diagnostico.problematicas import Problematicas
from hub.storage import HubDB
from tests.hub.conftest import CLI, T0
from tests.hub.enlace.conftest import MARKER, World
from tests.hub.test_fleet_support import enrolled, episode, event, make_report, send

ZONE = ZoneInfo("America/Santiago")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=ZONE).timestamp()


def add_controller(
    hub: HubDB, barrio_id: int, name: str, lat: float | None = None, lon: float | None = None
) -> int:
    cursor = hub.db.execute(
        "INSERT INTO controllers (name, reported_name, barrio_id, enrolled_at, "
        "report_interval_s, software_version, latitude, longitude) "
        "VALUES (?, ?, ?, 0, 60, '1.0', ?, ?)",
        [name, name, barrio_id, lat, lon],
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def add_episode(hub: HubDB, controller_id: int, kind: str, started_at: float) -> None:
    count = hub.db.execute("SELECT COUNT(*) FROM episodes").fetchone()[0]
    hub.db.execute(
        "INSERT INTO episodes (controller_id, episode_id, kind, network, nodes, presses, "
        "started_at, sms_expected, sms_accepted, sms_failed, snapshot_at, updated_at) "
        "VALUES (?, ?, ?, 1, '[1]', 1, ?, 0, 0, 0, ?, ?)",
        [controller_id, f"ep-{count}", kind, started_at, started_at, started_at],
    )


@pytest.fixture
def fleet(world: World) -> World:
    hub = world.hub
    plaza = add_controller(hub, 1, f"Plaza {MARKER}", -33.505, -70.755)
    pasaje = add_controller(hub, 1, "Pasaje 3", -33.507, -70.752)
    add_controller(hub, 1, "Sin ubicación")
    sur = add_controller(hub, 2, "Controlador Sur", -33.6, -70.8)
    add_episode(hub, plaza, "ROBO", local(2026, 11, 22, 23, 30))  # domingo 23:30 (UTC-3)
    add_episode(hub, plaza, "ROBO", local(2026, 11, 23, 0, 15))  # lunes 00:15
    add_episode(hub, plaza, "PANICO", local(2026, 7, 5, 23, 59))  # domingo, invierno (UTC-4)
    add_episode(hub, pasaje, "PANICO", local(2026, 11, 25, 8, 0))  # miércoles 08:00
    add_episode(hub, pasaje, "TEST_INSTALACION", local(2026, 11, 25, 9, 0))  # a test: left out
    add_episode(hub, sur, "INCENDIO", local(2026, 11, 22, 23, 0))  # another barrio
    return world


def test_counts_by_kind_hour_and_weekday_in_local_time(fleet: World) -> None:
    found = activity(fleet.hub, 1, date(2026, 7, 1), date(2026, 12, 31), ZONE)
    assert found.total == 4
    kinds = {kind: count for kind, _, count in found.by_kind}
    assert kinds == {
        "PANICO": 2,
        "ROBO": 2,
        "INCENDIO": 0,
        "EMERGENCIA_MEDICA": 0,
        "ALERTA_SILENCIOSA": 0,
    }
    assert found.by_hour[23] == 2 and found.by_hour[0] == 1 and found.by_hour[8] == 1
    assert sum(found.by_hour) == 4
    assert found.by_weekday == [1, 0, 1, 0, 0, 0, 2]  # lunes … domingo
    assert found.by_weekday_hour[6][23] == 2 and found.by_weekday_hour[0][0] == 1
    assert sum(map(sum, found.by_weekday_hour)) == 4
    assert (found.busiest_hours, found.busiest_weekdays) == ([23], ["Domingo"])
    assert (found.level(2), found.level(1), found.level(0)) == (4, 2, 0)
    per = {c.name: c.count for c in found.controllers}
    assert per == {f"Plaza {MARKER}": 3, "Pasaje 3": 1, "Sin ubicación": 0}


def test_the_period_is_whole_local_days(fleet: World) -> None:
    sunday = activity(fleet.hub, 1, date(2026, 11, 22), date(2026, 11, 22), ZONE)
    assert sunday.total == 1 and sunday.by_weekday[6] == 1 and sunday.by_hour[23] == 1
    monday = activity(fleet.hub, 1, date(2026, 11, 23), date(2026, 11, 23), ZONE)
    assert monday.total == 1 and monday.by_weekday[0] == 1 and monday.by_hour[0] == 1
    assert activity(fleet.hub, 1, local(2026, 11, 22, 23, 30), local(2026, 11, 23), ZONE).total == 1
    assert activity(fleet.hub, 1, local(2026, 11, 22, 23, 31), local(2026, 11, 23), ZONE).total == 0


def test_the_charts_scale_to_the_largest_bar() -> None:
    chart = bar_chart([("a", 0), ("b", 5), ("c", 10)], height=200)
    heights = [bar.height for bar in chart.bars]
    assert heights[0] == 0 and heights[2] == 2 * heights[1] and chart.top == 10
    assert all(bar.y + bar.height == chart.baseline for bar in chart.bars)
    assert circle_radius(4, 4) > circle_radius(1, 4) > circle_radius(0, 4)


async def test_the_page_shows_tables_charts_and_the_hotspot_map(fleet: World) -> None:
    path = "/barrios/1/diagnostico/activaciones?desde=2026-07-01&hasta=2026-12-31"
    response = await fleet.get(fleet.gestor_norte, path)
    assert response.status == 200
    page = await response.text()
    assert "<strong>4</strong> activaciones entre el 01-07-2026 y el 31-12-2026" in page
    assert "<title>Robo: 2</title>" in page and "<title>Domingo</title>" not in page
    assert "<title>Do: 2</title>" in page and "<title>23: 2</title>" in page
    svg = page[
        page.index('<svg class="mapa-svg"') : page.index(
            "</svg>", page.index('<svg class="mapa-svg"')
        )
        + 6
    ]
    root = ET.fromstring(svg.replace('role="img"', ""))
    circles = root.findall("{*}circle") or root.findall("circle")
    assert len(circles) == 2  # the controller without coordinates is listed, not drawn
    radii = sorted(float(c.get("r", "0")) for c in circles)
    assert radii[1] > radii[0]
    assert "Sin ubicación" in page and "Controlador Sur" not in page
    sur = await (
        await fleet.get(fleet.gestor_sur, "/barrios/2/diagnostico/activaciones?desde=2026-07-01")
    ).text()
    assert MARKER not in sur and "Controlador Sur" in sur


async def test_the_default_period_is_the_last_ninety_days(fleet: World) -> None:
    # The world's clock is at 2027-01-15 05:00 local: 90 days back is 2026-10-18.
    page = await (await fleet.get(fleet.gestor_norte, "/barrios/1/diagnostico/activaciones")).text()
    assert "entre el 18-10-2026 y el 15-01-2027" in page
    assert "<strong>3</strong> activaciones" in page  # the July episode is older
    diagnostico = await (await fleet.get(fleet.gestor_norte, "/barrios/1/diagnostico")).text()
    assert "<strong>3</strong> activaciones" in diagnostico
    made = Problematicas(fleet.hub).add(1, "Robos", actor=CLI, at=T0)
    page = await (await fleet.get(fleet.gestor_norte, f"/problematicas/{made.id}")).text()
    assert "registraron 3 activaciones desde el 18-10-2026" in page
    assert "horas con más activaciones: 00, 08, 23 h; días: lunes, miércoles, domingo." in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("desde=2026-13-01", "Escriba la fecha como AAAA-MM-DD."),
        (
            "desde=2026-12-01&hasta=2026-11-01",
            "La fecha «desde» debe ser anterior o igual a «hasta».",
        ),
        ("desde=2020-01-01&hasta=2026-01-01", "Elija un período de a lo más 1098 días."),
    ],
)
async def test_a_bad_period_is_refused_in_spanish(fleet: World, query: str, message: str) -> None:
    response = await fleet.get(fleet.gestor_norte, f"/barrios/1/diagnostico/activaciones?{query}")
    assert response.status == 400
    assert message in await response.text()


async def test_the_csv_lists_each_activation_in_local_time(fleet: World) -> None:
    response = await fleet.get(
        fleet.gestor_norte,
        "/barrios/1/diagnostico/activaciones.csv?desde=2026-11-01&hasta=2026-11-30",
    )
    assert response.status == 200 and response.content_type == "text/csv"
    text = (await response.read()).decode("utf-8-sig")
    found = list(csv.DictReader(io.StringIO(text)))
    assert [(r["fecha_hora_local"], r["dia_semana"], r["hora"], r["tipo"]) for r in found] == [
        ("2026-11-22 23:30", "Domingo", "23", "ROBO"),
        ("2026-11-23 00:15", "Lunes", "0", "ROBO"),
        ("2026-11-25 08:00", "Miércoles", "8", "PANICO"),
    ]
    assert found[0]["controlador"] == f"Plaza {MARKER}"


async def test_an_episode_reported_through_the_fleet_api_is_counted(world: World) -> None:
    who = await enrolled(world.client, name=f"Esquina {MARKER}", barrio=world.norte.name)
    started = local(2027, 1, 10, 21, 5)  # domingo 21:05
    sent = world.clock.now
    body = episode(
        started=started, kind="ALERTA_SILENCIOSA", ended_at=started + 60, end_reason="expired"
    )
    await send(world.client, who, make_report(who, event(body, at=started + 61), at=sent))
    found = activity(world.hub, world.norte.id, date(2027, 1, 10), date(2027, 1, 10), ZONE)
    assert [(a.kind, a.kind_label) for a in found.activations] == [
        ("ALERTA_SILENCIOSA", "Alerta silenciosa")
    ]
    assert found.by_hour[21] == 1 and found.by_weekday[6] == 1
    assert activity(world.hub, world.sur.id, date(2027, 1, 10), date(2027, 1, 10), ZONE).total == 0


def test_days_without_midnight_and_with_a_repeated_hour(world: World) -> None:
    """Chile moves its clocks at midnight: 2026-09-06 starts at 01:00 (no 00:00), and on
    2026-04-04 the hour 23:00–24:00 happens twice (the second time at UTC-4)."""
    hub = world.hub
    plaza = add_controller(hub, 1, "Plaza")
    add_episode(hub, plaza, "PANICO", local(2026, 9, 6, 1, 0))  # first minute of Sunday
    add_episode(hub, plaza, "PANICO", local(2026, 9, 6, 1, 0) - 60)  # Saturday 23:59
    repeated = datetime(2026, 4, 4, 23, 30, tzinfo=ZONE, fold=1).timestamp()
    add_episode(hub, plaza, "ROBO", repeated)  # Saturday 23:30, the second time
    sunday = activity(hub, 1, date(2026, 9, 6), date(2026, 9, 6), ZONE)
    assert sunday.total == 1 and sunday.by_hour[1] == 1 and sunday.by_weekday[6] == 1
    saturday = activity(hub, 1, date(2026, 9, 5), date(2026, 9, 5), ZONE)
    assert saturday.total == 1 and saturday.by_hour[23] == 1 and saturday.by_weekday[5] == 1
    april = activity(hub, 1, date(2026, 4, 4), date(2026, 4, 4), ZONE)
    assert april.total == 1 and april.by_hour[23] == 1 and april.by_weekday[5] == 1
    assert activity(hub, 1, date(2026, 4, 5), date(2026, 4, 5), ZONE).total == 0
