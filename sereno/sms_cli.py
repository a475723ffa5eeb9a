"""``sereno sms …``: the local Twilio-compatible SMS sandbox and what it got.

- ``sereno sms sandbox`` runs the sandbox (:mod:`sereno.sms_sandbox`) until Ctrl-C, on
  127.0.0.1:8099 by default: the address and credentials the controller uses when no Twilio
  account is configured. No SMS leaves the machine.
- ``sereno sms list`` shows what a sandbox got, from the running one (``--url``) or from its
  JSON-lines file (``--store``): a table, or ``--json`` with the full message resources.

A thin layer over the library; messages for people in Spanish.
"""

from __future__ import annotations

import asyncio
import json
import signal
import urllib.error
import urllib.request
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Final

import click

from controller.sms.settings import SANDBOX_API_BASE, SANDBOX_FROM, SANDBOX_HOST, SANDBOX_PORT
from sereno.sms_sandbox import SandboxConfig, SandboxError, read_store, running_sandbox

_LOOPBACK: Final = frozenset({"127.0.0.1", "::1", "localhost"})
_BODY_WIDTH: Final = 60


@click.group("sms")
def sms() -> None:
    """SMS a los vecinos: sandbox local compatible con Twilio y lo que recibió."""


async def _serve(config: SandboxConfig, host: str, port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
        async with running_sandbox(config, host, port) as running:
            lines = [
                f"Sandbox SMS (compatible con Twilio) escuchando en {running.url}",
                f"  Account SID: {config.account_sid}",
                f"  Auth token:  {config.auth_token}",
                f"  Remitente:   {SANDBOX_FROM}",
                f"  Latencia:    {config.latency_ms:g} ms por solicitud",
                f"  Archivo:     {config.store or 'ninguno (solo en memoria)'}",
                f"Ningún SMS sale a un teléfono. Véalos con: sereno sms list --url {running.url}",
                "Detenga con Ctrl-C.",
            ]
            click.echo("\n".join(lines))
            await stop.wait()
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


@sms.command("sandbox")
@click.option("--host", default=SANDBOX_HOST, show_default=True, help="Dirección donde escuchar.")
@click.option(
    "--port",
    default=SANDBOX_PORT,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Puerto (0: uno libre cualquiera).",
)
@click.option(
    "--latency-ms",
    default=0.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Demora agregada a cada solicitud a la API (para mediciones).",
)
@click.option(
    "--store",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Archivo JSON-lines donde guardar cada mensaje recibido.",
)
def sandbox_command(host: str, port: int, latency_ms: float, store: Path | None) -> None:
    """Corre el sandbox SMS local hasta Ctrl-C."""
    if host not in _LOOPBACK:
        click.echo(
            f"Atención: {host} no es la propia máquina. El sandbox muestra los mensajes sin "
            "clave en /sandbox/messages; úselo así solo en una red de pruebas.",
            err=True,
        )
    config = SandboxConfig(latency_ms=latency_ms, store=store)
    try:
        asyncio.run(_serve(config, host, port))
    except KeyboardInterrupt:
        pass
    except SandboxError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(
            f"no se pudo abrir {host}:{port} ({exc.strerror or exc}); "
            "¿hay otro sandbox corriendo? Pruebe otro --port"
        ) from None
    click.echo("Sandbox detenido.")


def _fetch(url: str) -> list[dict[str, Any]]:
    if not url.startswith(("http://", "https://")):
        raise click.BadParameter("debe empezar con http:// o https://", param_hint="--url")
    address = url.rstrip("/") + "/sandbox/messages"
    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
        with opener.open(address, timeout=10) as response:
            data = json.load(response)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise click.ClickException(
            f"no se pudo leer el sandbox en {url} ({exc}); ¿está corriendo `sereno sms sandbox`?"
        ) from None
    messages = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(messages, list):
        raise click.ClickException(f"{url} no respondió como un sandbox SMS de Sereno")
    return messages


def _when(message: dict[str, Any]) -> str:
    try:
        return (
            parsedate_to_datetime(str(message["date_created"]))
            .astimezone()
            .strftime("%Y-%m-%d %H:%M:%S")
        )
    except (KeyError, TypeError, ValueError):
        return "?"


def _table(messages: list[dict[str, Any]]) -> str:
    rows = [("Hora", "Para", "Seg.", "Estado", "Mensaje")]
    for m in messages:
        body = " ".join(str(m.get("body") or "").split())
        if len(body) > _BODY_WIDTH:
            body = body[: _BODY_WIDTH - 3] + "..."
        rows.append(
            (_when(m), str(m.get("to")), str(m.get("num_segments")), str(m.get("status")), body)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]  # the body goes last, as is
    lines = [
        "  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[4]])
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


@sms.command("list")
@click.option(
    "--store", type=click.Path(dir_okay=False, path_type=Path), help="Archivo del sandbox."
)
@click.option("--url", default=None, help=f"Sandbox en marcha [por omisión: {SANDBOX_API_BASE}].")
@click.option("--json", "as_json", is_flag=True, help="Mensajes completos en JSON.")
def list_command(store: Path | None, url: str | None, as_json: bool) -> None:
    """Muestra los SMS que recibió el sandbox, del más antiguo al más nuevo."""
    if store is not None and url is not None:
        raise click.UsageError("use --store o --url, no ambos")
    if store is not None:
        if not store.exists():
            raise click.ClickException(f"no existe el archivo {store}")
        try:
            messages = read_store(store)
        except SandboxError as exc:
            raise click.ClickException(str(exc)) from None
    else:
        messages = _fetch(url or SANDBOX_API_BASE)
    if as_json:
        click.echo(json.dumps(messages, ensure_ascii=False, indent=2))
    elif not messages:
        click.echo("El sandbox no ha recibido mensajes.")
    else:
        click.echo(_table(messages))
        click.echo(f"{len(messages)} mensaje(s).")
