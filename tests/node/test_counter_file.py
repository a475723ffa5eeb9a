"""The counter reservation file: atomic, durable, never silently reset."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from node.counter_file import FILE_NAME, CounterFile, key_id
from node.errors import CounterFileError, NodeError
from tests.node.fakes import KEY, OTHER_KEY


def test_missing_file_starts_at_zero(tmp_path: Path) -> None:
    assert CounterFile(tmp_path / "estado", KEY).load() == 0


def test_save_then_load(tmp_path: Path) -> None:
    counters = CounterFile(tmp_path / "estado", KEY)
    counters.save(32)
    counters.save(64)
    assert CounterFile(tmp_path / "estado", KEY).load() == 64
    assert sorted(os.listdir(tmp_path / "estado")) == [FILE_NAME]  # no temp file left
    document = json.loads((tmp_path / "estado" / FILE_NAME).read_text())
    assert document == {"format": 1, "key_id": key_id(KEY), "reserved": 64}
    assert KEY.hex() not in (tmp_path / "estado" / FILE_NAME).read_text()


def test_save_fsyncs_the_file_and_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append("dir" if os.path.isdir(f"/proc/self/fd/{fd}") else "file")
        real_fsync(fd)

    renamed: list[str] = []
    real_replace = os.replace

    def replace(src: str, dst: str) -> None:
        renamed.append(f"after {synced}")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    CounterFile(tmp_path, KEY).save(5)
    assert renamed == ["after ['file']"]  # the data is on disk before the rename
    assert synced == ["file", "dir"]  # and the rename is made durable


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b'{"format": 1, "key_id": "',
        b"\xff\xfe garbage",
        b"[]",
        b'{"format": 1, "reserved": 3}',
        b'{"format": 2, "key_id": "%s", "reserved": 3}',
        b'{"format": 1, "key_id": "%s", "reserved": -1}',
        b'{"format": 1, "key_id": "%s", "reserved": 4294967296}',
        b'{"format": 1, "key_id": "%s", "reserved": "12"}',
        b'{"format": 1, "key_id": "%s", "reserved": true}',
        b'{"format": 1, "key_id": "%s", "reserved": 1.5}',
        b'{"format": 1, "key_id": "%s", "reserved": 3, "extra": 0}',
        b" " * 5000,
    ],
)
def test_corrupt_file_is_refused_never_reset(tmp_path: Path, content: bytes) -> None:
    if b"%s" in content:
        content = content.replace(b"%s", key_id(KEY).encode())
    (tmp_path / FILE_NAME).write_bytes(content)
    with pytest.raises(CounterFileError, match="dañado") as caught:
        CounterFile(tmp_path, KEY).load()
    assert isinstance(caught.value, NodeError)
    assert isinstance(caught.value, ValueError)
    assert "clave nueva" in str(caught.value)


def test_a_file_of_another_key_is_refused(tmp_path: Path) -> None:
    CounterFile(tmp_path, OTHER_KEY).save(96)
    with pytest.raises(CounterFileError, match="otra clave"):
        CounterFile(tmp_path, KEY).load()


def test_unreadable_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).mkdir()
    with pytest.raises(CounterFileError, match="no se pudo leer"):
        CounterFile(tmp_path, KEY).load()


def test_out_of_range_reservation_is_a_bug(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="out of range"):
        CounterFile(tmp_path, KEY).save(-1)
