"""The controller → hub report schema (``docs/hub-api.md``), sans-IO.

Frozen dataclasses for every message of the controller API (``/api/v1``), each with
``to_json()`` (plain JSON values) and ``from_json(obj)`` (strict: every key required, no
unknown key, every value typed and capped). Constructors validate too, so a value that
exists is a valid one. Whatever is wrong raises :class:`ReportError`, whose ``field`` names
the offending value by its path (``heartbeat.power``, ``events[3].data.sms.expected``);
a body over its byte cap raises :class:`ReportTooLarge` (the hub answers 413).

:func:`encode` turns a message into the bytes sent; the ``parse_*`` functions take the
bytes received (size cap, UTF-8, JSON without duplicate keys or NaN) and return a message.
Nothing here reads a clock, a socket or a random source: times are passed in, event ids
are made by the caller (``uuid.uuid4().hex``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

from protocol.errors import REASONS
from protocol.payloads import PanicKind
from protocol.schema import (
    Check,
    Message,
    ReportError,
    ReportTooLarge,
    boolean,
    choice,
    decode_json,
    encode,
    integer,
    kind,
    nested,
    number,
    optional,
    parse,
    pattern,
    sequence,
    text,
    unique,
    within,
)

__all__ = [
    "ALARM_STATES",
    "API_PREFIX",
    "BODIES",
    "COMMAND_STATUSES",
    "COMMAND_TYPES",
    "CONTENT_TYPE",
    "END_REASONS",
    "ENROLL_PATH",
    "ERROR_CODE_EXPIRED",
    "ERROR_CODE_UNKNOWN",
    "ERROR_CODE_USED",
    "ERROR_INVALID",
    "ERROR_RATE_LIMITED",
    "ERROR_TOO_LARGE",
    "ERROR_UNAUTHORIZED",
    "EVENT_TYPES",
    "KINDS",
    "MAX_ANSWER_BYTES",
    "MAX_COMMANDS",
    "MAX_ENROLL_BYTES",
    "MAX_ERROR_BYTES",
    "MAX_EVENTS",
    "MAX_NAME",
    "MAX_NODES",
    "MAX_PARAMS",
    "MAX_PARAM_TEXT",
    "MAX_REPORT_BYTES",
    "MAX_TEXT",
    "MAX_TIME",
    "MAX_VERSION",
    "POWER_SOURCES",
    "REPORTS_PATH",
    "REPORT_INTERVAL_RANGE",
    "SECURITY_REASONS",
    "Command",
    "CommandResult",
    "Enrollment",
    "EnrollmentGrant",
    "EpisodeSummary",
    "ErrorAnswer",
    "Event",
    "EventBody",
    "Heartbeat",
    "Message",
    "NodeStatus",
    "Report",
    "ReportAnswer",
    "ReportError",
    "ReportTooLarge",
    "SecurityCount",
    "SelfTestResult",
    "SmsCounts",
    "bearer",
    "credential_from_header",
    "decode_json",
    "encode",
    "normalize_code",
    "parse_credential",
    "parse_enrollment",
    "parse_enrollment_grant",
    "parse_error",
    "parse_report",
    "parse_report_answer",
]

API_PREFIX: Final = "/api/v1"
ENROLL_PATH: Final = "/api/v1/enroll"
"""``POST`` an :class:`Enrollment` → 201 :class:`EnrollmentGrant`."""
REPORTS_PATH: Final = "/api/v1/reports"
"""``POST`` a :class:`Report` with ``Authorization: Bearer <credential>`` → 200
:class:`ReportAnswer`."""
CONTENT_TYPE: Final = "application/json"

MAX_EVENTS: Final = 500
"""Events in one report, at most."""
MAX_COMMANDS: Final = 20
"""Commands in one answer, at most (the hub sends the oldest pending first)."""
MAX_REPORT_BYTES: Final = 1_048_576
"""A report's body, at most (a full batch of the largest events is about 530 KiB)."""
MAX_ANSWER_BYTES: Final = 262_144
MAX_ENROLL_BYTES: Final = 4_096
MAX_ERROR_BYTES: Final = 4_096
MAX_TEXT: Final = 200
"""Detail texts (self-test, command results, error messages), in characters."""
MAX_NAME: Final = 64
MAX_VERSION: Final = 32
MAX_NODES: Final = 64
"""Distinct nodes listed in one episode (one block)."""
MAX_PARAMS: Final = 8
"""Keys of a command's ``params``: a flat object of scalars, names of at most 32 letters,
digits, ``_`` or ``-``, texts of at most :data:`MAX_PARAM_TEXT` characters."""
MAX_PARAM_TEXT: Final = 64
MAX_TIME: Final = 4_102_444_800.0
"""Times are seconds since the epoch (UTC) from 0 to 2100-01-01; a controller without a
real-time clock may report times near 0 until it syncs, and the hub shows them as such."""
REPORT_INTERVAL_RANGE: Final = (10, 3600)

POWER_SOURCES: Final = ("ac", "battery", "unknown")
ALARM_STATES: Final = ("idle", "sounding", "silent_alert")
END_REASONS: Final = ("expired", "cancelled")
COMMAND_TYPES: Final = ("silence", "siren_test", "resync_config")
"""The commands a v1 controller carries out; it answers any other type ``failed``."""
COMMAND_STATUSES: Final = ("done", "failed")
SECURITY_REASONS: Final = tuple(sorted(REASONS))
KINDS: Final = tuple(k.name for k in PanicKind)

# Error codes of the hub's {"error": code, "message": Spanish, "field": path|null} answers.
ERROR_INVALID: Final = "invalid"
"""400: the body breaks this schema; ``field`` names the first bad value."""
ERROR_CODE_UNKNOWN: Final = "code_unknown"
ERROR_CODE_EXPIRED: Final = "code_expired"
ERROR_CODE_USED: Final = "code_used"
ERROR_UNAUTHORIZED: Final = "unauthorized"
ERROR_TOO_LARGE: Final = "too_large"
ERROR_RATE_LIMITED: Final = "rate_limited"

_HEX32: Final = re.compile(r"[0-9a-f]{32}")
_TOKEN: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
_CODE: Final = re.compile(r"[A-Z0-9-]{4,64}")
_PARAM_NAME: Final = re.compile(r"[A-Za-z0-9_-]{1,32}")
_CREDENTIAL: Final = re.compile(r"([1-9][0-9]{0,9})\.([A-Za-z0-9_-]{32,128})")
_MAX_ID: Final = 2**31 - 1
_MAX_COUNT: Final = 2**31 - 1


_time = number(0.0, MAX_TIME)
_event_id = pattern(_HEX32, "32 lowercase hexadecimal digits (uuid4().hex)")
_token = pattern(_TOKEN, "1 to 64 letters, digits, _ or -")
_param_name = pattern(_PARAM_NAME, "1 to 32 letters, digits, _ or -")
_u16 = integer(0, 0xFFFF)
_u32 = integer(0, 0xFFFF_FFFF)
_count = integer(0, _MAX_COUNT)


def _params(value: object, name: str) -> dict[str, Any]:
    """A command's params: a flat object of at most MAX_PARAMS scalars."""
    if not isinstance(value, Mapping):
        raise ReportError(name, f"must be an object; got {kind(value)}")
    if len(value) > MAX_PARAMS:
        raise ReportError(name, f"must hold at most {MAX_PARAMS} keys; got {len(value)}")
    clean: dict[str, Any] = {}
    for key, item in value.items():
        where = f"{name}.{_param_name(key, name)}"
        if isinstance(item, str):
            clean[key] = text(MAX_PARAM_TEXT, empty=True)(item, where)
        elif item is None or isinstance(item, bool):
            clean[key] = item
        elif isinstance(item, int | float):
            clean[key] = _scalar_number(item, where)
        else:
            raise ReportError(where, f"must be a string, number, boolean or null; got {kind(item)}")
    return clean


def _scalar_number(value: int | float, name: str) -> int | float:
    if isinstance(value, int):
        return integer(-(2**53), 2**53)(value, name)  # type: ignore[no-any-return]
    return number(-(2.0**53), 2.0**53)(value, name)  # type: ignore[no-any-return]


# --- the messages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrollment(Message):
    """``POST /api/v1/enroll``: a one-time code from the hub, for this controller's name."""

    code: str
    name: str
    software_version: str

    _checks: ClassVar[dict[str, Check]] = {
        "code": pattern(_CODE, "4 to 64 capital letters, digits or - (see normalize_code)"),
        "name": text(MAX_NAME),
        "software_version": text(MAX_VERSION),
    }


@dataclass(frozen=True)
class EnrollmentGrant(Message):
    """201 answer to an enrollment: the controller's id and credential (shown once)."""

    controller_id: int
    credential: str = field(repr=False)
    report_interval_s: int

    _checks: ClassVar[dict[str, Check]] = {
        "controller_id": integer(1, _MAX_ID),
        "credential": pattern(_CREDENTIAL, '"<controller_id>.<secret of 32-128 [A-Za-z0-9_-]>"'),
        "report_interval_s": integer(*REPORT_INTERVAL_RANGE),
    }

    def _check_across(self) -> None:
        if parse_credential(self.credential)[0] != self.controller_id:
            raise ReportError("credential", "must start with the controller_id")


@dataclass(frozen=True)
class Heartbeat(Message):
    """How the controller itself is doing, sent with every periodic report."""

    uptime_s: int
    software_version: str
    power: str
    battery_mv: int | None
    radio_noise_dbm: int | None
    disk_free_mb: int | None
    temperature_c: float | None
    alarm_state: str
    open_episodes: int
    outbox_pending: int = 0
    outbox_dropped: int = 0

    _checks: ClassVar[dict[str, Check]] = {
        "uptime_s": _count,
        "software_version": text(MAX_VERSION),
        "power": choice(POWER_SOURCES),
        "battery_mv": optional(_u16),
        "radio_noise_dbm": optional(integer(-200, 0)),
        "disk_free_mb": optional(_count),
        "temperature_c": optional(number(-100.0, 200.0)),
        "alarm_state": choice(ALARM_STATES),
        "open_episodes": integer(0, 100),
        "outbox_pending": _count,
        "outbox_dropped": _count,
    }


@dataclass(frozen=True)
class SmsCounts(Message):
    """An episode's SMS: messages attempted, accepted by the provider, failed for good."""

    expected: int
    accepted: int
    failed: int

    _checks: ClassVar[dict[str, Check]] = {
        "expected": integer(0, 100_000),
        "accepted": integer(0, 100_000),
        "failed": integer(0, 100_000),
    }

    def _check_across(self) -> None:
        if self.accepted + self.failed > self.expected:
            raise ReportError("expected", "must be at least accepted + failed")


class EventBody(Message):
    """The ``data`` of one event type; ``TYPE`` is the event's ``type``."""

    TYPE: ClassVar[str]


@dataclass(frozen=True)
class EpisodeSummary(EventBody):
    """``episode``: an episode as it stands; the newest snapshot (by ``at``) wins."""

    TYPE: ClassVar[str] = "episode"
    episode_id: str
    kind: str
    network: int
    nodes: tuple[int, ...]
    presses: int
    started_at: float
    silenced_at: float | None
    ended_at: float | None
    end_reason: str | None
    sms: SmsCounts

    _checks: ClassVar[dict[str, Check]] = {
        "episode_id": _event_id,
        "kind": choice(KINDS),
        "network": _u16,
        "nodes": sequence(_u16, MAX_NODES, min_len=1),
        "presses": integer(1, 100_000),
        "started_at": _time,
        "silenced_at": optional(_time),
        "ended_at": optional(_time),
        "end_reason": optional(choice(END_REASONS)),
        "sms": nested(SmsCounts),
    }

    def _check_across(self) -> None:
        if len(set(self.nodes)) != len(self.nodes):
            raise ReportError("nodes", "must not repeat a node")
        if (self.ended_at is None) != (self.end_reason is None):
            raise ReportError("end_reason", "must be null exactly when ended_at is null")


@dataclass(frozen=True)
class SecurityCount(EventBody):
    """``security``: rejected frames of one reason from one claimed sender, merged."""

    TYPE: ClassVar[str] = "security"
    reason: str
    network: int | None
    src: int | None
    counter: int | None
    count: int
    first_at: float
    last_at: float

    _checks: ClassVar[dict[str, Check]] = {
        "reason": choice(SECURITY_REASONS),
        "network": optional(_u16),
        "src": optional(_u16),
        "counter": optional(_u32),
        "count": integer(1, _MAX_COUNT),
        "first_at": _time,
        "last_at": _time,
    }

    def _check_across(self) -> None:
        if self.last_at < self.first_at:
            raise ReportError("last_at", "must not be before first_at")


@dataclass(frozen=True)
class SelfTestResult(EventBody):
    """``self_test``: the weekly siren test (or one the hub asked for)."""

    TYPE: ClassVar[str] = "self_test"
    ok: bool
    skipped: bool
    detail: str
    siren_ms: int

    _checks: ClassVar[dict[str, Check]] = {
        "ok": boolean,
        "skipped": boolean,
        "detail": text(MAX_TEXT, empty=True),
        "siren_ms": integer(0, 60_000),
    }

    def _check_across(self) -> None:
        if self.ok and self.skipped:
            raise ReportError("skipped", "a skipped test cannot be ok")


@dataclass(frozen=True)
class NodeStatus(EventBody):
    """``node_heartbeat``: a panic node's last HEARTBEAT and when it was last heard."""

    TYPE: ClassVar[str] = "node_heartbeat"
    network: int
    address: int
    battery_mv: int | None
    low_battery: bool
    tamper: bool
    external_power: bool
    firmware: str | None
    rssi: int | None
    snr: float | None
    last_heard_at: float

    _checks: ClassVar[dict[str, Check]] = {
        "network": _u16,
        "address": _u16,
        "battery_mv": optional(_u16),
        "low_battery": boolean,
        "tamper": boolean,
        "external_power": boolean,
        "firmware": optional(text(16)),
        "rssi": optional(integer(-200, 0)),
        "snr": optional(number(-50.0, 50.0)),
        "last_heard_at": _time,
    }


@dataclass(frozen=True)
class CommandResult(EventBody):
    """``command_result``: what came of a hub command (acknowledges it)."""

    TYPE: ClassVar[str] = "command_result"
    command_id: str
    type: str
    status: str
    detail: str

    _checks: ClassVar[dict[str, Check]] = {
        "command_id": _token,
        "type": _token,
        "status": choice(COMMAND_STATUSES),
        "detail": text(MAX_TEXT, empty=True),
    }


BODIES: Final[Mapping[str, type[EventBody]]] = {
    body.TYPE: body
    for body in (EpisodeSummary, SecurityCount, SelfTestResult, NodeStatus, CommandResult)
}
EVENT_TYPES: Final = tuple(BODIES)


def _data(value: object, name: str) -> dict[str, Any]:
    if isinstance(value, EventBody):
        return value.to_json()
    if not isinstance(value, Mapping):
        raise ReportError(name, f"must be an object; got {kind(value)}")
    return dict(value)


@dataclass(frozen=True)
class Event(Message):
    """One thing the hub must see; ``id`` (uuid4 hex) makes a resend harmless."""

    id: str
    type: str
    at: float
    data: Mapping[str, Any]

    _checks: ClassVar[dict[str, Check]] = {
        "id": _event_id,
        "type": choice(EVENT_TYPES),
        "at": _time,
        "data": _data,
    }

    def _check_across(self) -> None:
        with within("data"):
            body = BODIES[self.type]._read(self.data)
        object.__setattr__(self, "data", body.to_json())

    @classmethod
    def of(cls, body: EventBody, *, id: str, at: float) -> Event:
        return cls(id=id, type=body.TYPE, at=at, data=body.to_json())

    def body(self) -> EventBody:
        """The typed ``data``."""
        return BODIES[self.type].from_json(self.data)


@dataclass(frozen=True)
class Report(Message):
    """``POST /api/v1/reports``: a heartbeat and/or a batch of events, oldest first."""

    controller_id: int
    sent_at: float
    heartbeat: Heartbeat | None
    events: tuple[Event, ...]

    _checks: ClassVar[dict[str, Check]] = {
        "controller_id": integer(1, _MAX_ID),
        "sent_at": _time,
        "heartbeat": optional(nested(Heartbeat)),
        "events": sequence(nested(Event), MAX_EVENTS),
    }

    def _check_across(self) -> None:
        unique(self.events, "events", lambda e: e.id, ".id")


@dataclass(frozen=True)
class Command(Message):
    """Something the Alarm Unit asked this controller to do; see :data:`COMMAND_TYPES`."""

    id: str
    type: str
    issued_at: float
    params: Mapping[str, Any] = field(default_factory=dict)

    _checks: ClassVar[dict[str, Check]] = {
        "id": _token,
        "type": _token,
        "issued_at": _time,
        "params": _params,
    }


@dataclass(frozen=True)
class ReportAnswer(Message):
    """200 answer to a report. ``accepted``: events stored now; ``duplicates``: stored
    before. Both acknowledge; an event of the report in neither was not stored."""

    accepted: tuple[str, ...]
    duplicates: tuple[str, ...]
    commands: tuple[Command, ...]
    report_interval_s: int

    _checks: ClassVar[dict[str, Check]] = {
        "accepted": sequence(_event_id, MAX_EVENTS),
        "duplicates": sequence(_event_id, MAX_EVENTS),
        "commands": sequence(nested(Command), MAX_COMMANDS),
        "report_interval_s": integer(*REPORT_INTERVAL_RANGE),
    }

    def _check_across(self) -> None:
        unique(self.accepted, "accepted", lambda i: i)
        unique(self.duplicates, "duplicates", lambda i: i)
        for index, event_id in enumerate(self.duplicates):
            if event_id in self.accepted:
                raise ReportError(f"duplicates[{index}]", "is also listed in accepted")
        unique(self.commands, "commands", lambda c: c.id, ".id")

    @property
    def acknowledged(self) -> frozenset[str]:
        return frozenset(self.accepted) | frozenset(self.duplicates)


@dataclass(frozen=True)
class ErrorAnswer(Message):
    """Any 4xx answer: a code (``ERROR_*``), a Spanish message, the bad field if any."""

    error: str
    message: str
    field: str | None = None

    _checks: ClassVar[dict[str, Check]] = {
        "error": _token,
        "message": text(MAX_TEXT * 2),
        "field": optional(text(MAX_TEXT)),
    }


# --- helpers for both sides --------------------------------------------------------------------


def normalize_code(text: str) -> str:
    """An enrollment code as typed by a person → as sent: spaces dropped, capitals."""
    return "".join(text.split()).upper()


def parse_credential(credential: str) -> tuple[int, str]:
    """``"<controller_id>.<secret>"`` → ``(controller_id, secret)``; ReportError if not."""
    found = _CREDENTIAL.fullmatch(credential) if isinstance(credential, str) else None
    if found is None:
        raise ReportError("credential", "must be <controller_id>.<secret>")
    return int(found[1]), found[2]


def bearer(credential: str) -> str:
    """The ``Authorization`` header value for ``credential``."""
    parse_credential(credential)
    return f"Bearer {credential}"


def credential_from_header(value: str | None) -> tuple[int, str]:
    """``Authorization: Bearer <credential>`` → ``(controller_id, secret)`` (hub side)."""
    scheme, _, credential = (value or "").partition(" ")
    if scheme.lower() != "bearer":
        raise ReportError("Authorization", "must be Bearer <credential>")
    return parse_credential(credential.strip())


def parse_enrollment(body: bytes) -> Enrollment:
    return parse(Enrollment, body, MAX_ENROLL_BYTES)


def parse_enrollment_grant(body: bytes) -> EnrollmentGrant:
    return parse(EnrollmentGrant, body, MAX_ENROLL_BYTES)


def parse_report(body: bytes) -> Report:
    return parse(Report, body, MAX_REPORT_BYTES)


def parse_report_answer(body: bytes) -> ReportAnswer:
    return parse(ReportAnswer, body, MAX_ANSWER_BYTES)


def parse_error(body: bytes) -> ErrorAnswer:
    return parse(ErrorAnswer, body, MAX_ERROR_BYTES)
