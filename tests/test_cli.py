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
