"""Instrumentos seed: in the Norte barrio first (ids 1), one import of a fuente secundaria,
one grupo focal (técnica 1), one cartografía participativa with an area (técnica 2,
elemento 1) and one marcha exploratoria with its route and a hallazgo (técnica 3,
elemento 2); then the same in the Sur barrio."""

from __future__ import annotations

from datetime import date

from hub.enlace.diagnostico.problematicas import Problematicas
from hub.enlace.instrumentos.elementos import ElementoDraft, Elementos
from hub.enlace.instrumentos.fuentes import Fuente, Fuentes
from hub.enlace.instrumentos.tecnicas import Draft, Tecnicas, Tipo
from hub.storage import User
from hub.territory import geo
from hub.territory.barrios import Barrio
from tests.hub.conftest import T0
from tests.hub.enlace.conftest import MARKER, World

ROUTE = '{"type": "LineString", "coordinates": [[-70.760, -33.510], [-70.755, -33.510]]}'
AREA = (
    '{"type": "Polygon", "coordinates": [[[-70.760, -33.512], [-70.757, -33.512], '
    "[-70.757, -33.509], [-70.760, -33.509], [-70.760, -33.512]]]}"
)
HALLAZGO = '{"type": "Point", "coordinates": [-70.758, -33.510]}'


def seed(world: World) -> None:
    _seed_barrio(world, world.norte, world.gestor_norte, MARKER)
    _seed_barrio(world, world.sur, world.gestor_sur, "Sur")


def _seed_barrio(world: World, barrio: Barrio, gestor: User, tag: str) -> None:
    hub = world.hub
    actor = gestor.actor
    data = (
        "fecha;delito;direccion;latitud;longitud\n"
        f"05-03-2024;Robo con violencia {tag};Av. Pajaritos 1234;-33,5101;-70,7580\n"
    ).encode()
    fuentes = Fuentes(hub)
    staged = fuentes.stage(
        barrio.id,
        gestor.id,
        Fuente.CEAD,
        "",
        f"cead-{tag}.csv",
        data,
        today=date(2026, 11, 1),
        at=T0,
    )
    fuentes.confirm(staged.token, barrio_id=barrio.id, user_id=gestor.id, actor=actor, at=T0)
    found = Problematicas(hub).of_barrio(barrio.id)
    problematica = (
        found[0]
        if found
        else Problematicas(hub).add(barrio.id, f"Robos en la plaza {tag}", actor=actor, at=T0)
    )
    tecnicas = Tecnicas(hub)
    elementos = Elementos(hub)
    for tipo, route in (
        (Tipo.GRUPO_FOCAL, None),
        (Tipo.CARTOGRAFIA, None),
        (Tipo.MARCHA, ROUTE),
    ):
        draft = Draft(
            titulo=f"{tipo.label} {tag}",
            fecha="2026-10-15",
            lugar="Sede de la junta de vecinos",
            participantes=12,
            vecinos="Vecinas de la calle Los Aromos",
            organizaciones="Junta de vecinos",
            instituciones="Carabineros, 25ª Comisaría",
            facilitador="Nora Norte",
            hallazgos=f"Hallazgos {tag}",
            geometria=geo.parse_geometry(route).to_json() if route else None,
            problematicas=(problematica.id,),
        )
        tecnica = tecnicas.add(barrio.id, tipo, draft, actor=actor, at=T0)
        if tipo is Tipo.CARTOGRAFIA:
            shape = geo.parse_geometry(AREA)
            elementos.add(
                tecnica, ElementoDraft("inseguro", f"Plaza {tag}", shape), actor=actor, at=T0
            )
        if tipo is Tipo.MARCHA:
            point = geo.parse_geometry(HALLAZGO)
            elementos.add(
                tecnica, ElementoDraft("iluminacion", f"Poste {tag}", point), actor=actor, at=T0
            )
