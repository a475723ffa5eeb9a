"""An emulated serial wire: a multi-drop RS-485 bus (or a two-port cable) joining ptys.

Every path is an :class:`EmulatedSerialPort`; bytes a driver writes on one are read by all
the others, never echoed to the writer (a half-duplex transceiver does not hear itself).

The model, kept simple on purpose (``hardware/docs/rs485.md``):

- the bus runs at one line speed (``baudrate``, 8N1: 10 bit times a byte). Each write
  occupies the bus for its bytes' time, scaled by ``time_scale``, starting when the
  writer's previous bytes are through. Receivers get the write when it ends or, with
  ``chunk_size``, piece by piece as each piece's time ends (``chunk_size=1``: byte after
  byte at line speed);
- two writers whose occupancies overlap garble each other: what is still undelivered of
  both writes arrives as seeded random bytes of the same length (no capture effect);
- a port whose line speed differs from the bus's sends and receives seeded garbage;
- optional noise, drawn per receiver and per byte from a seeded generator:
  ``corrupt_rate`` flips one random bit of a byte, ``drop_rate`` loses it.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hardware.emulators.pty import EmulatedSerialPort


@dataclass(slots=True)
class BusStats:
    writes: int = 0
    collisions: int = 0
    """Writes garbled because another writer overlapped them."""
    corrupted_bytes: int = 0
    dropped_bytes: int = 0
    garbled_bytes: int = 0
    """Bytes sent or received at a line speed other than the bus's."""


@dataclass(eq=False, slots=True)
class BusWrite:
    """One write on the bus and what became of it."""

    sender: Path
    data: bytes
    start: float
    end: float
    collided: bool = False
    received: dict[Path, bytes] = field(default_factory=dict)
    """What each receiver was handed (after noise), by path."""

    def intact_for(self, receiver: Path) -> bool:
        return self.received.get(receiver) == self.data


class SerialBus:
    """Pseudo-terminals at ``paths`` joined into one shared wire."""

    def __init__(
        self,
        paths: Sequence[Path],
        *,
        baudrate: int = 9600,
        time_scale: float = 1.0,
        chunk_size: int | None = None,
        corrupt_rate: float = 0.0,
        drop_rate: float = 0.0,
        seed: int = 0,
        history: int = 1024,
    ) -> None:
        if len(set(paths)) != len(paths) or len(paths) < 2:
            raise ValueError("a bus joins at least two distinct paths")
        for name, rate in (("corrupt_rate", corrupt_rate), ("drop_rate", drop_rate)):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be within 0..1, got {rate}")
        if time_scale <= 0 or baudrate <= 0:
            raise ValueError("time_scale and baudrate must be positive")
        if chunk_size is not None and chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
        self.baudrate = baudrate
        self.time_scale = time_scale
        self.chunk_size = chunk_size
        self.corrupt_rate = corrupt_rate
        self.drop_rate = drop_rate
        self.stats = BusStats()
        self.history: deque[BusWrite] = deque(maxlen=history)
        self._rng = random.Random(seed)  # noqa: S311 - a simulation
        self.ports: dict[Path, EmulatedSerialPort] = {
            Path(path): EmulatedSerialPort(Path(path), self._reader(Path(path))) for path in paths
        }
        self._free_at: dict[Path, float] = {}
        self._active: list[BusWrite] = []
        self._timers: set[asyncio.TimerHandle] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def open(self) -> None:
        """Create every pseudo-terminal; call on the running event loop."""
        self._loop = asyncio.get_running_loop()
        for port in self.ports.values():
            port.open()

    def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        for port in self.ports.values():
            port.close()

    def port(self, path: Path) -> EmulatedSerialPort:
        """The pty at ``path``, e.g. to ``vanish()`` and ``reappear()`` it."""
        return self.ports[Path(path)]

    def byte_time(self) -> float:
        """Seconds (scaled) one byte occupies the bus."""
        return 10.0 / self.baudrate * self.time_scale

    def _reader(self, path: Path) -> _Reader:
        return _Reader(self, path)

    def _garble(self, size: int) -> bytes:
        return bytes(self._rng.randrange(256) for _ in range(size))

    def _written(self, sender: Path, data: bytes) -> None:
        assert self._loop is not None
        if self.ports[sender].baudrate() != self.baudrate:
            self.stats.garbled_bytes += len(data)
            data = self._garble(len(data))
        now = self._loop.time()
        start = max(now, self._free_at.get(sender, now))
        write = BusWrite(sender, data, start, start + len(data) * self.byte_time())
        self._free_at[sender] = write.end
        for other in self._active:
            if other.sender != sender and other.start < write.end and other.end > write.start:
                for hit in (other, write):
                    if not hit.collided:
                        hit.collided = True
                        self.stats.collisions += 1
        self._active.append(write)
        self.stats.writes += 1
        size = self.chunk_size or len(data)
        for offset in range(0, len(data), size):
            last = offset + size >= len(data)
            when = write.start + min(offset + size, len(data)) * self.byte_time()
            self._at(when, self._piece(write, offset, size, last))

    def _piece(self, write: BusWrite, offset: int, size: int, last: bool) -> Callable[[], None]:
        return lambda: self._deliver(write, offset, size, last)

    def _at(self, when: float, callback: Callable[[], None]) -> None:
        assert self._loop is not None
        handle: asyncio.TimerHandle | None = None

        def fire() -> None:
            self._timers.discard(handle)
            callback()

        handle = self._loop.call_at(when, fire)
        self._timers.add(handle)

    def _deliver(self, write: BusWrite, offset: int, size: int, last: bool) -> None:
        """Hand receivers one piece of a write, garbled if another writer overlapped it."""
        piece = write.data[offset : offset + size]
        if write.collided:
            piece = self._garble(len(piece))
        for path, port in self.ports.items():
            if path == write.sender or not port.is_present:
                continue
            received = self._noisy(piece)
            write.received[path] = write.received.get(path, b"") + received
            if port.baudrate() != self.baudrate:
                self.stats.garbled_bytes += len(received)
                received = self._garble(len(received))
            port.write(received)
        if last:
            self._active.remove(write)
            self.history.append(write)

    def _noisy(self, data: bytes) -> bytes:
        if not (self.corrupt_rate or self.drop_rate):
            return data
        out = bytearray()
        for byte in data:
            if self.drop_rate and self._rng.random() < self.drop_rate:
                self.stats.dropped_bytes += 1
                continue
            if self.corrupt_rate and self._rng.random() < self.corrupt_rate:
                self.stats.corrupted_bytes += 1
                byte ^= 1 << self._rng.randrange(8)
            out.append(byte)
        return bytes(out)


class _Reader:
    """The ``on_bytes`` of one port: tells the bus who wrote."""

    __slots__ = ("_bus", "_path")

    def __init__(self, bus: SerialBus, path: Path) -> None:
        self._bus = bus
        self._path = path

    def __call__(self, data: bytes) -> None:
        self._bus._written(self._path, data)
