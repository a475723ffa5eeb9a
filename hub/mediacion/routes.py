"""The routes of Mediación comunitaria (added to the hub's table in :mod:`hub.routes`).

Only the mediación role and admins enter, to read or to write: gestores territoriales and
the Unidad de Alarmas get 403. Cases are not scoped by barrio, so the new-case form has no
barrio in its path.
"""

from __future__ import annotations

from typing import Final

from hub.mediacion import views
from hub.roles import Role
from hub.routing import Route, route

MEDIACION: Final = frozenset({Role.MEDIACION, Role.ADMIN})
_CASO: Final = r"/mediacion/{caso_id:\d+}"

ROUTES: Final[tuple[Route, ...]] = (
    route("GET", "/mediacion", views.casos_list, name="mediacion", access=MEDIACION),
    route("GET", "/mediacion/casos.csv", views.casos_csv, name="mediacion_csv", access=MEDIACION),
    route("GET", "/mediacion/nuevo", views.new_caso_form, name="mediacion_nuevo", access=MEDIACION),
    route("POST", "/mediacion/nuevo", views.create_caso, name="mediacion_nuevo", access=MEDIACION),
    route(
        "GET",
        _CASO,
        views.caso_page,
        name="mediacion_caso",
        access=MEDIACION,
        example="/mediacion/1",
    ),
    route(
        "POST",
        _CASO + "/partes",
        views.add_parte,
        name="mediacion_partes",
        access=MEDIACION,
        example="/mediacion/1/partes",
    ),
    route(
        "POST",
        _CASO + "/sesiones",
        views.add_sesion,
        name="mediacion_sesiones",
        access=MEDIACION,
        example="/mediacion/1/sesiones",
    ),
    route(
        "POST",
        _CASO + "/acuerdo",
        views.set_acuerdo,
        name="mediacion_acuerdo",
        access=MEDIACION,
        example="/mediacion/1/acuerdo",
    ),
    route(
        "POST",
        _CASO + "/estado",
        views.change_estado,
        name="mediacion_estado",
        access=MEDIACION,
        example="/mediacion/1/estado",
    ),
)
