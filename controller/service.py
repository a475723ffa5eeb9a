"""The street controller at work: radio in, siren and ACK out, then the slow things.

One datagram at a time, in this order (PROTOCOL.md "Timing": the ACK goes before
anything slow):

1. verify (in memory: keys and counters are cached by the store);
2. for a PANIC, update the alarm and drive the siren and strobe (GPIO, microseconds);
3. start writing the ACK to the radio;
4. only then the disk: the counter (durable), the frame's verdict, the episode;
5. and in the background, the SMS fan-out, which may take seconds and never blocks 1-4.

Everything runs on one asyncio loop. Deadlines (siren cap, strobe end) wake the loop by
themselves, and each activation also carries its cap down to the GPIO thread, so the siren
stops on time even if this loop were stuck.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from controller.alarm import Alarm, Episode, PanicOutcome
from controller.outputs import StreetOutputs
from controller.sms import OutgoingSms, SmsNotifier, render, render_cancelled
from controller.store import Store
from controller.store.records import Node
from hardware.radio.base import Datagram, Radio, RadioError
from protocol.counters import TxCounter
from protocol.errors import FrameError
from protocol.frame import (
    CONTROLLER_ADDRESS,
    Ack,
    AckResult,
    Cancel,
    Frame,
    Heartbeat,
    Panic,
    Test,
    build_frame,
)
from protocol.verifier import Accepted, Duplicate, NotForUs, Rejected, Verifier

log = logging.getLogger(__name__)

#: Reserve ACK counters this many at a time; renew when fewer than half are left.
ACK_COUNTER_BLOCK = 64


@dataclass(frozen=True, slots=True)
class Happening:
    """Something the controller did, for a console, the demo and the tests."""

    what: str
    """``frame``, ``ack``, ``street``, ``episode``, ``sms``, ``silence``, ``chirp``."""
    text: str
    """One line in Spanish for a person watching."""
    data: dict[str, Any] = field(default_factory=dict)
    at: float = 0.0


Listener = Callable[[Happening], None]


class Clock(Protocol):
    def __call__(self) -> float: ...


class StreetController:
    """Receives, verifies, alarms, answers and notifies, for one controller."""

    def __init__(
        self,
        *,
        radio: Radio,
        store: Store,
        alarm: Alarm,
        outputs: StreetOutputs,
        notifier: SmsNotifier | None,
        municipality: str = "Maipu",
        clock: Clock = time.time,
        listener: Listener | None = None,
    ) -> None:
        self.radio = radio
        self.store = store
        self.alarm = alarm
        self.outputs = outputs
        self.notifier = notifier
        self.municipality = municipality
        self.verifier = Verifier(store, store, own_address=CONTROLLER_ADDRESS)
        self._clock = clock
        self._listeners: list[Listener] = [listener] if listener else []
        self._tx: dict[tuple[int, int], TxCounter] = {}
        self._nodes: dict[tuple[int, int], Node] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._fanouts: dict[str, asyncio.Task[None]] = {}
        self._wake: asyncio.TimerHandle | None = None
        self._receiver: asyncio.Task[None] | None = None
        self.stats: dict[str, int] = {}

    # --- life cycle ---------------------------------------------------------------------------
    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def start(self) -> None:
        """Resume open episodes (within their caps), then start receiving."""
        self._refresh_nodes()
        now = self._clock()
        self.alarm.expire(now)
        self._apply(now)
        self._persist_episodes()
        self._schedule_wake()
        for episode in self.alarm.open_episodes:
            # A restart must not lose an alert SMS nor send one twice: the ledger decides.
            self._notify(episode, episode.opener.network, episode.opener.src)
        await self.radio.start()
        self._receiver = asyncio.get_running_loop().create_task(self._receive_loop())

    async def stop(self) -> None:
        """Stop receiving, let SMS in flight finish (bounded), switch the street off."""
        if self._receiver is not None:
            self._receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._receiver
        if self._wake is not None:
            self._wake.cancel()
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=5.0)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self._persist_episodes()
        await self.radio.close()

    async def settle(self) -> None:
        """Wait until the background work (ACK sends, SMS fan-outs) caused so far is done."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def _receive_loop(self) -> None:
        while True:
            try:
                datagram = await self.radio.receive()
            except RadioError as exc:
                log.warning("radio receive failed: %s", exc)
                await asyncio.sleep(0.5)
                continue
            try:
                await self.handle(datagram)
            except Exception:  # one bad frame must never stop the controller
                log.exception("handling a datagram failed")
                self._count("errors")

    # --- the hot path -------------------------------------------------------------------------
    async def handle(self, datagram: Datagram) -> None:
        """Everything one received datagram causes (see the module doc for the order)."""
        data = datagram.data
        now = self._clock()
        verdict = self.verifier.verify(data)
        if isinstance(verdict, Accepted):
            await self._accepted(verdict.frame, datagram, now)
        elif isinstance(verdict, Duplicate):
            frame = verdict.frame
            await self._send_ack(frame, AckResult.DUPLICATE, now, datagram.address)
            self.store.record_verdict(verdict, data, rssi=datagram.rssi, snr=datagram.snr, at=now)
            self._count("duplicate")
            self._emit("frame", f"nodo {frame.src}: retransmisión, ACK repetido", now, frame=frame)
        elif isinstance(verdict, NotForUs):
            self.store.record_verdict(verdict, data, rssi=datagram.rssi, snr=datagram.snr, at=now)
            self._count("not_for_us")
        else:
            self._rejected(verdict, datagram, now)

    async def _accepted(self, frame: Frame, datagram: Datagram, now: float) -> None:
        try:
            body = frame.body()
        except FrameError as exc:
            # Verified but malformed payload: the node is ours and buggy; refuse, move on.
            await self._send_ack(frame, AckResult.REFUSED, now, datagram.address)
            self._store_accepted(frame, datagram, now, verdict="payload", detail=str(exc))
            self._emit("frame", f"nodo {frame.src}: contenido inválido ({exc})", now)
            return
        if isinstance(body, Panic):
            outcome = self.alarm.panic(
                network=frame.network, src=frame.src, counter=frame.counter, kind=body.kind, now=now
            )
            self._apply(now)
            await self._send_ack(frame, AckResult.ACCEPTED, now, datagram.address)
            self._store_accepted(frame, datagram, now)
            self._persist_episodes()
            self._panic_followup(frame, body, outcome, now)
        elif isinstance(body, Cancel):
            cancel = self.alarm.cancel(
                network=frame.network, src=frame.src, panic_counter=body.panic_counter, now=now
            )
            self._apply(now)
            result = AckResult.ACCEPTED if cancel.accepted else AckResult.REFUSED
            await self._send_ack(frame, result, now, datagram.address)
            self._store_accepted(frame, datagram, now, detail=cancel.reason)
            self._persist_episodes()
            if cancel.accepted and cancel.episode is not None:
                self._emit("episode", f"nodo {frame.src} canceló: falsa alarma", now)
                self._spawn(self._send_cancelled(cancel.episode))
            else:
                self._emit(
                    "episode", f"nodo {frame.src}: cancelación rechazada ({cancel.reason})", now
                )
        elif isinstance(body, Test):
            await self._send_ack(frame, AckResult.ACCEPTED, now, datagram.address)
            chirped = self.outputs.chirp()
            self._store_accepted(frame, datagram, now)
            self._emit("chirp", f"nodo {frame.src}: prueba de instalador", now, chirped=chirped)
        elif isinstance(body, Heartbeat):
            await self._send_ack(frame, AckResult.ACCEPTED, now, datagram.address)
            self._store_accepted(frame, datagram, now)
            battery = "desconocida" if body.battery_mv is None else f"{body.battery_mv} mV"
            self._emit("frame", f"nodo {frame.src}: latido, batería {battery}", now)
        else:  # an extension type we do not know: verified, logged, otherwise ignored
            self._store_accepted(frame, datagram, now, detail=f"tipo desconocido {frame.type:#04x}")
        self._schedule_wake()

    def _rejected(self, verdict: Rejected, datagram: Datagram, now: float) -> None:
        self.store.record_verdict(
            verdict, datagram.data, rssi=datagram.rssi, snr=datagram.snr, at=now
        )
        self._count(verdict.reason)
        if verdict.reason == "replay":
            log.warning(
                "security: replayed frame from network %s src %s", verdict.network, verdict.src
            )
        elif verdict.reason == "tag":
            log.warning("security: forged or corrupted frame claiming src %s", verdict.src)
        self._emit(
            "frame",
            f"trama rechazada ({verdict.reason}) de nodo {verdict.src}",
            now,
            reason=verdict.reason,
        )

    async def _send_ack(
        self, frame: Frame, result: AckResult, now: float, module: int | None
    ) -> None:
        """Build the ACK and get its bytes onto the serial port before returning.

        ``module`` is the radio address the frame came from (None: send to every module;
        the frame's ``dst`` still names the node).
        """
        key = self.store.key_for(frame.network, frame.src)
        assert key is not None  # the frame verified with it
        counter = self._ack_counter(frame.network, frame.src)
        ack = Ack(frame.counter, result, self.alarm.state(now))
        data = build_frame(
            ack,
            network=frame.network,
            src=CONTROLLER_ADDRESS,
            dst=frame.src,
            counter=counter,
            key=key,
        )
        self._spawn(self._transmit(data, frame.src, module))
        await asyncio.sleep(0)  # let the send task write its bytes now, before the disk work
        self._emit("ack", f"ACK a nodo {frame.src}: {result.name}", now, result=result.name)

    async def _transmit(self, data: bytes, node: int, module: int | None) -> None:
        try:
            await self.radio.send(data, to=module)
        except RadioError as exc:
            log.warning("ACK to node %s not sent: %s", node, exc)
            self._count("ack_failed")

    def _ack_counter(self, network: int, node: int) -> int:
        tx = self._tx.get((network, node))
        if tx is None:
            reserved = self.store.tx_reservation(network, node)
            tx = self._tx[network, node] = TxCounter(reserved, block=ACK_COUNTER_BLOCK)
        take = tx.take()
        if take.reserve is not None:  # first ACK to this node since start: must hit disk first
            self.store.save_tx_reservation(network, node, take.reserve)
        return take.counter

    def _renew_reservations(self) -> None:
        for (network, node), tx in self._tx.items():
            if tx.remaining < ACK_COUNTER_BLOCK // 2:
                self.store.save_tx_reservation(network, node, tx.extend())

    def _store_accepted(
        self,
        frame: Frame,
        datagram: Datagram,
        now: float,
        *,
        verdict: str = "accepted",
        detail: str = "",
    ) -> None:
        self.store.accept_counter(frame.network, frame.src, frame.counter, datagram.data, at=now)
        self.store.record_frame(
            verdict,
            datagram.data,
            network=frame.network,
            src=frame.src,
            dst=frame.dst,
            counter=frame.counter,
            frame_type=frame.type,
            detail=detail,
            rssi=datagram.rssi,
            snr=datagram.snr,
            at=now,
        )
        self._renew_reservations()
        self._count("accepted")

    # --- street and episodes ------------------------------------------------------------------
    def silence(self) -> list[Episode]:
        """The installer's key-switch or ``sereno controller silence``."""
        now = self._clock()
        silenced = self.alarm.silence(now)
        self._apply(now)
        self._persist_episodes()
        self._schedule_wake()
        self._emit("silence", f"sirena silenciada ({len(silenced)} episodio(s))", now)
        return silenced

    def _apply(self, now: float) -> None:
        street = self.alarm.street(now)
        before = self.outputs.state
        self.outputs.apply(street, now)
        after = self.outputs.state
        if after != before:
            siren = after.siren or "apagada"
            strobe = "encendida" if after.strobe else "apagada"
            self._emit(
                "street",
                f"sirena {siren}, baliza {strobe}",
                now,
                siren=after.siren,
                strobe=after.strobe,
            )

    def _persist_episodes(self) -> None:
        changed = self.alarm.take_changed()
        if changed:
            self.store.save_episodes(changed)

    def _schedule_wake(self) -> None:
        if self._wake is not None:
            self._wake.cancel()
            self._wake = None
        deadline = self.alarm.next_deadline()
        if deadline is None:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, deadline - self._clock())
        self._wake = loop.call_later(delay, self._on_deadline)

    def _on_deadline(self) -> None:
        self._wake = None
        now = self._clock()
        ended = self.alarm.expire(now)
        self._apply(now)
        self._persist_episodes()
        for episode in ended:
            self._emit("episode", f"episodio {episode.kind.name} terminado", now, id=episode.id)
        self._schedule_wake()

    # --- SMS ----------------------------------------------------------------------------------
    def _panic_followup(self, frame: Frame, body: Panic, outcome: PanicOutcome, now: float) -> None:
        episode = outcome.episode
        if outcome.opened:
            self._emit(
                "episode",
                f"nuevo episodio {body.kind.name} abierto por nodo {frame.src}",
                now,
                id=episode.id,
                kind=body.kind.name,
            )
        if outcome.new_presser:
            self._notify(episode, frame.network, frame.src)

    def _notify(self, episode: Episode, network: int, src: int) -> None:
        if self.notifier is None:
            return
        node = self._node(network, src)
        household = node.household if node else f"nodo {src}"
        street_address = node.street_address if node else ""
        body = render(episode.kind, household, street_address, self.municipality)
        messages = [
            OutgoingSms(f"{episode.id}:{vecino.id}", vecino.phone, body)
            for vecino in self.store.recipients_for(episode.kind, (network, src))
        ]
        if messages:
            task = self._spawn(self._fan_out(messages))
            self._fanouts[episode.id] = task

    async def _fan_out(self, messages: list[OutgoingSms]) -> None:
        assert self.notifier is not None
        results = await self.notifier.send_all(messages)
        for result in results:
            if result.outcome == "skipped":
                continue
            text = next(m.body for m in messages if m.key == result.key)
            self._emit(
                "sms",
                f"SMS a {result.to}: {result.outcome} — «{text}»",
                self._clock(),
                to=result.to,
                outcome=result.outcome,
                body=text,
            )

    async def _send_cancelled(self, episode: Episode) -> None:
        if self.notifier is None:
            return
        pending = self._fanouts.get(episode.id)
        if pending is not None:
            await asyncio.wait({pending})
        opener = episode.opener
        node = self._node(opener.network, opener.src)
        household = node.household if node else f"nodo {opener.src}"
        body = render_cancelled(
            episode.kind, household, node.street_address if node else "", self.municipality
        )
        messages = [
            OutgoingSms(f"{episode.id}:{vecino.id}:cancelada", vecino.phone, body)
            for vecino in self.store.recipients_for(episode.kind, (opener.network, opener.src))
            if self.store.already_sent(f"{episode.id}:{vecino.id}")
        ]
        if messages:
            await self._fan_out(messages)

    # --- helpers ------------------------------------------------------------------------------
    def _node(self, network: int, src: int) -> Node | None:
        node = self._nodes.get((network, src))
        if node is None and self.store.reload_registry():
            self._refresh_nodes()
            node = self._nodes.get((network, src))
        return node

    def refresh_registry(self, *, force: bool = True) -> int:
        """Reload node keys and records from the store (the hub's ``resync_config``, and
        every few seconds with ``force=False``: only when another process changed them);
        how many nodes are registered."""
        if self.store.reload_registry() or force:
            self._refresh_nodes()
        return len(self._nodes)

    def _refresh_nodes(self) -> None:
        self._nodes = {(n.network, n.address): n for n in self.store.list_nodes()}

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _count(self, what: str) -> None:
        self.stats[what] = self.stats.get(what, 0) + 1

    def _emit(self, what: str, text: str, at: float, **data: Any) -> None:
        happening = Happening(what, text, data, at)
        for listener in self._listeners:
            try:
                listener(happening)
            except Exception:
                log.exception("a listener failed")


__all__ = ["Happening", "StreetController"]
