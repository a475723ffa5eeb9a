"""``sereno controller run``, ``silence``, ``status`` and ``enroll``: the controller at work.

``run`` assembles :class:`~controller.app.ControllerApp` from ``controller.toml`` and runs
until SIGTERM or Ctrl-C (``--hub URL`` overrides ``[hub] url``). With ``[sms] provider =
"sandbox"`` (the default when there are no Twilio credentials) it also serves the local
Twilio-compatible sandbox on 127.0.0.1, keeping what it got in the data folder (``sereno sms
list --store …`` shows it), unless one already listens there. ``silence`` reaches the
running controller through its control socket. ``enroll`` exchanges the hub's one-time
code for this controller's credential, kept in a 0600 file and never printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import click

from controller.app import ControllerApp, limit_tls_read_buffers
from controller.config import ControllerConfig
from controller.control import SOCKET_NAME, ControlError, send_command
from controller.health import software_version
from controller.hub_client import (
    HubClient,
    HubError,
    HubRefused,
    HubUnavailable,
    write_credential,
)
from controller.service import Happening
from controller.sms.settings import SANDBOX_HOST, SANDBOX_PORT, TwilioSettings
from protocol.report import (
    ERROR_CODE_EXPIRED,
    ERROR_CODE_UNKNOWN,
    ERROR_CODE_USED,
    Enrollment,
    EnrollmentGrant,
    ReportError,
    normalize_code,
)
from sereno.controller_cli import (
    config_option,
    controller,
    installer_errors,
    load_controller_config,
)

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
    # Imported only when it runs here: the sandbox (aiohttp's server side, phonenumbers,
    # Twilio's spec) is about 3 MB a controller sending through Twilio does not carry.
    from sereno.sms_sandbox import SandboxConfig
    from sereno.sms_sandbox.server import running_sandbox

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
@click.option("--hub", "hub_url", help="URL del hub municipal; reemplaza [hub] url.")
@click.option("--mock-gpio", is_flag=True, help="GPIO simulado: para probar sin Raspberry Pi.")
@click.option(
    "--seconds-scale",
    type=click.FloatRange(min=0.001, max=1.0),
    default=1.0,
    show_default=True,
    help="Acorta los tiempos de sirena y baliza (solo para pruebas).",
)
def run(config_path: Path, hub_url: str | None, mock_gpio: bool, seconds_scale: float) -> None:
    """Pone en marcha el controlador de calle hasta recibir Ctrl-C o SIGTERM."""
    config = load_controller_config(config_path)
    if hub_url is not None:
        config = replace(config, hub=replace(config.hub, url=_hub_url(hub_url)))
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    limit_tls_read_buffers()
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


# --- the hub ---------------------------------------------------------------------------------

_CODE_ERRORS: Final = {
    ERROR_CODE_UNKNOWN: "El hub no reconoce el código {code}; revíselo o pida uno nuevo a la "
    "Unidad de Alarmas",
    ERROR_CODE_EXPIRED: "El código {code} venció; pida uno nuevo a la Unidad de Alarmas",
    ERROR_CODE_USED: "El código {code} ya se usó; cada código sirve una sola vez: pida uno "
    "nuevo a la Unidad de Alarmas",
}


def _hub_url(value: str | None) -> str:
    if value is None or not value.strip():
        raise click.ClickException(
            "Falta la URL del hub: use --hub https://… o ponga url en la sección [hub] de "
            "controller.toml"
        )
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.ClickException(
            f"La URL del hub debe empezar con https:// (o http://); recibí {value!r}"
        )
    return value.strip().rstrip("/")


async def _enroll(url: str, enrollment: Enrollment) -> EnrollmentGrant:
    async with HubClient(url, user_agent=f"sereno-controller/{software_version()}") as client:
        return await client.enroll(enrollment)


@controller.command("enroll")
@config_option
@click.option("--hub", "hub_url", help="URL del hub municipal (si se omite, [hub] url).")
@click.option(
    "--code", help="Código de inscripción de un solo uso que entrega la Unidad de Alarmas."
)
def enroll(config_path: Path, hub_url: str | None, code: str | None) -> None:
    """Inscribe este controlador en el hub municipal con un código de un solo uso."""
    config = load_controller_config(config_path)
    url = _hub_url(hub_url or config.hub.url)
    if code is None or not code.strip():
        raise click.ClickException(
            "Falta --code: el código de inscripción que entrega la Unidad de Alarmas"
        )
    typed = normalize_code(code)
    try:
        enrollment = Enrollment(typed, config.name, software_version())
    except ReportError:
        raise click.ClickException(
            f"El código {code.strip()!r} no tiene la forma de un código de inscripción "
            "(letras, números y guiones, p. ej. 7KQ2-MX4P)"
        ) from None
    try:
        grant = asyncio.run(_enroll(url, enrollment))
    except HubRefused as exc:
        template = _CODE_ERRORS.get(exc.answer.error)
        message = (
            template.format(code=typed) if template else f"El hub rechazó la inscripción: {exc}"
        )
        raise click.ClickException(message) from None
    except HubUnavailable as exc:
        raise click.ClickException(
            f"No se pudo inscribir: {exc}. Revise la conexión a internet y la URL, y vuelva "
            "a intentarlo con el mismo código"
        ) from None
    except HubError as exc:
        raise click.ClickException(f"No se pudo inscribir: {exc}") from None
    path = config.hub.credential_path(config.data_dir)
    replaced = path.exists()
    try:
        write_credential(path, grant.credential)
    except OSError as exc:
        raise click.ClickException(
            f"El hub inscribió el controlador (número {grant.controller_id}), pero no se pudo "
            f"guardar la credencial en {path}: {exc.strerror or exc}. Corrija el permiso y pida "
            "un código nuevo"
        ) from None
    click.echo(
        f"Controlador «{config.name}» inscrito en el hub {url} con el número {grant.controller_id}."
    )
    click.echo(
        f"Credencial guardada en {path} (solo la lee este usuario; no se muestra)"
        + ("; reemplazó a la anterior." if replaced else ".")
    )
    click.echo(
        f"Reportará cada {grant.report_interval_s} s mientras el controlador esté en marcha."
    )
    if config.hub.url != url:
        click.echo(
            f'Para reportar a este hub, ponga url = "{url}" en la sección [hub] de '
            "controller.toml, o inicie con «sereno controller run --hub URL»."
        )
