"""The vecino's side of the node: buttons in, LED out.

Buttons (events from :class:`hardware.gpio.PanicButton`, by pin name):

- a press of any configured button sends a PANIC of its kind at once (never delayed: the
  press is the emergency). Presses of a button whose PANIC is still queued or in flight
  are coalesced into it (see :mod:`node.sender`); the next press after the LED shows the
  result is a new PANIC.
- holding the *main* button ``hold_seconds`` sends a CANCEL naming this node's PANIC
  that the controller can take back: the earliest PANIC of the main kind pressed *before
  the press that began the hold*, within ``cancel_window_s``, sent after the last CANCEL
  the controller accepted (that CANCEL ended the episode of every PANIC before it). The
  controller cancels an episode only by the counter of the PANIC that opened it, and only
  from its one presser (controller/alarm.py), hence the earliest. The press that begins a
  hold is never its own target: a vecino in trouble who keeps the button down must not
  cancel the alarm they just raised. With no target the LED shows the refusal (fast blink)
  and nothing is sent. A PANIC still in flight when the hold comes is waited for first.

LED (:class:`LedFeedback`; every time scaled by ``seconds_scale``): blinking 0.5/0.5 s
while anything the vecino asked for is queued or in flight; then, when the last of them
ends, steady 3 s if all were delivered, fast blink (0.1/0.1 s) 10 s if any was refused,
unanswered or not sent. Heartbeats never touch the LED.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final, Protocol

from hardware.gpio import ButtonEvent, StatusLed
from node.exchange import Outcome, SendResult
from node.sender import Priority, Sender
from protocol.frame import Cancel, Panic, PanicKind

log = logging.getLogger(__name__)

SENDING_ON_OFF_S: Final = 0.5
ACCEPTED_S: Final = 3.0
FAILED_S: Final = 10.0
FAST_ON_OFF_S: Final = 0.1


class Feedback(Protocol):
    """What the panel shows; :class:`LedFeedback` on the status LED."""

    def sending(self) -> None: ...

    def accepted(self) -> None: ...

    def failed(self) -> None: ...


class LedFeedback:
    """The three LED states of the installer's guide, on a :class:`StatusLed`."""

    def __init__(self, led: StatusLed, *, seconds_scale: float = 1.0) -> None:
        self._led = led
        self._scale = seconds_scale
        self.shown: list[str] = []
        """The states shown, in order (for logs and tests)."""

    def sending(self) -> None:
        self.shown.append("sending")
        on_off = SENDING_ON_OFF_S * self._scale
        self._led.blink(on_off, on_off)

    def accepted(self) -> None:
        self.shown.append("accepted")
        self._led.steady(ACCEPTED_S * self._scale)

    def failed(self) -> None:
        self.shown.append("failed")
        on_off = FAST_ON_OFF_S * self._scale
        self._led.blink(on_off, on_off, seconds=FAILED_S * self._scale)


@dataclass(eq=False)
class _PanicPress:
    """A press that created a new PANIC request."""

    pressed_at: float
    future: asyncio.Future[SendResult] = field(repr=False)


class Panel:
    """Turns button events into requests on a :class:`Sender`, and results into feedback."""

    def __init__(
        self,
        sender: Sender,
        feedback: Feedback,
        *,
        kinds: Mapping[str, PanicKind],
        main_button: str = "main",
        cancel_window_s: float = 60.0,
        battery_mv: Callable[[], int | None] = lambda: None,
    ) -> None:
        if main_button not in kinds:
            raise ValueError(f"the main button {main_button!r} has no kind")
        self._sender = sender
        self._feedback = feedback
        self._kinds = dict(kinds)
        self._main = main_button
        self._window = cancel_window_s
        self._battery_mv = battery_mv
        self._presses: list[_PanicPress] = []
        self._main_pressed_at: float | None = None
        self._cancelled_up_to = 0
        self._pending: set[asyncio.Future[SendResult]] = set()
        self._batch_failed = False
        self._tasks: set[asyncio.Task[None]] = set()
        self.cancels_refused_locally = 0

    @property
    def main_kind(self) -> PanicKind:
        return self._kinds[self._main]

    async def run(self, events: asyncio.Queue[ButtonEvent]) -> None:
        """Handle button events until cancelled."""
        try:
            while True:
                event = await events.get()
                self.handle(event)
        finally:
            for task in list(self._tasks):
                task.cancel()
            for task in list(self._tasks):
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def handle(self, event: ButtonEvent) -> None:
        if event.button not in self._kinds:
            log.warning("event from an unconfigured button %r ignored", event.button)
            return
        if event.kind == "pressed":
            self.press(event.button)
        elif event.kind == "held" and event.button == self._main:
            self.hold()

    def press(self, button: str) -> asyncio.Future[SendResult]:
        """A press of ``button``: its PANIC (new, or the pending one it joins)."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        kind = self._kinds[button]
        known = {press.future for press in self._presses}
        future = self._sender.submit(
            Panic(kind, self._battery_mv()), priority=Priority.ALARM, coalesce=("panic", kind)
        )
        if button == self._main:
            self._main_pressed_at = now
            if future not in known and future not in self._pending:
                self._presses.append(_PanicPress(now, future))
        self._track(future)
        return future

    def hold(self) -> asyncio.Task[None]:
        """The main button held: cancel this node's last PANIC, if it has one to cancel."""
        pressed_at = self._main_pressed_at
        task = asyncio.get_running_loop().create_task(self._cancel(pressed_at))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _cancel(self, hold_pressed_at: float | None) -> None:
        now = asyncio.get_running_loop().time()
        self._presses = [p for p in self._presses if now - p.pressed_at <= self._window]
        earlier = [
            p
            for p in self._presses
            if hold_pressed_at is not None and p.pressed_at < hold_pressed_at
        ]
        target: int | None = None
        for press in earlier:  # oldest first
            result = await asyncio.shield(press.future)
            if result.outcome is not Outcome.NOT_SENT and result.counter > self._cancelled_up_to:
                target = result.counter
                break
        if target is None:
            log.info("hold without a PANIC to cancel: nothing sent")
            self.cancels_refused_locally += 1
            if self._pending:
                self._batch_failed = True
            else:
                self._feedback.failed()
            return
        future = self._sender.submit(
            Cancel(target), priority=Priority.ALARM, coalesce=("cancel", target)
        )
        self._track(future)
        result = await asyncio.shield(future)
        if result.delivered:
            # Every PANIC sent before this CANCEL belonged to the episode it ended.
            self._cancelled_up_to = max(self._cancelled_up_to, result.counter)

    def _track(self, future: asyncio.Future[SendResult]) -> None:
        if future in self._pending:
            return
        if not self._pending:
            self._batch_failed = False
            self._feedback.sending()
        self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: asyncio.Future[SendResult]) -> None:
        self._pending.discard(future)
        if future.cancelled() or not future.result().delivered:
            self._batch_failed = True
        if self._pending:
            return
        if self._batch_failed:
            self._feedback.failed()
        else:
            self._feedback.accepted()
