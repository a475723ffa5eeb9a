"""The installation waitlist: Chilean phones, the lifecycle (programada opens an
installation ticket; closing or cancelling it carries the request along), rejection with a
reason, queue positions, the CSV export (formula injection), and what gestores may do."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest

from hub.errors import Invalid
from hub.maintenance.exports import safe_cell, waitlist_csv
from hub.maintenance.phones import chilean_phone, shown
from hub.maintenance.technicians import Technicians
from hub.maintenance.tickets import Priority, TicketKind, Tickets, TicketStatus
from hub.maintenance.waitlist import (
    RequestDraft,
    RequesterKind,
    RequestStatus,
    Waitlist,
    WaitlistFilter,
    read_request_form,
)
from hub.roles import Role
from hub.storage import HubDB
from tests.hub.conftest import T0, Client, db_of
from tests.hub.test_maintenance_support import (
    ESCAPED,
    SCRIPT,
    UNIDAD,
    created_id,
    places_unknown,
    visitor,
)

__all__ = ["places_unknown"]
TODAY = date(2027, 1, 15)
R = RequestStatus
DRAFT = RequestDraft(
    requester_name="Junta de Vecinos Villa Azul",
    requester_kind=RequesterKind.JUNTA_VECINOS,
    phone="+56987654321",
    address="Pasaje Los Aromos 1-40",
    barrio="Villa Azul",
    barrio_id=None,
    households=18,
    notes="",
    priority=Priority.NORMAL,
    received_on=date(2027, 1, 10),
)


@pytest.fixture
def hub() -> Iterator[HubDB]:
    with HubDB.memory() as db:
        yield db


def add(hub: HubDB, **changes: object) -> int:
    return Waitlist(hub).add(replace(DRAFT, **changes), actor=UNIDAD, at=T0).id  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+56 9 8765 4321", "+56987654321"),
        ("9 8765 4321", "+56987654321"),
        ("+56-9-6123-4567", "+56961234567"),
        ("(2) 2987 6543", "+56229876543"),
        ("+56 45 212 3456", "+56452123456"),
    ],
)
def test_chilean_phones_are_stored_as_e164(typed: str, stored: str) -> None:
    assert chilean_phone(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Escriba un teléfono de contacto."),
        ("+1 202 555 0101", "El teléfono debe ser chileno (+56)."),
        ("12345", "no es un teléfono chileno válido"),
        ("+56 600 123 4567", "no es un teléfono chileno válido"),
        ("llámame", "no es un número de teléfono"),
        ("9" * 40, "demasiado largo"),
    ],
)
def test_other_phones_are_refused_in_spanish(typed: str, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        chilean_phone(typed)
    assert message in caught.value.problems["phone"]
    assert "+56 9 XXXX XXXX" in caught.value.problems["phone"]


def test_a_stored_phone_is_shown_with_spaces() -> None:
    assert shown("+56987654321") == "+56 9 8765 4321"


def test_the_queue_goes_by_priority_then_date_received(hub: HubDB) -> None:
    first = add(hub, received_on=date(2027, 1, 2))
    second = add(hub, received_on=date(2027, 1, 5))
    urgent = add(hub, received_on=date(2027, 1, 12), priority=Priority.URGENTE)
    low = add(hub, received_on=date(2026, 12, 1), priority=Priority.BAJA)
    same_day = add(hub, received_on=date(2027, 1, 5))
    waitlist = Waitlist(hub)
    order = [r.id for r in waitlist.search()]
    assert order == [urgent, first, second, same_day, low]
    assert [waitlist.get(i).position for i in order] == [1, 2, 3, 4, 5]
    waitlist.move(urgent, R.RECHAZADA, note="Fuera de la comuna", actor=UNIDAD, at=T0)
    assert waitlist.get(urgent).position is None and waitlist.get(first).position == 1
    waitlist.set_priority(low, Priority.ALTA, actor=UNIDAD, at=T0)
    assert waitlist.get(low).position == 1
    assert [r.id for r in waitlist.search(WaitlistFilter(status="rechazada"))] == [urgent]
    assert len(waitlist.search(WaitlistFilter(status="todas"))) == 5


def test_a_request_is_scheduled_installed_and_its_history_kept(hub: HubDB) -> None:
    rid = add(hub)
    waitlist, tickets = Waitlist(hub), Tickets(hub)
    waitlist.move(rid, R.EN_EVALUACION, actor=UNIDAD, at=T0 + 1)
    with pytest.raises(
        Invalid, match="Una solicitud «En evaluación» no puede pasar a «Programada»"
    ):
        waitlist.schedule(rid, due_on=TODAY, technician_id=None, actor=UNIDAD, at=T0 + 2)
    waitlist.move(rid, R.APROBADA, note="Cumple requisitos", actor=UNIDAD, at=T0 + 2)
    with pytest.raises(Invalid, match="use «Programar instalación»"):
        waitlist.move(rid, R.PROGRAMADA, actor=UNIDAD, at=T0 + 2)
    juan = Technicians(hub).add("Juan", "+56987654321", actor=UNIDAD, at=T0).id
    ticket = waitlist.schedule(
        rid,
        due_on=date(2027, 2, 1),
        technician_id=juan,
        note="Con la junta",
        actor=UNIDAD,
        at=T0 + 3,
    )
    assert ticket.kind is TicketKind.INSTALACION and ticket.waitlist_request_id == rid
    assert ticket.address == DRAFT.address and ticket.due_on == date(2027, 2, 1)
    assert ticket.status is TicketStatus.ASIGNADO and ticket.technician_name == "Juan"
    assert "18 hogares" in ticket.description and "Con la junta" in ticket.description
    assert waitlist.get(rid).status is R.PROGRAMADA and waitlist.get(rid).position is None
    tickets.move(ticket.id, TicketStatus.EN_CURSO, actor=UNIDAD, at=T0 + 4)
    tickets.move(ticket.id, TicketStatus.RESUELTO, actor=UNIDAD, at=T0 + 4)
    tickets.move(ticket.id, TicketStatus.CERRADO, note="Instalada", actor=UNIDAD, at=T0 + 5)
    assert waitlist.get(rid).status is R.INSTALADA
    history = waitlist.history(rid)
    assert [(c.from_status, c.to_status) for c in history] == [
        (None, "recibida"),
        ("recibida", "en_evaluacion"),
        ("en_evaluacion", "aprobada"),
        ("aprobada", "programada"),
        ("programada", "instalada"),
    ]
    assert (
        f"Ticket de instalación N° {ticket.id} para el 01-02-2027. Con la junta" == history[3].note
    )
    assert history[4].note == f"Ticket de instalación N° {ticket.id} cerrado."
    with pytest.raises(Invalid, match="«Instalada» y ya no cambia de estado"):
        waitlist.move(rid, R.RECHAZADA, note="x", actor=UNIDAD, at=T0 + 6)


def test_cancelling_the_installation_ticket_puts_the_request_back_in_the_queue(
    hub: HubDB,
) -> None:
    rid = add(hub)
    waitlist = Waitlist(hub)
    waitlist.move(rid, R.EN_EVALUACION, actor=UNIDAD, at=T0)
    waitlist.move(rid, R.APROBADA, actor=UNIDAD, at=T0)
    ticket = waitlist.schedule(rid, due_on=TODAY, technician_id=None, actor=UNIDAD, at=T0)
    Tickets(hub).move(ticket.id, TicketStatus.CANCELADO, note="Lluvia", actor=UNIDAD, at=T0 + 1)
    back = waitlist.get(rid)
    assert back.status is R.APROBADA and back.position == 1
    assert "vuelve a la cola" in waitlist.history(rid)[-1].note


def test_rejecting_needs_a_reason(hub: HubDB) -> None:
    rid = add(hub)
    waitlist = Waitlist(hub)
    with pytest.raises(Invalid) as caught:
        waitlist.move(rid, R.RECHAZADA, note=" ", actor=UNIDAD, at=T0)
    assert caught.value.problems == {"note": "Para rechazar la solicitud escriba el motivo."}
    rejected = waitlist.move(rid, R.RECHAZADA, note="Ya tiene alarma", actor=UNIDAD, at=T0)
    assert rejected.rejection_reason == "Ya tiene alarma" and rejected.position is None
    entry = hub.audit.history(rejected.subject)[-1]
    assert entry.action == "waitlist_request.status" and entry.detail["to"] == "rechazada"


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        (
            {},
            {
                "requester_name": "Escriba el nombre",
                "requester_kind": "junta de vecinos",
                "phone": "Escriba un teléfono",
                "address": "Escriba la dirección",
                "barrio": "Indique el barrio.",
                "households": "entre 1 y 500",
            },
        ),
        (
            {
                "requester_name": "Ana",
                "requester_kind": "vecino",
                "phone": "+56 9 8765 4321",
                "address": "Calle 1",
                "barrio_id": "x",
                "households": "0",
                "received_on": "2027-02-01",
            },
            {
                "barrio_id": "el barrio con su número",
                "households": "entre 1 y 500",
                "received_on": "no puede ser futura",
            },
        ),
    ],
)
def test_the_request_form_refuses_mistakes_in_spanish(
    fields: dict[str, str], problems: dict[str, str]
) -> None:
    with pytest.raises(Invalid) as caught:
        read_request_form(fields, today=TODAY, may_set_priority=True)
    assert set(caught.value.problems) == set(problems)
    for name, words in problems.items():
        assert words in caught.value.problems[name]


def test_only_managers_set_a_priority_on_the_form() -> None:
    fields = {
        "requester_name": "Ana",
        "requester_kind": "vecino",
        "phone": "987654321",
        "address": "Calle 1",
        "barrio": "Centro",
        "households": "3",
        "priority": "urgente",
    }
    assert (
        read_request_form(fields, today=TODAY, may_set_priority=True).priority is Priority.URGENTE
    )
    draft = read_request_form(fields, today=TODAY, may_set_priority=False)
    assert draft.priority is Priority.NORMAL and draft.received_on == TODAY


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+56 9 8765 4321", "'+56 9 8765 4321"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Villa Azul", "Villa Azul"),
        (18, 18),
        (None, ""),
    ],
)
def test_csv_cells_never_start_a_formula(value: str | int | None, cell: str | int) -> None:
    assert safe_cell(value) == cell


def test_the_csv_export_is_escaped_and_in_queue_order(hub: HubDB) -> None:
    add(hub, requester_name="=cmd|' /C calc'!A0", notes='dice "hola", y se va\nlínea 2')
    add(hub, requester_name="Ana", priority=Priority.URGENTE)
    text = waitlist_csv(Waitlist(hub).search())
    assert text.startswith("\ufeffPosición,N° solicitud,")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[1][:4] == ["1", "2", "10-01-2027", "Ana"]
    assert rows[2][3] == "'=cmd|' /C calc'!A0"
    assert rows[2][5] == "'+56 9 8765 4321"
    assert rows[2][-1] == 'dice "hola", y se va\nlínea 2'


@pytest.mark.usefixtures("places_unknown")
async def test_a_gestor_adds_and_views_requests_but_changes_no_status(client: Client) -> None:
    gestor = visitor(client, Role.GESTOR)
    form = await gestor.page("/lista-espera/nueva")
    assert 'name="priority"' not in form  # gestores do not set priorities
    bad = await gestor.post("/lista-espera/nueva", requester_name="Ana", phone="+1 202 555 0101")
    html = await bad.text()
    assert bad.status == 400 and "El teléfono debe ser chileno (+56)." in html
    assert 'value="Ana"' in html  # what was typed comes back
    location = await gestor.submit(
        "/lista-espera/nueva",
        requester_name=f"Vecina {SCRIPT}",
        requester_kind="vecino",
        phone="9 8765 4321",
        address="Los Aromos 12",
        barrio="Villa Azul",
        households="4",
        priority="urgente",
    )
    rid = created_id(location)
    page = await gestor.page(location)
    assert "La solicitud quedó en la lista de espera." in page and ESCAPED in page
    assert SCRIPT not in page and "Cambiar estado" not in page and "Programar" not in page
    assert Waitlist(db_of(client)).get(rid).priority is Priority.NORMAL
    listing = await gestor.page("/lista-espera")
    assert ESCAPED in listing and "+56 9 8765 4321" in listing
    export = await gestor.get("/lista-espera.csv")
    assert export.status == 200 and export.content_type == "text/csv"
    assert "attachment" in export.headers["Content-Disposition"]
    for path, fields in [
        (f"/lista-espera/{rid}/estado", {"status": "en_evaluacion"}),
        (f"/lista-espera/{rid}/prioridad", {"priority": "urgente"}),
        (f"/lista-espera/{rid}/programar", {"due_on": "2027-02-01"}),
    ]:
        refused = await gestor.post(path, **fields)
        assert refused.status == 403, path
    for path in ["/tickets", "/tickets/nuevo", "/tecnicos", "/ventanas-mantencion"]:
        assert (await gestor.get(path)).status == 403, path
    assert Waitlist(db_of(client)).get(rid).status is R.RECIBIDA


@pytest.mark.usefixtures("places_unknown")
async def test_the_unidad_schedules_an_installation_through_the_pages(client: Client) -> None:
    unidad = visitor(client, Role.UNIDAD_ALARMAS)
    location = await unidad.submit(
        "/lista-espera/nueva",
        requester_name="Junta Villa Azul",
        requester_kind="junta_vecinos",
        phone="+56 2 2987 6543",
        address="Pasaje 3",
        barrio="Villa Azul",
        households="20",
        priority="alta",
    )
    rid = created_id(location)
    no_reason = await unidad.post(f"/lista-espera/{rid}/estado", status="rechazada")
    assert "Para rechazar la solicitud escriba el motivo." in await no_reason.text()
    await unidad.submit(f"/lista-espera/{rid}/estado", status="en_evaluacion")
    await unidad.submit(f"/lista-espera/{rid}/estado", status="aprobada")
    page = await unidad.page(f"/lista-espera/{rid}")
    assert "Programar instalación" in page and "Posición en la cola" in page
    past = await unidad.post(f"/lista-espera/{rid}/programar", due_on="2027-01-01")
    assert past.status == 400 and "no puede estar en el pasado" in await past.text()
    ticket_page = await unidad.submit(f"/lista-espera/{rid}/programar", due_on="2027-02-01")
    tid = created_id(ticket_page)
    html = await unidad.page(ticket_page)
    assert "La instalación quedó programada y se creó su ticket." in html
    assert f'href="/lista-espera/{rid}"' in html and "Instalación" in html
    detail = await unidad.page(f"/lista-espera/{rid}")
    assert f"Ticket N° {tid}" in detail and "Programada" in detail
    assert "Fuera de la cola" in detail
    everything = await unidad.page("/lista-espera?estado=todas")
    assert f'href="/lista-espera/{rid}"' in everything
    assert f'href="/lista-espera/{rid}"' not in await unidad.page("/lista-espera")
