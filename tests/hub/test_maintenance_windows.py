"""Maintenance windows: the migration, in_maintenance's rules (controller, barrio, planned
not yet started, ad hoc open-ended, ended, cancelled), the form's Spanish refusals, and the
pages (create, terminar ahora, cancel a planned one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.errors import Invalid
from hub.maintenance import lookup
from hub.maintenance.storage import migrations as maintenance_migrations
from hub.maintenance.windows import (
    MaintenanceWindows,
    WindowDraft,
    WindowKind,
    WindowState,
    current_window,
    in_maintenance,
    read_window_form,
)
from hub.roles import Role
from hub.storage import HubDB, Subject
from hub.storage.accounts import migrations as accounts_migrations
from hub.storage.audit import migrations as audit_migrations
from hub.storage.schema import MIGRATION_SETS
from tests.hub.conftest import T0, Client, db_of
from tests.hub.test_maintenance_support import (
    DAY,
    ESCAPED,
    SANTIAGO,
    SCRIPT,
    UNIDAD,
    created_id,
    local,
    places_unknown,
    visitor,
)

__all__ = ["places_unknown"]
HOUR = 3600.0
OWN_SETS = (audit_migrations, accounts_migrations, maintenance_migrations)


@pytest.fixture
def hub() -> Iterator[HubDB]:
    """A database with only this domain's tables (no controllers or barrios yet)."""
    with HubDB.open(":memory:", sets=OWN_SETS) as db:
        yield db


def window(
    hub: HubDB,
    *,
    controller: int | None = None,
    barrio: int | None = None,
    starts: float = T0,
    ends: float | None = None,
    kind: WindowKind = WindowKind.INMEDIATA,
) -> int:
    draft = WindowDraft(controller, barrio, kind, starts, ends, "Cambio de batería")
    return MaintenanceWindows(hub).create(draft, actor=UNIDAD, at=T0).id


def test_the_maintenance_set_is_registered_once_and_makes_its_tables() -> None:
    assert [s.name for s in MIGRATION_SETS].count("maintenance") == 1
    with HubDB.memory() as db:
        assert {
            "maintenance_windows",
            "technicians",
            "tickets",
            "ticket_status_changes",
            "waitlist_requests",
            "waitlist_status_changes",
        } <= set(db.db.table_names())
        # Every table is STRICT.
        for table in ("maintenance_windows", "tickets", "waitlist_requests"):
            sql = db.db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [table]).fetchone()
            assert sql[0].rstrip().endswith("STRICT")


def test_a_window_of_the_controller_holds_it_between_start_and_end(hub: HubDB) -> None:
    window(hub, controller=7, starts=T0, ends=T0 + HOUR, kind=WindowKind.PLANIFICADA)
    assert not in_maintenance(hub, controller_id=7, barrio_id=None, at=T0 - 1)
    assert in_maintenance(hub, controller_id=7, barrio_id=None, at=T0)
    assert in_maintenance(hub, controller_id=7, barrio_id=3, at=T0 + HOUR - 1)
    assert not in_maintenance(hub, controller_id=7, barrio_id=None, at=T0 + HOUR)  # end excluded
    assert not in_maintenance(hub, controller_id=8, barrio_id=None, at=T0 + 1)


def test_a_window_of_the_barrio_holds_every_controller_there(hub: HubDB) -> None:
    window(hub, barrio=3, ends=T0 + HOUR)
    assert in_maintenance(hub, controller_id=7, barrio_id=3, at=T0 + 60)
    assert in_maintenance(hub, controller_id=8, barrio_id=3, at=T0 + 60)
    assert not in_maintenance(hub, controller_id=9, barrio_id=4, at=T0 + 60)
    assert not in_maintenance(hub, controller_id=3, barrio_id=None, at=T0 + 60)  # 3 is a barrio


def test_a_planned_window_in_the_future_does_not_hold_yet(hub: HubDB) -> None:
    starts = T0 + 2 * DAY
    window(hub, controller=7, starts=starts, ends=starts + HOUR, kind=WindowKind.PLANIFICADA)
    assert not in_maintenance(hub, controller_id=7, barrio_id=None, at=T0)
    assert in_maintenance(hub, controller_id=7, barrio_id=None, at=starts + 1)


def test_an_ad_hoc_window_without_end_holds_until_ended_now(hub: HubDB) -> None:
    wid = window(hub, controller=7)
    assert in_maintenance(hub, controller_id=7, barrio_id=None, at=T0 + 30 * DAY)
    found = current_window(hub, controller_id=7, barrio_id=None, at=T0 + DAY)
    assert found is not None and found.id == wid and found.ends_at is None
    ended = MaintenanceWindows(hub).end(wid, actor=UNIDAD, at=T0 + DAY)
    assert ended.ends_at == T0 + DAY and ended.ended_by == UNIDAD.label
    assert ended.state(T0 + DAY) is WindowState.TERMINADA
    assert in_maintenance(hub, controller_id=7, barrio_id=None, at=T0 + DAY - 1)  # past stays
    assert not in_maintenance(hub, controller_id=7, barrio_id=None, at=T0 + DAY)
    with pytest.raises(Invalid, match="ya terminó"):
        MaintenanceWindows(hub).end(wid, actor=UNIDAD, at=T0 + DAY + 1)
    actions = [entry.action for entry in hub.audit.history(Subject("maintenance_window", wid))]
    assert actions == ["maintenance_window.create", "maintenance_window.end"]


def test_an_ended_window_no_longer_holds(hub: HubDB) -> None:
    window(hub, controller=7, starts=T0, ends=T0 + HOUR, kind=WindowKind.PLANIFICADA)
    assert not in_maintenance(hub, controller_id=7, barrio_id=None, at=T0 + 2 * HOUR)
    assert current_window(hub, controller_id=7, barrio_id=None, at=T0 + 2 * HOUR) is None


def test_ending_a_planned_window_before_it_starts_cancels_it(hub: HubDB) -> None:
    starts = T0 + DAY
    wid = window(hub, controller=7, starts=starts, ends=starts + HOUR, kind=WindowKind.PLANIFICADA)
    cancelled = MaintenanceWindows(hub).end(wid, actor=UNIDAD, at=T0)
    assert cancelled.state(starts + 1) is WindowState.CANCELADA
    assert not in_maintenance(hub, controller_id=7, barrio_id=None, at=starts + 1)
    with pytest.raises(Invalid, match="fue cancelada"):
        MaintenanceWindows(hub).end(wid, actor=UNIDAD, at=T0 + 1)


def test_the_listing_sorts_windows_by_state(hub: HubDB) -> None:
    now_id = window(hub, controller=1)
    later_id = window(
        hub, barrio=2, starts=T0 + DAY, ends=T0 + DAY + HOUR, kind=WindowKind.PLANIFICADA
    )
    done_id = window(hub, controller=3, ends=T0 + HOUR)
    found = MaintenanceWindows(hub).listing(at=T0 + 2 * HOUR)
    assert [w.id for w in found[WindowState.EN_CURSO]] == [now_id]
    assert [w.id for w in found[WindowState.PROGRAMADA]] == [later_id]
    assert [w.id for w in found[WindowState.TERMINADA]] == [done_id]
    only = MaintenanceWindows(hub).listing(at=T0, barrio_id=2)
    assert [w.id for ws in only.values() for w in ws] == [later_id]


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        (
            {"kind": "inmediata", "reason": "x"},
            {"controller_id": "Indique el controlador o el barrio"},
        ),
        (
            {"controller_id": "1", "barrio_id": "2", "kind": "inmediata", "reason": "x"},
            {"barrio_id": "no ambos"},
        ),
        (
            {"controller_id": "abc", "kind": "inmediata", "reason": "x"},
            {"controller_id": "con su número"},
        ),
        (
            {"controller_id": "1", "kind": "otra", "reason": ""},
            {"kind": "planificada o inmediata", "reason": "motivo"},
        ),
        (
            {"controller_id": "1", "kind": "planificada", "reason": "x"},
            {"starts_at": "cuándo empieza", "ends_at": "cuándo termina"},
        ),
        (
            {
                "controller_id": "1",
                "kind": "planificada",
                "reason": "x",
                "starts_at": "2027-01-14T10:00",
                "ends_at": "2027-01-16T10:00",
            },
            {"starts_at": "El inicio ya pasó"},
        ),
        (
            {
                "controller_id": "1",
                "kind": "planificada",
                "reason": "x",
                "starts_at": "2027-01-16T12:00",
                "ends_at": "2027-01-16T10:00",
            },
            {"ends_at": "posterior al inicio"},
        ),
        (
            {
                "controller_id": "1",
                "kind": "inmediata",
                "reason": "x",
                "ends_at": "2027-01-15T04:00",
            },
            {"ends_at": "posterior a este momento"},
        ),
        (
            {
                "controller_id": "1",
                "kind": "planificada",
                "reason": "x",
                "starts_at": "mañana",
                "ends_at": "2027-13-40T10:00",
            },
            {"starts_at": "AAAA-MM-DD HH:MM", "ends_at": "AAAA-MM-DD HH:MM"},
        ),
    ],
)
def test_the_window_form_refuses_mistakes_in_spanish(
    fields: dict[str, str], problems: dict[str, str]
) -> None:
    with pytest.raises(Invalid) as caught:
        read_window_form(fields, at=T0, zone=SANTIAGO)
    assert set(caught.value.problems) == set(problems)
    for name, words in problems.items():
        assert words in caught.value.problems[name]


def test_the_window_form_reads_local_times() -> None:
    fields = {
        "barrio_id": "4",
        "kind": "planificada",
        "reason": "Poda",
        "starts_at": "2027-01-16T09:00",
        "ends_at": "2027-01-16T13:30",
    }
    draft = read_window_form(fields, at=T0, zone=SANTIAGO)
    assert draft.barrio_id == 4 and draft.controller_id is None
    assert draft.starts_at == local("2027-01-16T09:00")
    assert draft.ends_at == local("2027-01-16T13:30")
    ad_hoc = read_window_form(
        {"controller_id": "7", "kind": "inmediata", "reason": "x"}, at=T0, zone=SANTIAGO
    )
    assert ad_hoc.starts_at == T0 and ad_hoc.ends_at is None


def test_ids_are_checked_and_named_when_the_other_tables_exist(hub: HubDB) -> None:
    assert lookup.exists(hub.db, lookup.CONTROLLERS, 7) is None  # no table: accepted as typed
    hub.db.execute("CREATE TABLE barrios (id INTEGER PRIMARY KEY, name TEXT)")
    hub.db.execute("CREATE TABLE controllers (id INTEGER PRIMARY KEY, name TEXT, barrio_id INT)")
    hub.db.execute("INSERT INTO barrios VALUES (3, 'Villa Los Héroes')")
    hub.db.execute("INSERT INTO controllers VALUES (7, 'Pasaje 1', 3)")
    with pytest.raises(Invalid, match="No existe el controlador N° 8"):
        window(hub, controller=8)
    with pytest.raises(Invalid, match="No existe el barrio N° 4"):
        window(hub, barrio=4)
    window(hub, controller=7)
    assert lookup.names(hub.db, lookup.CONTROLLERS, [7, 8, None]) == {7: "Pasaje 1"}
    assert lookup.number(hub.db, lookup.CONTROLLERS, "barrio_id", 7) == 3
    assert lookup.number(hub.db, lookup.ALARMS, "controller_id", 1) is None
    assert lookup.all_names(hub.db, lookup.BARRIOS) == [(3, "Villa Los Héroes")]


@pytest.mark.usefixtures("places_unknown")
async def test_the_unidad_opens_and_ends_a_window_through_the_pages(client: Client) -> None:
    unidad = visitor(client, Role.UNIDAD_ALARMAS)
    form = await unidad.page("/ventanas-mantencion/nueva?controlador=7")
    assert 'name="controller_id" type="text" inputmode="numeric" value="7"' in form
    refused = await unidad.post("/ventanas-mantencion/nueva", kind="inmediata", reason="")
    html = await refused.text()
    assert refused.status == 400 and "Escriba el motivo de la mantención." in html
    assert "Indique el controlador o el barrio en mantención." in html
    location = await unidad.submit(
        "/ventanas-mantencion/nueva", controller_id="7", kind="inmediata", reason=SCRIPT
    )
    wid = created_id(location)
    page = await unidad.page(location)
    assert "La ventana de mantención quedó registrada." in page and "Terminar ahora" in page
    assert ESCAPED in page and SCRIPT not in page
    assert in_maintenance(db_of(client), controller_id=7, barrio_id=None, at=T0)
    listing = await unidad.page("/ventanas-mantencion")
    assert f'href="/ventanas-mantencion/{wid}"' in listing and ESCAPED in listing
    ended = await unidad.submit(f"/ventanas-mantencion/{wid}/terminar")
    assert "La ventana de mantención terminó." in await unidad.page(ended)
    assert not in_maintenance(db_of(client), controller_id=7, barrio_id=None, at=T0)
    again = await unidad.post(f"/ventanas-mantencion/{wid}/terminar")
    assert again.status == 400 and "ya terminó" in await again.text()


@pytest.mark.usefixtures("places_unknown")
async def test_a_planned_barrio_window_is_cancelled_before_it_starts(client: Client) -> None:
    admin = visitor(client, Role.ADMIN)
    location = await admin.submit(
        "/ventanas-mantencion/nueva",
        barrio_id="3",
        kind="planificada",
        starts_at="2027-01-16T09:00",
        ends_at="2027-01-16T18:00",
        reason="Recambio de sirenas del barrio",
    )
    page = await admin.page(location)
    assert "Planificada" in page and "16-01-2027 09:00" in page and "Cancelar esta ventana" in page
    cancelled = await admin.submit(location.split("?")[0] + "/terminar")
    assert "fue cancelada" in await admin.page(cancelled)
    assert not in_maintenance(
        db_of(client), controller_id=1, barrio_id=3, at=local("2027-01-16T10:00")
    )
