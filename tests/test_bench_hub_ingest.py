"""Smoke test for ``bench/hub_ingest.py``: it runs with tiny numbers and prints every figure.

Never asserts speed: only that every report was answered and stored, that the servers
started and stopped cleanly, and that the JSON has every key, with values of the right
types.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
CONTROLLERS = 20
DASHBOARD_CONTROLLERS = 50
DASHBOARD_REQUESTS = 3
INTERVAL = 0.4
SUMMARY = {"p50", "p90", "p99", "mean", "max"}
RUN_KEYS = {
    "seconds",
    "reports_sent",
    "reports_ok",
    "reports_ok_per_s",
    "events_sent",
    "events_accepted",
    "reports_stored",
    "events_stored",
    "events_stored_per_s",
    "errors",
    "latency_ms",
    "server_ms",
    "body_bytes_mean",
    "server_cpu_share",
    "client_cpu_share",
    "server_cpu_ms_per_report",
    "client_cpu_ms_per_report",
    "other_cpu_share",
    "wall_s",
}

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="/proc: the bench runs on Linux")


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.hub_ingest",
            "--controllers",
            str(CONTROLLERS),
            "--interval",
            str(INTERVAL),
            "--seconds",
            "1.5",
            "--closed-loop-seconds",
            "0.5",
            "--connections",
            "8",
            "--dashboard-controllers",
            str(DASHBOARD_CONTROLLERS),
            "--dashboard-requests",
            str(DASHBOARD_REQUESTS),
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


def check_summary(summary: dict[str, Any]) -> None:
    assert set(summary) == SUMMARY
    assert all(is_number(value) for value in summary.values()), summary
    assert summary["p50"] <= summary["p90"] <= summary["p99"] <= summary["max"]


def check_run(run: dict[str, Any], *, stored: bool) -> None:
    assert set(run) >= RUN_KEYS
    assert run["errors"] == {}
    assert run["reports_sent"] > 0
    assert run["reports_ok"] == run["reports_sent"]
    for name in ("seconds", "reports_ok_per_s", "body_bytes_mean", "client_cpu_share", "wall_s"):
        assert is_number(run[name]), name
    assert is_number(run["server_cpu_share"])
    assert is_number(run["server_cpu_ms_per_report"]) and is_number(run["client_cpu_ms_per_report"])
    assert is_number(run["other_cpu_share"])
    check_summary(run["latency_ms"])
    check_summary(run["server_ms"])
    assert isinstance(run["events_sent"], int)
    if stored:
        assert run["events_accepted"] == run["events_sent"]
        assert run["events_stored"] == run["events_sent"]
        assert run["reports_stored"] == run["reports_sent"]
        assert is_number(run["events_stored_per_s"])
    else:
        assert run["events_accepted"] == 0
        assert run["reports_stored"] is run["events_stored"] is None
        assert run["events_stored_per_s"] is None


def test_machine_and_options(report: dict[str, Any]) -> None:
    assert report["bench"] == "hub_ingest"
    for name in ("python", "implementation", "aiohttp", "sqlite"):
        assert isinstance(report[name], str), name
    machine = report["machine"]
    assert isinstance(machine["cpu_count"], int)
    assert {"system", "release", "machine"} <= set(machine)
    for name in ("load_average_at_start", "load_average_at_end"):
        assert len(machine[name]) == 3
        assert all(is_number(load) for load in machine[name])
    options = report["options"]
    assert options["controllers"] == CONTROLLERS
    assert options["dashboard_controllers"] == DASHBOARD_CONTROLLERS
    assert options["connections"] == 8
    assert options["interval"] == INTERVAL


def test_enrollment(report: dict[str, Any]) -> None:
    setup = report["setup"]
    assert setup["controllers_enrolled"] == CONTROLLERS
    for name in ("codes_issued_s", "enroll_s", "enrollments_per_s"):
        assert is_number(setup[name]), name


def test_paced(report: dict[str, Any]) -> None:
    paced = report["paced"]
    assert isinstance(paced["what"], str)
    assert paced["controllers"] == CONTROLLERS
    check_run(paced["hub"], stored=True)
    check_run(paced["noop"], stored=False)
    for side in ("hub", "noop"):
        assert paced[side]["offered_reports_per_s"] == CONTROLLERS / INTERVAL
        assert isinstance(paced[side]["over_target_by_second"], dict)
        check_summary(paced[side]["generator_lag_ms"])
    # The same bodies go to both servers.
    assert paced["hub"]["reports_sent"] == paced["noop"]["reports_sent"]
    assert paced["hub"]["events_sent"] == paced["noop"]["events_sent"]


def test_closed_loop(report: dict[str, Any]) -> None:
    closed = report["closed_loop"]
    assert isinstance(closed["what"], str)
    check_run(closed["hub"], stored=True)
    check_run(closed["noop"], stored=False)
    for side in ("hub", "noop"):
        assert closed[side]["workers"] == 8
        assert is_number(closed[side]["warmup_s"])
    assert is_number(closed["hub_to_noop_ratio"])


def test_hub_process(report: dict[str, Any]) -> None:
    process = report["hub_process"]
    assert process["exit_code"] == 0
    assert process["noop_exit_code"] == 0
    assert is_number(process["peak_rss_mb"])
    assert is_number(process["fleet_job_evaluate_ms"])
    assert process["profile"] is None


def test_dashboard(report: dict[str, Any]) -> None:
    dashboard = report["dashboard"]
    assert isinstance(dashboard["timing"], str)
    assert dashboard["hub_exit_code"] == 0
    seed = dashboard["seed"]
    assert seed["controllers"] == DASHBOARD_CONTROLLERS
    assert sum(seed["states_seeded"].values()) == DASHBOARD_CONTROLLERS
    assert set(seed["states_seeded"]) <= {"online", "offline", "never_reported"}
    assert seed["rows"]["controllers"] == DASHBOARD_CONTROLLERS
    assert all(isinstance(count, int) for count in seed["rows"].values())
    assert seed["open_alarms"] > 0
    assert 0 <= seed["acknowledged_alarms"] <= seed["open_alarms"]
    assert isinstance(seed["maintenance_windows"], int)
    assert is_number(seed["seed_seconds"])
    assert set(seed["fleet_job_evaluate_ms"]) == {"first_round", "next_round"}
    assert all(is_number(value) for value in seed["fleet_job_evaluate_ms"].values())
    assert dashboard["panel"]["statuses"] == {"200": DASHBOARD_REQUESTS}
    assert dashboard["panel"]["first_request"]["status"] == 200
    pages = {"panel": dashboard["panel"], **dashboard["other_pages"]}
    for name, page in pages.items():
        assert page["requests"] == DASHBOARD_REQUESTS, name
        assert sum(page["statuses"].values()) == DASHBOARD_REQUESTS, name
        assert is_number(page["first_request"]["client_ms"])
        assert is_number(page["first_request"]["server_ms"])
        check_summary(page["client_ms"])
        check_summary(page["server_ms"])
        assert page["page_bytes"] > 0
        assert page["title"] is None or isinstance(page["title"], str)
        assert page["path"].startswith("/")


def test_targets_and_verdicts(report: dict[str, Any]) -> None:
    names = {"paced_p99", "closed_loop_ratio", "dashboard"}
    assert set(report["targets"]) == {
        "paced_p99_ms",
        "closed_loop_hub_to_noop_min",
        "dashboard_server_max_ms",
    }
    assert all(is_number(value) for value in report["targets"].values())
    assert set(report["meets_targets"]) == names
    assert all(isinstance(value, bool) for value in report["meets_targets"].values())
    assert set(report["answers"]) == names
    assert all(isinstance(text, str) and text for text in report["answers"].values())
