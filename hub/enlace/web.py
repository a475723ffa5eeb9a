"""What the Enlace Comunitario views share: who may enter, the territorial scope of the
person asking, the barrio or record a URL names (checked against that scope), fixed
notices after a redirect, and CSV / GeoJSON downloads.

A view of a barrio's page::

    async def diagnostico(request):
        barrio = barrio_of(request)                   # 404 outside the gestor's territory
        ...
        return page(request, "enlace/diagnostico/ficha.html", {"barrio": barrio, ...})

and of a record reached by its own id (``/acciones/{accion_id}``)::

    barrio_id = record_of(request, "plan_actions", "accion_id", what="la acción", write=True)

Writes (POST) use ``write=True``: a reader (mediación) gets 403, a gestor of another
territory 404. Routes: :data:`READERS` for pages, :data:`WRITERS` for forms that change.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Protocol

from aiohttp import web

from hub import keys
from hub.roles import Role
from hub.territory.barrios import Barrio
from hub.territory.scope import Scope, require_barrio, require_record, scope_of
from hub.web.render import NOTICES as HUB_NOTICES
from hub.web.render import render
from hub.web.requests import actor as actor
from hub.web.requests import current_user as current_user
from hub.web.requests import now as now
from hub.web.requests import path_id as path_id
from hub.web.requests import today as today
from hub.web.requests import zone as zone

READERS: Final = frozenset({Role.GESTOR, Role.ADMIN, Role.MEDIACION})
"""Who may open the Enlace pages (mediación reads every barrio; gestores their own)."""
WRITERS: Final = frozenset({Role.GESTOR, Role.ADMIN})
"""Who may change Enlace records (gestores in their own territorios)."""
SCOPE_KEY: Final = web.RequestKey("enlace_scope", Scope)


def scope(request: web.Request) -> Scope:
    """The signed-in person's territorial scope (read once per request)."""
    if SCOPE_KEY not in request:
        request[SCOPE_KEY] = scope_of(request.app[keys.db], current_user(request))
    return request[SCOPE_KEY]


def barrio_of(request: web.Request, *, write: bool = False, name: str = "barrio_id") -> Barrio:
    """The barrio of the path part ``name``, if the person's scope sees it (404 if not)."""
    return require_barrio(request.app[keys.db], scope(request), path_id(request, name), write=write)


def record_of(
    request: web.Request, table: str, name: str, *, what: str, write: bool = False
) -> int:
    """The barrio id of the ``table`` row named by path part ``name``, if visible (404 if not);
    ``what`` names the record in the message (``"la acción"``)."""
    return require_record(
        request.app[keys.db], scope(request), table, path_id(request, name), what=what, write=write
    )


def page(
    request: web.Request,
    template: str,
    context: Mapping[str, Any],
    *,
    notices: Mapping[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    """Render an Enlace page: the hub's context, ``notice`` from ``notices`` (this module's
    fixed texts for ``?aviso=``), ``may_write`` for the person's scope and ``other_page``."""
    aviso = request.query.get("aviso", "")
    extra = {
        "notice": (notices or {}).get(aviso) or HUB_NOTICES.get(aviso),
        "may_write": scope(request).may_write,
        "other_page": lambda route_name, **parts: other_page(request, route_name, **parts),
    }
    return render(request, template, {**extra, **context}, status=status)


def done(
    request: web.Request, name: str, notice: str, notices: Mapping[str, str], **parts: int
) -> web.HTTPSeeOther:
    """A 303 to route ``name`` with ``notice`` (a key of ``notices``), to raise."""
    assert notice in notices, notice
    url = request.app.router[name].url_for(**{key: str(value) for key, value in parts.items()})
    return web.HTTPSeeOther(url.with_query(aviso=notice))


def other_page(request: web.Request, name: str, **parts: int) -> str | None:
    """The URL of route ``name`` (another module's page), or None while it does not exist."""
    try:
        resource = request.app.router[name]
        return str(resource.url_for(**{key: str(value) for key, value in parts.items()}))
    except (KeyError, ValueError):
        return None


class Labelled(Protocol):
    """A coded value with its Spanish label (the modules' ``StrEnum`` members)."""

    @property
    def value(self) -> str: ...

    @property
    def label(self) -> str: ...


def options(members: Iterable[Labelled]) -> list[tuple[str, str]]:
    """``(value, label)`` pairs of ``members`` (an enum or some of its members), in order,
    for a ``select_field``."""
    return [(member.value, member.label) for member in members]


def labels(members: Iterable[Labelled]) -> dict[str, str]:
    """value → Spanish label of ``members``, for showing stored values."""
    return dict(options(members))


def csv_download(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> web.Response:
    """A CSV file (UTF-8 with BOM, so spreadsheet programs read the accents; ``;`` is not
    used: the comma is RFC 4180's). Cells starting with ``= + - @`` are prefixed with ``'``
    so a spreadsheet never runs them as formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe_cell(cell) for cell in row])
    return web.Response(
        body=("\ufeff" + buffer.getvalue()).encode(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def geojson_download(filename: str, features: Iterable[Mapping[str, Any]]) -> web.Response:
    """A GeoJSON FeatureCollection of ``features`` (each ``{"type": "Feature", ...}``)."""
    collection = {"type": "FeatureCollection", "features": list(features)}
    return web.Response(
        body=json.dumps(collection, ensure_ascii=False).encode(),
        content_type="application/geo+json",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _safe_cell(cell: Any) -> Any:
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return "" if cell is None else cell
