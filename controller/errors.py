"""Exceptions of the ``controller`` package.

Every error raised on purpose by the controller derives from :class:`ControllerError`.
Errors an installer causes and must fix (a bad ``controller.toml``, a bad registry entry)
also derive from ``ValueError`` and carry a Spanish message that names the field and says
what is expected, because the CLI shows them as they are.
"""

from __future__ import annotations

from collections.abc import Sequence


class ControllerError(Exception):
    """Root of the controller package."""


class ConfigError(ControllerError, ValueError):
    """``controller.toml`` is missing, unreadable or invalid.

    ``problems`` holds one Spanish line per offending field (``controller.toml: [alarm]
    siren_max_seconds debe ser …``); the message is those lines joined.
    """

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems: tuple[str, ...] = (
            (problems,) if isinstance(problems, str) else tuple(problems)
        )
        super().__init__("\n".join(self.problems))


class RegistryError(ControllerError, ValueError):
    """A node or vecino cannot be registered as given (duplicate, bad key, bad phone…).

    The message is Spanish and says what to fix.
    """


class StoreError(ControllerError, RuntimeError):
    """The local store cannot be opened or used (not a database, a newer schema, a disk
    that refuses writes). The message is Spanish: the installer sees it in the CLI."""
