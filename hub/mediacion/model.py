"""What a Mediación Comunitaria case is: its tipos de conflicto, origins, estados and their
transitions, parties and sessions.

Personal data are kept minimal on purpose: a case is a conflict between neighbours, and a
record of who is in conflict with whom can hurt them if it leaks. A party is an alias or a
name, its role (requirente / requerido) and, optionally, a phone to call them to a session;
nothing else. Descriptions, session notes and acuerdos must not hold sensitive data (health,
origin, beliefs, sexual life, criminal records: the *datos sensibles* of Ley 19.628).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from hub.storage import Subject

SUBJECT: Final = "mediacion_caso"


class TipoConflicto(StrEnum):
    RUIDOS = "ruidos"
    MASCOTAS = "mascotas"
    DESLINDES = "deslindes"
    ESTACIONAMIENTO = "estacionamiento"
    CONVIVENCIA = "convivencia"
    DEUDAS = "deudas"
    OTRO = "otro"

    @property
    def label(self) -> str:
        return _TIPOS[self]


_TIPOS: Final = {
    TipoConflicto.RUIDOS: "Ruidos",
    TipoConflicto.MASCOTAS: "Mascotas",
    TipoConflicto.DESLINDES: "Deslindes / construcciones",
    TipoConflicto.ESTACIONAMIENTO: "Estacionamiento",
    TipoConflicto.CONVIVENCIA: "Convivencia",
    TipoConflicto.DEUDAS: "Deudas / arriendo",
    TipoConflicto.OTRO: "Otro",
}


class Origen(StrEnum):
    ESPONTANEA = "espontanea"
    DEMANDA = "demanda"
    INSTITUCION = "institucion"

    @property
    def label(self) -> str:
        return _ORIGENES[self]


_ORIGENES: Final = {
    Origen.ESPONTANEA: "Espontánea",
    Origen.DEMANDA: "Derivada desde una demanda",
    Origen.INSTITUCION: "Derivada por otra institución",
}


class EstadoCaso(StrEnum):
    INGRESADO = "ingresado"
    PREMEDIACION = "premediacion"
    EN_MEDIACION = "en_mediacion"
    CON_ACUERDO = "con_acuerdo"
    SIN_ACUERDO = "sin_acuerdo"
    DERIVADO = "derivado"
    CERRADO = "cerrado"

    @property
    def label(self) -> str:
        return _ESTADOS[self]


_ESTADOS: Final = {
    EstadoCaso.INGRESADO: "Ingresado",
    EstadoCaso.PREMEDIACION: "Premediación",
    EstadoCaso.EN_MEDIACION: "En mediación",
    EstadoCaso.CON_ACUERDO: "Con acuerdo",
    EstadoCaso.SIN_ACUERDO: "Sin acuerdo",
    EstadoCaso.DERIVADO: "Derivado",
    EstadoCaso.CERRADO: "Cerrado",
}
C = EstadoCaso
TRANSITIONS: Final[Mapping[EstadoCaso, tuple[EstadoCaso, ...]]] = {
    C.INGRESADO: (C.PREMEDIACION, C.DERIVADO, C.CERRADO),
    C.PREMEDIACION: (C.EN_MEDIACION, C.DERIVADO, C.CERRADO),
    C.EN_MEDIACION: (C.CON_ACUERDO, C.SIN_ACUERDO, C.DERIVADO),
    C.CON_ACUERDO: (C.CERRADO,),
    C.SIN_ACUERDO: (C.DERIVADO, C.CERRADO),
    C.DERIVADO: (C.CERRADO,),
    C.CERRADO: (),
}
NEEDS_RESULT: Final = frozenset({C.CON_ACUERDO, C.SIN_ACUERDO})
"""Reaching these needs the acuerdo (or the result without one) written."""
NEEDS_NOTE: Final = frozenset({C.DERIVADO, C.CERRADO})
"""Reaching these needs a note: where it was derived, or why it closes."""


class RolParte(StrEnum):
    REQUIRENTE = "requirente"
    REQUERIDO = "requerido"

    @property
    def label(self) -> str:
        return "Requirente" if self is RolParte.REQUIRENTE else "Requerido(a)"


class Asistencia(StrEnum):
    AMBAS = "ambas"
    SOLO_REQUIRENTE = "solo_requirente"
    SOLO_REQUERIDO = "solo_requerido"
    NINGUNA = "ninguna"

    @property
    def label(self) -> str:
        return _ASISTENCIAS[self]


_ASISTENCIAS: Final = {
    Asistencia.AMBAS: "Asistieron ambas partes",
    Asistencia.SOLO_REQUIRENTE: "Solo la parte requirente",
    Asistencia.SOLO_REQUERIDO: "Solo la parte requerida",
    Asistencia.NINGUNA: "No asistió ninguna parte",
}


@dataclass(frozen=True)
class Caso:
    id: int
    tipo: TipoConflicto
    barrio_id: int | None
    barrio: str
    origen: Origen
    demanda_id: int | None
    institucion_origen: str
    descripcion: str
    estado: EstadoCaso
    acuerdo: str
    created_at: float
    created_by: str
    updated_at: float
    partes: int
    sesiones: int

    @property
    def subject(self) -> Subject:
        return Subject(SUBJECT, self.id)

    @property
    def next_estados(self) -> tuple[EstadoCaso, ...]:
        return TRANSITIONS[self.estado]

    @property
    def origen_shown(self) -> str:
        if self.origen is Origen.DEMANDA and self.demanda_id is not None:
            return f"Derivada desde la demanda N° {self.demanda_id}"
        if self.origen is Origen.INSTITUCION and self.institucion_origen:
            return f"Derivada por {self.institucion_origen}"
        return self.origen.label


@dataclass(frozen=True)
class Parte:
    id: int
    caso_id: int
    alias: str
    rol: RolParte
    telefono: str


@dataclass(frozen=True)
class Sesion:
    id: int
    caso_id: int
    fecha: date
    asistencia: Asistencia
    nota: str
    created_by: str
