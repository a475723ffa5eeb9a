"""The controller's HTTP client for the hub's controller API (``docs/hub-api.md``).

One :class:`aiohttp.ClientSession` per client, created on first use inside the running
loop and closed by :meth:`HubClient.close` (or ``async with``). Bodies are encoded and
checked with :mod:`protocol.report`; answers are read under their byte caps. Every
failure is one of the :class:`HubError` kinds below, which tell the reporter what to do
with its events. The credential goes in the ``Authorization`` header and nowhere else: it
is in no message, ``repr`` or log line.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Final, Self, TypeVar

import aiohttp

from controller.errors import ControllerError
from protocol.report import (
    CONTENT_TYPE,
    ENROLL_PATH,
    MAX_ANSWER_BYTES,
    MAX_ERROR_BYTES,
    REPORTS_PATH,
    Enrollment,
    EnrollmentGrant,
    ErrorAnswer,
    Report,
    ReportAnswer,
    ReportError,
    bearer,
    encode,
    parse_credential,
    parse_enrollment_grant,
    parse_error,
    parse_report_answer,
)

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT: Final = aiohttp.ClientTimeout(total=15, connect=5)
T = TypeVar("T")


class HubError(ControllerError):
    """The hub did not take the request; the message is Spanish."""


class HubUnavailable(HubError):
    """Not reached, timed out, 5xx, 429, or an answer that is not the contract's: try
    again later (no sooner than ``retry_after`` seconds when the hub said so)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class HubUnauthorized(HubError):
    """401: the credential is missing, wrong or revoked; enroll again."""


class HubTooLarge(HubError):
    """413: the body is over what the hub takes."""


class HubRefused(HubError):
    """Another 4xx; ``answer`` is the hub's :class:`ErrorAnswer` (``field`` names the bad
    value of a 400 ``invalid``; enrollment codes: ``code_unknown``, ``code_expired``…)."""

    def __init__(self, status: int, answer: ErrorAnswer) -> None:
        super().__init__(answer.message)
        self.status = status
        self.answer = answer


class HubClient:
    """Enroll and report to the hub at ``url`` (``https://alarmas.maipu.cl``)."""

    def __init__(
        self,
        url: str,
        *,
        credential: str | None = None,
        timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
        user_agent: str = "sereno-controller",
    ) -> None:
        self.url = url.rstrip("/")
        self._credential = credential
        self._timeout = timeout
        self._user_agent = user_agent
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return f"<HubClient {self.url}>"

    @property
    def credential(self) -> str | None:
        return self._credential

    @credential.setter
    def credential(self, value: str | None) -> None:
        self._credential = value

    async def enroll(self, enrollment: Enrollment) -> EnrollmentGrant:
        """``POST /api/v1/enroll``; the grant on 201."""
        status, body = await self._post(ENROLL_PATH, encode(enrollment), auth=False)
        if status != 201:
            raise self._failure(status, body)
        return _parsed(parse_enrollment_grant, body)

    async def report(self, report: Report) -> ReportAnswer:
        """``POST /api/v1/reports``; the answer on 200."""
        if self._credential is None:
            raise HubUnauthorized("Sin credencial del hub: inscriba este controlador")
        status, body = await self._post(REPORTS_PATH, encode(report), auth=True)
        if status != 200:
            raise self._failure(status, body)
        return _parsed(parse_report_answer, body)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # --- plumbing ---------------------------------------------------------------------------------
    async def _post(self, path: str, body: bytes, *, auth: bool) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        headers = {"Content-Type": CONTENT_TYPE, "User-Agent": self._user_agent}
        if auth and self._credential is not None:
            headers["Authorization"] = bearer(self._credential)
        try:
            async with self._session.post(self.url + path, data=body, headers=headers) as answer:
                limit = MAX_ANSWER_BYTES if answer.status < 400 else MAX_ERROR_BYTES
                data = await _read_limited(answer, limit)
                if answer.status in (429, 503) or answer.status >= 500:
                    raise HubUnavailable(
                        f"el hub respondió {answer.status}",
                        retry_after=_retry_after(answer.headers.get("Retry-After")),
                    )
                return answer.status, data
        except TimeoutError:
            raise HubUnavailable(f"el hub no respondió a tiempo ({self.url})") from None
        except aiohttp.ClientError as exc:
            raise HubUnavailable(f"no se pudo conectar con el hub {self.url}: {exc}") from None

    def _failure(self, status: int, body: bytes) -> HubError:
        if status == 401:
            return HubUnauthorized(
                "El hub rechazó la credencial de este controlador; inscríbalo de nuevo con "
                "«sereno controller enroll»"
            )
        if status == 413:
            return HubTooLarge("el hub rechazó el reporte por ser demasiado grande")
        if 400 <= status < 500:
            try:
                answer = parse_error(body)
            except ReportError:
                answer = ErrorAnswer(f"http_{status}", f"el hub respondió {status}")
            return HubRefused(status, answer)
        return HubUnavailable(f"el hub respondió {status}, que no es parte del contrato")


def _parsed(parse: Callable[[bytes], T], body: bytes) -> T:
    try:
        return parse(body)
    except ReportError as exc:
        raise HubUnavailable(f"la respuesta del hub no sigue el contrato: {exc}") from None


async def _read_limited(answer: aiohttp.ClientResponse, limit: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    async for chunk in answer.content.iter_chunked(65536):
        total += len(chunk)
        if total > limit:
            raise HubUnavailable(f"la respuesta del hub supera {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _retry_after(value: str | None) -> float | None:
    if value is None or not value.strip().isdigit():
        return None
    return min(float(value.strip()), 3600.0)


# --- the credential file ----------------------------------------------------------------------


def read_credential(path: Path) -> str | None:
    """The credential ``sereno controller enroll`` stored, or None (no file, or not one)."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        log.error("no se puede leer la credencial del hub en %s: %s", path, type(exc).__name__)
        return None
    try:
        parse_credential(text)
    except ReportError:
        log.error("el archivo %s no contiene una credencial válida del hub", path)
        return None
    return text


def write_credential(path: Path, credential: str) -> None:
    """Store ``credential`` at ``path`` (0600, its folder 0700), replacing any other at once:
    written to a temporary file, flushed to disk, then renamed over."""
    parse_credential(credential)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, f"{credential}\n".encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
