"""Mesa pages: the list of visible mesas with each gestor's focos in use, a barrio's mesas
with the form to open one, and a mesa's page (edit, close, sessions, history)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from aiohttp import web

from hub import keys
from hub.enlace.diagnostico.problematicas import Problematicas
from hub.enlace.mesas.acuerdos import Acuerdos
from hub.enlace.mesas.forms import read_cierre_form, read_mesa_form
from hub.enlace.mesas.mesas import FIELD_LABELS, Mesas
from hub.enlace.mesas.model import MAX_FOCOS, Mesa
from hub.enlace.mesas.sesiones import Sesiones
from hub.enlace.web import (
    actor,
    barrio_of,
    current_user,
    done,
    now,
    page,
    path_id,
    record_of,
    scope,
    today,
)
from hub.errors import Invalid
from hub.roles import Role
from hub.storage import HubDB
from hub.territory.barrios import Barrio
from hub.territory.scope import Scope
from hub.web.render import form

NOTICES: Final = {
    "mesa-abierta": "La mesa fue abierta.",
    "mesa-editada": "Los cambios de la mesa fueron guardados.",
    "mesa-cerrada": "La mesa fue cerrada: el sector barrial queda libre para focalizar otro.",
    "sesion-registrada": "La sesión fue registrada.",
    "sesion-editada": "Los cambios de la sesión fueron guardados.",
    "acuerdo-registrado": "El acuerdo fue registrado.",
    "acuerdo-editado": "Los cambios del acuerdo fueron guardados.",
    "seguimiento-registrado": "El seguimiento del acuerdo fue registrado.",
}


async def problematica_ids(request: web.Request) -> list[str]:
    """The checked problemáticas of a form (a field sent once per box)."""
    posted = await request.post()
    return [value for value in posted.getall("problematica_id", []) if isinstance(value, str)]


def is_admin(request: web.Request) -> bool:
    return current_user(request).role is Role.ADMIN


def visible_gestores(hub: HubDB, seen: Scope) -> list[tuple[int, str]]:
    """The gestores territoriales whose focos a person sees: every one for those who see
    every barrio, else those who share a territorio with the barrios in their scope."""
    where, params = ("1", []) if seen.everything else seen.where("b.id")
    sql = (
        "SELECT DISTINCT u.id, CASE WHEN u.name != '' THEN u.name ELSE u.email END "  # noqa: S608
        "FROM users u LEFT JOIN territorio_gestores g ON g.user_id = u.id "
        "LEFT JOIN barrios b ON b.territorio_id = g.territorio_id "
        f"WHERE u.role = ? AND u.active AND ({where}) ORDER BY 2, 1"
    )
    rows = hub.db.execute(sql, [Role.GESTOR.value, *params]).fetchall()
    return [(int(row[0]), str(row[1])) for row in rows]


async def mesas_list(request: web.Request) -> web.StreamResponse:
    hub = request.app[keys.db]
    seen = scope(request)
    where, params = seen.where("m.barrio_id")
    context = {
        "mesas": Mesas(hub).visible(where, params),
        "focos": Mesas(hub).focos(visible_gestores(hub, seen)),
        "max_focos": MAX_FOCOS,
    }
    return page(request, "enlace/mesas/mesas.html", context, notices=NOTICES)


async def mesas_barrio(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request)
    fields = {"inicio": today(request).isoformat()}
    return _barrio_page(request, barrio, fields, [], {})


async def create_mesa(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request, write=True)
    hub = request.app[keys.db]
    fields = await form(request)
    chosen = await problematica_ids(request)
    mesas = Mesas(hub)
    admin = is_admin(request)
    try:
        draft = read_mesa_form(
            fields,
            chosen,
            allowed_problematicas={p.id for p in Problematicas(hub).of_barrio(barrio.id)},
            gestor_ids={gid for gid, _ in mesas.gestores_of_barrio(barrio.id)} if admin else None,
        )
        gestor_id = draft.gestor_id if draft.gestor_id is not None else current_user(request).id
        mesa = mesas.open(barrio.id, gestor_id, draft, actor=actor(request), at=now(request))
    except Invalid as exc:
        return _barrio_page(request, barrio, fields, chosen, exc.problems, status=400)
    raise done(request, "mesa", "mesa-abierta", NOTICES, mesa_id=mesa.id)


def _barrio_page(
    request: web.Request,
    barrio: Barrio,
    fields: Mapping[str, str],
    chosen: Sequence[str],
    errors: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    hub = request.app[keys.db]
    mesas = Mesas(hub)
    user = current_user(request)
    mine = mesas.active_of(user.id) if user.role is Role.GESTOR else []
    context = {
        "barrio": barrio,
        "mesas": mesas.of_barrio(barrio.id),
        "problematicas": Problematicas(hub).of_barrio(barrio.id),
        "gestores": mesas.gestores_of_barrio(barrio.id) if is_admin(request) else [],
        "focos": mesas.focos(mesas.gestores_of_barrio(barrio.id)),
        "mine": mine,
        "is_gestor": user.role is Role.GESTOR,
        "max_focos": MAX_FOCOS,
        "fields": fields,
        "chosen": set(chosen),
        "errors": errors,
    }
    return page(request, "enlace/mesas/barrio.html", context, notices=NOTICES, status=status)


def mesa_of(request: web.Request, *, write: bool = False) -> Mesa:
    record_of(request, "mesas", "mesa_id", what="la mesa", write=write)
    return Mesas(request.app[keys.db]).get(path_id(request, "mesa_id"))


async def mesa_page(request: web.Request) -> web.StreamResponse:
    return render_mesa_page(request, mesa_of(request), {}, {})


async def edit_mesa(request: web.Request) -> web.StreamResponse:
    mesa = mesa_of(request, write=True)
    hub = request.app[keys.db]
    fields = await form(request)
    chosen = await problematica_ids(request)
    mesas = Mesas(hub)
    try:
        draft = read_mesa_form(
            fields,
            chosen,
            allowed_problematicas={p.id for p in Problematicas(hub).of_barrio(mesa.barrio_id)},
            gestor_ids=(
                {gid for gid, _ in mesas.gestores_of_barrio(mesa.barrio_id)}
                if is_admin(request)
                else None
            ),
        )
        mesas.update(mesa.id, draft, actor=actor(request), at=now(request))
    except Invalid as exc:
        return render_mesa_page(
            request, mesa, fields, exc.problems, failed="mesa", chosen=chosen, status=400
        )
    raise done(request, "mesa", "mesa-editada", NOTICES, mesa_id=mesa.id)


async def close_mesa(request: web.Request) -> web.StreamResponse:
    mesa = mesa_of(request, write=True)
    fields = await form(request)
    try:
        fecha, nota = read_cierre_form(fields, inicio=mesa.inicio)
        Mesas(request.app[keys.db]).close(
            mesa.id, fecha, nota, actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return render_mesa_page(request, mesa, fields, exc.problems, failed="cierre", status=400)
    raise done(request, "mesa", "mesa-cerrada", NOTICES, mesa_id=mesa.id)


def render_mesa_page(
    request: web.Request,
    mesa: Mesa,
    fields: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    failed: str = "",
    chosen: Sequence[str] | None = None,
    status: int = 200,
) -> web.Response:
    """The mesa's page; ``failed`` names the form whose ``fields`` and ``errors`` are shown
    again: ``mesa`` (edit), ``cierre`` or ``sesion`` (a new session)."""
    hub = request.app[keys.db]
    mesas = Mesas(hub)
    linked = mesas.problematicas(mesa.id)
    acuerdos = Acuerdos(hub)
    edit = {
        "sector": mesa.sector,
        "objetivo": mesa.objetivo,
        "inicio": mesa.inicio.isoformat(),
        "gestor_id": str(mesa.gestor_id),
    }
    kept = {name: fields for name in (failed,)}
    context = {
        "mesa": mesa,
        "barrio": barrio_of_mesa(request, mesa),
        "linked": linked,
        "problematicas": Problematicas(hub).of_barrio(mesa.barrio_id),
        "chosen": set(chosen) if chosen is not None else {str(pid) for pid, _ in linked},
        "gestores": mesas.gestores_of_barrio(mesa.barrio_id) if is_admin(request) else [],
        "sesiones": Sesiones(hub).of_mesa(mesa.id),
        "failed": failed,
        "fields": {**edit, **kept.get("mesa", {})},
        "cierre": {"cierre_fecha": today(request).isoformat(), **kept.get("cierre", {})},
        "nueva": {"fecha": today(request).isoformat(), **kept.get("sesion", {})},
        "errors": errors,
        "history": mesas.history(mesa.id),
        "labels": FIELD_LABELS,
        "today": today(request),
        "acuerdos": acuerdos.of_mesa(mesa.id),
    }
    return page(request, "enlace/mesas/mesa.html", context, notices=NOTICES, status=status)


def barrio_of_mesa(request: web.Request, mesa: Mesa) -> Barrio:
    return Barrio(mesa.barrio_id, mesa.barrio, 0.0)
