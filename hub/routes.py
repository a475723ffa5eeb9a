"""THE routes table: every URL of the hub, its name and who may enter.

One line per route (see :mod:`hub.routing` for ``access``). Routes of one path share its
name. A path with parameters gives an ``example`` the route walk test can request. Group
your domain's routes under a comment; keep the views thin (in ``hub/web/`` or your
domain's web module). Gestión Territorial, Enlace Comunitario and Mediación keep their
routes in their own ``routes.py``, added at the end.
"""

from __future__ import annotations

from typing import Final

from hub.enlace import routes as enlace
from hub.enlace.demandas import routes as demandas
from hub.enlace.diagnostico import routes as diagnostico
from hub.enlace.instrumentos import routes as instrumentos
from hub.enlace.mesas import routes as mesas
from hub.enlace.planes import routes as planes
from hub.fleet import api as fleet_api
from hub.fleet import map as fleet_map
from hub.fleet import views as fleet_views
from hub.fleet.openapi import OPENAPI_PATH
from hub.maintenance.web import tickets as ticket_views
from hub.maintenance.web import waitlist as waitlist_views
from hub.maintenance.web import windows as window_views
from hub.maintenance.web.common import MANAGERS, WAITLIST_READERS
from hub.mediacion import routes as mediacion
from hub.roles import Role
from hub.routing import ANY_ROLE, CONTROLLER, PUBLIC, Route, route
from hub.territory import routes as territory
from hub.web import api, auth_views, dashboard, users_views
from protocol.report import ENROLL_PATH, REPORTS_PATH

ADMIN: Final = {Role.ADMIN}
FLEET: Final = {Role.UNIDAD_ALARMAS, Role.ADMIN}

ROUTES: Final[tuple[Route, ...]] = (
    # Sessions and one's own account.
    route("GET", "/login", auth_views.login_form, name="login", access=PUBLIC),
    route("POST", "/login", auth_views.login, name="login", access=PUBLIC),
    route("POST", "/logout", auth_views.logout, name="logout", access=ANY_ROLE),
    route("GET", "/cuenta/clave", auth_views.password_form, name="password", access=ANY_ROLE),
    route("POST", "/cuenta/clave", auth_views.change_password, name="password", access=ANY_ROLE),
    route("GET", "/api/sesion", api.whoami, name="api_session", access=ANY_ROLE),
    # Home: the Panel (the fleet's figures for the Unidad and admins, a welcome for others).
    route("GET", "/", dashboard.panel, name="panel", access=ANY_ROLE),
    route("GET", "/requieren-atencion", dashboard.attention_list, name="attention", access=FLEET),
    # The controller API (docs/hub-api.md; its OpenAPI document is generated from these).
    route("POST", ENROLL_PATH, fleet_api.enroll, name="api_enroll", access=CONTROLLER),
    route("POST", REPORTS_PATH, fleet_api.post_report, name="api_reports", access=CONTROLLER),
    route("GET", OPENAPI_PATH, fleet_api.openapi, name="api_openapi", access=ANY_ROLE),
    # Fleet: controllers, their commands, alarms and enrollment codes (Unidad de Alarmas).
    route("GET", "/controladores", fleet_views.controllers_list, name="controllers", access=FLEET),
    route(
        "GET",
        "/controladores/inscripcion",
        fleet_views.enrollment_codes,
        name="enrollment_codes",
        access=FLEET,
    ),
    route(
        "POST",
        "/controladores/inscripcion",
        fleet_views.create_code,
        name="enrollment_codes",
        access=FLEET,
    ),
    route(
        "GET",
        r"/controladores/{controller_id:\d+}",
        fleet_views.controller_page,
        name="controller",
        access=FLEET,
        example="/controladores/1",
    ),
    route(
        "POST",
        r"/controladores/{controller_id:\d+}/comandos",
        fleet_views.issue_command,
        name="controller_command",
        access=FLEET,
        example="/controladores/1/comandos",
    ),
    route(
        "POST",
        r"/controladores/{controller_id:\d+}/intervalo",
        fleet_views.set_interval,
        name="controller_interval",
        access=FLEET,
        example="/controladores/1/intervalo",
    ),
    route(
        "POST",
        r"/controladores/{controller_id:\d+}/ubicacion",
        fleet_views.set_location,
        name="controller_location",
        access=FLEET,
        example="/controladores/1/ubicacion",
    ),
    route("GET", "/mapa", fleet_map.map_page, name="map", access=FLEET),
    route("GET", "/mapa.svg", fleet_map.map_svg, name="map_svg", access=FLEET),
    route("GET", "/alarmas", fleet_views.alarms_list, name="alarms", access=FLEET),
    route(
        "GET",
        r"/alarmas/{alarm_id:\d+}",
        fleet_views.alarm_page,
        name="alarm",
        access=FLEET,
        example="/alarmas/1",
    ),
    route(
        "POST",
        r"/alarmas/{alarm_id:\d+}/reconocer",
        fleet_views.acknowledge,
        name="alarm_acknowledge",
        access=FLEET,
        example="/alarmas/1/reconocer",
    ),
    # User administration.
    route("GET", "/usuarios", users_views.users_list, name="users", access=ADMIN),
    route("GET", "/usuarios/nuevo", users_views.new_user_form, name="new_user", access=ADMIN),
    route("POST", "/usuarios/nuevo", users_views.create_user, name="new_user", access=ADMIN),
    route(
        "GET",
        r"/usuarios/{user_id:\d+}",
        users_views.user_detail,
        name="user",
        access=ADMIN,
        example="/usuarios/1",
    ),
    route(
        "POST",
        r"/usuarios/{user_id:\d+}/rol",
        users_views.set_role,
        name="user_role",
        access=ADMIN,
        example="/usuarios/1/rol",
    ),
    route(
        "POST",
        r"/usuarios/{user_id:\d+}/desactivar",
        users_views.deactivate,
        name="user_deactivate",
        access=ADMIN,
        example="/usuarios/1/desactivar",
    ),
    route(
        "POST",
        r"/usuarios/{user_id:\d+}/activar",
        users_views.activate,
        name="user_activate",
        access=ADMIN,
        example="/usuarios/1/activar",
    ),
    route(
        "POST",
        r"/usuarios/{user_id:\d+}/clave-temporal",
        users_views.issue_password,
        name="user_password",
        access=ADMIN,
        example="/usuarios/1/clave-temporal",
    ),
    # Maintenance: windows, tickets and técnicos (the Unidad), the installation waitlist
    # (gestores see it and add requests; the Unidad changes statuses).
    route(
        "GET",
        "/ventanas-mantencion",
        window_views.windows_list,
        name="maintenance_windows",
        access=MANAGERS,
    ),
    route(
        "GET",
        "/ventanas-mantencion/nueva",
        window_views.new_window_form,
        name="new_maintenance_window",
        access=MANAGERS,
    ),
    route(
        "POST",
        "/ventanas-mantencion/nueva",
        window_views.create_window,
        name="new_maintenance_window",
        access=MANAGERS,
    ),
    route(
        "GET",
        r"/ventanas-mantencion/{window_id:\d+}",
        window_views.window_detail,
        name="maintenance_window",
        access=MANAGERS,
        example="/ventanas-mantencion/1",
    ),
    route(
        "POST",
        r"/ventanas-mantencion/{window_id:\d+}/terminar",
        window_views.end_window,
        name="maintenance_window_end",
        access=MANAGERS,
        example="/ventanas-mantencion/1/terminar",
    ),
    route("GET", "/tickets", ticket_views.tickets_list, name="tickets", access=MANAGERS),
    route(
        "GET", "/tickets/nuevo", ticket_views.new_ticket_form, name="new_ticket", access=MANAGERS
    ),
    route("POST", "/tickets/nuevo", ticket_views.create_ticket, name="new_ticket", access=MANAGERS),
    route(
        "GET",
        r"/tickets/{ticket_id:\d+}",
        ticket_views.ticket_detail,
        name="ticket",
        access=MANAGERS,
        example="/tickets/1",
    ),
    route(
        "POST",
        r"/tickets/{ticket_id:\d+}/estado",
        ticket_views.move_ticket,
        name="ticket_status",
        access=MANAGERS,
        example="/tickets/1/estado",
    ),
    route(
        "POST",
        r"/tickets/{ticket_id:\d+}/tecnico",
        ticket_views.assign_ticket,
        name="ticket_assign",
        access=MANAGERS,
        example="/tickets/1/tecnico",
    ),
    route(
        "POST",
        r"/tickets/{ticket_id:\d+}/datos",
        ticket_views.edit_ticket,
        name="ticket_edit",
        access=MANAGERS,
        example="/tickets/1/datos",
    ),
    route("GET", "/tecnicos", ticket_views.technicians_list, name="technicians", access=MANAGERS),
    route("POST", "/tecnicos", ticket_views.add_technician, name="technicians", access=MANAGERS),
    route(
        "GET",
        r"/tecnicos/{technician_id:\d+}",
        ticket_views.technician_detail,
        name="technician",
        access=MANAGERS,
        example="/tecnicos/1",
    ),
    route(
        "POST",
        r"/tecnicos/{technician_id:\d+}",
        ticket_views.update_technician,
        name="technician",
        access=MANAGERS,
        example="/tecnicos/1",
    ),
    route(
        "POST",
        r"/tecnicos/{technician_id:\d+}/desactivar",
        ticket_views.deactivate_technician,
        name="technician_deactivate",
        access=MANAGERS,
        example="/tecnicos/1/desactivar",
    ),
    route(
        "POST",
        r"/tecnicos/{technician_id:\d+}/activar",
        ticket_views.activate_technician,
        name="technician_activate",
        access=MANAGERS,
        example="/tecnicos/1/activar",
    ),
    route(
        "GET",
        "/lista-espera",
        waitlist_views.waitlist_list,
        name="waiting_list",
        access=WAITLIST_READERS,
    ),
    route(
        "GET",
        "/lista-espera.csv",
        waitlist_views.waitlist_export,
        name="waiting_list_csv",
        access=WAITLIST_READERS,
    ),
    route(
        "GET",
        "/lista-espera/nueva",
        waitlist_views.new_request_form,
        name="new_waiting_request",
        access=WAITLIST_READERS,
    ),
    route(
        "POST",
        "/lista-espera/nueva",
        waitlist_views.create_request,
        name="new_waiting_request",
        access=WAITLIST_READERS,
    ),
    route(
        "GET",
        r"/lista-espera/{request_id:\d+}",
        waitlist_views.request_detail,
        name="waiting_request",
        access=WAITLIST_READERS,
        example="/lista-espera/1",
    ),
    route(
        "POST",
        r"/lista-espera/{request_id:\d+}/estado",
        waitlist_views.move_request,
        name="waiting_request_status",
        access=MANAGERS,
        example="/lista-espera/1/estado",
    ),
    route(
        "POST",
        r"/lista-espera/{request_id:\d+}/prioridad",
        waitlist_views.set_request_priority,
        name="waiting_request_priority",
        access=MANAGERS,
        example="/lista-espera/1/prioridad",
    ),
    route(
        "POST",
        r"/lista-espera/{request_id:\d+}/programar",
        waitlist_views.schedule_request,
        name="waiting_request_schedule",
        access=MANAGERS,
        example="/lista-espera/1/programar",
    ),
    # Gestión Territorial, Enlace Comunitario and Mediación (their own tables).
    *territory.ROUTES,
    *diagnostico.ROUTES,
    *instrumentos.ROUTES,
    *planes.ROUTES,
    *mesas.ROUTES,
    *demandas.ROUTES,
    *enlace.ROUTES,
    *mediacion.ROUTES,
)
