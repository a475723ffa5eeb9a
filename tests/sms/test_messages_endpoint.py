"""MessagesEndpoint: what ``client.messages.create_async`` sends, without its import cost."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from controller.sms import SANDBOX_FROM, RebasedAsyncHttpClient
from controller.sms.notifier import MessagesEndpoint
from tests.sms.conftest import Sandbox, phone

REPO = Path(__file__).resolve().parents[2]
BODY = "ALERTA ROBO: Pasaje Los Aromos 1234 (casa 3). Llame a Carabineros 133. Sereno Maipu"
SID = "AC" + "1" * 32


@dataclass
class Capture:
    """A stand-in for api.twilio.com that keeps every request it got."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
async def capture() -> AsyncIterator[Capture]:
    got = Capture()

    async def create(request: web.Request) -> web.Response:
        body = await request.read()
        form = await request.post()
        got.requests.append(
            {
                "method": request.method,
                "path": request.path_qs,
                "headers": dict(request.headers),
                "body": body,
                "form": [(k, str(v)) for k, v in form.items()],
            }
        )
        return web.json_response({"sid": "SM" + "2" * 32, "status": "queued"}, status=201)

    app = web.Application()
    app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", create)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    got.url = f"http://127.0.0.1:{port}"
    try:
        yield got
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    "params",
    [
        {"from_": SANDBOX_FROM},
        {"messaging_service_sid": "MG" + "a" * 32, "status_callback": "https://hub.cl/sms"},
        {"from_": SANDBOX_FROM, "messaging_service_sid": "MG" + "b" * 32},
    ],
)
async def test_the_request_is_the_one_twilios_messages_resource_sends(
    capture: Capture, params: dict[str, str]
) -> None:
    http = RebasedAsyncHttpClient(capture.url)
    try:
        client = Client(SID, "token", http_client=http)
        theirs = await client.messages.create_async(to=phone(1), body=BODY, **params)
        ours = await MessagesEndpoint(client).create_async(to=phone(1), body=BODY, **params)
    finally:
        await http.close()
    twilio_request, our_request = capture.requests
    assert our_request == twilio_request
    assert our_request["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert ("To", phone(1)) in our_request["form"] and ("Body", BODY) in our_request["form"]
    assert (ours["sid"], ours["status"]) == (theirs.sid, theirs.status)


@pytest.mark.parametrize(
    ("token", "to", "status", "code"),
    [("not-the-token", phone(1), 401, 20003), (None, "+56 9 8765 0001", 400, 21211)],
)
async def test_refusals_are_twilio_errors(
    sandbox: Sandbox, token: str | None, to: str, status: int, code: int
) -> None:
    sandbox.expect_rejections()
    http = RebasedAsyncHttpClient(sandbox.url)
    try:
        client = Client(
            sandbox.settings.account_sid, token or sandbox.settings.auth_token, http_client=http
        )
        with pytest.raises(TwilioRestException) as caught:
            await MessagesEndpoint(client).create_async(to=to, body=BODY, from_=SANDBOX_FROM)
    finally:
        await http.close()
    assert (caught.value.status, caught.value.code) == (status, code)
    assert sandbox.messages == []


SEND_ONE = textwrap.dedent(
    """
    import asyncio, json, sys
    from controller.sms import MemoryLedger, OutgoingSms, SmsNotifier
    from sereno.sms_sandbox import SandboxConfig, running_sandbox

    async def main():
        loaded = {"at_import": "twilio.rest.api" in sys.modules}
        async with running_sandbox(SandboxConfig()) as box:
            async with SmsNotifier(box.settings(), MemoryLedger()) as notifier:
                result = await notifier.send(OutgoingSms("ep:1", "+56990000001", "hola"))
        loaded["after_send"] = "twilio.rest.api" in sys.modules
        print(json.dumps({"outcome": result.outcome, **loaded}))

    asyncio.run(main())
    """
)


def test_sending_loads_none_of_twilios_other_resources() -> None:
    """``client.messages`` would import ``twilio.rest.api``: 88 modules, about 7 MB."""
    done = subprocess.run(
        [sys.executable, "-c", SEND_ONE],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer == {"outcome": "accepted", "at_import": False, "after_send": False}
