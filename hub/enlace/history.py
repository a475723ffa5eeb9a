"""Author and change history of the Enlace records, kept in the audit log.

A repository that creates or changes a record calls :func:`record_change` in the same
transaction, with the record's fields before and after; the audit entry's ``detail`` keeps
only what changed, as ``{"campo": [antes, después]}`` (a creation: ``[null, valor]``).
Pages show a record's history with :func:`history_of` and the ``historial`` macro of
``enlace/macros.html``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hub.storage import Actor, AuditEntry, HubDB, Subject
from hub.storage.audit import Json


def changes(before: Mapping[str, Json] | None, after: Mapping[str, Json]) -> dict[str, Json]:
    """``{field: [old, new]}`` for every field of ``after`` that differs from ``before``."""
    old = before or {}
    return {name: [old.get(name), value] for name, value in after.items() if old.get(name) != value}


def record_change(
    hub: HubDB,
    actor: Actor,
    action: str,
    subject: Subject,
    before: Mapping[str, Json] | None,
    after: Mapping[str, Json],
    *,
    at: float,
    extra: Mapping[str, Json] | None = None,
) -> None:
    """Audit ``action`` on ``subject`` with the fields that changed (and ``extra``, such as
    the record's ``barrio_id``). Call inside the transaction that writes the change."""
    detail: dict[str, Json] = {"cambios": changes(before, after)}
    detail.update(extra or {})
    hub.audit.record(actor, action, subject, detail, at=at)


@dataclass(frozen=True)
class HistoryLine:
    """One entry of a record's history, as a page shows it."""

    at: float
    author: str
    what: str
    changed: dict[str, tuple[Json, Json]]


def history_of(
    hub: HubDB, subject: Subject, texts: Mapping[str, str] | None = None
) -> list[HistoryLine]:
    """``subject``'s history, oldest first: its author (the first line) and every change.
    ``texts`` gives the Spanish for each action (``plan.create`` → ``Creó el plan``)."""
    return [_line(entry, texts or {}) for entry in hub.audit.history(subject)]


def _line(entry: AuditEntry, texts: Mapping[str, str]) -> HistoryLine:
    raw = entry.detail.get("cambios")
    changed: dict[str, tuple[Json, Json]] = {}
    if isinstance(raw, dict):
        for name, pair in raw.items():
            if isinstance(pair, list) and len(pair) == 2:
                changed[name] = (pair[0], pair[1])
    return HistoryLine(entry.at, entry.actor.label, texts.get(entry.action, entry.action), changed)
