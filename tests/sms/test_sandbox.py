"""The sandbox over plain HTTP: Twilio's answers, codes, controls and the store file."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from controller.sms import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, SANDBOX_FROM
from sereno.sms_sandbox import (
    SandboxConfig,
    SandboxError,
    read_store,
    running_sandbox,
    shipped_extract,
)
from tests.sms.conftest import Sandbox, phone

MESSAGES = f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Messages.json"


def auth(login: str = SANDBOX_ACCOUNT_SID, password: str = SANDBOX_AUTH_TOKEN) -> dict[str, str]:
    token = base64.b64encode(f"{login}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def post(
    http: aiohttp.ClientSession, url: str, form: Any, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    async with http.post(url + MESSAGES, data=form, headers=headers or auth()) as response:
        return response.status, await response.json()


GOOD = {"To": phone(1), "From": SANDBOX_FROM, "Body": "ALERTA ROBO: Los Aromos 1 (casa 3)"}


async def test_create_answers_201_with_the_spec_message_resource(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    status, body = await post(http, sandbox.url, GOOD)
    assert status == 201
    schema = shipped_extract()["message"]["properties"]
    assert list(body) == list(schema)
    assert re.fullmatch(schema["sid"]["pattern"], body["sid"]) and body["sid"].startswith("SM")
    assert re.fullmatch(schema["account_sid"]["pattern"], body["account_sid"])
    assert body["status"] == "queued" and body["status"] in schema["status"]["enum"]
    assert body["direction"] in schema["direction"]["enum"]
    assert (body["to"], body["from"], body["body"]) == (GOOD["To"], GOOD["From"], GOOD["Body"])
    assert (body["num_segments"], body["num_media"], body["api_version"]) == (
        "1",
        "0",
        "2010-04-01",
    )
    assert parsedate_to_datetime(body["date_created"]).utcoffset() is not None
    assert body["date_created"].endswith("+0000")
    assert body["uri"] == f"{MESSAGES.removesuffix('.json')}/{body['sid']}.json"
    async with http.get(sandbox.url + body["uri"], headers=auth()) as response:
        assert response.status == 200
        assert await response.json() == body


@pytest.mark.parametrize(
    ("body", "segments"),
    [("a" * 160, "1"), ("a" * 161, "2"), ("Maipú " * 12, "2"), ("é" * 160, "1")],
)
async def test_num_segments(
    sandbox: Sandbox, http: aiohttp.ClientSession, body: str, segments: str
) -> None:
    status, answer = await post(http, sandbox.url, {**GOOD, "Body": body})
    assert (status, answer["num_segments"]) == (201, segments)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"To": None}, 21604),
        ({"To": ""}, 21604),
        ({"From": None}, 21603),
        ({"Body": None}, 21602),
        ({"To": "12345"}, 21211),
        ({"To": "+56912"}, 21211),  # E.164-shaped but no such number
        ({"From": "sereno"}, 21212),
        ({"Body": "x" * 1601}, 21617),
        ({"Colour": "red"}, 70002),
        ({"ValidityPeriod": "ten"}, 70002),
        ({"MessagingServiceSid": "MG1"}, 70002),
    ],
)
async def test_invalid_requests_get_twilio_codes(
    sandbox: Sandbox, http: aiohttp.ClientSession, change: dict[str, str | None], code: int
) -> None:
    sandbox.expect_rejections()
    form = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    status, body = await post(http, sandbox.url, form)
    assert status == 400
    assert body["code"] == code and body["status"] == 400
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert set(body) == {"code", "message", "more_info", "status"}
    assert sandbox.messages == []
    [rejection] = sandbox.running.state.rejections
    assert rejection.code == code


async def test_messaging_service_or_media_instead_of_from_or_body(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    form = [
        ("To", phone(1)),
        ("MessagingServiceSid", "MG" + "0" * 32),
        ("MediaUrl", "https://example.cl/a.png"),
        ("MediaUrl", "https://example.cl/b.png"),
    ]
    status, body = await post(http, sandbox.url, form)
    assert (status, body["num_media"], body["from"]) == (201, "2", None)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        auth(password="wrong"),
        auth(login="AC" + "1" * 32),
        {"Authorization": "Bearer abc"},
        {"Authorization": "Basic ###"},
    ],
)
async def test_bad_credentials_get_20003(
    sandbox: Sandbox, http: aiohttp.ClientSession, headers: dict[str, str]
) -> None:
    sandbox.expect_rejections()
    async with http.post(sandbox.url + MESSAGES, data=GOOD, headers=headers) as response:
        assert response.status == 401
        assert response.headers["WWW-Authenticate"].startswith("Basic")
        body = await response.json()
    assert (body["code"], body["status"]) == (20003, 401)
    assert sandbox.messages == []


async def test_the_path_account_must_be_the_login(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    sandbox.expect_rejections()
    other = f"/2010-04-01/Accounts/AC{'1' * 32}/Messages.json"
    async with http.post(sandbox.url + other, data=GOOD, headers=auth()) as response:
        assert response.status == 401


async def test_unknown_message_is_404(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    sandbox.expect_rejections()
    url = f"{sandbox.url}{MESSAGES.removesuffix('.json')}/SM{'0' * 32}.json"
    async with http.get(url, headers=auth()) as response:
        assert response.status == 404
        assert (await response.json())["code"] == 20404


async def test_list_pages_newest_first(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    for n in range(5):
        await post(http, sandbox.url, {**GOOD, "To": phone(n)})
    url = sandbox.url + MESSAGES
    async with http.get(url, params={"PageSize": "2"}, headers=auth()) as response:
        page = await response.json()
    assert list(page) == shipped_extract()["list_messages"]["response_keys"]
    assert [m["to"] for m in page["messages"]] == [phone(4), phone(3)]
    assert page["next_page_uri"].endswith("PageSize=2&Page=1")
    async with http.get(sandbox.url + page["next_page_uri"], headers=auth()) as response:
        second = await response.json()
    assert [m["to"] for m in second["messages"]] == [phone(2), phone(1)]
    async with http.get(url, params={"To": phone(3)}, headers=auth()) as response:
        assert [m["to"] for m in (await response.json())["messages"]] == [phone(3)]


async def test_list_query_is_checked(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    sandbox.expect_rejections()
    url = sandbox.url + MESSAGES
    async with http.get(url, params={"PageSize": "5000"}, headers=auth()) as response:
        assert response.status == 400
        assert (await response.json())["code"] == 70002


async def test_failures_endpoint_scripts_the_next_answers(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    script = [{"status": 429, "code": 20429}, {"status": 500}, {"status": 400, "code": 21610}]
    async with http.post(sandbox.url + "/sandbox/failures", json=script) as response:
        assert (response.status, await response.json()) == (200, {"pending": 3})
    answers = [await post(http, sandbox.url, GOOD) for _ in range(4)]
    assert [(s, b.get("code")) for s, b in answers] == [
        (429, 20429),
        (500, 20500),
        (400, 21610),
        (201, None),
    ]
    assert not sandbox.running.state.rejections  # scripted answers are not rejections
    async with http.get(sandbox.url + "/sandbox/stats") as response:
        stats = await response.json()
    assert (stats["requests"], stats["messages"], stats["pending_failures"]) == (4, 1, 0)


@pytest.mark.parametrize(
    "script",
    [
        {"status": 429},
        [{"status": 200}],
        [{"code": 20429}],
        [{"status": 400}],
        [{"delay_s": -1}],
        [{"x": 1}],
        "[}",
    ],
)
async def test_bad_failure_scripts_are_refused(
    sandbox: Sandbox, http: aiohttp.ClientSession, script: Any
) -> None:
    kwargs = {"data": script} if isinstance(script, str) else {"json": script}
    async with http.post(sandbox.url + "/sandbox/failures", **kwargs) as response:
        assert response.status == 400
        assert "error" in await response.json()


async def test_sandbox_messages_and_reset(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    await post(http, sandbox.url, GOOD)
    async with http.get(sandbox.url + "/sandbox/messages") as response:
        listing = await response.json()
    assert listing["count"] == 1 and listing["messages"][0]["to"] == GOOD["To"]
    async with http.delete(sandbox.url + "/sandbox/messages") as response:
        assert response.status == 204
    assert sandbox.messages == []


async def test_store_file_keeps_messages_across_runs(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    store = tmp_path / "sms.jsonl"
    async with running_sandbox(SandboxConfig(store=store)) as running:
        await post(http, running.url, GOOD)
        await post(http, running.url, {**GOOD, "To": phone(2), "Body": "Ñandú ¿sí?"})
    saved = read_store(store)
    assert [m["to"] for m in saved] == [phone(1), phone(2)]
    assert saved[1]["body"] == "Ñandú ¿sí?"
    async with running_sandbox(SandboxConfig(store=store)) as running:
        assert [m["to"] for m in running.state.messages.values()] == [phone(1), phone(2)]


def test_a_broken_store_file_is_named(tmp_path: Path) -> None:
    store = tmp_path / "sms.jsonl"
    store.write_text('{"sid": "SM1"}\nnot json\n')
    with pytest.raises(SandboxError, match=r"sms\.jsonl:2"):
        read_store(store)


async def test_latency_applies_to_api_requests(http: aiohttp.ClientSession) -> None:
    async with running_sandbox(SandboxConfig(latency_ms=50)) as running:
        assert running.state.latency_ms == 50
        status, _ = await post(http, running.url, GOOD)
        assert status == 201


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("DELETE", MESSAGES, 405, 20004),
        ("GET", "/2010-04-01/Accounts.json", 404, 20404),
    ],
)
async def test_other_api_paths_answer_in_twilio_shape(
    sandbox: Sandbox, http: aiohttp.ClientSession, method: str, path: str, status: int, code: int
) -> None:
    sandbox.expect_rejections()
    async with http.request(method, sandbox.url + path, headers=auth()) as response:
        assert response.status == status
        assert (await response.json())["code"] == code
