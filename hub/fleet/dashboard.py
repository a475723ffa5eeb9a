"""The fleet's figures for the Panel and the map, each in one aggregate query: however many
controllers there are, the panel runs a fixed handful of queries and no per-controller
Python (its budget is 300 ms with 5,000 controllers).

The state of every controller comes from SQL that restates two rules kept elsewhere in
Python, one controller at a time:

- the connection (:func:`hub.fleet.controllers.connection`): *nunca reportó* without a
  report, *sin conexión* once more than ``2 × max(interval, told interval) + 30 s`` passed
  since the last one (:data:`CONNECTION_SQL`, built from the same constants);
- maintenance (:func:`hub.maintenance.windows.in_maintenance`): a window not cancelled,
  begun and not ended, naming the controller or its barrio (:data:`HELD_SQL`).

``tests/hub/test_dashboard.py`` checks that both forms agree, at the grace's edge too.
A controller in maintenance shows as *en mantención* (its connection state aside).

Indexes (fleet migration 4): ``alarms_open_per_controller`` (the open alarms, partial, by
controller with severity and acknowledgement) and ``episodes_newest``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from hub.fleet.controllers import GRACE_EXTRA_S, GRACE_FACTOR, Connection
from hub.fleet.readings import EpisodeRow
from hub.storage import HubDB

ATTENTION_LIMIT: Final = 50
EPISODES_LIMIT: Final = 10


class FleetState(StrEnum):
    """What a controller's badge says; the connection states plus *en mantención*."""

    ONLINE = "online"
    OFFLINE = "offline"
    NEVER = "never"
    MAINTENANCE = "maintenance"

    @property
    def label(self) -> str:
        if self is FleetState.MAINTENANCE:
            return "en mantención"
        return Connection(self.value).label


GRACE_SQL: Final = (
    f"({GRACE_FACTOR} * max(c.report_interval_s, coalesce(c.told_interval_s, 0)) + {GRACE_EXTRA_S})"
)
"""``Controller.grace_s`` for the row ``c`` of ``controllers``."""
CONNECTION_SQL: Final = (
    "CASE WHEN c.last_report_at IS NULL THEN 'never' "
    f"WHEN :at - c.last_report_at > {GRACE_SQL} THEN 'offline' ELSE 'online' END"
)
"""``Controller.connection(at)`` for the row ``c``, with the time as the parameter ``:at``."""
HELD_CTE: Final = (
    "held AS (SELECT controller_id, barrio_id FROM maintenance_windows "
    "WHERE canceled_at IS NULL AND starts_at <= :at AND (ends_at IS NULL OR :at < ends_at))"
)
"""The maintenance windows that apply at ``:at`` (few rows: read once per query)."""
HELD_SQL: Final = (
    "(c.id IN (SELECT controller_id FROM held WHERE controller_id IS NOT NULL) "
    "OR c.barrio_id IN (SELECT barrio_id FROM held WHERE barrio_id IS NOT NULL))"
)
"""``in_maintenance`` for the row ``c``, given :data:`HELD_CTE`."""
FLEET_CTE: Final = (
    f"WITH {HELD_CTE}, fleet AS (SELECT c.id, c.name, c.barrio_id, c.enrolled_at, "  # noqa: S608 - fixed SQL
    "c.last_report_at, c.latitude, c.longitude, "
    f"CASE WHEN {HELD_SQL} THEN 'maintenance' ELSE {CONNECTION_SQL} END AS state "
    "FROM controllers c)"
)
"""``WITH held, fleet``: every controller with its :class:`FleetState` as ``state``; append
more CTEs with a comma, then the SELECT."""
OPEN_ALARMS_CTE: Final = (
    "open_alarms AS (SELECT controller_id, sum(severity = 'critical') AS critical, "
    "sum(severity = 'critical' AND acknowledged_at IS NULL) AS critical_unacknowledged, "
    "sum(severity = 'warning') AS warnings, sum(acknowledged_at IS NULL) AS unacknowledged, "
    "min(first_seen) AS since FROM alarms WHERE cleared_at IS NULL GROUP BY controller_id)"
)


def states(db: HubDB, *, at: float) -> dict[int, FleetState]:
    """Every controller's state, by id (one query)."""
    rows = db.db.execute(f"{FLEET_CTE} SELECT id, state FROM fleet", {"at": at}).fetchall()  # noqa: S608 - fixed SQL
    return {int(row[0]): FleetState(row[1]) for row in rows}


def held_controllers(db: HubDB, *, at: float) -> set[int]:
    """The controllers in a maintenance window at ``at`` (one query)."""
    rows = db.db.execute(
        f"WITH {HELD_CTE} SELECT c.id FROM controllers c WHERE {HELD_SQL}",  # noqa: S608 - fixed SQL
        {"at": at},
    ).fetchall()
    return {int(row[0]) for row in rows}


@dataclass(frozen=True)
class AlarmCounts:
    """The open alarms of the fleet."""

    critical: int
    warning: int
    unacknowledged: int

    @property
    def total(self) -> int:
        return self.critical + self.warning


@dataclass(frozen=True)
class FleetSummary:
    by_state: dict[FleetState, int]
    alarms: AlarmCounts

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    @property
    def in_maintenance(self) -> int:
        return self.by_state[FleetState.MAINTENANCE]


def summary(db: HubDB, *, at: float) -> FleetSummary:
    """Controllers per state (all four, zeros included) and the open alarms."""
    counted = dict(
        db.db.execute(
            f"{FLEET_CTE} SELECT state, count(*) FROM fleet GROUP BY state",  # noqa: S608
            {"at": at},
        ).fetchall()
    )
    alarm_row = db.db.execute(
        "SELECT coalesce(sum(severity = 'critical'), 0), coalesce(sum(severity = 'warning'), 0), "
        "coalesce(sum(acknowledged_at IS NULL), 0) FROM alarms WHERE cleared_at IS NULL"
    ).fetchone()
    return FleetSummary(
        {state: int(counted.get(state.value, 0)) for state in FleetState},
        AlarmCounts(*(int(value) for value in alarm_row)),
    )


class Need(StrEnum):
    """Why a controller needs attention, most urgent first."""

    OFFLINE_UNACKNOWLEDGED = "offline_unacknowledged"
    CRITICAL = "critical"
    WARNING = "warning"
    NEVER = "never"

    @property
    def label(self) -> str:
        return _NEED_LABELS[self]


_NEED_LABELS: Final = {
    Need.OFFLINE_UNACKNOWLEDGED: "Sin conexión, con alarmas críticas sin reconocer",
    Need.CRITICAL: "Alarmas críticas",
    Need.WARNING: "Advertencias",
    Need.NEVER: "Nunca reportó",
}
NEED_SQL: Final = (
    "CASE WHEN state = 'offline' AND critical_unacknowledged > 0 THEN 0 "
    "WHEN critical > 0 OR state = 'offline' THEN 1 WHEN warnings > 0 THEN 2 "
    "WHEN state = 'never' THEN 3 END"
)
"""The rank of a row of ``attention`` (:class:`Need` in order); NULL: nothing to do."""
_NEEDS: Final = tuple(Need)


@dataclass(frozen=True)
class Attention:
    """A controller that needs someone: why, and its open alarms."""

    need: Need
    controller_id: int
    name: str
    barrio: str | None
    state: FleetState
    critical: int
    critical_unacknowledged: int
    warnings: int
    unacknowledged: int
    since: float | None
    """The oldest open alarm's first sighting (the enrollment for *nunca reportó*)."""
    last_report_at: float | None


def needing_attention(
    db: HubDB, *, at: float, limit: int | None = ATTENTION_LIMIT
) -> tuple[list[Attention], int]:
    """The controllers that need attention, most urgent first (offline with critical alarms
    nobody acknowledged; critical alarms or offline; warnings; never reported), and how many
    there are in all. Controllers in maintenance are left out: their alarms are held and
    someone is already on them. Within a rank: more unacknowledged critical alarms, more
    critical, more unacknowledged, then the longest waiting."""
    rows = db.db.execute(
        f"{FLEET_CTE}, {OPEN_ALARMS_CTE}, ranked AS (SELECT f.id, f.name, b.name AS barrio, "  # noqa: S608 - fixed SQL
        "f.state, coalesce(o.critical, 0) AS critical, "
        "coalesce(o.critical_unacknowledged, 0) AS critical_unacknowledged, "
        "coalesce(o.warnings, 0) AS warnings, coalesce(o.unacknowledged, 0) AS unacknowledged, "
        "coalesce(o.since, CASE WHEN f.state = 'never' THEN f.enrolled_at END) AS since, "
        "f.last_report_at FROM fleet f LEFT JOIN open_alarms o ON o.controller_id = f.id "
        "LEFT JOIN barrios b ON b.id = f.barrio_id WHERE f.state != 'maintenance') "
        f"SELECT {NEED_SQL} AS need, id, name, barrio, state, critical, "
        "critical_unacknowledged, warnings, unacknowledged, since, last_report_at, "
        "count(*) OVER () FROM ranked WHERE need IS NOT NULL "
        "ORDER BY need, critical_unacknowledged DESC, critical DESC, unacknowledged DESC, "
        "warnings DESC, since, name, id LIMIT :limit",
        {"at": at, "limit": -1 if limit is None else limit},
    ).fetchall()
    found = [
        Attention(_NEEDS[row[0]], row[1], row[2], row[3], FleetState(row[4]), *row[5:11])
        for row in rows
    ]
    return found, int(rows[0][11]) if rows else 0


@dataclass(frozen=True)
class FleetEpisode:
    """An alarm episode with the controller it happened at."""

    controller_id: int
    controller: str
    episode: EpisodeRow


def latest_episodes(db: HubDB, *, limit: int = EPISODES_LIMIT) -> list[FleetEpisode]:
    """The newest episodes across the fleet (by when they started)."""
    rows = db.db.execute(
        "SELECT e.controller_id, c.name, e.episode_id, e.kind, e.network, e.nodes, e.presses, "
        "e.started_at, e.silenced_at, e.ended_at, e.end_reason, e.sms_expected, "
        "e.sms_accepted, e.sms_failed FROM episodes e "
        "JOIN controllers c ON c.id = e.controller_id ORDER BY e.started_at DESC LIMIT ?",
        [limit],
    ).fetchall()
    return [FleetEpisode(row[0], row[1], _episode(row[2:])) for row in rows]


def _episode(row: Any) -> EpisodeRow:
    values = list(row)
    values[3] = json.loads(values[3])
    return EpisodeRow(*values)


# --- the list of controllers, a page at a time ---------------------------------------------------

PAGE_SIZE: Final = 100
"""Controllers per page of /controladores."""


@dataclass(frozen=True)
class ListedController:
    """A row of the controllers list: its state, both the badge and the connection under a
    maintenance window, and its open alarms."""

    id: int
    name: str
    barrio: str | None
    state: FleetState
    connection: Connection
    last_report_at: float | None
    open_alarms: int
    critical_alarms: int
    software_version: str


@dataclass(frozen=True)
class ControllersPage:
    rows: list[ListedController]
    total: int
    page: int
    """1-based, within ``1..pages``."""
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_number(self) -> int:
        """The position in the whole list of this page's first row (1-based)."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.rows) - 1 if self.rows else 0

    def nearby(self, around: int = 3) -> list[int | None]:
        """The page numbers to link: the first, the last and ``around`` on each side of this
        one; None where numbers are left out (shown as "…")."""
        wanted = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        numbers = sorted(n for n in wanted if 1 <= n <= self.pages)
        shown: list[int | None] = []
        for number in numbers:
            if shown and number - (shown[-1] or 0) > 1:
                shown.append(None)
            shown.append(number)
        return shown


def controllers_page(
    db: HubDB, *, at: float, page: int = 1, per_page: int = PAGE_SIZE
) -> ControllersPage:
    """One page of every controller, by barrio and name (as ``all_controllers``), with its
    state in SQL (one query, however large the fleet). A page past the last gives the
    last."""
    total = int(db.db.execute("SELECT count(*) FROM controllers").fetchone()[0])
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = db.db.execute(
        f"WITH {HELD_CTE}, {OPEN_ALARMS_CTE} SELECT c.id, c.name, b.name, "  # noqa: S608 - fixed SQL
        f"CASE WHEN {HELD_SQL} THEN 'maintenance' ELSE {CONNECTION_SQL} END, "
        f"{CONNECTION_SQL}, c.last_report_at, "
        "coalesce(o.critical, 0) + coalesce(o.warnings, 0), coalesce(o.critical, 0), "
        "c.software_version FROM controllers c LEFT JOIN barrios b ON b.id = c.barrio_id "
        "LEFT JOIN open_alarms o ON o.controller_id = c.id "
        "ORDER BY b.name, c.name, c.id LIMIT :limit OFFSET :offset",
        {"at": at, "limit": per_page, "offset": (page - 1) * per_page},
    ).fetchall()
    listed = [
        ListedController(row[0], row[1], row[2], FleetState(row[3]), Connection(row[4]), *row[5:])
        for row in rows
    ]
    return ControllersPage(listed, total, page, per_page)
