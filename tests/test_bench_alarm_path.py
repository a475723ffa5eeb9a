"""Smoke test for ``bench/alarm_path.py``: it runs with tiny numbers and prints every figure.

Never asserts speed: only that each press was measured end to end and that the JSON has
every key, with values of the right types.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
PRESSES = 20
RECIPIENTS = 5

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="pseudo-terminals and /proc: the bench runs on Linux"
)


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.alarm_path",
            "--presses",
            str(PRESSES),
            "--recipients",
            str(RECIPIENTS),
            "--latency-ms",
            "5",
            "--verify-frames",
            "200",
            "--seconds",
            "30",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def test_machine_and_options(report: dict[str, Any]) -> None:
    assert report["bench"] == "alarm_path"
    assert isinstance(report["python"], str)
    assert isinstance(report["implementation"], str)
    assert isinstance(report["machine"]["cpu_count"], int)
    assert {"system", "release", "machine"} <= set(report["machine"])
    for name in ("load_average_at_start", "load_average_at_end"):
        assert len(report["machine"][name]) == 3
        assert all(is_number(load) for load in report["machine"][name])
    assert report["options"]["presses"] == PRESSES
    assert report["options"]["recipients"] == RECIPIENTS


def test_every_press_is_measured(report: dict[str, Any]) -> None:
    path = report["alarm_path"]
    assert path["presses_sent"] == PRESSES
    assert path["presses_measured"] == PRESSES
    assert path["presses_failed"] == 0
    assert path["stopped_by_time_limit"] is False
    assert path["controller_exit_code"] == 0
    for name in ("arrival_to_siren_ms", "arrival_to_ack_written_ms"):
        summary = path[name]
        assert set(summary) == {"p50", "p90", "p99", "mean", "max"}
        assert all(is_number(value) for value in summary.values())
        assert summary["p50"] <= summary["p90"] <= summary["p99"] <= summary["max"]
    for name in ("seconds", "controller_cpu_ms_per_press", "ack_line_uart_ms_at_115200"):
        assert is_number(path[name]), name
    assert path["ack_line_chars"] > 0


def test_verify_cpu(report: dict[str, Any]) -> None:
    verify = report["verify"]
    assert verify["frames"] == 200
    assert is_number(verify["cpu_us_per_frame"])
    assert is_number(verify["wall_us_per_frame"])


def test_sms_fanout(report: dict[str, Any]) -> None:
    sms = report["sms_fanout"]
    assert sms["recipients"] == RECIPIENTS
    assert isinstance(sms["concurrency"], int) and sms["concurrency"] >= 1
    for run in ("fanout", "sequential"):
        assert sms[run]["accepted"] == RECIPIENTS
        assert is_number(sms[run]["wall_s"])
    assert sms["sequential"]["max_in_flight"] == 1
    assert 1 <= sms["fanout"]["max_in_flight"] <= sms["concurrency"]
    assert is_number(sms["speedup"])
    assert is_number(sms["ideal_speedup"])


def test_controller_rss(report: dict[str, Any]) -> None:
    rss = report["controller_rss"]
    assert rss["sms_fanout_completed"] is True
    for name in (
        "rss_mb_at_start",
        "rss_mb_after_presses",
        "rss_mb_after_sms_fanout",
        "after_sms_fanout_anon_mb",
        "after_sms_fanout_file_mb",
    ):
        assert is_number(rss[name]) and rss[name] > 0, name
    assert rss["peak_rss_mb"] >= rss["rss_mb_after_sms_fanout"]


def test_targets_and_verdicts(report: dict[str, Any]) -> None:
    assert set(report["targets"]) == {
        "arrival_to_siren_p99_ms",
        "arrival_to_ack_written_p99_ms",
        "sms_fanout_speedup_min",
        "controller_rss_max_mb",
    }
    assert all(is_number(value) for value in report["targets"].values())
    assert set(report["meets_targets"]) == {
        "arrival_to_siren_p99",
        "arrival_to_ack_written_p99",
        "sms_fanout_speedup",
        "controller_rss",
    }
    assert all(isinstance(value, bool) for value in report["meets_targets"].values())
