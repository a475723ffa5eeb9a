"""Técnicas cualitativas pages (grupo focal, cartografía participativa, marcha
exploratoria): create and edit, a técnica's page with its map, elements and history, the
points, areas and hallazgos drawn on it, and the exports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from aiohttp import web

from hub import keys
from hub.enlace.diagnostico.problematicas import Problematicas
from hub.enlace.history import history_of
from hub.enlace.instrumentos import elementos as els
from hub.enlace.instrumentos.fuentes import limits_of
from hub.enlace.instrumentos.tecnicas import (
    FIELD_LABELS,
    SUBJECT,
    TIPO_LABELS,
    Tecnica,
    Tecnicas,
    Tipo,
    read_form,
)
from hub.enlace.web import (
    actor,
    barrio_of,
    csv_download,
    done,
    geojson_download,
    now,
    page,
    path_id,
    record_of,
    today,
)
from hub.errors import Invalid
from hub.storage import Subject
from hub.territory.barrios import Barrio
from hub.territory.barrios import get as get_barrio
from hub.territory.mapview import MAIPU, MapItem, map_view
from hub.web.access import CSRF_FIELD

NOTICES: Final = {
    "tecnica-creada": "La técnica quedó registrada.",
    "tecnica-actualizada": "Los cambios quedaron guardados.",
    "elemento-agregado": "El elemento quedó en el mapa.",
    "elemento-quitado": "El elemento fue quitado del mapa.",
}
HISTORY_TEXTS: Final = {
    "tecnica.create": "Registró la técnica",
    "tecnica.update": "Editó la técnica",
    "tecnica.elemento.add": "Agregó un elemento al mapa",
    "tecnica.elemento.remove": "Quitó un elemento del mapa",
}


async def new_form(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request, write=True)
    tipo = _tipo(request.query.get("tipo", ""))
    fields = {"tipo": tipo.value, "fecha": today(request).isoformat()}
    return _form_page(request, barrio, tipo, None, fields, [], {})


async def create(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request, write=True)
    fields, ticked = await _posted(request)
    tipo = _tipo(fields.get("tipo", ""))
    hub = request.app[keys.db]
    try:
        draft = read_form(fields, ticked, tipo, today=today(request))
        added = Tecnicas(hub).add(barrio.id, tipo, draft, actor=actor(request), at=now(request))
    except Invalid as exc:
        return _form_page(request, barrio, tipo, None, fields, ticked, exc.problems, status=400)
    raise done(request, "tecnica", "tecnica-creada", NOTICES, tecnica_id=added.id)


async def edit_form(request: web.Request) -> web.StreamResponse:
    tecnica = _tecnica(request, write=True)
    hub = request.app[keys.db]
    ticked = [str(pid) for pid, _ in Tecnicas(hub).problematicas_of(tecnica.id)]
    barrio = get_barrio(hub, tecnica.barrio_id)
    return _form_page(request, barrio, tecnica.tipo, tecnica, tecnica.fields(), ticked, {})


async def update(request: web.Request) -> web.StreamResponse:
    tecnica = _tecnica(request, write=True)
    fields, ticked = await _posted(request)
    hub = request.app[keys.db]
    try:
        draft = read_form(fields, ticked, tecnica.tipo, today=today(request))
        Tecnicas(hub).update(tecnica.id, draft, actor=actor(request), at=now(request))
    except Invalid as exc:
        barrio = get_barrio(hub, tecnica.barrio_id)
        return _form_page(
            request, barrio, tecnica.tipo, tecnica, fields, ticked, exc.problems, status=400
        )
    raise done(request, "tecnica", "tecnica-actualizada", NOTICES, tecnica_id=tecnica.id)


async def tecnica_page(request: web.Request) -> web.StreamResponse:
    return _tecnica_page(request, _tecnica(request), {}, {})


async def add_elemento(request: web.Request) -> web.StreamResponse:
    tecnica = _tecnica(request, write=True)
    fields, _ = await _posted(request)
    if tecnica.tipo is Tipo.GRUPO_FOCAL:
        raise web.HTTPNotFound()
    try:
        draft = els.read_form(fields, tecnica)
        els.Elementos(request.app[keys.db]).add(
            tecnica, draft, actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _tecnica_page(request, tecnica, fields, exc.problems, status=400)
    raise done(request, "tecnica", "elemento-agregado", NOTICES, tecnica_id=tecnica.id)


async def remove_elemento(request: web.Request) -> web.StreamResponse:
    tecnica = _tecnica(request, write=True)
    els.Elementos(request.app[keys.db]).remove(
        tecnica, path_id(request, "elemento_id"), actor=actor(request), at=now(request)
    )
    raise done(request, "tecnica", "elemento-quitado", NOTICES, tecnica_id=tecnica.id)


async def tecnica_geojson(request: web.Request) -> web.StreamResponse:
    tecnica = _tecnica(request)
    found = els.Elementos(request.app[keys.db]).of_tecnica(tecnica.id)
    return geojson_download(f"tecnica-{tecnica.id}.geojson", els.features(tecnica, found))


async def tecnicas_csv(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request)
    hub = request.app[keys.db]
    repository = Tecnicas(hub)
    elementos = els.Elementos(hub)
    header = (
        "id",
        "tipo",
        "nombre",
        "fecha",
        "lugar",
        "participantes",
        "vecinos",
        "organizaciones",
        "instituciones",
        "facilitador",
        "hallazgos",
        "problematicas",
        "elementos_en_mapa",
    )
    rows = [
        (
            t.id,
            t.tipo.label,
            t.titulo,
            t.fecha,
            t.lugar,
            t.participantes,
            t.vecinos,
            t.organizaciones,
            t.instituciones,
            t.facilitador,
            t.hallazgos,
            "; ".join(title for _, title in repository.problematicas_of(t.id)),
            len(elementos.of_tecnica(t.id)),
        )
        for t in repository.of_barrio(barrio.id)
    ]
    return csv_download(f"tecnicas-barrio-{barrio.id}.csv", header, rows)


async def tecnicas_geojson(request: web.Request) -> web.StreamResponse:
    """The routes, points and areas of every cartografía and marcha of the barrio."""
    barrio = barrio_of(request)
    hub = request.app[keys.db]
    elementos = els.Elementos(hub)
    features = [
        feature
        for t in Tecnicas(hub).of_barrio(barrio.id)
        if t.tipo is not Tipo.GRUPO_FOCAL
        for feature in els.features(t, elementos.of_tecnica(t.id))
    ]
    return geojson_download(f"tecnicas-barrio-{barrio.id}.geojson", features)


def _tipo(value: str) -> Tipo:
    try:
        return Tipo(value)
    except ValueError:
        raise web.HTTPNotFound(text="Tipo de técnica desconocido.") from None


def _tecnica(request: web.Request, *, write: bool = False) -> Tecnica:
    record_of(request, "tecnicas", "tecnica_id", what="la técnica", write=write)
    return Tecnicas(request.app[keys.db]).get(path_id(request, "tecnica_id"))


async def _posted(request: web.Request) -> tuple[dict[str, str], list[str]]:
    post = await request.post()
    fields = {k: v for k, v in post.items() if isinstance(v, str) and k != CSRF_FIELD}
    ticked = [v for v in post.getall("problematicas", []) if isinstance(v, str)]
    return fields, ticked


def _form_page(
    request: web.Request,
    barrio: Barrio,
    tipo: Tipo,
    tecnica: Tecnica | None,
    fields: Mapping[str, str],
    ticked: list[str],
    errors: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    hub = request.app[keys.db]
    limits = limits_of(hub, barrio.id)
    items = []
    if tecnica is not None:
        items = [
            MapItem(e.geometry, e.label(tipo), "hallazgo")
            for e in els.Elementos(hub).of_tecnica(tecnica.id)
        ]
    context: dict[str, Any] = {
        "barrio": barrio,
        "tipo": tipo,
        "tipo_label": tipo.label,
        "tecnica": tecnica,
        "fields": fields,
        "ticked": set(ticked),
        "errors": errors,
        "problematicas": Problematicas(hub).of_barrio(barrio.id),
        "view": map_view(limits, items, fallback=MAIPU) if tipo is Tipo.MARCHA else None,
        "has_limits": limits is not None,
    }
    return page(request, "enlace/instrumentos/tecnica_form.html", context, status=status)


def _tecnica_page(
    request: web.Request,
    tecnica: Tecnica,
    fields: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    hub = request.app[keys.db]
    elementos = els.Elementos(hub).of_tecnica(tecnica.id)
    items = []
    route = tecnica.route
    if route is not None:
        items.append(MapItem(route, "Recorrido de la marcha", "recorrido"))
    for elemento in elementos:
        css = "area-cartografia" if elemento.geometry.kind == "Polygon" else "hallazgo"
        items.append(
            MapItem(elemento.geometry, f"N° {elemento.id} · {elemento.label(tecnica.tipo)}", css)
        )
    context = {
        "barrio": get_barrio(hub, tecnica.barrio_id),
        "tecnica": tecnica,
        "tipos": TIPO_LABELS,
        "problematicas": Tecnicas(hub).problematicas_of(tecnica.id),
        "elementos": elementos,
        "categorias": els.categorias(tecnica.tipo),
        "view": map_view(limits_of(hub, tecnica.barrio_id), items, fallback=MAIPU),
        "fields": fields,
        "errors": errors,
        "kinds": " ".join(sorted(els.kinds(tecnica.tipo))),
        "history": history_of(hub, Subject(SUBJECT, tecnica.id), HISTORY_TEXTS),
        "labels": FIELD_LABELS,
    }
    return page(
        request, "enlace/instrumentos/tecnica.html", context, notices=NOTICES, status=status
    )
