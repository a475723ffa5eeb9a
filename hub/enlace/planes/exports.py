"""Pages and files drawn from the barrio's vigente plan: the carta Gantt (page and SVG),
the minuta de planificación (printable page and CSV), the plan as CSV, and the list of
plans of every barrio the person sees."""

from __future__ import annotations

from datetime import date

from aiohttp import web
from markupsafe import Markup

from hub import keys
from hub.enlace.planes.gantt import COLOURS, gantt_svg
from hub.enlace.planes.minuta import HEADER, Periodo, minuta_rows, read_periodo
from hub.enlace.planes.model import SITUACIONES, Accion, Plan
from hub.enlace.planes.plans import Planes
from hub.enlace.planes.tablero import Tablero, tablero
from hub.enlace.planes.views import NOTICES
from hub.enlace.web import barrio_of, csv_download, page, scope, today
from hub.errors import Invalid, NotFound
from hub.territory.barrios import Barrio
from hub.territory.views import visible_barrios
from hub.web.render import format_number


def _board(request: web.Request) -> tuple[Barrio, Tablero]:
    barrio = barrio_of(request)
    hub = request.app[keys.db]
    plan = Planes(hub).current(barrio.id)
    if plan is None:
        raise NotFound(f"El barrio {barrio.name} no tiene un plan de acción vigente.")
    return barrio, tablero(hub, plan, today(request))


def _svg(request: web.Request, board: Tablero) -> str:
    def href(accion: Accion) -> str:
        return str(request.app.router["accion"].url_for(accion_id=str(accion.id)))

    groups = [(item.objetivo, item.acciones) for item in board.objetivos]
    return gantt_svg(board.plan, groups, board.hitos, today=board.today, href=href)


def _slug(plan: Plan, barrio: Barrio) -> str:
    return f"barrio-{barrio.id}-plan-{plan.id}"


async def gantt_page(request: web.Request) -> web.StreamResponse:
    barrio, board = _board(request)
    context = {
        "barrio": barrio,
        "plan": board.plan,
        "board": board,
        "svg": Markup(_svg(request, board)),  # noqa: S704 - every text in it is XML-escaped
        "situaciones": SITUACIONES,
        "colours": COLOURS,
    }
    return page(request, "enlace/planes/gantt.html", context, notices=NOTICES)


async def gantt_svg_file(request: web.Request) -> web.StreamResponse:
    barrio, board = _board(request)
    return web.Response(
        text=_svg(request, board),
        content_type="image/svg+xml",
        charset="utf-8",
        headers={
            "Content-Disposition": (
                f'inline; filename="carta-gantt-{_slug(board.plan, barrio)}.svg"'
            )
        },
    )


async def minuta_page(request: web.Request) -> web.StreamResponse:
    barrio, board = _board(request)
    errors: dict[str, str] = {}
    try:
        periodo = read_periodo(request.query, board.today)
    except Invalid as exc:
        errors = exc.problems
        periodo = Periodo.month_of(board.today)
    context = {
        "barrio": barrio,
        "plan": board.plan,
        "periodo": periodo,
        "rows": minuta_rows(board, periodo),
        "errors": errors,
        "fields": {
            "desde": request.query.get("desde", periodo.desde.isoformat()),
            "hasta": request.query.get("hasta", periodo.hasta.isoformat()),
        },
        "csv_query": f"desde={periodo.desde.isoformat()}&hasta={periodo.hasta.isoformat()}",
    }
    status = 400 if errors else 200
    return page(request, "enlace/planes/minuta.html", context, notices=NOTICES, status=status)


async def minuta_csv(request: web.Request) -> web.StreamResponse:
    barrio, board = _board(request)
    periodo = read_periodo(request.query, board.today)  # Invalid: the 400 error page
    rows = [row.cells() for row in minuta_rows(board, periodo)]
    name = f"minuta-{_slug(board.plan, barrio)}-{periodo.desde}-{periodo.hasta}.csv"
    return csv_download(name, HEADER, rows)


PLAN_HEADER = (
    "Objetivo N°",
    "Objetivo específico",
    "Problemática",
    "Avance del objetivo (%)",
    "Acción N°",
    "Actividad o gestión",
    "Descripción",
    "Responsables",
    "Inicio",
    "Término",
    "Recursos",
    "Indicador",
    "Meta",
    "Estado",
    "Avance (%)",
    "Peso",
)


def plan_rows(board: Tablero) -> list[list[str | int]]:
    """One row per acción with its objetivo's columns; an objetivo without acciones gets
    one row with the acción's columns empty. Decimals in es-CL (``2,5``), dates ISO."""
    rows: list[list[str | int]] = []
    for item in board.objetivos:
        o = item.objetivo
        percent = item.progress.percent
        head: list[str | int] = [
            o.id,
            o.titulo,
            o.problematica,
            "" if percent is None else format_number(percent, 1),
        ]
        if not item.acciones:
            rows.append(head + [""] * 12)
        for a in item.acciones:
            rows.append(
                [
                    *head,
                    a.id,
                    a.actividad,
                    a.descripcion,
                    a.responsables,
                    a.inicio.isoformat(),
                    a.termino.isoformat(),
                    a.recursos,
                    a.indicador,
                    a.meta,
                    SITUACIONES[a.situacion(board.today)],
                    a.avance,
                    format_number(a.peso, 1),
                ]
            )
    return rows


async def plan_csv(request: web.Request) -> web.StreamResponse:
    barrio, board = _board(request)
    return csv_download(f"plan-{_slug(board.plan, barrio)}.csv", PLAN_HEADER, plan_rows(board))


async def planes_list(request: web.Request) -> web.StreamResponse:
    hub = request.app[keys.db]
    day: date = today(request)
    where, params = scope(request).where("p.barrio_id")
    boards = [tablero(hub, plan, day) for plan in Planes(hub).vigentes(where, params)]
    with_plan = {board.plan.barrio_id for board in boards}
    b_where, b_params = scope(request).where("b.id")
    names = {row.id: row.name for row in visible_barrios(hub, b_where, b_params)}
    context = {
        "boards": sorted(boards, key=lambda b: names.get(b.plan.barrio_id, "")),
        "names": names,
        "sin_plan": [(bid, name) for bid, name in names.items() if bid not in with_plan],
    }
    return page(request, "enlace/planes/planes.html", context, notices=NOTICES)
