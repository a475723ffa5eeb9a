"""The common base of radios whose link is a plain byte stream: Ebyte E220, RS-485, USB serial.

PROTOCOL.md ("On the wire"): on a byte stream every frame travels COBS-encoded and followed
by one ``0x00``. :class:`CobsStreamRadio` does that over a :class:`SerialPortLink`:

- :meth:`~CobsStreamRadio.send` writes ``frame_for_stream(data)``; sends are serialised (one
  frame at a time on the wire) and a send made while the port is away waits for it to come
  back and for the module to be configured again, instead of being lost. With
  ``resync_prefix`` each frame is also preceded by one ``0x00``: an empty packet, which
  decoders skip, that keeps garbage left on the line (a collision, a lost delimiter) from
  running into the frame and taking it down too;
- received bytes go through a :class:`CobsStreamDecoder` into a bounded queue of
  :class:`Datagram`; junk (line noise, half frames, a reset module's chatter) is counted in
  :attr:`~CobsStreamRadio.stats`, never raised.

Subclasses fill in three hooks, each called with the send lock held: :meth:`_configure`
(at start and after every reconnection), :meth:`_transmit` (put one encoded frame on the
wire) and :meth:`_on_bytes` (where received bytes go; the default decodes them all).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from hardware.radio.base import Datagram, RadioClosed, RadioError
from hardware.radio.port import SerialPortLink
from protocol.link import CobsStreamDecoder, frame_for_stream

log = logging.getLogger(__name__)


class DatagramTooLong(RadioError, ValueError):
    """A caller asked to send more bytes than the link carries in one datagram."""


@dataclass(slots=True)
class StreamStats:
    """What a byte-stream radio saw since it was created."""

    sent: int = 0
    """Frames written to the link."""
    received: int = 0
    """Datagrams decoded and queued for :meth:`CobsStreamRadio.receive`."""
    junk: int = 0
    """Packets between delimiters that were not valid COBS, or too long: dropped."""
    overflowed: int = 0
    """Datagrams dropped (oldest first) because nobody was receiving them."""
    reconfigured: int = 0
    """Times the module was configured again after the port came back."""


class CobsStreamRadio:
    """A :class:`~hardware.radio.base.Radio` over a serial port carrying COBS frames."""

    max_datagram: int

    def __init__(
        self,
        port: str,
        *,
        baudrate: int,
        max_datagram: int,
        queue_size: int = 64,
        resync_prefix: bool = False,
        backoff_initial: float = 0.05,
        backoff_max: float = 5.0,
    ) -> None:
        if max_datagram < 1:
            raise ValueError(f"max_datagram must be at least 1, got {max_datagram}")
        if queue_size < 1:
            raise ValueError(f"queue_size must be at least 1, got {queue_size}")
        self.max_datagram = max_datagram
        self.resync_prefix = resync_prefix
        self.stats = StreamStats()
        self._link = SerialPortLink(
            port,
            baudrate=baudrate,
            on_data=self._on_bytes,
            on_reconnect=self._reconnected,
            backoff_initial=backoff_initial,
            backoff_max=backoff_max,
        )
        self._decoder = CobsStreamDecoder(max_frame=max_datagram)
        self._queue: asyncio.Queue[Datagram | None] = asyncio.Queue(maxsize=queue_size)
        self._lock = asyncio.Lock()
        self._ready = asyncio.Event()
        self._closed = False
        self._started = False
        self._retry: asyncio.Task[None] | None = None
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max

    @property
    def port(self) -> str:
        """The serial device path."""
        return self._link.path

    @property
    def is_ready(self) -> bool:
        """True when the port is open and the module configured: a send goes out now."""
        return self._ready.is_set() and self._link.is_connected

    # --- the Radio protocol ---------------------------------------------------------------
    async def start(self) -> None:
        """Open the port and configure the module (raises :class:`RadioError` if it cannot)."""
        if self._closed:
            raise RadioClosed(f"radio on {self.port} is closed")
        self._started = True
        await self._link.open()
        async with self._lock:
            await self._configure()
        self._ready.set()

    async def send(self, data: bytes, to: int | None = None) -> None:
        """Send one datagram; waits while the port is away or the module is being set up."""
        data = bytes(data)
        if not data:
            raise DatagramTooLong("cannot send an empty datagram")
        if len(data) > self.max_datagram:
            raise DatagramTooLong(
                f"datagram of {len(data)} bytes exceeds this link's {self.max_datagram}"
            )
        if not self._started and not self._closed:
            raise RadioError(f"radio on {self.port} not started: call start() first")
        frame = frame_for_stream(data)
        if self.resync_prefix:
            frame = b"\x00" + frame
        while True:
            if self._closed:
                raise RadioClosed(f"radio on {self.port} is closed")
            await self._ready.wait()
            await self._link.wait_connected()
            async with self._lock:
                # A reconnection clears _ready synchronously before any waiter runs, so this
                # check and the write inside _transmit see the same, configured, port.
                if not self.is_ready:
                    continue
                await self._transmit(frame, to)
                self.stats.sent += 1
                return

    async def receive(self) -> Datagram:
        """Wait for the next datagram heard; raises :class:`RadioClosed` once closed."""
        if self._closed and self._queue.empty():
            raise RadioClosed(f"radio on {self.port} is closed")
        item = await self._queue.get()
        if item is None:
            self._queue.put_nowait(None)  # wake the next receiver too
            raise RadioClosed(f"radio on {self.port} is closed")
        return item

    async def close(self) -> None:
        """Release the port; pending and later :meth:`receive` calls raise RadioClosed."""
        if self._closed:
            return
        self._closed = True
        self._ready.clear()
        if self._retry is not None:
            self._retry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retry
        await self._link.close()
        self._enqueue(None)
        self._ready.set()  # let blocked senders notice the closing and raise

    # --- hooks for subclasses -------------------------------------------------------------
    async def _configure(self) -> None:
        """Set the module up; called with the send lock held, at start and on reconnect."""

    async def _transmit(self, frame: bytes, to: int | None) -> None:
        """Put one encoded frame (COBS + 0x00) on the wire; the send lock is held."""
        await self._write(frame)

    def _on_bytes(self, chunk: bytes) -> None:
        """Bytes arrived from the port (on the event loop). Default: decode them all."""
        for data in self._feed(chunk):
            self._deliver(Datagram(data))

    # --- helpers for subclasses -----------------------------------------------------------
    async def _write(self, data: bytes) -> None:
        """Write raw bytes now; the port is known to be connected when the lock is held."""
        await self._link.write(data)

    def _feed(self, chunk: bytes) -> list[bytes]:
        """Run bytes through the COBS decoder; returns the datagrams they complete."""
        datagrams = self._decoder.feed(chunk)
        self.stats.junk = self._decoder.dropped
        return datagrams

    def _resync(self) -> None:
        """Forget a half-received frame (the port went away in the middle of it)."""
        if self._decoder.pending:
            self._feed(b"\x00")

    def _deliver(self, datagram: Datagram) -> None:
        self.stats.received += 1
        self._enqueue(datagram)

    def _enqueue(self, item: Datagram | None) -> None:
        while True:
            try:
                self._queue.put_nowait(item)
            except asyncio.QueueFull:
                self._queue.get_nowait()
                self.stats.overflowed += 1
                continue
            return

    async def _reconnected(self) -> None:
        # Runs synchronously right after the port reopened, before any send waiting for the
        # port resumes: clearing _ready first keeps those sends out until we are configured.
        self._ready.clear()
        self._resync()
        if await self._try_configure():
            self.stats.reconfigured += 1
            return
        # Never loop here: the port's supervisor awaits this hook and could not notice the
        # port going away again meanwhile. Retry from a task of our own.
        if self._retry is None or self._retry.done():
            self._retry = asyncio.get_running_loop().create_task(self._retry_configure())

    async def _try_configure(self) -> bool:
        async with self._lock:
            if self._closed:
                return True
            try:
                await self._configure()
            except RadioError as exc:
                log.warning("could not configure the module on %s: %s", self.port, exc)
                return False
            self._ready.set()
            return True

    async def _retry_configure(self) -> None:
        delay = self._backoff_initial
        while not self._closed:
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._backoff_max)
            await self._link.wait_connected()
            if await self._try_configure():
                self.stats.reconfigured += 1
                return
