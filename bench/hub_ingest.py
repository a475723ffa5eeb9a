"""Bench: the municipal hub ingesting street controllers' reports, and its dashboard.

Run from the repository root (``bench/README.md`` explains every figure)::

    .venv/bin/python -m bench.hub_ingest
    .venv/bin/python -m bench.hub_ingest --controllers 20 --interval 0.5 --seconds 2 \\
        --closed-loop-seconds 1 --dashboard-controllers 50 --dashboard-requests 3

It prints one JSON object:

- **paced**: ``--controllers`` simulated controllers (enrolled through the real
  ``POST /api/v1/enroll``), each on its own keep-alive connection, post a report every
  ``--interval`` seconds (± 10 % jitter, the first at a random point of the first
  interval) for ``--seconds``: a heartbeat and 0–3 ``node_heartbeat`` events, sometimes an
  episode. Latency is measured from the moment
  the controller meant to send (its schedule, or its previous answer if that came later)
  to the answer read, so a generator that falls behind cannot hide queueing. The same
  load, with the same bodies and the same connections, then goes to a no-op aiohttp
  endpoint, for the floor of what loopback, aiohttp and the client cost.
- **closed loop**: ``--connections`` workers, each on its own keep-alive connection, post
  the controllers' next reports back to back for ``--closed-loop-seconds``: the most the
  hub can ingest, against the most the no-op endpoint answers through the same client.
- **dashboard**: a separate database seeded with ``--dashboard-controllers`` controllers
  through the fleet's own code (enrollment, reports at spread times, the fleet job's
  health evaluation, maintenance windows, acknowledgements), then the Panel page timed.

Each server runs in its own process (this module with the hidden ``--serve``): the hub
exactly as :func:`hub.server.serve` runs it, logging configured as ``sereno hub serve``
does (the access log included), plus one bench-only outermost middleware that adds a
``Server-Timing: app;dur=<ms>`` header (the time from the request's handler chain entry to
its response). The load generator (one aiohttp ``ClientSession``) runs in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import logging
import math
import os
import platform
import random
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

import aiohttp
from aiohttp import web

if TYPE_CHECKING:
    from hub.server import RunningHub
    from hub.storage import HubDB

SCRIPT: Final = Path(__file__).resolve()
REPO_ROOT: Final = SCRIPT.parents[1]
HOST: Final = "127.0.0.1"
SOFTWARE_VERSION: Final = "0.1.0"
BARRIOS: Final = 25
NODES_PER_CONTROLLER: Final = (3, 8)
JITTER: Final = 0.1
"""Each controller's next report comes after ``interval × (1 ± JITTER)``."""
EPISODE_PROBABILITY: Final = 0.02
"""Share of reports that carry an episode snapshot."""
ON_BATTERY_SHARE: Final = 0.01
LOW_BATTERY_NODE_SHARE: Final = 0.02
CLIENT_TIMEOUT: Final = aiohttp.ClientTimeout(total=15, connect=5)
"""The controller's own time-outs (docs/hub-api.md)."""
ENROLL_CONCURRENCY: Final = 16
SERVER_START_TIMEOUT_S: Final = 60.0
SERVER_STOP_TIMEOUT_S: Final = 15.0
DRAIN_TIMEOUT_S: Final = 20.0
TIMING_HEADER: Final = "Server-Timing"
NOOP_ANSWER: Final = {"accepted": [], "duplicates": [], "commands": [], "report_interval_s": 60}
TARGETS: Final = {
    "paced_p99_ms": 100.0,
    "closed_loop_hub_to_noop_min": 0.5,
    "dashboard_server_max_ms": 300.0,
}
ANSWERS: Final = {
    "paced_p99": "paced.hub.latency_ms.p99 ≤ targets.paced_p99_ms, every report answered "
    "200 and stored (paced.hub.errors empty, events_stored == events_accepted): 'p99 ≤ 100 ms "
    "at 2,000 controllers reporting every 10 s' (the load of --controllers every --interval)",
    "closed_loop_ratio": "closed_loop.hub_to_noop_ratio (the hub's answers 200, each a "
    "stored report, per second ÷ the no-op's answers per second, same client, bodies and "
    "connections) ≥ "
    "targets.closed_loop_hub_to_noop_min: 'ingest at least 50 % of the no-op ceiling'",
    "dashboard": "dashboard.panel.server_ms.max (Server-Timing, the hub's own time for the "
    "Panel, the first request not counted) ≤ targets.dashboard_server_max_ms, every answer "
    "200: 'dashboard ≤ 300 ms' with --dashboard-controllers in the database",
}


# --- the server processes ------------------------------------------------------------------------
@web.middleware
async def server_timing(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Bench only: ``Server-Timing: app;dur=<ms>``, the time spent in the app."""
    started = time.perf_counter()
    response = await handler(request)
    if not response.prepared:
        elapsed_ms = (time.perf_counter() - started) * 1000
        response.headers[TIMING_HEADER] = f"app;dur={elapsed_ms:.3f}"
    return response


def _configure_logging() -> None:
    """As ``sereno hub serve`` does: INFO to stderr (aiohttp's access log included)."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _ready(port: int) -> None:
    os.write(sys.stdout.fileno(), (json.dumps({"port": port}) + "\n").encode())


async def run_hub(db_path: Path) -> None:
    """The hub as :func:`hub.server.serve` runs it, with :func:`server_timing` outermost."""
    import hub.server
    from hub.app import create_app
    from hub.config import HubConfig

    made: list[web.Application] = []

    def timed_app(*args: Any, **kwargs: Any) -> web.Application:
        app = create_app(*args, **kwargs)
        app.middlewares.insert(0, server_timing)
        made.append(app)
        return app

    def ready(running: RunningHub) -> None:
        if running.app not in made:
            raise RuntimeError("hub.server no longer builds its app through create_app")
        _ready(running.port)

    # serve() → running_hub() → hub.server's create_app, looked up when called.
    setattr(hub.server, "create_app", timed_app)  # noqa: B010
    config = HubConfig(db_path=db_path, host=HOST, port=0)
    await hub.server.serve(config, ready=ready)


async def noop_report(request: web.Request) -> web.StreamResponse:
    """The ceiling: read the body, answer a fixed small JSON."""
    await request.read()
    return web.json_response(NOOP_ANSWER)


def noop_app() -> web.Application:
    from protocol.report import MAX_REPORT_BYTES, REPORTS_PATH

    app = web.Application(middlewares=[server_timing], client_max_size=MAX_REPORT_BYTES)
    app.router.add_post(REPORTS_PATH, noop_report)
    return app


async def run_noop() -> None:
    """The no-op endpoint, served the way the hub is (AppRunner with the hub's access log,
    TCPSite, signals)."""
    from hub.server import HubAccessLogger

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runner = web.AppRunner(noop_app(), shutdown_timeout=5.0, access_log_class=HubAccessLogger)
    await runner.setup()
    try:
        site = web.TCPSite(runner, HOST, 0)
        await site.start()
        _ready(int(runner.addresses[0][1]))
        await stop.wait()
    finally:
        await runner.cleanup()


def serve_main(kind: str, db: str | None, profile: str | None) -> int:
    _configure_logging()
    if kind == "hub":
        if db is None:
            raise SystemExit("--serve hub needs --db")
        main_coro: Coroutine[Any, Any, None] = run_hub(Path(db))
    else:
        main_coro = run_noop()
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    try:
        asyncio.run(main_coro)
    finally:
        if profiler is not None and profile:
            profiler.disable()
            profiler.dump_stats(profile)
    return 0


def _tail(path: Path, chars: int = 2000) -> str:
    return path.read_text(errors="replace")[-chars:]


class Server:
    """A server child process (``--serve hub`` or ``--serve noop``) on a free port."""

    def __init__(self, process: asyncio.subprocess.Process, port: int, log: IO[bytes]) -> None:
        self.process = process
        self.port = port
        self.url = f"http://{HOST}:{port}"
        self._log = log

    @classmethod
    async def start(
        cls, kind: str, log_path: Path, *, db: Path | None = None, profile: str | None = None
    ) -> Server:
        command = [sys.executable, "-m", "bench.hub_ingest", "--serve", kind]
        if db is not None:
            command += ["--db", str(db)]
        if profile:
            command += ["--profile-hub", profile]
        log = log_path.open("ab")
        process = await asyncio.create_subprocess_exec(
            *command, cwd=REPO_ROOT, stdout=asyncio.subprocess.PIPE, stderr=log
        )
        assert process.stdout is not None
        try:
            async with asyncio.timeout(SERVER_START_TIMEOUT_S):
                line = await process.stdout.readline()
            port = int(json.loads(line)["port"])
        except (TimeoutError, ValueError, KeyError) as exc:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            log.close()
            tail = _tail(log_path)
            raise RuntimeError(f"the {kind} server did not start: {exc!r}\n{tail}") from None
        return cls(process, port, log)

    def cpu_s(self) -> float | None:
        """User + system CPU of the server process so far (``/proc/<pid>/stat``)."""
        try:
            stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float | None:
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
        except OSError:
            return None
        return None

    async def stop(self) -> int:
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(SERVER_STOP_TIMEOUT_S):
                    await self.process.wait()
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        self._log.close()
        code = self.process.returncode
        return -1 if code is None else code


# --- simulated controllers and their reports ----------------------------------------------------
@dataclass
class SimController:
    """One enrolled controller as the bench plays it."""

    id: int
    authorization: str
    network: int
    nodes: tuple[int, ...]
    low_battery_nodes: frozenset[int]
    on_battery: bool
    started_at: float

    def rng(self, seed: int, run: str) -> random.Random:
        """The generator of this controller's reports in one run: the same seed and run give
        the same bodies, so the hub and the no-op endpoint receive the same ones."""
        return random.Random(f"{seed}:{run}:{self.id}")


def make_controller(controller_id: int, credential: str, rng: random.Random) -> SimController:
    count = rng.randint(*NODES_PER_CONTROLLER)
    nodes = tuple(range(1, count + 1))
    low = frozenset(n for n in nodes if rng.random() < LOW_BATTERY_NODE_SHARE)
    return SimController(
        id=controller_id,
        authorization=f"Bearer {credential}",
        network=1 + controller_id % 0xFFFE,
        nodes=nodes,
        low_battery_nodes=low,
        on_battery=rng.random() < ON_BATTERY_SHARE,
        started_at=time.time() - rng.uniform(3600, 30 * 86400),
    )


def event_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def node_event(c: SimController, rng: random.Random, node: int, now: float) -> dict[str, Any]:
    heard = now - rng.uniform(0, 60)
    low = node in c.low_battery_nodes
    return {
        "id": event_id(rng),
        "type": "node_heartbeat",
        "at": round(heard, 3),
        "data": {
            "network": c.network,
            "address": node,
            "battery_mv": rng.randint(2300, 2500) if low else rng.randint(2850, 3150),
            "low_battery": low,
            "tamper": False,
            "external_power": False,
            "firmware": "1.0",
            "rssi": rng.randint(-115, -60),
            "snr": round(rng.uniform(-5, 10), 1),
            "last_heard_at": round(heard, 3),
        },
    }


def episode_event(
    c: SimController, rng: random.Random, now: float, *, ended: bool | None = None
) -> dict[str, Any]:
    started = now - rng.uniform(5, 600)
    finished = rng.random() < 0.7 if ended is None else ended
    presses = rng.randint(1, 4)
    expected = rng.randint(0, 40)
    accepted = rng.randint(0, expected)
    return {
        "id": event_id(rng),
        "type": "episode",
        "at": round(now, 3),
        "data": {
            "episode_id": event_id(rng),
            "kind": rng.choice(("PANICO", "ROBO", "INCENDIO", "EMERGENCIA_MEDICA")),
            "network": c.network,
            "nodes": rng.sample(c.nodes, min(len(c.nodes), rng.randint(1, 3))),
            "presses": presses,
            "started_at": round(started, 3),
            "silenced_at": None,
            "ended_at": round(now, 3) if finished else None,
            "end_reason": "expired" if finished else None,
            "sms": {"expected": expected, "accepted": accepted, "failed": 0},
        },
    }


def report_dict(
    c: SimController,
    rng: random.Random,
    now: float,
    *,
    extra: Sequence[dict[str, Any]] = (),
    battery_mv: int | None = None,
) -> dict[str, Any]:
    """A report as a controller sends it: a heartbeat, 0–3 node heartbeats, sometimes an
    episode (and ``extra`` events)."""
    events = [
        node_event(c, rng, node, now)
        for node in rng.sample(c.nodes, min(len(c.nodes), rng.randint(0, 3)))
    ]
    if rng.random() < EPISODE_PROBABILITY:
        events.append(episode_event(c, rng, now))
    events.extend(extra)
    if battery_mv is None:
        battery_mv = rng.randint(12_400, 13_600) if c.on_battery else rng.randint(13_200, 13_800)
    return {
        "controller_id": c.id,
        "sent_at": round(now, 3),
        "heartbeat": {
            "uptime_s": max(0, int(now - c.started_at)),
            "software_version": SOFTWARE_VERSION,
            "power": "battery" if c.on_battery else "ac",
            "battery_mv": battery_mv,
            "radio_noise_dbm": rng.randint(-120, -95),
            "disk_free_mb": 12_800,
            "temperature_c": round(rng.uniform(35, 65), 1),
            "alarm_state": "idle",
            "open_episodes": 0,
            "outbox_pending": len(events),
            "outbox_dropped": 0,
        },
        "events": events,
    }


def encode_body(report: dict[str, Any]) -> bytes:
    """As :func:`protocol.report.encode` writes it: compact UTF-8 JSON."""
    return json.dumps(report, ensure_ascii=False, separators=(",", ":")).encode()


# --- measuring ------------------------------------------------------------------------------------
def summary_ms(samples: Sequence[float], *, scale: float = 1000.0) -> dict[str, float | None]:
    """p50/p90/p99 (nearest rank), mean and max, in milliseconds (``samples`` in seconds,
    or already in ms with ``scale=1``)."""
    if not samples:
        return {"p50": None, "p90": None, "p99": None, "mean": None, "max": None}
    ordered = sorted(samples)

    def rank(p: float) -> float:
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    return {
        "p50": round(rank(50) * scale, 3),
        "p90": round(rank(90) * scale, 3),
        "p99": round(rank(99) * scale, 3),
        "mean": round(statistics.fmean(ordered) * scale, 3),
        "max": round(ordered[-1] * scale, 3),
    }


def server_ms(header: str | None) -> float | None:
    """The ``dur`` of a ``Server-Timing: app;dur=<ms>`` header."""
    if not header:
        return None
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == "dur":
            with contextlib.suppress(ValueError):
                return float(value)
    return None


@dataclass
class Tally:
    """What one run saw, request by request."""

    latencies: list[float] = field(default_factory=list)
    server: list[float] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)
    slow_at: Counter[int] = field(default_factory=Counter)
    """Answers slower than ``slow_s``, by the second (since ``origin``) they were meant at."""
    origin: float = 0.0
    slow_s: float = math.inf
    errors: Counter[str] = field(default_factory=Counter)
    sent: int = 0
    ok: int = 0
    events_sent: int = 0
    events_answered: int = 0
    body_bytes: int = 0
    ok_in_window: int = 0

    async def post(
        self,
        session: aiohttp.ClientSession,
        url: str,
        c: SimController,
        body: bytes,
        events: int,
        began: float,
        *,
        count_from: float = 0.0,
    ) -> None:
        """Post one report; the latency runs from ``began`` (loop time) to the answer read."""
        loop = asyncio.get_running_loop()
        self.sent += 1
        self.events_sent += events
        self.body_bytes += len(body)
        headers = {"Authorization": c.authorization, "Content-Type": "application/json"}
        try:
            async with session.post(url, data=body, headers=headers) as answer:
                raw = await answer.read()
                status = answer.status
                timing = answer.headers.get(TIMING_HEADER)
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.errors[type(exc).__name__] += 1
            return
        done = loop.time()
        if status != 200:
            self.errors[f"http_{status}"] += 1
            return
        try:
            parsed = json.loads(raw)
            self.events_answered += len(parsed["accepted"]) + len(parsed["duplicates"])
        except (ValueError, KeyError, TypeError):
            self.errors["bad_answer"] += 1
            return
        self.ok += 1
        if done >= count_from:
            self.ok_in_window += 1
        self.latencies.append(done - began)
        if done - began > self.slow_s:
            self.slow_at[int(began - self.origin)] += 1
        measured = server_ms(timing)
        if measured is not None:
            self.server.append(measured)


@dataclass
class Run:
    """CPU and database counters around one run."""

    server: Server
    db: Path | None
    wall_started: float = 0.0
    client_cpu_started: float = 0.0
    server_cpu_started: float | None = None
    machine_busy_started: float | None = None
    stored_before: tuple[int, int] = (0, 0)

    def __enter__(self) -> Run:
        self.stored_before = stored_counts(self.db)
        self.server_cpu_started = self.server.cpu_s()
        self.client_cpu_started = time.process_time()
        self.machine_busy_started = machine_busy_s()
        self.wall_started = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def figures(self, tally: Tally, seconds: float, window_s: float) -> dict[str, Any]:
        """``seconds``: how long the load ran; ``window_s``: the part whose answers count
        for ``reports_ok_per_s`` (the closed loop leaves its warm-up out)."""
        wall = time.monotonic() - self.wall_started
        server_cpu = self.server.cpu_s()
        client_share = (time.process_time() - self.client_cpu_started) / wall
        server_share = (
            None
            if server_cpu is None or self.server_cpu_started is None
            else (server_cpu - self.server_cpu_started) / wall
        )
        busy = machine_busy_s()
        other_share = (
            None
            if busy is None or self.machine_busy_started is None or server_share is None
            else max(0.0, (busy - self.machine_busy_started) / wall - server_share - client_share)
        )
        reports_after, events_after = stored_counts(self.db)
        stored: dict[str, Any] = {"reports_stored": None, "events_stored": None}
        if self.db is not None:
            stored = {
                "reports_stored": reports_after - self.stored_before[0],
                "events_stored": events_after - self.stored_before[1],
            }
        events_stored = stored["events_stored"]
        return {
            "seconds": round(seconds, 3),
            "reports_sent": tally.sent,
            "reports_ok": tally.ok,
            "reports_ok_per_s": round(tally.ok_in_window / window_s, 1),
            "events_sent": tally.events_sent,
            "events_accepted": tally.events_answered,
            **stored,
            "events_stored_per_s": None
            if events_stored is None
            else round(events_stored / seconds, 1),
            "errors": dict(sorted(tally.errors.items())),
            "latency_ms": summary_ms(tally.latencies),
            "server_ms": summary_ms(tally.server, scale=1.0),
            "body_bytes_mean": round(tally.body_bytes / tally.sent) if tally.sent else None,
            "server_cpu_share": None if server_share is None else round(server_share, 3),
            "client_cpu_share": round(client_share, 3),
            "server_cpu_ms_per_report": None
            if server_share is None or not tally.ok
            else round(server_share * wall / tally.ok * 1000, 3),
            "client_cpu_ms_per_report": round(client_share * wall / tally.ok * 1000, 3)
            if tally.ok
            else None,
            "other_cpu_share": None if other_share is None else round(other_share, 3),
            "wall_s": round(wall, 3),
        }


def machine_busy_s() -> float | None:
    """CPU seconds every process on the machine has used (``/proc/stat``, all cores)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def stored_counts(db: Path | None) -> tuple[int, int]:
    """Reports the hub counted (``sum(controllers.reports)``) and rows of ``events``."""
    if db is None:
        return (0, 0)
    with contextlib.closing(sqlite3.connect(db, timeout=30)) as connection:
        reports = connection.execute("SELECT coalesce(sum(reports), 0) FROM controllers")
        events = connection.execute("SELECT count(*) FROM events")
        return (int(reports.fetchone()[0]), int(events.fetchone()[0]))


def client_session(connections: int) -> aiohttp.ClientSession:
    """The one client: a pool of up to ``connections`` keep-alive connections, the
    controller's time-outs. Used alike for the hub and the no-op endpoint. (aiohttp counts
    waiting for a free connection of the pool against the connect time-out, so the pool
    must not be the queue.)"""
    connector = aiohttp.TCPConnector(limit=connections, limit_per_host=connections)
    return aiohttp.ClientSession(connector=connector, timeout=CLIENT_TIMEOUT)


async def paced(
    server: Server,
    db: Path | None,
    controllers: Sequence[SimController],
    args: argparse.Namespace,
    *,
    run: str,
) -> dict[str, Any]:
    """Every controller posts every ``--interval`` (± jitter) for ``--seconds``, each on its
    own keep-alive connection (as a controller's own session keeps one)."""
    from protocol.report import REPORTS_PATH

    url = server.url + REPORTS_PATH
    tally = Tally(slow_s=TARGETS["paced_p99_ms"] / 1000)
    loop = asyncio.get_running_loop()
    async with client_session(len(controllers)) as session:
        with Run(server, db) as measure:
            start = tally.origin = loop.time()
            deadline = start + args.seconds

            async def controller(c: SimController) -> None:
                rng = c.rng(args.seed, run)
                due = start + rng.uniform(0, args.interval)
                ready = start
                while due < deadline:
                    await asyncio.sleep(max(0.0, due - loop.time()))
                    report = report_dict(c, rng, time.time())
                    body = encode_body(report)
                    meant = max(due, ready)
                    tally.lags.append(loop.time() - meant)
                    await tally.post(session, url, c, body, len(report["events"]), meant)
                    ready = loop.time()
                    due += args.interval * (1 + rng.uniform(-JITTER, JITTER))

            tasks = [asyncio.create_task(controller(c)) for c in controllers]
            await asyncio.wait(tasks, timeout=args.seconds + DRAIN_TIMEOUT_S)
            for task in tasks:
                task.cancel()
            figures = measure.figures(tally, args.seconds, args.seconds)
    figures["offered_reports_per_s"] = round(len(controllers) / args.interval, 1)
    figures["generator_lag_ms"] = summary_ms(tally.lags)
    figures["over_target_by_second"] = {str(k): v for k, v in sorted(tally.slow_at.items())}
    return figures


async def closed_loop(
    server: Server,
    db: Path | None,
    controllers: Sequence[SimController],
    args: argparse.Namespace,
    *,
    run: str,
) -> dict[str, Any]:
    """``--connections`` workers post back to back for ``--closed-loop-seconds``; each takes
    its share of the controllers in turn. The first tenth (at most 1 s) warms up."""
    from protocol.report import REPORTS_PATH

    url = server.url + REPORTS_PATH
    tally = Tally()
    loop = asyncio.get_running_loop()
    workers = max(1, min(args.connections, len(controllers)))
    rngs = {c.id: c.rng(args.seed, run) for c in controllers}
    async with client_session(args.connections) as session:
        with Run(server, db) as measure:
            start = loop.time()
            warmup = min(1.0, args.closed_loop_seconds / 10)
            deadline = start + args.closed_loop_seconds

            async def worker(mine: Sequence[SimController]) -> None:
                turn = 0
                while loop.time() < deadline:
                    c = mine[turn % len(mine)]
                    turn += 1
                    report = report_dict(c, rngs[c.id], time.time())
                    body = encode_body(report)
                    began = loop.time()
                    await tally.post(
                        session,
                        url,
                        c,
                        body,
                        len(report["events"]),
                        began,
                        count_from=start + warmup,
                    )

            tasks = [asyncio.create_task(worker(controllers[w::workers])) for w in range(workers)]
            await asyncio.wait(tasks, timeout=args.closed_loop_seconds + DRAIN_TIMEOUT_S)
            for task in tasks:
                task.cancel()
            figures = measure.figures(
                tally, args.closed_loop_seconds, args.closed_loop_seconds - warmup
            )
    figures["workers"] = workers
    figures["warmup_s"] = round(warmup, 3)
    return figures


# --- enrollment -----------------------------------------------------------------------------------
def issue_codes(db_path: Path, count: int, *, at: float) -> list[tuple[str, str]]:
    """``count`` one-time codes made through the fleet's repository (as ``sereno hub
    enroll-code`` does), in one transaction; returns (code, controller name) pairs."""
    from hub.fleet import controllers
    from hub.storage import Actor, HubDB

    actor = Actor.system("bench.hub_ingest")
    codes = []
    with HubDB.open(db_path) as db, db.db.atomic():
        for index in range(count):
            name = f"Pasaje {index + 1}"
            _, code = controllers.issue_code(
                db,
                name=name,
                barrio=f"Villa {index % BARRIOS + 1}",
                hours=48,
                actor=actor,
                at=at,
            )
            codes.append((code, name))
    return codes


async def enroll_all(url: str, codes: Sequence[tuple[str, str]]) -> list[tuple[int, str]]:
    """Each code through the real ``POST /api/v1/enroll``: (controller id, credential)."""
    from protocol.report import ENROLL_PATH, Enrollment, encode, parse_enrollment_grant

    gate = asyncio.Semaphore(ENROLL_CONCURRENCY)
    async with client_session(ENROLL_CONCURRENCY) as session:

        async def one(code: str, name: str) -> tuple[int, str]:
            body = encode(Enrollment(code, name, SOFTWARE_VERSION))
            async with (
                gate,
                session.post(
                    url + ENROLL_PATH, data=body, headers={"Content-Type": "application/json"}
                ) as answer,
            ):
                raw = await answer.read()
                if answer.status != 201:
                    raise RuntimeError(f"enrollment refused: {answer.status} {raw[:200]!r}")
            grant = parse_enrollment_grant(raw)
            return grant.controller_id, grant.credential

        return list(await asyncio.gather(*(one(code, name) for code, name in codes)))


# --- the dashboard's database ---------------------------------------------------------------------
@dataclass(frozen=True)
class DashboardSeed:
    session_token: str
    figures: dict[str, Any]


def seed_dashboard(db_path: Path, count: int, seed: int) -> DashboardSeed:
    """A fleet of ``count`` controllers made with the fleet's own code: enrolled, most
    reporting (some long ago: offline; some never), with node statuses, episodes, failed
    siren tests, replayed frames, controllers on battery, low batteries, silent nodes;
    the fleet job's health round; maintenance windows; some alarms acknowledged. And a
    signed-in Unidad de Alarmas user (a session made through the sessions repository)."""
    from hub.config import PasswordHashing
    from hub.fleet import alarms, controllers, health
    from hub.maintenance.windows import MaintenanceWindows, WindowDraft, WindowKind
    from hub.passwords import Passwords
    from hub.roles import Role
    from hub.storage import Actor, HubDB
    from protocol.report import Enrollment

    rng = random.Random(f"{seed}:dashboard")
    now = time.time()
    started = time.perf_counter()
    actor = Actor.system("bench.hub_ingest")
    states: Counter[str] = Counter()
    with HubDB.open(db_path) as db:
        cheap = Passwords(PasswordHashing(time_cost=1, memory_kib=8, parallelism=1))
        user = db.users.create(
            email="turno@bench.sereno.cl",
            name="Turno Unidad de Alarmas",
            role=Role.UNIDAD_ALARMAS,
            password_hash=cheap.hash("una clave larga del bench"),
            must_change_password=False,
            actor=actor,
            at=now,
        )
        token, _ = db.sessions.start(user, at=now, lifetime_s=6 * 3600)
        fleet: list[tuple[SimController, int]] = []
        with db.db.atomic():
            for index in range(count):
                name = f"Pasaje {index + 1}"
                _, code = controllers.issue_code(
                    db,
                    name=name,
                    barrio=f"Villa {index % BARRIOS + 1}",
                    hours=48,
                    actor=actor,
                    at=now - 30 * 86400 - 3600,
                )
                grant = controllers.enroll(
                    db,
                    Enrollment(code, name, SOFTWARE_VERSION),
                    ip="127.0.0.1",
                    at=now - 30 * 86400,
                )
                c = make_controller(grant.controller_id, grant.credential, rng)
                fleet.append((c, index))
        for batch in range(0, len(fleet), 500):
            with db.db.atomic():
                for c, index in fleet[batch : batch + 500]:
                    states[_seed_reports(db, c, index, rng, now)] += 1
        evaluate_started = time.perf_counter()
        health.evaluate(db, at=now)
        evaluate_first_s = time.perf_counter() - evaluate_started
        evaluate_started = time.perf_counter()
        health.evaluate(db, at=now + 1)
        evaluate_again_s = time.perf_counter() - evaluate_started
        windows = MaintenanceWindows(db)
        in_maintenance = [c for c, index in fleet if index % 97 == 5]
        for c in in_maintenance:
            windows.create(
                WindowDraft(
                    controller_id=c.id,
                    barrio_id=None,
                    kind=WindowKind.INMEDIATA,
                    starts_at=now - 600,
                    ends_at=None,
                    reason="Cambio de batería (bench)",
                ),
                actor=actor,
                at=now - 600,
            )
        open_now = alarms.open_alarms(db)
        acknowledged = 0
        for found in open_now:
            if rng.random() < 0.3:
                alarms.acknowledge(db, found.id, actor=user.actor, at=now)
                acknowledged += 1
        counts = {
            table: int(db.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("controllers", "heartbeats", "events", "episodes", "nodes", "alarms")
        }
    figures = {
        "controllers": count,
        "states_seeded": dict(sorted(states.items())),
        "maintenance_windows": len(in_maintenance),
        "open_alarms": len(open_now),
        "acknowledged_alarms": acknowledged,
        "rows": counts,
        "seed_seconds": round(time.perf_counter() - started, 3),
        "fleet_job_evaluate_ms": {
            "first_round": round(evaluate_first_s * 1000, 1),
            "next_round": round(evaluate_again_s * 1000, 1),
        },
    }
    return DashboardSeed(token, figures)


def _seed_reports(db: HubDB, c: SimController, index: int, rng: random.Random, now: float) -> str:
    """The reports of one dashboard controller, through ``apply_report``; returns the state
    it was seeded in."""
    from hub.fleet.ingest import apply_report
    from protocol.report import parse_report

    share = index % 20
    if share == 0:
        return "never_reported"
    offline = share in (1, 2)
    last = now - rng.uniform(3600, 5 * 86400) if offline else now - rng.uniform(0, 50)
    reports = 3
    for number in range(reports):
        at = last - (reports - 1 - number) * 60
        extra: list[dict[str, Any]] = []
        battery: int | None = None
        if number == reports - 1:
            if index % 10 == 3:
                extra.append(episode_event(c, rng, at, ended=index % 30 != 3))
            if index % 100 == 7:
                extra.append(
                    {
                        "id": event_id(rng),
                        "type": "self_test",
                        "at": round(at, 3),
                        "data": {
                            "ok": False,
                            "skipped": False,
                            "detail": "sin corriente en la sirena",
                            "siren_ms": 1000,
                        },
                    }
                )
            if index % 100 == 11:
                extra.append(
                    {
                        "id": event_id(rng),
                        "type": "security",
                        "at": round(at, 3),
                        "data": {
                            "reason": "replay",
                            "network": c.network,
                            "src": c.nodes[0],
                            "counter": 41,
                            "count": 3,
                            "first_at": round(at - 30, 3),
                            "last_at": round(at, 3),
                        },
                    }
                )
            if index % 100 == 13:
                silent = now - 3 * 86400
                event = node_event(c, rng, c.nodes[-1], at)
                event["data"]["last_heard_at"] = event["at"] = round(silent, 3)
                extra.append(event)
            if index % 50 == 17:
                battery = rng.randint(10_500, 11_700)
        body = encode_body(report_dict(c, rng, at, extra=extra, battery_mv=battery))
        apply_report(db, c.id, parse_report(body), at=at)
    return "offline" if offline else "online"


async def time_page(url: str, token: str, path: str, requests: int) -> dict[str, Any]:
    """GET ``path`` signed in, one request after another: the first is reported apart (it
    compiles templates and warms caches), the next ``requests`` are summarized."""
    from hub.web.access import SESSION_COOKIE

    loop = asyncio.get_running_loop()
    client: list[float] = []
    server: list[float] = []
    statuses: Counter[int] = Counter()
    first: dict[str, Any] = {}
    page_bytes = 0
    title = None
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        headers = {"Cookie": f"{SESSION_COOKIE}={token}"}
        for number in range(requests + 1):
            began = loop.time()
            async with session.get(url + path, headers=headers, allow_redirects=False) as answer:
                raw = await answer.read()
                status = answer.status
                timing = server_ms(answer.headers.get(TIMING_HEADER))
            elapsed = loop.time() - began
            if number == 0:
                first = {
                    "status": status,
                    "client_ms": round(elapsed * 1000, 3),
                    "server_ms": timing,
                }
                page_bytes = len(raw)
                title = _title(raw)
                continue
            statuses[status] += 1
            client.append(elapsed)
            if timing is not None:
                server.append(timing)
    return {
        "path": path,
        "requests": requests,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "first_request": first,
        "client_ms": summary_ms(client),
        "server_ms": summary_ms(server, scale=1.0),
        "page_bytes": page_bytes,
        "title": title,
    }


def _title(html: bytes) -> str | None:
    text = html.decode("utf-8", errors="replace")
    start = text.find("<title>")
    end = text.find("</title>", start)
    if start < 0 or end < 0:
        return None
    return " ".join(text[start + len("<title>") : end].split())[:120]


def route_path(name: str, fallback: str | None) -> str | None:
    """The path of the GET route called ``name`` in the hub's routes table (the page may
    move; the name stays)."""
    from hub.routes import ROUTES

    for found in ROUTES:
        if found.name == name and found.method == "GET" and "{" not in found.path:
            return found.path
    return fallback


async def dashboard(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    db_path = workdir / "dashboard.db"
    progress(f"dashboard: seeding {args.dashboard_controllers} controllers")
    seeded = await asyncio.to_thread(seed_dashboard, db_path, args.dashboard_controllers, args.seed)
    server = await Server.start("hub", workdir / "dashboard-hub.log", db=db_path)
    progress("dashboard: timing the pages")
    try:
        pages: dict[str, Any] = {}
        for name, fallback in (("panel", "/"), ("controllers", None), ("alarms", None)):
            path = route_path(name, fallback)
            if path is not None:
                pages[name] = await time_page(
                    server.url, seeded.session_token, path, args.dashboard_requests
                )
    finally:
        exit_code = await server.stop()
    return {
        "timing": "client_ms: on this process's clock, from the request's start to the whole "
        "page read, over loopback; server_ms: the hub's Server-Timing header, its time in "
        "the app (every middleware and the view), the bench's outermost middleware",
        "seed": seeded.figures,
        "panel": pages["panel"],
        "other_pages": {k: v for k, v in pages.items() if k != "panel"},
        "hub_exit_code": exit_code,
    }


# --- the whole bench ------------------------------------------------------------------------------
async def ingest(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from protocol.report import ENROLL_PATH

    db_path = workdir / "ingest.db"
    now = time.time()
    progress(f"issuing {args.controllers} enrollment codes; starting the hub and the no-op")
    started = time.perf_counter()
    codes = await asyncio.to_thread(issue_codes, db_path, args.controllers, at=now)
    codes_s = time.perf_counter() - started
    hub, noop = await start_both(
        Server.start("hub", workdir / "ingest-hub.log", db=db_path, profile=args.profile_hub),
        Server.start("noop", workdir / "noop.log"),
    )
    progress(f"enrolling {len(codes)} controllers through {ENROLL_PATH}")
    try:
        started = time.perf_counter()
        grants = await enroll_all(hub.url, codes)
        enroll_s = time.perf_counter() - started
        rng = random.Random(f"{args.seed}:fleet")
        fleet = [make_controller(cid, credential, rng) for cid, credential in grants]
        _check_bodies(fleet, args.seed)
        result: dict[str, Any] = {
            "setup": {
                "controllers_enrolled": len(fleet),
                "codes_issued_s": round(codes_s, 3),
                "enroll_s": round(enroll_s, 3),
                "enrollments_per_s": round(len(fleet) / enroll_s, 1) if enroll_s else None,
            }
        }
        progress(f"paced: {len(fleet)} controllers every {args.interval} s for {args.seconds} s")
        paced_hub = await paced(hub, db_path, fleet, args, run="paced")
        paced_noop = await paced(noop, None, fleet, args, run="paced")
        progress(f"closed loop: {args.connections} connections, {args.closed_loop_seconds} s")
        closed_hub = await closed_loop(hub, db_path, fleet, args, run="closed")
        closed_noop = await closed_loop(noop, None, fleet, args, run="closed")
        hub_rss = hub.rss_mb()
    finally:
        hub_exit = await hub.stop()
        noop_exit = await noop.stop()
    progress("timing the fleet job's health round on the ingest database")
    evaluate_ms = await asyncio.to_thread(_time_fleet_job, db_path)
    ratio = None
    if closed_noop["reports_ok_per_s"]:
        ratio = round(closed_hub["reports_ok_per_s"] / closed_noop["reports_ok_per_s"], 3)
    result["paced"] = {
        "what": "each controller posts every interval ± 10 %; latency from when it meant to "
        "send to the answer read (answers the p99 target)",
        "controllers": len(fleet),
        "interval_s": args.interval,
        "hub": paced_hub,
        "noop": paced_noop,
    }
    result["closed_loop"] = {
        "what": "--connections workers post back to back (answers the 50 % of the no-op "
        "ceiling target); latency here is mostly queueing",
        "hub": closed_hub,
        "noop": closed_noop,
        "hub_to_noop_ratio": ratio,
    }
    result["hub_process"] = {
        "peak_rss_mb": hub_rss,
        "exit_code": hub_exit,
        "noop_exit_code": noop_exit,
        "fleet_job_evaluate_ms": evaluate_ms,
        "profile": args.profile_hub,
    }
    return result


def _check_bodies(fleet: Sequence[SimController], seed: int) -> None:
    """The generator's reports are valid ones (``protocol.report`` reads them back)."""
    from protocol.report import parse_report

    for c in fleet[:50]:
        rng = c.rng(seed, "check")
        for _ in range(5):
            parse_report(encode_body(report_dict(c, rng, time.time())))
        parse_report(
            encode_body(
                report_dict(c, rng, time.time(), extra=[episode_event(c, rng, time.time())])
            )
        )


def _time_fleet_job(db_path: Path) -> float:
    """One round of the fleet job's health evaluation over the ingest database (after the
    run, in this process): the event loop is blocked this long every 15 s."""
    from hub.fleet import health
    from hub.storage import HubDB

    with HubDB.open(db_path) as db:
        started = time.perf_counter()
        health.evaluate(db, at=time.time())
        return round((time.perf_counter() - started) * 1000, 1)


async def start_both(first: Awaitable[Server], second: Awaitable[Server]) -> tuple[Server, Server]:
    """Start two servers at once; if either fails, stop the other and raise."""
    started = await asyncio.gather(first, second, return_exceptions=True)
    servers = [found for found in started if isinstance(found, Server)]
    if len(servers) == 2:
        return servers[0], servers[1]
    for server in servers:
        await server.stop()
    failure = next(found for found in started if isinstance(found, BaseException))
    raise failure


PROGRAM_START: Final = time.monotonic()


def progress(text: str) -> None:
    elapsed = time.monotonic() - PROGRAM_START
    print(f"[hub_ingest {elapsed:6.1f} s] {text}", file=sys.stderr, flush=True)


def meets(report: dict[str, Any]) -> dict[str, bool]:
    paced_hub = report["paced"]["hub"]
    p99 = paced_hub["latency_ms"]["p99"]
    stored_all = (
        not paced_hub["errors"]
        and paced_hub["reports_ok"] == paced_hub["reports_sent"] > 0
        and paced_hub["events_stored"] == paced_hub["events_accepted"] == paced_hub["events_sent"]
    )
    ratio = report["closed_loop"]["hub_to_noop_ratio"]
    panel = report["dashboard"]["panel"]
    panel_max = panel["server_ms"]["max"]
    return {
        "paced_p99": stored_all and p99 is not None and p99 <= TARGETS["paced_p99_ms"],
        "closed_loop_ratio": not report["closed_loop"]["hub"]["errors"]
        and ratio is not None
        and ratio >= TARGETS["closed_loop_hub_to_noop_min"],
        "dashboard": panel["statuses"] == {"200": panel["requests"]}
        and panel_max is not None
        and panel_max <= TARGETS["dashboard_server_max_ms"],
    }


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="sereno-bench-hub-") as tmp:
        workdir = Path(tmp)
        result = await ingest(args, workdir)
        result["dashboard"] = await dashboard(args, workdir)
        if args.keep_logs:
            _copy_logs(workdir, Path(args.keep_logs))
    progress("done")
    return result


def _copy_logs(workdir: Path, keep: Path) -> None:
    keep.mkdir(parents=True, exist_ok=True)
    for log in workdir.glob("*.log"):
        (keep / log.name).write_bytes(log.read_bytes())


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.hub_ingest",
        description="Hub ingest of controller reports (paced and closed loop, against a no-op "
        "aiohttp endpoint) and the dashboard's time with a large fleet.",
    )
    parser.add_argument("--controllers", type=int, default=2000, help="simulated (2000)")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between reports (10)")
    parser.add_argument("--seconds", type=float, default=60.0, help="paced run length (60)")
    parser.add_argument(
        "--closed-loop-seconds", type=float, default=20.0, help="closed-loop run length (20)"
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=100,
        help="closed-loop workers, each on its own keep-alive connection (100)",
    )
    parser.add_argument(
        "--dashboard-controllers", type=int, default=5000, help="controllers seeded (5000)"
    )
    parser.add_argument(
        "--dashboard-requests", type=int, default=20, help="timed GETs per page (20)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument(
        "--profile-hub",
        metavar="FILE",
        help="run the ingest hub process under cProfile; its statistics go to FILE",
    )
    parser.add_argument("--keep-logs", metavar="DIR", help="copy the servers' logs to DIR")
    parser.add_argument("--serve", choices=("hub", "noop"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return args
    if min(args.controllers, args.connections, args.dashboard_controllers) < 1:
        parser.error("--controllers, --connections and --dashboard-controllers must be >= 1")
    if args.dashboard_requests < 1:
        parser.error("--dashboard-requests must be at least 1")
    if min(args.interval, args.seconds, args.closed_loop_seconds) <= 0:
        parser.error("--interval, --seconds and --closed-loop-seconds must be > 0")
    if args.profile_hub:
        args.profile_hub = str(Path(args.profile_hub).resolve())
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        return serve_main(args.serve, args.db, args.profile_hub)
    report: dict[str, Any] = {
        "bench": "hub_ingest",
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "aiohttp": aiohttp.__version__,
        "sqlite": sqlite3.sqlite_version,
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
                "controllers",
                "interval",
                "seconds",
                "closed_loop_seconds",
                "connections",
                "dashboard_controllers",
                "dashboard_requests",
                "seed",
            )
        },
    }
    report.update(asyncio.run(bench(args)))
    report["machine"]["load_average_at_end"] = [round(load, 2) for load in os.getloadavg()]
    report["targets"] = TARGETS
    report["meets_targets"] = meets(report)
    report["answers"] = ANSWERS
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
