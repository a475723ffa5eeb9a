"""Siren, strobe and status LED on gpiozero's MockFactory.

Timing is asserted as shapes: the exact sequence of pin levels, and each level's duration
within [expected - EARLY, expected + LATE]. A step never ends early (the player waits at
least its duration), so EARLY is tight; LATE absorbs a loaded CI machine. Patterns are
scaled by SCALE so their distinguishing gaps (0.4 s here) exceed LATE. Tests of the cap
assert the cap (pin LOW, thread ended near it), never how many steps fitted before it.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from gpiozero.pins.mock import MockFactory

from hardware.errors import HardwareError
from hardware.gpio import (
    CONTINUOUS,
    MEDICAL_CHIRPS,
    PULSED,
    STROBE_FLASH,
    TEMPORAL_THREE,
    Pattern,
    Siren,
    StatusLed,
    Strobe,
)
from hardware.pins import BOARD_DEFAULTS

SCALE = 0.4
EARLY = 0.01
LATE = 0.3
PIN = 17


def wait_for_states(pin: Any, count: int, timeout: float = 10.0) -> list[Any]:
    """The first ``count`` entries of the mock pin's history, waiting for them."""
    deadline = time.monotonic() + timeout
    while len(pin.states) < count:
        assert time.monotonic() < deadline, f"only {len(pin.states)} of {count} pin changes"
        time.sleep(0.005)
    return list(pin.states[:count])


def level(pin: Any) -> bool:
    """The mock pin's current level (a function, so mypy does not pin it down)."""
    return bool(pin.state)


def shape_problems(states: list[Any], expected: list[tuple[bool, float]]) -> list[str]:
    """Why ``states`` (after the initial LOW) does not follow ``expected``; [] if it does.

    ``states[k].timestamp`` is the time since the previous change, so the duration of
    level ``k`` is ``states[k + 1].timestamp``.
    """
    problems = []
    assert states[0].state is False
    for k, (level, seconds) in enumerate(expected, start=1):
        if states[k].state is not level:
            problems.append(f"change {k}: level {states[k].state}, expected {level}")
        measured = states[k + 1].timestamp
        if not seconds - EARLY <= measured <= seconds + LATE:
            problems.append(f"change {k}: lasted {measured:.3f} s, expected {seconds:.3f} s")
    return problems


def cycles(pattern: Pattern, count: int) -> list[tuple[bool, float]]:
    return list(pattern.scaled(SCALE).steps) * count


@pytest.fixture
def siren(mock_factory: MockFactory) -> Any:
    with Siren(PIN, pin_factory=mock_factory) as device:
        yield device


@pytest.mark.parametrize(
    ("pattern", "count"), [(PULSED, 2), (TEMPORAL_THREE, 1), (MEDICAL_CHIRPS, 1)]
)
def test_siren_plays_each_pattern_shape(
    mock_factory: MockFactory, siren: Siren, pattern: Pattern, count: int
) -> None:
    pin = mock_factory.pin(PIN)
    pin.clear_states()
    expected = cycles(pattern, count)
    siren.play(pattern.scaled(SCALE))
    assert siren.is_active
    states = wait_for_states(pin, len(expected) + 2)
    siren.stop()
    assert shape_problems(states, expected) == []


def test_tolerance_tells_temporal_three_from_pulsed(
    mock_factory: MockFactory, siren: Siren
) -> None:
    pin = mock_factory.pin(PIN)
    pin.clear_states()
    siren.play(TEMPORAL_THREE.scaled(SCALE))
    states = wait_for_states(pin, 8)
    siren.stop()
    assert shape_problems(states, cycles(TEMPORAL_THREE, 1)) == []
    wrong = shape_problems(states, cycles(PULSED, 3))
    short = 0.5 * SCALE
    assert wrong == [f"change 6: lasted {states[7].timestamp:.3f} s, expected {short:.3f} s"]


def test_continuous_stays_on_until_stopped(mock_factory: MockFactory, siren: Siren) -> None:
    pin = mock_factory.pin(PIN)
    pin.clear_states()
    siren.on()
    time.sleep(0.3)
    assert [s.state for s in pin.states] == [False, True]
    siren.stop()
    assert [s.state for s in pin.states] == [False, True, False]
    assert pin.states[2].timestamp >= 0.3 - EARLY


def test_stop_leaves_the_pin_low_and_ends_the_thread(
    mock_factory: MockFactory, siren: Siren
) -> None:
    pin = mock_factory.pin(PIN)
    pin.clear_states()
    siren.play(PULSED.scaled(SCALE))
    wait_for_states(pin, 2)  # sounding
    siren.stop()
    assert pin.state is False
    assert not siren.is_active
    changes = len(pin.states)
    time.sleep(2 * PULSED.scaled(SCALE).cycle_seconds)
    assert len(pin.states) == changes  # nothing plays any more
    siren.stop()  # idempotent
    assert pin.state is False


def test_cap_forces_the_pin_low_without_stop(mock_factory: MockFactory, siren: Siren) -> None:
    pin = mock_factory.pin(PIN)
    pin.clear_states()
    started = time.monotonic()
    siren.play(PULSED.scaled(SCALE), max_seconds=0.5)  # repeats forever but for the cap
    assert siren.wait(timeout=10)
    elapsed = time.monotonic() - started
    assert level(pin) is False
    assert not siren.is_active
    states = list(pin.states)
    assert [s.state for s in states[:3]] == [False, True, False]
    assert states[-1].state is False
    assert 0.5 - EARLY <= elapsed <= 0.5 + LATE
    assert sum(s.timestamp for s in states[2:]) <= 0.5 + LATE  # never on past the cap


def test_construction_cap_wins_over_a_longer_play_cap(mock_factory: MockFactory) -> None:
    pin = mock_factory.pin(PIN)
    with Siren(PIN, pin_factory=mock_factory, max_seconds=0.2) as capped:
        assert capped.max_seconds == 0.2
        pin.clear_states()
        capped.play(CONTINUOUS, max_seconds=30)
        assert capped.wait(timeout=10)
    assert [s.state for s in pin.states] == [False, True, False]
    assert 0.2 - EARLY <= pin.states[2].timestamp <= 0.2 + LATE


async def test_cap_holds_while_the_event_loop_is_blocked(mock_factory: MockFactory) -> None:
    pin = mock_factory.pin(PIN)
    with Siren(PIN, pin_factory=mock_factory, max_seconds=0.2) as capped:
        capped.on()
        assert level(pin) is True
        time.sleep(1.0)  # noqa: ASYNC251 - the point: this loop can do nothing now
        assert level(pin) is False
        assert not capped.is_active


def test_new_play_replaces_the_old_one(mock_factory: MockFactory, siren: Siren) -> None:
    pin = mock_factory.pin(PIN)
    siren.on()
    pin.clear_states()
    siren.play(MEDICAL_CHIRPS.scaled(SCALE))
    states = wait_for_states(pin, 5)
    siren.stop()
    # The steady tone ended (LOW) before the chirps began: one player at a time.
    assert [s.state for s in states] == [True, False, True, False, True]
    assert states[3].timestamp >= MEDICAL_CHIRPS.scaled(SCALE).steps[0][1] - EARLY


def test_chirp_is_one_burst_that_ends_low(mock_factory: MockFactory, siren: Siren) -> None:
    pin = mock_factory.pin(PIN)
    pin.clear_states()
    siren.chirp(0.05)
    assert siren.wait(timeout=10)
    assert [s.state for s in pin.states] == [False, True, False]
    assert 0.05 - EARLY <= pin.states[2].timestamp <= 0.05 + LATE
    assert not siren.is_active


def test_non_repeating_pattern_ends_low(mock_factory: MockFactory, siren: Siren) -> None:
    pin = mock_factory.pin(PIN)
    pin.clear_states()
    siren.play(Pattern(((True, 0.05), (False, 0.05), (True, 0.05)), repeat=False))
    assert siren.wait(timeout=10)
    assert [s.state for s in pin.states] == [False, True, False, True, False]


def test_wait_times_out_while_playing(siren: Siren) -> None:
    siren.on()
    assert siren.wait(timeout=0.05) is False
    assert siren.is_active
    siren.stop()
    assert siren.wait(timeout=0.05) is True


def test_close_releases_the_pin_low_and_is_idempotent(mock_factory: MockFactory) -> None:
    pin = mock_factory.pin(PIN)
    siren = Siren(PIN, pin_factory=mock_factory)
    siren.on()
    siren.close()
    siren.close()
    assert siren.closed
    assert pin.state is False
    assert pin.function == "input"
    assert "closed" in repr(siren)


def test_active_low_module(mock_factory: MockFactory) -> None:
    pin = mock_factory.pin(PIN)
    with Siren(PIN, pin_factory=mock_factory, active_high=False) as siren:
        assert level(pin) is True  # idle = HIGH for an active-low input
        siren.on()
        assert level(pin) is False
        siren.stop()
        assert level(pin) is True


def test_pin_in_use_is_a_hardware_error(mock_factory: MockFactory, siren: Siren) -> None:
    with pytest.raises(HardwareError, match="cannot open the strobe on GPIO17"):
        Strobe(PIN, pin_factory=mock_factory)


@pytest.mark.parametrize("seconds", [0, -1.0, float("nan")])
def test_bad_caps_are_refused(mock_factory: MockFactory, seconds: float) -> None:
    with pytest.raises(ValueError, match="max_seconds"):
        Siren(PIN, pin_factory=mock_factory, max_seconds=seconds)
    with Siren(PIN, pin_factory=mock_factory) as siren, pytest.raises(ValueError, match="max_"):
        siren.play(PULSED, max_seconds=seconds)


def test_strobe_flashes_with_its_own_cap(mock_factory: MockFactory) -> None:
    pins = BOARD_DEFAULTS["pi4"]
    pin = mock_factory.pin(pins.strobe)
    flash = STROBE_FLASH.scaled(SCALE)  # 0.08 s on, 0.32 s off
    with Strobe.from_pin_map(pins, pin_factory=mock_factory, max_seconds=0.6) as strobe:
        assert strobe.pin == 27
        pin.clear_states()
        started = time.monotonic()
        strobe.play(flash)
        assert strobe.wait(timeout=10)
        elapsed = time.monotonic() - started
        states = list(pin.states)
    assert shape_problems(states[:3], [flash.steps[0]]) == []
    assert states[-1].state is False
    assert level(pin) is False
    assert 0.6 - EARLY <= elapsed <= 0.6 + LATE


def test_siren_from_pin_map(mock_factory: MockFactory) -> None:
    with Siren.from_pin_map(BOARD_DEFAULTS["pi5"], pin_factory=mock_factory) as siren:
        assert siren.pin == 17
        assert siren.max_seconds is None


# --- status LED ---------------------------------------------------------------------

LED_PIN = 22


@pytest.fixture
def led(mock_factory: MockFactory) -> Any:
    with StatusLed(LED_PIN, pin_factory=mock_factory) as device:
        yield device


def wait_until_dark(led: StatusLed, pin: Any, count: int) -> list[Any]:
    states = wait_for_states(pin, count)
    deadline = time.monotonic() + 10
    while led.is_lit:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    return states


def test_led_steady_for_seconds_then_off(mock_factory: MockFactory, led: StatusLed) -> None:
    pin = mock_factory.pin(LED_PIN)
    pin.clear_states()
    led.steady(0.2)
    assert led.is_lit
    states = wait_until_dark(led, pin, 3)
    assert shape_problems(states, [(True, 0.2)]) == []
    time.sleep(0.1)
    assert len(pin.states) == 3


def test_led_steady_forever_until_off(mock_factory: MockFactory, led: StatusLed) -> None:
    pin = mock_factory.pin(LED_PIN)
    led.steady(None)
    time.sleep(0.1)
    assert level(pin) is True
    led.off()
    assert not led.is_lit
    assert level(pin) is False


def test_led_blink_for_seconds(mock_factory: MockFactory, led: StatusLed) -> None:
    pin = mock_factory.pin(LED_PIN)
    pin.clear_states()
    led.blink(0.05, 0.05, seconds=0.3)  # three cycles
    states = wait_until_dark(led, pin, 7)
    time.sleep(0.15)
    assert len(pin.states) == 7  # and no more
    assert shape_problems(states, [(True, 0.05), (False, 0.05)] * 2 + [(True, 0.05)]) == []


def test_led_blink_until_changed(mock_factory: MockFactory, led: StatusLed) -> None:
    pin = mock_factory.pin(LED_PIN)
    pin.clear_states()
    led.blink(0.05, 0.05)
    wait_for_states(pin, 8)
    led.off()
    changes = len(pin.states)
    time.sleep(0.15)
    assert len(pin.states) == changes
    assert pin.state is False


def test_led_fast_blink_is_faster_than_blink(mock_factory: MockFactory, led: StatusLed) -> None:
    pin = mock_factory.pin(LED_PIN)
    pin.clear_states()
    led.fast_blink(0.4)  # two 0.1/0.1 cycles
    states = wait_until_dark(led, pin, 5)
    assert shape_problems(states, [(True, 0.1), (False, 0.1), (True, 0.1)]) == []
    assert StatusLed.FAST_ON_SECONDS < 0.5 / 2


def test_led_rejects_bad_timings(led: StatusLed) -> None:
    with pytest.raises(ValueError, match="on_time"):
        led.blink(0, 0.5)
    with pytest.raises(ValueError, match="seconds"):
        led.steady(-1)
    assert not led.is_lit


def test_led_from_pin_map(mock_factory: MockFactory) -> None:
    with StatusLed.from_pin_map(BOARD_DEFAULTS["pi-zero-2w"], pin_factory=mock_factory) as led:
        assert led.pin == 22
        led.steady(None)
        assert mock_factory.pin(22).state is True
