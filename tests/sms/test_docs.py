"""docs/sms.md shows what the code does: its table of texts is rendered here and compared."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from controller.sms import render, render_cancelled
from controller.sms.gsm7 import septet_count
from controller.sms.settings import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, SANDBOX_FROM
from protocol.frame import PanicKind

DOC = (Path(__file__).resolve().parents[2] / "docs" / "sms.md").read_text(encoding="utf-8")
ROW = re.compile(
    r"^\| `(?P<kind>[A-Z_]+)`(?P<cancelled> cancelled)? \| `(?P<text>[^`]+)` \|$", re.MULTILINE
)


def test_the_table_of_texts_is_what_render_gives() -> None:
    rows = list(ROW.finditer(DOC))
    assert {m["kind"] for m in rows if not m["cancelled"]} == {k.name for k in PanicKind}
    for row in rows:
        renderer = render_cancelled if row["cancelled"] else render
        kind = PanicKind[row["kind"]]
        assert renderer(kind, "casa 3", "Pasaje Los Aromos 1234", "Maipú") == row["text"]


def test_the_long_address_example() -> None:
    address = (
        "Avenida Libertador Bernardo O'Higgins 12345, Villa Los Jardines de Maipú, "
        "Población Ñuñoa Sur, Región Metropolitana"
    )
    text = render(PanicKind.EMERGENCIA_MEDICA, "depto 402 🙂", address, "Maipú")
    assert " ".join(text.split()) in " ".join(DOC.split())
    assert f"({septet_count(text)} characters)" in DOC


@pytest.mark.parametrize("value", [SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, SANDBOX_FROM])
def test_the_sandbox_credentials_are_documented(value: str) -> None:
    assert f"`{value}`" in DOC
