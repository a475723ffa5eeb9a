"""controller.reporter against a fake hub on loopback: batches and acknowledgement, outages
(nothing lost, nothing doubled), back-off, 401/400/413, the hub's commands run once."""

from __future__ import annotations

import contextlib
import logging
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from gpiozero.pins.mock import MockFactory

from controller.app import ControllerApp
from controller.commands import INTERRUPTED
from controller.config import ControllerConfig, HubConfig, load_config
from controller.hub_client import HubClient, write_credential
from controller.hub_link import HubLink
from controller.reporter import Backoff
from controller.store.reports import OutboxEntry
from hardware.radio.settings import Rylr998Settings
from protocol.frame import Heartbeat, PanicKind
from protocol.report import CommandResult, EpisodeSummary, SecurityCount, SelfTestResult
from tests.controller.fake_hub import FakeHub, enrolled, running_hub
from tests.controller.test_service_rig import (
    NETWORK,
    PINS,
    FakeRadio,
    Rig,
    eventually,
    levels,
    sms_sandbox,
    street,
)

FAST = Backoff(initial_s=0.05, factor=2.0, cap_s=0.4, jitter=0.5)
SCALE = 0.1
"""Siren patterns and the self-test chirp run at this scale (a 1 s chirp lasts 0.1 s)."""


def ok_test(detail: str) -> SelfTestResult:
    return SelfTestResult(ok=True, skipped=False, detail=detail, siren_ms=1000)


def config_for(tmp_path: Path, url: str | None, **hub: object) -> ControllerConfig:
    return ControllerConfig(
        name="Pasaje Los Aromos",
        network_id=NETWORK,
        radio=Rylr998Settings(kind="emulated", port=None),
        pins=PINS,
        data_dir=tmp_path,
        hub=HubConfig(url=url, self_test=None, **hub),  # type: ignore[arg-type]
    )


@dataclass
class Linked:
    rig: Rig
    link: HubLink
    hub: FakeHub
    controller_id: int
    config: ControllerConfig

    async def cycle(self) -> float:
        return await self.link.reporter.cycle()

    def queue(self, count: int) -> list[str]:
        """``count`` self-test results straight into the outbox; their ids."""
        events = [self.link.outbox.event(ok_test(f"prueba {i}")) for i in range(count)]
        self.rig.store.outbox_add([OutboxEntry(e) for e in events])
        return [e.id for e in events]


@contextlib.asynccontextmanager
async def linked(
    tmp_path: Path,
    hub: FakeHub,
    *,
    enroll: bool = True,
    timeout_s: float = 2.0,
    time_scale: float = 1.0,
    config: ControllerConfig | None = None,
) -> AsyncIterator[Linked]:
    """A controller (the service rig) with its hub link, enrolled at ``hub``."""
    config = config or config_for(tmp_path, hub.url)
    controller_id = 0
    if enroll:
        grant = await enrolled(hub)
        controller_id = grant.controller_id
        write_credential(config.hub.credential_path(config.data_dir), grant.credential)
    async with sms_sandbox() as sandbox, street(tmp_path, sandbox, time_scale=SCALE) as rig:
        client = HubClient(hub.url, timeout=aiohttp.ClientTimeout(total=timeout_s))
        link = HubLink(
            config, rig.store, rig.controller, backoff=FAST, client=client, time_scale=time_scale
        )
        try:
            yield Linked(rig, link, hub, controller_id, config)
        finally:
            await link.close()


def never_doubled(hub: FakeHub) -> None:
    assert hub.stored and max(hub.stored.values()) == 1


# --- reports and acknowledgement ------------------------------------------------------------------


async def test_a_report_carries_the_heartbeat_and_the_episode(tmp_path: Path) -> None:
    async with running_hub(report_interval_s=30) as hub, linked(tmp_path, hub) as it:
        await it.rig.press(PanicKind.ROBO)
        await it.rig.settle()
        assert await it.cycle() == 30.0  # the hub's interval, adopted
        (report,) = hub.reports
        assert report.controller_id == it.controller_id
        assert report.heartbeat is not None
        assert (report.heartbeat.alarm_state, report.heartbeat.open_episodes) == ("sounding", 1)
        assert report.heartbeat.outbox_pending == len(report.events) == 1
        (summary,) = hub.bodies("episode")
        assert isinstance(summary, EpisodeSummary)
        assert (summary.kind, summary.nodes, summary.sms.expected, summary.sms.accepted) == (
            "ROBO",
            (11,),
            2,
            2,
        )
        assert it.link.outbox.pending == 0
        await it.cycle()  # nothing new: a heartbeat alone
        assert hub.reports[-1].events == () and hub.reports[-1].heartbeat is not None
        assert hub.refusals == []


async def test_a_backlog_goes_in_batches_with_one_heartbeat(tmp_path: Path) -> None:
    async with running_hub() as hub, linked(tmp_path, hub) as it:
        ids = it.queue(1100)
        await it.cycle()
        assert [len(r.events) for r in hub.reports] == [500, 500, 100]
        assert [r.heartbeat is not None for r in hub.reports] == [True, False, False]
        assert set(hub.stored) == set(ids)
        never_doubled(hub)
        assert it.link.outbox.pending == 0


async def test_an_outage_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    async with running_hub() as hub, linked(tmp_path, hub) as it:
        await hub.stop()
        await it.rig.press(PanicKind.INCENDIO, node=12)
        for counter in (5, 3, 4):  # a heartbeat, then two replays of older counters
            await it.rig.receive(
                it.rig.frame(Heartbeat(3000, fw_major=1), node=13, counter=counter)
            )
        await it.rig.settle()
        first = await it.cycle()
        second = await it.cycle()
        assert first > 0 and second > 0
        assert it.link.reporter.failures == 2
        waiting = it.link.outbox.pending
        assert waiting >= 3  # the episode, the node's heartbeat, the replays
        await hub.restart()
        hub.mode = "lose_answer"  # stored, but the answer never arrives
        await it.cycle()
        assert len(hub.stored) == waiting and it.link.outbox.pending == waiting
        hub.mode = "ok"
        await it.cycle()
        assert it.link.outbox.pending == 0
        assert hub.reports[-1].events and len(hub.stored) == waiting
        never_doubled(hub)
        (replays,) = hub.bodies("security")
        assert isinstance(replays, SecurityCount)
        assert (replays.reason, replays.src, replays.count) == ("replay", 13, 2)


async def test_events_wait_in_the_outbox_across_a_restart(tmp_path: Path) -> None:
    async with running_hub() as hub:
        async with linked(tmp_path, hub) as it:
            await hub.stop()
            await it.rig.press(PanicKind.PANICO)
            await it.rig.settle()
            await it.cycle()
            pending = it.link.outbox.pending
            assert pending >= 1
        await hub.restart()
        async with linked(tmp_path, hub, enroll=False) as again:
            await again.cycle()
            assert again.link.outbox.pending == 0
            assert len(hub.stored) >= pending
            never_doubled(hub)
            assert hub.bodies("episode")[0].kind == "PANICO"


async def test_the_reporting_loop_keeps_trying_until_the_hub_is_back(tmp_path: Path) -> None:
    async with (
        running_hub(report_interval_s=60) as hub,
        linked(tmp_path, hub, time_scale=0.01) as it,
    ):
        await hub.stop()
        it.link.start()
        await it.rig.press(PanicKind.ROBO)
        await eventually(lambda: it.link.reporter.failures >= 3)
        assert it.link.outbox.pending >= 1
        await hub.restart()
        await eventually(lambda: it.link.outbox.pending == 0 and bool(hub.bodies("episode")))
        never_doubled(hub)


async def test_an_episode_wakes_the_reporter_before_its_interval(tmp_path: Path) -> None:
    async with running_hub(report_interval_s=3600) as hub, linked(tmp_path, hub) as it:
        it.link.start()
        await eventually(lambda: len(hub.reports) == 1)  # the report at start
        await it.rig.press(PanicKind.ROBO)
        await eventually(lambda: bool(hub.bodies("episode")), within=5.0)
        assert hub.reports[1].heartbeat is not None


# --- failures -------------------------------------------------------------------------------------


def test_back_off_doubles_up_to_its_cap_with_jitter() -> None:
    backoff = Backoff(initial_s=2.0, factor=2.0, cap_s=300.0, jitter=0.5)
    assert [backoff.ceiling(n) for n in range(1, 11)] == [
        2,
        4,
        8,
        16,
        32,
        64,
        128,
        256,
        300,
        300,
    ]
    assert backoff.ceiling(10_000) == 300.0
    rng = random.Random(7)
    for failures in range(1, 12):
        delays = [backoff.delay(failures, rng) for _ in range(200)]
        ceiling = backoff.ceiling(failures)
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert max(delays) - min(delays) > ceiling / 4  # spread: a fleet does not return in step
    with pytest.raises(ValueError, match="back-off"):
        Backoff(initial_s=0)


async def test_the_reporter_backs_off_more_after_each_failure(tmp_path: Path) -> None:
    async with running_hub() as hub, linked(tmp_path, hub) as it:
        it.queue(3)
        await hub.stop()
        delays = [await it.cycle() for _ in range(6)]
        for failures, delay in enumerate(delays, start=1):
            assert FAST.ceiling(failures) / 2 <= delay <= FAST.ceiling(failures)
        assert delays[-1] <= FAST.cap_s
        assert it.link.outbox.pending == 3


@pytest.mark.parametrize("mode", ["500", "slow"])
async def test_a_failing_or_slow_hub_keeps_the_events(tmp_path: Path, mode: str) -> None:
    async with running_hub(slow_s=1.0) as hub, linked(tmp_path, hub, timeout_s=0.3) as it:
        ids = it.queue(2)
        hub.mode = mode
        assert await it.cycle() > 0
        assert it.link.reporter.failures == 1 and it.link.outbox.pending == 2
        hub.mode = "ok"
        await it.cycle()
        assert it.link.outbox.pending == 0
        assert set(hub.stored) == set(ids)
        never_doubled(hub)


async def test_retry_after_is_honoured(tmp_path: Path) -> None:
    async with running_hub() as hub, linked(tmp_path, hub) as it:
        hub.mode = "429"
        it.queue(1)
        assert await it.cycle() >= 1.0  # Retry-After: 1, above the back-off's 0.05 s
        assert it.link.outbox.pending == 1


async def test_a_refused_credential_keeps_the_events_until_enrolled_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_hub() as hub, linked(tmp_path, hub, enroll=False) as it:
        path = it.config.hub.credential_path(tmp_path)
        ids = it.queue(2)
        assert await it.cycle() == 60.0  # not enrolled: nothing sent, a warning
        assert hub.requests == 0
        assert "no está inscrito" in caplog.text
        write_credential(path, "7." + "x" * 43)
        with caplog.at_level(logging.ERROR):
            assert await it.cycle() > 0
        assert "inscríbalo de nuevo" in caplog.text
        assert "x" * 43 not in caplog.text
        assert it.link.outbox.pending == 2
        grant = await enrolled(hub)
        write_credential(path, grant.credential)  # enrolled while running: picked up
        await it.cycle()
        assert set(hub.stored) == set(ids)


async def test_an_event_the_hub_refuses_is_set_aside_and_the_rest_go(tmp_path: Path) -> None:
    async with running_hub() as hub, linked(tmp_path, hub) as it:
        bad, *good = it.queue(3)
        hub.reject_event = bad
        assert await it.cycle() == 0.0
        await it.cycle()
        assert set(hub.stored) == set(good)
        assert it.link.outbox.pending == 1
        hub.reject_event = None
        assert it.link.outbox.unpark() == 1  # what the next start does
        await it.cycle()
        assert set(hub.stored) == {bad, *good}


async def test_a_report_too_large_is_split(tmp_path: Path) -> None:
    async with running_hub(max_body=5000) as hub, linked(tmp_path, hub) as it:
        ids = it.queue(60)
        for _ in range(20):
            if not it.link.outbox.pending:
                break
            await it.cycle()
        assert set(hub.stored) == set(ids)
        assert it.link.reporter.batch_limit < 60
        assert (413, "too_large") in hub.refusals


# --- the hub's commands ---------------------------------------------------------------------------


async def test_commands_run_once_and_are_acknowledged(tmp_path: Path) -> None:
    async with running_hub() as hub, linked(tmp_path, hub) as it:
        cid = it.controller_id
        silence = hub.command(cid, "silence")
        test = hub.command(cid, "siren_test")
        resync = hub.command(cid, "resync_config")
        unknown = hub.command(cid, "reboot")
        it.rig.siren.clear_states()
        await it.cycle()
        assert [len(r.events) for r in hub.reports] == [0, 5]  # results in the next report
        results = hub.results
        assert (results[silence.id].status, results[silence.id].detail) == (
            "done",
            "0 episodio(s) silenciado(s)",
        )
        assert results[test.id].status == "done"
        assert results[test.id].detail.startswith("sirena activada 0,")
        assert results[resync.id].status == "done"
        assert results[resync.id].detail.startswith("registro recargado: 3 nodo(s), 3 vecino(s)")
        assert (results[unknown.id].status, results[unknown.id].detail) == (
            "failed",
            "comando desconocido: reboot",
        )
        (self_test,) = hub.bodies("self_test")
        assert isinstance(self_test, SelfTestResult) and self_test.ok
        assert levels(it.rig.siren) == [False, True, False]  # one chirp
        assert hub.commands[cid] == []
        await it.cycle()
        assert len(hub.reports) == 3 and hub.reports[-1].events == ()
        # the hub lost a result and asks again: not run again, its result sent again
        del hub.results[test.id]
        hub.commands[cid].append(test)
        await it.cycle()  # its result is queued again, for the next report
        await it.cycle()
        assert hub.results[test.id].status == "done"
        assert levels(it.rig.siren) == [False, True, False]
        assert [r.status for r in it.rig.store.hub_commands()] == ["done"] * 3 + ["failed"]
        never_doubled(hub)


async def test_a_siren_test_never_interrupts_an_alarm(tmp_path: Path) -> None:
    async with running_hub() as hub, linked(tmp_path, hub) as it:
        await it.rig.press(PanicKind.ROBO)
        test = hub.command(it.controller_id, "siren_test")
        await it.cycle()
        assert (hub.results[test.id].status, hub.results[test.id].detail) == (
            "failed",
            "alarma en curso",
        )
        assert hub.bodies("self_test") == []
        silence = hub.command(it.controller_id, "silence")
        await it.cycle()
        assert hub.results[silence.id].detail == "1 episodio(s) silenciado(s)"
        assert it.rig.controller.outputs.state.siren is None


async def test_a_command_cut_short_by_a_stop_is_reported_failed(tmp_path: Path) -> None:
    async with running_hub() as hub, linked(tmp_path, hub) as it:
        it.rig.store.hub_command_start("c-9", "siren_test", 0.0, {})
        assert it.link.commands.recover() == 1
        await it.cycle()
        assert hub.results["c-9"] == CommandResult("c-9", "siren_test", "failed", INTERRUPTED)


async def test_resync_reloads_and_rereads_the_configuration(tmp_path: Path) -> None:
    async with running_hub() as hub:
        toml = tmp_path / "controller.toml"
        toml.write_text(
            f'[controller]\nname = "Pasaje Los Aromos"\nnetwork_id = {NETWORK}\n'
            f'data_dir = "."\n[radio]\nkind = "emulated"\n[hub]\nurl = "{hub.url}"\n',
            encoding="utf-8",
        )
        async with linked(tmp_path, hub, config=load_config(toml)) as it:
            first = hub.command(it.controller_id, "resync_config")
            await it.cycle()
            assert hub.results[first.id].detail.endswith("controller.toml sin cambios")
            toml.write_text(toml.read_text() + "report_interval_seconds = 30\n", encoding="utf-8")
            second = hub.command(it.controller_id, "resync_config")
            await it.cycle()
            assert "cambió: reinicie el controlador" in hub.results[second.id].detail


# --- the app --------------------------------------------------------------------------------------


async def test_the_controller_app_reports_from_its_start(tmp_path: Path) -> None:
    async with running_hub() as hub, sms_sandbox() as sandbox:
        config = ControllerConfig(
            name="Pasaje Los Aromos",
            network_id=NETWORK,
            radio=Rylr998Settings(kind="emulated", port=None),
            pins=PINS,
            data_dir=tmp_path,
            hub=HubConfig(url=hub.url),  # the weekly self-test on, by default Saturday 12:00
        )
        grant = await enrolled(hub)
        write_credential(config.hub.credential_path(tmp_path), grant.credential)
        factory = MockFactory()
        app = ControllerApp(
            config,
            pin_factory=factory,
            radio=FakeRadio(),
            time_scale=0.01,
            sms_settings=sandbox.settings(),
            control_socket=False,
        )
        try:
            async with app:
                await eventually(lambda: bool(hub.reports))
                heartbeat = hub.reports[0].heartbeat
                assert heartbeat is not None and heartbeat.alarm_state == "idle"
                link = app.hub_link
                assert link is not None and link.weekly is not None
                assert link.weekly.next_run().weekday() == 5  # a Saturday
            assert link.weekly.scheduler is None  # closed with the app
        finally:
            factory.reset()
            factory.close()
        assert hub.names[grant.controller_id] == "Pasaje Los Aromos"
