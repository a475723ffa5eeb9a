"""Territory seed for the isolation walk: the Norte barrio (id 1) gets its datos, its
caracterización and its limits (so ``/barrios/1/limites.geojson`` answers), with the
marker in its sector; the Sur barrio gets limits of its own."""

from __future__ import annotations

from hub.territory.barrio_forms import BarrioData
from hub.territory.geo import parse_geometry
from hub.territory.records import BarrioRecords
from tests.hub.conftest import CLI, T0
from tests.hub.enlace.conftest import MARKER, Comuna

NORTE_LIMITS = {
    "type": "Polygon",
    "coordinates": [
        [[-70.77, -33.50], [-70.75, -33.50], [-70.75, -33.48], [-70.77, -33.48], [-70.77, -33.50]]
    ],
}
SUR_LIMITS = {
    "type": "Polygon",
    "coordinates": [
        [[-70.77, -33.53], [-70.75, -33.53], [-70.75, -33.51], [-70.77, -33.51], [-70.77, -33.53]]
    ],
}


def seed(world: Comuna) -> None:
    records = BarrioRecords(world.hub)
    norte = BarrioData(
        world.norte.name,
        f"Sector {MARKER}",
        4200,
        {"0-14": 800, "15-29": 1000, "30-44": 900, "45-64": 1000, "65+": 500},
        {"C2": 30.0, "C3": 40.0, "D": 30.0},
        f"Censo 2017 {MARKER}",
    )
    records.update(world.norte.id, norte, actor=CLI, at=T0)
    records.set_limits(world.norte.id, parse_geometry(NORTE_LIMITS), actor=CLI, at=T0)
    records.update(world.sur.id, BarrioData(world.sur.name, "Sector Sur", 3100), actor=CLI, at=T0)
    records.set_limits(world.sur.id, parse_geometry(SUR_LIMITS), actor=CLI, at=T0)
