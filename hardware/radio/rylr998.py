"""Driver for the REYAX RYLR998 LoRa module (UART AT commands), as a :class:`Radio`.

The module is configured once the port opens and again whenever it may have lost its
settings: after it prints ``+READY`` on its own (it reset) and after the serial port came
back from a disappearance. Frames travel as unpadded base64 text (PROTOCOL.md "On the
wire"). One command is in flight at a time; the module's unsolicited lines (``+RCV``,
``+READY``, receive errors) are routed apart from command replies. See
``hardware/docs/rylr998.md``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final, TypeVar

from hardware.radio.base import Datagram, ModuleError, RadioClosed, RadioError
from hardware.radio.port import SerialPortLink
from hardware.radio.rylr998_at import (
    ADDRESS_RANGE,
    BAUDRATE,
    BROADCAST,
    ENCODING,
    MAX_DATA,
    RECEIVE_ERRORS,
    AtSyntaxError,
    ErrorCode,
    LineBuffer,
    Rylr998Config,
    Rylr998ConfigError,
    answers,
    error_meaning,
    parse_error,
    parse_rcv,
)
from protocol.errors import LinkError
from protocol.link import b64_decode, b64_encode, b64_encoded_len

__all__ = [
    "MAX_DATAGRAM",
    "DatagramError",
    "ErrorCode",
    "ModuleTimeout",
    "Rylr998Config",
    "Rylr998ConfigError",
    "Rylr998Radio",
    "Rylr998Stats",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_DATAGRAM: Final = max(n for n in range(MAX_DATA + 1) if b64_encoded_len(n) <= MAX_DATA)
"""The largest frame whose base64 fits one ``AT+SEND`` (180 bytes → 240 characters)."""
LINE_CAP: Final = 1024
"""Bytes of an unfinished line kept before it is thrown away as junk."""


class ModuleTimeout(RadioError):
    """The module did not answer a command in time although its port is there."""


class DatagramError(RadioError, ValueError):
    """A datagram or destination this radio cannot send (empty, too long, bad address)."""


class _Interrupted(RadioError):
    """The module reset or its port came back while a command waited: retry after setup."""


@dataclass(slots=True)
class Rylr998Stats:
    """Counters for supervision and tests."""

    sent: int = 0
    received: int = 0
    bad_base64: int = 0
    """``+RCV`` lines whose data is not a canonical base64 frame (dropped)."""
    bad_lines: int = 0
    """``+RCV`` lines that do not parse (dropped)."""
    receive_errors: int = 0
    """``+ERR=12`` / ``+ERR=19``: packets the module heard but could not decode."""
    stray_lines: int = 0
    """Lines nobody waited for: junk, late replies."""
    overflows: int = 0
    """Unfinished lines over the buffer cap, thrown away."""
    dropped: int = 0
    """Datagrams dropped because nobody called :meth:`Rylr998Radio.receive` for a while."""
    module_resets: int = 0
    reconnects: int = 0
    configurations: int = 0
    busy_retries: int = 0
    send_retries: int = 0


@dataclass(slots=True)
class _Pending:
    command: str
    future: asyncio.Future[str]


class Rylr998Radio:
    """A :class:`~hardware.radio.base.Radio` over an RYLR998 on a serial port."""

    max_datagram: int = MAX_DATAGRAM

    def __init__(
        self,
        port: str,
        config: Rylr998Config,
        *,
        baudrate: int = BAUDRATE,
        reset: Callable[[], Awaitable[None]] | None = None,
        command_timeout: float = 1.0,
        send_timeout: float = 2.0,
        send_deadline: float = 30.0,
        ready_timeout: float = 5.0,
        busy_retry_delay: float = 0.1,
        backoff_initial: float = 0.05,
        backoff_max: float = 2.0,
        receive_queue: int = 256,
    ) -> None:
        """``reset`` pulses the module's RST pin (used when it stops answering).

        ``send_timeout`` is the margin allowed over a frame's time on air for its ``+OK``;
        ``send_deadline`` bounds a whole :meth:`send`, retries included.
        """
        self.config = config
        self.stats = Rylr998Stats()
        self._reset = reset
        self._command_timeout = command_timeout
        self._send_timeout = send_timeout
        self._send_deadline = send_deadline
        self._ready_timeout = ready_timeout
        self._busy_retry_delay = busy_retry_delay
        self._backoff_max = backoff_max
        self._link = SerialPortLink(
            port,
            baudrate=baudrate,
            on_data=self._on_data,
            on_reconnect=self._on_reconnect,
            backoff_initial=backoff_initial,
            backoff_max=backoff_max,
        )
        self._lines = LineBuffer(cap=LINE_CAP)
        self._lock = asyncio.Lock()
        self._pending: _Pending | None = None
        self._writing: asyncio.Future[None] | None = None
        self._received: asyncio.Queue[Datagram] = asyncio.Queue(maxsize=receive_queue)
        self._configured = asyncio.Event()
        self._config_needed = asyncio.Event()
        self._closed_event = asyncio.Event()
        self._epoch = 0
        self._maintainer: asyncio.Task[None] | None = None

    @property
    def port(self) -> SerialPortLink:
        return self._link

    @property
    def is_ready(self) -> bool:
        """Configured, and the port is there."""
        return self._configured.is_set() and self._link.is_connected

    # --- Radio ---------------------------------------------------------------------------------
    async def start(self) -> None:
        """Open the port, wait for the module (resetting it if it stays silent), configure it."""
        if self._closed_event.is_set():
            raise RadioClosed("the radio was closed")
        await self._link.open()
        try:
            await self._first_configuration()
        except BaseException:
            await self._link.close()
            raise
        self._maintainer = asyncio.get_running_loop().create_task(self._maintain())

    async def send(self, data: bytes, to: int | None = None) -> None:
        """Send one datagram; ``to`` is a module ADDRESS, None broadcasts (address 0).

        Returns once the module answered ``+OK`` (the frame has left the antenna). A busy
        module (``+ERR=17``) is asked again; a frame caught by a module reset or by the port
        vanishing is sent again once the module is set up. Raises :class:`ModuleError` for
        any other ``+ERR``, :class:`RadioError` when ``send_deadline`` passes.
        """
        if not data or len(data) > self.max_datagram:
            raise DatagramError(f"datagram of {len(data)} bytes (1..{self.max_datagram})")
        destination = BROADCAST if to is None else to
        if not ADDRESS_RANGE[0] <= destination <= ADDRESS_RANGE[1]:
            raise DatagramError(f"address must be 0..65535, got {destination}")
        text = b64_encode(data)
        command = f"AT+SEND={destination},{len(text)},{text}"
        timeout = self.config.airtime_ms(len(text)) / 1000.0 + self._send_timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._send_deadline
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise RadioError(f"could not send within {self._send_deadline:g} s")
            try:
                epoch = await self._wait_configured(remaining)
                await self._command(command, within=min(timeout, remaining), epoch=epoch)
            except ModuleError as exc:
                if exc.code != ErrorCode.TX_BUSY:
                    raise
                self.stats.busy_retries += 1
                await self._guard(asyncio.sleep(self._busy_retry_delay))
            except _Interrupted as exc:
                self.stats.send_retries += 1
                log.info("send interrupted (%s); sending again once set up", exc)
            except ModuleTimeout:
                self.stats.send_retries += 1
                self._restart("no answer to AT+SEND")
            except TimeoutError:
                continue  # waiting for setup ran into the deadline: the loop raises
            else:
                self.stats.sent += 1
                return

    async def receive(self) -> Datagram:
        """Wait for the next datagram heard; raises :class:`RadioClosed` once closed."""
        return await self._guard(self._received.get())

    async def close(self) -> None:
        if self._closed_event.is_set():
            return
        self._closed_event.set()
        self._fail_pending(RadioClosed("the radio was closed"))
        if self._maintainer is not None:
            self._maintainer.cancel()
            await asyncio.gather(self._maintainer, return_exceptions=True)
        await self._link.close()

    async def command(self, line: str, *, within: float | None = None) -> str:
        """Send one AT command (e.g. ``AT+ADDRESS?``) and return its answer line.

        For diagnostics; raises :class:`ModuleError` on ``+ERR``. Settings changed here are
        overwritten by the next configuration.
        """
        return await self._command(line, within=within or self._command_timeout, epoch=self._epoch)

    # --- commands ------------------------------------------------------------------------------
    async def _command(self, line: str, *, within: float, epoch: int) -> str:
        async with self._lock:
            if not self._link.is_connected:
                await self._guard(self._link.wait_connected())
            if epoch != self._epoch:
                raise _Interrupted("module reset or port reconnected")
            future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            self._pending = _Pending(line, future)
            try:
                raw = line.encode(ENCODING) + b"\r\n"
                # Straight onto the open port, so an ACK leaves before its caller's disk work;
                # otherwise a write waits while the port is away, and _restart() cancels it
                # when the port comes back: a stale command never reaches a module not set up.
                if not self._link.write_nowait(raw):
                    self._writing = asyncio.ensure_future(self._link.write(raw))
                    await self._guard(self._writing)
                answer = await self._guard(future, within)
            except TimeoutError:
                if not self._link.is_connected or epoch != self._epoch:
                    raise _Interrupted("port lost while waiting for an answer") from None
                raise ModuleTimeout(f"no answer to {_short(line)} in {within:g} s") from None
            finally:
                self._pending = self._writing = None
                if future.done() and not future.cancelled():
                    future.exception()  # retrieved: it may have failed while unawaited
        code = parse_error(answer)
        if code is not None:
            raise ModuleError(code, error_meaning(code), _short(line))
        return answer

    async def _guard(self, awaitable: Awaitable[T], within: float | None = None) -> T:
        """Await, giving up with RadioClosed on close and TimeoutError after ``within`` s."""
        if self._closed_event.is_set():
            if asyncio.iscoroutine(awaitable):
                awaitable.close()
            raise RadioClosed("the radio was closed")
        task = asyncio.ensure_future(awaitable)
        closed = asyncio.ensure_future(self._closed_event.wait())
        finished = False
        try:
            await asyncio.wait((task, closed), timeout=within, return_when=asyncio.FIRST_COMPLETED)
            finished = task.done()
        finally:
            closed.cancel()
            if not task.done():
                task.cancel()
        if finished:
            if task.cancelled():  # only _restart() cancels what we wait on
                raise _Interrupted("module reset or port reconnected")
            return task.result()
        if self._closed_event.is_set():
            raise RadioClosed("the radio was closed")
        raise TimeoutError

    def _fail_pending(self, exc: Exception) -> None:
        pending = self._pending
        if pending is not None and not pending.future.done():
            pending.future.set_exception(exc)

    # --- configuration ---------------------------------------------------------------------------
    async def _wait_configured(self, within: float) -> int:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not self.is_ready:
            if self._configured.is_set():
                await self._guard(self._link.wait_connected(), deadline - loop.time())
            else:
                await self._guard(self._configured.wait(), deadline - loop.time())
        return self._epoch

    async def _first_configuration(self) -> None:
        try:
            await self._configure()
            return
        except ModuleTimeout:
            if self._reset is None:
                raise
        log.warning("RYLR998 on %s silent; pulsing its reset line", self._link.path)
        await self._reset()
        await self._configure()

    async def _configure(self) -> None:
        """Probe with ``AT`` until ``+OK``, then apply every setting, checking each answer."""
        while True:
            self._config_needed.clear()
            self._configured.clear()
            epoch = self._epoch
            try:
                await self._probe(epoch)
                for line in self.config.commands():
                    await self._command(line, within=self._command_timeout, epoch=epoch)
            except _Interrupted:
                continue
            if epoch == self._epoch:
                self.stats.configurations += 1
                self._configured.set()
                log.info("RYLR998 on %s configured", self._link.path)
                return

    async def _probe(self, epoch: int) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._ready_timeout
        interval = min(self._command_timeout, 0.5)
        while True:
            try:
                await self._command("AT", within=interval, epoch=epoch)
                return
            except (ModuleTimeout, ModuleError) as exc:
                if loop.time() >= deadline:
                    raise ModuleTimeout(
                        f"no +OK to AT within {self._ready_timeout:g} s ({exc})"
                    ) from exc

    async def _maintain(self) -> None:
        """Configure again whenever the module reset or the port came back."""
        failures = 0
        while True:
            await self._config_needed.wait()
            try:
                await self._configure()
                failures = 0
            except RadioClosed:
                return
            except RadioError as exc:
                failures += 1
                log.warning("configuring RYLR998 on %s failed: %s", self._link.path, exc)
                self._config_needed.set()
                if self._reset is not None and failures % 2 == 0:
                    try:
                        await self._reset()
                    except Exception:
                        log.exception("resetting RYLR998 on %s failed", self._link.path)
                await asyncio.sleep(min(self._backoff_max, 0.05 * 2**failures))

    def _restart(self, why: str) -> None:
        """The module's settings are in doubt: stop commands and configure again."""
        log.info("RYLR998 on %s: %s; configuring again", self._link.path, why)
        self._epoch += 1
        self._configured.clear()
        self._config_needed.set()
        self._fail_pending(_Interrupted(why))
        if self._writing is not None and not self._writing.done():
            self._writing.cancel()

    async def _on_reconnect(self) -> None:
        self.stats.reconnects += 1
        self._lines.clear()
        self._restart("serial port came back")

    # --- what the module prints ------------------------------------------------------------------
    def _on_data(self, data: bytes) -> None:
        for line in self._lines.feed(data):
            self._route(line)
        self.stats.overflows = self._lines.overflows

    def _route(self, line: str) -> None:
        if not line:
            return
        if line.startswith("+RCV="):
            self._on_rcv(line)
            return
        if line == "+READY":
            self.stats.module_resets += 1
            self._restart("module printed +READY")
            return
        code = parse_error(line)
        if code is not None and code in RECEIVE_ERRORS:
            self.stats.receive_errors += 1
            log.debug("RYLR998 receive error %s: %s", code, error_meaning(code))
            return
        pending = self._pending
        if pending is not None and not pending.future.done() and answers(pending.command, line):
            pending.future.set_result(line)
            return
        self.stats.stray_lines += 1
        log.debug("stray line from RYLR998: %r", line[:80])

    def _on_rcv(self, line: str) -> None:
        try:
            heard = parse_rcv(line)
        except AtSyntaxError:
            self.stats.bad_lines += 1
            return
        try:
            data = b64_decode(heard.data)
        except LinkError:
            self.stats.bad_base64 += 1
            return
        if self._received.full():
            self._received.get_nowait()
            self.stats.dropped += 1
        self._received.put_nowait(
            Datagram(data=data, rssi=heard.rssi, snr=heard.snr, address=heard.address)
        )
        self.stats.received += 1


def _short(line: str) -> str:
    return line if len(line) <= 40 else f"{line[:37]}..."
