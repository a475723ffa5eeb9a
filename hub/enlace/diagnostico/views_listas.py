"""Pages of the diagnóstico's lists (focos, actores clave, presencia institucional,
recursos): a barrio's list with its map and the form to add, each record's page with its
edit form, removal and history. One set of handlers serves the four lists: each route
binds its :class:`~hub.enlace.diagnostico.listas.Lista`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from aiohttp import web

from hub import keys
from hub.enlace.diagnostico.listas import FOCOS, Lista, ambito
from hub.enlace.diagnostico.problematicas import Problematicas
from hub.enlace.diagnostico.registros import Registro, Registros, read_form
from hub.enlace.diagnostico.views import NOTICES, diagnostico_map
from hub.enlace.web import actor, barrio_of, done, now, page, record_of
from hub.errors import Invalid
from hub.routing import Handler
from hub.storage import HubDB
from hub.territory.barrios import Barrio
from hub.territory.barrios import get as get_barrio
from hub.web.render import form

LIST_TEMPLATE: Final = "enlace/diagnostico/lista.html"
RECORD_TEMPLATE: Final = "enlace/diagnostico/registro.html"


def list_page(lista: Lista) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return _list(request, lista, barrio_of(request), {}, {})

    return handler


def add(lista: Lista) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        barrio = barrio_of(request, write=True)
        hub = request.app[keys.db]
        fields = await form(request)
        try:
            values = read_form(lista, fields, problematica_ids=_problematica_ids(hub, barrio.id))
            made = Registros(hub, lista).add(
                barrio.id, values, actor=actor(request), at=now(request)
            )
        except Invalid as exc:
            return _list(request, lista, barrio, exc.problems, fields, status=400)
        raise done(
            request, lista.record_route, "registro-creado", NOTICES, **{lista.id_part: made.id}
        )

    return handler


def record_page(lista: Lista) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return _record(request, lista, _registro(request, lista), {}, {})

    return handler


def edit(lista: Lista) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        found = _registro(request, lista, write=True)
        hub = request.app[keys.db]
        fields = await form(request)
        try:
            values = read_form(
                lista, fields, problematica_ids=_problematica_ids(hub, found.barrio_id)
            )
            Registros(hub, lista).update(found.id, values, actor=actor(request), at=now(request))
        except Invalid as exc:
            return _record(request, lista, found, exc.problems, fields, status=400)
        raise done(
            request, lista.record_route, "registro-editado", NOTICES, **{lista.id_part: found.id}
        )

    return handler


def remove(lista: Lista) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        found = _registro(request, lista, write=True)
        Registros(request.app[keys.db], lista).remove(
            found.id, actor=actor(request), at=now(request)
        )
        raise done(
            request, lista.list_route, "registro-eliminado", NOTICES, barrio_id=found.barrio_id
        )

    return handler


def _registro(request: web.Request, lista: Lista, *, write: bool = False) -> Registro:
    record_of(request, lista.table, lista.id_part, what=lista.noun, write=write)
    return Registros(request.app[keys.db], lista).get(int(request.match_info[lista.id_part]))


def _problematica_ids(hub: HubDB, barrio_id: int) -> set[int]:
    return {p.id for p in Problematicas(hub).of_barrio(barrio_id)}


def _form_context(hub: HubDB, lista: Lista, barrio_id: int) -> dict[str, object]:
    problematicas = Problematicas(hub).of_barrio(barrio_id)
    return {
        "lista": lista,
        "problematica_options": [(str(p.id), p.titulo) for p in problematicas],
        "problematica_titles": {p.id: p.titulo for p in problematicas},
        "ambito": ambito,
    }


def _list(
    request: web.Request,
    lista: Lista,
    barrio: Barrio,
    errors: Mapping[str, str],
    fields: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    hub = request.app[keys.db]
    repository = Registros(hub, lista)
    mapped = (lista,) if lista.geometry_field is not None else ()
    context = {
        **_form_context(hub, lista, barrio.id),
        "barrio": barrio,
        "registros": repository.of_barrio(barrio.id),
        "removed": repository.of_barrio(barrio.id, removed=True),
        "view": diagnostico_map(request, hub, barrio.id, mapped) if mapped else None,
        "errors": errors,
        "fields": fields,
        "is_focos": lista is FOCOS,
    }
    return page(request, LIST_TEMPLATE, context, notices=NOTICES, status=status)


def _record(
    request: web.Request,
    lista: Lista,
    found: Registro,
    errors: Mapping[str, str],
    fields: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    hub = request.app[keys.db]
    values = {name: "" if value is None else str(value) for name, value in found.values.items()}
    mapped = (lista,) if lista.geometry_field is not None else ()
    context = {
        **_form_context(hub, lista, found.barrio_id),
        "barrio": get_barrio(hub, found.barrio_id),
        "registro": found,
        "view": diagnostico_map(request, hub, found.barrio_id, mapped) if mapped else None,
        "history": Registros(hub, lista).history(found.id),
        "errors": errors,
        "fields": fields or values,
    }
    return page(request, RECORD_TEMPLATE, context, notices=NOTICES, status=status)
