"""The part of Twilio's OpenAPI spec the sandbox enforces, and a validator for form bodies.

``twilio_messages.json`` (shipped in this package, so production never needs ``../shared``)
is :func:`extract` applied to ``twilio_api_v2010.json`` from twilio/twilio-oai: the
CreateMessage request schema, the path parameters, the list endpoint's query parameters and
response keys, and the ``api.v2010.account.message`` resource schema, with ``$ref`` inlined
and ``description`` / ``examples`` dropped. ``tests/sms/test_spec_extract.py`` re-extracts it
from the spec and fails if the shipped copy differs. To refresh it after a spec update::

    python -c "from sereno.sms_sandbox.spec import write_extract; write_extract(SPEC_PATH)"

:class:`FormSchema` checks an ``application/x-www-form-urlencoded`` body against such a
schema. It knows the keywords the extract uses (type, format, pattern, minLength,
maxLength, minimum, maximum, enum, items) and refuses, when loaded, a schema using any
other, so a spec update that adds one fails loudly instead of being silently ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from sereno.sms_sandbox.errors import SandboxError

EXTRACT_NAME: Final = "twilio_messages.json"
MESSAGES_PATH: Final = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
MESSAGE_PATH: Final = "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"
_DROPPED: Final = frozenset({"description", "examples"})
_KNOWN: Final = frozenset(
    {
        "type",
        "format",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "enum",
        "items",
        "x-twilio",
    }
)
_FORMATS: Final = frozenset({"phone-number", "uri", "date-time", "int64"})
PHONE_NUMBER: Final = re.compile(r"^\+[1-9][0-9]{1,14}$")
CHANNEL_ADDRESS: Final = re.compile(r"^[a-z][a-z0-9-]*:\S+$")
_INTEGER: Final = re.compile(r"^[+-]?[0-9]+$")
_NUMBER: Final = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")


def _resolve(node: Any, spec: Mapping[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].removeprefix("#/components/schemas/")
            return _resolve(spec["components"]["schemas"][name], spec)
        return {k: _resolve(v, spec) for k, v in node.items() if k not in _DROPPED}
    if isinstance(node, list):
        return [_resolve(item, spec) for item in node]
    return node


def _parameters(operation: Mapping[str, Any], where: str, spec: Mapping[str, Any]) -> Any:
    return {
        p["name"]: _resolve(p["schema"], spec) for p in operation["parameters"] if p["in"] == where
    }


def extract(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The sandbox's extract of Twilio's v2010 spec (see the module docstring)."""
    messages = spec["paths"][MESSAGES_PATH]
    message = spec["paths"][MESSAGE_PATH]
    create = messages["post"]
    body = create["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    listing = messages["get"]
    list_schema = listing["responses"]["200"]["content"]["application/json"]["schema"]
    return {
        "source": "twilio/twilio-oai spec/json/twilio_api_v2010.json",
        "create_message": {
            "path": MESSAGES_PATH,
            "operation_id": create["operationId"],
            "security": [
                spec["components"]["securitySchemes"][name]
                for requirement in create["security"]
                for name in requirement
            ],
            "path_parameters": _parameters(create, "path", spec),
            "request": _resolve(body, spec),
        },
        "fetch_message": {
            "path": MESSAGE_PATH,
            "path_parameters": _parameters(message["get"], "path", spec),
        },
        "list_messages": {
            "path": MESSAGES_PATH,
            "path_parameters": _parameters(listing, "path", spec),
            "query_parameters": _parameters(listing, "query", spec),
            "response_keys": sorted(list_schema["properties"]),
        },
        "message": _resolve(spec["components"]["schemas"]["api.v2010.account.message"], spec),
    }


def write_extract(spec_path: Path, out: Path | None = None) -> Path:
    """Regenerate the shipped extract from the spec file at ``spec_path``."""
    out = out or Path(__file__).with_name(EXTRACT_NAME)
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    out.write_text(json.dumps(extract(spec), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return out


@cache
def shipped_extract() -> Mapping[str, Any]:
    """The extract shipped in this package."""
    text = resources.files(__package__).joinpath(EXTRACT_NAME).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@dataclass(frozen=True, slots=True)
class Violation:
    """One way a request broke the schema: the parameter, what kind of break, a message."""

    param: str
    kind: Literal["unknown", "required", "repeated", "value"]
    message: str


def _check_schema(schema: Mapping[str, Any], where: str) -> None:
    unknown = set(schema) - _KNOWN
    if unknown:
        raise SandboxError(f"{where}: schema keywords the sandbox cannot check: {sorted(unknown)}")
    if schema.get("format") not in (None, *_FORMATS):
        raise SandboxError(f"{where}: unknown format {schema['format']!r}")
    if schema.get("type") not in {"string", "integer", "number", "boolean", "array"}:
        raise SandboxError(f"{where}: unsupported type {schema.get('type')!r}")
    if schema.get("type") == "array":
        _check_schema(schema["items"], f"{where}[]")


def _format_ok(value: str, fmt: str) -> bool:
    if fmt == "phone-number":
        return bool(PHONE_NUMBER.match(value) or CHANNEL_ADDRESS.match(value))
    if fmt == "int64":
        return -(2**63) <= int(value) < 2**63
    if fmt == "uri":
        parts = urlsplit(value)
        return parts.scheme in {"http", "https"} and bool(parts.netloc)
    try:  # date-time
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _value_problem(value: str, schema: Mapping[str, Any]) -> str | None:
    kind = schema["type"]
    if kind == "integer" and not _INTEGER.match(value):
        return "must be an integer"
    if kind == "number" and not _NUMBER.match(value):
        return "must be a number"
    if kind == "boolean" and value.lower() not in {"true", "false"}:
        return "must be true or false"
    if kind in {"integer", "number"}:
        number = float(value)
        if "minimum" in schema and number < schema["minimum"]:
            return f"must be at least {schema['minimum']}"
        if "maximum" in schema and number > schema["maximum"]:
            return f"must be at most {schema['maximum']}"
    if "enum" in schema and value not in schema["enum"]:
        return f"must be one of {', '.join(schema['enum'])}"
    if "minLength" in schema and len(value) < schema["minLength"]:
        return f"must be at least {schema['minLength']} characters"
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        return f"must be at most {schema['maxLength']} characters"
    if "pattern" in schema and not re.search(schema["pattern"], value):
        return f"must match {schema['pattern']}"
    fmt = schema.get("format")
    ignore = schema.get("x-twilio", {}).get("ignoreFormat", False)
    if fmt is not None and not ignore and not _format_ok(value, fmt):
        return f"is not a valid {fmt}"
    return None


class FormSchema:
    """An OpenAPI object schema applied to a form body (repeated keys make an array)."""

    def __init__(self, schema: Mapping[str, Any], name: str = "request") -> None:
        if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
            raise SandboxError(f"{name}: expected an object schema with properties")
        self.properties: Mapping[str, Mapping[str, Any]] = schema["properties"]
        self.required: frozenset[str] = frozenset(schema.get("required", ()))
        for prop, sub in self.properties.items():
            _check_schema(sub, f"{name}.{prop}")

    def violations(self, form: Mapping[str, Sequence[str]]) -> list[Violation]:
        """Every violation in ``form`` (parameter → its values, in order of the schema)."""
        found = [
            Violation(name, "unknown", f"Unknown parameter '{name}'")
            for name in form
            if name not in self.properties
        ]
        for name in sorted(self.required - set(form)):
            found.append(Violation(name, "required", f"Missing required parameter '{name}'"))
        for name, schema in self.properties.items():
            values = form.get(name)
            if values is None:
                continue
            if schema["type"] != "array" and len(values) > 1:
                message = f"Parameter '{name}' was given more than once"
                found.append(Violation(name, "repeated", message))
                continue
            item = schema["items"] if schema["type"] == "array" else schema
            for value in values:
                problem = _value_problem(value, item)
                if problem is not None:
                    message = f"Parameter '{name}' {problem}: {value!r}"
                    found.append(Violation(name, "value", message))
        return found
