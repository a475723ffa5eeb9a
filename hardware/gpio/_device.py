"""Shared plumbing for the gpiozero wrappers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from gpiozero import GPIOZeroError

from hardware.errors import HardwareError


@contextmanager
def opening(what: str, pin: int | str) -> Iterator[None]:
    """Turn gpiozero's errors while opening a device into :class:`HardwareError`."""
    try:
        yield
    except GPIOZeroError as exc:
        raise HardwareError(f"cannot open the {what} on GPIO{pin}: {exc}") from exc
