"""The one interface every radio driver offers: send a datagram, receive datagrams.

A driver owns a serial port (a real device path; in tests, an emulator's pseudo-terminal),
configures its module, and moves whole datagrams: one Sereno frame each. How a datagram
travels on the wire (base64 text for AT-command modules, COBS for byte streams) is the
driver's business, never its caller's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hardware.errors import HardwareError


class RadioError(HardwareError):
    """A radio module or its serial port failed."""


class ModuleError(RadioError):
    """The module answered a command with an error code."""

    def __init__(self, code: int, meaning: str, command: str = "") -> None:
        self.code = code
        self.meaning = meaning
        self.command = command
        where = f" to {command!r}" if command else ""
        super().__init__(f"module error {code}{where}: {meaning}")


class RadioClosed(RadioError):
    """The driver was closed while a caller waited on it."""


@dataclass(frozen=True, slots=True)
class Datagram:
    """One received datagram and what the module said about its reception."""

    data: bytes
    rssi: int | None = None
    """Received signal strength in dBm, when the module reports it."""
    snr: float | None = None
    """Signal-to-noise ratio in dB, when the module reports it."""
    address: int | None = None
    """The sender's module address, when the link layer carries one."""


class Radio(Protocol):
    """What the node and the controller need from a radio, whatever the module."""

    max_datagram: int
    """The largest datagram, in bytes, that :meth:`send` accepts."""

    async def start(self) -> None:
        """Open the port and configure the module; returns once it can send."""

    async def send(self, data: bytes, to: int | None = None) -> None:
        """Send one datagram to a module address, or to every module when ``to`` is None.

        Returns once the module reports the datagram on air (or queued for it), so the
        caller's ACK timer can start. Raises :class:`RadioError` when it cannot.
        """

    async def receive(self) -> Datagram:
        """Wait for the next datagram heard."""

    async def close(self) -> None:
        """Stop, release the port; a pending :meth:`receive` raises :class:`RadioClosed`."""
