"""Five homes press at once over an air that loses 30 % of what it carries (seeded): every
node ends with its ACK or shows the failure, and no SMS is lost or doubled."""

from __future__ import annotations

import asyncio
from collections import Counter
from functools import partial
from pathlib import Path

from node.exchange import Outcome
from node.panel import LedFeedback
from protocol.frame import AlarmState, FrameType, PanicKind
from tests.e2e.block import block, eventually, phones_for, settle, texted


def settled(feedback: LedFeedback) -> bool:
    """The LED shows the press's outcome, no longer that it is sending."""
    return feedback.shown[-1] != "sending"


async def test_five_homes_pressing_at_once_with_30_percent_loss(tmp_path: Path) -> None:
    async with block(tmp_path, homes=5, seconds_scale=0.05, loss_rate=0.3, seed=5) as site:
        reports = await asyncio.gather(*(site.press(n, "robo") for n in range(1, 6)))
        await settle(site)

        heard = {
            f.src
            for f in site.store.frames(limit=1000)
            if f.verdict == "accepted" and f.type == FrameType.PANIC
        }
        delivered = set()
        for report in reports:
            home = site.home(report.home)
            (result,) = home.app.sender.results
            if result.delivered:
                delivered.add(home.node_address)
                assert result.ack is not None
                assert result.ack.alarm_state is AlarmState.SOUNDING
                assert home.node_address in heard
                shown = "accepted"
            else:
                assert (result.outcome, result.sends) == (Outcome.UNANSWERED, 5)
                shown = "failed"
            feedback = home.app.feedback
            assert feedback is not None
            await eventually(partial(settled, feedback))
            assert feedback.shown == ["sending", shown], (report.home, result)
        assert delivered, "no node got through: the test proves nothing"
        assert delivered <= heard  # an unanswered node may still have been heard
        assert site.air.stats.losses > 0

        (episode,) = site.store.load_open_episodes()
        assert {t.src for t in episode.triggers} == heard
        everyone = phones_for(site, PanicKind.ROBO, 1)
        assert len(everyone) == 10
        assert Counter(texted(site)) == dict.fromkeys(everyone, 1)  # none lost, none twice
        accepted = Counter(a.key for a in site.store.sms_attempts() if a.outcome == "accepted")
        assert sorted(accepted.values()) == [1] * 10
