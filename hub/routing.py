"""Routes with their access policy, kept together so a test can walk them all.

Every route of the hub is one :func:`route` line in the table of :mod:`hub.routes`::

    route("GET", "/usuarios/{user_id:\\d+}", users.detail, name="user",
          access={Role.ADMIN}, example="/usuarios/1")

``access`` says who may enter and is enforced by the access middleware
(:mod:`hub.web.access`) before the handler runs:

- :data:`PUBLIC`: anyone (the log-in page, static files);
- a set of roles (or :data:`ANY_ROLE`): a signed-in user with one of them. Anonymous
  visitors are sent to ``/login`` (pages) or get 401 JSON (``/api/…``); other roles get 403;
- :data:`CONTROLLER`: a street controller, authenticated by the ``controller_auth`` hook in
  the app state (:data:`hub.keys.controller_auth`), not by a session.

Every unsafe method (POST, PUT, PATCH, DELETE) on a route that is not :data:`CONTROLLER`
requires the CSRF token. A path with parameters must give an ``example`` that the route
walk test (``tests/hub/test_route_walk.py``) requests for every role.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from aiohttp import web

from hub.roles import Role

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
AccessKind = Literal["public", "session", "controller"]
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Access:
    """Who may enter a route."""

    kind: AccessKind
    roles: frozenset[Role] = frozenset()

    def admits(self, role: Role | None) -> bool:
        """Whether a person with ``role`` (None: not signed in) may enter."""
        if self.kind == "public":
            return True
        return self.kind == "session" and role in self.roles

    def __str__(self) -> str:
        if self.kind != "session":
            return self.kind
        return ", ".join(sorted(role.value for role in self.roles))


PUBLIC: Final = Access("public")
CONTROLLER: Final = Access("controller")
ANY_ROLE: Final = Access("session", frozenset(Role))


@dataclass(frozen=True)
class Route:
    """One line of the routes table."""

    method: str
    path: str
    handler: Handler
    name: str
    access: Access
    example: str | None = None

    @property
    def example_path(self) -> str:
        """A concrete path that this route matches (what the route walk requests)."""
        return self.example or self.path

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def needs_csrf(self) -> bool:
        return self.method not in SAFE_METHODS and self.access.kind != "controller"


def route(
    method: str,
    path: str,
    handler: Handler,
    *,
    name: str,
    access: Access | Collection[Role],
    example: str | None = None,
) -> Route:
    """Declare a route; ``access`` is :data:`PUBLIC`, :data:`CONTROLLER`, :data:`ANY_ROLE`
    or the roles that may enter (``{Role.ADMIN}``)."""
    if not isinstance(access, Access):
        if not access:
            raise ValueError(f"route {name!r}: give at least one role, PUBLIC or CONTROLLER")
        access = Access("session", frozenset(access))
    if "{" in path and example is None:
        raise ValueError(f"route {name!r}: {path} has parameters; give an example path")
    return Route(method.upper(), path, handler, name, access, example)


class RouteTable:
    """The installed routes and, for each aiohttp route, the :class:`Route` it came from."""

    def __init__(self) -> None:
        self.routes: list[Route] = []
        self._by_aiohttp: dict[web.AbstractRoute, Route] = {}
        self._resources: dict[str, tuple[str, web.Resource]] = {}

    def __iter__(self) -> Iterator[Route]:
        return iter(self.routes)

    def install(self, app: web.Application, entries: Collection[Route]) -> None:
        """Add ``entries`` to ``app``'s router (GET routes answer HEAD too). Routes of one
        path share its name (``GET /login`` and ``POST /login`` are both ``login``)."""
        for entry in entries:
            path, resource = self._resources.get(entry.name, (entry.path, None))
            if path != entry.path:
                raise ValueError(f"route name {entry.name!r} is used for two paths")
            if resource is None:
                resource = app.router.add_resource(entry.path, name=entry.name)
                self._resources[entry.name] = (entry.path, resource)
            added = [resource.add_route(entry.method, entry.handler)]
            if entry.method == "GET":
                added.append(resource.add_route("HEAD", entry.handler))
            self._remember(entry, added)

    def install_static(
        self, app: web.Application, prefix: str, folder: Path, *, name: str, example: str
    ) -> None:
        """Serve the files in ``folder`` under ``prefix``, to anyone."""
        resource = app.router.add_static(prefix, folder, name=name)
        routes = list(resource)
        path = f"{prefix.rstrip('/')}/{{filename}}"
        self._remember(Route("GET", path, routes[0].handler, name, PUBLIC, example), routes)

    def _remember(self, entry: Route, added: Collection[web.AbstractRoute]) -> None:
        self.routes.append(entry)
        for aiohttp_route in added:
            self._by_aiohttp[aiohttp_route] = entry

    def lookup(self, request: web.Request) -> Route | None:
        """The route ``request`` matched, or None (no match, or a route added to the router
        behind this table's back: the access middleware refuses those)."""
        return self.entry_for(request.match_info.route)

    def entry_for(self, aiohttp_route: web.AbstractRoute) -> Route | None:
        return self._by_aiohttp.get(aiohttp_route)

    def admits(self, name: str, role: Role) -> bool:
        """Whether ``role`` may GET the route called ``name`` (False when there is none)."""
        return any(
            entry.name == name and entry.method == "GET" and entry.access.admits(role)
            for entry in self.routes
        )
