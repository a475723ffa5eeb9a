"""Passwords: argon2id hashing (argon2-cffi), the strength rule and temporary passwords.

Hashing costs tens of milliseconds of CPU and 64 MiB by default, so the web app calls the
``*_async`` methods, which run in a worker thread, at most :data:`CONCURRENT_HASHES` at a
time (a flood of log-ins queues instead of exhausting memory). The CLI calls the plain ones.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from functools import cached_property
from typing import Final, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hub.config import PasswordHashing
from hub.errors import Invalid

MIN_LENGTH: Final = 12
MAX_LENGTH: Final = 256
CONCURRENT_HASHES: Final = 2

COMMON_PASSWORDS: Final = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "123123123123",
        "111111111111",
        "000000000000",
        "qwertyuiopas",
        "qwerty123456",
        "password1234",
        "passwordpassword",
        "contraseña123",
        "contrasena123",
        "contraseña1234",
        "contrasena1234",
        "administrador",
        "administrador1",
        "sereno123456",
        "serenosereno",
        "municipalidad",
        "municipalidad1",
        "maipu1234567",
        "maipumaipumaipu",
        "alarmacomunitaria",
        "seguridad123",
        "seguridad1234",
        "chile1234567",
        "holahola1234",
        "iloveyou1234",
    }
)
"""A tiny list of passwords people actually pick; compared in lower case."""

_TEMPORARY_ALPHABET: Final = "abcdefghjkmnpqrstuvwxyz23456789"  # no i, l, o, 0, 1
T = TypeVar("T")


def check_strength(password: str, *, email: str, field: str = "password") -> None:
    """Refuse a weak password with a Spanish :class:`Invalid` for ``field``: shorter than
    :data:`MIN_LENGTH`, longer than :data:`MAX_LENGTH`, the e-mail itself (or its name part)
    or a common password."""
    lowered = password.strip().lower()
    if len(password) < MIN_LENGTH:
        problem = f"La contraseña debe tener al menos {MIN_LENGTH} caracteres."
    elif len(password) > MAX_LENGTH:
        problem = f"La contraseña no puede tener más de {MAX_LENGTH} caracteres."
    elif lowered in {email.lower(), email.lower().partition("@")[0]}:
        problem = "La contraseña no puede ser su correo electrónico."
    elif lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2:
        problem = "Esa contraseña es demasiado común; elija otra más difícil de adivinar."
    else:
        return
    raise Invalid(problem, field=field)


def temporary_password() -> str:
    """A random password to hand over once (four groups of four: ``k7qm-x2pd-…``, about 79
    bits), which its owner must change at the first log-in."""
    groups = ("".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)


class Passwords:
    """Hash and verify with argon2id at the configured cost."""

    def __init__(self, params: PasswordHashing) -> None:
        self._hasher = PasswordHasher(
            time_cost=params.time_cost,
            memory_cost=params.memory_kib,
            parallelism=params.parallelism,
        )
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """The hash was made with other parameters than today's (upgrade it at log-in)."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    def verify_nothing(self, password: str) -> None:
        """Spend the time of a real verification, for an e-mail that has no account, so
        the answer's timing does not tell which e-mails exist."""
        self.verify(self._dummy_hash, password)

    @cached_property
    def _slots(self) -> asyncio.Semaphore:
        return asyncio.Semaphore(CONCURRENT_HASHES)

    async def _in_thread(self, work: Callable[[], T]) -> T:
        async with self._slots:
            return await asyncio.get_running_loop().run_in_executor(None, work)

    async def hash_async(self, password: str) -> str:
        return await self._in_thread(lambda: self.hash(password))

    async def verify_async(self, password_hash: str, password: str) -> bool:
        return await self._in_thread(lambda: self.verify(password_hash, password))

    async def verify_nothing_async(self, password: str) -> None:
        await self._in_thread(lambda: self.verify_nothing(password))
