"""What people do with accounts: create users, log in, change passwords, administer.

The library under both the web views and ``sereno hub create-user``: it validates (Spanish
:class:`~hub.errors.Invalid` per field), hashes in a worker thread, applies the rules
(rate limits, no administrator acting on their own account) and writes through the
repositories of :class:`~hub.storage.HubDB`. Time is passed in (``at``), never read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TypeVar

from hub.config import LoginLimits
from hub.errors import Invalid, TooManyAttempts
from hub.passwords import Passwords, check_strength, temporary_password
from hub.roles import Role, parse_role
from hub.storage import Actor, HubDB, Session, User

MAX_NAME_LENGTH: Final = 120
MAX_EMAIL_LENGTH: Final = 254
BAD_LOGIN: Final = "Correo o contraseña incorrectos."
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
T = TypeVar("T")


@dataclass(frozen=True)
class SignedIn:
    """A new session: ``token`` goes into the cookie and nowhere else."""

    token: str
    session: Session


def normalize_email(text: str) -> str:
    return text.strip().lower()


def check_email(text: str, *, field: str = "email") -> str:
    """``text`` normalised, or :class:`Invalid` in Spanish."""
    email = normalize_email(text)
    if not email:
        raise Invalid("Ingrese un correo electrónico.", field=field)
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(email):
        raise Invalid(
            f"{text.strip()!r} no es un correo electrónico válido (p. ej. nombre@maipu.cl).",
            field=field,
        )
    return email


def check_name(text: str, *, field: str = "name") -> str:
    name = " ".join(text.split())
    if len(name) > MAX_NAME_LENGTH:
        raise Invalid(f"El nombre no puede tener más de {MAX_NAME_LENGTH} caracteres.", field=field)
    return name


@dataclass(frozen=True)
class NewUser:
    """A user's e-mail (normalised), name and role, checked and free to use."""

    email: str
    name: str
    role: Role


def check_new_user(db: HubDB, *, email: str, name: str, role: str | Role) -> NewUser:
    """Check a new user's fields (all problems at once, :class:`Invalid`), the e-mail
    included: it must not belong to anyone yet."""
    problems: dict[str, str] = {}
    checked_email = _collect(problems, lambda: check_email(email))
    checked_name = _collect(problems, lambda: check_name(name))
    checked_role = _collect(problems, lambda: parse_role(str(role)))
    if checked_email is not None and db.users.find(checked_email) is not None:
        problems["email"] = f"Ya existe un usuario con el correo {checked_email}."
    if problems or checked_email is None or checked_name is None or checked_role is None:
        raise Invalid(problems)
    return NewUser(checked_email, checked_name, checked_role)


async def create_user(
    db: HubDB,
    passwords: Passwords,
    *,
    email: str,
    name: str,
    role: str | Role,
    password: str,
    temporary: bool,
    actor: Actor,
    at: float,
) -> User:
    """Check every field (:func:`check_new_user` and the password's strength, all problems
    at once), hash the password and add the user. ``temporary``: the user must change the
    password at the first log-in."""
    problems: dict[str, str] = {}
    new = _collect(problems, lambda: check_new_user(db, email=email, name=name, role=role))
    _collect(problems, lambda: check_strength(password, email=normalize_email(email)))
    if problems or new is None:
        raise Invalid(problems)
    password_hash = await passwords.hash_async(password)
    return db.users.create(
        email=new.email,
        name=new.name,
        role=new.role,
        password_hash=password_hash,
        must_change_password=temporary,
        actor=actor,
        at=at,
    )


async def log_in(
    db: HubDB,
    passwords: Passwords,
    limits: LoginLimits,
    *,
    email: str,
    password: str,
    ip: str,
    at: float,
    session_lifetime_s: float,
) -> SignedIn:
    """Check the credentials and start a session.

    Raises :class:`TooManyAttempts` when the e-mail or the address has had too many
    failures in the window (checked before the password, so even the right one waits),
    and :class:`Invalid` (:data:`BAD_LOGIN`, the same for an unknown e-mail, an inactive
    account or a wrong password) otherwise. Success forgets the e-mail's failures and
    upgrades the stored hash when the hashing parameters have changed.
    """
    email = normalize_email(email)
    if not email or not password:
        raise Invalid("Ingrese su correo y su contraseña.")
    check_rate(db, limits, email=email, ip=ip, at=at)
    # Counted as a failure before the slow verification, so that guesses sent at the same
    # time see each other; forgotten if it succeeds.
    db.login_attempts.record_failure(email, ip, at=at)
    credentials = db.users.credentials(email)
    if credentials is None:
        await passwords.verify_nothing_async(password)
        raise Invalid(BAD_LOGIN)
    user, password_hash = credentials
    if not (await passwords.verify_async(password_hash, password) and user.active):
        raise Invalid(BAD_LOGIN)
    db.login_attempts.clear(email)
    if passwords.needs_rehash(password_hash):
        db.users.upgrade_hash(user.id, await passwords.hash_async(password))
    db.users.record_login(user, at=at)
    token, session = db.sessions.start(user, at=at, lifetime_s=session_lifetime_s)
    return SignedIn(token, session)


def check_rate(db: HubDB, limits: LoginLimits, *, email: str, ip: str, at: float) -> None:
    """:class:`TooManyAttempts` when ``email`` or ``ip`` has reached its limit of failures in
    the sliding window; ``retry_after`` is when enough of them will have aged out."""
    since = at - limits.window_s
    waits = []
    for times, limit in (
        (db.login_attempts.failure_times(email=email, since=since), limits.per_email),
        (db.login_attempts.failure_times(ip=ip, since=since), limits.per_ip),
    ):
        if len(times) >= limit:
            waits.append(times[len(times) - limit] + limits.window_s - at)
    if waits:
        raise TooManyAttempts(math.ceil(max(waits)))


async def change_own_password(
    db: HubDB,
    passwords: Passwords,
    limits: LoginLimits,
    session: Session,
    *,
    current: str,
    new: str,
    repeat: str,
    ip: str,
    at: float,
    session_lifetime_s: float,
) -> SignedIn:
    """Replace the signed-in user's password after checking the current one (a wrong one
    counts as a failed log-in). Ends every session of the user (other browsers too) and
    returns a new one for this browser."""
    user = session.user
    check_rate(db, limits, email=user.email, ip=ip, at=at)
    db.login_attempts.record_failure(user.email, ip, at=at)  # until it proves right
    if not await passwords.verify_async(db.users.password_hash(user.id), current):
        raise Invalid("La contraseña actual no es correcta.", field="current_password")
    db.login_attempts.clear(user.email)
    check_strength(new, email=user.email, field="new_password")
    if new != repeat:
        raise Invalid("Las contraseñas nuevas no coinciden.", field="repeat_password")
    if new == current:
        raise Invalid("La contraseña nueva debe ser distinta de la actual.", field="new_password")
    password_hash = await passwords.hash_async(new)
    db.users.set_password(user.id, password_hash, temporary=False, actor=user.actor, at=at)
    token, fresh = db.sessions.start(db.users.get(user.id), at=at, lifetime_s=session_lifetime_s)
    return SignedIn(token, fresh)


def _not_self(admin: User, user_id: int, what: str) -> None:
    if admin.id == user_id:
        raise Invalid(f"No puede {what} su propia cuenta; pídaselo a otra persona administradora.")


def set_role(db: HubDB, admin: User, user_id: int, role: str, *, at: float) -> User:
    _not_self(admin, user_id, "cambiar el rol de")
    return db.users.set_role(user_id, parse_role(role), actor=admin.actor, at=at)


def set_active(db: HubDB, admin: User, user_id: int, active: bool, *, at: float) -> User:
    _not_self(admin, user_id, "desactivar ni reactivar")
    return db.users.set_active(user_id, active, actor=admin.actor, at=at)


async def issue_temporary_password(
    db: HubDB, passwords: Passwords, admin: User, user_id: int, *, at: float
) -> tuple[User, str]:
    """A new random password for ``user_id``, to be changed at the next log-in; ends the
    user's sessions. Returns the user and the password (shown once, never stored)."""
    _not_self(admin, user_id, "dar una contraseña temporal a")
    user = db.users.get(user_id)
    password = temporary_password()
    password_hash = await passwords.hash_async(password)
    db.users.set_password(user.id, password_hash, temporary=True, actor=admin.actor, at=at)
    return db.users.get(user_id), password


def _collect(problems: dict[str, str], check: Callable[[], T]) -> T | None:
    try:
        return check()
    except Invalid as exc:
        problems.update(exc.problems)
        return None
