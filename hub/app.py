"""The hub's application factory.

``create_app(config)`` builds the aiohttp application from a :class:`~hub.config.HubConfig`
loaded elsewhere (the CLI, a test): routes from :data:`hub.routes.ROUTES`, templates,
static files, middlewares, and the cleanup contexts that open the database (applying
migrations) and run background jobs. Nothing is opened until the app starts.

Adding a resource or a background job: write a cleanup context (an async generator of
the app: set up, ``yield``, tear down) and append it to ``app.cleanup_ctx`` here. For a job
that repeats, :func:`periodic` builds one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection

from aiohttp import web

from hub import keys
from hub.config import HubConfig
from hub.fleet.api import controller_auth, report_intake
from hub.fleet.jobs import fleet_watch
from hub.passwords import Passwords
from hub.routes import ROUTES
from hub.routing import Route, RouteTable
from hub.storage import HubDB
from hub.web.access import access_middleware
from hub.web.errors import error_middleware, security_headers
from hub.web.render import STATIC_DIR, STATIC_PREFIX, setup_templates

logger = logging.getLogger(__name__)

Job = Callable[[web.Application], Awaitable[None]]
MAX_FORM_BYTES = 6 * 1024 * 1024
"""The largest request body: a fuentes secundarias CSV upload (5 MB) and its form fields."""


def create_app(
    config: HubConfig,
    *,
    clock: keys.Clock = time.time,
    routes: Collection[Route] = ROUTES,
) -> web.Application:
    """The hub as an aiohttp application. ``clock`` gives the time (tests pass a fake);
    ``routes`` is the routes table (tests may add routes to it)."""
    app = web.Application(
        middlewares=[error_middleware, access_middleware], client_max_size=MAX_FORM_BYTES
    )
    app[keys.config] = config
    app[keys.clock] = clock
    app[keys.passwords] = Passwords(config.password_hashing)
    app[keys.controller_auth] = controller_auth
    table = RouteTable()
    table.install(app, routes)
    table.install_static(
        app, STATIC_PREFIX, STATIC_DIR, name="static", example=f"{STATIC_PREFIX}sereno.css"
    )
    app[keys.routes] = table
    setup_templates(app)
    app.on_response_prepare.append(security_headers)
    app.cleanup_ctx.append(database)
    app.cleanup_ctx.append(report_intake)
    app.cleanup_ctx.append(periodic("housekeeping", config.housekeeping_interval_s, housekeeping))
    app.cleanup_ctx.append(periodic("fleet", config.fleet_check_interval_s, fleet_watch))
    return app


async def database(app: web.Application) -> AsyncIterator[None]:
    """Open the database (applying pending migrations) for the app's lifetime."""
    db = HubDB.open(app[keys.config].db_path)
    app[keys.db] = db
    yield
    db.close()


def periodic(
    name: str, interval_s: float, job: Job
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context that runs ``job(app)`` every ``interval_s`` seconds (first after one
    interval) while the app runs; a failing run is logged and the next one still happens."""

    async def run_forever(app: web.Application) -> None:
        while True:
            await asyncio.sleep(interval_s)
            try:
                await job(app)
            except Exception:
                logger.exception("background job %s failed", name)

    async def context(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(run_forever(app), name=f"hub-{name}")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return context


async def housekeeping(app: web.Application) -> None:
    """Delete expired sessions and failed log-ins older than the rate-limit window."""
    config, db, now = app[keys.config], app[keys.db], app[keys.clock]()
    db.sessions.purge(at=now, idle_s=config.session_idle_s)
    db.login_attempts.purge(before=now - config.login_limits.window_s)
