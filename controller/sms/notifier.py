"""Sending SMS through the official ``twilio`` client: bounded fan-out, retries, idempotency.

- **Bound.** At most ``concurrency`` requests are in flight at once (an
  :class:`asyncio.Semaphore` held for one HTTP attempt, released during back-off).
- **Retries.** HTTP 429 (Twilio 20429), 5xx, Twilio 21611 (sender queue full), timeouts
  (``attempt_timeout_s`` per attempt) and connection errors are retried with exponential
  back-off and jitter, up to ``attempts`` attempts. Any other 4xx (21211 invalid number,
  21610 the vecino replied STOP, 20003 bad credentials…) is final at once.
- **Idempotency.** Each :class:`OutgoingSms` carries a key, ``f"{episode_id}:{recipient_id}"``.
  Before sending, the notifier asks the :class:`SmsLedger` whether that key was already
  accepted, and skips it if so; a key is also sent once when it appears twice at the same
  time. Twilio has no idempotency key for creating messages, so a timed-out attempt that
  Twilio did accept may still produce a second SMS on retry: for an alarm, twice beats never.
- **Record.** Every attempt becomes an :class:`SmsAttempt` in the ledger (attempt number,
  UTC time, outcome, Twilio status, SID, error code and message).
- **Memory.** Messages are created through twilio's ``Client`` and the ``Version`` of the
  2010 API (:class:`MessagesEndpoint`), the layer twilio's generated ``MessageList`` calls,
  not through ``client.messages``: that attribute imports ``twilio.rest.api`` and with it
  every resource of the 2010 API (88 modules, about 7 MB of a controller's 60 MB) on the
  first alert. ``docs/sms.md`` (Memory) has the figures.
"""

from __future__ import annotations

import asyncio
import base64
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Final, Literal, Protocol, Self
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from twilio.base.domain import Domain
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.base.version import Version
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from controller.sms.settings import TwilioSettings

AttemptOutcome = Literal["accepted", "retry", "failed"]
ResultOutcome = Literal["accepted", "failed", "skipped"]

#: Twilio error codes worth another try even though they come with a 4xx status.
RETRYABLE_CODES: Final = frozenset({20429, 21611})
_LOOPBACK: Final = frozenset({"127.0.0.1", "::1", "localhost"})
#: Where twilio's ``client.api.v2010`` sends requests (``twilio.rest.api.ApiBase``, ``V2010``).
TWILIO_API_DOMAIN: Final = "https://api.twilio.com"
TWILIO_API_VERSION: Final = "2010-04-01"


@dataclass(frozen=True, slots=True)
class OutgoingSms:
    """One SMS to send; ``key`` makes it idempotent (``"<episode>:<recipient>"``)."""

    key: str
    to: str
    body: str


@dataclass(frozen=True, slots=True)
class SmsAttempt:
    """One request to Twilio and what came of it."""

    key: str
    to: str
    attempt_no: int
    at: datetime
    outcome: AttemptOutcome
    status: str | None = None
    sid: str | None = None
    error_code: int | None = None
    error_message: str | None = None


@dataclass(frozen=True, slots=True)
class SmsResult:
    """The final word on one :class:`OutgoingSms`."""

    key: str
    to: str
    outcome: ResultOutcome
    attempts: int
    sid: str | None = None
    status: str | None = None
    error_code: int | None = None
    error_message: str | None = None


class SmsLedger(Protocol):
    """Where attempts are recorded; the controller's SQLite store implements it."""

    def already_sent(self, key: str) -> bool:
        """True when an attempt for ``key`` was accepted by Twilio."""
        ...

    def record_attempt(self, attempt: SmsAttempt) -> None:
        """Keep ``attempt`` (called once per attempt, in order)."""
        ...


class MemoryLedger:
    """An in-memory :class:`SmsLedger`, for tests and the demo."""

    def __init__(self) -> None:
        self.attempts: list[SmsAttempt] = []

    def already_sent(self, key: str) -> bool:
        return any(a.key == key and a.outcome == "accepted" for a in self.attempts)

    def record_attempt(self, attempt: SmsAttempt) -> None:
        self.attempts.append(attempt)

    def attempts_for(self, key: str) -> list[SmsAttempt]:
        return [a for a in self.attempts if a.key == key]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try one message: attempts, per-attempt timeout, back-off bounds (seconds)."""

    attempts: int = 5
    attempt_timeout_s: float = 10.0
    initial_backoff_s: float = 0.5
    max_backoff_s: float = 8.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.attempt_timeout_s <= 0 or self.initial_backoff_s < 0:
            raise ValueError("RetryPolicy needs attempts >= 1, a positive timeout and back-off")

    def backoff(self, attempt_no: int, rng: random.Random) -> float:
        """Delay after failed attempt ``attempt_no`` (1-based): exponential, "equal jitter"."""
        ceiling = min(self.max_backoff_s, self.initial_backoff_s * 2.0 ** (attempt_no - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


def rebase_url(url: str, api_base: str | None) -> str:
    """``url`` with its scheme and host replaced by ``api_base``'s (path prefix kept)."""
    if not api_base:
        return url
    base, target = urlsplit(api_base), urlsplit(url)
    path = base.path.rstrip("/") + target.path
    return urlunsplit((base.scheme, base.netloc, path, target.query, target.fragment))


def basic_authorization(login: str, password: str) -> str:
    """The ``Authorization`` header value for HTTP Basic auth (RFC 7617, UTF-8)."""
    token = base64.b64encode(f"{login}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


class RebasedAsyncHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """twilio's aiohttp client, sending to ``api_base`` instead of ``api.twilio.com``.

    twilio-python has no base-URL option; this is the documented ``http_client=`` hook.
    It also sends the credentials as an ``Authorization`` header instead of letting
    twilio build an ``aiohttp.BasicAuth``, deprecated since aiohttp 3.14 (a
    DeprecationWarning on every request; twilio/twilio-python#931).
    Create it inside a running event loop (it opens an aiohttp session) and ``close()`` it.
    """

    def __init__(self, api_base: str | None = None, timeout: float | None = None) -> None:
        super().__init__(timeout=timeout)
        self.api_base = api_base

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - twilio's HttpClient signature
        allow_redirects: bool = False,
    ) -> Any:
        headers = dict(headers or {})
        if auth is not None:
            headers["Authorization"] = basic_authorization(*auth)
        return await super().request(
            method,
            rebase_url(url, self.api_base),
            params=params,
            data=data,
            headers=headers,
            auth=None,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )


class RebasedHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """twilio's synchronous (requests) client, sending to ``api_base``. Close ``.session``.

    For a loopback ``api_base`` (the sandbox) it ignores ``HTTP(S)_PROXY`` from the
    environment, which ``requests`` would otherwise follow (aiohttp does not by default).
    """

    def __init__(self, api_base: str | None = None, timeout: float | None = None) -> None:
        super().__init__(timeout=timeout)
        self.api_base = api_base
        if api_base and urlsplit(api_base).hostname in _LOOPBACK and self.session is not None:
            self.session.trust_env = False

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        return super().request(method, rebase_url(url, self.api_base), *args, **kwargs)


class MessagesEndpoint:
    """Twilio's Messages resource (``POST /2010-04-01/Accounts/{sid}/Messages.json``).

    What ``client.messages.create_async`` does, minus the import of every other resource:
    the same form fields and headers as twilio's generated ``MessageList.create_async``,
    sent by the official ``Client`` (authentication, user agent, region and edge) through
    ``twilio.base.version.Version``, which turns an error answer into the same
    :class:`~twilio.base.exceptions.TwilioRestException`. Returns the message resource as
    Twilio sent it (a ``dict``: ``sid``, ``status``…).
    """

    def __init__(self, client: Client) -> None:
        self._version = Version(Domain(client, TWILIO_API_DOMAIN), TWILIO_API_VERSION)
        self.uri = f"/Accounts/{client.account_sid}/Messages.json"

    async def create_async(
        self,
        *,
        to: str,
        body: str,
        from_: str | None = None,
        messaging_service_sid: str | None = None,
        status_callback: str | None = None,
    ) -> dict[str, Any]:
        fields = {
            "To": to,
            "StatusCallback": status_callback,
            "From": from_,
            "MessagingServiceSid": messaging_service_sid,
            "Body": body,
        }
        data = {name: value for name, value in fields.items() if value is not None}
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        payload = await self._version.create_async(
            method="POST", uri=self.uri, data=data, headers=headers
        )
        if not isinstance(payload, dict):
            raise TwilioException(f"Twilio answered without a message resource: {payload!r}")
        return payload


@dataclass(frozen=True, slots=True)
class _Failure:
    retryable: bool
    error_code: int | None
    error_message: str


def _classify(exc: BaseException, timeout_s: float) -> _Failure:
    if isinstance(exc, TwilioRestException):
        status = int(exc.status)
        code = int(exc.code) if exc.code is not None else None
        retryable = status == 429 or status >= 500 or code in RETRYABLE_CODES
        return _Failure(retryable, code, f"HTTP {status}: {exc.msg}")
    if isinstance(exc, TimeoutError):
        return _Failure(True, None, f"sin respuesta en {timeout_s:g} s")
    if isinstance(exc, aiohttp.ClientError | OSError):
        return _Failure(True, None, f"error de conexión: {exc!r}")
    if isinstance(exc, TwilioException):
        return _Failure(True, None, f"error de Twilio: {exc!r}")
    return _Failure(True, None, f"error inesperado: {exc!r}")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SmsNotifier:
    """Sends :class:`OutgoingSms` through Twilio (or the sandbox), recording in a ledger."""

    def __init__(
        self,
        settings: TwilioSettings,
        ledger: SmsLedger,
        *,
        policy: RetryPolicy | None = None,
        concurrency: int = 16,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.settings = settings
        self.ledger = ledger
        self.policy = policy or RetryPolicy()
        self.concurrency = concurrency
        self._bound = asyncio.Semaphore(concurrency)
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._clock = clock
        self._in_flight: set[str] = set()
        self._http: RebasedAsyncHttpClient | None = None
        self._messages: MessagesEndpoint | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the twilio client's aiohttp session; the notifier may be used again later."""
        http, self._http, self._messages = self._http, None, None
        if http is not None:
            await http.close()

    def _endpoint(self) -> MessagesEndpoint:
        if self._messages is None:
            self._http = RebasedAsyncHttpClient(self.settings.api_base)
            client = Client(
                self.settings.account_sid, self.settings.auth_token, http_client=self._http
            )
            self._messages = MessagesEndpoint(client)
        return self._messages

    async def send(self, message: OutgoingSms) -> SmsResult:
        """Send one message (see :meth:`send_all`)."""
        return (await self.send_all([message]))[0]

    async def send_all(self, messages: Sequence[OutgoingSms]) -> list[SmsResult]:
        """Send every message concurrently within the bound; one result per message, in order.

        A key the ledger already shows as accepted, or one being sent right now (by this
        call or another), is ``"skipped"`` without a request.
        """
        plan: list[OutgoingSms | SmsResult] = []
        claimed: list[str] = []
        try:
            for message in messages:
                if message.key in self._in_flight or self.ledger.already_sent(message.key):
                    plan.append(SmsResult(message.key, message.to, "skipped", attempts=0))
                else:
                    self._in_flight.add(message.key)
                    claimed.append(message.key)
                    plan.append(message)
        except BaseException:
            self._in_flight.difference_update(claimed)
            raise
        sent = iter(
            await asyncio.gather(*(self._deliver(m) for m in plan if isinstance(m, OutgoingSms)))
        )
        return [item if isinstance(item, SmsResult) else next(sent) for item in plan]

    async def _deliver(self, message: OutgoingSms) -> SmsResult:
        try:
            return await self._deliver_with_retries(message)
        finally:
            self._in_flight.discard(message.key)

    async def _deliver_with_retries(self, message: OutgoingSms) -> SmsResult:
        policy = self.policy
        failure = _Failure(False, None, "")
        for attempt_no in range(1, policy.attempts + 1):
            async with self._bound:
                try:
                    async with asyncio.timeout(policy.attempt_timeout_s):
                        created = await self._create(message)
                except Exception as exc:  # every failure is recorded, none escapes to the caller
                    failure = _classify(exc, policy.attempt_timeout_s)
                else:
                    sid, status = str(created.get("sid")), str(created.get("status"))
                    self._record(message, attempt_no, "accepted", status=status, sid=sid)
                    return SmsResult(message.key, message.to, "accepted", attempt_no, sid, status)
            last = not failure.retryable or attempt_no == policy.attempts
            self._record(
                message,
                attempt_no,
                "failed" if last else "retry",
                error_code=failure.error_code,
                error_message=failure.error_message,
            )
            if last:
                break
            await asyncio.sleep(policy.backoff(attempt_no, self._rng))
        return SmsResult(
            message.key,
            message.to,
            "failed",
            attempt_no,
            error_code=failure.error_code,
            error_message=failure.error_message,
        )

    async def _create(self, message: OutgoingSms) -> dict[str, Any]:
        settings = self.settings
        return await self._endpoint().create_async(
            to=message.to,
            body=message.body,
            from_=settings.from_number,
            messaging_service_sid=settings.messaging_service_sid,
            status_callback=settings.status_callback,
        )

    def _record(
        self,
        message: OutgoingSms,
        attempt_no: int,
        outcome: AttemptOutcome,
        *,
        status: str | None = None,
        sid: str | None = None,
        error_code: int | None = None,
        error_message: str | None = None,
    ) -> None:
        self.ledger.record_attempt(
            SmsAttempt(
                key=message.key,
                to=message.to,
                attempt_no=attempt_no,
                at=self._clock(),
                outcome=outcome,
                status=status,
                sid=sid,
                error_code=error_code,
                error_message=error_message,
            )
        )
