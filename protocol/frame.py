"""Radio frames of PROTOCOL.md version 1: values, encoding, header checks and the tag.

A frame on the air is ``header (13) | payload (N ≤ 64) | tag (8)``; every integer is
big-endian and the tag is the first 8 bytes of HMAC-SHA256(key, header + payload).

Decoding is split in two so a receiver can find the key before any tag is computed:
:func:`parse_header` checks length, version and ``N`` without a key, and
:func:`decode_frame` does the same and then compares the tag in constant time.

A :class:`Frame` keeps the payload as bytes; :meth:`Frame.body` turns a known type's
payload into its dataclass (:class:`Panic`, :class:`Cancel`, :class:`Heartbeat`,
:class:`Test`, :class:`Ack`) and returns ``None`` for types it does not know (extensions
``0x10``-``0x7F``, ``0x90``-``0xFF``, and the unassigned rest). A known type whose payload
has the wrong size raises ``FrameError(reason="length")``; one whose payload holds an
undefined value (a PANIC kind 9, an ACK result 7) raises ``FrameError(reason="payload")``.
Reserved HEARTBEAT flag bits (3-7) are ignored on decode and sent as zero.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar, Final, Self, TypeAlias, TypeVar

from protocol.errors import EncodeError, FrameError

PROTOCOL_VERSION: Final = 1
BROADCAST: Final = 0xFFFF
CONTROLLER_ADDRESS: Final = 0
MAX_PAYLOAD: Final = 64
TAG_LEN: Final = 8
HEADER_LEN: Final = 13
MIN_FRAME_LEN: Final = HEADER_LEN + TAG_LEN  # 21
MAX_FRAME_LEN: Final = HEADER_LEN + MAX_PAYLOAD + TAG_LEN  # 85
KEY_LEN: Final = 16
BATTERY_UNKNOWN: Final = 0xFFFF

_HEADER: Final = struct.Struct(">BBHHHIB")
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


def _check_uint(name: str, value: int, bits: int) -> int:
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
    if _check_uint("battery_mv", value, 16) == BATTERY_UNKNOWN:
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
        return struct.pack(">I", _check_uint("panic_counter", self.panic_counter, 32))

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
            _check_uint("fw_major", self.fw_major, 8),
            _check_uint("fw_minor", self.fw_minor, 8),
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
            _check_uint("acked_counter", self.acked_counter, 32),
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


def _decode_body(frame_type: FrameType, payload: bytes) -> Body:
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


def _frame_type(value: int) -> FrameType | None:
    try:
        return FrameType(value)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class FrameHeader:
    """The 13 header bytes of a frame that passed the length and version checks."""

    type: int
    network: int
    src: int
    dst: int
    counter: int
    payload_len: int

    @property
    def frame_type(self) -> FrameType | None:
        """The type as a :class:`FrameType`, or None for a type v1 does not define."""
        return _frame_type(self.type)


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame's fields; ``type`` is an int because unknown types must decode too."""

    type: int
    network: int
    src: int
    dst: int
    counter: int
    payload: bytes = b""

    @property
    def frame_type(self) -> FrameType | None:
        """The type as a :class:`FrameType`, or None for a type v1 does not define."""
        return _frame_type(self.type)

    def body(self) -> Body | None:
        """The decoded payload; None for unknown types.

        Raises FrameError with reason ``length`` (wrong payload size for the type) or
        ``payload`` (an undefined kind, result or alarm state).
        """
        frame_type = self.frame_type
        if frame_type is None:
            return None
        return _decode_body(frame_type, bytes(self.payload))

    @classmethod
    def from_body(cls, body: Body, *, network: int, src: int, dst: int, counter: int) -> Self:
        """The frame carrying ``body``; the payload is encoded (and checked) now."""
        return cls(int(body.TYPE), network, src, dst, counter, body.encode())


def _check_key(key: bytes) -> bytes:
    if not isinstance(key, bytes | bytearray | memoryview) or len(key) != KEY_LEN:
        size = len(key) if isinstance(key, bytes | bytearray | memoryview) else type(key).__name__
        raise EncodeError(f"a key is exactly {KEY_LEN} bytes, got {size}")
    return bytes(key)


def frame_tag(key: bytes, signed: bytes) -> bytes:
    """The tag of ``signed`` (header + payload): HMAC-SHA256(key, signed)[:8]."""
    return hmac.new(_check_key(key), signed, hashlib.sha256).digest()[:TAG_LEN]


def encode_frame(frame: Frame, key: bytes) -> bytes:
    """The frame's bytes on the air, tag included.

    Raises EncodeError for a key that is not 16 bytes, a field out of range, ``src`` equal
    to BROADCAST, a payload over 64 bytes, or a known type's payload that does not decode.
    Any type 0..255 may be sent (extensions and tests of unknown types).
    """
    key = _check_key(key)
    _check_uint("type", frame.type, 8)
    _check_uint("network", frame.network, 16)
    if _check_uint("src", frame.src, 16) == BROADCAST:
        raise EncodeError("src 0xFFFF is the broadcast address; a sender is 0..0xFFFE")
    _check_uint("dst", frame.dst, 16)
    _check_uint("counter", frame.counter, 32)
    if not isinstance(frame.payload, bytes | bytearray | memoryview):
        raise EncodeError(f"payload must be bytes, got {type(frame.payload).__name__}")
    payload = bytes(frame.payload)
    if len(payload) > MAX_PAYLOAD:
        raise EncodeError(f"payload is {len(payload)} bytes; the most is {MAX_PAYLOAD}")
    try:
        frame.body()
    except FrameError as exc:
        raise EncodeError(f"payload does not fit type {frame.type:#04x}: {exc}") from None
    header = _HEADER.pack(
        PROTOCOL_VERSION,
        frame.type,
        frame.network,
        frame.src,
        frame.dst,
        frame.counter,
        len(payload),
    )
    signed = header + payload
    return signed + frame_tag(key, signed)


def build_frame(body: Body, *, network: int, src: int, dst: int, counter: int, key: bytes) -> bytes:
    """Encode ``body`` in a frame and return the bytes on the air (see :func:`encode_frame`)."""
    frame = Frame.from_body(body, network=network, src=src, dst=dst, counter=counter)
    return encode_frame(frame, key)


def parse_header(data: bytes) -> FrameHeader:
    """Check length, version and N (PROTOCOL.md order) without the key; return the header.

    Raises FrameError with reason ``length`` or ``version``. The tag is NOT checked: the
    header's fields are untrusted until :func:`decode_frame` verifies it.
    """
    data = bytes(data)
    if len(data) < MIN_FRAME_LEN:
        raise FrameError(
            "length", f"frame is {len(data)} bytes; the shortest frame is {MIN_FRAME_LEN}"
        )
    version, type_, network, src, dst, counter, payload_len = _HEADER.unpack_from(data)
    if version != PROTOCOL_VERSION:
        raise FrameError("version", f"protocol version {version}; this side speaks only 1")
    if payload_len > MAX_PAYLOAD:
        raise FrameError("length", f"payload length N={payload_len} is over {MAX_PAYLOAD}")
    expected = HEADER_LEN + payload_len + TAG_LEN
    if len(data) != expected:
        raise FrameError("length", f"frame is {len(data)} bytes; N={payload_len} means {expected}")
    return FrameHeader(type_, network, src, dst, counter, payload_len)


def decode_frame(data: bytes, key: bytes) -> Frame:
    """Check a received frame fully (length, version, N, tag) and return its fields.

    Raises EncodeError for a key that is not 16 bytes (our mistake) and FrameError with
    reason ``length``, ``version`` or ``tag``. Does not decode the payload: call
    :meth:`Frame.body` for that.
    """
    key = _check_key(key)
    data = bytes(data)
    header = parse_header(data)
    signed_len = HEADER_LEN + header.payload_len
    if not hmac.compare_digest(frame_tag(key, data[:signed_len]), data[signed_len:]):
        raise FrameError("tag", "the tag does not verify with this key")
    return Frame(
        header.type,
        header.network,
        header.src,
        header.dst,
        header.counter,
        data[HEADER_LEN:signed_len],
    )
