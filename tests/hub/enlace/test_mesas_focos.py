"""Mesas de Seguridad Focalizadas, the seed's rule: each gestor focuses at most two sectores
barriales at a time — a third active mesa is refused with the Spanish message (also when an
admin opens it for the gestor, also when two requests race), closing one frees a foco."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date
from pathlib import Path

import pytest

from hub.enlace.diagnostico.problematicas import Problematicas
from hub.enlace.mesas.mesas import Mesas
from hub.enlace.mesas.model import EstadoMesa, MesaDraft
from hub.errors import Invalid
from hub.roles import Role
from hub.storage import HubDB
from hub.territory.territorios import Territorios
from tests.hub.conftest import CLI, T0, add_user
from tests.hub.enlace.conftest import MARKER, World

RULE = (
    "Cada gestor focaliza como máximo dos sectores barriales; cierre una mesa antes de abrir otra."
)


def draft(sector: str, objetivo: str = "Abordar el microtráfico en la plaza") -> MesaDraft:
    return MesaDraft(sector, objetivo, date(2027, 1, 4), ())


def count(world: World, table: str) -> int:
    return int(world.hub.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def audit_count(world: World) -> int:
    return count(world, "audit_log")


def open_two(world: World) -> Mesas:
    mesas = Mesas(world.hub)
    who = world.gestor_norte
    for sector in ("Plaza Central", "Pasaje Los Olmos"):
        mesas.open(world.norte.id, who.id, draft(sector), actor=who.actor, at=T0)
    return mesas


def test_a_third_active_mesa_is_refused_with_the_gestors_mesas(world: World) -> None:
    mesas = open_two(world)
    who = world.gestor_norte
    with pytest.raises(Invalid) as refused:
        mesas.open(world.norte.id, who.id, draft("Villa entera"), actor=who.actor, at=T0)
    message = str(refused.value)
    assert message.startswith(RULE)
    assert "Sus mesas activas:" in message
    assert f"Villa {MARKER} · Plaza Central" in message and "Pasaje Los Olmos" in message
    assert count(world, "mesas") == 2


def test_closing_a_mesa_frees_its_foco(world: World) -> None:
    mesas = open_two(world)
    who = world.gestor_norte
    closed = mesas.close(1, date(2027, 6, 30), "Plaza recuperada", actor=who.actor, at=T0 + 10)
    assert closed.estado is EstadoMesa.CERRADA and closed.cierre_fecha == date(2027, 6, 30)
    third = mesas.open(world.norte.id, who.id, draft("Villa entera"), actor=who.actor, at=T0)
    assert third.activa and len(mesas.active_of(who.id)) == 2
    with pytest.raises(Invalid, match="ya está cerrada"):
        mesas.close(1, date(2027, 7, 1), "otra vez", actor=who.actor, at=T0 + 20)


def test_the_database_refuses_a_third_even_behind_the_repositorys_back(world: World) -> None:
    open_two(world)
    with pytest.raises(sqlite3.IntegrityError, match="at most two"):
        world.hub.db.execute(
            "INSERT INTO mesas (barrio_id, gestor_id, objetivo, inicio, created_at, created_by, "
            "updated_at) VALUES (1, ?, 'x', '2027-01-01', 0, 'x', 0)",
            [world.gestor_norte.id],
        )
    world.hub.db.execute(
        "INSERT INTO mesas (barrio_id, gestor_id, objetivo, inicio, estado, created_at, "
        "created_by, updated_at) VALUES (1, ?, 'x', '2027-01-01', 'cerrada', 0, 'x', 0)",
        [world.gestor_norte.id],
    )
    with pytest.raises(sqlite3.IntegrityError, match="at most two"):
        world.hub.db.execute("UPDATE mesas SET estado = 'activa' WHERE id = 3")


def test_two_requests_at_once_never_make_a_third(world: World, tmp_path: Path) -> None:
    """Two connections to the same file, each opening one more mesa for a gestor who has
    one: whatever the interleaving, at most two end up active."""
    who = world.gestor_norte
    Mesas(world.hub).open(world.norte.id, who.id, draft("Primera"), actor=who.actor, at=T0)
    path = world.hub.db.execute("PRAGMA database_list").fetchone()[2]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(sector: str) -> None:
        with HubDB.open(path) as hub:
            start.wait()
            try:
                Mesas(hub).open(1, who.id, draft(sector), actor=who.actor, at=T0)
                outcomes.append("abierta")
            except Invalid as exc:
                outcomes.append(str(exc))
            except sqlite3.OperationalError:
                outcomes.append("ocupada")

    threads = [threading.Thread(target=attempt, args=(name,)) for name in ("Segunda", "Tercera")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("abierta") == 1, outcomes
    (refused,) = [one for one in outcomes if one != "abierta"]
    assert refused.startswith(RULE), outcomes  # the loser waited for the lock, then was told
    assert len(Mesas(world.hub).active_of(who.id)) == 2


def test_the_gestor_must_work_the_barrios_territorio(world: World) -> None:
    with pytest.raises(Invalid, match="gestor o gestora del territorio"):
        Mesas(world.hub).open(world.norte.id, world.gestor_sur.id, draft("Plaza"), actor=CLI, at=T0)


async def test_a_gestor_opens_a_mesa_from_the_barrios_page(world: World) -> None:
    hub = world.hub
    robos = Problematicas(hub).add(1, "Robos en la plaza", actor=CLI, at=T0)
    Problematicas(hub).add(1, "Consumo en el pasaje", actor=CLI, at=T0)
    page = await world.get(world.gestor_norte, "/barrios/1/mesas")
    body = await page.text()
    assert page.status == 200 and "Abrir una mesa" in body and "Robos en la plaza" in body
    assert "Usted focaliza 0 de 2 sectores barriales" in body
    form = {
        "sector": "Plaza Central",
        "objetivo": "Recuperar la plaza con la junta de vecinos",
        "inicio": "2027-01-04",
        "problematica_id": str(robos.id),
    }
    response = await world.post(world.gestor_norte, "/barrios/1/mesas", form)
    assert response.status == 303 and response.headers["Location"] == "/mesas/1?aviso=mesa-abierta"
    shown = await (await world.get(world.gestor_norte, "/mesas/1?aviso=mesa-abierta")).text()
    assert "La mesa fue abierta." in shown and "Nora Norte" in shown
    assert "Robos en la plaza" in shown and "04-01-2027" in shown
    assert "Abrió la mesa" in shown and "Historial" in shown
    listed = await (await world.get(world.gestor_norte, "/mesas")).text()
    assert "Plaza Central" in listed and "1 de 2" in listed
    assert [p for p, _ in Mesas(hub).problematicas(1)] == [robos.id]


async def test_the_third_is_refused_on_the_page_and_nothing_is_written(world: World) -> None:
    open_two(world)
    before = audit_count(world)
    form = {"sector": "Otra", "objetivo": "Otra más", "inicio": "2027-02-01"}
    response = await world.post(world.gestor_norte, "/barrios/1/mesas", form)
    body = await response.text()
    assert response.status == 400
    assert RULE in body and "Sus mesas activas:" in body and "Plaza Central" in body
    assert 'value="Otra"' in body  # the fields are kept
    assert count(world, "mesas") == 2 and audit_count(world) == before


async def test_an_admin_cannot_exceed_the_rule_for_a_gestor(world: World) -> None:
    open_two(world)
    form = {
        "gestor_id": str(world.gestor_norte.id),
        "sector": "Tercera",
        "objetivo": "Una tercera",
        "inicio": "2027-02-01",
    }
    response = await world.post(world.admin, "/barrios/1/mesas", form)
    body = await response.text()
    assert response.status == 400 and RULE in body and "Mesas activas de Nora Norte:" in body
    assert count(world, "mesas") == 2
    Mesas(world.hub).close(2, date(2027, 3, 1), "Cerrada", actor=CLI, at=T0)
    response = await world.post(world.admin, "/barrios/1/mesas", form)
    assert response.status == 303
    assert Mesas(world.hub).get(3).gestor == "Nora Norte"
    assert Mesas(world.hub).get(3).created_by == "admin@maipu.cl"


@pytest.mark.parametrize(
    ("who", "form", "field", "message"),
    [
        ("gestor", {"objetivo": "", "inicio": "2027-01-04"}, "objetivo", "Escriba el objetivo"),
        ("gestor", {"objetivo": "x", "inicio": "04/01/2027"}, "inicio", "AAAA-MM-DD"),
        ("gestor", {"objetivo": "x", "inicio": ""}, "inicio", "fecha de inicio"),
        (
            "gestor",
            {"objetivo": "x", "inicio": "2027-01-04", "problematica_id": "99"},
            "problematicas",
            "problemáticas del diagnóstico de este barrio",
        ),
        ("gestor", {"objetivo": "x", "inicio": "2027-01-04", "sector": "s" * 121}, "sector", "120"),
        ("admin", {"objetivo": "x", "inicio": "2027-01-04"}, "gestor_id", "Indique el gestor"),
        (
            "admin",
            {"objetivo": "x", "inicio": "2027-01-04", "gestor_id": "3"},
            "gestor_id",
            "gestor o gestora del territorio",
        ),
    ],
)
async def test_bad_mesa_forms_are_refused_in_spanish(
    world: World, who: str, form: dict[str, str], field: str, message: str
) -> None:
    person = world.gestor_norte if who == "gestor" else world.admin
    before = audit_count(world)
    response = await world.post(person, "/barrios/1/mesas", form)
    body = await response.text()
    assert response.status == 400, body
    assert message in body and f'id="error-{field}"' in body
    assert count(world, "mesas") == 0 and audit_count(world) == before


async def test_a_problematica_of_another_barrio_is_refused(world: World) -> None:
    other = Problematicas(world.hub).add(2, "Robos en Sur", actor=CLI, at=T0)
    form = {"objetivo": "x", "inicio": "2027-01-04", "problematica_id": str(other.id)}
    response = await world.post(world.admin, "/barrios/1/mesas", {**form, "gestor_id": "2"})
    assert response.status == 400 and count(world, "mesas") == 0


async def test_editing_and_closing_a_mesa_keeps_its_history(world: World) -> None:
    open_two(world)
    edit = {"sector": "Plaza Central y multicancha", "objetivo": "Nuevo", "inicio": "2027-01-10"}
    response = await world.post(world.gestor_norte, "/mesas/1/editar", edit)
    assert response.status == 303
    bad = await world.post(world.gestor_norte, "/mesas/1/cerrar", {"cierre_fecha": "2027-02-01"})
    assert bad.status == 400 and "nota de cierre" in await bad.text()
    early = {"cierre_fecha": "2026-12-01", "cierre_nota": "x"}
    bad = await world.post(world.gestor_norte, "/mesas/1/cerrar", early)
    assert bad.status == 400 and "anterior al inicio" in await bad.text()
    close = {"cierre_fecha": "2027-06-30", "cierre_nota": "Plaza recuperada"}
    response = await world.post(world.gestor_norte, "/mesas/1/cerrar", close)
    assert response.status == 303
    body = await (await world.get(world.mediacion, "/mesas/1")).text()
    assert "Editó la mesa" in body and "Cerró la mesa" in body
    assert "«Plaza Central» → «Plaza Central y multicancha»" in body
    assert "Plaza recuperada" in body and "30-06-2027" in body
    assert "Cerrar mesa" not in body  # mediación reads only, and it is closed


async def test_mediacion_reads_but_cannot_open_a_mesa(world: World) -> None:
    assert (await world.get(world.mediacion, "/mesas")).status == 200
    assert (await world.get(world.mediacion, "/barrios/1/mesas")).status == 200
    form = {"objetivo": "x", "inicio": "2027-01-04"}
    assert (await world.post(world.mediacion, "/barrios/1/mesas", form)).status == 403
    assert count(world, "mesas") == 0


async def test_the_list_shows_each_gestors_focos_in_scope(world: World) -> None:
    open_two(world)
    admin = await (await world.get(world.admin, "/mesas")).text()
    assert "Nora Norte" in admin and "Sergio Sur" in admin and "2 de 2" in admin
    sur = await (await world.get(world.gestor_sur, "/mesas")).text()
    assert "Sergio Sur" in sur and "Nora Norte" not in sur and MARKER not in sur


def test_migrations_apply_on_an_empty_database() -> None:
    with HubDB.memory() as hub:
        tables = set(hub.db.table_names())
        assert {"mesas", "mesa_problematicas", "mesa_sesiones", "mesa_acuerdos"} <= tables
        assert "mesa_seguimientos" in tables
        columns = {c.name for c in hub.db["mesa_sesiones"].columns}
        assert {"id", "barrio_id", "mesa_id"} <= columns


async def test_bad_edits_are_refused_and_nothing_changes(world: World) -> None:
    open_two(world)
    before = audit_count(world)
    cases = [
        ({"objetivo": "", "inicio": "2027-01-04"}, "Escriba el objetivo"),
        ({"objetivo": "x", "inicio": "2027-13-01"}, "AAAA-MM-DD"),
    ]
    for form, message in cases:
        response = await world.post(world.gestor_norte, "/mesas/1/editar", form)
        assert response.status == 400 and message in await response.text()
    assert Mesas(world.hub).get(1).objetivo == "Abordar el microtráfico en la plaza"
    assert audit_count(world) == before


async def test_an_admin_cannot_hand_a_mesa_to_a_gestor_with_two(world: World) -> None:
    open_two(world)
    otra = Mesas(world.hub)
    colega = add_user(world.client, Role.GESTOR, email="colega@maipu.cl", name="Clara Colega")
    Territorios(world.hub).assign_gestor(1, colega.id, actor=CLI, at=T0)
    mesa = otra.open(world.norte.id, colega.id, draft("Cancha"), actor=CLI, at=T0)
    form = {
        "gestor_id": str(world.gestor_norte.id),
        "sector": "Cancha",
        "objetivo": "Abordar el microtráfico en la plaza",
        "inicio": "2027-01-04",
    }
    response = await world.post(world.admin, f"/mesas/{mesa.id}/editar", form)
    body = await response.text()
    assert response.status == 400 and RULE in body and "Mesas activas de Nora Norte" in body
    assert otra.get(mesa.id).gestor_id == colega.id
    otra.close(mesa.id, date(2027, 2, 1), "Se cierra", actor=CLI, at=T0)
    response = await world.post(world.admin, f"/mesas/{mesa.id}/editar", form)
    assert response.status == 303 and otra.get(mesa.id).gestor_id == world.gestor_norte.id
