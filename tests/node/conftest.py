"""Fixtures for the node's tests."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gpiozero.pins.mock import MockFactory

from node.config import NodeConfig, config_from_mapping
from tests.node.fakes import KEY, NETWORK

BASE: dict[str, Any] = {
    "node": {
        "address": 17,
        "network_id": NETWORK,
        "key": KEY.hex(),
        "state_dir": "estado",
        "heartbeat_hours": 6,
    },
    "buttons": {"main": "PANICO", "incendio": True},
    "radio": {"kind": "rylr998", "port": "/dev/null"},
    "pins": {"board": "pi4", "mcp3008": False},
}


def node_config(base_dir: Path, **tables: dict[str, Any]) -> NodeConfig:
    """BASE with some keys of some tables replaced (``node={"address": 5}``)."""
    document = copy.deepcopy(BASE)
    for name, values in tables.items():
        document.setdefault(name, {}).update(values)
    return config_from_mapping(document, base_dir=base_dir)


@pytest.fixture
def mock_factory() -> Iterator[MockFactory]:
    """A fresh gpiozero MockFactory passed explicitly as ``pin_factory=`` (the idea of
    tests/hardware/conftest.py): never installed as the default, closed afterwards."""
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
