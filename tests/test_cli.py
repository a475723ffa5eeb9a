from click.testing import CliRunner

from sereno import __version__
from sereno.cli import main


def test_version_names_the_program() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"sereno {__version__}"
    assert __version__.startswith("0.1")


def test_help_is_in_spanish() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "alarmas comunitarias" in result.output


def test_every_subcommand_loads_and_has_spanish_help() -> None:
    runner = CliRunner()
    for name in ("controller", "demo", "frame", "hub", "node", "sms"):
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
    assert "silence" in runner.invoke(main, ["controller", "--help"]).output
    listing = runner.invoke(main, ["--help"]).output
    assert "Controlador de calle" in listing
    assert "Hub municipal" in listing


def test_a_controller_command_does_not_load_the_hub_or_the_demo() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from click.testing import CliRunner; from sereno.cli import main; "
        "r = CliRunner().invoke(main, ['controller', '--help']); "
        "print(r.exit_code, 'hub.app' in sys.modules, 'sereno.demo.site' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert out == ["0", "False", "False"]
