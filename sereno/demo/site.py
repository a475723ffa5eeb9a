"""A demo block: one street controller, N homes with panic nodes, the SMS sandbox.

Everything is real but the parts that would be physical: the controller and the nodes run
their own programs (:class:`~controller.app.ControllerApp`, :class:`~node.app.NodeApp`)
with the real RYLR998 driver on emulated modules (pseudo-terminals) joined by a virtual air
at SF9, their GPIO on gpiozero's ``MockFactory`` (one per board), and the SMS go through the
official twilio client to the local Twilio-compatible sandbox. ``sereno demo`` and the
end-to-end tests both drive this class.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from gpiozero.pins.mock import MockFactory

from controller.app import ControllerApp
from controller.config import AlarmConfig, ControllerConfig
from controller.service import Happening
from controller.sms import segments
from controller.sms.notifier import RetryPolicy
from controller.store import Store
from controller.store.registry import generate_key
from hardware.emulators.air import VirtualAir
from hardware.emulators.rylr998 import Rylr998Emulator
from hardware.pins import BOARD_DEFAULTS, PinMap
from hardware.radio.rylr998 import Rylr998Config
from hardware.radio.rylr998 import Rylr998Radio as Rylr998Driver
from hardware.radio.settings import Rylr998Settings
from hub.config import HubConfig
from hub.server import RunningHub, running_hub
from node.app import NodeApp
from node.config import ButtonsConfig, NodeConfig
from node.exchange import SendResult
from protocol.airtime import rylr998_airtime_ms
from protocol.frame import PanicKind
from sereno.demo.hub import DemoLogin, demo_login, enrolled, gestora_login
from sereno.demo.report import PressReport
from sereno.sms_sandbox import SandboxConfig
from sereno.sms_sandbox.server import RunningSandbox, running_sandbox

log = logging.getLogger(__name__)

NETWORK_ID = 2571
CONTROLLER_MODULE = 1
SF = 9
PANIC_FRAME_LEN = 24
STREET = "Pasaje Los Aromos"
FIRST_NUMBER = 1201
#: Button pin names on each demo node (``[pins] buttons`` of a Pi Zero 2 W, plus "panico").
BUTTON_PINS = {"main": 25, "panico": 26, "incendio": 16, "medica": 20, "silenciosa": 21}
PRESS_KINDS: dict[str, PanicKind | str] = {
    "panico": PanicKind.PANICO,
    "robo": PanicKind.ROBO,
    "incendio": PanicKind.INCENDIO,
    "medica": PanicKind.EMERGENCIA_MEDICA,
    "silenciosa": PanicKind.ALERTA_SILENCIOSA,
    "cancel": "cancel",
    "test": "test",
}
BUTTON_OF: dict[PanicKind, str] = {
    PanicKind.ROBO: "main",
    PanicKind.PANICO: "panico",
    PanicKind.INCENDIO: "incendio",
    PanicKind.EMERGENCIA_MEDICA: "medica",
    PanicKind.ALERTA_SILENCIOSA: "silenciosa",
}
VECINO_NAMES = (
    ("Carmen Soto", "Luis Rojas"),
    ("Ana Muñoz", "Jorge Díaz"),
    ("Rosa Pérez", "Pedro Silva"),
    ("María González", "Juan Contreras"),
    ("Patricia Fuentes", "Héctor Araya"),
    ("Gloria Castillo", "Manuel Tapia"),
    ("Sofía Reyes", "Cristián Vargas"),
    ("Isabel Núñez", "Ricardo Espinoza"),
)


class DemoError(ValueError):
    """A press the demo cannot do (unknown home or kind), in Spanish."""


@dataclass
class Home:
    number: int
    household: str
    street_address: str
    node_address: int
    key: bytes = field(repr=False)
    factory: MockFactory
    emulator: Rylr998Emulator
    app: NodeApp

    @property
    def label(self) -> str:
        return f"{self.household} ({self.street_address})"


def _street(number: int) -> str:
    return f"{STREET} {FIRST_NUMBER + 2 * (number - 1)}"


class DemoSite:
    """The block, started with :meth:`running`; press buttons with :meth:`press`."""

    def __init__(
        self,
        workdir: Path,
        *,
        homes: int = 8,
        seconds_scale: float = 1.0,
        air_time_scale: float = 1.0,
        loss_rate: float = 0.0,
        seed: int = 0,
        sms_latency_ms: float = 0.0,
        sms_retry: RetryPolicy | None = None,
        hub: bool = True,
        hub_port: int = 0,
    ) -> None:
        if not 1 <= homes <= len(VECINO_NAMES):
            raise DemoError(f"la demostración tiene entre 1 y {len(VECINO_NAMES)} casas")
        self.workdir = workdir
        self.home_count = homes
        self.seconds_scale = seconds_scale
        self.air = VirtualAir(time_scale=air_time_scale, loss_rate=loss_rate, seed=seed)
        self.seed = seed
        self.sms_latency_ms = sms_latency_ms
        self.sms_retry = sms_retry or RetryPolicy(attempts=5, attempt_timeout_s=5.0)
        self.homes: dict[int, Home] = {}
        self.happenings: list[Happening] = []
        self.listeners: list[Callable[[Happening], None]] = []
        self.sandbox: RunningSandbox | None = None
        self.with_hub = hub
        self.hub_port = hub_port
        self.hub: RunningHub | None = None
        self.login: DemoLogin | None = None
        self.gestora_login: DemoLogin | None = None
        self.controller_app: ControllerApp | None = None
        self.controller_factory = MockFactory()
        self._emulators: list[Rylr998Emulator] = []
        self._controller_module: Rylr998Emulator | None = None
        self._controller_config_used: ControllerConfig | None = None
        self._siren_on_at: list[float] = []
        """When the siren went from quiet to sounding (monotonic seconds)."""

    # --- set-up -------------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[DemoSite]:
        async with running_sandbox(
            SandboxConfig(latency_ms=self.sms_latency_ms, store=self.workdir / "sms.jsonl")
        ) as sandbox:
            self.sandbox = sandbox
            async with contextlib.AsyncExitStack() as stack:
                if self.with_hub:
                    config = HubConfig(
                        db_path=self.workdir / "hub.db", host="127.0.0.1", port=self.hub_port
                    )
                    self.hub = await stack.enter_async_context(running_hub(config))
                try:
                    await self._start()
                    yield self
                finally:
                    await self.close()

    def _controller_config(self) -> ControllerConfig:
        return ControllerConfig(
            name=STREET,
            network_id=NETWORK_ID,
            radio=Rylr998Settings(kind="emulated", port=None, address=CONTROLLER_MODULE, sf=SF),
            pins=BOARD_DEFAULTS["pi4"],
            board="pi4",
            data_dir=self.workdir / "controlador",
            municipality="Maipu",
            alarm=AlarmConfig(),
        )

    def _register(self, config: ControllerConfig, keys: dict[int, bytes]) -> None:
        with Store.open(config.store_path) as store:
            if store.list_nodes():
                return  # a second run in the same folder keeps its registry
            for number in range(1, self.home_count + 1):
                store.add_node(
                    NETWORK_ID, 10 + number, keys[number], f"casa {number}", _street(number)
                )
            for number in range(1, self.home_count + 1):
                household = f"casa {number}"
                street_address = _street(number)
                for index, name in enumerate(VECINO_NAMES[number - 1]):
                    neighbour = number % self.home_count + 1  # contact for the next home
                    store.add_vecino(
                        name=name,
                        phone=f"+5699{number:03d}{index:04d}",
                        street_address=street_address,
                        household=household,
                        contact_for=((NETWORK_ID, 10 + neighbour),) if index == 0 else (),
                    )

    async def _start(self) -> None:
        config = self._controller_config()
        if self.hub is not None:
            self.login = await demo_login(self.hub, self.workdir)
            self.gestora_login = await gestora_login(self.hub, self.workdir)
            config = await enrolled(self.hub, config)
        keys_file = self.workdir / "claves.txt"
        keys = self._keys(keys_file)
        self._register(config, keys)
        self._controller_config_used = config
        self._controller_module = self._module("controlador")
        await self.start_controller()
        for number in range(1, self.home_count + 1):
            self.homes[number] = await self._start_home(number, keys[number])

    async def start_controller(self) -> None:
        """Start (or start again) the street controller on its emulated module."""
        if self.controller_app is not None:
            return
        assert self.sandbox is not None
        assert self._controller_module is not None and self._controller_config_used is not None
        radio = Rylr998Driver(
            str(self._controller_module.path), Rylr998Config(address=CONTROLLER_MODULE, sf=SF)
        )
        app = ControllerApp(
            self._controller_config_used,
            pin_factory=self.controller_factory,
            radio=radio,
            time_scale=self.seconds_scale,
            sms_settings=self.sandbox.settings(),
            sms_retry=self.sms_retry,
            listener=self._heard,
        )
        await app.start()
        self.controller_app = app

    async def stop_controller(self) -> None:
        """Stop the street controller, as a power cut would (the hub notices after its grace)."""
        if self.controller_app is not None:
            app, self.controller_app = self.controller_app, None
            await app.close()

    def _keys(self, path: Path) -> dict[int, bytes]:
        """Each home's node key, kept in the demo folder so a second run reuses them."""
        keys: dict[int, bytes] = {}
        if path.exists():
            for line in path.read_text().splitlines():
                home, _, hex_key = line.partition(" ")
                keys[int(home)] = bytes.fromhex(hex_key)
        missing = [n for n in range(1, self.home_count + 1) if n not in keys]
        for number in missing:
            keys[number] = generate_key()
        if missing:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(f"{n} {keys[n].hex()}\n" for n in sorted(keys)))
            path.chmod(0o600)
        return keys

    def _module(self, name: str) -> Rylr998Emulator:
        emulator = Rylr998Emulator(self.air, self.workdir / "dev" / name, name=name, seed=self.seed)
        emulator.start()
        self._emulators.append(emulator)
        return emulator

    async def _start_home(self, number: int, key: bytes) -> Home:
        emulator = self._module(f"casa-{number}")
        address = 10 + number
        pins = PinMap.from_mapping({"buttons": BUTTON_PINS}, board="pi-zero-2w")
        config = NodeConfig(
            address=address,
            network_id=NETWORK_ID,
            key=key,
            radio=Rylr998Settings(
                port=str(emulator.path),
                address=address,
                sf=SF,
                controller_address=CONTROLLER_MODULE,
            ),
            pins=pins,
            buttons=ButtonsConfig(
                main=PanicKind.ROBO,
                extra={
                    "panico": PanicKind.PANICO,
                    "incendio": PanicKind.INCENDIO,
                    "medica": PanicKind.EMERGENCIA_MEDICA,
                    "silenciosa": PanicKind.ALERTA_SILENCIOSA,
                },
            ),
            state_dir=self.workdir / f"casa-{number}",
        )
        factory = MockFactory()
        radio = Rylr998Driver(str(emulator.path), Rylr998Config(address=address, sf=SF))
        app = NodeApp(
            config,
            radio=radio,
            pin_factory=factory,
            # A node's ACK timeout and back-offs are computed from unscaled airtime: they
            # must run at the air's time scale, or a fast air meets slow retries.
            seconds_scale=self.air.time_scale,
            rng=random.Random(self.seed * 100 + number),  # noqa: S311 - back-off jitter
            heartbeat_first_delay_s=3600.0,
        )
        await app.start()
        return Home(
            number=number,
            household=f"casa {number}",
            street_address=_street(number),
            node_address=address,
            key=key,
            factory=factory,
            emulator=emulator,
            app=app,
        )

    async def close(self) -> None:
        for home in self.homes.values():
            with contextlib.suppress(Exception):
                await home.app.close()
            home.factory.reset()
            home.factory.close()
        self.homes.clear()
        if self.controller_app is not None:
            await self.controller_app.close()
            self.controller_app = None
        for emulator in self._emulators:
            emulator.stop()
        self._emulators.clear()
        self.controller_factory.reset()
        self.controller_factory.close()

    # --- what happens -------------------------------------------------------------------------
    def _heard(self, happening: Happening) -> None:
        self.happenings.append(happening)
        if happening.what == "street" and happening.data.get("siren"):
            self._siren_on_at.append(time.monotonic())
        for listener in self.listeners:
            listener(happening)

    @property
    def store(self) -> Store:
        assert self.controller_app is not None and self.controller_app.store is not None
        return self.controller_app.store

    def home(self, number: int) -> Home:
        try:
            return self.homes[number]
        except KeyError:
            raise DemoError(
                f"no existe la casa {number}; la demostración tiene casas 1 a {self.home_count}"
            ) from None

    # --- pressing -----------------------------------------------------------------------------
    async def press(self, number: int, what: str, *, settle_s: float = 60.0) -> PressReport:
        """Press a home's button like a vecino would, and wait until the press settles:
        the node has its answer (or gave up) and every SMS due has a final result."""
        home = self.home(number)
        choice = PRESS_KINDS.get(what.lower())
        if choice is None:
            raise DemoError(f"'{what}' no es un botón; use uno de: {', '.join(PRESS_KINDS)}")
        report = PressReport(
            home=number, press=what.lower(), airtime_ms=rylr998_airtime_ms(PANIC_FRAME_LEN, SF)
        )
        sender = home.app.sender
        results_before = len(sender.results)
        cancelling = (
            self._open_episode_id(home.app.config.buttons.main) if choice == "cancel" else None
        )
        started = time.monotonic()
        if choice == "test":
            result: SendResult | None = await asyncio.wait_for(sender.send_test(), settle_s)
        else:
            button = BUTTON_OF[choice] if isinstance(choice, PanicKind) else "main"
            pin = home.factory.pin(BUTTON_PINS[button])
            await asyncio.to_thread(pin.drive_low)
            if choice == "cancel":
                hold_s = home.app.config.buttons.hold_seconds * self.air.time_scale
                await asyncio.sleep(hold_s + 0.3)
            else:
                await asyncio.sleep(0.05)
            await asyncio.to_thread(pin.drive_high)
            result = await self._result(sender, results_before, settle_s)
        if result is not None:
            report.acked = result.delivered
            report.outcome = result.outcome.value
            report.sends = result.sends
            report.press_to_ack_ms = time.monotonic() - started
        sounded = [at for at in self._siren_on_at if at >= started]
        if sounded:
            report.press_to_siren_ms = sounded[0] - started
        await self._settle_sms(settle_s)
        self._fill_street(report, choice)
        if cancelling is not None:
            self._fill_cancel_sms(report, cancelling)
        else:
            self._fill_sms(report, home, choice)
        return report

    def _open_episode_id(self, kind: PanicKind) -> str | None:
        assert self.controller_app is not None and self.controller_app.controller is not None
        episode = self.controller_app.controller.alarm.episode(kind)
        return episode.id if episode is not None else None

    def _fill_cancel_sms(self, report: PressReport, episode_id: str) -> None:
        """The "falsa alarma" texts: one per vecino who had the alert."""
        alerted = {a.key for a in self.store.sms_attempts() if a.outcome == "accepted"}
        alerted = {k for k in alerted if k.startswith(f"{episode_id}:")}
        alerts = {k for k in alerted if not k.endswith(":cancelada")}
        cancels = {k for k in alerted if k.endswith(":cancelada")}
        report.sms_expected = len(alerts)
        report.sms_accepted = len(cancels)
        bodies = {a.to: a for a in self.store.sms_attempts() if a.key in cancels}
        assert self.sandbox is not None
        sent = {m["to"]: str(m["body"]) for m in self.sandbox.state.messages.values()}
        for to in sorted(bodies):
            body = sent.get(to, "")
            report.sms_segments += segments(body) if body else 0
            report.sms.append({"to": to, "name": "", "body": body})

    async def _result(self, sender: object, before: int, within: float) -> SendResult | None:
        results: list[SendResult] = sender.results  # type: ignore[attr-defined]
        deadline = time.monotonic() + within
        while len(results) <= before and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.02)  # the sender keeps a list, not an event: poll it
        return results[before] if len(results) > before else None

    async def _settle_sms(self, within: float) -> None:
        assert self.controller_app is not None and self.controller_app.controller is not None
        controller = self.controller_app.controller
        await asyncio.sleep(0.05)  # let the controller spawn what the last frame caused
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(controller.settle(), within)

    def _fill_street(self, report: PressReport, choice: PanicKind | str) -> None:
        assert self.controller_app is not None and self.controller_app.controller is not None
        controller = self.controller_app.controller
        state = controller.outputs.state
        report.siren = state.siren
        report.strobe = state.strobe
        if isinstance(choice, PanicKind):
            report.siren_expected = controller.alarm.policy.plan(choice).siren is not None
        else:
            report.siren_expected = False
            if choice == "cancel":
                report.siren = None if not state.siren else state.siren

    def _fill_sms(self, report: PressReport, home: Home, choice: PanicKind | str) -> None:
        if not isinstance(choice, PanicKind):
            return
        assert self.controller_app is not None and self.controller_app.controller is not None
        episode = self.controller_app.controller.alarm.episode(choice)
        if episode is None:
            return
        recipients = self.store.recipients_for(choice, (NETWORK_ID, home.node_address))
        report.sms_expected = len(recipients)
        assert self.sandbox is not None
        by_to = {m["to"]: m for m in self.sandbox.state.messages.values()}
        for vecino in recipients:
            key = f"{episode.id}:{vecino.id}"
            if not self.store.already_sent(key):
                continue
            report.sms_accepted += 1
            attempt = next(a for a in self.store.sms_attempts(key) if a.outcome == "accepted")
            message = by_to.get(attempt.to)
            body = str(message["body"]) if message else ""
            report.sms_segments += segments(body) if body else 0
            report.sms.append({"to": vecino.phone, "name": vecino.name, "body": body})
