"""Accounts: users, their sessions and failed log-ins. Every write to these tables is here.

Passwords are stored only as argon2id hashes (:mod:`hub.passwords`). Session tokens are
stored only as their SHA-256: a copy of the database does not let anyone sign in. A
session's CSRF token is stored as is (it is worthless without the session token).
Changes to users are written to the audit log in the same transaction.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Final

from sqlite_utils import Database

from hub.errors import Invalid, NotFound
from hub.roles import Role
from hub.storage.audit import Actor, AuditLog, Subject
from hub.storage.migrations import MigrationSet

TOKEN_BYTES: Final = 32
MAX_TOKEN_CHARS: Final = 100
TOUCH_EVERY_S: Final = 60.0
"""A session's ``last_seen_at`` is rewritten at most this often (not on every request)."""

migrations: Final = MigrationSet("accounts")


@migrations()
def m001_users_sessions_attempts(db: Database) -> None:
    db.table("users").create(
        {
            "id": int,
            "email": str,
            "name": str,
            "role": str,
            "password_hash": str,
            "active": int,
            "must_change_password": int,
            "created_at": float,
            "last_login_at": float,
        },
        pk="id",
        not_null={"email", "name", "role", "password_hash", "active", "must_change_password"},
        defaults={"name": "", "active": 1, "must_change_password": 0},
        strict=True,
    )
    db.table("users").create_index(["email"], unique=True)
    db.table("sessions").create(
        {
            "token_hash": str,
            "user_id": int,
            "csrf_token": str,
            "created_at": float,
            "expires_at": float,
            "last_seen_at": float,
        },
        pk="token_hash",
        not_null={"user_id", "csrf_token", "created_at", "expires_at", "last_seen_at"},
        foreign_keys=[("user_id", "users", "id")],
        strict=True,
    )
    db.table("sessions").create_index(["user_id"])
    db.table("sessions").create_index(["expires_at"])
    db.table("login_attempts").create(
        {"id": int, "at": float, "email": str, "ip": str},
        pk="id",
        not_null={"at", "email", "ip"},
        strict=True,
    )
    db.table("login_attempts").create_index(["email", "at"])
    db.table("login_attempts").create_index(["ip", "at"])


@dataclass(frozen=True)
class User:
    """A person who signs in to the hub (never carries the password hash)."""

    id: int
    email: str
    name: str
    role: Role
    active: bool
    must_change_password: bool
    created_at: float
    last_login_at: float | None

    @property
    def display_name(self) -> str:
        return self.name or self.email

    @property
    def actor(self) -> Actor:
        return Actor.user(self.id, self.email)

    @property
    def subject(self) -> Subject:
        return Subject("user", self.id)


@dataclass(frozen=True)
class Session:
    """A signed-in browser: its user (as of this request), CSRF token and times."""

    token_hash: str
    user: User
    csrf_token: str
    created_at: float
    expires_at: float
    last_seen_at: float


_USER_COLUMNS: Final = (
    "users.id, users.email, users.name, users.role, users.active, "
    "users.must_change_password, users.created_at, users.last_login_at"
)


def _user(row: tuple[object, ...] | sqlite3.Row) -> User:
    user_id, email, name, role, active, must_change, created_at, last_login_at = row
    assert isinstance(user_id, int) and isinstance(created_at, float)
    return User(
        id=user_id,
        email=str(email),
        name=str(name),
        role=Role(str(role)),
        active=bool(active),
        must_change_password=bool(must_change),
        created_at=created_at,
        last_login_at=last_login_at if isinstance(last_login_at, float) else None,
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Users:
    def __init__(self, db: Database, audit: AuditLog) -> None:
        self._db = db
        self._audit = audit

    def create(
        self,
        *,
        email: str,
        name: str,
        role: Role,
        password_hash: str,
        must_change_password: bool,
        actor: Actor,
        at: float,
    ) -> User:
        """Add a user (``email`` already normalised); :class:`Invalid` if the e-mail is
        taken."""
        try:
            with self._db.atomic():
                user_id = (
                    self._db.table("users")
                    .insert(
                        {
                            "email": email,
                            "name": name,
                            "role": role.value,
                            "password_hash": password_hash,
                            "active": 1,
                            "must_change_password": int(must_change_password),
                            "created_at": at,
                        }
                    )
                    .last_pk
                )
                assert isinstance(user_id, int)
                self._audit.record(
                    actor,
                    "user.create",
                    Subject("user", user_id),
                    {"email": email, "name": name, "role": role.value},
                    at=at,
                )
        except sqlite3.IntegrityError:
            raise Invalid(f"Ya existe un usuario con el correo {email}.", field="email") from None
        return self.get(user_id)

    def get(self, user_id: int) -> User:
        row = self._db.execute(
            f"SELECT {_USER_COLUMNS} FROM users WHERE id = ?",  # noqa: S608
            [user_id],
        ).fetchone()
        if row is None:
            raise NotFound(f"No existe el usuario {user_id}.")
        return _user(row)

    def find(self, email: str) -> User | None:
        credentials = self.credentials(email)
        return None if credentials is None else credentials[0]

    def credentials(self, email: str) -> tuple[User, str] | None:
        """The user with ``email`` (normalised) and their password hash, if any."""
        row = self._db.execute(
            f"SELECT {_USER_COLUMNS}, password_hash FROM users WHERE email = ?",  # noqa: S608
            [email],
        ).fetchone()
        return None if row is None else (_user(row[:-1]), str(row[-1]))

    def password_hash(self, user_id: int) -> str:
        row = self._db.execute("SELECT password_hash FROM users WHERE id = ?", [user_id]).fetchone()
        if row is None:
            raise NotFound(f"No existe el usuario {user_id}.")
        return str(row[0])

    def all(self) -> list[User]:
        """Every user: active first, then by name (or e-mail)."""
        rows = self._db.execute(
            f"SELECT {_USER_COLUMNS} FROM users "  # noqa: S608
            "ORDER BY active DESC, lower(coalesce(nullif(name, ''), email)), id"
        ).fetchall()
        return [_user(row) for row in rows]

    def set_role(self, user_id: int, role: Role, *, actor: Actor, at: float) -> User:
        before = self.get(user_id)
        if before.role is not role:
            with self._db.atomic():
                self._db.table("users").update(user_id, {"role": role.value})
                self._audit.record(
                    actor,
                    "user.role",
                    before.subject,
                    {"from": before.role.value, "to": role.value},
                    at=at,
                )
        return self.get(user_id)

    def set_active(self, user_id: int, active: bool, *, actor: Actor, at: float) -> User:
        """Activate or deactivate; deactivating also ends every session of the user."""
        before = self.get(user_id)
        if before.active != active:
            with self._db.atomic():
                self._db.table("users").update(user_id, {"active": int(active)})
                if not active:
                    self._db.execute("DELETE FROM sessions WHERE user_id = ?", [user_id])
                action = "user.activate" if active else "user.deactivate"
                self._audit.record(actor, action, before.subject, at=at)
        return self.get(user_id)

    def set_password(
        self,
        user_id: int,
        password_hash: str,
        *,
        temporary: bool,
        actor: Actor,
        at: float,
    ) -> None:
        """Store a new password hash and end every session of the user. ``temporary``: a
        password an administrator issued, which the user must change at the next log-in."""
        self.get(user_id)
        with self._db.atomic():
            self._db.table("users").update(
                user_id,
                {"password_hash": password_hash, "must_change_password": int(temporary)},
            )
            self._db.execute("DELETE FROM sessions WHERE user_id = ?", [user_id])
            self._audit.record(
                actor, "user.password", Subject("user", user_id), {"temporary": temporary}, at=at
            )

    def upgrade_hash(self, user_id: int, password_hash: str) -> None:
        """Replace the hash of the same password with one of stronger parameters."""
        self._db.table("users").update(user_id, {"password_hash": password_hash})

    def record_login(self, user: User, *, at: float) -> None:
        with self._db.atomic():
            self._db.table("users").update(user.id, {"last_login_at": at})
            self._audit.record(user.actor, "user.login", user.subject, at=at)


class Sessions:
    def __init__(self, db: Database) -> None:
        self._db = db

    def start(self, user: User, *, at: float, lifetime_s: float) -> tuple[str, Session]:
        """A new session for ``user``; returns its token (shown to nobody but the cookie)
        and the session."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        session = Session(
            token_hash=token_hash(token),
            user=user,
            csrf_token=secrets.token_urlsafe(TOKEN_BYTES),
            created_at=at,
            expires_at=at + lifetime_s,
            last_seen_at=at,
        )
        self._db.table("sessions").insert(
            {
                "token_hash": session.token_hash,
                "user_id": user.id,
                "csrf_token": session.csrf_token,
                "created_at": session.created_at,
                "expires_at": session.expires_at,
                "last_seen_at": session.last_seen_at,
            }
        )
        return token, session

    def find(self, token: str, *, at: float, idle_s: float) -> Session | None:
        """The live session of ``token``: not expired, not idle longer than ``idle_s``, its
        user active. Notes the visit (at most every :data:`TOUCH_EVERY_S`)."""
        if not token or len(token) > MAX_TOKEN_CHARS:
            return None
        hashed = token_hash(token)
        row = self._db.execute(
            f"SELECT {_USER_COLUMNS}, sessions.csrf_token, sessions.created_at, "  # noqa: S608
            "sessions.expires_at, sessions.last_seen_at FROM sessions "
            "JOIN users ON users.id = sessions.user_id "
            "WHERE sessions.token_hash = ? AND users.active = 1 "
            "AND sessions.expires_at > ? AND sessions.last_seen_at > ?",
            [hashed, at, at - idle_s],
        ).fetchone()
        if row is None:
            return None
        user, (csrf_token, created_at, expires_at, last_seen_at) = _user(row[:8]), row[8:]
        if at - last_seen_at >= TOUCH_EVERY_S:
            self._db.table("sessions").update(hashed, {"last_seen_at": at})
            last_seen_at = at
        return Session(hashed, user, csrf_token, created_at, expires_at, last_seen_at)

    def end(self, session: Session) -> None:
        self._db.execute("DELETE FROM sessions WHERE token_hash = ?", [session.token_hash])

    def count_for(self, user_id: int) -> int:
        row = self._db.execute("SELECT count(*) FROM sessions WHERE user_id = ?", [user_id])
        return int(row.fetchone()[0])

    def purge(self, *, at: float, idle_s: float) -> int:
        """Delete expired and idle sessions; return how many."""
        return self._db.execute(
            "DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?", [at, at - idle_s]
        ).rowcount


class LoginAttempts:
    """Failed log-ins, counted per e-mail and per client address for rate limiting."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record_failure(self, email: str, ip: str, *, at: float) -> None:
        """Count an attempt as failed (log-in counts each one before checking the password,
        and calls :meth:`clear` for the e-mail when it succeeds)."""
        self._db.table("login_attempts").insert({"at": at, "email": email, "ip": ip})

    def failure_times(
        self, *, email: str | None = None, ip: str | None = None, since: float
    ) -> list[float]:
        """When the failures for ``email`` (or from ``ip``) after ``since`` happened, oldest
        first."""
        column, value = ("email", email) if email is not None else ("ip", ip)
        rows = self._db.execute(
            f"SELECT at FROM login_attempts WHERE {column} = ? AND at > ? ORDER BY at",  # noqa: S608
            [value, since],
        ).fetchall()
        return [float(row[0]) for row in rows]

    def clear(self, email: str) -> None:
        """Forget the failures for ``email`` (after it logged in successfully)."""
        self._db.execute("DELETE FROM login_attempts WHERE email = ?", [email])

    def purge(self, *, before: float) -> int:
        return self._db.execute("DELETE FROM login_attempts WHERE at < ?", [before]).rowcount
