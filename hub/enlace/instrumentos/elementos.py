"""What a técnica puts on the barrio map: the points and areas of a cartografía
participativa (each with a category and a note), and the hallazgos of a marcha exploratoria
(points on its route: iluminación, sitio eriazo, microbasural, punto ciego, acceso/escape,
otro). Adding or removing one is a change of the técnica, in its history.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from hub.enlace.history import record_change
from hub.enlace.instrumentos.tecnicas import SUBJECT, Tecnica, Tipo
from hub.errors import Invalid, NotFound
from hub.forms import FormReader
from hub.storage import Actor, HubDB, Subject
from hub.territory import geo

MAX_NOTE: Final = 1000
MAX_FROM_ROUTE: Final = 150
"""Meters: a hallazgo farther than this from the marcha's route is refused."""

CARTOGRAFIA_CATEGORIAS: Final = {
    "inseguro": "Lugar percibido como inseguro",
    "delitos": "Ocurrencia de delitos",
    "incivilidades": "Incivilidades (consumo en vía pública, ruidos, riñas)",
    "abandono": "Deterioro o abandono del espacio",
    "recurso": "Recurso o lugar valorado por la comunidad",
    "otro": "Otro",
}
MARCHA_CATEGORIAS: Final = {
    "iluminacion": "Iluminación",
    "sitio-eriazo": "Sitio eriazo",
    "microbasural": "Microbasural",
    "punto-ciego": "Punto ciego",
    "acceso-escape": "Acceso / escape",
    "otro": "Otro",
}


def categorias(tipo: Tipo) -> dict[str, str]:
    return CARTOGRAFIA_CATEGORIAS if tipo is Tipo.CARTOGRAFIA else MARCHA_CATEGORIAS


def kinds(tipo: Tipo) -> set[str]:
    return {"Point", "Polygon"} if tipo is Tipo.CARTOGRAFIA else {"Point"}


@dataclass(frozen=True)
class Elemento:
    id: int
    tecnica_id: int
    barrio_id: int
    categoria: str
    nota: str
    geometria: str
    created_at: float
    created_by: str

    @property
    def geometry(self) -> geo.Geometry:
        found = geo.load(self.geometria)
        assert found is not None
        return found

    def label(self, tipo: Tipo) -> str:
        name = categorias(tipo).get(self.categoria, self.categoria)
        return f"{name}: {self.nota}" if self.nota else name


@dataclass(frozen=True)
class ElementoDraft:
    categoria: str
    nota: str
    geometry: geo.Geometry


def read_form(fields: Mapping[str, str], tecnica: Tecnica) -> ElementoDraft:
    """A point or area for ``tecnica`` from its form; :class:`Invalid` in Spanish."""
    reader = FormReader(fields)
    options = categorias(tecnica.tipo)
    categoria = reader.raw("categoria")
    if categoria not in options:
        reader.fail("categoria", "Elija la categoría: " + ", ".join(options.values()) + ".")
    nota = reader.text("nota", max_chars=MAX_NOTE)
    geometry = None
    wanted = kinds(tecnica.tipo)
    try:
        geometry = geo.parse_optional(reader.raw("geometria"), kinds=wanted)
        if geometry is None:
            reader.fail(
                "geometria",
                "Marque el punto o dibuje el área en el mapa (o pegue su GeoJSON)."
                if tecnica.tipo is Tipo.CARTOGRAFIA
                else "Marque el hallazgo en el mapa, sobre el recorrido (o pegue su GeoJSON).",
            )
    except Invalid as exc:
        for name, message in exc.problems.items():
            reader.fail(name or "geometria", message)
    if geometry is not None and tecnica.tipo is Tipo.MARCHA:
        route = tecnica.route
        if route is None:
            reader.fail("geometria", "Dibuje primero el recorrido de la marcha (en «Editar»).")
        else:
            lon, lat = geometry.coordinates
            meters = distance_to_line(lon, lat, route.coordinates)
            if meters > MAX_FROM_ROUTE:
                reader.fail(
                    "geometria",
                    f"El hallazgo queda a {round(meters)} m del recorrido; márquelo sobre el "
                    f"recorrido (a menos de {MAX_FROM_ROUTE} m).",
                )
    reader.done()
    assert geometry is not None
    return ElementoDraft(categoria, nota, geometry)


def distance_to_line(lon: float, lat: float, line: tuple[geo.Position, ...]) -> float:
    """Meters from (lon, lat) to the nearest segment of ``line`` (flat earth: fine within a
    barrio)."""
    ky = 111_320.0
    kx = ky * math.cos(math.radians(lat))
    best = math.inf
    for (x1, y1), (x2, y2) in itertools.pairwise(line):
        ax, ay = (x1 - lon) * kx, (y1 - lat) * ky
        bx, by = (x2 - lon) * kx, (y2 - lat) * ky
        dx, dy = bx - ax, by - ay
        length = dx * dx + dy * dy
        t = 0.0 if length == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length))
        best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


_COLUMNS: Final = "id, tecnica_id, barrio_id, categoria, nota, geometria, created_at, created_by"


class Elementos:
    def __init__(self, hub: HubDB) -> None:
        self._hub = hub

    def add(self, tecnica: Tecnica, draft: ElementoDraft, *, actor: Actor, at: float) -> Elemento:
        label = categorias(tecnica.tipo)[draft.categoria]
        with self._hub.db.atomic():
            cursor = self._hub.db.execute(
                "INSERT INTO tecnica_elementos (tecnica_id, barrio_id, categoria, nota, "
                "geometria, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    tecnica.id,
                    tecnica.barrio_id,
                    draft.categoria,
                    draft.nota,
                    draft.geometry.to_json(),
                    at,
                    actor.label,
                ],
            )
            new_id = cursor.lastrowid
            assert new_id is not None
            record_change(
                self._hub,
                actor,
                "tecnica.elemento.add",
                Subject(SUBJECT, tecnica.id),
                None,
                {"elemento": f"N° {new_id} · {label}" + (f": {draft.nota}" if draft.nota else "")},
                at=at,
                extra={"barrio_id": tecnica.barrio_id, "elemento_id": new_id},
            )
        return self.get(new_id)

    def remove(self, tecnica: Tecnica, elemento_id: int, *, actor: Actor, at: float) -> None:
        with self._hub.db.atomic():
            found = self.get(elemento_id)
            if found.tecnica_id != tecnica.id:
                raise NotFound(f"No existe el elemento {elemento_id}.")
            self._hub.db.execute("DELETE FROM tecnica_elementos WHERE id = ?", [elemento_id])
            record_change(
                self._hub,
                actor,
                "tecnica.elemento.remove",
                Subject(SUBJECT, tecnica.id),
                {"elemento": f"N° {elemento_id} · {found.label(tecnica.tipo)}"},
                {"elemento": None},
                at=at,
                extra={"barrio_id": tecnica.barrio_id, "elemento_id": elemento_id},
            )

    def get(self, elemento_id: int) -> Elemento:
        row = self._hub.db.execute(
            f"SELECT {_COLUMNS} FROM tecnica_elementos WHERE id = ?",  # noqa: S608
            [elemento_id],
        ).fetchone()
        if row is None:
            raise NotFound(f"No existe el elemento {elemento_id}.")
        return Elemento(*row)

    def of_tecnica(self, tecnica_id: int) -> list[Elemento]:
        rows = self._hub.db.execute(
            f"SELECT {_COLUMNS} FROM tecnica_elementos WHERE tecnica_id = ? "  # noqa: S608
            "ORDER BY id",
            [tecnica_id],
        ).fetchall()
        return [Elemento(*row) for row in rows]


def features(tecnica: Tecnica, elementos: list[Elemento]) -> list[dict[str, Any]]:
    """GeoJSON features of a técnica: its route (a marcha) and its elements."""
    found: list[dict[str, Any]] = []
    base = {"tecnica": tecnica.id, "tipo": tecnica.tipo.label, "titulo": tecnica.titulo}
    route = tecnica.route
    if route is not None:
        found.append(
            {
                "type": "Feature",
                "geometry": route.as_dict(),
                "properties": {**base, "elemento": "recorrido", "fecha": tecnica.fecha},
            }
        )
    names = categorias(tecnica.tipo)
    for elemento in elementos:
        found.append(
            {
                "type": "Feature",
                "geometry": elemento.geometry.as_dict(),
                "properties": {
                    **base,
                    "elemento": elemento.id,
                    "categoria": names.get(elemento.categoria, elemento.categoria),
                    "nota": elemento.nota,
                },
            }
        )
    return found
