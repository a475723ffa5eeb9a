"""A gestora territorial's work on one barrio, in Debian's Chromium (issue 5): she creates
the barrio, records its diagnóstico and a marcha exploratoria, writes a plan de acción with
three acciones, sees the carta Gantt and prints the minuta de planificación.

Only what a gestora cannot do herself is set up through the repositories: her account and
the territorio the administration made and assigned to her. Everything else is done in the
browser as she would: labels and roles, the maps drawn by clicking (``hub/static/dibujo.js``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Locator, Page, expect

from hub.roles import Role
from hub.territory.barrios import profile
from hub.territory.territorios import Territorios
from tests.browser.conftest import LOOP, SANTIAGO, SETUP, LiveHub, Visit, log_in

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)

EMAIL = "gestora.norte@maipu.cl"
TERRITORIO = "Territorio Norte"
BARRIO = "Villa Los Héroes"
PROBLEMATICA = "Robos en la vía pública"
PLAN = "Plan de acción Villa Los Héroes 2026"
OBJETIVO = "Disminuir los robos en la vía pública del barrio"
ACCIONES = (
    # actividad, responsables, days after today it starts, days it lasts
    (
        "Recuperar la iluminación del pasaje Los Aromos",
        "Dirección de Obras; junta de vecinos",
        0,
        20,
    ),
    (
        "Instalar alarmas comunitarias en la calle Los Héroes",
        "Unidad de Alarmas Comunitarias",
        15,
        30,
    ),
    ("Rondas preventivas en la plaza con Carabineros", "Carabineros, 24ª Comisaría", 40, 40),
)
AREA_CORNERS = ((0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7))
"""The barrio's limits, as fractions of the map's width and height (the map first shows
Maipú: these land inside the comuna)."""
ROUTE = ((0.35, 0.62), (0.45, 0.4), (0.62, 0.38))
"""The marcha's route, clicked on a map framed around the limits (not where the foco is)."""


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def fact(page: Page, term: str) -> Locator:
    """The value beside ``term`` in a page's list of facts (``<dt>``/``<dd>``)."""
    return page.locator("dt", has_text=term).locator("xpath=following-sibling::dd[1]")


def row(page: Page | Locator, text: str) -> Locator:
    """The table row (within ``page``, a page or a part of it) that mentions ``text``."""
    return page.get_by_role("row").filter(has_text=text)


def dmy(day: date) -> str:
    return day.strftime("%d-%m-%Y")


async def click_map(page: Page, where: Sequence[tuple[float, float]]) -> None:
    """Click the drawable map at each point given as fractions of its on-screen box."""
    svg = page.locator("svg[data-draw-field]")
    await expect(svg).to_have_attribute("data-draw-ready", "")
    await svg.scroll_into_view_if_needed()
    box = await svg.bounding_box()
    assert box is not None
    for fx, fy in where:
        await page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])


async def submit(page: Page, button: str) -> None:
    """Press a form's button and wait for the page it leads to."""
    async with page.expect_navigation():
        await page.get_by_role("button", name=button, exact=True).click()


async def create_barrio(page: Page) -> int:
    """Barrios → Nuevo barrio, in her territorio; lands on the new barrio's ficha."""
    nav = page.get_by_role("navigation", name="Navegación principal")
    await nav.get_by_role("link", name="Barrios", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Barrios")
    await page.get_by_role("link", name="Nuevo barrio").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Nuevo barrio")
    await page.get_by_label("Nombre del barrio").fill(BARRIO)
    await page.get_by_label("Territorio", exact=True).select_option(label=TERRITORIO)
    await page.get_by_label("Sector (opcional)").fill("Sector 3")
    await submit(page, "Crear barrio")
    assert re.fullmatch(r"/barrios/\d+", path_of(page)), page.url
    await expect(page.get_by_role("heading", level=1)).to_have_text(BARRIO)
    await expect(page.get_by_text("El barrio fue creado.")).to_be_visible()
    await expect(fact(page, "Territorio")).to_have_text(TERRITORIO)
    return int(path_of(page).rsplit("/", 1)[1])


async def enter_datos(page: Page) -> None:
    """The caracterización sociodemográfica: población, grupos etarios and GSE."""
    await page.get_by_role("link", name="Editar datos y caracterización").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Datos y caracterización sociodemográfica"
    )
    await page.get_by_label("Población (personas)").fill("4200")
    ages = {"De 0 a 14 años": 900, "De 15 a 29 años": 1000, "De 30 a 44 años": 950}
    ages |= {"De 45 a 64 años": 850, "De 65 años y más": 500}
    for label, people in ages.items():
        await page.get_by_label(label, exact=True).fill(str(people))
    gse = {"AB": 2, "C1a": 5, "C1b": 8, "C2": 20, "C3": 30, "D": 28, "E": 7}
    for group, percent in gse.items():
        await page.get_by_label(f"GSE {group}", exact=True).fill(str(percent))
    await page.get_by_label("Fuente de los datos").fill("Censo 2017 (INE), manzanas del barrio")
    await submit(page, "Guardar datos")
    await expect(page.get_by_text("Los datos del barrio fueron guardados.")).to_be_visible()
    await expect(fact(page, "Población")).to_have_text("4.200 personas")
    ages_table = page.get_by_role("table", name="Grupos etarios")
    await expect(row(ages_table, "De 65 años y más")).to_contain_text("500")
    gse_table = page.get_by_role("table", name="Grupo socioeconómico (GSE)")
    await expect(row(gse_table, "C3")).to_contain_text("30")


async def draw_limits(page: Page, hub: LiveHub, barrio_id: int) -> None:
    """Draw the limits by clicking four corners in Área mode, then save."""
    await page.get_by_role("link", name="Dibujar o importar los límites").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Límites geográficos del barrio"
    )
    await page.get_by_role("button", name="Área", exact=True).click()
    await expect(page.get_by_role("button", name="Área", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    await click_map(page, AREA_CORNERS)
    await expect(page.get_by_text("4 puntos. Use Deshacer para quitar el último.")).to_be_visible()
    drawn = page.get_by_label("Límites en GeoJSON")
    await expect(drawn).to_have_value(re.compile(r'^\{"type":"Polygon"'))
    await submit(page, "Guardar límites")
    assert path_of(page) == f"/barrios/{barrio_id}"
    await expect(page.get_by_text("Los límites del barrio fueron guardados.")).to_be_visible()
    limits = profile(hub.db, barrio_id).limites
    assert limits is not None and limits.kind == "Polygon"
    ring = limits.coordinates[0]
    assert len(ring) == 5 and ring[0] == ring[-1]
    await expect(page.get_by_text(re.compile(r"^Área: [\d.]+(,\d)? ha\.$"))).to_be_visible()
    ficha_map = page.get_by_role("img", name=f"Límites y controladores de {BARRIO}")
    await expect(ficha_map.locator("path", has_text="Límite del barrio")).to_have_count(1)
    await expect(page.get_by_role("link", name="Cambiar los límites")).to_be_visible()


async def expect_checklist(page: Page, done: int) -> None:
    """The checklist's count, and its percent where it is a whole number (5 of 8 is 62.5:
    whether it shows 62 or 63 is not this test's business)."""
    checklist = page.get_by_role("region", name="El diagnóstico debe contener")
    percent = 100 * done / 8
    shown = f" ({percent:.0f} %)" if percent.is_integer() else ""
    await expect(checklist).to_contain_text(f"{done} de 8 puntos completos{shown}")


async def record_diagnostico(page: Page) -> None:
    """Problemática with its caracterización, a hotspot on the map, an actor clave."""
    await page.get_by_role("link", name="Diagnóstico del barrio").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Diagnóstico y caracterización de problemáticas · {BARRIO}"
    )
    await expect_checklist(page, 2)  # límites and caracterización sociodemográfica

    await page.get_by_label("Problemática", exact=True).fill(PROBLEMATICA)
    await page.get_by_label("Descripción", exact=True).fill(
        "Robos por sorpresa a peatones al salir del paradero, de noche."
    )
    await page.get_by_label("Prioridad", exact=True).select_option(label="Alta")
    await submit(page, "Registrar problemática")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(PROBLEMATICA)
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Prioridad alta")
    caracterizacion = {
        "Causas y/o factores de riesgo asociados": "Pasajes sin iluminación, sitio eriazo.",
        "Dimensión espacial / territorial": "Pasaje Los Aromos y el paradero de Los Héroes.",
        "Temporalidad / estacionalidad": "Entre las 19 y las 23 h, más en invierno.",
        "Caracterización de víctimas y victimarios": "Estudiantes y trabajadores; grupos de 2 a 3.",
    }
    for label, text in caracterizacion.items():
        await page.get_by_label(label, exact=True).fill(text)
    await submit(page, "Guardar caracterización")
    for label, text in caracterizacion.items():
        await expect(fact(page, label)).to_have_text(text)

    await page.get_by_role("link", name="Volver al diagnóstico del barrio").click()
    await expect(row(page, PROBLEMATICA)).to_contain_text("Alta")
    await expect(row(page, PROBLEMATICA)).to_contain_text("Completa (4 de 7 puntos)")
    await expect_checklist(page, 4)

    await page.get_by_role(
        "link", name="Agregar, editar o eliminar: focos de concentración de problemas delictuales"
    ).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Focos de concentración de problemas delictuales"
    )
    await page.get_by_label("Nombre del foco").fill("Paradero de Los Héroes")
    await page.get_by_label("Tipo de foco").select_option(
        label="Hotspot (concentración de delitos)"
    )
    await page.get_by_label("Categoría", exact=True).select_option(label="Robo")
    await page.get_by_role("button", name="Punto", exact=True).click()
    await click_map(page, [(0.5, 0.5)])
    await expect(page.get_by_label("Ubicación (punto o área)")).to_have_value(
        re.compile(r'^\{"type":"Point"')
    )
    await page.get_by_label("Problemática asociada").select_option(label=PROBLEMATICA)
    await submit(page, "Agregar")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Foco: Paradero de Los Héroes")
    await expect(fact(page, "Problemática asociada")).to_have_text(PROBLEMATICA)
    await expect(page.locator("svg circle", has_text="Paradero de Los Héroes")).to_have_count(1)

    await page.get_by_role("link", name=re.compile("^Volver a focos")).click()
    await page.get_by_role("link", name="Volver al diagnóstico del barrio").click()
    await expect_checklist(page, 5)
    await page.get_by_role(
        "link", name="Agregar, editar o eliminar: actores clave del barrio"
    ).click()
    await page.get_by_label("Nombre", exact=True).fill("Junta de Vecinos Villa Los Héroes")
    await page.get_by_label("Tipo de actor").select_option(label="Junta de vecinos")
    await page.get_by_label("Relevancia").select_option(label="Alta")
    await page.get_by_label("Rol en el barrio / notas").fill("Convoca a la mesa de seguridad.")
    await submit(page, "Agregar")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Actor clave: Junta de Vecinos Villa Los Héroes"
    )
    await page.get_by_role("link", name=re.compile("^Volver a actores")).click()
    await page.get_by_role("link", name="Volver al diagnóstico del barrio").click()
    await expect_checklist(page, 6)
    checklist = page.get_by_role("region", name="El diagnóstico debe contener")
    actores = checklist.get_by_role("listitem").filter(has_text="actores claves")
    await expect(actores).to_contain_text("✓ Completo")
    await expect(actores).to_contain_text("1 actor clave")


async def record_marcha(page: Page, today: date) -> None:
    """Instrumentos → a marcha exploratoria with its route clicked on the map."""
    await page.get_by_role("link", name=BARRIO, exact=True).click()  # migas: the ficha
    await page.get_by_role("link", name="Instrumentos de recolección").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Instrumentos de recolección y producción de información"
    )
    await page.get_by_role("link", name="Registrar marcha exploratoria").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Registrar marcha exploratoria")
    walked = today - timedelta(days=3)
    await page.get_by_label("Nombre de la actividad").fill("Marcha exploratoria nocturna")
    await page.get_by_label("Fecha", exact=True).fill(walked.isoformat())
    await page.get_by_label("Lugar", exact=True).fill("Pasaje Los Aromos y plaza Los Héroes")
    await page.get_by_label("Número de participantes").fill("14")
    await page.get_by_label("Organizaciones").fill("Junta de Vecinos Villa Los Héroes")
    await page.get_by_label("Instituciones").fill("Carabineros, 24ª Comisaría")
    await page.get_by_label("Facilitador(a)").fill("Ana Gestora")
    await page.get_by_label("Hallazgos").fill(
        "Tres luminarias apagadas en el pasaje; el sitio eriazo sirve de escondite."
    )
    await page.get_by_label(PROBLEMATICA, exact=True).check()
    await page.get_by_role("button", name="Línea", exact=True).click()
    await click_map(page, ROUTE)
    await expect(page.get_by_label("Recorrido (GeoJSON LineString)")).to_have_value(
        re.compile(r'^\{"type":"LineString"')
    )
    await submit(page, "Guardar")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Marcha exploratoria nocturna")
    await expect(fact(page, "Fecha")).to_have_text(dmy(walked))
    await expect(fact(page, "Participantes")).to_have_text("14")
    await expect(fact(page, "Problemáticas")).to_have_text(PROBLEMATICA)
    hallazgos = page.get_by_role("region", name="Hallazgos", exact=True)
    await expect(hallazgos).to_contain_text("Tres luminarias apagadas")
    route = page.locator("svg path", has_text="Recorrido de la marcha")
    await expect(route).to_have_count(1)


async def write_plan(page: Page, today: date) -> list[tuple[str, date, date]]:
    """The plan, its objetivo específico and three acciones; progress on the first."""
    await page.get_by_role("link", name=BARRIO, exact=True).click()
    await page.get_by_role("link", name="Plan de acción", exact=True).click()
    await expect(page.get_by_text("Este barrio no tiene un plan vigente.")).to_be_visible()
    await page.get_by_label("Título del plan").fill(PLAN)
    await page.get_by_label("Fecha de inicio del plan").fill(today.isoformat())
    await page.get_by_label("Fecha de término del plan").fill(
        (today + timedelta(days=90)).isoformat()
    )
    await page.get_by_label("Objetivo general").fill(
        "Reducir la victimización y el temor en Villa Los Héroes con la comunidad."
    )
    await submit(page, "Crear plan")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(PLAN)
    await expect(fact(page, "Periodo")).to_have_text(
        f"{dmy(today)} al {dmy(today + timedelta(days=90))}"
    )

    await page.get_by_label("Objetivo específico", exact=True).fill(OBJETIVO)
    await page.get_by_label("Problemática que aborda").select_option(label=PROBLEMATICA)
    await submit(page, "Agregar objetivo")
    objetivo = row(page, OBJETIVO)
    await expect(objetivo.get_by_role("link", name=PROBLEMATICA, exact=True)).to_be_visible()
    await objetivo.get_by_role("link", name=OBJETIVO, exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(OBJETIVO)

    planned = []
    for actividad, responsables, start, days in ACCIONES:
        inicio, termino = today + timedelta(days=start), today + timedelta(days=start + days)
        await page.get_by_label("Actividad o gestión").fill(actividad)
        await page.get_by_label("Responsables (instituciones o personas)").fill(responsables)
        await page.get_by_label("Fecha de inicio", exact=True).fill(inicio.isoformat())
        await page.get_by_label("Fecha de término", exact=True).fill(termino.isoformat())
        await submit(page, "Agregar acción")
        await expect(page.get_by_role("heading", level=1)).to_contain_text(actividad)
        await expect(fact(page, "Fechas")).to_have_text(f"{dmy(inicio)} al {dmy(termino)}")
        await expect(fact(page, "Responsables")).to_have_text(responsables)
        planned.append((actividad, inicio, termino))
        await page.get_by_role("link", name=OBJETIVO, exact=True).click()
    for actividad, inicio, termino in planned:
        listed = row(page, actividad)
        await expect(listed).to_contain_text(dmy(inicio))
        await expect(listed).to_contain_text(dmy(termino))

    first = planned[0][0]
    await row(page, first).get_by_role("link", name=first).click()
    await page.get_by_label("Avance (%)").fill("40")
    await page.get_by_label("Estado", exact=True).select_option(label="En curso")
    await page.get_by_label("Nota del avance").fill("Dos de las tres luminarias repuestas.")
    await submit(page, "Registrar avance")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("En curso")
    seguimiento = page.get_by_role("region", name="Seguimiento de la acción")
    await expect(row(seguimiento, "Dos de las tres luminarias")).to_contain_text("40 %")
    await expect(page.get_by_role("progressbar", name="Avance de la acción")).to_have_attribute(
        "value", "40"
    )
    return planned


async def see_gantt(page: Page, planned: list[tuple[str, date, date]]) -> None:
    """The carta Gantt: one bar per acción, placed by its dates (gantt.py's scale)."""
    await page.get_by_role("link", name=PLAN).click()
    await page.get_by_role("link", name="Carta Gantt", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Carta Gantt · {PLAN}")
    chart = page.get_by_role("img", name=re.compile(f"^Carta Gantt · {PLAN}"))
    bars = chart.locator("g.accion rect.barra")
    await expect(bars).to_have_count(len(planned))
    desde = date.fromisoformat(await chart.get_attribute("data-desde") or "")
    hasta = date.fromisoformat(await chart.get_attribute("data-hasta") or "")
    left = float(await chart.get_attribute("data-x") or "nan")
    width = float(await chart.get_attribute("data-ancho") or "nan")
    day = width / ((hasta - desde).days + 1)
    edges = []
    for index, (actividad, inicio, termino) in enumerate(planned):
        bar = chart.locator("g.accion").nth(index)
        await expect(bar.locator("title")).to_contain_text(
            f"{actividad}: {dmy(inicio)} al {dmy(termino)}"
        )
        x = float(await bar.locator("rect.barra").get_attribute("x") or "nan")
        bar_width = float(await bar.locator("rect.barra").get_attribute("width") or "nan")
        assert x == pytest.approx(left + (inicio - desde).days * day, abs=0.01), actividad
        assert bar_width == pytest.approx(((termino - inicio).days + 1) * day, abs=0.01)
        edges.append(x)
    assert edges == sorted(edges) and len(set(edges)) == len(edges)
    progress = chart.locator("g.accion").nth(0).locator("rect.avance")
    shown = float(await progress.get_attribute("width") or "nan")
    first_width = float(await bars.nth(0).get_attribute("width") or "nan")
    assert shown == pytest.approx(first_width * 0.4, abs=0.01)


async def print_minuta(page: Page, planned: list[tuple[str, date, date]], today: date) -> None:
    """The minuta for the plan's period, then printed (print media, and a PDF)."""
    await page.get_by_role("link", name="Minuta de planificación").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Minuta de planificación")
    hasta = today + timedelta(days=90)
    await page.get_by_label("Desde", exact=True).fill(today.isoformat())
    await page.get_by_label("Hasta", exact=True).fill(hasta.isoformat())
    await submit(page, "Ver periodo")
    assert path_of(page).endswith("/plan/minuta"), page.url
    main = page.get_by_role("main")
    await expect(main.get_by_role("heading", level=2)).to_have_text(
        f"{PLAN} · {dmy(today)} al {dmy(hasta)}"
    )
    minuta = main.get_by_role("table")
    await expect(minuta.locator("tbody").get_by_role("row")).to_have_count(len(planned))
    for actividad, inicio, termino in planned:
        listed = row(page, actividad)
        await expect(listed).to_contain_text(dmy(inicio))
        await expect(listed).to_contain_text(dmy(termino))
    await expect(row(page, planned[0][0])).to_contain_text("40 %")

    await page.emulate_media(media="print")
    await expect(page.get_by_role("navigation", name="Navegación principal")).to_be_hidden()
    await expect(page.get_by_role("button", name="Ver periodo")).to_be_hidden()
    await expect(page.get_by_text(f"Minuta de planificación · {BARRIO}")).to_be_visible()
    await expect(minuta).to_be_visible()
    for actividad, _, _ in planned:
        await expect(row(page, actividad)).to_be_visible()
    pdf = await page.pdf(format="A4", landscape=True, print_background=True)
    assert pdf.startswith(b"%PDF")
    await page.emulate_media(media="screen")
    await expect(page.get_by_role("navigation", name="Navegación principal")).to_be_visible()


async def test_gestora_creates_barrio_diagnostico_marcha_plan_gantt_and_minuta(
    visit: Visit,
) -> None:
    hub, page = visit.hub, visit.page
    gestora = hub.add_user(Role.GESTOR, email=EMAIL, name="Ana Gestora")
    territorios = Territorios(hub.db)
    territorio = territorios.create(
        TERRITORIO, "Villas del norte de Maipú", actor=SETUP, at=hub.clock()
    )
    territorios.assign_gestor(territorio.id, gestora.id, actor=SETUP, at=hub.clock())
    today = datetime.fromtimestamp(hub.clock(), ZoneInfo(SANTIAGO)).date()

    await log_in(page, EMAIL)
    barrio_id = await create_barrio(page)
    await enter_datos(page)
    await draw_limits(page, hub, barrio_id)
    await record_diagnostico(page)
    await record_marcha(page, today)
    planned = await write_plan(page, today)
    await see_gantt(page, planned)
    await print_minuta(page, planned, today)

    assert visit.watch.problems() == []
    outside = [url for url in visit.watch.requests if not url.startswith(f"{hub.url}/")]
    assert outside == []
