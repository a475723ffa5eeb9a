"""What a mesa gives away: the printable acta of a session, and CSV files of the mesa's
acuerdos (with their follow-up) and of its attendance, session by session.

CSV dates are ``AAAA-MM-DD`` (what spreadsheets sort and read without guessing); times of
follow-ups are local ``AAAA-MM-DD HH:MM``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

from aiohttp import web

from hub import keys
from hub.enlace.mesas.acuerdos import Acuerdos
from hub.enlace.mesas.mesas import Mesas
from hub.enlace.mesas.model import Acuerdo, Seguimiento, Sesion
from hub.enlace.mesas.sesion_views import sesion_of
from hub.enlace.mesas.sesiones import Sesiones
from hub.enlace.mesas.views import barrio_of_mesa, mesa_of
from hub.enlace.web import csv_download, page, today, zone

ACUERDOS_HEADER: Final = (
    "acuerdo",
    "sesion",
    "fecha_sesion",
    "descripcion",
    "responsable",
    "fecha_comprometida",
    "estado",
    "vencido",
    "seguimientos",
    "ultimo_seguimiento",
    "historial_seguimiento",
)
ASISTENCIA_HEADER: Final = (
    "sesion",
    "fecha",
    "lugar",
    "tipo",
    "nombre",
    "representante",
    "cantidad",
)


def acuerdo_rows(
    acuerdos: Sequence[Acuerdo],
    seguimientos: Mapping[int, Sequence[Seguimiento]],
    numeros: Mapping[int, int],
    *,
    today: date,
    zone: ZoneInfo,
) -> Iterator[list[object]]:
    """One row per acuerdo; its follow-ups one per line in the last cell."""
    for acuerdo in acuerdos:
        done = seguimientos.get(acuerdo.id, ())
        yield [
            acuerdo.id,
            numeros.get(acuerdo.sesion_id, ""),
            acuerdo.sesion_fecha.isoformat(),
            acuerdo.descripcion,
            acuerdo.responsable,
            acuerdo.fecha_comprometida.isoformat(),
            acuerdo.estado.label,
            "sí" if acuerdo.overdue(today) else "no",
            len(done),
            _moment(done[-1].at, zone) if done else "",
            "\n".join(_line(one, numeros, zone) for one in done),
        ]


def asistencia_rows(sesiones: Sequence[Sesion]) -> Iterator[list[object]]:
    """Per session: the count of vecinos y vecinas, each one named, each organización and
    institución with its representative."""
    for sesion in sesiones:
        where = [sesion.numero, sesion.fecha.isoformat(), sesion.lugar]
        yield [*where, "Vecinos y vecinas (total)", "", "", sesion.vecinos]
        for nombre in sesion.vecinos_nombres:
            yield [*where, "Vecino(a)", nombre, "", 1]
        for tipo, people in (
            ("Organización", sesion.organizaciones),
            ("Institución", sesion.instituciones),
        ):
            for one in people:
                yield [*where, tipo, one.nombre, one.representante, 1]


async def acuerdos_csv(request: web.Request) -> web.StreamResponse:
    mesa = mesa_of(request)
    hub = request.app[keys.db]
    acuerdos = Acuerdos(hub)
    numeros = {s.id: s.numero for s in Sesiones(hub).of_mesa(mesa.id)}
    rows = acuerdo_rows(
        acuerdos.of_mesa(mesa.id),
        acuerdos.seguimientos_of_mesa(mesa.id),
        numeros,
        today=today(request),
        zone=zone(request),
    )
    name = f"mesa-{mesa.id}-acuerdos-{today(request):%Y-%m-%d}.csv"
    return csv_download(name, ACUERDOS_HEADER, rows)


async def asistencia_csv(request: web.Request) -> web.StreamResponse:
    mesa = mesa_of(request)
    rows = asistencia_rows(Sesiones(request.app[keys.db]).of_mesa(mesa.id))
    name = f"mesa-{mesa.id}-asistencia-{today(request):%Y-%m-%d}.csv"
    return csv_download(name, ASISTENCIA_HEADER, rows)


async def acta(request: web.Request) -> web.StreamResponse:
    """The session's acta, to print: header with barrio, mesa and date; attendance,
    agenda, acta, acuerdos with responsables and dates, and the follow-up recorded."""
    sesion = sesion_of(request)
    hub = request.app[keys.db]
    mesa = Mesas(hub).get(sesion.mesa_id)
    acuerdos = Acuerdos(hub)
    context = {
        "sesion": sesion,
        "mesa": mesa,
        "barrio": barrio_of_mesa(request, mesa),
        "problematicas": Mesas(hub).problematicas(mesa.id),
        "acuerdos": acuerdos.of_sesion(sesion.id),
        "seguidos": acuerdos.seguimientos_en(sesion.id),
        "today": today(request),
    }
    return page(request, "enlace/mesas/acta.html", context)


def _moment(at: float, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(at, zone).strftime("%Y-%m-%d %H:%M")


def _line(one: Seguimiento, numeros: Mapping[int, int], zone: ZoneInfo) -> str:
    where = (
        f"sesión {numeros[one.sesion_id]}"
        if one.sesion_id is not None and one.sesion_id in numeros
        else "entre sesiones"
    )
    text = f"{_moment(one.at, zone)} · {one.author} · {where} · "
    text += f"{one.estado_anterior.label} → {one.estado.label}"
    return f"{text} · {one.nota}" if one.nota else text
