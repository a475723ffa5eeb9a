"""The territorios pages (administration only): the list with gestores and barrios and the
form to create one; a territorio's page, where the administrator renames it, assigns and
removes its gestores territoriales and moves barrios into or out of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from aiohttp import web

from hub import keys
from hub.enlace.history import history_of
from hub.enlace.web import actor, done, now, page, path_id
from hub.errors import Invalid
from hub.forms import FormReader
from hub.roles import Role
from hub.storage import HubDB, Subject, User
from hub.territory.territorios import HISTORY_TEXTS, Territorio, Territorios
from hub.web.render import form

NOTICES: Final = {
    "territorio-creado": "El territorio fue creado.",
    "territorio-guardado": "Los datos del territorio fueron guardados.",
    "gestor-asignado": "El gestor o la gestora territorial fue asignado(a) al territorio.",
    "gestor-quitado": "El gestor o la gestora territorial ya no trabaja este territorio.",
    "barrio-sumado": "El barrio quedó en este territorio.",
    "barrio-quitado": "El barrio quedó sin territorio.",
}
HISTORY_LABELS: Final = {
    "name": "Nombre",
    "description": "Descripción",
    "gestor": "Gestor(a)",
    "barrio": "Barrio",
}


@dataclass(frozen=True)
class TerritorioSummary:
    territorio: Territorio
    gestores: list[str]
    barrios: list[tuple[int, str]]


def summaries(hub: HubDB) -> list[TerritorioSummary]:
    territorios = Territorios(hub)
    barrios: dict[int, list[tuple[int, str]]] = {}
    for barrio_id, name, territorio_id in hub.db.execute(
        "SELECT id, name, territorio_id FROM barrios WHERE territorio_id IS NOT NULL "
        "ORDER BY name, id"
    ).fetchall():
        barrios.setdefault(territorio_id, []).append((barrio_id, name))
    return [
        TerritorioSummary(
            item,
            [user.display_name for user in territorios.gestores(item.id)],
            barrios.get(item.id, []),
        )
        for item in territorios.all()
    ]


async def territorios_list(request: web.Request) -> web.StreamResponse:
    return _list(request, {}, {})


async def create_territorio(request: web.Request) -> web.StreamResponse:
    fields = await form(request)
    try:
        made = Territorios(request.app[keys.db]).create(
            fields.get("name", ""),
            fields.get("description", ""),
            actor=actor(request),
            at=now(request),
        )
    except Invalid as exc:
        return _list(request, exc.problems, fields, status=400)
    raise done(request, "territorio", "territorio-creado", NOTICES, territorio_id=made.id)


def _list(
    request: web.Request,
    errors: Mapping[str, str],
    fields: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    hub = request.app[keys.db]
    unplaced = hub.db.execute(
        "SELECT id, name FROM barrios WHERE territorio_id IS NULL ORDER BY name, id"
    ).fetchall()
    context = {
        "territorios": summaries(hub),
        "unplaced": unplaced,
        "errors": errors,
        "fields": fields,
    }
    return page(request, "territory/territorios.html", context, notices=NOTICES, status=status)


async def territorio_page(request: web.Request) -> web.StreamResponse:
    return _page(request, _territorio(request), {}, {})


async def edit_territorio(request: web.Request) -> web.StreamResponse:
    """The territorio's form: ``accion=datos`` (name, description), ``accion=sumar-barrio``
    (bring ``barrio_id`` here from wherever it is) or ``accion=quitar-barrio``."""
    territorio = _territorio(request)
    fields = await form(request)
    territorios = Territorios(request.app[keys.db])
    accion = fields.get("accion", "datos")
    try:
        if accion == "datos":
            territorios.update(
                territorio.id,
                fields.get("name", ""),
                fields.get("description", ""),
                actor=actor(request),
                at=now(request),
            )
            notice = "territorio-guardado"
        elif accion in ("sumar-barrio", "quitar-barrio"):
            barrio_id = _barrio_choice(request.app[keys.db], fields)
            if accion == "quitar-barrio" and not _in_territorio(
                request.app[keys.db], barrio_id, territorio.id
            ):
                raise Invalid("Ese barrio no está en este territorio.", field="barrio_id")
            to = territorio.id if accion == "sumar-barrio" else None
            territorios.place_barrio(barrio_id, to, actor=actor(request), at=now(request))
            notice = "barrio-sumado" if to is not None else "barrio-quitado"
        else:
            raise Invalid("Acción desconocida; recargue la página e intente de nuevo.")
    except Invalid as exc:
        return _page(request, territorio, exc.problems, fields, status=400)
    raise done(request, "territorio", notice, NOTICES, territorio_id=territorio.id)


async def territorio_gestores(request: web.Request) -> web.StreamResponse:
    """``accion=agregar`` or ``accion=quitar`` the gestor ``user_id``."""
    territorio = _territorio(request)
    fields = await form(request)
    territorios = Territorios(request.app[keys.db])
    reader = FormReader(fields)
    user_id = reader.record_id("user_id", "el gestor o la gestora territorial", required=True)
    try:
        reader.done()
        assert user_id is not None
        if fields.get("accion") == "quitar":
            territorios.remove_gestor(territorio.id, user_id, actor=actor(request), at=now(request))
            notice = "gestor-quitado"
        else:
            territorios.assign_gestor(territorio.id, user_id, actor=actor(request), at=now(request))
            notice = "gestor-asignado"
    except Invalid as exc:
        return _page(request, territorio, exc.problems, fields, status=400)
    raise done(request, "territorio", notice, NOTICES, territorio_id=territorio.id)


def _territorio(request: web.Request) -> Territorio:
    return Territorios(request.app[keys.db]).get(path_id(request, "territorio_id"))


def _barrio_choice(hub: HubDB, fields: Mapping[str, str]) -> int:
    reader = FormReader(fields)
    barrio_id = reader.record_id("barrio_id", "el barrio", required=True)
    reader.done()
    assert barrio_id is not None
    if hub.db.execute("SELECT 1 FROM barrios WHERE id = ?", [barrio_id]).fetchone() is None:
        raise Invalid("Elija un barrio de la lista.", field="barrio_id")
    return barrio_id


def _in_territorio(hub: HubDB, barrio_id: int, territorio_id: int) -> bool:
    row = hub.db.execute("SELECT territorio_id FROM barrios WHERE id = ?", [barrio_id]).fetchone()
    return row is not None and row[0] == territorio_id


def _page(
    request: web.Request,
    territorio: Territorio,
    errors: Mapping[str, str],
    fields: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    hub = request.app[keys.db]
    gestores = Territorios(hub).gestores(territorio.id)
    taken = {user.id for user in gestores}
    candidates: list[User] = [
        user
        for user in hub.users.all()
        if user.role is Role.GESTOR and user.active and user.id not in taken
    ]
    barrios = hub.db.execute(
        "SELECT b.id, b.name, b.sector FROM barrios b WHERE b.territorio_id = ? "
        "ORDER BY b.name, b.id",
        [territorio.id],
    ).fetchall()
    others = hub.db.execute(
        "SELECT b.id, b.name, t.name FROM barrios b LEFT JOIN territorios t "
        "ON t.id = b.territorio_id WHERE b.territorio_id IS NULL OR b.territorio_id != ? "
        "ORDER BY b.name, b.id",
        [territorio.id],
    ).fetchall()
    context = {
        "territorio": territorio,
        "gestores": gestores,
        "candidates": [
            (str(user.id), f"{user.display_name} ({user.email})") for user in candidates
        ],
        "barrios": barrios,
        "others": [
            (str(barrio_id), f"{name} ({where or 'sin territorio'})")
            for barrio_id, name, where in others
        ],
        "history": history_of(hub, Subject("territorio", territorio.id), HISTORY_TEXTS),
        "history_labels": HISTORY_LABELS,
        "errors": errors,
        "fields": fields,
    }
    return page(request, "territory/territorio.html", context, notices=NOTICES, status=status)
