"""Running the hub: :func:`running_hub` serves it for the length of a block (tests, the
CLI); :func:`serve` runs until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from hub import keys
from hub.app import create_app
from hub.config import HubConfig

SHUTDOWN_TIMEOUT_S = 5.0


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
    runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN_TIMEOUT_S)
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
