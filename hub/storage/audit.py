"""The audit log: who did what, to which record, when.

Every repository that changes a record calls :meth:`AuditLog.record` inside the same
transaction as the change, so a record's history (:meth:`AuditLog.history`) is complete:
its author and every later change, with what changed in ``detail``::

    with self._db.atomic():
        self._db.table("barrios").update(barrio_id, {"name": name})
        self._audit.record(actor, "barrio.rename", Subject("barrio", barrio_id),
                           {"name": name}, at=now)

``action`` is ``<subject kind>.<verb>`` in English (``user.create``, ``user.role``); the
pages translate it for people. ``detail`` is a small JSON object of what changed, never a
secret (no password, no token, no hash).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal, TypeAlias

from sqlite_utils import Database

from hub.storage.migrations import MigrationSet

ActorKind: TypeAlias = Literal["user", "controller", "system"]
Json: TypeAlias = str | int | float | bool | list["Json"] | dict[str, "Json"] | None

migrations: Final = MigrationSet("audit")
_COLUMNS: Final = (
    "id, at, actor_kind, actor_id, actor_label, action, subject_kind, subject_id, detail"
)


@migrations()
def m001_audit_log(db: Database) -> None:
    db.table("audit_log").create(
        {
            "id": int,
            "at": float,
            "actor_kind": str,
            "actor_id": int,
            "actor_label": str,
            "action": str,
            "subject_kind": str,
            "subject_id": str,
            "detail": str,
        },
        pk="id",
        not_null={"at", "actor_kind", "actor_label", "action", "subject_kind", "subject_id"},
        defaults={"detail": "{}"},
        strict=True,
    )
    db.table("audit_log").create_index(["subject_kind", "subject_id", "at"])
    db.table("audit_log").create_index(["at"])


@dataclass(frozen=True)
class Actor:
    """Who acted: a signed-in user, a controller (its API credential) or the system (the
    CLI, a background job). ``label`` is what people read (an e-mail, a name)."""

    kind: ActorKind
    id: int | None
    label: str

    @classmethod
    def user(cls, user_id: int, email: str) -> Actor:
        return cls("user", user_id, email)

    @classmethod
    def system(cls, label: str) -> Actor:
        return cls("system", None, label)


@dataclass(frozen=True)
class Subject:
    """The record acted on: its kind (``user``, ``controller``, ``barrio``…) and id."""

    kind: str
    id: str | int


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: float
    actor: Actor
    action: str
    subject: Subject
    detail: Mapping[str, Json] = field(default_factory=dict)


class AuditLog:
    """Append-only: rows are written by :meth:`record` and never changed."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record(
        self,
        actor: Actor,
        action: str,
        subject: Subject,
        detail: Mapping[str, Json] | None = None,
        *,
        at: float,
    ) -> None:
        self._db.table("audit_log").insert(
            {
                "at": at,
                "actor_kind": actor.kind,
                "actor_id": actor.id,
                "actor_label": actor.label,
                "action": action,
                "subject_kind": subject.kind,
                "subject_id": str(subject.id),
                "detail": json.dumps(dict(detail or {}), ensure_ascii=False, sort_keys=True),
            }
        )

    def history(self, subject: Subject, *, limit: int = 200) -> list[AuditEntry]:
        """What was done to ``subject``, oldest first (its creation is the first entry)."""
        return self._select(
            "WHERE subject_kind = ? AND subject_id = ? ORDER BY at, id LIMIT ?",
            [subject.kind, str(subject.id), limit],
        )

    def recent(self, *, limit: int = 100) -> list[AuditEntry]:
        """The newest ``limit`` entries, newest first."""
        return self._select("ORDER BY at DESC, id DESC LIMIT ?", [limit])

    def _select(self, tail: str, parameters: list[object]) -> list[AuditEntry]:
        sql = f"SELECT {_COLUMNS} FROM audit_log {tail}"  # noqa: S608 - fixed SQL, values bound
        rows = self._db.execute(sql, parameters).fetchall()
        return [
            AuditEntry(
                id=row[0],
                at=row[1],
                actor=Actor(row[2], row[3], row[4]),
                action=row[5],
                subject=Subject(row[6], row[7]),
                detail=json.loads(row[8] or "{}"),
            )
            for row in rows
        ]
