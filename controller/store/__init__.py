"""The street controller's local store (SQLite through sqlite-utils, WAL): nodes and their
keys, vecinos, counters, every frame's verdict, episodes and SMS attempts.

:class:`Store` is the one place that writes; see :mod:`controller.store.store` for its
concurrency rules (one Store per process, one thread) and :mod:`controller.store.migrations`
for the schema. The registry's input checks (:func:`parse_key_hex`, :func:`parse_kinds`…)
are exported for the CLI.
"""

from controller.store.migrations import LATEST_VERSION, MIGRATIONS, migrate, schema_version
from controller.store.records import (
    EVENT_KINDS,
    VERDICTS,
    Event,
    EventKind,
    FrameRecord,
    Node,
    Vecino,
    iso,
)
from controller.store.registry import (
    ALL_KINDS,
    DEFAULT_VECINO_KINDS,
    check_address,
    fingerprint,
    generate_key,
    parse_key_hex,
    parse_kinds,
)
from controller.store.store import DEFAULT_FRAMES_LIMIT, Store

__all__ = [
    "ALL_KINDS",
    "DEFAULT_FRAMES_LIMIT",
    "DEFAULT_VECINO_KINDS",
    "EVENT_KINDS",
    "LATEST_VERSION",
    "MIGRATIONS",
    "VERDICTS",
    "Event",
    "EventKind",
    "FrameRecord",
    "Node",
    "Store",
    "Vecino",
    "check_address",
    "fingerprint",
    "generate_key",
    "iso",
    "migrate",
    "parse_key_hex",
    "parse_kinds",
    "schema_version",
]
