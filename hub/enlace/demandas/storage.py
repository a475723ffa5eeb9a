"""Protocolo de Respuesta ante Demanda y Requerimientos: migration set ``demandas``.

Append migrations here, numbered from 1 (``m001_…``); tables are STRICT, with the
``barrio_id`` of the barrio they belong to when they belong to one.
"""

from __future__ import annotations

from typing import Final

from hub.storage.migrations import MigrationSet

migrations: Final = MigrationSet("demandas")
