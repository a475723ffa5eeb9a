"""Payloads of the frame types PROTOCOL.md v1 defines, and the enums they use.

Each payload is a frozen dataclass with ``encode() -> bytes`` (raises EncodeError for a
field out of range) and ``decode(payload)`` (raises FrameError: ``length`` for the wrong
size, ``payload`` for an undefined kind, result or alarm state). Battery readings of
``0xFFFF`` (mains powered or unknown) are ``None``. Reserved HEARTBEAT flag bits (3-7) are
ignored on decode and sent as zero.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar, Final, Self, TypeAlias, TypeVar

from protocol.errors import EncodeError, FrameError

BATTERY_UNKNOWN: Final = 0xFFFF

_FLAG_LOW_BATTERY: Final = 0x01
_FLAG_TAMPER: Final = 0x02
_FLAG_EXTERNAL_POWER: Final = 0x04

_E = TypeVar("_E", bound=IntEnum)


class FrameType(IntEnum):
    """The frame types PROTOCOL.md v1 defines."""

    PANIC = 0x01
    CANCEL = 0x02
    HEARTBEAT = 0x03
    TEST = 0x04
    ACK = 0x81


class PanicKind(IntEnum):
    """What the vecino pressed; decides the street pattern and the Contact ID event."""

    PANICO = 1
    ROBO = 2
    INCENDIO = 3
    EMERGENCIA_MEDICA = 4
    ALERTA_SILENCIOSA = 5

    @property
    def contact_id(self) -> int:
        """The Contact ID event code monitoring centres know this kind by."""
        match self:
            case PanicKind.PANICO:
                return 120
            case PanicKind.ROBO:
                return 130
            case PanicKind.INCENDIO:
                return 110
            case PanicKind.EMERGENCIA_MEDICA:
                return 100
            case PanicKind.ALERTA_SILENCIOSA:
                return 122


class AckResult(IntEnum):
    """What the controller did with the acknowledged frame."""

    ACCEPTED = 0
    DUPLICATE = 1
    REFUSED = 2


class AlarmState(IntEnum):
    """The controller's alarm state, reported in every ACK."""

    IDLE = 0
    SOUNDING = 1
    SILENT_ALERT = 2


def check_uint(name: str, value: int, bits: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << bits:
        raise EncodeError(f"{name} must be an integer in 0..{(1 << bits) - 1}, got {value!r}")
    return value


def _check_enum(enum: type[IntEnum], name: str, value: int) -> int:
    try:
        return int(enum(value))
    except (ValueError, TypeError):
        known = ", ".join(f"{member.name}={member.value}" for member in enum)
        raise EncodeError(f"{name} must be one of {known}, got {value!r}") from None


def _check_size(payload: bytes, size: int, what: str) -> None:
    if len(payload) != size:
        raise FrameError("length", f"a {what} payload is {size} bytes, got {len(payload)}")


def _decode_enum(enum: type[_E], name: str, value: int) -> _E:
    try:
        return enum(value)
    except ValueError:
        raise FrameError("payload", f"undefined {name} {value}") from None


def _battery_to_wire(value: int | None) -> int:
    if value is None:
        return BATTERY_UNKNOWN
    if check_uint("battery_mv", value, 16) == BATTERY_UNKNOWN:
        raise EncodeError("battery_mv 0xFFFF means unknown on the wire; pass None instead")
    return value


def _battery_from_wire(value: int) -> int | None:
    return None if value == BATTERY_UNKNOWN else value


@dataclass(frozen=True, slots=True)
class Panic:
    """PANIC payload: the kind pressed and the battery (None = mains powered or unknown)."""

    TYPE: ClassVar[FrameType] = FrameType.PANIC
    SIZE: ClassVar[int] = 3

    kind: PanicKind
    battery_mv: int | None = None

    def encode(self) -> bytes:
        kind = _check_enum(PanicKind, "kind", self.kind)
        return struct.pack(">BH", kind, _battery_to_wire(self.battery_mv))

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        _check_size(payload, cls.SIZE, "PANIC")
        kind, battery = struct.unpack(">BH", payload)
        return cls(_decode_enum(PanicKind, "panic kind", kind), _battery_from_wire(battery))


@dataclass(frozen=True, slots=True)
class Cancel:
    """CANCEL payload: the counter of the PANIC frame it cancels."""

    TYPE: ClassVar[FrameType] = FrameType.CANCEL
    SIZE: ClassVar[int] = 4

    panic_counter: int

    def encode(self) -> bytes:
        return struct.pack(">I", check_uint("panic_counter", self.panic_counter, 32))

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        _check_size(payload, cls.SIZE, "CANCEL")
        (counter,) = struct.unpack(">I", payload)
        return cls(counter)


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """HEARTBEAT payload: battery, status flags and firmware version."""

    TYPE: ClassVar[FrameType] = FrameType.HEARTBEAT
    SIZE: ClassVar[int] = 5

    battery_mv: int | None
    low_battery: bool = False
    tamper: bool = False
    external_power: bool = False
    fw_major: int = 0
    fw_minor: int = 0

    def encode(self) -> bytes:
        flags = (
            (_FLAG_LOW_BATTERY if self.low_battery else 0)
            | (_FLAG_TAMPER if self.tamper else 0)
            | (_FLAG_EXTERNAL_POWER if self.external_power else 0)
        )
        return struct.pack(
            ">HBBB",
            _battery_to_wire(self.battery_mv),
            flags,
            check_uint("fw_major", self.fw_major, 8),
            check_uint("fw_minor", self.fw_minor, 8),
        )

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        _check_size(payload, cls.SIZE, "HEARTBEAT")
        battery, flags, major, minor = struct.unpack(">HBBB", payload)
        return cls(
            battery_mv=_battery_from_wire(battery),
            low_battery=bool(flags & _FLAG_LOW_BATTERY),
            tamper=bool(flags & _FLAG_TAMPER),
            external_power=bool(flags & _FLAG_EXTERNAL_POWER),
            fw_major=major,
            fw_minor=minor,
        )


@dataclass(frozen=True, slots=True)
class Test:
    """TEST payload (empty): an installer's test press, never an alarm."""

    __test__: ClassVar[bool] = False  # not a pytest test class

    TYPE: ClassVar[FrameType] = FrameType.TEST
    SIZE: ClassVar[int] = 0

    def encode(self) -> bytes:
        return b""

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        _check_size(payload, cls.SIZE, "TEST")
        return cls()


@dataclass(frozen=True, slots=True)
class Ack:
    """ACK payload: which counter is acknowledged, what was done, the alarm state."""

    TYPE: ClassVar[FrameType] = FrameType.ACK
    SIZE: ClassVar[int] = 6

    acked_counter: int
    result: AckResult = AckResult.ACCEPTED
    alarm_state: AlarmState = AlarmState.IDLE

    def encode(self) -> bytes:
        return struct.pack(
            ">IBB",
            check_uint("acked_counter", self.acked_counter, 32),
            _check_enum(AckResult, "result", self.result),
            _check_enum(AlarmState, "alarm_state", self.alarm_state),
        )

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        _check_size(payload, cls.SIZE, "ACK")
        counter, result, state = struct.unpack(">IBB", payload)
        return cls(
            counter,
            _decode_enum(AckResult, "ACK result", result),
            _decode_enum(AlarmState, "alarm state", state),
        )


Body: TypeAlias = Panic | Cancel | Heartbeat | Test | Ack
"""A decoded payload of one of the types PROTOCOL.md v1 defines."""


def decode_body(frame_type: FrameType, payload: bytes) -> Body:
    match frame_type:
        case FrameType.PANIC:
            return Panic.decode(payload)
        case FrameType.CANCEL:
            return Cancel.decode(payload)
        case FrameType.HEARTBEAT:
            return Heartbeat.decode(payload)
        case FrameType.TEST:
            return Test.decode(payload)
        case FrameType.ACK:
            return Ack.decode(payload)
