"""Objetivo and acción pages: an objetivo específico with its acciones and progress (edit
it, add acciones), and an acción with its data, its seguimiento (progress updates with
their notes) and its history (edit it, record progress)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from aiohttp import web

from hub import keys
from hub.enlace.diagnostico.problematicas import Problematicas
from hub.enlace.history import history_of
from hub.enlace.planes import forms
from hub.enlace.planes.acciones import CLOSED, Acciones
from hub.enlace.planes.model import SITUACIONES, Accion, Estado, Objetivo
from hub.enlace.planes.plans import Planes
from hub.enlace.planes.seguimiento import objetivo_progress
from hub.enlace.planes.views import FIELD_LABELS, HISTORY_TEXTS, NOTICES
from hub.enlace.web import actor, done, now, options, page, path_id, record_of, today
from hub.errors import Invalid
from hub.territory.barrios import get as get_barrio
from hub.web.render import form


def objetivo_fields(objetivo: Objetivo) -> dict[str, str]:
    return {
        "objetivo_titulo": objetivo.titulo,
        "objetivo_descripcion": objetivo.descripcion,
        "problematica_id": str(objetivo.problematica_id or ""),
    }


def accion_fields(accion: Accion) -> dict[str, str]:
    return {
        "actividad": accion.actividad,
        "descripcion": accion.descripcion,
        "responsables": accion.responsables,
        "inicio": accion.inicio.isoformat(),
        "termino": accion.termino.isoformat(),
        "recursos": accion.recursos,
        "indicador": accion.indicador,
        "meta": accion.meta,
        "peso": str(accion.peso).removesuffix(".0").replace(".", ","),
    }


def _objetivo(request: web.Request, *, write: bool = False) -> Objetivo:
    record_of(request, "plan_objetivos", "objetivo_id", what="el objetivo", write=write)
    return Acciones(request.app[keys.db]).objetivo(path_id(request, "objetivo_id"))


def _accion(request: web.Request, *, write: bool = False) -> Accion:
    record_of(request, "plan_acciones", "accion_id", what="la acción", write=write)
    return Acciones(request.app[keys.db]).accion(path_id(request, "accion_id"))


async def objetivo_page(request: web.Request) -> web.StreamResponse:
    return _objetivo_page(request, _objetivo(request))


async def update_objetivo(request: web.Request) -> web.StreamResponse:
    objetivo = _objetivo(request, write=True)
    hub = request.app[keys.db]
    if not Planes(hub).get(objetivo.plan_id).vigente:
        return _objetivo_page(request, objetivo, "objetivo", {}, {"": CLOSED})
    fields = await form(request)
    try:
        known = [p.id for p in Problematicas(hub).of_barrio(objetivo.barrio_id)]
        draft = forms.read_objetivo(fields, problematicas=known)
        Acciones(hub).update_objetivo(objetivo.id, draft, actor=actor(request), at=now(request))
    except Invalid as exc:
        return _objetivo_page(request, objetivo, "objetivo", fields, exc.problems)
    raise done(request, "objetivo", "objetivo-actualizado", NOTICES, objetivo_id=objetivo.id)


async def add_accion(request: web.Request) -> web.StreamResponse:
    objetivo = _objetivo(request, write=True)
    hub = request.app[keys.db]
    if not Planes(hub).get(objetivo.plan_id).vigente:
        return _objetivo_page(request, objetivo, "accion", {}, {"": CLOSED})
    fields = await form(request)
    try:
        draft = forms.read_accion(fields, plan=Planes(hub).get(objetivo.plan_id))
        accion = Acciones(hub).add_accion(objetivo.id, draft, actor=actor(request), at=now(request))
    except Invalid as exc:
        return _objetivo_page(request, objetivo, "accion", fields, exc.problems)
    raise done(request, "accion", "accion-agregada", NOTICES, accion_id=accion.id)


def _objetivo_page(
    request: web.Request,
    objetivo: Objetivo,
    failed: str = "",
    fields: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> web.Response:
    hub = request.app[keys.db]
    plan = Planes(hub).get(objetivo.plan_id)
    acciones = Acciones(hub).of_objetivo(objetivo.id)
    context: dict[str, Any] = {
        "barrio": get_barrio(hub, objetivo.barrio_id),
        "plan": plan,
        "objetivo": objetivo,
        "acciones": acciones,
        "progress": objetivo_progress(acciones),
        "today": today(request),
        "situaciones": SITUACIONES,
        "estados": options(Estado),
        "problematicas": [
            (p.id, p.titulo) for p in Problematicas(hub).of_barrio(objetivo.barrio_id)
        ],
        "failed": failed,
        "errors": errors or {},
        "fields": fields if failed == "objetivo" and fields else objetivo_fields(objetivo),
        "accion_fields": (
            fields
            if failed == "accion" and fields
            else {
                "inicio": plan.inicio.isoformat(),
                "termino": plan.termino.isoformat(),
                "peso": "1",
            }
        ),
        "history": history_of(hub, objetivo.subject, HISTORY_TEXTS),
        "labels": FIELD_LABELS,
    }
    status = 400 if errors else 200
    return page(request, "enlace/planes/objetivo.html", context, notices=NOTICES, status=status)


async def accion_page(request: web.Request) -> web.StreamResponse:
    return _accion_page(request, _accion(request))


async def update_accion(request: web.Request) -> web.StreamResponse:
    accion = _accion(request, write=True)
    hub = request.app[keys.db]
    if not Planes(hub).get(accion.plan_id).vigente:
        return _accion_page(request, accion, "accion", {}, {"": CLOSED})
    fields = await form(request)
    try:
        draft = forms.read_accion(fields, plan=Planes(hub).get(accion.plan_id))
        draft = replace(draft, estado=accion.estado, avance=accion.avance)
        Acciones(hub).update_accion(accion.id, draft, actor=actor(request), at=now(request))
    except Invalid as exc:
        return _accion_page(request, accion, "accion", fields, exc.problems)
    raise done(request, "accion", "accion-actualizada", NOTICES, accion_id=accion.id)


async def record_progress(request: web.Request) -> web.StreamResponse:
    accion = _accion(request, write=True)
    if not Planes(request.app[keys.db]).get(accion.plan_id).vigente:
        return _accion_page(request, accion, "avance", {}, {"": CLOSED})
    fields = await form(request)
    try:
        update = forms.read_progress(fields)
        Acciones(request.app[keys.db]).record_progress(
            accion.id, update, actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _accion_page(request, accion, "avance", fields, exc.problems)
    raise done(request, "accion", "avance-registrado", NOTICES, accion_id=accion.id)


def _accion_page(
    request: web.Request,
    accion: Accion,
    failed: str = "",
    fields: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> web.Response:
    hub = request.app[keys.db]
    acciones = Acciones(hub)
    progress_defaults = {"avance": str(accion.avance), "estado": accion.estado.value}
    context: dict[str, Any] = {
        "barrio": get_barrio(hub, accion.barrio_id),
        "plan": Planes(hub).get(accion.plan_id),
        "objetivo": acciones.objetivo(accion.objetivo_id),
        "accion": accion,
        "today": today(request),
        "situaciones": SITUACIONES,
        "estados": options(Estado),
        "avances": acciones.avances(accion.id),
        "failed": failed,
        "errors": errors or {},
        "fields": fields if failed == "accion" and fields else accion_fields(accion),
        "progress_fields": fields if failed == "avance" and fields else progress_defaults,
        "history": history_of(hub, accion.subject, HISTORY_TEXTS),
        "labels": FIELD_LABELS,
    }
    status = 400 if errors else 200
    return page(request, "enlace/planes/accion.html", context, notices=NOTICES, status=status)
