"""Applying one report: events stored once, states folded, alarms evaluated, the answer.

:func:`apply_report` does it all in one transaction (the contract's "all or none"); the
controller API calls :func:`fold_report` inside the transaction it shares with the other
reports of the moment (:mod:`hub.fleet.intake`, one savepoint each). Each event is inserted
under ``(controller_id, event_id)`` and only an event that was not there yet is folded, so
a resend changes nothing and is answered as a duplicate.

A report touches many alarm keys (offline, power, battery, each node's two), nearly always
to find nothing to clear: the controller's open alarms are read once
(:class:`~hub.fleet.alarms.OpenAlarms`) and only a change costs a statement.

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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from hub.fleet import commands
from hub.fleet.alarms import AlarmType, OpenAlarms, Severity
from hub.storage import HubDB
from protocol.report import (
    MAX_COMMANDS,
    Command,
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
"""Heartbeats kept per controller (a day at the default interval); older ones are deleted…"""
HEARTBEAT_TRIM_EVERY: Final = 32
"""…every this many reports of the controller (finding the 1 441st newest walks 1 440 index
entries: once per report it cost more than the rest of the heartbeat), so between two trims
a controller may hold up to ``HEARTBEAT_HISTORY + HEARTBEAT_TRIM_EVERY - 1``."""
LOW_BATTERY_MV: Final = 11_800
"""The controller's 12 V lead-acid battery is low below this (hardware/docs/wiring.md)…"""
CRITICAL_BATTERY_MV: Final = 11_000
"""…and nearly flat below this: the siren may not sound for long."""
BATTERY_RECOVERED_MV: Final = 12_200
"""The low-battery alarm clears at or above this (no flapping around the threshold)."""
NODE_SILENT_S: Final = 48 * 3600
SECURITY_REASONS: Final = {"replay": "repetidas", "tag": "con firma inválida"}
"""The rejected frames that raise the security alarm (others are only counted)."""
_EVENT_JSON: Final = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
"""How ``events.data`` is stored (one encoder: ``json.dumps`` with options makes a new one
per call)."""


@dataclass(frozen=True, slots=True)
class Answer:
    """The answer to a report as the hub sends it: :class:`~protocol.report.ReportAnswer`'s
    fields and JSON, made without validating again what is valid by construction (ids of
    the parsed report, each in one list; commands built as ``Command`` messages; the
    interval from its checked column). :meth:`message` gives the validated message."""

    accepted: tuple[str, ...]
    duplicates: tuple[str, ...]
    commands: tuple[Command, ...]
    report_interval_s: int

    def to_json(self) -> dict[str, Any]:
        """As ``ReportAnswer.to_json()``."""
        return {
            "accepted": list(self.accepted),
            "duplicates": list(self.duplicates),
            "commands": [command.to_json() for command in self.commands],
            "report_interval_s": self.report_interval_s,
        }

    def body(self) -> bytes:
        """The compact UTF-8 JSON sent, as ``protocol.report.encode`` writes it."""
        return _ANSWER_JSON.encode(self.to_json()).encode()

    def message(self) -> ReportAnswer:
        return ReportAnswer(self.accepted, self.duplicates, self.commands, self.report_interval_s)


_ANSWER_JSON: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def apply_report(db: HubDB, controller_id: int, report: Report, *, at: float) -> ReportAnswer:
    """Store and fold ``report`` from ``controller_id`` (already authenticated and checked
    to be the report's), received at ``at``; the answer with its pending commands."""
    with db.db.atomic():
        return fold_report(db, controller_id, report, at=at).message()


def fold_report(db: HubDB, controller_id: int, report: Report, *, at: float) -> Answer:
    """:func:`apply_report` inside the caller's transaction (which it must commit before the
    answer goes out: the answer acknowledges events, which must then be stored)."""
    accepted: list[str] = []
    duplicates: list[str] = []
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
                _EVENT_JSON.encode(event.data),
            ],
        )
        if cursor.rowcount:
            accepted.append(event.id)
            fresh.append(event)
        else:
            duplicates.append(event.id)
    # Also returned: whether the controller has an open alarm and a command waiting (most
    # have neither), so that the statements reading them run only when there is something.
    row = db.db.execute(
        "UPDATE controllers SET last_report_at = :at, last_sent_at = :sent, "
        "clock_skew_s = :skew, told_interval_s = report_interval_s, reports = reports + 1, "
        "software_version = coalesce(:version, software_version) WHERE id = :id "
        "RETURNING report_interval_s, reports, "
        "EXISTS (SELECT 1 FROM alarms WHERE controller_id = :id AND cleared_at IS NULL), "
        "EXISTS (SELECT 1 FROM commands WHERE controller_id = :id AND result_at IS NULL "
        "AND expires_at > :at)",
        {
            "at": at,
            "sent": report.sent_at,
            "skew": at - report.sent_at,
            "version": None if report.heartbeat is None else report.heartbeat.software_version,
            "id": controller_id,
        },
    ).fetchone()
    interval, reports, alarmed, waiting = row
    # The write lock is ours from the first statement on: the open alarms read now stay true.
    open_alarms = OpenAlarms(db, controller_id, none_open=not alarmed)
    folding = _Folding(db, controller_id, open_alarms, at - report.sent_at, at)
    for event in sorted(fresh, key=lambda e: e.at):
        folding.event(event)
    if report.heartbeat is not None:
        folding.heartbeat(report.heartbeat)
    if reports % HEARTBEAT_TRIM_EVERY == 0:
        db.db.execute(
            "DELETE FROM heartbeats WHERE controller_id = ? AND id <= (SELECT id FROM heartbeats "
            "WHERE controller_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
            [controller_id, controller_id, HEARTBEAT_HISTORY],
        )
    folding.alarms.clear(AlarmType.OFFLINE, at=at)
    # Folding only answers commands, never adds one: none waiting before means none now.
    pending = commands.take_pending(db, controller_id, at=at, limit=MAX_COMMANDS) if waiting else []
    return Answer(
        accepted=tuple(accepted),
        duplicates=tuple(duplicates),
        commands=tuple(command.as_message() for command in pending),
        report_interval_s=int(interval),
    )


@dataclass(slots=True)
class _Folding:
    """One report's events and heartbeat folded into the controller's state.

    An event's ``data`` is read as it stands: :class:`~protocol.report.Event` validated it
    against its body's schema when the report was parsed and keeps the body's own JSON
    form (``EventBody.to_json()``: every key, typed, nested values as plain JSON), so it is
    not parsed into a body again."""

    db: HubDB
    controller_id: int
    alarms: OpenAlarms
    skew: float
    at: float

    def event(self, event: Event) -> None:
        data = event.data
        if event.type == EpisodeSummary.TYPE:
            self.episode(data, snapshot_at=event.at)
        elif event.type == SecurityCount.TYPE:
            self.security(event.id, data)
        elif event.type == NodeStatus.TYPE:
            self.node(data)
        elif event.type == SelfTestResult.TYPE:
            self.self_test(event, data)
        elif event.type == CommandResult.TYPE:
            commands.record_result(
                self.db,
                self.controller_id,
                data["command_id"],
                status=data["status"],
                detail=data["detail"],
                at=self.at,
            )

    def episode(self, data: Mapping[str, Any], *, snapshot_at: float) -> None:
        sms = data["sms"]
        self.db.db.execute(
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
                self.controller_id,
                data["episode_id"],
                data["kind"],
                data["network"],
                json.dumps(list(data["nodes"])),
                data["presses"],
                data["started_at"],
                data["silenced_at"],
                data["ended_at"],
                data["end_reason"],
                sms["expected"],
                sms["accepted"],
                sms["failed"],
                snapshot_at,
                self.at,
            ],
        )

    def security(self, event_id: str, data: Mapping[str, Any]) -> None:
        self.db.db.execute(
            "INSERT INTO security_counts (controller_id, event_id, reason, network, src, "
            "counter, count, first_at, last_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self.controller_id,
                event_id,
                data["reason"],
                data["network"],
                data["src"],
                data["counter"],
                data["count"],
                data["first_at"],
                data["last_at"],
                self.at,
            ],
        )
        reason, src, network = data["reason"], data["src"], data["network"]
        if reason in SECURITY_REASONS:
            sender = "remitente ilegible" if src is None else f"botón {src}"
            self.alarms.observe(
                AlarmType.SECURITY,
                detail=f"{data['count']} trama(s) {SECURITY_REASONS[reason]} que dicen venir del "
                f"{sender}" + ("" if network is None else f" (red {network})"),
                count=data["count"],
                at=self.at,
            )

    def node(self, data: Mapping[str, Any]) -> None:
        at = self.at
        heard_at = min(at, data["last_heard_at"] + self.skew)
        cursor = self.db.db.execute(
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
                self.controller_id,
                data["network"],
                data["address"],
                data["battery_mv"],
                int(data["low_battery"]),
                int(data["tamper"]),
                int(data["external_power"]),
                data["firmware"],
                data["rssi"],
                data["snr"],
                data["last_heard_at"],
                heard_at,
                at,
            ],
        )
        if not cursor.rowcount:
            return  # older than what we know: stored as an event, decides nothing
        node = (int(data["network"]), int(data["address"]))
        if at - heard_at <= NODE_SILENT_S:
            self.alarms.clear(AlarmType.NODE_SILENT, node=node, at=at)
        if data["low_battery"]:
            millivolts = data["battery_mv"]
            battery = "desconocida" if millivolts is None else f"{millivolts / 1000:.2f} V"
            self.alarms.observe(
                AlarmType.NODE_LOW_BATTERY,
                node=node,
                detail=f"El botón informa batería baja ({battery}); cámbiela pronto.",
                at=at,
            )
        else:
            self.alarms.clear(AlarmType.NODE_LOW_BATTERY, node=node, at=at)

    def self_test(self, event: Event, data: Mapping[str, Any]) -> None:
        newest = self.db.db.execute(
            "SELECT max(at) FROM self_tests WHERE controller_id = ?", [self.controller_id]
        ).fetchone()[0]
        self.db.db.execute(
            "INSERT INTO self_tests (controller_id, event_id, at, ok, skipped, detail, "
            "siren_ms, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self.controller_id,
                event.id,
                event.at,
                int(data["ok"]),
                int(data["skipped"]),
                data["detail"],
                data["siren_ms"],
                self.at,
            ],
        )
        if data["skipped"] or (newest is not None and event.at < newest):
            return
        if data["ok"]:
            self.alarms.clear(AlarmType.SELF_TEST_FAILED, at=self.at)
        else:
            self.alarms.observe(
                AlarmType.SELF_TEST_FAILED,
                detail=data["detail"] or "La prueba de sirena falló.",
                at=self.at,
            )

    def heartbeat(self, beat: Heartbeat) -> None:
        at, controller_id = self.at, self.controller_id
        self.db.db.execute(
            "INSERT INTO heartbeats (controller_id, received_at, uptime_s, software_version, "
            "power, battery_mv, radio_noise_dbm, disk_free_mb, temperature_c, alarm_state, "
            "open_episodes, outbox_pending, outbox_dropped) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        if beat.power == "battery":
            self.alarms.observe(
                AlarmType.ON_BATTERY,
                detail="Se cortó la energía de la red: el controlador funciona con su batería.",
                at=at,
            )
        elif beat.power == "ac":
            self.alarms.clear(AlarmType.ON_BATTERY, at=at)
        millivolts = beat.battery_mv
        if millivolts is None:
            return
        if millivolts < LOW_BATTERY_MV:
            severity = Severity.CRITICAL if millivolts < CRITICAL_BATTERY_MV else Severity.WARNING
            self.alarms.observe(
                AlarmType.LOW_BATTERY,
                severity=severity,
                detail=f"Batería a {millivolts / 1000:.2f} V.",
                at=at,
            )
        elif millivolts >= BATTERY_RECOVERED_MV:
            self.alarms.clear(AlarmType.LOW_BATTERY, at=at)
