"""Sending counters with reservations: a reboot never reuses one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.counters import MAX_COUNTER, CounterExhausted, TxCounter


def test_fresh_counter_starts_at_one_and_reserves_a_block() -> None:
    tx = TxCounter(block=32)
    first = tx.take()
    assert (first.counter, first.reserve) == (1, 32)
    rest = [tx.take() for _ in range(31)]
    assert [t.counter for t in rest] == list(range(2, 33))
    assert all(t.reserve is None for t in rest)
    nxt = tx.take()
    assert (nxt.counter, nxt.reserve) == (33, 64)


@given(st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=10))
def test_reboots_never_reuse_a_counter(frames_per_boot: list[int]) -> None:
    persisted = 0
    sent: list[int] = []
    for n in frames_per_boot:  # each boot sends n frames, then the power is cut
        tx = TxCounter(persisted, block=8)
        for _ in range(n):
            take = tx.take()
            if take.reserve is not None:
                persisted = take.reserve  # written before the frame goes out
            sent.append(take.counter)
    assert sent == sorted(set(sent))


def test_exhaustion_is_refused() -> None:
    tx = TxCounter(MAX_COUNTER - 1, block=4)
    assert tx.take().counter == MAX_COUNTER
    with pytest.raises(CounterExhausted):
        tx.take()


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="block"):
        TxCounter(block=0)
    with pytest.raises(ValueError, match="range"):
        TxCounter(-1)


def test_extend_reserves_ahead_so_take_needs_no_write() -> None:
    tx = TxCounter(10, block=16)
    assert tx.remaining == 0  # a boot starts above the reservation: nothing left under it
    assert tx.extend() == 26
    assert tx.remaining == 16
    takes = [tx.take() for _ in range(16)]
    assert [t.counter for t in takes] == list(range(11, 27))
    assert all(t.reserve is None for t in takes)
    assert tx.remaining == 0
    assert tx.take().reserve == 27 + 15
