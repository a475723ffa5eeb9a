"""End to end on the demo block: the controller restarted mid-episode, and Twilio answering
429, 500 and nothing at all (injected through the sandbox's own HTTP route) before it takes
the block's messages."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import aiohttp

from controller.outputs import OutputsState
from protocol.frame import PanicKind
from tests.e2e.block import (
    TIMING_OUT_SMS,
    block,
    eventually,
    levels,
    phones_for,
    pin,
    restart_controller,
    settle,
    texted,
)

EARLY = 0.01
LATE = 0.3
SIREN_S = 3.0
"""The demo's 180 s siren cap, scaled."""


async def test_the_controller_restarted_mid_episode_resumes_within_the_cap(
    tmp_path: Path,
) -> None:
    async with block(tmp_path, homes=2, seconds_scale=SIREN_S / 180) as site:
        siren = pin(site, "siren")
        siren.clear_states()
        cleared_at = time.time()
        report = await site.press(1, "panico")
        assert report.ok, report.to_json()
        (episode,) = site.store.load_open_episodes()
        assert episode.siren_until is not None
        before = texted(site)
        await asyncio.sleep(0.5)

        app = await restart_controller(site)  # stopped mid-episode, started on the same data
        assert app.controller is not None
        assert app.controller.outputs.state == OutputsState("continuous", True)
        await eventually(lambda: len(siren.states) >= 5, SIREN_S + 5)

        assert levels(siren) == [False, True, False, True, False]  # on, stopped, resumed, cap
        on_before, _stopped, on_after = (s.timestamp for s in siren.states[2:5])
        went_low_at = cleared_at + sum(s.timestamp for s in siren.states[1:5])
        assert episode.siren_until - EARLY <= went_low_at <= episode.siren_until + LATE
        assert on_before + on_after <= SIREN_S + LATE  # never past the cap, restart or not
        await eventually(
            lambda: app.controller is not None and not app.controller.outputs.state.siren, LATE
        )
        await settle(site)
        assert texted(site) == before  # no second SMS

        # The nodes and the restarted controller go on together: another home's press
        # joins the same episode (counters survived) and texts nobody twice.
        again = await site.press(2, "panico")
        assert again.acked and again.ok, again.to_json()
        (same,) = site.store.load_open_episodes()
        assert (same.id, [t.src for t in same.triggers]) == (episode.id, [11, 12])
        assert texted(site) == before
        assert app.controller.outputs.state == OutputsState("continuous", True)


async def test_twilio_429_500_and_a_timeout_before_success(tmp_path: Path) -> None:
    async with block(tmp_path, homes=2, seconds_scale=0.05, sms_retry=TIMING_OUT_SMS) as site:
        assert site.sandbox is not None
        failures = [{"status": 429}, {"status": 500}, {"delay_s": 30.0}]
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{site.sandbox.url}/sandbox/failures", json=failures) as answer,
        ):
            assert answer.status == 200
            assert await answer.json() == {"pending": 3}

        report = await site.press(1, "incendio")

        assert report.ok, report.to_json()
        everyone = phones_for(site, PanicKind.INCENDIO, 1)
        assert Counter(texted(site)) == dict.fromkeys(everyone, 1)
        attempts = site.store.sms_attempts()
        assert Counter(a.outcome for a in attempts) == {"retry": 3, "accepted": 4}
        retried = sorted(
            (a.error_code or 0, a.error_message or "") for a in attempts if a.error_message
        )
        assert [code for code, _ in retried] == [0, 20429, 20500]
        assert retried[0][1] == f"sin respuesta en {TIMING_OUT_SMS.attempt_timeout_s:g} s"
        await eventually(lambda: site.sandbox is not None and site.sandbox.state.abandoned == 1)
