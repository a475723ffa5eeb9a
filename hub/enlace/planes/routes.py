"""The routes of the planes de acción, carta Gantt, seguimiento and minutas (added to the
hub's table in :mod:`hub.routes`). Example paths name the isolation seed's records (ids 1
in barrio 1)."""

from __future__ import annotations

from typing import Final

from hub.enlace.planes import exports, views, views_acciones
from hub.enlace.web import READERS, WRITERS
from hub.routing import Handler, Route, route


def _get(path: str, handler: Handler, name: str, example: str | None = None) -> Route:
    return route("GET", path, handler, name=name, access=READERS, example=example)


def _post(path: str, handler: Handler, name: str, example: str) -> Route:
    return route("POST", path, handler, name=name, access=WRITERS, example=example)


_B: Final = r"/barrios/{barrio_id:\d+}"
_P: Final = r"/planes/{plan_id:\d+}"
_O: Final = r"/objetivos/{objetivo_id:\d+}"
_A: Final = r"/acciones/{accion_id:\d+}"

ROUTES: Final[tuple[Route, ...]] = (
    _get("/planes", exports.planes_list, "planes"),
    _get(f"{_B}/plan", views.plan_page, "plan", "/barrios/1/plan"),
    _post(f"{_B}/plan", views.create_plan, "plan", "/barrios/1/plan"),
    _get(f"{_B}/plan.csv", exports.plan_csv, "plan_csv", "/barrios/1/plan.csv"),
    _get(f"{_B}/plan/gantt", exports.gantt_page, "gantt", "/barrios/1/plan/gantt"),
    _get(f"{_B}/plan/gantt.svg", exports.gantt_svg_file, "gantt_svg", "/barrios/1/plan/gantt.svg"),
    _get(f"{_B}/plan/minuta", exports.minuta_page, "minuta", "/barrios/1/plan/minuta"),
    _get(f"{_B}/plan/minuta.csv", exports.minuta_csv, "minuta_csv", "/barrios/1/plan/minuta.csv"),
    _get(_P, views.plan_detail, "plan_detail", "/planes/1"),
    _post(_P, views.update_plan, "plan_detail", "/planes/1"),
    _post(f"{_P}/cerrar", views.close_plan, "plan_cerrar", "/planes/1/cerrar"),
    _post(f"{_P}/objetivos", views.add_objetivo, "objetivo_nuevo", "/planes/1/objetivos"),
    _post(f"{_P}/hitos", views.add_hito, "hito_nuevo", "/planes/1/hitos"),
    _post(r"/hitos/{hito_id:\d+}/cumplido", views.set_hito, "hito_cumplido", "/hitos/1/cumplido"),
    _get(_O, views_acciones.objetivo_page, "objetivo", "/objetivos/1"),
    _post(_O, views_acciones.update_objetivo, "objetivo", "/objetivos/1"),
    _post(f"{_O}/acciones", views_acciones.add_accion, "accion_nueva", "/objetivos/1/acciones"),
    _get(_A, views_acciones.accion_page, "accion", "/acciones/1"),
    _post(_A, views_acciones.update_accion, "accion", "/acciones/1"),
    _post(f"{_A}/avance", views_acciones.record_progress, "accion_avance", "/acciones/1/avance"),
)
