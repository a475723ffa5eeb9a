"""The shipped extract of Twilio's spec is exactly what the spec says today."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sereno.sms_sandbox import FormSchema, SandboxError, extract, shipped_extract

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / ".." / "shared" / "specs" / "twilio" / "twilio_api_v2010.json"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC.is_file():
        pytest.fail(
            f"Twilio's OpenAPI spec is missing: {SPEC.resolve()} (clone ../shared beside the repo)"
        )
    data: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))
    return data


def test_shipped_extract_equals_the_spec(spec: dict[str, Any]) -> None:
    assert extract(spec) == shipped_extract(), (
        "sereno/sms_sandbox/twilio_messages.json is stale: regenerate it with "
        "sereno.sms_sandbox.spec.write_extract (see its docstring)"
    )


def test_extract_has_what_the_sandbox_needs() -> None:
    data = shipped_extract()
    create = data["create_message"]
    assert create["operation_id"] == "CreateMessage"
    assert create["security"] == [{"scheme": "basic", "type": "http"}]
    assert create["request"]["required"] == ["To"]
    assert {"To", "From", "Body", "MessagingServiceSid", "MediaUrl", "StatusCallback"} <= set(
        create["request"]["properties"]
    )
    assert "sid" in data["message"]["properties"]
    assert data["message"]["properties"]["status"]["enum"][0] == "queued"


def test_every_schema_in_the_extract_is_checkable() -> None:
    data = shipped_extract()
    FormSchema(data["create_message"]["request"])
    FormSchema({"type": "object", "properties": data["list_messages"]["query_parameters"]})


@pytest.mark.parametrize(
    "prop",
    [
        {"type": "string", "oneOf": []},
        {"type": "object"},
        {"type": "string", "format": "email"},
        {"type": "array", "items": {"type": "string", "anyOf": []}},
    ],
)
def test_a_keyword_the_validator_does_not_know_fails_loudly(prop: dict[str, Any]) -> None:
    with pytest.raises(SandboxError):
        FormSchema({"type": "object", "properties": {"X": prop}})


@pytest.mark.parametrize(
    ("form", "kinds"),
    [
        ({"To": ["+56987654321"]}, []),
        ({}, ["required"]),
        ({"To": ["+56987654321"], "Bogus": ["1"]}, ["unknown"]),
        ({"To": ["+56987654321", "+56987654322"]}, ["repeated"]),
        ({"To": ["whatsapp:+56987654321"]}, []),
        ({"To": ["56987654321"]}, ["value"]),
        ({"To": ["+56987654321"], "Attempt": ["two"]}, ["value"]),
        ({"To": ["+56987654321"], "MaxPrice": ["0.5"], "ProvideFeedback": ["true"]}, []),
        ({"To": ["+56987654321"], "ProvideFeedback": ["yes"]}, ["value"]),
        ({"To": ["+56987654321"], "ContentRetention": ["keep"]}, ["value"]),
        ({"To": ["+56987654321"], "MessagingServiceSid": ["MG123"]}, ["value"]),
        ({"To": ["+56987654321"], "StatusCallback": ["not a url"]}, ["value"]),
        ({"To": ["+56987654321"], "MediaUrl": ["a", "b"]}, []),  # x-twilio ignoreFormat
        ({"To": ["+56987654321"], "SendAt": ["2026-01-02T03:04:05Z"]}, []),
        ({"To": ["+56987654321"], "SendAt": ["mañana"]}, ["value"]),
    ],
)
def test_form_schema(form: dict[str, list[str]], kinds: list[str]) -> None:
    schema = FormSchema(shipped_extract()["create_message"]["request"])
    assert [v.kind for v in schema.violations(form)] == kinds
