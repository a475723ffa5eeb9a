"""The values of a Mesa de Seguridad Focalizada: the mesa (one sector barrial focused by
one gestor), its sesiones (agenda, asistencia, acta), and the acuerdos y compromisos taken
there with their seguimiento across sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final

from hub.storage import Subject
from hub.storage.audit import Json

MAX_FOCOS: Final = 2
""""cada gestor identifique dos sectores barriales a focalizar dentro de sus territorios"."""


def filled(fields: dict[str, Json]) -> dict[str, Json]:
    """``fields`` without the empty ones: what a creation's history lists."""
    return {name: value for name, value in fields.items() if value not in ("", None)}


class EstadoMesa(StrEnum):
    ACTIVA = "activa"
    CERRADA = "cerrada"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class EstadoAcuerdo(StrEnum):
    PENDIENTE = "pendiente"
    EN_CURSO = "en_curso"
    CUMPLIDO = "cumplido"
    NO_CUMPLIDO = "no_cumplido"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def open(self) -> bool:
        return self in (EstadoAcuerdo.PENDIENTE, EstadoAcuerdo.EN_CURSO)


@dataclass(frozen=True)
class Mesa:
    id: int
    barrio_id: int
    barrio: str
    sector: str
    """A named part of the barrio ("Pasaje Los Aromos y plaza"), or "" for the whole barrio."""
    gestor_id: int
    gestor: str
    objetivo: str
    inicio: date
    estado: EstadoMesa
    cierre_fecha: date | None
    cierre_nota: str
    created_at: float
    created_by: str
    updated_at: float

    @property
    def sector_barrial(self) -> str:
        """What people call it: «Villa Azul · Pasaje Los Aromos» or «Villa Azul»."""
        return f"{self.barrio} · {self.sector}" if self.sector else self.barrio

    @property
    def activa(self) -> bool:
        return self.estado is EstadoMesa.ACTIVA

    @property
    def subject(self) -> Subject:
        return Subject("mesa", self.id)


@dataclass(frozen=True)
class MesaDraft:
    sector: str
    objetivo: str
    inicio: date
    problematica_ids: tuple[int, ...]
    gestor_id: int | None = None
    """Chosen by an admin; a gestor opens mesas for themselves (None)."""


@dataclass(frozen=True)
class AgendaItem:
    tema: str
    minutos: int


@dataclass(frozen=True)
class AgendaLine:
    """An agenda item with its running clock: when it starts and ends."""

    tema: str
    minutos: int
    desde: str
    hasta: str


@dataclass(frozen=True)
class Asistente:
    """An organización or institución present, with who represented it."""

    nombre: str
    representante: str


@dataclass(frozen=True)
class SesionDraft:
    fecha: date
    hora: str
    """HH:MM, local time."""
    lugar: str
    agenda: tuple[AgendaItem, ...]
    vecinos: int
    vecinos_nombres: tuple[str, ...]
    organizaciones: tuple[Asistente, ...]
    instituciones: tuple[Asistente, ...]
    acta: str


@dataclass(frozen=True)
class Sesion:
    id: int
    mesa_id: int
    barrio_id: int
    numero: int
    """Its place among the mesa's sessions by date (1 = the first)."""
    fecha: date
    hora: str
    lugar: str
    agenda: tuple[AgendaItem, ...]
    vecinos: int
    vecinos_nombres: tuple[str, ...]
    organizaciones: tuple[Asistente, ...]
    instituciones: tuple[Asistente, ...]
    acta: str
    created_at: float
    created_by: str
    updated_at: float

    @property
    def title(self) -> str:
        return f"Sesión N° {self.numero} del {self.fecha:%d-%m-%Y}"

    @property
    def total_minutos(self) -> int:
        return sum(item.minutos for item in self.agenda)

    @property
    def agenda_clock(self) -> list[AgendaLine]:
        """The agenda with each item's start and end, from the session's time."""
        start = datetime.combine(self.fecha, datetime.strptime(self.hora, "%H:%M").time())
        lines = []
        for item in self.agenda:
            end = start + timedelta(minutes=item.minutos)
            lines.append(AgendaLine(item.tema, item.minutos, f"{start:%H:%M}", f"{end:%H:%M}"))
            start = end
        return lines

    @property
    def asistentes(self) -> int:
        """Everyone present: vecinos y vecinas plus one representative per organization and
        institution."""
        return self.vecinos + len(self.organizaciones) + len(self.instituciones)

    @property
    def subject(self) -> Subject:
        return Subject("mesa_sesion", self.id)


@dataclass(frozen=True)
class AcuerdoDraft:
    descripcion: str
    responsable: str
    fecha_comprometida: date


@dataclass(frozen=True)
class Acuerdo:
    id: int
    mesa_id: int
    sesion_id: int
    barrio_id: int
    descripcion: str
    responsable: str
    fecha_comprometida: date
    estado: EstadoAcuerdo
    created_at: float
    created_by: str
    updated_at: float
    sesion_fecha: date

    def overdue(self, today: date) -> bool:
        """Still open after the date it was committed for."""
        return self.estado.open and self.fecha_comprometida < today

    @property
    def subject(self) -> Subject:
        return Subject("mesa_acuerdo", self.id)


@dataclass(frozen=True)
class Seguimiento:
    """One follow-up of an acuerdo: who, when, in which session (None: between sessions),
    the estado before and after, and the note."""

    id: int
    acuerdo_id: int
    sesion_id: int | None
    sesion_fecha: date | None
    estado_anterior: EstadoAcuerdo
    estado: EstadoAcuerdo
    nota: str
    at: float
    author: str
