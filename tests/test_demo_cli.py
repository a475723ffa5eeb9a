"""``sereno demo`` as a new user runs it (in a subprocess, as the README says)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sereno.demo.site import DemoError
from sereno.demo_cli import demo, parse_press


def _demo(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sereno", "demo", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        check=False,
    )


def test_press_robo_json_reports_the_whole_path(tmp_path: Path) -> None:
    done = _demo("--press", "3:robo", "--json", "--homes", "4", "--dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["acked"] is True
    assert report["siren"] == "pulsed"
    assert report["strobe"] is True
    assert report["sms_expected"] == 8  # two vecinos in each of the 4 homes
    assert report["sms_accepted"] == 8
    assert report["sms_segments"] == 8
    assert 250 < report["airtime_ms"] < 350  # a 24-byte PANIC as base64 through an RYLR998 at SF9
    assert report["press_to_siren_ms"] >= report["airtime_ms"]
    assert all("ALERTA ROBO" in sms["body"] and "(casa 3)" in sms["body"] for sms in report["sms"])
    assert "sirena pulsante (ROBO)" in done.stderr  # the live console goes to stderr with --json


def test_interactive_console_reads_presses_from_the_keyboard(tmp_path: Path) -> None:
    done = _demo("--homes", "2", "--dir", str(tmp_path), stdin="2 incendio\ne\ns\n7 robo\nq\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Casas de la cuadra:" in out
    assert "sirena tres toques (INCENDIO)" in out
    assert "recibe: «ALERTA INCENDIO" in out
    assert "sirena silenciada" in out
    assert "no existe la casa 7" in out


def test_parse_press_and_usage_errors() -> None:
    assert parse_press("3:robo") == (3, "robo")
    assert parse_press("3 ROBO") == (3, "robo")
    with pytest.raises(DemoError, match="CASA:TIPO"):
        parse_press("robo")
    result = CliRunner().invoke(demo, ["--json"])
    assert result.exit_code == 2
    assert "--json necesita al menos un --press" in result.output
    result = CliRunner().invoke(demo, ["--press", "tres:robo"])
    assert result.exit_code == 2
    assert "no se entiende" in result.output


def test_unknown_button_is_refused_in_spanish(tmp_path: Path) -> None:
    done = _demo("--press", "1:terremoto", "--homes", "1", "--dir", str(tmp_path))
    assert done.returncode == 1
    assert "'terremoto' no es un botón" in done.stderr
