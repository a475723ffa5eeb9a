"""The printable barrio report (/barrios/{id}/reporte): what every module recorded in the
barrio, the empty states, the territorial scope, and the print rules (CSS file, no inline
style or script, no personal data)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pytest_aiohttp import AiohttpClient

from hub import keys
from hub.app import create_app
from hub.config import HubConfig
from hub.enlace import routes as enlace_routes
from hub.enlace.instrumentos.fuentes import Fuentes
from hub.enlace.planes.acciones import Acciones
from hub.enlace.planes.model import AccionDraft, Estado
from hub.enlace.reporte import build_report, summary
from hub.routes import ROUTES
from tests.hub.conftest import CLI, T0, FakeClock
from tests.hub.enlace import seeds
from tests.hub.enlace.conftest import MARKER, World, build_world
from tests.hub.enlace.test_diagnostico_activaciones import add_controller, add_episode

ZONE = ZoneInfo("America/Santiago")
TODAY = date(2027, 1, 15)
"""T0's date in Santiago."""
REPORT = "/barrios/1/reporte"
EMPTY_STATES = (
    "Aún no hay caracterización sociodemográfica del barrio.",
    "Aún no se han importado fuentes secundarias.",
    "Aún no se han realizado técnicas cualitativas.",
    "Aún no hay problemáticas registradas en el diagnóstico.",
    "No hubo activaciones de alarma",
    "Aún no hay plan de acción vigente.",
    "Aún no hay Mesas de Seguridad Focalizadas en el barrio.",
    "Aún no hay demandas ni requerimientos del barrio.",
)


@pytest.fixture
async def world(aiohttp_client: AiohttpClient, config: HubConfig, clock: FakeClock) -> World:
    """The Enlace world, with the report's route added while the hub's table lacks it."""
    names = {entry.name for entry in ROUTES}
    extra = () if "barrio_report" in names else enlace_routes.ROUTES
    client = await aiohttp_client(create_app(config, clock=clock, routes=(*ROUTES, *extra)))
    return build_world(client, clock)


def seed(world: World, *names: str) -> None:
    """Run the isolation seeds ``names`` (all of them, in name order, when none given)."""
    for module in sorted(pkgutil.iter_modules(seeds.__path__), key=lambda m: m.name):
        if not names or module.name in names:
            importlib.import_module(f"{seeds.__name__}.{module.name}").seed(world)


async def text_of(world: World, path: str = REPORT, *, person: str = "gestor_norte") -> str:
    response = await world.get(getattr(world, person), path)
    assert response.status == 200, await response.text()
    return await response.text()


def test_the_clock_is_on_the_expected_day() -> None:
    assert datetime.fromtimestamp(T0, ZONE).date() == TODAY


async def test_the_report_shows_what_each_module_recorded(world: World) -> None:
    seed(world)
    page = await text_of(world)
    expected = [
        # 1. Identificación: sector, territorio, gestores, caracterización, map.
        f"Sector {MARKER}",
        "Territorio Norte",
        "Nora Norte",
        f"Censo 2017 {MARKER}",
        "4.200 personas",
        "De 0 a 14 años",
        '<path class="mapa-limite"',
        # 2. Instrumentos: the CEAD import and the three técnicas.
        "Salas CEAD / SPD",
        "03-2024",
        f"Robo con violencia {MARKER}",
        f"Grupo focal: Grupo focal {MARKER}",
        f"Marcha exploratoria: Marcha exploratoria {MARKER}",
        f"Hallazgos {MARKER}",
        # 3. Diagnóstico: problemática with its caracterización, the four lists.
        f"Robos en la plaza {MARKER}",
        "Prioridad alta",
        f"Poca iluminación {MARKER}",
        "Temporalidad / estacionalidad",
        f"Plaza {MARKER}",
        "Hotspot (concentración de delitos)",
        f"Junta de vecinos {MARKER}",
        f"Cuadrante {MARKER}",
        f"Escuela {MARKER}",
        "diag-focos",
        # 4. Plan de acción: plan, validation, objetivo, acción, Gantt, hito.
        f"Plan {MARKER} 2027",
        f"Mesa de Seguridad Focalizada {MARKER}",
        f"Recuperar la plaza {MARKER}",
        f"Operativo de luminarias {MARKER}",
        "Dirección de Obras; junta de vecinos",
        "40 %",
        '<img src="/barrios/1/plan/gantt.svg"',
        f"Plaza iluminada {MARKER}",
        # 5. Participación: the mesa, its last session and open acuerdo; the demanda.
        f"Mesa Villa {MARKER} · Plaza {MARKER}",
        "Última sesión: Sesión N° 1 del 11-01-2027",
        "Próxima sesión: Sesión N° 2 del 08-02-2027 a las 19:00",
        f"Pedir luminarias {MARKER}",
        "En curso",
        "Iluminación",
        "04-01-2027",
    ]
    for text in expected:
        assert text in page, text
    for text in EMPTY_STATES:
        assert text not in page or text == "No hubo activaciones de alarma", text


async def test_personal_data_stays_out_of_the_printed_report(world: World) -> None:
    seed(world)
    page = await text_of(world)
    for private in ("+56987654321", "Vecina de la plaza", "Rosa Díaz", "María Pérez"):
        assert private not in page, private


async def test_a_fresh_barrio_says_plainly_what_is_missing(world: World) -> None:
    page = await text_of(world)
    for text in EMPTY_STATES:
        assert text in page, text
    assert "<img" not in page
    assert "No hay controladores de alarma asignados a este barrio." in page


async def test_each_section_links_to_its_module_page(world: World) -> None:
    page = await text_of(world)
    for path in ("/barrios/1", "/diagnostico", "/instrumentos", "/plan", "/mesas", "/demandas"):
        link = path if path == "/barrios/1" else f"/barrios/1{path}"
        assert re.search(rf'class="reporte-ir no-print"><a href="{link}"', page), link


async def test_the_ficha_links_to_the_report(world: World) -> None:
    page = await text_of(world, "/barrios/1")
    assert 'href="/barrios/1/reporte"' in page


async def test_the_sur_gestor_gets_404_and_never_sees_norte(world: World) -> None:
    seed(world)
    response = await world.get(world.gestor_sur, REPORT)
    assert response.status == 404
    assert MARKER not in await response.text()
    page = await text_of(world, "/barrios/2/reporte", person="gestor_sur")
    assert "Robos en la plaza Sur" in page  # Sur's own records are there
    assert "Plan Sur 2027" in page
    assert MARKER not in page


async def test_mediacion_reads_it_and_the_unidad_may_not(world: World) -> None:
    seed(world)
    page = await text_of(world, person="mediacion")
    assert f"Plan {MARKER} 2027" in page
    assert (await world.get(world.unidad, REPORT)).status == 403
    assert (await world.get(world.gestor_norte, "/barrios/99/reporte")).status == 404


async def test_print_css_is_linked_and_nothing_is_inline(world: World) -> None:
    seed(world)
    page = await text_of(world)
    assert '<link rel="stylesheet" href="/static/reporte.css' in page
    assert "style=" not in page
    assert "<script" not in page
    css = (Path(keys.__file__).parent / "static" / "reporte.css").read_text()
    media = css[css.index("@media print") :]
    for rule in ("@page { size: A4", ".site-nav", ".no-print", "page-break-before: always"):
        assert rule in media, rule


@pytest.mark.parametrize("only", ["territory", "diagnostico", "instrumentos", "planes", "mesas"])
async def test_one_module_with_data_and_the_others_without(world: World, only: str) -> None:
    seed(world, only)
    page = await text_of(world)
    assert MARKER in page.replace(f"Villa {MARKER}", "")  # the module's record, not the name
    missing = [text for text in EMPTY_STATES if text in page]
    assert missing, "the modules without data still say so"


async def test_only_demandas(world: World) -> None:
    seed(world, "demandas")
    page = await text_of(world)
    assert "Demandas abiertas" in page
    assert "Aún no hay plan de acción vigente." in page
    assert "Aún no hay problemáticas registradas en el diagnóstico." in page


async def test_an_undone_import_leaves_the_report(world: World) -> None:
    seed(world, "instrumentos")
    report = build_report(world.hub, world.norte, TODAY, ZONE)
    [fuente] = report.instrumentos.fuentes
    assert (fuente.label, fuente.importaciones, fuente.registros) == ("Salas CEAD / SPD", 1, 1)
    assert (fuente.desde, fuente.hasta) == ("03-2024", "03-2024")
    Fuentes(world.hub).undo(1, actor=CLI, at=T0)
    page = await text_of(world)
    assert "Aún no se han importado fuentes secundarias." in page
    assert f"Robo con violencia {MARKER}" not in page
    assert f"Grupo focal {MARKER}" in page  # the técnicas stay


def test_the_atrasadas_come_first_and_the_figures_roll_up(world: World) -> None:
    seed(world, "planes", "mesas", "demandas")
    hub = world.hub
    acciones = Acciones(hub)
    late = acciones.add_accion(
        1,
        AccionDraft(
            actividad="Limpieza del sitio eriazo",
            descripcion="",
            responsables="Aseo y ornato",
            inicio=date(2027, 1, 2),
            termino=date(2027, 1, 10),
            recursos="",
            indicador="",
            meta="",
            estado=Estado.PENDIENTE,
            avance=0,
            peso=1.0,
        ),
        actor=CLI,
        at=T0,
    )
    report = build_report(hub, world.norte, TODAY, ZONE)
    assert report.plan is not None
    objetivo, ordered = report.plan.objetivos[0]
    assert objetivo.objetivo.titulo == f"Recuperar la plaza {MARKER}"
    assert [a.id for a in ordered] == [late.id, 1]
    assert report.plan.tablero.atrasadas == 1
    assert report.plan.tablero.progress.percent == 20.0  # (40 + 0) / 2
    assert [h.titulo for h in report.plan.hitos] == [f"Plaza iluminada {MARKER}"]
    [mesa] = report.mesas
    assert mesa.sesiones == 2
    assert mesa.ultima is not None and mesa.ultima.numero == 1  # 11-01, before today
    assert mesa.proxima is not None and mesa.proxima.numero == 2  # 08-02, scheduled
    assert [a.descripcion for a in mesa.abiertos] == [f"Pedir luminarias {MARKER}"]
    assert report.demandas.metrics.abiertas == 1
    assert [d.id for d in report.demandas.abiertas] == [1]


async def test_activations_of_the_last_ninety_days(world: World) -> None:
    hub = world.hub
    plaza = add_controller(hub, 1, f"Plaza {MARKER}", -33.49, -70.76)
    add_episode(hub, plaza, "ROBO", T0 - 86400)
    add_episode(hub, plaza, "ROBO", T0 - 2 * 86400)
    add_episode(hub, plaza, "PANICO", T0 - 100 * 86400)  # older than 90 days
    report = build_report(hub, world.norte, TODAY, ZONE)
    assert report.diagnostico.actividad.total == 2
    assert report.diagnostico.since == TODAY - timedelta(days=89)
    page = await text_of(world)
    assert "2 activaciones" in page
    assert "Activaciones por tipo" in page
    assert "Controladores de alarma del barrio: Plaza" in page


def test_summary_cuts_long_texts_at_a_word() -> None:
    assert summary("  corto\n texto ") == "corto texto"
    long = "palabra " * 100
    cut = summary(long, 30)
    assert cut.endswith("…") and len(cut) <= 31 and "palabr…" not in cut
