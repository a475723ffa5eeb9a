"""Sesiones and acuerdos of a mesa: the agenda with its total and running clock, the
attendance, the acta; acuerdos with responsable and fecha comprometida followed up across
sessions (who, when, in which session), overdue ones highlighted; every bad form refused in
Spanish with nothing written."""

from __future__ import annotations

from datetime import date

import pytest

from hub.enlace.mesas.acuerdos import Acuerdos
from hub.enlace.mesas.mesas import Mesas
from hub.enlace.mesas.model import EstadoAcuerdo, MesaDraft
from hub.enlace.mesas.sesiones import Sesiones
from tests.hub.conftest import T0
from tests.hub.enlace.conftest import World

SESION = {
    "fecha": "2027-01-11",
    "hora": "19:00",
    "lugar": "Sede Junta de Vecinos",
    "agenda": "Bienvenida | 10\nDiagnóstico de la plaza | 45\nAcuerdos | 20",
    "vecinos": "14",
    "vecinos_nombres": "Rosa Díaz\nPedro Soto",
    "organizaciones": "Junta de Vecinos Villa Norte | María Pérez\nClub Deportivo | Juan Muñoz",
    "instituciones": "Carabineros 25ª Comisaría | Sargento Rojas",
    "acta": "Se revisó el estado de la plaza.\nSe acordó pedir luminarias.",
}
ACUERDO = {
    "descripcion": "Solicitar a Alumbrado Público la reparación de luminarias",
    "responsable": "Junta de Vecinos Villa Norte",
    "fecha_comprometida": "2027-02-01",
}


def count(world: World, table: str) -> int:
    return int(world.hub.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def open_mesa(world: World) -> int:
    who = world.gestor_norte
    mesa = Mesas(world.hub).open(
        world.norte.id,
        who.id,
        MesaDraft("Plaza", "Recuperar la plaza", date(2027, 1, 4), ()),
        actor=who.actor,
        at=T0,
    )
    return mesa.id


async def new_sesion(world: World, **changes: str) -> int:
    response = await world.post(world.gestor_norte, "/mesas/1/sesiones", {**SESION, **changes})
    assert response.status == 303, await response.text()
    return int(response.headers["Location"].split("/")[2].split("?")[0])


async def new_acuerdo(world: World, sesion_id: int, **changes: str) -> int:
    response = await world.post(
        world.gestor_norte, f"/sesiones/{sesion_id}/acuerdos", {**ACUERDO, **changes}
    )
    assert response.status == 303, await response.text()
    return count(world, "mesa_acuerdos")


async def test_a_session_shows_agenda_clock_attendance_and_acta(world: World) -> None:
    open_mesa(world)
    sesion_id = await new_sesion(world)
    page = await world.get(world.mediacion, f"/sesiones/{sesion_id}?aviso=sesion-registrada")
    body = await page.text()
    assert page.status == 200 and "La sesión fue registrada." in body
    assert "Sesión N° 1 del 11-01-2027" in body and "Sede Junta de Vecinos" in body
    for clock in ("19:00–19:10", "19:10–19:55", "19:55–20:15", "19:00–20:15"):
        assert clock in body, clock
    assert "75 minutos" in body
    assert "Rosa Díaz, Pedro Soto" in body and "María Pérez" in body
    assert "Sargento Rojas" in body and "Se acordó pedir luminarias." in body
    assert "Registró la sesión" in body  # history
    sesion = Sesiones(world.hub).get(sesion_id)
    assert sesion.vecinos == 14 and sesion.asistentes == 14 + 2 + 1
    mesa_page = await (await world.get(world.gestor_norte, "/mesas/1")).text()
    assert "Sesión N° 1 del 11-01-2027" in mesa_page and "75 min" in mesa_page


async def test_the_count_of_vecinos_defaults_to_the_names(world: World) -> None:
    open_mesa(world)
    sesion_id = await new_sesion(world, vecinos="")
    assert Sesiones(world.hub).get(sesion_id).vecinos == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"agenda": "Bienvenida | 0"}, "agenda", "número entero positivo de minutos"),
        ({"agenda": "Bienvenida | diez"}, "agenda", "número entero positivo de minutos"),
        ({"agenda": "Bienvenida | 10\nCierre | -5"}, "agenda", "Línea 2 de la agenda"),
        ({"agenda": "Bienvenida | 1,5"}, "agenda", "número entero positivo de minutos"),
        ({"agenda": "Bienvenida 10"}, "agenda", "«Tema | minutos»"),
        ({"fecha": "11-01-2027"}, "fecha", "AAAA-MM-DD"),
        ({"fecha": "2027-02-30"}, "fecha", "AAAA-MM-DD"),
        ({"fecha": ""}, "fecha", "Indique la fecha de la sesión"),
        ({"fecha": "2026-12-01"}, "fecha", "anterior al inicio de la mesa"),
        ({"hora": "7 pm"}, "hora", "HH:MM"),
        ({"hora": "25:00"}, "hora", "HH:MM"),
        ({"lugar": " "}, "lugar", "Indique el lugar"),
        ({"vecinos": "-3"}, "vecinos", "número entero"),
        ({"vecinos": "1"}, "vecinos", "Anotó 2 nombres"),
        ({"organizaciones": "Junta de Vecinos"}, "organizaciones", "«Nombre | Representante»"),
        ({"instituciones": "| Sargento Rojas"}, "instituciones", "Línea 1 de instituciones"),
    ],
)
async def test_bad_sessions_are_refused_in_spanish(
    world: World, changes: dict[str, str], field: str, message: str
) -> None:
    open_mesa(world)
    audit = count(world, "audit_log")
    response = await world.post(world.gestor_norte, "/mesas/1/sesiones", {**SESION, **changes})
    body = await response.text()
    assert response.status == 400
    assert message in body and f'id="error-{field}"' in body
    assert "Pedro Soto" in body  # the fields are kept
    assert count(world, "mesa_sesiones") == 0 and count(world, "audit_log") == audit


async def test_a_closed_mesa_takes_no_new_sessions(world: World) -> None:
    open_mesa(world)
    closed = {"cierre_fecha": "2027-01-10", "cierre_nota": "Sin quórum"}
    assert (await world.post(world.gestor_norte, "/mesas/1/cerrar", closed)).status == 303
    response = await world.post(world.gestor_norte, "/mesas/1/sesiones", SESION)
    assert response.status == 400 and "La mesa está cerrada" in await response.text()
    assert count(world, "mesa_sesiones") == 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"descripcion": ""}, "descripcion", "Describa el acuerdo"),
        ({"responsable": ""}, "responsable", "Indique quién es responsable"),
        ({"fecha_comprometida": ""}, "fecha_comprometida", "Indique la fecha comprometida"),
        ({"fecha_comprometida": "1/2/2027"}, "fecha_comprometida", "AAAA-MM-DD"),
        ({"fecha_comprometida": "2027-01-01"}, "fecha_comprometida", "anterior a la sesión"),
    ],
)
async def test_bad_acuerdos_are_refused_in_spanish(
    world: World, changes: dict[str, str], field: str, message: str
) -> None:
    open_mesa(world)
    sesion_id = await new_sesion(world)
    audit = count(world, "audit_log")
    response = await world.post(
        world.gestor_norte, f"/sesiones/{sesion_id}/acuerdos", {**ACUERDO, **changes}
    )
    body = await response.text()
    assert response.status == 400
    assert message in body and f'id="error-{field}"' in body
    assert count(world, "mesa_acuerdos") == 0 and count(world, "audit_log") == audit


async def test_acuerdos_are_followed_up_across_sessions(world: World) -> None:
    open_mesa(world)
    first = await new_sesion(world)
    acuerdo_id = await new_acuerdo(world, first)
    second = await new_sesion(world, fecha="2027-02-08")
    page = await (await world.get(world.gestor_norte, f"/sesiones/{second}")).text()
    assert "Seguimiento de acuerdos de sesiones anteriores" in page
    assert "Solicitar a Alumbrado Público" in page and 'for="estado-1"' in page
    follow = {"acuerdo_id": str(acuerdo_id), "estado": "en_curso", "nota": "Oficio enviado"}
    response = await world.post(world.gestor_norte, f"/sesiones/{second}/seguimiento", follow)
    assert response.status == 303
    third = await new_sesion(world, fecha="2027-03-08")
    page = await (await world.get(world.gestor_norte, f"/sesiones/{third}")).text()
    assert "Solicitar a Alumbrado Público" in page  # still en curso: still followed up
    world.clock.advance(3600)
    done = {"acuerdo_id": str(acuerdo_id), "estado": "cumplido", "nota": "Luminarias repuestas"}
    response = await world.post(world.admin, f"/sesiones/{third}/seguimiento", done)
    assert response.status == 303
    fourth = await new_sesion(world, fecha="2027-04-05")
    page = await (await world.get(world.gestor_norte, f"/sesiones/{fourth}")).text()
    assert "No hay acuerdos pendientes ni en curso" in page
    seguimientos = Acuerdos(world.hub).seguimientos(acuerdo_id)
    assert [(s.sesion_id, s.estado, s.author) for s in seguimientos] == [
        (second, EstadoAcuerdo.EN_CURSO, "norte@maipu.cl"),
        (third, EstadoAcuerdo.CUMPLIDO, "admin@maipu.cl"),
    ]
    assert seguimientos[1].at == T0 + 3600
    shown = await (await world.get(world.mediacion, f"/acuerdos/{acuerdo_id}")).text()
    assert "Sesión N° 2 del 08-02-2027" in shown and "Sesión N° 3 del 08-03-2027" in shown
    assert "Pendiente → En curso" in shown and "En curso → Cumplido" in shown
    assert "Oficio enviado" in shown and "admin@maipu.cl" in shown
    assert "Registró un seguimiento" in shown  # the audit history too
    third_page = await (await world.get(world.gestor_norte, f"/sesiones/{third}")).text()
    assert "Seguimiento registrado en esta sesión" in third_page
    assert "Luminarias repuestas" in third_page


async def test_a_follow_up_needs_a_later_session_and_a_change(world: World) -> None:
    open_mesa(world)
    first = await new_sesion(world)
    acuerdo_id = await new_acuerdo(world, first)
    audit = count(world, "audit_log")
    same = {"acuerdo_id": str(acuerdo_id), "estado": "cumplido"}
    response = await world.post(world.gestor_norte, f"/sesiones/{first}/seguimiento", same)
    assert response.status == 400 and "sesión anterior" in await response.text()
    second = await new_sesion(world, fecha="2027-02-08")
    audit = count(world, "audit_log")
    cases = [
        ({"acuerdo_id": str(acuerdo_id), "estado": "terminado"}, "Elija el estado del acuerdo"),
        ({"acuerdo_id": str(acuerdo_id), "estado": "pendiente"}, "Elija un estado distinto"),
        ({"acuerdo_id": "x", "estado": "cumplido"}, "Indique el acuerdo con su número"),
        ({"acuerdo_id": "99", "estado": "cumplido"}, "Elija un acuerdo pendiente"),
    ]
    for form, message in cases:
        response = await world.post(world.gestor_norte, f"/sesiones/{second}/seguimiento", form)
        assert response.status == 400, form
        assert message in await response.text(), form
    assert count(world, "mesa_seguimientos") == 0 and count(world, "audit_log") == audit
    assert Acuerdos(world.hub).get(acuerdo_id).estado is EstadoAcuerdo.PENDIENTE


async def test_a_follow_up_between_sessions_and_an_edit(world: World) -> None:
    open_mesa(world)
    first = await new_sesion(world)
    acuerdo_id = await new_acuerdo(world, first)
    bad = await world.post(world.gestor_norte, f"/acuerdos/{acuerdo_id}/seguimiento", {})
    assert bad.status == 400 and "Elija el estado del acuerdo" in await bad.text()
    form = {"estado": "no_cumplido", "nota": "Alumbrado no respondió"}
    response = await world.post(world.gestor_norte, f"/acuerdos/{acuerdo_id}/seguimiento", form)
    assert response.status == 303
    (seg,) = Acuerdos(world.hub).seguimientos(acuerdo_id)
    assert seg.sesion_id is None and seg.estado is EstadoAcuerdo.NO_CUMPLIDO
    edit = {**ACUERDO, "responsable": "Gestora territorial"}
    response = await world.post(world.gestor_norte, f"/acuerdos/{acuerdo_id}/editar", edit)
    assert response.status == 303
    bad = await world.post(
        world.gestor_norte, f"/acuerdos/{acuerdo_id}/editar", {**edit, "responsable": ""}
    )
    assert bad.status == 400 and "Indique quién es responsable" in await bad.text()
    shown = await (await world.get(world.gestor_norte, f"/acuerdos/{acuerdo_id}")).text()
    assert "Entre sesiones" in shown and "Alumbrado no respondió" in shown
    assert "«Junta de Vecinos Villa Norte» → «Gestora territorial»" in shown


async def test_overdue_acuerdos_are_highlighted(world: World) -> None:
    open_mesa(world)
    first = await new_sesion(world)
    await new_acuerdo(world, first, fecha_comprometida="2027-01-12")  # today is 15-01-2027
    await new_acuerdo(world, first, descripcion="Limpiar el sitio eriazo")
    mesa_page = await (await world.get(world.gestor_norte, "/mesas/1")).text()
    assert mesa_page.count("Vencido") == 1 and 'class="vencido"' in mesa_page
    second = await new_sesion(world, fecha="2027-01-14")
    page = await (await world.get(world.gestor_norte, f"/sesiones/{second}")).text()
    assert page.count('<span class="badge vencido">Vencido</span>') == 1
    overdue = Acuerdos(world.hub).overdue(1, date(2027, 1, 15))
    assert [a.fecha_comprometida for a in overdue] == [date(2027, 1, 12)]


async def test_editing_a_session_keeps_its_history(world: World) -> None:
    open_mesa(world)
    sesion_id = await new_sesion(world)
    edit = {**SESION, "lugar": "Multicancha", "agenda": "Bienvenida | 15"}
    response = await world.post(world.gestor_norte, f"/sesiones/{sesion_id}/editar", edit)
    assert response.status == 303
    bad = await world.post(
        world.gestor_norte, f"/sesiones/{sesion_id}/editar", {**edit, "agenda": "Cierre | 0"}
    )
    assert bad.status == 400 and "número entero positivo de minutos" in await bad.text()
    body = await (await world.get(world.gestor_norte, f"/sesiones/{sesion_id}")).text()
    assert "Editó la sesión" in body and "«Sede Junta de Vecinos» → «Multicancha»" in body
    assert "19:00–19:15" in body and "15 minutos" in body


async def test_mediacion_reads_sessions_but_cannot_write(world: World) -> None:
    open_mesa(world)
    sesion_id = await new_sesion(world)
    await new_acuerdo(world, sesion_id)
    assert (await world.get(world.mediacion, f"/sesiones/{sesion_id}")).status == 200
    for path, form in (
        ("/mesas/1/sesiones", SESION),
        (f"/sesiones/{sesion_id}/acuerdos", ACUERDO),
        ("/acuerdos/1/seguimiento", {"estado": "cumplido"}),
    ):
        assert (await world.post(world.mediacion, path, form)).status == 403, path
    assert count(world, "mesa_sesiones") == 1 and count(world, "mesa_seguimientos") == 0


async def test_the_barrios_sessions_newest_first_for_the_plan(world: World) -> None:
    open_mesa(world)
    first = await new_sesion(world)
    second = await new_sesion(world, fecha="2027-02-08")
    found = Sesiones(world.hub).of_barrio(world.norte.id)
    assert [(s.id, s.numero, sector) for s, sector in found] == [
        (second, 2, "Plaza"),
        (first, 1, "Plaza"),
    ]
    assert Sesiones(world.hub).of_barrio(world.sur.id) == []
