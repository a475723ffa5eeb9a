"""Panic buttons and the key switch: events reach the asyncio loop from gpiozero's threads."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from gpiozero.pins.mock import MockFactory

from hardware.errors import HardwareError
from hardware.gpio import ButtonEvent, KeySwitch, KeySwitchEvent, PanicButton, panic_buttons
from hardware.pins import BOARD_DEFAULTS

PIN = 25
WAIT = 5.0  # generous: only an upper bound for an event that must arrive


class RecordingQueue(asyncio.Queue[ButtonEvent]):
    """Remembers which thread put each event in."""

    def __init__(self, maxsize: int = 0) -> None:
        super().__init__(maxsize)
        self.put_threads: list[int] = []

    def put_nowait(self, item: ButtonEvent) -> None:
        self.put_threads.append(threading.get_ident())
        super().put_nowait(item)


async def next_event(queue: asyncio.Queue[Any]) -> Any:
    return await asyncio.wait_for(queue.get(), WAIT)


async def test_press_and_release_reach_the_loop(mock_factory: MockFactory) -> None:
    loop = asyncio.get_running_loop()
    pin = mock_factory.pin(PIN)
    with PanicButton(PIN, pin_factory=mock_factory, loop=loop, name="incendio") as button:
        idle = button.is_pressed
        before = time.monotonic()
        await asyncio.to_thread(pin.drive_low)  # from another thread, like gpiozero's
        pressed = await next_event(button.events)
        assert (idle, button.is_pressed) == (False, True)
        await asyncio.to_thread(pin.drive_high)
        released = await next_event(button.events)
        after = time.monotonic()
    assert (pressed.button, pressed.kind) == ("incendio", "pressed")
    assert (released.button, released.kind) == ("incendio", "released")
    assert before <= pressed.at <= released.at <= after


async def test_held_fires_after_hold_time(mock_factory: MockFactory) -> None:
    loop = asyncio.get_running_loop()
    pin = mock_factory.pin(PIN)
    queue = RecordingQueue()
    with PanicButton(PIN, pin_factory=mock_factory, loop=loop, hold_time=0.1, queue=queue):
        await asyncio.to_thread(pin.drive_low)
        pressed = await next_event(queue)
        held = await next_event(queue)
        await asyncio.to_thread(pin.drive_high)
        released = await next_event(queue)
    assert [pressed.kind, held.kind, released.kind] == ["pressed", "held", "released"]
    assert held.at - pressed.at >= 0.1 - 0.01
    # Every put happened on the loop's thread, none on gpiozero's threads.
    assert queue.put_threads == [threading.get_ident()] * 3


async def test_short_press_is_not_held(mock_factory: MockFactory) -> None:
    loop = asyncio.get_running_loop()
    pin = mock_factory.pin(PIN)
    with PanicButton(PIN, pin_factory=mock_factory, loop=loop, hold_time=0.3) as button:
        await asyncio.to_thread(pin.drive_low)
        await asyncio.to_thread(pin.drive_high)
        kinds = [(await next_event(button.events)).kind for _ in range(2)]
        await asyncio.sleep(0.5)
        assert kinds == ["pressed", "released"]
        assert button.events.empty()


async def test_full_queue_drops_the_oldest(mock_factory: MockFactory) -> None:
    loop = asyncio.get_running_loop()
    pin = mock_factory.pin(PIN)
    queue: asyncio.Queue[ButtonEvent] = asyncio.Queue(maxsize=2)
    with PanicButton(PIN, pin_factory=mock_factory, loop=loop, queue=queue) as button:
        for _ in range(3):
            pin.drive_low()
            pin.drive_high()
        await asyncio.sleep(0.05)  # let the loop run the handed-over puts
        assert button.dropped == 4
        assert [queue.get_nowait().kind for _ in range(2)] == ["pressed", "released"]


def test_press_after_the_loop_closed_is_ignored(mock_factory: MockFactory) -> None:
    loop = asyncio.new_event_loop()
    pin = mock_factory.pin(PIN)
    with PanicButton(PIN, pin_factory=mock_factory, loop=loop) as button:
        loop.close()
        pin.drive_low()  # would raise RuntimeError if the handoff did not guard it
        assert button.is_pressed
        assert button.events.empty()


async def test_panic_buttons_share_one_queue(mock_factory: MockFactory) -> None:
    loop = asyncio.get_running_loop()
    pins = BOARD_DEFAULTS["pi-zero-2w"]
    buttons = panic_buttons(pins, pin_factory=mock_factory, loop=loop)
    try:
        assert set(buttons) == {"main", "incendio", "medica", "silenciosa"}
        queue = buttons["main"].events
        assert all(b.events is queue for b in buttons.values())
        medica = mock_factory.pin(pins.buttons["medica"])
        await asyncio.to_thread(medica.drive_low)
        event = await next_event(queue)
        assert (event.button, event.kind) == ("medica", "pressed")
        medica.drive_high()  # released before close: gpiozero's hold timer would wait 3 s
        assert (await next_event(queue)).kind == "released"
        assert buttons["medica"].pin == pins.buttons["medica"]
    finally:
        for button in buttons.values():
            button.close()


def test_panic_buttons_close_what_they_opened_on_failure(mock_factory: MockFactory) -> None:
    loop = asyncio.new_event_loop()
    try:
        pins = BOARD_DEFAULTS["pi4"]
        with PanicButton(pins.buttons["medica"], pin_factory=mock_factory, loop=loop):
            with pytest.raises(HardwareError, match="button 'medica'"):
                panic_buttons(pins, pin_factory=mock_factory, loop=loop)
            # "main" and "incendio" were opened before the failure, and closed again:
            PanicButton(pins.buttons["main"], pin_factory=mock_factory, loop=loop).close()
    finally:
        loop.close()


async def test_key_switch_engages_and_releases(mock_factory: MockFactory) -> None:
    loop = asyncio.get_running_loop()
    pins = BOARD_DEFAULTS["pi4"]
    pin = mock_factory.pin(pins.key_switch)
    with KeySwitch.from_pin_map(pins, pin_factory=mock_factory, loop=loop) as switch:
        assert switch.pin == 23
        idle = switch.is_engaged  # pull-up: an open (or cut) contact is not engaged
        await asyncio.to_thread(pin.drive_low)
        engaged = await next_event(switch.events)
        assert (idle, switch.is_engaged) == (False, True)
        await asyncio.to_thread(pin.drive_high)
        released = await next_event(switch.events)
    assert isinstance(engaged, KeySwitchEvent)
    assert (engaged.engaged, released.engaged) == (True, False)
    assert engaged.at <= released.at
