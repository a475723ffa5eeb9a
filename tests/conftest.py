"""Suite-wide test configuration."""

from __future__ import annotations

import os

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect hardware-only tests unless SERENO_HARDWARE=1 (documented in docs/testing.md)."""
    if os.environ.get("SERENO_HARDWARE") == "1":
        return
    keep = [item for item in items if item.get_closest_marker("hardware") is None]
    dropped = [item for item in items if item.get_closest_marker("hardware") is not None]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
