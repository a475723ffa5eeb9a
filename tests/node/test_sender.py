"""The sending loop against an in-memory radio and a fake controller."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from node.counter_file import FILE_NAME, CounterFile
from node.errors import CounterFileError
from node.exchange import AckAddress, Outcome
from node.sender import Priority, Sender
from protocol.frame import (
    AckResult,
    Cancel,
    FrameType,
    Heartbeat,
    Panic,
    PanicKind,
    decode_frame,
)
from tests.node.fakes import KEY, NETWORK, OTHER_KEY, FakeAir, FakeController, FakeRadio, ack_frame

NODE = 17
SCALE = 0.1
"""Airtime 100 ms → 10 ms on the fake air; the ACK timer (2 × 100 + 500 ms) → 70 ms."""
WAIT = 30.0
"""Generous bound for any one result: a loaded machine must not fail a test."""


class Rig:
    def __init__(self, state_dir: Path, *, seed: int = 1, loss: float = 0.0) -> None:
        self.state_dir = state_dir
        self.air = FakeAir(time_scale=SCALE, loss_rate=loss, seed=seed)
        self.node_radio = FakeRadio(self.air, "node")
        self.controller = FakeController(FakeRadio(self.air, "controller"), {NODE: KEY})
        self.sender = self.make_sender(seed)

    def make_sender(self, seed: int = 1, radio: FakeRadio | None = None) -> Sender:
        return Sender(
            radio or self.node_radio,
            address=AckAddress(network=NETWORK, node=NODE, controller=0, key=KEY),
            counter_file=CounterFile(self.state_dir, KEY),
            airtime_ms=lambda n: 100.0,
            seconds_scale=SCALE,
            rng=random.Random(seed),
        )


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    rig = Rig(tmp_path / "estado")
    async with rig.controller:
        await rig.sender.start()
        yield rig
        await rig.sender.close()


async def send(sender: Sender, body: Panic | Cancel | Heartbeat) -> Outcome:
    result = await asyncio.wait_for(sender.send(body), WAIT)
    return result.outcome


async def test_ack_on_first_send(rig: Rig) -> None:
    result = await asyncio.wait_for(rig.sender.send(Panic(PanicKind.PANICO, 12100)), WAIT)
    assert result.outcome is Outcome.ACCEPTED
    assert result.frame_type is FrameType.PANIC
    assert result.counter == 1
    assert result.sends == 1
    assert len(rig.node_radio.sent) == 1
    data, to = rig.node_radio.sent[0]
    assert to is None
    frame = decode_frame(data, KEY)
    assert (frame.network, frame.src, frame.dst, frame.counter) == (NETWORK, NODE, 0, 1)
    assert frame.body() == Panic(PanicKind.PANICO, 12100)


async def test_lost_ack_and_its_retransmission_is_a_duplicate_counted_as_delivered(
    rig: Rig,
) -> None:
    rig.controller.lose_acks = 1
    result = await asyncio.wait_for(rig.sender.send(Panic(PanicKind.ROBO)), WAIT)
    assert result.outcome is Outcome.DUPLICATE
    assert result.delivered
    assert result.sends == 2
    first, second = (data for data, _ in rig.node_radio.sent)
    assert first == second  # the same bytes, same counter
    assert rig.controller.acks == [(1, AckResult.ACCEPTED), (1, AckResult.DUPLICATE)]
    assert len(rig.controller.frames) == 1  # acted on once


async def test_no_ack_means_exactly_five_sends_then_unanswered(rig: Rig) -> None:
    rig.controller.silent = True
    result = await asyncio.wait_for(rig.sender.send(Panic(PanicKind.PANICO)), WAIT)
    assert result.outcome is Outcome.UNANSWERED
    assert result.sends == 5
    assert len(rig.node_radio.sent) == 5
    assert len({data for data, _ in rig.node_radio.sent}) == 1


async def test_refused(rig: Rig) -> None:
    rig.controller.refuse = lambda frame: frame.type == FrameType.CANCEL
    assert await send(rig.sender, Panic(PanicKind.PANICO)) is Outcome.ACCEPTED
    assert await send(rig.sender, Cancel(1)) is Outcome.REFUSED


async def test_acks_with_wrong_key_counter_or_dst_are_ignored_and_counted(tmp_path: Path) -> None:
    air = FakeAir(time_scale=SCALE)
    radio = FakeRadio(air, "node")
    rig = Rig(tmp_path)
    sender = rig.make_sender(radio=radio)
    await sender.start()
    wrong = [
        ack_frame(1, node=NODE, key=OTHER_KEY),
        ack_frame(2, node=NODE),
        ack_frame(1, node=NODE + 1),
    ]
    radio.on_send = lambda data: radio.inject(*wrong)
    try:
        result = await asyncio.wait_for(sender.send(Panic(PanicKind.PANICO)), WAIT)
        assert result.outcome is Outcome.UNANSWERED  # none of them was the ACK
        assert sender.ignored["tag"] == 5
        assert sender.ignored["counter"] == 5
        assert sender.ignored["dst"] == 5
        radio.on_send = lambda data: radio.inject(*wrong, ack_frame(2, node=NODE))
        result = await asyncio.wait_for(sender.send(Panic(PanicKind.PANICO)), WAIT)
        assert result.outcome is Outcome.ACCEPTED
        assert result.sends == 1
        assert result.ignored == 1  # the wrong key; "ACK 2" is now the right one
    finally:
        await sender.close()


async def test_reservation_is_persisted_before_the_first_send(rig: Rig) -> None:
    on_disk: list[int] = []
    rig.node_radio.on_send = lambda data: on_disk.append(
        json.loads((rig.state_dir / FILE_NAME).read_text())["reserved"]
    )
    for _ in range(3):
        assert await send(rig.sender, Panic(PanicKind.PANICO)) is Outcome.ACCEPTED
    counters = [decode_frame(data, KEY).counter for data, _ in rig.node_radio.sent]
    assert counters == [1, 2, 3]
    assert all(reserved >= counter for reserved, counter in zip(on_disk, counters, strict=True))
    assert rig.sender.reserved == 32


async def test_power_cut_never_reuses_a_counter(tmp_path: Path) -> None:
    state = tmp_path / "estado"
    rig = Rig(state)
    async with rig.controller:
        await rig.sender.start()
        for _ in range(3):
            assert await send(rig.sender, Panic(PanicKind.PANICO)) is Outcome.ACCEPTED
        # Power cut: no clean shutdown, the in-memory counter is lost.
        rig.sender = rig.make_sender(seed=2, radio=FakeRadio(rig.air, "node-after-reboot"))
        await rig.sender.start()
        assert await send(rig.sender, Panic(PanicKind.PANICO)) is Outcome.ACCEPTED
        await rig.sender.close()
    counters = [frame.counter for frame in rig.controller.frames]
    assert counters[:3] == [1, 2, 3]
    assert counters[3] == 33  # above the whole reservation, never 4
    assert rig.controller.rejected == []


async def test_corrupt_counter_file_is_refused_at_start(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_text('{"format": 1, "reserved": ')
    rig = Rig(tmp_path)
    with pytest.raises(CounterFileError):
        await rig.sender.start()


async def test_reservation_that_cannot_be_saved_sends_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(self: CounterFile, reserved: int) -> None:
        raise OSError(28, "No space left on device")

    rig = Rig(tmp_path)
    async with rig.controller:
        with monkeypatch.context() as patch:
            patch.setattr(CounterFile, "save", disk_full)
            await rig.sender.start()  # logs; reserving ahead is not fatal
            result = await asyncio.wait_for(rig.sender.send(Panic(PanicKind.PANICO)), WAIT)
            assert result.outcome is Outcome.NOT_SENT
            assert rig.node_radio.sent == []
        result = await asyncio.wait_for(rig.sender.send(Panic(PanicKind.PANICO)), WAIT)
        await rig.sender.close()
    assert result.outcome is Outcome.ACCEPTED
    assert result.counter == 1  # never sent before, and now under a saved reservation
    assert CounterFile(tmp_path, KEY).load() >= 1


async def test_reserves_ahead_so_a_panic_never_waits_for_the_disk(rig: Rig) -> None:
    assert CounterFile(rig.state_dir, KEY).load() == 32  # written at start
    writes: list[int] = []
    rig.node_radio.on_send = lambda data: writes.append(
        json.loads((rig.state_dir / FILE_NAME).read_text())["reserved"]
    )
    for _ in range(30):
        await send(rig.sender, Heartbeat(None))
    # Extended while idle once only 8 were left (after counter 24): 24 + a block of 32.
    assert rig.sender.reserved == 56
    assert writes[-1] == 56
    assert CounterFile(rig.state_dir, KEY).load() == 56


async def test_a_second_request_queues_and_nothing_is_dropped(rig: Rig) -> None:
    first = rig.sender.submit(Panic(PanicKind.PANICO))
    second = rig.sender.submit(Panic(PanicKind.INCENDIO))
    results = await asyncio.wait_for(asyncio.gather(first, second), WAIT)
    assert [r.outcome for r in results] == [Outcome.ACCEPTED, Outcome.ACCEPTED]
    kinds = [frame.body() for frame in rig.controller.frames]
    assert kinds == [Panic(PanicKind.PANICO), Panic(PanicKind.INCENDIO)]


async def test_same_key_is_coalesced_while_pending(rig: Rig) -> None:
    first = rig.sender.submit(Panic(PanicKind.PANICO), coalesce=("panic", 1))
    again = rig.sender.submit(Panic(PanicKind.PANICO), coalesce=("panic", 1))
    assert again is first
    await asyncio.wait_for(first, WAIT)
    later = rig.sender.submit(Panic(PanicKind.PANICO), coalesce=("panic", 1))
    assert later is not first
    await asyncio.wait_for(later, WAIT)
    assert len(rig.controller.frames) == 2


async def test_alarms_go_before_heartbeats_and_preempt_them(rig: Rig) -> None:
    rig.controller.silent = True
    on_air = asyncio.Event()
    rig.node_radio.on_send = lambda data: on_air.set()
    heartbeat = rig.sender.submit(Heartbeat(None), priority=Priority.HEARTBEAT)
    await asyncio.wait_for(on_air.wait(), WAIT)
    rig.controller.silent = False
    panic = rig.sender.submit(Panic(PanicKind.PANICO))
    panic_result = await asyncio.wait_for(panic, WAIT)
    heartbeat_result = await asyncio.wait_for(heartbeat, WAIT)
    assert panic_result.outcome is Outcome.ACCEPTED
    assert heartbeat_result.outcome is Outcome.UNANSWERED
    assert heartbeat_result.sends < 5


async def test_radio_errors_count_as_sends(rig: Rig) -> None:
    rig.node_radio.fail_sends = 2
    result = await asyncio.wait_for(rig.sender.send(Panic(PanicKind.PANICO)), WAIT)
    assert result.outcome is Outcome.ACCEPTED
    assert result.sends == 3


async def test_test_frame(rig: Rig) -> None:
    result = await asyncio.wait_for(rig.sender.send_test(), WAIT)
    assert result.frame_type is FrameType.TEST
    assert result.outcome is Outcome.ACCEPTED


async def test_close_cancels_what_is_pending(rig: Rig) -> None:
    rig.controller.silent = True
    pending = rig.sender.submit(Panic(PanicKind.PANICO))
    await asyncio.sleep(0.01)
    await rig.sender.close()
    assert pending.cancelled()
