"""An emulated Ebyte E220-900T22 on a pseudo-terminal, its M0/M1/AUX on gpiozero mock pins.

The driver opens ``path`` with pyserial and drives M0/M1 as outputs on the same
``MockFactory`` pins this emulator reads; AUX is driven here (``drive_high``/``drive_low``)
and read by the driver as an input. The model, and where it simplifies the module, is in
``hardware/docs/e220.md``; in short:

- mode = M1 << 1 | M0, sampled every millisecond; a change drops AUX for
  ``mode_switch_s`` and discards UART bytes that arrive meanwhile;
- AUX is low while the module switches, holds unsent UART bytes, transmits, or outputs a
  received packet; high otherwise;
- configuration (mode 3) only at 9600 baud: bytes at another line speed reach a mis-clocked
  UART as framing errors and are ignored (no answer). A command is the burst of bytes before
  a UART idle gap; anything but a well-formed ``C0``/``C1``/``C2`` answers ``FF FF FF``;
- modes 0/1 at REG0's UART speed: at another line speed bytes in, and bytes out, are
  replaced by seeded garbage of the same length;
- transparent/fixed packetising at a UART idle gap (``packet_gap_s``) or at the sub-packet
  size; a packet carries its target address and the CRYPT key in the air ``info``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import deque
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from hardware.emulators.air import VirtualAir
from hardware.emulators.pty import EmulatedSerialPort
from hardware.radio.e220_registers import (
    BROADCAST,
    CMD_READ,
    CMD_WRITE,
    CMD_WRITE_TEMPORARY,
    CONFIG_BAUD,
    DEFAULT_REGISTERS,
    FIXED_HEADER,
    MALFORMED,
    REG3_FIXED,
    REG3_RSSI_BYTE,
    REGISTER_COUNT,
    E220Mode,
    air_rate,
    air_rate_code,
    rssi_byte,
    sub_packet_size,
    uart_baud,
)
from protocol.airtime import lora_airtime_ms

UART_BUFFER: Final = 400
"""Bytes of UART input the module holds before it drops the excess."""
_POLL_S: Final = 0.001
_WRITE_ONLY: Final = range(6, 8)
"""CRYPT registers: written, never read back (they read as 0)."""


@dataclass(slots=True)
class E220EmulatorStats:
    packets_sent: int = 0
    packets_received: int = 0
    """Packets output on the UART."""
    dropped_address: int = 0
    """Fixed-mode packets for another address."""
    dropped_key: int = 0
    """Packets encrypted with another CRYPT key."""
    garbled_bytes: int = 0
    """Bytes exchanged at a line speed other than the module's."""
    discarded_bytes: int = 0
    """UART bytes ignored: during a mode switch, in WOR receive, or over the buffer."""
    malformed_commands: int = 0
    mode_changes_while_busy: int = 0
    """M0/M1 changed while AUX was low: the driver broke the module's rule."""


class E220Emulator:
    """One E220 module: a pty at ``path``, mock M0/M1/AUX pins, a place on ``air``."""

    def __init__(
        self,
        air: VirtualAir,
        path: Path,
        *,
        name: str,
        m0: Any,
        m1: Any,
        aux: Any,
        seed: int = 0,
        mode_switch_s: float = 0.004,
        packet_gap_s: float = 0.02,
    ) -> None:
        self.air = air
        self._name = name
        self.m0, self.m1, self.aux = m0, m1, aux
        self.stats = E220EmulatorStats()
        self.mode_switch_s = mode_switch_s
        self.packet_gap_s = packet_gap_s
        self.port = EmulatedSerialPort(path, self._on_uart)
        self._rng = random.Random(seed)  # noqa: S311 - a simulation
        self._saved = bytearray(DEFAULT_REGISTERS)
        self._registers = bytearray(DEFAULT_REGISTERS)
        self._mode = E220Mode.NORMAL
        self._pins = E220Mode.NORMAL
        self._switching = False
        self._uart_in = bytearray()
        self._burst_header: bytes | None = None
        self._tx_queue: deque[tuple[bytes, int, int]] = deque()
        self._tx_wakeup = asyncio.Event()
        self._transmitting = False
        self._tx_channel: int | None = None
        self._outputs = 0
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._output_timers: set[asyncio.TimerHandle] = set()
        self._poller: asyncio.TimerHandle | None = None
        self._tx_task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- AirModule ------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    def air_channel(self) -> Hashable:
        channel = self._registers[4] if self._tx_channel is None else self._tx_channel
        return (channel, air_rate_code(self._registers[2]))

    def is_listening(self) -> bool:
        return self._loop is not None and not self._switching and self._mode != E220Mode.CONFIG

    def deliver(self, payload: bytes, rssi: int, snr: float, info: Mapping[str, Any]) -> None:
        if not self.is_listening():
            return
        if info.get("key", 0) != self.key:
            self.stats.dropped_key += 1
            return
        target = int(info.get("target", BROADCAST))
        if BROADCAST not in (target, self.address) and target != self.address:
            self.stats.dropped_address += 1
            return
        out = bytes(payload)
        if self._registers[5] & REG3_RSSI_BYTE:
            out += bytes([rssi_byte(rssi)])
        self.stats.packets_received += 1
        self._output(out)

    # --- state as seen from outside -------------------------------------------------------
    @property
    def mode(self) -> E220Mode:
        return self._mode

    @property
    def registers(self) -> bytes:
        """The live registers (CRYPT included, as only the emulator can see them)."""
        return bytes(self._registers)

    @property
    def address(self) -> int:
        return self._registers[0] << 8 | self._registers[1]

    @property
    def key(self) -> int:
        return self._registers[6] << 8 | self._registers[7]

    @property
    def busy(self) -> bool:
        return (
            self._switching
            or bool(self._uart_in)
            or bool(self._tx_queue)
            or self._transmitting
            or self._outputs > 0
        )

    # --- lifecycle ------------------------------------------------------------------------
    def open(self) -> None:
        """Create the pty, join the air, start watching the pins; on the running loop."""
        self._loop = asyncio.get_running_loop()
        self.port.open()
        self.air.join(self)
        self._pins = self._mode = self._read_pins()
        self._update_aux()
        self._poller = self._loop.call_later(_POLL_S, self._poll)
        self._tx_task = self._loop.create_task(self._transmitter())

    async def close(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            self._poller = None
        for timer in (*self._timers.values(), *self._output_timers):
            timer.cancel()
        self._timers.clear()
        self._output_timers.clear()
        if self._tx_task is not None:
            self._tx_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._tx_task
            self._tx_task = None
        self.air.leave(self)
        self.port.close()
        self._loop = None

    def vanish(self) -> None:
        """The serial path disappears (a USB adapter pulled out); the module keeps power."""
        self.port.vanish()

    def reappear(self) -> None:
        self.port.reappear()

    def power_cycle(self) -> None:
        """Power off and on: saved (``C0``) registers come back, ``C2`` writes are lost."""
        self._registers[:] = self._saved
        self._uart_in.clear()
        self._burst_header = None
        self._tx_queue.clear()
        self._pins = self._read_pins()
        self._begin_switch()

    # --- pins and AUX ---------------------------------------------------------------------
    def _read_pins(self) -> E220Mode:
        return E220Mode(int(bool(self.m1.state)) << 1 | int(bool(self.m0.state)))

    def _poll(self) -> None:
        assert self._loop is not None
        pins = self._read_pins()
        if pins != self._pins:
            if self.busy:
                self.stats.mode_changes_while_busy += 1
            self._pins = pins
            self._begin_switch()
        self._poller = self._loop.call_later(_POLL_S, self._poll)

    def _begin_switch(self) -> None:
        self._switching = True
        self._update_aux()
        self._later("switch", self.mode_switch_s, self._finish_switch)

    def _finish_switch(self) -> None:
        self._mode = self._pins
        self._switching = False
        if self._uart_in:
            self.stats.discarded_bytes += len(self._uart_in)
            self._uart_in.clear()
        self._burst_header = None
        self._update_aux()

    def _update_aux(self) -> None:
        if self.busy:
            if self.aux.state:
                self.aux.drive_low()
        elif not self.aux.state:
            self.aux.drive_high()

    def _later(self, key: str, delay: float, callback: Any) -> None:
        assert self._loop is not None
        old = self._timers.pop(key, None)
        if old is not None:
            old.cancel()

        def fire() -> None:
            self._timers.pop(key, None)
            callback()

        self._timers[key] = self._loop.call_later(delay, fire)

    # --- UART -----------------------------------------------------------------------------
    def _line_ok(self, mode: E220Mode) -> bool:
        wanted = CONFIG_BAUD if mode == E220Mode.CONFIG else uart_baud(self._registers[2])
        return self.port.baudrate() == wanted

    def _garble(self, data: bytes) -> bytes:
        self.stats.garbled_bytes += len(data)
        return bytes(self._rng.randrange(256) for _ in data)

    def _on_uart(self, data: bytes) -> None:
        if self._switching or self._mode == E220Mode.WOR_RECEIVE:
            self.stats.discarded_bytes += len(data)
            return
        if not self._line_ok(self._mode):
            if self._mode == E220Mode.CONFIG:
                self.stats.garbled_bytes += len(data)
                return
            data = self._garble(data)
        room = UART_BUFFER - len(self._uart_in)
        if len(data) > room:
            self.stats.discarded_bytes += len(data) - room
            data = data[:room]
        self._uart_in += data
        self._update_aux()
        if self._mode == E220Mode.CONFIG:
            self._later("gap", self.packet_gap_s, self._run_command)
            return
        self._packetise(final=False)
        self._later("gap", self.packet_gap_s, lambda: self._packetise(final=True))

    def _output(self, data: bytes) -> None:
        """Write to the driver; AUX stays low for the bytes' time on the UART."""
        mode = self._mode
        if not self._line_ok(mode):
            data = self._garble(data)
        self.port.write(data)
        baud = CONFIG_BAUD if mode == E220Mode.CONFIG else uart_baud(self._registers[2])
        self._outputs += 1
        self._update_aux()
        assert self._loop is not None
        delay = len(data) * 10 / baud * self.air.time_scale
        handle: asyncio.TimerHandle | None = None

        def done() -> None:
            self._output_timers.discard(handle)
            self._outputs -= 1
            self._update_aux()

        handle = self._loop.call_later(delay, done)
        self._output_timers.add(handle)

    # --- configuration --------------------------------------------------------------------
    def _run_command(self) -> None:
        command = bytes(self._uart_in)
        self._uart_in.clear()
        answer = self._answer(command)
        if answer == MALFORMED:
            self.stats.malformed_commands += 1
        self._output(answer)

    def _answer(self, command: bytes) -> bytes:
        if len(command) < 3 or command[0] not in (CMD_WRITE, CMD_READ, CMD_WRITE_TEMPORARY):
            return MALFORMED
        start, length = command[1], command[2]
        if length == 0 or start + length > REGISTER_COUNT:
            return MALFORMED
        if command[0] == CMD_READ:
            if len(command) != 3:
                return MALFORMED
        else:
            params = command[3:]
            if len(params) != length:
                return MALFORMED
            self._registers[start : start + length] = params
            if command[0] == CMD_WRITE:
                self._saved[start : start + length] = params
        readable = bytes(
            0 if index in _WRITE_ONLY else self._registers[index]
            for index in range(start, start + length)
        )
        return bytes([CMD_READ, start, length]) + readable

    # --- transmitting ---------------------------------------------------------------------
    def _packetise(self, *, final: bool) -> None:
        """Cut UART input into air packets: at the sub-packet size, or all of it at a gap."""
        fixed = bool(self._registers[5] & REG3_FIXED)
        if fixed and self._burst_header is None:
            if len(self._uart_in) < FIXED_HEADER:
                if final:
                    self.stats.discarded_bytes += len(self._uart_in)
                    self._uart_in.clear()
                    self._update_aux()
                return
            self._burst_header = bytes(self._uart_in[:FIXED_HEADER])
            del self._uart_in[:FIXED_HEADER]
        size = sub_packet_size(self._registers[3])
        while len(self._uart_in) >= size or (final and self._uart_in):
            payload = bytes(self._uart_in[:size])
            del self._uart_in[:size]
            if self._burst_header is not None:
                header = self._burst_header
                target, channel = header[0] << 8 | header[1], header[2]
            else:
                target, channel = self.address, self._registers[4]
            self._tx_queue.append((payload, target, channel))
            self._tx_wakeup.set()
        if final:
            self._burst_header = None
        self._update_aux()

    async def _transmitter(self) -> None:
        while True:
            await self._tx_wakeup.wait()
            self._tx_wakeup.clear()
            while self._tx_queue:
                payload, target, channel = self._tx_queue.popleft()
                await self._transmit(payload, target, channel)

    async def _transmit(self, payload: bytes, target: int, channel: int) -> None:
        rate = air_rate(self._registers[2])
        airtime = lora_airtime_ms(len(payload) + FIXED_HEADER, sf=rate.sf, bw_hz=rate.bw_hz)
        if self._mode == E220Mode.WOR_TRANSMIT:
            airtime += 500.0 * ((self._registers[5] & 0x07) + 1)  # wake-up preamble
        info = {"target": target, "key": self.key, "module": self.name}
        self._transmitting = True
        self._update_aux()
        self._tx_channel = channel
        try:
            done = self.air.transmit(self, payload, airtime, info)
        finally:
            self._tx_channel = None
        self.stats.packets_sent += 1
        try:
            await done
        finally:
            self._transmitting = False
            self._update_aux()
