"""Isolation seed of the demandas: one demanda with an activity in barrio 1 (id 1), then one
in barrio 2; and Mediación's case 1, derived from demanda 1 (its routes admit no gestor, so
the walk only proves they stay closed)."""

from __future__ import annotations

from datetime import date

from hub.enlace.demandas.forms import ActividadDraft, DemandaDraft
from hub.enlace.demandas.model import Canal, Categoria, Prioridad, TipoActividad
from hub.enlace.demandas.repository import Demandas
from hub.mediacion.forms import CasoDraft, ParteDraft, SesionDraft
from hub.mediacion.model import Asistencia, Origen, RolParte, TipoConflicto
from hub.mediacion.repository import Casos
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
    seed_mediacion(world)


def caso(barrio_id: int | None, descripcion: str, demanda_id: int | None = None) -> CasoDraft:
    return CasoDraft(
        tipo=TipoConflicto.RUIDOS,
        barrio_id=barrio_id,
        origen=Origen.DEMANDA if demanda_id else Origen.ESPONTANEA,
        demanda_id=demanda_id,
        institucion_origen="",
        descripcion=descripcion,
        partes=(
            ParteDraft(f"Vecina {MARKER}", RolParte.REQUIRENTE, "+56987654321"),
            ParteDraft("Vecino del 12", RolParte.REQUERIDO, ""),
        ),
    )


def seed_mediacion(world: World) -> None:
    casos = Casos(world.hub)
    made = casos.open(caso(world.norte.id, f"Ruidos nocturnos {MARKER}", 1), actor=CLI, at=T0)
    assert made.id == 1
    casos.add_sesion(
        made.id,
        SesionDraft(date(2027, 1, 12), Asistencia.AMBAS, f"Primera sesión {MARKER}"),
        actor=CLI,
        at=T0,
    )
