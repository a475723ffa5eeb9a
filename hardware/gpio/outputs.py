"""Siren, strobe and status LED over gpiozero output devices.

Patterns play on a gpiozero background thread (``GPIOThread``), never on the caller's: a
blocked asyncio loop cannot keep the siren sounding, because the thread that plays the
pattern is also the one that enforces ``max_seconds`` and drives the pin LOW when it ends.
"""

from __future__ import annotations

import math
import threading
import time
from contextlib import suppress
from types import TracebackType
from typing import Any, ClassVar, Self

from gpiozero import LED, DeviceClosed, DigitalOutputDevice, Factory
from gpiozero.threads import GPIOThread

from hardware.gpio._device import opening
from hardware.gpio.patterns import CONTINUOUS, Pattern
from hardware.pins import PinMap

_DEADLINE_SLACK = 0.001
"""A wait that wakes within 1 ms of the cap counts as having reached it."""


def _check_seconds(what: str, seconds: float) -> float:
    if isinstance(seconds, bool) or not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"{what} must be a finite number of seconds > 0, not {seconds!r}")
    return float(seconds)


class _PatternOutput:
    """A relay/MOSFET output that plays :class:`Pattern` s with a hard time cap."""

    _what: ClassVar[str] = "output"
    _pin_field: ClassVar[str] = ""

    def __init__(
        self,
        pin: int,
        *,
        pin_factory: Factory,
        active_high: bool = True,
        max_seconds: float | None = None,
    ) -> None:
        self._max_seconds = (
            None if max_seconds is None else _check_seconds("max_seconds", max_seconds)
        )
        self._pin = pin
        self._lock = threading.Lock()
        self._thread: Any = None
        with opening(self._what, pin):
            self._device = DigitalOutputDevice(
                pin, active_high=active_high, initial_value=False, pin_factory=pin_factory
            )

    @classmethod
    def from_pin_map(
        cls, pins: PinMap, *, pin_factory: Factory, max_seconds: float | None = None
    ) -> Self:
        """Build this output on the pin a :class:`PinMap` assigns to it."""
        return cls(getattr(pins, cls._pin_field), pin_factory=pin_factory, max_seconds=max_seconds)

    @property
    def pin(self) -> int:
        return self._pin

    @property
    def max_seconds(self) -> float | None:
        """The cap set at construction: no activation lasts longer than this."""
        return self._max_seconds

    @property
    def is_active(self) -> bool:
        """True while a pattern is playing (even during its off steps) or the pin is on."""
        thread = self._thread
        return (thread is not None and thread.is_alive()) or bool(self._device.is_active)

    @property
    def closed(self) -> bool:
        return bool(self._device.closed)

    def on(self, *, max_seconds: float | None = None) -> None:
        """Switch on steadily (capped like any pattern)."""
        self.play(CONTINUOUS, max_seconds=max_seconds)

    def off(self) -> None:
        """Same as :meth:`stop`."""
        self.stop()

    def chirp(self, seconds: float = 0.1) -> None:
        """One short burst, for self-tests; returns at once."""
        self.play(Pattern(((True, _check_seconds("seconds", seconds)),), repeat=False))

    def play(self, pattern: Pattern, *, max_seconds: float | None = None) -> None:
        """Start ``pattern`` on a background thread and return at once.

        The pin goes LOW after ``max_seconds`` even if nobody calls :meth:`stop`; when the
        output was built with its own ``max_seconds`` the smaller of the two applies.
        A new :meth:`play` replaces the pattern that was playing.
        """
        cap = self._cap(max_seconds)
        with self._lock:
            self._stop_locked()
            thread: Any = None

            def run() -> None:
                self._run(pattern, cap, thread.stopping)

            thread = GPIOThread(run, name=f"sereno-{self._what}-gpio{self._pin}")
            self._thread = thread
            thread.start()

    def stop(self) -> None:
        """End any pattern and leave the pin LOW; safe to call at any time."""
        with self._lock:
            self._stop_locked()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the current pattern ends (stop, cap or a non-repeating end).

        Returns False if it was still playing after ``timeout`` seconds.
        """
        thread = self._thread
        if thread is None:
            return True
        # Thread.join, not GPIOThread.join: the latter raises when the timeout expires.
        threading.Thread.join(thread, timeout)
        if thread.is_alive():
            return False
        thread.join()  # GPIOThread.join also forgets the finished thread
        return True

    def close(self) -> None:
        """Stop, drive the pin LOW and release it. Idempotent."""
        with self._lock:
            if self._device.closed:
                return
            self._stop_locked()
            self._device.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("active" if self.is_active else "idle")
        return f"<{type(self).__name__} gpio{self._pin} {state}>"

    def _cap(self, max_seconds: float | None) -> float | None:
        if max_seconds is not None:
            _check_seconds("max_seconds", max_seconds)
        caps = [c for c in (self._max_seconds, max_seconds) if c is not None]
        return min(caps) if caps else None

    def _stop_locked(self) -> None:
        if self._thread is not None:
            self._thread.stop()
            self._thread = None
        if not self._device.closed:
            self._device.off()

    def _run(self, pattern: Pattern, cap: float | None, stopping: threading.Event) -> None:
        # Runs on the GPIOThread. Every exit path goes through ``finally``: pin LOW.
        deadline = None if cap is None else time.monotonic() + cap
        try:
            while True:
                for on, seconds in pattern.steps:
                    if seconds <= 0:
                        continue
                    if deadline is not None:
                        seconds = min(seconds, deadline - time.monotonic())
                        if seconds <= _DEADLINE_SLACK:
                            return
                    if on:
                        self._device.on()
                    else:
                        self._device.off()
                    if stopping.wait(seconds):
                        return
                if not pattern.repeat:
                    return
        except DeviceClosed:
            return
        finally:
            with suppress(DeviceClosed):
                self._device.off()


class Siren(_PatternOutput):
    """The street siren behind a logic-level MOSFET or relay module (active-high).

    ``max_seconds`` at construction is the controller's maximum siren time: no
    :meth:`play` or :meth:`on` can outlast it.
    """

    _what = "siren"
    _pin_field = "siren"


class Strobe(_PatternOutput):
    """The strobe beacon behind a MOSFET or relay module; same shape as :class:`Siren`."""

    _what = "strobe"
    _pin_field = "strobe"


class StatusLed:
    """A panic node's feedback LED.

    The node's vocabulary: :meth:`blink` while sending, :meth:`steady` for 3 s when the
    controller accepted, :meth:`fast_blink` for 10 s when refused or unanswered. Timed
    states run on gpiozero's blink thread and end with the LED off.
    """

    FAST_ON_SECONDS: ClassVar[float] = 0.1
    FAST_OFF_SECONDS: ClassVar[float] = 0.1

    def __init__(self, pin: int, *, pin_factory: Factory, active_high: bool = True) -> None:
        self._pin = pin
        with opening("status LED", pin):
            self._led = LED(pin, active_high=active_high, pin_factory=pin_factory)

    @classmethod
    def from_pin_map(cls, pins: PinMap, *, pin_factory: Factory) -> StatusLed:
        return cls(pins.status_led, pin_factory=pin_factory)

    @property
    def pin(self) -> int:
        return self._pin

    @property
    def is_lit(self) -> bool:
        return bool(self._led.is_lit)

    def off(self) -> None:
        self._led.off()

    def steady(self, seconds: float | None = 3.0) -> None:
        """Light for ``seconds`` then go dark; ``None`` stays lit until the next call."""
        if seconds is None:
            self._led.on()
        else:
            self._led.blink(on_time=_check_seconds("seconds", seconds), off_time=0, n=1)

    def blink(
        self, on_time: float = 0.5, off_time: float = 0.5, seconds: float | None = None
    ) -> None:
        """Blink for about ``seconds`` (whole cycles, at least one), or until changed."""
        on_time = _check_seconds("on_time", on_time)
        off_time = _check_seconds("off_time", off_time)
        cycles = None
        if seconds is not None:
            cycles = max(1, round(_check_seconds("seconds", seconds) / (on_time + off_time)))
        self._led.blink(on_time=on_time, off_time=off_time, n=cycles)

    def fast_blink(self, seconds: float | None = 10.0) -> None:
        self.blink(self.FAST_ON_SECONDS, self.FAST_OFF_SECONDS, seconds)

    def close(self) -> None:
        self._led.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
