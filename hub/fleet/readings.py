"""What the fleet pages read: a controller's latest heartbeat, nodes, episodes, self-tests
and rejected frames, and each controller's state for the list. Reads only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from hub.fleet import controllers
from hub.fleet.controllers import Connection, Controller
from hub.fleet.ingest import NODE_SILENT_S
from hub.maintenance.windows import in_maintenance
from hub.storage import HubDB
from protocol.report import Heartbeat, NodeStatus

KIND_LABELS: Final = {
    "PANICO": "Pánico",
    "ROBO": "Robo",
    "INCENDIO": "Incendio",
    "EMERGENCIA_MEDICA": "Emergencia médica",
    "ALERTA_SILENCIOSA": "Alerta silenciosa",
}
POWER_LABELS: Final = {"ac": "red eléctrica", "battery": "batería", "unknown": "desconocida"}
ALARM_STATE_LABELS: Final = {
    "idle": "en reposo",
    "sounding": "sirena sonando",
    "silent_alert": "alerta silenciosa en curso",
}
END_LABELS: Final = {"expired": "terminó su tiempo", "cancelled": "cancelado por el vecino"}
REASON_LABELS: Final = {
    "replay": "repetidas (posible ataque de repetición)",
    "tag": "firma inválida (posible falsificación)",
    "unknown": "de un botón no registrado",
    "length": "largo incorrecto",
    "version": "versión desconocida",
    "payload": "contenido inválido",
}


@dataclass(frozen=True)
class ControllerState:
    controller: Controller
    connection: Connection
    maintenance: bool
    open_alarms: int
    critical_alarms: int

    @property
    def badge(self) -> str:
        return "en mantención" if self.maintenance else self.connection.label


def states(db: HubDB, *, at: float) -> list[ControllerState]:
    counts = {
        int(row[0]): (int(row[1]), int(row[2]))
        for row in db.db.execute(
            "SELECT controller_id, count(*), sum(severity = 'critical') FROM alarms "
            "WHERE cleared_at IS NULL GROUP BY controller_id"
        ).fetchall()
    }
    return [
        ControllerState(
            controller,
            controller.connection(at),
            in_maintenance(db, controller_id=controller.id, barrio_id=controller.barrio_id, at=at),
            *counts.get(controller.id, (0, 0)),
        )
        for controller in controllers.all_controllers(db)
    ]


def state(db: HubDB, controller: Controller, *, at: float) -> ControllerState:
    row = db.db.execute(
        "SELECT count(*), coalesce(sum(severity = 'critical'), 0) FROM alarms "
        "WHERE controller_id = ? AND cleared_at IS NULL",
        [controller.id],
    ).fetchone()
    held = in_maintenance(db, controller_id=controller.id, barrio_id=controller.barrio_id, at=at)
    return ControllerState(controller, controller.connection(at), held, int(row[0]), int(row[1]))


@dataclass(frozen=True)
class HeartbeatRow:
    """The newest heartbeat and when the hub received it."""

    received_at: float
    beat: Heartbeat

    @property
    def power_label(self) -> str:
        return POWER_LABELS.get(self.beat.power, self.beat.power)

    @property
    def alarm_state_label(self) -> str:
        return ALARM_STATE_LABELS.get(self.beat.alarm_state, self.beat.alarm_state)


_HEARTBEAT: Final = ", ".join(Heartbeat._checks)


def latest_heartbeat(db: HubDB, controller_id: int) -> HeartbeatRow | None:
    row = db.db.execute(
        f"SELECT received_at, {_HEARTBEAT} FROM heartbeats WHERE controller_id = ? "  # noqa: S608
        "ORDER BY id DESC LIMIT 1",
        [controller_id],
    ).fetchone()
    return None if row is None else HeartbeatRow(row[0], Heartbeat(*row[1:]))


@dataclass(frozen=True)
class NodeRow:
    """A node's newest status, and when it was last heard on the hub's clock."""

    status: NodeStatus
    heard_at: float

    def silent(self, at: float) -> bool:
        return at - self.heard_at > NODE_SILENT_S


_NODE: Final = ", ".join(NodeStatus._checks)


def nodes(db: HubDB, controller_id: int) -> list[NodeRow]:
    rows = db.db.execute(
        f"SELECT heard_at, {_NODE} FROM nodes WHERE controller_id = ? "  # noqa: S608
        "ORDER BY network, address",
        [controller_id],
    ).fetchall()
    return [NodeRow(_node_status(row[1:]), row[0]) for row in rows]


def _node_status(row: Any) -> NodeStatus:
    values = dict(zip(NodeStatus._checks, row, strict=True))
    for flag in ("low_battery", "tamper", "external_power"):
        values[flag] = bool(values[flag])
    return NodeStatus(**values)


@dataclass(frozen=True)
class EpisodeRow:
    episode_id: str
    kind: str
    network: int
    nodes: list[int]
    presses: int
    started_at: float
    silenced_at: float | None
    ended_at: float | None
    end_reason: str | None
    sms_expected: int
    sms_accepted: int
    sms_failed: int

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def end_label(self) -> str:
        return "en curso" if self.end_reason is None else END_LABELS.get(self.end_reason, "")


def episodes(db: HubDB, controller_id: int, *, limit: int = 20) -> list[EpisodeRow]:
    rows = db.db.execute(
        "SELECT episode_id, kind, network, nodes, presses, started_at, silenced_at, ended_at, "
        "end_reason, sms_expected, sms_accepted, sms_failed FROM episodes "
        "WHERE controller_id = ? ORDER BY started_at DESC LIMIT ?",
        [controller_id, limit],
    ).fetchall()
    found = []
    for row in rows:
        values: list[Any] = list(row)
        values[3] = json.loads(values[3])
        found.append(EpisodeRow(*values))
    return found


@dataclass(frozen=True)
class SelfTestRow:
    at: float
    ok: bool
    skipped: bool
    detail: str
    siren_ms: int

    @property
    def outcome(self) -> str:
        return "omitida" if self.skipped else ("correcta" if self.ok else "falló")


def self_tests(db: HubDB, controller_id: int, *, limit: int = 10) -> list[SelfTestRow]:
    rows = db.db.execute(
        "SELECT at, ok, skipped, detail, siren_ms FROM self_tests WHERE controller_id = ? "
        "ORDER BY at DESC, id DESC LIMIT ?",
        [controller_id, limit],
    ).fetchall()
    return [SelfTestRow(r[0], bool(r[1]), bool(r[2]), r[3], r[4]) for r in rows]


@dataclass(frozen=True)
class SecurityTotal:
    reason: str
    src: int | None
    count: int
    last_at: float

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(self.reason, self.reason)


def security_totals(db: HubDB, controller_id: int) -> list[SecurityTotal]:
    rows = db.db.execute(
        "SELECT reason, src, sum(count), max(last_at) FROM security_counts "
        "WHERE controller_id = ? GROUP BY reason, src ORDER BY max(last_at) DESC LIMIT 50",
        [controller_id],
    ).fetchall()
    return [SecurityTotal(*row) for row in rows]
