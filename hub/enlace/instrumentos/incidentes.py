"""The incidents the fuentes secundarias brought into a barrio, summed up for its
``fuentes`` page (by fuente, category and month), placed on its map and exported."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Final

from hub.enlace.instrumentos.fuentes import FUENTE_LABELS, Fuente
from hub.storage import HubDB
from hub.territory.geo import Geometry

MAX_ON_MAP: Final = 2000


@dataclass(frozen=True)
class Incident:
    id: int
    import_id: int
    fuente: str
    fecha: str
    hora: str
    categoria: str
    lugar: str
    descripcion: str
    latitud: float | None
    longitud: float | None
    fuera: bool

    @property
    def fuente_label(self) -> str:
        return FUENTE_LABELS.get(Fuente(self.fuente), self.fuente)

    @property
    def fecha_dmy(self) -> str:
        return f"{self.fecha[8:10]}-{self.fecha[5:7]}-{self.fecha[:4]}"

    @property
    def point(self) -> Geometry | None:
        if self.latitud is None or self.longitud is None:
            return None
        return Geometry("Point", (self.longitud, self.latitud))


@dataclass(frozen=True)
class Table:
    """Counts with rows (a category, a month) and columns (the fuentes present)."""

    columns: list[str]
    rows: list[tuple[str, list[int], int]]
    totals: list[int]


_COLUMNS: Final = (
    "id, import_id, fuente, fecha, hora, categoria, lugar, descripcion, latitud, longitud, fuera"
)


class Incidentes:
    def __init__(self, hub: HubDB) -> None:
        self._hub = hub

    def of_barrio(self, barrio_id: int, *, with_point: bool = False) -> list[Incident]:
        where = " AND latitud IS NOT NULL" if with_point else ""
        rows = self._hub.db.execute(
            f"SELECT {_COLUMNS} FROM fuente_incidents WHERE barrio_id = ?{where} "  # noqa: S608
            "ORDER BY fecha, hora, id",
            [barrio_id],
        ).fetchall()
        return [Incident(*row[:10], bool(row[10])) for row in rows]  # type: ignore[call-arg]

    def of_import(self, import_id: int, *, limit: int) -> list[Incident]:
        rows = self._hub.db.execute(
            f"SELECT {_COLUMNS} FROM fuente_incidents WHERE import_id = ? "  # noqa: S608
            "ORDER BY line LIMIT ?",
            [import_id, limit],
        ).fetchall()
        return [Incident(*row[:10], bool(row[10])) for row in rows]  # type: ignore[call-arg]

    def count(self, barrio_id: int) -> int:
        row = self._hub.db.execute(
            "SELECT COUNT(*) FROM fuente_incidents WHERE barrio_id = ?", [barrio_id]
        ).fetchone()
        return int(row[0])

    def by_category(self, barrio_id: int) -> Table:
        return self._table(barrio_id, "categoria", order_by_total=True)

    def by_month(self, barrio_id: int) -> Table:
        return self._table(barrio_id, "substr(fecha, 1, 7)", order_by_total=False)

    def _table(self, barrio_id: int, key: str, *, order_by_total: bool) -> Table:
        found = self._hub.db.execute(
            f"SELECT {key}, fuente, COUNT(*) FROM fuente_incidents "  # noqa: S608
            f"WHERE barrio_id = ? GROUP BY {key}, fuente",
            [barrio_id],
        ).fetchall()
        fuentes = [f for f in Fuente if any(row[1] == f.value for row in found)]
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        for name, fuente, count in found:
            counts[name][fuente] = count
        keys = sorted(counts)
        if order_by_total:
            keys.sort(key=lambda name: -sum(counts[name].values()))
        rows = [
            (
                _month(name) if not order_by_total else name,
                [counts[name].get(f.value, 0) for f in fuentes],
                sum(counts[name].values()),
            )
            for name in keys
        ]
        totals = [sum(row[1][i] for row in rows) for i in range(len(fuentes))]
        return Table([f.label for f in fuentes], rows, [*totals, sum(totals)])


def _month(key: str) -> str:
    """``2024-03`` → ``03-2024`` (as dates are shown)."""
    year, _, month = key.partition("-")
    return f"{month}-{year}"


def feature(incident: Incident) -> dict[str, Any]:
    point = incident.point
    return {
        "type": "Feature",
        "geometry": point.as_dict() if point else None,
        "properties": {
            "id": incident.id,
            "importacion": incident.import_id,
            "fuente": incident.fuente_label,
            "fecha": incident.fecha,
            "hora": incident.hora,
            "categoria": incident.categoria,
            "lugar": incident.lugar,
            "descripcion": incident.descripcion,
            "fuera_del_barrio": incident.fuera,
        },
    }
