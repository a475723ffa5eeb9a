"""Fleet health over time: what no report can say (a controller that went quiet, a node no
longer heard), evaluated by the hub's periodic ``fleet`` job.

- *offline*: more than the grace (``2 × interval + 30 s``) since the last report opens the
  critical ``offline`` alarm; each round updates it while it lasts; the next report clears
  it (:mod:`hub.fleet.ingest`). A controller that never reported has no alarm: it is
  *nunca reportó*, a state of its own.
- *node silent*: a node not heard for more than 48 hours (on the hub's clock) opens a
  warning for that node, while its controller is online (an offline controller's nodes
  cannot be judged); hearing it again clears it.
- *security*: replayed or forged frames are events without a "healthy again" signal; their
  alarm clears after 24 hours without new ones.

A round is set-based: which controllers are offline or back online, and which nodes are
silent, is decided in SQL (the grace as :data:`hub.fleet.dashboard.GRACE_SQL` restates
it), in a fixed handful of statements whatever the fleet's size; Python runs only for each
silent node found. ``tests/hub/test_fleet_health.py`` checks the SQL against the Python
rules (``Controller.connection``, ``NodeRow.silent``) over a mixed fleet.
"""

from __future__ import annotations

from typing import Final

from hub.fleet import controllers
from hub.fleet.alarms import AlarmType, record
from hub.fleet.dashboard import GRACE_SQL
from hub.fleet.ingest import NODE_SILENT_S
from hub.storage import HubDB

SECURITY_QUIET_S: Final = 24 * 3600

_OFFLINE: Final = f"c.last_report_at IS NOT NULL AND :at - c.last_report_at > {GRACE_SQL}"
"""``Controller.connection(at) is Connection.OFFLINE`` for the row ``c`` of ``controllers``."""
_ONLINE: Final = f"c.last_report_at IS NOT NULL AND :at - c.last_report_at <= {GRACE_SQL}"
"""``… is Connection.ONLINE`` (never reported is neither)."""
_OPEN_OFFLINE: Final = (
    "a.type = 'offline' AND a.cleared_at IS NULL AND a.node_network IS NULL "
    "AND a.controller_id = c.id"
)


def evaluate(db: HubDB, *, at: float) -> None:
    """One round over the whole fleet, in one transaction and a fixed handful of queries:
    the controllers and nodes are chosen in SQL; Python runs only for the silent nodes
    found (each alarm says for how long)."""
    with db.db.atomic():
        _offline(db, at=at)
        db.db.execute(
            f"UPDATE alarms AS a SET cleared_at = :at FROM controllers c "  # noqa: S608 - fixed SQL
            f"WHERE {_OPEN_OFFLINE} AND {_ONLINE}",
            {"at": at},
        )
        _silent_nodes(db, at=at)
        db.db.execute(
            "UPDATE alarms SET cleared_at = ? WHERE type = ? AND cleared_at IS NULL "
            "AND last_seen <= ?",
            [at, AlarmType.SECURITY.value, at - SECURITY_QUIET_S],
        )
        controllers.purge_enrollment_failures(db, at=at)


def _offline(db: HubDB, *, at: float) -> None:
    """Open the offline alarm of every controller past its grace, or update the open one
    (``last_seen``, the detail; its count stays: one occurrence, however many rounds).
    New alarms are numbered in the fleet's order (barrio, name), as the SMS lists them."""
    kinds = db.db.execute(
        f"SELECT DISTINCT c.report_interval_s, {GRACE_SQL} FROM controllers c WHERE {_OFFLINE}",  # noqa: S608 - fixed SQL
        {"at": at},
    ).fetchall()
    if not kinds:
        return
    # The detail names the grace and the interval: one text per pair, joined in SQL.
    parameters: dict[str, object] = {"at": at}
    values = []
    for number, (interval, grace) in enumerate(kinds):
        parameters |= {
            f"i{number}": interval,
            f"g{number}": grace,
            f"d{number}": f"Sin reportes por más de {_duration(grace)} (intervalo {interval} s).",
        }
        values.append(f"(:i{number}, :g{number}, :d{number})")
    offline = (
        f"FROM controllers c JOIN detail d ON d.interval = c.report_interval_s "
        f"AND d.grace = {GRACE_SQL} LEFT JOIN barrios b ON b.id = c.barrio_id WHERE {_OFFLINE}"
    )
    details = f"WITH detail(interval, grace, text) AS (VALUES {', '.join(values)})"
    db.db.execute(
        f"{details}, offline AS (SELECT c.id, d.text {offline}) "  # noqa: S608 - fixed SQL
        "UPDATE alarms AS a SET last_seen = max(a.last_seen, :at), detail = o.text, "
        "severity = 'critical' FROM offline o WHERE a.type = 'offline' "
        "AND a.cleared_at IS NULL AND a.node_network IS NULL AND a.controller_id = o.id",
        parameters,
    )
    db.db.execute(
        f"{details} INSERT INTO alarms (controller_id, type, severity, detail, first_seen, "  # noqa: S608 - fixed SQL
        "last_seen, count) SELECT c.id, 'offline', 'critical', d.text, :at, :at, 1 "
        f"{offline} AND NOT EXISTS (SELECT 1 FROM alarms a WHERE {_OPEN_OFFLINE}) "
        "ORDER BY b.name, c.name, c.id",
        parameters,
    )


def _silent_nodes(db: HubDB, *, at: float) -> None:
    """Open (or update) the silent-node alarm of every node not heard for more than
    :data:`NODE_SILENT_S` whose controller is online."""
    rows = db.db.execute(
        "SELECT n.controller_id, n.network, n.address, n.heard_at, EXISTS (SELECT 1 FROM alarms a "  # noqa: S608 - fixed SQL
        "WHERE a.controller_id = n.controller_id AND a.type = 'node_silent' "
        "AND a.node_network = n.network AND a.node_address = n.address "
        "AND a.cleared_at IS NULL) FROM nodes n JOIN controllers c ON c.id = n.controller_id "
        "LEFT JOIN barrios b ON b.id = c.barrio_id "
        f"WHERE :at - n.heard_at > :silent AND {_ONLINE} "
        "ORDER BY b.name, c.name, c.id, n.network, n.address",
        {"at": at, "silent": NODE_SILENT_S},
    ).fetchall()
    for controller_id, network, address, heard_at, already in rows:
        record(
            db,
            controller_id,
            AlarmType.NODE_SILENT,
            node=(int(network), int(address)),
            detail=f"El controlador no escucha este botón hace {_duration(at - heard_at)}.",
            count=0 if already else 1,
            is_open=bool(already),
            at=at,
        )


def _duration(seconds: float) -> str:
    """``"2 min 30 s"``, ``"48 h 1 min"``, ``"5 d 4 h"``: how long, for people."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours >= 72:
        days, hours = divmod(hours, 24)
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"
