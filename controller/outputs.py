"""The street's outputs: makes the siren and strobe do what the alarm says.

:class:`StreetOutputs` compares the wanted :class:`~controller.alarm.Street` with what is
playing and touches a pin only when something changed. Every activation carries its
deadline down to the device's own thread (``max_seconds``), so the siren stops at its cap
even if this process's event loop is stuck.
"""

from __future__ import annotations

from dataclasses import dataclass

from controller.alarm import QUIET, Street
from hardware.gpio.outputs import Siren, Strobe
from hardware.gpio.patterns import PATTERNS, STROBE_FLASH, Pattern


@dataclass(frozen=True, slots=True)
class OutputsState:
    siren: str | None
    strobe: bool


class StreetOutputs:
    """Siren and strobe driven from :class:`Street` snapshots.

    ``time_scale`` shortens the patterns' steps for the demo and tests (the deadlines are
    already scaled by the alarm policy). ``strobe_pattern`` suits a plain lamp; a beacon
    that flashes by itself wants ``hardware.gpio.patterns.CONTINUOUS``.
    """

    def __init__(
        self,
        siren: Siren,
        strobe: Strobe,
        *,
        time_scale: float = 1.0,
        strobe_pattern: Pattern = STROBE_FLASH,
    ) -> None:
        self.siren = siren
        self.strobe = strobe
        self._scale = time_scale
        self._strobe_pattern = strobe_pattern
        self._street: Street = QUIET

    @property
    def state(self) -> OutputsState:
        return OutputsState(self._street.siren, self._street.strobe)

    def _pattern(self, name: str) -> Pattern:
        pattern = PATTERNS[name]
        return pattern if self._scale == 1.0 else pattern.scaled(self._scale)

    def apply(self, street: Street, now: float) -> None:
        """Make the outputs match ``street`` as of ``now`` (seconds since the epoch)."""
        before, self._street = self._street, street
        if (street.siren, street.siren_until) != (before.siren, before.siren_until):
            if street.siren is not None and street.siren_until is not None:
                left = street.siren_until - now
                if left > 0:
                    self.siren.play(self._pattern(street.siren), max_seconds=left)
                else:
                    self.siren.stop()
            else:
                self.siren.stop()
        if (street.strobe, street.strobe_until) != (before.strobe, before.strobe_until):
            left = (street.strobe_until - now) if street.strobe_until is not None else 0.0
            if street.strobe and left > 0:
                self.strobe.play(self._strobe_scaled(), max_seconds=left)
            else:
                self.strobe.stop()

    def _strobe_scaled(self) -> Pattern:
        pattern = self._strobe_pattern
        return pattern if self._scale == 1.0 else pattern.scaled(self._scale)

    def chirp(self, seconds: float = 0.2) -> bool:
        """One short chirp (TEST frames, self-tests), unless the siren is busy alarming."""
        if self._street.siren is not None and self.siren.is_active:
            return False
        self.siren.chirp(max(seconds * self._scale, 0.01))
        return True

    def close(self) -> None:
        self.siren.close()
        self.strobe.close()
