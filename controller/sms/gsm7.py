"""GSM 03.38 (3GPP TS 23.038) 7-bit alphabet: membership, segment counts, transliteration.

An SMS body is sent in GSM-7 when every character is in the basic table or its extension
table, and in UCS-2 otherwise. One character outside GSM-7 (``á``, ``í``, ``ó``, ``ú``, an
emoji) turns the whole message into UCS-2, which cuts a segment from 160 to 70 characters.

- GSM-7: one segment holds 160 septets; a concatenated message holds 153 per part. A
  character of the extension table (``€ [ ] { } ^ ~ | \\`` and form feed) takes two septets
  (escape + code) and is never split across two parts.
- UCS-2: one segment holds 70 UTF-16 code units; a concatenated message holds 67 per part.
  A character outside the BMP (most emoji) takes two code units and is never split.
"""

from __future__ import annotations

import unicodedata
from typing import Final

#: The basic character set, in code order (0x1B, the escape to the extension table, is left out).
BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The extension table: each of these costs two septets (0x1B + code).
EXTENSION: Final = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE: Final = 160
GSM7_PART: Final = 153
UCS2_SINGLE: Final = 70
UCS2_PART: Final = 67

#: Replacements applied before the generic fallback. Letters with an acute accent other than
#: é lose it (GSM-7 has é but not á í ó ú); typographic punctuation becomes ASCII.
_REPLACEMENTS: Final[dict[str, str]] = {
    "á": "a",
    "í": "i",
    "ó": "o",
    "ú": "u",
    "Á": "A",
    "Í": "I",
    "Ó": "O",
    "Ú": "U",
    "ý": "y",
    "Ý": "Y",
    "ç": "c",
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "´": "'",
    "`": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "«": '"',
    "»": '"',
    "–": "-",
    "—": "-",
    "‐": "-",
    "‑": "-",
    "−": "-",
    "…": "...",
    "°": "o",
    "\u00a0": " ",
    "\u2007": " ",
    "\u202f": " ",
    "\t": " ",
}


def _septets(char: str) -> int:
    return 2 if char in EXTENSION else 1


def is_gsm7(text: str) -> bool:
    """True when every character of ``text`` is in the GSM-7 basic or extension table."""
    return all(char in BASIC or char in EXTENSION for char in text)


def septet_count(text: str) -> int:
    """The GSM-7 length of ``text``: extension characters count two. Requires GSM-7 text."""
    if not is_gsm7(text):
        raise ValueError("text is not GSM-7")
    return sum(_septets(char) for char in text)


def _parts(units: list[int], single: int, part: int) -> int:
    if sum(units) <= single:
        return 1
    count, used = 1, 0
    for size in units:  # greedy packing that never splits an escape or a surrogate pair
        if used + size > part:
            count, used = count + 1, 0
        used += size
    return count


def segments(text: str) -> int:
    """How many SMS segments ``text`` needs (GSM-7 when it can, UCS-2 otherwise); at least 1."""
    if is_gsm7(text):
        return _parts([_septets(char) for char in text], GSM7_SINGLE, GSM7_PART)
    return _parts([2 if ord(char) > 0xFFFF else 1 for char in text], UCS2_SINGLE, UCS2_PART)


def _fallback(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    kept = "".join(c for c in decomposed if c in BASIC or c in EXTENSION)
    if kept and not unicodedata.combining(kept[0]):
        return kept
    return "?"


def to_gsm7(text: str) -> str:
    """``text`` rewritten in GSM-7 characters only.

    Keeps everything GSM-7 already has (é ñ ü É Ñ Ü ¿ ¡ among them); ``á í ó ú`` lose the
    accent; curly quotes, dashes and the ellipsis become ASCII; anything else is decomposed
    (NFKD: ``â`` → ``a``, ``ﬁ`` → ``fi``, ``º`` → ``o``) and, if nothing GSM-7 remains,
    becomes ``?``.
    """
    out: list[str] = []
    for char in text:
        if char in _REPLACEMENTS:
            out.append(_REPLACEMENTS[char])
        elif char in BASIC or char in EXTENSION:
            out.append(char)
        elif unicodedata.category(char) in {"Mn", "Me"}:
            continue  # a lone combining mark: the letter before it stays as it was
        elif unicodedata.category(char) in {"Cf", "Sk"} or char in "\ufe0f\ufe0e":
            continue  # invisible format characters (zero-width joiner, variation selectors)
        else:
            out.append(_fallback(char))
    return "".join(out)


def truncate_septets(text: str, limit: int) -> str:
    """The longest prefix of GSM-7 ``text`` that takes at most ``limit`` septets."""
    used = 0
    for index, char in enumerate(text):
        used += _septets(char)
        if used > limit:
            return text[:index]
    return text
