"""The rig the ``test_service*`` files drive a :class:`StreetController` with (no tests here).

Everything is real but the radio: the store is a SQLite file under ``tmp_path``, the siren
and strobe are :mod:`hardware.gpio` devices on gpiozero's ``MockFactory``, and the SMS go
through the official twilio client to the local sandbox (``running_sandbox()``). Frames are
built with :func:`protocol.frame.build_frame` and each node's key, and handed to
``controller.handle`` as :class:`~hardware.radio.base.Datagram` s; the radio only keeps
what the controller sends (its ACKs).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gpiozero.pins.mock import MockFactory

from controller.alarm import Alarm, AlarmPolicy
from controller.outputs import OutputsState, StreetOutputs
from controller.service import Happening, StreetController
from controller.sms import RetryPolicy, SmsNotifier
from controller.sms.notifier import SmsAttempt
from controller.store import Store
from controller.store.records import FrameRecord
from hardware.gpio.outputs import Siren, Strobe
from hardware.pins import BOARD_DEFAULTS
from hardware.radio.base import Datagram, RadioClosed
from protocol.frame import (
    CONTROLLER_ADDRESS,
    Ack,
    Body,
    Frame,
    FrameType,
    Panic,
    PanicKind,
    build_frame,
    decode_frame,
)
from sereno.sms_sandbox import Injection, RunningSandbox, SandboxConfig, running_sandbox

NETWORK = 2571
PINS = BOARD_DEFAULTS["pi4"]
SIREN_PIN = PINS.siren
STROBE_PIN = PINS.strobe
KEYS: dict[int, bytes] = {
    11: bytes.fromhex("000102030405060708090a0b0c0d0e0f"),
    12: bytes.fromhex("101112131415161718191a1b1c1d1e1f"),
    13: bytes.fromhex("202122232425262728292a2b2c2d2e2f"),
}
"""Node address → its key. Node 11 is casa 1, 12 casa 2, 13 casa 3."""
HOUSEHOLDS = {11: ("casa 1", "Pasaje Los Aromos 1201"), 12: ("casa 2", "Pasaje Los Aromos 1203")}
HOUSEHOLDS[13] = ("casa 3", "Pasaje Los Aromos 1205")

CARMEN, LUIS, ANA = "+56990010000", "+56990010001", "+56990020000"
"""Carmen: every kind but the silent one, and node 11's designated contact. Luis: every kind
but the silent one. Ana: INCENDIO only, and node 12's designated contact. Nobody is node
13's contact."""

FAST_SMS = RetryPolicy(
    attempts=5, attempt_timeout_s=10.0, initial_backoff_s=0.01, max_backoff_s=0.05
)
"""Quick back-offs, but a patient timeout: a request the sandbox is merely slow to answer
(a loaded machine) must not time out, or its retry would be a second SMS (see the notifier:
Twilio has no idempotency key)."""
TIMING_OUT_SMS = RetryPolicy(
    attempts=5, attempt_timeout_s=3.0, initial_backoff_s=0.01, max_backoff_s=0.05
)
"""For the tests that inject a timeout: gives up on a held request after 3 s."""
#: Caps long enough that nothing ends during a test unless the test says so.
LONG = AlarmPolicy(siren_max_s=60.0, strobe_max_s=120.0, cancel_window_s=60.0)


def recipients(kind: PanicKind, node: int = 11) -> set[str]:
    """Who must be texted for ``kind`` pressed at ``node`` (the registry below)."""
    if kind is PanicKind.ALERTA_SILENCIOSA:
        return {11: {CARMEN}, 12: {ANA}}.get(node, set())
    if kind is PanicKind.INCENDIO:
        return {CARMEN, LUIS, ANA}
    return {CARMEN, LUIS}


def register(store: Store) -> None:
    """Three nodes and three vecinos (see :data:`CARMEN`); nothing if already there."""
    if store.list_nodes():
        return
    for node, key in KEYS.items():
        household, street = HOUSEHOLDS[node]
        store.add_node(NETWORK, node, key, household, street)
    store.add_vecino("Carmen Soto", CARMEN, "Pasaje Los Aromos 1202", contact_for=[(NETWORK, 11)])
    store.add_vecino("Luis Rojas", LUIS, "Pasaje Los Aromos 1204")
    store.add_vecino(
        "Ana Muñoz",
        ANA,
        "Pasaje Los Aromos 1206",
        kinds=(PanicKind.INCENDIO,),
        contact_for=[(NETWORK, 12)],
    )


async def eventually(condition: Callable[[], bool], within: float = 10.0) -> None:
    """Wait until ``condition()`` holds, polling; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition never became true")
        await asyncio.sleep(0.01)


def level(pin: Any) -> bool:
    """A mock pin's current level."""
    return bool(pin.state)


def levels(pin: Any) -> list[bool]:
    """A mock pin's levels so far, the first being its level at ``clear_states()``."""
    return [bool(s.state) for s in pin.states]


@dataclass(frozen=True, slots=True)
class Sent:
    """One datagram the controller sent, and what was true when its bytes left."""

    data: bytes
    to: int | None
    street: OutputsState
    counter_on_disk: int | None
    """The sender node's counter in the ``counters`` table at that moment."""


class FakeRadio:
    """A :class:`~hardware.radio.base.Radio` that keeps what it is asked to send."""

    max_datagram = 240

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.incoming: asyncio.Queue[Datagram] = asyncio.Queue()
        self.started = False
        self.closed = False
        self.snapshot: Callable[[bytes], tuple[OutputsState, int | None]] | None = None

    async def start(self) -> None:
        self.started = True

    async def send(self, data: bytes, to: int | None = None) -> None:
        street, on_disk = (
            self.snapshot(data) if self.snapshot else (OutputsState(None, False), None)
        )
        self.sent.append(Sent(bytes(data), to, street, on_disk))

    async def receive(self) -> Datagram:
        if self.closed:
            raise RadioClosed("closed")
        return await self.incoming.get()

    async def close(self) -> None:
        self.closed = True


@dataclass
class Rig:
    """One running controller and what it touches."""

    controller: StreetController
    store: Store
    radio: FakeRadio
    factory: MockFactory
    sandbox: RunningSandbox
    happenings: list[Happening] = field(default_factory=list)
    counters: dict[int, int] = field(default_factory=dict)

    # --- frames in --------------------------------------------------------------------------
    def frame(
        self,
        body: Body,
        node: int = 11,
        *,
        counter: int | None = None,
        dst: int = CONTROLLER_ADDRESS,
        key: bytes | None = None,
    ) -> bytes:
        """A frame from ``node`` with its next counter (or ``counter``), signed with its key."""
        if counter is None:
            counter = self.counters.get(node, 0) + 1
        self.counters[node] = max(self.counters.get(node, 0), counter)
        return build_frame(
            body, network=NETWORK, src=node, dst=dst, counter=counter, key=key or KEYS[node]
        )

    async def receive(self, data: bytes, module: int | None = None) -> list[Ack]:
        """Hand ``data`` to the controller; the ACKs it sent because of it."""
        before = len(self.radio.sent)
        await self.controller.handle(Datagram(data, rssi=-85, snr=7.5, address=module))
        await asyncio.sleep(0)  # the ACK's send task
        return [self.ack(sent.data) for sent in self.radio.sent[before:]]

    async def press(self, kind: PanicKind, node: int = 11) -> Ack:
        """A fresh PANIC of ``kind`` from ``node``; its one ACK."""
        acks = await self.receive(self.frame(Panic(kind, 12600), node), module=node)
        assert len(acks) == 1, acks
        return acks[0]

    def ack(self, data: bytes) -> Ack:
        """Decode an ACK the controller sent (to whichever node it names)."""
        dst = int.from_bytes(data[6:8], "big")
        frame: Frame = decode_frame(data, KEYS[dst])
        assert frame.type == FrameType.ACK and frame.src == CONTROLLER_ADDRESS
        body = frame.body()
        assert isinstance(body, Ack)
        return body

    # --- what came out ----------------------------------------------------------------------
    @property
    def siren(self) -> Any:
        return self.factory.pin(SIREN_PIN)

    @property
    def strobe(self) -> Any:
        return self.factory.pin(STROBE_PIN)

    async def settle(self) -> None:
        """Every ACK and SMS the frames so far caused is done."""
        await asyncio.wait_for(self.controller.settle(), 30)

    def messages(self) -> list[dict[str, Any]]:
        """What the SMS sandbox received, oldest first."""
        return list(self.sandbox.state.messages.values())

    def texted(self) -> list[str]:
        """The numbers texted, one entry per SMS."""
        return [str(m["to"]) for m in self.messages()]

    def attempts(self) -> list[SmsAttempt]:
        return self.store.sms_attempts()

    def frames(self) -> list[FrameRecord]:
        """The frames log, oldest first."""
        return self.store.frames(limit=1000)[::-1]

    def verdicts(self) -> list[str]:
        return [f.verdict for f in self.frames()]

    def what(self, what: str) -> list[Happening]:
        return [h for h in self.happenings if h.what == what]

    def fail_sms(self, *items: dict[str, Any]) -> None:
        """Script the sandbox's answers to the next create requests."""
        self.sandbox.state.inject(Injection.from_json(item) for item in items)


@contextlib.asynccontextmanager
async def sms_sandbox() -> AsyncIterator[RunningSandbox]:
    """The Twilio-compatible sandbox on a loopback port; fails the test if it refused a
    request as breaking Twilio's rules (our requests must be ones Twilio takes)."""
    async with running_sandbox(SandboxConfig()) as sandbox:
        yield sandbox
        refused = [f"{r.path}: {r.code} {r.message}" for r in sandbox.state.rejections]
        assert not refused, f"the sandbox refused requests Twilio would refuse: {refused}"


@contextlib.asynccontextmanager
async def street(
    tmp_path: Path,
    sandbox: RunningSandbox,
    *,
    policy: AlarmPolicy = LONG,
    time_scale: float = 1.0,
    factory: MockFactory | None = None,
    clock: Callable[[], float] = time.time,
    sms_retry: RetryPolicy = FAST_SMS,
) -> AsyncIterator[Rig]:
    """A started controller on ``tmp_path / "controller.db"``, resuming open episodes.

    Leaving stops it as ``ControllerApp.close`` does: radio, outputs (pins LOW), SMS client
    and store. Pass the same ``factory`` (and ``tmp_path``) to a second one to restart.
    """
    own_factory = factory is None
    pins = factory or MockFactory()
    store = Store.open(tmp_path / "controller.db")
    register(store)
    outputs = StreetOutputs(
        Siren(SIREN_PIN, pin_factory=pins),
        Strobe(STROBE_PIN, pin_factory=pins),
        time_scale=time_scale,
    )
    notifier = SmsNotifier(sandbox.settings(), store, policy=sms_retry)
    radio = FakeRadio()
    controller = StreetController(
        radio=radio,
        store=store,
        alarm=Alarm(policy, store.load_open_episodes()),
        outputs=outputs,
        notifier=notifier,
        municipality="Maipu",
        clock=clock,
    )
    rig = Rig(controller, store, radio, pins, sandbox)
    controller.listen(rig.happenings.append)

    def snapshot(data: bytes) -> tuple[OutputsState, int | None]:
        node = int.from_bytes(data[6:8], "big")
        row = store.db.execute(
            "SELECT counter FROM counters WHERE network = ? AND src = ?", [NETWORK, node]
        ).fetchone()
        return outputs.state, None if row is None else int(row[0])

    radio.snapshot = snapshot
    try:
        await controller.start()
        yield rig
    finally:
        await controller.stop()
        outputs.close()
        await notifier.aclose()
        store.close()
        if own_factory:
            pins.reset()
            pins.close()
