"""The home page, "Panel".

PLACEHOLDER: the fleet-health work replaces this view and ``panel.html`` with the real
panel (controllers online/offline, open alarms, tickets). Keep the route name ``panel``:
log-in, the navigation and redirects point to it.
"""

from __future__ import annotations

from aiohttp import web

from hub.web.render import render


async def panel(request: web.Request) -> web.StreamResponse:
    return render(request, "panel.html")
