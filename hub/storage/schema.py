"""The one ordered list of migration sets the hub applies at start.

Add your domain's set at the end (after the sets whose tables it refers to). Each set is
numbered on its own (see :mod:`hub.storage.migrations`), so adding a set or a migration
never renumbers anyone else's.
"""

from __future__ import annotations

from typing import Final

from hub.enlace.demandas import storage as demandas
from hub.enlace.diagnostico import storage as diagnostico
from hub.enlace.instrumentos import storage as instrumentos
from hub.enlace.mesas import storage as mesas
from hub.enlace.planes import storage as planes
from hub.fleet import schema as fleet
from hub.maintenance import storage as maintenance
from hub.mediacion import storage as mediacion
from hub.storage import accounts, audit
from hub.storage.migrations import MigrationSet
from hub.territory import storage as territory

MIGRATION_SETS: Final[tuple[MigrationSet, ...]] = (
    audit.migrations,
    accounts.migrations,
    territory.migrations,
    fleet.migrations,
    maintenance.migrations,
    diagnostico.migrations,
    instrumentos.migrations,
    planes.migrations,
    mesas.migrations,
    demandas.migrations,
    mediacion.migrations,
)
