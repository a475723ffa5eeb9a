"""JSON endpoints for signed-in people (the controller API lives apart, under CONTROLLER)."""

from __future__ import annotations

from aiohttp import web

from hub.web.access import current_session


async def whoami(request: web.Request) -> web.StreamResponse:
    """Who is signed in: e-mail, name, role and its Spanish label."""
    user = current_session(request).user
    return web.json_response(
        {
            "email": user.email,
            "name": user.name,
            "role": user.role.value,
            "role_label": user.role.label,
        }
    )
