"""The controller API's OpenAPI document stays true to the code: its paths are the routes
table's ``/api/v1`` routes (and only those), its schemas accept the examples of
docs/hub-api.md and refuse what :mod:`protocol.report` refuses by shape, and schemathesis,
run against the real hub on loopback, finds no 5xx and no answer the document does not
describe."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import hypothesis
import jsonschema_rs
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hub import keys
from hub.config import HubConfig
from hub.fleet import controllers
from hub.fleet.openapi import OPENAPI_PATH, api_routes, describe, openapi_document
from hub.roles import Role
from hub.routes import ROUTES
from hub.routing import CONTROLLER, route
from hub.server import running_hub
from hub.storage import HubDB
from protocol import report as r
from tests.hub.conftest import FAST_HASHING, Client, FakeClock, add_user, signed_in
from tests.hub.test_fleet_support import issue_code

DOCS = Path(__file__).resolve().parents[2] / "docs" / "hub-api.md"
EXAMPLE = re.compile(r"<!-- example: (\w+) -->\s*```json\n(.*?)```", re.S)
MAX_EXAMPLES = 30


def validator(document: dict[str, Any], name: str) -> Any:
    root = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return jsonschema_rs.Draft202012Validator(root)


def test_every_api_route_is_documented_and_nothing_else() -> None:
    document = openapi_document(ROUTES)
    documented = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    assert documented == {(e.method, e.path) for e in api_routes(ROUTES)}
    assert documented == {
        ("POST", r.ENROLL_PATH),
        ("POST", r.REPORTS_PATH),
        ("GET", OPENAPI_PATH),
    }


def test_a_route_without_an_operation_or_the_reverse_is_an_error() -> None:
    extra = route("POST", "/api/v1/otra", lambda request: None, name="x", access=CONTROLLER)  # type: ignore[arg-type,return-value]
    with pytest.raises(LookupError, match="/api/v1/otra is not described"):
        openapi_document((*ROUTES, extra))
    without = [entry for entry in ROUTES if entry.path != r.REPORTS_PATH]
    with pytest.raises(LookupError, match="do not exist"):
        openapi_document(without)


def test_an_unknown_check_is_an_error() -> None:
    def odd(value: object, name: str) -> object:
        return value

    with pytest.raises(TypeError, match="no JSON Schema for the check"):
        describe(odd)


def test_the_docs_examples_fit_the_schemas() -> None:
    document = openapi_document(ROUTES)
    examples = EXAMPLE.findall(DOCS.read_text(encoding="utf-8"))
    assert {name for name, _ in examples} >= {
        "Enrollment", "EnrollmentGrant", "Report", "ReportAnswer", "ErrorAnswer",
    }  # fmt: skip
    for name, text in examples:
        value = json.loads(text)
        getattr(r, name).from_json(value)  # the protocol takes it…
        errors = [e.message for e in validator(document, name).iter_errors(value)]
        assert errors == [], f"{name}: {errors}"  # …and so does the document


def test_the_schemas_refuse_what_the_protocol_refuses_by_shape() -> None:
    document = openapi_document(ROUTES)
    examples = dict(EXAMPLE.findall(DOCS.read_text(encoding="utf-8")))
    report = json.loads(examples["Report"])
    broken: list[dict[str, Any]] = [
        {**report, "extra": 1},
        {**report, "controller_id": 0},
        {**report, "heartbeat": {**report["heartbeat"], "power": "solar"}},
        {**report, "events": [{**report["events"][0], "type": "otro"}]},
        {**report, "events": [{**report["events"][0], "data": report["events"][1]["data"]}]},
        {**report, "events": [{**report["events"][0], "id": "E191CDEF44EE4B18B4EC82A4957260B5"}]},
        {k: v for k, v in report.items() if k != "heartbeat"},
    ]
    check = validator(document, "Report")
    for value in broken:
        assert not check.is_valid(value)
        with pytest.raises(r.ReportError):
            r.Report.from_json(value)
    assert check.is_valid({**report, "heartbeat": None, "events": []})
    enrollment = validator(document, "Enrollment")
    assert not enrollment.is_valid({"code": "7kq2", "name": "A", "software_version": "1"})
    assert not enrollment.is_valid({"code": "7KQ2", "name": "a\nb", "software_version": "1"})
    assert not enrollment.is_valid({"code": "7KQ2", "name": "   ", "software_version": "1"})
    assert enrollment.is_valid({"code": "7KQ2", "name": "Pasaje Ñuñoa", "software_version": "1"})


async def test_the_hub_serves_the_document_to_signed_in_people(client: Client) -> None:
    assert (await client.get(OPENAPI_PATH)).status == 401
    user = add_user(client, Role.GESTOR)
    identity = signed_in(client, user)
    response = await client.get(OPENAPI_PATH, cookies=identity.cookies)
    assert response.status == 200
    table = client.app[keys.routes]
    assert await response.json() == openapi_document(table)


CHECKS: Final = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def run_schemathesis(
    document: dict[str, Any], base_url: str, credential: str, cid: int, cookie: str
) -> Counter[tuple[str, int]]:
    """Every operation, positive and negative data, checked; (path, status) of each call."""
    calls: Counter[tuple[str, int]] = Counter()
    with requests.Session() as session:
        for result in schemathesis.openapi.from_dict(document).get_all_operations():
            assert isinstance(result, Ok), result
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                auth = Auth(credential, cid, cookie, positive=mode is GenerationMode.POSITIVE)
                strategy = result.ok().as_strategy(generation_mode=mode)
                fuzz(strategy, auth, base_url, session, calls)
    return calls


@dataclass(frozen=True)
class Auth:
    credential: str
    controller_id: int
    cookie: str
    positive: bool

    def headers(self, case: Any) -> dict[str, str]:
        """The caller's credentials; a positive report gets its controller's own id."""
        if case.path == r.REPORTS_PATH:
            if isinstance(case.body, dict) and self.positive:
                case.body["controller_id"] = self.controller_id
            return {"Authorization": r.bearer(self.credential)}
        if case.path == OPENAPI_PATH:
            return {"Cookie": f"sereno_sesion={self.cookie}"}
        return {}


def fuzz(
    strategy: Any,
    auth: Auth,
    base_url: str,
    session: requests.Session,
    calls: Counter[tuple[str, int]],
) -> None:
    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    def call(case: Any) -> None:
        headers = auth.headers(case)
        response = case.call_and_validate(
            base_url=base_url, session=session, headers=headers, checks=CHECKS
        )
        calls[case.path, response.status_code] += 1

    call()


async def test_schemathesis_finds_no_server_error(tmp_path: Path, clock: FakeClock) -> None:
    config = HubConfig(db_path=tmp_path / "hub.db", port=0, password_hashing=FAST_HASHING)
    async with running_hub(config, clock=clock) as hub:
        db: HubDB = hub.app[keys.db]
        enrollment = r.Enrollment(issue_code(db, at=clock()), "Pasaje", "0.1.0")
        grant = controllers.enroll(db, enrollment, ip="127.0.0.1", at=clock())
        user = add_user(db, Role.UNIDAD_ALARMAS)
        token, _ = db.sessions.start(user, at=clock(), lifetime_s=3600)
        table = hub.app[keys.routes]
        document = openapi_document(table)
        calls = await asyncio.to_thread(
            run_schemathesis, document, hub.url, grant.credential, grant.controller_id, token
        )
    print(sorted(calls.items()))
    assert calls.total() >= 3 * MAX_EXAMPLES
    assert {(r.REPORTS_PATH, 200), (r.REPORTS_PATH, 400), (r.ENROLL_PATH, 400)} <= set(calls)
    assert all(status < 500 for _, status in calls)
