"""The caracterización of a problemática ("Caracterización de las problemáticas de
seguridad"): every item the seed lists, the first four required by the method and the
three qualitative ones optional. One row per problemática; every change is in the
problemática's history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from hub.enlace.diagnostico.problematicas import SUBJECT, Problematicas
from hub.enlace.history import record_change
from hub.forms import FormReader
from hub.storage import Actor, HubDB, Subject

MAX_ITEM: Final = 4000


@dataclass(frozen=True)
class Item:
    name: str
    label: str
    hint: str
    required: bool
    """One of the four the caracterización "debe incluir"."""


ITEMS: Final = (
    Item(
        "causas",
        "Causas y/o factores de riesgo asociados",
        "Qué la produce o la facilita.",
        True,
    ),
    Item(
        "dimension_espacial",
        "Dimensión espacial / territorial",
        "Dónde ocurre: calles, pasajes, plazas, sectores del barrio.",
        True,
    ),
    Item(
        "temporalidad",
        "Temporalidad / estacionalidad",
        "Cuándo ocurre: horas, días, meses o temporadas.",
        True,
    ),
    Item(
        "victimas_victimarios",
        "Caracterización de víctimas y victimarios",
        "Quiénes la sufren y quiénes la cometen (sin datos personales).",
        True,
    ),
    Item(
        "impacto",
        "Impacto de la problemática en la comunidad (temor y/o percepción de inseguridad)",
        "Variable cualitativa, opcional.",
        False,
    ),
    Item(
        "cifra_negra",
        "Victimización y no denuncia (cifra negra)",
        "Variable cualitativa, opcional.",
        False,
    ),
    Item(
        "institucional",
        "Problemas de carácter institucional",
        "Variable cualitativa, opcional.",
        False,
    ),
)
NAMES: Final = tuple(item.name for item in ITEMS)
LABELS: Final = {item.name: item.label for item in ITEMS}


@dataclass(frozen=True)
class Caracterizacion:
    problematica_id: int
    values: dict[str, str]
    updated_at: float | None
    updated_by: str

    @property
    def required_done(self) -> int:
        return sum(1 for item in ITEMS if item.required and self.values.get(item.name))

    @property
    def complete(self) -> bool:
        """Whether the four items the method requires are written."""
        return self.required_done == sum(1 for item in ITEMS if item.required)

    @property
    def filled(self) -> int:
        return sum(1 for name in NAMES if self.values.get(name))


def read_caracterizacion_form(fields: Mapping[str, str]) -> dict[str, str]:
    """Every item's text (each may be empty: the caracterización is built over time)."""
    form = FormReader(fields)
    values = {name: form.text(name, max_chars=MAX_ITEM) for name in NAMES}
    form.done()
    return values


class Caracterizaciones:
    def __init__(self, hub: HubDB) -> None:
        self._hub = hub

    def of(self, problematica_id: int) -> Caracterizacion:
        """The caracterización (all items empty when none was written yet)."""
        columns = ", ".join(NAMES)
        row = self._hub.db.execute(
            f"SELECT {columns}, updated_at, updated_by FROM problematica_caracterizacion "  # noqa: S608
            "WHERE problematica_id = ?",
            [problematica_id],
        ).fetchone()
        if row is None:
            return Caracterizacion(problematica_id, dict.fromkeys(NAMES, ""), None, "")
        values = {name: str(value) for name, value in zip(NAMES, row, strict=False)}
        return Caracterizacion(problematica_id, values, float(row[-2]), str(row[-1]))

    def of_barrio(self, barrio_id: int) -> dict[int, Caracterizacion]:
        columns = ", ".join(NAMES)
        rows = self._hub.db.execute(
            f"SELECT problematica_id, {columns}, updated_at, updated_by "  # noqa: S608
            "FROM problematica_caracterizacion WHERE barrio_id = ?",
            [barrio_id],
        ).fetchall()
        return {
            int(row[0]): Caracterizacion(
                int(row[0]),
                {name: str(value) for name, value in zip(NAMES, row[1:], strict=False)},
                float(row[-2]),
                str(row[-1]),
            )
            for row in rows
        }

    def save(
        self, problematica_id: int, values: Mapping[str, str], *, actor: Actor, at: float
    ) -> Caracterizacion:
        """Write the items given (others kept), audited on the problemática."""
        problematica = Problematicas(self._hub).get(problematica_id)
        before = self.of(problematica_id)
        after = {name: values.get(name, before.values[name]).strip() for name in NAMES}
        if after == before.values:
            return before
        columns = ", ".join(NAMES)
        marks = ", ".join("?" for _ in NAMES)
        updates = ", ".join(f"{name} = excluded.{name}" for name in NAMES)
        with self._hub.db.atomic():
            self._hub.db.execute(
                f"INSERT INTO problematica_caracterizacion (problematica_id, barrio_id, "  # noqa: S608
                f"{columns}, updated_at, updated_by) VALUES (?, ?, {marks}, ?, ?) "
                f"ON CONFLICT (problematica_id) DO UPDATE SET {updates}, "
                "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                [
                    problematica_id,
                    problematica.barrio_id,
                    *(after[name] for name in NAMES),
                    at,
                    actor.label,
                ],
            )
            record_change(
                self._hub,
                actor,
                "problematica.caracterizacion",
                Subject(SUBJECT, problematica_id),
                dict(before.values),
                after,
                at=at,
                extra={"barrio_id": problematica.barrio_id},
            )
        return self.of(problematica_id)
