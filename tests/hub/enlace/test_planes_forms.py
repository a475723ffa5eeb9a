"""Every plan de acción form refuses bad input with its Spanish message, keeps what was
typed, answers 400 and writes nothing; plus the repository's own guards and the
migrations on an in-memory database."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from hub.enlace.planes.model import PlanDraft
from hub.enlace.planes.plans import Planes
from hub.errors import Invalid
from hub.storage import HubDB
from tests.hub.conftest import CLI, T0
from tests.hub.enlace.conftest import World
from tests.hub.enlace.seeds.planes import seed

TABLES = ("planes", "plan_objetivos", "plan_acciones", "plan_avances", "plan_hitos", "audit_log")
PLAN = {
    "titulo": "Plan 2027",
    "inicio": "2027-01-01",
    "termino": "2027-12-31",
    "objetivo_general": "Mejorar la convivencia",
}
ACCION = {
    "actividad": "Charla de autocuidado",
    "responsables": "Carabineros",
    "inicio": "2027-03-01",
    "termino": "2027-03-31",
    "estado": "pendiente",
    "avance": "0",
    "peso": "1",
}


def snapshot(world: World) -> dict[str, int]:
    db = world.hub.db
    return {t: int(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t in TABLES}


async def refused(world: World, path: str, data: dict[str, str], field: str, message: str) -> None:
    before = snapshot(world)
    response = await world.post(world.gestor_norte, path, data)
    text = await response.text()
    assert response.status == 400, (path, data, response.status)
    assert message in text, (field, message)
    if field:
        assert f'id="error-{field}"' in text, field
        assert 'aria-invalid="true"' in text
    assert snapshot(world) == before, (path, data)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"titulo": ""}, "titulo", "Escriba el título del plan."),
        ({"inicio": ""}, "inicio", "Indique la fecha de inicio del plan."),
        ({"termino": "2026-12-31"}, "termino", "La fecha de término no puede ser anterior"),
        ({"termino": "31-12-2027"}, "termino", "Escriba la fecha como AAAA-MM-DD."),
        ({"objetivo_general": " "}, "objetivo_general", "Escriba el objetivo general del plan."),
        ({"gestor_id": "999"}, "gestor_id", "Elija un gestor territorial de este barrio."),
        ({"validacion_fecha": "2027-01-10"}, "validacion", "Indique qué mesa o reunión validó"),
        ({"validacion": "Asamblea"}, "validacion_fecha", "Indique la fecha en que la comunidad"),
        ({"mesa_sesion_id": "uno"}, "mesa_sesion_id", "Indique la sesión de la mesa con su número"),
    ],
)
async def test_the_new_plan_form_refuses(
    world: World, change: dict[str, str], field: str, message: str
) -> None:
    await refused(world, "/barrios/1/plan", {**PLAN, **change}, field, message)


async def test_the_new_plan_form_keeps_the_fields(world: World) -> None:
    response = await world.post(
        world.gestor_norte, "/barrios/1/plan", {**PLAN, "termino": "2026-01-01"}
    )
    text = await response.text()
    assert 'value="Plan 2027"' in text and "Mejorar la convivencia</textarea>" in text


async def test_a_second_vigente_plan_is_refused(world: World) -> None:
    seed(world)
    await refused(
        world, "/barrios/1/plan", PLAN, "", "El barrio ya tiene un plan vigente: ciérrelo"
    )


async def test_the_plan_edit_form_refuses(world: World) -> None:
    seed(world)
    await refused(
        world,
        "/planes/1",
        {**PLAN, "inicio": "2027-06-01", "termino": "2027-05-01"},
        "termino",
        "La fecha de término no puede ser anterior",
    )


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"objetivo_titulo": ""}, "objetivo_titulo", "Escriba el objetivo específico."),
        ({"problematica_id": "2"}, "problematica_id", "Elija una problemática del diagnóstico"),
        ({"problematica_id": "x"}, "problematica_id", "Indique la problemática con su número"),
    ],
)
async def test_the_objetivo_forms_refuse(
    world: World, change: dict[str, str], field: str, message: str
) -> None:
    seed(world)  # problemática 2 is Sur's
    data = {"objetivo_titulo": "Prevenir robos", **change}
    await refused(world, "/planes/1/objetivos", data, field, message)
    await refused(world, "/objetivos/1", data, field, message)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"actividad": ""}, "actividad", "Escriba la actividad o gestión."),
        ({"responsables": ""}, "responsables", "Indique los responsables"),
        ({"inicio": ""}, "inicio", "Indique la fecha de inicio de la acción."),
        ({"termino": "2027-02-28"}, "termino", "La fecha de término no puede ser anterior"),
        ({"inicio": "2026-12-31"}, "inicio", "La acción debe empezar dentro del periodo del plan"),
        ({"termino": "2028-01-01"}, "termino", "La acción debe terminar dentro del periodo"),
        ({"peso": "0"}, "peso", "Indique el peso como un número mayor que 0"),
        ({"peso": "-2"}, "peso", "Indique el peso como un número mayor que 0"),
        ({"peso": "mucho"}, "peso", "Indique el peso como un número mayor que 0"),
        ({"descripcion": "x" * 4001}, "descripcion", "Es demasiado largo"),
    ],
)
async def test_the_accion_forms_refuse(
    world: World, change: dict[str, str], field: str, message: str
) -> None:
    seed(world)
    data = {**ACCION, **change}
    await refused(world, "/objetivos/1/acciones", data, field, message)
    await refused(world, "/acciones/1", data, field, message)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"avance": "101"}, "avance", "Indique el avance como un número entero entre 0 y 100."),
        ({"avance": "-1"}, "avance", "Indique el avance como un número entero entre 0 y 100."),
        ({"avance": "50,5"}, "avance", "Indique el avance como un número entero entre 0 y 100."),
        ({"estado": "terminada"}, "estado", "Elija el estado: pendiente, en curso"),
    ],
)
async def test_the_new_accion_form_refuses_progress(
    world: World, change: dict[str, str], field: str, message: str
) -> None:
    seed(world)
    await refused(world, "/objetivos/1/acciones", {**ACCION, **change}, field, message)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"avance": "", "estado": "en_curso"}, "avance", "Indique el avance como un número"),
        ({"avance": "150", "estado": "en_curso"}, "avance", "entre 0 y 100"),
        ({"avance": "-5", "estado": "en_curso"}, "avance", "entre 0 y 100"),
        ({"avance": "50", "estado": ""}, "estado", "Elija el estado"),
        ({"avance": "50", "estado": "en_curso", "nota": "x" * 4001}, "nota", "Es demasiado largo"),
    ],
)
async def test_the_progress_form_refuses(
    world: World, data: dict[str, str], field: str, message: str
) -> None:
    seed(world)
    await refused(world, "/acciones/1/avance", data, field, message)


async def test_realizada_means_one_hundred_percent(world: World) -> None:
    seed(world)
    response = await world.post(
        world.gestor_norte, "/acciones/1/avance", {"avance": "70", "estado": "realizada"}
    )
    assert response.status == 303
    row = world.hub.db.execute("SELECT avance, estado FROM plan_acciones WHERE id = 1").fetchone()
    assert tuple(row) == (100, "realizada")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"hito_titulo": "", "hito_fecha": "2027-05-01"}, "hito_titulo", "Escriba el hito."),
        ({"hito_titulo": "Cierre", "hito_fecha": ""}, "hito_fecha", "Indique la fecha del hito."),
        (
            {"hito_titulo": "Cierre", "hito_fecha": "2028-02-01"},
            "hito_fecha",
            "El hito debe caer dentro del periodo del plan (01-01-2027 al 31-12-2027).",
        ),
    ],
)
async def test_the_hito_form_refuses(
    world: World, data: dict[str, str], field: str, message: str
) -> None:
    seed(world)
    await refused(world, "/planes/1/hitos", data, field, message)


def test_migrations_apply_on_memory_and_the_database_guards_its_rules() -> None:
    with HubDB.memory() as hub:
        tables = set(hub.db.table_names())
        assert {"planes", "plan_objetivos", "plan_acciones", "plan_avances", "plan_hitos"} <= tables
        hub.db.execute("INSERT INTO barrios (name, created_at) VALUES ('Villa', 0)")
        draft = PlanDraft(
            "Plan", date(2027, 1, 1), date(2027, 12, 31), "Objetivo", None, "", None, None
        )
        plan = Planes(hub).create(1, draft, actor=CLI, at=T0)
        with pytest.raises(Invalid, match="ya tiene un plan vigente"):
            Planes(hub).create(1, draft, actor=CLI, at=T0)
        with pytest.raises(sqlite3.IntegrityError):  # one vigente per barrio, even behind our back
            hub.db.execute(
                "INSERT INTO planes (barrio_id, titulo, inicio, termino, created_at, created_by, "
                "updated_at) VALUES (1, 'Otro', '2027-01-01', '2027-02-01', 0, 'x', 0)"
            )
        with pytest.raises(sqlite3.IntegrityError):  # término before inicio
            hub.db.execute("UPDATE planes SET termino = '2026-01-01' WHERE id = ?", [plan.id])
        Planes(hub).close(plan.id, actor=CLI, at=T0 + 1)
        with pytest.raises(Invalid, match="ya está cerrado"):
            Planes(hub).close(plan.id, actor=CLI, at=T0 + 2)
        assert Planes(hub).create(1, draft, actor=CLI, at=T0 + 3).id == plan.id + 1
