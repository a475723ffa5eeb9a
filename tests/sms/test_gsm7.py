"""GSM 03.38 membership, segment counting and transliteration."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from controller.sms.gsm7 import (
    BASIC,
    EXTENSION,
    is_gsm7,
    segments,
    septet_count,
    to_gsm7,
    truncate_septets,
)


def test_tables_have_the_standard_sizes() -> None:
    assert len(BASIC) == 127  # 128 codes, one of them the escape to the extension table
    assert len(EXTENSION) == 10
    assert not BASIC & EXTENSION


@pytest.mark.parametrize("char", list("éñüÉÑÜ¿¡@£¥èùìòàÄÖäö"))
def test_spanish_friendly_letters_are_gsm7(char: str) -> None:
    assert is_gsm7(char)


@pytest.mark.parametrize("char", list("áíóúÁÍÓÚç“”‘’…–—"))
def test_letters_that_force_ucs2(char: str) -> None:
    assert not is_gsm7(char)
    assert segments(char * 71) == 2  # 70 UCS-2 units per single segment


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # 160 septets
        ("€" * 80 + "a", 2),
        ("a" * 152 + "€" + "a" * 10, 2),  # the escape pair moves to part 2 whole
        ("a" * 152 + "€" * 77, 3),
        ("á" * 70, 1),
        ("á" * 71, 2),
        ("á" * 134, 2),
        ("á" * 135, 3),
        ("👍" * 35, 1),  # two UTF-16 units each
        ("👍" * 36, 2),
        ("á" * 66 + "👍" + "á" * 66, 3),  # a surrogate pair is never split across parts
    ],
)
def test_segments(text: str, expected: int) -> None:
    assert segments(text) == expected


def test_a_single_acute_accent_makes_the_message_ucs2() -> None:
    gsm = "Alarma en Pasaje Los Aromos 1234, Maipu. " * 3
    assert segments(gsm) == 1
    assert segments(gsm.replace("Maipu", "Maipú", 1)) == 2


def test_extension_characters_count_two() -> None:
    assert septet_count("a€[]") == 7
    assert truncate_septets("ab€cd", 3) == "ab"
    assert truncate_septets("ab€cd", 4) == "ab€"
    with pytest.raises(ValueError, match="not GSM-7"):
        septet_count("á")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Maipú", "Maipu"),
        ("ÁÍÓÚ áíóú", "AIOU aiou"),
        ("Ñuñoa ¿qué? ¡sí! pingüino É Ü", "Ñuñoa ¿qué? ¡si! pingüino É Ü"),
        ("“casa” ‘3’ – fin…", "\"casa\" '3' - fin..."),
        ("Nº 12, 3° piso", "No 12, 3o piso"),
        ("São João, Ação", "Sao Joao, Acao"),
        ("ﬁn", "fin"),
        ("casa 👍🏽 3", "casa ? 3"),
        ("日本", "??"),
        ("a\u00a0b\tc", "a b c"),
    ],
)
def test_to_gsm7(text: str, expected: str) -> None:
    assert to_gsm7(text) == expected


@given(st.text())
def test_to_gsm7_always_gives_gsm7(text: str) -> None:
    result = to_gsm7(text)
    assert is_gsm7(result)
    assert to_gsm7(result) == result  # idempotent
