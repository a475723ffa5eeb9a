"""The hub's storage: :class:`HubDB` (SQLite through sqlite-utils), repositories and
migrations. See :mod:`hub.storage.migrations` for how to add a migration."""

from hub.storage.accounts import Session, User
from hub.storage.audit import Actor, AuditEntry, Subject
from hub.storage.db import HubDB

__all__ = ["Actor", "AuditEntry", "HubDB", "Session", "Subject", "User"]
