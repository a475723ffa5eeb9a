"""Status histories and transitions of tickets and waitlist requests.

Every change of status is kept with who, when, from what, to what and a note, in the
record's own table (the audit log has them too, among everything else).
:func:`check_transition` refuses, in Spanish, a move its transitions table does not allow.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Final, Protocol, TypeVar

from sqlite_utils import Database

from hub.errors import Invalid
from hub.storage import Actor

TICKETS: Final = ("ticket_status_changes", "ticket_id")
WAITLIST: Final = ("waitlist_status_changes", "request_id")


@dataclass(frozen=True)
class StatusChange:
    at: float
    actor: str
    from_status: str | None
    """None for the record's creation."""
    to_status: str
    note: str


class StatusLog:
    """One history table: ``TICKETS`` or ``WAITLIST``."""

    def __init__(self, db: Database, table: tuple[str, str]) -> None:
        self._db = db
        self._table, self._key = table

    def add(
        self,
        record_id: int,
        from_status: str | None,
        to_status: str,
        *,
        note: str = "",
        actor: Actor,
        at: float,
    ) -> None:
        self._db.table(self._table).insert(
            {
                self._key: record_id,
                "at": at,
                "actor": actor.label,
                "from_status": from_status,
                "to_status": to_status,
                "note": note,
            }
        )

    def of(self, record_id: int) -> list[StatusChange]:
        """The record's changes, oldest first."""
        rows = self._db.execute(
            f"SELECT at, actor, from_status, to_status, note FROM {self._table} "  # noqa: S608
            f"WHERE {self._key} = ? ORDER BY at, id",
            [record_id],
        ).fetchall()
        return [StatusChange(row[0], row[1], row[2], row[3], row[4]) for row in rows]


class Status(Protocol, Hashable):
    @property
    def label(self) -> str: ...


S = TypeVar("S", bound=Status)


def check_transition(
    current: S, to: S, transitions: Mapping[S, tuple[S, ...]], *, the: str, one: str
) -> None:
    """:class:`Invalid` (on the ``status`` field), in Spanish, unless ``transitions``
    allow ``current`` → ``to``. ``the`` and ``one`` name the record: ``"El ticket"``,
    ``"Un ticket"``."""
    if to == current:
        raise Invalid(f"{the} ya está «{to.label}».", field="status")
    allowed = transitions[current]
    if not allowed:
        raise Invalid(f"{the} está «{current.label}» y ya no cambia de estado.", field="status")
    if to not in allowed:
        options = ", ".join(f"«{status.label}»" for status in allowed)
        raise Invalid(
            f"{one} «{current.label}» no puede pasar a «{to.label}». "
            f"Desde «{current.label}» puede pasar a: {options}.",
            field="status",
        )
