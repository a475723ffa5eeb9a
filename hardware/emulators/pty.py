"""The device side of an emulated serial port: a pseudo-terminal behind a stable path.

The driver opens ``path`` with pyserial exactly as it would open ``/dev/serial0`` or a
``/dev/serial/by-id/…`` link; the emulator reads and writes the master side on the event
loop. ``vanish()`` and ``reappear()`` play a USB adapter pulled out and plugged back in:
the path disappears, the driver's reads fail, and later the same path works again (backed
by a new pseudo-terminal, as udev would give a new ttyUSBn behind the same by-id link).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import termios
import tty
from collections.abc import Callable
from pathlib import Path

_SPEEDS = {
    getattr(termios, f"B{rate}"): rate
    for rate in (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800)
    if hasattr(termios, f"B{rate}")
}


class EmulatedSerialPort:
    """A pseudo-terminal whose slave end is reachable at ``path``."""

    def __init__(self, path: Path, on_bytes: Callable[[bytes], None]) -> None:
        self.path = path
        self._on_bytes = on_bytes
        self._master: int | None = None
        self._slave: int | None = None
        self._pending = bytearray()
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def is_present(self) -> bool:
        return self._master is not None

    def open(self) -> None:
        """Create the pseudo-terminal and the path; call on the running event loop."""
        if self._master is not None:
            return
        self._loop = asyncio.get_running_loop()
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self.path.symlink_to(os.ttyname(slave))
        self._loop.add_reader(master, self._readable)

    def close(self) -> None:
        """Remove the path and the pseudo-terminal; the driver's reads start failing."""
        if self._master is None:
            return
        assert self._loop is not None
        self._loop.remove_reader(self._master)
        self._loop.remove_writer(self._master)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = None
        self._pending.clear()

    vanish = close

    def reappear(self) -> None:
        self.open()

    def baudrate(self) -> int | None:
        """The line speed the driver set on its end, as a number (None if unknown)."""
        if self._slave is None:
            return None
        ispeed = termios.tcgetattr(self._slave)[4]
        return _SPEEDS.get(ispeed)

    def write(self, data: bytes) -> None:
        """Send bytes to the driver; never blocks (excess waits for the pty to drain)."""
        if self._master is None or not data:
            return
        self._pending += data
        self._flush()

    def _flush(self) -> None:
        assert self._loop is not None
        if self._master is None:
            return
        try:
            written = os.write(self._master, self._pending)
        except BlockingIOError:
            written = 0
        except OSError:
            self._pending.clear()
            return
        del self._pending[:written]
        if self._pending:
            self._loop.add_writer(self._master, self._drain)
        else:
            self._loop.remove_writer(self._master)

    def _drain(self) -> None:
        self._flush()

    def _readable(self) -> None:
        assert self._master is not None
        try:
            data = os.read(self._master, 4096)
        except BlockingIOError:
            return
        except OSError:
            return
        if data:
            self._on_bytes(data)
