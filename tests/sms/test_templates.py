"""Every SMS text, for every kind and any address, is GSM-7 and fits one segment."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from controller.sms.gsm7 import GSM7_SINGLE, is_gsm7, segments, septet_count
from controller.sms.templates import (
    MAX_MUNICIPALITY,
    MIN_ADDRESS,
    WORDING,
    render,
    render_cancelled,
    shorten,
)
from protocol.frame import PanicKind

LONG_ADDRESS = (
    "Avenida Libertador Bernardo O'Higgins 12345, Villa Los Jardines de Maipú, "
    "Población Ñuñoa Sur, pasaje interior sin número 🏠🚨, frente a la multicancha, "
    "Región Metropolitana de Santiago, Chile"
)
ADDRESSES = [
    "Pasaje Los Aromos 1234",
    LONG_ADDRESS,
    "Calle {Ñandú} [Ávila] ~ € | ^ \\ 12",  # extension characters cost two septets
    "🏠" * 200,
    "x" * 200,
]
HOUSEHOLDS = ["casa 3", "", "Familia González-Pérez de la Fuente Ossandón 🙂" * 3]
RENDERERS = [render, render_cancelled]


def assert_one_gsm7_segment(text: str) -> None:
    assert is_gsm7(text), text
    assert septet_count(text) <= GSM7_SINGLE, (septet_count(text), text)
    assert segments(text) == 1


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("kind", list(PanicKind))
@pytest.mark.parametrize("address", ADDRESSES)
@pytest.mark.parametrize("household", HOUSEHOLDS)
def test_every_template_fits_one_gsm7_segment_and_names_the_kind(
    renderer: object, kind: PanicKind, address: str, household: str
) -> None:
    text = renderer(kind, household, address, "San Juan de la Costa")  # type: ignore[operator]
    assert_one_gsm7_segment(text)
    assert WORDING[kind].label in text
    if renderer is render:  # a "falsa alarma" need not repeat the emergency number
        assert f"{WORDING[kind].service} {WORDING[kind].number}" in text
    assert text.endswith("Sereno San Juan de la Costa")


def test_example_texts() -> None:
    args = ("casa 3", "Pasaje Los Aromos 1234", "Maipú")
    assert render(PanicKind.ROBO, *args) == (
        "ALERTA ROBO: Pasaje Los Aromos 1234 (casa 3). Llame a Carabineros 133. Sereno Maipu"
    )
    assert render(PanicKind.INCENDIO, *args) == (
        "ALERTA INCENDIO: Pasaje Los Aromos 1234 (casa 3). Llame a Bomberos 132. Sereno Maipu"
    )
    assert render(PanicKind.EMERGENCIA_MEDICA, *args) == (
        "ALERTA EMERGENCIA MEDICA: Pasaje Los Aromos 1234 (casa 3). Llame al SAMU 131. Sereno Maipu"
    )
    assert render(PanicKind.PANICO, *args) == (
        "ALERTA PANICO: Pasaje Los Aromos 1234 (casa 3). Un vecino pide ayuda. "
        "Llame a Carabineros 133. Sereno Maipu"
    )
    assert render(PanicKind.ALERTA_SILENCIOSA, *args) == (
        "AVISO RESERVADO: Pasaje Los Aromos 1234 (casa 3) pide ayuda en silencio. "
        "No le llame. Avise a Carabineros 133. Sereno Maipu"
    )
    assert render_cancelled(PanicKind.ROBO, *args) == (
        "FALSA ALARMA: se cancela ALERTA ROBO en Pasaje Los Aromos 1234 (casa 3). "
        "Todo en orden. Sereno Maipu"
    )
    assert render_cancelled(PanicKind.ALERTA_SILENCIOSA, *args) == (
        "AVISO RESERVADO anulado: Pasaje Los Aromos 1234 (casa 3). "
        "Si duda, avise a Carabineros 133. Sereno Maipu"
    )


@pytest.mark.parametrize(
    ("kind", "number"),
    [
        (PanicKind.PANICO, "Carabineros 133"),
        (PanicKind.ROBO, "Carabineros 133"),
        (PanicKind.ALERTA_SILENCIOSA, "Carabineros 133"),
        (PanicKind.INCENDIO, "Bomberos 132"),
        (PanicKind.EMERGENCIA_MEDICA, "SAMU 131"),
    ],
)
def test_emergency_numbers(kind: PanicKind, number: str) -> None:
    assert number in render(kind, "casa 3", "Pasaje Los Aromos 1234", "Maipú")


def test_silent_alert_is_discreet() -> None:
    text = render(PanicKind.ALERTA_SILENCIOSA, "casa 3", "Pasaje Los Aromos 1234", "Maipú")
    assert "ALERTA" not in text
    assert "No le llame" in text
    cancelled = render_cancelled(PanicKind.ALERTA_SILENCIOSA, "casa 3", "Los Aromos 1", "Maipú")
    assert "Todo en orden" not in cancelled  # a cancel may be forced


def test_long_address_is_cut_at_a_word_and_keeps_the_house_number() -> None:
    text = render(PanicKind.ROBO, "casa 3", LONG_ADDRESS, "Maipú")
    assert "Avenida Libertador Bernardo O'Higgins 12345, Villa" in text
    assert "...(casa 3)" not in text and "... (casa 3)" in text
    assert "(casa 3)" in text


def test_municipality_is_capped() -> None:
    text = render(PanicKind.ROBO, "casa 3", "Los Aromos 1", "Municipalidad de " + "x" * 60)
    assert_one_gsm7_segment(text)
    signature = text.rsplit("Sereno ", 1)[1]
    assert len(signature) <= MAX_MUNICIPALITY
    assert signature.endswith("...")


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Pasaje Los Aromos 1234", 30, "Pasaje Los Aromos 1234"),
        ("Pasaje Los Aromos 1234", 21, "Pasaje Los Aromos..."),
        ("Pasaje Los Aromos 1234", 20, "Pasaje Los Aromos..."),
        ("Pasaje Los Aromos 1234", 19, "Pasaje Los..."),
        ("Pasaje, Los Aromos 1234", 12, "Pasaje..."),
        ("Supercalifragilistico", 10, "Superca..."),
    ],
)
def test_shorten(text: str, limit: int, expected: str) -> None:
    assert shorten(text, limit) == expected
    assert len(shorten(text, limit)) <= limit


def test_the_address_keeps_a_minimum_before_the_household_is_cut() -> None:
    text = render(PanicKind.ALERTA_SILENCIOSA, "h" * 200, "a " * 200, "x" * 40)
    assert_one_gsm7_segment(text)
    address = text.removeprefix("AVISO RESERVADO: ").split(" (", 1)[0]
    assert len(address) >= MIN_ADDRESS - 3


@given(
    kind=st.sampled_from(list(PanicKind)),
    household=st.text(max_size=300),
    address=st.text(max_size=300),
    municipality=st.text(max_size=80),
    cancelled=st.booleans(),
)
def test_any_input_fits_one_segment(
    kind: PanicKind, household: str, address: str, municipality: str, cancelled: bool
) -> None:
    renderer = render_cancelled if cancelled else render
    text = renderer(kind, household, address, municipality)
    assert_one_gsm7_segment(text)
    assert WORDING[kind].label in text
