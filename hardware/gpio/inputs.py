"""Panic buttons and the installer's key switch, reported to an asyncio loop.

gpiozero calls its callbacks on its own threads (the pin's edge thread, the hold timer).
Those callbacks only stamp the time and hand the event to the loop with
``loop.call_soon_threadsafe``; the queue is touched on the loop's thread alone.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, Literal, Self, TypeVar

from gpiozero import Button, DigitalInputDevice, Factory

from hardware.gpio._device import opening
from hardware.pins import PinMap

ButtonEventKind = Literal["pressed", "released", "held"]

DEFAULT_QUEUE_SIZE = 64
"""Events kept when nobody reads them; the oldest are dropped beyond this."""


@dataclass(frozen=True)
class ButtonEvent:
    """A button changed: ``at`` is ``time.monotonic()`` on gpiozero's thread."""

    button: str
    kind: ButtonEventKind
    at: float


@dataclass(frozen=True)
class KeySwitchEvent:
    """The key switch turned: ``engaged`` True means "silence" is selected."""

    engaged: bool
    at: float


E = TypeVar("E")


class _LoopHandoff(Generic[E]):
    """Carries events from gpiozero's threads into an :class:`asyncio.Queue`."""

    def __init__(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[E] | None) -> None:
        self._loop = loop
        self.queue: asyncio.Queue[E] = (
            queue if queue is not None else asyncio.Queue(maxsize=DEFAULT_QUEUE_SIZE)
        )
        self.dropped = 0
        """Events discarded (oldest first) because the queue was full; loop thread only."""

    def deliver(self, event: E) -> None:
        """Called on a gpiozero thread: schedule the put, touch nothing else."""
        # RuntimeError: the loop is closed, the program is shutting down, nobody listens.
        with suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._put, event)

    def _put(self, event: E) -> None:
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(event)


class PanicButton:
    """A vecino's button (to GND, internal pull-up): pressed, released, held.

    Events go to :attr:`events`, an :class:`asyncio.Queue` of :class:`ButtonEvent` read on
    ``loop``; pass one ``queue`` to several buttons to read them all in one place. ``held``
    fires once after ``hold_time`` seconds pressed (the node's CANCEL gesture).
    """

    def __init__(
        self,
        pin: int,
        *,
        pin_factory: Factory,
        loop: asyncio.AbstractEventLoop,
        name: str = "main",
        hold_time: float = 3.0,
        bounce_time: float | None = 0.02,
        queue: asyncio.Queue[ButtonEvent] | None = None,
    ) -> None:
        self._name = name
        self._pin = pin
        self._handoff: _LoopHandoff[ButtonEvent] = _LoopHandoff(loop, queue)
        with opening(f"button {name!r}", pin):
            self._button = Button(
                pin,
                pull_up=True,
                bounce_time=bounce_time,
                hold_time=hold_time,
                pin_factory=pin_factory,
            )
        self._button.when_pressed = self._pressed
        self._button.when_released = self._released
        self._button.when_held = self._held

    @property
    def name(self) -> str:
        return self._name

    @property
    def pin(self) -> int:
        return self._pin

    @property
    def events(self) -> asyncio.Queue[ButtonEvent]:
        return self._handoff.queue

    @property
    def dropped(self) -> int:
        """Events lost to a full queue."""
        return self._handoff.dropped

    @property
    def is_pressed(self) -> bool:
        return bool(self._button.is_pressed)

    def _pressed(self) -> None:
        self._handoff.deliver(ButtonEvent(self._name, "pressed", time.monotonic()))

    def _released(self) -> None:
        self._handoff.deliver(ButtonEvent(self._name, "released", time.monotonic()))

    def _held(self) -> None:
        self._handoff.deliver(ButtonEvent(self._name, "held", time.monotonic()))

    def close(self) -> None:
        """Release the pin. While the button is held down this waits for gpiozero's hold
        timer (up to ``hold_time``)."""
        self._button.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def panic_buttons(
    pins: PinMap,
    *,
    pin_factory: Factory,
    loop: asyncio.AbstractEventLoop,
    queue: asyncio.Queue[ButtonEvent] | None = None,
    hold_time: float = 3.0,
) -> Mapping[str, PanicButton]:
    """One :class:`PanicButton` per ``pins.buttons`` entry, all feeding one queue."""
    shared: asyncio.Queue[ButtonEvent] = (
        queue if queue is not None else asyncio.Queue(maxsize=DEFAULT_QUEUE_SIZE)
    )
    buttons: dict[str, PanicButton] = {}
    try:
        for name, pin in pins.buttons.items():
            buttons[name] = PanicButton(
                pin,
                pin_factory=pin_factory,
                loop=loop,
                name=name,
                hold_time=hold_time,
                queue=shared,
            )
    except BaseException:
        for button in buttons.values():
            button.close()
        raise
    return buttons


class KeySwitch:
    """The installer's silence key switch (contact to GND, internal pull-up).

    Closed contact = engaged = silence selected. A cut wire reads as not engaged, so a
    damaged switch can never silence the siren.
    """

    def __init__(
        self,
        pin: int,
        *,
        pin_factory: Factory,
        loop: asyncio.AbstractEventLoop,
        bounce_time: float | None = 0.05,
        queue: asyncio.Queue[KeySwitchEvent] | None = None,
    ) -> None:
        self._pin = pin
        self._handoff: _LoopHandoff[KeySwitchEvent] = _LoopHandoff(loop, queue)
        with opening("key switch", pin):
            self._input = DigitalInputDevice(
                pin, pull_up=True, bounce_time=bounce_time, pin_factory=pin_factory
            )
        self._input.when_activated = self._engaged
        self._input.when_deactivated = self._released

    @classmethod
    def from_pin_map(
        cls, pins: PinMap, *, pin_factory: Factory, loop: asyncio.AbstractEventLoop
    ) -> KeySwitch:
        return cls(pins.key_switch, pin_factory=pin_factory, loop=loop)

    @property
    def pin(self) -> int:
        return self._pin

    @property
    def events(self) -> asyncio.Queue[KeySwitchEvent]:
        return self._handoff.queue

    @property
    def is_engaged(self) -> bool:
        return bool(self._input.is_active)

    def _engaged(self) -> None:
        self._handoff.deliver(KeySwitchEvent(True, time.monotonic()))

    def _released(self) -> None:
        self._handoff.deliver(KeySwitchEvent(False, time.monotonic()))

    def close(self) -> None:
        self._input.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
