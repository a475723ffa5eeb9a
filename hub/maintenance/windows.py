"""Maintenance windows: while a controller (or its whole barrio) is being worked on, the
hub keeps collecting its reports but holds its alarms and notifications.

A window names one controller or one barrio. It is *planificada* (a start and an end ahead)
or *inmediata* (starts now, with or without an end; ended with "terminar ahora"). A
planned window can be cancelled before it starts. The fleet asks::

    in_maintenance(db, controller_id=7, barrio_id=3, at=now)

which is true when some window names controller 7 or barrio 3, is not cancelled, and
``starts_at <= at < ends_at`` (an open window, ``ends_at`` NULL, has no end).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from hub.errors import Invalid, NotFound
from hub.forms import FormReader
from hub.maintenance import lookup
from hub.storage import Actor, HubDB, Subject

PAST_START_GRACE_S: Final = 300.0
"""A planned window may start up to this long ago (the form has minute precision)."""
_COLUMNS: Final = (
    "id, controller_id, barrio_id, kind, starts_at, ends_at, reason, created_at, "
    "created_by, ended_at, ended_by, canceled_at, canceled_by"
)
_APPLIES: Final = (
    "canceled_at IS NULL AND starts_at <= :at AND (ends_at IS NULL OR :at < ends_at) "
    "AND (controller_id = :controller OR (:barrio IS NOT NULL AND barrio_id = :barrio))"
)


class WindowKind(StrEnum):
    PLANIFICADA = "planificada"
    INMEDIATA = "inmediata"

    @property
    def label(self) -> str:
        return "Planificada" if self is WindowKind.PLANIFICADA else "Inmediata"


class WindowState(StrEnum):
    PROGRAMADA = "programada"
    EN_CURSO = "en_curso"
    TERMINADA = "terminada"
    CANCELADA = "cancelada"

    @property
    def label(self) -> str:
        return {
            WindowState.PROGRAMADA: "Programada",
            WindowState.EN_CURSO: "En curso",
            WindowState.TERMINADA: "Terminada",
            WindowState.CANCELADA: "Cancelada",
        }[self]


@dataclass(frozen=True)
class MaintenanceWindow:
    id: int
    controller_id: int | None
    barrio_id: int | None
    kind: WindowKind
    starts_at: float
    ends_at: float | None
    reason: str
    created_at: float
    created_by: str
    ended_at: float | None
    ended_by: str | None
    canceled_at: float | None
    canceled_by: str | None

    @property
    def subject(self) -> Subject:
        return Subject("maintenance_window", self.id)

    def applies(self, at: float) -> bool:
        """Whether the window holds alarms at ``at`` (for the controllers it names)."""
        return self.state(at) is WindowState.EN_CURSO

    def state(self, at: float) -> WindowState:
        if self.canceled_at is not None:
            return WindowState.CANCELADA
        if at < self.starts_at:
            return WindowState.PROGRAMADA
        if self.ends_at is None or at < self.ends_at:
            return WindowState.EN_CURSO
        return WindowState.TERMINADA


@dataclass(frozen=True)
class WindowDraft:
    """A window as the form asked for it, checked but not yet stored."""

    controller_id: int | None
    barrio_id: int | None
    kind: WindowKind
    starts_at: float
    ends_at: float | None
    reason: str


def read_window_form(fields: Mapping[str, str], *, at: float, zone: ZoneInfo) -> WindowDraft:
    """The window described by the form ``fields`` (times in ``zone``); :class:`Invalid`
    with a Spanish message per wrong field."""
    form = FormReader(fields)
    controller_id = form.record_id("controller_id", "el controlador")
    barrio_id = form.record_id("barrio_id", "el barrio")
    if "controller_id" not in form.problems and "barrio_id" not in form.problems:
        if controller_id is None and barrio_id is None:
            form.fail("controller_id", "Indique el controlador o el barrio en mantención.")
        elif controller_id is not None and barrio_id is not None:
            form.fail("barrio_id", "Indique un controlador o un barrio, no ambos.")
    kind = form.choice("kind", WindowKind, "Elija si la mantención es planificada o inmediata.")
    reason = form.text("reason", required="Escriba el motivo de la mantención.", max_chars=500)
    starts_at: float | None = at
    ends_at: float | None = None
    if "kind" in form.problems:
        pass  # which times are needed depends on the kind
    elif kind is WindowKind.PLANIFICADA:
        starts_at = form.local_time("starts_at", zone, required="Indique cuándo empieza.")
        ends_at = form.local_time("ends_at", zone, required="Indique cuándo termina.")
        if starts_at is not None and starts_at < at - PAST_START_GRACE_S:
            form.fail(
                "starts_at",
                "El inicio ya pasó: para una mantención que empieza ahora elija «Inmediata».",
            )
    else:
        ends_at = form.local_time("ends_at", zone)
    if ends_at is not None and starts_at is not None and "starts_at" not in form.problems:
        if ends_at <= starts_at and kind is WindowKind.PLANIFICADA:
            form.fail("ends_at", "El término debe ser posterior al inicio.")
        elif ends_at <= at:
            form.fail("ends_at", "El término debe ser posterior a este momento.")
    form.done()
    assert starts_at is not None
    return WindowDraft(controller_id, barrio_id, kind, starts_at, ends_at, reason)


def _window(row: Sequence[object]) -> MaintenanceWindow:
    (wid, controller, barrio, kind, starts, ends, reason, created_at, created_by) = row[:9]
    ended_at, ended_by, canceled_at, canceled_by = row[9:]
    assert isinstance(wid, int) and isinstance(starts, float) and isinstance(created_at, float)
    return MaintenanceWindow(
        id=wid,
        controller_id=controller if isinstance(controller, int) else None,
        barrio_id=barrio if isinstance(barrio, int) else None,
        kind=WindowKind(str(kind)),
        starts_at=starts,
        ends_at=ends if isinstance(ends, float) else None,
        reason=str(reason),
        created_at=created_at,
        created_by=str(created_by),
        ended_at=ended_at if isinstance(ended_at, float) else None,
        ended_by=None if ended_by is None else str(ended_by),
        canceled_at=canceled_at if isinstance(canceled_at, float) else None,
        canceled_by=None if canceled_by is None else str(canceled_by),
    )


class MaintenanceWindows:
    """Every write to ``maintenance_windows``, each with its audit record."""

    def __init__(self, hub: HubDB) -> None:
        self._db = hub.db
        self._audit = hub.audit

    def create(self, draft: WindowDraft, *, actor: Actor, at: float) -> MaintenanceWindow:
        """Store ``draft``; :class:`Invalid` when it names a controller or barrio the
        fleet's tables do not have."""
        if draft.controller_id is not None:
            if lookup.exists(self._db, lookup.CONTROLLERS, draft.controller_id) is False:
                raise Invalid(
                    f"No existe el controlador N° {draft.controller_id}.", field="controller_id"
                )
        elif draft.barrio_id is not None and (
            lookup.exists(self._db, lookup.BARRIOS, draft.barrio_id) is False
        ):
            raise Invalid(f"No existe el barrio N° {draft.barrio_id}.", field="barrio_id")
        record = {
            "controller_id": draft.controller_id,
            "barrio_id": draft.barrio_id,
            "kind": draft.kind.value,
            "starts_at": draft.starts_at,
            "ends_at": draft.ends_at,
            "reason": draft.reason,
        }
        with self._db.atomic():
            window_id = (
                self._db.table("maintenance_windows")
                .insert({**record, "created_at": at, "created_by": actor.label})
                .last_pk
            )
            assert isinstance(window_id, int)
            self._audit.record(
                actor,
                "maintenance_window.create",
                Subject("maintenance_window", window_id),
                record,
                at=at,
            )
        return self.get(window_id)

    def get(self, window_id: int) -> MaintenanceWindow:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM maintenance_windows WHERE id = ?",  # noqa: S608
            [window_id],
        ).fetchone()
        if row is None:
            raise NotFound(f"No existe la ventana de mantención N° {window_id}.")
        return _window(row)

    def end(self, window_id: int, *, actor: Actor, at: float) -> MaintenanceWindow:
        """ "Terminar ahora": a window in progress ends at ``at``; a planned one that has not
        started is cancelled. :class:`Invalid` if it already ended or was cancelled."""
        window = self.get(window_id)
        state = window.state(at)
        if state is WindowState.CANCELADA:
            raise Invalid("Esta ventana de mantención fue cancelada.")
        if state is WindowState.TERMINADA:
            raise Invalid("Esta ventana de mantención ya terminó.")
        table = self._db.table("maintenance_windows")
        with self._db.atomic():
            if state is WindowState.PROGRAMADA:
                table.update(window.id, {"canceled_at": at, "canceled_by": actor.label})
                self._audit.record(actor, "maintenance_window.cancel", window.subject, at=at)
            else:
                changes = {"ends_at": at, "ended_at": at, "ended_by": actor.label}
                table.update(window.id, changes)
                self._audit.record(
                    actor,
                    "maintenance_window.end",
                    window.subject,
                    {"ends_at": at, "planned_end": window.ends_at},
                    at=at,
                )
        return self.get(window.id)

    def current(
        self, *, controller_id: int, barrio_id: int | None, at: float
    ) -> MaintenanceWindow | None:
        """The window that holds the controller's alarms at ``at`` (the one ending last),
        or None."""
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM maintenance_windows WHERE {_APPLIES} "  # noqa: S608
            "ORDER BY ends_at IS NOT NULL, ends_at DESC, id LIMIT 1",
            {"at": at, "controller": controller_id, "barrio": barrio_id},
        ).fetchone()
        return None if row is None else _window(row)

    def listing(
        self,
        *,
        at: float,
        controller_id: int | None = None,
        barrio_id: int | None = None,
        past_limit: int = 50,
    ) -> dict[WindowState, list[MaintenanceWindow]]:
        """Windows by state: in progress and planned (all, by start), ended and cancelled
        (the latest ``past_limit``, newest first); optionally only those naming one
        controller or one barrio."""
        where, parameters = "1", {"at": at, "limit": past_limit}
        if controller_id is not None:
            where, parameters["controller"] = "controller_id = :controller", controller_id
        elif barrio_id is not None:
            where, parameters["barrio"] = "barrio_id = :barrio", barrio_id
        live = "canceled_at IS NULL AND (ends_at IS NULL OR ends_at > :at)"
        select = f"SELECT {_COLUMNS} FROM maintenance_windows WHERE {where} AND "  # noqa: S608
        rows = (
            self._db.execute(f"{select} {live} ORDER BY starts_at, id", parameters).fetchall()
            + self._db.execute(
                f"{select} NOT ({live}) ORDER BY coalesce(canceled_at, ends_at) DESC, id DESC "
                "LIMIT :limit",
                parameters,
            ).fetchall()
        )
        found: dict[WindowState, list[MaintenanceWindow]] = {state: [] for state in WindowState}
        for row in rows:
            window = _window(row)
            found[window.state(at)].append(window)
        return found


def current_window(
    db: HubDB, *, controller_id: int, barrio_id: int | None, at: float
) -> MaintenanceWindow | None:
    """The maintenance window that holds the controller's alarms at ``at``, if any (for
    pages that say "en mantención hasta …")."""
    return MaintenanceWindows(db).current(controller_id=controller_id, barrio_id=barrio_id, at=at)


def in_maintenance(db: HubDB, *, controller_id: int, barrio_id: int | None, at: float) -> bool:
    """Whether the controller is in maintenance at ``at``: a window that is not cancelled
    names the controller or ``barrio_id`` (its barrio) and ``starts_at <= at < ends_at``
    (no end: open). Keep collecting its reports; hold its alarms and notifications."""
    row = db.db.execute(
        f"SELECT 1 FROM maintenance_windows WHERE {_APPLIES} LIMIT 1",  # noqa: S608
        {"at": at, "controller": controller_id, "barrio": barrio_id},
    ).fetchone()
    return row is not None
