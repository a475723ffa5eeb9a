"""Where a controller stands: latitude and longitude (for the map) and, optionally, its
address, set by the Unidad de Alarmas on the controller's page.

Coordinates are decimal degrees, typed with a point or a comma (``-33,5117``, as Chilean
forms often are). They must fall inside Chile's rough bounds (:data:`MAINLAND`: latitude
-56 to -17, longitude -76 to -66) or on the two inhabited island comunas (Rapa Nui, Juan
Fernández); the common slips (the two swapped, the minus signs forgotten) get their own
Spanish message. Every change is audited (``controller.location``) with the old and new
values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from hub.errors import Invalid, NotFound
from hub.storage import Actor, HubDB, Subject
from hub.storage.audit import Json

MAX_ADDRESS: Final = 120
DECIMALS: Final = 6
"""Stored precision: 6 decimals is about 10 cm, finer than any phone's GPS."""
_NUMBER: Final = re.compile(r"[+-]?\d{1,3}(?:[.,]\d{1,12})?")


@dataclass(frozen=True)
class Box:
    """A latitude/longitude rectangle, in decimal degrees."""

    name: str
    south: float
    north: float
    west: float
    east: float

    def holds(self, latitude: float, longitude: float) -> bool:
        return self.south <= latitude <= self.north and self.west <= longitude <= self.east


MAINLAND: Final = Box("Chile continental", -56.0, -17.0, -76.0, -66.0)
ISLANDS: Final = (
    Box("Rapa Nui", -27.3, -27.0, -109.5, -109.2),
    Box("archipiélago Juan Fernández", -33.9, -33.5, -80.9, -78.7),
)
CHILE: Final = (MAINLAND, *ISLANDS)

_LATITUDE_HINT: Final = f"entre {MAINLAND.south:g} y {MAINLAND.north:g}"
_LONGITUDE_HINT: Final = f"entre {MAINLAND.west:g} y {MAINLAND.east:g}"
_ISLANDS_NOTE: Final = " (también se aceptan Rapa Nui y el archipiélago Juan Fernández)"


@dataclass(frozen=True)
class Location:
    latitude: float | None
    longitude: float | None
    address: str

    @property
    def placed(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def fields(self) -> dict[str, str]:
        """The form's fields as they show this location (the form reads a point or a
        comma)."""
        return {
            "latitude": _shown(self.latitude),
            "longitude": _shown(self.longitude),
            "address": self.address,
        }

    def audited(self) -> dict[str, Json]:
        return {"latitude": self.latitude, "longitude": self.longitude, "address": self.address}


def _shown(value: float | None) -> str:
    return "" if value is None else f"{value:.{DECIMALS}f}".rstrip("0").rstrip(".,")


def in_chile(latitude: float, longitude: float) -> bool:
    return any(box.holds(latitude, longitude) for box in CHILE)


def parse_degrees(text: str) -> float | None:
    """``"-33,5117"`` or ``"-33.5117"`` as a float; None when it is not a plain decimal
    number (no exponents, ``nan``, degrees-minutes-seconds)."""
    clean = text.strip().replace("\u2212", "-").replace(" ", "")
    if not _NUMBER.fullmatch(clean):
        return None
    return round(float(clean.replace(",", ".")), DECIMALS)


def read_location(fields: Mapping[str, str]) -> Location:
    """The location typed in the form; :class:`Invalid` with Spanish messages."""
    problems: dict[str, str] = {}
    address = " ".join(fields.get("address", "").split())
    if len(address) > MAX_ADDRESS:
        problems["address"] = f"La dirección no puede tener más de {MAX_ADDRESS} caracteres."
    values: dict[str, float] = {}
    for name, label, example in (
        ("latitude", "la latitud", "-33,5117"),
        ("longitude", "la longitud", "-70,7573"),
    ):
        text = fields.get(name, "").strip()
        value = parse_degrees(text)
        if not text:
            problems[name] = f"Escriba {label} en grados decimales, por ejemplo {example}."
        elif value is None:
            problems[name] = (
                f"Escriba {label} como un número decimal, por ejemplo {example} "
                "(no en grados, minutos y segundos)."
            )
        else:
            values[name] = value
    if len(values) == 2 and not problems.keys() & values.keys():
        _check_place(values["latitude"], values["longitude"], problems)
    if problems:
        raise Invalid(problems)
    return Location(values["latitude"], values["longitude"], address)


def _check_place(latitude: float, longitude: float, problems: dict[str, str]) -> None:
    if in_chile(latitude, longitude):
        return
    if in_chile(longitude, latitude):
        problems[""] = (
            "La latitud y la longitud parecen estar al revés: en Chile la latitud va "
            f"{_LATITUDE_HINT} y la longitud {_LONGITUDE_HINT}."
        )
    elif in_chile(-abs(latitude), -abs(longitude)):
        problems[""] = (
            "En Chile la latitud y la longitud son negativas (sur y oeste): revise que no "
            "falte el signo menos."
        )
    else:
        if not MAINLAND.south <= latitude <= MAINLAND.north:
            problems["latitude"] = (
                f"La ubicación queda fuera de Chile: la latitud va {_LATITUDE_HINT}."
            )
        if not MAINLAND.west <= longitude <= MAINLAND.east:
            problems["longitude"] = (
                f"La ubicación queda fuera de Chile: la longitud va {_LONGITUDE_HINT}"
                f"{_ISLANDS_NOTE}."
            )
        if not problems:  # each inside its range, the pair on no island
            problems[""] = "La ubicación queda fuera de Chile."


def get(db: HubDB, controller_id: int) -> Location:
    row = db.db.execute(
        "SELECT latitude, longitude, address FROM controllers WHERE id = ?", [controller_id]
    ).fetchone()
    if row is None:
        raise NotFound(f"No existe el controlador {controller_id}.")
    return Location(row[0], row[1], row[2] or "")


def set_location(
    db: HubDB, controller_id: int, fields: Mapping[str, str], *, actor: Actor, at: float
) -> Location:
    """Save the location typed in ``fields`` (:class:`Invalid` when it is wrong)."""
    before = get(db, controller_id)
    return _save(db, controller_id, before, read_location(fields), actor=actor, at=at)


def remove_coordinates(db: HubDB, controller_id: int, *, actor: Actor, at: float) -> Location:
    """Take the controller off the map (its address stays)."""
    before = get(db, controller_id)
    return _save(
        db, controller_id, before, Location(None, None, before.address), actor=actor, at=at
    )


def _save(
    db: HubDB, controller_id: int, before: Location, after: Location, *, actor: Actor, at: float
) -> Location:
    if after == before:
        return after
    with db.db.atomic():
        db.db.execute(
            "UPDATE controllers SET latitude = ?, longitude = ?, address = ? WHERE id = ?",
            [after.latitude, after.longitude, after.address or None, controller_id],
        )
        db.audit.record(
            actor,
            "controller.location",
            Subject("controller", controller_id),
            {"from": before.audited(), "to": after.audited()},
            at=at,
        )
    return after
