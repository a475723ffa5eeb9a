"""What the store hands back: frozen dataclasses, never rows.

Times are seconds since the epoch (UTC), as floats, like every ``now`` in the controller;
:func:`iso` renders one for people and JSON. Episodes are the alarm state machine's own
:class:`~controller.alarm.Episode` and SMS attempts the notifier's
:class:`~controller.sms.SmsAttempt`, so nothing is translated twice.

No record carries a node's key: :attr:`Node.fingerprint` identifies it without revealing it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal, TypeAlias

from controller.alarm import Episode
from controller.sms.notifier import SmsAttempt
from protocol.frame import FrameType, PanicKind

EventKind: TypeAlias = Literal["frame", "episode", "sms"]
EVENT_KINDS: Final[tuple[EventKind, ...]] = ("frame", "episode", "sms")

VERDICTS: Final = frozenset(
    {
        "accepted",
        "duplicate",
        "replay",
        "tag",
        "unknown",
        "length",
        "version",
        "payload",
        "not_for_us",
    }
)
"""Every verdict a frame can get: the verifier's, plus ``payload`` (a verified frame of a
known type whose payload does not decode) and ``not_for_us``."""

JsonValue: TypeAlias = bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"] | None


def iso(at: float | None) -> str | None:
    """``at`` (epoch seconds) as ISO 8601 UTC with microseconds; None stays None."""
    if at is None:
        return None
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="microseconds")


def kind_names(kinds: tuple[PanicKind, ...]) -> list[JsonValue]:
    return [kind.name for kind in kinds]


@dataclass(frozen=True, slots=True)
class Node:
    """A vecino's panic node as provisioned on this controller (its key stays in the store)."""

    network: int
    address: int
    household: str
    street_address: str
    kinds: tuple[PanicKind, ...]
    """The kinds this node may send (its buttons)."""
    fingerprint: str
    """First 4 bytes of SHA-256 of the key, in hex: tells keys apart, reveals nothing."""
    created_at: float

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "network": self.network,
            "address": self.address,
            "household": self.household,
            "street_address": self.street_address,
            "kinds": kind_names(self.kinds),
            "key_fingerprint": self.fingerprint,
            "created_at": iso(self.created_at),
        }


@dataclass(frozen=True, slots=True)
class Vecino:
    """Someone the controller texts: which kinds they receive, and for which nodes they are
    a designated contact (the only recipients of that node's ALERTA_SILENCIOSA)."""

    id: int
    name: str
    street_address: str
    household: str
    phone: str
    """E.164."""
    kinds: tuple[PanicKind, ...]
    contact_for: tuple[tuple[int, int], ...]
    """``(network, address)`` of the nodes whose silent alerts reach this vecino."""
    created_at: float

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "id": self.id,
            "name": self.name,
            "street_address": self.street_address,
            "household": self.household,
            "phone": self.phone,
            "kinds": kind_names(self.kinds),
            "contact_for": [{"network": n, "address": a} for n, a in self.contact_for],
            "created_at": iso(self.created_at),
        }


@dataclass(frozen=True, slots=True)
class FrameRecord:
    """One received datagram and the verdict on it. Header fields are None when the frame
    was too short or of another version to read them, and unauthenticated unless the
    verdict is ``accepted``, ``duplicate``, ``replay`` or ``not_for_us``."""

    id: int
    at: float
    verdict: str
    network: int | None
    src: int | None
    dst: int | None
    counter: int | None
    type: int | None
    detail: str
    rssi: int | None
    snr: float | None
    frame_hex: str

    @property
    def type_name(self) -> str | None:
        if self.type is None:
            return None
        try:
            return FrameType(self.type).name
        except ValueError:
            return f"0x{self.type:02X}"

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "id": self.id,
            "at": iso(self.at),
            "verdict": self.verdict,
            "network": self.network,
            "src": self.src,
            "dst": self.dst,
            "counter": self.counter,
            "type": self.type_name,
            "detail": self.detail,
            "rssi": self.rssi,
            "snr": self.snr,
            "frame_hex": self.frame_hex,
        }


def episode_json(episode: Episode) -> dict[str, JsonValue]:
    return {
        "id": episode.id,
        "kind": episode.kind.name,
        "started_at": iso(episode.started_at),
        "ended_at": iso(episode.ended_at),
        "end_reason": episode.end_reason.value if episode.end_reason else None,
        "siren_until": iso(episode.siren_until),
        "strobe_until": iso(episode.strobe_until),
        "silenced_at": iso(episode.silenced_at),
        "triggers": [
            {"network": t.network, "src": t.src, "counter": t.counter, "at": iso(t.at)}
            for t in episode.triggers
        ],
    }


def sms_json(attempt: SmsAttempt) -> dict[str, JsonValue]:
    return {
        "key": attempt.key,
        "to": attempt.to,
        "attempt_no": attempt.attempt_no,
        "at": attempt.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "outcome": attempt.outcome,
        "status": attempt.status,
        "sid": attempt.sid,
        "error_code": attempt.error_code,
        "error_message": attempt.error_message,
    }


@dataclass(frozen=True, slots=True)
class Event:
    """One line of ``sereno controller events``: a frame's verdict, an episode (at its
    start) or an SMS attempt."""

    at: float
    kind: EventKind
    record: FrameRecord | Episode | SmsAttempt

    def to_json(self) -> Mapping[str, JsonValue]:
        record = self.record
        if isinstance(record, FrameRecord):
            body = record.to_json()
        elif isinstance(record, Episode):
            body = episode_json(record)
        else:
            body = sms_json(record)
        return {"event": self.kind, "at": iso(self.at), **body}
