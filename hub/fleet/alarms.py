"""Alarms: one open alarm per (controller or node, type), as Zabbix and ThingsBoard keep them.

An alarm is *observed* (:func:`observe`): the first observation opens it, a repeat updates
the open one (``last_seen``, ``count``, the newest ``detail``, the severity only upwards).
It is *cleared* (:func:`clear`) when its condition is healthy again; the next observation
then opens a new alarm. A person *acknowledges* it (:func:`acknowledge`): who and when are
kept and reminders stop; the alarm stays open until its condition clears. A unique index
on the open alarms makes "one open alarm per key" a rule of the database.

Other domains read alarms through :func:`alarm` (tickets opened from an alarm link its id).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from hub.errors import Invalid, NotFound
from hub.storage import Actor, HubDB, Subject


class Severity(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def label(self) -> str:
        return "advertencia" if self is Severity.WARNING else "crítica"

    @property
    def rank(self) -> int:
        return 1 if self is Severity.CRITICAL else 0


class AlarmType(StrEnum):
    OFFLINE = "offline"
    ON_BATTERY = "on_battery"
    LOW_BATTERY = "low_battery"
    SELF_TEST_FAILED = "self_test_failed"
    NODE_SILENT = "node_silent"
    NODE_LOW_BATTERY = "node_low_battery"
    SECURITY = "security"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def severity(self) -> Severity:
        """The severity it opens with (low battery turns critical under a threshold)."""
        return _SEVERITIES[self]

    @property
    def per_node(self) -> bool:
        return self in (AlarmType.NODE_SILENT, AlarmType.NODE_LOW_BATTERY)


_LABELS: Final = {
    AlarmType.OFFLINE: "Controlador sin conexión",
    AlarmType.ON_BATTERY: "Sin energía de la red (funciona con batería)",
    AlarmType.LOW_BATTERY: "Batería del controlador baja",
    AlarmType.SELF_TEST_FAILED: "Prueba de sirena fallida",
    AlarmType.NODE_SILENT: "Botón sin señal por más de 48 horas",
    AlarmType.NODE_LOW_BATTERY: "Botón con batería baja",
    AlarmType.SECURITY: "Tramas repetidas o falsificadas",
}
_SEVERITIES: Final = {
    AlarmType.OFFLINE: Severity.CRITICAL,
    AlarmType.ON_BATTERY: Severity.WARNING,
    AlarmType.LOW_BATTERY: Severity.WARNING,
    AlarmType.SELF_TEST_FAILED: Severity.CRITICAL,
    AlarmType.NODE_SILENT: Severity.WARNING,
    AlarmType.NODE_LOW_BATTERY: Severity.WARNING,
    AlarmType.SECURITY: Severity.CRITICAL,
}

Node = tuple[int, int]
"""A panic node: (network, address)."""


@dataclass(frozen=True)
class Alarm:
    id: int
    controller_id: int
    controller: str
    barrio_id: int | None
    node: Node | None
    type: AlarmType
    severity: Severity
    detail: str
    first_seen: float
    last_seen: float
    count: int
    acknowledged_by_id: int | None
    acknowledged_by: str | None
    acknowledged_at: float | None
    cleared_at: float | None
    notified_at: float | None
    last_notified_at: float | None
    reminders: int

    @property
    def open(self) -> bool:
        return self.cleared_at is None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    @property
    def subject(self) -> Subject:
        return Subject("alarm", self.id)

    @property
    def node_label(self) -> str:
        return "" if self.node is None else f"red {self.node[0]}, botón {self.node[1]}"


_COLUMNS: Final = (
    "a.id, a.controller_id, c.name, c.barrio_id, a.node_network, a.node_address, a.type, "
    "a.severity, a.detail, a.first_seen, a.last_seen, a.count, a.acknowledged_by_id, "
    "a.acknowledged_by, a.acknowledged_at, a.cleared_at, a.notified_at, a.last_notified_at, "
    "a.reminders"
)
_FROM: Final = "FROM alarms a JOIN controllers c ON c.id = a.controller_id"


def _alarm(row: Any) -> Alarm:
    (alarm_id, controller_id, controller, barrio_id, network, address, kind, severity) = row[:8]
    return Alarm(
        alarm_id,
        controller_id,
        controller,
        barrio_id,
        None if network is None else (int(network), int(address)),
        AlarmType(kind),
        Severity(severity),
        *row[8:],
    )


def alarm(db: HubDB, alarm_id: int) -> Alarm:
    """One alarm by id (open or cleared); :class:`NotFound` when there is none."""
    row = db.db.execute(f"SELECT {_COLUMNS} {_FROM} WHERE a.id = ?", [alarm_id]).fetchone()
    if row is None:
        raise NotFound(f"No existe la alarma {alarm_id}.")
    return _alarm(row)


def _writing(db: HubDB) -> contextlib.AbstractContextManager[object]:
    """A transaction of its own, or nothing when the caller's (a report's) is open: a
    savepoint around one statement costs three statements per alarm and buys nothing."""
    return contextlib.nullcontext() if db.db.conn.in_transaction else db.db.atomic()


def _key(node: Node | None) -> tuple[str, list[object]]:
    if node is None:
        return "a.node_network IS NULL", []
    return "a.node_network = ? AND a.node_address = ?", [node[0], node[1]]


def open_alarm(
    db: HubDB, controller_id: int, kind: AlarmType, node: Node | None = None
) -> Alarm | None:
    where, parameters = _key(node)
    row = db.db.execute(
        f"SELECT {_COLUMNS} {_FROM} WHERE a.controller_id = ? AND a.type = ? AND {where} "
        "AND a.cleared_at IS NULL",
        [controller_id, kind.value, *parameters],
    ).fetchone()
    return None if row is None else _alarm(row)


def observe(
    db: HubDB,
    controller_id: int,
    kind: AlarmType,
    *,
    detail: str,
    at: float,
    node: Node | None = None,
    severity: Severity | None = None,
    count: int = 1,
) -> Alarm:
    """Open the alarm, or update the open one: ``last_seen``, ``count`` (+ ``count``),
    ``detail``, and the severity if ``severity`` is worse. Call inside a transaction or not."""
    with _writing(db):
        record(
            db,
            controller_id,
            kind,
            detail=detail,
            at=at,
            node=node,
            severity=severity,
            count=count,
            is_open=open_alarm(db, controller_id, kind, node) is not None,
        )
    opened = open_alarm(db, controller_id, kind, node)
    assert opened is not None
    return opened


def record(
    db: HubDB,
    controller_id: int,
    kind: AlarmType,
    *,
    detail: str,
    at: float,
    is_open: bool,
    node: Node | None = None,
    severity: Severity | None = None,
    count: int = 1,
) -> None:
    """:func:`observe` in one statement, for a caller that knows whether the alarm is open
    (:class:`OpenAlarms`) and needs no :class:`Alarm` back. Inside the caller's transaction."""
    severity = severity or kind.severity
    if kind.per_node != (node is not None):
        raise ValueError(f"{kind} alarms are {'per node' if kind.per_node else 'per controller'}")
    if not is_open:
        db.db.execute(
            "INSERT INTO alarms (controller_id, node_network, node_address, type, severity, "
            "detail, first_seen, last_seen, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                controller_id,
                None if node is None else node[0],
                None if node is None else node[1],
                kind.value,
                severity.value,
                detail,
                at,
                at,
                max(count, 1),
            ],
        )
        return
    where, parameters = _open_key(node)
    db.db.execute(
        "UPDATE alarms SET last_seen = max(last_seen, ?), count = count + ?, detail = ?, "  # noqa: S608
        f"severity = {_WORSE} WHERE controller_id = ? AND type = ? AND {where} "
        "AND cleared_at IS NULL",
        [at, count, detail, severity.value, controller_id, kind.value, *parameters],
    )


_WORSE: Final = (
    "CASE WHEN severity = 'critical' OR ? = 'critical' THEN 'critical' ELSE 'warning' END"
)
"""The worse of the stored severity and the parameter (``Severity.rank`` in SQL)."""


def _open_key(node: Node | None) -> tuple[str, list[object]]:
    where, parameters = _key(node)
    return where.replace("a.", ""), parameters


def clear(
    db: HubDB, controller_id: int, kind: AlarmType, *, at: float, node: Node | None = None
) -> bool:
    """Close the open alarm of that key, if any; True when one was closed."""
    where, parameters = _open_key(node)
    with _writing(db):
        cursor = db.db.execute(
            f"UPDATE alarms SET cleared_at = ? WHERE controller_id = ? AND type = ? AND {where} "  # noqa: S608
            "AND cleared_at IS NULL",
            [at, controller_id, kind.value, *parameters],
        )
    return cursor.rowcount > 0


AlarmKey = tuple[AlarmType, Node | None]


class OpenAlarms:
    """The keys of one controller's open alarms, read in one query, for code that observes
    and clears many kinds of one controller's alarms in one transaction (a report): a clear
    of an alarm that is not open costs no statement, an observation one.

    Use it inside a transaction that already holds the write lock (a report's, after its
    first insert): then nobody else can open or clear this controller's alarms meanwhile,
    and the keys stay true as long as every change goes through this object."""

    def __init__(self, db: HubDB, controller_id: int, *, none_open: bool = False) -> None:
        """``none_open``: the caller has just seen (in the same transaction) that the
        controller has no open alarm, so there is nothing to read."""
        self._db = db
        self.controller_id = controller_id
        rows = (
            []
            if none_open
            else db.db.execute(
                "SELECT type, node_network, node_address FROM alarms "
                "WHERE controller_id = ? AND cleared_at IS NULL",
                [controller_id],
            ).fetchall()
        )
        self._keys: set[AlarmKey] = {
            (AlarmType(kind), None if network is None else (int(network), int(address)))
            for kind, network, address in rows
        }

    def __contains__(self, key: AlarmKey) -> bool:
        return key in self._keys

    def observe(
        self,
        kind: AlarmType,
        *,
        detail: str,
        at: float,
        node: Node | None = None,
        severity: Severity | None = None,
        count: int = 1,
    ) -> None:
        """:func:`observe`, for this controller."""
        key = (kind, node)
        record(
            self._db,
            self.controller_id,
            kind,
            detail=detail,
            at=at,
            node=node,
            severity=severity,
            count=count,
            is_open=key in self._keys,
        )
        self._keys.add(key)

    def clear(self, kind: AlarmType, *, at: float, node: Node | None = None) -> bool:
        """:func:`clear`, for this controller: no statement when it is not open."""
        key = (kind, node)
        if key not in self._keys:
            return False
        self._keys.discard(key)
        return clear(self._db, self.controller_id, kind, at=at, node=node)


def acknowledge(db: HubDB, alarm_id: int, *, actor: Actor, at: float) -> Alarm:
    """``actor`` has seen the alarm and takes charge: reminders stop."""
    found = alarm(db, alarm_id)
    if found.acknowledged:
        raise Invalid(f"La alarma ya fue reconocida por {found.acknowledged_by}.")
    with db.db.atomic():
        db.db.execute(
            "UPDATE alarms SET acknowledged_by_id = ?, acknowledged_by = ?, acknowledged_at = ? "
            "WHERE id = ?",
            [actor.id, actor.label, at, alarm_id],
        )
        db.audit.record(
            actor, "alarm.acknowledge", found.subject, {"type": found.type.value}, at=at
        )
    return alarm(db, alarm_id)


def mark_notified(db: HubDB, alarm_ids: list[int], *, at: float) -> None:
    """The on-duty phones were texted about these alarms at ``at`` (a first notice or a
    reminder)."""
    with db.db.atomic():
        for alarm_id in alarm_ids:
            db.db.execute(
                "UPDATE alarms SET reminders = reminders + (notified_at IS NOT NULL), "
                "notified_at = coalesce(notified_at, ?), last_notified_at = ? WHERE id = ?",
                [at, at, alarm_id],
            )


@dataclass(frozen=True)
class AlarmFilter:
    """What the alarms page asks for. ``state``: ``abiertas``, ``sin-reconocer``,
    ``cerradas`` or ``todas``."""

    state: str = "abiertas"
    severity: Severity | None = None
    type: AlarmType | None = None
    controller_id: int | None = None


STATES: Final = {
    "abiertas": "Abiertas",
    "sin-reconocer": "Abiertas sin reconocer",
    "cerradas": "Cerradas",
    "todas": "Todas",
}
_STATE_SQL: Final = {
    "abiertas": "a.cleared_at IS NULL",
    "sin-reconocer": "a.cleared_at IS NULL AND a.acknowledged_at IS NULL",
    "cerradas": "a.cleared_at IS NOT NULL",
    "todas": "1",
}


def alarms(db: HubDB, wanted: AlarmFilter = AlarmFilter(), *, limit: int = 200) -> list[Alarm]:
    """Alarms matching ``wanted``: critical first, then the most recently seen."""
    conditions = [_STATE_SQL.get(wanted.state, _STATE_SQL["abiertas"])]
    parameters: list[object] = []
    if wanted.severity is not None:
        conditions.append("a.severity = ?")
        parameters.append(wanted.severity.value)
    if wanted.type is not None:
        conditions.append("a.type = ?")
        parameters.append(wanted.type.value)
    if wanted.controller_id is not None:
        conditions.append("a.controller_id = ?")
        parameters.append(wanted.controller_id)
    rows = db.db.execute(
        f"SELECT {_COLUMNS} {_FROM} WHERE {' AND '.join(conditions)} "
        "ORDER BY a.cleared_at IS NOT NULL, a.severity = 'critical' DESC, a.last_seen DESC, "
        "a.id DESC LIMIT ?",
        [*parameters, limit],
    ).fetchall()
    return [_alarm(row) for row in rows]


@dataclass(frozen=True)
class AlarmedController:
    id: int
    name: str


def alarmed_controllers(db: HubDB) -> list[AlarmedController]:
    """The controllers that ever had an alarm, by name: the alarms page's filter (listing
    every controller of a large fleet there would make a select of thousands)."""
    rows = db.db.execute(
        "SELECT c.id, c.name FROM controllers c WHERE c.id IN (SELECT controller_id FROM alarms) "
        "ORDER BY c.name, c.id"
    ).fetchall()
    return [AlarmedController(int(row[0]), str(row[1])) for row in rows]


def open_alarms(db: HubDB) -> list[Alarm]:
    rows = db.db.execute(
        f"SELECT {_COLUMNS} {_FROM} WHERE a.cleared_at IS NULL ORDER BY a.id"
    ).fetchall()
    return [_alarm(row) for row in rows]
