"""Presses, holds and the LED: the panel on a fake air, the LED on gpiozero's MockFactory."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from hardware.gpio import StatusLed
from node.counter_file import CounterFile
from node.exchange import AckAddress, Outcome
from node.panel import ACCEPTED_S, FAILED_S, FAST_ON_OFF_S, LedFeedback, Panel
from node.sender import Sender
from protocol.frame import Cancel, FrameType, Panic, PanicKind
from tests.node.fakes import KEY, NETWORK, FakeAir, FakeController, FakeRadio, eventually

NODE = 17
SCALE = 0.1
LED_PIN = 22
WAIT = 30.0
CANCEL_WINDOW_S = 1.0


class PanelRig:
    def __init__(self, state_dir: Path, factory: MockFactory) -> None:
        self.air = FakeAir(time_scale=SCALE)
        self.radio = FakeRadio(self.air, "node")
        self.controller = FakeController(FakeRadio(self.air, "controller"), {NODE: KEY})
        self.sender = Sender(
            self.radio,
            address=AckAddress(network=NETWORK, node=NODE, controller=0, key=KEY),
            counter_file=CounterFile(state_dir, KEY),
            airtime_ms=lambda n: 100.0,
            seconds_scale=SCALE,
            rng=random.Random(1),
        )
        self.factory = factory
        self.led = StatusLed(LED_PIN, pin_factory=factory)
        self.feedback = LedFeedback(self.led, seconds_scale=SCALE)
        self.panel = Panel(
            self.sender,
            self.feedback,
            kinds={"main": PanicKind.PANICO, "incendio": PanicKind.INCENDIO},
            cancel_window_s=CANCEL_WINDOW_S,
            battery_mv=lambda: 12400,
        )

    def pin_states(self) -> list[tuple[float, bool]]:
        """(seconds since the previous change, state) for each change of the LED pin."""
        return [(s.timestamp, bool(s.state)) for s in self.factory.pin(LED_PIN).states]

    def rising_edges_since(self, index: int) -> int:
        states = [state for _, state in self.pin_states()[index:]]
        return sum(1 for a, b in itertools.pairwise(states) if not a and b)

    async def led_settles(self) -> None:
        await eventually(lambda: self.feedback.shown[-1] != "sending" and not self.led.is_lit)
        await asyncio.to_thread(self._join_blink)

    def _join_blink(self) -> None:
        thread = self.led._led._blink_thread
        if thread is not None:
            thread.join(WAIT)


@pytest.fixture
async def rig(tmp_path: Path, mock_factory: MockFactory) -> AsyncIterator[PanelRig]:
    rig = PanelRig(tmp_path, mock_factory)
    async with rig.controller:
        await rig.sender.start()
        yield rig
        await rig.sender.close()
    rig.led.close()


async def test_accepted_blinks_then_lights_steady_3s_then_off(rig: PanelRig) -> None:
    result = await asyncio.wait_for(rig.panel.press("main"), WAIT)
    assert result.outcome is Outcome.ACCEPTED
    assert rig.controller.frames[0].body() == Panic(PanicKind.PANICO, 12400)
    await rig.led_settles()
    assert rig.feedback.shown == ["sending", "accepted"]
    states = rig.pin_states()
    (_, on), (lit_for, off) = states[-2:]  # MockPin stamps each state with the time since
    assert (on, off) == (True, False)  # the previous change: here, how long it was lit
    assert lit_for >= ACCEPTED_S * SCALE * 0.95  # steady for (at least) 3 s, scaled


async def test_refused_fast_blinks_10s(rig: PanelRig) -> None:
    rig.controller.refuse = lambda frame: True
    start = len(rig.pin_states())
    result = await asyncio.wait_for(rig.panel.press("incendio"), WAIT)
    assert result.outcome is Outcome.REFUSED
    assert rig.controller.frames[0].body() == Panic(PanicKind.INCENDIO, 12400)
    await rig.led_settles()
    assert rig.feedback.shown == ["sending", "failed"]
    cycles = round(FAILED_S / (2 * FAST_ON_OFF_S))
    # 50 fast flashes; the first may merge with a lit "sending" blink (no rising edge).
    assert rig.rising_edges_since(start) >= cycles - 1


async def test_unanswered_blinks_while_sending_then_fast_blinks(rig: PanelRig) -> None:
    rig.controller.silent = True
    start = len(rig.pin_states())
    future = rig.panel.press("main")
    await eventually(lambda: len(rig.radio.sent) >= 3)
    assert rig.feedback.shown == ["sending"]
    assert rig.rising_edges_since(start) >= 2  # blinking while the node resends
    sending_edges = len(rig.pin_states())
    result = await asyncio.wait_for(future, WAIT)
    assert result.outcome is Outcome.UNANSWERED
    assert result.sends == 5
    await rig.led_settles()
    assert rig.feedback.shown == ["sending", "failed"]
    assert rig.rising_edges_since(sending_edges) >= round(FAILED_S / (2 * FAST_ON_OFF_S)) - 1


async def test_presses_while_pending_are_coalesced(rig: PanelRig) -> None:
    rig.controller.silent = True
    first = rig.panel.press("main")
    assert rig.panel.press("main") is first
    other = rig.panel.press("incendio")  # another kind is another emergency: queued
    assert other is not first
    rig.controller.silent = False
    results = await asyncio.wait_for(asyncio.gather(first, other), WAIT)
    assert [r.frame_type for r in results] == [FrameType.PANIC, FrameType.PANIC]
    assert [f.body() for f in rig.controller.frames] == [
        Panic(PanicKind.PANICO, 12400),
        Panic(PanicKind.INCENDIO, 12400),
    ]
    await rig.led_settles()
    assert rig.feedback.shown == ["sending", "accepted"]  # one batch, one outcome


async def test_hold_cancels_the_panic_pressed_before_it(rig: PanelRig) -> None:
    first = await asyncio.wait_for(rig.panel.press("main"), WAIT)
    rig.panel.press("main")  # the press that turns into a hold
    await asyncio.wait_for(rig.panel.hold(), WAIT)
    await rig.led_settles()
    bodies = [f.body() for f in rig.controller.frames]
    assert bodies[-1] == Cancel(first.counter)
    assert rig.feedback.shown[-1] == "accepted"


async def test_hold_never_cancels_its_own_press(rig: PanelRig) -> None:
    await asyncio.wait_for(rig.panel.press("main"), WAIT)
    await asyncio.wait_for(rig.panel.hold(), WAIT)
    await rig.led_settles()
    assert [f.type for f in rig.controller.frames] == [FrameType.PANIC]  # no CANCEL
    assert rig.panel.cancels_refused_locally == 1
    assert rig.feedback.shown == ["sending", "accepted", "failed"]


async def test_hold_outside_the_window_sends_nothing(rig: PanelRig) -> None:
    await asyncio.wait_for(rig.panel.press("main"), WAIT)
    await asyncio.sleep(CANCEL_WINDOW_S * 1.1)  # the cancel window has passed
    rig.panel.press("main")
    await asyncio.wait_for(rig.panel.hold(), WAIT)
    await rig.led_settles()
    assert FrameType.CANCEL not in [f.type for f in rig.controller.frames]
    assert rig.panel.cancels_refused_locally == 1


async def test_a_refused_cancel_shows_failure(rig: PanelRig) -> None:
    rig.controller.refuse = lambda frame: frame.type == FrameType.CANCEL
    first = await asyncio.wait_for(rig.panel.press("main"), WAIT)
    rig.panel.press("main")
    await asyncio.wait_for(rig.panel.hold(), WAIT)
    await rig.led_settles()
    assert rig.controller.frames[-1].body() == Cancel(first.counter)
    assert rig.feedback.shown[-1] == "failed"


async def test_after_an_accepted_cancel_earlier_panics_are_no_target(rig: PanelRig) -> None:
    await asyncio.wait_for(rig.panel.press("main"), WAIT)
    second = rig.panel.press("main")
    await asyncio.wait_for(rig.panel.hold(), WAIT)  # cancels #1 and its episode
    await asyncio.wait_for(second, WAIT)
    rig.panel.press("main")
    await asyncio.wait_for(rig.panel.hold(), WAIT)  # #2 was part of the cancelled episode
    cancels = [f.body() for f in rig.controller.frames if f.type == FrameType.CANCEL]
    assert cancels == [Cancel(1)]
    assert rig.panel.cancels_refused_locally == 1
