"""Instrumentos de recolección (fuentes secundarias, técnicas cualitativas): migration
set ``instrumentos``.

Append migrations here, numbered from 1 (``m001_…``); tables are STRICT, with the
``barrio_id`` of the barrio they belong to when they belong to one.
"""

from __future__ import annotations

from typing import Final

from hub.storage.migrations import MigrationSet

migrations: Final = MigrationSet("instrumentos")
