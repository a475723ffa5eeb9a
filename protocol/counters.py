"""Sending counters that a power cut never makes reuse (PROTOCOL.md, "Freshness").

A sender (a node, or the controller for its ACKs to one node) must never send two frames
with the same counter under the same key. Writing the counter to flash on every frame wears
it out, so the sender persists a *reservation*: before using counter ``c`` it makes sure a
reservation ``>= c`` is on disk. On boot it starts above the last reservation, skipping at
most ``block`` counters that were reserved and never used.

Sans-IO: :meth:`TxCounter.take` returns the counter and, when a new reservation must be
persisted first, the value to persist. The caller writes it durably *before* sending.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocol.errors import EncodeError

MAX_COUNTER = 0xFFFF_FFFF


class CounterExhausted(EncodeError):
    """Every 32-bit counter under this key is used: the node needs a new key."""


@dataclass(frozen=True, slots=True)
class Take:
    counter: int
    reserve: int | None
    """Persist this reservation before sending, when not None."""


class TxCounter:
    """Counters for one sender and key, resumed from the last persisted reservation."""

    __slots__ = ("_block", "_next", "_reserved")

    def __init__(self, reserved: int = 0, *, block: int = 32) -> None:
        if block < 1:
            raise ValueError("block must be at least 1")
        if not 0 <= reserved <= MAX_COUNTER:
            raise ValueError(f"reservation out of range: {reserved}")
        self._block = block
        self._reserved = reserved
        # Counter 0 is never sent: the first frame under a fresh key is counter 1, and a
        # receiver with nothing stored accepts anything above "none".
        self._next = reserved + 1

    @property
    def reserved(self) -> int:
        return self._reserved

    @property
    def remaining(self) -> int:
        """Counters left under the persisted reservation before a write is needed."""
        return max(0, self._reserved - self._next + 1)

    def extend(self) -> int:
        """Reserve a fresh block ahead of need; persist the returned value.

        A sender on a hot path (the controller's ACKs) calls this after its urgent work,
        when :attr:`remaining` runs low, so :meth:`take` never has to wait for a disk write.
        """
        self._reserved = min(max(self._reserved, self._next - 1 + self._block), MAX_COUNTER)
        return self._reserved

    def take(self) -> Take:
        counter = self._next
        if counter > MAX_COUNTER:
            raise CounterExhausted("the 32-bit counter is exhausted; provision a new key")
        self._next += 1
        if counter <= self._reserved:
            return Take(counter, None)
        self._reserved = min(counter + self._block - 1, MAX_COUNTER)
        return Take(counter, self._reserved)
