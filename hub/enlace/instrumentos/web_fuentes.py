"""Fuentes secundarias pages: a barrio's imports and incidents (tables, map, exports), the
CSV upload with its preview and confirmation, an import's page and its undo."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from aiohttp import web

from hub import keys
from hub.enlace.history import history_of
from hub.enlace.instrumentos.csvfile import HEADERS, LABELS, MAX_BYTES, MAX_ROWS
from hub.enlace.instrumentos.fuentes import (
    FUENTE_LABELS,
    SUBJECT,
    Fuente,
    Fuentes,
    Staged,
    limits_of,
)
from hub.enlace.instrumentos.incidentes import MAX_ON_MAP, Incidentes, feature
from hub.enlace.web import (
    actor,
    barrio_of,
    csv_download,
    current_user,
    done,
    geojson_download,
    now,
    options,
    page,
    path_id,
    record_of,
    today,
)
from hub.errors import Invalid, NotFound
from hub.forms import FormReader
from hub.storage import Subject
from hub.territory.barrios import Barrio
from hub.territory.barrios import get as get_barrio
from hub.territory.mapview import MapItem, map_view
from hub.web.access import CSRF_FIELD

NOTICES: Final = {
    "importado": "Se importaron todas las filas del archivo.",
    "deshecho": "La importación fue deshecha: sus filas ya no se cuentan.",
}
PREVIEW_ROWS: Final = 50
MAX_PROBLEMS_SHOWN: Final = 1000
HISTORY_TEXTS: Final = {
    "fuente.import": "Importó el archivo",
    "fuente.undo": "Deshizo la importación",
}


async def fuentes_page(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request)
    hub = request.app[keys.db]
    incidentes = Incidentes(hub)
    located = incidentes.of_barrio(barrio.id, with_point=True)
    items = [
        MapItem(point, f"{i.fecha_dmy} · {i.categoria} ({i.fuente_label})", "incidente")
        for i in located[:MAX_ON_MAP]
        if (point := i.point) is not None
    ]
    context = {
        "barrio": barrio,
        "imports": Fuentes(hub).of_barrio(barrio.id),
        "total": incidentes.count(barrio.id),
        "by_category": incidentes.by_category(barrio.id),
        "by_month": incidentes.by_month(barrio.id),
        "view": map_view(limits_of(hub, barrio.id), items),
        "located": len(located),
        "shown_on_map": len(items),
    }
    return page(request, "enlace/instrumentos/fuentes.html", context, notices=NOTICES)


async def import_form(request: web.Request) -> web.StreamResponse:
    """The upload form, or the preview of the file staged under ``?lote=``."""
    barrio = barrio_of(request, write=True)
    token = request.query.get("lote", "")
    if not token:
        return _upload_page(request, barrio, {}, {})
    try:
        staged = _staged(request, barrio, token)
    except NotFound as exc:
        return _upload_page(request, barrio, {}, {"": str(exc)}, status=404)
    return _preview_page(request, barrio, staged, {})


async def upload(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request, write=True)
    post = await request.post()
    fields = {k: v for k, v in post.items() if isinstance(v, str) and k != CSRF_FIELD}
    reader = FormReader(fields)
    fuente = reader.choice(
        "fuente", Fuente, "Elija la fuente: " + ", ".join(FUENTE_LABELS.values()) + "."
    )
    nombre = reader.text("fuente_nombre", max_chars=80)
    if fuente is Fuente.OTRA and not nombre and "fuente" not in reader.problems:
        reader.fail("fuente_nombre", "Escriba el nombre de la otra fuente.")
    if fuente is not Fuente.OTRA:
        nombre = ""
    upload = post.get("archivo")
    data = b""
    file_name = ""
    if not isinstance(upload, web.FileField) or not upload.filename:
        reader.fail("archivo", "Elija el archivo CSV que quiere importar.")
    else:
        file_name = upload.filename
        data = upload.file.read(MAX_BYTES + 1)
    try:
        reader.done()
        staged = Fuentes(request.app[keys.db]).stage(
            barrio.id,
            current_user(request).id,
            fuente,
            nombre,
            file_name,
            data,
            today=today(request),
            at=now(request),
        )
    except Invalid as exc:
        return _upload_page(request, barrio, fields, exc.problems, status=400)
    url = request.app.router["fuentes_importar"].url_for(barrio_id=str(barrio.id))
    raise web.HTTPSeeOther(url.with_query(lote=staged.token))


async def confirm(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request, write=True)
    post = await request.post()
    token = str(post.get("lote", ""))
    fuentes = Fuentes(request.app[keys.db])
    user = current_user(request)
    try:
        done_import = fuentes.confirm(
            token, barrio_id=barrio.id, user_id=user.id, actor=actor(request), at=now(request)
        )
    except NotFound as exc:
        return _upload_page(request, barrio, {}, {"": str(exc)}, status=404)
    except Invalid as exc:
        staged = _staged(request, barrio, token)
        problems = {"": " ".join(exc.problems.values())}
        return _preview_page(request, barrio, staged, problems, status=400)
    raise done(request, "fuente_import", "importado", NOTICES, import_id=done_import.id)


async def import_page(request: web.Request) -> web.StreamResponse:
    return _import_page(request, {})


async def undo(request: web.Request) -> web.StreamResponse:
    record_of(request, "fuente_imports", "import_id", what="la importación", write=True)
    import_id = path_id(request, "import_id")
    try:
        Fuentes(request.app[keys.db]).undo(import_id, actor=actor(request), at=now(request))
    except Invalid as exc:
        return _import_page(request, exc.problems, status=400)
    raise done(request, "fuente_import", "deshecho", NOTICES, import_id=import_id)


async def incidents_csv(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request)
    found = Incidentes(request.app[keys.db]).of_barrio(barrio.id)
    header = (
        "id",
        "importacion",
        "fuente",
        "fecha",
        "hora",
        "categoria",
        "lugar",
        "descripcion",
        "latitud",
        "longitud",
        "fuera_del_barrio",
    )
    rows = (
        (
            i.id,
            i.import_id,
            i.fuente_label,
            i.fecha,
            i.hora,
            i.categoria,
            i.lugar,
            i.descripcion,
            i.latitud,
            i.longitud,
            "sí" if i.fuera else "no",
        )
        for i in found
    )
    return csv_download(f"incidentes-barrio-{barrio.id}.csv", header, rows)


async def incidents_geojson(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request)
    found = Incidentes(request.app[keys.db]).of_barrio(barrio.id, with_point=True)
    return geojson_download(f"incidentes-barrio-{barrio.id}.geojson", map(feature, found))


def _staged(request: web.Request, barrio: Barrio, token: str) -> Staged:
    return Fuentes(request.app[keys.db]).staged(
        token, barrio_id=barrio.id, user_id=current_user(request).id, at=now(request)
    )


def _upload_page(
    request: web.Request,
    barrio: Barrio,
    fields: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    context: dict[str, Any] = {
        "barrio": barrio,
        "fields": fields,
        "errors": errors,
        "fuentes": options(Fuente),
        "headers": HEADERS,
        "max_rows": MAX_ROWS,
        "max_mb": MAX_BYTES // (1024 * 1024),
    }
    return page(request, "enlace/instrumentos/importar.html", context, status=status)


def _preview_page(
    request: web.Request,
    barrio: Barrio,
    staged: Staged,
    errors: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    parsed = staged.parsed
    context = {
        "barrio": barrio,
        "staged": staged,
        "parsed": parsed,
        "errors": errors,
        "shown": parsed.rows[:PREVIEW_ROWS],
        "problems": parsed.problems[:MAX_PROBLEMS_SHOWN],
        "outside": sum(1 for row in parsed.rows if row.fuera),
        "labels": LABELS,
    }
    return page(request, "enlace/instrumentos/vista_previa.html", context, status=status)


def _import_page(
    request: web.Request, errors: Mapping[str, str], *, status: int = 200
) -> web.Response:
    record_of(request, "fuente_imports", "import_id", what="la importación")
    hub = request.app[keys.db]
    found = Fuentes(hub).get(path_id(request, "import_id"))
    incidents = Incidentes(hub).of_import(found.id, limit=200)
    context = {
        "barrio": get_barrio(hub, found.barrio_id),
        "record": found,
        "incidents": incidents,
        "errors": errors,
        "history": history_of(hub, Subject(SUBJECT, found.id), HISTORY_TEXTS),
    }
    return page(
        request, "enlace/instrumentos/importacion.html", context, notices=NOTICES, status=status
    )
