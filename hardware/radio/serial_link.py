"""A wired link: COBS frames over a plain serial line or a half-duplex RS-485 bus.

Three ways to drive the line (``hardware/docs/rs485.md``):

- ``rs485=False``: a full-duplex serial line (a USB-serial cable, TTL between two boards) or
  an RS-485 adapter that switches direction by itself (most USB-RS485 dongles do): nothing
  to switch.
- ``rs485=True, de_pin=None``: the kernel switches the transceiver through RTS (Linux
  RS-485 mode, ``TIOCSRS485``, set with pyserial's :class:`serial.rs485.RS485Settings` each
  time the port opens). A port that has no such mode makes :meth:`start` fail.
- ``rs485=True, de_pin=N``: a GPIO drives the transceiver's DE and /RE (tied together):
  high while our bytes are on the line, low to listen. After the write the driver waits
  the bytes' time at the line speed plus ``turnaround_chars`` before releasing the bus.

Any station may talk at any time; two talking at once garble each other and the
protocol's ACK and retry recover (PROTOCOL.md "Timing"). Each frame goes out as
``00 COBS(frame) 00`` by default (``resync_prefix``): the leading delimiter is an empty
packet that decoders skip, and it ends whatever garbage a collision or noise left on the
line, so that only the damaged frame is lost, never the one after it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

import serial
import serial.rs485
from gpiozero import DigitalOutputDevice, GPIOZeroError

from hardware.radio.base import RadioError
from hardware.radio.stream import CobsStreamRadio

log = logging.getLogger(__name__)

BITS_PER_BYTE: Final = 10
"""8N1: start bit, eight data bits, stop bit."""
DEFAULT_MAX_DATAGRAM: Final = 256


class SerialLinkConfigError(RadioError, ValueError):
    """The link's settings contradict each other."""


class SerialLinkRadio(CobsStreamRadio):
    """A :class:`~hardware.radio.base.Radio` over a wire; ``to`` is ignored (a shared bus)."""

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 9600,
        rs485: bool = False,
        de_pin: int | str | None = None,
        pin_factory: Any = None,
        turnaround_chars: float = 1.0,
        resync_prefix: bool = True,
        max_datagram: int = DEFAULT_MAX_DATAGRAM,
        queue_size: int = 64,
        backoff_initial: float = 0.05,
        backoff_max: float = 5.0,
    ) -> None:
        if de_pin is not None and not rs485:
            raise SerialLinkConfigError("a DE pin only makes sense with rs485=True")
        if baudrate <= 0:
            raise SerialLinkConfigError(f"baudrate must be positive, got {baudrate}")
        if turnaround_chars < 0:
            raise SerialLinkConfigError("turnaround_chars cannot be negative")
        super().__init__(
            port,
            baudrate=baudrate,
            max_datagram=max_datagram,
            queue_size=queue_size,
            resync_prefix=resync_prefix,
            backoff_initial=backoff_initial,
            backoff_max=backoff_max,
        )
        self.baudrate = baudrate
        self.rs485 = rs485
        self.turnaround_chars = turnaround_chars
        self._de: Any = None
        if de_pin is not None:
            try:
                self._de = DigitalOutputDevice(de_pin, initial_value=False, pin_factory=pin_factory)
            except GPIOZeroError as exc:
                raise RadioError(f"cannot open the RS-485 DE line on GPIO{de_pin}: {exc}") from exc

    @property
    def direction_control(self) -> str:
        """``"none"`` (full duplex or automatic adapter), ``"kernel"`` or ``"gpio"``."""
        if not self.rs485:
            return "none"
        return "kernel" if self._de is None else "gpio"

    async def close(self) -> None:
        await super().close()
        if self._de is not None:
            self._de.close()

    async def _configure(self) -> None:
        if self.direction_control != "kernel":
            return
        instance = self._link.serial
        if instance is None:
            raise RadioError(f"serial port {self.port} is not open")
        try:
            instance.rs485_mode = serial.rs485.RS485Settings(
                rts_level_for_tx=True, rts_level_for_rx=False
            )
        except (ValueError, OSError, serial.SerialException) as exc:
            raise RadioError(
                f"serial port {self.port} has no kernel RS-485 mode ({exc}); use a DE pin, "
                "or rs485=False for an adapter that switches direction by itself"
            ) from exc

    async def _transmit(self, frame: bytes, to: int | None) -> None:
        if self._de is None:
            await self._write(frame)
            return
        self._de.on()
        try:
            await self._write(frame)
            # The kernel took the bytes; the UART shifts them out at line speed.
            chars = len(frame) + self.turnaround_chars
            await asyncio.sleep(chars * BITS_PER_BYTE / self.baudrate)
        finally:
            self._de.off()
