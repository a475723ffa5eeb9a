"""Shared helpers of the maintenance tests (no tests here): a signed-in visitor that sends
its session cookie and CSRF token, people of each role, and a fixture that makes the
controllers/barrios/alarms tables of other domains answer "unknown" (so ids typed in the
tests are accepted whether or not those domains' migrations are installed)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from aiohttp import ClientResponse

from hub.maintenance import lookup
from hub.roles import Role
from hub.storage import Actor, User
from tests.hub.conftest import Client, Identity, add_user, signed_in

UNIDAD = Actor.user(900, "unidad@maipu.cl")
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
DAY = 86_400.0
SANTIAGO = ZoneInfo("America/Santiago")


@dataclass
class Visitor:
    """One signed-in person, talking to the hub through its pages."""

    client: Client
    user: User
    identity: Identity

    def sign_in_again(self) -> None:
        """A fresh session (after the clock moved past the old one's lifetime)."""
        self.identity = signed_in(self.client, self.user)

    async def get(self, path: str) -> ClientResponse:
        return await self.client.get(path, cookies=self.identity.cookies, allow_redirects=False)

    async def page(self, path: str) -> str:
        response = await self.get(path)
        assert response.status == 200, (path, response.status, await response.text())
        return await response.text()

    async def post(self, path: str, **fields: str | int) -> ClientResponse:
        data = {"csrf_token": self.identity.csrf, **{k: str(v) for k, v in fields.items()}}
        return await self.client.post(
            path, data=data, cookies=self.identity.cookies, allow_redirects=False
        )

    async def submit(self, path: str, **fields: str | int) -> str:
        """POST a form that must succeed; the path it redirected to."""
        response = await self.post(path, **fields)
        assert response.status == 303, (path, response.status, await response.text())
        return response.headers["Location"]


def visitor(client: Client, role: Role, *, email: str | None = None) -> Visitor:
    user = add_user(client, role, email=email)
    return Visitor(client, user, signed_in(client, user))


@pytest.fixture
def places_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    """Other domains' tables say nothing about ids (as before their migrations exist)."""
    monkeypatch.setattr(lookup, "exists", lambda db, table, record_id: None)


def created_id(location: str) -> int:
    """The id in a redirect such as ``/tickets/3?aviso=ticket-creado``."""
    found = re.search(r"/(\d+)(\?|$)", location)
    assert found, location
    return int(found[1])


def local(moment: str) -> float:
    """Epoch seconds of a wall-clock time in the hub's default zone (``2027-01-15T10:00``)."""
    return datetime.fromisoformat(moment).replace(tzinfo=SANTIAGO).timestamp()
