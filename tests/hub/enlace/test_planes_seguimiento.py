"""Seguimiento: the Decidim-style weighted roll-up from acciones to objetivos to the plan,
rounding half up, empty objetivos, refused weights, atrasadas computed and listed first,
and the plan page's bars and counts."""

from __future__ import annotations

from datetime import date

import pytest

from hub.enlace.planes.model import Accion, Estado
from hub.enlace.planes.seguimiento import (
    Progress,
    WeightError,
    counts_by_situation,
    objetivo_progress,
    overdue_first,
    plan_progress,
    rounded,
    weighted,
)
from tests.hub.enlace.conftest import World
from tests.hub.enlace.seeds.planes import seed

TODAY = date(2027, 6, 15)


def accion(
    avance: int,
    peso: float = 1.0,
    *,
    id: int = 1,
    estado: Estado = Estado.EN_CURSO,
    termino: date = date(2027, 12, 31),
) -> Accion:
    return Accion(
        id=id,
        barrio_id=1,
        plan_id=1,
        objetivo_id=1,
        actividad=f"Acción {id}",
        descripcion="",
        responsables="",
        inicio=date(2027, 1, 1),
        termino=termino,
        recursos="",
        indicador="",
        meta="",
        estado=estado,
        avance=avance,
        peso=peso,
        created_at=0.0,
        created_by="",
        updated_at=0.0,
    )


def test_an_objetivo_is_the_weighted_average_of_its_acciones() -> None:
    assert objetivo_progress([accion(100, 3), accion(0, 1)]) == Progress(75.0, 4.0)
    assert objetivo_progress([accion(50), accion(50)]).percent == 50.0


def test_an_empty_objetivo_has_no_progress_and_does_not_weigh_on_the_plan() -> None:
    empty = objetivo_progress([])
    assert empty == Progress(None, 0.0)
    full = objetivo_progress([accion(80, 2)])
    assert plan_progress([empty, full]) == Progress(80.0, 2.0)
    assert plan_progress([empty]) == Progress(None, 0.0)


def test_the_plan_weighs_each_objetivo_by_the_sum_of_its_acciones_pesos() -> None:
    a = objetivo_progress([accion(100, 1), accion(100, 1), accion(100, 1)])  # 100 %, weight 3
    b = objetivo_progress([accion(0, 1)])  # 0 %, weight 1
    assert plan_progress([a, b]) == Progress(75.0, 4.0)  # not (100 + 0) / 2


@pytest.mark.parametrize("peso", [0.0, -1.0, float("nan")])
def test_zero_or_negative_weights_are_refused(peso: float) -> None:
    with pytest.raises(WeightError, match="mayor que cero"):
        objetivo_progress([accion(50, 1), accion(50, peso)])
    with pytest.raises(WeightError):
        weighted([(None, peso)])


def test_progress_rounds_half_up_to_one_decimal() -> None:
    assert rounded(12.25) == 12.3 and round(12.25, 1) == 12.2
    assert rounded(0.05) == 0.1
    assert objetivo_progress([accion(33), accion(34), accion(34)]).percent == 33.7
    assert objetivo_progress([accion(1), accion(2), accion(2), accion(2)]).percent == 1.8  # 1.75


def test_atrasada_is_past_termino_and_still_open() -> None:
    late = accion(10, id=1, termino=date(2027, 6, 14))
    due_today = accion(10, id=2, termino=TODAY)
    done_late = accion(100, id=3, estado=Estado.REALIZADA, termino=date(2027, 1, 31))
    stopped = accion(0, id=4, estado=Estado.SUSPENDIDA, termino=date(2027, 1, 31))
    pending_late = accion(0, id=5, estado=Estado.PENDIENTE, termino=date(2027, 2, 1))
    assert late.atrasada(TODAY) and pending_late.atrasada(TODAY)
    assert not due_today.atrasada(TODAY) and not done_late.atrasada(TODAY)
    assert not stopped.atrasada(TODAY)
    everything = [due_today, done_late, late, stopped, pending_late]
    assert [a.id for a in overdue_first(everything, TODAY)] == [5, 1, 3, 4, 2]
    assert counts_by_situation(everything, TODAY) == {
        "pendiente": 0,
        "en_curso": 1,
        "realizada": 1,
        "suspendida": 1,
        "atrasada": 2,
    }


async def test_the_plan_page_shows_the_bars_counts_and_atrasadas_first(world: World) -> None:
    seed(world)
    world.clock.advance(200 * 86400)  # 2027-08-03: the seeded acción (ends 31-03) is late
    page = await (await world.get(world.gestor_norte, "/barrios/1/plan")).text()
    assert 'aria-label="Avance del plan"' in page and 'value="40.0"' in page
    assert "40,0 %" in page
    assert '<li class="situacion-atrasada"><span class="count">1</span> Atrasada</li>' in page
    assert "1 atrasada primero" in page
    assert 'class="badge situacion-atrasada">Atrasada<' in page
