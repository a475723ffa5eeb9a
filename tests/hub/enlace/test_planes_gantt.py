"""The carta Gantt: every bar's x and width match its acción's dates on the SVG's own
scale (both days included), a one-day acción is visible, the axis extends to an acción
outside the plan's periodo, month ticks in Spanish, hitos as diamonds, the "hoy" line,
colours by situation, escaped text, and the page and SVG over HTTP."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from hub.enlace.planes.gantt import COLOURS, Scale, gantt_svg, month_label, months
from hub.enlace.planes.model import Accion, Estado, Hito, Objetivo, Plan
from tests.hub.enlace.conftest import World
from tests.hub.enlace.seeds.planes import seed
from tests.hub.enlace.test_planes_seguimiento import accion

SVG = "{http://www.w3.org/2000/svg}"
TODAY = date(2027, 6, 15)
PLAN = Plan(
    id=1,
    barrio_id=1,
    titulo='Plan <Villa> "Norte" & Sur',
    inicio=date(2027, 1, 1),
    termino=date(2027, 12, 31),
    objetivo_general="",
    gestor_id=None,
    gestor="",
    validacion="",
    validacion_fecha=None,
    mesa_sesion_id=None,
    estado="vigente",
    cerrado_at=None,
    created_at=0.0,
    created_by="",
    updated_at=0.0,
)
OBJETIVO = Objetivo(1, 1, 1, "Recuperar <la> plaza", "", None, "", 0.0, "", 0.0)
ACCIONES = [
    replace(accion(40, id=1), inicio=date(2027, 1, 5), termino=date(2027, 3, 31)),
    replace(
        accion(100, id=2, estado=Estado.REALIZADA),
        inicio=date(2027, 2, 1),
        termino=date(2027, 2, 1),
    ),
    replace(
        accion(0, id=3, estado=Estado.PENDIENTE), inicio=date(2027, 7, 1), termino=date(2027, 9, 30)
    ),
    replace(
        accion(50, id=4, estado=Estado.SUSPENDIDA),
        inicio=date(2027, 5, 1),
        termino=date(2027, 6, 1),
    ),
]
HITOS = [Hito(1, 1, 1, "Plaza <iluminada>", date(2027, 4, 1), True, 0.0, "", 0.0)]


def draw(
    acciones: Sequence[Accion] = ACCIONES,
    plan: Plan = PLAN,
    hitos: Sequence[Hito] = HITOS,
    today: date = TODAY,
) -> ET.Element:
    return ET.fromstring(gantt_svg(plan, [(OBJETIVO, acciones)], hitos, today=today))


def scale_of(root: ET.Element) -> Scale:
    return Scale(
        date.fromisoformat(root.attrib["data-desde"]),
        date.fromisoformat(root.attrib["data-hasta"]),
        float(root.attrib["data-x"]),
        float(root.attrib["data-ancho"]),
    )


def bars(root: ET.Element) -> dict[int, tuple[float, float, float, str]]:
    """acción id → (x, width, progress width, situación)."""
    found = {}
    for group in root.iter(f"{SVG}g"):
        if "data-accion" not in group.attrib:
            continue
        bar = group.find(f"{SVG}rect[@class='barra']")
        filled = group.find(f"{SVG}rect[@class='avance']")
        assert bar is not None and filled is not None
        found[int(group.attrib["data-accion"])] = (
            float(bar.attrib["x"]),
            float(bar.attrib["width"]),
            float(filled.attrib["width"]),
            group.attrib["data-situacion"],
        )
    return found


def test_each_bar_runs_from_its_start_to_its_end_day_included() -> None:
    root = draw()
    scale = scale_of(root)
    assert (scale.start, scale.end) == (date(2027, 1, 1), date(2027, 12, 31))
    day = scale.width / 365
    drawn = bars(root)
    assert set(drawn) == {1, 2, 3, 4}
    for item in ACCIONES:
        x, width, filled, _ = drawn[item.id]
        expected_x = scale.left + (item.inicio - scale.start).days * day
        expected_width = ((item.termino - item.inicio).days + 1) * day
        assert abs(x - expected_x) < 0.01, item.id
        assert abs(width - expected_width) < 0.01, item.id
        assert abs(filled - expected_width * item.avance / 100) < 0.01, item.id
    # the first acción: 5 January is the 5th day, 86 days long
    assert abs(drawn[1][0] - (scale.left + 4 * day)) < 0.01
    assert abs(drawn[1][1] - 86 * day) < 0.01


def test_a_one_day_accion_is_one_day_wide() -> None:
    _, width, filled, situacion = bars(draw())[2]
    scale = scale_of(draw())
    assert width > 0 and abs(width - scale.width / scale.days) < 0.01
    assert filled == width and situacion == "realizada"


def test_an_accion_outside_the_periodo_extends_the_axis_to_whole_months() -> None:
    late = replace(accion(0, id=9), inicio=date(2027, 11, 20), termino=date(2028, 2, 10))
    early = replace(accion(0, id=8), inicio=date(2026, 12, 30), termino=date(2027, 1, 3))
    root = draw([*ACCIONES, late, early])
    scale = scale_of(root)
    assert (scale.start, scale.end) == (date(2026, 12, 1), date(2028, 2, 29))
    x, width, _, _ = bars(root)[9]
    assert abs(x + width - (scale.left + scale.width)) > 0.01  # ends on 10-02, not clipped
    assert abs(x + width - scale.x(date(2028, 2, 11))) < 0.01
    assert abs(bars(root)[8][0] - scale.x(date(2026, 12, 30))) < 0.01
    shaded = [r for r in root.iter(f"{SVG}rect") if r.attrib.get("class") == "fuera-del-periodo"]
    assert len(shaded) == 2


def test_months_are_labelled_in_spanish() -> None:
    root = draw()
    texts = [t.text for t in root.iter(f"{SVG}text")]
    for label in (
        "ene 2027",
        "feb",
        "mar",
        "abr",
        "may",
        "jun",
        "jul",
        "ago",
        "sep",
        "oct",
        "nov",
        "dic",
    ):
        assert label in texts
    scale = scale_of(root)
    ticks = [
        float(e.attrib["x1"]) for e in root.iter(f"{SVG}line") if e.attrib.get("class") == "mes"
    ]
    assert ticks == [round(scale.x(m), 2) for m in months(scale)]
    assert month_label(date(2028, 1, 1), False) == "ene 2028"


def test_hitos_are_diamonds_and_today_is_a_line() -> None:
    root = draw()
    scale = scale_of(root)
    diamond = root.find(f".//{SVG}g[@class='hito']/{SVG}polygon")
    assert diamond is not None
    points = [tuple(map(float, p.split(","))) for p in diamond.attrib["points"].split()]
    centre = scale.x(date(2027, 4, 1)) + scale.day / 2
    assert len(points) == 4 and abs(points[0][0] - centre) < 0.01
    hoy = root.find(f".//{SVG}line[@class='hoy']")
    assert hoy is not None
    assert abs(float(hoy.attrib["x1"]) - (scale.x(TODAY) + scale.day / 2)) < 0.01
    assert draw(today=date(2030, 1, 1)).find(f".//{SVG}line[@class='hoy']") is None


def test_colours_follow_the_situation() -> None:
    root = draw()
    drawn = bars(root)
    assert drawn[1][3] == "atrasada" and drawn[3][3] == "pendiente" and drawn[4][3] == "suspendida"
    group = root.find(f".//{SVG}g[@data-accion='1']")
    assert group is not None
    fills = [r.attrib["fill"] for r in group.iter(f"{SVG}rect")]
    assert fills == list(COLOURS["atrasada"])


def test_text_is_escaped() -> None:
    text = gantt_svg(PLAN, [(OBJETIVO, ACCIONES)], HITOS, today=TODAY)
    assert "<Villa>" not in text and "&lt;Villa&gt;" in text and "&lt;la&gt; plaza" in text
    root = ET.fromstring(text)
    title = root.find(f"{SVG}title")
    assert (
        title is not None and title.text is not None and 'Plan <Villa> "Norte" & Sur' in title.text
    )


def test_a_plan_without_acciones_still_draws() -> None:
    root = ET.fromstring(gantt_svg(PLAN, [], [], today=TODAY))
    assert bars(root) == {}
    assert "El plan aún no tiene acciones." in [t.text for t in root.iter(f"{SVG}text")]


async def test_the_gantt_page_and_svg_over_http(world: World) -> None:
    seed(world)
    svg = await world.get(world.gestor_norte, "/barrios/1/plan/gantt.svg")
    assert svg.status == 200 and svg.content_type == "image/svg+xml"
    root = ET.fromstring(await svg.read())
    scale = scale_of(root)
    x, width, filled, _ = bars(root)[1]
    assert abs(x - scale.x(date(2027, 1, 5))) < 0.01
    assert abs(width - 86 * scale.day) < 0.01 and abs(filled - width * 0.4) < 0.01
    link = root.find(f".//{SVG}a")
    assert link is not None and link.attrib["href"] == "/acciones/1"
    page = await world.get(world.gestor_norte, "/barrios/1/plan/gantt")
    text = await page.text()
    assert page.status == 200 and "<svg" in text and 'data-accion="1"' in text
    assert "planes.css" in text and "Descargar SVG" in text
    assert "style=" not in text


async def test_a_barrio_without_plan_has_no_gantt(world: World) -> None:
    response = await world.get(world.gestor_norte, "/barrios/1/plan/gantt.svg")
    assert response.status == 404
