"""Link encodings of a frame (PROTOCOL.md "On the wire").

- Byte streams (Ebyte E220/E22, RS-485, USB serial): COBS, then one ``0x00`` delimiter.
  :func:`frame_for_stream` builds that; :class:`CobsStreamDecoder` undoes it for any
  chunking of the input, with a capped buffer and never raising.
- Text-payload radios driven by AT commands (RYLR998, RAK3172 P2P): standard base64
  (RFC 4648 section 4) without ``=`` padding; :func:`b64_decode` accepts only the canonical
  form (padding optional), so each frame has exactly one accepted text.
- Frames pasted by people (logs, the ``sereno frame`` CLI): :func:`read_frame_text` reads
  any of the three text forms and says which it was.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final

from protocol.errors import EncodeError, FrameError, LinkError
from protocol.frame import parse_header

_B64_ALPHABET: Final = re.compile(r"[A-Za-z0-9+/]*")
_HEX_PAIRS: Final = re.compile(r"(?:[0-9a-fA-F]{2})+")
_MAX_BLOCK: Final = 0xFF  # a code byte of 0xFF: 254 data bytes, no implied zero


def cobs_encode(data: bytes) -> bytes:
    """COBS-encode ``data``; the result has no zero byte and no trailing delimiter."""
    out = bytearray()
    block = bytearray()
    full_block_last = False  # a 254-byte block just ended the input: no final block then
    for byte in bytes(data):
        full_block_last = False
        if byte == 0:
            out.append(len(block) + 1)
            out += block
            block.clear()
            continue
        block.append(byte)
        if len(block) == _MAX_BLOCK - 1:
            out.append(_MAX_BLOCK)
            out += block
            block.clear()
            full_block_last = True
    if not full_block_last:
        out.append(len(block) + 1)
        out += block
    return bytes(out)


def cobs_decode(data: bytes) -> bytes:
    """Undo :func:`cobs_encode` (no trailing delimiter). Raises LinkError when malformed."""
    data = bytes(data)
    if not data:
        raise LinkError("empty COBS packet (the shortest encodes to 1 byte)")
    if 0 in data:
        raise LinkError(f"zero byte inside a COBS packet at offset {data.index(0)}")
    out = bytearray()
    index = 0
    while index < len(data):
        code = data[index]
        end = index + code
        if end > len(data):
            raise LinkError(f"COBS code {code} at offset {index} runs past the end")
        out += data[index + 1 : end]
        index = end
        if code != _MAX_BLOCK and index < len(data):
            out.append(0)
    return bytes(out)


def frame_for_stream(frame: bytes) -> bytes:
    """The bytes to write on a byte-stream link: COBS(frame) followed by ``0x00``."""
    return cobs_encode(frame) + b"\x00"


def cobs_encoded_max_len(size: int) -> int:
    """The longest COBS encoding of ``size`` bytes (without the delimiter)."""
    return size + size // (_MAX_BLOCK - 1) + 1


class CobsStreamDecoder:
    """Split a byte stream on ``0x00`` and COBS-decode each packet; never raises.

    ``max_frame`` caps a decoded datagram; an encoded run longer than any such datagram
    could be is discarded up to the next ``0x00`` without being buffered. Counters:
    ``oversized`` (too long), ``malformed`` (bad COBS) and ``dropped`` (their sum). Empty
    packets (two delimiters in a row, used by senders to resynchronise) are skipped quietly.
    """

    __slots__ = ("_buffer", "_cap", "_discarding", "malformed", "max_frame", "oversized")

    def __init__(self, max_frame: int = 256) -> None:
        if max_frame < 1:
            raise EncodeError(f"max_frame must be at least 1, got {max_frame}")
        self.max_frame = max_frame
        self._cap = cobs_encoded_max_len(max_frame)
        self._buffer = bytearray()
        self._discarding = False
        self.oversized = 0
        self.malformed = 0

    @property
    def dropped(self) -> int:
        """How many packets were discarded (oversized + malformed)."""
        return self.oversized + self.malformed

    @property
    def pending(self) -> int:
        """Bytes buffered while waiting for the next delimiter."""
        return len(self._buffer)

    def feed(self, chunk: bytes) -> list[bytes]:
        """Take the next bytes of the stream; return every datagram they complete."""
        chunk = bytes(chunk)
        datagrams: list[bytes] = []
        start = 0
        while start <= len(chunk):
            end = chunk.find(0, start)
            stop = len(chunk) if end < 0 else end
            if not self._discarding:
                if len(self._buffer) + stop - start > self._cap:
                    self._buffer.clear()
                    self._discarding = True
                    self.oversized += 1
                else:
                    self._buffer += chunk[start:stop]
            if end < 0:
                break
            if not self._discarding and self._buffer:
                self._finish(datagrams)
            self._buffer.clear()
            self._discarding = False
            start = end + 1
        return datagrams

    def _finish(self, datagrams: list[bytes]) -> None:
        try:
            datagram = cobs_decode(bytes(self._buffer))
        except LinkError:
            self.malformed += 1
            return
        if len(datagram) > self.max_frame:
            self.oversized += 1
            return
        datagrams.append(datagram)


def b64_encode(data: bytes) -> str:
    """Standard base64 of ``data`` without ``=`` padding (PROTOCOL.md, AT radios)."""
    return base64.b64encode(bytes(data)).rstrip(b"=").decode("ascii")


def b64_encoded_len(size: int) -> int:
    """Characters of unpadded base64 for ``size`` bytes (24 bytes -> 32)."""
    return (4 * size + 2) // 3


def b64_decode(text: str) -> bytes:
    """Decode standard base64, padding optional. Raises LinkError unless canonical.

    Rejected: characters outside ``A-Z a-z 0-9 + /`` (URL-safe ``-_``, whitespace),
    a length that no byte string encodes to, wrong padding, and non-zero unused bits.
    """
    if not isinstance(text, str):
        raise LinkError(f"base64 text must be str, got {type(text).__name__}")
    body = text.removesuffix("==") if text.endswith("==") else text.removesuffix("=")
    if body != text and len(text) % 4:
        raise LinkError("base64 padding present but the length is not a multiple of 4")
    if not _B64_ALPHABET.fullmatch(body):
        raise LinkError("base64 text holds characters outside A-Z a-z 0-9 + /")
    if len(body) % 4 == 1:
        raise LinkError(f"{len(body)} base64 characters cannot encode whole bytes")
    try:
        data = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except binascii.Error as exc:  # pragma: no cover - excluded by the checks above
        raise LinkError(f"bad base64: {exc}") from None
    if b64_encode(data) != body:
        raise LinkError("base64 text is not canonical (unused low bits are set)")
    return data


FRAME_TEXT_FORMS: Final = ("hex", "base64", "cobs")
"""How a frame is written as text in logs: hex, base64, or COBS (with its 00) in hex."""


def _read_frame_text_as(text: str, form: str) -> bytes:
    if form == "base64":
        return b64_decode(text)
    if not _HEX_PAIRS.fullmatch(text):
        raise LinkError("not an even number of hexadecimal digits")
    raw = bytes.fromhex(text)
    return raw if form == "hex" else cobs_decode(raw.removesuffix(b"\x00"))


def read_frame_text(text: str, form: str | None = None) -> tuple[str, bytes]:
    """The form (hex, base64, cobs) and bytes of a frame as text; whitespace is ignored.

    With ``form`` given, only that form is tried (COBS with or without its final 00).
    Otherwise the readings are tried in this order: COBS (hex digits ending in ``00``
    that COBS-decode), hex (an even number of hex digits), unpadded base64; the first
    whose bytes pass the header checks wins, and when none does, the first that could be
    read at all (so a damaged frame is still refused for its real reason). A version-1
    frame starts ``01`` in hex, ``A`` in base64 and ``02``-``ff`` in COBS, so the forms of
    any well-formed frame never compete. Raises LinkError when no form reads.
    """
    compact = "".join(text.split())
    if not compact:
        raise LinkError("empty frame text")
    if form is not None:
        if form not in FRAME_TEXT_FORMS:
            raise EncodeError(f"form must be one of {', '.join(FRAME_TEXT_FORMS)}, got {form!r}")
        return form, _read_frame_text_as(compact, form)
    readings: list[tuple[str, bytes]] = []
    for candidate in ("cobs", "hex", "base64"):
        if candidate == "cobs" and not compact.endswith("00"):
            continue
        try:
            readings.append((candidate, _read_frame_text_as(compact, candidate)))
        except LinkError:
            continue
    if not readings:
        raise LinkError("the text is neither hex, COBS hex nor base64")
    for reading in readings:
        try:
            parse_header(reading[1])
        except FrameError:
            continue
        return reading
    return readings[0]
