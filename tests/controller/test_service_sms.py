"""The alarm's SMS through the real twilio client when the sandbox answers 429, 500 or
nothing at all before it takes the message: retried, recorded, and sent exactly once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from protocol.frame import PanicKind
from tests.controller.test_service_rig import (
    CARMEN,
    TIMING_OUT_SMS,
    eventually,
    recipients,
    sms_sandbox,
    street,
)

TIMEOUT = {"delay_s": 30.0}
"""Held until the client gives up (TIMING_OUT_SMS); then nothing is created."""


async def test_429_500_and_a_timeout_before_success_send_one_sms(tmp_path: Path) -> None:
    async with sms_sandbox() as sandbox, street(tmp_path, sandbox, sms_retry=TIMING_OUT_SMS) as rig:
        rig.fail_sms({"status": 429}, {"status": 500}, TIMEOUT)
        await rig.press(PanicKind.ALERTA_SILENCIOSA, 11)  # one recipient: Carmen
        await rig.settle()

        assert rig.texted() == [CARMEN]
        attempts = rig.attempts()
        assert len({a.key for a in attempts}) == 1
        assert [a.attempt_no for a in attempts] == [1, 2, 3, 4]
        assert [a.outcome for a in attempts] == ["retry", "retry", "retry", "accepted"]
        assert [a.error_code for a in attempts] == [20429, 20500, None, None]
        assert (
            attempts[2].error_message == f"sin respuesta en {TIMING_OUT_SMS.attempt_timeout_s:g} s"
        )
        assert attempts[3].sid == rig.messages()[0]["sid"]
        await eventually(lambda: sandbox.state.abandoned == 1)  # the held one was never sent
        assert [h.data["outcome"] for h in rig.what("sms")] == ["accepted"]


async def test_failures_spread_over_the_block_still_text_each_vecino_once(
    tmp_path: Path,
) -> None:
    async with sms_sandbox() as sandbox, street(tmp_path, sandbox, sms_retry=TIMING_OUT_SMS) as rig:
        rig.fail_sms({"status": 429}, {"status": 503}, TIMEOUT, {"status": 500})
        await rig.press(PanicKind.INCENDIO, 12)
        await rig.settle()

        assert Counter(rig.texted()) == dict.fromkeys(recipients(PanicKind.INCENDIO), 1)
        outcomes = Counter(a.outcome for a in rig.attempts())
        assert outcomes == {"retry": 4, "accepted": 3}
        accepted = Counter(a.key for a in rig.attempts() if a.outcome == "accepted")
        assert set(accepted.values()) == {1}
        assert len(sandbox.state.injections) == 0  # every scripted failure was met


async def test_a_refusal_twilio_means_is_final_and_recorded(tmp_path: Path) -> None:
    async with sms_sandbox() as sandbox, street(tmp_path, sandbox) as rig:
        rig.fail_sms({"status": 400, "code": 21610, "message": "Attempt to send to unsubscribed"})
        await rig.press(PanicKind.ALERTA_SILENCIOSA, 11)
        await rig.settle()

        assert rig.messages() == []
        (attempt,) = rig.attempts()
        assert (attempt.outcome, attempt.error_code) == ("failed", 21610)
        assert [h.data["outcome"] for h in rig.what("sms")] == ["failed"]
