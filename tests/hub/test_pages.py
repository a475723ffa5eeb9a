"""Pages: escaping, security headers, Spanish error pages, navigation by role, and user
administration."""

from __future__ import annotations

import re

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpClient

from hub import keys
from hub.app import create_app
from hub.config import HubConfig
from hub.roles import Role
from hub.routes import ROUTES
from hub.routing import PUBLIC, route
from hub.web.nav import NAV
from tests.hub.conftest import (
    PASSWORD,
    Client,
    FakeClock,
    add_user,
    db_of,
    log_in,
    page_csrf,
)

SCRIPT = "<script>alert(1)</script>"


async def as_admin(client: Client) -> None:
    add_user(client, Role.ADMIN, email="jefa@maipu.cl", name="Jefa")
    assert (await log_in(client, "jefa@maipu.cl")).status == 303


async def test_names_are_escaped_everywhere(client: Client) -> None:
    await as_admin(client)
    evil = add_user(client, Role.GESTOR, email="x@maipu.cl", name=SCRIPT)
    for path in ["/usuarios", f"/usuarios/{evil.id}"]:
        html = await (await client.get(path)).text()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert SCRIPT not in html
    client.session.cookie_jar.clear()
    await log_in(client, "x@maipu.cl")
    assert SCRIPT not in await (await client.get("/")).text()


async def test_what_was_typed_is_escaped_when_a_form_comes_back(client: Client) -> None:
    typed = '"><script>alert(1)</script>'
    response = await log_in(client, typed, "x")
    html = await response.text()
    assert response.status == 400 and "<script>alert(1)" not in html
    assert 'value="&#34;&gt;&lt;script&gt;' in html


async def test_notices_show_only_fixed_texts(client: Client) -> None:
    html = await (await client.get(f"/login?aviso={SCRIPT}")).text()
    assert "alert(1)" not in html


@pytest.mark.parametrize("path", ["/login", "/static/sereno.css", "/no-existe", "/api/no-existe"])
async def test_every_response_carries_the_security_headers(client: Client, path: str) -> None:
    response = await client.get(path)
    headers = response.headers
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # only with secure_cookies


async def test_pages_load_nothing_from_the_internet(client: Client) -> None:
    await as_admin(client)
    for path in ["/login", "/", "/usuarios", "/usuarios/nuevo", "/cuenta/clave"]:
        html = await (await client.get(path)).text()
        assert not re.search(r"(src|href)=\"(https?:)?//", html), path
        assert "<script" not in html and "style=" not in html, path  # CSP: no inline code
    css = await (await client.get("/static/sereno.css")).text()
    assert "@media print" in css and "url(" not in css


async def test_spanish_error_pages_and_json_under_api(client: Client) -> None:
    missing = await client.get("/no-existe")
    assert missing.status == 404 and "Página no encontrada" in await missing.text()
    assert 'lang="es-CL"' in await missing.text()
    wrong_method = await client.get("/logout")
    assert wrong_method.status == 405 and "Acción no permitida" in await wrong_method.text()
    assert wrong_method.headers["Allow"] == "POST"
    api = await client.get("/api/no-existe")
    assert api.status == 404
    assert (await api.json())["error"]["message"].startswith("La página que busca no existe")
    anonymous_api = await client.get("/api/sesion")
    assert anonymous_api.status == 401 and anonymous_api.content_type == "application/json"


async def test_a_crash_is_a_spanish_500_without_details(
    aiohttp_client: AiohttpClient, config: HubConfig, clock: FakeClock
) -> None:
    async def broken(request: web.Request) -> web.StreamResponse:
        raise RuntimeError("detalle interno secreto")

    crash = route("GET", "/roto", broken, name="broken", access=PUBLIC)
    client = await aiohttp_client(create_app(config, clock=clock, routes=(*ROUTES, crash)))
    response = await client.get("/roto")
    html = await response.text()
    assert response.status == 500 and "Error interno" in html and "secreto" not in html


async def test_a_forbidden_page_says_so_in_spanish(client: Client) -> None:
    add_user(client, Role.GESTOR, email="ana@maipu.cl")
    await log_in(client, "ana@maipu.cl")
    response = await client.get("/usuarios")
    assert response.status == 403
    assert "Su rol no tiene permiso para ver esta página" in await response.text()


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        (Role.ADMIN, ["Panel", "Mapa", "Controladores", "Usuarios", "Barrios"], []),
        (Role.UNIDAD_ALARMAS, ["Panel", "Mapa", "Controladores", "Lista de espera"], ["Usuarios"]),
        (Role.GESTOR, ["Panel", "Lista de espera", "Barrios"], ["Controladores", "Usuarios"]),
        (Role.MEDIACION, ["Panel", "Barrios"], ["Controladores", "Usuarios", "Lista de espera"]),
    ],
)
async def test_navigation_shows_what_the_role_may_open(
    client: Client, role: Role, present: list[str], absent: list[str]
) -> None:
    add_user(client, role, email="p@maipu.cl")
    await log_in(client, "p@maipu.cl")
    html = await (await client.get("/")).text()
    nav = html[html.index("<nav") : html.index("</nav>")]
    shown = re.findall(r'<a href="[^"]+"[^>]*>([^<]+)</a>', nav)
    table = client.app[keys.routes]
    expected = [
        link.label for section in NAV for link in section.links if table.admits(link.route, role)
    ]
    assert shown == expected
    assert set(present) <= set(shown) and not set(absent) & set(shown)
    assert 'aria-current="page">Panel' in nav


def test_only_the_login_and_static_files_are_public() -> None:
    """Making a route public is a decision: change this list on purpose."""
    assert {entry.name for entry in ROUTES if entry.access == PUBLIC} == {"login"}


def test_user_administration_is_for_admins_only() -> None:
    admin_routes = [entry for entry in ROUTES if entry.path.startswith("/usuarios")]
    assert len(admin_routes) == 8
    assert all(entry.access.roles == {Role.ADMIN} for entry in admin_routes)


async def test_an_admin_creates_a_user_who_must_change_the_password(client: Client) -> None:
    await as_admin(client)
    token = await page_csrf(client, "/usuarios/nuevo")
    created = await client.post(
        "/usuarios/nuevo",
        data={
            "csrf_token": token,
            "name": "Eva Soto",
            "email": "Eva@Maipu.cl",
            "role": "mediacion",
        },
    )
    html = await created.text()
    assert created.status == 200 and "Contraseña temporal" in html
    password = re.search(r'<p class="secret">([^<]+)</p>', html)
    assert password
    eva = db_of(client).users.find("eva@maipu.cl")
    assert eva and eva.role is Role.MEDIACION and eva.must_change_password
    listing = await (await client.get("/usuarios")).text()
    assert "Eva Soto" in listing and "contraseña temporal" in listing
    client.session.cookie_jar.clear()
    first = await log_in(client, "eva@maipu.cl", password[1])
    assert first.headers["Location"] == "/cuenta/clave"


@pytest.mark.parametrize(
    ("fields", "messages"),
    [
        ({"email": "no-es-correo", "role": "gestor"}, ["no es un correo electrónico válido"]),
        ({"email": "", "role": ""}, ["Ingrese un correo electrónico.", "Rol desconocido"]),
        ({"email": "jefa@maipu.cl", "role": "gestor"}, ["Ya existe un usuario con el correo"]),
        ({"email": "b@maipu.cl", "role": "jefe"}, ["Rol desconocido: &#39;jefe&#39;"]),
    ],
)
async def test_the_new_user_form_explains_mistakes_in_spanish(
    client: Client, fields: dict[str, str], messages: list[str]
) -> None:
    await as_admin(client)
    token = await page_csrf(client, "/usuarios/nuevo")
    response = await client.post("/usuarios/nuevo", data={"csrf_token": token, **fields})
    html = await response.text()
    assert response.status == 400 and "Revise los campos marcados." in html
    for message in messages:
        assert message in html
    assert f'value="{fields["email"]}"' in html  # what was typed comes back


async def test_an_admin_changes_roles_deactivates_and_sees_the_history(client: Client) -> None:
    await as_admin(client)
    ana = add_user(client, Role.GESTOR, email="ana@maipu.cl")
    token = await page_csrf(client, f"/usuarios/{ana.id}")
    changed = await client.post(
        f"/usuarios/{ana.id}/rol", data={"csrf_token": token, "role": "mediacion"}
    )
    assert changed.status == 200 and "El rol fue cambiado." in await changed.text()
    off = await client.post(f"/usuarios/{ana.id}/desactivar", data={"csrf_token": token})
    assert "La cuenta fue desactivada" in await off.text()
    assert not db_of(client).users.get(ana.id).active
    on = await client.post(f"/usuarios/{ana.id}/activar", data={"csrf_token": token})
    assert "La cuenta fue reactivada." in await on.text()
    html = await (await client.get(f"/usuarios/{ana.id}")).text()
    for line in [
        "Cuenta creada con el rol Gestor(a) territorial",
        "Rol cambiado de Gestor(a) territorial a Mediación comunitaria",
        "Cuenta desactivada",
        "Cuenta reactivada",
        "jefa@maipu.cl",
    ]:
        assert line in html


async def test_an_admin_issues_a_temporary_password(client: Client) -> None:
    await as_admin(client)
    ana = add_user(client, Role.GESTOR, email="ana@maipu.cl")
    token = await page_csrf(client, f"/usuarios/{ana.id}")
    response = await client.post(f"/usuarios/{ana.id}/clave-temporal", data={"csrf_token": token})
    html = await response.text()
    password = re.search(r'<p class="secret">([^<]+)</p>', html)
    assert password and db_of(client).users.get(ana.id).must_change_password
    client.session.cookie_jar.clear()
    assert (await log_in(client, "ana@maipu.cl", PASSWORD)).status == 400
    assert (await log_in(client, "ana@maipu.cl", password[1])).headers[
        "Location"
    ] == "/cuenta/clave"


async def test_an_admin_cannot_lock_themself_out(client: Client) -> None:
    await as_admin(client)
    token = await page_csrf(client, "/usuarios/1")
    assert "Esta es su propia cuenta" in await (await client.get("/usuarios/1")).text()
    for action, data in [("rol", {"role": "gestor"}), ("desactivar", {}), ("clave-temporal", {})]:
        response = await client.post(f"/usuarios/1/{action}", data={"csrf_token": token, **data})
        assert response.status == 400 and "su propia cuenta" in await response.text()
    me = db_of(client).users.get(1)
    assert me.role is Role.ADMIN and me.active and not me.must_change_password


async def test_unknown_users_are_404(client: Client) -> None:
    await as_admin(client)
    response = await client.get("/usuarios/999")
    assert response.status == 404 and "No existe el usuario 999." in await response.text()


async def test_whoami_answers_json(client: Client) -> None:
    add_user(client, Role.UNIDAD_ALARMAS, email="ua@maipu.cl", name="Unidad")
    await log_in(client, "ua@maipu.cl")
    response = await client.get("/api/sesion")
    assert await response.json() == {
        "email": "ua@maipu.cl",
        "name": "Unidad",
        "role": "unidad-alarmas",
        "role_label": "Unidad de Alarmas Comunitarias",
    }
