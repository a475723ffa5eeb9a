"""What one press of the demo did, end to end: the JSON of ``sereno demo --press``."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PressReport:
    """What one press did, end to end (the JSON of ``sereno demo --press``)."""

    home: int
    press: str
    acked: bool = False
    outcome: str = ""
    sends: int = 0
    press_to_siren_ms: float | None = None
    press_to_ack_ms: float | None = None
    airtime_ms: float = 0.0
    siren: str | None = None
    strobe: bool = False
    siren_expected: bool = False
    sms_expected: int = 0
    sms_accepted: int = 0
    sms_segments: int = 0
    sms: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        siren_ok = (self.siren is not None) == self.siren_expected
        return self.acked and siren_ok and self.sms_accepted == self.sms_expected

    def to_json(self) -> dict[str, object]:
        return {
            "home": self.home,
            "press": self.press,
            "acked": self.acked,
            "outcome": self.outcome,
            "sends": self.sends,
            "press_to_siren_ms": _ms(self.press_to_siren_ms),
            "press_to_ack_ms": _ms(self.press_to_ack_ms),
            "airtime_ms": round(self.airtime_ms, 1),
            "siren": self.siren,
            "strobe": self.strobe,
            "sms_expected": self.sms_expected,
            "sms_accepted": self.sms_accepted,
            "sms_segments": self.sms_segments,
            "sms": self.sms,
            "ok": self.ok,
        }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)
