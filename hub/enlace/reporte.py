"""The barrio report (issue 5, point 10): one printable page a gestor takes to a mesa,
following the seed's steps — identificación, instrumentos de recolección, diagnóstico,
plan de acción, and participación (mesas and demandas).

:func:`build_report` gathers everything through the modules' own repositories (no SQL of
its own), so the page says what each module recorded and nothing else; the view is thin::

    report = build_report(hub, barrio, today, zone)
    report.plan is None          # "Aún no hay plan de acción vigente."

Personal data stays out of the printed page: no demanda's solicitante or contacto, no
actor clave's contacto, no names of vecinos from a session's attendance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from aiohttp import web

from hub import keys
from hub.enlace.demandas.model import Demanda
from hub.enlace.demandas.repository import Demandas, Metrics, metrics
from hub.enlace.diagnostico.activaciones import DEFAULT_DAYS, Activity, activity
from hub.enlace.diagnostico.caracterizacion import ITEMS, Caracterizaciones
from hub.enlace.diagnostico.listas import ACTORES, FOCOS, LISTAS, PRESENCIA, RECURSOS, Lista
from hub.enlace.diagnostico.problematicas import Problematica, Problematicas
from hub.enlace.diagnostico.registros import Registro, Registros
from hub.enlace.instrumentos.fuentes import Fuente, Fuentes, Import
from hub.enlace.instrumentos.incidentes import Incidentes, Table
from hub.enlace.instrumentos.tecnicas import Tecnica, Tecnicas
from hub.enlace.mesas.acuerdos import Acuerdos
from hub.enlace.mesas.mesas import Mesas
from hub.enlace.mesas.model import Acuerdo, Mesa, Sesion
from hub.enlace.mesas.sesiones import Sesiones
from hub.enlace.planes.model import Accion, Hito, Plan
from hub.enlace.planes.plans import Planes
from hub.enlace.planes.seguimiento import overdue_first
from hub.enlace.planes.tablero import ObjetivoAvance, Tablero, tablero
from hub.enlace.web import barrio_of, now, page, today, zone
from hub.storage import HubDB
from hub.territory.barrio_forms import AGE_LABELS
from hub.territory.barrios import AGE_BANDS, Barrio, BarrioProfile, profile
from hub.territory.geo import Geometry
from hub.territory.limits import PlacedController, controllers_of
from hub.territory.mapview import MapItem, MapView, map_view
from hub.territory.territorios import Territorios

SUMMARY_CHARS: Final = 280
"""How much of a long text (hallazgos, caracterización) the printed page keeps."""


def summary(text: str, limit: int = SUMMARY_CHARS) -> str:
    """``text`` on one line, cut at a word before ``limit`` characters with "…"."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] if " " in flat[:limit] else flat[:limit]
    return cut.rstrip(" ,.;:") + "…"


# 1. Identificación -----------------------------------------------------------------------


@dataclass(frozen=True)
class Identificacion:
    profile: BarrioProfile
    gestores: list[str]
    edades: list[tuple[str, int, float | None]]
    """(band label, people, percent of the population when known), youngest first."""
    controllers: list[PlacedController]
    mapa: MapView | None
    """The limits with the controllers (None while there is neither)."""

    @property
    def has_sociodemografia(self) -> bool:
        p = self.profile
        return p.poblacion is not None or bool(p.grupos_etarios) or bool(p.gse)


def _identificacion(hub: HubDB, barrio_id: int) -> Identificacion:
    found = profile(hub, barrio_id)
    gestores = (
        []
        if found.territorio_id is None
        else [user.display_name for user in Territorios(hub).gestores(found.territorio_id)]
    )
    people = found.poblacion
    edades = [
        (
            AGE_LABELS[band],
            found.grupos_etarios[band],
            100 * found.grupos_etarios[band] / people if people else None,
        )
        for band in AGE_BANDS
        if band in found.grupos_etarios
    ]
    controllers = controllers_of(hub, barrio_id)
    items = [
        MapItem(Geometry("Point", (c.longitude, c.latitude)), c.name, "controlador")
        for c in controllers
        if c.latitude is not None and c.longitude is not None
    ]
    return Identificacion(found, gestores, edades, controllers, map_view(found.limites, items))


# 2. Instrumentos de recolección ----------------------------------------------------------


@dataclass(frozen=True)
class FuenteResumen:
    """One fuente secundaria: its imports, incidents and the months they cover."""

    label: str
    importaciones: int
    registros: int
    desde: str
    hasta: str
    """First and last month with incidents (``MM-AAAA``), "" when none."""


@dataclass(frozen=True)
class Instrumentos:
    imports: list[Import]
    """The imports in force (undone ones left out), newest first."""
    fuentes: list[FuenteResumen]
    por_categoria: Table
    tecnicas: list[tuple[Tecnica, str]]
    """Each técnica cualitativa with its hallazgos summed up, newest first."""

    @property
    def empty(self) -> bool:
        return not self.imports and not self.tecnicas


def _instrumentos(hub: HubDB, barrio_id: int) -> Instrumentos:
    imports = [found for found in Fuentes(hub).of_barrio(barrio_id) if not found.undone]
    incidentes = Incidentes(hub)
    by_month = incidentes.by_month(barrio_id)
    fuentes = []
    for fuente in Fuente:
        count = sum(1 for found in imports if found.fuente is fuente)
        column = by_month.columns.index(fuente.label) if fuente.label in by_month.columns else -1
        if not count and column < 0:
            continue
        months = [name for name, counts, _ in by_month.rows if column >= 0 and counts[column]]
        fuentes.append(
            FuenteResumen(
                fuente.label,
                count,
                by_month.totals[column] if column >= 0 else 0,
                months[0] if months else "",
                months[-1] if months else "",
            )
        )
    tecnicas = sorted(Tecnicas(hub).of_barrio(barrio_id), key=lambda t: (t.fecha, t.id))
    return Instrumentos(
        imports,
        fuentes,
        incidentes.by_category(barrio_id),
        [(tecnica, summary(tecnica.hallazgos)) for tecnica in reversed(tecnicas)],
    )


# 3. Diagnóstico --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProblematicaResumen:
    problematica: Problematica
    caracterizacion: list[tuple[str, str]]
    """(item label, summary) of the items written, in the seed's order."""
    completa: bool
    """Whether the four items the method requires are written."""


@dataclass(frozen=True)
class Fila:
    """One record of a diagnóstico list as the report prints it."""

    nombre: str
    detalle: str


@dataclass(frozen=True)
class Diagnostico:
    problematicas: list[ProblematicaResumen]
    listas: list[tuple[Lista, list[Fila]]]
    """Focos, actores clave, presencia institucional and recursos, each with its rows."""
    mapa: MapView | None
    """The limits with the located focos, presencia institucional and recursos."""
    actividad: Activity
    since: date
    until: date

    @property
    def empty(self) -> bool:
        return not self.problematicas and not any(rows for _, rows in self.listas)


_DETAIL_FIELDS: Final = {
    FOCOS.key: ("clase", "categoria", "problematica_id"),
    ACTORES.key: ("tipo", "relevancia"),
    PRESENCIA.key: ("tipo",),
    RECURSOS.key: ("tipo",),
}
"""What the report prints of each list beside the name (never an actor's contacto)."""


def _fila(registro: Registro, titulos: dict[int, str]) -> Fila:
    parts = []
    for name in _DETAIL_FIELDS[registro.lista.key]:
        field = registro.lista.field(name)
        if field.kind == "problematica":
            value = registro.values.get(name)
            if isinstance(value, int) and value in titulos:
                parts.append(f"Problemática: {titulos[value]}")
        elif registro.values.get(name):
            shown = registro.shown(field)
            parts.append(f"Relevancia {shown.lower()}" if name == "relevancia" else shown)
    return Fila(registro.nombre, " · ".join(parts))


def _diagnostico(hub: HubDB, barrio_id: int, today_: date, zone_: ZoneInfo) -> Diagnostico:
    ranked = Problematicas(hub).ranked(barrio_id)
    caracterizaciones = Caracterizaciones(hub).of_barrio(barrio_id)
    problematicas = []
    for found in ranked:
        car = caracterizaciones.get(found.id)
        values = car.values if car is not None else {}
        written = [
            (item.label, summary(values[item.name])) for item in ITEMS if values.get(item.name)
        ]
        problematicas.append(ProblematicaResumen(found, written, car is not None and car.complete))
    titulos = {p.id: p.titulo for p in ranked}
    listas = []
    items = []
    for lista in LISTAS:
        registros = Registros(hub, lista).of_barrio(barrio_id)
        listas.append((lista, [_fila(registro, titulos) for registro in registros]))
        if lista is ACTORES:
            continue
        for registro in registros:
            shape = registro.geometry
            if shape is not None:
                kind = registro.values.get("clase") or registro.values.get("tipo") or ""
                label = f"{lista.singular}: {registro.nombre}"
                items.append(MapItem(shape, label, f"diag-{lista.key} diag-{kind}"))
    since = today_ - timedelta(days=DEFAULT_DAYS - 1)
    return Diagnostico(
        problematicas,
        listas,
        map_view(profile(hub, barrio_id).limites, items) if items else None,
        activity(hub, barrio_id, since, today_, zone_),
        since,
        today_,
    )


# 4. Plan de acción -----------------------------------------------------------------------


@dataclass(frozen=True)
class PlanResumen:
    plan: Plan
    tablero: Tablero
    objetivos: list[tuple[ObjetivoAvance, list[Accion]]]
    """Each objetivo with its acciones, the atrasadas first."""
    hitos: list[Hito]
    """The hitos not yet cumplidos, by date (past ones first: they are late)."""


def _plan(hub: HubDB, barrio_id: int, today_: date) -> PlanResumen | None:
    plan = Planes(hub).current(barrio_id)
    if plan is None:
        return None
    board = tablero(hub, plan, today_)
    objetivos = [(o, overdue_first(o.acciones, today_)) for o in board.objetivos]
    hitos = sorted((h for h in board.hitos if not h.cumplido), key=lambda h: (h.fecha, h.id))
    return PlanResumen(plan, board, objetivos, hitos)


# 5. Participación ------------------------------------------------------------------------


@dataclass(frozen=True)
class MesaResumen:
    mesa: Mesa
    sesiones: int
    ultima: Sesion | None
    """The latest session held (dated today or before)."""
    proxima: Sesion | None
    """The next session scheduled after today, if any."""
    abiertos: list[Acuerdo]
    """Acuerdos still pendiente or en curso, by fecha comprometida."""


@dataclass(frozen=True)
class DemandasResumen:
    metrics: Metrics
    abiertas: list[Demanda]
    """The open demandas, the vencidas first (oldest plazo first)."""
    total: int


def _mesas(hub: HubDB, barrio_id: int, today_: date) -> list[MesaResumen]:
    sesiones, acuerdos = Sesiones(hub), Acuerdos(hub)
    found = []
    for mesa in Mesas(hub).of_barrio(barrio_id):
        own = sesiones.of_mesa(mesa.id)
        abiertos = sorted(
            (a for a in acuerdos.of_mesa(mesa.id) if a.estado.open),
            key=lambda a: (a.fecha_comprometida, a.id),
        )
        held = [s for s in own if s.fecha <= today_]
        coming = [s for s in own if s.fecha > today_]
        found.append(
            MesaResumen(
                mesa,
                len(own),
                held[-1] if held else None,
                coming[0] if coming else None,
                abiertos,
            )
        )
    return found


def _demandas(hub: HubDB, barrio_id: int, today_: date) -> DemandasResumen:
    every = Demandas(hub).of_barrio(barrio_id)
    abiertas = sorted(
        (d for d in every if d.estado.open), key=lambda d: (not d.vencida(today_), d.plazo, d.id)
    )
    return DemandasResumen(metrics(every, today_), abiertas, len(every))


# The report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BarrioReport:
    barrio: Barrio
    today: date
    identificacion: Identificacion
    instrumentos: Instrumentos
    diagnostico: Diagnostico
    plan: PlanResumen | None
    """The vigente plan (None when the barrio has none)."""
    mesas: list[MesaResumen]
    demandas: DemandasResumen


def build_report(hub: HubDB, barrio: Barrio, today_: date, zone_: ZoneInfo) -> BarrioReport:
    """Everything the modules recorded for ``barrio``, as of ``today_`` (the hub's calendar
    date; activations counted over the last 90 days in ``zone_``). The caller checks scope."""
    return BarrioReport(
        barrio=barrio,
        today=today_,
        identificacion=_identificacion(hub, barrio.id),
        instrumentos=_instrumentos(hub, barrio.id),
        diagnostico=_diagnostico(hub, barrio.id, today_, zone_),
        plan=_plan(hub, barrio.id, today_),
        mesas=_mesas(hub, barrio.id, today_),
        demandas=_demandas(hub, barrio.id, today_),
    )


async def barrio_report(request: web.Request) -> web.StreamResponse:
    """GET /barrios/{barrio_id}/reporte: the printable report of a barrio in scope."""
    barrio = barrio_of(request)
    report = build_report(request.app[keys.db], barrio, today(request), zone(request))
    context = {"barrio": barrio, "report": report, "generado": now(request)}
    return page(request, "enlace/reporte.html", context)
