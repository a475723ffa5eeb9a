"""The reporting loop: outbox → hub, in batches, with back-off; the hub's answer → commands.

Every ``interval_s`` (the hub may change it in its answers), and soon after the controller
records something the hub should see at once (an episode opened or changed, a silence, SMS
results), :class:`Reporter` runs one *cycle*:

1. :meth:`Outbox.sync` queues what the controller recorded (local; done even with no hub);
2. it posts a report: the heartbeat and up to ``batch_limit`` events (episodes first when
   there are more); while the outbox holds more, further reports follow at once, without
   a heartbeat;
3. on 200 it deletes the events the hub acknowledged (``accepted`` and ``duplicates``),
   runs the new commands (:class:`~controller.commands.HubCommands`) and reports their
   results in the next report, right away.

Failures (``docs/hub-api.md``): an unreachable, slow or failing hub (timeout, refused,
5xx, 429) keeps every event and waits with exponential back-off and jitter
(:class:`Backoff`; at least ``Retry-After``); 401 keeps every event, logs in Spanish that
the controller must be enrolled again and re-reads the credential file before each try (an
``enroll`` while running is picked up); a 400 naming one event sets that event aside and
sends the rest; 413 halves the batch. Nothing here blocks the alarm path: it is one task
on the controller's loop, and every wait is an ``await``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from controller.commands import HubCommands
from controller.health import Health
from controller.hub_client import (
    HubClient,
    HubError,
    HubRefused,
    HubTooLarge,
    HubUnauthorized,
    HubUnavailable,
    read_credential,
)
from controller.outbox import Outbox
from controller.service import Happening, StreetController
from protocol.report import (
    MAX_EVENTS,
    REPORT_INTERVAL_RANGE,
    Event,
    Heartbeat,
    Report,
    ReportAnswer,
    parse_credential,
)

log = logging.getLogger(__name__)

URGENT: Final = frozenset({"episode", "silence", "sms", "street"})
"""Happenings after which the hub should hear soon, not at the next interval."""
_EVENT_FIELD: Final = re.compile(r"events\[(\d+)\]")


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waits after consecutive failures: ``initial_s``, doubling (``factor``) up to
    ``cap_s``; each drawn uniformly from ``[(1 - jitter) · d, d]`` so a fleet that lost the
    hub together does not come back in step."""

    initial_s: float = 2.0
    factor: float = 2.0
    cap_s: float = 300.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if not 0 < self.initial_s <= self.cap_s or self.factor < 1 or not 0 <= self.jitter < 1:
            raise ValueError("back-off needs 0 < initial_s <= cap_s, factor >= 1, 0 <= jitter < 1")

    def ceiling(self, failures: int) -> float:
        """The wait before jitter after ``failures`` (≥ 1) failures in a row."""
        exponent = min(max(failures, 1) - 1, 64)
        return min(self.cap_s, self.initial_s * self.factor**exponent)

    def delay(self, failures: int, rng: random.Random) -> float:
        return self.ceiling(failures) * (1.0 - self.jitter * rng.random())


class Reporter:
    """The loop of the module doc, started and closed with the controller."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        client: HubClient | None,
        credential_path: Path,
        health: Health,
        controller: StreetController,
        commands: HubCommands,
        interval_s: float = 60.0,
        batch_limit: int = MAX_EVENTS,
        backoff: Backoff | None = None,
        settle_s: float = 0.2,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.outbox = outbox
        self.client = client
        self.credential_path = credential_path
        self.health = health
        self.controller = controller
        self.commands = commands
        self.time_scale = time_scale
        self.interval_s = interval_s * time_scale
        self.batch_limit = max(1, min(batch_limit, MAX_EVENTS))
        self.backoff = backoff or Backoff()
        self.settle_s = settle_s
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self.failures = 0
        self.last_error: HubError | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._warned_credential = False
        controller.listen(self._on_happening)

    # --- life cycle ---------------------------------------------------------------------------
    def start(self) -> None:
        self.outbox.unpark()
        self.commands.recover()
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="hub-reporter")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.client is not None:
            await self.client.close()

    def wake(self) -> None:
        """Report soon (not while backing off from a failure)."""
        self._wake.set()

    def _on_happening(self, happening: Happening) -> None:
        if happening.what in URGENT:
            self.wake()

    async def _loop(self) -> None:
        while True:
            try:
                delay = await self.cycle()
            except Exception:  # the loop must outlive any bug in one cycle
                log.exception("a report cycle failed")
                self.failures += 1
                delay = self.backoff.delay(self.failures, self._rng) * self.time_scale
            await self._pause(delay)

    async def _pause(self, delay: float) -> None:
        if self.failures:  # backing off: a wake does not cut it short
            await asyncio.sleep(delay)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=delay)
            await asyncio.sleep(self.settle_s)  # let a burst of happenings settle
        self._wake.clear()

    # --- one cycle ------------------------------------------------------------------------------
    async def cycle(self) -> float:
        """Sync, then report until the outbox is empty or the hub fails; the seconds to
        wait before the next cycle."""
        self._wake.clear()
        self.outbox.sync()
        if self.client is None:
            return self.interval_s
        credential = self._credential()
        if credential is None:
            return self.interval_s
        heartbeat_sent = False
        while True:
            events = self.outbox.batch(self.batch_limit)
            if heartbeat_sent and not events:
                return self.interval_s
            try:
                answer = await self._send(events, heartbeat=not heartbeat_sent)
            except HubError as exc:
                return self._failed(exc, events)
            heartbeat_sent = True
            self._succeeded(answer, events)
            if await self.commands.run(answer.commands):
                self.outbox.sync()
                continue
            if len(events) < self.batch_limit:
                return self.interval_s

    async def _send(self, events: list[Event], *, heartbeat: bool) -> ReportAnswer:
        assert self.client is not None and self.client.credential is not None
        controller_id, _ = parse_credential(self.client.credential)
        now = self._clock()
        report = Report(
            controller_id=controller_id,
            sent_at=now,
            heartbeat=self._heartbeat(now) if heartbeat else None,
            events=tuple(events),
        )
        return await self.client.report(report)

    def _heartbeat(self, now: float) -> Heartbeat:
        alarm = self.controller.alarm
        count, _ = self.outbox.store.outbox_size()
        return self.health.heartbeat(
            alarm_state=alarm.state(now),
            open_episodes=len(alarm.open_episodes),
            outbox_pending=count,
            outbox_dropped=self.outbox.dropped,
        )

    def _succeeded(self, answer: ReportAnswer, events: list[Event]) -> None:
        if self.failures:
            log.info("el hub volvió a responder tras %d intento(s) fallido(s)", self.failures)
        self.failures = 0
        self.last_error = None
        self._warned_credential = False
        sent = {e.id for e in events}
        self.outbox.acknowledge(answer.acknowledged & sent)
        low, high = REPORT_INTERVAL_RANGE
        self.interval_s = min(max(answer.report_interval_s, low), high) * self.time_scale

    def _failed(self, error: HubError, events: list[Event]) -> float:
        """What to do after a failed report; the seconds to wait."""
        self.last_error = error
        if isinstance(error, HubTooLarge):
            if len(events) <= 1:
                for event in events:
                    self.outbox.park(event.id, "el hub lo rechazó por tamaño (413)")
            self.batch_limit = max(1, len(events) // 2)
            return 0.0
        if isinstance(error, HubRefused):
            found = _EVENT_FIELD.match(error.answer.field or "")
            if found and int(found[1]) < len(events):
                event = events[int(found[1])]
                self.outbox.park(event.id, f"{error.answer.field}: {error.answer.message}")
                return 0.0
            log.error("el hub rechazó el reporte: %s (%s)", error, error.answer.field)
        elif isinstance(error, HubUnauthorized):
            log.error("%s; los eventos quedan guardados", error)
            if self.client is not None:
                self.client.credential = None  # read the file again before the next try
        else:
            log.warning("reporte no enviado: %s; los eventos quedan guardados", error)
        self.failures += 1
        delay = self.backoff.delay(self.failures, self._rng)
        if isinstance(error, HubUnavailable) and error.retry_after is not None:
            delay = max(delay, error.retry_after)
        return delay * self.time_scale

    def _credential(self) -> str | None:
        assert self.client is not None
        if self.client.credential is None:
            self.client.credential = read_credential(self.credential_path)
            if self.client.credential is None and not self._warned_credential:
                log.warning(
                    "este controlador no está inscrito en el hub (falta %s): ejecute «sereno "
                    "controller enroll --hub URL --code CÓDIGO»; los eventos quedan guardados",
                    self.credential_path,
                )
                self._warned_credential = True
        return self.client.credential
