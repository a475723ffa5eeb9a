"""One frame's send / ACK / resend decisions, sans-IO (PROTOCOL.md, "Timing").

An :class:`Exchange` holds the bytes of one frame and decides, given the time (``now``, in
seconds on any monotonic clock), what happens next: send, wait until a deadline, or finish
with a :class:`SendResult`. It never sleeps, reads a clock or touches a radio; the
:class:`~node.sender.Sender` does that and feeds it what happened.

Timing (PROTOCOL.md): after each send the node waits ``2 × airtime + 500 ms`` for the ACK;
without one it resends *the same bytes*, up to :data:`MAX_SENDS` sends in all, each resend
after a random back-off. The back-off is "full jitter" over a window that doubles with each
resend: resend ``k`` (1..4) waits ``uniform(0, slot · 2^(k+1))`` — 4, 8, 16 and 32 slots —
where ``slot`` is the time one exchange occupies the channel (the frame and its ACK,
``2 × airtime``). Many neighbours press together when a siren starts; a window that grows
spreads them out further each time they collide, and a uniform draw (not a fixed step)
keeps two nodes from picking equal back-offs again. The window starts at 4 slots, not 2,
because the controller's ACKs share the channel: in a simulation of 5 nodes pressing in the
same instant (tests/node/test_contention.py, docs/node.md) it raises the share that get
their ACK from 88 % to 97 % with no loss and from 53 % to 70 % with 30 % loss, for a longer
worst case (42 s instead of 24 s at SF9, when nothing answers). An ACK that arrives late,
during a back-off, still counts.

ACKs are verified with the node's key; anything that is not *the* ACK of this frame
(wrong tag, network, source, destination, type, or acknowledged counter) is ignored and
counted by reason.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Final, TypeAlias

from protocol.errors import FrameError
from protocol.frame import Ack, AckResult, AlarmState, FrameType, decode_frame, parse_header

MAX_SENDS: Final = 5
ACK_MARGIN_S: Final = 0.5
BACKOFF_FIRST_SLOTS: Final = 4
"""The window of the first resend, in slots; it doubles with each resend after it."""
BACKOFF_MAX_SLOTS: Final = 32


class Outcome(Enum):
    """How one frame ended."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    """ACK result 1 after a resend: the controller had the frame already (delivered)."""
    REFUSED = "refused"
    UNANSWERED = "unanswered"
    """No ACK after every send."""
    NOT_SENT = "not_sent"
    """Never left the node (the counter reservation could not be saved, the radio failed)."""

    @property
    def delivered(self) -> bool:
        """The controller has the frame and acted on it."""
        return self in (Outcome.ACCEPTED, Outcome.DUPLICATE)


@dataclass(frozen=True, slots=True)
class SendResult:
    frame_type: FrameType
    counter: int
    outcome: Outcome
    sends: int
    ack: Ack | None = None
    ignored: int = 0
    """Datagrams heard during this exchange that were not its ACK."""

    @property
    def delivered(self) -> bool:
        return self.outcome.delivered

    @property
    def alarm_state(self) -> AlarmState | None:
        return None if self.ack is None else self.ack.alarm_state


@dataclass(frozen=True, slots=True)
class RetryTiming:
    """The numbers of one exchange, in (possibly scaled) seconds."""

    ack_timeout_s: float
    slot_s: float
    max_sends: int = MAX_SENDS

    @classmethod
    def for_airtime(
        cls, airtime_ms: float, *, seconds_scale: float = 1.0, max_sends: int = MAX_SENDS
    ) -> RetryTiming:
        """PROTOCOL.md's numbers for a frame of ``airtime_ms`` on air."""
        airtime_s = airtime_ms / 1000.0
        return cls(
            ack_timeout_s=(2 * airtime_s + ACK_MARGIN_S) * seconds_scale,
            slot_s=2 * airtime_s * seconds_scale,
            max_sends=max_sends,
        )

    def backoff_window_s(self, resend: int) -> float:
        """Upper bound of the back-off before resend ``resend`` (1 = the second send)."""
        slots = min(BACKOFF_FIRST_SLOTS << max(resend - 1, 0), BACKOFF_MAX_SLOTS)
        return self.slot_s * slots

    def backoff_s(self, resend: int, rng: random.Random) -> float:
        return rng.uniform(0.0, self.backoff_window_s(resend))

    def worst_case_s(self) -> float:
        """The longest an unanswered exchange can take."""
        backoffs = sum(self.backoff_window_s(k) for k in range(1, self.max_sends))
        return self.max_sends * self.ack_timeout_s + backoffs


@dataclass(frozen=True, slots=True)
class AckAddress:
    """Who the node is and whom it waits for: the fields an ACK must carry."""

    network: int
    node: int
    controller: int
    key: bytes = field(repr=False)


def check_ack(data: bytes, address: AckAddress, counter: int) -> Ack | str:
    """The ACK of frame ``counter`` in ``data``, or the reason ``data`` is not it."""
    try:
        header = parse_header(data)
        if header.network != address.network:
            return "network"
        frame = decode_frame(data, address.key)
    except FrameError as exc:
        return exc.reason
    if frame.src != address.controller:
        return "src"
    if frame.dst != address.node:
        return "dst"
    if frame.type != FrameType.ACK:
        return "type"
    try:
        body = frame.body()
    except FrameError as exc:
        return exc.reason
    assert isinstance(body, Ack)
    if body.acked_counter != counter:
        return "counter"
    return body


@dataclass(frozen=True, slots=True)
class Send:
    data: bytes
    number: int
    """1 for the first send, up to ``max_sends``."""


@dataclass(frozen=True, slots=True)
class Wait:
    until: float


@dataclass(frozen=True, slots=True)
class Finished:
    result: SendResult


Step: TypeAlias = Send | Wait | Finished


class Exchange:
    """The life of one frame: sends, ACK waits, back-offs, the outcome."""

    def __init__(
        self,
        data: bytes,
        *,
        frame_type: FrameType,
        counter: int,
        address: AckAddress,
        timing: RetryTiming,
        rng: random.Random,
        now: float,
    ) -> None:
        self.data = bytes(data)
        self.frame_type = frame_type
        self.counter = counter
        self._address = address
        self._timing = timing
        self._rng = rng
        self.sends = 0
        self.on_air = 0
        self.backoffs: list[float] = []
        self.ignored: Counter[str] = Counter()
        self._sending = False
        self._send_at: float | None = now
        self._ack_deadline: float | None = None
        self._result: SendResult | None = None

    @property
    def result(self) -> SendResult | None:
        return self._result

    def poll(self, now: float) -> Step:
        """What to do at ``now``."""
        if self._result is not None:
            return Finished(self._result)
        if self._ack_deadline is not None:
            if now < self._ack_deadline:
                return Wait(self._ack_deadline)
            self._ack_deadline = None
            if self.sends >= self._timing.max_sends:
                outcome = Outcome.UNANSWERED if self.on_air else Outcome.NOT_SENT
                return Finished(self._finish(outcome, None))
            backoff = self._timing.backoff_s(self.sends, self._rng)
            self.backoffs.append(backoff)
            self._send_at = now + backoff
        assert self._send_at is not None
        if now < self._send_at:
            return Wait(self._send_at)
        self._sending = True
        return Send(self.data, self.sends + 1)

    def sent(self, now: float) -> None:
        """The radio reports the frame on air at ``now``: start the ACK timer."""
        if self._result is not None:
            return
        self._sending = False
        self.sends += 1
        self.on_air += 1
        self._send_at = None
        self._ack_deadline = now + self._timing.ack_timeout_s

    def send_failed(self, now: float) -> None:
        """The radio could not send: the attempt counts, and the back-off follows at once."""
        if self._result is not None:
            return
        self._sending = False
        self.sends += 1
        self._send_at = None
        self._ack_deadline = now

    def abandon(self) -> SendResult:
        """Stop now (the node is closing, or a PANIC pre-empts a heartbeat)."""
        if self._result is None:
            outcome = Outcome.UNANSWERED if self.on_air else Outcome.NOT_SENT
            self._finish(outcome, None)
        assert self._result is not None
        return self._result

    def datagram(self, data: bytes) -> str | None:
        """Offer a received datagram; returns the reason it was ignored, or None if it ended
        the exchange (its ACK)."""
        if self._result is not None:
            return "late"
        verdict = check_ack(data, self._address, self.counter)
        if isinstance(verdict, str):
            self.ignored[verdict] += 1
            return verdict
        outcome = {
            AckResult.ACCEPTED: Outcome.ACCEPTED,
            AckResult.DUPLICATE: Outcome.DUPLICATE,
            AckResult.REFUSED: Outcome.REFUSED,
        }[verdict.result]
        self._finish(outcome, verdict)
        return None

    def _finish(self, outcome: Outcome, ack: Ack | None) -> SendResult:
        self._send_at = self._ack_deadline = None
        if self._sending:  # the ACK came while the radio was still reporting the send
            self._sending = False
            self.sends += 1
            self.on_air += 1
        self._result = SendResult(
            frame_type=self.frame_type,
            counter=self.counter,
            outcome=outcome,
            sends=self.sends,
            ack=ack,
            ignored=sum(self.ignored.values()),
        )
        return self._result
