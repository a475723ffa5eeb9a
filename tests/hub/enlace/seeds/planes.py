"""Planes de acción for the isolation walk: in Norte first (plan, objetivo, acción, hito
and a progress update, ids 1), then the same in Sur."""

from __future__ import annotations

from datetime import date

from hub.enlace.diagnostico.problematicas import Problematicas
from hub.enlace.planes.acciones import Acciones
from hub.enlace.planes.model import (
    AccionDraft,
    Estado,
    HitoDraft,
    ObjetivoDraft,
    PlanDraft,
    ProgressUpdate,
)
from hub.enlace.planes.plans import Planes
from tests.hub.conftest import CLI, T0
from tests.hub.enlace.conftest import MARKER, World


def seed(world: World) -> None:
    for barrio, name in ((world.norte, MARKER), (world.sur, "Sur")):
        plant(world, barrio.id, name)


def plant(world: World, barrio_id: int, name: str) -> None:
    hub = world.hub
    problematica = Problematicas(hub).add(barrio_id, f"Microtráfico {name}", actor=CLI, at=T0)
    plan = Planes(hub).create(
        barrio_id,
        PlanDraft(
            titulo=f"Plan {name} 2027",
            inicio=date(2027, 1, 1),
            termino=date(2027, 12, 31),
            objetivo_general=f"Reducir la percepción de inseguridad ({name})",
            gestor_id=None,
            validacion=f"Mesa de Seguridad Focalizada {name}",
            validacion_fecha=date(2027, 1, 10),
            mesa_sesion_id=None,
        ),
        actor=CLI,
        at=T0,
    )
    acciones = Acciones(hub)
    objetivo = acciones.add_objetivo(
        plan.id,
        ObjetivoDraft(f"Recuperar la plaza {name}", "", problematica.id),
        actor=CLI,
        at=T0,
    )
    accion = acciones.add_accion(
        objetivo.id,
        AccionDraft(
            actividad=f"Operativo de luminarias {name}",
            descripcion="",
            responsables="Dirección de Obras; junta de vecinos",
            inicio=date(2027, 1, 5),
            termino=date(2027, 3, 31),
            recursos="Cuadrilla municipal",
            indicador="Luminarias reparadas",
            meta="20 luminarias",
            estado=Estado.EN_CURSO,
            avance=30,
            peso=1.0,
        ),
        actor=CLI,
        at=T0,
    )
    acciones.record_progress(
        accion.id, ProgressUpdate(40, Estado.EN_CURSO, f"Ocho reparadas {name}"), actor=CLI, at=T0
    )
    Planes(hub).add_hito(
        plan.id, HitoDraft(f"Plaza iluminada {name}", date(2027, 4, 1)), actor=CLI, at=T0
    )
