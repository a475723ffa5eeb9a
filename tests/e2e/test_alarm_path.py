"""End to end on the demo block: a vecino's button → the node's PANIC over the emulated air →
the controller's siren, strobe and ACK → the block's phones, for every kind; the
installer's TEST; a CANCEL within the window."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from controller.outputs import OutputsState
from controller.sms.templates import WORDING
from protocol.frame import AlarmState, FrameType, PanicKind
from tests.e2e.block import (
    block,
    eventually,
    levels,
    messages,
    phones_for,
    pin,
    result_of,
    settle,
    texted,
)

#: Presses in rising urgency, so each one takes the street from the one before.
PRESSES: list[tuple[int, str, PanicKind]] = [
    (1, "silenciosa", PanicKind.ALERTA_SILENCIOSA),
    (2, "medica", PanicKind.EMERGENCIA_MEDICA),
    (3, "panico", PanicKind.PANICO),
    (1, "robo", PanicKind.ROBO),
    (2, "incendio", PanicKind.INCENDIO),
]


async def test_every_kind_from_the_button_to_the_phones(tmp_path: Path) -> None:
    async with block(tmp_path, homes=3, seconds_scale=0.05) as site:
        siren, strobe = pin(site, "siren"), pin(site, "strobe")
        assert site.controller_app is not None and site.controller_app.controller is not None
        controller = site.controller_app.controller

        test = await site.press(3, "test")  # the installer's TEST, on a quiet street
        assert test.acked
        await eventually(lambda: len(siren.states) >= 3)
        assert levels(siren) == [False, True, False]  # one short chirp
        assert levels(strobe) == [False]
        assert messages(site) == []  # never an SMS
        assert site.store.load_open_episodes() == []

        seen = 0
        for home, press, kind in PRESSES:
            report = await site.press(home, press)

            plan = controller.alarm.policy.plan(kind)
            assert report.acked, report.to_json()
            assert (report.siren, report.strobe) == (plan.siren, plan.strobe)
            assert report.ok, report.to_json()
            new = messages(site)[seen:]
            seen += len(new)
            assert sorted(str(m["to"]) for m in new) == sorted(phones_for(site, kind, home))
            for message in new:
                assert str(message["body"]).startswith(WORDING[kind].label + ":")
                assert f"(casa {home})" in str(message["body"])
            if kind is PanicKind.ALERTA_SILENCIOSA:
                assert len(new) == 1  # the presser's designated contact, nobody else
                assert levels(siren) == [False, True, False]
                assert levels(strobe) == [False]
                node = site.home(home).app.sender.results[-1]
                assert node.alarm_state is AlarmState.SILENT_ALERT
            else:
                assert len(new) == 2 * site.home_count  # every vecino of the block
                await eventually(lambda: True in levels(strobe))

        assert controller.outputs.state == OutputsState("temporal-three", True)
        assert {e.kind for e in site.store.load_open_episodes()} == set(PanicKind)
        # One SMS per vecino per episode; a different kind later is a new message.
        per_vecino = Counter(texted(site))
        assert set(per_vecino.values()) == {4, 5}  # the silent alert's contact has 5
        frames = site.store.frames(limit=100)
        assert {f.verdict for f in frames} <= {"accepted", "duplicate"}


async def test_a_cancel_within_the_window_ends_the_alarm_and_texts_falsa_alarma(
    tmp_path: Path,
) -> None:
    async with block(tmp_path, homes=2, seconds_scale=0.1) as site:
        siren = pin(site, "siren")
        alert = await site.press(2, "robo")
        assert alert.ok, alert.to_json()
        (episode,) = site.store.load_open_episodes()

        report = await site.press(2, "cancel")  # the main button held
        cancel = await result_of(site.home(2), FrameType.CANCEL)
        await settle(site)

        assert cancel.delivered and cancel.ack is not None
        assert cancel.ack.alarm_state is AlarmState.IDLE
        assert site.store.load_open_episodes() == []
        ended = site.store.get_episode(episode.id)
        assert ended is not None and ended.end_reason is not None
        assert ended.end_reason.value == "cancelled"
        assert site.controller_app is not None and site.controller_app.controller is not None
        assert site.controller_app.controller.outputs.state == OutputsState(None, False)
        assert levels(siren)[-1] is False
        by_phone: dict[str, list[str]] = {}
        for message in messages(site):
            by_phone.setdefault(str(message["to"]), []).append(str(message["body"]))
        assert set(by_phone) == phones_for(site, PanicKind.ROBO, 2)
        for bodies in by_phone.values():
            assert [b.split(":")[0] for b in bodies] == ["ALERTA ROBO", "FALSA ALARMA"]
            assert "(casa 2)" in bodies[1]
        assert (report.sms_expected, report.sms_accepted) == (4, 4)
