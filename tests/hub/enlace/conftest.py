"""A small comuna for the Enlace tests: two territorios, Norte and Sur, each with one
barrio and its own gestor, plus an admin, a mediadora and the Unidad de Alarmas.

``world.as_(world.gestor_norte)`` gives a client signed in as that person (cookies and
CSRF token set): ``await world.get(person, path)``, ``await world.post(person, path, data)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import pytest
from aiohttp import ClientResponse
from pytest_aiohttp import AiohttpClient

from hub import keys
from hub.app import create_app
from hub.config import HubConfig
from hub.roles import Role
from hub.storage import HubDB, User
from hub.territory import get_or_create
from hub.territory.barrios import Barrio
from hub.territory.territorios import Territorios
from hub.web.access import CSRF_HEADER
from tests.hub.conftest import CLI, T0, Client, FakeClock, Identity, add_user, signed_in

MARKER: Final = "NORTE-RESERVADO"
"""In the Norte barrio's name and its seeded records: never in a page the Sur gestor sees."""


@dataclass
class Comuna:
    """The people and barrios of the two territorios (what the isolation seeds need)."""

    hub: HubDB
    admin: User
    gestor_norte: User
    gestor_sur: User
    mediacion: User
    unidad: User
    norte: Barrio
    sur: Barrio


@dataclass
class World(Comuna):
    """The comuna on a running test app, with helpers to request pages as its people."""

    client: Client
    clock: FakeClock

    def identity(self, person: User) -> Identity:
        return signed_in(self.client, person)

    async def get(self, person: User, path: str, **kwargs: Any) -> ClientResponse:
        who = self.identity(person)
        self.client.session.cookie_jar.clear()
        return await self.client.get(path, cookies=who.cookies, allow_redirects=False, **kwargs)

    async def post(
        self, person: User, path: str, data: Any = None, **kwargs: Any
    ) -> ClientResponse:
        """POST ``data`` (a dict of form fields, or a FormData) with a valid CSRF token."""
        who = self.identity(person)
        self.client.session.cookie_jar.clear()
        if data is None or isinstance(data, dict):
            data = {"csrf_token": who.csrf, **(data or {})}
        return await self.client.post(
            path,
            data=data,
            cookies=who.cookies,
            headers={CSRF_HEADER: who.csrf},
            allow_redirects=False,
            **kwargs,
        )


def found_comuna(
    hub: HubDB,
    *,
    admin: User,
    gestor_norte: User,
    gestor_sur: User,
    mediacion: User,
    unidad: User,
    norte_name: str = f"Villa {MARKER}",
    at: float = T0,
) -> Comuna:
    """Territorios Norte and Sur, one gestor each; the barrio ``norte_name`` (id 1: create
    nothing else first) in Norte and «Población Los Aromos» (id 2) in Sur."""
    territorios = Territorios(hub)
    t_norte = territorios.create("Territorio Norte", actor=CLI, at=at)
    t_sur = territorios.create("Territorio Sur", actor=CLI, at=at)
    territorios.assign_gestor(t_norte.id, gestor_norte.id, actor=CLI, at=at)
    territorios.assign_gestor(t_sur.id, gestor_sur.id, actor=CLI, at=at)
    norte = get_or_create(hub, norte_name, actor=CLI, at=at)
    sur = get_or_create(hub, "Población Los Aromos", actor=CLI, at=at)
    territorios.place_barrio(norte.id, t_norte.id, actor=CLI, at=at)
    territorios.place_barrio(sur.id, t_sur.id, actor=CLI, at=at)
    assert (norte.id, sur.id) == (1, 2)
    return Comuna(hub, admin, gestor_norte, gestor_sur, mediacion, unidad, norte, sur)


def build_world(client: Client, clock: FakeClock) -> World:
    comuna = found_comuna(
        client.app[keys.db],
        admin=add_user(client, Role.ADMIN, email="admin@maipu.cl", name="Ana Admin"),
        gestor_norte=add_user(client, Role.GESTOR, email="norte@maipu.cl", name="Nora Norte"),
        gestor_sur=add_user(client, Role.GESTOR, email="sur@maipu.cl", name="Sergio Sur"),
        mediacion=add_user(client, Role.MEDIACION, email="media@maipu.cl", name="Marta Mediadora"),
        unidad=add_user(client, Role.UNIDAD_ALARMAS, email="unidad@maipu.cl", name="Ulises Unidad"),
    )
    return World(**vars(comuna), client=client, clock=clock)


@pytest.fixture
async def world(aiohttp_client: AiohttpClient, config: HubConfig, clock: FakeClock) -> World:
    client = await aiohttp_client(create_app(config, clock=clock))
    return build_world(client, clock)
