"""Running the hub: :func:`running_hub` serves it for the length of a block (tests, the
CLI); :func:`serve` runs until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web
from aiohttp.web_log import AccessLogger

from hub import keys
from hub.app import create_app
from hub.config import HubConfig
from protocol.report import REPORTS_PATH

SHUTDOWN_TIMEOUT_S = 5.0


class HubAccessLogger(AccessLogger):
    """aiohttp's access log, less the controllers' accepted reports.

    A fleet of 2,000 controllers reporting every 10 s would write 17 million lines a day
    that say nothing the fleet pages do not (every report is stored, with its time); and
    formatting them cost about a tenth of the hub's CPU under load. Accepted reports are
    logged only with the ``aiohttp.access`` logger at DEBUG; refused ones (4xx, 5xx) and
    every other request as before.
    """

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if (
            response.status < 400
            and request.path == REPORTS_PATH
            and not self.logger.isEnabledFor(logging.DEBUG)
        ):
            return
        super().log(request, response, time)


@dataclass(frozen=True)
class RunningHub:
    url: str
    port: int
    app: web.Application


@asynccontextmanager
async def running_hub(
    config: HubConfig, *, clock: keys.Clock = time.time
) -> AsyncIterator[RunningHub]:
    """Serve the hub on ``config.host:config.port`` (port 0: any free one) until the block
    ends. Raises :class:`~hub.errors.StorageError` if the database cannot be opened and
    ``OSError`` if the address is taken."""
    app = create_app(config, clock=clock)
    runner = web.AppRunner(
        app, shutdown_timeout=SHUTDOWN_TIMEOUT_S, access_log_class=HubAccessLogger
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, config.host, config.port)
        await site.start()
        port = int(runner.addresses[0][1])
        host = f"[{config.host}]" if ":" in config.host else config.host
        yield RunningHub(f"http://{host}:{port}", port, app)
    finally:
        await runner.cleanup()


async def serve(config: HubConfig, *, ready: Callable[[RunningHub], None]) -> None:
    """Serve until SIGINT or SIGTERM; ``ready`` is called once the hub answers."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with running_hub(config) as running:
            ready(running)
            await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
