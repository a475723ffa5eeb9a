"""The node's sending loop: a queue of requests, one :class:`Exchange` at a time, on a radio.

The decisions (when to resend, what counts as the ACK) are in :mod:`node.exchange`; this
module only moves bytes and time. One exchange is in flight at a time (the radio is
half-duplex and the controller answers one frame at a time); requests wait in a queue
ordered by priority (alarms, then installer tests, then heartbeats), first come first
served within a priority. Nothing is dropped.

Coalescing: a request submitted with a ``coalesce`` key equal to one queued or in flight
shares that request's future instead of adding a frame. The panel uses it for presses of a
button whose PANIC is still pending: a vecino pressing again and again while the LED blinks
means the same emergency, and five nodes each sending five copies of every press would
only collide more. Once a result is out, the next press is a new PANIC.

Pre-emption: an alarm submitted while a test or heartbeat is in flight ends that exchange
at its next wait (never in the middle of a send), so a PANIC never waits behind the
back-offs of a heartbeat.

Counters: each frame takes the next counter from :class:`~protocol.counters.TxCounter`;
when that needs a new reservation, it is written to the counter file (atomically, fsync)
*before* the frame is built. If it cannot be written, the frame is not sent. So that a
PANIC does not wait for an fsync on a slow SD card, the sender also reserves ahead: at
start, and whenever it is idle with fewer than a quarter of a block left.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from enum import IntEnum

from hardware.radio.base import Radio, RadioClosed, RadioError
from node.counter_file import CounterFile
from node.exchange import (
    AckAddress,
    Exchange,
    Finished,
    Outcome,
    RetryTiming,
    Send,
    SendResult,
)
from protocol.counters import CounterExhausted, TxCounter
from protocol.frame import Body, FrameType, Test, build_frame

log = logging.getLogger(__name__)

RESERVATION_BLOCK = 32
_RECEIVE_ERROR_PAUSE_S = 0.05


class Priority(IntEnum):
    ALARM = 0
    """PANIC and CANCEL: pre-empt anything else."""
    TEST = 1
    HEARTBEAT = 2


@dataclass(eq=False)
class _Request:
    body: Body
    priority: Priority
    seq: int
    coalesce: Hashable | None
    future: asyncio.Future[SendResult] = field(repr=False)

    @property
    def order(self) -> tuple[int, int]:
        return (self.priority, self.seq)


class Sender:
    """Sends frames to the controller and waits for their ACKs (PROTOCOL.md).

    ``airtime_ms(frame_len)`` is the unscaled time on air of a frame of that length on the
    node's radio; ``seconds_scale`` multiplies every timer (demo and tests);
    ``radio_to`` is the controller module's address (None: every module).
    """

    def __init__(
        self,
        radio: Radio,
        *,
        address: AckAddress,
        counter_file: CounterFile,
        airtime_ms: Callable[[int], float],
        radio_to: int | None = None,
        seconds_scale: float = 1.0,
        rng: random.Random | None = None,
        reservation_block: int = RESERVATION_BLOCK,
    ) -> None:
        if not seconds_scale > 0:
            raise ValueError(f"seconds_scale must be > 0, not {seconds_scale!r}")
        self._radio = radio
        self._address = address
        self._file = counter_file
        self._airtime_ms = airtime_ms
        self._radio_to = radio_to
        self._scale = seconds_scale
        self._rng = rng if rng is not None else random.Random()  # noqa: S311 - back-off jitter
        self._block = reservation_block
        self._counter: TxCounter | None = None
        self._durable = 0
        self._seq = itertools.count()
        self._queue: list[_Request] = []
        self._current: _Request | None = None
        self._exchange: Exchange | None = None
        self._wakeup = asyncio.Event()
        self._changed = asyncio.Event()
        self._preempt = False
        self._tasks: list[asyncio.Task[None]] = []
        self.ignored: Counter[str] = Counter()
        """Datagrams that were not the awaited ACK, by reason (``tag``, ``counter``…)."""
        self.results: list[SendResult] = []
        self.frames_on_air = 0

    @property
    def address(self) -> AckAddress:
        return self._address

    @property
    def reserved(self) -> int:
        """The reservation last written to the counter file."""
        return self._durable

    @property
    def busy(self) -> bool:
        return self._current is not None or bool(self._queue)

    @property
    def exchange(self) -> Exchange | None:
        """The exchange in flight, if any (read-only use: tests, diagnostics)."""
        return self._exchange

    async def start(self) -> None:
        """Load the counter reservation (CounterFileError if unusable) and start the loops."""
        if self._tasks:
            return
        self._durable = await asyncio.to_thread(self._file.load)
        self._counter = TxCounter(self._durable, block=self._block)
        await self._reserve_ahead()
        self._tasks = [
            asyncio.create_task(self._receive_loop(), name="sereno-node-receive"),
            asyncio.create_task(self._work_loop(), name="sereno-node-send"),
        ]

    async def close(self) -> None:
        """Stop both loops; requests still queued or in flight are cancelled."""
        tasks, self._tasks = self._tasks, []
        unfinished = [*self._queue, *([self._current] if self._current else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for request in unfinished:
            request.future.cancel()
        self._queue.clear()
        self._current = None

    def submit(
        self,
        body: Body,
        *,
        priority: Priority = Priority.ALARM,
        coalesce: Hashable | None = None,
    ) -> asyncio.Future[SendResult]:
        """Queue ``body`` for sending; the future resolves with its :class:`SendResult`.

        With ``coalesce``, a request with the same key already queued or in flight is
        returned instead of a new one. Never blocks and never drops.
        """
        if coalesce is not None:
            for pending in (self._current, *self._queue):
                if pending is not None and pending.coalesce == coalesce:
                    log.info("coalesced %s into the pending request", type(body).__name__)
                    return pending.future
        future: asyncio.Future[SendResult] = asyncio.get_running_loop().create_future()
        request = _Request(body, priority, next(self._seq), coalesce, future)
        self._queue.append(request)
        self._queue.sort(key=lambda r: r.order)
        self._wakeup.set()
        current = self._current
        if current is not None and priority < current.priority:
            self._preempt = True
            self._changed.set()
        return future

    async def send(
        self,
        body: Body,
        *,
        priority: Priority = Priority.ALARM,
        coalesce: Hashable | None = None,
    ) -> SendResult:
        """Submit and wait for the result (cancelling the wait keeps the request)."""
        return await asyncio.shield(self.submit(body, priority=priority, coalesce=coalesce))

    async def send_test(self) -> SendResult:
        """An installer's TEST frame: never an alarm at the controller."""
        return await self.send(Test(), priority=Priority.TEST, coalesce="test")

    # --- the loops ---------------------------------------------------------------------------
    async def _work_loop(self) -> None:
        while True:
            while not self._queue:
                self._wakeup.clear()
                await self._wakeup.wait()
            request = self._queue.pop(0)
            self._current = request
            self._preempt = False
            try:
                result = await self._run(request)
            finally:
                self._current = None
                self._exchange = None
            self.results.append(result)
            if not request.future.done():
                request.future.set_result(result)
            if not self._queue:
                await self._reserve_ahead()

    async def _run(self, request: _Request) -> SendResult:
        loop = asyncio.get_running_loop()
        frame_type = request.body.TYPE
        counter = await self._take_counter()
        if counter is None:
            return SendResult(frame_type, 0, Outcome.NOT_SENT, sends=0)
        data = build_frame(
            request.body,
            network=self._address.network,
            src=self._address.node,
            dst=self._address.controller,
            counter=counter,
            key=self._address.key,
        )
        timing = RetryTiming.for_airtime(self._airtime_ms(len(data)), seconds_scale=self._scale)
        exchange = Exchange(
            data,
            frame_type=frame_type,
            counter=counter,
            address=self._address,
            timing=timing,
            rng=self._rng,
            now=loop.time(),
        )
        self._exchange = exchange
        while True:
            step = exchange.poll(loop.time())
            if isinstance(step, Finished):
                _log_result(step.result)
                return step.result
            if isinstance(step, Send):
                try:
                    await self._radio.send(step.data, self._radio_to)
                except RadioError as exc:
                    log.warning(
                        "%s #%d send %d failed: %s", frame_type.name, counter, step.number, exc
                    )
                    exchange.send_failed(loop.time())
                else:
                    self.frames_on_air += 1
                    exchange.sent(loop.time())
                continue
            if self._preempt and request.priority > Priority.ALARM:
                log.info("%s #%d pre-empted by an alarm", frame_type.name, counter)
                return exchange.abandon()
            self._changed.clear()
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
            # that races with the event (close() would then wait forever).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(step.until):
                    await self._changed.wait()

    async def _take_counter(self) -> int | None:
        assert self._counter is not None, "Sender.start() was not awaited"
        try:
            take = self._counter.take()
        except CounterExhausted:
            log.error("every counter of this key is used: provision a new key")
            return None
        if take.reserve is not None:
            try:
                await asyncio.to_thread(self._file.save, take.reserve)
            except OSError as exc:
                log.error("cannot save the counter reservation (%s): frame not sent", exc)
                self._counter = TxCounter(self._durable, block=self._block)
                return None
            self._durable = take.reserve
        return take.counter

    async def _reserve_ahead(self) -> None:
        counter = self._counter
        if counter is None or counter.remaining > self._block // 4:
            return
        reserve = counter.extend()
        try:
            await asyncio.to_thread(self._file.save, reserve)
        except OSError as exc:
            log.error("cannot save the counter reservation ahead of need (%s)", exc)
            self._counter = TxCounter(self._durable, block=self._block)
            return
        self._durable = reserve

    async def _receive_loop(self) -> None:
        while True:
            try:
                datagram = await self._radio.receive()
            except RadioClosed:
                log.info("radio closed: the receive loop ends")
                return
            except RadioError as exc:
                log.warning("radio receive failed: %s", exc)
                await asyncio.sleep(_RECEIVE_ERROR_PAUSE_S)
                continue
            exchange = self._exchange
            if exchange is None or exchange.result is not None:
                self.ignored["idle"] += 1
                continue
            reason = exchange.datagram(datagram.data)
            if reason is None:
                self._changed.set()
            else:
                self.ignored[reason] += 1
                log.debug("ignored a datagram while waiting for ACK: %s", reason)


def _log_result(result: SendResult) -> None:
    level = logging.INFO if result.delivered else logging.WARNING
    log.log(
        level,
        "%s #%d: %s after %d send(s)",
        FrameType(result.frame_type).name,
        result.counter,
        result.outcome.value,
        result.sends,
    )
