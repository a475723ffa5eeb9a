"""Controllers: enrollment with one-time codes, credentials, and whether each is reporting.

Enrollment: the Unidad de Alarmas makes a code (:func:`issue_code`, from the web page or
``sereno hub enroll-code``) naming the controller and its barrio; the installer's
``sereno controller enroll`` sends it once (:func:`enroll`) and gets the controller's id
and credential ``"<id>.<secret>"``. Only SHA-256 hashes of codes and secrets are stored:
the code is 40 random bits that live at most a week and work once; the secret is 256 random
bits, so a plain hash compared in constant time is enough (no password hashing).

Connection state (:func:`connection`): *never* before the first report, *online* while
reports keep coming, *offline* once no report came for longer than the grace, ``2 ×
report interval + 30 s`` (ChirpStack's convention, with room for one lost report and a
slow network).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from hub.errors import Invalid, NotFound
from hub.storage import Actor, HubDB, Subject
from hub.territory import get_or_create
from protocol.report import (
    ERROR_CODE_EXPIRED,
    ERROR_CODE_UNKNOWN,
    ERROR_CODE_USED,
    MAX_NAME,
    REPORT_INTERVAL_RANGE,
    Enrollment,
    EnrollmentGrant,
    ReportError,
    credential_from_header,
    normalize_code,
)

DEFAULT_REPORT_INTERVAL_S: Final = 60
GRACE_FACTOR: Final = 2
GRACE_EXTRA_S: Final = 30
CODE_ALPHABET: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""32 symbols without 0/O and 1/I, which people misread: 8 of them are 40 bits."""
CODE_HOURS: Final = (1, 168)
DEFAULT_CODE_HOURS: Final = 48
ENROLL_WINDOW_S: Final = 15 * 60
ENROLL_FAILURES_PER_IP: Final = 10
"""Wrong, spent or expired codes accepted from one address within the window; then 429."""
_DUMMY_HASH: Final = hashlib.sha256(b"no such controller").hexdigest()


class Connection(StrEnum):
    NEVER = "never"
    ONLINE = "online"
    OFFLINE = "offline"

    @property
    def label(self) -> str:
        return {"never": "nunca reportó", "online": "en línea", "offline": "sin conexión"}[self]


@dataclass(frozen=True)
class Controller:
    id: int
    name: str
    reported_name: str
    barrio_id: int | None
    barrio: str | None
    enrolled_at: float
    report_interval_s: int
    told_interval_s: int | None
    software_version: str
    last_report_at: float | None
    last_sent_at: float | None
    clock_skew_s: float | None
    reports: int

    @property
    def grace_s(self) -> float:
        """How long without a report before it is offline: twice the longest interval it
        may be following (the configured one, or the one its last answer told it), + 30 s."""
        interval = max(self.report_interval_s, self.told_interval_s or 0)
        return GRACE_FACTOR * interval + GRACE_EXTRA_S

    def connection(self, at: float) -> Connection:
        return connection(self.last_report_at, self.grace_s, at)

    @property
    def subject(self) -> Subject:
        return Subject("controller", self.id)

    @property
    def actor(self) -> Actor:
        return Actor("controller", self.id, self.name)


def connection(last_report_at: float | None, grace_s: float, at: float) -> Connection:
    """Offline only once *more* than ``grace_s`` passed since the last report."""
    if last_report_at is None:
        return Connection.NEVER
    return Connection.OFFLINE if at - last_report_at > grace_s else Connection.ONLINE


_COLUMNS: Final = (
    "c.id, c.name, c.reported_name, c.barrio_id, b.name, c.enrolled_at, c.report_interval_s, "
    "c.told_interval_s, c.software_version, c.last_report_at, c.last_sent_at, c.clock_skew_s, "
    "c.reports"
)
_FROM: Final = "FROM controllers c LEFT JOIN barrios b ON b.id = c.barrio_id"


def _controller(row: Any) -> Controller:
    return Controller(*row)


def get(db: HubDB, controller_id: int) -> Controller:
    row = db.db.execute(f"SELECT {_COLUMNS} {_FROM} WHERE c.id = ?", [controller_id]).fetchone()
    if row is None:
        raise NotFound(f"No existe el controlador {controller_id}.")
    return _controller(row)


def all_controllers(db: HubDB) -> list[Controller]:
    rows = db.db.execute(f"SELECT {_COLUMNS} {_FROM} ORDER BY b.name, c.name, c.id").fetchall()
    return [_controller(row) for row in rows]


def set_interval(
    db: HubDB, controller_id: int, text: str, *, actor: Actor, at: float
) -> Controller:
    """Ask the controller to report every ``text`` seconds from its next answer on."""
    low, high = REPORT_INTERVAL_RANGE
    try:
        seconds = int(text.strip())
    except ValueError:
        seconds = 0
    if not low <= seconds <= high:
        raise Invalid(
            f"El intervalo debe ser un número entero de segundos entre {low} y {high}.",
            field="report_interval_s",
        )
    controller = get(db, controller_id)
    with db.db.atomic():
        db.db.execute(
            "UPDATE controllers SET report_interval_s = ? WHERE id = ?", [seconds, controller_id]
        )
        db.audit.record(
            actor,
            "controller.interval",
            controller.subject,
            {"from": controller.report_interval_s, "to": seconds},
            at=at,
        )
    return get(db, controller_id)


# --- enrollment codes ------------------------------------------------------------------------


@dataclass(frozen=True)
class EnrollmentCode:
    """A code as the hub remembers it (never the code itself)."""

    id: int
    name: str
    barrio: str | None
    created_at: float
    created_by: str
    expires_at: float
    used_at: float | None
    controller_id: int | None
    created_by_name: str
    """Who made it as people read it: the person's name when they have one."""

    def state(self, at: float) -> str:
        if self.used_at is not None:
            return "usado"
        return "vencido" if at > self.expires_at else "vigente"


def code_hash(code: str) -> str:
    """The stored form of a code as typed: spaces and dashes dropped, capitals."""
    key = normalize_code(code).replace("-", "")
    return hashlib.sha256(key.encode()).hexdigest()


def new_code() -> str:
    """``"7KQ2-MX4P"``: 8 symbols of :data:`CODE_ALPHABET`."""
    symbols = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{symbols[:4]}-{symbols[4:]}"


def check_code_fields(name: str, barrio: str, hours: str | int) -> tuple[str, str, int]:
    """The new code's name, barrio and hours, or :class:`Invalid` naming each problem."""
    problems: dict[str, str] = {}
    clean = " ".join(name.split())
    if not clean:
        problems["name"] = "Escriba el nombre del controlador (por ejemplo, la calle o el pasaje)."
    elif len(clean) > MAX_NAME:
        problems["name"] = f"El nombre no puede tener más de {MAX_NAME} caracteres."
    barrio_name = " ".join(barrio.split())
    if not barrio_name:
        problems["barrio"] = "Escriba el barrio del controlador."
    low, high = CODE_HOURS
    try:
        valid_hours = int(str(hours).strip())
    except ValueError:
        valid_hours = 0
    if not low <= valid_hours <= high:
        problems["hours"] = f"La vigencia debe ser de {low} a {high} horas."
    if problems:
        raise Invalid(problems)
    return clean, barrio_name, valid_hours


def issue_code(
    db: HubDB, *, name: str, barrio: str, hours: str | int, actor: Actor, at: float
) -> tuple[EnrollmentCode, str]:
    """A new one-time code; returns its record and the code, which is shown once."""
    clean, barrio_name, valid_hours = check_code_fields(name, barrio, hours)
    code = new_code()
    with db.db.atomic():
        place = get_or_create(db, barrio_name, actor=actor, at=at)
        cursor = db.db.execute(
            "INSERT INTO enrollment_codes (code_sha256, name, barrio_id, created_at, created_by, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            [code_hash(code), clean, place.id, at, actor.label, at + valid_hours * 3600],
        )
        code_id = cursor.lastrowid
        assert code_id is not None
        db.audit.record(
            actor,
            "enrollment_code.create",
            Subject("enrollment_code", code_id),
            {"name": clean, "barrio": place.name, "hours": valid_hours},
            at=at,
        )
    return enrollment_codes(db, limit=1, code_id=code_id)[0], code


def enrollment_codes(
    db: HubDB, *, limit: int = 50, code_id: int | None = None
) -> list[EnrollmentCode]:
    where, parameters = ("WHERE e.id = ?", [code_id]) if code_id is not None else ("", [])
    rows = db.db.execute(
        "SELECT e.id, e.name, b.name, e.created_at, e.created_by, e.expires_at, e.used_at, "  # noqa: S608
        "e.controller_id, coalesce(nullif(u.name, ''), e.created_by) FROM enrollment_codes e "
        "LEFT JOIN barrios b ON b.id = e.barrio_id LEFT JOIN users u ON u.email = e.created_by "
        f"{where} ORDER BY e.id DESC LIMIT ?",
        [*parameters, limit],
    ).fetchall()
    return [EnrollmentCode(*row) for row in rows]


class EnrollmentRefused(Exception):
    """The code cannot be used: ``error`` is the contract's code, ``message`` Spanish."""

    def __init__(self, error: str, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.error = error
        self.message = message
        self.retry_after = retry_after


_ASK_ANOTHER: Final = "pida uno nuevo a la Unidad de Alarmas Comunitarias."
REFUSALS: Final = {
    ERROR_CODE_UNKNOWN: "El código de inscripción no existe; revise cómo lo escribió o "
    + _ASK_ANOTHER,
    ERROR_CODE_EXPIRED: "El código de inscripción venció; " + _ASK_ANOTHER,
    ERROR_CODE_USED: "El código de inscripción ya fue usado; " + _ASK_ANOTHER,
}


def enroll(db: HubDB, enrollment: Enrollment, *, ip: str, at: float) -> EnrollmentGrant:
    """Spend the code and make the controller with its credential; raises
    :class:`EnrollmentRefused` (and counts the failure against ``ip``)."""
    since = at - ENROLL_WINDOW_S
    failures = db.db.execute(
        "SELECT min(at), count(*) FROM enrollment_failures WHERE ip = ? AND at > ?", [ip, since]
    ).fetchone()
    if failures[1] >= ENROLL_FAILURES_PER_IP:
        wait = max(1, int(failures[0] + ENROLL_WINDOW_S - at) + 1)
        minutes = -(-wait // 60)
        raise EnrollmentRefused(
            "rate_limited",
            f"Demasiados códigos equivocados desde esta dirección; espere {minutes} minuto(s) "
            "y vuelva a intentarlo.",
            retry_after=wait,
        )
    row = db.db.execute(
        "SELECT id, name, barrio_id, expires_at, used_at FROM enrollment_codes "
        "WHERE code_sha256 = ?",
        [code_hash(enrollment.code)],
    ).fetchone()
    error = None
    if row is None:
        error = ERROR_CODE_UNKNOWN
    elif row[4] is not None:
        error = ERROR_CODE_USED
    elif at > row[3]:
        error = ERROR_CODE_EXPIRED
    if error is not None:
        with db.db.atomic():
            db.db.execute("INSERT INTO enrollment_failures (at, ip) VALUES (?, ?)", [at, ip])
        raise EnrollmentRefused(error, REFUSALS[error])
    code_id, name, barrio_id = row[0], row[1], row[2]
    secret = secrets.token_urlsafe(32)
    with db.db.atomic():
        cursor = db.db.execute(
            "INSERT INTO controllers (name, reported_name, barrio_id, enrolled_at, "
            "report_interval_s, software_version) VALUES (?, ?, ?, ?, ?, ?)",
            [
                name,
                enrollment.name,
                barrio_id,
                at,
                DEFAULT_REPORT_INTERVAL_S,
                enrollment.software_version,
            ],
        )
        controller_id = cursor.lastrowid
        assert controller_id is not None
        db.db.execute(
            "INSERT INTO controller_credentials (controller_id, secret_sha256, created_at) "
            "VALUES (?, ?, ?)",
            [controller_id, _secret_hash(secret), at],
        )
        db.db.execute(
            "UPDATE enrollment_codes SET used_at = ?, controller_id = ? WHERE id = ?",
            [at, controller_id, code_id],
        )
        db.audit.record(
            Actor("controller", controller_id, name),
            "controller.enroll",
            Subject("controller", controller_id),
            {
                "code": code_id,
                "reported_name": enrollment.name,
                "software_version": enrollment.software_version,
                "ip": ip,
            },
            at=at,
        )
    return EnrollmentGrant(controller_id, f"{controller_id}.{secret}", DEFAULT_REPORT_INTERVAL_S)


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def authenticate(db: HubDB, authorization: str | None) -> int | None:
    """The controller whose credential is in ``authorization`` (``Bearer <id>.<secret>``),
    or None. The hashes are compared in constant time, also for an unknown id."""
    try:
        controller_id, secret = credential_from_header(authorization)
    except ReportError:
        return None
    row = db.db.execute(
        "SELECT secret_sha256 FROM controller_credentials WHERE controller_id = ?",
        [controller_id],
    ).fetchone()
    expected = str(row[0]) if row is not None else _DUMMY_HASH
    matches = hmac.compare_digest(_secret_hash(secret).encode(), expected.encode())
    return controller_id if row is not None and matches else None


def purge_enrollment_failures(db: HubDB, *, at: float) -> None:
    with db.db.atomic():
        db.db.execute("DELETE FROM enrollment_failures WHERE at <= ?", [at - ENROLL_WINDOW_S])
