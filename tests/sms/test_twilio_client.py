"""The official twilio client, sync and async, against the sandbox: it must feel like Twilio."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from controller.sms import SANDBOX_FROM, RebasedAsyncHttpClient, RebasedHttpClient
from tests.sms.conftest import Sandbox, phone

BODY = "ALERTA INCENDIO: Pasaje Los Aromos 1234 (casa 3). Llame a Bomberos 132. Sereno Maipu"


@pytest.fixture
async def async_client(sandbox: Sandbox) -> AsyncIterator[Any]:
    http = RebasedAsyncHttpClient(sandbox.url)
    try:
        yield Client(sandbox.settings.account_sid, sandbox.settings.auth_token, http_client=http)
    finally:
        await http.close()


@pytest.fixture
def sync_client(sandbox: Sandbox) -> Iterator[Any]:
    http = RebasedHttpClient(sandbox.url)
    try:
        yield Client(sandbox.settings.account_sid, sandbox.settings.auth_token, http_client=http)
    finally:
        http.session.close()


async def test_create_async(sandbox: Sandbox, async_client: Any) -> None:
    message = await async_client.messages.create_async(to=phone(1), from_=SANDBOX_FROM, body=BODY)
    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert (message.status, message.to, message.from_, message.body) == (
        "queued",
        phone(1),
        SANDBOX_FROM,
        BODY,
    )
    assert message.num_segments == "1"
    assert message.direction == "outbound-api"
    assert message.date_created.tzinfo is not None
    fetched = await async_client.messages(message.sid).fetch_async()
    assert fetched.sid == message.sid
    listed = await async_client.messages.list_async(to=phone(1), limit=5)
    assert [m.sid for m in listed] == [message.sid]


async def test_sync_create_in_a_thread(sandbox: Sandbox, sync_client: Any) -> None:
    def send() -> Any:
        return sync_client.messages.create(to=phone(2), from_=SANDBOX_FROM, body=BODY)

    message = await asyncio.to_thread(send)
    assert (message.status, message.to) == ("queued", phone(2))
    [kept] = sandbox.messages
    assert kept["sid"] == message.sid


async def test_sync_list_pages_through_everything(sandbox: Sandbox, sync_client: Any) -> None:
    def send_and_list() -> list[Any]:
        for n in range(5):
            sync_client.messages.create(to=phone(n), from_=SANDBOX_FROM, body=BODY)
        return list(sync_client.messages.stream(page_size=2))

    listed = await asyncio.to_thread(send_and_list)
    assert [m.to for m in listed] == [phone(n) for n in reversed(range(5))]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"to": phone(1), "body": BODY}, 21603),
        ({"to": phone(1), "from_": SANDBOX_FROM}, 21602),
        ({"to": "+56 9 8765 0001", "from_": SANDBOX_FROM, "body": BODY}, 21211),
        ({"to": "", "from_": SANDBOX_FROM, "body": BODY}, 21604),
        ({"to": phone(1), "from_": "Sereno", "body": BODY}, 21212),
        ({"to": phone(1), "from_": SANDBOX_FROM, "body": BODY, "validity_period": 600}, None),
    ],
)
async def test_refusals_reach_the_client_as_twilio_errors(
    sandbox: Sandbox, async_client: Any, kwargs: dict[str, Any], code: int | None
) -> None:
    if code is None:  # a request the spec accepts
        message = await async_client.messages.create_async(**kwargs)
        assert message.status == "queued"
        return
    sandbox.expect_rejections()
    with pytest.raises(TwilioRestException) as caught:
        await async_client.messages.create_async(**kwargs)
    assert (caught.value.status, caught.value.code) == (400, code)
    assert sandbox.messages == []


async def test_wrong_token_is_20003(sandbox: Sandbox) -> None:
    sandbox.expect_rejections()
    http = RebasedAsyncHttpClient(sandbox.url)
    try:
        client = Client(sandbox.settings.account_sid, "not-the-token", http_client=http)
        with pytest.raises(TwilioRestException) as caught:
            await client.messages.create_async(to=phone(1), from_=SANDBOX_FROM, body=BODY)
    finally:
        await http.close()
    assert (caught.value.status, caught.value.code) == (401, 20003)


async def test_sync_wrong_token_is_20003(sandbox: Sandbox) -> None:
    sandbox.expect_rejections()
    http = RebasedHttpClient(sandbox.url)
    client = Client(sandbox.settings.account_sid, "not-the-token", http_client=http)

    def send() -> None:
        try:
            client.messages.create(to=phone(1), from_=SANDBOX_FROM, body=BODY)
        finally:
            http.session.close()

    with pytest.raises(TwilioRestException) as caught:
        await asyncio.to_thread(send)
    assert (caught.value.status, caught.value.code) == (401, 20003)
