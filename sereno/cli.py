"""The one command line: ``sereno …``.

A thin layer over the packages: each subcommand parses its options, calls the library and
turns domain errors into Spanish messages for installers and operators.
"""

from __future__ import annotations

import click

from sereno import (
    __version__,
    controller_run,  # noqa: F401 - registers run, silence, status
)
from sereno.controller_cli import controller
from sereno.demo_cli import demo
from sereno.frame_cli import frame
from sereno.hub_cli import hub
from sereno.node_cli import node
from sereno.sms_cli import sms


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sereno", message="%(prog)s %(version)s")
def main() -> None:
    """Sereno: alarmas comunitarias para municipios de Chile."""


main.add_command(frame)
main.add_command(controller)
main.add_command(sms)
main.add_command(node)
main.add_command(demo)
main.add_command(hub)
