"""controller.selftest: the 1-second chirp on the siren pin, never over an alarm, its result
queued and reported, and the weekly apscheduler job."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from controller.config import SelfTestSchedule
from controller.outbox import Outbox
from controller.selftest import SirenSelfTest, WeeklySelfTest, cron_trigger
from protocol.frame import PanicKind
from protocol.report import SelfTestResult
from tests.controller.fake_hub import running_hub
from tests.controller.test_reporter import linked
from tests.controller.test_service_rig import Rig, eventually, levels, sms_sandbox, street

SANTIAGO = ZoneInfo("America/Santiago")
SCALE = 0.1
"""The rig's outputs run at this scale: the 1-second chirp lasts 0.1 s on the mock pin."""


@contextlib.asynccontextmanager
async def rig_with_self_test(tmp_path: Path) -> AsyncIterator[tuple[Rig, SirenSelfTest]]:
    async with sms_sandbox() as sandbox, street(tmp_path, sandbox, time_scale=SCALE) as rig:
        yield rig, SirenSelfTest(rig.controller, Outbox(rig.store))


def queued(rig: Rig) -> list[SelfTestResult]:
    return [b for e in rig.store.outbox_batch(100) if isinstance(b := e.body(), SelfTestResult)]


async def test_a_self_test_chirps_the_siren_for_its_second(tmp_path: Path) -> None:
    async with rig_with_self_test(tmp_path) as (rig, self_test):
        rig.siren.clear_states()
        result = await self_test.run()
        assert result.ok and not result.skipped
        assert 1000 * SCALE * 0.9 <= result.siren_ms <= 1000 * SCALE + 300
        assert result.detail.startswith("sirena activada 0,")
        states = rig.siren.states
        assert [bool(s.state) for s in states] == [False, True, False]
        on_for = states[2].timestamp - states[1].timestamp
        assert 1.0 * SCALE * 0.9 <= on_for <= 1.0 * SCALE + 0.1
        assert queued(rig) == [result]
        assert rig.controller.outputs.state.siren is None


async def test_a_self_test_is_skipped_while_an_alarm_sounds(tmp_path: Path) -> None:
    async with rig_with_self_test(tmp_path) as (rig, self_test):
        await rig.press(PanicKind.ROBO)
        result = await self_test.run()
        assert (result.ok, result.skipped, result.detail) == (
            False,
            True,
            "omitida: alarma en curso",
        )
        assert rig.controller.outputs.siren.is_active  # the alarm goes on
        assert queued(rig) == [result]


async def test_a_siren_output_that_cannot_be_driven_fails_the_test(tmp_path: Path) -> None:
    async with rig_with_self_test(tmp_path) as (rig, self_test):
        rig.controller.outputs.siren.close()
        result = await self_test.run()
        assert (result.ok, result.skipped) == (False, False)
        assert result.detail.startswith("no se pudo activar la salida de la sirena")


def test_the_weekly_trigger_fires_on_the_configured_day_and_hour_in_santiago() -> None:
    trigger = cron_trigger(SelfTestSchedule("sat", 12, 0), "America/Santiago")
    wednesday = datetime(2025, 3, 12, 9, 0, tzinfo=SANTIAGO)
    fire = trigger.get_next_fire_time(None, wednesday)
    assert fire == datetime(2025, 3, 15, 12, 0, tzinfo=SANTIAGO)
    assert fire.utcoffset() is not None and fire.utcoffset().total_seconds() == -3 * 3600
    winter = trigger.get_next_fire_time(None, datetime(2025, 7, 1, tzinfo=SANTIAGO))
    assert (winter.weekday(), winter.hour, winter.utcoffset().total_seconds()) == (5, 12, -4 * 3600)


async def test_the_scheduler_runs_the_self_test_and_its_result_reaches_the_hub(
    tmp_path: Path,
) -> None:
    async with running_hub() as hub, linked(tmp_path, hub) as it:
        it.rig.siren.clear_states()
        weekly = WeeklySelfTest(it.link.self_test, CronTrigger(second="*", timezone=SANTIAGO))
        weekly.start()
        try:
            assert weekly.next_run() is not None
            await eventually(lambda: it.link.outbox.pending >= 1, within=5.0)
        finally:
            await weekly.close()
        assert weekly.scheduler is None
        assert levels(it.rig.siren)[:3] == [False, True, False]
        await it.cycle()
        results = hub.bodies("self_test")
        assert results and all(isinstance(r, SelfTestResult) and r.ok for r in results)


async def test_closing_the_scheduler_waits_for_a_running_test(tmp_path: Path) -> None:
    async with rig_with_self_test(tmp_path) as (rig, self_test):
        weekly = WeeklySelfTest(self_test, CronTrigger(second="*", timezone=SANTIAGO))
        weekly.start()
        await eventually(lambda: bool(weekly._runs), within=5.0)
        await weekly.close()
        assert not weekly._runs
        assert queued(rig)
        assert not rig.controller.outputs.siren.is_active
