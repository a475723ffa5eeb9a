"""Session and acuerdo pages: record a session of a mesa, its page (agenda with the running
clock, attendance, acta, the acuerdos taken and those of earlier sessions to follow up),
edit it, take acuerdos, follow them up; an acuerdo's page with its follow-up history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from aiohttp import web

from hub import keys
from hub.enlace.mesas import acuerdos as acuerdos_module
from hub.enlace.mesas import sesiones as sesiones_module
from hub.enlace.mesas.acuerdos import Acuerdos
from hub.enlace.mesas.forms import (
    agenda_text,
    asistentes_text,
    read_acuerdo_form,
    read_seguimiento_form,
    read_sesion_form,
)
from hub.enlace.mesas.mesas import Mesas
from hub.enlace.mesas.model import Acuerdo, EstadoAcuerdo, Sesion
from hub.enlace.mesas.sesiones import Sesiones
from hub.enlace.mesas.views import NOTICES, barrio_of_mesa, mesa_of, render_mesa_page
from hub.enlace.web import actor, done, now, options, page, path_id, record_of, today
from hub.errors import Invalid
from hub.forms import FormReader
from hub.web.render import form

ESTADOS: Final = options(EstadoAcuerdo)


async def create_sesion(request: web.Request) -> web.StreamResponse:
    mesa = mesa_of(request, write=True)
    fields = await form(request)
    try:
        draft = read_sesion_form(fields, not_before=mesa.inicio)
        sesion = Sesiones(request.app[keys.db]).add(
            mesa, draft, actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return render_mesa_page(request, mesa, fields, exc.problems, failed="sesion", status=400)
    raise done(request, "mesa_sesion", "sesion-registrada", NOTICES, sesion_id=sesion.id)


def sesion_of(request: web.Request, *, write: bool = False) -> Sesion:
    record_of(request, "mesa_sesiones", "sesion_id", what="la sesión", write=write)
    return Sesiones(request.app[keys.db]).get(path_id(request, "sesion_id"))


async def sesion_page(request: web.Request) -> web.StreamResponse:
    return _sesion_page(request, sesion_of(request), "", {}, {})


async def edit_sesion(request: web.Request) -> web.StreamResponse:
    sesion = sesion_of(request, write=True)
    hub = request.app[keys.db]
    fields = await form(request)
    try:
        mesa = Mesas(hub).get(sesion.mesa_id)
        draft = read_sesion_form(fields, not_before=mesa.inicio)
        Sesiones(hub).update(sesion.id, draft, actor=actor(request), at=now(request))
    except Invalid as exc:
        return _sesion_page(request, sesion, "sesion", fields, exc.problems, status=400)
    raise done(request, "mesa_sesion", "sesion-editada", NOTICES, sesion_id=sesion.id)


async def create_acuerdo(request: web.Request) -> web.StreamResponse:
    sesion = sesion_of(request, write=True)
    fields = await form(request)
    try:
        draft = read_acuerdo_form(fields, not_before=sesion.fecha)
        Acuerdos(request.app[keys.db]).add(sesion, draft, actor=actor(request), at=now(request))
    except Invalid as exc:
        return _sesion_page(request, sesion, "acuerdo", fields, exc.problems, status=400)
    raise done(request, "mesa_sesion", "acuerdo-registrado", NOTICES, sesion_id=sesion.id)


async def follow_up_in_sesion(request: web.Request) -> web.StreamResponse:
    """A follow-up recorded in this session of an acuerdo of an earlier one."""
    sesion = sesion_of(request, write=True)
    hub = request.app[keys.db]
    fields = await form(request)
    reader = FormReader(fields)
    acuerdo_id = reader.record_id("acuerdo_id", "el acuerdo", required=True)
    target = f"seguimiento-{acuerdo_id}"
    try:
        reader.done()
        assert acuerdo_id is not None
        pending = {a.id for a in Acuerdos(hub).open_before(sesion)}
        if acuerdo_id not in pending:
            raise Invalid(
                "Elija un acuerdo pendiente o en curso de una sesión anterior de esta mesa.",
                field="acuerdo_id",
            )
        estado, nota = read_seguimiento_form(fields)
        Acuerdos(hub).follow_up(
            acuerdo_id, estado, nota, sesion=sesion, actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _sesion_page(request, sesion, target, fields, exc.problems, status=400)
    raise done(request, "mesa_sesion", "seguimiento-registrado", NOTICES, sesion_id=sesion.id)


def _sesion_page(
    request: web.Request,
    sesion: Sesion,
    failed: str,
    fields: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    """``failed`` names the form whose ``fields`` and ``errors`` are shown: ``sesion``,
    ``acuerdo`` or ``seguimiento-<acuerdo id>``."""
    hub = request.app[keys.db]
    mesa = Mesas(hub).get(sesion.mesa_id)
    acuerdos = Acuerdos(hub)
    edit = {
        "fecha": sesion.fecha.isoformat(),
        "hora": sesion.hora,
        "lugar": sesion.lugar,
        "agenda": agenda_text(sesion.agenda),
        "vecinos": str(sesion.vecinos),
        "vecinos_nombres": "\n".join(sesion.vecinos_nombres),
        "organizaciones": asistentes_text(sesion.organizaciones),
        "instituciones": asistentes_text(sesion.instituciones),
        "acta": sesion.acta,
    }
    context = {
        "sesion": sesion,
        "mesa": mesa,
        "barrio": barrio_of_mesa(request, mesa),
        "acuerdos": acuerdos.of_sesion(sesion.id),
        "pendientes": acuerdos.open_before(sesion),
        "seguidos": acuerdos.seguimientos_en(sesion.id),
        "failed": failed,
        "edit": {**edit, **fields} if failed == "sesion" else edit,
        "fields": fields,
        "errors": errors,
        "estados": ESTADOS,
        "today": today(request),
        "history": Sesiones(hub).history(sesion.id),
        "labels": sesiones_module.FIELD_LABELS,
    }
    return page(request, "enlace/mesas/sesion.html", context, notices=NOTICES, status=status)


def acuerdo_of(request: web.Request, *, write: bool = False) -> Acuerdo:
    record_of(request, "mesa_acuerdos", "acuerdo_id", what="el acuerdo", write=write)
    return Acuerdos(request.app[keys.db]).get(path_id(request, "acuerdo_id"))


async def acuerdo_page(request: web.Request) -> web.StreamResponse:
    return _acuerdo_page(request, acuerdo_of(request), "", {}, {})


async def edit_acuerdo(request: web.Request) -> web.StreamResponse:
    acuerdo = acuerdo_of(request, write=True)
    fields = await form(request)
    try:
        draft = read_acuerdo_form(fields, not_before=acuerdo.sesion_fecha)
        Acuerdos(request.app[keys.db]).update(
            acuerdo.id, draft, actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _acuerdo_page(request, acuerdo, "acuerdo", fields, exc.problems, status=400)
    raise done(request, "mesa_acuerdo", "acuerdo-editado", NOTICES, acuerdo_id=acuerdo.id)


async def follow_up_acuerdo(request: web.Request) -> web.StreamResponse:
    """A follow-up recorded between sessions."""
    acuerdo = acuerdo_of(request, write=True)
    fields = await form(request)
    try:
        estado, nota = read_seguimiento_form(fields)
        Acuerdos(request.app[keys.db]).follow_up(
            acuerdo.id, estado, nota, sesion=None, actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _acuerdo_page(request, acuerdo, "seguimiento", fields, exc.problems, status=400)
    raise done(request, "mesa_acuerdo", "seguimiento-registrado", NOTICES, acuerdo_id=acuerdo.id)


def _acuerdo_page(
    request: web.Request,
    acuerdo: Acuerdo,
    failed: str,
    fields: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    hub = request.app[keys.db]
    mesa = Mesas(hub).get(acuerdo.mesa_id)
    edit: dict[str, Any] = {
        "descripcion": acuerdo.descripcion,
        "responsable": acuerdo.responsable,
        "fecha_comprometida": acuerdo.fecha_comprometida.isoformat(),
    }
    context = {
        "acuerdo": acuerdo,
        "mesa": mesa,
        "barrio": barrio_of_mesa(request, mesa),
        "sesion": Sesiones(hub).get(acuerdo.sesion_id),
        "seguimientos": Acuerdos(hub).seguimientos(acuerdo.id),
        "sesiones": {s.id: s for s in Sesiones(hub).of_mesa(mesa.id)},
        "failed": failed,
        "edit": {**edit, **fields} if failed == "acuerdo" else edit,
        "fields": fields if failed == "seguimiento" else {},
        "errors": errors,
        "estados": ESTADOS,
        "today": today(request),
        "history": Acuerdos(hub).history(acuerdo.id),
        "labels": acuerdos_module.FIELD_LABELS,
    }
    return page(request, "enlace/mesas/acuerdo.html", context, notices=NOTICES, status=status)
