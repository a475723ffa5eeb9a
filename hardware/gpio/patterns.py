"""On/off timing patterns for the siren and the strobe.

A :class:`Pattern` is a sequence of ``(on, seconds)`` steps, played once or repeated. The
named constants below are the audible vocabulary of a street controller; which alarm kind
uses which pattern is the controller's configuration, not this module's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


@dataclass(frozen=True)
class Pattern:
    """Steps of ``(on, seconds)`` played in order; ``repeat`` loops them until stopped."""

    steps: tuple[tuple[bool, float], ...]
    repeat: bool = True

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError("a pattern needs at least one step")
        for step in self.steps:
            if len(step) != 2 or not isinstance(step[0], bool):
                raise ValueError(f"each step is (on: bool, seconds: float), not {step!r}")
            seconds = step[1]
            if isinstance(seconds, bool) or not isinstance(seconds, int | float):
                raise ValueError(f"step duration must be a number of seconds, not {seconds!r}")
            if not math.isfinite(seconds) or seconds < 0:
                raise ValueError(f"step duration must be finite and >= 0, not {seconds!r}")
        if self.cycle_seconds <= 0:
            raise ValueError("a pattern must last more than 0 s")

    @property
    def cycle_seconds(self) -> float:
        """Length of one pass through the steps."""
        return sum(seconds for _, seconds in self.steps)

    def scaled(self, factor: float) -> Pattern:
        """The same shape with every duration multiplied by ``factor`` (for tests)."""
        if not math.isfinite(factor) or factor <= 0:
            raise ValueError(f"scale factor must be finite and > 0, not {factor!r}")
        return Pattern(tuple((on, seconds * factor) for on, seconds in self.steps), self.repeat)


CONTINUOUS: Final = Pattern(((True, 1.0),))
"""Steady on until stopped: the siren's own tone (wail or yelp) does the talking."""

PULSED: Final = Pattern(((True, 0.5), (False, 0.5)))
"""On 0.5 s, off 0.5 s: an urgent 1 Hz beat, distinct from steady and from fire."""

TEMPORAL_THREE: Final = Pattern(
    ((True, 0.5), (False, 0.5), (True, 0.5), (False, 0.5), (True, 0.5), (False, 1.5))
)
"""Fire evacuation signal, ISO 8201 / NFPA 72 temporal-three: three 0.5 s blasts 0.5 s
apart, then 1.5 s of silence (a 4 s cycle)."""

MEDICAL_CHIRPS: Final = Pattern(((True, 0.1), (False, 2.9)))
"""A 0.1 s chirp every 3 s: calls attention (a neighbour needs help) without alarming."""

STROBE_FLASH: Final = Pattern(((True, 0.2), (False, 0.8)))
"""A 1 Hz flash for a plain lamp behind a relay or MOSFET. A xenon/LED strobe beacon
that flashes by itself wants :data:`CONTINUOUS` instead."""

PATTERNS: Final[Mapping[str, Pattern]] = MappingProxyType(
    {
        "continuous": CONTINUOUS,
        "pulsed": PULSED,
        "temporal-three": TEMPORAL_THREE,
        "medical-chirps": MEDICAL_CHIRPS,
        "strobe-flash": STROBE_FLASH,
    }
)
"""Every named pattern, by the name a controller's configuration uses."""
