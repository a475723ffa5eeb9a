"""THE routes table: every URL of the hub, its name and who may enter.

One line per route (see :mod:`hub.routing` for ``access``). Routes of one path share its
name. A path with parameters gives an ``example`` the route walk test can request. Group
your domain's routes under a comment; keep the views thin (in ``hub/web/`` or your
domain's web module).
"""

from __future__ import annotations

from typing import Final

from hub.roles import Role
from hub.routing import ANY_ROLE, PUBLIC, Route, route
from hub.web import api, auth_views, panel, users_views

ADMIN: Final = {Role.ADMIN}

ROUTES: Final[tuple[Route, ...]] = (
    # Sessions and one's own account.
    route("GET", "/login", auth_views.login_form, name="login", access=PUBLIC),
    route("POST", "/login", auth_views.login, name="login", access=PUBLIC),
    route("POST", "/logout", auth_views.logout, name="logout", access=ANY_ROLE),
    route("GET", "/cuenta/clave", auth_views.password_form, name="password", access=ANY_ROLE),
    route("POST", "/cuenta/clave", auth_views.change_password, name="password", access=ANY_ROLE),
    route("GET", "/api/sesion", api.whoami, name="api_session", access=ANY_ROLE),
    # Home (placeholder until the fleet panel replaces it).
    route("GET", "/", panel.panel, name="panel", access=ANY_ROLE),
    # User administration.
    route("GET", "/usuarios", users_views.users_list, name="users", access=ADMIN),
    route("GET", "/usuarios/nuevo", users_views.new_user_form, name="new_user", access=ADMIN),
    route("POST", "/usuarios/nuevo", users_views.create_user, name="new_user", access=ADMIN),
    route(
        "GET",
        r"/usuarios/{user_id:\d+}",
        users_views.user_detail,
        name="user",
        access=ADMIN,
        example="/usuarios/1",
    ),
    route(
        "POST",
        r"/usuarios/{user_id:\d+}/rol",
        users_views.set_role,
        name="user_role",
        access=ADMIN,
        example="/usuarios/1/rol",
    ),
    route(
        "POST",
        r"/usuarios/{user_id:\d+}/desactivar",
        users_views.deactivate,
        name="user_deactivate",
        access=ADMIN,
        example="/usuarios/1/desactivar",
    ),
    route(
        "POST",
        r"/usuarios/{user_id:\d+}/activar",
        users_views.activate,
        name="user_activate",
        access=ADMIN,
        example="/usuarios/1/activar",
    ),
    route(
        "POST",
        r"/usuarios/{user_id:\d+}/clave-temporal",
        users_views.issue_password,
        name="user_password",
        access=ADMIN,
        example="/usuarios/1/clave-temporal",
    ),
)
