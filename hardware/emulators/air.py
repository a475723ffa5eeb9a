"""A virtual air: emulated radio modules hear each other through it.

Each transmission occupies the air of its channel for its computed time on air (scaled by
``time_scale`` so tests can run fast). When it ends, every other module listening on the
same channel receives it, unless:

- another transmission on that channel overlapped it in time: both are lost (no capture
  effect: the pessimistic case, which is what many neighbours pressing together look like);
- the receiver was itself transmitting during it (radios are half-duplex);
- a seeded random draw loses it for that receiver (``loss_rate``, per link or air-wide).

A channel is whatever the module says it is (for a LoRa module: band, network id and
modulation), so modules that could not decode each other never meet. RSSI and SNR come
from a per-link table with a little seeded jitter.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class AirModule(Protocol):
    """What the air needs from an emulated module."""

    @property
    def name(self) -> str:
        """A name unique on this air (used for links and logs)."""

    def air_channel(self) -> Hashable:
        """Modules hear each other only when their channels are equal."""

    def is_listening(self) -> bool:
        """True when the module's receiver is on (not asleep, not configuring)."""

    def deliver(self, payload: bytes, rssi: int, snr: float, info: Mapping[str, Any]) -> None:
        """Hand a received packet to the module; called on the event loop."""


@dataclass(frozen=True, slots=True)
class Link:
    """How one module hears another."""

    rssi: int = -80
    snr: float = 9.0
    loss_rate: float | None = None
    """Overrides the air's loss rate for this link when set."""


@dataclass(eq=False, slots=True)
class Transmission:
    """One packet on air."""

    sender: str
    channel: Hashable
    payload: bytes
    info: Mapping[str, Any]
    start: float
    end: float
    collided: bool = False
    heard_by: list[str] = field(default_factory=list)
    lost_for: list[str] = field(default_factory=list)


@dataclass(slots=True)
class AirStats:
    transmissions: int = 0
    collided: int = 0
    deliveries: int = 0
    losses: int = 0


class VirtualAir:
    """Shared medium for emulated modules on one asyncio event loop."""

    def __init__(
        self,
        *,
        loss_rate: float = 0.0,
        seed: int = 0,
        time_scale: float = 1.0,
        default_link: Link | None = None,
        history: int = 1024,
    ) -> None:
        if not 0.0 <= loss_rate <= 1.0:
            raise ValueError(f"loss_rate must be within 0..1, got {loss_rate}")
        if time_scale <= 0:
            raise ValueError(f"time_scale must be positive, got {time_scale}")
        self.loss_rate = loss_rate
        self.time_scale = time_scale
        self.stats = AirStats()
        self._rng = random.Random(seed)  # noqa: S311 - a simulation, not cryptography
        self._default_link = default_link or Link()
        self._links: dict[frozenset[str], Link] = {}
        self._modules: dict[str, AirModule] = {}
        self._active: list[Transmission] = []
        self.history: deque[Transmission] = deque(maxlen=history)

    # --- membership and links -------------------------------------------------------------
    def join(self, module: AirModule) -> None:
        if module.name in self._modules and self._modules[module.name] is not module:
            raise ValueError(f"a module named {module.name!r} is already on this air")
        self._modules[module.name] = module

    def leave(self, module: AirModule) -> None:
        if self._modules.get(module.name) is module:
            del self._modules[module.name]

    def set_link(self, a: str, b: str, link: Link) -> None:
        """Set how ``a`` and ``b`` hear each other (both directions)."""
        self._links[frozenset((a, b))] = link

    def link(self, a: str, b: str) -> Link:
        return self._links.get(frozenset((a, b)), self._default_link)

    # --- transmission -----------------------------------------------------------------------
    def busy(self, channel: Hashable) -> bool:
        """True while a transmission occupies ``channel``."""
        return any(tx.channel == channel for tx in self._active)

    def transmit(
        self,
        sender: AirModule,
        payload: bytes,
        airtime_ms: float,
        info: Mapping[str, Any] | None = None,
    ) -> asyncio.Future[Transmission]:
        """Put ``payload`` on air now; the future resolves when it has left the antenna.

        The sender learns nothing of collisions or losses, as with a real module.
        """
        if airtime_ms <= 0:
            raise ValueError(f"airtime must be positive, got {airtime_ms}")
        loop = asyncio.get_running_loop()
        now = loop.time()
        channel = sender.air_channel()
        tx = Transmission(
            sender=sender.name,
            channel=channel,
            payload=bytes(payload),
            info=dict(info or {}),
            start=now,
            end=now + airtime_ms / 1000.0 * self.time_scale,
        )
        for other in self._active:
            if other.channel == channel:
                other.collided = True
                tx.collided = True
        self._active.append(tx)
        self.stats.transmissions += 1
        done: asyncio.Future[Transmission] = loop.create_future()
        loop.call_at(tx.end, self._finish, tx, done)
        return done

    def _finish(self, tx: Transmission, done: asyncio.Future[Transmission]) -> None:
        self._active.remove(tx)
        self.history.append(tx)
        if tx.collided:
            self.stats.collided += 1
        else:
            self._deliver(tx)
        if not done.done():
            done.set_result(tx)

    def _deliver(self, tx: Transmission) -> None:
        for name, module in list(self._modules.items()):
            if name == tx.sender or module.air_channel() != tx.channel:
                continue
            if not module.is_listening() or self._was_transmitting(name, tx):
                continue
            link = self.link(tx.sender, name)
            loss = self.loss_rate if link.loss_rate is None else link.loss_rate
            if loss and self._rng.random() < loss:
                self.stats.losses += 1
                tx.lost_for.append(name)
                continue
            rssi = link.rssi + self._rng.randint(-2, 2)
            snr = round(link.snr + self._rng.uniform(-1.0, 1.0), 1)
            self.stats.deliveries += 1
            tx.heard_by.append(name)
            module.deliver(tx.payload, rssi, snr, tx.info)

    def _was_transmitting(self, name: str, tx: Transmission) -> bool:
        """Half-duplex: a module that transmitted during ``tx`` did not hear it."""
        return any(
            other is not tx
            and other.sender == name
            and other.start < tx.end
            and other.end > tx.start
            for other in (*self._active, *self.history)
        )
