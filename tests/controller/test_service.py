"""StreetController, driven frame by frame: verify → alarm → siren/strobe → ACK → disk → SMS.

The issue's alarm path, on the real store, gpiozero's MockFactory and the real twilio client
against the sandbox (see ``test_service_rig``): every kind end to end, the ACK before the
disk, retransmissions and retriggers never texting twice, replays and forgeries never
triggering (each recorded), TEST, CANCEL, silence, the silent alert's contacts, and every
frame's verdict in the frames log.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from controller.alarm import DEFAULT_PLANS, AlarmPolicy, EndReason
from controller.outputs import OutputsState
from controller.sms.templates import WORDING
from protocol.frame import (
    Ack,
    AckResult,
    AlarmState,
    Cancel,
    FrameType,
    Heartbeat,
    Panic,
    PanicKind,
    Test,
    build_frame,
    frame_tag,
)
from tests.controller.test_service_rig import (
    ANA,
    CARMEN,
    KEYS,
    LUIS,
    NETWORK,
    Rig,
    eventually,
    level,
    levels,
    recipients,
    sms_sandbox,
    street,
)

KINDS = list(PanicKind)
SILENT = PanicKind.ALERTA_SILENCIOSA


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    async with sms_sandbox() as sandbox, street(tmp_path, sandbox) as running:
        yield running


def state_for(kind: PanicKind) -> AlarmState:
    return AlarmState.SILENT_ALERT if kind is SILENT else AlarmState.SOUNDING


# --- press → ACK → siren → SMS ----------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
async def test_press_acks_sounds_and_texts_for_every_kind(rig: Rig, kind: PanicKind) -> None:
    ack = await rig.press(kind)

    assert ack == Ack(1, AckResult.ACCEPTED, state_for(kind))
    plan = DEFAULT_PLANS[kind]
    assert rig.controller.outputs.state == OutputsState(plan.siren, plan.strobe)
    await rig.settle()
    if plan.siren is not None:
        await eventually(lambda: True in levels(rig.siren))
    if plan.strobe:
        await eventually(lambda: True in levels(rig.strobe))
    if kind is SILENT:
        await asyncio.sleep(0.2)
        assert levels(rig.siren) == [False]
        assert levels(rig.strobe) == [False]
    assert sorted(rig.texted()) == sorted(recipients(kind))
    for message in rig.messages():
        assert str(message["body"]).startswith(WORDING[kind].label + ":")
        assert "Pasaje Los Aromos 1201 (casa 1)" in str(message["body"])
    (episode,) = rig.store.load_open_episodes()
    assert (episode.kind, len(episode.triggers)) == (kind, 1)
    (frame,) = rig.frames()
    assert (frame.verdict, frame.type, frame.src, frame.counter) == ("accepted", 1, 11, 1)
    assert (frame.rssi, frame.snr) == (-85, 7.5)


async def test_the_ack_leaves_after_the_street_and_before_the_disk(rig: Rig) -> None:
    await rig.press(PanicKind.PANICO)

    (sent,) = rig.radio.sent
    assert sent.to == 11  # answered to the module the frame came from
    assert sent.street == OutputsState("continuous", True)  # the siren was already on
    assert sent.counter_on_disk is None  # the counter was written after the ACK left
    assert rig.store.last_accepted(NETWORK, 11) is not None
    row = rig.store.db.execute("SELECT counter FROM counters WHERE src = 11").fetchone()
    assert row[0] == 1
    assert [h.what for h in rig.happenings][:3] == ["street", "ack", "episode"]


async def test_a_lost_ack_and_its_retransmissions_never_text_twice(rig: Rig) -> None:
    data = rig.frame(Panic(PanicKind.ROBO), 11)
    first = await rig.receive(data, module=11)  # this ACK never reaches the node: it resends
    during_fanout = await rig.receive(data, module=11)
    await rig.settle()
    after_fanout = await rig.receive(data, module=11)
    await rig.settle()

    assert first == [Ack(1, AckResult.ACCEPTED, AlarmState.SOUNDING)]
    assert during_fanout == after_fanout == [Ack(1, AckResult.DUPLICATE, AlarmState.SOUNDING)]
    assert sorted(rig.texted()) == sorted(recipients(PanicKind.ROBO))
    assert rig.verdicts() == ["accepted", "duplicate", "duplicate"]
    (episode,) = rig.store.load_open_episodes()
    assert len(episode.triggers) == 1
    ack_counters = [int.from_bytes(s.data[8:12], "big") for s in rig.radio.sent]
    assert ack_counters == sorted(set(ack_counters))  # every ACK is a fresh frame


async def test_the_same_node_pressing_again_neither_extends_nor_texts(rig: Rig) -> None:
    await rig.press(PanicKind.ROBO, 11)
    await rig.settle()
    before = rig.store.load_open_episodes()[0]
    await asyncio.sleep(0.05)
    ack = await rig.press(PanicKind.ROBO, 11)
    await rig.settle()

    assert ack == Ack(2, AckResult.ACCEPTED, AlarmState.SOUNDING)
    (after,) = rig.store.load_open_episodes()
    assert after.id == before.id
    assert len(after.triggers) == 2
    assert (after.siren_until, after.strobe_until) == (before.siren_until, before.strobe_until)
    assert sorted(rig.texted()) == sorted(recipients(PanicKind.ROBO))


async def test_a_press_by_another_node_extends_the_episode_without_texting_twice(
    rig: Rig,
) -> None:
    policy = rig.controller.alarm.policy
    await rig.press(PanicKind.ROBO, 11)
    await rig.settle()
    before = rig.store.load_open_episodes()[0]
    await asyncio.sleep(0.05)
    await rig.press(PanicKind.ROBO, 12)
    await rig.settle()

    (after,) = rig.store.load_open_episodes()
    second = after.triggers[1]
    assert (after.id, second.src) == (before.id, 12)
    assert after.siren_until == pytest.approx(second.at + policy.siren_max_s)
    assert after.strobe_until == pytest.approx(second.at + policy.strobe_max_s)
    assert after.siren_until is not None and before.siren_until is not None
    assert after.siren_until > before.siren_until
    assert sorted(rig.texted()) == sorted(recipients(PanicKind.ROBO))
    assert all("(casa 1)" in str(m["body"]) for m in rig.messages())


async def test_a_different_kind_later_is_a_new_message(rig: Rig) -> None:
    await rig.press(PanicKind.PANICO, 11)
    await rig.settle()
    await rig.press(PanicKind.INCENDIO, 12)
    await rig.settle()

    assert Counter(rig.texted()) == {CARMEN: 2, LUIS: 2, ANA: 1}
    bodies = [str(m["body"]) for m in rig.messages()]
    assert sum(b.startswith("ALERTA PANICO") for b in bodies) == 2
    assert sum(b.startswith("ALERTA INCENDIO") for b in bodies) == 3
    assert rig.controller.outputs.state == OutputsState("temporal-three", True)  # most urgent
    assert {e.kind for e in rig.store.load_open_episodes()} == {
        PanicKind.PANICO,
        PanicKind.INCENDIO,
    }


async def test_the_same_kind_after_the_episode_ended_is_a_new_episode(tmp_path: Path) -> None:
    policy = AlarmPolicy(siren_max_s=0.2, strobe_max_s=0.4, cancel_window_s=60.0)
    async with sms_sandbox() as sandbox, street(tmp_path, sandbox, policy=policy) as rig:
        await rig.press(PanicKind.PANICO)
        await rig.settle()
        first = rig.store.load_open_episodes()[0]
        await eventually(lambda: not rig.store.load_open_episodes())  # the loop wakes by itself
        ended = rig.store.get_episode(first.id)
        assert ended is not None and ended.end_reason is EndReason.EXPIRED
        assert rig.controller.outputs.state == OutputsState(None, False)
        await rig.press(PanicKind.PANICO)
        await rig.settle()

        (second,) = rig.store.load_open_episodes()
        assert second.id != first.id
        assert Counter(rig.texted()) == {CARMEN: 2, LUIS: 2}


# --- replays and forgeries ----------------------------------------------------------------------


async def test_replayed_frames_never_trigger_and_are_recorded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    policy = AlarmPolicy(siren_max_s=0.2, strobe_max_s=0.3, cancel_window_s=60.0)
    async with sms_sandbox() as sandbox, street(tmp_path, sandbox, policy=policy) as rig:
        older = rig.frame(Panic(PanicKind.ROBO), 11)
        last = rig.frame(Panic(PanicKind.ROBO), 11)
        await rig.receive(older)
        await rig.receive(last)
        await rig.settle()
        await eventually(lambda: not rig.store.load_open_episodes())
        texted = rig.texted()
        rig.siren.clear_states()
        rig.strobe.clear_states()
        caplog.set_level(logging.WARNING, logger="controller.service")

        below = await rig.receive(older)  # an old frame recorded off the air
        same_counter = await rig.receive(rig.frame(Panic(PanicKind.INCENDIO), 11, counter=2))
        again = await rig.receive(last)  # the last frame, after its episode ended
        await rig.settle()
        await asyncio.sleep(0.1)

        assert below == same_counter == []
        assert again == [Ack(2, AckResult.DUPLICATE, AlarmState.IDLE)]  # answered, nothing else
        assert rig.store.load_open_episodes() == []
        assert levels(rig.siren) == levels(rig.strobe) == [False]
        assert rig.texted() == texted
        assert rig.verdicts() == ["accepted", "accepted", "replay", "replay", "duplicate"]
        replays = [f for f in rig.frames() if f.verdict == "replay"]
        assert [(f.src, f.counter) for f in replays] == [(11, 1), (11, 2)]
        assert "below the last accepted 2" in replays[0].detail
        assert rig.controller.stats["replay"] == 2
        security = [r for r in caplog.records if r.getMessage().startswith("security: replayed")]
        assert len(security) == 2


def forged_frames() -> list[tuple[str, bytes]]:
    """(expected verdict, bytes) for frames nobody with node 11's key made."""
    genuine = build_frame(
        Panic(PanicKind.PANICO), network=NETWORK, src=11, dst=0, counter=50, key=KEYS[11]
    )
    kind_changed = genuine[:13] + bytes([PanicKind.INCENDIO]) + genuine[14:]
    counter_raised = genuine[:8] + (10**6).to_bytes(4, "big") + genuine[12:]
    other_key = build_frame(
        Panic(PanicKind.PANICO), network=NETWORK, src=11, dst=0, counter=51, key=KEYS[12]
    )
    stranger = build_frame(
        Panic(PanicKind.PANICO), network=NETWORK, src=99, dst=0, counter=1, key=KEYS[11]
    )
    other_network = build_frame(
        Panic(PanicKind.PANICO), network=NETWORK + 1, src=11, dst=0, counter=52, key=KEYS[11]
    )
    return [
        ("tag", kind_changed),
        ("tag", counter_raised),
        ("tag", other_key),
        ("unknown", stranger),
        ("unknown", other_network),
        ("length", genuine[:20]),
        ("length", genuine + b"\x00"),
        ("version", b"\x02" + genuine[1:]),
    ]


async def test_forged_frames_never_trigger_and_are_recorded(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="controller.service")
    cases = forged_frames()
    for _, data in cases:
        assert await rig.receive(data) == []
    await rig.settle()
    await asyncio.sleep(0.1)

    assert rig.radio.sent == []
    assert rig.store.load_open_episodes() == []
    assert rig.controller.outputs.state == OutputsState(None, False)
    assert levels(rig.siren) == levels(rig.strobe) == [False]
    assert rig.messages() == []
    frames = rig.frames()
    assert [f.verdict for f in frames] == [verdict for verdict, _ in cases]
    assert [bytes.fromhex(f.frame_hex) for f in frames] == [data for _, data in cases]
    assert sum("security: forged" in r.getMessage() for r in caplog.records) == 3
    # None of it moved node 11's counter: its genuine frame with a low counter still counts.
    ack = await rig.receive(rig.frame(Panic(PanicKind.PANICO), 11, counter=1))
    assert ack == [Ack(1, AckResult.ACCEPTED, AlarmState.SOUNDING)]


async def test_a_frame_for_another_receiver_is_recorded_and_ignored(rig: Rig) -> None:
    data = rig.frame(Panic(PanicKind.PANICO), 11, dst=12)
    assert await rig.receive(data) == []
    assert rig.verdicts() == ["not_for_us"]
    assert rig.store.load_open_episodes() == []


async def test_a_verified_frame_with_an_undefined_kind_is_refused_and_recorded(
    rig: Rig,
) -> None:
    signed = struct.pack(">BBHHHIB", 1, FrameType.PANIC, NETWORK, 11, 0, 1, 3) + b"\x09\x31\x38"
    data = signed + frame_tag(KEYS[11], signed)

    assert await rig.receive(data) == [Ack(1, AckResult.REFUSED, AlarmState.IDLE)]
    (frame,) = rig.frames()
    assert (frame.verdict, frame.counter) == ("payload", 1)
    assert "undefined" in frame.detail
    assert rig.store.load_open_episodes() == []
    assert rig.store.last_accepted(NETWORK, 11) == (1, data)  # a resend is a duplicate


async def test_heartbeats_and_unknown_types_are_recorded_without_an_alarm(rig: Rig) -> None:
    beat = await rig.receive(rig.frame(Heartbeat(12400, low_battery=False), 12))
    extension = rig.frame(Test(), 12)
    extension = extension[:1] + b"\x20" + extension[2:-8]
    extension += frame_tag(KEYS[12], extension)
    unknown = await rig.receive(extension)
    await rig.settle()

    assert beat == [Ack(1, AckResult.ACCEPTED, AlarmState.IDLE)]
    assert unknown == []  # logged, otherwise ignored
    assert [(f.verdict, f.type) for f in rig.frames()] == [("accepted", 3), ("accepted", 0x20)]
    assert "desconocido" in rig.frames()[1].detail
    assert rig.messages() == []
    assert rig.store.load_open_episodes() == []


# --- TEST, CANCEL, silence, the silent alert ------------------------------------------------------


async def test_a_test_frame_gets_an_ack_and_one_short_chirp_never_an_sms(rig: Rig) -> None:
    acks = await rig.receive(rig.frame(Test(), 13))
    await rig.settle()
    await eventually(lambda: len(rig.siren.states) >= 3)
    await asyncio.sleep(0.3)

    assert acks == [Ack(1, AckResult.ACCEPTED, AlarmState.IDLE)]
    assert levels(rig.siren) == [False, True, False]  # one chirp
    assert 0.2 - 0.01 <= rig.siren.states[2].timestamp <= 0.2 + 0.3
    assert levels(rig.strobe) == [False]
    assert rig.messages() == []
    assert rig.store.load_open_episodes() == []
    assert [h.data.get("chirped") for h in rig.what("chirp")] == [True]


async def test_a_test_frame_during_an_alarm_is_answered_but_does_not_chirp(rig: Rig) -> None:
    await rig.press(PanicKind.PANICO, 11)
    await eventually(lambda: level(rig.siren))
    acks = await rig.receive(rig.frame(Test(), 13))
    await rig.settle()

    assert acks == [Ack(1, AckResult.ACCEPTED, AlarmState.SOUNDING)]
    assert [h.data.get("chirped") for h in rig.what("chirp")] == [False]
    assert levels(rig.siren) == [False, True]  # the siren went on undisturbed
    assert sorted(rig.texted()) == sorted(recipients(PanicKind.PANICO))


async def test_cancel_by_the_only_presser_ends_it_and_texts_falsa_alarma(tmp_path: Path) -> None:
    async with sms_sandbox() as sandbox, street(tmp_path, sandbox) as rig:
        sandbox.state.latency_ms = 150  # the CANCEL arrives while the alert is being sent
        await rig.press(PanicKind.ROBO, 11)
        episode_id = rig.store.load_open_episodes()[0].id
        await eventually(lambda: True in levels(rig.siren))
        acks = await rig.receive(rig.frame(Cancel(1), 11))
        assert acks == [Ack(2, AckResult.ACCEPTED, AlarmState.IDLE)]
        assert rig.controller.outputs.state == OutputsState(None, False)
        assert not level(rig.siren) and not level(rig.strobe)
        await rig.settle()

        assert rig.store.load_open_episodes() == []
        episode = rig.store.get_episode(episode_id)
        assert episode is not None and episode.end_reason is EndReason.CANCELLED
        by_phone: dict[str, list[str]] = {}
        for message in rig.messages():
            by_phone.setdefault(str(message["to"]), []).append(str(message["body"]))
        assert set(by_phone) == recipients(PanicKind.ROBO)
        for bodies in by_phone.values():
            assert len(bodies) == 2
            assert bodies[0].startswith("ALERTA ROBO")
            assert bodies[1].startswith("FALSA ALARMA: se cancela ALERTA ROBO")
            assert "(casa 1)" in bodies[1]


@pytest.mark.parametrize(
    ("setup", "cancel_from", "why"),
    [
        ([11, 12], 11, "otros vecinos"),
        ([11], 12, "no hay una alarma abierta"),
    ],
    ids=["another-node-pressed-too", "another-node-cancels"],
)
async def test_cancel_refused(rig: Rig, setup: list[int], cancel_from: int, why: str) -> None:
    for node in setup:
        await rig.press(PanicKind.ROBO, node)
    await rig.settle()
    texted = rig.texted()

    acks = await rig.receive(rig.frame(Cancel(1), cancel_from))
    await rig.settle()

    assert [a.result for a in acks] == [AckResult.REFUSED]
    assert acks[0].alarm_state is AlarmState.SOUNDING
    assert rig.controller.outputs.state == OutputsState("pulsed", True)
    assert len(rig.store.load_open_episodes()) == 1
    assert rig.texted() == texted  # no "falsa alarma"
    assert why in rig.frames()[-1].detail


async def test_cancel_after_the_window_is_refused(tmp_path: Path) -> None:
    policy = AlarmPolicy(siren_max_s=30.0, strobe_max_s=60.0, cancel_window_s=0.2)
    async with sms_sandbox() as sandbox, street(tmp_path, sandbox, policy=policy) as rig:
        await rig.press(PanicKind.ROBO, 11)
        await asyncio.sleep(0.3)
        acks = await rig.receive(rig.frame(Cancel(1), 11))
        await rig.settle()

        assert acks == [Ack(2, AckResult.REFUSED, AlarmState.SOUNDING)]
        assert "fuera del plazo" in rig.frames()[-1].detail
        assert len(rig.store.load_open_episodes()) == 1
        assert len(rig.texted()) == 2


async def test_the_silent_alert_goes_only_to_the_pressers_contacts(rig: Rig) -> None:
    acks = [await rig.press(SILENT, node) for node in (11, 12, 13, 11)]
    await rig.settle()
    await asyncio.sleep(0.2)

    assert [a.alarm_state for a in acks] == [AlarmState.SILENT_ALERT] * 4
    by_phone = {str(m["to"]): str(m["body"]) for m in rig.messages()}
    assert Counter(rig.texted()) == {CARMEN: 1, ANA: 1}  # Luis is nobody's contact
    assert by_phone[CARMEN].startswith("AVISO RESERVADO: Pasaje Los Aromos 1201 (casa 1)")
    assert by_phone[ANA].startswith("AVISO RESERVADO: Pasaje Los Aromos 1203 (casa 2)")
    (episode,) = rig.store.load_open_episodes()
    assert [t.src for t in episode.triggers] == [11, 12, 13, 11]
    assert levels(rig.siren) == levels(rig.strobe) == [False]


async def test_silence_stops_the_siren_keeps_the_strobe_and_is_not_rearmed(rig: Rig) -> None:
    await rig.press(PanicKind.PANICO, 11)
    await eventually(lambda: level(rig.siren))
    before = rig.store.load_open_episodes()[0]

    silenced = rig.controller.silence()

    assert [e.id for e in silenced] == [before.id]
    assert not level(rig.siren)
    assert rig.controller.outputs.state == OutputsState(None, True)
    assert [h.what for h in rig.happenings].count("silence") == 1
    ack = await rig.press(PanicKind.PANICO, 12)  # another vecino presses after the silence
    await rig.settle()
    assert ack.alarm_state is AlarmState.SOUNDING  # the strobe still flashes
    assert rig.controller.outputs.state == OutputsState(None, True)
    assert levels(rig.siren) == [False, True, False]
    (after,) = rig.store.load_open_episodes()
    assert after.silenced_at is not None and after.siren_until == after.silenced_at
    assert after.strobe_until is not None and before.strobe_until is not None
    assert after.strobe_until > before.strobe_until  # the strobe is extended, not the siren
    # A new emergency of another kind is not silenced.
    await rig.press(PanicKind.INCENDIO, 13)
    assert rig.controller.outputs.state == OutputsState("temporal-three", True)
