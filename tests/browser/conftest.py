"""Fixtures for the browser tests: the real hub served on 127.0.0.1 (any free port) over a
real SQLite file in ``tmp_path``, a clock the test moves by hand, Debian's Chromium driven by
Playwright's async API (one browser for the run, one context per test; hub, browser and
tests share pytest-asyncio's session loop), and a log-in through the form.

Nothing is downloaded: Playwright launches ``/usr/bin/chromium`` (``install.sh`` installs
Debian's package); ``playwright install`` is never needed.

Time: the hub reads :class:`ManualClock` (``running_hub(config, clock=…)``), which starts at
the real time (so cookies, dates and the controller's ``sent_at`` look ordinary) and only
moves when a test calls :meth:`ManualClock.advance`. The fleet's periodic job runs for real,
every :data:`FLEET_CHECK_S` seconds (``HubConfig.fleet_check_interval_s``), reading that
clock; a test advances the clock past the grace and waits for the job's effect with
:meth:`LiveHub.wait_until` (polling a condition, never a fixed sleep).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from aiohttp import web
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    async_playwright,
    expect,
)

from hub import keys
from hub.config import HubConfig, PasswordHashing
from hub.passwords import Passwords
from hub.roles import Role
from hub.server import running_hub
from hub.storage import Actor, HubDB, User

CHROMIUM: Final = Path("/usr/bin/chromium")
CHROMIUM_ARGS: Final = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
NAVIGATION_TIMEOUT_MS: Final = 20_000
ACTION_TIMEOUT_MS: Final = 15_000
EXPECT_TIMEOUT_MS: Final = 15_000
WAIT_TIMEOUT_S: Final = 20.0
FLEET_CHECK_S: Final = 0.2
"""The fleet job's period in these tests (15 s in production): short, so a clock advance
takes effect within a fraction of a second."""
FAST_HASHING: Final = PasswordHashing(time_cost=1, memory_kib=64, parallelism=1)
PASSWORD: Final = "correcto caballo batería grapa"
SETUP: Final = Actor.system("pruebas de navegador")
SANTIAGO: Final = "America/Santiago"
LOOP: Final = "session"
"""The event loop the browser tests and their fixtures share (the browser lives in it);
each test module says ``pytestmark = pytest.mark.asyncio(loop_scope=LOOP)``."""
BROWSERS_OWN: Final = frozenset({"/favicon.ico"})
"""Requests Chromium makes by itself, not the page: even with the hub's icon linked from
every page (``static/favicon.svg``), Chromium may still ask for /favicon.ico first, and the
hub serves no public route there (only the log-in page is public)."""

expect.set_options(timeout=EXPECT_TIMEOUT_MS)


class ManualClock:
    """The hub's clock: the real time when made, then only what :meth:`advance` adds."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class LiveHub:
    """The running hub: its base URL, app (for its database) and clock."""

    url: str
    app: web.Application
    clock: ManualClock
    _hashes: dict[str, str] = field(default_factory=dict)

    @property
    def db(self) -> HubDB:
        return self.app[keys.db]

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    def add_user(self, role: Role, *, email: str, name: str, password: str = PASSWORD) -> User:
        """An account written through the repository, as ``sereno hub create-user`` does."""
        if password not in self._hashes:
            self._hashes[password] = Passwords(FAST_HASHING).hash(password)
        return self.db.users.create(
            email=email,
            name=name,
            role=role,
            password_hash=self._hashes[password],
            must_change_password=False,
            actor=SETUP,
            at=self.clock(),
        )

    async def wait_until(self, condition: Callable[[], bool], what: str) -> None:
        """Poll ``condition`` (the hub's jobs run meanwhile) until it holds; fail after
        :data:`WAIT_TIMEOUT_S` naming ``what``."""
        deadline = time.monotonic() + WAIT_TIMEOUT_S
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"waited {WAIT_TIMEOUT_S:.0f} s for {what}")
            await asyncio.sleep(0.05)


@pytest_asyncio.fixture(loop_scope=LOOP)
async def hub(tmp_path: Path) -> AsyncIterator[LiveHub]:
    config = HubConfig(
        db_path=tmp_path / "hub.db",
        host="127.0.0.1",
        port=0,
        password_hashing=FAST_HASHING,
        fleet_check_interval_s=FLEET_CHECK_S,
        timezone=SANTIAGO,
    )
    clock = ManualClock()
    async with running_hub(config, clock=clock) as running:
        yield LiveHub(running.url, running.app, clock)


@pytest_asyncio.fixture(scope="session", loop_scope=LOOP)
async def browser() -> AsyncIterator[Browser]:
    """One Chromium for the whole run (launching costs about a second); every test gets
    its own context, so cookies and pages are never shared."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (./install.sh --dev)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=list(CHROMIUM_ARGS), headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class Watch:
    """What the pages of one browser context did: every request's URL, console errors
    (CSP violations are among them), uncaught script errors and failed loads."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("request", self._request)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        source = message.location.get("url", "")
        if message.type == "error" and not _browsers_own(source):
            self.console_errors.append(f"{message.text} ({source})")

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)

    def _failed(self, request: Request) -> None:
        if not _browsers_own(request.url):
            self.failures.append(f"{request.url}: {request.failure}")

    def _response(self, response: Response) -> None:
        if response.status >= 400 and not _browsers_own(response.url):
            self.failures.append(f"{response.url}: HTTP {response.status}")

    def problems(self) -> list[str]:
        return [*self.console_errors, *self.page_errors, *self.failures]

    def clear(self) -> None:
        self.requests.clear()
        self.console_errors.clear()
        self.page_errors.clear()
        self.failures.clear()


def _browsers_own(url: str) -> bool:
    return urlsplit(url).path in BROWSERS_OWN


@dataclass
class Visit:
    """One browser context (its own cookies) on the hub with one page, watched."""

    hub: LiveHub
    context: BrowserContext
    page: Page
    watch: Watch


@pytest_asyncio.fixture(loop_scope=LOOP)
async def visit(browser: Browser, hub: LiveHub) -> AsyncIterator[Visit]:
    context = await browser.new_context(
        base_url=hub.url,
        locale="es-CL",
        timezone_id=SANTIAGO,
        viewport={"width": 1280, "height": 900},
    )
    try:
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        page = await context.new_page()
        watch = Watch()
        watch.attach(page)
        yield Visit(hub, context, page, watch)
    finally:
        await context.close()


async def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the log-in form, as a person does, and land on the Panel."""
    response = await page.goto("/login")
    assert response is not None and response.status == 200
    await page.get_by_label("Correo electrónico").fill(email)
    await page.get_by_label("Contraseña").fill(password)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Entrar").click()
    assert urlsplit(page.url).path == "/", f"log-in did not reach the Panel: {page.url}"
    await expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
