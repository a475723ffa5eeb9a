"""The demo's municipal hub: logins for the Unidad de Alarmas and for a gestora
territorial, the controller enrolled and placed on the map, and its barrio in the
gestora's territorio — so the barrio's diagnóstico shows the demo's alarm activations.

A second run in the same demo folder keeps all of it (the logins in ``hub-login.txt`` and
``hub-login-gestora.txt``, 0600; the controller's credential in its data folder).
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from controller.config import ControllerConfig
from controller.config import HubConfig as ControllerHubConfig
from controller.hub_client import HubClient, write_credential
from hub import keys as hub_keys
from hub.accounts import create_user
from hub.fleet.controllers import issue_code, set_interval
from hub.fleet.location import set_location
from hub.server import RunningHub
from hub.storage.audit import Actor
from hub.territory import get_or_create
from hub.territory.geo import Geometry, parse_geometry
from hub.territory.records import BarrioRecords
from hub.territory.scope import scope_of
from hub.territory.territorios import Territorios
from protocol.report import Enrollment

DEMO_EMAIL = "demo@sereno.local"
GESTORA_EMAIL = "gestora@sereno.local"
DEMO_REPORT_INTERVAL_S = 10
DEMO_BARRIO = "Villa Los Aromos"
DEMO_TERRITORIO = "Territorio Poniente"
DEMO_PLACE: Final = (-33.5117, -70.7573)
"""Where the demo's controller stands (latitude, longitude): a street of Maipú."""
LOGIN_FILE = "hub-login.txt"
ACTOR: Final = Actor.system("sereno demo")
GESTORA_LOGIN_FILE = "hub-login-gestora.txt"


@dataclass(frozen=True)
class DemoLogin:
    """The demo hub's address and the Alarm Unit account made for this run."""

    url: str
    email: str
    password: str = field(repr=False)


async def demo_login(
    hub: RunningHub,
    workdir: Path,
    *,
    email: str = DEMO_EMAIL,
    name: str = "Unidad de Alarmas (demo)",
    role: str = "unidad-alarmas",
    file: str = LOGIN_FILE,
) -> DemoLogin:
    """A demo account (the Alarm Unit's by default), made on the first run with a random
    password kept in ``workdir / file``."""
    app = hub.app
    db, passwords = app[hub_keys.db], app[hub_keys.passwords]
    path = workdir / file
    if db.users.find(email) is None or not path.exists():
        password = secrets.token_urlsafe(12)
        if db.users.find(email) is None:
            await create_user(
                db,
                passwords,
                email=email,
                name=name,
                role=role,
                password=password,
                temporary=False,
                actor=ACTOR,
                at=time.time(),
            )
            path.write_text(f"{email} {password}\n")
            path.chmod(0o600)
    email, _, password = path.read_text().strip().partition(" ")
    return DemoLogin(hub.url, email, password)


async def gestora_login(hub: RunningHub, workdir: Path) -> DemoLogin:
    """The demo's gestora territorial: she works the demo barrio's territorio."""
    login = await demo_login(
        hub,
        workdir,
        email=GESTORA_EMAIL,
        name="Gestora territorial (demo)",
        role="gestor",
        file=GESTORA_LOGIN_FILE,
    )
    db = hub.app[hub_keys.db]
    territorios = Territorios(db)
    found = next((t for t in territorios.all() if t.name == DEMO_TERRITORIO), None)
    if found is None:
        found = territorios.create(
            DEMO_TERRITORIO, "Territorio de la demostración", actor=ACTOR, at=time.time()
        )
    gestora = db.users.find(GESTORA_EMAIL)
    assert gestora is not None
    barrio = get_or_create(db, DEMO_BARRIO, actor=ACTOR, at=time.time())
    if not scope_of(db, gestora).sees(barrio.id):  # first run
        territorios.assign_gestor(found.id, gestora.id, actor=ACTOR, at=time.time())
        territorios.place_barrio(barrio.id, found.id, actor=ACTOR, at=time.time())
        BarrioRecords(db).set_limits(barrio.id, demo_limits(), actor=ACTOR, at=time.time())
    return login


def demo_limits() -> Geometry:
    """A block of about 400 × 300 m around the demo's controller: the barrio's limits."""
    latitude, longitude = DEMO_PLACE
    west, east = longitude - 0.0022, longitude + 0.0022
    south, north = latitude - 0.0014, latitude + 0.0014
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return parse_geometry({"type": "Polygon", "coordinates": [ring]}, kinds={"Polygon"})


async def enrolled(hub: RunningHub, config: ControllerConfig) -> ControllerConfig:
    """``config`` reporting to the demo hub every 10 s, enrolled on the first run."""
    db = hub.app[hub_keys.db]
    actor = ACTOR
    credential_path = config.data_dir / "hub-credential"
    if not credential_path.exists():
        _, code = issue_code(
            db, name=config.name, barrio=DEMO_BARRIO, hours=1, actor=actor, at=time.time()
        )
        async with HubClient(hub.url) as client:
            grant = await client.enroll(Enrollment(code, config.name, "demo"))
        write_credential(credential_path, grant.credential)
        set_interval(
            db, grant.controller_id, str(DEMO_REPORT_INTERVAL_S), actor=actor, at=time.time()
        )
        latitude, longitude = DEMO_PLACE
        set_location(
            db,
            grant.controller_id,
            {
                "latitude": str(latitude),
                "longitude": str(longitude),
                "address": "Pasaje Los Aromos",
            },
            actor=actor,
            at=time.time(),
        )
    settings = ControllerHubConfig(
        url=hub.url,
        report_interval_seconds=DEMO_REPORT_INTERVAL_S,
        credential_file=credential_path,
        self_test=None,
        power="ac",
    )
    return dataclasses.replace(config, hub=settings)
