"""Enrollment: one-time codes that expire, credentials stored hashed, bearer auth on reports,
and ``sereno hub enroll-code``."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from click.testing import CliRunner

from hub.fleet import controllers
from hub.storage import HubDB
from protocol import report as r
from sereno.cli import main
from tests.hub.conftest import Client, FakeClock, db_of
from tests.hub.test_fleet_support import enroll, enrolled, issue_code, make_report


async def test_a_code_works_once(client: Client, clock: FakeClock) -> None:
    code = issue_code(db_of(client), at=clock())
    status, body = await enroll(client, code)
    assert status == 201
    grant = r.EnrollmentGrant.from_json(body)
    assert grant.credential.startswith(f"{grant.controller_id}.")
    assert grant.report_interval_s == 60
    again_status, again = await enroll(client, code)
    assert again_status == 400
    assert again == {
        "error": "code_used",
        "message": "El código de inscripción ya fue usado; pida uno nuevo a la Unidad de "
        "Alarmas Comunitarias.",
        "field": None,
    }


async def test_a_code_is_accepted_as_people_type_it(client: Client, clock: FakeClock) -> None:
    code = issue_code(db_of(client), at=clock())
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", code)
    status, _ = await enroll(client, code.replace("-", " ").lower())
    assert status == 201


async def test_a_code_expires(client: Client, clock: FakeClock) -> None:
    code = issue_code(db_of(client), at=clock())
    clock.advance(48 * 3600 + 1)
    status, body = await enroll(client, code)
    assert status == 400 and body["error"] == "code_expired"
    assert body["message"].startswith("El código de inscripción venció")


async def test_a_wrong_code_is_refused_in_spanish(client: Client) -> None:
    status, body = await enroll(client, "ABCD-EFGH")
    assert status == 400 and body["error"] == "code_unknown"
    assert "no existe" in body["message"]
    response = await client.post(
        r.ENROLL_PATH, data=b'{"code": "x", "name": "Pasaje", "software_version": "0.1"}'
    )
    answer = r.parse_error(await response.read())
    assert response.status == 400 and answer.error == "invalid" and answer.field == "code"
    assert answer.message.startswith("Pedido de inscripción inválido: ")


async def test_what_the_caller_sent_is_quoted_safely(client: Client) -> None:
    for key, shown in (('"\\u0001x"', "?x"), ('"  "', "??"), ('"\\ud800"', "?")):
        body = b'{"code": "ABCD", "name": "A", "software_version": "1", ' + key.encode() + b": 1}"
        response = await client.post(r.ENROLL_PATH, data=body)
        answer = r.parse_error(await response.read())
        assert response.status == 400 and answer.field == shown, key


async def test_too_many_wrong_codes_from_one_address_wait(client: Client, clock: FakeClock) -> None:
    for _ in range(controllers.ENROLL_FAILURES_PER_IP):
        assert (await enroll(client, "ZZZZ-ZZZZ"))[0] == 400
    code = issue_code(db_of(client), at=clock())
    response = await client.post(
        r.ENROLL_PATH,
        data=r.encode(r.Enrollment(code, "Pasaje", "0.1.0")),
    )
    assert response.status == 429 and int(response.headers["Retry-After"]) > 0
    assert (await response.json())["error"] == "rate_limited"
    clock.advance(controllers.ENROLL_WINDOW_S + 1)
    assert (await enroll(client, code))[0] == 201


async def test_only_hashes_are_stored(client: Client, clock: FakeClock) -> None:
    code = issue_code(db_of(client), at=clock())
    _, body = await enroll(client, code)
    grant = r.EnrollmentGrant.from_json(body)
    _, secret = r.parse_credential(grant.credential)
    dump = "\n".join(db_of(client).db.iterdump())
    assert secret not in dump and code not in dump and code.replace("-", "") not in dump
    stored = (
        db_of(client)
        .db.execute(
            "SELECT secret_sha256 FROM controller_credentials WHERE controller_id = ?",
            [grant.controller_id],
        )
        .fetchone()[0]
    )
    assert stored == hashlib.sha256(secret.encode()).hexdigest()


async def test_reports_need_the_controllers_own_credential(
    client: Client, clock: FakeClock
) -> None:
    first = await enrolled(client)
    second = await enrolled(client, name="Calle Dos")
    body = r.encode(make_report(first, at=clock()))
    _, secret = r.parse_credential(first.credential)
    for authorization in (
        None,
        "Basic dXNlcjpwYXNz",
        f"Bearer {first.credential}x",
        f"Bearer {second.controller_id}.{secret}",
        f"Bearer 999.{secret}",
        "Bearer",
    ):
        headers = {} if authorization is None else {"Authorization": authorization}
        response = await client.post(r.REPORTS_PATH, data=body, headers=headers)
        assert response.status == 401, authorization
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    # A valid credential of another controller: its own id must be the report's.
    response = await client.post(r.REPORTS_PATH, data=body, headers=second.headers)
    answer = r.parse_error(await response.read())
    assert response.status == 400 and answer.field == "controller_id"
    response = await client.post(r.REPORTS_PATH, data=body, headers=first.headers)
    assert response.status == 200


async def test_enrollment_takes_the_codes_name_and_barrio(client: Client) -> None:
    who = await enrolled(client, name="Pasaje Los Aromos", barrio="Villa  los héroes")
    again = await enrolled(client, name="Calle Dos", barrio="VILLA LOS héroes")
    db = db_of(client)
    first, second = controllers.get(db, who.controller_id), controllers.get(db, again.controller_id)
    assert first.barrio == second.barrio == "Villa los héroes"
    assert first.name == "Pasaje Los Aromos" and first.software_version == "0.1.0"
    history = db.audit.history(first.subject)
    assert [entry.action for entry in history] == ["controller.enroll"]


def test_enroll_code_prints_the_code_once_in_spanish(tmp_path: Path) -> None:
    db_path = tmp_path / "hub.db"
    result = CliRunner().invoke(
        main,
        ["hub", "enroll-code", "--db", str(db_path), "--name", "Pasaje Los Aromos",
         "--barrio", "Villa Los Héroes", "--hours", "24"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    code = re.search(r"^  ([A-Z0-9]{4}-[A-Z0-9]{4})$", result.output, re.M)
    assert code, result.output
    assert (
        "Código de inscripción para «Pasaje Los Aromos» (barrio Villa Los Héroes)" in result.output
    )
    assert "Sirve una sola vez y vence el" in result.output
    with HubDB.open(db_path) as db:
        (stored,) = controllers.enrollment_codes(db)
        assert stored.expires_at - stored.created_at == 24 * 3600
        assert stored.created_by.startswith("sereno hub enroll-code")
        row = db.db.execute("SELECT code_sha256 FROM enrollment_codes").fetchone()
        assert row[0] == controllers.code_hash(code[1])
    refused = CliRunner().invoke(
        main, ["hub", "enroll-code", "--db", str(db_path), "--name", " ", "--barrio", "X"]
    )
    assert refused.exit_code == 1 and "Escriba el nombre del controlador" in refused.stderr
