"""Minuta de planificación: the gestiones y actividades to execute in a period — every
acción that runs on at least one day of it (it may start before and end after) and every
hito dated in it — with responsables, dates, estado, avance and indicador.

The period comes from ``?desde=AAAA-MM-DD&hasta=AAAA-MM-DD``; by default, the current
month. Pure functions over a :class:`~hub.enlace.planes.tablero.Tablero`.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from hub.enlace.planes.model import SITUACIONES
from hub.enlace.planes.tablero import Tablero
from hub.forms import FormReader

MAX_DAYS: Final = 731
HEADER: Final = (
    "Tipo",
    "Objetivo específico",
    "Actividad o gestión",
    "Responsables",
    "Inicio",
    "Término",
    "Estado",
    "Avance (%)",
    "Indicador",
    "Meta",
)


@dataclass(frozen=True)
class Periodo:
    desde: date
    hasta: date

    @classmethod
    def month_of(cls, day: date) -> Periodo:
        last = calendar.monthrange(day.year, day.month)[1]
        return cls(day.replace(day=1), day.replace(day=last))


def read_periodo(query: Mapping[str, str], today: date) -> Periodo:
    """The period asked for (each end defaults to the current month's); :class:`Invalid`
    in Spanish when a date is malformed, ``hasta`` is before ``desde`` or it spans more than
    two years."""
    form = FormReader(query)
    month = Periodo.month_of(today)
    desde = form.day("desde") or month.desde
    hasta = form.day("hasta") or month.hasta
    if not form.problems and hasta < desde:
        form.fail("hasta", "La fecha «hasta» no puede ser anterior a la fecha «desde».")
    if not form.problems and (hasta - desde).days >= MAX_DAYS:
        form.fail("hasta", "Elija un periodo de hasta dos años.")
    form.done()
    return Periodo(desde, hasta)


@dataclass(frozen=True)
class MinutaRow:
    tipo: str
    """``Acción`` or ``Hito``."""
    objetivo: str
    actividad: str
    responsables: str
    inicio: date
    termino: date
    estado: str
    avance: int | None
    indicador: str
    meta: str
    accion_id: int | None
    situacion: str
    """The CSS key (``atrasada``, ``en_curso``… or ``hito``)."""

    def cells(self) -> list[str | int]:
        return [
            self.tipo,
            self.objetivo,
            self.actividad,
            self.responsables,
            self.inicio.isoformat(),
            self.termino.isoformat(),
            self.estado,
            "" if self.avance is None else self.avance,
            self.indicador,
            self.meta,
        ]


def minuta_rows(board: Tablero, periodo: Periodo) -> list[MinutaRow]:
    """The acciones overlapping ``periodo`` and the hitos in it, by start date."""
    rows = []
    for item in board.objetivos:
        for accion in item.acciones:
            if not accion.overlaps(periodo.desde, periodo.hasta):
                continue
            situacion = accion.situacion(board.today)
            rows.append(
                MinutaRow(
                    "Acción",
                    item.objetivo.titulo,
                    accion.actividad,
                    accion.responsables,
                    accion.inicio,
                    accion.termino,
                    SITUACIONES[situacion],
                    accion.avance,
                    accion.indicador,
                    accion.meta,
                    accion.id,
                    situacion,
                )
            )
    for hito in board.hitos:
        if periodo.desde <= hito.fecha <= periodo.hasta:
            estado = "Cumplido" if hito.cumplido else "Pendiente"
            rows.append(
                MinutaRow(
                    "Hito",
                    "",
                    hito.titulo,
                    "",
                    hito.fecha,
                    hito.fecha,
                    estado,
                    None,
                    "",
                    "",
                    None,
                    "hito",
                )
            )
    return sorted(rows, key=lambda r: (r.inicio, r.termino, r.tipo, r.accion_id or 0))
