"""Strict JSON messages: frozen dataclasses whose every field has a check that names it.

The machinery under :mod:`protocol.report`. A *check* takes a value and its field name and
returns the clean value or raises :class:`ReportError` naming the field; a
:class:`Message` runs its checks in ``__post_init__``, so constructing one validates it, and
``from_json`` refuses missing and unknown keys. :func:`decode_json` turns received bytes
into a JSON value under a byte cap, refusing duplicate keys and NaN. Standard library only.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, Self, TypeVar

from protocol.errors import ProtocolError


class ReportError(ProtocolError):
    """A report-API message breaks the schema; ``field`` is the path of the bad value."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ReportTooLarge(ReportError):
    """A body over its byte cap (the hub answers 413)."""


# --- value checks: each takes the value and its field name, returns the clean value ----------

Check = Callable[[object, str], Any]
T = TypeVar("T")


def integer(low: int, high: int) -> Check:
    def check(value: object, name: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ReportError(name, f"must be an integer; got {kind(value)}")
        if not low <= value <= high:
            raise ReportError(name, f"must be in {low}..{high}; got {value}")
        return value

    return check


def number(low: float, high: float) -> Check:
    def check(value: object, name: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ReportError(name, f"must be a number; got {kind(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ReportError(name, "must be a finite number")
        if not low <= value <= high:
            raise ReportError(name, f"must be in {low:g}..{high:g}; got {value}")
        return float(value)

    return check


def boolean(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise ReportError(name, f"must be true or false; got {kind(value)}")
    return value


def text(max_len: int, *, empty: bool = False) -> Check:
    def check(value: object, name: str) -> str:
        if not isinstance(value, str):
            raise ReportError(name, f"must be a string; got {kind(value)}")
        if len(value) > max_len:
            raise ReportError(name, f"must be at most {max_len} characters; got {len(value)}")
        if not empty and not value.strip():
            raise ReportError(name, "must not be empty")
        if any(unicodedata.category(c) in ("Cc", "Cs") for c in value):
            raise ReportError(name, "must not hold control characters or lone surrogates")
        return value

    return check


def pattern(regex: re.Pattern[str], expected: str) -> Check:
    def check(value: object, name: str) -> str:
        if not isinstance(value, str) or not regex.fullmatch(value):
            raise ReportError(name, f"must be {expected}; got {shown(value)}")
        return value

    return check


def choice(options: tuple[str, ...]) -> Check:
    def check(value: object, name: str) -> str:
        if not isinstance(value, str) or value not in options:
            raise ReportError(name, f"must be one of {', '.join(options)}; got {shown(value)}")
        return value

    return check


def optional(inner: Check) -> Check:
    def check(value: object, name: str) -> Any:
        return None if value is None else inner(value, name)

    return check


def nested(cls: type[Message]) -> Check:
    def check(value: object, name: str) -> Message:
        if isinstance(value, cls):
            return value
        with within(name):
            return cls._read(value)

    return check


def sequence(item: Check, max_len: int, *, min_len: int = 0) -> Check:
    def check(value: object, name: str) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            raise ReportError(name, f"must be a list; got {kind(value)}")
        if not min_len <= len(value) <= max_len:
            raise ReportError(name, f"must hold {min_len} to {max_len} items; got {len(value)}")
        return tuple(item(v, f"{name}[{i}]") for i, v in enumerate(value))

    return check


def kind(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}.get(
        type(value), "a list" if isinstance(value, list | tuple) else "an object"
    )


def shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


@contextmanager
def within(prefix: str) -> Iterator[None]:
    """Re-raise a nested ReportError with ``prefix`` in front of its field."""
    try:
        yield
    except ReportError as exc:
        inner = exc.field
        path = prefix if not inner else f"{prefix}{'' if inner.startswith('[') else '.'}{inner}"
        raise type(exc)(path, exc.message) from None


M = TypeVar("M", bound="Message")


class Message:
    """A schema message: ``_checks`` maps each field, in order, to its check."""

    _checks: ClassVar[dict[str, Check]]

    def __post_init__(self) -> None:
        for name, check in self._checks.items():
            value = getattr(self, name)
            checked = check(value, name)
            if checked is not value:  # a check may normalise (a tuple for a list…)
                object.__setattr__(self, name, checked)
        self._check_across()

    def _check_across(self) -> None:
        """Rules between fields (subclasses)."""

    @classmethod
    def from_json(cls, obj: object) -> Self:
        """Validate a decoded JSON object: every key present, none unknown."""
        try:
            return cls._read(obj)
        except ReportError as exc:
            if exc.field:
                raise
            raise type(exc)("body", exc.message) from None

    @classmethod
    def _read(cls, obj: object) -> Self:
        if not isinstance(obj, Mapping):
            raise ReportError("", f"must be an object; got {kind(obj)}")
        for key in obj:
            if key not in cls._checks:
                raise ReportError(str(key)[:40], "is not a field of this object")
        missing = [name for name in cls._checks if name not in obj]
        if missing:
            raise ReportError(missing[0], "is missing")
        return cls(**{name: obj[name] for name in cls._checks})

    def to_json(self) -> dict[str, Any]:
        return {name: plain(getattr(self, name)) for name in self._checks}


def plain(value: object) -> Any:
    if isinstance(value, Message):
        return value.to_json()
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return dict(value)
    return value


def unique(items: tuple[T, ...], name: str, key: Callable[[T], object], suffix: str = "") -> None:
    seen: set[object] = set()
    for index, item in enumerate(items):
        value = key(item)
        if value in seen:
            raise ReportError(f"{name}[{index}]{suffix}", "repeats an id listed before")
        seen.add(value)


def encode(message: Message) -> bytes:
    """The compact UTF-8 JSON body for ``message``."""
    return json.dumps(
        message.to_json(), ensure_ascii=False, allow_nan=False, separators=(",", ":")
    ).encode("utf-8")


def decode_json(body: bytes, limit: int) -> object:
    """Bytes → JSON value: at most ``limit`` bytes, UTF-8, no duplicate keys, no NaN."""
    if len(body) > limit:
        raise ReportTooLarge("body", f"is {len(body)} bytes; at most {limit} are accepted")
    try:
        decoded = bytes(body).decode("utf-8")
        return json.loads(decoded, object_pairs_hook=_object, parse_constant=_no_constant)
    except ReportError:
        raise
    except UnicodeDecodeError as exc:
        raise ReportError("body", f"is not UTF-8 (byte {exc.start})") from None
    except (ValueError, RecursionError) as exc:
        raise ReportError("body", f"is not JSON ({str(exc)[:80]})") from None


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):  # a key repeats: name the first one that does
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ReportError(key[:40], "appears twice in one object")
            seen.add(key)
    return result


def _no_constant(name: str) -> Any:
    raise ReportError("body", f"holds {name}, which is not JSON")


def parse(cls: type[M], body: bytes, limit: int) -> M:
    """Received bytes → a ``cls`` message (see :func:`decode_json`)."""
    return cls.from_json(decode_json(body, limit))
