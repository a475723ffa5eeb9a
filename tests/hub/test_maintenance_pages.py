"""The maintenance pages as a whole: every page renders with data in it, escapes what
people typed, loads nothing from outside and has no inline code; who sees which link; the
roles of each route (the route walk checks the table; these check the table says what the
Unidad, gestores and mediación should have)."""

from __future__ import annotations

import re

import pytest

from hub.maintenance.web.common import MANAGERS, WAITLIST_READERS
from hub.roles import Role
from hub.routes import ROUTES
from tests.hub.conftest import Client
from tests.hub.test_maintenance_support import (
    ESCAPED,
    SCRIPT,
    Visitor,
    created_id,
    places_unknown,
    visitor,
)

__all__ = ["places_unknown"]
PREFIXES = ("/ventanas-mantencion", "/tickets", "/tecnicos", "/lista-espera")


def maintenance_routes() -> list[str]:
    return [f"{r.method} {r.path}" for r in ROUTES if r.path.startswith(PREFIXES)]


def test_the_routes_table_gives_the_maintenance_pages_to_the_right_roles() -> None:
    assert {Role.UNIDAD_ALARMAS, Role.ADMIN} == MANAGERS
    assert {Role.UNIDAD_ALARMAS, Role.ADMIN, Role.GESTOR} == WAITLIST_READERS
    ours = [r for r in ROUTES if r.path.startswith(PREFIXES)]
    assert len(ours) == 26
    for entry in ours:
        gestor_may = entry.path.startswith("/lista-espera") and (
            entry.method == "GET" or entry.path == "/lista-espera/nueva"
        )
        expected = WAITLIST_READERS if gestor_may else MANAGERS
        assert entry.access.roles == expected, f"{entry.method} {entry.path}"


async def everything(unidad: Visitor) -> list[str]:
    """One of each record, every text field carrying a script; the pages to look at."""
    window = created_id(
        await unidad.submit(
            "/ventanas-mantencion/nueva", barrio_id="3", kind="inmediata", reason=SCRIPT
        )
    )
    technician = created_id(await unidad.submit("/tecnicos", name=SCRIPT, phone="987654321"))
    request = created_id(
        await unidad.submit(
            "/lista-espera/nueva",
            requester_name=SCRIPT,
            requester_kind="vecino",
            phone="987654321",
            address=SCRIPT,
            barrio=SCRIPT,
            households="2",
            notes=SCRIPT,
        )
    )
    await unidad.submit(f"/lista-espera/{request}/estado", status="en_evaluacion", note=SCRIPT)
    await unidad.submit(f"/lista-espera/{request}/estado", status="aprobada")
    ticket = created_id(
        await unidad.submit(
            f"/lista-espera/{request}/programar",
            due_on="2027-02-01",
            technician_id=technician,
            schedule_note=SCRIPT,
        )
    )
    await unidad.submit(f"/tickets/{ticket}/estado", status="en_curso", note=SCRIPT)
    return [
        "/ventanas-mantencion",
        "/ventanas-mantencion/nueva",
        f"/ventanas-mantencion/{window}",
        "/tickets",
        "/tickets/nuevo",
        f"/tickets/{ticket}",
        "/tecnicos",
        f"/tecnicos/{technician}",
        "/lista-espera",
        "/lista-espera/nueva",
        f"/lista-espera/{request}",
    ]


@pytest.mark.usefixtures("places_unknown")
async def test_every_page_escapes_and_loads_nothing_from_outside(client: Client) -> None:
    unidad = visitor(client, Role.UNIDAD_ALARMAS)
    pages = await everything(unidad)
    for path in pages:
        html = await unidad.page(path)
        assert SCRIPT not in html, path
        assert not re.search(r"(src|href)=\"(https?:)?//", html), path
        assert "<script" not in html and "style=" not in html, path
        assert 'lang="es-CL"' in html
        for form in re.findall(r'<form[^>]*method="post".*?</form>', html, flags=re.S):
            assert 'name="csrf_token"' in form, (path, form[:80])
    shown = [p for p in pages if not p.endswith(("/nueva", "/nuevo"))]
    shown.append("/lista-espera?estado=todas")
    for path in shown:
        if path != "/lista-espera":  # the queue: the request is scheduled, out of it
            assert ESCAPED in await unidad.page(path), path
    csv = await (await unidad.get("/lista-espera.csv?estado=todas")).text()
    assert "'<script>" not in csv and SCRIPT in csv  # CSV is not HTML: kept, but not a formula


@pytest.mark.usefixtures("places_unknown")
async def test_forms_are_hidden_when_printing(client: Client) -> None:
    unidad = visitor(client, Role.ADMIN)
    pages = await everything(unidad)
    ticket_page = await unidad.page(pages[5])
    # The print stylesheet hides forms, buttons and .no-print: the facts and history remain.
    assert 'class="card no-print"' in ticket_page and "Historial de estados" in ticket_page
    css = await (await unidad.get("/static/sereno.css")).text()
    assert "@media print" in css and ".no-print" in css


@pytest.mark.parametrize(
    ("role", "links"),
    [
        (Role.UNIDAD_ALARMAS, ["Tickets", "Lista de espera"]),
        (Role.ADMIN, ["Tickets", "Lista de espera"]),
        (Role.GESTOR, ["Lista de espera"]),
        (Role.MEDIACION, []),
    ],
)
async def test_the_navigation_links_the_pages_the_role_may_open(
    client: Client, role: Role, links: list[str]
) -> None:
    person = visitor(client, role)
    html = await person.page("/")
    nav = html[html.index("<nav") : html.index("</nav>")] if "<nav" in html else ""
    shown = re.findall(r'<a href="[^"]+"[^>]*>([^<]+)</a>', nav)
    assert [label for label in shown if label in ("Tickets", "Lista de espera")] == links


async def test_mediación_enters_no_maintenance_page(client: Client) -> None:
    mediacion = visitor(client, Role.MEDIACION)
    for path in [
        "/tickets",
        "/lista-espera",
        "/lista-espera.csv",
        "/tecnicos",
        "/ventanas-mantencion",
        "/lista-espera/nueva",
    ]:
        response = await mediacion.get(path)
        assert response.status == 403, path
        assert "Acceso denegado" in await response.text()
    refused = await mediacion.post("/lista-espera/nueva", requester_name="x")
    assert refused.status == 403


async def test_missing_records_are_spanish_404s(client: Client) -> None:
    unidad = visitor(client, Role.UNIDAD_ALARMAS)
    for path, words in [
        ("/tickets/99", "No existe el ticket N° 99."),
        ("/tecnicos/99", "No existe el técnico N° 99."),
        ("/lista-espera/99", "No existe la solicitud N° 99"),
        ("/ventanas-mantencion/99", "No existe la ventana de mantención N° 99."),
        ("/tickets/99999999999999999999", "Página no encontrada"),
    ]:
        response = await unidad.get(path)
        assert response.status == 404, path
        assert words in await response.text(), path


async def test_forms_without_the_csrf_token_are_refused(client: Client) -> None:
    unidad = visitor(client, Role.UNIDAD_ALARMAS)
    response = await client.post(
        "/tecnicos",
        data={"name": "Ana", "phone": "987654321"},
        cookies=unidad.identity.cookies,
        allow_redirects=False,
    )
    assert response.status == 403 and "protección CSRF" in await response.text()
    assert "Ana" not in await unidad.page("/tecnicos")
