"""The controller's side of the hub, assembled from ``[hub]``: outbox, health, the hub's
commands, the reporter and the weekly siren self-test. :class:`~controller.app.ControllerApp`
starts it after the street controller and closes it first.

With no ``[hub] url`` nothing is sent, but the outbox still collects (bounded) and the
weekly self-test still runs: a controller enrolled later reports what it kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from controller.commands import HubCommands, Resync
from controller.config import ControllerConfig
from controller.health import SYS, Health, software_version
from controller.hub_client import HubClient
from controller.outbox import Outbox, OutboxLimits
from controller.reporter import Backoff, Reporter
from controller.selftest import SirenSelfTest, WeeklySelfTest, cron_trigger
from controller.service import StreetController
from controller.store import Store


class HubLink:
    """Outbox → hub, the hub's commands, the weekly self-test (module doc)."""

    def __init__(
        self,
        config: ControllerConfig,
        store: Store,
        controller: StreetController,
        *,
        time_scale: float = 1.0,
        backoff: Backoff | None = None,
        client: HubClient | None = None,
        clock: Callable[[], float] = time.time,
        sys_root: Path = SYS,
    ) -> None:
        hub = config.hub
        limits = OutboxLimits(hub.outbox_max_events, hub.outbox_max_mb * 1024 * 1024)
        self.outbox = Outbox(store, limits=limits, clock=clock)
        self.health = Health(config.data_dir, power=hub.power, sys_root=sys_root)
        self.self_test = SirenSelfTest(controller, self.outbox, clock=clock)
        self.commands = HubCommands(
            controller, self.outbox, self.self_test, Resync(controller, config), clock=clock
        )
        if client is None and hub.url is not None:
            client = HubClient(hub.url, user_agent=f"sereno-controller/{software_version()}")
        self.reporter = Reporter(
            outbox=self.outbox,
            client=client,
            credential_path=hub.credential_path(config.data_dir),
            health=self.health,
            controller=controller,
            commands=self.commands,
            interval_s=hub.report_interval_seconds,
            backoff=backoff,
            time_scale=time_scale,
            clock=clock,
        )
        self.weekly: WeeklySelfTest | None = None
        if hub.self_test is not None:
            self.weekly = WeeklySelfTest(self.self_test, cron_trigger(hub.self_test, hub.timezone))

    def start(self) -> None:
        self.reporter.start()
        if self.weekly is not None:
            self.weekly.start()

    async def close(self) -> None:
        if self.weekly is not None:
            await self.weekly.close()
        await self.reporter.close()
