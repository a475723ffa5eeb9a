"""PROTOCOL.md's receiving rules as a pure verifier: bytes in, a verdict out.

The verifier reads keys and counters through two small protocols and never writes: it
decides, the caller acts. Checks, in this order, the first failure naming the reason:

1. shorter than 21 bytes -> ``length``
2. version not 1 -> ``version``
3. length not ``13 + N + 8``, or N over 64 -> ``length``
4. no key for the header's (network, src) -> ``unknown`` (before any tag is computed)
5. tag does not verify (constant-time compare) -> ``tag``
6. ``dst`` is neither our address nor BROADCAST -> :class:`NotForUs` (ignore, no ACK)
7. freshness against the highest counter accepted from (network, src):
   greater -> :class:`Accepted`; equal with the same bytes -> :class:`Duplicate`
   (re-ACK with ``result = DUPLICATE`` and do nothing else); anything else -> ``replay``.

Why dst before freshness: the counter store holds what *we* accepted, so it can only judge
frames addressed to us; a verified frame for another receiver is that receiver's business,
and judging it against our store would raise false replay alarms. It is ignored without an
ACK and without touching our counters.

The caller stores the counter: on :class:`Accepted` it acts (sounds, ACKs, ...) and then
records ``(frame.counter, data)`` as the last accepted for (network, src), the exact bytes
it passed to :meth:`Verifier.verify`, so that a retransmission is recognised as a
:class:`Duplicate`. The verifier never mutates anything, so verifying twice is harmless.

The payload is not decoded here: a verified frame of a known type may still raise
``FrameError`` from :meth:`Frame.body` (reason ``length`` or ``payload``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypeAlias

from protocol.errors import EncodeError, FrameError
from protocol.frame import BROADCAST, Frame, decode_frame, parse_header


class KeyStore(Protocol):
    """Where the verifier finds the key provisioned for a node."""

    def key_for(self, network: int, src: int) -> bytes | None:
        """The 16-byte key for (network, src), or None when the pair is not provisioned."""
        ...


class CounterStore(Protocol):
    """Where the verifier reads the freshness state the caller keeps (on disk)."""

    def last_accepted(self, network: int, src: int) -> tuple[int, bytes] | None:
        """The highest accepted counter from (network, src) and that frame's exact bytes."""
        ...


@dataclass(frozen=True, slots=True)
class Accepted:
    """A new, verified frame for us: act, then store its counter and bytes."""

    frame: Frame


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A retransmission of the last accepted frame: ACK again with DUPLICATE, nothing else."""

    frame: Frame


@dataclass(frozen=True, slots=True)
class NotForUs:
    """A verified frame addressed to another receiver: ignore it, send no ACK."""

    frame: Frame


@dataclass(frozen=True, slots=True)
class Rejected:
    """A dropped frame: count and log it; ``replay`` is also a security event.

    ``network``/``src``/``counter`` are the header's (unauthenticated unless the reason is
    ``replay``); None when the header did not pass the length and version checks.
    """

    reason: str
    detail: str
    network: int | None = None
    src: int | None = None
    counter: int | None = None


Verdict: TypeAlias = Accepted | Duplicate | Rejected | NotForUs


class Verifier:
    """Applies the receiving rules for the receiver at ``own_address`` (controller = 0)."""

    __slots__ = ("_counters", "_keys", "own_address")

    def __init__(self, keys: KeyStore, counters: CounterStore, *, own_address: int = 0) -> None:
        if isinstance(own_address, bool) or not 0 <= own_address < BROADCAST:
            raise EncodeError(f"own_address must be in 0..0xFFFE, got {own_address!r}")
        self._keys = keys
        self._counters = counters
        self.own_address = own_address

    def verify(self, data: bytes) -> Verdict:
        """The verdict on one received datagram. Never raises for any input bytes.

        Exceptions from the stores themselves (a broken database) do propagate.
        """
        data = bytes(data)
        try:
            header = parse_header(data)
        except FrameError as exc:
            return Rejected(exc.reason, str(exc))
        network, src, counter = header.network, header.src, header.counter
        key = self._keys.key_for(network, src)
        if key is None:
            return Rejected(
                "unknown", f"no key for network {network} src {src}", network, src, counter
            )
        try:
            frame = decode_frame(data, key)
        except EncodeError as exc:  # the store handed us a malformed key: cannot verify
            detail = f"the key provisioned for network {network} src {src} is unusable: {exc}"
            return Rejected("unknown", detail, network, src, counter)
        except FrameError as exc:
            return Rejected(exc.reason, str(exc), network, src, counter)
        if frame.dst not in (self.own_address, BROADCAST):
            return NotForUs(frame)
        last = self._counters.last_accepted(network, src)
        if last is None or counter > last[0]:
            return Accepted(frame)
        last_counter, last_bytes = last
        if counter == last_counter and data == bytes(last_bytes):
            return Duplicate(frame)
        detail = (
            f"counter {counter} equals the last accepted but the bytes differ"
            if counter == last_counter
            else f"counter {counter} is below the last accepted {last_counter}"
        )
        return Rejected("replay", detail, network, src, counter)
