"""``sereno hub …``: the municipal hub's server, its user accounts and enrollment codes.

A thin layer over :mod:`hub`: each command loads the configuration (an optional TOML file,
``--config``, overridden by the command's own options), calls the library and prints the
result in Spanish. Refusals (a bad e-mail, an unknown role, a weak password, a duplicate
e-mail, a database it cannot open) exit 1 with a Spanish message saying what to fix.

``serve`` also wires what the hub may not import itself: the SMS notifier of
:mod:`controller.sms` (Twilio, or the local sandbox without credentials) that texts the
on-duty phones about critical alarms.
"""

from __future__ import annotations

import asyncio
import dataclasses
import getpass
import logging
import os
import sys
import time
import tomllib
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Final, TypeVar
from zoneinfo import ZoneInfo

import click

from controller.sms import (
    InvalidPhone,
    MemoryLedger,
    OutgoingSms,
    SmsConfigError,
    SmsNotifier,
    TwilioSettings,
    load_settings,
    normalize_phone,
)
from hub import accounts
from hub.config import HubConfig, load_config
from hub.errors import HubError
from hub.fleet import controllers
from hub.fleet.controllers import CODE_HOURS, DEFAULT_CODE_HOURS
from hub.passwords import Passwords
from hub.roles import Role
from hub.server import RunningHub, serve
from hub.storage import Actor, HubDB

CONFIG_ENVVAR: Final = "SERENO_HUB_CONFIG"
DB_ENVVAR: Final = "SERENO_HUB_DB"
_LOOPBACK: Final = frozenset({"127.0.0.1", "::1", "localhost"})
_ROLES_HELP: Final = ", ".join(f"{role.value} ({role.label})" for role in Role)

F = TypeVar("F", bound=Callable[..., object])


@click.group("hub")
def hub() -> None:
    """Hub municipal: servidor web y cuentas de usuario."""


def storage_options(command: F) -> F:
    """``--config`` and ``--db``, which every ``sereno hub`` command takes."""
    command = click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar=DB_ENVVAR,
        help=f"Base de datos del hub (o la variable {DB_ENVVAR}; por defecto la de la "
        "configuración, /var/lib/sereno/hub.db).",
    )(command)
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar=CONFIG_ENVVAR,
        help=f"Archivo de configuración TOML del hub (opcional; o la variable {CONFIG_ENVVAR}).",
    )(command)


@contextmanager
def hub_errors() -> Iterator[None]:
    """Turn the hub's refusals into a Spanish message and exit status 1."""
    try:
        yield
    except HubError as exc:
        raise click.ClickException(str(exc)) from None


def configuration(
    config_path: Path | None,
    *,
    db_path: Path | None = None,
    host: str | None = None,
    port: int | None = None,
) -> HubConfig:
    """The file's configuration with the options given on the command line on top."""
    with hub_errors():
        config = load_config(config_path)
    return dataclasses.replace(
        config,
        db_path=config.db_path if db_path is None else db_path,
        host=config.host if host is None else host,
        port=config.port if port is None else port,
    )


class SmsAlarmNotifier:
    """The hub's :class:`~hub.notify.AlarmNotifier` over :class:`controller.sms.SmsNotifier`
    (its retries and back-off); one short-lived Twilio client per message."""

    def __init__(self, settings: TwilioSettings) -> None:
        self.settings = settings

    async def send(self, phone: str, text: str) -> bool:
        message = OutgoingSms(f"hub-alarm:{uuid.uuid4().hex}", phone, text)
        async with SmsNotifier(self.settings, MemoryLedger()) as notifier:
            result = await notifier.send(message)
        return result.outcome == "accepted"


def sms_settings(sms_config: Path | None) -> TwilioSettings:
    """Twilio settings from the environment over the ``[sms]`` table of ``sms_config``
    (a 0600 file when it holds the token); the local sandbox without credentials."""
    table: dict[str, object] = {}
    if sms_config is not None:
        try:
            data = tomllib.loads(sms_config.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise click.ClickException(f"no pude leer {sms_config}: {exc}") from None
        found = data.get("sms", {})
        if not isinstance(found, dict):
            raise click.ClickException(f"{sms_config}: [sms] debe ser una tabla")
        table = found
    try:
        return load_settings(os.environ, table, sms_config)
    except SmsConfigError as exc:
        raise click.ClickException(f"configuración de SMS: {exc}") from None


def with_alarm_sms(
    config: HubConfig, phones: tuple[str, ...], sms_config: Path | None
) -> tuple[HubConfig, TwilioSettings]:
    """``config`` with the on-duty phones (the options win over the file) and the SMS
    notifier."""
    try:
        chosen = tuple(normalize_phone(phone) for phone in phones) or config.on_duty_phones
    except InvalidPhone as exc:
        raise click.ClickException(str(exc)) from None
    settings = sms_settings(sms_config)
    notifier = SmsAlarmNotifier(settings)
    return dataclasses.replace(config, on_duty_phones=chosen, alarm_notifier=notifier), settings


@hub.command("serve")
@storage_options
@click.option("--host", help="Dirección donde escuchar.  [por defecto: 127.0.0.1]")
@click.option(
    "--port", type=click.IntRange(0, 65535), help="Puerto (0: uno libre).  [por defecto: 8080]"
)
@click.option(
    "--on-duty-phone",
    "on_duty_phones",
    multiple=True,
    help="Celular de turno de la Unidad de Alarmas (+56 9 XXXX XXXX): recibe un SMS por cada "
    "alarma crítica, con recordatorios hasta que alguien la reconozca. Repítala para varios; "
    "reemplaza [alarms] on_duty_phones de la configuración.",
)
@click.option(
    "--sms-config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Archivo TOML con una tabla [sms] (cuenta de Twilio; permisos 0600). Sin él y sin "
    "variables TWILIO_*, los SMS van al sandbox local (sereno sms sandbox).",
)
def serve_command(
    config_path: Path | None,
    db_path: Path | None,
    host: str | None,
    port: int | None,
    on_duty_phones: tuple[str, ...],
    sms_config: Path | None,
) -> None:
    """Corre el hub (páginas web y API) hasta Ctrl-C."""
    config = configuration(config_path, db_path=db_path, host=host, port=port)
    config, settings = with_alarm_sms(config, on_duty_phones, sms_config)
    if config.host not in _LOOPBACK:
        click.echo(
            f"Atención: {config.host} expone el hub fuera de esta máquina. Sirva el hub solo "
            "en 127.0.0.1, detrás de un proxy HTTPS (secure_cookies = true).",
            err=True,
        )
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    def ready(running: RunningHub) -> None:
        click.echo(f"Hub de Sereno escuchando en {running.url}")
        click.echo(f"  Base de datos: {config.db_path}")
        if config.on_duty_phones:
            click.echo(f"  Alarmas críticas por SMS a: {', '.join(config.on_duty_phones)}")
        else:
            click.echo("  Sin celular de turno: las alarmas críticas no se avisan por SMS.")
        if settings.is_sandbox:
            click.echo(f"  SMS al sandbox local ({settings.api_base}): no salen a teléfonos.")
        click.echo("Detenga con Ctrl-C.")

    try:
        with hub_errors():
            asyncio.run(serve(config, ready=ready))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        raise click.ClickException(
            f"no se pudo abrir {config.host}:{config.port} ({exc.strerror or exc}); "
            "¿hay otro hub corriendo? Pruebe otro --port"
        ) from None
    click.echo("Hub detenido.")


@hub.command("create-user")
@storage_options
@click.option("--email", required=True, help="Correo de la persona (su nombre de usuario).")
@click.option("--role", required=True, help=f"Rol: {_ROLES_HELP}.")
@click.option("--name", default="", help="Nombre de la persona.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Leer la contraseña de la entrada estándar (una línea) en vez de preguntarla.",
)
def create_user_command(
    config_path: Path | None,
    db_path: Path | None,
    email: str,
    role: str,
    name: str,
    password_stdin: bool,
) -> None:
    """Crea una cuenta (por ejemplo, la primera de administración)."""
    config = configuration(config_path, db_path=db_path)
    with hub_errors(), HubDB.open(config.db_path) as db:
        accounts.check_new_user(db, email=email, name=name, role=role)
        password = _read_password(password_stdin)
        user = asyncio.run(
            accounts.create_user(
                db,
                Passwords(config.password_hashing),
                email=email,
                name=name,
                role=role,
                password=password,
                temporary=False,
                actor=Actor.system(f"sereno hub create-user ({_os_user()})"),
                at=time.time(),
            )
        )
    click.echo(f"Usuario creado: {user.email} ({user.role.label}) en {config.db_path}")


@hub.command("enroll-code")
@storage_options
@click.option("--name", required=True, help="Nombre del controlador (la calle o el pasaje).")
@click.option("--barrio", required=True, help="Barrio del controlador (se crea si no existe).")
@click.option(
    "--hours",
    type=click.IntRange(*CODE_HOURS),
    default=DEFAULT_CODE_HOURS,
    show_default=True,
    help="Horas de vigencia del código.",
)
def enroll_code_command(
    config_path: Path | None, db_path: Path | None, name: str, barrio: str, hours: int
) -> None:
    """Genera un código de inscripción de un solo uso para un controlador nuevo."""
    config = configuration(config_path, db_path=db_path)
    with hub_errors(), HubDB.open(config.db_path) as db:
        record, code = controllers.issue_code(
            db,
            name=name,
            barrio=barrio,
            hours=hours,
            actor=Actor.system(f"sereno hub enroll-code ({_os_user()})"),
            at=time.time(),
        )
    expires = datetime.fromtimestamp(record.expires_at, ZoneInfo(config.timezone))
    click.echo(f"Código de inscripción para «{record.name}» (barrio {record.barrio}):")
    click.echo(f"  {code}")
    click.echo(
        f"Sirve una sola vez y vence el {expires:%d-%m-%Y %H:%M}. Se muestra solo ahora: "
        "anótelo o entrégueselo a quien instala el controlador, que ejecuta:"
    )
    click.echo(f"  sereno controller enroll --hub URL-DEL-HUB --code {code}")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.ClickException("No llegó ninguna contraseña por la entrada estándar.")
        return password
    password = str(click.prompt("Contraseña", hide_input=True))
    repeated = str(click.prompt("Repita la contraseña", hide_input=True))
    if password != repeated:
        raise click.ClickException("Las contraseñas no coinciden; vuelva a intentarlo.")
    return password


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "usuario desconocido"
