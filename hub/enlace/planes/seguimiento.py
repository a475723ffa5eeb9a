"""Seguimiento: how far a plan de acción has come, rolled up as Decidim's accountability
module does — an objetivo's progress is the weighted average (by *peso*) of its acciones'
progress, and the plan's is the weighted average of its objetivos' progress, each objetivo
weighing the sum of its acciones' pesos (so the plan's progress equals the weighted
average over all its acciones, and an objetivo without acciones does not pull it down).

Pure functions: no database, no clock. Progress is rounded half up to one decimal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from hub.enlace.planes.model import SITUACIONES, Accion


class WeightError(ValueError):
    """A peso that is not a positive number: the roll-up refuses it."""


@dataclass(frozen=True)
class Progress:
    """A rolled-up progress: ``percent`` (None when there is nothing to measure) and the
    ``weight`` it carries one level up."""

    percent: float | None
    weight: float


def rounded(value: float) -> float:
    """``value`` rounded half up to one decimal (12.25 → 12.3, where ``round`` gives 12.2)."""
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def weighted(parts: Iterable[tuple[float | None, float]]) -> Progress:
    """The weighted average of ``(percent, weight)`` pairs; pairs whose percent is None are
    left out (an objetivo with no acciones). :class:`WeightError` for a weight ≤ 0."""
    total = 0.0
    weights = 0.0
    for percent, weight in parts:
        if not weight > 0:
            raise WeightError(f"El peso debe ser mayor que cero (se recibió {weight}).")
        if percent is None:
            continue
        total += percent * weight
        weights += weight
    if weights == 0:
        return Progress(None, 0.0)
    return Progress(rounded(total / weights), weights)


def objetivo_progress(acciones: Sequence[Accion]) -> Progress:
    """An objetivo's progress from its acciones (None when it has none)."""
    return weighted((float(a.avance), a.peso) for a in acciones)


def plan_progress(objetivos: Iterable[Progress]) -> Progress:
    """The plan's progress from its objetivos' (those without acciones are left out)."""
    return weighted((p.percent, p.weight) for p in objetivos if p.percent is not None)


def counts_by_situation(acciones: Iterable[Accion], today: date) -> dict[str, int]:
    """How many acciones are in each situation (every key of ``SITUACIONES``, zeros too)."""
    found = Counter(a.situacion(today) for a in acciones)
    return {key: found.get(key, 0) for key in SITUACIONES}


def overdue_first(acciones: Iterable[Accion], today: date) -> list[Accion]:
    """The acciones with the atrasadas first (oldest término first), then the rest by date."""
    return sorted(acciones, key=lambda a: (not a.atrasada(today), a.termino, a.inicio, a.id))
