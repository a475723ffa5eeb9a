"""The virtual air on its own, with tiny fake modules (no pseudo-terminals)."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from hardware.emulators.air import Link, VirtualAir

SCALE = 0.01
"""1000 ms of air time lasts 10 ms in these tests."""


@dataclass(frozen=True, slots=True)
class Heard:
    payload: bytes
    rssi: int
    snr: float
    info: dict[str, Any]
    at: float


@dataclass(eq=False)
class FakeModule:
    name: str
    channel: Hashable = "915/18"
    listening: bool = True
    heard: list[Heard] = field(default_factory=list)

    def air_channel(self) -> Hashable:
        return self.channel

    def is_listening(self) -> bool:
        return self.listening

    def deliver(self, payload: bytes, rssi: int, snr: float, info: Mapping[str, Any]) -> None:
        now = asyncio.get_running_loop().time()
        self.heard.append(Heard(payload, rssi, snr, dict(info), now))


def on_air(air: VirtualAir, *names: str, **kwargs: Any) -> list[FakeModule]:
    modules = [FakeModule(name, **kwargs) for name in names]
    for module in modules:
        air.join(module)
    return modules


async def test_delivery_waits_for_the_scaled_airtime() -> None:
    air = VirtualAir(time_scale=SCALE)
    a, b = on_air(air, "a", "b")
    loop = asyncio.get_running_loop()
    started = loop.time()
    done = air.transmit(a, b"hola", 500.0, {"to": 0})
    assert b.heard == []
    assert air.busy("915/18")
    tx = await done
    assert tx.end - tx.start == pytest.approx(500.0 / 1000.0 * SCALE)
    assert [h.payload for h in b.heard] == [b"hola"]
    assert b.heard[0].info == {"to": 0}
    assert b.heard[0].at >= started + 0.005 * 0.999
    assert tx.heard_by == ["b"]
    assert a.heard == []  # a sender does not hear itself
    assert not air.busy("915/18")
    assert air.stats.transmissions == 1
    assert air.stats.deliveries == 1


async def test_overlapping_transmissions_are_both_lost() -> None:
    air = VirtualAir(time_scale=SCALE)
    a, b, c = on_air(air, "a", "b", "c")
    first = air.transmit(a, b"uno", 300.0)
    second = air.transmit(b, b"dos", 300.0)
    tx1, tx2 = await asyncio.gather(first, second)
    assert tx1.collided and tx2.collided
    assert c.heard == []
    assert air.stats.collided == 2
    assert air.stats.deliveries == 0


async def test_a_transmission_starting_before_another_ends_collides() -> None:
    air = VirtualAir(time_scale=SCALE)
    a, b, c = on_air(air, "a", "b", "c")
    first = air.transmit(a, b"largo", 1000.0)
    await asyncio.sleep(0)
    second = air.transmit(b, b"corto", 10.0)
    await asyncio.gather(first, second)
    assert c.heard == []


async def test_transmissions_one_after_another_are_both_delivered() -> None:
    air = VirtualAir(time_scale=SCALE)
    a, b, c = on_air(air, "a", "b", "c")
    await air.transmit(a, b"uno", 100.0)
    await air.transmit(b, b"dos", 100.0)
    assert [h.payload for h in c.heard] == [b"uno", b"dos"]
    assert [h.payload for h in a.heard] == [b"dos"]
    assert [h.payload for h in b.heard] == [b"uno"]
    assert air.stats.collided == 0


async def test_a_module_transmitting_does_not_hear() -> None:
    """Half-duplex: busy on another channel while a packet went by on its own."""
    air = VirtualAir(time_scale=SCALE)
    a, deaf, other = on_air(air, "a", "deaf", "other")
    deaf.channel = "915/5"
    own = air.transmit(deaf, b"mio", 1000.0)  # deaf's radio is busy for 10 ms
    packet = air.transmit(a, b"para todos", 100.0)
    deaf.channel = "915/18"  # back on a's channel before a's packet ends
    await asyncio.gather(own, packet)
    assert deaf.heard == []
    assert [h.payload for h in other.heard] == [b"para todos"]


async def test_a_module_not_listening_hears_nothing() -> None:
    air = VirtualAir(time_scale=SCALE)
    a, asleep = on_air(air, "a", "asleep")
    asleep.listening = False
    await air.transmit(a, b"hola", 100.0)
    assert asleep.heard == []


async def test_channels_are_separate() -> None:
    air = VirtualAir(time_scale=SCALE)
    a, same, other = on_air(air, "a", "same", "other")
    b = FakeModule("b", channel="923/18")
    other.channel = "923/18"
    air.join(b)
    # Two packets at once on different channels: no collision, each heard on its own.
    tx1, tx2 = await asyncio.gather(air.transmit(a, b"915", 100.0), air.transmit(b, b"923", 100.0))
    assert not tx1.collided and not tx2.collided
    assert [h.payload for h in same.heard] == [b"915"]
    assert [h.payload for h in other.heard] == [b"923"]


async def pattern(seed: int, loss_rate: float = 0.5, count: int = 60) -> list[bool]:
    air = VirtualAir(loss_rate=loss_rate, seed=seed, time_scale=SCALE)
    a, b = on_air(air, "a", "b")
    for n in range(count):
        await air.transmit(a, bytes([n]), 1.0)
    heard = {h.payload[0] for h in b.heard}
    return [n in heard for n in range(count)]


async def test_seeded_loss_is_reproducible() -> None:
    first = await pattern(seed=7)
    assert first == await pattern(seed=7)
    assert first != await pattern(seed=8)
    assert 0 < sum(first) < len(first)
    assert all(await pattern(seed=7, loss_rate=0.0))
    assert not any(await pattern(seed=7, loss_rate=1.0))


async def test_loss_is_counted() -> None:
    air = VirtualAir(loss_rate=1.0, time_scale=SCALE)
    a, _b = on_air(air, "a", "b")
    tx = await air.transmit(a, b"x", 1.0)
    assert tx.lost_for == ["b"]
    assert air.stats.losses == 1


async def test_link_sets_rssi_snr_and_loss() -> None:
    air = VirtualAir(time_scale=SCALE, default_link=Link(rssi=-70, snr=10.0))
    a, far, near, cut = on_air(air, "a", "far", "near", "cut")
    air.set_link("far", "a", Link(rssi=-118, snr=-7.5))
    air.set_link("a", "cut", Link(loss_rate=1.0))
    assert air.link("a", "far") == Link(rssi=-118, snr=-7.5)
    for _ in range(5):
        await air.transmit(a, b"x", 1.0)
    assert len(far.heard) == len(near.heard) == 5
    assert cut.heard == []
    assert all(-120 <= h.rssi <= -116 and -8.5 <= h.snr <= -6.5 for h in far.heard)
    assert all(-72 <= h.rssi <= -68 and 9.0 <= h.snr <= 11.0 for h in near.heard)


async def test_history_keeps_finished_transmissions() -> None:
    air = VirtualAir(time_scale=SCALE, history=2)
    a, _b = on_air(air, "a", "b")
    for payload in (b"1", b"2", b"3"):
        await air.transmit(a, payload, 1.0)
    assert [tx.payload for tx in air.history] == [b"2", b"3"]


async def test_membership_and_arguments_are_checked() -> None:
    air = VirtualAir(time_scale=SCALE)
    (a,) = on_air(air, "a")
    with pytest.raises(ValueError, match="already"):
        air.join(FakeModule("a"))
    air.join(a)  # joining again is harmless
    with pytest.raises(ValueError, match="airtime"):
        air.transmit(a, b"x", 0.0)
    with pytest.raises(ValueError, match="loss_rate"):
        VirtualAir(loss_rate=1.5)
    with pytest.raises(ValueError, match="time_scale"):
        VirtualAir(time_scale=0)
    b = FakeModule("b")
    air.join(b)
    air.leave(b)
    await air.transmit(a, b"x", 1.0)
    assert b.heard == []
