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
from typing import Final, Self

from protocol.errors import EncodeError, FrameError
from protocol.payloads import (
    BATTERY_UNKNOWN,
    Ack,
    AckResult,
    AlarmState,
    Body,
    Cancel,
    FrameType,
    Heartbeat,
    Panic,
    PanicKind,
    Test,
    check_uint,
    decode_body,
)

__all__ = [
    "BATTERY_UNKNOWN",
    "BROADCAST",
    "CONTROLLER_ADDRESS",
    "HEADER_LEN",
    "KEY_LEN",
    "MAX_FRAME_LEN",
    "MAX_PAYLOAD",
    "MIN_FRAME_LEN",
    "PROTOCOL_VERSION",
    "TAG_LEN",
    "Ack",
    "AckResult",
    "AlarmState",
    "Body",
    "Cancel",
    "Frame",
    "FrameHeader",
    "FrameType",
    "Heartbeat",
    "Panic",
    "PanicKind",
    "Test",
    "build_frame",
    "decode_frame",
    "encode_frame",
    "frame_tag",
    "parse_header",
]

PROTOCOL_VERSION: Final = 1
BROADCAST: Final = 0xFFFF
CONTROLLER_ADDRESS: Final = 0
MAX_PAYLOAD: Final = 64
TAG_LEN: Final = 8
HEADER_LEN: Final = 13
MIN_FRAME_LEN: Final = HEADER_LEN + TAG_LEN  # 21
MAX_FRAME_LEN: Final = HEADER_LEN + MAX_PAYLOAD + TAG_LEN  # 85
KEY_LEN: Final = 16

_HEADER: Final = struct.Struct(">BBHHHIB")


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
        return decode_body(frame_type, bytes(self.payload))

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
    check_uint("type", frame.type, 8)
    check_uint("network", frame.network, 16)
    if check_uint("src", frame.src, 16) == BROADCAST:
        raise EncodeError("src 0xFFFF is the broadcast address; a sender is 0..0xFFFE")
    check_uint("dst", frame.dst, 16)
    check_uint("counter", frame.counter, 32)
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
