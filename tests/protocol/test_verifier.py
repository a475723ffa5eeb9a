"""The receiving rules: order of checks, freshness, unknown senders, other receivers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol import (
    BROADCAST,
    Accepted,
    Ack,
    AckResult,
    AlarmState,
    Duplicate,
    EncodeError,
    Frame,
    NotForUs,
    Panic,
    PanicKind,
    Rejected,
    Verifier,
    build_frame,
    decode_frame,
    encode_frame,
)
from tests.protocol.stores import DictCounters, DictKeys
from tests.protocol.strategies import frames, keys
from tests.protocol.vectors import DEFAULT_KEY, INVALID, by_name

NETWORK, NODE = 2571, 7


def _panic(counter: int, *, dst: int = 0, battery: int | None = 3700) -> bytes:
    body = Panic(PanicKind.ROBO, battery)
    return build_frame(body, network=NETWORK, src=NODE, dst=dst, counter=counter, key=DEFAULT_KEY)


@pytest.fixture
def counters() -> DictCounters:
    return DictCounters()


@pytest.fixture
def verifier(counters: DictCounters) -> Verifier:
    return Verifier(DictKeys({(NETWORK, NODE): DEFAULT_KEY}), counters)


def test_new_counter_is_accepted_and_nothing_is_stored(
    verifier: Verifier, counters: DictCounters
) -> None:
    verdict = verifier.verify(_panic(5))
    assert isinstance(verdict, Accepted)
    assert verdict.frame.counter == 5
    assert counters.last == {}  # the caller stores after acting
    assert verifier.verify(_panic(5)) == verdict


def test_retransmission_is_a_duplicate(verifier: Verifier, counters: DictCounters) -> None:
    data = _panic(5)
    counters.store(NETWORK, NODE, 5, data)
    verdict = verifier.verify(data)
    assert verdict == Duplicate(decode_frame(data, DEFAULT_KEY))


def test_higher_counter_after_a_stored_one_is_new(
    verifier: Verifier, counters: DictCounters
) -> None:
    counters.store(NETWORK, NODE, 5, _panic(5))
    verdict = verifier.verify(_panic(6))
    assert isinstance(verdict, Accepted)
    assert verdict.frame.counter == 6


def test_lower_counter_is_a_replay(verifier: Verifier, counters: DictCounters) -> None:
    counters.store(NETWORK, NODE, 5, _panic(5))
    verdict = verifier.verify(_panic(4))
    assert verdict == Rejected("replay", "counter 4 is below the last accepted 5", NETWORK, NODE, 4)


def test_equal_counter_with_other_bytes_is_a_replay(
    verifier: Verifier, counters: DictCounters
) -> None:
    counters.store(NETWORK, NODE, 5, _panic(5))
    verdict = verifier.verify(_panic(5, battery=3600))
    assert isinstance(verdict, Rejected)
    assert (verdict.reason, verdict.counter) == ("replay", 5)
    assert "bytes differ" in verdict.detail


def test_counters_are_per_sender(verifier: Verifier, counters: DictCounters) -> None:
    counters.store(NETWORK, NODE + 1, 100, b"other node")
    counters.store(NETWORK + 1, NODE, 100, b"other network")
    assert isinstance(verifier.verify(_panic(1)), Accepted)


def test_unknown_sender_is_dropped_before_any_tag_is_computed() -> None:
    keys = DictKeys({(NETWORK, NODE + 1): DEFAULT_KEY})
    data = _panic(1)
    verdict = Verifier(keys, DictCounters()).verify(data)
    assert verdict == Rejected("unknown", "no key for network 2571 src 7", NETWORK, NODE, 1)
    assert keys.asked == [(NETWORK, NODE)]


def test_a_malformed_provisioned_key_is_unknown_not_a_crash() -> None:
    keys = DictKeys({(NETWORK, NODE): b"short"})
    verdict = Verifier(keys, DictCounters()).verify(_panic(1))
    assert isinstance(verdict, Rejected)
    assert verdict.reason == "unknown"
    assert "16 bytes" in verdict.detail


def test_length_and_version_failures_never_ask_for_a_key() -> None:
    keys = DictKeys({(NETWORK, NODE): DEFAULT_KEY})
    verifier = Verifier(keys, DictCounters())
    for vector in INVALID:
        if vector.reason in {"length", "version"}:
            verdict = verifier.verify(vector.frame)
            assert isinstance(verdict, Rejected)
            assert (verdict.reason, verdict.network, verdict.src) == (vector.reason, None, None)
    assert keys.asked == []


def test_tag_failure_names_the_claimed_sender(verifier: Verifier) -> None:
    bad = by_name("panic-robo").frame[:-1] + b"\x00"
    verdict = verifier.verify(bad)
    assert verdict == Rejected("tag", "the tag does not verify with this key", NETWORK, NODE, 1)


def test_frame_for_another_dst_is_not_for_us(verifier: Verifier) -> None:
    verdict = verifier.verify(_panic(1, dst=12))
    assert isinstance(verdict, NotForUs)
    assert verdict.frame.dst == 12


def test_dst_is_checked_before_freshness(verifier: Verifier, counters: DictCounters) -> None:
    counters.store(NETWORK, NODE, 50, _panic(50))
    verdict = verifier.verify(_panic(3, dst=12))
    assert isinstance(verdict, NotForUs)  # an old counter to someone else is not our replay


def test_broadcast_is_for_us(verifier: Verifier) -> None:
    assert isinstance(verifier.verify(_panic(1, dst=BROADCAST)), Accepted)


def test_a_node_verifies_the_controllers_ack() -> None:
    ack = build_frame(
        Ack(1, AckResult.ACCEPTED, AlarmState.SOUNDING),
        network=NETWORK,
        src=0,
        dst=NODE,
        counter=1,
        key=DEFAULT_KEY,
    )
    assert ack == by_name("ack-accepted").frame
    node = Verifier(DictKeys({(NETWORK, 0): DEFAULT_KEY}), DictCounters(), own_address=NODE)
    verdict = node.verify(ack)
    assert isinstance(verdict, Accepted)
    assert verdict.frame.body() == Ack(1, AckResult.ACCEPTED, AlarmState.SOUNDING)


@pytest.mark.parametrize("address", [-1, BROADCAST, 0x10000, True])
def test_own_address_must_be_a_unicast_address(address: int) -> None:
    with pytest.raises(EncodeError):
        Verifier(DictKeys(), DictCounters(), own_address=address)


@given(st.binary(max_size=100), st.integers(0, 0xFFFF_FFFF))
def test_verify_never_raises_on_random_bytes(data: bytes, last: int) -> None:
    counters = DictCounters({(NETWORK, NODE): (last, data)})
    verdict = Verifier(DictKeys({(NETWORK, NODE): DEFAULT_KEY}), counters).verify(data)
    assert isinstance(verdict, Rejected)  # random bytes never verify
    assert verdict.reason in {"length", "version", "unknown", "tag"}


@given(frames(), keys, st.data())
def test_verify_never_raises_on_mutated_frames(
    frame: Frame, key: bytes, data: st.DataObject
) -> None:
    raw = bytearray(encode_frame(frame, key))
    index = data.draw(st.integers(0, len(raw) - 1))
    raw[index] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(raw)))
    mutated = bytes(raw[:cut])
    verifier = Verifier(DictKeys({(frame.network, frame.src): key}), DictCounters())
    verdict = verifier.verify(mutated)
    if isinstance(verdict, Rejected):
        assert verdict.reason in {"length", "version", "unknown", "tag"}
    else:
        assert mutated == encode_frame(frame, key)
