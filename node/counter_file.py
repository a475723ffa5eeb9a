"""The node's counter reservation on disk, written atomically and durably.

PROTOCOL.md ("Freshness"): the node never sends two frames with the same counter under one
key, so before using a counter above its last reservation it persists a new reservation
(:class:`protocol.counters.TxCounter` decides when). The file is a small JSON document::

    {"format": 1, "key_id": "3f1c…", "reserved": 64}

``key_id`` is a fingerprint of the key the counters belong to (not the key: the first
8 bytes of HMAC-SHA256(key, "sereno counter file")), so a file copied from another node
or left over from an old key is refused instead of trusted.

Writing: a temporary file in the same directory, ``fsync``, ``rename`` over the old file,
``fsync`` of the directory. A power cut leaves either the old or the new reservation,
never a mix. A file that exists but cannot be read back exactly is refused with
:class:`~node.errors.CounterFileError`; it is never reset to 0 (see docs/node.md for the
recovery: provision a new key).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
from pathlib import Path
from typing import Final

from node.errors import CounterFileError
from protocol.counters import MAX_COUNTER

log = logging.getLogger(__name__)

FILE_NAME: Final = "counter.json"
FORMAT: Final = 1
_MAX_FILE_BYTES: Final = 4096
_KEY_ID_LABEL: Final = b"sereno counter file"


def key_id(key: bytes) -> str:
    """A fingerprint naming a key without revealing it (16 hex digits)."""
    return hmac.new(key, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:16]


class CounterFile:
    """The reservation file of one node and key, in ``state_dir``."""

    def __init__(self, state_dir: Path, key: bytes) -> None:
        self._dir = Path(state_dir)
        self._key_id = key_id(key)

    @property
    def path(self) -> Path:
        return self._dir / FILE_NAME

    def load(self) -> int:
        """The last persisted reservation; 0 when the file does not exist yet.

        A missing file means a node freshly provisioned under this key (it is logged).
        Raises :class:`CounterFileError` for a file that is unreadable, corrupt, or written
        under another key.
        """
        path = self.path
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            log.warning("no counter file at %s: starting the counters of this key at 1", path)
            return 0
        except OSError as exc:
            raise CounterFileError(
                f"{path}: no se pudo leer el archivo de contadores ({exc.strerror})"
            ) from exc
        return self._parse(raw)

    def _parse(self, raw: bytes) -> int:
        path = self.path
        corrupt = (
            f"{path}: el archivo de contadores está dañado; no se reinicia en 0 porque el "
            "nodo repetiría contadores. Reaprovisione el nodo con una clave nueva "
            "(docs/node.md)"
        )
        if len(raw) > _MAX_FILE_BYTES:
            raise CounterFileError(corrupt)
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise CounterFileError(corrupt) from None
        if not isinstance(data, dict) or set(data) != {"format", "key_id", "reserved"}:
            raise CounterFileError(corrupt)
        reserved = data["reserved"]
        if (
            data["format"] != FORMAT
            or not isinstance(data["key_id"], str)
            or isinstance(reserved, bool)
            or not isinstance(reserved, int)
            or not 0 <= reserved <= MAX_COUNTER
        ):
            raise CounterFileError(corrupt)
        if not hmac.compare_digest(data["key_id"], self._key_id):
            raise CounterFileError(
                f"{path}: el archivo de contadores es de otra clave; si este nodo recibió "
                "una clave nueva, borre el archivo antiguo (docs/node.md)"
            )
        return reserved

    def save(self, reserved: int) -> None:
        """Persist ``reserved`` atomically and durably; returns once it is on disk.

        Blocking (file system and fsync): call it from asyncio through
        ``asyncio.to_thread``. Raises ``OSError`` when it cannot; then nothing may be
        sent under the new reservation.
        """
        if isinstance(reserved, bool) or not 0 <= reserved <= MAX_COUNTER:
            raise ValueError(f"reservation out of range: {reserved!r}")
        document = {"format": FORMAT, "key_id": self._key_id, "reserved": reserved}
        data = (json.dumps(document, sort_keys=True) + "\n").encode("ascii")
        self._dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self._dir / f".{FILE_NAME}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        _fsync_dir(self._dir)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX: fsync the directory)."""
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
