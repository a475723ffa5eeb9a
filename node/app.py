"""A whole panic node, wired: radio, sender, buttons, LED, heartbeat.

In-process use (the demo, the tests)::

    config = load_config("node.toml")            # or config_from_mapping(...)
    radio = ...                                  # any hardware.radio.base.Radio, not started
    app = NodeApp(config, radio=radio, pin_factory=factory, seconds_scale=0.01)
    async with app:                              # starts the radio, the loops, the GPIO
        ...                                      # app.panel.press("main"), app.sender.send_test()
    # or: await app.run()  (until cancelled)

The app owns the radio it is given: it starts it and closes it.
:func:`hardware.radio.settings.open_radio` builds the driver ``[radio]`` names, for
``sereno node run``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

from hardware.gpio import BatteryMonitor, ButtonEvent, PanicButton, StatusLed
from hardware.radio.base import Radio
from node.config import MAIN_PIN, NodeConfig
from node.counter_file import CounterFile
from node.exchange import AckAddress, Outcome, SendResult
from node.heartbeat import (
    FIRST_HEARTBEAT_MAX_DELAY_S,
    SECONDS_PER_HOUR,
    BatteryReader,
    HeartbeatSource,
    heartbeat_loop,
)
from node.panel import LedFeedback, Panel
from node.sender import Sender
from protocol.frame import AlarmState

log = logging.getLogger(__name__)


def make_sender(
    config: NodeConfig,
    radio: Radio,
    *,
    seconds_scale: float = 1.0,
    rng: random.Random | None = None,
) -> Sender:
    """The node's :class:`Sender` on ``radio`` (not started)."""
    return Sender(
        radio,
        address=AckAddress(
            network=config.network_id,
            node=config.address,
            controller=config.controller,
            key=config.key,
        ),
        counter_file=CounterFile(config.state_dir, config.key),
        airtime_ms=config.radio.airtime_ms,
        radio_to=config.radio.controller_address,
        seconds_scale=seconds_scale,
        rng=rng,
    )


class NodeApp:
    """Everything ``sereno node run`` runs, on a given radio and pin factory."""

    def __init__(
        self,
        config: NodeConfig,
        *,
        radio: Radio,
        pin_factory: Any,
        seconds_scale: float = 1.0,
        rng: random.Random | None = None,
        battery: BatteryReader | None = None,
        heartbeat_first_delay_s: float | None = None,
    ) -> None:
        """``battery`` replaces the MCP3008 that ``[battery]`` describes (tests, demo);
        ``heartbeat_first_delay_s`` (unscaled) replaces the random first delay."""
        if not seconds_scale > 0:
            raise ValueError(f"seconds_scale must be > 0, not {seconds_scale!r}")
        self.config = config
        self.radio = radio
        self._factory = pin_factory
        self._scale = seconds_scale
        self._rng = rng if rng is not None else random.Random()  # noqa: S311 - jitter only
        self._battery = battery
        self._first_delay = heartbeat_first_delay_s
        self.sender = make_sender(config, radio, seconds_scale=seconds_scale, rng=self._rng)
        self.heartbeat = HeartbeatSource(
            battery, low_mv=config.battery.low_mv if config.battery else 11800
        )
        self.led: StatusLed | None = None
        self.feedback: LedFeedback | None = None
        self.panel: Panel | None = None
        self.buttons: dict[str, PanicButton] = {}
        self.events: asyncio.Queue[ButtonEvent] = asyncio.Queue(maxsize=64)
        self._monitor: BatteryMonitor | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._radio_started = False

    async def start(self) -> None:
        """Start the radio, the sender, the GPIO devices and the loops."""
        try:
            await self.radio.start()
            self._radio_started = True
            await self.sender.start()
            self._open_gpio()
        except BaseException:
            await self.close()
            raise
        assert self.panel is not None
        hours = self.config.heartbeat_hours
        first = self._first_delay
        if first is None:
            first = self._rng.uniform(0, min(FIRST_HEARTBEAT_MAX_DELAY_S, hours * 3600))
        self._tasks = [
            asyncio.create_task(self.panel.run(self.events), name="sereno-node-panel"),
            asyncio.create_task(
                heartbeat_loop(
                    self.sender,
                    self.heartbeat,
                    interval_s=hours * SECONDS_PER_HOUR * self._scale,
                    first_delay_s=first * self._scale,
                ),
                name="sereno-node-heartbeat",
            ),
        ]
        log.info("node %d on network %d running", self.config.address, self.config.network_id)

    def _open_gpio(self) -> None:
        config = self.config
        loop = asyncio.get_running_loop()
        if self._battery is None and config.battery is not None and config.pins.mcp3008:
            spi = config.pins.mcp3008
            self._monitor = BatteryMonitor(
                config.battery.channel,
                pin_factory=self._factory,
                ratio=config.battery.ratio,
                vref=config.battery.vref,
                port=spi.bus,
                device=spi.device,
            )
            self.heartbeat.battery = self._monitor
        self.led = StatusLed(config.pins.status_led, pin_factory=self._factory)
        self.feedback = LedFeedback(self.led, seconds_scale=self._scale)
        kinds = config.buttons.kinds_by_pin()
        for name in kinds:
            self.buttons[name] = PanicButton(
                config.pins.buttons[name],
                pin_factory=self._factory,
                loop=loop,
                name=name,
                hold_time=config.buttons.hold_seconds * self._scale,
                queue=self.events,
            )
        self.panel = Panel(
            self.sender,
            self.feedback,
            kinds=kinds,
            main_button=MAIN_PIN,
            cancel_window_s=config.cancel_window_seconds * self._scale,
            battery_mv=self.heartbeat.last_battery_mv,
        )

    async def close(self) -> None:
        """Stop the loops, release the GPIO, close the radio. Idempotent."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.sender.close()
        for button in self.buttons.values():
            button.close()
        self.buttons.clear()
        if self.led is not None:
            self.led.close()
            self.led = None
        if self._monitor is not None:
            self._monitor.close()
            self._monitor = None
        if self._radio_started:
            self._radio_started = False
            await self.radio.close()

    async def run(self) -> None:
        """Start, then run until cancelled; always closes."""
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


async def send_test_frame(
    config: NodeConfig, radio: Radio, *, seconds_scale: float = 1.0
) -> SendResult:
    """``sereno node test``: start ``radio``, send one TEST, close; no GPIO is touched."""
    sender = make_sender(config, radio, seconds_scale=seconds_scale)
    await radio.start()
    try:
        await sender.start()
        return await sender.send_test()
    finally:
        await sender.close()
        await radio.close()


_STATES: Mapping[AlarmState, str] = {
    AlarmState.IDLE: "en reposo",
    AlarmState.SOUNDING: "sonando",
    AlarmState.SILENT_ALERT: "con alerta silenciosa activa",
}


def describe_result(result: SendResult) -> str:
    """A TEST's result in Spanish, for the installer."""
    sends = f"{result.sends} envío" + ("" if result.sends == 1 else "s")
    state = _STATES.get(result.alarm_state, "") if result.alarm_state is not None else ""
    if result.outcome in (Outcome.ACCEPTED, Outcome.DUPLICATE):
        return (
            f"Prueba recibida por el controlador (contador {result.counter}, {sends}); "
            f"la alarma de la cuadra está {state}."
        )
    if result.outcome is Outcome.REFUSED:
        return f"El controlador rechazó la prueba (contador {result.counter}, {sends})."
    if result.outcome is Outcome.UNANSWERED:
        return (
            f"Sin respuesta del controlador tras {sends}. Revise que el controlador esté "
            "encendido, la antena, la red de radio y la clave del nodo."
        )
    return (
        "La prueba no salió del nodo: no se pudo guardar el contador o el radio falló "
        "(vea el registro)."
    )
