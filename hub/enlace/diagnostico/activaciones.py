"""The alarm activations the hub saw in a barrio, for its diagnóstico — "without anyone
typing them": read (never written) from the fleet's tables.

An activation is an episode (``episodes``, one per press sequence a controller reported)
of a controller of the barrio (``controllers.barrio_id``). Counted per kind (pánico, robo,
incendio…), per hour of the day and per day of the week in the hub's time zone, and per
controller for the hotspot map::

    found = activity(hub, barrio_id, date(2026, 8, 1), date(2026, 10, 29), zone)
    found.total, found.by_kind, found.by_hour[23], found.by_weekday[6]   # 6: domingo

Times are the episode's ``started_at``, as the controller's clock reported it (controllers
keep time by NTP or their RTC; one with an unsynchronised clock reports times near 1970,
which fall outside any period). Test presses never become episodes (a TEST frame is not a
panic kind), and a kind starting with ``TEST`` is left out should one ever be stored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from hub.fleet.readings import KIND_LABELS
from hub.storage import HubDB

WEEKDAYS: Final = ("Lunes", "Martes", "Miércoles", "Jueves", "Viernes", "Sábado", "Domingo")
DEFAULT_DAYS: Final = 90
MAX_DAYS: Final = 3 * 366


@dataclass(frozen=True)
class Activation:
    controller_id: int
    controller: str
    episode_id: str
    kind: str
    started_at: float
    local: datetime

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class ControllerActivity:
    id: int
    name: str
    latitude: float | None
    longitude: float | None
    count: int


@dataclass(frozen=True)
class Activity:
    barrio_id: int
    start: float
    end: float
    """The period: ``start <= started_at < end`` (epoch seconds)."""
    activations: list[Activation]
    by_kind: list[tuple[str, str, int]]
    """(kind, Spanish label, count): every known kind, then any other seen."""
    by_hour: list[int]
    """24 counts, hour 0 to 23 local."""
    by_weekday: list[int]
    """7 counts, lunes to domingo."""
    controllers: list[ControllerActivity]
    by_weekday_hour: list[list[int]]
    """7 rows (lunes to domingo) of 24 counts (hour 0 to 23)."""

    @property
    def total(self) -> int:
        return len(self.activations)

    @property
    def busiest_hours(self) -> list[int]:
        """The hours of the day with most activations (all of them on a tie)."""
        most = max(self.by_hour)
        return [hour for hour, count in enumerate(self.by_hour) if most and count == most]

    @property
    def busiest_weekdays(self) -> list[str]:
        most = max(self.by_weekday)
        return [WEEKDAYS[i] for i, count in enumerate(self.by_weekday) if most and count == most]

    def level(self, count: int) -> int:
        """0 to 4: how ``count`` compares with the busiest weekday-and-hour cell."""
        most = max((max(row) for row in self.by_weekday_hour), default=0)
        return 0 if count <= 0 or most <= 0 else max(1, math.ceil(4 * count / most))


def period(since: date, until: date, zone: ZoneInfo) -> tuple[float, float]:
    """From the start of ``since`` to the end of ``until`` (both included), local time."""
    start = datetime.combine(since, time(), zone).timestamp()
    end = datetime.combine(until + timedelta(days=1), time(), zone).timestamp()
    return start, end


def activity(
    hub: HubDB, barrio_id: int, since: date | float, until: date | float, zone: ZoneInfo
) -> Activity:
    """The barrio's activations between ``since`` and ``until``: dates (local, both days
    included) or epoch seconds (``since <= started_at < until``)."""
    start = datetime.combine(since, time(), zone).timestamp() if isinstance(since, date) else since
    end = (
        datetime.combine(until + timedelta(days=1), time(), zone).timestamp()
        if isinstance(until, date)
        else until
    )
    rows = hub.db.execute(
        "SELECT e.controller_id, c.name, e.episode_id, e.kind, e.started_at "
        "FROM episodes e JOIN controllers c ON c.id = e.controller_id "
        "WHERE c.barrio_id = ? AND e.started_at >= ? AND e.started_at < ? "
        "AND upper(e.kind) NOT LIKE 'TEST%' ORDER BY e.started_at, e.controller_id",
        [barrio_id, start, end],
    ).fetchall()
    activations = [
        Activation(
            int(row[0]),
            str(row[1]),
            str(row[2]),
            str(row[3]),
            float(row[4]),
            datetime.fromtimestamp(float(row[4]), zone),
        )
        for row in rows
    ]
    kinds = dict.fromkeys(KIND_LABELS, 0)
    by_hour = [0] * 24
    by_weekday = [0] * 7
    grid = [[0] * 24 for _ in range(7)]
    per_controller: dict[int, int] = {}
    for found in activations:
        kinds[found.kind] = kinds.get(found.kind, 0) + 1
        by_hour[found.local.hour] += 1
        by_weekday[found.local.weekday()] += 1
        grid[found.local.weekday()][found.local.hour] += 1
        per_controller[found.controller_id] = per_controller.get(found.controller_id, 0) + 1
    controllers = [
        ControllerActivity(
            int(row[0]),
            str(row[1]),
            None if row[2] is None else float(row[2]),
            None if row[3] is None else float(row[3]),
            per_controller.get(int(row[0]), 0),
        )
        for row in hub.db.execute(
            "SELECT id, name, latitude, longitude FROM controllers WHERE barrio_id = ? "
            "ORDER BY name, id",
            [barrio_id],
        ).fetchall()
    ]
    return Activity(
        barrio_id,
        start,
        end,
        activations,
        [(kind, KIND_LABELS.get(kind, kind), count) for kind, count in kinds.items()],
        by_hour,
        by_weekday,
        controllers,
        grid,
    )


# Charts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float

    @property
    def middle(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True)
class Chart:
    """A bar chart the page draws as SVG: bars, the axis' baseline and its top value."""

    width: int
    height: int
    baseline: float
    top: int
    bars: list[Bar]


def bar_chart(values: list[tuple[str, int]], *, width: int = 640, height: int = 200) -> Chart:
    """Bars for ``values`` (label, count), scaled so the largest fills the height."""
    top = max((value for _, value in values), default=0)
    left, right, above, below = 32, 8, 12, 28
    baseline = height - below
    span = baseline - above
    slot = (width - left - right) / max(len(values), 1)
    bars = []
    for index, (label, value) in enumerate(values):
        tall = span * value / top if top else 0.0
        bars.append(
            Bar(
                label,
                value,
                round(left + index * slot + slot * 0.15, 1),
                round(baseline - tall, 1),
                round(slot * 0.7, 1),
                round(tall, 1),
            )
        )
    return Chart(width, height, baseline, top, bars)


def circle_radius(count: int, most: int) -> float:
    """The hotspot map's circle for ``count`` activations (area proportional)."""
    if count <= 0 or most <= 0:
        return 3.0
    return round(5 + 19 * math.sqrt(count / most), 1)
