"""Mesas de Seguridad Focalizadas: a mesa in Norte (id 1) with its first session (id 1) and
an acuerdo (id 1) followed up in a second session; then a mesa in Sur."""

from __future__ import annotations

from datetime import date

from hub.enlace.mesas.mesas import Mesas
from hub.enlace.mesas.model import MesaDraft
from tests.hub.conftest import T0
from tests.hub.enlace.conftest import MARKER, World


def seed(world: World) -> None:
    hub = world.hub
    norte = world.gestor_norte.actor
    mesa = Mesas(hub).open(
        world.norte.id,
        world.gestor_norte.id,
        MesaDraft(f"Plaza {MARKER}", f"Recuperar la plaza {MARKER}", date(2027, 1, 4), ()),
        actor=norte,
        at=T0,
    )
    assert mesa.id == 1
    Mesas(hub).open(
        world.sur.id,
        world.gestor_sur.id,
        MesaDraft("Pasaje Los Aromos", "Iluminación del pasaje", date(2027, 1, 4), ()),
        actor=world.gestor_sur.actor,
        at=T0,
    )
