"""Every page of the routes table, in Debian's Chromium, for every kind of visitor: each GET
route the visitor may enter renders with 200, with no console error (the CSP's refusals are
console errors), no script error, no failed load, and every request to the hub itself
(nothing from a CDN, nothing over another scheme or host).

The routes come from the running app's table, so new pages are covered without touching
this file. Paths with parameters are requested at their ``example`` (id 1), and the hub is
seeded so that each of those records exists: a new route with parameters needs its record
added to :func:`seed`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Route, expect

from controller.hub_client import HubClient
from hub import keys
from hub.fleet import controllers
from hub.maintenance.technicians import Technicians
from hub.maintenance.tickets import Tickets, read_ticket_form
from hub.maintenance.waitlist import Waitlist, read_request_form
from hub.maintenance.windows import MaintenanceWindows, WindowDraft, WindowKind
from hub.roles import Role
from protocol import report as r
from tests.browser.conftest import LOOP, SANTIAGO, SETUP, LiveHub, Visit, log_in
from tests.hub.enlace.conftest import found_comuna
from tests.hub.enlace.test_isolation import seed_everything

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)

VISITORS = (None, *Role)  # None: not signed in. Role.ADMIN first: user 1.


def email_of(role: Role) -> str:
    return f"{role.value}@maipu.cl"


async def seed(hub: LiveHub) -> None:
    """One record behind every example path (``/…/1``): users (the administrator is user
    1), a controller on battery (its alarm), a ticket from that alarm, a técnico, a
    waitlist request and a maintenance window."""
    for role in Role:
        hub.add_user(role, email=email_of(role), name=f"Persona {role.label}")
    now = hub.clock()
    today = datetime.fromtimestamp(now, ZoneInfo(SANTIAGO)).date()
    _, code = controllers.issue_code(
        hub.db, name="Pasaje Los Aromos", barrio="Villa Los Héroes", hours=48, actor=SETUP, at=now
    )
    async with HubClient(hub.url) as controller:
        grant = await controller.enroll(
            r.Enrollment(code=code, name="Pasaje Los Aromos", software_version="0.1.0")
        )
        controller.credential = grant.credential
        beat = r.Heartbeat(3600, "0.1.0", "battery", 12_100, None, 12_800, 48.5, "idle", 0, 0, 0)
        node = r.NodeStatus(2571, 8, 2900, True, False, False, "1.0", -97, 6.5, now - 60)
        event = r.Event.of(node, id=uuid.uuid4().hex, at=now - 60)
        await controller.report(r.Report(grant.controller_id, now, beat, (event,)))
    ticket = read_ticket_form(
        {
            "kind": "reparacion",
            "priority": "alta",
            "controller_id": str(grant.controller_id),
            "alarm_id": "1",
            "description": "Cambiar la batería del controlador.",
        },
        today=today,
    )
    Tickets(hub.db).open(ticket, actor=SETUP, at=now)
    Technicians(hub.db).add("Pedro Soto", "+56987654321", actor=SETUP, at=now)
    request = read_request_form(
        {
            "requester_name": "Junta de Vecinos Villa Los Héroes",
            "requester_kind": "junta_vecinos",
            "phone": "+56 9 8765 4321",
            "address": "Los Aromos 1234",
            "barrio": "Villa Los Héroes",
            "households": "24",
        },
        today=today,
        may_set_priority=True,
    )
    Waitlist(hub.db).add(request, actor=SETUP, at=now)
    window = WindowDraft(
        grant.controller_id, None, WindowKind.PLANIFICADA, now, now + 3600, "cambio de batería"
    )
    MaintenanceWindows(hub.db).create(window, actor=SETUP, at=now)
    seed_enlace(hub)


def seed_enlace(hub: LiveHub) -> None:
    """The Enlace records behind the Gestión Territorial pages' example paths: the comuna
    of the Enlace tests (the gestor works barrio 1, Villa Los Héroes) and every module's
    isolation seed."""
    people = {user.role: user for user in hub.db.users.all()}
    sur = hub.add_user(Role.GESTOR, email="gestor-sur@maipu.cl", name="Gestor Sur")
    comuna = found_comuna(
        hub.db,
        admin=people[Role.ADMIN],
        gestor_norte=people[Role.GESTOR],
        gestor_sur=sur,
        mediacion=people[Role.MEDIACION],
        unidad=people[Role.UNIDAD_ALARMAS],
        norte_name="Villa Los Héroes",
        at=hub.clock(),
    )
    seed_everything(comuna)


@pytest.mark.parametrize("role", VISITORS, ids=lambda role: role or "anonimo")
async def test_every_page_the_visitor_may_see_renders_cleanly(
    visit: Visit, role: Role | None
) -> None:
    hub, page, watch = visit.hub, visit.page, visit.watch
    await seed(hub)
    if role is not None:
        await log_in(page, email_of(role))
    routes = [e for e in hub.app[keys.routes] if e.method == "GET" and e.access.admits(role)]
    assert routes, "no page to visit"
    for entry in routes:
        path = entry.example_path
        probe = await visit.context.request.get(path)
        disposition = probe.headers.get("content-disposition", "")
        await probe.dispose()
        if disposition.startswith("attachment"):  # a download (CSV), not a page
            assert probe.status == 200, (path, probe.status)
            continue
        watch.clear()
        response = await page.goto(path)
        assert response is not None, path
        assert response.status == 200, (path, response.status)
        assert watch.problems() == [], path
        outside = [url for url in watch.requests if not url.startswith(f"{hub.url}/")]
        assert outside == [], (path, outside)
        if "text/html" in response.headers.get("content-type", ""):
            await expect(page.locator("html")).to_have_attribute("lang", "es-CL")
            assert (await page.title()).endswith("· Sereno"), path


async def test_the_login_page_loads_only_from_the_hub(visit: Visit) -> None:
    hub, page, watch = visit.hub, visit.page, visit.watch
    response = await page.goto("/")  # anonymous: sent to the log-in page
    assert response is not None and response.status == 200
    assert urlsplit(page.url).path == "/login"
    await expect(page.get_by_role("heading", level=1)).to_have_text("Iniciar sesión")
    await expect(page.get_by_label("Correo electrónico")).to_be_visible()
    await page.wait_for_load_state("networkidle")
    assert f"{hub.url}/static/sereno.css" in watch.requests
    for url in watch.requests:
        parts = urlsplit(url)
        assert (parts.scheme, parts.hostname) == ("http", "127.0.0.1"), url
        assert url.startswith(f"{hub.url}/"), url
    assert watch.problems() == []


async def test_the_watch_sees_what_the_csp_refuses(visit: Visit) -> None:
    """The checks above would catch an inline script or style: the hub's own CSP header on a
    page that has both makes Chromium log errors the watch collects."""
    page, watch = visit.page, visit.watch
    login = await visit.context.request.get("/login")
    policy = login.headers["content-security-policy"]
    await login.dispose()

    async def inline_page(route: Route) -> None:
        await route.fulfill(
            status=200,
            headers={"Content-Security-Policy": policy, "Content-Type": "text/html"},
            body='<!doctype html><p style="color: red">x</p><script>document.title = "x"</script>',
        )

    await page.route("**/prueba-csp", inline_page)
    await page.goto("/prueba-csp")
    await visit.hub.wait_until(lambda: len(watch.console_errors) >= 2, "two CSP refusals")
    assert all("Content Security Policy" in error for error in watch.console_errors)
    assert await page.title() == ""
