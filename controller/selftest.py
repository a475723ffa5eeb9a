"""The siren self-test: a 1-second chirp, weekly (apscheduler) or when the hub asks.

:meth:`SirenSelfTest.check` drives the siren output for ``seconds`` through
:meth:`StreetOutputs.chirp` and watches it switch off again; it never interrupts an alarm
(skipped "alarma en curso"). The result goes to the outbox as a ``self_test`` event.
Without a sensor on the horn, "ok" means the output was driven for that long; the
installer's ear is the rest of the test.

:class:`WeeklySelfTest` runs it with an apscheduler 3 ``AsyncIOScheduler`` and a
``CronTrigger`` (``[hub] self_test = "sab 12:00"`` in the configured time zone, by default
America/Santiago). A test missed while the controller was off runs when it comes back
within an hour; runs missed together count once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, Final
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from controller.config import SelfTestSchedule
from controller.outbox import Outbox
from controller.service import StreetController
from hardware.gpio.outputs import Siren
from protocol.payloads import AlarmState
from protocol.report import MAX_TEXT, SelfTestResult

log = logging.getLogger(__name__)

SELF_TEST_SECONDS: Final = 1.0
MISFIRE_GRACE_S: Final = 3600
JOB_ID: Final = "siren-self-test"


class SirenSelfTest:
    """One chirp of the street's siren, checked and recorded."""

    def __init__(
        self,
        controller: StreetController,
        outbox: Outbox,
        *,
        seconds: float = SELF_TEST_SECONDS,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        poll_s: float = 0.01,
    ) -> None:
        self.controller = controller
        self.outbox = outbox
        self.seconds = seconds
        self._clock = clock
        self._monotonic = monotonic
        self._poll = poll_s
        self._lock = asyncio.Lock()

    async def run(self) -> SelfTestResult:
        """Check the siren and queue the result for the hub."""
        result = await self.check()
        self.outbox.add(result)
        if result.ok:
            log.info("autoprueba de sirena: %s", result.detail)
        else:
            log.warning("autoprueba de sirena: %s", result.detail)
        return result

    async def check(self) -> SelfTestResult:
        """Chirp and watch the output (the module doc); never while an alarm sounds."""
        async with self._lock:
            return await self._check()

    async def _check(self) -> SelfTestResult:
        if self._alarm_sounding():
            return _skipped("omitida: alarma en curso")
        try:
            return await self._chirp()
        except Exception as exc:  # a GPIO error is the test's finding, not a crash
            log.exception("the self-test chirp failed")
            return _failed(f"no se pudo activar la salida de la sirena: {exc}")

    async def _chirp(self) -> SelfTestResult:
        outputs = self.controller.outputs
        started = self._monotonic()
        if not outputs.chirp(self.seconds):
            return _skipped("omitida: la sirena está ocupada")
        siren = outputs.siren
        if not _on(siren):
            return _failed("la salida de la sirena no se activó")
        deadline = started + self.seconds + 2.0
        while _on(siren) and self._monotonic() < deadline:
            if self._alarm_sounding():
                return _skipped("interrumpida por una alarma")
            await asyncio.sleep(self._poll)
        elapsed_ms = min(round((self._monotonic() - started) * 1000), 60_000)
        if _on(siren):
            if self._alarm_sounding():
                return _skipped("interrumpida por una alarma")
            siren.stop()
            return _failed("la salida de la sirena no se apagó a tiempo", elapsed_ms)
        seconds = elapsed_ms / 1000
        return SelfTestResult(
            ok=True,
            skipped=False,
            detail=f"sirena activada {seconds:.1f} s".replace(".", ","),
            siren_ms=elapsed_ms,
        )

    def _alarm_sounding(self) -> bool:
        controller = self.controller
        return (
            controller.alarm.state(self._clock()) is AlarmState.SOUNDING
            or controller.outputs.state.siren is not None
        )


def _on(siren: Siren) -> bool:
    """The output's state now (a function, so each call reads it afresh)."""
    return siren.is_active


def _skipped(detail: str) -> SelfTestResult:
    return SelfTestResult(ok=False, skipped=True, detail=detail, siren_ms=0)


def _failed(detail: str, siren_ms: int = 0) -> SelfTestResult:
    return SelfTestResult(ok=False, skipped=False, detail=detail[:MAX_TEXT], siren_ms=siren_ms)


def cron_trigger(schedule: SelfTestSchedule, timezone: str) -> CronTrigger:
    return CronTrigger(
        day_of_week=schedule.day_of_week,
        hour=schedule.hour,
        minute=schedule.minute,
        timezone=ZoneInfo(timezone),
    )


class WeeklySelfTest:
    """Runs :meth:`SirenSelfTest.run` on a ``CronTrigger``; start and close with the app."""

    def __init__(self, self_test: SirenSelfTest, trigger: CronTrigger) -> None:
        self.self_test = self_test
        self.trigger = trigger
        self.scheduler: AsyncIOScheduler | None = None
        self._runs: set[asyncio.Task[Any]] = set()

    def start(self) -> None:
        scheduler = AsyncIOScheduler(timezone=self.trigger.timezone)
        scheduler.add_job(
            self._job,
            self.trigger,
            id=JOB_ID,
            name="autoprueba semanal de la sirena",
            misfire_grace_time=MISFIRE_GRACE_S,
            coalesce=True,
            max_instances=1,
        )
        scheduler.start()
        self.scheduler = scheduler
        log.info("autoprueba de sirena programada; la próxima: %s", self.next_run())

    def next_run(self) -> Any:
        if self.scheduler is None:
            return None
        job = self.scheduler.get_job(JOB_ID)
        return None if job is None else job.next_run_time

    async def _job(self) -> None:
        # The test runs in a task of its own: closing the scheduler cancels its jobs, and a
        # chirp under way must end and be recorded (close waits for it).
        task = asyncio.get_running_loop().create_task(self._run(), name="siren-self-test")
        self._runs.add(task)
        task.add_done_callback(self._runs.discard)

    async def _run(self) -> None:
        try:
            await self.self_test.run()
        except Exception:
            log.exception("the weekly self-test failed")

    async def close(self) -> None:
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)  # runs on the loop's next turn
            await asyncio.sleep(0)
        if self._runs:
            _, late = await asyncio.wait(set(self._runs), timeout=5.0)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
