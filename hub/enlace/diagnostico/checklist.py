"""How complete a barrio's diagnóstico is: the items the seed says it "debe contener", plus
the caracterización of its problemáticas, each done or not, with what is counted."""

from __future__ import annotations

from dataclasses import dataclass

from hub.enlace.diagnostico.caracterizacion import Caracterizaciones
from hub.enlace.diagnostico.listas import ACTORES, FOCOS, PRESENCIA, RECURSOS
from hub.enlace.diagnostico.perfil import Perfil, perfil
from hub.enlace.diagnostico.problematicas import Problematicas
from hub.enlace.diagnostico.registros import Registros
from hub.storage import HubDB


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done: bool
    detail: str


@dataclass(frozen=True)
class Checklist:
    items: list[ChecklistItem]
    counts: dict[str, int]
    perfil: Perfil

    @property
    def done(self) -> int:
        return sum(1 for item in self.items if item.done)

    @property
    def percent(self) -> int:
        count = len(self.items)
        return (200 * self.done + count) // (2 * count) if count else 0  # halves round up


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def checklist(hub: HubDB, barrio_id: int) -> Checklist:
    found = perfil(hub, barrio_id)
    problematicas = Problematicas(hub).of_barrio(barrio_id)
    caracterizadas = sum(
        1 for c in Caracterizaciones(hub).of_barrio(barrio_id).values() if c.complete
    )
    counts = {lista.key: Registros(hub, lista).count(barrio_id) for lista in (FOCOS, ACTORES)}
    counts.update(
        {lista.key: Registros(hub, lista).count(barrio_id) for lista in (PRESENCIA, RECURSOS)}
    )
    counts["problematicas"] = len(problematicas)
    counts["caracterizadas"] = caracterizadas
    socio = [
        name
        for name, present in (
            ("población", found.poblacion is not None),
            ("grupos etarios", bool(found.grupos_etarios)),
            ("GSE", bool(found.gse)),
        )
        if not present
    ]
    items = [
        ChecklistItem(
            "limites",
            "Límites geográficos del barrio",
            found.limites is not None,
            "Dibujados" if found.limites is not None else "Sin límites dibujados",
        ),
        ChecklistItem(
            "sociodemografica",
            "Caracterización sociodemográfica del barrio (población, grupos etarios, GSE)",
            not socio,
            "Completa" if not socio else "Falta: " + ", ".join(socio),
        ),
        ChecklistItem(
            "problematicas",
            "Principales problemáticas relacionadas con la seguridad pública del barrio",
            bool(problematicas),
            _plural(len(problematicas), "problemática", "problemáticas"),
        ),
        ChecklistItem(
            "caracterizacion",
            "Caracterización de las problemáticas de seguridad",
            bool(problematicas) and caracterizadas == len(problematicas),
            f"{caracterizadas} de {len(problematicas)} caracterizadas",
        ),
        ChecklistItem(
            "focos",
            "Focos de concentración de problemas delictuales (hotspots y/o harmspots)",
            counts["focos"] > 0,
            _plural(counts["focos"], "foco", "focos"),
        ),
        ChecklistItem(
            "actores",
            "Identificación de actores claves del barrio",
            counts["actores"] > 0,
            _plural(counts["actores"], "actor clave", "actores clave"),
        ),
        ChecklistItem(
            "presencia",
            "Identificación de presencia institucional (municipal y policial)",
            counts["presencia"] > 0,
            _plural(counts["presencia"], "institución", "instituciones"),
        ),
        ChecklistItem(
            "recursos",
            "Identificación de recursos del barrio (establecimientos educacionales, de salud, "
            "infraestructura deportiva, áreas verdes)",
            counts["recursos"] > 0,
            _plural(counts["recursos"], "recurso", "recursos"),
        ),
    ]
    return Checklist(items, counts, found)
