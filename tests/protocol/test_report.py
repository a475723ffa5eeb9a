"""protocol.report: round trips, every refusal names its field, caps, junk, the doc's examples."""

from __future__ import annotations

import contextlib
import copy
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocol import report as r
from protocol.errors import ProtocolError
from tests.protocol import report_strategies as s

DOC = Path(__file__).resolve().parents[2] / "docs" / "hub-api.md"
EXAMPLE = re.compile(r"<!-- example: (\w+) -->\n```json\n(.*?)\n```", re.DOTALL)
MESSAGES: dict[str, type[r.Message]] = {
    cls.__name__: cls
    for cls in (r.Enrollment, r.EnrollmentGrant, r.Report, r.ReportAnswer, r.ErrorAnswer)
}
PARSERS: list[Callable[[bytes], r.Message]] = [
    r.parse_enrollment,
    r.parse_enrollment_grant,
    r.parse_report,
    r.parse_report_answer,
    r.parse_error,
]
EPISODE_ID = "0c6b4f1e9a2d4b7c8e5f3a1d2b9c7e6f"
T0 = 1_741_990_000.0


def doc_examples() -> list[tuple[str, Any]]:
    return [(name, json.loads(body)) for name, body in EXAMPLE.findall(DOC.read_text("utf-8"))]


def full_report() -> r.Report:
    """A report with every optional value set and one event of each type."""
    bodies: list[r.EventBody] = [
        r.EpisodeSummary(
            EPISODE_ID,
            "ROBO",
            2571,
            (7, 8),
            3,
            T0,
            T0 + 5,
            T0 + 900,
            "expired",
            r.SmsCounts(6, 5, 1),
        ),
        r.SecurityCount("replay", 2571, 7, 2, 4, T0, T0 + 30),
        r.SelfTestResult(ok=True, skipped=False, detail="sirena activada 1 s", siren_ms=1000),
        r.NodeStatus(2571, 8, 2900, True, False, False, "1.0", -97, 6.5, T0),
        r.CommandResult("c-381", "siren_test", "failed", "alarma en curso"),
    ]
    heartbeat = r.Heartbeat(86400, "0.1.0", "battery", 12400, -110, 12800, 48.7, "idle", 0, 5, 1)
    events = tuple(
        r.Event.of(body, id=f"{i:032x}", at=T0 + i) for i, body in enumerate(bodies, start=1)
    )
    return r.Report(12, T0 + 60, heartbeat, events)


def full_answer() -> r.ReportAnswer:
    return r.ReportAnswer(
        accepted=(f"{1:032x}", f"{2:032x}"),
        duplicates=(f"{3:032x}",),
        commands=(r.Command("c-382", "siren_test", T0, {"seconds": 1, "why": "prueba"}),),
        report_interval_s=60,
    )


def samples() -> list[tuple[type[r.Message], Any]]:
    found: list[tuple[type[r.Message], Any]] = [
        (MESSAGES[name], obj) for name, obj in doc_examples()
    ]
    found += [(r.Report, full_report().to_json()), (r.ReportAnswer, full_answer().to_json())]
    return found


def paths(value: Any, prefix: str = "") -> Iterator[str]:
    """Every path below a JSON value, in ReportError.field's notation."""
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            yield path
            yield from paths(item, path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            path = f"{prefix}[{index}]"
            yield path
            yield from paths(item, path)


def objects(value: Any, prefix: str = "") -> Iterator[str]:
    """The paths of every object (``""`` for the root), except free-form command params."""
    if isinstance(value, dict):
        if not prefix.endswith("params"):
            yield prefix
        for key, item in value.items():
            yield from objects(item, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from objects(item, f"{prefix}[{index}]")


def at(obj: Any, path: str) -> tuple[Any, str | int]:
    """The container holding ``path``'s value, and its key there."""
    parts: list[str | int] = [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", path)]
    for part in parts[:-1]:
        obj = obj[part]
    return obj, parts[-1]


def refusal(cls: type[r.Message], obj: Any) -> r.ReportError:
    with pytest.raises(r.ReportError) as info:
        cls.from_json(obj)
    return info.value


# --- the doc ------------------------------------------------------------------------------------


def test_the_doc_has_an_example_of_each_message() -> None:
    names = [name for name, _ in doc_examples()]
    assert set(names) == set(MESSAGES), names


@pytest.mark.parametrize(
    ("name", "obj"), doc_examples(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_the_doc_examples_are_valid_and_round_trip(name: str, obj: Any) -> None:
    message = MESSAGES[name].from_json(obj)
    assert message.to_json() == obj


def test_the_doc_report_example_has_every_event_type() -> None:
    report = next(r.Report.from_json(obj) for name, obj in doc_examples() if name == "Report")
    assert {e.type for e in report.events} == set(r.EVENT_TYPES)
    assert isinstance(report.events[0].body(), r.EpisodeSummary)


def test_the_doc_names_every_endpoint_and_error_code() -> None:
    text = DOC.read_text("utf-8")
    for value in (r.ENROLL_PATH, r.REPORTS_PATH):
        assert value in text
    for name in dir(r):
        if name.startswith("ERROR_"):
            assert f"`{getattr(r, name)}`" in text, name


# --- round trips ---------------------------------------------------------------------------------


@given(s.reports())
def test_report_round_trips(report: r.Report) -> None:
    assert r.Report.from_json(report.to_json()) == report
    assert r.parse_report(r.encode(report)) == report
    assert r.Report.from_json(json.loads(json.dumps(report.to_json()))) == report


@given(s.answers())
def test_answer_round_trips(answer: r.ReportAnswer) -> None:
    assert r.parse_report_answer(r.encode(answer)) == answer
    assert answer.acknowledged == set(answer.accepted) | set(answer.duplicates)


@given(st.one_of(s.enrollments, s.grants(), s.errors, s.heartbeats, s.commands, s.events()))
def test_every_message_round_trips(message: r.Message) -> None:
    assert type(message).from_json(message.to_json()) == message
    assert type(message).from_json(json.loads(r.encode(message))) == message


@given(s.bodies)
def test_event_bodies_round_trip_through_events(body: r.EventBody) -> None:
    event = r.Event.of(body, id="a" * 32, at=T0)
    assert event.type == body.TYPE
    assert event.body() == body
    assert r.Event.from_json(event.to_json()).body() == body


def test_numbers_may_arrive_as_integers() -> None:
    obj = full_report().to_json()
    obj["sent_at"] = 1741990075
    obj["heartbeat"]["temperature_c"] = 48
    report = r.Report.from_json(obj)
    assert report.sent_at == 1741990075.0
    assert report.heartbeat is not None
    assert report.heartbeat.temperature_c == 48.0


# --- every refusal names its field --------------------------------------------------------------


@pytest.mark.parametrize(("cls", "obj"), samples(), ids=lambda v: getattr(v, "__name__", ""))
def test_a_bad_value_anywhere_is_named_by_its_path(cls: type[r.Message], obj: Any) -> None:
    for path in paths(obj):
        bad = copy.deepcopy(obj)
        holder, key = at(bad, path)
        holder[key] = "\x00"  # wrong for every field: not a number, not a choice, a control char
        assert refusal(cls, bad).field == path


@pytest.mark.parametrize(("cls", "obj"), samples(), ids=lambda v: getattr(v, "__name__", ""))
def test_a_missing_or_unknown_key_is_named(cls: type[r.Message], obj: Any) -> None:
    for where in objects(obj):
        target = obj if not where else at(obj, where)[0][at(obj, where)[1]]
        prefix = f"{where}." if where else ""
        for key in list(target):
            bad = copy.deepcopy(obj)
            inner = bad if not where else at(bad, where)[0][at(bad, where)[1]]
            del inner[key]
            error = refusal(cls, bad)
            assert (error.field, error.message) == (prefix + key, "is missing")
        bad = copy.deepcopy(obj)
        inner = bad if not where else at(bad, where)[0][at(bad, where)[1]]
        inner["extra"] = 1
        error = refusal(cls, bad)
        assert (error.field, error.message) == (prefix + "extra", "is not a field of this object")


def mutated(path: str, value: Any, base: r.Message | None = None) -> r.ReportError:
    obj = (base or full_report()).to_json()
    holder, key = at(obj, path)
    holder[key] = value
    return refusal(type(base or full_report()), obj)


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("controller_id", 0, "controller_id"),
        ("controller_id", True, "controller_id"),
        ("sent_at", -1.0, "sent_at"),
        ("sent_at", r.MAX_TIME + 1, "sent_at"),
        ("heartbeat.power", "solar", "heartbeat.power"),
        ("heartbeat.temperature_c", 1e400, "heartbeat.temperature_c"),
        ("heartbeat.software_version", " ", "heartbeat.software_version"),
        ("heartbeat.software_version", "x" * 33, "heartbeat.software_version"),
        ("heartbeat.battery_mv", 70_000, "heartbeat.battery_mv"),
        ("events[0].id", "A" * 32, "events[0].id"),
        ("events[0].id", f"{2:032x}", "events[1].id"),  # the second of two equal ids
        ("events[0].type", "alarm", "events[0].type"),
        ("events[0].type", "security", "events[0].data.episode_id"),  # data of another type
        ("events[0].data.sms.accepted", 7, "events[0].data.sms.expected"),
        ("events[0].data.nodes", [7, 7], "events[0].data.nodes"),
        ("events[0].data.nodes", [], "events[0].data.nodes"),
        ("events[0].data.nodes", list(range(65)), "events[0].data.nodes"),
        ("events[0].data.nodes[1]", 65536, "events[0].data.nodes[1]"),
        ("events[0].data.end_reason", None, "events[0].data.end_reason"),
        ("events[0].data.kind", "robo", "events[0].data.kind"),
        ("events[1].data.last_at", T0 - 1, "events[1].data.last_at"),
        ("events[1].data.reason", "noise", "events[1].data.reason"),
        ("events[2].data.skipped", True, "events[2].data.skipped"),
        ("events[2].data.detail", "x" * 201, "events[2].data.detail"),
        ("events[2].data.detail", "a\nb", "events[2].data.detail"),
        ("events[2].data.detail", "\ud800", "events[2].data.detail"),
        ("events[3].data.snr", float("nan"), "events[3].data.snr"),
        ("events[4].data.status", "ok", "events[4].data.status"),
        ("events", [None] * 501, "events"),
    ],
)
def test_report_refusals_name_the_field(path: str, value: Any, field: str) -> None:
    assert mutated(path, value).field == field


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("accepted[1]", f"{1:032x}", "accepted[1]"),
        ("duplicates[0]", f"{1:032x}", "duplicates[0]"),
        ("report_interval_s", 5, "report_interval_s"),
        ("commands[0].id", "c 1", "commands[0].id"),
        ("commands[0].params", {f"k{i}": 1 for i in range(9)}, "commands[0].params"),
        ("commands[0].params.why", "x" * 65, "commands[0].params.why"),
        ("commands[0].params.seconds", [1], "commands[0].params.seconds"),
        ("commands[0].params", {"a b": 1}, "commands[0].params"),
        ("commands", [None] * 21, "commands"),
    ],
)
def test_answer_refusals_name_the_field(path: str, value: Any, field: str) -> None:
    assert mutated(path, value, full_answer()).field == field


def test_enrollment_rules() -> None:
    grant = r.EnrollmentGrant(12, "12." + "s" * 43, 60)
    assert "s" * 43 not in repr(grant)
    for credential in (
        "13." + "s" * 43,
        "12." + "s" * 31,
        "12.",
        "12:" + "s" * 43,
        "012." + "s" * 43,
    ):
        assert mutated("credential", credential, grant).field == "credential"
    enrollment = r.Enrollment("7KQ2-MX4P", "Pasaje Los Aromos", "0.1.0")
    assert mutated("code", "7kq2-mx4p", enrollment).field == "code"
    assert mutated("name", "x" * 65, enrollment).field == "name"
    assert r.normalize_code(" 7kq2 - mx4p\n") == "7KQ2-MX4P"


def test_credentials() -> None:
    credential = "12." + "s" * 43
    assert r.parse_credential(credential) == (12, "s" * 43)
    assert r.bearer(credential) == f"Bearer {credential}"
    assert r.credential_from_header(f"Bearer {credential}") == (12, "s" * 43)
    assert r.credential_from_header(f"bearer  {credential}") == (12, "s" * 43)
    for header in (None, "", credential, f"Basic {credential}", "Bearer 12.short"):
        with pytest.raises(r.ReportError):
            r.credential_from_header(header)


def test_constructors_validate_too() -> None:
    with pytest.raises(r.ReportError) as info:
        r.Heartbeat(1, "0.1.0", "solar", None, None, None, None, "idle", 0)
    assert info.value.field == "power"
    with pytest.raises(r.ReportError) as info:
        r.Event(id="a" * 32, type="episode", at=T0, data={"kind": "ROBO"})
    assert info.value.field.startswith("data.")


# --- caps and bytes ---------------------------------------------------------------------------


def largest_report() -> r.Report:
    """500 of the largest event there is, with the widest characters."""
    wide = "\U0001f6a8" * r.MAX_TEXT
    episode = r.EpisodeSummary(
        EPISODE_ID,
        "EMERGENCIA_MEDICA",
        65535,
        tuple(range(65535 - r.MAX_NODES, 65535)),
        100_000,
        r.MAX_TIME - 0.123456789,
        r.MAX_TIME - 0.123456789,
        r.MAX_TIME - 0.123456789,
        "cancelled",
        r.SmsCounts(100_000, 50_000, 50_000),
    )
    bodies: list[r.EventBody] = [
        episode,
        r.SelfTestResult(False, True, wide, 60_000),
        r.CommandResult("c" * 64, "t" * 64, "failed", wide),
    ]
    largest = max(bodies, key=lambda b: len(json.dumps(b.to_json(), ensure_ascii=False).encode()))
    events = tuple(
        r.Event.of(largest, id=f"{i:032x}", at=r.MAX_TIME - 0.123456789)
        for i in range(r.MAX_EVENTS)
    )
    heartbeat = r.Heartbeat(
        2**31 - 1,
        wide[: r.MAX_VERSION],
        "unknown",
        65535,
        -200,
        2**31 - 1,
        -99.123456789,
        "silent_alert",
        100,
        2**31 - 1,
        2**31 - 1,
    )
    return r.Report(2**31 - 1, r.MAX_TIME - 0.123456789, heartbeat, events)


def test_the_largest_report_fits_the_byte_cap() -> None:
    body = r.encode(largest_report())
    assert len(body) <= r.MAX_REPORT_BYTES
    assert r.parse_report(body) == largest_report()


def test_the_largest_answer_fits_its_byte_cap() -> None:
    wide = "\U0001f6a8" * r.MAX_PARAM_TEXT
    params = {f"{i}" * 32: wide for i in range(r.MAX_PARAMS)}
    answer = r.ReportAnswer(
        accepted=tuple(f"{i:032x}" for i in range(r.MAX_EVENTS)),
        duplicates=tuple(f"{i + r.MAX_EVENTS:032x}" for i in range(r.MAX_EVENTS)),
        commands=tuple(
            r.Command(f"{i:02d}" + "c" * 62, "t" * 64, r.MAX_TIME, params)
            for i in range(r.MAX_COMMANDS)
        ),
        report_interval_s=3600,
    )
    assert len(r.encode(answer)) <= r.MAX_ANSWER_BYTES


@pytest.mark.parametrize(
    ("parse", "limit"),
    [
        (r.parse_report, r.MAX_REPORT_BYTES),
        (r.parse_report_answer, r.MAX_ANSWER_BYTES),
        (r.parse_enrollment, r.MAX_ENROLL_BYTES),
        (r.parse_enrollment_grant, r.MAX_ENROLL_BYTES),
        (r.parse_error, r.MAX_ERROR_BYTES),
    ],
)
def test_bodies_over_their_cap_are_too_large(
    parse: Callable[[bytes], r.Message], limit: int
) -> None:
    with pytest.raises(r.ReportTooLarge) as info:
        parse(b" " * (limit + 1))
    assert info.value.field == "body"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"", "body"),
        (b"\xff{}", "body"),
        (b"[]", "body"),
        (b"null", "body"),
        (b'{"controller_id": NaN}', "body"),
        (b'{"controller_id": Infinity}', "body"),
        (b'{"controller_id": 1, "controller_id": 2}', "controller_id"),
        (b"[" * 100_000, "body"),
        (b'{"controller_id": ' + b"9" * 5000 + b"}", "body"),
    ],
)
def test_bad_bytes_are_refused_as_the_body(body: bytes, field: str) -> None:
    with pytest.raises(r.ReportError) as info:
        r.parse_report(body)
    assert info.value.field == field


def test_report_error_is_a_protocol_error_and_a_value_error() -> None:
    error = r.ReportError("heartbeat.power", "must be one of ac, battery, unknown")
    assert isinstance(error, ProtocolError)
    assert isinstance(error, ValueError)
    assert str(error) == "heartbeat.power: must be one of ac, battery, unknown"


# --- junk never raises anything but ReportError ------------------------------------------------


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(MESSAGES.values(), key=lambda c: c.__name__)), s.json_values)
def test_junk_objects_raise_only_report_error(cls: type[r.Message], junk: Any) -> None:
    with contextlib.suppress(r.ReportError):
        cls.from_json(junk)


@given(st.sampled_from(PARSERS), st.binary(max_size=300))
def test_junk_bytes_raise_only_report_error(
    parse: Callable[[bytes], r.Message], junk: bytes
) -> None:
    with contextlib.suppress(r.ReportError):
        parse(junk)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_valid_report_with_one_value_replaced_raises_only_report_error(
    data: st.DataObject,
) -> None:
    obj = data.draw(s.reports(max_events=4)).to_json()
    places = list(paths(obj))
    path = data.draw(st.sampled_from(places))
    holder, key = at(obj, path)
    holder[key] = data.draw(s.json_values)
    named = True
    try:
        r.Report.from_json(obj)
    except r.ReportError as exc:
        named = bool(exc.field)
    assert named
