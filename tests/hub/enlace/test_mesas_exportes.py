"""What a mesa gives away: the printable acta of a session and the CSV files of its
acuerdos (with their follow-up) and attendance, parsed back."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hub.enlace.mesas.exports import ACUERDOS_HEADER, ASISTENCIA_HEADER
from hub.web.render import STATIC_DIR
from tests.hub.enlace.conftest import MARKER, World
from tests.hub.enlace.seeds.mesas import seed


async def parsed(world: World, path: str) -> list[dict[str, str]]:
    response = await world.get(world.gestor_norte, path)
    assert response.status == 200
    assert response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = (await response.read()).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


async def test_the_acta_prints_the_whole_session(world: World) -> None:
    seed(world)
    response = await world.get(world.gestor_norte, "/sesiones/2/acta")
    body = await response.text()
    assert response.status == 200
    start = body.index('class="acta-encabezado"')
    header = body[start : body.index("</header>", start)]
    assert f"Villa {MARKER}" in header and f"Plaza {MARKER}" in header
    assert "Acta de la Sesión N° 2 del 08-02-2027" in header and "19:00" in header
    assert "Nora Norte" in header and f"Microtráfico {MARKER}" in header
    for shown in ("Rosa Díaz", "María Pérez", "Sargento Rojas", "19:10–19:55", "55 minutos"):
        assert shown in body, shown
    assert f"Se acordó pedir luminarias {MARKER}." in body
    assert "Seguimiento de acuerdos anteriores" in body and "Oficio enviado" in body
    first = await (await world.get(world.gestor_norte, "/sesiones/1/acta")).text()
    assert f"Pedir luminarias {MARKER}" in first and f"Junta de vecinos {MARKER}" in first
    assert "01-02-2027" in first  # the acuerdo's fecha comprometida
    assert 'href="/static/mesas.css"' in body


def test_the_print_stylesheet_hides_the_page_chrome_and_keeps_the_acta() -> None:
    css = Path(STATIC_DIR, "mesas.css").read_text(encoding="utf-8")
    printing = css[css.index("@media print") :]
    assert ".firmas { display: grid" in printing and ".historial { display: none" in printing


async def test_the_acuerdos_csv_carries_the_follow_up(world: World) -> None:
    seed(world)
    rows = await parsed(world, "/mesas/1/acuerdos.csv")
    assert tuple(rows[0].keys()) == ACUERDOS_HEADER
    (row,) = rows
    assert row["acuerdo"] == "1" and row["sesion"] == "1" and row["fecha_sesion"] == "2027-01-11"
    assert row["descripcion"] == f"Pedir luminarias {MARKER}"
    assert row["responsable"] == f"Junta de vecinos {MARKER}"
    assert row["fecha_comprometida"] == "2027-02-01" and row["estado"] == "En curso"
    assert row["vencido"] == "no"  # the clock is at 15-01-2027
    assert row["seguimientos"] == "1"
    assert "sesión 2" in row["historial_seguimiento"]
    assert "Pendiente → En curso · Oficio enviado" in row["historial_seguimiento"]
    assert "norte@maipu.cl" in row["historial_seguimiento"]


async def test_the_attendance_csv_lists_everyone_per_session(world: World) -> None:
    seed(world)
    rows = await parsed(world, "/mesas/1/asistencia.csv")
    assert tuple(rows[0].keys()) == ASISTENCIA_HEADER
    first = [row for row in rows if row["sesion"] == "1"]
    assert [(r["tipo"], r["nombre"], r["representante"], r["cantidad"]) for r in first] == [
        ("Vecinos y vecinas (total)", "", "", "12"),
        ("Vecino(a)", f"Rosa Díaz {MARKER}", "", "1"),
        ("Organización", f"Junta de Vecinos {MARKER}", "María Pérez", "1"),
        ("Institución", "Carabineros", "Sargento Rojas", "1"),
    ]
    assert {row["sesion"] for row in rows} == {"1", "2"}
    assert first[0]["fecha"] == "2027-01-11" and first[0]["lugar"] == f"Sede social {MARKER}"


async def test_a_formula_in_an_acuerdo_is_not_run_by_a_spreadsheet(world: World) -> None:
    seed(world)
    form = {
        "descripcion": '=HYPERLINK("http://x")',
        "responsable": "@Municipalidad",
        "fecha_comprometida": "2027-03-01",
    }
    assert (await world.post(world.gestor_norte, "/sesiones/2/acuerdos", form)).status == 303
    rows = await parsed(world, "/mesas/1/acuerdos.csv")
    assert rows[-1]["descripcion"].startswith("'=") and rows[-1]["responsable"] == "'@Municipalidad"


async def test_exports_are_scoped_to_the_gestors_territorio(world: World) -> None:
    seed(world)
    for path in ("/mesas/1/acuerdos.csv", "/mesas/1/asistencia.csv", "/sesiones/1/acta"):
        assert (await world.get(world.gestor_sur, path)).status == 404, path
        assert (await world.get(world.mediacion, path)).status == 200, path
