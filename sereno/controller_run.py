"""``sereno controller run`` and ``sereno controller silence``: the controller at work.

``run`` assembles :class:`~controller.app.ControllerApp` from ``controller.toml`` and runs
until SIGTERM or Ctrl-C. With ``[sms] provider = "sandbox"`` (the default when there are no
Twilio credentials) it also serves the local Twilio-compatible sandbox on 127.0.0.1, keeping
what it got in the data folder (``sereno sms list --store …`` shows it), unless one already
listens there. ``silence`` reaches the running controller through its control socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import click

from controller.app import ControllerApp
from controller.config import ControllerConfig
from controller.control import SOCKET_NAME, ControlError, send_command
from controller.service import Happening
from controller.sms.settings import SANDBOX_HOST, SANDBOX_PORT, TwilioSettings
from sereno.controller_cli import (
    config_option,
    controller,
    installer_errors,
    load_controller_config,
)
from sereno.sms_sandbox import SandboxConfig
from sereno.sms_sandbox.server import running_sandbox

log = logging.getLogger(__name__)

SANDBOX_STORE = "sms-sandbox.jsonl"


def _pin_factory(mock: bool) -> Any:
    if mock:
        from gpiozero.pins.mock import MockFactory

        return MockFactory()
    from gpiozero import Device

    return Device._default_pin_factory()


@contextlib.asynccontextmanager
async def _sms_settings(config: ControllerConfig) -> AsyncIterator[TwilioSettings | None]:
    """The embedded sandbox when the configuration sends SMS there and none is running."""
    if config.sms.provider != "sandbox" or config.sms.api_base is not None:
        yield None
        return
    store = config.data_dir / SANDBOX_STORE
    try:
        async with running_sandbox(SandboxConfig(store=store), SANDBOX_HOST, SANDBOX_PORT) as box:
            click.echo(f"SMS: sandbox local en {box.url} (vea: sereno sms list --store {store})")
            yield box.settings()
    except OSError as exc:
        if exc.errno not in (98, 48):  # EADDRINUSE (Linux, BSD): a sandbox is already there
            raise
        click.echo(f"SMS: usando el sandbox que ya escucha en {SANDBOX_HOST}:{SANDBOX_PORT}")
        yield None


def _print(happening: Happening) -> None:
    click.echo(happening.text)


async def _run(config: ControllerConfig, mock_gpio: bool, seconds_scale: float) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with _sms_settings(config) as settings:
        app = ControllerApp(
            config,
            pin_factory=_pin_factory(mock_gpio),
            time_scale=seconds_scale,
            sms_settings=settings,
            listener=_print,
        )
        async with app:
            click.echo(f"Controlador «{config.name}» en marcha (red {config.network_id}).")
            await stop.wait()
            click.echo("Deteniendo el controlador…")


@controller.command("run")
@config_option
@click.option("--mock-gpio", is_flag=True, help="GPIO simulado: para probar sin Raspberry Pi.")
@click.option(
    "--seconds-scale",
    type=click.FloatRange(min=0.001, max=1.0),
    default=1.0,
    show_default=True,
    help="Acorta los tiempos de sirena y baliza (solo para pruebas).",
)
def run(config_path: Path, mock_gpio: bool, seconds_scale: float) -> None:
    """Pone en marcha el controlador de calle hasta recibir Ctrl-C o SIGTERM."""
    config = load_controller_config(config_path)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    with installer_errors():
        asyncio.run(_run(config, mock_gpio, seconds_scale))


@controller.command("silence")
@config_option
def silence(config_path: Path) -> None:
    """Silencia la sirena del controlador en marcha (como la llave del instalador)."""
    config = load_controller_config(config_path)
    try:
        answer = asyncio.run(send_command(config.data_dir / SOCKET_NAME, "silence"))
    except ControlError as exc:
        raise click.ClickException(str(exc)) from None
    count = int(answer.get("silenced", 0))
    if count:
        click.echo(f"Sirena silenciada ({count} episodio(s)); la baliza sigue hasta su término.")
    else:
        click.echo("No había sirena sonando.")


@controller.command("status")
@config_option
def status(config_path: Path) -> None:
    """Muestra el estado de la sirena, la baliza y los episodios abiertos."""
    config = load_controller_config(config_path)
    try:
        answer = asyncio.run(send_command(config.data_dir / SOCKET_NAME, "status"))
    except ControlError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Sirena: {answer.get('siren') or 'apagada'}")
    click.echo(f"Baliza: {'encendida' if answer.get('strobe') else 'apagada'}")
    for episode in answer.get("open_episodes", []):
        click.echo(f"Episodio {episode['kind']}: {episode['triggers']} activación(es)")
