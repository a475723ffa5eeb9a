"""Exceptions of the ``hub`` package.

Every error the hub raises on purpose derives from :class:`HubError`. Messages are Spanish
(es-CL): the web pages and ``sereno hub …`` show them as they are. Views turn them into
HTTP errors (the error middleware in :mod:`hub.web.errors` is the safety net that maps any
that escape: :class:`NotFound` → 404, :class:`Forbidden` → 403, :class:`Invalid` → 400,
:class:`TooManyAttempts` → 429).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

FORM: str = ""
"""The ``Invalid.problems`` key for a problem of the whole form rather than one field."""


class HubError(Exception):
    """Root of the hub package."""


class NotFound(HubError, LookupError):
    """The record asked for does not exist (a user id, a controller…)."""


class Forbidden(HubError, PermissionError):
    """The person is signed in but may not do this to this record."""


class Invalid(HubError, ValueError):
    """Input that cannot be accepted, one Spanish message per offending field.

    ``problems`` maps a form field name (``"email"``, ``"password"``…) to what is wrong
    with it; :data:`FORM` (``""``) is for the form as a whole. ``str(exc)`` joins the
    messages, for the CLI.
    """

    def __init__(self, problems: Mapping[str, str] | str, *, field: str = FORM) -> None:
        self.problems: dict[str, str] = (
            {field: problems} if isinstance(problems, str) else dict(problems)
        )
        super().__init__("\n".join(self.problems.values()))


class ConfigError(HubError, ValueError):
    """The hub's TOML configuration is missing, unreadable or invalid; one Spanish line per
    problem, naming the file and the key."""

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems: tuple[str, ...] = (
            (problems,) if isinstance(problems, str) else tuple(problems)
        )
        super().__init__("\n".join(self.problems))


class StorageError(HubError, RuntimeError):
    """The database cannot be opened or used (not a database, a newer schema, no
    permission). The message is Spanish: the CLI shows it."""


class TooManyAttempts(HubError):
    """Too many failed log-ins from this address or for this e-mail: wait ``retry_after``
    seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        minutes = -(-self.retry_after // 60)
        wait = "1 minuto" if minutes == 1 else f"{minutes} minutos"
        super().__init__(
            f"Demasiados intentos fallidos de inicio de sesión. Espere {wait} y vuelva a "
            "intentarlo."
        )
