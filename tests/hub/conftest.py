"""Fixtures for the hub's tests: the real app factory on a real SQLite file in tmp_path,
a fake clock, cheap password hashing, and helpers to sign people in."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from hub import keys
from hub.app import create_app
from hub.config import HubConfig, PasswordHashing
from hub.passwords import Passwords
from hub.roles import Role
from hub.storage import Actor, HubDB, User
from hub.web.access import ANONYMOUS_CSRF_COOKIE, SESSION_COOKIE

Client: TypeAlias = TestClient[web.Request, web.Application]

FAST_HASHING = PasswordHashing(time_cost=1, memory_kib=64, parallelism=1)
"""argon2id at its cheapest: the tests hash hundreds of times."""
PASSWORD = "correcto caballo batería grapa"
T0 = 1_800_000_000.0
CLI = Actor.system("pruebas")
_CSRF_INPUT = re.compile(r'name="csrf_token" value="([A-Za-z0-9_-]+)"')


class FakeClock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config(tmp_path: Path) -> HubConfig:
    return HubConfig(db_path=tmp_path / "hub.db", password_hashing=FAST_HASHING)


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, config: HubConfig, clock: FakeClock) -> Client:
    return await aiohttp_client(create_app(config, clock=clock))


def db_of(client: Client) -> HubDB:
    return client.app[keys.db]


_hashes: dict[str, str] = {}


def add_user(
    client_or_db: Client | HubDB,
    role: Role,
    *,
    email: str | None = None,
    name: str = "",
    password: str = PASSWORD,
    temporary: bool = False,
) -> User:
    """A user written straight through the repository (no HTTP)."""
    db = client_or_db if isinstance(client_or_db, HubDB) else db_of(client_or_db)
    if password not in _hashes:
        _hashes[password] = Passwords(FAST_HASHING).hash(password)
    return db.users.create(
        email=email or f"{role.value}-{secrets.token_hex(3)}@maipu.cl",
        name=name or f"Persona {role.label}",
        role=role,
        password_hash=_hashes[password],
        must_change_password=temporary,
        actor=CLI,
        at=T0,
    )


@dataclass
class Identity:
    """Cookies and the CSRF token of one visitor: signed in as ``user`` or anonymous."""

    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""


def signed_in(client: Client, user: User) -> Identity:
    """A fresh session for ``user``, made directly in the database."""
    config = client.app[keys.config]
    token, session = db_of(client).sessions.start(
        user, at=client.app[keys.clock](), lifetime_s=config.session_lifetime_s
    )
    return Identity({SESSION_COOKIE: token}, session.csrf_token)


def anonymous() -> Identity:
    token = secrets.token_urlsafe(32)
    return Identity({ANONYMOUS_CSRF_COOKIE: token}, token)


def csrf_in(html: str) -> str:
    found = _CSRF_INPUT.search(html)
    assert found, "no CSRF field in the page"
    return found[1]


async def log_in(
    client: Client,
    email: str,
    password: str = PASSWORD,
    *,
    headers: dict[str, str] | None = None,
    **fields: str,
) -> ClientResponse:
    """Log in through the pages, as a browser does (cookies kept in the client's jar);
    ``fields`` are more form fields (``siguiente``)."""
    page = await client.get("/login", headers=headers)
    token = csrf_in(await page.text())
    return await client.post(
        "/login",
        data={"csrf_token": token, "email": email, "password": password, **fields},
        headers=headers,
        allow_redirects=False,
    )


async def page_csrf(client: Client, path: str = "/") -> str:
    """The CSRF token in the page at ``path`` (for the signed-in client)."""
    response = await client.get(path)
    assert response.status == 200, await response.text()
    return csrf_in(await response.text())
