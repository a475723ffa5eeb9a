"""Helpers for the fleet tests (no tests here): enrolling a controller through the API,
building reports and events, posting them, and opening maintenance windows.

Reports are built with :mod:`protocol.report` exactly as a controller builds them, and
sent as bytes with its bearer credential. Time moves with the app's fake clock only.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from hub import keys
from hub.config import HubConfig
from hub.fleet import controllers
from hub.fleet.alarms import AlarmType, open_alarm
from hub.maintenance.windows import MaintenanceWindows, WindowDraft, WindowKind
from hub.storage import Actor, HubDB
from protocol import report as r
from tests.hub.conftest import CLI, Client, db_of

_ids = itertools.count(1)


def event_id() -> str:
    return f"{next(_ids):032x}"


@dataclass
class Enrolled:
    controller_id: int
    credential: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": r.bearer(self.credential), "Content-Type": r.CONTENT_TYPE}


def issue_code(
    db: HubDB, *, name: str = "Pasaje Los Aromos", barrio: str = "Villa Los Héroes", at: float
) -> str:
    return controllers.issue_code(db, name=name, barrio=barrio, hours=48, actor=CLI, at=at)[1]


async def enroll(client: Client, code: str, *, name: str = "Pasaje Los Aromos") -> Any:
    body = r.encode(r.Enrollment(code=r.normalize_code(code), name=name, software_version="0.1.0"))
    response = await client.post(
        r.ENROLL_PATH, data=body, headers={"Content-Type": "application/json"}
    )
    return response.status, await response.json()


async def enrolled(
    client: Client, *, name: str = "Pasaje Los Aromos", barrio: str = "Villa Los Héroes"
) -> Enrolled:
    """A controller enrolled through the API with a fresh code."""
    code = issue_code(db_of(client), name=name, barrio=barrio, at=client.app[keys.clock]())
    status, body = await enroll(client, code, name=name)
    assert status == 201, body
    grant = r.EnrollmentGrant.from_json(body)
    return Enrolled(grant.controller_id, grant.credential)


def heartbeat(**changes: Any) -> r.Heartbeat:
    values: dict[str, Any] = {
        "uptime_s": 3600,
        "software_version": "0.1.0",
        "power": "ac",
        "battery_mv": 13_600,
        "radio_noise_dbm": None,
        "disk_free_mb": 12_800,
        "temperature_c": 48.5,
        "alarm_state": "idle",
        "open_episodes": 0,
        "outbox_pending": 0,
        "outbox_dropped": 0,
    }
    return r.Heartbeat(**{**values, **changes})


def event(body: r.EventBody, *, at: float, id: str | None = None) -> r.Event:
    return r.Event.of(body, id=id or event_id(), at=at)


def node_status(address: int = 8, *, heard: float, **changes: Any) -> r.NodeStatus:
    values: dict[str, Any] = {
        "network": 2571,
        "address": address,
        "battery_mv": 3000,
        "low_battery": False,
        "tamper": False,
        "external_power": False,
        "firmware": "1.0",
        "rssi": -97,
        "snr": 6.5,
        "last_heard_at": heard,
    }
    return r.NodeStatus(**{**values, **changes})


def episode(
    *, started: float, episode_id: str = "0c6b4f1e9a2d4b7c8e5f3a1d2b9c7e6f", **changes: Any
) -> r.EpisodeSummary:
    values: dict[str, Any] = {
        "episode_id": episode_id,
        "kind": "ROBO",
        "network": 2571,
        "nodes": (7, 8),
        "presses": 3,
        "started_at": started,
        "silenced_at": None,
        "ended_at": None,
        "end_reason": None,
        "sms": r.SmsCounts(6, 5, 1),
    }
    return r.EpisodeSummary(**{**values, **changes})


def security(count: int = 4, *, reason: str = "replay", at: float) -> r.SecurityCount:
    return r.SecurityCount(reason, 2571, 7, 2, count, at - 30, at)


def self_test(*, ok: bool, detail: str = "sirena activada 1 s") -> r.SelfTestResult:
    return r.SelfTestResult(ok=ok, skipped=False, detail=detail, siren_ms=1000 if ok else 0)


def make_report(
    who: Enrolled,
    *events: r.Event,
    at: float,
    beat: r.Heartbeat | None = None,
    with_heartbeat: bool = True,
) -> r.Report:
    chosen = beat if beat is not None else (heartbeat() if with_heartbeat else None)
    return r.Report(who.controller_id, at, chosen, tuple(events))


async def send(client: Client, who: Enrolled, report: r.Report) -> r.ReportAnswer:
    """Post ``report`` as ``who``; the answer (asserting a 200)."""
    response = await client.post(r.REPORTS_PATH, data=r.encode(report), headers=who.headers)
    body = await response.read()
    assert response.status == 200, body
    return r.parse_report_answer(body)


async def beat(client: Client, who: Enrolled, *events: r.Event, **kw: Any) -> r.ReportAnswer:
    """A report sent now (the app's clock), with a heartbeat and ``events``."""
    now = client.app[keys.clock]()
    return await send(client, who, make_report(who, *events, at=now, **kw))


async def watch(client: Client) -> None:
    """One round of the fleet's periodic job, now."""
    from hub.fleet.jobs import fleet_watch

    await fleet_watch(client.app)


def alarm_of(
    client: Client, who: Enrolled, kind: AlarmType, node: tuple[int, int] | None = None
) -> Any:
    return open_alarm(db_of(client), who.controller_id, kind, node)


def count(client: Client, sql: str, *parameters: object) -> int:
    return int(db_of(client).db.execute(sql, list(parameters)).fetchone()[0])


# --- maintenance windows -----------------------------------------------------------------------


def open_window(
    db: HubDB,
    *,
    controller_id: int | None = None,
    barrio_id: int | None = None,
    starts_at: float,
    ends_at: float,
) -> None:
    """A planned maintenance window, through the maintenance domain's repository."""
    draft = WindowDraft(
        controller_id, barrio_id, WindowKind.PLANIFICADA, starts_at, ends_at, "cambio de batería"
    )
    MaintenanceWindows(db).create(draft, actor=Actor.system("pruebas"), at=starts_at)


def with_notifier(config: HubConfig, notifier: Any, *phones: str) -> HubConfig:
    from dataclasses import replace

    return replace(config, alarm_notifier=notifier, on_duty_phones=phones or ("+56987654321",))
