"""A controller stopped mid-episode and started again on the same store and pins.

It resumes what is left of the episode and never sounds past the cap set by the press; the
loop still wakes at the deadlines; no vecino gets a second SMS, and one whose SMS had not
gone out yet gets it after the restart.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from controller.alarm import AlarmPolicy, EndReason
from controller.outputs import OutputsState
from protocol.frame import PanicKind
from tests.controller.test_service_rig import (
    SIREN_PIN,
    STROBE_PIN,
    eventually,
    level,
    levels,
    recipients,
    sms_sandbox,
    street,
)

EARLY = 0.01
LATE = 0.3
POLICY = AlarmPolicy(siren_max_s=1.2, strobe_max_s=2.0, cancel_window_s=60.0)


@pytest.fixture
def pins() -> Iterator[MockFactory]:
    """One board for both runs of the controller."""
    factory = MockFactory()
    yield factory
    factory.reset()
    factory.close()


async def test_a_restart_mid_episode_resumes_only_what_is_left(
    tmp_path: Path, pins: MockFactory
) -> None:
    siren, strobe = pins.pin(SIREN_PIN), pins.pin(STROBE_PIN)
    async with sms_sandbox() as sandbox:
        async with street(tmp_path, sandbox, policy=POLICY, factory=pins) as first:
            await first.press(PanicKind.PANICO)
            await first.settle()
            (episode,) = first.store.load_open_episodes()
            await asyncio.sleep(0.4)
        assert not level(siren) and not level(strobe)  # stopped: the street is dark
        assert levels(siren) == [False, True, False]
        sounded_before = siren.states[2].timestamp
        assert episode.siren_until is not None and episode.strobe_until is not None

        siren.clear_states()
        cleared_mono, cleared_at = time.monotonic(), time.time()
        async with street(tmp_path, sandbox, policy=POLICY, factory=pins) as second:
            assert second.controller.outputs.state == OutputsState("continuous", True)
            await eventually(lambda: len(siren.states) >= 3, 5)
            assert levels(siren) == [False, True, False]
            went_low_at = cleared_at + sum(s.timestamp for s in siren.states[1:3])
            assert episode.siren_until - EARLY <= went_low_at <= episode.siren_until + LATE
            assert sounded_before + siren.states[2].timestamp <= POLICY.siren_max_s + LATE
            assert time.monotonic() - cleared_mono < POLICY.siren_max_s  # only what was left

            # The resumed controller's loop wakes at the deadlines by itself.
            await eventually(lambda: second.controller.outputs.state.siren is None, LATE)
            assert second.controller.outputs.state == OutputsState(None, True)
            await eventually(lambda: not second.store.load_open_episodes(), 5)
            ended = second.store.get_episode(episode.id)
            assert ended is not None and ended.end_reason is EndReason.EXPIRED
            assert ended.ended_at == pytest.approx(episode.strobe_until)
            assert second.controller.outputs.state == OutputsState(None, False)
            assert not level(strobe)
            await second.settle()
            assert sorted(second.texted()) == sorted(recipients(PanicKind.PANICO))  # once


async def test_a_restart_after_the_siren_cap_sounds_nothing(
    tmp_path: Path, pins: MockFactory
) -> None:
    policy = AlarmPolicy(siren_max_s=0.3, strobe_max_s=1.5, cancel_window_s=60.0)
    siren, strobe = pins.pin(SIREN_PIN), pins.pin(STROBE_PIN)
    async with sms_sandbox() as sandbox:
        async with street(tmp_path, sandbox, policy=policy, factory=pins) as first:
            await first.press(PanicKind.INCENDIO)
            await first.settle()
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.4)  # down past the siren's cap, within the strobe's
        siren.clear_states()
        strobe.clear_states()
        async with street(tmp_path, sandbox, policy=policy, factory=pins) as second:
            assert second.controller.outputs.state == OutputsState(None, True)
            await eventually(lambda: True in levels(strobe))
            await asyncio.sleep(0.3)
            assert levels(siren) == [False]
            assert len(second.store.load_open_episodes()) == 1
            assert sorted(second.texted()) == sorted(recipients(PanicKind.INCENDIO))


async def test_a_restart_after_the_episode_ended_closes_it_at_its_end(
    tmp_path: Path, pins: MockFactory
) -> None:
    policy = AlarmPolicy(siren_max_s=0.2, strobe_max_s=0.3, cancel_window_s=60.0)
    siren = pins.pin(SIREN_PIN)
    async with sms_sandbox() as sandbox:
        async with street(tmp_path, sandbox, policy=policy, factory=pins) as first:
            await first.press(PanicKind.ROBO)
            (episode,) = first.store.load_open_episodes()
            await first.settle()
        await asyncio.sleep(0.4)
        siren.clear_states()
        async with street(tmp_path, sandbox, policy=policy, factory=pins) as second:
            assert second.store.load_open_episodes() == []
            ended = second.store.get_episode(episode.id)
            assert ended is not None and ended.end_reason is EndReason.EXPIRED
            assert ended.ended_at == pytest.approx(episode.finished_by())
            await asyncio.sleep(0.2)
            assert levels(siren) == [False]
            assert len(second.texted()) == 2


async def test_an_sms_that_had_not_gone_out_is_sent_once_after_a_restart(
    tmp_path: Path, pins: MockFactory
) -> None:
    async with sms_sandbox() as sandbox:
        async with street(tmp_path, sandbox, policy=POLICY, factory=pins) as first:
            first.fail_sms(*[{"status": 500}] * 10)  # both vecinos, every attempt
            await first.press(PanicKind.ROBO)
            await first.settle()
            assert first.messages() == []
            assert Counter(a.outcome for a in first.attempts()) == {"retry": 8, "failed": 2}
        for _ in range(2):
            async with street(tmp_path, sandbox, policy=POLICY, factory=pins) as again:
                await again.settle()
                assert sorted(again.texted()) == sorted(recipients(PanicKind.ROBO))
