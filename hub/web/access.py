"""Who may enter: sessions, the access middleware and CSRF.

:func:`access_middleware` runs before every handler. It finds the request's route in the
routes table (:mod:`hub.routing`) and enforces its ``access``:

1. a route missing from the table (added to the router by hand) is refused: 403;
2. :data:`~hub.routing.CONTROLLER`: the ``controller_auth`` hook in the app state decides
   (the controller's id, kept in ``request[keys.controller_id]``, or 401). Sessions and
   CSRF play no part;
3. otherwise the session cookie is looked up (``request[keys.session]``); a route for roles
   sends anonymous visitors to ``/login?siguiente=…`` (``/api/…``: 401 JSON) and answers
   403 to a role not listed. A user holding a temporary password is sent to change it;
4. unsafe methods need the CSRF token: the session's, or for anonymous forms (the log-in)
   the one in the ``sereno_csrf`` cookie, sent back in the form field ``csrf_token`` or
   the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from typing import Final

from aiohttp import web
from yarl import URL

from hub import keys
from hub.errors import Forbidden
from hub.routing import Handler, Route
from hub.storage import Session

logger = logging.getLogger(__name__)

SESSION_COOKIE: Final = "sereno_sesion"
ANONYMOUS_CSRF_COOKIE: Final = "sereno_csrf"
CSRF_FIELD: Final = "csrf_token"
CSRF_HEADER: Final = "X-CSRF-Token"
NEXT_PARAMETER: Final = "siguiente"
LOGIN_PATH: Final = "/login"
PASSWORD_ROUTE: Final = "password"  # noqa: S105 - a route name
"""The route a user with a temporary password is sent to (and may use, with logout)."""
ALLOWED_WITH_TEMPORARY_PASSWORD: Final = frozenset({PASSWORD_ROUTE, "logout"})
_LOOPBACK: Final = frozenset({"127.0.0.1", "::1"})
_TOKEN: Final = re.compile(r"[A-Za-z0-9_-]{43}")
_FORMS: Final = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


async def no_controllers(request: web.Request) -> int | None:
    """The ``controller_auth`` hook until the controller API installs its own: refuse."""
    return None


@web.middleware
async def access_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    entry = request.app[keys.routes].lookup(request)
    if entry is not None and entry.access.kind == "controller":
        controller = await request.app[keys.controller_auth](request)
        if controller is None:
            raise web.HTTPUnauthorized(headers={"WWW-Authenticate": 'Bearer realm="sereno"'})
        request[keys.controller_id] = controller
        return await handler(request)
    session = _find_session(request)
    if session is not None:
        request[keys.session] = session
    if entry is None:
        error = request.match_info.http_exception
        if error is not None:
            raise error  # 404, 405: the error middleware renders them
        logger.error(
            "refused %s %s: its route is not in the routes table", request.method, request.path
        )
        raise web.HTTPForbidden()
    if entry.access.kind == "session":
        _check_role(request, entry, session)
    if entry.needs_csrf:
        await _check_csrf(request, session)
    response = await handler(request)
    if keys.new_anonymous_csrf in request:
        response.set_cookie(
            ANONYMOUS_CSRF_COOKIE,
            request[keys.new_anonymous_csrf],
            httponly=True,
            samesite="Lax",
            secure=request.app[keys.config].secure_cookies,
            path="/",
        )
    return response


def _find_session(request: web.Request) -> Session | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    config = request.app[keys.config]
    return request.app[keys.db].sessions.find(
        token, at=request.app[keys.clock](), idle_s=config.session_idle_s
    )


def _check_role(request: web.Request, entry: Route, session: Session | None) -> None:
    if session is None:
        if entry.is_api:
            raise web.HTTPUnauthorized(headers={"WWW-Authenticate": 'Cookie realm="sereno"'})
        raise web.HTTPFound(login_url(request))
    if not entry.access.admits(session.user.role):
        raise web.HTTPForbidden()
    if session.user.must_change_password and entry.name not in ALLOWED_WITH_TEMPORARY_PASSWORD:
        if entry.is_api:
            raise Forbidden("Debe cambiar su contraseña temporal antes de continuar.")
        raise web.HTTPFound(request.app.router[PASSWORD_ROUTE].url_for())


def login_url(request: web.Request) -> URL:
    """``/login``, with ``siguiente`` set to where the visitor was going (GET only)."""
    url = URL(LOGIN_PATH)
    if request.method == "GET" and request.path != "/":
        url = url.with_query({NEXT_PARAMETER: request.rel_url.path_qs})
    return url


def safe_next(value: str | None) -> str | None:
    """``value`` if it is a path on this site (no open redirect), else None."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    return value


async def _check_csrf(request: web.Request, session: Session | None) -> None:
    expected = session.csrf_token if session is not None else _anonymous_cookie(request)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.content_type in _FORMS:
        value = (await request.post()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden(
            "El formulario venció o no es válido (falta la protección CSRF). Vuelva a la "
            "página, recárguela e inténtelo de nuevo."
        )


def _anonymous_cookie(request: web.Request) -> str | None:
    value = request.cookies.get(ANONYMOUS_CSRF_COOKIE)
    return value if value is not None and _TOKEN.fullmatch(value) else None


def csrf_token(request: web.Request) -> str:
    """The token a form on this page must send back: the session's, or for an anonymous
    visitor the one in (or newly minted for) the ``sereno_csrf`` cookie."""
    session = session_of(request)
    if session is not None:
        return session.csrf_token
    if keys.new_anonymous_csrf in request:
        return request[keys.new_anonymous_csrf]
    token = _anonymous_cookie(request)
    if token is None:
        token = secrets.token_urlsafe(32)
        request[keys.new_anonymous_csrf] = token
    return token


def session_of(request: web.Request) -> Session | None:
    """The signed-in session of this request, if any."""
    session: Session | None = request.get(keys.session)
    return session


def current_session(request: web.Request) -> Session:
    """The signed-in session (for views of role routes, where the middleware ensured one)."""
    return request[keys.session]


def client_ip(request: web.Request) -> str:
    """The client's address: the last X-Forwarded-For entry when the request comes from a
    reverse proxy on this machine and the configuration trusts it, else the peer."""
    remote = request.remote or ""
    if request.app[keys.config].trust_forwarded_for and remote in _LOOPBACK:
        forwarded = request.headers.getall("X-Forwarded-For", [])
        if forwarded:
            last = forwarded[-1].rsplit(",", 1)[-1].strip()
            if last:
                return last
    return remote or "desconocida"


def set_session_cookie(response: web.StreamResponse, request: web.Request, token: str) -> None:
    config = request.app[keys.config]
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=config.session_lifetime_s,
        httponly=True,
        samesite="Lax",
        secure=config.secure_cookies,
        path="/",
    )
    response.del_cookie(ANONYMOUS_CSRF_COOKIE, path="/")


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(SESSION_COOKIE, path="/")
