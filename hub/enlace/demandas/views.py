"""Demandas pages: the list of the visible barrios' demandas (overdue first, filters,
figures, CSV), a barrio's demandas with the form to register one, and a demanda's page with
its triage, derivación, response activities, estado and history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final

from aiohttp import web

from hub import keys
from hub.enlace.demandas.forms import (
    DemandaFilter,
    read_actividad,
    read_demanda,
    read_derivacion,
    read_estado,
    read_triage,
)
from hub.enlace.demandas.model import (
    INSTITUCIONES,
    SUBJECT,
    TARGET_DAYS,
    Canal,
    Categoria,
    Demanda,
    Estado,
    Prioridad,
    TipoActividad,
)
from hub.enlace.demandas.repository import Demandas, metrics
from hub.enlace.estados import readable
from hub.enlace.history import history_of
from hub.enlace.web import (
    actor,
    barrio_of,
    csv_download,
    current_user,
    done,
    labels,
    now,
    options,
    page,
    path_id,
    record_of,
    scope,
    today,
)
from hub.errors import Invalid
from hub.maintenance.phones import shown
from hub.mediacion.repository import Casos
from hub.mediacion.routes import MEDIACION
from hub.storage import Subject
from hub.territory.barrios import Barrio
from hub.territory.views import visible_barrios
from hub.web.render import form

NOTICES: Final[Mapping[str, str]] = {
    "demanda-registrada": "La demanda quedó registrada.",
    "triage-guardado": "El triage quedó registrado.",
    "demanda-derivada": "La demanda quedó derivada.",
    "actividad-registrada": "La actividad de respuesta quedó registrada.",
    "estado-cambiado": "El estado de la demanda cambió.",
}
HISTORY_TEXTS: Final[Mapping[str, str]] = {
    "demanda.create": "Registró la demanda",
    "demanda.triage": "Hizo el triage",
    "demanda.derive": "Derivó la demanda",
    "demanda.activity": "Registró una actividad de respuesta",
    "demanda.status": "Cambió el estado",
}
FIELD_LABELS: Final[Mapping[str, str]] = {
    "canal": "Canal",
    "categoria": "Categoría",
    "descripcion": "Descripción",
    "solicitante": "Solicitante",
    "contacto": "Contacto",
    "recibida_el": "Recibida el",
    "prioridad": "Prioridad",
    "estado": "Estado",
    "responsable": "Persona responsable",
    "responsable_institucion": "Institución responsable",
    "derivada_a": "Derivada a",
    "derivacion_nota": "Nota de derivación",
    "resuelta_el": "Resuelta el",
    "motivo_desestimacion": "Motivo de desestimación",
    "fecha": "Fecha",
    "tipo": "Tipo",
    "quien": "Quién",
}
VALUE_LABELS: Final[Mapping[str, Mapping[str, str]]] = {
    name: labels(kind)
    for name, kind in (
        ("canal", Canal),
        ("categoria", Categoria),
        ("prioridad", Prioridad),
        ("estado", Estado),
        ("tipo", TipoActividad),
    )
}
"""How the history shows each coded field's values."""
CSV_HEADER: Final = (
    "N°",
    "Barrio",
    "Recibida",
    "Canal",
    "Categoría",
    "Descripción",
    "Prioridad",
    "Plazo",
    "Vencida",
    "Estado",
    "Responsable",
    "Derivada a",
    "Resuelta",
    "Días de respuesta",
)


def _choices() -> dict[str, Any]:
    return {
        "canal_options": options(Canal),
        "categoria_options": options(Categoria),
        "prioridad_options": [(p.value, f"{p.label} ({TARGET_DAYS[p]} días)") for p in Prioridad],
        "estado_options": options(Estado),
        "tipo_options": options(TipoActividad),
        "target_days": TARGET_DAYS,
    }


def _visible_barrios(request: web.Request) -> list[tuple[str, str]]:
    where, params = scope(request).where("b.id")
    return [(str(row.id), row.name) for row in visible_barrios(request.app[keys.db], where, params)]


def _search(request: web.Request, wanted: DemandaFilter) -> list[Demanda]:
    where, params = scope(request).where("d.barrio_id")
    return Demandas(request.app[keys.db]).search(where, params, wanted, today(request))


async def demandas_list(request: web.Request) -> web.StreamResponse:
    wanted = DemandaFilter.from_query(request.query)
    day = today(request)
    found = _search(request, wanted)
    figures = metrics(_search(request, replace(wanted, estado="todas", vencidas=False)), day)
    context = {
        "vencidas": [d for d in found if d.vencida(day)],
        "otras": [d for d in found if not d.vencida(day)],
        "figures": figures,
        "wanted": wanted,
        "barrio_options": _visible_barrios(request),
        "csv_query": request.query_string,
        "today": day,
        **_choices(),
    }
    return page(request, "enlace/demandas/lista.html", context, notices=NOTICES)


async def demandas_csv(request: web.Request) -> web.StreamResponse:
    """The list as CSV, with the same filters and scope; no requester's name or contact."""
    day = today(request)
    found = _search(request, DemandaFilter.from_query(request.query))
    rows = (
        (
            d.id,
            d.barrio,
            d.recibida_el.isoformat(),
            d.canal.label,
            d.categoria.label,
            d.descripcion,
            d.prioridad.label,
            d.plazo.isoformat(),
            "sí" if d.vencida(day) else "no",
            d.estado.label,
            d.responsable_shown,
            d.derivada_a,
            d.resuelta_el.isoformat() if d.resuelta_el else "",
            "" if d.response_days is None else d.response_days,
        )
        for d in found
    )
    return csv_download(f"demandas-{day:%Y-%m-%d}.csv", CSV_HEADER, rows)


async def barrio_demandas(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request)
    fields = {"recibida_el": today(request).isoformat(), "prioridad": Prioridad.NORMAL.value}
    return _barrio_page(request, barrio, fields, {})


async def create_demanda(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request, write=True)
    fields = await form(request)
    try:
        draft = read_demanda(fields, today=today(request))
        added = Demandas(request.app[keys.db]).add(
            barrio.id, draft, actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _barrio_page(request, barrio, fields, exc.problems, status=400)
    raise done(request, "demanda", "demanda-registrada", NOTICES, demanda_id=added.id)


def _barrio_page(
    request: web.Request,
    barrio: Barrio,
    fields: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    day = today(request)
    found = Demandas(request.app[keys.db]).of_barrio(barrio.id)
    context = {
        "barrio": barrio,
        "demandas": found,
        "figures": metrics(found, day),
        "fields": fields,
        "errors": errors,
        "today": day,
        **_choices(),
    }
    return page(request, "enlace/demandas/barrio.html", context, notices=NOTICES, status=status)


async def demanda_page(request: web.Request) -> web.StreamResponse:
    record_of(request, "demandas", "demanda_id", what="la demanda")
    return _detail(request, _demanda(request), {}, {})


async def triage(request: web.Request) -> web.StreamResponse:
    record_of(request, "demandas", "demanda_id", what="la demanda", write=True)
    demanda = _demanda(request)
    fields = await form(request)
    try:
        Demandas(request.app[keys.db]).triage(
            demanda.id, read_triage(fields), actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _detail(request, demanda, exc.problems, fields, status=400)
    raise done(request, "demanda", "triage-guardado", NOTICES, demanda_id=demanda.id)


async def derive(request: web.Request) -> web.StreamResponse:
    record_of(request, "demandas", "demanda_id", what="la demanda", write=True)
    demanda = _demanda(request)
    fields = await form(request)
    try:
        institucion, nota = read_derivacion(fields)
        Demandas(request.app[keys.db]).derive(
            demanda.id, institucion, nota, actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _detail(request, demanda, exc.problems, fields, status=400)
    raise done(request, "demanda", "demanda-derivada", NOTICES, demanda_id=demanda.id)


async def add_actividad(request: web.Request) -> web.StreamResponse:
    record_of(request, "demandas", "demanda_id", what="la demanda", write=True)
    demanda = _demanda(request)
    fields = await form(request)
    try:
        draft = read_actividad(
            fields,
            today=today(request),
            recibida_el=demanda.recibida_el,
            default_quien=current_user(request).display_name,
        )
        Demandas(request.app[keys.db]).add_actividad(
            demanda.id, draft, actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _detail(request, demanda, exc.problems, fields, status=400)
    raise done(request, "demanda", "actividad-registrada", NOTICES, demanda_id=demanda.id)


async def change_estado(request: web.Request) -> web.StreamResponse:
    record_of(request, "demandas", "demanda_id", what="la demanda", write=True)
    demanda = _demanda(request)
    fields = await form(request)
    try:
        estado, nota = read_estado(fields)
        Demandas(request.app[keys.db]).move(
            demanda.id,
            estado,
            nota=nota,
            actor=actor(request),
            at=now(request),
            today=today(request),
        )
    except Invalid as exc:
        return _detail(request, demanda, exc.problems, fields, status=400)
    raise done(request, "demanda", "estado-cambiado", NOTICES, demanda_id=demanda.id)


def _demanda(request: web.Request) -> Demanda:
    return Demandas(request.app[keys.db]).get(path_id(request, "demanda_id"))


def _detail(
    request: web.Request,
    demanda: Demanda,
    errors: Mapping[str, str],
    fields: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    hub = request.app[keys.db]
    repo = Demandas(hub)
    day = today(request)
    context = {
        "item": demanda,
        "barrio": barrio_of_demanda(demanda),
        "contacto_shown": shown(demanda.contacto) if demanda.contacto.startswith("+") else "",
        "vencida": demanda.vencida(day),
        "actividades": repo.actividades(demanda.id),
        "estados": repo.estados(demanda.id),
        "history": readable(
            history_of(hub, Subject(SUBJECT, demanda.id), HISTORY_TEXTS), VALUE_LABELS
        ),
        "field_labels": FIELD_LABELS,
        "estado_labels": labels(Estado),
        "next_options": options(e for e in demanda.next_estados if e is not Estado.DERIVADA),
        "may_derive": Estado.DERIVADA in demanda.next_estados,
        "responsable_options": [(str(i), name) for i, name in repo.responsables()],
        "instituciones": INSTITUCIONES,
        "mediacion_casos": _mediacion_cases(request, demanda),
        "errors": errors,
        "fields": fields,
        "today": day,
        **_choices(),
    }
    return page(request, "enlace/demandas/demanda.html", context, notices=NOTICES, status=status)


def _mediacion_cases(request: web.Request, demanda: Demanda) -> list[tuple[int, str]] | None:
    """The Mediación cases opened from this demanda (id, estado), for the mediación role
    and admins only; None for everyone else, who must not learn of them."""
    if current_user(request).role not in MEDIACION:
        return None
    cases = Casos(request.app[keys.db]).of_demanda(demanda.id)
    return [(case.id, case.estado.label) for case in cases]


def barrio_of_demanda(demanda: Demanda) -> Barrio:
    """The demanda's barrio, for the breadcrumbs (its name came with the demanda)."""
    return Barrio(demanda.barrio_id, demanda.barrio, 0.0)
