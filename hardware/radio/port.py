"""A serial port that stays open: the thin transport under every radio driver.

Wraps pyserial through ``serial_asyncio_fast`` (reads on the event loop with
``add_reader``, never blocking it). When the device goes away — a USB adapter pulled out,
a pseudo-terminal closed — the port is reopened with exponential back-off and jitter, and
the driver is told (``on_reconnect``) so it can configure its module again. Writes made
while the port is away wait for it to come back instead of being lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

import serial
import serial_asyncio_fast
from serial import Serial

from hardware.radio.base import RadioClosed, RadioError

log = logging.getLogger(__name__)


class _Protocol(asyncio.Protocol):
    def __init__(self, port: SerialPortLink) -> None:
        self._port = port

    def data_received(self, data: bytes) -> None:
        self._port._on_data(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self._port._lost(exc)


class SerialPortLink:
    """One serial device path, kept open across disappearances."""

    def __init__(
        self,
        path: str,
        *,
        baudrate: int,
        on_data: Callable[[bytes], None],
        on_reconnect: Callable[[], Awaitable[None]] | None = None,
        backoff_initial: float = 0.05,
        backoff_max: float = 5.0,
    ) -> None:
        self.path = path
        self.baudrate = baudrate
        self._on_data = on_data
        self._on_reconnect = on_reconnect
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._transport: asyncio.Transport | None = None
        self._connected = asyncio.Event()
        self._closing = False
        self._supervisor: asyncio.Task[None] | None = None
        self.reconnects = 0

    @property
    def is_connected(self) -> bool:
        return self._connected.is_set()

    @property
    def serial(self) -> Serial | None:
        """The pyserial object of the open port; None while the port is away or closed."""
        transport = self._transport
        instance: Serial | None = transport.get_extra_info("serial") if transport else None
        return instance

    async def open(self) -> None:
        """Open the device now; raises :class:`RadioError` when it cannot be opened."""
        try:
            await self._connect()
        except (OSError, serial.SerialException) as exc:
            raise RadioError(f"cannot open serial port {self.path}: {exc}") from exc

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await serial_asyncio_fast.create_serial_connection(
            loop, lambda: _Protocol(self), self.path, baudrate=self.baudrate
        )
        self._transport = transport
        self._connected.set()

    def _lost(self, exc: Exception | None) -> None:
        self._transport = None
        self._connected.clear()
        if self._closing:
            return
        log.warning("serial port %s lost (%s); reconnecting", self.path, exc)
        if self._supervisor is None or self._supervisor.done():
            self._supervisor = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        delay = self._backoff_initial
        while not self._closing:
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))  # noqa: S311 - jitter
            try:
                await self._connect()
            except (OSError, serial.SerialException) as exc:
                log.debug("serial port %s still away: %s", self.path, exc)
                delay = min(delay * 2, self._backoff_max)
                continue
            self.reconnects += 1
            log.info("serial port %s back", self.path)
            if self._on_reconnect is not None:
                try:
                    await self._on_reconnect()
                except RadioError as exc:
                    log.warning("reconfiguring after reconnect failed: %s", exc)
            if self._connected.is_set() or self._closing:
                return
            # Lost again while on_reconnect ran: _lost() saw this task alive and left the
            # reconnecting to it, so keep going instead of returning with the port away.
            delay = self._backoff_initial

    async def wait_connected(self) -> None:
        if self._closing:
            raise RadioClosed(f"serial port {self.path} is closed")
        await self._connected.wait()
        if self._closing:
            raise RadioClosed(f"serial port {self.path} is closed")

    def write_nowait(self, data: bytes) -> bool:
        """Write now if the port is open (True); False when it is away (use :meth:`write`).

        For hot paths: the bytes reach the device before the caller's next ``await``.
        """
        transport = self._transport
        if not self._connected.is_set() or transport is None or transport.is_closing():
            return False
        transport.write(data)
        return True

    async def write(self, data: bytes) -> None:
        """Write bytes, waiting for the port to come back if it is away."""
        while True:
            await self.wait_connected()
            transport = self._transport
            if transport is not None and not transport.is_closing():
                transport.write(data)
                return
            self._connected.clear()

    def set_baudrate(self, baudrate: int) -> None:
        """Change the line speed of the open port (and of every later reopening)."""
        self.baudrate = baudrate
        serial_instance: Any = self._transport.get_extra_info("serial") if self._transport else None
        if serial_instance is not None:
            serial_instance.baudrate = baudrate

    async def close(self) -> None:
        self._closing = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        # Wake callers waiting for the port to come back: they see _closing and raise.
        self._connected.set()
        self._connected.clear()
        # Let serial_asyncio_fast finish closing the device in its executor.
        await asyncio.sleep(0)
