"""The routes of Diagnóstico del barrio (added to the hub's table in :mod:`hub.routes`)."""

from __future__ import annotations

from typing import Final

from hub.routing import Route

ROUTES: Final[tuple[Route, ...]] = ()
