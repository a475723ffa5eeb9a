"""Ebyte E220-900T22 (LLCC68) driver: COBS frames through a transparent/fixed UART module.

The module is driven by two mode pins and reports "busy" on AUX (FIELD-FACTS.md):

- ``start()`` waits for AUX high, enters mode 3 (M1=1, M0=1), waits for AUX to fall and rise
  again plus 2 ms, switches the port to 9600 8N1, writes every register at once with
  ``C0 00 08`` (address, REG0, REG1, channel, REG3, CRYPT), reads ``C1 00 06`` back and
  compares, returns to mode 0 and to the working baud. The same runs again whenever the
  serial port comes back after vanishing.
- ``send()`` waits for AUX high (the module's buffer is empty), writes one frame, waits for
  AUX to fall (the module took it) and to rise again (the packet left the antenna). One
  frame per air packet keeps the receiver's RSSI bytes aligned (see :meth:`_on_bytes`).

The mode and AUX lines are gpiozero devices the driver creates from pin numbers and a pin
factory, like gpiozero's own composite devices, and closes in :meth:`close`. Register
layout, air rates and their LoRa equivalents live in :mod:`hardware.radio.e220_registers`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, Final

from gpiozero import DigitalInputDevice, DigitalOutputDevice, GPIOZeroError

from hardware.radio.base import Datagram, ModuleError, RadioError
from hardware.radio.e220_registers import (
    BROADCAST,
    CMD_READ,
    CMD_WRITE,
    CONFIG_BAUD,
    MALFORMED,
    E220Config,
    E220ConfigError,
    E220Mode,
    check_uart_baud,
    rssi_dbm,
)
from hardware.radio.stream import CobsStreamRadio

log = logging.getLogger(__name__)

__all__ = ["E220Config", "E220ConfigError", "E220Mode", "E220Radio"]

MODE_SETTLE_S: Final = 0.002
"""Wait after AUX rises before using a new mode (FIELD-FACTS.md: ~2 ms)."""
AUX_FALL_TIMEOUT_S: Final = 0.25
"""How long to wait for AUX to acknowledge a mode change or a write by going low."""
_AUX_POLL_S: Final = 0.05
"""Edges are delivered by callbacks; AUX is also re-read this often in case one is missed."""
_REPLY_CAP: Final = 64


class _AuxLine:
    """The module's AUX output read through gpiozero; edges handed over to the event loop."""

    def __init__(self, device: Any) -> None:
        self._device = device
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed = asyncio.Event()
        self.falls = 0
        """Falling edges seen so far: a write or a mode change is acknowledged by one."""

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        # gpiozero calls these on its own thread on a real Pi (on the caller's with mocks).
        self._device.when_deactivated = self._fell_in_thread
        self._device.when_activated = self._rose_in_thread

    def detach(self) -> None:
        if self._loop is not None:
            self._device.when_deactivated = None
            self._device.when_activated = None
            self._loop = None

    @property
    def is_high(self) -> bool:
        return bool(self._device.value)

    def _fell_in_thread(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._edge, True)

    def _rose_in_thread(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._edge, False)

    def _edge(self, fell: bool) -> None:
        if fell:
            self.falls += 1
        self._changed.set()

    async def _until(self, condition: Callable[[], bool], within: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(remaining, _AUX_POLL_S)):
                    await self._changed.wait()
        return True

    async def wait_high(self, within: float) -> bool:
        """True once AUX is high (module idle); False if it stayed low ``within`` seconds."""
        return await self._until(lambda: self.is_high, within)

    async def wait_fall(self, since: int, within: float) -> bool:
        """True once AUX has fallen after the count ``since`` was taken (or is low)."""
        return await self._until(lambda: self.falls > since or not self.is_high, within)


def _hex(data: bytes) -> str:
    return data.hex(" ").upper()


def _output(pin: int | str, pin_factory: Any) -> Any:
    # High, like the Pi's boot pull-ups on GPIO5/6 (hardware/docs/pins.md): the module stays
    # in mode 3, off the air, until start() has configured it.
    return DigitalOutputDevice(pin, initial_value=True, pin_factory=pin_factory)


def _input(pin: int | str, pin_factory: Any) -> Any:
    # AUX is a push-pull output of the module: no pull resistor on our side.
    return DigitalInputDevice(pin, pull_up=None, active_state=True, pin_factory=pin_factory)


class E220Radio(CobsStreamRadio):
    """An E220-900T22 on a serial port, its M0/M1/AUX lines on GPIO."""

    def __init__(
        self,
        port: str,
        config: E220Config,
        *,
        m0: int | str,
        m1: int | str,
        aux: int | str,
        pin_factory: Any = None,
        working_baud: int = CONFIG_BAUD,
        aux_timeout: float = 2.0,
        command_timeout: float = 1.0,
        queue_size: int = 64,
        backoff_initial: float = 0.05,
        backoff_max: float = 5.0,
    ) -> None:
        if not isinstance(config, E220Config):
            raise E220ConfigError(f"config must be an E220Config, got {type(config).__name__}")
        check_uart_baud(working_baud)
        super().__init__(
            port,
            baudrate=working_baud,
            max_datagram=config.max_datagram,
            queue_size=queue_size,
            backoff_initial=backoff_initial,
            backoff_max=backoff_max,
        )
        self.config = config
        self.working_baud = working_baud
        self._aux_timeout = aux_timeout
        self._command_timeout = command_timeout
        self._registers = config.registers(working_baud)
        self._mode: E220Mode | None = None
        self._reply: bytearray | None = None
        self._reply_event = asyncio.Event()
        self._expect_rssi = False
        self._awaiting_rssi: list[bytes] = []
        devices: list[Any] = []
        lines = (("M0", m0, _output), ("M1", m1, _output), ("AUX", aux, _input))
        for what, pin, make in lines:
            try:
                devices.append(make(pin, pin_factory))
            except GPIOZeroError as exc:
                for device in devices:
                    device.close()
                raise RadioError(f"cannot open the E220 {what} line on GPIO{pin}: {exc}") from exc
        self._m0, self._m1, aux_device = devices
        self._aux_device = aux_device
        self._aux = _AuxLine(aux_device)

    @property
    def mode(self) -> E220Mode | None:
        """The mode the driver last put the module in (None before :meth:`start`)."""
        return self._mode

    def airtime_ms(self, datagram_len: int) -> float:
        """Approximate time on air of a datagram of this length, for ACK timers."""
        return self.config.airtime_ms(datagram_len)

    async def start(self) -> None:
        self._aux.attach(asyncio.get_running_loop())
        await super().start()

    async def close(self) -> None:
        """Release the port and the M0/M1/AUX lines (the module keeps its last mode)."""
        await super().close()
        self._aux.detach()
        for device in (self._m0, self._m1, self._aux_device):
            device.close()

    # --- mode and configuration -----------------------------------------------------------
    async def _set_mode(self, mode: E220Mode) -> None:
        """Change mode only while AUX is high; wait for the module to finish switching."""
        if not await self._aux.wait_high(self._aux_timeout):
            raise RadioError(f"E220 busy (AUX low for {self._aux_timeout} s); cannot change mode")
        m0, m1 = bool(mode & 1), bool(mode & 2)
        # Until a mode is confirmed (first use, or after a reconnection's switch) the module
        # may not have acted on the pins yet: wait for its AUX pulse as for a change.
        changes = self._mode != mode
        falls = self._aux.falls
        self._m0.value = m0
        self._m1.value = m1
        if changes and not await self._aux.wait_fall(falls, AUX_FALL_TIMEOUT_S):
            log.debug("E220 AUX did not fall after switching to %s", mode.name)
        if not await self._aux.wait_high(self._aux_timeout):
            raise RadioError(f"E220 did not finish switching to mode {int(mode)} (AUX low)")
        await asyncio.sleep(MODE_SETTLE_S)
        self._mode = mode

    async def _configure(self) -> None:
        try:
            await self._set_mode(E220Mode.CONFIG)
            self._link.set_baudrate(CONFIG_BAUD)
            self._reply = bytearray()
            wanted = self._registers
            written = await self._command(bytes([CMD_WRITE, 0x00, len(wanted)]) + wanted)
            if written[:6] != wanted[:6]:
                raise RadioError(
                    f"E220 answered the write with {_hex(written)}, expected {_hex(wanted)}"
                )
            read = await self._command(bytes([CMD_READ, 0x00, 0x06]))
            if read != wanted[:6]:
                raise RadioError(
                    f"E220 registers read back as {_hex(read)}, expected {_hex(wanted[:6])}"
                )
            self._reply = None
            await self._set_mode(E220Mode.NORMAL)
        except RadioError:
            self._reply = None
            with contextlib.suppress(RadioError):
                await self._set_mode(E220Mode.NORMAL)
            raise
        finally:
            self._link.set_baudrate(self.working_baud)
            self._resync()
        log.info("E220 on %s configured: %s (registers %s)", self.port, self.config, _hex(wanted))

    async def _command(self, command: bytes) -> bytes:
        """Send one configuration command; return the parameters of its ``C1`` answer."""
        assert self._reply is not None
        length = command[2]
        expected = 3 + length
        self._reply.clear()
        try:
            async with asyncio.timeout(self._command_timeout):
                await self._write(command)
                while True:
                    reply = bytes(self._reply)
                    if reply[:3] == MALFORMED:
                        raise ModuleError(0xFF, "malformed command", _hex(command))
                    if len(reply) >= expected:
                        break
                    self._reply_event.clear()
                    await self._reply_event.wait()
        except TimeoutError:
            got = _hex(bytes(self._reply)) or "nothing"
            raise RadioError(
                f"E220 did not answer {_hex(command)} within {self._command_timeout} s "
                f"(got {got}); check the M0/M1/AUX wiring and the UART"
            ) from None
        if reply[:3] != bytes([CMD_READ, command[1], length]):
            raise RadioError(f"E220 gave an unexpected answer {_hex(reply)}")
        return reply[3:expected]

    # --- sending --------------------------------------------------------------------------
    async def _transmit(self, frame: bytes, to: int | None) -> None:
        if self.config.fixed:
            target = BROADCAST if to is None else to
            if not 0 <= target <= 0xFFFF:
                raise E220ConfigError(f"E220 target address must be 0..65535, got {target}")
            frame = bytes([target >> 8, target & 0xFF, self.config.channel]) + frame
        if not await self._aux.wait_high(self._aux_timeout):
            raise RadioError(f"E220 busy (AUX low for {self._aux_timeout} s); frame not sent")
        falls = self._aux.falls
        await self._write(frame)
        # The UART needs this long to shift the bytes out; only then is the packet formed.
        await asyncio.sleep(len(frame) * 10 / self.working_baud)
        if not await self._aux.wait_fall(falls, AUX_FALL_TIMEOUT_S):
            log.warning("E220 on %s did not take the frame (AUX stayed high)", self.port)
            return
        airtime_s = self.config.airtime_ms(len(frame)) / 1000.0
        if not await self._aux.wait_high(2 * airtime_s + self._aux_timeout):
            raise RadioError(f"E220 stayed busy sending a frame on {self.port} (AUX low)")

    # --- receiving ------------------------------------------------------------------------
    def _on_bytes(self, chunk: bytes) -> None:
        """Route bytes: configuration answers, or COBS frames each followed by an RSSI byte.

        With REG3 bit 7 set the module appends one RSSI byte to every received packet, and
        we send one frame per packet, so the byte right after each ``0x00`` delimiter is
        the RSSI of the frame it closed. Junk without a delimiter merges with the next
        frame, which then fails to decode; alignment is back at the following delimiter.
        """
        if self._reply is not None:
            self._reply += chunk
            del self._reply[:-_REPLY_CAP]
            self._reply_event.set()
            return
        if not self.config.rssi_byte:
            super()._on_bytes(chunk)
            return
        index = 0
        while index < len(chunk):
            if self._expect_rssi:
                rssi = rssi_dbm(chunk[index])
                index += 1
                self._expect_rssi = False
                for data in self._awaiting_rssi:
                    self._deliver(Datagram(data, rssi=rssi))
                self._awaiting_rssi.clear()
                continue
            end = chunk.find(0, index)
            if end < 0:
                self._feed(chunk[index:])
                return
            self._awaiting_rssi.extend(self._feed(chunk[index : end + 1]))
            self._expect_rssi = True
            index = end + 1

    def _resync(self) -> None:
        super()._resync()
        for data in self._awaiting_rssi:
            self._deliver(Datagram(data))
        self._awaiting_rssi.clear()
        self._expect_rssi = False
