"""Log in, log out and change one's own password."""

from __future__ import annotations

from aiohttp import web

from hub import accounts, keys
from hub.errors import Invalid
from hub.web.access import (
    NEXT_PARAMETER,
    clear_session_cookie,
    client_ip,
    current_session,
    safe_next,
    set_session_cookie,
)
from hub.web.render import form, render, see_other


async def login_form(request: web.Request) -> web.StreamResponse:
    if keys.session in request:
        raise see_other(request, "panel")
    return render(
        request,
        "login.html",
        {"email": "", "next": safe_next(request.query.get(NEXT_PARAMETER)), "errors": {}},
    )


async def login(request: web.Request) -> web.StreamResponse:
    fields = await form(request)
    email, next_path = fields.get("email", ""), safe_next(fields.get(NEXT_PARAMETER))
    config = request.app[keys.config]
    try:
        signed_in = await accounts.log_in(
            request.app[keys.db],
            request.app[keys.passwords],
            config.login_limits,
            email=email,
            password=fields.get("password", ""),
            ip=client_ip(request),
            at=request.app[keys.clock](),
            session_lifetime_s=config.session_lifetime_s,
        )
    except Invalid as exc:
        context = {"email": email, "next": next_path, "errors": exc.problems}
        return render(request, "login.html", context, status=400)
    if signed_in.session.user.must_change_password:
        target = str(request.app.router["password"].url_for())
    else:
        target = next_path or str(request.app.router["panel"].url_for())
    response = web.HTTPSeeOther(target)
    set_session_cookie(response, request, signed_in.token)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    request.app[keys.db].sessions.end(current_session(request))
    response = see_other(request, "login", notice="sesion-cerrada")
    clear_session_cookie(response)
    raise response


async def password_form(request: web.Request) -> web.StreamResponse:
    return render(request, "account/password.html", {"errors": {}})


async def change_password(request: web.Request) -> web.StreamResponse:
    fields = await form(request)
    config = request.app[keys.config]
    try:
        signed_in = await accounts.change_own_password(
            request.app[keys.db],
            request.app[keys.passwords],
            config.login_limits,
            current_session(request),
            current=fields.get("current_password", ""),
            new=fields.get("new_password", ""),
            repeat=fields.get("repeat_password", ""),
            ip=client_ip(request),
            at=request.app[keys.clock](),
            session_lifetime_s=config.session_lifetime_s,
        )
    except Invalid as exc:
        return render(request, "account/password.html", {"errors": exc.problems}, status=400)
    response = see_other(request, "panel", notice="clave-cambiada")
    set_session_cookie(response, request, signed_in.token)
    raise response
