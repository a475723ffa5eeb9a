"""COBS and base64 link encodings; the stream decoder under any chunking and junk."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol import (
    CobsStreamDecoder,
    EncodeError,
    Frame,
    LinkError,
    b64_decode,
    b64_encode,
    cobs_decode,
    cobs_encode,
    encode_frame,
    frame_for_stream,
    read_frame_text,
)
from tests.protocol.strategies import frames, keys
from tests.protocol.vectors import INVALID, VALID, InvalidVector, ValidVector

FRAMES = [vector.frame for vector in VALID]


@pytest.mark.parametrize(
    ("data", "encoded"),
    [
        (b"", b"\x01"),
        (b"\x00", b"\x01\x01"),
        (b"\x00\x00", b"\x01\x01\x01"),
        (b"\x11\x22\x00\x33", b"\x03\x11\x22\x02\x33"),
        (b"\x11\x22\x33\x44", b"\x05\x11\x22\x33\x44"),
        (b"\x11\x00\x00\x00", b"\x02\x11\x01\x01\x01"),
        (bytes(range(1, 255)), b"\xff" + bytes(range(1, 255))),
        (bytes(range(0, 255)), b"\x01\xff" + bytes(range(1, 255))),
        (bytes(range(1, 256)), b"\xff" + bytes(range(1, 255)) + b"\x02\xff"),
    ],
)
def test_cobs_known_answers(data: bytes, encoded: bytes) -> None:
    # The examples of Cheshire & Baker's paper as listed on Wikipedia.
    assert cobs_encode(data) == encoded
    assert cobs_decode(encoded) == data


@pytest.mark.parametrize(
    "bad",
    [b"", b"\x00", b"\x03\x11", b"\x02\x11\x00", b"\x05\x11\x22\x33", b"\xff\x01"],
)
def test_malformed_cobs_is_a_link_error(bad: bytes) -> None:
    with pytest.raises(LinkError):
        cobs_decode(bad)


@given(st.binary(max_size=700))
def test_cobs_round_trips_without_zeros(data: bytes) -> None:
    encoded = cobs_encode(data)
    assert 0 not in encoded
    assert len(encoded) <= len(data) + len(data) // 254 + 1
    assert cobs_decode(encoded) == data


@given(st.binary(max_size=300))
def test_cobs_decode_of_anything_raises_only_link_errors(data: bytes) -> None:
    try:
        decoded = cobs_decode(data)
    except LinkError:
        return
    assert cobs_decode(cobs_encode(decoded)) == decoded


@given(st.binary(max_size=200))
def test_base64_round_trips_unpadded(data: bytes) -> None:
    text = b64_encode(data)
    assert "=" not in text
    assert text == base64.b64encode(data).decode().rstrip("=")
    assert b64_decode(text) == data
    assert b64_decode(base64.b64encode(data).decode()) == data  # padding tolerated


@pytest.mark.parametrize(
    "bad",
    ["A", "AQE=K", "AQ=", "AQE==", "====", "AR", "AQ-_", "AQ E", "AQEK\n", "ñ", "AQ==="],
)
def test_bad_base64_is_a_link_error(bad: str) -> None:
    with pytest.raises(LinkError):
        b64_decode(bad)


@given(st.text(max_size=50))
def test_b64_decode_of_any_text_raises_only_link_errors(text: str) -> None:
    try:
        data = b64_decode(text)
    except LinkError:
        return
    assert b64_encode(data) == text.rstrip("=")


def test_stream_decoder_byte_at_a_time() -> None:
    stream = b"".join(frame_for_stream(frame) for frame in FRAMES)
    decoder = CobsStreamDecoder()
    out = [datagram for byte in stream for datagram in decoder.feed(bytes([byte]))]
    assert out == FRAMES
    assert (decoder.dropped, decoder.pending) == (0, 0)


def test_stream_decoder_whole_stream_at_once() -> None:
    stream = b"\x00\x00" + b"".join(frame_for_stream(frame) for frame in FRAMES)
    decoder = CobsStreamDecoder()
    assert decoder.feed(stream) == FRAMES
    assert decoder.dropped == 0  # empty packets between delimiters are not drops


def test_stream_decoder_counts_bad_cobs_and_goes_on() -> None:
    decoder = CobsStreamDecoder()
    out = decoder.feed(b"\x05\x11\x00" + frame_for_stream(FRAMES[0]))
    assert out == [FRAMES[0]]
    assert (decoder.malformed, decoder.oversized, decoder.dropped) == (1, 0, 1)


def test_stream_decoder_discards_oversized_garbage_up_to_the_next_delimiter() -> None:
    decoder = CobsStreamDecoder(max_frame=32)
    assert decoder.feed(b"\x7f" * 1000) == []
    assert decoder.pending == 0  # nothing buffered beyond the cap
    assert decoder.oversized == 1
    assert decoder.feed(b"\x7f" * 1000 + b"\x00" + frame_for_stream(FRAMES[0])) == [FRAMES[0]]
    assert decoder.dropped == 1


def test_stream_decoder_refuses_a_datagram_over_max_frame() -> None:
    decoder = CobsStreamDecoder(max_frame=len(FRAMES[0]) - 1)
    assert decoder.feed(frame_for_stream(FRAMES[0]) + frame_for_stream(b"ok")) == [b"ok"]
    assert decoder.oversized == 1


def test_stream_decoder_takes_a_datagram_of_exactly_max_frame() -> None:
    big = bytes(range(1, 256)) * 2
    decoder = CobsStreamDecoder(max_frame=len(big))
    assert decoder.feed(frame_for_stream(big)) == [big]


junk = st.binary(max_size=40).map(lambda b: b.replace(b"\x00", b"") + b"\x00")


@given(
    st.lists(st.sampled_from(FRAMES) | st.binary(max_size=90), max_size=8),
    st.lists(junk, max_size=8),
    st.data(),
)
def test_stream_decoder_in_random_chunks_with_junk_interleaved(
    datagrams: list[bytes], junks: list[bytes], data: st.DataObject
) -> None:
    parts: list[bytes] = []
    for index, datagram in enumerate(datagrams):
        if index < len(junks):
            parts.append(junks[index])
        parts.append(frame_for_stream(datagram))
    stream = b"".join(parts)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=20)))
    decoder = CobsStreamDecoder()
    out: list[bytes] = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        out += decoder.feed(stream[start:end])
    # Junk may decode into datagrams of its own, but every real one arrives, in order.
    remaining = iter(out)
    assert all(any(got == want for got in remaining) for want in datagrams)
    assert len(out) + decoder.dropped <= len(datagrams) + len(junks)
    assert decoder.pending == 0


@given(st.binary(max_size=2000), st.integers(1, 300))
def test_stream_decoder_never_raises_and_stays_capped(stream: bytes, max_frame: int) -> None:
    decoder = CobsStreamDecoder(max_frame=max_frame)
    for start in range(0, len(stream), 97):
        for datagram in decoder.feed(stream[start : start + 97]):
            assert len(datagram) <= max_frame
        assert decoder.pending <= max_frame + max_frame // 254 + 1


@pytest.mark.parametrize("vector", VALID, ids=[v.name for v in VALID])
def test_read_frame_text_detects_every_form_of_every_vector(vector: ValidVector) -> None:
    assert read_frame_text(vector.frame.hex()) == ("hex", vector.frame)
    assert read_frame_text(vector.frame.hex().upper()) == ("hex", vector.frame)
    assert read_frame_text(vector.base64) == ("base64", vector.frame)
    assert read_frame_text(vector.cobs.hex()) == ("cobs", vector.frame)
    spaced = " ".join(f"{byte:02x}" for byte in vector.frame)
    assert read_frame_text(f"  {spaced}\n") == ("hex", vector.frame)


@pytest.mark.parametrize("vector", INVALID, ids=[v.name for v in INVALID])
def test_read_frame_text_reads_damaged_frames_in_their_own_form(vector: InvalidVector) -> None:
    assert read_frame_text(vector.frame.hex()) == ("hex", vector.frame)
    assert read_frame_text(b64_encode(vector.frame)) == ("base64", vector.frame)
    assert read_frame_text(frame_for_stream(vector.frame).hex()) == ("cobs", vector.frame)


def test_read_frame_text_with_a_forced_form() -> None:
    vector = VALID[0]
    assert read_frame_text(vector.cobs.hex(), "cobs") == ("cobs", vector.frame)
    assert read_frame_text(vector.cobs[:-1].hex(), "cobs") == ("cobs", vector.frame)
    assert read_frame_text(vector.frame.hex(), "hex") == ("hex", vector.frame)
    # Forced, the text is read as told even when another form would fit better.
    assert read_frame_text("AQEK", "base64") == ("base64", b"\x01\x01\x0a")
    with pytest.raises(LinkError):
        read_frame_text(vector.base64, "hex")
    with pytest.raises(EncodeError):
        read_frame_text(vector.base64, "morse")


@pytest.mark.parametrize("text", ["", "   ", "zz!", "0", "-_-_"])
def test_read_frame_text_refuses_text_in_no_form(text: str) -> None:
    with pytest.raises(LinkError):
        read_frame_text(text)


@given(frames(), keys)
def test_read_frame_text_detects_the_forms_of_any_frame(frame: Frame, key: bytes) -> None:
    data = encode_frame(frame, key)
    assert read_frame_text(data.hex()) == ("hex", data)
    assert read_frame_text(b64_encode(data)) == ("base64", data)
    assert read_frame_text(frame_for_stream(data).hex()) == ("cobs", data)
