"""The alarm state machine: what the street should be doing, and why. Sans-IO.

An *episode* is one emergency of one kind at this controller: it starts with a verified
PANIC, collects later presses of the same kind (its *triggers*), and ends when its siren
and strobe periods have run out, or when the only presser cancels it within the window.
Episodes of different kinds may be open together; the street shows the most urgent one
(INCENDIO, then ROBO, then PANICO, then EMERGENCIA_MEDICA; ALERTA_SILENCIOSA never shows).

Rules (the controller's configuration gives the numbers):

- The siren sounds at most ``siren_max_s`` from the press that armed it; the strobe goes
  on for ``strobe_max_s``. A press by *another* node re-arms both from its own time; the
  same node pressing again does not (one stuck or nervous button cannot hold a siren on).
- ``silence`` stops every siren now; strobes go on to their end, so responders can still
  find the place. A silenced episode is not re-armed by later presses of the same kind.
- A CANCEL from the node that opened the episode, within ``cancel_window_s`` of its PANIC,
  naming that PANIC's counter, while it is the only trigger, ends the episode at once.
- Nothing here reads a clock: every call takes ``now`` (seconds since the epoch, so an
  episode restored after a restart keeps its absolute deadlines and never sounds past them).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from protocol.frame import AlarmState, PanicKind

#: The order in which open episodes win the street's siren and strobe.
URGENCY: tuple[PanicKind, ...] = (
    PanicKind.INCENDIO,
    PanicKind.ROBO,
    PanicKind.PANICO,
    PanicKind.EMERGENCIA_MEDICA,
)


@dataclass(frozen=True, slots=True)
class StreetPlan:
    """What one kind does at the street: a siren pattern's name (None = quiet), a strobe."""

    siren: str | None
    strobe: bool


DEFAULT_PLANS: Mapping[PanicKind, StreetPlan] = {
    PanicKind.PANICO: StreetPlan("continuous", strobe=True),
    PanicKind.ROBO: StreetPlan("pulsed", strobe=True),
    PanicKind.INCENDIO: StreetPlan("temporal-three", strobe=True),
    PanicKind.EMERGENCIA_MEDICA: StreetPlan("medical-chirps", strobe=True),
    PanicKind.ALERTA_SILENCIOSA: StreetPlan(None, strobe=False),
}


@dataclass(frozen=True, slots=True)
class AlarmPolicy:
    siren_max_s: float = 180.0
    strobe_max_s: float = 900.0
    cancel_window_s: float = 60.0
    plans: Mapping[PanicKind, StreetPlan] = field(default_factory=lambda: dict(DEFAULT_PLANS))

    def __post_init__(self) -> None:
        if self.siren_max_s <= 0 or self.strobe_max_s <= 0 or self.cancel_window_s < 0:
            raise ValueError("alarm times must be positive")
        missing = set(PanicKind) - set(self.plans)
        if missing:
            raise ValueError(f"no street plan for {sorted(k.name for k in missing)}")

    def plan(self, kind: PanicKind) -> StreetPlan:
        return self.plans[kind]


class EndReason(StrEnum):
    EXPIRED = "expired"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Trigger:
    """One accepted PANIC that joined an episode."""

    network: int
    src: int
    counter: int
    at: float


@dataclass(frozen=True, slots=True)
class Episode:
    """One emergency of one kind; immutable, replaced on every change."""

    id: str
    kind: PanicKind
    started_at: float
    triggers: tuple[Trigger, ...]
    siren_until: float | None
    strobe_until: float | None
    hold_until: float
    """The episode stays open at least this long, outputs or not (so a silent alert's
    retriggers, too, stay one episode: one SMS per recipient)."""
    silenced_at: float | None = None
    ended_at: float | None = None
    end_reason: EndReason | None = None

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def opener(self) -> Trigger:
        return self.triggers[0]

    def pressers(self) -> set[tuple[int, int]]:
        return {(t.network, t.src) for t in self.triggers}

    def siren_on(self, now: float) -> bool:
        return self.is_open and self.siren_until is not None and now < self.siren_until

    def strobe_on(self, now: float) -> bool:
        return self.is_open and self.strobe_until is not None and now < self.strobe_until

    def finished_by(self) -> float:
        """When nothing of this episode is left at the street."""
        return max(self.siren_until or 0.0, self.strobe_until or 0.0, self.hold_until)


@dataclass(frozen=True, slots=True)
class PanicOutcome:
    episode: Episode
    opened: bool
    """True when this press opened a new episode (a new SMS to the block)."""
    new_presser: bool
    """True when this node had not pressed in this episode before."""


@dataclass(frozen=True, slots=True)
class CancelOutcome:
    accepted: bool
    episode: Episode | None
    reason: str
    """Why a CANCEL was refused (empty when accepted), for the log."""


@dataclass(frozen=True, slots=True)
class Street:
    """What the outputs should be doing now, with when each must stop at the latest."""

    siren: str | None
    siren_until: float | None
    strobe: bool
    strobe_until: float | None
    kind: PanicKind | None


QUIET = Street(None, None, False, None, None)


class Alarm:
    """Open episodes and the rules above; the runtime persists what :attr:`changed` lists."""

    def __init__(self, policy: AlarmPolicy, episodes: Iterable[Episode] = ()) -> None:
        self.policy = policy
        self._open: dict[PanicKind, Episode] = {e.kind: e for e in episodes if e.is_open}
        self.changed: list[Episode] = []
        """Episodes changed since the runtime last took them (``take_changed``)."""

    def take_changed(self) -> list[Episode]:
        changed, self.changed = self.changed, []
        return changed

    @property
    def open_episodes(self) -> list[Episode]:
        return list(self._open.values())

    def episode(self, kind: PanicKind) -> Episode | None:
        return self._open.get(kind)

    def _put(self, episode: Episode) -> Episode:
        if episode.is_open:
            self._open[episode.kind] = episode
        else:
            self._open.pop(episode.kind, None)
        self.changed.append(episode)
        return episode

    # --- inputs -------------------------------------------------------------------------------
    def panic(
        self, *, network: int, src: int, counter: int, kind: PanicKind, now: float
    ) -> PanicOutcome:
        """A verified, fresh PANIC."""
        self.expire(now)
        trigger = Trigger(network, src, counter, now)
        plan = self.policy.plan(kind)
        current = self._open.get(kind)
        if current is None:
            episode = Episode(
                id=uuid.uuid4().hex,
                kind=kind,
                started_at=now,
                triggers=(trigger,),
                siren_until=now + self.policy.siren_max_s if plan.siren else None,
                strobe_until=now + self.policy.strobe_max_s if plan.strobe else None,
                hold_until=now + self.policy.strobe_max_s,
            )
            return PanicOutcome(self._put(episode), opened=True, new_presser=True)
        new_presser = (network, src) not in current.pressers()
        siren_until, strobe_until = current.siren_until, current.strobe_until
        hold_until = current.hold_until
        if new_presser:
            hold_until = max(hold_until, now + self.policy.strobe_max_s)
            if plan.siren and current.silenced_at is None:
                siren_until = max(siren_until or now, now + self.policy.siren_max_s)
            if plan.strobe:
                strobe_until = max(strobe_until or now, now + self.policy.strobe_max_s)
        episode = replace(
            current,
            triggers=(*current.triggers, trigger),
            siren_until=siren_until,
            strobe_until=strobe_until,
            hold_until=hold_until,
        )
        return PanicOutcome(self._put(episode), opened=False, new_presser=new_presser)

    def cancel(self, *, network: int, src: int, panic_counter: int, now: float) -> CancelOutcome:
        """A verified, fresh CANCEL naming the counter of the PANIC it takes back."""
        self.expire(now)
        for episode in self._open.values():
            opener = episode.opener
            if (opener.network, opener.src, opener.counter) != (network, src, panic_counter):
                continue
            if len(episode.pressers()) > 1:
                return CancelOutcome(False, episode, "otros vecinos también activaron la alarma")
            if now - opener.at > self.policy.cancel_window_s:
                return CancelOutcome(False, episode, "fuera del plazo para cancelar")
            ended = replace(
                episode,
                siren_until=min(episode.siren_until, now) if episode.siren_until else None,
                strobe_until=min(episode.strobe_until, now) if episode.strobe_until else None,
                hold_until=now,
                ended_at=now,
                end_reason=EndReason.CANCELLED,
            )
            return CancelOutcome(True, self._put(ended), "")
        return CancelOutcome(False, None, "no hay una alarma abierta de ese botón")

    def silence(self, now: float) -> list[Episode]:
        """Stop every siren now (key-switch or ``sereno controller silence``)."""
        silenced = []
        for episode in list(self._open.values()):
            if episode.siren_on(now):
                silenced.append(self._put(replace(episode, siren_until=now, silenced_at=now)))
        self.expire(now)
        return silenced

    def expire(self, now: float) -> list[Episode]:
        """End the episodes with nothing left at the street."""
        ended = []
        for episode in list(self._open.values()):
            if now >= episode.finished_by():
                end = episode.finished_by()
                ended.append(
                    self._put(replace(episode, ended_at=end, end_reason=EndReason.EXPIRED))
                )
        return ended

    # --- outputs ------------------------------------------------------------------------------
    def street(self, now: float) -> Street:
        """The most urgent open episode's siren and strobe, with their deadlines."""
        siren: Episode | None = None
        strobe: Episode | None = None
        for kind in URGENCY:
            episode = self._open.get(kind)
            if episode is None:
                continue
            if siren is None and episode.siren_on(now):
                siren = episode
            if strobe is None and episode.strobe_on(now):
                strobe = episode
        shown = siren or strobe
        if shown is None:
            return QUIET
        return Street(
            siren=self.policy.plan(siren.kind).siren if siren else None,
            siren_until=siren.siren_until if siren else None,
            strobe=strobe is not None,
            strobe_until=strobe.strobe_until if strobe else None,
            kind=shown.kind,
        )

    def state(self, now: float) -> AlarmState:
        """The state reported in ACKs."""
        street = self.street(now)
        if street.siren is not None or street.strobe:
            return AlarmState.SOUNDING
        silent = self._open.get(PanicKind.ALERTA_SILENCIOSA)
        if silent is not None and silent.is_open:
            return AlarmState.SILENT_ALERT
        return AlarmState.IDLE

    def next_deadline(self) -> float | None:
        """The next moment the street changes by itself (the runtime wakes then)."""
        times = [
            t
            for e in self._open.values()
            for t in (e.siren_until, e.strobe_until, e.hold_until)
            if t is not None
        ]
        return min(times) if times else None
