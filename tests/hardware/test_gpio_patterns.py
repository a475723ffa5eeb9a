"""Pattern values: validation, scaling and the named vocabulary."""

from __future__ import annotations

import math

import pytest

from hardware.gpio import (
    CONTINUOUS,
    MEDICAL_CHIRPS,
    PATTERNS,
    PULSED,
    STROBE_FLASH,
    TEMPORAL_THREE,
    Pattern,
)


def test_temporal_three_is_the_iso_8201_cycle() -> None:
    assert TEMPORAL_THREE.steps == (
        (True, 0.5),
        (False, 0.5),
        (True, 0.5),
        (False, 0.5),
        (True, 0.5),
        (False, 1.5),
    )
    assert TEMPORAL_THREE.repeat
    assert TEMPORAL_THREE.cycle_seconds == pytest.approx(4.0)


def test_siren_patterns_are_pairwise_distinct_shapes() -> None:
    siren = [CONTINUOUS, PULSED, TEMPORAL_THREE, MEDICAL_CHIRPS]
    shapes = {pattern.steps for pattern in siren}
    assert len(shapes) == len(siren)
    # Audibly different: blasts per cycle and the share of time sounding tell them apart.
    signature = {
        name: (
            sum(on for on, _ in p.steps),
            round(sum(s for on, s in p.steps if on) / p.cycle_seconds, 3),
        )
        for name, p in [
            ("a", CONTINUOUS),
            ("b", PULSED),
            ("c", TEMPORAL_THREE),
            ("d", MEDICAL_CHIRPS),
        ]
    }
    assert signature == {"a": (1, 1.0), "b": (1, 0.5), "c": (3, 0.375), "d": (1, 0.033)}
    assert PULSED.cycle_seconds == pytest.approx(1.0)
    assert MEDICAL_CHIRPS.steps[0] == (True, 0.1)


def test_pattern_registry_names_every_pattern() -> None:
    assert PATTERNS["temporal-three"] is TEMPORAL_THREE
    assert set(PATTERNS.values()) == {
        CONTINUOUS,
        PULSED,
        TEMPORAL_THREE,
        MEDICAL_CHIRPS,
        STROBE_FLASH,
    }
    with pytest.raises(TypeError):
        PATTERNS["x"] = PULSED  # type: ignore[index]


def test_scaled_keeps_the_shape() -> None:
    small = TEMPORAL_THREE.scaled(0.01)
    assert [on for on, _ in small.steps] == [on for on, _ in TEMPORAL_THREE.steps]
    assert [s for _, s in small.steps] == pytest.approx([0.005] * 5 + [0.015])
    assert small.repeat is TEMPORAL_THREE.repeat
    assert small.cycle_seconds == pytest.approx(0.04)


@pytest.mark.parametrize("factor", [0, -1, math.inf, math.nan])
def test_scaled_rejects_bad_factors(factor: float) -> None:
    with pytest.raises(ValueError, match="scale factor"):
        PULSED.scaled(factor)


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ((), "at least one step"),
        (((True, -0.1),), "finite and >= 0"),
        (((True, math.inf),), "finite and >= 0"),
        (((True, 0.0), (False, 0.0)), "more than 0 s"),
        (((1, 0.5),), "each step is"),
        (((True, "0.5"),), "number of seconds"),
        (((True,),), "each step is"),
    ],
)
def test_invalid_patterns_are_refused(steps: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Pattern(steps)  # type: ignore[arg-type]
