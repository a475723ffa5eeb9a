"""The diagnóstico checklist's percentage, as a person reads it: halves round up."""

from __future__ import annotations

import pytest

from hub.enlace.diagnostico.checklist import Checklist, ChecklistItem


@pytest.mark.parametrize(
    ("done", "percent"), [(0, 0), (1, 13), (3, 38), (4, 50), (5, 63), (8, 100)]
)
def test_the_checklist_percent_rounds_halves_up(done: int, percent: int) -> None:
    items = [ChecklistItem(str(n), "punto", n < done, "") for n in range(8)]
    checklist = Checklist(items, {}, None)  # type: ignore[arg-type]  # perfil is not read
    assert checklist.percent == percent


def test_an_empty_checklist_is_at_zero() -> None:
    assert Checklist([], {}, None).percent == 0  # type: ignore[arg-type]
