"""What the sandbox is configured with, what it got, and what it was told to fail."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from controller.sms.settings import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from sereno.sms_sandbox.errors import SandboxError

MAX_BODY: Final = 1600
REQUEST_LOG: Final = 10_000
"""The request log keeps the latest this many requests (a demo may run for weeks)."""
#: The Twilio code an HTTP status stands for when no other code is given (5xx: 20500).
DEFAULT_CODES: Final[Mapping[int, int]] = {
    401: 20003,
    404: 20404,
    405: 20004,
    429: 20429,
    500: 20500,
    503: 20503,
}
_INJECTION_KEYS: Final = frozenset({"status", "code", "message", "delay_s"})


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """How the sandbox behaves. The defaults are the public sandbox credentials."""

    account_sid: str = SANDBOX_ACCOUNT_SID
    auth_token: str = field(default=SANDBOX_AUTH_TOKEN, repr=False)
    latency_ms: float = 0.0
    """Added to every Twilio API request (not to ``/sandbox/…``), for benchmarks."""
    store: Path | None = None
    """JSON-lines file every created message is appended to (and read back at start)."""

    def __post_init__(self) -> None:
        if self.latency_ms < 0:
            raise SandboxError("latency_ms no puede ser negativo")


@dataclass(frozen=True, slots=True)
class Injection:
    """A scripted answer for one future create request.

    ``delay_s`` holds the request first. With a ``status`` the sandbox then answers with
    Twilio's error JSON (``code`` defaults to a sensible one for the status); without one it
    goes on normally, unless the client has hung up meanwhile (then nothing is created).
    """

    status: int | None = None
    code: int | None = None
    message: str | None = None
    delay_s: float = 0.0

    @classmethod
    def from_json(cls, item: object) -> Injection:
        if not isinstance(item, dict) or not set(item) <= _INJECTION_KEYS:
            raise SandboxError(
                f"cada falla es un objeto con claves {sorted(_INJECTION_KEYS)}: {item!r}"
            )
        status, code, delay = item.get("status"), item.get("code"), item.get("delay_s", 0.0)
        message = item.get("message")
        if status is not None and (not isinstance(status, int) or not 400 <= status <= 599):
            raise SandboxError(f"status debe ser un código HTTP 4xx o 5xx: {status!r}")
        if code is not None and not isinstance(code, int):
            raise SandboxError(f"code debe ser un entero: {code!r}")
        if not isinstance(delay, int | float) or delay < 0:
            raise SandboxError(f"delay_s debe ser un número no negativo: {delay!r}")
        if message is not None and not isinstance(message, str):
            raise SandboxError(f"message debe ser texto: {message!r}")
        if status is None and code is not None:
            raise SandboxError("una falla con code necesita status")
        if status is not None and status < 500 and code is None and status not in DEFAULT_CODES:
            raise SandboxError(f"una falla {status} necesita code (por ejemplo 21610)")
        return cls(status, code, message, float(delay))


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One Twilio API request the sandbox answered."""

    at: str
    method: str
    path: str
    status: int
    code: int | None = None
    message: str | None = None
    injected: bool = False

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def read_store(path: Path) -> list[dict[str, Any]]:
    """The messages in a JSON-lines store file, oldest first ([] if the file does not exist)."""
    if not path.exists():
        return []
    messages: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SandboxError(f"{path}:{number}: línea que no es JSON ({exc.msg})") from None
        if not isinstance(item, dict):
            raise SandboxError(f"{path}:{number}: se esperaba un objeto JSON")
        messages.append(item)
    return messages


class SandboxState:
    """Everything the sandbox keeps; one per application (``app[STATE]``)."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.latency_ms = config.latency_ms
        """Added to every Twilio API request; starts as the configured value."""
        self.messages: dict[str, dict[str, Any]] = {}
        self.injections: deque[Injection] = deque()
        self.requests: deque[RequestRecord] = deque(maxlen=REQUEST_LOG)
        self.rejections: deque[RequestRecord] = deque(maxlen=REQUEST_LOG)
        self.request_count = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.abandoned = 0

    def load_store(self) -> None:
        """Read back the messages of earlier runs from the store file, if any."""
        if self.config.store is not None:
            for message in read_store(self.config.store):
                self.messages[str(message["sid"])] = message

    def add_message(self, message: Mapping[str, Any]) -> None:
        self.messages[str(message["sid"])] = dict(message)
        if self.config.store is not None:
            with self.config.store.open("a", encoding="utf-8") as store:
                store.write(json.dumps(message, ensure_ascii=False, sort_keys=True) + "\n")

    def inject(self, items: Iterable[Injection]) -> int:
        self.injections.extend(items)
        return len(self.injections)

    def next_injection(self) -> Injection | None:
        return self.injections.popleft() if self.injections else None

    def record(self, record: RequestRecord, *, rejected: bool) -> None:
        self.requests.append(record)
        self.request_count += 1
        if rejected:
            self.rejections.append(record)

    def enter(self) -> None:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        self.in_flight -= 1

    def reset(self) -> None:
        """Forget messages (not the store file), requests, statistics and pending failures."""
        self.messages.clear()
        self.injections.clear()
        self.requests.clear()
        self.rejections.clear()
        self.request_count = 0
        self.max_in_flight = self.in_flight
        self.abandoned = 0

    def stats(self) -> dict[str, Any]:
        return {
            "messages": len(self.messages),
            "requests": self.request_count,
            "rejections": [r.as_json() for r in self.rejections],
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
            "abandoned": self.abandoned,
            "pending_failures": len(self.injections),
        }


def utc_now() -> datetime:
    return datetime.now(UTC)
