"""``sereno controller …``: the street controller's registry and event log, for installers.

A thin layer over :mod:`controller.config` and :mod:`controller.store`: each command loads
``controller.toml`` (``--config``), opens the store it names, calls one library method and
prints the result in Spanish (or JSON with ``--json``). Any refusal (a bad phone, a
duplicate node, a malformed key, a bad configuration field) exits 1 with a Spanish message
that says what to fix. A node's key is printed once, by ``add-node --generate-key``, and
never again: ``list`` shows a fingerprint.

Adding a command (``run``, ``silence``…)::

    @controller.command("silence")
    @config_option
    def silence(config_path: Path) -> None:
        config = load_controller_config(config_path)
        with installer_errors(), open_store(config) as store:
            ...
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Final, TypeVar

import click

from controller.alarm import Episode
from controller.config import ControllerConfig, load_config
from controller.errors import ControllerError
from controller.sms.notifier import SmsAttempt
from controller.store import (
    ALL_KINDS,
    DEFAULT_VECINO_KINDS,
    EVENT_KINDS,
    Event,
    FrameRecord,
    Node,
    Store,
    Vecino,
    generate_key,
    parse_key_hex,
    parse_kinds,
)
from protocol.frame import PanicKind

DEFAULT_CONFIG: Final = Path("/etc/sereno/controller.toml")
CONFIG_ENVVAR: Final = "SERENO_CONTROLLER_CONFIG"

VERDICTS_ES: Final = {
    "accepted": "aceptada",
    "duplicate": "duplicada (reenvío)",
    "replay": "REPETIDA: posible reproducción",
    "tag": "firma inválida",
    "unknown": "nodo desconocido",
    "length": "largo inválido",
    "version": "otra versión",
    "payload": "contenido inválido",
    "not_for_us": "para otro receptor",
}
OUTCOMES_ES: Final = {"accepted": "aceptado", "retry": "se reintentará", "failed": "fallido"}
END_REASONS_ES: Final = {"expired": "terminado", "cancelled": "cancelado"}

F = TypeVar("F", bound=Callable[..., object])


def config_option(command: F) -> F:
    """The ``--config`` option every ``sereno controller`` command takes."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path),
        default=DEFAULT_CONFIG,
        envvar=CONFIG_ENVVAR,
        show_default=True,
        help=f"Archivo de configuración del controlador (o la variable {CONFIG_ENVVAR}).",
    )(command)


@contextmanager
def installer_errors() -> Iterator[None]:
    """Turn the controller's refusals into a Spanish message and exit status 1."""
    try:
        yield
    except ControllerError as exc:
        raise click.ClickException(str(exc)) from None


def load_controller_config(path: Path) -> ControllerConfig:
    with installer_errors():
        return load_config(path)


@contextmanager
def open_store(config: ControllerConfig) -> Iterator[Store]:
    with installer_errors():
        store = Store.open(config.store_path)
    with store:
        yield store


def _number(value: str | None, option: str, what: str) -> int:
    if value is None:
        raise click.ClickException(f"Falta {option}: {what}")
    try:
        return int(value.strip())
    except ValueError:
        raise click.ClickException(
            f"{option} debe ser un número ({what}); recibí {value!r}"
        ) from None


def _required(value: str | None, option: str, what: str) -> str:
    if value is None or not value.strip():
        raise click.ClickException(f"Falta {option}: {what}")
    return value


def _kinds(value: str | None, default: tuple[PanicKind, ...]) -> tuple[PanicKind, ...]:
    if value is None:
        return default
    with installer_errors():
        return parse_kinds(value)


def _names(kinds: Sequence[PanicKind]) -> str:
    return ", ".join(k.name.lower() for k in sorted(kinds)) or "ninguno"


def _short_names(kinds: Sequence[PanicKind], every: Sequence[PanicKind]) -> str:
    """``todos`` for the default set, for the ``list`` table."""
    return "todos" if set(kinds) == set(every) else _names(kinds)


def _when(at: float) -> str:
    return datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M:%S")


def _echo_json(value: object) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


@click.group("controller")
def controller() -> None:
    """Controlador de calle: registro de nodos y vecinos, y registro de eventos."""


@controller.command("add-node")
@config_option
@click.option("--address", help="Dirección del nodo en la red del controlador (1 a 65534).")
@click.option("--key", "key_hex", help="Clave del nodo: 32 dígitos hexadecimales.")
@click.option(
    "--generate-key", "generate", is_flag=True, help="Crear una clave nueva y mostrarla una vez."
)
@click.option("--household", help='Hogar donde está el botón, p. ej. "casa 3".')
@click.option("--street", help='Dirección de la casa, p. ej. "Pasaje Los Aromos 1234".')
@click.option("--kinds", help="Tipos que envía el nodo, separados por comas (todos si se omite).")
def add_node(
    config_path: Path,
    address: str | None,
    key_hex: str | None,
    generate: bool,
    household: str | None,
    street: str | None,
    kinds: str | None,
) -> None:
    """Registra el botón de pánico de un vecino y su clave."""
    config = load_controller_config(config_path)
    number = _number(address, "--address", "la dirección del nodo, de 1 a 65534")
    if generate == (key_hex is not None):
        raise click.ClickException(
            "Indique la clave del nodo con --key (32 dígitos hexadecimales) o use "
            "--generate-key para crear una nueva, pero no ambas"
        )
    with installer_errors():
        key = generate_key() if generate else parse_key_hex(key_hex or "")
    node_kinds = _kinds(kinds, ALL_KINDS)
    with open_store(config) as store, installer_errors():
        node = store.add_node(
            config.network_id,
            number,
            key,
            _required(household, "--household", 'el hogar, p. ej. "casa 3"'),
            _required(street, "--street", "la dirección de la casa"),
            node_kinds,
        )
    click.echo(
        f"Nodo {node.address} registrado en la red {node.network}: {node.household}, "
        f"{node.street_address}."
    )
    click.echo(f"Tipos que envía: {_names(node.kinds)}.")
    click.echo(f"Huella de la clave: {node.fingerprint}")
    if generate:
        click.echo(
            f"Clave del nodo (cárguela ahora en el nodo; no se volverá a mostrar):\n  {key.hex()}"
        )


@controller.command("add-vecino")
@config_option
@click.option("--name", help="Nombre del vecino.")
@click.option("--phone", help="Celular, p. ej. +56 9 8765 4321.")
@click.option("--street", help="Dirección del vecino.")
@click.option("--household", default="", help='Hogar, p. ej. "casa 3".')
@click.option(
    "--kinds",
    help="Tipos que recibe, separados por comas (todos menos alerta_silenciosa si se omite).",
)
@click.option(
    "--contact-for",
    "contact_for",
    multiple=True,
    metavar="NODO",
    help="Dirección de un nodo cuya alerta silenciosa recibe (se puede repetir).",
)
def add_vecino(
    config_path: Path,
    name: str | None,
    phone: str | None,
    street: str | None,
    household: str,
    kinds: str | None,
    contact_for: tuple[str, ...],
) -> None:
    """Registra a un vecino que recibe SMS cuando suena la alarma."""
    config = load_controller_config(config_path)
    nodes = [_number(n, "--contact-for", "la dirección de un nodo") for n in contact_for]
    vecino_kinds = _kinds(kinds, DEFAULT_VECINO_KINDS)
    with open_store(config) as store, installer_errors():
        vecino = store.add_vecino(
            _required(name, "--name", "el nombre del vecino"),
            _required(phone, "--phone", "su celular, p. ej. +56 9 8765 4321"),
            _required(street, "--street", "su dirección"),
            household=household,
            kinds=vecino_kinds,
            contact_for=[(config.network_id, n) for n in nodes],
        )
    click.echo(f"Vecino {vecino.id} registrado: {vecino.name}, {vecino.phone}.")
    click.echo(f"Recibe: {_names(vecino.kinds)}.")
    if vecino.contact_for:
        contacts = ", ".join(str(address) for _, address in vecino.contact_for)
        click.echo(f"Contacto designado (alerta silenciosa) de los nodos: {contacts}.")


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in (headers, *rows)) for i in range(len(headers))]
    return [
        "  "
        + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (headers, *rows)
    ]


def _node_row(node: Node) -> list[str]:
    return [
        str(node.address),
        node.household,
        node.street_address,
        _short_names(node.kinds, ALL_KINDS),
        node.fingerprint,
    ]


def _vecino_row(vecino: Vecino) -> list[str]:
    return [
        str(vecino.id),
        vecino.name,
        vecino.phone,
        vecino.street_address,
        vecino.household,
        _short_names(vecino.kinds, DEFAULT_VECINO_KINDS),
        ", ".join(str(address) for _, address in vecino.contact_for),
    ]


@controller.command("list")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Salida en JSON.")
def list_registry(config_path: Path, as_json: bool) -> None:
    """Muestra los nodos (con la huella de su clave) y los vecinos registrados."""
    config = load_controller_config(config_path)
    with open_store(config) as store:
        nodes, vecinos = store.list_nodes(), store.list_vecinos()
    if as_json:
        _echo_json(
            {
                "controller": {"name": config.name, "network_id": config.network_id},
                "nodes": [n.to_json() for n in nodes],
                "vecinos": [v.to_json() for v in vecinos],
            }
        )
        return
    lines = [f"Controlador «{config.name}», red {config.network_id}", ""]
    lines.append(f"Nodos ({len(nodes)}):")
    if nodes:
        headers = ["nodo", "hogar", "dirección", "tipos", "huella de la clave"]
        lines += _table(headers, [_node_row(n) for n in nodes])
    else:
        lines.append("  (ninguno: registre uno con «sereno controller add-node»)")
    lines += ["", f"Vecinos ({len(vecinos)}):"]
    if vecinos:
        headers = ["id", "nombre", "celular", "dirección", "hogar", "recibe", "contacto de"]
        lines += _table(headers, [_vecino_row(v) for v in vecinos])
    else:
        lines.append("  (ninguno: registre uno con «sereno controller add-vecino»)")
    click.echo("\n".join(lines))


def _frame_line(frame: FrameRecord) -> str:
    parts = [f"trama     {VERDICTS_ES.get(frame.verdict, frame.verdict)}"]
    if frame.network is not None:
        parts.append(f"red {frame.network} nodo {frame.src}")
    if frame.counter is not None:
        parts.append(f"contador {frame.counter}")
    if frame.type_name is not None:
        parts.append(frame.type_name)
    if frame.rssi is not None:
        parts.append(f"RSSI {frame.rssi} dBm")
    if frame.snr is not None:
        parts.append(f"SNR {frame.snr:g} dB")
    if frame.detail:
        parts.append(f"({frame.detail})")
    return "  ".join(parts)


def _episode_line(episode: Episode) -> str:
    if episode.is_open:
        state = "abierto"
    else:
        reason = episode.end_reason.value if episode.end_reason else ""
        state = END_REASONS_ES.get(reason, "terminado")
    nodes = ", ".join(str(src) for src in dict.fromkeys(t.src for t in episode.triggers))
    parts = [f"episodio  {episode.kind.name}", state, f"nodos {nodes}"]
    if episode.siren_until is not None:
        parts.append(f"sirena hasta {_when(episode.siren_until)[11:]}")
    if episode.silenced_at is not None:
        parts.append(f"silenciado {_when(episode.silenced_at)[11:]}")
    parts.append(f"id {episode.id}")
    return "  ".join(parts)


def _sms_line(attempt: SmsAttempt) -> str:
    parts = [f"sms       {attempt.to}", f"intento {attempt.attempt_no}"]
    parts.append(OUTCOMES_ES.get(attempt.outcome, attempt.outcome))
    if attempt.status:
        parts.append(f"estado {attempt.status}")
    if attempt.error_code is not None or attempt.error_message:
        parts.append(f"error {attempt.error_code or ''} {attempt.error_message or ''}".strip())
    return "  ".join(parts)


def _event_line(event: Event) -> str:
    record = event.record
    if isinstance(record, FrameRecord):
        text = _frame_line(record)
    elif isinstance(record, Episode):
        text = _episode_line(record)
    else:
        text = _sms_line(record)
    return f"{_when(event.at)}  {text}"


@controller.command("events")
@config_option
@click.option("--limit", default="50", show_default=True, help="Cuántos eventos, los últimos.")
@click.option(
    "--only",
    type=click.Choice(EVENT_KINDS),
    multiple=True,
    help="Solo tramas (frame), episodios (episode) o SMS (sms); se puede repetir.",
)
@click.option("--json", "as_json", is_flag=True, help="Salida en JSON.")
def events(config_path: Path, limit: str, only: tuple[str, ...], as_json: bool) -> None:
    """Muestra, en orden de tiempo, las tramas recibidas, los episodios y los SMS."""
    count = _number(limit, "--limit", "cuántos eventos mostrar")
    if count < 1:
        raise click.ClickException(f"--limit debe ser 1 o más; recibí {count}")
    config = load_controller_config(config_path)
    kinds = [kind for kind in EVENT_KINDS if kind in only] or None
    with open_store(config) as store:
        found = store.events(limit=count, kinds=kinds)
    if as_json:
        _echo_json([event.to_json() for event in found])
    elif not found:
        click.echo("Sin eventos registrados.")
    else:
        click.echo("\n".join(_event_line(event) for event in found))
