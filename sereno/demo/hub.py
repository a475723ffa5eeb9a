"""The demo's municipal hub: a login for the Unidad de Alarmas and the controller enrolled.

A second run in the same demo folder keeps both (the login in ``hub-login.txt``, 0600;
the controller's credential in its data folder).
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from controller.config import ControllerConfig
from controller.config import HubConfig as ControllerHubConfig
from controller.hub_client import HubClient, write_credential
from hub import keys as hub_keys
from hub.accounts import create_user
from hub.fleet.controllers import issue_code, set_interval
from hub.server import RunningHub
from hub.storage.audit import Actor
from protocol.report import Enrollment

DEMO_EMAIL = "demo@sereno.local"
DEMO_REPORT_INTERVAL_S = 10
DEMO_BARRIO = "Villa Los Aromos"
LOGIN_FILE = "hub-login.txt"


@dataclass(frozen=True)
class DemoLogin:
    """The demo hub's address and the Alarm Unit account made for this run."""

    url: str
    email: str
    password: str = field(repr=False)


async def demo_login(hub: RunningHub, workdir: Path) -> DemoLogin:
    """The demo's Alarm Unit account, made on the first run with a random password."""
    app = hub.app
    db, passwords = app[hub_keys.db], app[hub_keys.passwords]
    path = workdir / LOGIN_FILE
    if db.users.find(DEMO_EMAIL) is None or not path.exists():
        password = secrets.token_urlsafe(12)
        if db.users.find(DEMO_EMAIL) is None:
            await create_user(
                db,
                passwords,
                email=DEMO_EMAIL,
                name="Unidad de Alarmas (demo)",
                role="unidad-alarmas",
                password=password,
                temporary=False,
                actor=Actor.system("sereno demo"),
                at=time.time(),
            )
            path.write_text(f"{DEMO_EMAIL} {password}\n")
            path.chmod(0o600)
    email, _, password = path.read_text().strip().partition(" ")
    return DemoLogin(hub.url, email, password)


async def enrolled(hub: RunningHub, config: ControllerConfig) -> ControllerConfig:
    """``config`` reporting to the demo hub every 10 s, enrolled on the first run."""
    db = hub.app[hub_keys.db]
    actor = Actor.system("sereno demo")
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
    settings = ControllerHubConfig(
        url=hub.url,
        report_interval_seconds=DEMO_REPORT_INTERVAL_S,
        credential_file=credential_path,
        self_test=None,
        power="ac",
    )
    return dataclasses.replace(config, hub=settings)
