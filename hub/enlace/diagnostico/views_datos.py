"""The barrio's alarm activations page (tables, bar charts, hotspot map) and the
diagnóstico's downloads: problemáticas with their caracterización (CSV), focos (GeoJSON),
actores / presencia / recursos (CSV) and activations (CSV)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from aiohttp import web

from hub import keys
from hub.enlace.diagnostico import caracterizacion as car
from hub.enlace.diagnostico.activaciones import (
    DEFAULT_DAYS,
    MAX_DAYS,
    WEEKDAYS,
    Activity,
    activity,
    bar_chart,
    circle_radius,
)
from hub.enlace.diagnostico.caracterizacion import Caracterizaciones
from hub.enlace.diagnostico.listas import FOCOS, Lista, ambito
from hub.enlace.diagnostico.perfil import perfil
from hub.enlace.diagnostico.problematicas import Problematicas
from hub.enlace.diagnostico.registros import Registros
from hub.enlace.web import barrio_of, csv_download, geojson_download, page, today, zone
from hub.errors import Invalid
from hub.forms import FormReader
from hub.routing import Handler
from hub.territory.geo import Frame, Geometry


@dataclass(frozen=True)
class Circle:
    x: float
    y: float
    r: float
    label: str
    count: int


def read_period(query: Mapping[str, str], *, today: date) -> tuple[date, date]:
    """``?desde=&hasta=`` (AAAA-MM-DD), by default the last :data:`DEFAULT_DAYS` days."""
    reader = FormReader(query)
    until = reader.day("hasta") or today
    since = reader.day("desde") or until - timedelta(days=DEFAULT_DAYS - 1)
    if not reader.problems:
        if since > until:
            reader.fail("desde", "La fecha «desde» debe ser anterior o igual a «hasta».")
        elif (until - since).days >= MAX_DAYS:
            reader.fail("desde", f"Elija un período de a lo más {MAX_DAYS} días.")
    reader.done()
    return since, until


async def activaciones(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request)
    hub = request.app[keys.db]
    status, errors = 200, {}
    try:
        since, until = read_period(request.query, today=today(request))
    except Invalid as exc:
        status, errors = 400, exc.problems
        until = today(request)
        since = until - timedelta(days=DEFAULT_DAYS - 1)
    found = activity(hub, barrio.id, since, until, zone(request))
    limits = perfil(hub, barrio.id).limites
    context = {
        "barrio": barrio,
        "activity": found,
        "since": since,
        "until": until,
        "errors": errors,
        "fields": {
            "desde": request.query.get("desde", ""),
            "hasta": request.query.get("hasta", ""),
        },
        "weekdays": WEEKDAYS,
        "kind_chart": bar_chart([(label, count) for _, label, count in found.by_kind]),
        "hour_chart": bar_chart([(f"{hour:02d}", n) for hour, n in enumerate(found.by_hour)]),
        "weekday_chart": bar_chart(
            [(d[:2], n) for d, n in zip(WEEKDAYS, found.by_weekday, strict=True)]
        ),
        **_hotspots(found, limits),
    }
    return page(request, "enlace/diagnostico/activaciones.html", context, status=status)


def _hotspots(found: Activity, limits: Geometry | None) -> dict[str, Any]:
    placed = [c for c in found.controllers if c.latitude is not None and c.longitude is not None]
    points = [Geometry("Point", (c.longitude, c.latitude)) for c in placed]
    frame = Frame.around([limits, *points])
    most = max((c.count for c in placed), default=0)
    circles = []
    if frame is not None:
        for controller in sorted(placed, key=lambda c: -c.count):
            assert controller.longitude is not None and controller.latitude is not None
            x, y = frame.xy(controller.longitude, controller.latitude)
            circles.append(
                Circle(
                    x,
                    y,
                    circle_radius(controller.count, most),
                    controller.name,
                    controller.count,
                )
            )
    return {
        "frame": frame,
        "limits_path": frame.path(limits) if frame is not None and limits is not None else "",
        "circles": circles,
        "unplaced": [c for c in found.controllers if c not in placed],
    }


async def activaciones_csv(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request)
    try:
        since, until = read_period(request.query, today=today(request))
    except Invalid as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    found = activity(request.app[keys.db], barrio.id, since, until, zone(request))
    rows = (
        (
            a.local.strftime("%Y-%m-%d %H:%M"),
            WEEKDAYS[a.local.weekday()],
            a.local.hour,
            a.kind,
            a.kind_label,
            a.controller_id,
            a.controller,
            a.episode_id,
        )
        for a in found.activations
    )
    header = (
        "fecha_hora_local",
        "dia_semana",
        "hora",
        "tipo",
        "tipo_nombre",
        "controlador_id",
        "controlador",
        "episodio",
    )
    return csv_download(f"activaciones-barrio-{barrio.id}-{since}-{until}.csv", header, rows)


async def problematicas_csv(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request)
    hub = request.app[keys.db]
    caracterizaciones = Caracterizaciones(hub).of_barrio(barrio.id)
    rows = []
    for found in Problematicas(hub).ranked(barrio.id):
        values = caracterizaciones.get(found.id)
        rows.append(
            (
                found.id,
                found.titulo,
                found.prioridad.value,
                found.descripcion,
                *(values.values[name] if values else "" for name in car.NAMES),
                found.created_by,
            )
        )
    header = ("id", "problematica", "prioridad", "descripcion", *car.NAMES, "registrada_por")
    return csv_download(f"problematicas-barrio-{barrio.id}.csv", header, rows)


def lista_csv(lista: Lista) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        barrio = barrio_of(request)
        registros = Registros(request.app[keys.db], lista).of_barrio(barrio.id)
        names = [field.name for field in lista.fields]
        header = ["id", *names]
        if lista.key == "presencia":
            header.append("ambito")
        rows = []
        for registro in registros:
            row: list[Any] = [registro.id]
            for field in lista.fields:
                row.append(registro.values.get(field.name))
            if lista.key == "presencia":
                row.append(ambito(str(registro.values.get("tipo"))).lower())
            rows.append(row)
        return csv_download(f"{lista.key}-barrio-{barrio.id}.csv", header, rows)

    return handler


async def focos_geojson(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request)
    hub = request.app[keys.db]
    titles = {p.id: p.titulo for p in Problematicas(hub).of_barrio(barrio.id)}
    features = []
    for registro in Registros(hub, FOCOS).of_barrio(barrio.id):
        problematica_id = registro.values.get("problematica_id")
        features.append(
            {
                "type": "Feature",
                "id": registro.id,
                "geometry": json.loads(str(registro.values["geometria"])),
                "properties": {
                    "barrio_id": barrio.id,
                    "nombre": registro.nombre,
                    "clase": registro.values.get("clase"),
                    "categoria": registro.values.get("categoria"),
                    "categoria_nombre": registro.shown(FOCOS.field("categoria")),
                    "descripcion": registro.values.get("descripcion"),
                    "problematica_id": problematica_id,
                    "problematica": titles.get(problematica_id) if problematica_id else None,
                },
            }
        )
    return geojson_download(f"focos-barrio-{barrio.id}.geojson", features)
