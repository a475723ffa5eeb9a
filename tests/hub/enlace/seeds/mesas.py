"""Mesas de Seguridad Focalizadas: in Norte, a mesa (id 1), its first session (id 1) with an
acuerdo (id 1), and a second session (id 2) that follows the acuerdo up; then the same in
Sur."""

from __future__ import annotations

from datetime import date

from hub.enlace.diagnostico.problematicas import Problematicas
from hub.enlace.mesas.acuerdos import Acuerdos
from hub.enlace.mesas.mesas import Mesas
from hub.enlace.mesas.model import (
    AcuerdoDraft,
    AgendaItem,
    Asistente,
    EstadoAcuerdo,
    MesaDraft,
    SesionDraft,
)
from hub.enlace.mesas.sesiones import Sesiones
from hub.storage import User
from hub.territory.barrios import Barrio
from tests.hub.conftest import T0
from tests.hub.enlace.conftest import MARKER, World


def seed(world: World) -> None:
    ids = _mesa(world, world.norte, world.gestor_norte, f" {MARKER}")
    assert ids == (1, 1, 1), ids
    _mesa(world, world.sur, world.gestor_sur, "")


def _mesa(world: World, barrio: Barrio, gestor: User, marker: str) -> tuple[int, int, int]:
    hub, who = world.hub, gestor.actor
    problema = Problematicas(hub).add(barrio.id, f"Microtráfico{marker}", actor=who, at=T0)
    mesa = Mesas(hub).open(
        barrio.id,
        gestor.id,
        MesaDraft(
            f"Plaza{marker}", f"Recuperar la plaza{marker}", date(2027, 1, 4), (problema.id,)
        ),
        actor=who,
        at=T0,
    )
    first = Sesiones(hub).add(mesa, _sesion(date(2027, 1, 11), marker), actor=who, at=T0)
    acuerdo = Acuerdos(hub).add(
        first,
        AcuerdoDraft(f"Pedir luminarias{marker}", f"Junta de vecinos{marker}", date(2027, 2, 1)),
        actor=who,
        at=T0,
    )
    second = Sesiones(hub).add(mesa, _sesion(date(2027, 2, 8), marker), actor=who, at=T0)
    Acuerdos(hub).follow_up(
        acuerdo.id, EstadoAcuerdo.EN_CURSO, "Oficio enviado", sesion=second, actor=who, at=T0
    )
    return mesa.id, first.id, acuerdo.id


def _sesion(day: date, marker: str) -> SesionDraft:
    return SesionDraft(
        fecha=day,
        hora="19:00",
        lugar=f"Sede social{marker}",
        agenda=(AgendaItem("Bienvenida", 10), AgendaItem("Diagnóstico de la plaza", 45)),
        vecinos=12,
        vecinos_nombres=(f"Rosa Díaz{marker}",),
        organizaciones=(Asistente(f"Junta de Vecinos{marker}", "María Pérez"),),
        instituciones=(Asistente("Carabineros", "Sargento Rojas"),),
        acta=f"Se acordó pedir luminarias{marker}.",
    )
