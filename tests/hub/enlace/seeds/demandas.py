"""Isolation seed of the demandas: one demanda with an activity in barrio 1 (id 1), then one
in barrio 2."""

from __future__ import annotations

from datetime import date

from hub.enlace.demandas.forms import ActividadDraft, DemandaDraft
from hub.enlace.demandas.model import Canal, Categoria, Prioridad, TipoActividad
from hub.enlace.demandas.repository import Demandas
from tests.hub.conftest import CLI, T0
from tests.hub.enlace.conftest import MARKER, World


def draft(descripcion: str, *, recibida_el: date = date(2027, 1, 4)) -> DemandaDraft:
    return DemandaDraft(
        canal=Canal.LINEA_1418,
        categoria=Categoria.ILUMINACION,
        descripcion=descripcion,
        solicitante="Vecina de la plaza",
        contacto="+56987654321",
        recibida_el=recibida_el,
        prioridad=Prioridad.NORMAL,
    )


def seed(world: World) -> None:
    demandas = Demandas(world.hub)
    norte = demandas.add(world.norte.id, draft(f"Luminaria apagada {MARKER}"), actor=CLI, at=T0)
    assert norte.id == 1
    demandas.add_actividad(
        norte.id,
        ActividadDraft(date(2027, 1, 5), TipoActividad.VISITA, f"Visita {MARKER}", "Nora"),
        actor=CLI,
        at=T0,
    )
    demandas.add(world.sur.id, draft("Microbasural en la esquina"), actor=CLI, at=T0)
