"""In-memory stand-ins for the node's tests: a shared air, radios on it, a controller.

``FakeAir`` is a small cousin of ``hardware.emulators.air.VirtualAir``: every transmission
lasts its airtime (scaled); overlapping transmissions are all lost (no capture effect); a
radio that was transmitting does not hear (half-duplex); a seeded draw loses a delivery.
``FakeController`` verifies frames with each node's key and answers like PROTOCOL.md says:
ACCEPTED for a new counter, DUPLICATE for the same bytes again, nothing for a replay.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from hardware.radio.base import Datagram, RadioClosed, RadioError
from protocol.errors import FrameError
from protocol.frame import (
    Ack,
    AckResult,
    AlarmState,
    Frame,
    build_frame,
    decode_frame,
    parse_header,
)


async def eventually(condition: Callable[[], bool], within: float = 60.0) -> None:
    """Wait until ``condition()`` is true, polling; fail after ``within`` seconds."""
    for _ in range(int(within / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never became true")


KEY = bytes.fromhex("00112233445566778899aabbccddeeff")
OTHER_KEY = bytes.fromhex("ffeeddccbbaa99887766554433221100")
NETWORK = 2571


@dataclass(eq=False)
class Transmission:
    sender: FakeRadio
    data: bytes
    start: float
    end: float
    collided: bool = False
    heard_by: list[str] = field(default_factory=list)


class FakeAir:
    def __init__(self, *, loss_rate: float = 0.0, seed: int = 0, time_scale: float = 1.0) -> None:
        self.loss_rate = loss_rate
        self.time_scale = time_scale
        self.rng = random.Random(seed)
        self.radios: list[FakeRadio] = []
        self.active: list[Transmission] = []
        self.history: list[Transmission] = []

    async def transmit(self, sender: FakeRadio, data: bytes, airtime_ms: float) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        tx = Transmission(sender, data, now, now + airtime_ms / 1000 * self.time_scale)
        for other in self.active:
            other.collided = tx.collided = True
        self.active.append(tx)
        try:
            await asyncio.sleep(tx.end - now)
        finally:
            self.active.remove(tx)
            self.history.append(tx)
        if tx.collided:
            return
        for radio in self.radios:
            if radio is sender or radio.closed or self._was_transmitting(radio, tx):
                continue
            if self.loss_rate and self.rng.random() < self.loss_rate:
                continue
            tx.heard_by.append(radio.name)
            radio.inbox.put_nowait(Datagram(data, rssi=-80, snr=9.0))

    def _was_transmitting(self, radio: FakeRadio, tx: Transmission) -> bool:
        return any(
            other is not tx
            and other.sender is radio
            and other.start < tx.end
            and other.end > tx.start
            for other in (*self.active, *self.history[-64:])
        )


class FakeRadio:
    """A :class:`hardware.radio.base.Radio` on a :class:`FakeAir`."""

    max_datagram = 180

    def __init__(
        self, air: FakeAir, name: str, *, airtime_ms: Callable[[int], float] = lambda n: 100.0
    ) -> None:
        self.air = air
        self.name = name
        self.airtime_ms = airtime_ms
        self.inbox: asyncio.Queue[Datagram | None] = asyncio.Queue()
        self.sent: list[tuple[bytes, int | None]] = []
        self.fail_sends = 0
        """The next sends raise RadioError (a module error)."""
        self.on_send: Callable[[bytes], None] | None = None
        self.started = False
        self.closed = False
        air.radios.append(self)

    async def start(self) -> None:
        self.started = True

    async def send(self, data: bytes, to: int | None = None) -> None:
        if self.closed:
            raise RadioClosed("closed")
        if self.on_send is not None:
            self.on_send(data)
        if self.fail_sends:
            self.fail_sends -= 1
            raise RadioError("module error 10 (fake)")
        self.sent.append((bytes(data), to))
        await self.air.transmit(self, bytes(data), self.airtime_ms(len(data)))

    async def receive(self) -> Datagram:
        if self.closed:
            raise RadioClosed("closed")
        item = await self.inbox.get()
        if item is None:
            raise RadioClosed("closed")
        return item

    async def close(self) -> None:
        self.closed = True
        self.inbox.put_nowait(None)

    def inject(self, *datagrams: bytes) -> None:
        """Hand the node datagrams as if heard on air."""
        for data in datagrams:
            self.inbox.put_nowait(Datagram(bytes(data)))


def ack_frame(
    counter: int,
    *,
    node: int,
    result: AckResult = AckResult.ACCEPTED,
    key: bytes = KEY,
    network: int = NETWORK,
    src: int = 0,
    ack_counter: int = 1,
    state: AlarmState = AlarmState.SOUNDING,
) -> bytes:
    return build_frame(
        Ack(counter, result, state),
        network=network,
        src=src,
        dst=node,
        counter=ack_counter,
        key=key,
    )


class FakeController:
    """Answers frames on its own radio the way PROTOCOL.md says."""

    def __init__(
        self,
        radio: FakeRadio,
        keys: dict[int, bytes],
        *,
        network: int = NETWORK,
        address: int = 0,
        refuse: Callable[[Frame], bool] = lambda frame: False,
        lose_acks: int = 0,
    ) -> None:
        self.radio = radio
        self.keys = keys
        self.network = network
        self.address = address
        self.refuse = refuse
        self.lose_acks = lose_acks
        """This many ACKs are "lost": built but never put on air."""
        self.silent = False
        self.frames: list[Frame] = []
        self.acks: list[tuple[int, AckResult]] = []
        self.rejected: list[str] = []
        self._highest: dict[int, int] = {}
        self._last: dict[int, bytes] = {}
        self._results: dict[int, AckResult] = {}
        self._ack_counter: dict[int, int] = {}
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> FakeController:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                datagram = await self.radio.receive()
            except RadioClosed:
                return
            await self.handle(datagram.data)

    async def handle(self, data: bytes) -> None:
        try:
            header = parse_header(data)
            key = self.keys.get(header.src)
            if key is None or header.network != self.network:
                self.rejected.append("unknown")
                return
            frame = decode_frame(data, key)
        except FrameError as exc:
            self.rejected.append(exc.reason)
            return
        if frame.dst != self.address:
            return
        src = frame.src
        if frame.counter > self._highest.get(src, 0):
            self._highest[src] = frame.counter
            self._last[src] = data
            result = AckResult.REFUSED if self.refuse(frame) else AckResult.ACCEPTED
            self._results[src] = result
            self.frames.append(frame)
        elif frame.counter == self._highest[src] and data == self._last[src]:
            result = AckResult.DUPLICATE
        else:
            self.rejected.append("replay")
            return
        if self.silent:
            return
        self.acks.append((frame.counter, result))
        if self.lose_acks:
            self.lose_acks -= 1
            return
        self._ack_counter[src] = self._ack_counter.get(src, 0) + 1
        ack = build_frame(
            Ack(frame.counter, result, AlarmState.SOUNDING),
            network=self.network,
            src=self.address,
            dst=src,
            counter=self._ack_counter[src],
            key=self.keys[src],
        )
        await self.radio.send(ack)
