"""``sereno node …``: run a panic node, or send an installer's TEST frame.

A thin layer over :mod:`node`. ``run`` runs the node until Ctrl-C or SIGTERM. ``test``
sends one TEST frame to the controller and prints the result in Spanish; its exit code is
0 when the controller received it, 1 when it refused it or did not answer, 2 for a bad
configuration (click's usage errors).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path
from typing import Any

import click

from hardware.errors import HardwareError
from hardware.radio.settings import E220Settings, RadioSettingsError, open_radio
from node.app import NodeApp, describe_result, send_test_frame
from node.config import NodeConfig, load_config
from node.errors import NodeError


def _load(path: Path) -> NodeConfig:
    try:
        return load_config(path)
    except NodeError as exc:
        raise click.UsageError(str(exc)) from None


def _pin_factory() -> Any:
    from gpiozero import Device

    return Device.pin_factory or Device._default_pin_factory()


def _scale(value: float) -> float:
    if not value > 0:
        raise click.BadParameter("debe ser un número mayor que 0", param_hint="--seconds-scale")
    return value


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default="node.toml",
    show_default=True,
    help="Archivo de configuración del nodo.",
)
scale_option = click.option(
    "--seconds-scale",
    type=float,
    default=1.0,
    show_default=True,
    help="Multiplica todos los tiempos (demostraciones y pruebas); 1 en terreno.",
)


@click.group()
def node() -> None:
    """Nodo de pánico: botones, LED y radio en la casa de un vecino."""


@node.command()
@config_option
@scale_option
@click.option("-v", "--verbose", is_flag=True, help="Registro detallado.")
def run(config_path: Path, seconds_scale: float, verbose: bool) -> None:
    """Hace funcionar el nodo hasta Ctrl-C."""
    config = _load(config_path)
    scale = _scale(seconds_scale)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )

    async def main() -> None:
        task = asyncio.current_task()
        if task is not None:  # systemd stops with SIGTERM: close cleanly, LED and pins off
            with contextlib.suppress(NotImplementedError):
                asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        factory = _pin_factory()
        radio = open_radio(config.radio, pins=config.pins, pin_factory=factory)
        await NodeApp(config, radio=radio, pin_factory=factory, seconds_scale=scale).run()

    try:
        asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        click.echo("Nodo detenido.")
    except NodeError as exc:
        raise click.ClickException(str(exc)) from None
    except RadioSettingsError as exc:  # [radio] names a radio this program cannot open
        raise click.ClickException(f"{config_path.name}: {exc}") from None
    except HardwareError as exc:
        raise click.ClickException(f"Falla del equipo: {exc}") from None


@node.command()
@config_option
@scale_option
def test(config_path: Path, seconds_scale: float) -> None:
    """Envía una trama de PRUEBA al controlador y muestra el resultado."""
    config = _load(config_path)
    scale = _scale(seconds_scale)

    async def main() -> bool:
        # Only the E220 needs GPIO (its M0/M1/AUX lines); a TEST touches no other pin.
        factory = _pin_factory() if isinstance(config.radio, E220Settings) else None
        radio = open_radio(config.radio, pins=config.pins, pin_factory=factory)
        result = await send_test_frame(config, radio, seconds_scale=scale)
        click.echo(describe_result(result))
        return result.delivered

    try:
        delivered = asyncio.run(main())
    except NodeError as exc:
        raise click.ClickException(str(exc)) from None
    except RadioSettingsError as exc:  # [radio] names a radio this program cannot open
        raise click.ClickException(f"{config_path.name}: {exc}") from None
    except HardwareError as exc:
        raise click.ClickException(f"Falla del equipo: {exc}") from None
    if not delivered:
        raise SystemExit(1)
