"""Typed keys of the app state (``app[keys.db]``) and of a request (``request[keys.session]``).

Set by :func:`hub.app.create_app` and its cleanup contexts; read by views and middlewares.
Add your domain's state here (one key per resource), set it in a cleanup context.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeAlias

from aiohttp import web

from hub.config import HubConfig
from hub.passwords import Passwords
from hub.routing import RouteTable
from hub.storage import HubDB, Session

if TYPE_CHECKING:  # the fleet's modules import much of the hub: only their type is needed here
    from hub.fleet.intake import Intake

Clock: TypeAlias = Callable[[], float]
ControllerAuth: TypeAlias = Callable[[web.Request], Awaitable[int | None]]
"""Authenticates a street controller's API request (its bearer credential): the
controller's id, or None to refuse with 401. The controller API installs the real one;
until then :func:`hub.web.access.no_controllers` refuses every request."""

# The app's state.
config = web.AppKey("config", HubConfig)
db = web.AppKey("db", HubDB)
"""The open database; set by the ``database`` cleanup context, so only while running."""
clock = web.AppKey[Clock]("clock")
passwords = web.AppKey("passwords", Passwords)
routes = web.AppKey("routes", RouteTable)
controller_auth = web.AppKey[ControllerAuth]("controller_auth")
intake: web.AppKey[Intake] = web.AppKey("intake")
"""The controller API's group commit of reports; set by the ``report_intake`` cleanup context."""

# A request's state, set by the access middleware.
session = web.RequestKey("session", Session)
"""The signed-in user's session (absent for anonymous requests and controllers)."""
controller_id = web.RequestKey("controller_id", int)
"""The controller that made a request to a CONTROLLER route."""
new_anonymous_csrf = web.RequestKey("new_anonymous_csrf", str)
"""A CSRF token minted for an anonymous visitor during this request (set as a cookie)."""
