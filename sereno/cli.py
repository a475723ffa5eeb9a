"""The one command line: ``sereno …``.

A thin layer over the packages: each subcommand parses its options, calls the library and
turns domain errors into Spanish messages for installers and operators.

Subcommands are imported only when used: ``sereno controller run`` on a Raspberry Pi must
not carry the hub's web stack or the demo in its memory.
"""

from __future__ import annotations

import importlib
from typing import Final

import click

from sereno import __version__

#: Command name → (module, attribute, modules that add subcommands to it).
SUBCOMMANDS: Final[dict[str, tuple[str, str, tuple[str, ...]]]] = {
    "controller": ("sereno.controller_cli", "controller", ("sereno.controller_run",)),
    "demo": ("sereno.demo_cli", "demo", ()),
    "frame": ("sereno.frame_cli", "frame", ()),
    "hub": ("sereno.hub_cli", "hub", ()),
    "node": ("sereno.node_cli", "node", ()),
    "sms": ("sereno.sms_cli", "sms", ()),
}

SHORT_HELP: Final[dict[str, str]] = {
    "controller": "Controlador de calle: marcha, registro de nodos y vecinos, eventos.",
    "demo": "Demostración: un controlador, 8 casas y SMS en un sandbox local.",
    "frame": "Herramienta de terreno: decodificar y armar tramas de radio.",
    "hub": "Hub municipal: servidor web, usuarios y códigos de enrolamiento.",
    "node": "Nodo de pánico: marcha y prueba de instalador.",
    "sms": "Sandbox local compatible con Twilio y los SMS que recibió.",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported the first time they are asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = SUBCOMMANDS.get(cmd_name)
        if entry is None:
            return None
        module, attribute, extensions = entry
        command = getattr(importlib.import_module(module), attribute)
        for extension in extensions:
            importlib.import_module(extension)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands with their short help without importing them all."""
        rows = [(name, SHORT_HELP[name]) for name in self.list_commands(ctx)]
        with formatter.section("Comandos"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sereno", message="%(prog)s %(version)s")
def main() -> None:
    """Sereno: alarmas comunitarias para municipios de Chile."""
