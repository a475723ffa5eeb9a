"""Everything ``sereno controller run`` runs, assembled from a :class:`ControllerConfig`.

The caller chooses the pin factory (gpiozero's default on a Pi, ``MockFactory`` in the demo
and the tests) and may hand in a radio (the demo's emulated module); otherwise the radio
comes from ``[radio]``.
"""

from __future__ import annotations

import asyncio
import asyncio.sslproto
import logging
import time
from types import TracebackType
from typing import Any, Final, Self

from controller.alarm import Alarm
from controller.config import ControllerConfig
from controller.control import SOCKET_NAME, ControlServer
from controller.errors import ConfigError
from controller.hub_link import HubLink
from controller.outputs import StreetOutputs
from controller.service import Listener, StreetController
from controller.sms import SmsNotifier, TwilioSettings
from controller.sms.notifier import RetryPolicy
from controller.store import Store
from hardware.gpio.inputs import KeySwitch
from hardware.gpio.outputs import Siren, Strobe
from hardware.radio.base import Radio
from hardware.radio.settings import RadioSettingsError, open_radio

log = logging.getLogger(__name__)

TLS_READ_BUFFER: Final = 16 * 1024
"""Bytes asyncio reads at once from a TLS connection in a controller process: one TLS
record's worth, instead of asyncio's 256 KiB (see :func:`limit_tls_read_buffers`)."""


def limit_tls_read_buffers(size: int = TLS_READ_BUFFER) -> None:
    """Make every TLS connection of this process read ``size`` bytes at a time.

    asyncio gives each TLS connection a read buffer of ``SSLProtocol.max_size`` bytes,
    256 KiB, allocated and zeroed when the connection opens. An SMS fan-out holds one
    connection to Twilio per message in flight (16 by default): 4 MB of buffers for answers
    of about 1 KB, 7 % of a controller's 60 MB (``docs/controller.md``, Memory). A TLS
    record holds at most 16 KiB, so a smaller buffer only means more reads of a large answer.

    It sets a class attribute of asyncio's, for the whole process: ``sereno controller run``
    calls it once, before its event loop starts; library code and tests do not. It never
    raises the size, and does nothing on a Python whose asyncio has no such attribute.
    """
    protocol = asyncio.sslproto.SSLProtocol
    if getattr(protocol, "max_size", 0) > size:
        protocol.max_size = size


def _radio_from(config: ControllerConfig, pin_factory: Any) -> Radio:
    """The driver ``[radio]`` names (:func:`hardware.radio.settings.open_radio`); a radio
    only the demo can open is refused as a :class:`ConfigError` naming the file."""
    try:
        return open_radio(config.radio, pins=config.pins, pin_factory=pin_factory)
    except RadioSettingsError as exc:
        raise ConfigError(f"{config.source or 'controller.toml'}: {exc}") from None


class ControllerApp:
    """Store, alarm, outputs, notifier, radio, key switch and control socket, together."""

    def __init__(
        self,
        config: ControllerConfig,
        *,
        pin_factory: Any,
        radio: Radio | None = None,
        time_scale: float = 1.0,
        sms_settings: TwilioSettings | None = None,
        sms_retry: RetryPolicy | None = None,
        listener: Listener | None = None,
        control_socket: bool = True,
    ) -> None:
        if not time_scale > 0:
            raise ValueError(f"time_scale must be > 0, not {time_scale!r}")
        self.config = config
        self._factory = pin_factory
        self._radio = radio
        self._scale = time_scale
        self._sms_settings = sms_settings
        self._sms_retry = sms_retry
        self._listener = listener
        self._control_socket = control_socket
        self.store: Store | None = None
        self.controller: StreetController | None = None
        self.notifier: SmsNotifier | None = None
        self.key_switch: KeySwitch | None = None
        self.control: ControlServer | None = None
        self.hub_link: HubLink | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> StreetController:
        config = self.config
        outputs: StreetOutputs | None = None
        try:
            self.store = Store.open(config.store_path)
            pins = config.pins
            outputs = StreetOutputs(
                Siren(
                    pins.siren,
                    pin_factory=self._factory,
                    max_seconds=config.alarm.siren_max_seconds,
                ),
                Strobe(
                    pins.strobe,
                    pin_factory=self._factory,
                    max_seconds=config.alarm.strobe_max_seconds,
                ),
                time_scale=self._scale,
            )
            settings = self._sms_settings or config.sms.twilio_settings()
            self.notifier = SmsNotifier(
                settings,
                self.store,
                policy=self._sms_retry,
                concurrency=config.sms.concurrency,
            )
            radio = self._radio or _radio_from(config, self._factory)
            alarm = Alarm(config.alarm.policy(self._scale), self.store.load_open_episodes())
            self.controller = StreetController(
                radio=radio,
                store=self.store,
                alarm=alarm,
                outputs=outputs,
                notifier=self.notifier,
                municipality=config.municipality,
                clock=time.time,
                listener=self._listener,
            )
            await self.controller.start()
            loop = asyncio.get_running_loop()
            self.key_switch = KeySwitch.from_pin_map(pins, pin_factory=self._factory, loop=loop)
            self._tasks.append(loop.create_task(self._watch_key_switch(self.key_switch)))
            self._tasks.append(loop.create_task(self._reload_registry()))
            self.hub_link = HubLink(config, self.store, self.controller, time_scale=self._scale)
            self.hub_link.start()
            if self._control_socket:
                self.control = ControlServer(
                    config.data_dir / SOCKET_NAME,
                    {"silence": self._silence_command, "status": self._status_command},
                )
                await self.control.start()
        except BaseException:
            if outputs is not None and self.controller is None:
                outputs.close()  # built, but not yet the controller's for close() to release
            await self.close()
            raise
        return self.controller

    async def _watch_key_switch(self, switch: KeySwitch) -> None:
        while True:
            event = await switch.events.get()
            if event.engaged and self.controller is not None:
                self.controller.silence()

    async def _reload_registry(self) -> None:
        """Nodes and vecinos added with the CLI while running become known within seconds."""
        while True:
            await asyncio.sleep(5.0)
            if self.controller is not None:
                self.controller.refresh_registry(force=False)

    def _silence_command(self) -> dict[str, Any]:
        assert self.controller is not None
        return {"silenced": len(self.controller.silence())}

    def _status_command(self) -> dict[str, Any]:
        assert self.controller is not None
        state = self.controller.outputs.state
        return {
            "siren": state.siren,
            "strobe": state.strobe,
            "open_episodes": [
                {"id": e.id, "kind": e.kind.name, "triggers": len(e.triggers)}
                for e in self.controller.alarm.open_episodes
            ],
        }

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self.hub_link is not None:
            await self.hub_link.close()
            self.hub_link = None
        if self.control is not None:
            await self.control.close()
            self.control = None
        if self.controller is not None:
            await self.controller.stop()
            self.controller.outputs.close()
            self.controller = None
        if self.key_switch is not None:
            self.key_switch.close()
            self.key_switch = None
        if self.notifier is not None:
            await self.notifier.aclose()
            self.notifier = None
        if self.store is not None:
            self.store.close()
            self.store = None

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
