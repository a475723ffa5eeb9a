"""Plan de acción pages: the barrio's plan (or the form to open one), any plan by id (old,
closed plans stay readable), editing its data and validación comunitaria, closing it, and
adding objetivos específicos and hitos."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from aiohttp import web

from hub import keys
from hub.enlace.diagnostico.problematicas import Problematicas
from hub.enlace.history import history_of
from hub.enlace.planes import forms
from hub.enlace.planes.acciones import CLOSED, Acciones
from hub.enlace.planes.model import SITUACIONES, Plan, PlanDraft
from hub.enlace.planes.plans import Planes
from hub.enlace.planes.tablero import tablero
from hub.enlace.web import (
    actor,
    barrio_of,
    current_user,
    done,
    now,
    other_page,
    page,
    path_id,
    record_of,
    today,
)
from hub.errors import Invalid
from hub.territory.barrios import Barrio
from hub.territory.barrios import get as get_barrio
from hub.web.render import form

NOTICES: Final[Mapping[str, str]] = {
    "plan-creado": "El plan de acción fue creado.",
    "plan-actualizado": "El plan de acción fue actualizado.",
    "plan-cerrado": "El plan fue cerrado. Puede abrir un nuevo plan para el barrio.",
    "objetivo-agregado": "El objetivo específico fue agregado.",
    "objetivo-actualizado": "El objetivo específico fue actualizado.",
    "accion-agregada": "La acción fue agregada.",
    "accion-actualizada": "La acción fue actualizada.",
    "avance-registrado": "El avance fue registrado.",
    "hito-agregado": "El hito fue agregado.",
    "hito-actualizado": "El hito fue actualizado.",
}
HISTORY_TEXTS: Final[Mapping[str, str]] = {
    "plan.create": "Creó el plan",
    "plan.update": "Modificó el plan",
    "plan.close": "Cerró el plan",
    "plan_objetivo.create": "Creó el objetivo",
    "plan_objetivo.update": "Modificó el objetivo",
    "plan_accion.create": "Creó la acción",
    "plan_accion.update": "Modificó la acción",
    "plan_accion.progress": "Registró un avance",
}
FIELD_LABELS: Final[Mapping[str, str]] = {
    "titulo": "Título",
    "inicio": "Inicio",
    "termino": "Término",
    "objetivo_general": "Objetivo general",
    "gestor_id": "Gestor responsable (N°)",
    "validacion": "Validación comunitaria",
    "validacion_fecha": "Fecha de validación",
    "mesa_sesion_id": "Sesión de la mesa (N°)",
    "estado": "Estado",
    "descripcion": "Descripción",
    "problematica_id": "Problemática (N°)",
    "actividad": "Actividad",
    "responsables": "Responsables",
    "recursos": "Recursos",
    "indicador": "Indicador",
    "meta": "Meta",
    "avance": "Avance (%)",
    "peso": "Peso",
}


def plan_form_fields(plan: Plan) -> dict[str, str]:
    return {
        "titulo": plan.titulo,
        "inicio": plan.inicio.isoformat(),
        "termino": plan.termino.isoformat(),
        "objetivo_general": plan.objetivo_general,
        "gestor_id": str(plan.gestor_id or ""),
        "validacion": plan.validacion,
        "validacion_fecha": plan.validacion_fecha.isoformat() if plan.validacion_fecha else "",
        "mesa_sesion_id": str(plan.mesa_sesion_id or ""),
    }


async def plan_page(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request)
    plan = Planes(request.app[keys.db]).current(barrio.id)
    if plan is None:
        return _new_plan_page(request, barrio, {}, {})
    return _plan_page(request, barrio, plan)


async def plan_detail(request: web.Request) -> web.StreamResponse:
    barrio_id = record_of(request, "planes", "plan_id", what="el plan")
    hub = request.app[keys.db]
    return _plan_page(
        request, get_barrio(hub, barrio_id), Planes(hub).get(path_id(request, "plan_id"))
    )


async def create_plan(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request, write=True)
    hub = request.app[keys.db]
    planes = Planes(hub)
    fields = await form(request)
    try:
        draft = _read_plan(planes, barrio, fields)
        planes.create(barrio.id, draft, actor=actor(request), at=now(request))
    except Invalid as exc:
        return _new_plan_page(request, barrio, fields, exc.problems, status=400)
    raise done(request, "plan", "plan-creado", NOTICES, barrio_id=barrio.id)


async def update_plan(request: web.Request) -> web.StreamResponse:
    barrio, plan = _plan_for_write(request)
    if not plan.vigente:
        return _plan_page(request, barrio, plan, "plan", {}, {"": CLOSED})
    planes = Planes(request.app[keys.db])
    fields = await form(request)
    try:
        draft = _read_plan(planes, barrio, fields)
        planes.update(plan.id, draft, actor=actor(request), at=now(request))
    except Invalid as exc:
        return _plan_page(request, barrio, plan, "plan", fields, exc.problems)
    raise done(request, "plan_detail", "plan-actualizado", NOTICES, plan_id=plan.id)


async def close_plan(request: web.Request) -> web.StreamResponse:
    barrio, plan = _plan_for_write(request)
    try:
        Planes(request.app[keys.db]).close(plan.id, actor=actor(request), at=now(request))
    except Invalid as exc:
        return _plan_page(request, barrio, plan, "cerrar", {}, exc.problems)
    raise done(request, "plan_detail", "plan-cerrado", NOTICES, plan_id=plan.id)


async def add_objetivo(request: web.Request) -> web.StreamResponse:
    barrio, plan = _plan_for_write(request)
    if not plan.vigente:
        return _plan_page(request, barrio, plan, "objetivo", {}, {"": CLOSED})
    hub = request.app[keys.db]
    fields = await form(request)
    try:
        known = [p.id for p in Problematicas(hub).of_barrio(barrio.id)]
        draft = forms.read_objetivo(fields, problematicas=known)
        Acciones(hub).add_objetivo(plan.id, draft, actor=actor(request), at=now(request))
    except Invalid as exc:
        return _plan_page(request, barrio, plan, "objetivo", fields, exc.problems)
    raise done(request, "plan_detail", "objetivo-agregado", NOTICES, plan_id=plan.id)


async def add_hito(request: web.Request) -> web.StreamResponse:
    barrio, plan = _plan_for_write(request)
    if not plan.vigente:
        return _plan_page(request, barrio, plan, "hito", {}, {"": CLOSED})
    fields = await form(request)
    try:
        draft = forms.read_hito(fields, plan=plan)
        Planes(request.app[keys.db]).add_hito(plan.id, draft, actor=actor(request), at=now(request))
    except Invalid as exc:
        return _plan_page(request, barrio, plan, "hito", fields, exc.problems)
    raise done(request, "plan_detail", "hito-agregado", NOTICES, plan_id=plan.id)


async def set_hito(request: web.Request) -> web.StreamResponse:
    record_of(request, "plan_hitos", "hito_id", what="el hito", write=True)
    hub = request.app[keys.db]
    planes = Planes(hub)
    hito = planes.hito(path_id(request, "hito_id"))
    fields = await form(request)
    plan = planes.get(hito.plan_id)
    if not plan.vigente:
        problems = {"": CLOSED}
        return _plan_page(request, get_barrio(hub, plan.barrio_id), plan, "hito", {}, problems)
    cumplido = fields.get("cumplido", "") == "1"
    planes.set_cumplido(hito.id, cumplido, actor=actor(request), at=now(request))
    raise done(request, "plan_detail", "hito-actualizado", NOTICES, plan_id=plan.id)


def _read_plan(planes: Planes, barrio: Barrio, fields: Mapping[str, str]) -> PlanDraft:
    gestores = [gestor_id for gestor_id, _ in planes.gestores(barrio.id)]
    sesiones = planes.mesa_sesiones(barrio.id)
    known = [sesion_id for sesion_id, _ in sesiones]
    return forms.read_plan(fields, gestores=gestores, sesiones=known)


def _plan_for_write(request: web.Request) -> tuple[Barrio, Plan]:
    barrio_id = record_of(request, "planes", "plan_id", what="el plan", write=True)
    hub = request.app[keys.db]
    return get_barrio(hub, barrio_id), Planes(hub).get(path_id(request, "plan_id"))


def _new_plan_page(
    request: web.Request,
    barrio: Barrio,
    fields: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    hub = request.app[keys.db]
    planes = Planes(hub)
    start = today(request)
    defaults = {
        "inicio": start.isoformat(),
        "termino": start.replace(year=start.year + 1, day=min(start.day, 28)).isoformat(),
    }
    gestores = planes.gestores(barrio.id)
    me = current_user(request).id
    if any(gestor_id == me for gestor_id, _ in gestores):
        defaults["gestor_id"] = str(me)
    context = {
        "barrio": barrio,
        "fields": {**defaults, **fields},
        "errors": errors,
        "gestores": gestores,
        "sesiones": planes.mesa_sesiones(barrio.id),
        "anteriores": planes.of_barrio(barrio.id),
    }
    return page(request, "enlace/planes/plan_nuevo.html", context, notices=NOTICES, status=status)


def _plan_page(
    request: web.Request,
    barrio: Barrio,
    plan: Plan,
    failed: str = "",
    fields: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> web.Response:
    hub = request.app[keys.db]
    planes = Planes(hub)
    board = tablero(hub, plan, today(request))
    context: dict[str, Any] = {
        "barrio": barrio,
        "plan": plan,
        "board": board,
        "situaciones": SITUACIONES,
        "failed": failed,
        "errors": errors or {},
        "fields": fields if failed == "plan" and fields else plan_form_fields(plan),
        "other_fields": fields if failed != "plan" and fields else {},
        "gestores": planes.gestores(barrio.id),
        "sesiones": planes.mesa_sesiones(barrio.id),
        "problematicas": [(p.id, p.titulo) for p in Problematicas(hub).of_barrio(barrio.id)],
        "anteriores": [p for p in planes.of_barrio(barrio.id) if p.id != plan.id],
        "history": history_of(hub, plan.subject, HISTORY_TEXTS),
        "labels": FIELD_LABELS,
        "mesa_href": (
            None
            if plan.mesa_sesion_id is None
            else other_page(request, "mesa_sesion", sesion_id=plan.mesa_sesion_id)
        ),
    }
    status = 400 if errors else 200
    return page(request, "enlace/planes/plan.html", context, notices=NOTICES, status=status)
