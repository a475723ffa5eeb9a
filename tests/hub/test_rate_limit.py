"""Log-in rate limiting over HTTP: per e-mail, per address, reset by a success."""

from __future__ import annotations

from pathlib import Path

from pytest_aiohttp import AiohttpClient

from hub.app import create_app
from hub.config import HubConfig, LoginLimits
from hub.roles import Role
from tests.hub.conftest import FAST_HASHING, PASSWORD, Client, FakeClock, add_user, log_in

WRONG = "esta no es la clave"


async def test_the_sixth_attempt_for_an_email_waits_even_with_the_right_password(
    client: Client, clock: FakeClock
) -> None:
    add_user(client, Role.GESTOR, email="ana@maipu.cl")
    for _ in range(5):
        assert (await log_in(client, "ana@maipu.cl", WRONG)).status == 400
        clock.advance(10)
    blocked = await log_in(client, "ana@maipu.cl", PASSWORD)
    assert blocked.status == 429
    assert blocked.headers["Retry-After"] == str(900 - 50)
    html = await blocked.text()
    assert "Demasiados intentos fallidos" in html and "Espere 15 minutos" in html
    assert (await log_in(client, "ANA@maipu.cl", PASSWORD)).status == 429  # same e-mail
    clock.advance(900 - 50)
    assert (await log_in(client, "ana@maipu.cl", PASSWORD)).status == 303


async def test_unknown_emails_count_too(client: Client) -> None:
    for _ in range(5):
        assert (await log_in(client, "nadie@maipu.cl", WRONG)).status == 400
    assert (await log_in(client, "nadie@maipu.cl", WRONG)).status == 429


async def test_a_success_resets_the_count_for_that_email(client: Client) -> None:
    add_user(client, Role.GESTOR, email="ana@maipu.cl")
    for _ in range(4):
        await log_in(client, "ana@maipu.cl", WRONG)
    assert (await log_in(client, "ana@maipu.cl", PASSWORD)).status == 303
    for _ in range(5):
        assert (await log_in(client, "ana@maipu.cl", WRONG)).status == 400
    assert (await log_in(client, "ana@maipu.cl", PASSWORD)).status == 429


async def test_one_address_trying_many_emails_is_stopped(client: Client) -> None:
    add_user(client, Role.GESTOR, email="ana@maipu.cl")
    for n in range(20):
        assert (await log_in(client, f"persona{n}@maipu.cl", WRONG)).status == 400
    blocked = await log_in(client, "ana@maipu.cl", PASSWORD)
    assert blocked.status == 429 and "Demasiados intentos" in await blocked.text()


async def test_behind_a_trusted_proxy_addresses_come_from_x_forwarded_for(
    aiohttp_client: AiohttpClient, tmp_path: Path, clock: FakeClock
) -> None:
    config = HubConfig(
        db_path=tmp_path / "hub.db",
        password_hashing=FAST_HASHING,
        trust_forwarded_for=True,
        login_limits=LoginLimits(per_email=100, per_ip=3),
    )
    client = await aiohttp_client(create_app(config, clock=clock))

    async def attempt(address: str) -> int:
        forwarded = {"X-Forwarded-For": f"10.0.0.9, {address}"}
        return (await log_in(client, "nadie@maipu.cl", WRONG, headers=forwarded)).status

    for _ in range(3):
        assert await attempt("200.1.1.1") == 400
    assert await attempt("200.1.1.1") == 429
    assert await attempt("200.2.2.2") == 400  # another neighbour behind the same proxy
