"""What the street hears and sees after a PANIC: the siren and strobe pins' histories.

Through the whole controller (frame → alarm → StreetOutputs → gpiozero devices on the
MockFactory). Patterns are scaled by SCALE and caps are short; each level's duration must
lie within [expected - EARLY, expected + LATE] (a step never ends early; LATE absorbs a
loaded CI machine, and the gaps that tell the patterns apart exceed it). Caps are asserted
as caps: the pin LOW and the player ended near the deadline, never how many steps fitted.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from controller.alarm import AlarmPolicy, EndReason
from controller.outputs import OutputsState
from hardware.gpio.patterns import MEDICAL_CHIRPS, PULSED, STROBE_FLASH, TEMPORAL_THREE, Pattern
from protocol.frame import PanicKind
from tests.controller.test_service_rig import Rig, eventually, level, levels, sms_sandbox, street

SCALE = 0.4
EARLY = 0.01
LATE = 0.3


@asynccontextmanager
async def sounding(
    tmp_path: Path, siren_s: float, strobe_s: float | None = None
) -> AsyncIterator[Rig]:
    policy = AlarmPolicy(siren_max_s=siren_s, strobe_max_s=strobe_s or siren_s + 30.0)
    async with (
        sms_sandbox() as sandbox,
        street(tmp_path, sandbox, policy=policy, time_scale=SCALE) as rig,
    ):
        rig.siren.clear_states()
        rig.strobe.clear_states()
        yield rig


async def states(pin: Any, count: int, within: float = 15.0) -> list[Any]:
    """The first ``count`` entries of a mock pin's history, waiting for them."""
    await eventually(lambda: len(pin.states) >= count, within)
    return list(pin.states[:count])


def durations(history: list[Any]) -> list[tuple[bool, float]]:
    """(level, how long it lasted) for every level after the first that has ended.

    ``history[k].timestamp`` is the time since the previous change, so level ``k`` lasted
    ``history[k + 1].timestamp``.
    """
    return [
        (bool(history[k].state), float(history[k + 1].timestamp))
        for k in range(1, len(history) - 1)
    ]


def shape_problems(history: list[Any], expected: list[tuple[bool, float]]) -> list[str]:
    """Why ``history`` (after its initial LOW) does not follow ``expected``; [] if it does."""
    assert history[0].state is False
    measured = durations(history)
    problems = []
    for k, ((want_level, seconds), (got_level, lasted)) in enumerate(
        zip(expected, measured, strict=False), start=1
    ):
        if got_level is not want_level:
            problems.append(f"level {k}: {got_level}, expected {want_level}")
        if not seconds - EARLY <= lasted <= seconds + LATE:
            problems.append(f"level {k}: lasted {lasted:.3f} s, expected {seconds:.3f} s")
    if len(measured) < len(expected):
        problems.append(f"only {len(measured)} levels of {len(expected)}")
    return problems


def cleared(rig: Rig) -> float:
    """Restart both pins' histories now; the time (epoch seconds) they start from."""
    rig.siren.clear_states()
    rig.strobe.clear_states()
    return time.time()


def changed_at(pin: Any, since: float, change: int) -> float:
    """When (epoch seconds) change number ``change`` of ``pin`` happened, its history having
    been cleared at ``since``."""
    return since + float(sum(s.timestamp for s in pin.states[1 : change + 1]))


def siren_until(rig: Rig) -> float:
    (episode,) = rig.store.load_open_episodes()
    assert episode.siren_until is not None
    return episode.siren_until


def steps(pattern: Pattern, cycles: int = 1) -> list[tuple[bool, float]]:
    return list(pattern.scaled(SCALE).steps) * cycles


async def assert_capped(pin: Any, cap: float, since: float, is_active: Callable[[], bool]) -> None:
    """By ``cap`` (+ LATE) after ``since`` the player has ended and the pin is LOW for good."""
    await asyncio.sleep(max(0.0, since + cap + LATE - time.monotonic()))
    assert not is_active()
    assert not level(pin)
    changes = len(pin.states)
    await asyncio.sleep(0.2)
    assert len(pin.states) == changes


# --- each kind's pattern ----------------------------------------------------------------------


async def test_panico_sounds_steadily_until_its_cap(tmp_path: Path) -> None:
    cap = 1.0
    async with sounding(tmp_path, cap) as rig:
        since = cleared(rig)
        await rig.press(PanicKind.PANICO)
        deadline = siren_until(rig)
        await states(rig.siren, 3)

        assert levels(rig.siren)[:3] == [False, True, False]  # one level, the whole cap:
        assert deadline - EARLY <= changed_at(rig.siren, since, 2) <= deadline + LATE
        await asyncio.sleep(0.2)
        assert len(rig.siren.states) == 3  # and nothing after it
        assert rig.controller.outputs.state == OutputsState(None, True)  # strobe goes on


async def test_robo_pulses_evenly(tmp_path: Path) -> None:
    cap = 1.6
    async with sounding(tmp_path, cap) as rig:
        pressed = time.monotonic()
        await rig.press(PanicKind.ROBO)
        history = await states(rig.siren, 6)

        assert shape_problems(history, steps(PULSED, 2)) == []
        await assert_capped(rig.siren, cap, pressed, lambda: rig.controller.outputs.siren.is_active)


async def test_incendio_plays_temporal_three(tmp_path: Path) -> None:
    cap = 2.4
    async with sounding(tmp_path, cap) as rig:
        pressed = time.monotonic()
        await rig.press(PanicKind.INCENDIO)
        history = await states(rig.siren, 8)

        assert shape_problems(history, steps(TEMPORAL_THREE)) == []
        long_gap = durations(history)[5]
        assert shape_problems(history, steps(PULSED, 3)) == [  # told apart by the long gap
            f"level 6: lasted {long_gap[1]:.3f} s, expected {0.5 * SCALE:.3f} s"
        ]
        await assert_capped(rig.siren, cap, pressed, lambda: rig.controller.outputs.siren.is_active)


async def test_emergencia_medica_chirps_with_the_strobe(tmp_path: Path) -> None:
    async with sounding(tmp_path, 10.0) as rig:
        await rig.press(PanicKind.EMERGENCIA_MEDICA)
        siren = await states(rig.siren, 5)
        strobe = await states(rig.strobe, 6)

        assert shape_problems(siren, steps(MEDICAL_CHIRPS, 2)[:3]) == []
        chirps = [lasted for on, lasted in durations(siren) if on]
        gaps = [lasted for on, lasted in durations(siren) if not on]
        assert max(chirps) < min(gaps) / 2  # short chirps, long quiet
        assert shape_problems(strobe, steps(STROBE_FLASH, 2)) == []


async def test_alerta_silenciosa_leaves_both_pins_low(tmp_path: Path) -> None:
    async with sounding(tmp_path, 10.0) as rig:
        await rig.press(PanicKind.ALERTA_SILENCIOSA)
        await rig.settle()
        await asyncio.sleep(0.5)

        assert levels(rig.siren) == levels(rig.strobe) == [False]
        assert rig.controller.outputs.state == OutputsState(None, False)
        assert len(rig.store.load_open_episodes()) == 1


# --- caps and extensions -------------------------------------------------------------------------


async def test_the_siren_stops_at_its_cap_while_the_strobe_goes_on(tmp_path: Path) -> None:
    siren_cap, strobe_cap = 0.8, 2.0
    async with sounding(tmp_path, siren_cap, strobe_cap) as rig:
        since = cleared(rig)
        pressed = time.monotonic()
        await rig.press(PanicKind.PANICO)
        deadline = siren_until(rig)
        await states(rig.siren, 3)
        flashes_at_cap = len(rig.strobe.states)

        assert deadline - EARLY <= changed_at(rig.siren, since, 2) <= deadline + LATE
        await asyncio.sleep(0.5)
        assert len(rig.strobe.states) > flashes_at_cap  # still flashing after the siren
        assert len(rig.siren.states) == 3
        assert rig.controller.outputs.state == OutputsState(None, True)
        strobe = await states(rig.strobe, 8)
        assert shape_problems(strobe, steps(STROBE_FLASH, 3)) == []

        episode_id = rig.store.load_open_episodes()[0].id
        strobe_on = rig.controller.outputs.strobe
        await assert_capped(rig.strobe, strobe_cap, pressed, lambda: strobe_on.is_active)
        await eventually(lambda: not rig.store.load_open_episodes())
        episode = rig.store.get_episode(episode_id)
        assert episode is not None and episode.end_reason is EndReason.EXPIRED
        assert rig.controller.outputs.state == OutputsState(None, False)


async def test_a_press_by_another_node_keeps_the_siren_on_past_the_first_cap(
    tmp_path: Path,
) -> None:
    cap, later = 1.0, 0.5
    async with sounding(tmp_path, cap) as rig:
        since = cleared(rig)
        await rig.press(PanicKind.PANICO, 11)
        first_deadline = siren_until(rig)
        await asyncio.sleep(later)
        await rig.press(PanicKind.PANICO, 12)
        deadline = siren_until(rig)
        assert deadline >= first_deadline + later - EARLY
        await asyncio.sleep(max(0.0, deadline + LATE - time.time()))
        await eventually(lambda: not rig.controller.outputs.siren.is_active, LATE)

        assert not level(rig.siren)
        went_low_at = changed_at(rig.siren, since, len(rig.siren.states) - 1)
        assert deadline - EARLY <= went_low_at <= deadline + LATE
        assert went_low_at > first_deadline + LATE  # it sounded past the first press's cap
        history = durations(list(rig.siren.states))
        gaps = [lasted for on, lasted in history[:-1] if not on]
        assert all(gap < LATE for gap in gaps)  # re-armed: the pattern restarts, no pause
