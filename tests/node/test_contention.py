"""Neighbours pressing in the same instant: a discrete-event simulation of real Exchanges.

The sans-IO :class:`~node.exchange.Exchange` runs on simulated time: each node's frames
occupy the channel for their airtime at SF9, overlapping transmissions are lost (no capture
effect), the controller is half-duplex and answers each frame it hears with an ACK, and a
seeded draw loses deliveries. Seeded, so every run gives the same numbers; docs/node.md
quotes them.
"""

from __future__ import annotations

import heapq
import itertools
import random
from dataclasses import dataclass, field

import pytest

from node.exchange import AckAddress, Exchange, Finished, RetryTiming, Send
from protocol.airtime import rylr998_airtime_ms
from protocol.frame import FrameType, Panic, PanicKind, build_frame
from tests.node.fakes import KEY, NETWORK, ack_frame

FRAME_S = rylr998_airtime_ms(24, 9) / 1000  # a PANIC at SF9: 304 ms
ACK_S = rylr998_airtime_ms(27, 9) / 1000


@dataclass(order=True)
class Event:
    at: float
    seq: int
    kind: str = field(compare=False)
    node: int = field(compare=False)
    tx: int = field(compare=False, default=-1)


def simulate(nodes: int, loss: float, seed: int) -> list[Finished]:
    rng = random.Random(seed)
    seq = itertools.count()
    timing = RetryTiming.for_airtime(FRAME_S * 1000)
    exchanges = []
    for n in range(nodes):
        address = AckAddress(network=NETWORK, node=n + 1, controller=0, key=KEY)
        data = build_frame(
            Panic(PanicKind.PANICO), network=NETWORK, src=n + 1, dst=0, counter=1, key=KEY
        )
        exchanges.append(
            Exchange(
                data,
                frame_type=FrameType.PANIC,
                counter=1,
                address=address,
                timing=timing,
                rng=random.Random(rng.random()),
                now=0.0,
            )
        )
    airs: list[tuple[float, float, int]] = []  # (start, end, sender: -1 = controller)
    queue = [Event(0.0, next(seq), "poll", n) for n in range(nodes)]
    controller_free = 0.0
    done: dict[int, Finished] = {}

    def clean(tx: int) -> bool:
        start, end, _ = airs[tx]
        others = (a for i, a in enumerate(airs) if i != tx)
        return all(s >= end or e <= start for s, e, _ in others)

    while queue:
        event = heapq.heappop(queue)
        now, n = event.at, event.node
        ex = exchanges[n]
        if event.kind == "poll":
            step = ex.poll(now)
            if isinstance(step, Finished):
                done[n] = step
            elif isinstance(step, Send):
                airs.append((now, now + FRAME_S, n))
                heapq.heappush(queue, Event(now + FRAME_S, next(seq), "on-air", n, len(airs) - 1))
            else:
                heapq.heappush(queue, Event(step.until, next(seq), "poll", n))
        elif event.kind == "on-air":
            ex.sent(now)
            heapq.heappush(queue, Event(now, next(seq), "poll", n))
            start = airs[event.tx][0]
            heard = clean(event.tx) and controller_free <= start and rng.random() >= loss
            if heard:
                controller_free = now + ACK_S
                airs.append((now, now + ACK_S, -1))
                heapq.heappush(queue, Event(now + ACK_S, next(seq), "ack", n, len(airs) - 1))
        elif event.kind == "ack" and clean(event.tx) and rng.random() >= loss:
            ex.datagram(ack_frame(1, node=n + 1))
            heapq.heappush(queue, Event(now, next(seq), "poll", n))
    assert len(done) == nodes  # every node ends: ACK or failure, never stuck
    return list(done.values())


def share_acked(nodes: int, loss: float, runs: int = 200) -> float:
    outcomes = [r.result.delivered for seed in range(runs) for r in simulate(nodes, loss, seed)]
    return sum(outcomes) / len(outcomes)


@pytest.mark.parametrize(
    ("nodes", "loss", "at_least"),
    [(1, 0.0, 1.0), (5, 0.0, 0.95), (5, 0.3, 0.60), (2, 0.1, 0.95)],
)
def test_simultaneous_presses_mostly_get_through(nodes: int, loss: float, at_least: float) -> None:
    assert share_acked(nodes, loss) >= at_least


def test_every_simulated_node_ends_within_the_worst_case() -> None:
    worst = RetryTiming.for_airtime(FRAME_S * 1000).worst_case_s()
    for seed in range(50):
        for finished in simulate(5, 0.3, seed):
            assert 1 <= finished.result.sends <= 5
    assert worst == pytest.approx(5 * (2 * FRAME_S + 0.5) + 60 * 2 * FRAME_S)
