"""The instrumentos overview pages: a barrio's imports and técnicas
(``instrumentos_barrio``), and the latest of both across the barrios a person sees
(``instrumentos``, the navigation's page)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aiohttp import web

from hub import keys
from hub.enlace.instrumentos.fuentes import FUENTE_LABELS, Fuente, Fuentes
from hub.enlace.instrumentos.incidentes import Incidentes
from hub.enlace.instrumentos.tecnicas import TIPO_LABELS, Tecnicas, Tipo
from hub.enlace.web import barrio_of, page, scope

LATEST: Final = 30


@dataclass(frozen=True)
class ImportLine:
    id: int
    barrio_id: int
    barrio: str
    fuente: str
    file_name: str
    row_count: int
    created_at: float
    created_by: str
    undone: bool


@dataclass(frozen=True)
class TecnicaLine:
    id: int
    barrio_id: int
    barrio: str
    tipo: str
    titulo: str
    fecha: str
    participantes: int

    @property
    def fecha_dmy(self) -> str:
        return f"{self.fecha[8:10]}-{self.fecha[5:7]}-{self.fecha[:4]}"


async def barrio_page(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request)
    hub = request.app[keys.db]
    tecnicas = Tecnicas(hub).of_barrio(barrio.id)
    context = {
        "barrio": barrio,
        "imports": Fuentes(hub).of_barrio(barrio.id),
        "incidentes": Incidentes(hub).count(barrio.id),
        "tecnicas": {tipo: [t for t in tecnicas if t.tipo is tipo] for tipo in Tipo},
        "tipos": TIPO_LABELS,
    }
    return page(request, "enlace/instrumentos/barrio.html", context)


async def overview(request: web.Request) -> web.StreamResponse:
    where, params = scope(request).where("b.id")
    hub = request.app[keys.db]
    imports_sql = (
        "SELECT i.id, i.barrio_id, b.name, i.fuente, i.fuente_nombre, i.file_name, "  # noqa: S608
        "i.row_count, i.created_at, i.created_by, i.undone_at IS NOT NULL "
        "FROM fuente_imports i JOIN barrios b ON b.id = i.barrio_id "
        f"WHERE {where} ORDER BY i.created_at DESC, i.id DESC LIMIT ?"
    )
    tecnicas_sql = (
        "SELECT t.id, t.barrio_id, b.name, t.tipo, t.titulo, t.fecha, t.participantes "  # noqa: S608
        "FROM tecnicas t JOIN barrios b ON b.id = t.barrio_id "
        f"WHERE {where} ORDER BY t.fecha DESC, t.id DESC LIMIT ?"
    )
    imports = hub.db.execute(imports_sql, [*params, LATEST]).fetchall()
    tecnicas = hub.db.execute(tecnicas_sql, [*params, LATEST]).fetchall()
    context = {
        "imports": [
            ImportLine(
                r[0],
                r[1],
                r[2],
                r[4] or FUENTE_LABELS[Fuente(r[3])],
                r[5],
                r[6],
                r[7],
                r[8],
                bool(r[9]),
            )
            for r in imports
        ],
        "tecnicas": [
            TecnicaLine(r[0], r[1], r[2], TIPO_LABELS[Tipo(r[3])], r[4], r[5], r[6])
            for r in tecnicas
        ],
    }
    return page(request, "enlace/instrumentos/resumen.html", context)
