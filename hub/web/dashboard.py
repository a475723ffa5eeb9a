"""The home page, "Panel" (route ``panel``: log-in, the navigation and redirects land here).

For the roles that watch the fleet (those the ``controllers`` route admits: the Unidad de
Alarmas Comunitarias and administrators): controllers per state, open alarms by severity
and how many nobody acknowledged, open tickets by status, the installation waitlist, the
controllers that need attention first (:func:`hub.fleet.dashboard.needing_attention`, the
first 50; ``/requieren-atencion`` lists them all) and the fleet's newest episodes. Every
figure is one aggregate query. Other roles get a welcome with their sections.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub import keys
from hub.fleet import dashboard
from hub.maintenance.tickets import TicketStatus
from hub.maintenance.waitlist import QUEUE
from hub.storage import HubDB
from hub.web.access import current_session
from hub.web.render import render

OPEN_TICKETS = tuple(status for status in TicketStatus if not status.finished)


def ticket_counts(db: HubDB) -> dict[TicketStatus, int]:
    """Tickets not closed nor cancelled, per status (zeros included)."""
    marks = ", ".join("?" for _ in OPEN_TICKETS)
    counted = dict(
        db.db.execute(
            f"SELECT status, count(*) FROM tickets WHERE status IN ({marks}) GROUP BY status",  # noqa: S608
            [status.value for status in OPEN_TICKETS],
        ).fetchall()
    )
    return {status: int(counted.get(status.value, 0)) for status in OPEN_TICKETS}


def waitlist_size(db: HubDB) -> int:
    """Requests in the installation queue (recibida, en evaluación, aprobada)."""
    marks = ", ".join("?" for _ in QUEUE)
    row = db.db.execute(
        f"SELECT count(*) FROM waitlist_requests WHERE status IN ({marks})",  # noqa: S608
        [status.value for status in QUEUE],
    ).fetchone()
    return int(row[0])


def _watches_fleet(request: web.Request) -> bool:
    role = current_session(request).user.role
    return request.app[keys.routes].admits("controllers", role)


async def panel(request: web.Request) -> web.StreamResponse:
    if not _watches_fleet(request):
        return render(request, "dashboard.html", {"fleet": None})
    db, now = request.app[keys.db], request.app[keys.clock]()
    attention, attention_total = dashboard.needing_attention(db, at=now)
    context: dict[str, Any] = {
        "fleet": dashboard.summary(db, at=now),
        "states": list(dashboard.FleetState),
        "attention": attention,
        "attention_total": attention_total,
        "episodes": dashboard.latest_episodes(db),
        "tickets": ticket_counts(db),
        "waitlist": waitlist_size(db),
    }
    return render(request, "dashboard.html", context)


async def attention_list(request: web.Request) -> web.StreamResponse:
    """Every controller that needs attention, in the panel's order."""
    db, now = request.app[keys.db], request.app[keys.clock]()
    attention, total = dashboard.needing_attention(db, at=now, limit=None)
    return render(request, "attention.html", {"attention": attention, "attention_total": total})
