"""LoRa time on air against every check in FIELD-FACTS.md ("LoRa time on air")."""

from __future__ import annotations

import pytest

from protocol import (
    MAX_FRAME_LEN,
    RYLR998_OVERHEAD,
    EncodeError,
    Panic,
    PanicKind,
    b64_encode,
    build_frame,
    lora_airtime_ms,
    rylr998_airtime_ms,
)


@pytest.mark.parametrize(
    ("payload_len", "sf", "expected_ms", "tolerance"),
    [
        (10, 7, 41.216, 1e-9),
        (13, 9, 164.864, 1e-9),
        (20, 7, 56.6, 0.05),  # exactly 56.576
        (20, 9, 185.3, 0.05),  # exactly 185.344
        (20, 12, 1318.9, 0.05),  # exactly 1318.912, low data rate optimisation on
    ],
)
def test_field_facts_checks(
    payload_len: int, sf: int, expected_ms: float, tolerance: float
) -> None:
    airtime = lora_airtime_ms(payload_len, sf=sf, bw_hz=125_000, preamble=8)
    assert airtime == pytest.approx(expected_ms, abs=tolerance)


def test_panic_frame_through_rylr998() -> None:
    frame = build_frame(
        Panic(PanicKind.ROBO, 3700), network=1, src=7, dst=0, counter=1, key=bytes(16)
    )
    assert len(frame) == 24 and len(b64_encode(frame)) == 32
    on_air = 32 + RYLR998_OVERHEAD
    assert lora_airtime_ms(on_air, sf=9, bw_hz=125_000, preamble=12) == pytest.approx(304.128)
    assert rylr998_airtime_ms(len(frame), 9) == pytest.approx(304.128)  # "≈ 304 ms"
    assert rylr998_airtime_ms(len(frame), 7) == pytest.approx(86.272)  # "≈ 86 ms"


def test_low_data_rate_optimisation_is_automatic_above_16_ms_symbols() -> None:
    # SF11 at 125 kHz: 16.384 ms symbols -> on; SF10: 8.192 ms -> off.
    sf11 = lora_airtime_ms(20, sf=11, bw_hz=125_000)
    assert sf11 == lora_airtime_ms(20, sf=11, bw_hz=125_000, low_data_rate_optimize=True)
    assert sf11 != lora_airtime_ms(20, sf=11, bw_hz=125_000, low_data_rate_optimize=False)
    sf10 = lora_airtime_ms(20, sf=10, bw_hz=125_000)
    assert sf10 == lora_airtime_ms(20, sf=10, bw_hz=125_000, low_data_rate_optimize=False)
    # SF12 at 500 kHz: 8.192 ms symbols -> off.
    fast = lora_airtime_ms(20, sf=12, bw_hz=500_000)
    assert fast == lora_airtime_ms(20, sf=12, bw_hz=500_000, low_data_rate_optimize=False)


def test_options_change_airtime_in_the_expected_direction() -> None:
    base = lora_airtime_ms(20, sf=9, bw_hz=125_000)
    assert lora_airtime_ms(20, sf=9, bw_hz=125_000, cr=4) > base
    # 4 bytes at SF9: the 16 CRC bits or the 20 header bits cross a block of 4 * 9 bits.
    small = lora_airtime_ms(4, sf=9, bw_hz=125_000)
    assert lora_airtime_ms(4, sf=9, bw_hz=125_000, crc=False) < small
    assert lora_airtime_ms(4, sf=9, bw_hz=125_000, implicit_header=True) < small
    assert lora_airtime_ms(20, sf=9, bw_hz=250_000) == pytest.approx(base / 2)
    assert lora_airtime_ms(0, sf=7, bw_hz=125_000) > 0


def test_largest_frame_fits_400_ms_at_sf7_not_at_sf9() -> None:
    assert rylr998_airtime_ms(MAX_FRAME_LEN, 7) < 400
    assert rylr998_airtime_ms(MAX_FRAME_LEN, 9) > 400


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sf": 5, "bw_hz": 125_000},
        {"sf": 13, "bw_hz": 125_000},
        {"sf": 7, "bw_hz": 0},
        {"sf": 7, "bw_hz": 125_000, "cr": 0},
        {"sf": 7, "bw_hz": 125_000, "cr": 5},
        {"sf": 7, "bw_hz": 125_000, "preamble": -1},
    ],
)
def test_parameters_out_of_range_are_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(EncodeError):
        lora_airtime_ms(10, **kwargs)  # type: ignore[arg-type]


def test_payload_out_of_range_is_refused() -> None:
    with pytest.raises(EncodeError):
        lora_airtime_ms(256, sf=7, bw_hz=125_000)
    with pytest.raises(EncodeError):
        rylr998_airtime_ms(-1, 7)
