"""The alarm state machine, with time passed in."""

from __future__ import annotations

import pytest

from controller.alarm import Alarm, AlarmPolicy, EndReason, PanicOutcome, StreetPlan
from protocol.frame import AlarmState, PanicKind

NET = 2571
POLICY = AlarmPolicy(siren_max_s=180, strobe_max_s=900, cancel_window_s=60)
T0 = 1_700_000_000.0


def press(alarm: Alarm, src: int, kind: PanicKind, at: float, counter: int = 1) -> PanicOutcome:
    return alarm.panic(network=NET, src=src, counter=counter, kind=kind, now=at)


@pytest.mark.parametrize(
    ("kind", "siren", "strobe"),
    [
        (PanicKind.PANICO, "continuous", True),
        (PanicKind.ROBO, "pulsed", True),
        (PanicKind.INCENDIO, "temporal-three", True),
        (PanicKind.EMERGENCIA_MEDICA, "medical-chirps", True),
        (PanicKind.ALERTA_SILENCIOSA, None, False),
    ],
)
def test_each_kind_shows_its_plan(kind: PanicKind, siren: str | None, strobe: bool) -> None:
    alarm = Alarm(POLICY)
    outcome = press(alarm, 7, kind, T0)
    assert outcome.opened
    street = alarm.street(T0 + 1)
    assert street.siren == siren
    assert street.strobe is strobe
    expected = (
        AlarmState.SILENT_ALERT if kind is PanicKind.ALERTA_SILENCIOSA else AlarmState.SOUNDING
    )
    assert alarm.state(T0 + 1) is expected


def test_siren_stops_at_its_cap_and_strobe_goes_on() -> None:
    alarm = Alarm(POLICY)
    press(alarm, 7, PanicKind.ROBO, T0)
    assert alarm.street(T0 + 179.9).siren == "pulsed"
    assert alarm.street(T0 + 180).siren is None
    assert alarm.street(T0 + 180).strobe
    assert alarm.street(T0 + 899.9).strobe
    assert alarm.street(T0 + 900).strobe is False
    assert alarm.next_deadline() == T0 + 180
    ended = alarm.expire(T0 + 900)
    assert [e.end_reason for e in ended] == [EndReason.EXPIRED]
    assert alarm.open_episodes == []
    assert alarm.state(T0 + 900) is AlarmState.IDLE


def test_same_node_pressing_again_does_not_extend_the_siren() -> None:
    alarm = Alarm(POLICY)
    press(alarm, 7, PanicKind.ROBO, T0, counter=1)
    again = press(alarm, 7, PanicKind.ROBO, T0 + 170, counter=2)
    assert not again.opened and not again.new_presser
    assert again.episode.siren_until == T0 + 180
    assert len(again.episode.triggers) == 2


def test_another_node_extends_the_episode() -> None:
    alarm = Alarm(POLICY)
    first = press(alarm, 7, PanicKind.ROBO, T0)
    other = press(alarm, 9, PanicKind.ROBO, T0 + 100)
    assert not other.opened and other.new_presser
    assert other.episode.id == first.episode.id
    assert other.episode.siren_until == T0 + 280
    assert other.episode.strobe_until == T0 + 1000
    assert alarm.street(T0 + 250).siren == "pulsed"


def test_more_urgent_kind_takes_the_street_and_is_its_own_episode() -> None:
    alarm = Alarm(POLICY)
    robo = press(alarm, 7, PanicKind.ROBO, T0)
    fire = press(alarm, 9, PanicKind.INCENDIO, T0 + 10)
    assert fire.opened and fire.episode.id != robo.episode.id
    assert alarm.street(T0 + 11).siren == "temporal-three"
    medical = press(alarm, 11, PanicKind.EMERGENCIA_MEDICA, T0 + 20)
    assert medical.opened
    assert alarm.street(T0 + 21).kind is PanicKind.INCENDIO


def test_silence_stops_sirens_keeps_strobe_and_is_not_rearmed() -> None:
    alarm = Alarm(POLICY)
    press(alarm, 7, PanicKind.PANICO, T0)
    silenced = alarm.silence(T0 + 30)
    assert len(silenced) == 1 and silenced[0].silenced_at == T0 + 30
    street = alarm.street(T0 + 31)
    assert street.siren is None and street.strobe
    press(alarm, 9, PanicKind.PANICO, T0 + 40)
    assert alarm.street(T0 + 41).siren is None


def test_cancel_by_the_only_presser_within_the_window_ends_it() -> None:
    alarm = Alarm(POLICY)
    press(alarm, 7, PanicKind.ROBO, T0, counter=41)
    outcome = alarm.cancel(network=NET, src=7, panic_counter=41, now=T0 + 59)
    assert outcome.accepted
    assert outcome.episode is not None and outcome.episode.end_reason is EndReason.CANCELLED
    assert alarm.street(T0 + 59).siren is None
    assert alarm.open_episodes == []


@pytest.mark.parametrize(
    ("src", "counter", "delay", "why"),
    [
        (7, 41, 61, "plazo"),
        (7, 40, 10, "no hay"),
        (8, 41, 10, "no hay"),
    ],
)
def test_cancel_refused(src: int, counter: int, delay: float, why: str) -> None:
    alarm = Alarm(POLICY)
    press(alarm, 7, PanicKind.ROBO, T0, counter=41)
    outcome = alarm.cancel(network=NET, src=src, panic_counter=counter, now=T0 + delay)
    assert not outcome.accepted
    assert why in outcome.reason
    assert alarm.street(T0 + delay).siren == "pulsed"


def test_cancel_refused_when_others_pressed_too() -> None:
    alarm = Alarm(POLICY)
    press(alarm, 7, PanicKind.ROBO, T0, counter=41)
    press(alarm, 9, PanicKind.ROBO, T0 + 5)
    outcome = alarm.cancel(network=NET, src=7, panic_counter=41, now=T0 + 10)
    assert not outcome.accepted and "otros vecinos" in outcome.reason


def test_silent_alert_stays_one_episode_for_its_hold() -> None:
    alarm = Alarm(POLICY)
    first = press(alarm, 7, PanicKind.ALERTA_SILENCIOSA, T0)
    again = press(alarm, 7, PanicKind.ALERTA_SILENCIOSA, T0 + 300, counter=2)
    assert again.episode.id == first.episode.id and not again.opened
    assert alarm.expire(T0 + 901) != []
    later = press(alarm, 7, PanicKind.ALERTA_SILENCIOSA, T0 + 1000, counter=3)
    assert later.opened


def test_restored_episode_keeps_its_absolute_deadlines() -> None:
    alarm = Alarm(POLICY)
    press(alarm, 7, PanicKind.INCENDIO, T0)
    saved = alarm.take_changed()
    assert len(saved) == 1
    restarted = Alarm(POLICY, saved)
    street = restarted.street(T0 + 120)
    assert street.siren == "temporal-three" and street.siren_until == T0 + 180
    assert restarted.street(T0 + 181).siren is None


def test_custom_plans_and_policy_validation() -> None:
    plans = {kind: StreetPlan(None, strobe=False) for kind in PanicKind}
    alarm = Alarm(AlarmPolicy(plans=plans))
    press(alarm, 7, PanicKind.ROBO, T0)
    assert alarm.street(T0 + 1).siren is None
    with pytest.raises(ValueError, match="no street plan"):
        AlarmPolicy(plans={PanicKind.ROBO: StreetPlan("pulsed", strobe=True)})
    with pytest.raises(ValueError, match="positive"):
        AlarmPolicy(siren_max_s=0)
