"""The routes of the instrumentos de recolección: fuentes secundarias and técnicas
cualitativas (added to the hub's table in :mod:`hub.routes`)."""

from __future__ import annotations

from typing import Final

from hub.routing import Route

ROUTES: Final[tuple[Route, ...]] = ()
