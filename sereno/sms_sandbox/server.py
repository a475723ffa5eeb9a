"""Running the sandbox on a loopback port, for the CLI, the demo, tests and benchmarks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from controller.sms.settings import SANDBOX_HOST, TwilioSettings
from sereno.sms_sandbox.app import STATE, create_app
from sereno.sms_sandbox.state import SandboxConfig, SandboxState


@dataclass(frozen=True, slots=True)
class RunningSandbox:
    """A sandbox listening at ``url``; ``state`` is what it got."""

    url: str
    port: int
    config: SandboxConfig
    state: SandboxState

    def settings(self) -> TwilioSettings:
        """Controller settings that send to this sandbox with its credentials."""
        settings = TwilioSettings.sandbox(self.url)
        if (self.config.account_sid, self.config.auth_token) == (
            settings.account_sid,
            settings.auth_token,
        ):
            return settings
        return TwilioSettings(
            self.config.account_sid,
            self.config.auth_token,
            settings.from_number,
            api_base=self.url,
        )


@asynccontextmanager
async def running_sandbox(
    config: SandboxConfig | None = None, host: str = SANDBOX_HOST, port: int = 0
) -> AsyncIterator[RunningSandbox]:
    """Serve the sandbox on ``host:port`` (port 0: any free port) until the block ends."""
    config = config or SandboxConfig()
    app = create_app(config)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_port = int(runner.addresses[0][1])
        url_host = f"[{host}]" if ":" in host else host
        yield RunningSandbox(f"http://{url_host}:{bound_port}", bound_port, config, app[STATE])
    finally:
        await runner.cleanup()
