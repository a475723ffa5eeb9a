"""The controller API's OpenAPI 3.1 document, generated so it cannot drift from the code.

- **Paths** come from the routes table: every route under ``/api/v1`` must have an entry
  in :data:`OPERATIONS` and every entry a route, or :func:`openapi_document` raises.
- **Schemas** come from :mod:`protocol.report`: each message's ``_checks`` are read back
  into JSON Schema (the bounds, patterns, choices and nesting of ``integer(…)``,
  ``text(…)``, ``pattern(…)``…). A check this module does not know raises, so a change to
  the protocol's checks shows up here as a failing test, never as a stale document.

Rules between fields (``accepted + failed ≤ expected``, unique event ids, a self-test not
both ok and skipped…) are not expressible in JSON Schema; the hub refuses them with 400.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from hub.routing import Route
from protocol import report
from protocol.report import API_PREFIX, BODIES, ENROLL_PATH, REPORTS_PATH, Message

OPENAPI_PATH: Final = f"{API_PREFIX}/openapi.json"
JSON: Final = "application/json"
_CHAR: Final = "[^\\x00-\\x1f\\x7f-\\x9f]"
"""A character :func:`protocol.schema.text` accepts (no C0 or C1 control)."""
NO_CONTROL: Final = f"^{_CHAR}*$"
NOT_BLANK: Final = f"^{_CHAR}*[^\\s\\x00-\\x1f\\x7f-\\x9f]{_CHAR}*$"
MESSAGES: Final[tuple[type[Message], ...]] = (
    report.Enrollment,
    report.EnrollmentGrant,
    report.Heartbeat,
    report.SmsCounts,
    *BODIES.values(),
    report.Report,
    report.Command,
    report.ReportAnswer,
    report.ErrorAnswer,
)

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _closure(check: Callable[..., Any]) -> dict[str, Any]:
    cells = check.__closure__ or ()
    return dict(zip(check.__code__.co_freevars, (c.cell_contents for c in cells), strict=True))


def _nullable(schema: Schema) -> Schema:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    nullable = dict(schema)
    nullable["type"] = [schema["type"], "null"]
    if "enum" in schema:
        nullable["enum"] = [*schema["enum"], None]
    return nullable


_PARAMS: Final[Schema] = {
    "type": "object",
    "maxProperties": report.MAX_PARAMS,
    "propertyNames": {"pattern": "^[A-Za-z0-9_-]{1,32}$"},
    "additionalProperties": {
        "anyOf": [
            {"type": "string", "maxLength": report.MAX_PARAM_TEXT, "pattern": NO_CONTROL},
            {"type": "number", "minimum": -(2**53), "maximum": 2**53},
            {"type": "boolean"},
            {"type": "null"},
        ]
    },
}


def describe(check: Callable[..., Any]) -> Schema:
    """The JSON Schema of one of :mod:`protocol.schema`'s checks."""
    name = check.__qualname__.split(".")[0]
    free = _closure(check)
    if name == "integer":
        return {"type": "integer", "minimum": free["low"], "maximum": free["high"]}
    if name == "number":
        return {"type": "number", "minimum": free["low"], "maximum": free["high"]}
    if name == "boolean":
        return {"type": "boolean"}
    if name == "text":
        minimum = 0 if free["empty"] else 1
        pattern = NO_CONTROL if free["empty"] else NOT_BLANK
        return {
            "type": "string",
            "minLength": minimum,
            "maxLength": free["max_len"],
            "pattern": pattern,
        }
    if name == "pattern":
        return {"type": "string", "pattern": f"^(?:{free['regex'].pattern})$"}
    if name == "choice":
        return {"type": "string", "enum": list(free["options"])}
    if name == "optional":
        return _nullable(describe(free["inner"]))
    if name == "nested":
        return ref(free["cls"].__name__)
    if name == "sequence":
        return {
            "type": "array",
            "items": describe(free["item"]),
            "minItems": free["min_len"],
            "maxItems": free["max_len"],
        }
    if name == "_params":
        return dict(_PARAMS)
    if name == "_data":  # an event's data: each Event_<type> variant names its schema
        return {"type": "object"}
    raise TypeError(f"no JSON Schema for the check {check.__qualname__}; teach hub.fleet.openapi")


def message_schema(cls: type[Message]) -> Schema:
    """A message as a closed object: every key required, none other allowed."""
    return {
        "type": "object",
        "description": (cls.__doc__ or cls.__name__).strip().splitlines()[0],
        "additionalProperties": False,
        "required": list(cls._checks),
        "properties": {name: describe(check) for name, check in cls._checks.items()},
    }


def schemas() -> dict[str, Schema]:
    """``components.schemas``: every message of the API, events one variant per type."""
    found = {cls.__name__: message_schema(cls) for cls in MESSAGES}
    event = message_schema(report.Event)
    variants = []
    for event_type, body in BODIES.items():
        variant = dict(event)
        variant["description"] = f"An event of type {event_type}."
        variant["properties"] = {
            **event["properties"],
            "type": {"const": event_type},
            "data": ref(body.__name__),
        }
        found[f"Event_{event_type}"] = variant
        variants.append(ref(f"Event_{event_type}"))
    found["Event"] = {"description": "One event; `type` decides `data`.", "oneOf": variants}
    found["HubError"] = {
        "type": "object",
        "description": "The hub's own error form (401 before any view; unknown paths).",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "title", "message"],
                "properties": {
                    "status": {"type": "integer"},
                    "title": {"type": "string"},
                    "message": {"type": "string"},
                },
            }
        },
    }
    return found


def _answer(description: str, schema: Schema, **headers: str) -> Schema:
    answer: Schema = {"description": description, "content": {JSON: {"schema": schema}}}
    if headers:
        answer["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in headers.items()
        }
    return answer


def _body(name: str) -> Schema:
    return {"required": True, "content": {JSON: {"schema": ref(name)}}}


_REFUSED: Final = ref("ErrorAnswer")
_UNAUTHORIZED: Final = _answer(
    "No valid credential.", ref("HubError"), **{"WWW-Authenticate": "Bearer or Cookie"}
)
OPERATIONS: Final[Mapping[tuple[str, str], Schema]] = {
    ("POST", ENROLL_PATH): {
        "operationId": "enroll",
        "summary": "Exchange a one-time enrollment code for the controller's credential.",
        "security": [],
        "requestBody": _body("Enrollment"),
        "responses": {
            "201": _answer("Enrolled: the credential, shown this once.", ref("EnrollmentGrant")),
            "400": _answer("Invalid body, or the code is unknown, expired or used.", _REFUSED),
            "413": _answer("The body is over 4 KiB.", _REFUSED),
            "429": _answer(
                "Too many wrong codes from this address.",
                _REFUSED,
                **{"Retry-After": "seconds to wait"},
            ),
        },
    },
    ("POST", REPORTS_PATH): {
        "operationId": "report",
        "summary": "A heartbeat and a batch of events; the answer acknowledges them and "
        "carries the pending commands.",
        "security": [{"controller": []}],
        "requestBody": _body("Report"),
        "responses": {
            "200": _answer("Stored (or already stored).", ref("ReportAnswer")),
            "400": _answer("Invalid report; `field` names the first bad value.", _REFUSED),
            "401": _UNAUTHORIZED,
            "413": _answer("The body is over 1 MiB.", _REFUSED),
        },
    },
    ("GET", OPENAPI_PATH): {
        "operationId": "openapi",
        "summary": "This document (for signed-in hub users).",
        "security": [{"session": []}],
        "responses": {
            "200": _answer("The OpenAPI document.", {"type": "object"}),
            "401": _UNAUTHORIZED,
        },
    },
}


def api_routes(routes: Iterable[Route]) -> list[Route]:
    return [entry for entry in routes if entry.path.startswith(API_PREFIX + "/")]


def openapi_document(routes: Iterable[Route]) -> dict[str, Any]:
    """The document for the ``/api/v1`` routes of ``routes``; ``LookupError`` when a route
    has no operation here or an operation no route."""
    paths: dict[str, dict[str, Schema]] = {}
    seen = set()
    for entry in api_routes(routes):
        key = (entry.method, entry.path)
        if key not in OPERATIONS:
            raise LookupError(f"{entry.method} {entry.path} is not described in OPERATIONS")
        paths.setdefault(entry.path, {})[entry.method.lower()] = OPERATIONS[key]
        seen.add(key)
    missing = sorted(set(OPERATIONS) - seen)
    if missing:
        raise LookupError(f"OPERATIONS describes routes that do not exist: {missing}")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sereno: API de los controladores de calle",
            "version": "1",
            "description": "What a street controller sends the municipal hub "
            "(docs/hub-api.md); schemas generated from protocol.report.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "controller": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The controller's credential `<controller_id>.<secret>`.",
                },
                "session": {"type": "apiKey", "in": "cookie", "name": "sereno_sesion"},
            },
        },
    }
