"""The sandbox as an aiohttp application: Twilio's Messages API on loopback, plus controls.

Twilio API (HTTP Basic auth: AccountSid and auth token; 401/20003 otherwise):

- ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` creates a message: 201 and the
  message resource, or 400 and Twilio's error JSON.
- ``GET  /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`` fetches one.
- ``GET  /2010-04-01/Accounts/{AccountSid}/Messages.json`` lists them, newest first.

Controls (no auth: bind the sandbox to loopback):

- ``GET /sandbox/messages`` every message, oldest first; ``DELETE`` forgets them all.
- ``POST /sandbox/failures`` queues scripted answers (JSON list of :class:`Injection`).
- ``GET /sandbox/stats`` request count, rejections, highest concurrency seen.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from email.utils import format_datetime
from typing import Any, Final
from urllib.parse import urlencode

import phonenumbers
from aiohttp import web
from multidict import MultiDictProxy

from controller.sms.gsm7 import segments
from sereno.sms_sandbox.errors import SandboxError
from sereno.sms_sandbox.spec import PHONE_NUMBER, FormSchema, Violation, shipped_extract
from sereno.sms_sandbox.state import (
    DEFAULT_CODES,
    MAX_BODY,
    Injection,
    RequestRecord,
    SandboxConfig,
    SandboxState,
    utc_now,
)

STATE: Final = web.AppKey("sms_sandbox_state", SandboxState)
CREATE_SCHEMA: Final = web.AppKey("sms_sandbox_create_schema", FormSchema)
LIST_SCHEMA: Final = web.AppKey("sms_sandbox_list_schema", FormSchema)
MESSAGE_KEYS: Final[web.AppKey[tuple[str, ...]]] = web.AppKey("sms_sandbox_message_keys")
LIST_KEYS: Final[web.AppKey[tuple[str, ...]]] = web.AppKey("sms_sandbox_list_keys")
API_PREFIX: Final = "/2010-04-01/"
_HOLD_STEP: Final = 0.01  # how often a held request checks whether its client hung up
API_VERSION: Final = "2010-04-01"

#: Twilio's wording for the errors the sandbox answers with.
ERROR_MESSAGES: Final[Mapping[int, str]] = {
    20003: "Authenticate",
    20004: "Method not allowed",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    20503: "Service Unavailable",
    21211: "Invalid 'To' Phone Number",
    21212: "Invalid 'From' Phone Number",
    21602: "Message body is required.",
    21603: "A 'From' or 'MessagingServiceSid' parameter is required to send a message.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21611: "This 'From' number has exceeded the maximum number of queued messages",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    30001: "Queue overflow",
    70002: "Bad request: the parameters do not match the API's schema",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class TwilioErrorResponse(web.Response):
    """An error answer in Twilio's JSON shape; keeps its code for the request log."""

    def __init__(
        self, status: int, code: int, message: str | None = None, *, injected: bool = False
    ) -> None:
        self.code = code
        self.message = message or ERROR_MESSAGES.get(code, "Error")
        self.injected = injected
        body = {
            "code": code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
        super().__init__(text=json.dumps(body), status=status, content_type="application/json")
        if status == 401:
            self.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'


def basic_credentials(header: str) -> tuple[str, str] | None:
    """(login, password) from an HTTP Basic ``Authorization`` header, or None."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        login, colon, password = base64.b64decode(token, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (login, password) if colon else None


def _authorized(request: web.Request, config: SandboxConfig) -> bool:
    credentials = basic_credentials(request.headers.get("Authorization", ""))
    if credentials is None:
        return False
    login, password = credentials
    return (
        hmac.compare_digest(login.encode(), config.account_sid.encode())
        and hmac.compare_digest(password.encode(), config.auth_token.encode())
        and request.match_info.get("account_sid") == config.account_sid
    )


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """For Twilio API routes: latency, auth, concurrency count and the request log."""
    if not request.path.startswith(API_PREFIX):
        return await handler(request)
    state = request.app[STATE]
    state.enter()
    response: web.StreamResponse
    try:
        if state.latency_ms:
            await asyncio.sleep(state.latency_ms / 1000)
        if "account_sid" in request.match_info and not _authorized(request, state.config):
            response = TwilioErrorResponse(401, 20003)
        else:
            response = await handler(request)
    except web.HTTPException as exc:  # e.g. aiohttp's own 405
        code = DEFAULT_CODES.get(exc.status, 20500)
        response = TwilioErrorResponse(exc.status, code)
    finally:
        state.leave()
    error = response if isinstance(response, TwilioErrorResponse) else None
    injected = error is not None and error.injected
    record = RequestRecord(
        at=utc_now().isoformat(),
        method=request.method,
        path=request.path,
        status=response.status,
        code=error.code if error else None,
        message=error.message if error else None,
        injected=injected,
    )
    state.record(record, rejected=400 <= response.status < 500 and not injected)
    return response


def _form(data: MultiDictProxy[Any]) -> dict[str, list[str]]:
    return {key: [str(value) for value in data.getall(key)] for key in data}


def _valid_to(value: str) -> bool:
    if not PHONE_NUMBER.match(value):
        return ":" in value  # a channel address (whatsapp:+…) the schema already accepted
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(value))
    except phonenumbers.NumberParseException:
        return False


def create_error(
    form: Mapping[str, Sequence[str]], found: Sequence[Violation]
) -> web.Response | None:
    """The one error Twilio would answer a create request with, or None if it is fine.

    The spec marks only ``To`` required; Twilio's real rule also needs ``From`` or
    ``MessagingServiceSid``, and ``Body``, ``MediaUrl`` or ``ContentSid``.
    """

    def first(param: str) -> str:
        values = form.get(param) or [""]
        return values[0]

    def error(code: int, detail: str | None = None) -> web.Response:
        message = ERROR_MESSAGES[code] + (f": {detail}" if detail else "")
        return TwilioErrorResponse(400, code, message)

    broken = {v.param for v in found if v.kind in {"value", "repeated"}}
    for violation in found:
        if violation.kind == "unknown":
            return error(70002, violation.message)
    if not first("To"):
        return error(21604)
    if "To" in broken or not _valid_to(first("To")):
        return error(21211, first("To"))
    if not first("From") and not first("MessagingServiceSid"):
        return error(21603)
    if "From" in broken:
        return error(21212, first("From"))
    if not (first("Body") or form.get("MediaUrl") or first("ContentSid")):
        return error(21602)
    if len(first("Body")) > MAX_BODY:
        return error(21617)
    if found:
        return error(70002, found[0].message)
    return None


def _first(form: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = form.get(name)
    return values[0] if values else None


def message_resource(
    account_sid: str, form: Mapping[str, Sequence[str]], keys: tuple[str, ...]
) -> dict[str, Any]:
    """A new message resource with exactly the spec's ``keys``, status ``queued``."""
    sid = "SM" + secrets.token_hex(16)
    now = format_datetime(utc_now().replace(microsecond=0))
    uri = f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}"
    body = (form.get("Body") or [""])[0]
    values: dict[str, Any] = {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": body,
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": _first(form, "From"),
        "messaging_service_sid": _first(form, "MessagingServiceSid"),
        "num_media": str(len(form.get("MediaUrl") or [])),
        "num_segments": str(segments(body)),
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {"media": f"{uri}/Media.json"},
        "to": _first(form, "To"),
        "uri": f"{uri}.json",
    }
    extra = set(values) - set(keys)
    if extra:
        raise SandboxError(f"message resource keys not in the spec: {sorted(extra)}")
    return {key: values.get(key) for key in keys}


def _client_gone(request: web.Request) -> bool:
    return request.transport is None or request.transport.is_closing()


async def _hold(request: web.Request, seconds: float) -> bool:
    """Hold ``request`` for ``seconds``, or less if its client hangs up; False if it did."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    for _ in range(int(seconds / _HOLD_STEP) + 1):
        if _client_gone(request):
            return False
        left = deadline - loop.time()
        if left <= 0:
            break
        await asyncio.sleep(min(left, _HOLD_STEP))
    return not _client_gone(request)


async def create_message(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    form = _form(await request.post())
    refused = create_error(form, request.app[CREATE_SCHEMA].violations(form))
    if refused is not None:
        return refused
    injection = state.next_injection()
    if injection is not None:
        present = await _hold(request, injection.delay_s)
        if injection.status is not None:
            code = injection.code or DEFAULT_CODES.get(injection.status, 20500)
            return TwilioErrorResponse(injection.status, code, injection.message, injected=True)
        if not present:
            state.abandoned += 1  # the client gave up: it will never see this message
            return TwilioErrorResponse(408, 20408, "Client went away", injected=True)
    message = message_resource(state.config.account_sid, form, request.app[MESSAGE_KEYS])
    state.add_message(message)
    return web.json_response(message, status=201)


async def fetch_message(request: web.Request) -> web.StreamResponse:
    message = request.app[STATE].messages.get(request.match_info["sid"])
    if message is None:
        missing = f"The requested resource {request.path} was not found"
        return TwilioErrorResponse(404, 20404, missing)
    return web.json_response(message)


async def list_messages(request: web.Request) -> web.StreamResponse:
    query = {key: request.query.getall(key) for key in request.query}
    found = request.app[LIST_SCHEMA].violations(query)
    if found:
        return TwilioErrorResponse(400, 70002, found[0].message)
    page_size = int(request.query.get("PageSize", "50"))
    page = int(request.query.get("Page", "0"))
    wanted = {name.lower(): request.query[name] for name in ("To", "From") if name in request.query}
    chosen = [
        m
        for m in reversed(request.app[STATE].messages.values())
        if all(m.get(key) == value for key, value in wanted.items())
    ]
    start = page * page_size
    rows = chosen[start : start + page_size]

    def page_uri(number: int) -> str:
        return f"{request.path}?{urlencode({'PageSize': page_size, 'Page': number})}"

    body = {
        "end": start + max(len(rows) - 1, 0),
        "first_page_uri": page_uri(0),
        "messages": rows,
        "next_page_uri": page_uri(page + 1) if start + page_size < len(chosen) else None,
        "page": page,
        "page_size": page_size,
        "previous_page_uri": page_uri(page - 1) if page > 0 else None,
        "start": start,
        "uri": page_uri(page),
    }
    return web.json_response({key: body[key] for key in request.app[LIST_KEYS]})


async def sandbox_messages(request: web.Request) -> web.StreamResponse:
    messages = list(request.app[STATE].messages.values())
    return web.json_response({"count": len(messages), "messages": messages})


async def sandbox_reset(request: web.Request) -> web.StreamResponse:
    request.app[STATE].reset()
    return web.Response(status=204)


async def sandbox_failures(request: web.Request) -> web.StreamResponse:
    try:
        items = await request.json()
        if not isinstance(items, list):
            raise SandboxError("se esperaba una lista JSON de fallas")
        injections = [Injection.from_json(item) for item in items]
    except (ValueError, SandboxError) as exc:
        return web.json_response({"error": str(exc)}, status=400)
    return web.json_response({"pending": request.app[STATE].inject(injections)})


async def sandbox_stats(request: web.Request) -> web.StreamResponse:
    return web.json_response(request.app[STATE].stats())


def create_app(config: SandboxConfig) -> web.Application:
    """The sandbox application (configuration is loaded by the caller)."""
    extract = shipped_extract()
    app = web.Application(middlewares=[api_middleware])
    app[STATE] = SandboxState(config)
    app[CREATE_SCHEMA] = FormSchema(extract["create_message"]["request"], "CreateMessage")
    query = {"type": "object", "properties": extract["list_messages"]["query_parameters"]}
    app[LIST_SCHEMA] = FormSchema(query, "ListMessage")
    app[MESSAGE_KEYS] = tuple(extract["message"]["properties"])
    app[LIST_KEYS] = tuple(extract["list_messages"]["response_keys"])
    account = "/2010-04-01/Accounts/{account_sid}"
    app.router.add_routes(
        [
            web.post(f"{account}/Messages.json", create_message, name="create_message"),
            web.get(f"{account}/Messages.json", list_messages, name="list_messages"),
            web.get(f"{account}/Messages/{{sid}}.json", fetch_message, name="fetch_message"),
            web.get("/sandbox/messages", sandbox_messages, name="sandbox_messages"),
            web.delete("/sandbox/messages", sandbox_reset, name="sandbox_reset"),
            web.post("/sandbox/failures", sandbox_failures, name="sandbox_failures"),
            web.get("/sandbox/stats", sandbox_stats, name="sandbox_stats"),
        ]
    )
    app.cleanup_ctx.append(_store_ctx)
    return app


async def _store_ctx(app: web.Application) -> AsyncIterator[None]:
    app[STATE].load_store()
    yield
