"""Hypothesis strategies for frames and payloads."""

from __future__ import annotations

from hypothesis import strategies as st

from protocol import (
    BROADCAST,
    MAX_PAYLOAD,
    Ack,
    AckResult,
    AlarmState,
    Body,
    Cancel,
    Frame,
    FrameType,
    Heartbeat,
    Panic,
    PanicKind,
    Test,
)

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFF_FFFF)
senders = st.integers(0, BROADCAST - 1)
keys = st.binary(min_size=16, max_size=16)
batteries = st.none() | st.integers(0, 0xFFFE)

bodies: st.SearchStrategy[Body] = st.one_of(
    st.builds(Panic, st.sampled_from(PanicKind), batteries),
    st.builds(Cancel, u32),
    st.builds(Heartbeat, batteries, st.booleans(), st.booleans(), st.booleans(), u8, u8),
    st.just(Test()),
    st.builds(Ack, u32, st.sampled_from(AckResult), st.sampled_from(AlarmState)),
)

_known = {int(t) for t in FrameType}
unknown_types = u8.filter(lambda t: t not in _known)


@st.composite
def frames(draw: st.DrawFn) -> Frame:
    """Any frame encode_frame accepts: a known body, or any payload of an unknown type."""
    network, src, dst, counter = draw(u16), draw(senders), draw(u16), draw(u32)
    if draw(st.booleans()):
        body = draw(bodies)
        return Frame.from_body(body, network=network, src=src, dst=dst, counter=counter)
    payload = draw(st.binary(max_size=MAX_PAYLOAD))
    return Frame(draw(unknown_types), network, src, dst, counter, payload)
