"""What a demanda is: its canales, categorías, prioridades (with their response-time
targets), estados and their transitions, and the response activities.

Response-time targets (días corridos from the date received): urgente 2, alta 5, normal 10,
baja 20. A demanda's plazo is ``recibida_el + target``; it is *vencida* (overdue) when
today, in the hub's time zone, is after its plazo and it is still open — not resuelta,
cerrada or desestimada. A *derivada* demanda stays open: the Departamento follows it up
until it is closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from hub.storage import Subject

SUBJECT: Final = "demanda"


class Canal(StrEnum):
    PRESENCIAL = "presencial"
    TELEFONO = "telefono"
    LINEA_1418 = "linea_1418"
    CORREO = "correo"
    REDES_SOCIALES = "redes_sociales"
    MESA_SEGURIDAD = "mesa_seguridad"
    JUNTA_VECINOS = "junta_vecinos"
    OTRO = "otro"

    @property
    def label(self) -> str:
        return _CANALES[self]


_CANALES: Final = {
    Canal.PRESENCIAL: "Presencial",
    Canal.TELEFONO: "Teléfono",
    Canal.LINEA_1418: "Línea 1418",
    Canal.CORREO: "Correo electrónico",
    Canal.REDES_SOCIALES: "Redes sociales",
    Canal.MESA_SEGURIDAD: "Mesa de seguridad",
    Canal.JUNTA_VECINOS: "Junta de vecinos",
    Canal.OTRO: "Otro",
}


class Categoria(StrEnum):
    ILUMINACION = "iluminacion"
    MICROBASURAL = "microbasural"
    INCIVILIDADES = "incivilidades"
    CONSUMO_VIA_PUBLICA = "consumo_via_publica"
    RUIDOS_MOLESTOS = "ruidos_molestos"
    ESPACIO_PUBLICO = "espacio_publico"
    ALARMA_COMUNITARIA = "alarma_comunitaria"
    OTRO = "otro"

    @property
    def label(self) -> str:
        return _CATEGORIAS[self]


_CATEGORIAS: Final = {
    Categoria.ILUMINACION: "Iluminación",
    Categoria.MICROBASURAL: "Microbasural / sitio eriazo",
    Categoria.INCIVILIDADES: "Incivilidades",
    Categoria.CONSUMO_VIA_PUBLICA: "Consumo en vía pública",
    Categoria.RUIDOS_MOLESTOS: "Ruidos molestos",
    Categoria.ESPACIO_PUBLICO: "Seguridad en espacio público",
    Categoria.ALARMA_COMUNITARIA: "Alarma comunitaria",
    Categoria.OTRO: "Otro",
}


class Prioridad(StrEnum):
    URGENTE = "urgente"
    ALTA = "alta"
    NORMAL = "normal"
    BAJA = "baja"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def target_days(self) -> int:
        """The response-time target, in días corridos from the date received."""
        return TARGET_DAYS[self]


TARGET_DAYS: Final[Mapping[Prioridad, int]] = {
    Prioridad.URGENTE: 2,
    Prioridad.ALTA: 5,
    Prioridad.NORMAL: 10,
    Prioridad.BAJA: 20,
}


class Estado(StrEnum):
    RECIBIDA = "recibida"
    EN_TRIAGE = "en_triage"
    EN_RESPUESTA = "en_respuesta"
    RESUELTA = "resuelta"
    CERRADA = "cerrada"
    DERIVADA = "derivada"
    DESESTIMADA = "desestimada"

    @property
    def label(self) -> str:
        return _ESTADOS[self]

    @property
    def open(self) -> bool:
        return self not in FINISHED


_ESTADOS: Final = {
    Estado.RECIBIDA: "Recibida",
    Estado.EN_TRIAGE: "En triage",
    Estado.EN_RESPUESTA: "En respuesta",
    Estado.RESUELTA: "Resuelta",
    Estado.CERRADA: "Cerrada",
    Estado.DERIVADA: "Derivada",
    Estado.DESESTIMADA: "Desestimada",
}
E = Estado
FINISHED: Final = frozenset({E.RESUELTA, E.CERRADA, E.DESESTIMADA})
"""Not counted as open nor ever overdue."""
TRANSITIONS: Final[Mapping[Estado, tuple[Estado, ...]]] = {
    E.RECIBIDA: (E.EN_TRIAGE, E.DERIVADA, E.DESESTIMADA),
    E.EN_TRIAGE: (E.EN_RESPUESTA, E.DERIVADA, E.DESESTIMADA),
    E.EN_RESPUESTA: (E.RESUELTA, E.DERIVADA, E.DESESTIMADA),
    E.RESUELTA: (E.CERRADA, E.EN_RESPUESTA),
    E.DERIVADA: (E.EN_RESPUESTA, E.CERRADA),
    E.DESESTIMADA: (),
    E.CERRADA: (),
}
"""Resuelta may go back to en respuesta (the vecinos say it is not solved); a derivada
demanda comes back to en respuesta or is closed once the other institution answered."""


class TipoActividad(StrEnum):
    VISITA = "visita"
    COORDINACION = "coordinacion"
    OPERATIVO = "operativo"
    REUNION = "reunion"
    DERIVACION = "derivacion"
    LLAMADA = "llamada"
    OTRO = "otro"

    @property
    def label(self) -> str:
        return _TIPOS[self]


_TIPOS: Final = {
    TipoActividad.VISITA: "Visita",
    TipoActividad.COORDINACION: "Coordinación",
    TipoActividad.OPERATIVO: "Operativo",
    TipoActividad.REUNION: "Reunión",
    TipoActividad.DERIVACION: "Derivación",
    TipoActividad.LLAMADA: "Llamada",
    TipoActividad.OTRO: "Otro",
}

MEDIACION: Final = "Mediación Comunitaria"
INSTITUCIONES: Final = (
    MEDIACION,
    "Aseo y Ornato",
    "Alumbrado Público",
    "Carabineros",
    "PDI",
    "Seguridad Municipal",
    "Unidad de Alarmas Comunitarias",
)
"""The usual derivations, offered in the form; any other institution may be written."""


def deadline(recibida_el: date, prioridad: Prioridad) -> date:
    """The last day to answer (the plazo)."""
    return recibida_el + timedelta(days=prioridad.target_days)


@dataclass(frozen=True)
class Demanda:
    id: int
    barrio_id: int
    barrio: str
    canal: Canal
    categoria: Categoria
    descripcion: str
    solicitante: str
    contacto: str
    recibida_el: date
    prioridad: Prioridad
    responsable_id: int | None
    responsable: str
    """The responsable user's name, or empty."""
    responsable_institucion: str
    derivada_a: str
    derivacion_nota: str
    estado: Estado
    motivo_desestimacion: str
    resuelta_el: date | None
    created_at: float
    created_by: str
    updated_at: float

    @property
    def subject(self) -> Subject:
        return Subject(SUBJECT, self.id)

    @property
    def plazo(self) -> date:
        return deadline(self.recibida_el, self.prioridad)

    def vencida(self, today: date) -> bool:
        """Past its plazo and still open, on ``today`` (the hub's calendar date)."""
        return self.estado.open and today > self.plazo

    @property
    def response_days(self) -> int | None:
        """Días corridos from received to resolved, when it was resolved."""
        if self.resuelta_el is None:
            return None
        return (self.resuelta_el - self.recibida_el).days

    @property
    def next_estados(self) -> tuple[Estado, ...]:
        return TRANSITIONS[self.estado]

    @property
    def responsable_shown(self) -> str:
        both = [part for part in (self.responsable, self.responsable_institucion) if part]
        return " · ".join(both)


@dataclass(frozen=True)
class Actividad:
    id: int
    demanda_id: int
    fecha: date
    tipo: TipoActividad
    descripcion: str
    quien: str
    created_at: float
    created_by: str
