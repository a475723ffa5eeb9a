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
"""

from __future__ import annotations

from typing import Final

from hub.fleet import controllers
from hub.fleet.alarms import AlarmType, clear, observe, open_alarm
from hub.fleet.controllers import Connection
from hub.fleet.ingest import NODE_SILENT_S
from hub.storage import HubDB

SECURITY_QUIET_S: Final = 24 * 3600


def evaluate(db: HubDB, *, at: float) -> None:
    """One round over every controller, in one transaction (one commit per round, not one
    per controller: the round then blocks the loop for far less)."""
    with db.db.atomic():
        _evaluate(db, at=at)


def _evaluate(db: HubDB, *, at: float) -> None:
    for controller in controllers.all_controllers(db):
        state = controller.connection(at)
        if state is Connection.OFFLINE:
            already = open_alarm(db, controller.id, AlarmType.OFFLINE) is not None
            observe(
                db,
                controller.id,
                AlarmType.OFFLINE,
                detail=f"Sin reportes por más de {_duration(controller.grace_s)} "
                f"(intervalo {controller.report_interval_s} s).",
                count=0 if already else 1,
                at=at,
            )
        elif state is Connection.ONLINE:
            clear(db, controller.id, AlarmType.OFFLINE, at=at)
            _nodes(db, controller.id, at=at)
    db.db.execute(
        "UPDATE alarms SET cleared_at = ? WHERE type = ? AND cleared_at IS NULL AND last_seen <= ?",
        [at, AlarmType.SECURITY.value, at - SECURITY_QUIET_S],
    )
    controllers.purge_enrollment_failures(db, at=at)


def _nodes(db: HubDB, controller_id: int, *, at: float) -> None:
    rows = db.db.execute(
        "SELECT network, address, heard_at FROM nodes WHERE controller_id = ?", [controller_id]
    ).fetchall()
    for network, address, heard_at in rows:
        node = (int(network), int(address))
        silent_s = at - float(heard_at)
        if silent_s > NODE_SILENT_S:
            already = open_alarm(db, controller_id, AlarmType.NODE_SILENT, node) is not None
            observe(
                db,
                controller_id,
                AlarmType.NODE_SILENT,
                node=node,
                detail=f"El controlador no escucha este botón hace {_duration(silent_s)}.",
                count=0 if already else 1,
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
