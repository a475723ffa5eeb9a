"""A tiny hub for the controller's tests: the two endpoints of ``docs/hub-api.md`` on a
loopback port, an in-memory store, and failures on demand (no tests here).

It follows the contract exactly and checks every request with :mod:`protocol.report`
(a request the real hub would refuse is refused here too, and counted in ``refusals``).
``mode`` makes it fail: ``"500"``, ``"429"``, ``"slow"`` (answers after ``slow_s``),
``"lose_answer"`` (stores the events, then answers 500, as when the answer is lost on the
way), ``"401"``; :meth:`FakeHub.stop` and :meth:`FakeHub.restart` take it off the air and
back on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import secrets
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

from protocol import report as r

M = TypeVar("M", bound=r.Message)


@dataclass
class Code:
    expires_at: float
    used: bool = False


@dataclass
class FakeHub:
    now: float = 1_741_990_000.0
    """The hub's clock, for code expiry."""
    report_interval_s: int = 60
    mode: str = "ok"
    slow_s: float = 2.0
    reject_event: str | None = None
    """An event id this hub refuses with 400 naming it."""
    max_body: int = r.MAX_REPORT_BYTES
    codes: dict[str, Code] = field(default_factory=dict)
    secrets_sha256: dict[int, str] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    events: dict[tuple[int, str], r.Event] = field(default_factory=dict)
    stored: Counter[str] = field(default_factory=Counter)
    """How many times each event id was stored (must never exceed 1)."""
    reports: list[r.Report] = field(default_factory=list)
    commands: dict[int, list[r.Command]] = field(default_factory=dict)
    results: dict[str, r.CommandResult] = field(default_factory=dict)
    refusals: list[tuple[int, str]] = field(default_factory=list)
    requests: int = 0
    url: str = ""
    _runner: web.AppRunner | None = None
    _port: int = 0

    # --- as the Alarm Unit --------------------------------------------------------------------
    def issue_code(self, code: str = "7KQ2-MX4P", valid_s: float = 86400.0) -> str:
        self.codes[code] = Code(self.now + valid_s)
        return code

    def command(self, controller_id: int, command_type: str, **params: Any) -> r.Command:
        command = r.Command(f"c-{secrets.token_hex(4)}", command_type, self.now, dict(params))
        self.commands.setdefault(controller_id, []).append(command)
        return command

    def of_type(self, event_type: str) -> list[r.Event]:
        return sorted((e for e in self.events.values() if e.type == event_type), key=lambda e: e.at)

    def bodies(self, event_type: str) -> list[Any]:
        return [e.body() for e in self.of_type(event_type)]

    # --- on the air ---------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(client_max_size=self.max_body + 1)
        app.router.add_post(r.ENROLL_PATH, self._enroll, name="enroll")
        app.router.add_post(r.REPORTS_PATH, self._report, name="reports")
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app())
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await site.start()
        self._port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{self._port}"

    async def stop(self) -> None:
        """Off the air: connections to its port are refused."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    # --- the endpoints --------------------------------------------------------------------------
    def _refuse(
        self, status: int, error: str, message: str, field: str | None = None
    ) -> web.Response:
        self.refusals.append((status, error))
        return web.json_response(r.ErrorAnswer(error, message, field).to_json(), status=status)

    async def _read(self, request: web.Request, parse: Callable[[bytes], M]) -> M | web.Response:
        """The request's body through ``parse``, or the contract's refusal (413 or 400)."""
        try:
            return parse(await request.read())
        except r.ReportTooLarge:
            return self._refuse(413, r.ERROR_TOO_LARGE, "Cuerpo demasiado grande")
        except r.ReportError as exc:
            return self._refuse(400, r.ERROR_INVALID, f"Cuerpo inválido: {exc}", exc.field)

    async def _enroll(self, request: web.Request) -> web.Response:
        self.requests += 1
        enrollment = await self._read(request, r.parse_enrollment)
        if isinstance(enrollment, web.Response):
            return enrollment
        code = self.codes.get(enrollment.code)
        if code is None:
            return self._refuse(400, r.ERROR_CODE_UNKNOWN, "Código desconocido")
        if code.used:
            return self._refuse(400, r.ERROR_CODE_USED, "Código ya usado")
        if self.now > code.expires_at:
            return self._refuse(400, r.ERROR_CODE_EXPIRED, "Código vencido")
        code.used = True
        controller_id = len(self.secrets_sha256) + 1
        secret = secrets.token_urlsafe(32)
        self.secrets_sha256[controller_id] = hashlib.sha256(secret.encode()).hexdigest()
        self.names[controller_id] = enrollment.name
        grant = r.EnrollmentGrant(
            controller_id, f"{controller_id}.{secret}", self.report_interval_s
        )
        return web.json_response(grant.to_json(), status=201)

    def _authorized(self, request: web.Request) -> int | None:
        try:
            controller_id, secret = r.credential_from_header(request.headers.get("Authorization"))
        except r.ReportError:
            return None
        known = self.secrets_sha256.get(controller_id)
        given = hashlib.sha256(secret.encode()).hexdigest()
        return controller_id if known and hmac.compare_digest(known, given) else None

    async def _report(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.mode == "slow":
            await asyncio.sleep(self.slow_s)
        if self.mode in ("500", "429"):
            status = int(self.mode)
            headers = {"Retry-After": "1"} if status == 429 else {}
            self.refusals.append((status, self.mode))
            return web.json_response({"error": "down"}, status=status, headers=headers)
        controller_id = self._authorized(request)
        if controller_id is None or self.mode == "401":
            return self._refuse(401, r.ERROR_UNAUTHORIZED, "Credencial inválida")
        if (request.content_length or 0) > self.max_body:
            return self._refuse(413, r.ERROR_TOO_LARGE, "Reporte demasiado grande")
        report = await self._read(request, r.parse_report)
        if isinstance(report, web.Response):
            return report
        if report.controller_id != controller_id:
            return self._refuse(400, r.ERROR_INVALID, "No es su controlador", "controller_id")
        for index, event in enumerate(report.events):
            if event.id == self.reject_event:
                return self._refuse(400, r.ERROR_INVALID, "Evento rechazado", f"events[{index}].id")
        self.reports.append(report)
        accepted, duplicates = [], []
        for event in report.events:  # all or none: nothing above can fail from here on
            key = (controller_id, event.id)
            if key in self.events:
                duplicates.append(event.id)
                continue
            self.events[key] = event
            self.stored[event.id] += 1
            accepted.append(event.id)
            body = event.body()
            if isinstance(body, r.CommandResult):
                self.results[body.command_id] = body
        pending = [c for c in self.commands.get(controller_id, []) if c.id not in self.results]
        self.commands[controller_id] = pending
        if self.mode == "lose_answer":
            self.refusals.append((500, "lose_answer"))
            return web.json_response({"error": "lost"}, status=500)
        answer = r.ReportAnswer(
            tuple(accepted),
            tuple(duplicates),
            tuple(pending[: r.MAX_COMMANDS]),
            self.report_interval_s,
        )
        return web.json_response(answer.to_json())


@contextlib.asynccontextmanager
async def running_hub(**options: Any) -> AsyncIterator[FakeHub]:
    hub = FakeHub(**options)
    await hub.start()
    try:
        yield hub
    finally:
        await hub.stop()


async def enrolled(hub: FakeHub, name: str = "Pasaje Los Aromos") -> r.EnrollmentGrant:
    """Enroll a controller directly (without the CLI); its grant."""
    from controller.hub_client import HubClient

    async with HubClient(hub.url) as client:
        return await client.enroll(
            r.Enrollment(hub.issue_code(f"C{len(hub.codes):03d}"), name, "0.1.0")
        )
