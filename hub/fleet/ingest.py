"""Applying one report: events stored once, states folded, alarms evaluated, the answer.

:func:`apply_report` does it all in one transaction (the contract's "all or none"): each
event is inserted under ``(controller_id, event_id)`` and only an event that was not there
yet is folded, so a resend changes nothing and is answered as a duplicate.

Folding (docs/hub-api.md): an episode keeps its newest snapshot; a security count adds up;
a node keeps its newest status; self-tests and command results are kept as they come.
Alarms follow the newest data only: an old event that arrives late (set aside by the
controller, sent after a restart) is stored and shown but does not reopen or clear an
alarm that newer data decided.

Event times are the controller's clock. A controller without a real-time clock may send
times near 0 until it syncs, so the hub estimates its skew from each report (``received
- sent_at``) and judges node silence on node times moved onto its own clock.
"""

from __future__ import annotations

import json
from typing import Final

from hub.fleet import commands
from hub.fleet.alarms import AlarmType, Severity, clear, observe
from hub.storage import HubDB
from protocol.report import (
    MAX_COMMANDS,
    CommandResult,
    EpisodeSummary,
    Event,
    Heartbeat,
    NodeStatus,
    Report,
    ReportAnswer,
    SecurityCount,
    SelfTestResult,
)

HEARTBEAT_HISTORY: Final = 1440
"""Heartbeats kept per controller (a day at the default interval); older ones are deleted."""
LOW_BATTERY_MV: Final = 11_800
"""The controller's 12 V lead-acid battery is low below this (hardware/docs/wiring.md)…"""
CRITICAL_BATTERY_MV: Final = 11_000
"""…and nearly flat below this: the siren may not sound for long."""
BATTERY_RECOVERED_MV: Final = 12_200
"""The low-battery alarm clears at or above this (no flapping around the threshold)."""
NODE_SILENT_S: Final = 48 * 3600
SECURITY_REASONS: Final = {"replay": "repetidas", "tag": "con firma inválida"}
"""The rejected frames that raise the security alarm (others are only counted)."""


def apply_report(db: HubDB, controller_id: int, report: Report, *, at: float) -> ReportAnswer:
    """Store and fold ``report`` from ``controller_id`` (already authenticated and checked
    to be the report's), received at ``at``; the answer with its pending commands."""
    skew = at - report.sent_at
    accepted: list[str] = []
    duplicates: list[str] = []
    with db.db.atomic():
        fresh: list[Event] = []
        for event in report.events:
            cursor = db.db.execute(
                "INSERT OR IGNORE INTO events (controller_id, event_id, type, at, received_at, "
                "data) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    controller_id,
                    event.id,
                    event.type,
                    event.at,
                    at,
                    json.dumps(event.data, ensure_ascii=False, sort_keys=True),
                ],
            )
            if cursor.rowcount:
                accepted.append(event.id)
                fresh.append(event)
            else:
                duplicates.append(event.id)
        for event in sorted(fresh, key=lambda e: e.at):
            _fold(db, controller_id, event, skew=skew, at=at)
        if report.heartbeat is not None:
            _heartbeat(db, controller_id, report.heartbeat, at=at)
        clear(db, controller_id, AlarmType.OFFLINE, at=at)
        interval = db.db.execute(
            "SELECT report_interval_s FROM controllers WHERE id = ?", [controller_id]
        ).fetchone()[0]
        db.db.execute(
            "UPDATE controllers SET last_report_at = ?, last_sent_at = ?, clock_skew_s = ?, "
            "told_interval_s = ?, reports = reports + 1, "
            "software_version = coalesce(?, software_version) WHERE id = ?",
            [
                at,
                report.sent_at,
                skew,
                interval,
                None if report.heartbeat is None else report.heartbeat.software_version,
                controller_id,
            ],
        )
        pending = commands.take_pending(db, controller_id, at=at, limit=MAX_COMMANDS)
    return ReportAnswer(
        accepted=tuple(accepted),
        duplicates=tuple(duplicates),
        commands=tuple(command.as_message() for command in pending),
        report_interval_s=int(interval),
    )


def _fold(db: HubDB, controller_id: int, event: Event, *, skew: float, at: float) -> None:
    body = event.body()
    if isinstance(body, EpisodeSummary):
        _episode(db, controller_id, body, snapshot_at=event.at, at=at)
    elif isinstance(body, SecurityCount):
        _security(db, controller_id, event.id, body, at=at)
    elif isinstance(body, NodeStatus):
        _node(db, controller_id, body, skew=skew, at=at)
    elif isinstance(body, SelfTestResult):
        _self_test(db, controller_id, event, body, at=at)
    elif isinstance(body, CommandResult):
        commands.record_result(
            db, controller_id, body.command_id, status=body.status, detail=body.detail, at=at
        )


def _episode(
    db: HubDB, controller_id: int, body: EpisodeSummary, *, snapshot_at: float, at: float
) -> None:
    db.db.execute(
        """
        INSERT INTO episodes (controller_id, episode_id, kind, network, nodes, presses,
            started_at, silenced_at, ended_at, end_reason, sms_expected, sms_accepted,
            sms_failed, snapshot_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (controller_id, episode_id) DO UPDATE SET
            kind = excluded.kind, network = excluded.network, nodes = excluded.nodes,
            presses = excluded.presses, started_at = excluded.started_at,
            silenced_at = excluded.silenced_at, ended_at = excluded.ended_at,
            end_reason = excluded.end_reason, sms_expected = excluded.sms_expected,
            sms_accepted = excluded.sms_accepted, sms_failed = excluded.sms_failed,
            snapshot_at = excluded.snapshot_at, updated_at = excluded.updated_at
        WHERE excluded.snapshot_at >= episodes.snapshot_at
        """,
        [
            controller_id,
            body.episode_id,
            body.kind,
            body.network,
            json.dumps(list(body.nodes)),
            body.presses,
            body.started_at,
            body.silenced_at,
            body.ended_at,
            body.end_reason,
            body.sms.expected,
            body.sms.accepted,
            body.sms.failed,
            snapshot_at,
            at,
        ],
    )


def _security(
    db: HubDB, controller_id: int, event_id: str, body: SecurityCount, *, at: float
) -> None:
    db.db.execute(
        "INSERT INTO security_counts (controller_id, event_id, reason, network, src, counter, "
        "count, first_at, last_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            controller_id,
            event_id,
            body.reason,
            body.network,
            body.src,
            body.counter,
            body.count,
            body.first_at,
            body.last_at,
            at,
        ],
    )
    if body.reason in SECURITY_REASONS:
        sender = "remitente ilegible" if body.src is None else f"botón {body.src}"
        observe(
            db,
            controller_id,
            AlarmType.SECURITY,
            detail=f"{body.count} trama(s) {SECURITY_REASONS[body.reason]} que dicen venir del "
            f"{sender}" + ("" if body.network is None else f" (red {body.network})"),
            count=body.count,
            at=at,
        )


def _node(db: HubDB, controller_id: int, body: NodeStatus, *, skew: float, at: float) -> None:
    heard_at = min(at, body.last_heard_at + skew)
    cursor = db.db.execute(
        """
        INSERT INTO nodes (controller_id, network, address, battery_mv, low_battery, tamper,
            external_power, firmware, rssi, snr, last_heard_at, heard_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (controller_id, network, address) DO UPDATE SET
            battery_mv = excluded.battery_mv, low_battery = excluded.low_battery,
            tamper = excluded.tamper, external_power = excluded.external_power,
            firmware = excluded.firmware, rssi = excluded.rssi, snr = excluded.snr,
            last_heard_at = excluded.last_heard_at, heard_at = excluded.heard_at,
            updated_at = excluded.updated_at
        WHERE excluded.last_heard_at >= nodes.last_heard_at
        """,
        [
            controller_id,
            body.network,
            body.address,
            body.battery_mv,
            int(body.low_battery),
            int(body.tamper),
            int(body.external_power),
            body.firmware,
            body.rssi,
            body.snr,
            body.last_heard_at,
            heard_at,
            at,
        ],
    )
    if not cursor.rowcount:
        return  # older than what we know: stored as an event, decides nothing
    node = (body.network, body.address)
    if at - heard_at <= NODE_SILENT_S:
        clear(db, controller_id, AlarmType.NODE_SILENT, node=node, at=at)
    if body.low_battery:
        battery = "desconocida" if body.battery_mv is None else f"{body.battery_mv / 1000:.2f} V"
        observe(
            db,
            controller_id,
            AlarmType.NODE_LOW_BATTERY,
            node=node,
            detail=f"El botón informa batería baja ({battery}); cámbiela pronto.",
            at=at,
        )
    else:
        clear(db, controller_id, AlarmType.NODE_LOW_BATTERY, node=node, at=at)


def _self_test(
    db: HubDB, controller_id: int, event: Event, body: SelfTestResult, *, at: float
) -> None:
    newest = db.db.execute(
        "SELECT max(at) FROM self_tests WHERE controller_id = ?", [controller_id]
    ).fetchone()[0]
    db.db.execute(
        "INSERT INTO self_tests (controller_id, event_id, at, ok, skipped, detail, siren_ms, "
        "received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            controller_id,
            event.id,
            event.at,
            int(body.ok),
            int(body.skipped),
            body.detail,
            body.siren_ms,
            at,
        ],
    )
    if body.skipped or (newest is not None and event.at < newest):
        return
    if body.ok:
        clear(db, controller_id, AlarmType.SELF_TEST_FAILED, at=at)
    else:
        observe(
            db,
            controller_id,
            AlarmType.SELF_TEST_FAILED,
            detail=body.detail or "La prueba de sirena falló.",
            at=at,
        )


def _heartbeat(db: HubDB, controller_id: int, beat: Heartbeat, *, at: float) -> None:
    db.db.execute(
        "INSERT INTO heartbeats (controller_id, received_at, uptime_s, software_version, power, "
        "battery_mv, radio_noise_dbm, disk_free_mb, temperature_c, alarm_state, open_episodes, "
        "outbox_pending, outbox_dropped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            controller_id,
            at,
            beat.uptime_s,
            beat.software_version,
            beat.power,
            beat.battery_mv,
            beat.radio_noise_dbm,
            beat.disk_free_mb,
            beat.temperature_c,
            beat.alarm_state,
            beat.open_episodes,
            beat.outbox_pending,
            beat.outbox_dropped,
        ],
    )
    db.db.execute(
        "DELETE FROM heartbeats WHERE controller_id = ? AND id <= (SELECT id FROM heartbeats "
        "WHERE controller_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
        [controller_id, controller_id, HEARTBEAT_HISTORY],
    )
    if beat.power == "battery":
        observe(
            db,
            controller_id,
            AlarmType.ON_BATTERY,
            detail="Se cortó la energía de la red: el controlador funciona con su batería.",
            at=at,
        )
    elif beat.power == "ac":
        clear(db, controller_id, AlarmType.ON_BATTERY, at=at)
    millivolts = beat.battery_mv
    if millivolts is None:
        return
    if millivolts < LOW_BATTERY_MV:
        severity = Severity.CRITICAL if millivolts < CRITICAL_BATTERY_MV else Severity.WARNING
        observe(
            db,
            controller_id,
            AlarmType.LOW_BATTERY,
            severity=severity,
            detail=f"Batería a {millivolts / 1000:.2f} V.",
            at=at,
        )
    elif millivolts >= BATTERY_RECOVERED_MV:
        clear(db, controller_id, AlarmType.LOW_BATTERY, at=at)
