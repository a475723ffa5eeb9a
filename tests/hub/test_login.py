"""Log in, sessions, log out and password changes, through the pages."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest
from pytest_aiohttp import AiohttpClient

from hub.app import create_app
from hub.config import HubConfig
from hub.roles import Role
from hub.web.access import ANONYMOUS_CSRF_COOKIE, SESSION_COOKIE
from tests.hub.conftest import (
    FAST_HASHING,
    PASSWORD,
    Client,
    FakeClock,
    add_user,
    db_of,
    log_in,
    page_csrf,
)

NEW_PASSWORD = "otra frase larga para entrar"


async def test_log_in_sets_a_private_session_cookie_and_lands_on_the_panel(
    client: Client,
) -> None:
    ana = add_user(client, Role.GESTOR, email="ana@maipu.cl", name="Ana Rojas")
    response = await log_in(client, "Ana@Maipu.cl", PASSWORD)
    assert response.status == 303 and response.headers["Location"] == "/"
    cookie = response.cookies[SESSION_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert not cookie["secure"]
    assert response.cookies[ANONYMOUS_CSRF_COOKIE].value == ""  # the pre-login token is dropped
    panel = await client.get("/")
    assert panel.status == 200
    html = await panel.text()
    assert "Hola, Ana Rojas" in html and "Gestor(a) territorial" in html
    assert panel.headers["Cache-Control"] == "no-store"
    assert db_of(client).users.get(ana.id).last_login_at is not None


async def test_a_wrong_password_or_unknown_email_gets_the_same_spanish_answer(
    client: Client,
) -> None:
    add_user(client, Role.GESTOR, email="ana@maipu.cl")
    for email, password in [("ana@maipu.cl", "no es esta clave"), ("nadie@maipu.cl", PASSWORD)]:
        response = await log_in(client, email, password)
        assert response.status == 400
        html = await response.text()
        assert "Correo o contraseña incorrectos." in html
        assert SESSION_COOKIE not in response.cookies
    assert (await client.get("/", allow_redirects=False)).status == 302


async def test_an_inactive_account_cannot_log_in(client: Client) -> None:
    ana = add_user(client, Role.GESTOR, email="ana@maipu.cl")
    db_of(client).users.set_active(ana.id, False, actor=ana.actor, at=0)
    response = await log_in(client, "ana@maipu.cl")
    assert response.status == 400 and "Correo o contraseña incorrectos." in await response.text()


async def test_anonymous_visitors_are_sent_to_log_in_and_then_back(client: Client) -> None:
    add_user(client, Role.ADMIN, email="jefa@maipu.cl")
    response = await client.get("/usuarios?orden=nombre", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/login?siguiente=/usuarios?orden%3Dnombre"
    login_page = await client.get(response.headers["Location"])
    assert 'name="siguiente" value="/usuarios?orden=nombre"' in await login_page.text()
    done = await log_in(client, "jefa@maipu.cl", siguiente="/usuarios?orden=nombre")
    assert done.headers["Location"] == "/usuarios?orden=nombre"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
async def test_log_in_never_redirects_off_site(client: Client, target: str) -> None:
    add_user(client, Role.GESTOR, email="ana@maipu.cl")
    response = await log_in(client, "ana@maipu.cl", siguiente=target)
    assert response.headers["Location"] == "/"


async def test_sessions_expire_after_their_lifetime_and_when_idle(
    client: Client, clock: FakeClock, config: HubConfig
) -> None:
    add_user(client, Role.GESTOR, email="ana@maipu.cl")
    await log_in(client, "ana@maipu.cl")
    for _ in range(int(config.session_lifetime_s // (config.session_idle_s - 60))):
        clock.advance(config.session_idle_s - 60)  # active often enough: never idle
        assert (await client.get("/", allow_redirects=False)).status == 200
    clock.advance(config.session_lifetime_s)
    assert (await client.get("/", allow_redirects=False)).status == 302
    await log_in(client, "ana@maipu.cl")
    clock.advance(config.session_idle_s + 1)
    assert (await client.get("/", allow_redirects=False)).status == 302


async def test_log_out_ends_the_session(client: Client) -> None:
    add_user(client, Role.GESTOR, email="ana@maipu.cl")
    await log_in(client, "ana@maipu.cl")
    token = client.session.cookie_jar.filter_cookies(client.make_url("/"))[SESSION_COOKIE].value
    response = await client.post(
        "/logout", data={"csrf_token": await page_csrf(client)}, allow_redirects=False
    )
    assert response.status == 303
    assert response.headers["Location"] == "/login?aviso=sesion-cerrada"
    assert "Cerró su sesión." in await (await client.get("/login?aviso=sesion-cerrada")).text()
    assert db_of(client).sessions.count_for(1) == 0
    replay = await client.get("/", cookies={SESSION_COOKIE: token}, allow_redirects=False)
    assert replay.status == 302


async def test_a_temporary_password_must_be_changed_first(client: Client) -> None:
    add_user(client, Role.MEDIACION, email="eva@maipu.cl", temporary=True)
    response = await log_in(client, "eva@maipu.cl")
    assert response.headers["Location"] == "/cuenta/clave"
    for path in ["/", "/api/sesion"]:
        detour = await client.get(path, allow_redirects=False)
        assert detour.status in (302, 403)
    page = await client.get("/cuenta/clave")
    assert "Está usando una contraseña temporal" in await page.text()
    token = await page_csrf(client, "/cuenta/clave")
    changed = await client.post(
        "/cuenta/clave",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "repeat_password": NEW_PASSWORD,
        },
        allow_redirects=False,
    )
    assert changed.status == 303 and changed.headers["Location"] == "/?aviso=clave-cambiada"
    panel = await client.get(changed.headers["Location"])
    assert panel.status == 200 and "Su contraseña fue cambiada." in await panel.text()


@pytest.mark.parametrize(
    ("current", "new", "repeat", "message"),
    [
        ("equivocada", NEW_PASSWORD, NEW_PASSWORD, "La contraseña actual no es correcta."),
        (PASSWORD, "corta", "corta", "al menos 12 caracteres"),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!", "Las contraseñas nuevas no coinciden."),
        (PASSWORD, PASSWORD, PASSWORD, "debe ser distinta de la actual"),
    ],
)
async def test_password_change_explains_what_is_wrong(
    client: Client, current: str, new: str, repeat: str, message: str
) -> None:
    add_user(client, Role.GESTOR, email="ana@maipu.cl")
    await log_in(client, "ana@maipu.cl")
    response = await client.post(
        "/cuenta/clave",
        data={
            "csrf_token": await page_csrf(client, "/cuenta/clave"),
            "current_password": current,
            "new_password": new,
            "repeat_password": repeat,
        },
    )
    assert response.status == 400
    html = await response.text()
    assert message in html and 'aria-invalid="true"' in html


async def test_changing_the_password_ends_the_other_sessions(
    aiohttp_client: AiohttpClient, config: HubConfig, clock: FakeClock
) -> None:
    laptop = await aiohttp_client(create_app(config, clock=clock))
    phone = cast(Client, await aiohttp_client(laptop.server))  # another browser, same server
    add_user(laptop, Role.GESTOR, email="ana@maipu.cl")
    await log_in(laptop, "ana@maipu.cl")
    await log_in(phone, "ana@maipu.cl")
    await laptop.post(
        "/cuenta/clave",
        data={
            "csrf_token": await page_csrf(laptop, "/cuenta/clave"),
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "repeat_password": NEW_PASSWORD,
        },
    )
    assert (await laptop.get("/", allow_redirects=False)).status == 200
    assert (await phone.get("/", allow_redirects=False)).status == 302
    assert (await log_in(phone, "ana@maipu.cl", PASSWORD)).status == 400
    assert (await log_in(phone, "ana@maipu.cl", NEW_PASSWORD)).status == 303


async def test_secure_cookies_when_configured(
    aiohttp_client: AiohttpClient, tmp_path: Path, clock: FakeClock
) -> None:
    config = HubConfig(
        db_path=tmp_path / "hub.db", password_hashing=FAST_HASHING, secure_cookies=True
    )
    client = await aiohttp_client(create_app(config, clock=clock))
    add_user(client, Role.GESTOR, email="ana@maipu.cl")
    page = await client.get("/login")
    assert page.cookies[ANONYMOUS_CSRF_COOKIE]["secure"]
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
