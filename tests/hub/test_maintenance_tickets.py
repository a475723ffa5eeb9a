"""Tickets de mantención: the lifecycle with its status history, transitions refused in
Spanish, notes required to close, cancel and reopen, reassigning, editing, técnicos, the
form opened from an alarm (``?alarma=&controlador=``) and the form's refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from hub.errors import Invalid
from hub.maintenance.technicians import Technicians, read_technician_form
from hub.maintenance.tickets import (
    Priority,
    TicketDraft,
    TicketFilter,
    TicketKind,
    Tickets,
    TicketStatus,
    read_ticket_form,
)
from hub.roles import Role
from hub.storage import HubDB
from tests.hub.conftest import T0, Client, FakeClock, db_of
from tests.hub.test_maintenance_support import (
    DAY,
    ESCAPED,
    SCRIPT,
    UNIDAD,
    created_id,
    places_unknown,
    visitor,
)

__all__ = ["places_unknown"]
TODAY = date(2027, 1, 15)
S = TicketStatus


@pytest.fixture
def hub() -> Iterator[HubDB]:
    with HubDB.memory() as db:
        yield db


@pytest.fixture
def tickets(hub: HubDB, monkeypatch: pytest.MonkeyPatch) -> Tickets:
    monkeypatch.setattr("hub.maintenance.lookup.exists", lambda db, table, record_id: None)
    return Tickets(hub)


def technician(hub: HubDB, name: str = "Juan Pérez") -> int:
    return Technicians(hub).add(name, "+56987654321", actor=UNIDAD, at=T0).id


def repair(tickets: Tickets, **changes: object) -> int:
    draft = TicketDraft(
        kind=TicketKind.REPARACION,
        priority=Priority.ALTA,
        description="La sirena no suena",
        controller_id=7,
        **changes,  # type: ignore[arg-type]
    )
    return tickets.open(draft, actor=UNIDAD, at=T0).id


def test_a_ticket_goes_from_open_to_closed_with_its_history(hub: HubDB, tickets: Tickets) -> None:
    juan = technician(hub)
    tid = repair(tickets)
    assert tickets.get(tid).status is S.ABIERTO
    tickets.move(tid, S.ASIGNADO, technician_id=juan, actor=UNIDAD, at=T0 + 60)
    tickets.move(tid, S.EN_CURSO, actor=UNIDAD, at=T0 + 120)
    tickets.move(tid, S.RESUELTO, note="Cambio de parlante", actor=UNIDAD, at=T0 + 180)
    closed = tickets.move(tid, S.CERRADO, note="Probado con el vecino", actor=UNIDAD, at=T0 + 240)
    assert closed.status is S.CERRADO and closed.closing_note == "Probado con el vecino"
    assert closed.closed_at == T0 + 240 and closed.technician_name == "Juan Pérez"
    history = tickets.history(tid)
    assert [(c.from_status, c.to_status) for c in history] == [
        (None, "abierto"),
        ("abierto", "asignado"),
        ("asignado", "en_curso"),
        ("en_curso", "resuelto"),
        ("resuelto", "cerrado"),
    ]
    assert [c.at for c in history] == [T0, T0 + 60, T0 + 120, T0 + 180, T0 + 240]
    assert {c.actor for c in history} == {UNIDAD.label}
    audit = [entry.action for entry in hub.audit.history(closed.subject)]
    assert audit == ["ticket.create"] + ["ticket.status"] * 4


@pytest.mark.parametrize(
    ("path", "to", "message"),
    [
        (
            [],
            S.EN_CURSO,
            "Un ticket «Abierto» no puede pasar a «En curso». Desde «Abierto» "
            "puede pasar a: «Asignado», «Cancelado».",
        ),
        ([], S.RESUELTO, "no puede pasar a «Resuelto»"),
        ([], S.ABIERTO, "El ticket ya está «Abierto»."),
        ([S.ASIGNADO], S.CERRADO, "Un ticket «Asignado» no puede pasar a «Cerrado»"),
        (
            [S.ASIGNADO, S.EN_CURSO, S.RESUELTO, S.CERRADO],
            S.EN_CURSO,
            "El ticket está «Cerrado» y ya no cambia de estado.",
        ),
        ([S.CANCELADO], S.ABIERTO, "El ticket está «Cancelado» y ya no cambia de estado."),
    ],
)
def test_transitions_not_allowed_are_refused_in_spanish(
    hub: HubDB, tickets: Tickets, path: list[TicketStatus], to: TicketStatus, message: str
) -> None:
    tid = repair(tickets, technician_id=None)
    juan = technician(hub)
    for step in path:
        tickets.move(tid, step, technician_id=juan, note="nota", actor=UNIDAD, at=T0)
    before = tickets.history(tid)
    with pytest.raises(Invalid) as caught:
        tickets.move(tid, to, technician_id=juan, note="nota", actor=UNIDAD, at=T0)
    assert message in caught.value.problems["status"]
    assert tickets.history(tid) == before  # nothing written


@pytest.mark.parametrize(
    ("path", "to", "field", "message"),
    [
        ([], S.ASIGNADO, "technician_id", "Para asignar el ticket elija un técnico."),
        ([], S.CANCELADO, "note", "Para cancelar el ticket escriba el motivo."),
        (
            [S.ASIGNADO, S.EN_CURSO, S.RESUELTO],
            S.CERRADO,
            "note",
            "Para cerrar el ticket escriba la nota de cierre.",
        ),
        (
            [S.ASIGNADO, S.EN_CURSO, S.RESUELTO],
            S.EN_CURSO,
            "note",
            "Para reabrir el ticket explique qué falta.",
        ),
    ],
)
def test_moves_that_need_a_técnico_or_a_note_say_so(
    hub: HubDB,
    tickets: Tickets,
    path: list[TicketStatus],
    to: TicketStatus,
    field: str,
    message: str,
) -> None:
    tid = repair(tickets)
    juan = technician(hub)
    for step in path:
        tickets.move(tid, step, technician_id=juan, actor=UNIDAD, at=T0)
    with pytest.raises(Invalid) as caught:
        tickets.move(tid, to, note="  ", actor=UNIDAD, at=T0)
    assert caught.value.problems == {field: message}


def test_an_inactive_técnico_cannot_take_a_ticket(hub: HubDB, tickets: Tickets) -> None:
    juan = technician(hub)
    Technicians(hub).set_active(juan, False, actor=UNIDAD, at=T0)
    tid = repair(tickets)
    with pytest.raises(Invalid, match="no existe o no está activo"):
        tickets.move(tid, S.ASIGNADO, technician_id=juan, actor=UNIDAD, at=T0)
    with pytest.raises(Invalid, match="no existe o no está activo"):
        repair(tickets, technician_id=999)


def test_reassigning_releasing_and_editing(hub: HubDB, tickets: Tickets) -> None:
    juan, ana = technician(hub), technician(hub, "Ana Díaz")
    tid = repair(tickets, technician_id=juan)
    assert tickets.get(tid).status is S.ASIGNADO  # a técnico at creation assigns it
    moved = tickets.assign(tid, ana, note="Juan está con licencia", actor=UNIDAD, at=T0 + 1)
    assert moved.technician_name == "Ana Díaz" and moved.status is S.ASIGNADO
    assert tickets.history(tid)[-1].note == "Reasignado a Ana Díaz: Juan está con licencia"
    with pytest.raises(Invalid, match="ya está asignado a Ana Díaz"):
        tickets.assign(tid, ana, actor=UNIDAD, at=T0 + 2)
    released = tickets.move(tid, S.ABIERTO, actor=UNIDAD, at=T0 + 3)
    assert released.technician_id is None
    edited = tickets.edit(
        tid,
        {
            "priority": "urgente",
            "due_on": date(2027, 1, 20),
            "description": "Sin sirena",
            "barrio": "Villa Azul",
            "address": "Pasaje 3 #120",
        },
        actor=UNIDAD,
        at=T0 + 4,
    )
    assert edited.priority is Priority.URGENTE and edited.due_on == date(2027, 1, 20)
    last = hub.audit.history(edited.subject)[-1]
    assert last.action == "ticket.edit" and last.detail["priority"] == "urgente"
    tickets.move(tid, S.CANCELADO, note="Duplicado", actor=UNIDAD, at=T0 + 5)
    with pytest.raises(Invalid, match="«Cancelado» ya no se edita"):
        tickets.edit(tid, {"priority": "baja"}, actor=UNIDAD, at=T0 + 6)


def test_the_list_filters_and_orders(hub: HubDB, tickets: Tickets) -> None:
    juan = technician(hub)
    low = tickets.open(
        TicketDraft(
            TicketKind.INSTALACION,
            Priority.BAJA,
            "Instalar",
            address="Los Aromos 12",
            barrio="Villa 100% Azul",
        ),
        actor=UNIDAD,
        at=T0,
    ).id
    urgent = repair(tickets, technician_id=juan)
    urgent_ticket = tickets.get(urgent)
    assert urgent_ticket.priority is Priority.ALTA
    done = repair(tickets)
    tickets.move(done, S.CANCELADO, note="No era", actor=UNIDAD, at=T0)
    assert [t.id for t in tickets.search()] == [urgent, low]
    assert [t.id for t in tickets.search(TicketFilter(status="todos"))] == [urgent, low, done]
    assert [t.id for t in tickets.search(TicketFilter(technician_id=juan))] == [urgent]
    assert [t.id for t in tickets.search(TicketFilter(kind=TicketKind.INSTALACION))] == [low]
    assert [t.id for t in tickets.search(TicketFilter(barrio="100%"))] == [low]
    assert tickets.search(TicketFilter(barrio="1_0")) == []  # LIKE wildcards are literal
    query = {"estado": "nada", "tipo": "x", "tecnico": "-1", "prioridad": "alta"}
    assert TicketFilter.from_query(query) == TicketFilter(priority=Priority.ALTA)
    assert tickets.get(low).overdue(TODAY) is False


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        ({}, {"kind": "Elija el tipo", "description": "Describa el trabajo."}),
        ({"kind": "reparacion", "description": "x"}, {"controller_id": "Indique el controlador"}),
        ({"kind": "instalacion", "description": "x"}, {"address": "dirección de la instalación"}),
        (
            {
                "kind": "mantencion",
                "description": "x",
                "controller_id": "7",
                "priority": "máxima",
                "due_on": "2027-01-01",
                "alarm_id": "uno",
            },
            {
                "priority": "baja, normal, alta o urgente",
                "due_on": "no puede estar en el pasado",
                "alarm_id": "la alarma con su número",
            },
        ),
        (
            {
                "kind": "mantencion",
                "description": "x" * 4001,
                "controller_id": "7",
                "due_on": "15/01/2027",
            },
            {"description": "como máximo 4000", "due_on": "AAAA-MM-DD"},
        ),
    ],
)
def test_the_ticket_form_refuses_mistakes_in_spanish(
    fields: dict[str, str], problems: dict[str, str]
) -> None:
    with pytest.raises(Invalid) as caught:
        read_ticket_form(fields, today=TODAY)
    assert set(caught.value.problems) == set(problems)
    for name, words in problems.items():
        assert words in caught.value.problems[name]


def test_técnicos_need_a_name_and_a_chilean_phone() -> None:
    assert read_technician_form({"name": " Ana ", "phone": "9 8765 4321"}) == (
        "Ana",
        "+56987654321",
    )
    with pytest.raises(Invalid) as caught:
        read_technician_form({"name": "", "phone": "+1 202 555 0101"})
    assert caught.value.problems["name"] == "Escriba el nombre del técnico."
    assert "El teléfono debe ser chileno" in caught.value.problems["phone"]


@pytest.mark.usefixtures("places_unknown")
async def test_a_ticket_opened_from_an_alarm_through_the_pages(client: Client) -> None:
    unidad = visitor(client, Role.UNIDAD_ALARMAS)
    form = await unidad.page("/tickets/nuevo?alarma=12&controlador=7")
    assert "Ticket abierto desde la" in form and "alarma N° 12" in form
    assert 'name="alarm_id" value="12"' in form
    assert 'value="7"' in form and 'value="reparacion" selected' in form
    assert "Revisar el controlador tras la alarma N° 12." in form
    ignored = await unidad.page("/tickets/nuevo?alarma=%3Cscript%3E&controlador=-1")
    assert "<script>" not in ignored and 'name="alarm_id"' not in ignored
    location = await unidad.submit(
        "/tickets/nuevo",
        kind="reparacion",
        priority="alta",
        controller_id="7",
        alarm_id="12",
        description=f"Sirena muda {SCRIPT}",
    )
    tid = created_id(location)
    page = await unidad.page(location)
    assert "El ticket fue creado." in page and "la alarma N° 12" in page
    assert ESCAPED in page and SCRIPT not in page
    ticket = Tickets(db_of(client)).get(tid)
    assert ticket.alarm_id == 12 and ticket.controller_id == 7
    assert [t.id for t in Tickets(db_of(client)).for_alarm(12)] == [tid]


@pytest.mark.usefixtures("places_unknown")
async def test_the_unidad_works_a_ticket_through_the_pages(client: Client) -> None:
    unidad = visitor(client, Role.UNIDAD_ALARMAS)
    await unidad.submit("/tecnicos", name="Juan Pérez", phone="+56 9 8765 4321")
    bad = await unidad.post("/tecnicos", name="", phone="123")
    assert bad.status == 400 and "Escriba el nombre del técnico." in await bad.text()
    juan = Technicians(db_of(client)).all()[0]
    location = await unidad.submit(
        "/tickets/nuevo", kind="instalacion", address="Los Aromos 12", description="Instalar"
    )
    tid = created_id(location)
    wrong = await unidad.post(f"/tickets/{tid}/estado", status="en_curso")
    html = await wrong.text()
    assert wrong.status == 400 and "Un ticket «Abierto» no puede pasar a «En curso»" in html
    no_one = await unidad.post(f"/tickets/{tid}/estado", status="asignado")
    assert (
        no_one.status == 400 and "Para asignar el ticket elija un técnico." in await no_one.text()
    )
    await unidad.submit(f"/tickets/{tid}/estado", status="asignado", technician_id=juan.id)
    await unidad.submit(f"/tickets/{tid}/estado", status="en_curso")
    await unidad.submit(f"/tickets/{tid}/estado", status="resuelto", note="Listo")
    no_note = await unidad.post(f"/tickets/{tid}/estado", status="cerrado", note=" ")
    assert "Para cerrar el ticket escriba la nota de cierre." in await no_note.text()
    await unidad.submit(f"/tickets/{tid}/estado", status="cerrado", note="Probado: <b>ok</b>")
    page = await unidad.page(f"/tickets/{tid}")
    assert "Historial de estados" in page and page.count("<td>unidad-alarmas-") == 5
    assert "Probado: &lt;b&gt;ok&lt;/b&gt;" in page and "Cambiar estado" not in page
    assert "Juan Pérez" in page and 'href="tel:+56987654321"' in page
    listing = await unidad.page("/tickets?estado=todos")
    assert f'href="/tickets/{tid}"' in listing
    assert f'href="/tickets/{tid}"' not in await unidad.page("/tickets")  # closed: not active
    tech_page = await unidad.page(f"/tecnicos/{juan.id}")
    assert "Técnico registrado" in tech_page


@pytest.mark.usefixtures("places_unknown")
async def test_editing_a_ticket_keeps_a_past_due_date(client: Client, clock: FakeClock) -> None:
    unidad = visitor(client, Role.ADMIN)
    location = await unidad.submit(
        "/tickets/nuevo",
        kind="mantencion",
        controller_id="3",
        description="Revisión anual",
        due_on="2027-01-16",
    )
    tid = created_id(location)
    clock.advance(3 * DAY)
    unidad.sign_in_again()
    page = await unidad.page(f"/tickets/{tid}")
    assert "Vencido" in page
    await unidad.submit(
        f"/tickets/{tid}/datos", priority="urgente", due_on="2027-01-16", description="Revisión"
    )
    moved = await unidad.post(
        f"/tickets/{tid}/datos", priority="urgente", due_on="2027-01-17", description="Revisión"
    )
    assert moved.status == 400 and "no puede estar en el pasado" in await moved.text()
    assert Tickets(db_of(client)).get(tid).priority is Priority.URGENTE
