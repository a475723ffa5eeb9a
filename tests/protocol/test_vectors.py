"""Every vector of vectors.json, both ways, in every form (PROTOCOL.md is binding)."""

from __future__ import annotations

import pytest

from protocol import (
    Accepted,
    Frame,
    FrameError,
    NotForUs,
    Rejected,
    Verifier,
    b64_decode,
    b64_encode,
    cobs_decode,
    decode_frame,
    encode_frame,
    frame_for_stream,
    parse_header,
)
from tests.protocol.stores import DictCounters, DictKeys
from tests.protocol.vectors import INVALID, VALID, InvalidVector, ValidVector

valid = pytest.mark.parametrize("vector", VALID, ids=[v.name for v in VALID])
invalid = pytest.mark.parametrize("vector", INVALID, ids=[v.name for v in INVALID])


def _fields(vector: ValidVector) -> Frame:
    return Frame(
        vector.type, vector.network, vector.src, vector.dst, vector.counter, vector.payload
    )


@valid
def test_fields_encode_to_the_exact_bytes(vector: ValidVector) -> None:
    assert encode_frame(_fields(vector), vector.key) == vector.frame


@valid
def test_bytes_decode_to_the_fields(vector: ValidVector) -> None:
    assert decode_frame(vector.frame, vector.key) == _fields(vector)


@valid
def test_header_is_readable_without_the_key(vector: ValidVector) -> None:
    header = parse_header(vector.frame)
    assert (header.type, header.network, header.src, header.dst, header.counter) == (
        vector.type,
        vector.network,
        vector.src,
        vector.dst,
        vector.counter,
    )
    assert header.payload_len == len(vector.payload)


@valid
def test_base64_form_both_ways(vector: ValidVector) -> None:
    assert b64_encode(vector.frame) == vector.base64
    assert "=" not in vector.base64
    assert b64_decode(vector.base64) == vector.frame


@valid
def test_cobs_form_both_ways(vector: ValidVector) -> None:
    assert frame_for_stream(vector.frame) == vector.cobs
    assert vector.cobs.endswith(b"\x00") and vector.cobs.count(0) == 1
    assert cobs_decode(vector.cobs[:-1]) == vector.frame


@valid
def test_payload_body_reencodes_to_the_payload(vector: ValidVector) -> None:
    frame = decode_frame(vector.frame, vector.key)
    body = frame.body()
    if frame.frame_type is None:
        assert body is None
    else:
        assert body is not None
        assert body.encode() == vector.payload
        assert int(body.TYPE) == vector.type


@valid
def test_verifier_accepts_every_valid_vector(vector: ValidVector) -> None:
    keys = DictKeys({(vector.network, vector.src): vector.key})
    verdict = Verifier(keys, DictCounters(), own_address=vector.dst).verify(vector.frame)
    assert verdict == Accepted(_fields(vector))


@valid
def test_verifier_ignores_a_valid_vector_meant_for_another_receiver(vector: ValidVector) -> None:
    keys = DictKeys({(vector.network, vector.src): vector.key})
    other = (vector.dst + 1) % 0xFFFF
    verdict = Verifier(keys, DictCounters(), own_address=other).verify(vector.frame)
    assert verdict == NotForUs(_fields(vector))


@invalid
def test_decode_frame_rejects_for_the_named_reason(vector: InvalidVector) -> None:
    with pytest.raises(FrameError) as caught:
        decode_frame(vector.frame, vector.key)
    assert caught.value.reason == vector.reason


@invalid
def test_verifier_rejects_for_the_named_reason(vector: InvalidVector) -> None:
    keys = DictKeys({(0x0A0B, 7): vector.key})
    verdict = Verifier(keys, DictCounters()).verify(vector.frame)
    assert isinstance(verdict, Rejected)
    assert verdict.reason == vector.reason
    assert verdict.detail


@invalid
def test_invalid_vectors_survive_the_link_encodings(vector: InvalidVector) -> None:
    assert b64_decode(b64_encode(vector.frame)) == vector.frame
    assert cobs_decode(frame_for_stream(vector.frame)[:-1]) == vector.frame
