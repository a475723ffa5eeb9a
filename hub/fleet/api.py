"""The controller API (``/api/v1``, docs/hub-api.md): enrollment, reports, and its OpenAPI
document; plus :func:`controller_auth`, the hook the access middleware calls for
``CONTROLLER`` routes.

Both controller endpoints are ``CONTROLLER`` routes (no session, no CSRF). The hook admits
a report only with a valid ``Authorization: Bearer <id>.<secret>``, and admits anyone to
the enrollment endpoint (as controller :data:`ENROLLING`): there the one-time code in the
body is the proof, checked by the view, with a limit on wrong codes per client address.

Refusals the views make are the contract's ``ErrorAnswer`` (``{"error", "message",
"field"}``, Spanish message). A 401 comes from the access middleware before any view, in
the hub's generic JSON error form (``{"error": {"status": 401, …}}``).
"""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import AsyncIterator, Callable
from typing import Final, TypeVar

from aiohttp import web

from hub import keys
from hub.fleet import controllers
from hub.fleet.intake import Intake
from hub.fleet.openapi import openapi_document
from hub.web.access import client_ip
from protocol.report import (
    CONTENT_TYPE,
    ENROLL_PATH,
    ERROR_INVALID,
    ERROR_RATE_LIMITED,
    ERROR_TOO_LARGE,
    MAX_ENROLL_BYTES,
    MAX_REPORT_BYTES,
    MAX_TEXT,
    ErrorAnswer,
    ReportError,
    ReportTooLarge,
    parse_enrollment,
    parse_report,
)

ENROLLING: Final = 0
"""The controller id the hook gives an enrollment request (no controller exists yet)."""
_CHUNK: Final = 64 * 1024
M = TypeVar("M")


async def controller_auth(request: web.Request) -> int | None:
    """``keys.controller_auth``: who is calling a CONTROLLER route."""
    if request.path == ENROLL_PATH:
        return ENROLLING
    return controllers.authenticate(request.app[keys.db], request.headers.get("Authorization"))


def refuse(
    status: int,
    error: str,
    message: str,
    field: str | None = None,
    *,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """An ``ErrorAnswer`` response. The message and field may quote what the caller sent
    (a bad key): control characters and lone surrogates become ``?``, lengths are capped."""
    shown = None if field is None else _printable(field)[:MAX_TEXT]
    answer = ErrorAnswer(error, _printable(message)[: 2 * MAX_TEXT], shown if shown else None)
    return web.json_response(answer.to_json(), status=status, headers=headers)


def _printable(text: str) -> str:
    """``text`` without control characters or lone surrogates, and never blank."""
    shown = "".join("?" if unicodedata.category(c) in ("Cc", "Cs") else c for c in text)
    return shown if shown.strip() else shown.replace(" ", "?") or "?"


async def read_body(request: web.Request, limit: int) -> bytes | None:
    """The request body, or None when it is over ``limit`` bytes (read no further)."""
    length = request.content_length
    if length is not None and length > limit:
        return None
    if length is not None and "Content-Encoding" not in request.headers:
        try:  # the usual case: a known length, read in one go
            return await request.content.readexactly(length)
        except asyncio.IncompleteReadError as exc:  # the client went away: what came
            return exc.partial
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


class Refused(Exception):
    """A request the API answers with ``response`` (an ``ErrorAnswer``)."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


async def _message(request: web.Request, parse: Callable[[bytes], M], limit: int, what: str) -> M:
    """The request's body as a message; :class:`Refused` 413 over ``limit`` bytes, 400
    naming the bad field."""
    body = await read_body(request, limit)
    try:
        if body is None:
            raise ReportTooLarge("body", f"is over {limit} bytes")
        return parse(body)
    except ReportTooLarge:
        message = f"{what}: supera el tamaño permitido ({limit} bytes); envíe menos eventos."
        raise Refused(refuse(413, ERROR_TOO_LARGE, message)) from None
    except ReportError as exc:
        raise Refused(refuse(400, ERROR_INVALID, f"{what} inválido: {exc}", exc.field)) from None


async def enroll(request: web.Request) -> web.StreamResponse:
    """``POST /api/v1/enroll``: a one-time code → 201 with the controller's credential."""
    try:
        enrollment = await _message(
            request, parse_enrollment, MAX_ENROLL_BYTES, "Pedido de inscripción"
        )
        grant = controllers.enroll(
            request.app[keys.db],
            enrollment,
            ip=client_ip(request),
            at=request.app[keys.clock](),
        )
    except Refused as exc:
        return exc.response
    except controllers.EnrollmentRefused as exc:
        if exc.retry_after is not None:
            headers = {"Retry-After": str(exc.retry_after)}
            return refuse(429, ERROR_RATE_LIMITED, exc.message, headers=headers)
        return refuse(400, exc.error, exc.message)
    return web.json_response(grant.to_json(), status=201)


async def post_report(request: web.Request) -> web.StreamResponse:
    """``POST /api/v1/reports``: store a report → 200 ``ReportAnswer``."""
    try:
        report = await _message(request, parse_report, MAX_REPORT_BYTES, "Reporte")
    except Refused as exc:
        return exc.response
    controller_id = request[keys.controller_id]
    if report.controller_id != controller_id:
        return refuse(
            400,
            ERROR_INVALID,
            f"Reporte inválido: controller_id {report.controller_id} no es el de la credencial.",
            "controller_id",
        )
    at = request.app[keys.clock]()
    answer = await request.app[keys.intake].apply(controller_id, report, at=at)
    return web.Response(body=answer.body(), content_type=CONTENT_TYPE, charset="utf-8")


async def report_intake(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context (after ``database``): the reports' group commit, ``app[keys.intake]``;
    what still waits at the end is written before the database closes."""
    intake = Intake(app[keys.db])
    app[keys.intake] = intake
    yield
    intake.write()


async def openapi(request: web.Request) -> web.StreamResponse:
    """``GET /api/v1/openapi.json``: the controller API, generated from the routes table
    and :mod:`protocol.report`."""
    table = request.app[keys.routes]
    return web.json_response(openapi_document(table))
