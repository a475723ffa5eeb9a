"""Fixtures for the hardware tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gpiozero.pins.mock import MockFactory


@pytest.fixture
def mock_factory() -> Iterator[MockFactory]:
    """A fresh gpiozero MockFactory, passed explicitly as ``pin_factory=``.

    It is deliberately not installed as ``Device.pin_factory``: code that forgets its
    ``pin_factory`` falls back to gpiozero's default and fails the test instead of passing
    on the mock. After the test, every device still holding one of its pins is closed and
    the factory is reset.
    """
    factory = MockFactory()
    yield factory
    with factory._res_lock:
        devices = {
            device
            for refs in factory._reservations.values()
            for ref in refs
            if (device := ref()) is not None
        }
    for device in devices:
        device.close()
    factory.reset()
    factory.close()
