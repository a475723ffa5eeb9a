"""The route walk: every route in the app's routes table, requested as every kind of
visitor, must let in exactly whom its ``access`` names.

New routes are covered without touching this file: register them in ``hub/routes.py``
(with an ``example`` path when the path has parameters). The walk signs in one user per
role (admin first, so ``/usuarios/1`` is the acting admin's own account, which no action
changes) and gives every unsafe request a valid CSRF token, so what it measures is access
alone. Allowed: any answer but 401, 403 or 5xx (a 400 for an empty form is fine). Denied:
anonymous → redirect to /login (pages) or 401 (``/api/``); wrong role → 403;
CONTROLLER routes → 401 without the controller's credential.
"""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from pytest_aiohttp import AiohttpClient

from hub import keys
from hub.app import create_app
from hub.config import HubConfig
from hub.roles import Role
from hub.routes import ROUTES
from hub.routing import CONTROLLER, PUBLIC, Route, route
from hub.web.access import CSRF_HEADER
from tests.hub.conftest import Client, FakeClock, Identity, add_user, anonymous, signed_in

WALK_BEARER = "Bearer prueba-de-recorrido"


async def controller_probe(request: web.Request) -> web.StreamResponse:
    return web.json_response({"controller": request[keys.controller_id]})


async def accept_walk_token(request: web.Request) -> int | None:
    return 7 if request.headers.get("Authorization") == WALK_BEARER else None


# A CONTROLLER route, so the walk exercises that policy before the real controller API
# exists. Its handler proves the hook's answer reaches the view.
PROBE = route("POST", "/api/prueba/controlador", controller_probe, name="probe", access=CONTROLLER)


@pytest.fixture
async def walker(aiohttp_client: AiohttpClient, config: HubConfig, clock: FakeClock) -> Client:
    app = create_app(config, clock=clock, routes=(*ROUTES, PROBE))
    app[keys.controller_auth] = accept_walk_token
    client = await aiohttp_client(app)
    for role in Role:  # admin first: user 1
        add_user(client, role)
    return client


def user_of(client: Client, role: Role) -> Identity:
    user = next(u for u in client.app[keys.db].users.all() if u.role is role)
    return signed_in(client, user)


async def request(
    client: Client, entry: Route, identity: Identity, **headers: str
) -> tuple[int, str, str]:
    """Request ``entry``'s example path as ``identity``; (status, Location, body)."""
    client.session.cookie_jar.clear()
    data = None
    if entry.method not in ("GET", "HEAD"):
        data = {"csrf_token": identity.csrf}
        headers = {CSRF_HEADER: identity.csrf, **headers}
    response = await client.request(
        entry.method,
        entry.example_path,
        cookies=identity.cookies,
        data=data,
        headers=headers,
        allow_redirects=False,
    )
    return response.status, response.headers.get("Location", ""), await response.text()


async def test_every_route_admits_exactly_its_roles(walker: Client) -> None:
    table = walker.app[keys.routes]
    assert {entry.name for entry in table} >= {entry.name for entry in ROUTES}
    checked = 0
    for entry in table:
        where = f"{entry.method} {entry.example_path} ({entry.name}, {entry.access})"
        status, location, body = await request(walker, entry, anonymous())
        if entry.access == PUBLIC:
            assert status not in (401, 403) and status < 500, f"{where} anonymous: {status}"
        elif entry.access == CONTROLLER or entry.is_api:
            assert status == 401, f"{where} anonymous: {status}"
            assert '"status": 401' in body
        else:
            assert status == 302 and location.startswith("/login"), f"{where} anonymous: {status}"
        for role in Role:
            status, _, body = await request(walker, entry, user_of(walker, role))
            if entry.access == CONTROLLER:
                assert status == 401, f"{where} as {role}: a session is not a controller"
            elif entry.access.admits(role):
                assert status not in (401, 403) and status < 500, f"{where} as {role}: {status}"
            else:
                assert status == 403, f"{where} as {role}: {status}"
                assert "Acceso denegado" in body
            checked += 1
        if entry.access == CONTROLLER:
            status, _, body = await request(walker, entry, Identity(), Authorization=WALK_BEARER)
            assert status not in (401, 403) and status < 500, f"{where} as controller: {status}"
    assert checked >= len(ROUTES) * len(Role)
    assert walker.app[keys.db].users.get(1).active  # the walk changed no one


async def test_every_example_path_reaches_its_own_route(walker: Client) -> None:
    table = walker.app[keys.routes]
    for entry in table:
        mocked = make_mocked_request(entry.method, entry.example_path, app=walker.app)
        match = await walker.app.router.resolve(mocked)
        assert match.http_exception is None, f"{entry.example_path} matches no route"
        assert table.entry_for(match.route) == entry, f"{entry.example_path} is not {entry.name}"


async def test_every_aiohttp_route_is_in_the_table(walker: Client) -> None:
    table = walker.app[keys.routes]
    missing = [
        f"{r.method} {r.resource.canonical if r.resource else '?'}"
        for r in walker.app.router.routes()
        if table.entry_for(r) is None
    ]
    assert missing == []


async def test_a_route_added_behind_the_tables_back_is_refused(
    aiohttp_client: AiohttpClient, config: HubConfig, clock: FakeClock
) -> None:
    async def secret(request: web.Request) -> web.StreamResponse:
        return web.Response(text="secreto")

    app = create_app(config, clock=clock)
    app.router.add_get("/secreto", secret)
    client = await aiohttp_client(app)
    response = await client.get("/secreto")
    assert response.status == 403 and "secreto" not in await response.text()


async def test_unsafe_requests_without_the_csrf_token_are_refused(walker: Client) -> None:
    """Every unsafe route a session or an anonymous form can reach needs the token: none,
    or a wrong one, is refused with 403 before the view runs."""
    unsafe = [entry for entry in walker.app[keys.routes] if entry.needs_csrf]
    assert {entry.name for entry in unsafe} >= {"login", "logout", "password", "new_user"}
    for entry in unsafe:
        admitted = [role for role in Role if entry.access.admits(role)]
        identity = user_of(walker, admitted[0]) if entry.access != PUBLIC else anonymous()
        almost = identity.csrf[:-1] + ("A" if identity.csrf[-1] != "A" else "B")
        for token in ("", "x" * 43, almost):
            walker.session.cookie_jar.clear()
            response = await walker.request(
                entry.method,
                entry.example_path,
                cookies=identity.cookies,
                data={"csrf_token": token} if token else {"otro": "campo"},
                allow_redirects=False,
            )
            assert response.status == 403, f"{entry.method} {entry.example_path}: {token!r}"
            assert "protección CSRF" in await response.text()
        another = user_of(walker, admitted[0]) if entry.access != PUBLIC else anonymous()
        walker.session.cookie_jar.clear()
        response = await walker.request(  # a token of another session
            entry.method,
            entry.example_path,
            cookies=identity.cookies,
            headers={CSRF_HEADER: another.csrf},
            allow_redirects=False,
        )
        assert response.status == 403


async def test_controller_routes_need_no_csrf_token(walker: Client) -> None:
    response = await walker.post("/api/prueba/controlador", headers={"Authorization": WALK_BEARER})
    assert response.status == 200 and await response.json() == {"controller": 7}
