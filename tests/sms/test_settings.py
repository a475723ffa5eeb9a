"""Phone numbers and where SMS go (sandbox by default, Twilio when configured)."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.sms import (
    SANDBOX_ACCOUNT_SID,
    SANDBOX_API_BASE,
    SANDBOX_AUTH_TOKEN,
    InvalidPhone,
    SmsConfigError,
    SmsError,
    TwilioSettings,
    load_settings,
    normalize_phone,
)
from controller.sms.settings import check_private

SID = "AC" + "1234abcd" * 4
TOKEN = "f" * 32


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("+56 9 8765 4321", "+56987654321"),
        ("9 8765 4321", "+56987654321"),
        ("987654321", "+56987654321"),
        ("(+56) 9-8765-4321", "+56987654321"),
        ("+54 9 11 2345 6789", "+5491123456789"),
    ],
)
def test_normalize_phone(text: str, e164: str) -> None:
    assert normalize_phone(text) == e164


@pytest.mark.parametrize("text", ["", "hola", "+56 9 1234", "123", "+56 9 1234 5678 9"])
def test_invalid_phone_in_spanish(text: str) -> None:
    with pytest.raises(InvalidPhone) as caught:
        normalize_phone(text)
    assert str(caught.value) == (
        f"El teléfono '{text}' no es un número válido de Chile; use +56 9 XXXX XXXX"
    )
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, SmsError)


def test_chilean_landline_is_refused() -> None:
    with pytest.raises(InvalidPhone, match="no es un celular"):
        normalize_phone("+56 2 2123 4567")


def test_no_credentials_means_the_sandbox() -> None:
    settings = load_settings({})
    assert settings == TwilioSettings.sandbox()
    assert (settings.account_sid, settings.auth_token) == (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    assert settings.api_base == SANDBOX_API_BASE
    assert settings.is_sandbox
    moved = load_settings({"SERENO_SMS_API_BASE": "http://127.0.0.1:9000"})
    assert moved.api_base == "http://127.0.0.1:9000" and moved.is_sandbox


def test_environment_credentials() -> None:
    env = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "SERENO_SMS_FROM": "+15005550006"}
    settings = load_settings(env)
    assert (settings.account_sid, settings.from_number, settings.api_base) == (
        SID,
        "+15005550006",
        None,
    )
    assert not settings.is_sandbox
    assert TOKEN not in repr(settings)


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "controller.toml"
    path.write_text("")
    path.chmod(0o600)
    table = {"account_sid": SID, "auth_token": "from-file", "from": "+15005550006"}
    settings = load_settings({"TWILIO_AUTH_TOKEN": TOKEN}, table, path)
    assert settings.auth_token == TOKEN


def test_a_readable_secret_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "controller.toml"
    path.write_text("")
    path.chmod(0o644)
    with pytest.raises(SmsConfigError, match="chmod 600"):
        check_private(path)
    table = {"account_sid": SID, "auth_token": TOKEN, "from": "+15005550006"}
    with pytest.raises(SmsConfigError, match="otros usuarios pueden leerlo"):
        load_settings({}, table, path)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TWILIO_ACCOUNT_SID": SID}, "falta auth_token"),
        ({"TWILIO_AUTH_TOKEN": TOKEN}, "falta account_sid"),
        ({"TWILIO_ACCOUNT_SID": "AC12", "TWILIO_AUTH_TOKEN": TOKEN}, "no es un Account SID"),
        ({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN}, "falta el remitente"),
        (
            {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "SERENO_SMS_FROM": "22123"},
            "no es un número E.164",
        ),
        (
            {
                "TWILIO_ACCOUNT_SID": SID,
                "TWILIO_AUTH_TOKEN": TOKEN,
                "SERENO_SMS_MESSAGING_SID": "MG1",
            },
            "messaging_service_sid",
        ),
        ({"SERENO_SMS_API_BASE": "ftp://x"}, "no es una URL"),
    ],
)
def test_bad_settings_in_spanish(env: dict[str, str], message: str) -> None:
    with pytest.raises(SmsConfigError, match=message):
        load_settings(env)


def test_unknown_table_keys_are_refused() -> None:
    with pytest.raises(SmsConfigError, match="claves desconocidas en \\[sms\\]: tokn"):
        load_settings({}, {"tokn": "x"})
