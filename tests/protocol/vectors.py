"""The golden vectors of PROTOCOL.md, loaded from ``../shared/protocol/vectors.json``.

CI runs in a fresh clone with ``shared/`` beside the repository; a missing file is an
error at collection time, never a silent skip.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VECTORS_PATH = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "protocol" / "vectors.json"
).resolve()


@dataclass(frozen=True)
class ValidVector:
    name: str
    key: bytes
    type: int
    network: int
    src: int
    dst: int
    counter: int
    payload: bytes
    frame: bytes
    base64: str
    cobs: bytes  # COBS form with its trailing 0x00 delimiter


@dataclass(frozen=True)
class InvalidVector:
    name: str
    key: bytes
    frame: bytes
    reason: str


def _load() -> dict[str, Any]:
    if not VECTORS_PATH.is_file():
        raise FileNotFoundError(
            f"protocol vectors not found at {VECTORS_PATH}: clone the shared folder beside "
            "the repository (../shared/protocol/vectors.json)"
        )
    data: dict[str, Any] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
    return data


_RAW = _load()

VALID: list[ValidVector] = [
    ValidVector(
        name=case["name"],
        key=bytes.fromhex(case["key"]),
        type=case["type"],
        network=case["network"],
        src=case["src"],
        dst=case["dst"],
        counter=case["counter"],
        payload=bytes.fromhex(case["payload"]),
        frame=bytes.fromhex(case["frame"]),
        base64=case["base64"],
        cobs=bytes.fromhex(case["cobs"]),
    )
    for case in _RAW["valid"]
]

INVALID: list[InvalidVector] = [
    InvalidVector(
        name=case["name"],
        key=bytes.fromhex(case["key"]),
        frame=bytes.fromhex(case["frame"]),
        reason=case["reason"],
    )
    for case in _RAW["invalid"]
]

DEFAULT_KEY = bytes.fromhex(_RAW["key_default"])

assert len(VALID) >= 9 and len(INVALID) >= 8, "vectors.json lost cases"


def by_name(name: str) -> ValidVector:
    return next(vector for vector in VALID if vector.name == name)
