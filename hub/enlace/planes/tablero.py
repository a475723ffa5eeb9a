"""A plan read whole for its pages and exports: its objetivos with their acciones and
rolled-up progress, the plan's progress, acciones by situation and the atrasadas first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hub.enlace.planes.acciones import Acciones
from hub.enlace.planes.model import Accion, Hito, Objetivo, Plan
from hub.enlace.planes.plans import Planes
from hub.enlace.planes.seguimiento import (
    Progress,
    counts_by_situation,
    objetivo_progress,
    overdue_first,
    plan_progress,
)
from hub.storage import HubDB


@dataclass(frozen=True)
class ObjetivoAvance:
    objetivo: Objetivo
    acciones: list[Accion]
    progress: Progress


@dataclass(frozen=True)
class Tablero:
    plan: Plan
    objetivos: list[ObjetivoAvance]
    progress: Progress
    counts: dict[str, int]
    acciones: list[Accion]
    """Every acción of the plan, the atrasadas first."""
    hitos: list[Hito]
    today: date

    @property
    def atrasadas(self) -> int:
        return sum(1 for a in self.acciones if a.atrasada(self.today))

    def objetivo_of(self, accion: Accion) -> Objetivo:
        return next(o.objetivo for o in self.objetivos if o.objetivo.id == accion.objetivo_id)


def tablero(hub: HubDB, plan: Plan, today: date) -> Tablero:
    acciones = Acciones(hub)
    objetivos = []
    todas: list[Accion] = []
    for objetivo in acciones.objetivos(plan.id):
        own = acciones.of_objetivo(objetivo.id)
        todas.extend(own)
        objetivos.append(ObjetivoAvance(objetivo, own, objetivo_progress(own)))
    return Tablero(
        plan=plan,
        objetivos=objetivos,
        progress=plan_progress(o.progress for o in objetivos),
        counts=counts_by_situation(todas, today),
        acciones=overdue_first(todas, today),
        hitos=Planes(hub).hitos(plan.id),
        today=today,
    )
