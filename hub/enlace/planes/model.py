"""The values of a plan de acción: the plan, its objetivos específicos, their acciones, the
progress updates of an acción and the plan's hitos, as the pages and exports read them.

An acción's *estado* is what the gestor records (pendiente, en curso, realizada,
suspendida); *atrasada* is computed, never stored: an acción pendiente or en curso whose
fecha de término has passed (a suspended one is not late: it is stopped on purpose).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from hub.storage import Subject

ATRASADA: Final = "atrasada"


class Estado(StrEnum):
    PENDIENTE = "pendiente"
    EN_CURSO = "en_curso"
    REALIZADA = "realizada"
    SUSPENDIDA = "suspendida"

    @property
    def label(self) -> str:
        return "En curso" if self is Estado.EN_CURSO else self.value.capitalize()


SITUACIONES: Final = {**{e.value: e.label for e in Estado}, ATRASADA: "Atrasada"}
"""Every situation an acción can be in (its estado, or atrasada) and its Spanish label."""


@dataclass(frozen=True)
class Plan:
    id: int
    barrio_id: int
    titulo: str
    inicio: date
    termino: date
    objetivo_general: str
    gestor_id: int | None
    gestor: str
    """The gestor responsable's name ("" when none was chosen)."""
    validacion: str
    validacion_fecha: date | None
    mesa_sesion_id: int | None
    estado: str
    cerrado_at: float | None
    created_at: float
    created_by: str
    updated_at: float

    @property
    def vigente(self) -> bool:
        return self.estado == "vigente"

    @property
    def subject(self) -> Subject:
        return Subject("plan", self.id)


@dataclass(frozen=True)
class Objetivo:
    id: int
    barrio_id: int
    plan_id: int
    titulo: str
    descripcion: str
    problematica_id: int | None
    problematica: str
    """The linked problemática's title ("" when none)."""
    created_at: float
    created_by: str
    updated_at: float

    @property
    def subject(self) -> Subject:
        return Subject("plan_objetivo", self.id)


@dataclass(frozen=True)
class Accion:
    id: int
    barrio_id: int
    plan_id: int
    objetivo_id: int
    actividad: str
    descripcion: str
    responsables: str
    inicio: date
    termino: date
    recursos: str
    indicador: str
    meta: str
    estado: Estado
    avance: int
    peso: float
    created_at: float
    created_by: str
    updated_at: float

    @property
    def subject(self) -> Subject:
        return Subject("plan_accion", self.id)

    def atrasada(self, today: date) -> bool:
        """Past its fecha de término and still pendiente or en curso."""
        return self.termino < today and self.estado in (Estado.PENDIENTE, Estado.EN_CURSO)

    def situacion(self, today: date) -> str:
        """``atrasada`` or the estado's value (a key of :data:`SITUACIONES`)."""
        return ATRASADA if self.atrasada(today) else self.estado.value

    def overlaps(self, desde: date, hasta: date) -> bool:
        """Whether the acción runs on some day from ``desde`` to ``hasta`` (inclusive)."""
        return self.inicio <= hasta and self.termino >= desde


@dataclass(frozen=True)
class Avance:
    """One progress update of an acción."""

    id: int
    accion_id: int
    avance: int
    estado: Estado
    nota: str
    at: float
    by: str


@dataclass(frozen=True)
class Hito:
    id: int
    barrio_id: int
    plan_id: int
    titulo: str
    fecha: date
    cumplido: bool
    created_at: float
    created_by: str
    updated_at: float

    @property
    def subject(self) -> Subject:
        return Subject("plan_hito", self.id)


@dataclass(frozen=True)
class PlanDraft:
    titulo: str
    inicio: date
    termino: date
    objetivo_general: str
    gestor_id: int | None
    validacion: str
    validacion_fecha: date | None
    mesa_sesion_id: int | None


@dataclass(frozen=True)
class ObjetivoDraft:
    titulo: str
    descripcion: str
    problematica_id: int | None


@dataclass(frozen=True)
class AccionDraft:
    actividad: str
    descripcion: str
    responsables: str
    inicio: date
    termino: date
    recursos: str
    indicador: str
    meta: str
    estado: Estado
    avance: int
    peso: float


@dataclass(frozen=True)
class HitoDraft:
    titulo: str
    fecha: date


@dataclass(frozen=True)
class ProgressUpdate:
    avance: int
    estado: Estado
    nota: str
