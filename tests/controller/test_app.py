"""ControllerApp assembled from a controller.toml: frames from its radio, ``silence`` and
``status`` through the control socket, the installer's key switch on a gpiozero thread, and
the refusals that name the configuration field at fault (leaving nothing open)."""

from __future__ import annotations

import asyncio
import stat
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from controller.app import ControllerApp
from controller.config import ControllerConfig, load_config
from controller.control import SOCKET_NAME, ControlError, send_command
from controller.errors import ConfigError
from controller.service import Happening
from controller.store import Store
from hardware.gpio.outputs import Siren, Strobe
from hardware.radio.base import Datagram
from protocol.frame import Ack, AckResult, AlarmState, Panic, PanicKind, build_frame, decode_frame
from sereno.sms_sandbox import RunningSandbox
from tests.controller.test_service_rig import (
    FAST_SMS,
    KEYS,
    NETWORK,
    PINS,
    FakeRadio,
    eventually,
    level,
    levels,
    register,
    sms_sandbox,
)

CONFIG = f"""\
[controller]
name = "Pasaje Los Aromos"
network_id = {NETWORK}
data_dir = "datos"

[radio]
kind = "emulated"

[alarm]
siren_max_seconds = 60
"""


def write_config(tmp_path: Path, extra: str = "") -> ControllerConfig:
    path = tmp_path / "controller.toml"
    path.write_text(CONFIG + extra, encoding="utf-8")
    path.chmod(0o600)
    config = load_config(path)
    with Store.open(config.store_path) as store:
        register(store)
    return config


@pytest.fixture
def pins() -> Iterator[MockFactory]:
    factory = MockFactory()
    yield factory
    factory.reset()
    factory.close()


class Running:
    """A started app, its radio, and what it did with the thread that did it."""

    def __init__(
        self, app: ControllerApp, radio: FakeRadio, happenings: list[tuple[Happening, int]]
    ) -> None:
        self.app = app
        self.radio = radio
        self.happenings = happenings
        self.counter = 0

    @property
    def socket(self) -> Path:
        return self.app.config.data_dir / SOCKET_NAME

    async def press(self, kind: PanicKind, node: int = 11) -> Ack:
        """A PANIC heard by the radio; the ACK the controller answered with."""
        self.counter += 1
        data = build_frame(
            Panic(kind), network=NETWORK, src=node, dst=0, counter=self.counter, key=KEYS[node]
        )
        before = len(self.radio.sent)
        self.radio.incoming.put_nowait(Datagram(data, address=node))
        await eventually(lambda: len(self.radio.sent) > before)
        body = decode_frame(self.radio.sent[before].data, KEYS[node]).body()
        assert isinstance(body, Ack)
        return body

    def silences(self) -> list[tuple[Happening, int]]:
        return [(h, thread) for h, thread in self.happenings if h.what == "silence"]


@asynccontextmanager
async def running(
    config: ControllerConfig, factory: MockFactory, sandbox: RunningSandbox
) -> AsyncIterator[Running]:
    radio = FakeRadio()
    happenings: list[tuple[Happening, int]] = []

    def heard(happening: Happening) -> None:
        happenings.append((happening, threading.get_ident()))

    app = ControllerApp(
        config,
        pin_factory=factory,
        radio=radio,
        sms_settings=sandbox.settings(),
        sms_retry=FAST_SMS,
        listener=heard,
    )
    run = Running(app, radio, happenings)
    async with app:
        yield run
    assert radio.closed


async def test_status_and_silence_through_the_control_socket(
    tmp_path: Path, pins: MockFactory
) -> None:
    config = write_config(tmp_path)
    async with sms_sandbox() as sandbox, running(config, pins, sandbox) as run:
        idle = await send_command(run.socket, "status")
        assert idle == {"ok": True, "siren": None, "strobe": False, "open_episodes": []}

        ack = await run.press(PanicKind.PANICO)
        assert ack == Ack(1, AckResult.ACCEPTED, AlarmState.SOUNDING)
        sounding = await send_command(run.socket, "status")
        assert (sounding["siren"], sounding["strobe"]) == ("continuous", True)
        assert [(e["kind"], e["triggers"]) for e in sounding["open_episodes"]] == [("PANICO", 1)]
        siren = pins.pin(PINS.siren)
        await eventually(lambda: level(siren))

        assert await send_command(run.socket, "silence") == {"ok": True, "silenced": 1}
        assert not level(siren)
        silenced = await send_command(run.socket, "status")
        assert (silenced["siren"], silenced["strobe"]) == (None, True)
        assert len(silenced["open_episodes"]) == 1
        assert await send_command(run.socket, "silence") == {"ok": True, "silenced": 0}


async def test_the_control_socket_is_private_and_refuses_what_it_does_not_know(
    tmp_path: Path, pins: MockFactory
) -> None:
    config = write_config(tmp_path)
    async with sms_sandbox() as sandbox:
        async with running(config, pins, sandbox) as run:
            socket = run.socket
            assert stat.S_ISSOCK(socket.stat().st_mode)
            assert stat.S_IMODE(socket.stat().st_mode) == 0o600
            with pytest.raises(ControlError, match="comando desconocido: 'reboot'"):
                await send_command(socket, "reboot")
        assert not socket.exists()
        with pytest.raises(ControlError, match="No encuentro un controlador en marcha"):
            await send_command(socket, "status", within=1.0)


async def test_the_key_switch_silences_from_gpiozero_s_thread(
    tmp_path: Path, pins: MockFactory
) -> None:
    config = write_config(tmp_path)
    async with sms_sandbox() as sandbox, running(config, pins, sandbox) as run:
        loop_thread = threading.get_ident()
        await run.press(PanicKind.ROBO)
        siren, strobe = pins.pin(PINS.siren), pins.pin(PINS.strobe)
        await eventually(lambda: True in levels(siren))
        key = pins.pin(PINS.key_switch)
        assert level(key)  # pulled up: not engaged

        await asyncio.to_thread(key.drive_low)  # the installer turns the key: another thread
        await eventually(lambda: bool(run.silences()))

        ((happening, thread),) = run.silences()
        assert thread == loop_thread  # handed to the loop, never run on gpiozero's thread
        assert happening.text == "sirena silenciada (1 episodio(s))"
        controller = run.app.controller
        assert controller is not None
        assert not controller.outputs.siren.is_active and not level(siren)
        assert controller.outputs.state.strobe
        changes = len(siren.states)
        await asyncio.to_thread(key.drive_high)  # turned back: nothing re-arms
        await asyncio.sleep(0.2)
        assert len(run.silences()) == 1
        assert len(siren.states) == changes
        assert True in levels(strobe)


async def test_a_radio_only_the_demo_has_is_refused_naming_the_field(
    tmp_path: Path, pins: MockFactory
) -> None:
    config = write_config(tmp_path)
    async with sms_sandbox() as sandbox:
        app = ControllerApp(config, pin_factory=pins, sms_settings=sandbox.settings())
        with pytest.raises(ConfigError) as refused:
            await app.start()
    assert str(refused.value).startswith(f"{config.source}: [radio] kind")
    assert "sereno demo" in str(refused.value)
    assert_nothing_left_open(app, pins)


async def test_a_missing_sms_token_variable_is_refused_naming_the_field(
    tmp_path: Path, pins: MockFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SERENO_TEST_TOKEN", raising=False)
    sid = "AC" + "0123456789abcdef" * 2
    config = write_config(
        tmp_path,
        f'\n[sms]\naccount_sid = "{sid}"\nauth_token_env = "SERENO_TEST_TOKEN"\n'
        'from_number = "+56221234567"\n',
    )
    app = ControllerApp(config, pin_factory=pins, radio=FakeRadio())
    with pytest.raises(ConfigError) as refused:  # kept: its traceback holds what start() built
        await app.start()
    assert str(refused.value).startswith("[sms] auth_token_env: ")
    assert "SERENO_TEST_TOKEN" in str(refused.value)
    assert_nothing_left_open(app, pins)


def assert_nothing_left_open(app: ControllerApp, pins: MockFactory) -> None:
    """A refused start releases what it had taken: store, socket and GPIO pins."""
    assert (app.store, app.controller, app.control, app.key_switch) == (None, None, None, None)
    assert not (app.config.data_dir / SOCKET_NAME).exists()
    with Siren(PINS.siren, pin_factory=pins), Strobe(PINS.strobe, pin_factory=pins):
        pass  # free again: a second start on this board can take them
