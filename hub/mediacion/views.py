"""Mediación Comunitaria pages, for the mediación role and admins only (the routes say so):
the cases with filters and their CSV, the new-case form, and a case's page with its
parties, sessions, acuerdo, estado and history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from aiohttp import web

from hub import keys
from hub.enlace.estados import readable
from hub.enlace.history import history_of
from hub.enlace.web import (
    actor,
    csv_download,
    done,
    labels,
    now,
    options,
    page,
    path_id,
    today,
    zone,
)
from hub.errors import Invalid
from hub.maintenance.phones import shown
from hub.mediacion.forms import (
    PRIVACY,
    CasoFilter,
    read_acuerdo,
    read_caso,
    read_estado,
    read_parte,
    read_sesion,
)
from hub.mediacion.model import (
    SUBJECT,
    Asistencia,
    Caso,
    EstadoCaso,
    Origen,
    RolParte,
    TipoConflicto,
)
from hub.mediacion.repository import Casos
from hub.storage import Subject
from hub.territory.barrios import all_barrios
from hub.web.render import form

NOTICES: Final[Mapping[str, str]] = {
    "caso-ingresado": "El caso quedó ingresado.",
    "parte-agregada": "La parte quedó registrada.",
    "sesion-registrada": "La sesión quedó registrada.",
    "acuerdo-guardado": "El acuerdo quedó registrado.",
    "estado-cambiado": "El estado del caso cambió.",
}
HISTORY_TEXTS: Final[Mapping[str, str]] = {
    "mediacion_caso.create": "Ingresó el caso",
    "mediacion_caso.party": "Registró una parte",
    "mediacion_caso.session": "Registró una sesión",
    "mediacion_caso.acuerdo": "Cambió el acuerdo",
    "mediacion_caso.status": "Cambió el estado",
}
FIELD_LABELS: Final[Mapping[str, str]] = {
    "tipo": "Tipo de conflicto",
    "barrio_id": "Barrio (N°)",
    "origen": "Origen",
    "demanda_id": "Demanda (N°)",
    "institucion_origen": "Institución que deriva",
    "descripcion": "Descripción",
    "estado": "Estado",
    "acuerdo": "Acuerdo o resultado",
    "parte": "Parte",
    "rol": "Rol",
    "telefono": "Teléfono",
    "fecha": "Fecha",
    "asistencia": "Asistencia",
    "nota": "Nota",
}
VALUE_LABELS: Final[Mapping[str, Mapping[str, str]]] = {
    name: labels(kind)
    for name, kind in (
        ("tipo", TipoConflicto),
        ("origen", Origen),
        ("estado", EstadoCaso),
        ("rol", RolParte),
        ("asistencia", Asistencia),
    )
}
"""How the history shows each coded field's values."""
CSV_HEADER: Final = (
    "N°",
    "Ingresado",
    "Tipo de conflicto",
    "Barrio",
    "Origen",
    "Demanda N°",
    "Estado",
    "Partes",
    "Sesiones",
    "Acuerdo o resultado",
)


def _choices(request: web.Request) -> dict[str, Any]:
    barrios = all_barrios(request.app[keys.db])
    return {
        "tipo_options": options(TipoConflicto),
        "origen_options": options(Origen),
        "estado_options": options(EstadoCaso),
        "rol_options": options(RolParte),
        "asistencia_options": options(Asistencia),
        "barrio_options": [(str(b.id), b.name) for b in barrios],
        "privacy": PRIVACY,
    }


async def casos_list(request: web.Request) -> web.StreamResponse:
    wanted = CasoFilter.from_query(request.query)
    context = {
        "casos": Casos(request.app[keys.db]).search(wanted),
        "wanted": wanted,
        "csv_query": request.query_string,
        **_choices(request),
    }
    return page(request, "mediacion/lista.html", context, notices=NOTICES)


async def casos_csv(request: web.Request) -> web.StreamResponse:
    """The cases with the list's filters; no party's alias or phone."""
    found = Casos(request.app[keys.db]).search(CasoFilter.from_query(request.query))
    rows = (
        (
            c.id,
            today_of(request, c.created_at),
            c.tipo.label,
            c.barrio,
            c.origen_shown,
            c.demanda_id or "",
            c.estado.label,
            c.partes,
            c.sesiones,
            c.acuerdo,
        )
        for c in found
    )
    return csv_download(f"mediacion-{today(request):%Y-%m-%d}.csv", CSV_HEADER, rows)


def today_of(request: web.Request, at: float) -> str:
    """The calendar date of ``at`` in the hub's time zone, as AAAA-MM-DD."""
    return datetime.fromtimestamp(at, zone(request)).date().isoformat()


async def new_caso_form(request: web.Request) -> web.StreamResponse:
    fields: dict[str, str] = {}
    demanda = request.query.get("demanda", "")
    if demanda.isdecimal():
        fields = {"origen": Origen.DEMANDA.value, "demanda_id": demanda}
    return _new_page(request, fields, {})


async def create_caso(request: web.Request) -> web.StreamResponse:
    fields = await form(request)
    try:
        caso = Casos(request.app[keys.db]).open(
            read_caso(fields), actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _new_page(request, fields, exc.problems, status=400)
    raise done(request, "mediacion_caso", "caso-ingresado", NOTICES, caso_id=caso.id)


def _new_page(
    request: web.Request,
    fields: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    context = {"fields": fields, "errors": errors, **_choices(request)}
    return page(request, "mediacion/nuevo.html", context, notices=NOTICES, status=status)


async def caso_page(request: web.Request) -> web.StreamResponse:
    return _detail(request, _caso(request), {}, {})


async def add_parte(request: web.Request) -> web.StreamResponse:
    caso = _caso(request)
    fields = await form(request)
    try:
        Casos(request.app[keys.db]).add_parte(
            caso.id, read_parte(fields), actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _detail(request, caso, exc.problems, fields, status=400)
    raise done(request, "mediacion_caso", "parte-agregada", NOTICES, caso_id=caso.id)


async def add_sesion(request: web.Request) -> web.StreamResponse:
    caso = _caso(request)
    fields = await form(request)
    try:
        Casos(request.app[keys.db]).add_sesion(
            caso.id,
            read_sesion(fields, today=today(request)),
            actor=actor(request),
            at=now(request),
        )
    except Invalid as exc:
        return _detail(request, caso, exc.problems, fields, status=400)
    raise done(request, "mediacion_caso", "sesion-registrada", NOTICES, caso_id=caso.id)


async def set_acuerdo(request: web.Request) -> web.StreamResponse:
    caso = _caso(request)
    fields = await form(request)
    try:
        Casos(request.app[keys.db]).set_acuerdo(
            caso.id, read_acuerdo(fields), actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _detail(request, caso, exc.problems, fields, status=400)
    raise done(request, "mediacion_caso", "acuerdo-guardado", NOTICES, caso_id=caso.id)


async def change_estado(request: web.Request) -> web.StreamResponse:
    caso = _caso(request)
    fields = await form(request)
    try:
        estado, nota, resultado = read_estado(fields)
        Casos(request.app[keys.db]).move(
            caso.id, estado, nota=nota, resultado=resultado, actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _detail(request, caso, exc.problems, fields, status=400)
    raise done(request, "mediacion_caso", "estado-cambiado", NOTICES, caso_id=caso.id)


def _caso(request: web.Request) -> Caso:
    return Casos(request.app[keys.db]).get(path_id(request, "caso_id"))


def _detail(
    request: web.Request,
    caso: Caso,
    errors: Mapping[str, str],
    fields: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    hub = request.app[keys.db]
    repo = Casos(hub)
    context = {
        "item": caso,
        "partes": [(p, shown(p.telefono) if p.telefono else "") for p in repo.partes(caso.id)],
        "sesiones": repo.sesiones(caso.id),
        "estados": repo.estados(caso.id),
        "history": readable(
            history_of(hub, Subject(SUBJECT, caso.id), HISTORY_TEXTS), VALUE_LABELS
        ),
        "field_labels": FIELD_LABELS,
        "estado_labels": labels(EstadoCaso),
        "next_options": options(caso.next_estados),
        "errors": errors,
        "fields": fields,
        "today": today(request),
        **_choices(request),
    }
    return page(request, "mediacion/caso.html", context, notices=NOTICES, status=status)
