"""docs/node.md's numbers come from the code: the timing table and the contention table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import node.exchange
from node.exchange import RetryTiming
from protocol.airtime import rylr998_airtime_ms
from tests.node.test_contention import share_acked

DOC = (Path(__file__).parents[2] / "docs" / "node.md").read_text(encoding="utf-8")


def row(label: str) -> list[str]:
    """The cells after ``label`` in the Markdown table row that starts with it."""
    for line in DOC.splitlines():
        cells = [cell.strip().strip("*") for cell in line.strip().strip("|").split("|")]
        if cells and cells[0] == label:
            return cells[1:]
    raise AssertionError(f"no row {label!r} in docs/node.md")


def numbers(cell: str) -> list[float]:
    return [float(n) for n in re.findall(r"\d+(?:\.\d+)?", cell)]


@pytest.mark.parametrize(("column", "sf"), [(0, 9), (1, 7)])
def test_timing_table(column: int, sf: int) -> None:
    airtime = rylr998_airtime_ms(24, sf)
    timing = RetryTiming.for_airtime(airtime)
    windows = [timing.backoff_window_s(k) for k in range(1, 5)]
    expected_unanswered = 5 * timing.ack_timeout_s + sum(windows) / 2
    answered = (airtime + rylr998_airtime_ms(27, sf)) / 1000
    assert numbers(row("PANIC (24 B) on air")[column]) == [round(airtime)]
    assert numbers(row("ACK wait")[column]) == [round(timing.ack_timeout_s * 1000)]
    assert numbers(row("slot")[column]) == [round(timing.slot_s * 1000)]
    assert numbers(row("back-off windows")[column]) == [round(w, 1) for w in windows]
    worst = row("worst case, no answer (5 waits + 4 full back-offs)")[column]
    assert numbers(worst) == [round(timing.worst_case_s(), 1)]
    assert numbers(row("expected, no answer")[column]) == [round(expected_unanswered, 1)]
    assert numbers(row("answered at once (frame + ACK on air)")[column]) == [round(answered, 2)]


@pytest.mark.parametrize(
    ("label", "first"), [("2 slots (2, 4, 8, 16)", 2), ("4 slots (4, 8, 16, 32)", 4)]
)
def test_contention_table(label: str, first: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(node.exchange, "BACKOFF_FIRST_SLOTS", first)
    cells = row(label)
    shares = [share_acked(5, 0.0), share_acked(5, 0.3), share_acked(10, 0.1)]
    assert [numbers(cell)[0] for cell in cells[:3]] == [round(s * 100) for s in shares]
    timing = RetryTiming.for_airtime(rylr998_airtime_ms(24, 9))
    assert numbers(cells[3]) == [round(timing.worst_case_s())]
