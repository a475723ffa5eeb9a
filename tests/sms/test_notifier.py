"""SmsNotifier through the official twilio client against the sandbox."""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import Callable

import pytest

from controller.sms import (
    MemoryLedger,
    OutgoingSms,
    RetryPolicy,
    SmsNotifier,
    TwilioSettings,
    render,
)
from controller.sms.notifier import rebase_url
from protocol.frame import PanicKind
from tests.sms.conftest import FAST, Sandbox, phone

MakeNotifier = Callable[..., SmsNotifier]


def sms(n: int, episode: str = "ep1") -> OutgoingSms:
    body = render(PanicKind.ROBO, f"casa {n}", "Pasaje Los Aromos 1234", "Maipú")
    return OutgoingSms(f"{episode}:{n}", phone(n), body)


async def test_one_message_is_accepted_and_recorded(
    sandbox: Sandbox, make_notifier: MakeNotifier
) -> None:
    ledger = MemoryLedger()
    result = await make_notifier(ledger).send(sms(1))
    assert result.outcome == "accepted"
    assert result.status == "queued"
    assert result.attempts == 1
    [message] = sandbox.messages
    assert message["sid"] == result.sid
    assert message["to"] == phone(1)
    assert message["from"] == sandbox.settings.from_number
    assert message["body"] == sms(1).body
    assert message["num_segments"] == "1"
    [attempt] = ledger.attempts
    assert (attempt.key, attempt.attempt_no, attempt.outcome) == ("ep1:1", 1, "accepted")
    assert (attempt.sid, attempt.status) == (result.sid, "queued")
    assert attempt.at.tzinfo is not None and attempt.at.utcoffset() is not None
    assert ledger.already_sent("ep1:1")


async def test_fan_out_respects_the_bound(sandbox: Sandbox, make_notifier: MakeNotifier) -> None:
    sandbox.running.state.latency_ms = 100.0  # every request overlaps with the others
    notifier = make_notifier(concurrency=3)
    results = await notifier.send_all([sms(n) for n in range(10)])
    assert [r.outcome for r in results] == ["accepted"] * 10
    assert [r.key for r in results] == [f"ep1:{n}" for n in range(10)]
    assert len(sandbox.messages) == 10
    assert sandbox.running.state.max_in_flight == 3  # the bound, and reached


@pytest.mark.parametrize(
    ("failure", "code"),
    [({"status": 429, "code": 20429}, 20429), ({"status": 500}, 20500), ({"status": 503}, 20503)],
)
async def test_retryable_errors_then_success(
    sandbox: Sandbox, make_notifier: MakeNotifier, failure: dict[str, object], code: int
) -> None:
    sandbox.fail_next(failure, failure)
    ledger = MemoryLedger()
    result = await make_notifier(ledger).send(sms(1))
    assert result.outcome == "accepted"
    assert result.attempts == 3
    assert [(a.attempt_no, a.outcome, a.error_code) for a in ledger.attempts] == [
        (1, "retry", code),
        (2, "retry", code),
        (3, "accepted", None),
    ]
    assert len(sandbox.messages) == 1


async def test_timeout_then_success(sandbox: Sandbox, make_notifier: MakeNotifier) -> None:
    sandbox.fail_next({"delay_s": 60.0})  # held until the client gives up on it
    ledger = MemoryLedger()
    policy = RetryPolicy(attempts=3, attempt_timeout_s=1.0, initial_backoff_s=0.001)
    result = await make_notifier(ledger, policy=policy).send(sms(1))
    assert result.outcome == "accepted"
    first, second = ledger.attempts
    assert (first.attempt_no, first.outcome, first.error_code) == (1, "retry", None)
    assert first.error_message == "sin respuesta en 1 s"
    assert (second.attempt_no, second.outcome, second.sid) == (2, "accepted", result.sid)
    async with asyncio.timeout(5):  # the held request ends with the client gone: no message
        while sandbox.running.state.abandoned == 0:  # noqa: ASYNC110 - polling a counter
            await asyncio.sleep(0.01)
    assert len(sandbox.messages) == 1


async def test_retries_run_out(sandbox: Sandbox, make_notifier: MakeNotifier) -> None:
    sandbox.fail_next(*[{"status": 500}] * 4)
    ledger = MemoryLedger()
    result = await make_notifier(ledger).send(sms(1))
    assert (result.outcome, result.attempts, result.error_code) == ("failed", 4, 20500)
    assert [a.outcome for a in ledger.attempts] == ["retry", "retry", "retry", "failed"]
    assert not ledger.already_sent("ep1:1")
    assert sandbox.messages == []


@pytest.mark.parametrize(("code", "status"), [(21610, 400), (21211, 400), (20003, 401)])
async def test_permanent_errors_are_not_retried(
    sandbox: Sandbox, make_notifier: MakeNotifier, code: int, status: int
) -> None:
    sandbox.fail_next({"status": status, "code": code})
    ledger = MemoryLedger()
    result = await make_notifier(ledger).send(sms(1))
    assert (result.outcome, result.attempts, result.error_code) == ("failed", 1, code)
    [attempt] = ledger.attempts
    assert (attempt.outcome, attempt.error_code) == ("failed", code)
    assert sandbox.messages == []


async def test_invalid_number_is_refused_by_twilio_rules_and_not_retried(
    sandbox: Sandbox, make_notifier: MakeNotifier
) -> None:
    sandbox.expect_rejections()
    result = await make_notifier().send(OutgoingSms("ep1:x", "+56912", "hola"))
    assert (result.outcome, result.attempts, result.error_code) == ("failed", 1, 21211)
    assert result.error_message is not None and "+56912" in result.error_message


async def test_one_bad_number_does_not_stop_the_others(
    sandbox: Sandbox, make_notifier: MakeNotifier
) -> None:
    sandbox.expect_rejections()
    batch = [sms(1), OutgoingSms("ep1:bad", "12345", "hola"), sms(2)]
    results = await make_notifier().send_all(batch)
    assert [r.outcome for r in results] == ["accepted", "failed", "accepted"]


async def test_a_key_is_sent_once_even_when_asked_twice(
    sandbox: Sandbox, make_notifier: MakeNotifier
) -> None:
    ledger = MemoryLedger()
    notifier = make_notifier(ledger)
    first = await notifier.send_all([sms(1), sms(2), sms(1)])
    assert [r.outcome for r in first] == ["accepted", "accepted", "skipped"]
    second = await notifier.send_all([sms(1), sms(2), sms(3)])
    assert [r.outcome for r in second] == ["skipped", "skipped", "accepted"]
    assert second[0].attempts == 0
    assert sorted(str(m["to"]) for m in sandbox.messages) == [phone(1), phone(2), phone(3)]
    assert len(ledger.attempts) == 3


async def test_a_new_notifier_on_the_same_ledger_does_not_resend(
    sandbox: Sandbox, make_notifier: MakeNotifier
) -> None:
    ledger = MemoryLedger()
    await make_notifier(ledger).send_all([sms(1)])
    results = await make_notifier(ledger).send_all([sms(1), sms(1, episode="ep2")])
    assert [r.outcome for r in results] == ["skipped", "accepted"]
    assert len(sandbox.messages) == 2


async def test_concurrent_calls_do_not_double_send(
    sandbox: Sandbox, make_notifier: MakeNotifier
) -> None:
    sandbox.running.state.latency_ms = 20.0
    notifier = make_notifier()
    first, second = await asyncio.gather(notifier.send(sms(1)), notifier.send(sms(1)))
    assert sorted([first.outcome, second.outcome]) == ["accepted", "skipped"]
    assert len(sandbox.messages) == 1


async def test_a_failed_key_may_be_tried_again_later(
    sandbox: Sandbox, make_notifier: MakeNotifier
) -> None:
    sandbox.fail_next({"status": 400, "code": 21610})
    ledger = MemoryLedger()
    notifier = make_notifier(ledger)
    assert (await notifier.send(sms(1))).outcome == "failed"
    assert (await notifier.send(sms(1))).outcome == "accepted"


async def test_connection_refused_is_retried_then_failed(make_notifier: MakeNotifier) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ledger = MemoryLedger()
    notifier = make_notifier(ledger, settings=TwilioSettings.sandbox(f"http://127.0.0.1:{port}"))
    result = await notifier.send(sms(1))
    assert (result.outcome, result.attempts) == ("failed", FAST.attempts)
    assert result.error_message is not None
    assert result.error_message.startswith("error de conexión")
    assert [a.outcome for a in ledger.attempts] == ["retry"] * 3 + ["failed"]


async def test_status_callback_and_messaging_service_are_sent(
    sandbox: Sandbox, make_notifier: MakeNotifier
) -> None:
    settings = TwilioSettings(
        sandbox.settings.account_sid,
        sandbox.settings.auth_token,
        from_number=None,
        messaging_service_sid="MG" + "a" * 32,
        api_base=sandbox.url,
        status_callback="https://hub.example.cl/sms/status",
    )
    result = await make_notifier(settings=settings).send(sms(1))
    assert result.outcome == "accepted"
    [message] = sandbox.messages
    assert message["messaging_service_sid"] == "MG" + "a" * 32
    assert message["from"] is None


async def test_aclose_then_reuse(sandbox: Sandbox) -> None:
    async with SmsNotifier(sandbox.settings, MemoryLedger(), policy=FAST) as notifier:
        assert (await notifier.send(sms(1))).outcome == "accepted"
        await notifier.aclose()
        assert (await notifier.send(sms(2))).outcome == "accepted"
    await notifier.aclose()  # twice is harmless


def test_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(initial_backoff_s=1.0, max_backoff_s=4.0)
    rng = random.Random(7)
    delays = [[policy.backoff(n, rng) for _ in range(50)] for n in range(1, 6)]
    for n, samples in enumerate(delays, start=1):
        ceiling = min(4.0, 2.0 ** (n - 1))
        assert all(ceiling / 2 <= d <= ceiling for d in samples)
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        (None, "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?a=1"),
        (
            "http://127.0.0.1:8099",
            "http://127.0.0.1:8099/2010-04-01/Accounts/AC1/Messages.json?a=1",
        ),
        ("http://h:1/twilio/", "http://h:1/twilio/2010-04-01/Accounts/AC1/Messages.json?a=1"),
    ],
)
def test_rebase_url(base: str | None, expected: str) -> None:
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?a=1"
    assert rebase_url(url, base) == expected
