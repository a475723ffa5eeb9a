"""The barrio's límites geográficos and caracterización sociodemográfica (población, grupos
etarios, GSE), as the diagnóstico shows them. They belong to Gestión Territorial, which
records them on the barrio's ficha; this module only reads them, through
:func:`hub.territory.barrios.profile`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.storage import HubDB
from hub.territory.barrios import profile
from hub.territory.geo import Geometry


@dataclass(frozen=True)
class Perfil:
    poblacion: int | None = None
    grupos_etarios: dict[str, int] = field(default_factory=dict)
    """Age band → people, in the order of ``hub.territory.barrios.AGE_BANDS``."""
    gse: dict[str, float] = field(default_factory=dict)
    """GSE group → percent, in the order of ``hub.territory.barrios.GSE_GROUPS``."""
    fuente: str = ""
    limites: Geometry | None = None

    @property
    def has_sociodemografia(self) -> bool:
        return self.poblacion is not None or bool(self.grupos_etarios) or bool(self.gse)

    @property
    def edades(self) -> list[tuple[str, int, float | None]]:
        """(band, people, percent of the bands' total)."""
        total = sum(self.grupos_etarios.values())
        return [
            (band, people, 100 * people / total if total else None)
            for band, people in self.grupos_etarios.items()
        ]

    @property
    def grupos_gse(self) -> list[tuple[str, float]]:
        return list(self.gse.items())


def perfil(hub: HubDB, barrio_id: int) -> Perfil:
    """The barrio's limits and profile (fields empty while Gestión Territorial has none)."""
    found = profile(hub, barrio_id)
    return Perfil(
        poblacion=found.poblacion,
        grupos_etarios=dict(found.grupos_etarios),
        gse=dict(found.gse),
        fuente=found.fuente,
        limites=found.limites,
    )
