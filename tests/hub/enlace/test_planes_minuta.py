"""Minuta de planificación: which acciones and hitos fall in the period (an acción spanning
it counts, one ending before does not, the edges count), the default month, bad periods
refused in Spanish, the printable page, and the CSV parsed back with the same rows; the
plan's CSV and the /planes list."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from hub.enlace.planes.acciones import Acciones
from hub.enlace.planes.minuta import HEADER, Periodo, read_periodo
from hub.enlace.planes.model import AccionDraft, Estado, HitoDraft, ObjetivoDraft
from hub.enlace.planes.plans import Planes
from hub.errors import Invalid
from tests.hub.conftest import CLI, T0
from tests.hub.enlace.conftest import MARKER, World
from tests.hub.enlace.seeds.planes import seed

MAY = "desde=2027-05-01&hasta=2027-05-31"


def add(world: World, actividad: str, inicio: date, termino: date) -> int:
    draft = AccionDraft(
        actividad,
        "",
        "Oficina de Seguridad",
        inicio,
        termino,
        "",
        "Reuniones",
        "4",
        Estado.EN_CURSO,
        25,
        1.0,
    )
    return Acciones(world.hub).add_accion(1, draft, actor=CLI, at=T0).id


def parse(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def scenario(world: World) -> None:
    seed(world)
    add(world, "Abarca todo el año", date(2027, 1, 1), date(2027, 12, 31))
    add(world, "Termina antes de mayo", date(2027, 2, 1), date(2027, 4, 30))
    add(world, "Empieza después de mayo", date(2027, 6, 1), date(2027, 6, 30))
    add(world, "Termina el 1 de mayo", date(2027, 4, 1), date(2027, 5, 1))
    add(world, "Empieza el 31 de mayo", date(2027, 5, 31), date(2027, 7, 1))
    planes = Planes(world.hub)
    planes.add_hito(1, HitoDraft("Hito de mayo", date(2027, 5, 15)), actor=CLI, at=T0)
    planes.add_hito(1, HitoDraft("Hito de junio", date(2027, 6, 1)), actor=CLI, at=T0)


def test_the_period_defaults_to_the_month_and_refuses_bad_dates() -> None:
    today = date(2027, 2, 14)
    assert read_periodo({}, today) == Periodo(date(2027, 2, 1), date(2027, 2, 28))
    assert read_periodo({"desde": "2027-03-01", "hasta": "2027-03-10"}, today) == Periodo(
        date(2027, 3, 1), date(2027, 3, 10)
    )


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"desde": "2027-03-10", "hasta": "2027-03-01"}, "hasta", "no puede ser anterior"),
        ({"desde": "10-03-2027"}, "desde", "AAAA-MM-DD"),
        ({"desde": "2027-01-01", "hasta": "2030-01-01"}, "hasta", "dos años"),
    ],
)
def test_a_bad_period_is_refused(query: dict[str, str], field: str, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        read_periodo(query, date(2027, 2, 14))
    assert message in caught.value.problems[field]


async def test_the_minuta_lists_what_overlaps_the_period(world: World) -> None:
    scenario(world)
    page = await world.get(world.gestor_norte, f"/barrios/1/plan/minuta?{MAY}")
    text = await page.text()
    assert page.status == 200
    for wanted in (
        "Abarca todo el año",
        "Termina el 1 de mayo",
        "Empieza el 31 de mayo",
        "Hito de mayo",
    ):
        assert wanted in text, wanted
    for unwanted in ("Termina antes de mayo", "Empieza después de mayo", "Hito de junio"):
        assert unwanted not in text, unwanted
    assert "01-05-2027 al 31-05-2027" in text and 'class="print-header"' in text


async def test_the_default_minuta_is_this_month(world: World) -> None:
    scenario(world)  # the clock is at 15-01-2027
    text = await (await world.get(world.gestor_norte, "/barrios/1/plan/minuta")).text()
    assert "01-01-2027 al 31-01-2027" in text
    assert f"Operativo de luminarias {MARKER}" in text and "Abarca todo el año" in text
    assert "Hito de mayo" not in text and "Termina antes de mayo" not in text


async def test_a_bad_period_is_refused_in_spanish(world: World) -> None:
    seed(world)
    page = await world.get(
        world.gestor_norte, "/barrios/1/plan/minuta?desde=2027-05-31&hasta=2027-05-01"
    )
    text = await page.text()
    assert page.status == 400
    assert "La fecha «hasta» no puede ser anterior a la fecha «desde»." in text
    assert 'value="2027-05-31"' in text  # the field is kept
    file = await world.get(
        world.gestor_norte, "/barrios/1/plan/minuta.csv?desde=2027-05-31&hasta=2027-05-01"
    )
    assert file.status == 400 and "no puede ser anterior" in await file.text()


async def test_the_minuta_csv_has_the_same_rows(world: World) -> None:
    scenario(world)
    response = await world.get(world.gestor_norte, f"/barrios/1/plan/minuta.csv?{MAY}")
    assert response.status == 200 and response.content_type == "text/csv"
    rows = parse(await response.read())
    assert rows[0] == list(HEADER)
    assert [row[2] for row in rows[1:]] == [
        "Abarca todo el año",
        "Termina el 1 de mayo",
        "Hito de mayo",
        "Empieza el 31 de mayo",
    ]
    spanning = rows[1]
    assert spanning == [
        "Acción",
        f"Recuperar la plaza {MARKER}",
        "Abarca todo el año",
        "Oficina de Seguridad",
        "2027-01-01",
        "2027-12-31",
        "En curso",
        "25",
        "Reuniones",
        "4",
    ]
    assert rows[3][:2] == ["Hito", ""] and rows[3][6] == "Pendiente"


async def test_the_print_css_hides_the_navigation_and_sets_a4_landscape(world: World) -> None:
    seed(world)
    css = await world.get(world.gestor_norte, "/static/planes.css")
    text = await css.text()
    printing = text[text.index("@media print") :]
    assert "size: A4 landscape" in printing and ".site-nav" in printing
    assert ".print-header { display: block" in printing


async def test_the_plan_csv_lists_objetivos_and_acciones(world: World) -> None:
    seed(world)
    Acciones(world.hub).add_objetivo(
        1,
        ObjetivoDraft("=Objetivo sin acciones", "", None),
        actor=CLI,
        at=T0,
    )
    response = await world.get(world.gestor_norte, "/barrios/1/plan.csv")
    rows = parse(await response.read())
    assert rows[0][:5] == [
        "Objetivo N°",
        "Objetivo específico",
        "Problemática",
        "Avance del objetivo (%)",
        "Acción N°",
    ]
    assert rows[1][1] == f"Recuperar la plaza {MARKER}" and rows[1][3] == "40,0"
    assert rows[1][5] == f"Operativo de luminarias {MARKER}" and rows[1][8:10] == [
        "2027-01-05",
        "2027-03-31",
    ]
    assert rows[1][13:] == ["En curso", "40", "1,0"]
    assert rows[2][1] == "'=Objetivo sin acciones" and rows[2][4:] == [""] * 12


async def test_the_planes_list_shows_progress_and_overdue_by_scope(world: World) -> None:
    seed(world)
    world.clock.advance(100 * 86400)  # past the seeded acción's término
    norte = await (await world.get(world.gestor_norte, "/planes")).text()
    assert f"Plan {MARKER} 2027" in norte and "Plan Sur 2027" not in norte
    assert "40,0 %" in norte and 'class="fila-atrasada"' in norte
    admin = await (await world.get(world.admin, "/planes")).text()
    assert f"Plan {MARKER} 2027" in admin and "Plan Sur 2027" in admin
    sur = await (await world.get(world.gestor_sur, "/planes")).text()
    assert MARKER not in sur and "Plan Sur 2027" in sur
