"""User administration (admin only): list, create with a temporary password, change role,
deactivate and reactivate, issue a new temporary password, see a user's history."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from hub import accounts, keys
from hub.errors import Invalid
from hub.passwords import temporary_password
from hub.roles import Role
from hub.storage import AuditEntry, User
from hub.web.access import current_session
from hub.web.render import form, render, see_other


async def users_list(request: web.Request) -> web.StreamResponse:
    return render(request, "users/list.html", {"users": request.app[keys.db].users.all()})


async def new_user_form(request: web.Request) -> web.StreamResponse:
    return render(request, "users/new.html", {"fields": {}, "errors": {}, "roles": list(Role)})


async def create_user(request: web.Request) -> web.StreamResponse:
    fields = await form(request)
    admin = current_session(request).user
    password = temporary_password()
    try:
        user = await accounts.create_user(
            request.app[keys.db],
            request.app[keys.passwords],
            email=fields.get("email", ""),
            name=fields.get("name", ""),
            role=fields.get("role", ""),
            password=password,
            temporary=True,
            actor=admin.actor,
            at=request.app[keys.clock](),
        )
    except Invalid as exc:
        context = {"fields": fields, "errors": exc.problems, "roles": list(Role)}
        return render(request, "users/new.html", context, status=400)
    return render(request, "users/password.html", {"subject": user, "password": password})


async def user_detail(request: web.Request) -> web.StreamResponse:
    return _detail(request, _user(request), {})


async def set_role(request: web.Request) -> web.StreamResponse:
    fields = await form(request)
    user = _user(request)
    try:
        accounts.set_role(
            request.app[keys.db],
            current_session(request).user,
            user.id,
            fields.get("role", ""),
            at=request.app[keys.clock](),
        )
    except Invalid as exc:
        return _detail(request, user, exc.problems, status=400)
    raise see_other(request, "user", notice="rol-cambiado", user_id=str(user.id))


async def deactivate(request: web.Request) -> web.StreamResponse:
    return _set_active(request, active=False)


async def activate(request: web.Request) -> web.StreamResponse:
    return _set_active(request, active=True)


async def issue_password(request: web.Request) -> web.StreamResponse:
    user = _user(request)
    try:
        user, password = await accounts.issue_temporary_password(
            request.app[keys.db],
            request.app[keys.passwords],
            current_session(request).user,
            user.id,
            at=request.app[keys.clock](),
        )
    except Invalid as exc:
        return _detail(request, user, exc.problems, status=400)
    return render(request, "users/password.html", {"subject": user, "password": password})


def _set_active(request: web.Request, *, active: bool) -> web.StreamResponse:
    user = _user(request)
    try:
        accounts.set_active(
            request.app[keys.db],
            current_session(request).user,
            user.id,
            active,
            at=request.app[keys.clock](),
        )
    except Invalid as exc:
        return _detail(request, user, exc.problems, status=400)
    notice = "activado" if active else "desactivado"
    raise see_other(request, "user", notice=notice, user_id=str(user.id))


def _user(request: web.Request) -> User:
    return request.app[keys.db].users.get(int(request.match_info["user_id"]))


def _detail(
    request: web.Request, user: User, errors: Mapping[str, str], *, status: int = 200
) -> web.Response:
    db = request.app[keys.db]
    history = [(entry, describe(entry)) for entry in db.audit.history(user.subject)]
    context = {
        "subject": user,
        "sessions": db.sessions.count_for(user.id),
        "history": history,
        "errors": errors,
        "roles": list(Role),
        "is_self": user.id == current_session(request).user.id,
    }
    return render(request, "users/detail.html", context, status=status)


def describe(entry: AuditEntry) -> str:
    """What an audit entry about a user means, in Spanish."""
    detail = entry.detail
    if entry.action == "user.create":
        return f"Cuenta creada con el rol {_role_label(detail.get('role'))}"
    if entry.action == "user.role":
        return (
            f"Rol cambiado de {_role_label(detail.get('from'))} a {_role_label(detail.get('to'))}"
        )
    if entry.action == "user.password":
        return "Contraseña temporal entregada" if detail.get("temporary") else "Contraseña cambiada"
    return {
        "user.activate": "Cuenta reactivada",
        "user.deactivate": "Cuenta desactivada",
        "user.login": "Inicio de sesión",
    }.get(entry.action, entry.action)


def _role_label(value: object) -> str:
    try:
        return Role(str(value)).label
    except ValueError:
        return str(value)
