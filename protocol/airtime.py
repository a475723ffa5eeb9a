"""LoRa time on air (Semtech AN1200.13, SX127x family), for retry timers and budgets.

``Tsym = 2^SF / BW``; ``Tpre = (Npre + 4.25) * Tsym``;
``Nsym = 8 + max(ceil((8*PL - 4*SF + 28 + 16*CRC - 20*IH) / (4*(SF - 2*DE))) * (CR + 4), 0)``;
``ToA = Tpre + Nsym * Tsym``. ``CR`` is 1..4 (coding rate 4/5..4/8); ``DE`` (low data rate
optimisation) defaults to on exactly when ``Tsym > 16 ms`` (SF11 and SF12 at 125 kHz).

An RYLR998 carries a frame as unpadded base64 text, and the module adds 8 bytes of its own
to what goes on air (FIELD-FACTS.md), with a 12-symbol preamble by default; so a 24-byte
PANIC frame is 32 characters + 8 = 40 bytes on air: 304.128 ms at SF9 and 86.272 ms at SF7
(125 kHz, CR 4/5, explicit header, CRC on), the figures FIELD-FACTS.md rounds to 304 and 86.
SF5 (SX126x only) uses another formula and is refused.
"""

from __future__ import annotations

import math
from typing import Final

from protocol.errors import EncodeError
from protocol.link import b64_encoded_len

RYLR998_OVERHEAD: Final = 8
"""Bytes an RYLR998 adds on air to the text payload it is given."""

LOW_DATA_RATE_SYMBOL_MS: Final = 16.0
"""Above this symbol time, low data rate optimisation is switched on automatically."""


def _check(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise EncodeError(f"{name} must be an integer in {low}..{high}, got {value!r}")


def lora_airtime_ms(
    payload_len: int,
    *,
    sf: int,
    bw_hz: int,
    cr: int = 1,
    preamble: int = 8,
    crc: bool = True,
    implicit_header: bool = False,
    low_data_rate_optimize: bool | None = None,
) -> float:
    """Milliseconds on air for a LoRa packet of ``payload_len`` bytes (AN1200.13).

    ``low_data_rate_optimize=None`` means automatic (on when a symbol lasts over 16 ms).
    Raises EncodeError for parameters out of range (SF 6..12, CR 1..4, payload 0..255).
    """
    _check("payload_len", payload_len, 0, 255)
    _check("sf", sf, 6, 12)
    _check("cr", cr, 1, 4)
    _check("preamble", preamble, 0, 65535)
    if isinstance(bw_hz, bool) or not isinstance(bw_hz, int) or bw_hz <= 0:
        raise EncodeError(f"bw_hz must be a positive integer, got {bw_hz!r}")
    symbol_ms = (1 << sf) / bw_hz * 1000.0
    if low_data_rate_optimize is None:
        low_data_rate_optimize = symbol_ms > LOW_DATA_RATE_SYMBOL_MS
    de = 1 if low_data_rate_optimize else 0
    numerator = 8 * payload_len - 4 * sf + 28 + 16 * int(crc) - 20 * int(implicit_header)
    blocks = math.ceil(numerator / (4 * (sf - 2 * de)))
    payload_symbols = 8 + max(blocks * (cr + 4), 0)
    return (preamble + 4.25) * symbol_ms + payload_symbols * symbol_ms


def rylr998_airtime_ms(
    frame_len_bytes: int, sf: int, bw_hz: int = 125_000, cr: int = 1, preamble: int = 12
) -> float:
    """Milliseconds on air for a frame of ``frame_len_bytes`` sent through an RYLR998.

    The frame travels as unpadded base64 (24 bytes -> 32 characters) plus the module's
    :data:`RYLR998_OVERHEAD` bytes, explicit header, CRC on.
    """
    _check("frame_len_bytes", frame_len_bytes, 0, 255)
    on_air = b64_encoded_len(frame_len_bytes) + RYLR998_OVERHEAD
    return lora_airtime_ms(on_air, sf=sf, bw_hz=bw_hz, cr=cr, preamble=preamble)
