"""The send/ACK/resend decisions, sans-IO: time is a number the test passes in."""

from __future__ import annotations

import random

import pytest

from node.exchange import (
    MAX_SENDS,
    AckAddress,
    Exchange,
    Finished,
    Outcome,
    RetryTiming,
    Send,
    SendResult,
    Wait,
    check_ack,
)
from protocol.airtime import rylr998_airtime_ms
from protocol.frame import (
    Ack,
    AckResult,
    AlarmState,
    FrameType,
    Panic,
    PanicKind,
    Test,
    build_frame,
)
from tests.node.fakes import KEY, NETWORK, OTHER_KEY, ack_frame

NODE = 17
ADDRESS = AckAddress(network=NETWORK, node=NODE, controller=0, key=KEY)
TIMING = RetryTiming(ack_timeout_s=1.0, slot_s=0.5)


def panic_bytes(counter: int = 7) -> bytes:
    return build_frame(
        Panic(PanicKind.PANICO), network=NETWORK, src=NODE, dst=0, counter=counter, key=KEY
    )


def result_of(ex: Exchange) -> SendResult | None:
    return ex.result


def exchange(seed: int = 1, counter: int = 7, now: float = 100.0) -> Exchange:
    return Exchange(
        panic_bytes(counter),
        frame_type=FrameType.PANIC,
        counter=counter,
        address=ADDRESS,
        timing=TIMING,
        rng=random.Random(seed),
        now=now,
    )


def test_timing_follows_protocol_md_at_sf9_and_sf7() -> None:
    sf9 = RetryTiming.for_airtime(rylr998_airtime_ms(24, 9))
    sf7 = RetryTiming.for_airtime(rylr998_airtime_ms(24, 7))
    assert sf9.ack_timeout_s == pytest.approx(2 * 0.304128 + 0.5)
    assert sf7.ack_timeout_s == pytest.approx(2 * 0.086272 + 0.5)
    assert sf9.slot_s == pytest.approx(0.608256)
    assert [sf9.backoff_window_s(k) for k in range(1, 5)] == pytest.approx(
        [0.608256 * 4, 0.608256 * 8, 0.608256 * 16, 0.608256 * 32]
    )
    assert sf9.backoff_window_s(9) == pytest.approx(0.608256 * 32)
    assert sf9.max_sends == MAX_SENDS == 5
    assert sf9.worst_case_s() == pytest.approx(5 * 1.108256 + 60 * 0.608256)
    scaled = RetryTiming.for_airtime(rylr998_airtime_ms(24, 9), seconds_scale=0.1)
    assert scaled.ack_timeout_s == pytest.approx(sf9.ack_timeout_s * 0.1)


def test_first_send_is_immediate_then_the_ack_timer_runs() -> None:
    ex = exchange()
    step = ex.poll(100.0)
    assert step == Send(panic_bytes(), 1)
    ex.sent(100.3)
    assert ex.poll(100.5) == Wait(101.3)


def test_ack_on_first_send() -> None:
    ex = exchange()
    ex.poll(100.0)
    ex.sent(100.0)
    assert ex.datagram(ack_frame(7, node=NODE)) is None
    step = ex.poll(100.4)
    assert isinstance(step, Finished)
    assert step.result.outcome is Outcome.ACCEPTED
    assert step.result.sends == 1
    assert step.result.delivered


def test_no_ack_means_exactly_five_sends_of_the_same_bytes_then_unanswered() -> None:
    ex = exchange()
    now = 100.0
    sent: list[bytes] = []
    while True:
        step = ex.poll(now)
        if isinstance(step, Finished):
            break
        if isinstance(step, Send):
            sent.append(step.data)
            ex.sent(now)
        else:
            now = step.until
    assert sent == [panic_bytes()] * 5
    assert step.result.outcome is Outcome.UNANSWERED
    assert step.result.sends == 5
    assert len(ex.backoffs) == 4
    for k, backoff in enumerate(ex.backoffs, start=1):
        assert 0 <= backoff <= TIMING.backoff_window_s(k)


def test_resend_waits_ack_timeout_plus_backoff() -> None:
    ex = exchange(seed=3)
    ex.poll(100.0)
    ex.sent(100.0)
    step = ex.poll(101.0)  # ACK deadline reached: a back-off is drawn
    assert isinstance(step, Wait)
    assert step.until == pytest.approx(101.0 + ex.backoffs[0])
    assert ex.poll(step.until) == Send(panic_bytes(), 2)


def test_a_late_ack_during_the_backoff_still_counts() -> None:
    ex = exchange()
    ex.poll(100.0)
    ex.sent(100.0)
    assert isinstance(ex.poll(101.0), Wait)  # backing off
    assert ex.datagram(ack_frame(7, node=NODE)) is None
    step = ex.poll(101.01)
    assert isinstance(step, Finished)
    assert step.result.outcome is Outcome.ACCEPTED


def test_duplicate_after_a_resend_is_delivered() -> None:
    ex = exchange()
    ex.poll(100.0)
    ex.sent(100.0)
    resend = ex.poll(101.0)
    assert isinstance(resend, Wait)
    assert ex.poll(resend.until) == Send(panic_bytes(), 2)
    ex.sent(resend.until)
    assert ex.datagram(ack_frame(7, node=NODE, result=AckResult.DUPLICATE)) is None
    result = ex.result
    assert result is not None
    assert result.outcome is Outcome.DUPLICATE
    assert result.delivered
    assert result.sends == 2


def test_refused() -> None:
    ex = exchange()
    ex.poll(100.0)
    ex.sent(100.0)
    ex.datagram(ack_frame(7, node=NODE, result=AckResult.REFUSED))
    assert ex.result is not None
    assert ex.result.outcome is Outcome.REFUSED
    assert not ex.result.delivered


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (ack_frame(7, node=NODE, key=OTHER_KEY), "tag"),
        (ack_frame(6, node=NODE), "counter"),
        (ack_frame(8, node=NODE), "counter"),
        (ack_frame(7, node=NODE + 1), "dst"),
        (ack_frame(7, node=NODE, src=5), "src"),
        (ack_frame(7, node=NODE, network=NETWORK + 1), "network"),
        (
            build_frame(Test(), network=NETWORK, src=0, dst=NODE, counter=1, key=KEY),
            "type",
        ),
        (ack_frame(7, node=NODE)[:-1], "length"),
        (b"\x02" + ack_frame(7, node=NODE)[1:], "version"),
        (b"junk", "length"),
    ],
    ids=["key", "older", "newer", "dst", "src", "network", "type", "short", "version", "junk"],
)
def test_anything_but_this_frames_ack_is_ignored_and_counted(data: bytes, reason: str) -> None:
    assert check_ack(data, ADDRESS, 7) == reason
    ex = exchange()
    ex.poll(100.0)
    ex.sent(100.0)
    assert ex.datagram(data) == reason
    assert ex.result is None
    assert ex.ignored[reason] == 1
    assert ex.datagram(ack_frame(7, node=NODE)) is None  # the real ACK still ends it
    assert result_of(ex) == SendResult(
        FrameType.PANIC,
        7,
        Outcome.ACCEPTED,
        sends=1,
        ack=Ack(7, alarm_state=AlarmState.SOUNDING),
        ignored=1,
    )


def test_backoffs_are_random_and_differ_between_two_seeded_nodes() -> None:
    def backoffs(seed: int) -> list[float]:
        ex = exchange(seed=seed)
        now = 0.0
        while not isinstance(step := ex.poll(now), Finished):
            if isinstance(step, Send):
                ex.sent(now)
            else:
                now = step.until
        return ex.backoffs

    a, b = backoffs(1), backoffs(2)
    assert a == backoffs(1)  # seeded: reproducible
    assert a != b
    assert all(x != y for x, y in zip(a, b, strict=True))
    assert len(set(a)) == 4  # not a fixed step


def test_a_failed_send_counts_and_backs_off() -> None:
    ex = exchange()
    assert isinstance(ex.poll(100.0), Send)
    ex.send_failed(100.0)
    step = ex.poll(100.0)
    assert isinstance(step, Wait)
    assert ex.sends == 1


def test_every_send_failing_is_not_sent() -> None:
    ex = exchange()
    now = 0.0
    while not isinstance(step := ex.poll(now), Finished):
        if isinstance(step, Send):
            ex.send_failed(now)
        else:
            now = step.until
    assert step.result.outcome is Outcome.NOT_SENT
    assert step.result.sends == 5


def test_abandon() -> None:
    ex = exchange()
    assert ex.abandon().outcome is Outcome.NOT_SENT
    ex2 = exchange()
    ex2.poll(0.0)
    ex2.sent(0.0)
    assert ex2.abandon().outcome is Outcome.UNANSWERED
    assert ex2.datagram(ack_frame(7, node=NODE)) == "late"
