"""What a view reads from its request besides the form: who is acting, the hub's clock and
time zone, and numeric path parts. Shared by every domain's views."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from aiohttp import web

from hub import forms, keys
from hub.storage import Actor, User
from hub.web.access import current_session


def current_user(request: web.Request) -> User:
    return current_session(request).user


def actor(request: web.Request) -> Actor:
    return current_user(request).actor


def now(request: web.Request) -> float:
    return request.app[keys.clock]()


def zone(request: web.Request) -> ZoneInfo:
    return ZoneInfo(request.app[keys.config].timezone)


def today(request: web.Request) -> date:
    """The calendar date now in the hub's time zone."""
    return forms.today(now(request), zone(request))


def path_id(request: web.Request, name: str) -> int:
    """A numeric path part (the routes only match digits); too large is not found."""
    value = int(request.match_info[name])
    if value >= forms.MAX_ID:
        raise web.HTTPNotFound()
    return value
