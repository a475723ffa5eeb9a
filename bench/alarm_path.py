"""Bench: the alarm path of a street controller, from the serial port to siren, ACK and SMS.

Run from the repository root (``bench/README.md`` explains every figure)::

    .venv/bin/python -m bench.alarm_path
    .venv/bin/python -m bench.alarm_path --presses 20 --recipients 5 --latency-ms 5

It prints one JSON object:

- **arrival → siren, arrival → ACK written** (p50/p99 over ``--presses`` presses). The
  controller runs alone in a child process, assembled as ``sereno controller run`` does it
  (:class:`~controller.app.ControllerApp`: SQLite store on a temporary folder, siren and
  strobe on gpiozero's ``MockFactory``, key switch, control socket, SMS notifier), with the
  real RYLR998 driver on a pseudo-terminal; only the siren and strobe caps are shortened
  (``--cap-ms``) so that every press finds a quiet street and makes the siren rise. This
  process plays the radio module (:class:`~hardware.emulators.rylr998.Rylr998Emulator`):
  it writes each ``+RCV=…`` line and takes the arrival time right after the write returns;
  it takes the ACK time when the controller's ``AT+SEND=…`` line is read back on the
  master side (this process is idle then, so it reads it at once). The child takes the
  siren time on the siren's mock pin, in whichever thread sets it, right after its state
  changes. All three clocks are ``time.monotonic()`` (``CLOCK_MONOTONIC`` on Linux: one
  clock for every process on the machine).
- **CPU per verified frame**: ``time.process_time()`` over ``Verifier.verify`` calls, and the
  controller process's own CPU time (``/proc/<pid>/stat``) per press over the whole run.
- **SMS fan-out**: :class:`~controller.sms.SmsNotifier` to ``--recipients`` numbers through the
  local sandbox with ``--latency-ms`` added per request, at the configured bound and one
  after another (bound 1).
- **Controller RSS**: ``VmRSS`` and ``VmHWM`` of the controller process, after the presses
  and after a real fan-out of that process's own notifier.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import dataclasses
import json
import math
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from gpiozero.pins.mock import MockFactory, MockPin

from controller.app import ControllerApp, limit_tls_read_buffers
from controller.config import AlarmConfig, ControllerConfig, SmsConfig
from controller.service import Happening
from controller.sms import MemoryLedger, OutgoingSms, SmsNotifier, TwilioSettings, render
from controller.store import Store
from controller.store.registry import generate_key
from hardware.pins import BOARD_DEFAULTS
from hardware.radio.rylr998 import Rylr998Config
from hardware.radio.rylr998 import Rylr998Radio as Rylr998Driver
from hardware.radio.rylr998_at import BAUDRATE, format_rcv
from hardware.radio.settings import Rylr998Settings
from protocol import (
    CONTROLLER_ADDRESS,
    Ack,
    Panic,
    PanicKind,
    Verifier,
    build_frame,
    decode_frame,
)
from protocol.errors import FrameError, LinkError
from protocol.link import b64_decode, b64_encode
from protocol.verifier import Accepted

if TYPE_CHECKING:
    from hardware.emulators.rylr998 import Rylr998Emulator, TranscriptLine
    from sereno.sms_sandbox import SandboxState

# The controller process runs this file too: at module level, import only what a controller
# imports anyway (its RSS is one of the figures). The emulators and the SMS sandbox are
# imported where this process needs them.

SCRIPT: Final = Path(__file__).resolve()
REPO_ROOT: Final = SCRIPT.parents[1]
NETWORK_ID: Final = 2571
CONTROLLER_MODULE: Final = 1
FIRST_NODE: Final = 11
SF: Final = 9
STREET: Final = "Pasaje Los Aromos"
RSSI: Final = -60
SNR: Final = 9.0
AIR_TIME_SCALE: Final = 0.01
"""The ACK's time on air (about 0.3 s at SF9) shortened, so presses can follow each other."""
PRESS_TIMEOUT_S: Final = 2.0
CHILD_START_TIMEOUT_S: Final = 30.0
TARGETS: Final = {
    "arrival_to_siren_p99_ms": 5.0,
    "arrival_to_ack_written_p99_ms": 10.0,
    "sms_fanout_speedup_min": 10.0,
    "controller_rss_max_mb": 60.0,
}


# --- shared by both processes -----------------------------------------------------------------
def controller_config(data_dir: Path) -> ControllerConfig:
    """The controller under test: a Pi 4 with its default pins and an RYLR998 at SF9."""
    return ControllerConfig(
        name=STREET,
        network_id=NETWORK_ID,
        radio=Rylr998Settings(kind="emulated", port=None, address=CONTROLLER_MODULE, sf=SF),
        pins=BOARD_DEFAULTS["pi4"],
        board="pi4",
        data_dir=data_dir,
        alarm=AlarmConfig(),
    )


def phone(index: int) -> str:
    return f"+5699{index + 1:07d}"


def _emit_line(message: dict[str, Any]) -> None:
    """One JSON line on stdout, in a single write (safe from any thread)."""
    os.write(sys.stdout.fileno(), (json.dumps(message) + "\n").encode())


# --- the controller process ---------------------------------------------------------------------
class EdgeTimedPin(MockPin):  # type: ignore[misc]
    """A mock pin that tells ``on_edge`` when its state changed, and when (monotonic s).

    Every state change of a ``MockPin`` goes through ``_change_state``, in the thread that
    drives the pin (the siren's gpiozero thread); the time is read right after it.
    """

    on_edge: Callable[[bool, float], None] | None = None

    def _change_state(self, value: bool) -> bool:
        changed = bool(super()._change_state(value))
        if changed:
            at = time.monotonic()
            hook = self.on_edge
            if hook is not None:
                hook(bool(value), at)
        return changed


async def run_controller(
    port: str, data_dir: Path, cap_s: float, sms_url: str, profile: Path | None = None
) -> int:
    """The child: ``ControllerApp`` on ``port``; reports on stdout, stops on SIGTERM.

    With ``profile``, the event loop's thread runs under cProfile from the first report to
    the stop, and the statistics go to that file (``python -m pstats``).
    """
    limit_tls_read_buffers()  # as sereno controller run does (no effect on the HTTP sandbox)
    factory = MockFactory(pin_class=EdgeTimedPin)
    config = controller_config(data_dir)

    def heard(happening: Happening) -> None:
        data = happening.data
        if happening.what == "street" and data.get("siren") is None and not data.get("strobe"):
            _emit_line({"quiet": time.monotonic()})
        elif happening.what == "sms":
            _emit_line({"sms": data.get("outcome")})

    app = ControllerApp(
        config,
        pin_factory=factory,
        radio=Rylr998Driver(port, Rylr998Config(address=CONTROLLER_MODULE, sf=SF)),
        sms_settings=TwilioSettings.sandbox(sms_url),
        listener=heard,
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        controller = await app.start()
        # Caps of a few milliseconds instead of minutes, so that every press finds a quiet
        # street; the siren still plays its real pattern (no time scale on the outputs).
        controller.alarm.policy = dataclasses.replace(
            controller.alarm.policy, siren_max_s=cap_s, strobe_max_s=cap_s
        )
        siren_pin = factory.pin(config.pins.siren)
        siren_pin.on_edge = lambda high, at: _emit_line({"edge": int(high), "t": at})
        profiler = cProfile.Profile() if profile is not None else None
        if profiler is not None:
            profiler.enable()
        _emit_line({"ready": os.getpid()})
        await stop.wait()
        if profiler is not None and profile is not None:
            profiler.disable()
            profiler.dump_stats(profile)
    finally:
        await app.close()
        factory.close()
    return 0


# --- this process: the radio module's side ------------------------------------------------------
class Watch:
    """Wakes waiters whenever something happened (a line on the port, a report)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def poke(self) -> None:
        self._event.set()

    async def until(self, done: Callable[[], bool], within: float) -> bool:
        """Wait until ``done()``; False if it still is not after ``within`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not done():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            self._event.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._event.wait()
        return True


class TimedTranscript(deque["TranscriptLine"]):
    """The emulator's transcript, also noting when each ``AT+SEND`` line was read."""

    def __init__(self, watch: Watch, maxlen: int) -> None:
        super().__init__(maxlen=maxlen)
        self.sends: list[tuple[float, str]] = []
        self._watch = watch

    def append(self, line: TranscriptLine) -> None:
        if line.direction == "in" and line.text.startswith("AT+SEND="):
            self.sends.append((time.monotonic(), line.text))
        super().append(line)
        self._watch.poke()


class ControllerProcess:
    """The child process and what it reported."""

    def __init__(self, process: asyncio.subprocess.Process, watch: Watch) -> None:
        self.process = process
        self.watch = watch
        self.pid: int | None = None
        self.edges: list[tuple[bool, float]] = []
        self.quiet = 0
        self.sms: list[str] = []
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @property
    def siren_high(self) -> bool:
        return bool(self.edges) and self.edges[-1][0]

    async def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        async for raw in stream:
            try:
                message = json.loads(raw)
            except ValueError:
                print(f"controller: {raw.decode(errors='replace').rstrip()}", file=sys.stderr)
                continue
            if "edge" in message:
                self.edges.append((bool(message["edge"]), float(message["t"])))
            elif "quiet" in message:
                self.quiet += 1
            elif "sms" in message:
                self.sms.append(str(message["sms"]))
            elif "ready" in message:
                self.pid = int(message["ready"])
            self.watch.poke()
        self.watch.poke()

    @property
    def exited(self) -> bool:
        return self.process.returncode is not None or self._reader.done()

    async def stop(self) -> int:
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(10.0):
                code = await self.process.wait()
        except TimeoutError:
            self.process.kill()
            code = await self.process.wait()
        await asyncio.gather(self._reader, return_exceptions=True)
        return code


@dataclasses.dataclass
class Node:
    address: int
    key: bytes
    counter: int = 0

    def panic(self, kind: PanicKind) -> bytes:
        self.counter += 1
        return build_frame(
            Panic(kind),
            network=NETWORK_ID,
            src=self.address,
            dst=CONTROLLER_ADDRESS,
            counter=self.counter,
            key=self.key,
        )

    def rcv_line(self, frame: bytes) -> str:
        return format_rcv(self.address, b64_encode(frame), RSSI, SNR)

    def acks(self, send_line: str) -> bool:
        """True when ``send_line`` is the ACK of this node's latest frame."""
        try:
            _, _, text = send_line.removeprefix("AT+SEND=").split(",", 2)
            frame = decode_frame(b64_decode(text), self.key)
            body = frame.body()
        except (ValueError, FrameError, LinkError):
            return False
        return (
            isinstance(body, Ack)
            and frame.dst == self.address
            and (body.acked_counter == self.counter)
        )


def _register(store_path: Path, nodes: int, recipients: int) -> list[Node]:
    """Nodes for the presses; vecinos who get INCENDIO only (the final, measured fan-out)."""
    registered = []
    with Store.open(store_path) as store:
        for index in range(nodes):
            node = Node(FIRST_NODE + index, generate_key())
            store.add_node(
                NETWORK_ID, node.address, node.key, f"casa {index + 1}", f"{STREET} {1201 + index}"
            )
            registered.append(node)
        for index in range(recipients):
            store.add_vecino(
                name=f"Vecino {index + 1}",
                phone=phone(index),
                street_address=f"{STREET} {1201 + index}",
                kinds=(PanicKind.INCENDIO,),
            )
    return registered


def _proc_status_mb(pid: int) -> dict[str, float]:
    """``VmRSS``, ``VmHWM``, ``RssAnon``, ``RssFile`` of ``pid`` in MB (10^6 bytes)."""
    figures: dict[str, float] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                figures[name] = round(int(value.split()[0]) * 1024 / 1e6, 1)
    return figures


def _proc_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` (every thread), from ``/proc/<pid>/stat``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _summary(samples: Sequence[float]) -> dict[str, float | None]:
    """p50/p90/p99 (nearest rank), mean and max, in milliseconds."""
    if not samples:
        return {"p50": None, "p90": None, "p99": None, "mean": None, "max": None}
    ordered = sorted(samples)

    def rank(p: float) -> float:
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    return {
        "p50": round(rank(50) * 1000, 3),
        "p90": round(rank(90) * 1000, 3),
        "p99": round(rank(99) * 1000, 3),
        "mean": round(statistics.fmean(ordered) * 1000, 3),
        "max": round(ordered[-1] * 1000, 3),
    }


async def alarm_path(
    args: argparse.Namespace, workdir: Path, sms_url: str, watch: Watch
) -> dict[str, Any]:
    """Presses through the controller process; then its fan-out, RSS and CPU."""
    from hardware.emulators.air import VirtualAir
    from hardware.emulators.rylr998 import Rylr998Emulator

    config = controller_config(workdir / "controlador")
    nodes = _register(config.store_path, args.nodes, args.recipients)
    air = VirtualAir(time_scale=AIR_TIME_SCALE)
    emulator = Rylr998Emulator(air, workdir / "dev" / "controlador", name="controlador")
    transcript = TimedTranscript(watch, maxlen=1000)
    emulator.transcript = transcript
    emulator.start()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    # ``-m``, not the file's path: a script given by path is compiled from source at every
    # start (CPython caches no bytecode for it), which leaves about 1.3 MB in the child's
    # heap that a controller, run from its cached modules, never has (bench/README.md).
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.alarm_path",
        "--controller-process",
        str(emulator.path),
        "--data-dir",
        str(config.data_dir),
        "--cap-ms",
        str(args.cap_ms),
        "--sms-url",
        sms_url,
        *(["--profile-controller", args.profile_controller] if args.profile_controller else []),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        cwd=REPO_ROOT,
        env=env,
    )
    child = ControllerProcess(process, watch)
    try:
        started = await watch.until(
            lambda: child.pid is not None or child.exited, CHILD_START_TIMEOUT_S
        )
        if not started:
            raise RuntimeError("the controller process did not start in time")
        if child.pid is None:
            raise RuntimeError(f"the controller process exited ({await child.stop()})")
        pid = child.pid
        rss_start = _proc_status_mb(pid)
        result = await _presses(args, nodes, emulator, transcript, child, watch)
        rss_presses = _proc_status_mb(pid)
        fanout_ok = await _controller_fanout(args, nodes[0], emulator, child, watch)
        rss_end = _proc_status_mb(pid)
    finally:
        code = await child.stop()
        emulator.stop()
    result["controller_exit_code"] = code
    rss = {
        "measured": "the controller process alone: VmRSS and VmHWM from /proc/<pid>/status",
        "rss_mb_at_start": rss_start.get("VmRSS"),
        "rss_mb_after_presses": rss_presses.get("VmRSS"),
        "rss_mb_after_sms_fanout": rss_end.get("VmRSS"),
        "peak_rss_mb": rss_end.get("VmHWM"),
        "after_sms_fanout_anon_mb": rss_end.get("RssAnon"),
        "after_sms_fanout_file_mb": rss_end.get("RssFile"),
        "sms_fanout_recipients": args.recipients,
        "sms_fanout_completed": fanout_ok,
    }
    return {"alarm_path": result, "controller_rss": rss}


async def _presses(
    args: argparse.Namespace,
    nodes: list[Node],
    emulator: Rylr998Emulator,
    transcript: TimedTranscript,
    child: ControllerProcess,
    watch: Watch,
) -> dict[str, Any]:
    assert child.pid is not None
    siren: list[float] = []
    ack: list[float] = []
    failed = 0
    cpu_start = _proc_cpu_s(child.pid)
    started = time.monotonic()
    done = 0
    timed_out = False
    for index in range(args.presses):
        if time.monotonic() - started > args.seconds:
            timed_out = True
            break
        node = nodes[index % len(nodes)]
        timing = await _press(node, emulator, transcript, child, watch, args.cap_ms / 1000)
        done += 1
        if timing is None:
            failed += 1
            if child.exited or not await watch.until(
                lambda: not child.siren_high and not emulator.transmitting, 5.0
            ):
                break
            continue
        siren.append(timing[0])
        ack.append(timing[1])
    elapsed = time.monotonic() - started
    cpu_end = _proc_cpu_s(child.pid)
    cpu_ms = (
        None
        if cpu_start is None or cpu_end is None or done == 0
        else round((cpu_end - cpu_start) * 1000 / done, 3)
    )
    ack_chars = len(transcript.sends[-1][1]) + 2 if transcript.sends else 0
    return {
        "presses_requested": args.presses,
        "presses_sent": done,
        "presses_measured": len(siren),
        "presses_failed": failed,
        "stopped_by_time_limit": timed_out,
        "seconds": round(elapsed, 2),
        "nodes": len(nodes),
        "kind": PanicKind.PANICO.name,
        "siren_cap_ms": args.cap_ms,
        "arrival_to_siren_ms": _summary(siren),
        "arrival_to_ack_written_ms": _summary(ack),
        "controller_cpu_ms_per_press": cpu_ms,
        "ack_line_chars": ack_chars,
        "ack_line_uart_ms_at_115200": round(ack_chars * 10 / BAUDRATE * 1000, 2),
    }


async def _press(
    node: Node,
    emulator: Rylr998Emulator,
    transcript: TimedTranscript,
    child: ControllerProcess,
    watch: Watch,
    cap_s: float,
) -> tuple[float, float] | None:
    """One PANIC on a quiet street: (arrival → siren, arrival → ACK written) in seconds.

    Waits until the press has played out (siren up and down again, street quiet, ACK sent
    and its ``+OK`` printed) so that the next press starts from the same state.
    """
    line = node.rcv_line(node.panic(PanicKind.PANICO))
    sends, edges, quiet = len(transcript.sends), len(child.edges), child.quiet

    def rise() -> float | None:
        return next((at for high, at in child.edges[edges:] if high), None)

    def acked() -> float | None:
        return next((at for at, text in transcript.sends[sends:] if node.acks(text)), None)

    def settled() -> bool:
        return (
            rise() is not None
            and acked() is not None
            and child.quiet > quiet
            and not child.siren_high
            and not emulator.transmitting
        )

    emulator.inject_line(line)
    arrival = time.monotonic()
    await watch.until(settled, PRESS_TIMEOUT_S + cap_s)
    rose, answered = rise(), acked()
    if rose is None or answered is None or not settled():
        return None
    return rose - arrival, answered - arrival


async def _controller_fanout(
    args: argparse.Namespace,
    node: Node,
    emulator: Rylr998Emulator,
    child: ControllerProcess,
    watch: Watch,
) -> bool:
    """One INCENDIO press: the controller texts every vecino through its own notifier."""
    if args.recipients == 0:
        return True
    before = len(child.sms)
    emulator.inject_line(node.rcv_line(node.panic(PanicKind.INCENDIO)))
    return (
        await watch.until(lambda: len(child.sms) - before >= args.recipients or child.exited, 120.0)
        and not child.exited
    )


# --- in this process: verification CPU and the notifier -----------------------------------------
def verify_cpu(frames: int) -> dict[str, Any]:
    """CPU time of ``Verifier.verify`` on valid PANIC frames (keys and counters in memory)."""
    with Store.open(":memory:") as store:
        nodes = [Node(FIRST_NODE + index, generate_key()) for index in range(2)]
        for node in nodes:
            store.add_node(NETWORK_ID, node.address, node.key, "casa", STREET)
        samples = [nodes[i % 2].panic(PanicKind.PANICO) for i in range(min(frames, 1000))]
        verifier = Verifier(store, store, own_address=CONTROLLER_ADDRESS)
        if not all(isinstance(verifier.verify(data), Accepted) for data in samples):
            raise RuntimeError("a sample frame did not verify")
        cpu, wall = time.process_time(), time.perf_counter()
        for index in range(frames):
            verifier.verify(samples[index % len(samples)])
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "frames": frames,
        "frame_bytes": len(samples[0]),
        "cpu_us_per_frame": round(cpu / frames * 1e6, 2),
        "wall_us_per_frame": round(wall / frames * 1e6, 2),
    }


async def sms_fanout(
    settings: TwilioSettings, recipients: int, concurrency: int, state: SandboxState
) -> dict[str, Any]:
    """Wall time of one alert to ``recipients`` at ``concurrency``, and one after another."""
    body = render(PanicKind.PANICO, "casa 1", f"{STREET} 1201", "Maipu")

    async def send(bound: int, tag: str) -> dict[str, Any]:
        count = 1 if tag == "warm-up" else recipients
        messages = [OutgoingSms(f"{tag}:{i}", phone(i), body) for i in range(count)]
        state.reset()
        async with SmsNotifier(settings, MemoryLedger(), concurrency=bound) as notifier:
            started = time.perf_counter()
            results = await notifier.send_all(messages)
            wall = time.perf_counter() - started
        return {
            "wall_s": round(wall, 3),
            "accepted": sum(r.outcome == "accepted" for r in results),
            "max_in_flight": state.max_in_flight,
        }

    await send(1, "warm-up")  # what is done once (session, first connection): not timed
    fanout = await send(concurrency, "fanout")
    sequential = await send(1, "sequential")
    speedup = sequential["wall_s"] / fanout["wall_s"] if fanout["wall_s"] else None
    return {
        "recipients": recipients,
        "concurrency": concurrency,
        "fanout": fanout,
        "sequential": sequential,
        "speedup": None if speedup is None else round(speedup, 2),
        "ideal_speedup": round(recipients / math.ceil(recipients / concurrency), 2)
        if recipients
        else None,
    }


# --- the whole bench ----------------------------------------------------------------------------
async def bench(args: argparse.Namespace) -> dict[str, Any]:
    from sereno.sms_sandbox import SandboxConfig, running_sandbox

    watch = Watch()
    with tempfile.TemporaryDirectory(prefix="sereno-bench-") as tmp:
        async with running_sandbox(SandboxConfig(latency_ms=args.latency_ms)) as sandbox:
            figures = await alarm_path(args, Path(tmp), sandbox.url, watch)
            sms = await sms_fanout(
                sandbox.settings(), args.recipients, args.concurrency, sandbox.state
            )
    figures["sms_fanout"] = {"latency_ms": args.latency_ms, **sms}
    return figures


def _meets(report: dict[str, Any]) -> dict[str, bool]:
    path, sms, rss = report["alarm_path"], report["sms_fanout"], report["controller_rss"]
    siren_p99 = path["arrival_to_siren_ms"]["p99"]
    ack_p99 = path["arrival_to_ack_written_ms"]["p99"]
    all_measured = path["presses_failed"] == 0 and path["presses_measured"] > 0
    return {
        "arrival_to_siren_p99": all_measured and siren_p99 <= TARGETS["arrival_to_siren_p99_ms"],
        "arrival_to_ack_written_p99": all_measured
        and ack_p99 <= TARGETS["arrival_to_ack_written_p99_ms"],
        "sms_fanout_speedup": sms["speedup"] is not None
        and sms["fanout"]["accepted"] == sms["recipients"]
        and sms["speedup"] >= TARGETS["sms_fanout_speedup_min"],
        "controller_rss": rss["peak_rss_mb"] is not None
        and rss["peak_rss_mb"] <= TARGETS["controller_rss_max_mb"],
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.alarm_path",
        description="Street controller alarm path: radio to siren and ACK, SMS fan-out, RSS.",
    )
    parser.add_argument("--presses", type=int, default=1000, help="PANIC presses (1000)")
    parser.add_argument(
        "--seconds", type=float, default=120.0, help="stop pressing after this long (120)"
    )
    parser.add_argument("--nodes", type=int, default=2, help="nodes taking turns (2)")
    parser.add_argument(
        "--cap-ms", type=float, default=20.0, help="siren and strobe cap per press (20 ms)"
    )
    parser.add_argument("--recipients", type=int, default=50, help="SMS recipients (50)")
    parser.add_argument(
        "--latency-ms", type=float, default=100.0, help="sandbox latency per request (100)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=SmsConfig().concurrency,
        help=f"SMS bound; default [sms] concurrency ({SmsConfig().concurrency})",
    )
    parser.add_argument(
        "--verify-frames", type=int, default=20_000, help="Verifier.verify calls (20000)"
    )
    parser.add_argument(
        "--profile-controller",
        metavar="FILE",
        help="run the controller process under cProfile; its statistics go to FILE",
    )
    parser.add_argument("--controller-process", metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--sms-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.presses < 1 or args.nodes < 1 or args.verify_frames < 1 or args.concurrency < 1:
        parser.error("--presses, --nodes, --verify-frames and --concurrency must be at least 1")
    if args.recipients < 0 or args.latency_ms < 0 or args.cap_ms <= 0 or args.seconds <= 0:
        parser.error("--recipients and --latency-ms must be >= 0; --cap-ms, --seconds > 0")
    if args.profile_controller:  # the controller process runs in another folder
        args.profile_controller = str(Path(args.profile_controller).resolve())
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.controller_process:
        return asyncio.run(
            run_controller(
                args.controller_process,
                Path(args.data_dir),
                args.cap_ms / 1000,
                args.sms_url,
                Path(args.profile_controller) if args.profile_controller else None,
            )
        )
    verify = verify_cpu(args.verify_frames)
    report: dict[str, Any] = {
        "bench": "alarm_path",
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": {
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
            "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
        },
        "options": {
            name: getattr(args, name)
            for name in (
                "presses",
                "seconds",
                "nodes",
                "cap_ms",
                "recipients",
                "latency_ms",
                "concurrency",
                "verify_frames",
            )
        },
    }
    report.update(asyncio.run(bench(args)))
    report["machine"]["load_average_at_end"] = [round(load, 2) for load in os.getloadavg()]
    report["verify"] = verify
    report["targets"] = TARGETS
    report["meets_targets"] = _meets(report)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
