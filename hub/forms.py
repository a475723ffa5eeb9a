"""Reading the hub's forms: text, choices, ids, numbers, dates and local times, each
problem kept under its field's name with a Spanish message.

:class:`FormReader` collects every problem of a form and :meth:`FormReader.done` raises
one :class:`~hub.errors.Invalid` with all of them, so the page marks every field at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Final, TypeVar
from zoneinfo import ZoneInfo

from hub.errors import Invalid

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")

MAX_ID: Final = 2**53
"""Ids beyond this are refused: no table of ours gets there, and SQLite ints stop at 2**63."""


class FormReader:
    """The fields of one submitted form and the problems found reading them."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = fields
        self.problems: dict[str, str] = {}

    def raw(self, name: str) -> str:
        return self.fields.get(name, "").strip()

    def fail(self, name: str, message: str) -> None:
        self.problems.setdefault(name, message)

    def text(self, name: str, *, required: str = "", max_chars: int = 200) -> str:
        """The trimmed text of ``name``; ``required`` is the message when it is empty."""
        value = self.raw(name)
        if not value and required:
            self.fail(name, required)
        elif len(value) > max_chars:
            self.fail(name, f"Es demasiado largo: use como máximo {max_chars} caracteres.")
        return value

    def choice(self, name: str, kind: type[E], message: str, *, default: E | None = None) -> E:
        """The member of ``kind`` whose value was chosen; ``message`` when none was (or
        ``default`` if given and the field is empty)."""
        value = self.raw(name)
        if not value and default is not None:
            return default
        try:
            return kind(value)
        except ValueError:
            self.fail(name, message)
            return next(iter(kind))

    def record_id(self, name: str, what: str, *, required: bool = False) -> int | None:
        """An optional (or ``required``) positive id, ``what`` naming it (``el controlador``)."""
        value = self.raw(name).lstrip("#").removeprefix("N°").strip()
        if not value:
            if required:
                self.fail(name, f"Indique {what}.")
            return None
        found = positive_id(value)
        if found is None:
            self.fail(name, f"Indique {what} con su número (por ejemplo 12).")
        return found

    def whole_number(self, name: str, message: str, *, low: int, high: int) -> int:
        value = self.raw(name)
        if value.isdecimal() and low <= int(value) <= high:
            return int(value)
        self.fail(name, message)
        return low

    def optional_number(
        self, name: str, message: str, *, low: float, high: float, whole: bool = False
    ) -> float | None:
        """An optional number (``1.234,5`` or ``1234.5`` both read), None when empty;
        ``message`` when it is not a number between ``low`` and ``high`` (or not ``whole``)."""
        value = self.raw(name)
        if not value:
            return None
        number = parse_number(value)
        if number is None or not low <= number <= high or (whole and number != int(number)):
            self.fail(name, message)
            return None
        return number

    def day(self, name: str, *, required: str = "") -> date | None:
        """A date typed as ``AAAA-MM-DD`` (what ``<input type="date">`` sends)."""
        return self._parse(name, required, _date, "Escriba la fecha como AAAA-MM-DD.")

    def local_time(self, name: str, zone: ZoneInfo, *, required: str = "") -> float | None:
        """A date and time in the hub's time zone (``<input type="datetime-local">``), as
        epoch seconds."""
        return self._parse(
            name,
            required,
            lambda text: _local(text, zone),
            "Escriba la fecha y hora como AAAA-MM-DD HH:MM.",
        )

    def _parse(self, name: str, required: str, parse: Callable[[str], T], message: str) -> T | None:
        value = self.raw(name)
        if not value:
            if required:
                self.fail(name, required)
            return None
        try:
            return parse(value)
        except ValueError:
            self.fail(name, message)
            return None

    def done(self) -> None:
        """Raise :class:`Invalid` with every problem found, if any."""
        if self.problems:
            raise Invalid(self.problems)


def parse_number(text: str) -> float | None:
    """A number as people type it in Chile (``1.234,5``, ``1234,5``) or as a form sends it
    (``1234.5``); None when it is not one."""
    text = text.strip().replace(" ", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif text.count(".") > 1 or (text.count(".") == 1 and len(text.split(".")[1]) == 3):
        text = text.replace(".", "")  # 1.234 and 1.234.567: thousands
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def positive_id(value: str) -> int | None:
    """``value`` as an id from a query string, or None when it is not one."""
    value = value.strip()
    return int(value) if value.isdecimal() and 0 < int(value) < MAX_ID else None


def _date(text: str) -> date:
    if len(text) != 10:
        raise ValueError(text)
    return date.fromisoformat(text)


def _local(text: str, zone: ZoneInfo) -> float:
    moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    if moment.tzinfo is not None:
        raise ValueError(text)
    return moment.replace(tzinfo=zone).timestamp()


def today(at: float, zone: ZoneInfo) -> date:
    """The calendar date at ``at`` in ``zone``."""
    return datetime.fromtimestamp(at, zone).date()
