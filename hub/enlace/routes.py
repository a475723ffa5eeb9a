"""The routes of the Enlace pages that span every module of a barrio (the barrio report),
added to the hub's table in :mod:`hub.routes`."""

from __future__ import annotations

from typing import Final

from hub.routing import Route

ROUTES: Final[tuple[Route, ...]] = ()
