"""Reading the barrio forms: a new barrio, its datos (sector and caracterización
sociodemográfica) and its limits, each problem under its field with a Spanish message."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Final

from hub.errors import Invalid
from hub.forms import FormReader, positive_id
from hub.territory.barrios import AGE_BANDS, GSE_GROUPS, MAX_NAME, clean_name
from hub.territory.geo import Geometry, parse_geometry

MAX_SECTOR: Final = 80
MAX_SOURCE: Final = 300
MAX_POPULATION: Final = 10_000_000
GSE_TOLERANCE: Final = 1.0
"""How far from 100 the GSE percentages may add up (rounding in the source)."""
LIMIT_KINDS: Final = frozenset({"Polygon", "MultiPolygon"})


def age_field(band: str) -> str:
    """The form field of an age band: ``0-14`` → ``edad_0_14``, ``65+`` → ``edad_65_mas``."""
    return "edad_" + band.replace("-", "_").replace("+", "_mas")


def gse_field(group: str) -> str:
    return f"gse_{group}"


AGE_LABELS: Final = {
    band: (f"De {band.replace('-', ' a ')} años" if "-" in band else "De 65 años y más")
    for band in AGE_BANDS
}
"""``0-14`` → ``De 0 a 14 años``."""


@dataclass(frozen=True)
class NewBarrio:
    name: str
    territorio_id: int | None
    sector: str


@dataclass(frozen=True)
class BarrioData:
    """What the datos form sets: name, sector and the caracterización sociodemográfica."""

    name: str
    sector: str
    poblacion: int | None
    grupos_etarios: dict[str, int] = field(default_factory=dict)
    gse: dict[str, float] = field(default_factory=dict)
    fuente: str = ""


def read_new_barrio(
    fields: Mapping[str, str], territorios: Collection[int], *, must_choose: bool
) -> NewBarrio:
    """A new barrio's name, territorio (one of ``territorios``, the ones the person may
    use; required when ``must_choose``, as for a gestor) and sector."""
    reader = FormReader(fields)
    name = _name(reader)
    territorio_id = None
    raw = reader.raw("territorio_id")
    if raw:
        territorio_id = positive_id(raw)
        if territorio_id is None or territorio_id not in territorios:
            reader.fail("territorio_id", "Elija uno de los territorios de la lista.")
    elif must_choose:
        reader.fail("territorio_id", "Elija el territorio del barrio.")
    sector = reader.text("sector", max_chars=MAX_SECTOR)
    reader.done()
    return NewBarrio(name, territorio_id, sector)


def read_barrio_data(fields: Mapping[str, str]) -> BarrioData:
    reader = FormReader(fields)
    name = _name(reader)
    sector = reader.text("sector", max_chars=MAX_SECTOR)
    poblacion = _people(reader, "poblacion", "La población")
    ages: dict[str, int] = {}
    for band in AGE_BANDS:
        people = _people(reader, age_field(band), f"El grupo de {AGE_LABELS[band].lower()}")
        if people is not None:
            ages[band] = people
    if poblacion is not None and sum(ages.values()) > poblacion:
        reader.fail(
            "grupos_etarios",
            f"Los grupos etarios suman {_es(sum(ages.values()))} personas, más que la "
            f"población del barrio ({_es(poblacion)}).",
        )
    gse: dict[str, float] = {}
    for group in GSE_GROUPS:
        percent = reader.optional_number(
            gse_field(group),
            f"El porcentaje del grupo {group} debe ser un número entre 0 y 100.",
            low=0,
            high=100,
        )
        if percent is not None:
            gse[group] = round(percent, 2)
    total = sum(gse.values())
    if gse and abs(total - 100) > GSE_TOLERANCE:
        reader.fail(
            "gse",
            f"Los porcentajes del GSE suman {_es(total, 1)} %; deben sumar 100 % "
            "(deje en blanco los grupos sin dato y revise los que escribió).",
        )
    fuente = reader.text("fuente", max_chars=MAX_SOURCE)
    reader.done()
    return BarrioData(name, sector, poblacion, ages, gse, fuente)


def read_limits(text: str) -> Geometry | None:
    """The limits in ``text`` (GeoJSON Polygon or MultiPolygon; a Feature or a
    one-feature FeatureCollection too); None when empty (the barrio keeps no limits)."""
    if not text.strip():
        return None
    return parse_geometry(text, kinds=LIMIT_KINDS, field="limites")


def _name(reader: FormReader) -> str:
    try:
        return clean_name(reader.fields.get("name", ""), field="name")
    except Invalid as exc:
        reader.fail("name", exc.problems["name"])
        return ""


def _people(reader: FormReader, name: str, what: str) -> int | None:
    value = reader.optional_number(
        name,
        f"{what} debe ser un número entero de personas, de 0 a {_es(MAX_POPULATION)}.",
        low=0,
        high=MAX_POPULATION,
        whole=True,
    )
    return None if value is None else int(value)


def _es(value: float, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


__all__ = [
    "AGE_LABELS",
    "LIMIT_KINDS",
    "MAX_NAME",
    "BarrioData",
    "NewBarrio",
    "age_field",
    "gse_field",
    "read_barrio_data",
    "read_limits",
    "read_new_barrio",
]
