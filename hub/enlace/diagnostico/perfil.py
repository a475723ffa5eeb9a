"""The barrio's límites geográficos and caracterización sociodemográfica (población, grupos
etarios, GSE), as the diagnóstico shows them. They belong to Gestión Territorial (columns
of ``barrios`` added by migration ``territory.m003``, read through
``hub.territory.barrios.profile``); this module only reads them, and reads nothing when
those columns are not there yet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final

from hub.storage import HubDB
from hub.territory import barrios, geo
from hub.territory.geo import Geometry

AGE_BANDS: Final[tuple[str, ...]] = ("0-14", "15-29", "30-44", "45-64", "65+")
GSE_GROUPS: Final[tuple[str, ...]] = ("AB", "C1a", "C1b", "C2", "C3", "D", "E")
_COLUMNS: Final = ("poblacion", "grupos_etarios", "gse", "fuente_sociodemografica", "limites")


@dataclass(frozen=True)
class Perfil:
    poblacion: int | None = None
    grupos_etarios: dict[str, int] = field(default_factory=dict)
    gse: dict[str, float] = field(default_factory=dict)
    fuente: str = ""
    limites: Geometry | None = None

    @property
    def has_sociodemografia(self) -> bool:
        return self.poblacion is not None or bool(self.grupos_etarios) or bool(self.gse)

    @property
    def edades(self) -> list[tuple[str, int, float | None]]:
        """(band, people, percent of the bands' total) in the usual order."""
        total = sum(self.grupos_etarios.values())
        ordered = [b for b in AGE_BANDS if b in self.grupos_etarios]
        ordered += [b for b in self.grupos_etarios if b not in AGE_BANDS]
        return [
            (band, people, 100 * people / total if total else None)
            for band in ordered
            for people in [self.grupos_etarios[band]]
        ]

    @property
    def grupos_gse(self) -> list[tuple[str, float]]:
        ordered = [g for g in GSE_GROUPS if g in self.gse]
        ordered += [g for g in self.gse if g not in GSE_GROUPS]
        return [(group, self.gse[group]) for group in ordered]


def perfil(hub: HubDB, barrio_id: int) -> Perfil:
    """The barrio's limits and profile (empty while Gestión Territorial has none)."""
    reader = getattr(barrios, "profile", None)
    if reader is not None:
        try:
            return _from_object(reader(hub, barrio_id))
        except (TypeError, ValueError, AttributeError):
            pass  # a shape this module does not know yet: read the columns
    return _from_columns(hub, barrio_id)


def _from_columns(hub: HubDB, barrio_id: int) -> Perfil:
    present = {str(row[1]) for row in hub.db.execute("PRAGMA table_info(barrios)").fetchall()}
    wanted = [column for column in _COLUMNS if column in present]
    if not wanted:
        return Perfil()
    row = hub.db.execute(
        f"SELECT {', '.join(wanted)} FROM barrios WHERE id = ?",  # noqa: S608
        [barrio_id],
    ).fetchone()
    if row is None:
        return Perfil()
    values = dict(zip(wanted, row, strict=True))
    return _build(
        values.get("poblacion"),
        values.get("grupos_etarios"),
        values.get("gse"),
        values.get("fuente_sociodemografica"),
        values.get("limites"),
    )


def _from_object(found: Any) -> Perfil:
    return _build(
        getattr(found, "poblacion", None),
        getattr(found, "grupos_etarios", None),
        getattr(found, "gse", None),
        getattr(found, "fuente_sociodemografica", getattr(found, "fuente", None)),
        getattr(found, "limites", None),
    )


def _build(poblacion: Any, edades: Any, gse: Any, fuente: Any, limites: Any) -> Perfil:
    return Perfil(
        poblacion=int(poblacion) if isinstance(poblacion, int | float) else None,
        grupos_etarios={k: int(v) for k, v in _mapping(edades).items() if _number(v)},
        gse={k: float(v) for k, v in _mapping(gse).items() if _number(v)},
        fuente=str(fuente or ""),
        limites=_geometry(limites),
    )


def _mapping(value: Any) -> dict[str, Any]:
    if isinstance(value, str) and value.strip():
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _geometry(value: Any) -> Geometry | None:
    if isinstance(value, Geometry):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return geo.load(value)
        except ValueError:
            return None
    return None
