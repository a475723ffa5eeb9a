"""Frames and payloads: encoding rules, errors on both sides, round trips, fuzzing."""

from __future__ import annotations

import struct

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from protocol import (
    BATTERY_UNKNOWN,
    BROADCAST,
    MAX_FRAME_LEN,
    MAX_PAYLOAD,
    MIN_FRAME_LEN,
    Ack,
    AckResult,
    AlarmState,
    Body,
    Cancel,
    EncodeError,
    Frame,
    FrameError,
    FrameType,
    Heartbeat,
    LinkError,
    Panic,
    PanicKind,
    ProtocolError,
    Test,
    build_frame,
    decode_frame,
    encode_frame,
    frame_tag,
    parse_header,
)
from tests.protocol.strategies import bodies, frames, keys
from tests.protocol.vectors import DEFAULT_KEY, by_name

KEY = DEFAULT_KEY


def test_error_hierarchy_matches_the_house_style() -> None:
    assert issubclass(ProtocolError, ValueError)
    for error_class in (EncodeError, FrameError, LinkError):
        assert issubclass(error_class, ProtocolError)
    error = FrameError("tag", "bad tag")
    assert (error.reason, str(error)) == ("tag", "bad tag")


@pytest.mark.parametrize(
    ("kind", "contact_id"),
    [
        (PanicKind.PANICO, 120),
        (PanicKind.ROBO, 130),
        (PanicKind.INCENDIO, 110),
        (PanicKind.EMERGENCIA_MEDICA, 100),
        (PanicKind.ALERTA_SILENCIOSA, 122),
    ],
)
def test_panic_kinds_map_to_contact_id(kind: PanicKind, contact_id: int) -> None:
    assert kind.contact_id == contact_id


def test_wire_constants_agree_with_protocol_md() -> None:
    assert (MIN_FRAME_LEN, MAX_FRAME_LEN, MAX_PAYLOAD) == (21, 85, 64)
    assert [int(t) for t in FrameType] == [1, 2, 3, 4, 0x81]


def test_build_frame_reproduces_the_panic_robo_vector() -> None:
    vector = by_name("panic-robo")
    data = build_frame(Panic(PanicKind.ROBO, 3700), network=2571, src=7, dst=0, counter=1, key=KEY)
    assert data == vector.frame


def test_build_frame_reproduces_the_heartbeat_vector() -> None:
    body = Heartbeat(3300, low_battery=True, fw_major=1, fw_minor=2)
    data = build_frame(body, network=2571, src=7, dst=0, counter=3, key=KEY)
    assert data == by_name("heartbeat").frame


def test_battery_none_is_ffff_on_the_wire() -> None:
    assert Panic(PanicKind.PANICO, None).encode() == b"\x01\xff\xff"
    assert Panic.decode(b"\x05\xff\xff") == Panic(PanicKind.ALERTA_SILENCIOSA, None)
    assert Heartbeat.decode(b"\xff\xff\x00\x01\x00").battery_mv is None
    with pytest.raises(EncodeError, match="None"):
        Panic(PanicKind.PANICO, BATTERY_UNKNOWN).encode()


@pytest.mark.parametrize(
    "body",
    [
        Panic(PanicKind.ROBO, -1),
        Panic(PanicKind.ROBO, 0x10000),
        Panic(9, 3700),  # type: ignore[arg-type]
        Cancel(-1),
        Cancel(1 << 32),
        Heartbeat(3300, fw_major=256),
        Heartbeat(3300, fw_minor=-1),
        Ack(1, AckResult.ACCEPTED, 3),  # type: ignore[arg-type]
        Ack(1, 5, AlarmState.IDLE),  # type: ignore[arg-type]
        Ack(1 << 32),
        Cancel(True),
    ],
)
def test_payload_out_of_range_is_our_error(body: Body) -> None:
    with pytest.raises(EncodeError):
        body.encode()


@pytest.mark.parametrize(
    ("cls", "payload"),
    [
        (Panic, b"\x01\x0e"),
        (Panic, b"\x01\x0e\x74\x00"),
        (Cancel, b"\x00\x00\x01"),
        (Heartbeat, b"\x0c\xe4\x01\x01"),
        (Test, b"\x00"),
        (Ack, b"\x00\x00\x00\x01\x00"),
    ],
)
def test_wrong_payload_size_is_a_length_error(cls: type[Body], payload: bytes) -> None:
    with pytest.raises(FrameError) as caught:
        cls.decode(payload)
    assert caught.value.reason == "length"


@pytest.mark.parametrize(
    ("frame_type", "payload"),
    [
        (FrameType.PANIC, b"\x00\x0e\x74"),
        (FrameType.PANIC, b"\x06\x0e\x74"),
        (FrameType.ACK, b"\x00\x00\x00\x01\x03\x00"),
        (FrameType.ACK, b"\x00\x00\x00\x01\x00\x03"),
    ],
)
def test_undefined_values_in_a_verified_payload_are_payload_errors(
    frame_type: FrameType, payload: bytes
) -> None:
    frame = Frame(frame_type, 1, 7, 0, 1, payload)
    with pytest.raises(FrameError) as caught:
        frame.body()
    assert caught.value.reason == "payload"


def test_verified_frame_with_wrong_payload_size_decodes_but_body_refuses() -> None:
    signed = struct.pack(">BBHHHIB", 1, 1, 2571, 7, 0, 9, 2) + b"\x02\x0e"
    data = signed + frame_tag(KEY, signed)
    frame = decode_frame(data, KEY)
    assert frame.payload == b"\x02\x0e"
    with pytest.raises(FrameError) as caught:
        frame.body()
    assert caught.value.reason == "length"


def test_heartbeat_reserved_flag_bits_are_ignored() -> None:
    body = Heartbeat.decode(b"\x0c\xe4\xf9\x01\x02")
    assert (body.low_battery, body.tamper, body.external_power) == (True, False, False)
    assert body.encode() == b"\x0c\xe4\x01\x01\x02"


def test_unknown_type_keeps_raw_payload_and_has_no_body() -> None:
    frame = decode_frame(by_name("unknown-type-0x10").frame, KEY)
    assert frame.frame_type is None
    assert frame.body() is None
    assert frame.payload == b"\x00\x01\x02"


@pytest.mark.parametrize(
    "frame",
    [
        Frame(256, 1, 7, 0, 1),
        Frame(-1, 1, 7, 0, 1),
        Frame(0x10, 0x10000, 7, 0, 1),
        Frame(0x10, 1, BROADCAST, 0, 1),
        Frame(0x10, 1, 7, 0x10000, 1),
        Frame(0x10, 1, 7, 0, 1 << 32),
        Frame(0x10, 1, 7, 0, -1),
        Frame(0x10, 1, 7, 0, 1, bytes(MAX_PAYLOAD + 1)),
        Frame(FrameType.PANIC, 1, 7, 0, 1, b"\x02"),
        Frame(FrameType.PANIC, 1, 7, 0, 1, b"\x09\x0e\x74"),
        Frame(FrameType.TEST, 1, 7, 0, 1, b"\x00"),
        Frame(0x10, 1, 7, 0, 1, "text"),  # type: ignore[arg-type]
    ],
)
def test_encode_frame_refuses_what_no_receiver_could_accept(frame: Frame) -> None:
    with pytest.raises(EncodeError):
        encode_frame(frame, KEY)


def test_encode_frame_takes_the_largest_payload() -> None:
    data = encode_frame(Frame(0x10, 1, 7, 0, 1, bytes(MAX_PAYLOAD)), KEY)
    assert len(data) == MAX_FRAME_LEN


@pytest.mark.parametrize("key", [b"", bytes(15), bytes(17), bytes(32), "0" * 16])
def test_keys_are_exactly_16_bytes(key: bytes) -> None:
    with pytest.raises(EncodeError, match="16 bytes"):
        encode_frame(Frame(FrameType.TEST, 1, 7, 0, 1), key)
    with pytest.raises(EncodeError, match="16 bytes"):
        decode_frame(by_name("test").frame, key)


def test_parse_header_checks_in_protocol_order() -> None:
    # 20 bytes of version 2: too short wins over the version.
    with pytest.raises(FrameError) as short:
        parse_header(b"\x02" + bytes(19))
    assert short.value.reason == "length"
    # Version 2 with N over 64: the version wins over N.
    with pytest.raises(FrameError) as version:
        parse_header(b"\x02" + bytes(11) + b"\xff" + bytes(8))
    assert version.value.reason == "version"


def test_tag_is_checked_only_after_the_header() -> None:
    frame = by_name("panic-robo").frame
    with pytest.raises(FrameError) as caught:
        decode_frame(frame[:-1], bytes(16))
    assert caught.value.reason == "length"
    with pytest.raises(FrameError) as wrong_key:
        decode_frame(frame, bytes(16))
    assert wrong_key.value.reason == "tag"


@given(frames(), keys)
def test_frames_round_trip(frame: Frame, key: bytes) -> None:
    data = encode_frame(frame, key)
    assert len(data) == 21 + len(frame.payload)
    assert decode_frame(data, key) == frame
    header = parse_header(data)
    assert (header.network, header.src, header.counter) == (frame.network, frame.src, frame.counter)


@given(bodies)
def test_bodies_round_trip(body: Body) -> None:
    payload = body.encode()
    assert len(payload) == type(body).SIZE
    assert type(body).decode(payload) == body
    frame = Frame.from_body(body, network=1, src=7, dst=0, counter=1)
    assert frame.body() == body


@given(frames(), keys, st.data())
def test_any_single_bit_flip_breaks_the_frame(
    frame: Frame, key: bytes, data: st.DataObject
) -> None:
    raw = bytearray(encode_frame(frame, key))
    bit = data.draw(st.integers(0, len(raw) * 8 - 1))
    raw[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(FrameError) as caught:
        decode_frame(bytes(raw), key)
    assert caught.value.reason in {"length", "version", "tag"}


def _decode_outcome(data: bytes, key: bytes) -> tuple[Frame | None, str | None]:
    """(frame, None) when the frame verifies and its body decodes, else the reason."""
    try:
        frame = decode_frame(data, key)
        frame.body()
    except FrameError as exc:
        return None, exc.reason
    return frame, None


@given(st.binary(max_size=120), keys)
@example(b"\x01" + bytes(20), bytes(16))
def test_random_bytes_raise_nothing_but_frame_errors(data: bytes, key: bytes) -> None:
    frame, reason = _decode_outcome(data, key)
    assert frame is None  # random bytes never carry a valid tag
    assert reason in {"length", "version", "tag"}


@given(frames(), keys, st.data())
def test_mutated_frames_raise_nothing_but_frame_errors(
    frame: Frame, key: bytes, data: st.DataObject
) -> None:
    original = encode_frame(frame, key)
    raw = bytearray(original)
    for _ in range(data.draw(st.integers(1, 4))):
        action = data.draw(st.sampled_from(["set", "insert", "delete"]))
        position = data.draw(st.integers(0, max(len(raw) - 1, 0)))
        if action == "set" and raw:
            raw[position] = data.draw(st.integers(0, 255))
        elif action == "insert":
            raw.insert(position, data.draw(st.integers(0, 255)))
        elif raw:
            del raw[position]
    decoded, reason = _decode_outcome(bytes(raw), key)
    if decoded is None:
        assert reason in {"length", "version", "tag"}
    else:  # only the untouched bytes verify (anything else would be a forged tag)
        assert bytes(raw) == original
        assert decoded == frame
