"""Diagnóstico pages: the barrio's diagnóstico (checklist, límites, caracterización
sociodemográfica, problemáticas, focos, actores, presencia, recursos, activations), the
list of diagnósticos, and each problemática with its caracterización and history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Final

from aiohttp import web

from hub import keys
from hub.enlace.diagnostico import caracterizacion as car
from hub.enlace.diagnostico.activaciones import DEFAULT_DAYS, activity
from hub.enlace.diagnostico.caracterizacion import Caracterizaciones, read_caracterizacion_form
from hub.enlace.diagnostico.checklist import checklist
from hub.enlace.diagnostico.listas import FOCOS, LISTAS, PRESENCIA, RECURSOS, Lista
from hub.enlace.diagnostico.perfil import perfil
from hub.enlace.diagnostico.problematicas import (
    FIELD_LABELS,
    Prioridad,
    Problematica,
    Problematicas,
    read_problematica_form,
)
from hub.enlace.diagnostico.registros import Registro, Registros
from hub.enlace.web import (
    actor,
    barrio_of,
    done,
    now,
    options,
    page,
    record_of,
    scope,
    today,
    zone,
)
from hub.errors import Invalid
from hub.storage import HubDB
from hub.territory.barrios import Barrio
from hub.territory.barrios import get as get_barrio
from hub.territory.geo import Frame, Geometry
from hub.territory.mapview import MapItem, MapView, map_view
from hub.territory.views import visible_barrios
from hub.web.render import form

NOTICES: Final = {
    "problematica-creada": "La problemática quedó registrada en el diagnóstico.",
    "problematica-editada": "La problemática fue actualizada.",
    "caracterizacion-guardada": "La caracterización de la problemática fue guardada.",
    "registro-creado": "El registro quedó agregado al diagnóstico.",
    "registro-editado": "El registro fue actualizado.",
    "registro-eliminado": "El registro fue eliminado del diagnóstico (su historial se conserva).",
}
PRIORIDADES: Final = options(Prioridad)


def diagnostico_map(
    request: web.Request, hub: HubDB, barrio_id: int, listas: tuple[Lista, ...]
) -> MapView | None:
    """The barrio's limits with the located records of ``listas`` on top."""
    items = []
    for lista in listas:
        for registro in Registros(hub, lista).of_barrio(barrio_id):
            shape = registro.geometry
            if shape is not None:
                items.append(_map_item(request, registro, shape))
    limits = perfil(hub, barrio_id).limites
    view = map_view(limits, items)
    if view is None:
        # Nothing drawn yet: frame the barrio's controllers, so a first foco can be clicked.
        frame = Frame.around(controller_points(hub, barrio_id))
        view = None if frame is None else MapView(frame, limits, items)
    return view


def controller_points(hub: HubDB, barrio_id: int) -> list[Geometry]:
    """Where the barrio's controllers stand (those with coordinates)."""
    rows = hub.db.execute(
        "SELECT longitude, latitude FROM controllers WHERE barrio_id = ? "
        "AND longitude IS NOT NULL AND latitude IS NOT NULL",
        [barrio_id],
    ).fetchall()
    return [Geometry("Point", (float(lon), float(lat))) for lon, lat in rows]


def _map_item(request: web.Request, registro: Registro, shape: Geometry) -> MapItem:
    lista = registro.lista
    kind = registro.values.get("clase") or registro.values.get("tipo") or ""
    href = request.app.router[lista.record_route].url_for(**{lista.id_part: str(registro.id)})
    label = f"{lista.singular}: {registro.nombre}"
    return MapItem(shape, label, f"diag-{lista.key} diag-{kind}", str(href))


async def diagnosticos(request: web.Request) -> web.StreamResponse:
    """Every visible barrio with how complete its diagnóstico is."""
    hub = request.app[keys.db]
    where, params = scope(request).where("b.id")
    rows = [(barrio, checklist(hub, barrio.id)) for barrio in visible_barrios(hub, where, params)]
    return page(request, "enlace/diagnostico/diagnosticos.html", {"rows": rows})


async def diagnostico(request: web.Request) -> web.StreamResponse:
    return _diagnostico(request, barrio_of(request), {}, {})


async def add_problematica(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request, write=True)
    fields = await form(request)
    try:
        draft = read_problematica_form(fields)
        made = Problematicas(request.app[keys.db]).add(
            barrio.id,
            draft.titulo,
            draft.descripcion,
            prioridad=draft.prioridad,
            actor=actor(request),
            at=now(request),
        )
    except Invalid as exc:
        return _diagnostico(request, barrio, exc.problems, fields, status=400)
    raise done(request, "problematica", "problematica-creada", NOTICES, problematica_id=made.id)


def _diagnostico(
    request: web.Request,
    barrio: Barrio,
    errors: Mapping[str, str],
    fields: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    hub = request.app[keys.db]
    until = today(request)
    since = until - timedelta(days=DEFAULT_DAYS - 1)
    listed = {lista.key: Registros(hub, lista).of_barrio(barrio.id) for lista in LISTAS}
    context = {
        "barrio": barrio,
        "checklist": checklist(hub, barrio.id),
        "problematicas": Problematicas(hub).ranked(barrio.id),
        "caracterizaciones": Caracterizaciones(hub).of_barrio(barrio.id),
        "listas": LISTAS,
        "listed": listed,
        "mapa_diagnostico": diagnostico_map(request, hub, barrio.id, (FOCOS, PRESENCIA, RECURSOS)),
        "activity": activity(hub, barrio.id, since, until, zone(request)),
        "since": since,
        "until": until,
        "prioridades": PRIORIDADES,
        "errors": errors,
        "fields": fields,
    }
    return page(
        request, "enlace/diagnostico/diagnostico.html", context, notices=NOTICES, status=status
    )


async def problematica(request: web.Request) -> web.StreamResponse:
    return _problematica(request, _the_problematica(request), {}, {})


async def edit_problematica(request: web.Request) -> web.StreamResponse:
    found = _the_problematica(request, write=True)
    fields = await form(request)
    try:
        draft = read_problematica_form(fields)
        Problematicas(request.app[keys.db]).update(
            found.id, draft, actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _problematica(request, found, exc.problems, fields, status=400)
    raise done(request, "problematica", "problematica-editada", NOTICES, problematica_id=found.id)


async def save_caracterizacion(request: web.Request) -> web.StreamResponse:
    found = _the_problematica(request, write=True)
    fields = await form(request)
    try:
        values = read_caracterizacion_form(fields)
        Caracterizaciones(request.app[keys.db]).save(
            found.id, values, actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _problematica(request, found, exc.problems, fields, status=400)
    raise done(
        request, "problematica", "caracterizacion-guardada", NOTICES, problematica_id=found.id
    )


def _the_problematica(request: web.Request, *, write: bool = False) -> Problematica:
    record_of(request, "problematicas", "problematica_id", what="la problemática", write=write)
    return Problematicas(request.app[keys.db]).get(int(request.match_info["problematica_id"]))


def _problematica(
    request: web.Request,
    found: Problematica,
    errors: Mapping[str, str],
    fields: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    hub = request.app[keys.db]
    until = today(request)
    since = until - timedelta(days=DEFAULT_DAYS - 1)
    focos = [
        registro
        for registro in Registros(hub, FOCOS).of_barrio(found.barrio_id)
        if registro.values.get("problematica_id") == found.id
    ]
    context = {
        "barrio": get_barrio(hub, found.barrio_id),
        "problematica": found,
        "caracterizacion": Caracterizaciones(hub).of(found.id),
        "items": car.ITEMS,
        "focos": focos,
        "history": Problematicas(hub).history(found.id),
        "activity": activity(hub, found.barrio_id, since, until, zone(request)),
        "since": since,
        "labels": {**FIELD_LABELS, **car.LABELS},
        "prioridades": PRIORIDADES,
        "errors": errors,
        "fields": fields,
    }
    return page(
        request, "enlace/diagnostico/problematica.html", context, notices=NOTICES, status=status
    )
