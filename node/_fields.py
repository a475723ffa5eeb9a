"""Reading one TOML table field by field, with Spanish errors that name the field.

Every reader takes the key out of the table, so :meth:`Section.finish` can refuse the keys
nobody asked for (a typo such as ``adress`` must not pass silently).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from typing import Final, TypeVar

from node.errors import NodeConfigError

T = TypeVar("T")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


def did_you_mean(key: str, valid: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(valid), n=1)
    return f' ¿quiso decir "{close[0]}"?' if close else ""


class Section:
    """One table of the configuration file, e.g. ``[node]`` of ``node.toml``."""

    def __init__(self, label: str, name: str, table: object) -> None:
        self.label = label
        self.name = name
        if table is None:
            table = {}
        if not isinstance(table, Mapping):
            raise NodeConfigError(f"{label}: [{name}] debe ser una tabla; recibí {table!r}")
        self._table: dict[str, object] = dict(table)
        self._asked: list[str] = []

    def where(self, key: str) -> str:
        return f"{self.label}: [{self.name}] {key}"

    def error(self, key: str, message: str) -> NodeConfigError:
        return NodeConfigError(f"{self.where(key)} {message}")

    def has(self, key: str) -> bool:
        return key in self._table

    def _take(self, key: str, default: object) -> object:
        self._asked.append(key)
        if key in self._table:
            return self._table.pop(key)
        if default is MISSING:
            raise self.error(key, "es obligatorio y no está en el archivo")
        return default

    def raw(self, key: str, default: object = MISSING) -> object:
        """The value as TOML gave it (for fields with several accepted shapes)."""
        return self._take(key, default)

    def integer(self, key: str, low: int, high: int, default: int | _Missing = MISSING) -> int:
        value = self._take(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.error(key, f"debe ser un número entre {low} y {high}; recibí {value!r}")
        return value

    def number(
        self,
        key: str,
        low: float,
        high: float,
        default: float | _Missing = MISSING,
        *,
        low_open: bool = False,
    ) -> float:
        value = self._take(key, default)
        ok = (
            not isinstance(value, bool)
            and isinstance(value, int | float)
            and math.isfinite(value)
            and (low < value if low_open else low <= value)
            and value <= high
        )
        if not ok:
            bound = f"mayor que {low}" if low_open else f"entre {low} y {high}"
            if low_open:
                bound += f" y a lo más {high}"
            raise self.error(key, f"debe ser un número {bound}; recibí {value!r}")
        assert isinstance(value, int | float)
        return float(value)

    def text(self, key: str, default: str | _Missing = MISSING) -> str:
        value = self._take(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"debe ser un texto no vacío; recibí {value!r}")
        return value

    def choice(self, key: str, options: Mapping[str, T], default: str | _Missing = MISSING) -> T:
        value = self._take(key, default)
        if not isinstance(value, str) or value not in options:
            valid = ", ".join(f'"{option}"' for option in options)
            raise self.error(key, f"debe ser uno de {valid}; recibí {value!r}")
        return options[value]

    def finish(self, valid: Iterable[str] | None = None) -> None:
        """Refuse every key no reader took."""
        names = list(valid) if valid is not None else self._asked
        for key in self._table:
            hint = did_you_mean(key, names)
            raise self.error(
                key, f"es una clave desconocida;{hint} las válidas son: " + ", ".join(names)
            )
