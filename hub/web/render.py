"""Templates (aiohttp-jinja2), what every page gets, and small helpers for views.

Templates live in ``hub/templates/`` and extend ``base.html``; views render them with
:func:`render` (not aiohttp-jinja2's decorator: its context processors would miss the error
pages). Autoescaping is on for every template and undefined names are errors. Every page
receives:

- ``user``: the signed-in :class:`~hub.storage.User` or None;
- ``nav``: the navigation sections this user may see (:mod:`hub.web.nav`);
- ``notice``: a fixed Spanish message chosen by ``?aviso=`` (see :data:`NOTICES`);
- ``request``, and the helpers ``url('route-name', **parts)``, ``static('file.css')``,
  ``csrf_field()`` (the hidden input every POST form must contain) and ``csrf_token()``.

Filters: ``fecha`` (a timestamp as ``25-11-2025 14:05`` in the hub's time zone) and
``numero`` (a number as people in Chile write it: ``13,40``, ``1.234``; ``numero(1)`` gives
one decimal). Templates may add their own stylesheets and scripts in ``{% block head %}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import jinja2
from aiohttp import web
from markupsafe import Markup

from hub import keys
from hub.web.access import CSRF_FIELD, csrf_token, session_of
from hub.web.nav import navigation

STATIC_DIR: Final = Path(__file__).resolve().parent.parent / "static"
STATIC_PREFIX: Final = "/static/"

NOTICES: Final[Mapping[str, str]] = {
    "sesion-cerrada": "Cerró su sesión.",
    "clave-cambiada": "Su contraseña fue cambiada. Sus otras sesiones se cerraron.",
    "rol-cambiado": "El rol fue cambiado.",
    "desactivado": "La cuenta fue desactivada y sus sesiones se cerraron.",
    "activado": "La cuenta fue reactivada.",
}
"""``?aviso=<key>`` shows the message: only these fixed texts, never text from the URL."""


def setup_templates(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("hub", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        filters=_FILTERS,
    )
    env.globals.update(csrf_field=_csrf_field, csrf_token=_csrf_token)
    app[aiohttp_jinja2.static_root_key] = STATIC_PREFIX.rstrip("/")


def _page_context(request: web.Request) -> dict[str, Any]:
    session = session_of(request)
    user = session.user if session is not None else None
    return {
        "request": request,
        "user": user,
        "nav": navigation(request.app[keys.routes], user.role, request) if user else [],
        "notice": NOTICES.get(request.query.get("aviso", "")),
    }


@jinja2.pass_context
def _csrf_field(context: jinja2.runtime.Context) -> Markup:
    token = csrf_token(context["request"])
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, token)


@jinja2.pass_context
def _csrf_token(context: jinja2.runtime.Context) -> str:
    return csrf_token(context["request"])


@jinja2.pass_context
def _format_time(context: jinja2.runtime.Context, timestamp: float | None) -> str:
    if timestamp is None:
        return "—"
    zone = ZoneInfo(context["request"].app[keys.config].timezone)
    return datetime.fromtimestamp(timestamp, zone).strftime("%d-%m-%Y %H:%M")


def format_number(value: float | int | None, decimals: int = 0) -> str:
    """``value`` in es-CL: ``.`` between thousands, ``,`` before decimals; "—" for None."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


_FILTERS: Final[Mapping[str, Callable[..., str]]] = {
    "fecha": _format_time,
    "numero": format_number,
}


def render(
    request: web.Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
) -> web.Response:
    """Render ``template`` with ``context`` (plus what every page gets)."""
    page = {**_page_context(request), **(context or {})}
    return aiohttp_jinja2.render_template(template, request, page, status=status)


def see_other(
    request: web.Request, name: str, *, notice: str | None = None, **parts: str
) -> web.HTTPSeeOther:
    """A 303 See Other to the route ``name``, to raise (after setting cookies on it if
    needed); ``notice`` is a :data:`NOTICES` key."""
    url = request.app.router[name].url_for(**parts)
    if notice is not None:
        assert notice in NOTICES, notice
        url = url.with_query(aviso=notice)
    return web.HTTPSeeOther(url)


async def form(request: web.Request) -> dict[str, str]:
    """The submitted form's text fields (files and the CSRF token left out)."""
    return {
        name: value
        for name, value in (await request.post()).items()
        if isinstance(value, str) and name != CSRF_FIELD
    }
