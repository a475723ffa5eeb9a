"""Diagnóstico del barrio: a problemática with its caracterización, and one record of each
list (foco, actor clave, presencia institucional, recurso) — in Norte first, then in Sur."""

from __future__ import annotations

from hub.enlace.diagnostico.caracterizacion import Caracterizaciones
from hub.enlace.diagnostico.listas import ACTORES, FOCOS, PRESENCIA, RECURSOS, Lista
from hub.enlace.diagnostico.problematicas import Prioridad, Problematicas
from hub.enlace.diagnostico.registros import Registros
from hub.storage.audit import Json
from tests.hub.conftest import CLI, T0
from tests.hub.enlace.conftest import MARKER, World

POINT = '{"type": "Point", "coordinates": [-70.755, -33.505]}'


def seed(world: World) -> None:
    hub = world.hub
    for barrio_id, mark in ((world.norte.id, MARKER), (world.sur.id, "Sur")):
        problematica = Problematicas(hub).add(
            barrio_id,
            f"Robos en la plaza {mark}",
            "Robos por sorpresa al anochecer.",
            prioridad=Prioridad.ALTA,
            actor=CLI,
            at=T0,
        )
        Caracterizaciones(hub).save(
            problematica.id,
            {"causas": f"Poca iluminación {mark}", "temporalidad": "Invierno, 19 a 22 h"},
            actor=CLI,
            at=T0,
        )
        values: dict[Lista, dict[str, Json]] = {
            FOCOS: {
                "nombre": f"Plaza {mark}",
                "clase": "hotspot",
                "categoria": "robo",
                "descripcion": "",
                "geometria": POINT,
                "problematica_id": problematica.id,
            },
            ACTORES: {
                "nombre": f"Junta de vecinos {mark}",
                "tipo": "junta_vecinos",
                "contacto": "",
                "relevancia": "alta",
                "notas": "",
            },
            PRESENCIA: {
                "nombre": f"Cuadrante {mark}",
                "tipo": "carabineros",
                "geometria": None,
                "notas": "",
            },
            RECURSOS: {
                "nombre": f"Escuela {mark}",
                "tipo": "educacional",
                "geometria": POINT,
                "notas": "",
            },
        }
        for lista, fields in values.items():
            Registros(hub, lista).add(barrio_id, fields, actor=CLI, at=T0)
