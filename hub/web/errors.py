"""Error pages in Spanish, JSON errors under ``/api/``, and the security headers.

:func:`error_middleware` is the outermost middleware: an HTTP error (raised by aiohttp, the
access middleware or a view) or a domain error that a view let through becomes a Spanish
page (``error.html``) or, under ``/api/``, ``{"error": {"status": …, "message": …}}``.
Anything unexpected is logged and answered 500 without details.

:func:`security_headers` runs on every response (``on_response_prepare``), static files and
error pages included.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Final

from aiohttp import web

from hub import keys
from hub.errors import Forbidden, Invalid, NotFound, TooManyAttempts
from hub.routing import Handler
from hub.web.render import render

logger = logging.getLogger(__name__)

TITLES: Final[Mapping[int, tuple[str, str]]] = {
    400: ("Solicitud inválida", "No pudimos entender lo que envió. Revise los datos."),
    401: ("Debe iniciar sesión", "Esta dirección requiere iniciar sesión."),
    403: (
        "Acceso denegado",
        "Su rol no tiene permiso para ver esta página. Si cree que debería tenerlo, "
        "pídalo a la administración del hub.",
    ),
    404: ("Página no encontrada", "La página que busca no existe o cambió de dirección."),
    405: ("Acción no permitida", "Esta dirección no acepta esa acción."),
    413: ("Envío demasiado grande", "Lo que envió supera el tamaño permitido."),
    429: ("Demasiados intentos", "Hubo demasiados intentos. Espere un momento."),
    500: (
        "Error interno",
        "Ocurrió un error inesperado y quedó registrado. Inténtelo de nuevo más tarde.",
    ),
}
KEPT_HEADERS: Final = ("Allow", "Retry-After", "WWW-Authenticate")
CSP: Final = (
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'"
)
HEADERS: Final[Mapping[str, str]] = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), payment=(), usb=()",
}


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        kept = {name: exc.headers[name] for name in KEPT_HEADERS if name in exc.headers}
        return error_response(request, exc.status, headers=kept)
    except TooManyAttempts as exc:
        headers = {"Retry-After": str(exc.retry_after)}
        return error_response(request, 429, str(exc), headers=headers)
    except NotFound as exc:
        return error_response(request, 404, str(exc))
    except Forbidden as exc:
        return error_response(request, 403, str(exc))
    except Invalid as exc:
        return error_response(request, 400, str(exc))
    except (asyncio.CancelledError, web.GracefulExit):
        raise
    except Exception:
        logger.exception("error handling %s %s", request.method, request.path)
        return error_response(request, 500)


def error_response(
    request: web.Request,
    status: int,
    detail: str | None = None,
    *,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """The Spanish error page (or JSON under ``/api/``) for ``status``."""
    title, message = TITLES.get(status, (f"Error {status}", "No se pudo completar la solicitud."))
    message = detail or message
    if request.path.startswith("/api/"):
        response = web.json_response(
            {"error": {"status": status, "title": title, "message": message}}, status=status
        )
    else:
        try:
            context = {"status": status, "title": title, "message": message}
            response = render(request, "error.html", context, status=status)
        except Exception:
            logger.exception("could not render the error page")
            response = web.Response(text=f"{status} {title}\n{message}\n", status=status)
    response.headers.update(headers or {})
    return response


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Set the security headers on every response; signed-in pages are not cached."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.app[keys.config].secure_cookies:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if keys.session in request:
        response.headers["Cache-Control"] = "no-store"
