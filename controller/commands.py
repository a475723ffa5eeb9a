"""The hub's commands to this controller, each run once and acknowledged.

A command arrives in the answer to a report, and again in every answer until its
``command_result`` reaches the hub. :meth:`HubCommands.run` records each id in the store
*before* running it (``hub_commands``), so a command is run at most once even across a
restart: one found still ``running`` at start was cut short and is reported ``failed``.
Its outcome and its ``command_result`` event are written in one transaction. When the
hub asks again for a command already run whose result is no longer waiting in the outbox
(dropped by the bound, or acknowledged and lost), the same outcome is queued again.

- ``silence``: :meth:`StreetController.silence` (what the installer's key does);
- ``siren_test``: a 1-second chirp (:class:`~controller.selftest.SirenSelfTest`), never
  while an alarm sounds; it also queues a ``self_test`` event;
- ``resync_config``: reloads the registry and re-reads ``controller.toml`` (:class:`Resync`);
- anything else: ``failed``, "comando desconocido".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Final

from controller.config import ControllerConfig, load_config
from controller.errors import ConfigError
from controller.outbox import Outbox
from controller.selftest import SirenSelfTest
from controller.service import StreetController
from controller.store.reports import OutboxEntry
from protocol.report import MAX_TEXT, Command, CommandResult

log = logging.getLogger(__name__)

KEEP_COMMANDS_S: Final = 90 * 86400.0
"""Ids of commands run are remembered this long (the hub stops asking once acknowledged)."""
INTERRUPTED: Final = "interrumpido por un reinicio del controlador"


class Resync:
    """``resync_config``: what is cheap and safe to reload while running.

    The node and vecino registry is reloaded from the database (keys, households: what the
    hot path and the SMS use). ``controller.toml`` is read again and compared with the
    running configuration; a change (radio, pins, alarm times, hub) is reported as needing
    a restart, never applied on the fly, and a file with errors is reported as such.
    """

    def __init__(self, controller: StreetController, config: ControllerConfig) -> None:
        self.controller = controller
        self.config = config

    def __call__(self) -> str:
        nodes = self.controller.refresh_registry()
        vecinos = len(self.controller.store.list_vecinos())
        text = f"registro recargado: {nodes} nodo(s), {vecinos} vecino(s); "
        source = self.config.source
        if source is None:
            return text + "sin archivo de configuración que releer"
        try:
            fresh = load_config(source)
        except ConfigError as exc:
            return (text + f"{source.name} tiene errores: {exc.problems[0]}")[:MAX_TEXT]
        if fresh == self.config:
            return text + f"{source.name} sin cambios"
        return text + f"{source.name} cambió: reinicie el controlador para aplicarlo"


class HubCommands:
    """Runs the commands of a report's answer (see the module doc)."""

    def __init__(
        self,
        controller: StreetController,
        outbox: Outbox,
        self_test: SirenSelfTest,
        resync: Callable[[], str],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.controller = controller
        self.outbox = outbox
        self.store = outbox.store
        self.self_test = self_test
        self.resync = resync
        self._clock = clock

    def recover(self) -> int:
        """At start: commands cut short by a stop are reported failed; old ids forgotten."""
        interrupted = self.store.hub_commands("running")
        for record in interrupted:
            self._finish(record.id, record.type, "failed", INTERRUPTED)
        self.store.prune_hub_commands(self._clock() - KEEP_COMMANDS_S)
        return len(interrupted)

    async def run(self, commands: Sequence[Command]) -> int:
        """Run each new command once; how many ran now."""
        ran = 0
        for command in commands:
            if not self.store.hub_command_start(
                command.id, command.type, command.issued_at, dict(command.params)
            ):
                self._repeat_result(command)
                continue
            log.info("comando del hub %s: %s", command.id, command.type)
            extra: list[OutboxEntry] = []
            try:
                status, detail = await self._execute(command, extra)
            except Exception as exc:  # a command must never stop the reporter
                log.exception("hub command %s failed", command.id)
                status, detail = "failed", f"error: {exc}"
            self._finish(command.id, command.type, status, detail, extra)
            ran += 1
        return ran

    async def _execute(self, command: Command, extra: list[OutboxEntry]) -> tuple[str, str]:
        if command.type == "silence":
            silenced = len(self.controller.silence())
            return "done", f"{silenced} episodio(s) silenciado(s)"
        if command.type == "siren_test":
            result = await self.self_test.check()
            if result.skipped:
                return "failed", "alarma en curso"
            extra.append(OutboxEntry(self.outbox.event(result)))
            return ("done" if result.ok else "failed"), result.detail
        if command.type == "resync_config":
            return "done", self.resync()
        return "failed", f"comando desconocido: {command.type}"

    def _finish(
        self,
        command_id: str,
        command_type: str,
        status: str,
        detail: str,
        extra: Sequence[OutboxEntry] = (),
    ) -> None:
        detail = detail[:MAX_TEXT]
        result = CommandResult(command_id, command_type, status, detail)
        entry = OutboxEntry(self.outbox.event(result), merge_key=f"command:{command_id}")
        self.store.hub_command_finish(command_id, status, detail, [*extra, entry])
        self.outbox.trim()

    def _repeat_result(self, command: Command) -> None:
        record = self.store.hub_command(command.id)
        if record is None or record.status == "running":
            return
        if self.store.outbox_has(f"command:{command.id}"):
            return  # its result is still on its way
        log.info("hub command %s was run before; its result is sent again", command.id)
        self._finish(record.id, record.type, record.status, record.detail)
