"""Hypothesis strategies for the report API's messages (protocol.report); the hub's tests
may use them too."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from protocol import report as r

times = st.floats(0.0, r.MAX_TIME, allow_nan=False)
event_ids = st.uuids(version=4).map(lambda u: u.hex)
tokens = st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True)
param_names = st.from_regex(r"[A-Za-z0-9_-]{1,32}", fullmatch=True)
u16 = st.integers(0, 0xFFFF)
counts = st.integers(0, 2**31 - 1)


def texts(max_size: int, *, empty: bool = False) -> st.SearchStrategy[str]:
    alphabet = st.characters(blacklist_categories=("Cc", "Cs"))
    strategy = st.text(alphabet, min_size=0 if empty else 1, max_size=max_size)
    return strategy if empty else strategy.filter(str.strip)


heartbeats = st.builds(
    r.Heartbeat,
    uptime_s=counts,
    software_version=texts(r.MAX_VERSION),
    power=st.sampled_from(r.POWER_SOURCES),
    battery_mv=st.none() | u16,
    radio_noise_dbm=st.none() | st.integers(-200, 0),
    disk_free_mb=st.none() | counts,
    temperature_c=st.none() | st.floats(-100.0, 200.0),
    alarm_state=st.sampled_from(r.ALARM_STATES),
    open_episodes=st.integers(0, 100),
    outbox_pending=counts,
    outbox_dropped=counts,
)


@st.composite
def sms_counts(draw: st.DrawFn) -> r.SmsCounts:
    expected = draw(st.integers(0, 100_000))
    accepted = draw(st.integers(0, expected))
    failed = draw(st.integers(0, expected - accepted))
    return r.SmsCounts(expected, accepted, failed)


@st.composite
def episodes(draw: st.DrawFn) -> r.EpisodeSummary:
    ended = draw(st.none() | times)
    return r.EpisodeSummary(
        episode_id=draw(event_ids),
        kind=draw(st.sampled_from(r.KINDS)),
        network=draw(u16),
        nodes=tuple(draw(st.lists(u16, min_size=1, max_size=r.MAX_NODES, unique=True))),
        presses=draw(st.integers(1, 100_000)),
        started_at=draw(times),
        silenced_at=draw(st.none() | times),
        ended_at=ended,
        end_reason=None if ended is None else draw(st.sampled_from(r.END_REASONS)),
        sms=draw(sms_counts()),
    )


@st.composite
def security_counts(draw: st.DrawFn) -> r.SecurityCount:
    first = draw(times)
    return r.SecurityCount(
        reason=draw(st.sampled_from(r.SECURITY_REASONS)),
        network=draw(st.none() | u16),
        src=draw(st.none() | u16),
        counter=draw(st.none() | st.integers(0, 0xFFFF_FFFF)),
        count=draw(st.integers(1, 2**31 - 1)),
        first_at=first,
        last_at=draw(st.floats(first, r.MAX_TIME, allow_nan=False)),
    )


@st.composite
def self_tests(draw: st.DrawFn) -> r.SelfTestResult:
    ok = draw(st.booleans())
    return r.SelfTestResult(
        ok=ok,
        skipped=False if ok else draw(st.booleans()),
        detail=draw(texts(r.MAX_TEXT, empty=True)),
        siren_ms=draw(st.integers(0, 60_000)),
    )


node_statuses = st.builds(
    r.NodeStatus,
    network=u16,
    address=u16,
    battery_mv=st.none() | u16,
    low_battery=st.booleans(),
    tamper=st.booleans(),
    external_power=st.booleans(),
    firmware=st.none() | texts(16),
    rssi=st.none() | st.integers(-200, 0),
    snr=st.none() | st.floats(-50.0, 50.0),
    last_heard_at=times,
)

command_results = st.builds(
    r.CommandResult,
    command_id=tokens,
    type=tokens,
    status=st.sampled_from(r.COMMAND_STATUSES),
    detail=texts(r.MAX_TEXT, empty=True),
)

bodies: st.SearchStrategy[r.EventBody] = st.one_of(
    episodes(), security_counts(), self_tests(), node_statuses, command_results
)


@st.composite
def events(draw: st.DrawFn) -> r.Event:
    return r.Event.of(draw(bodies), id=draw(event_ids), at=draw(times))


@st.composite
def reports(draw: st.DrawFn, max_events: int = 20) -> r.Report:
    batch = draw(st.lists(events(), max_size=max_events, unique_by=lambda e: e.id))
    return r.Report(
        controller_id=draw(st.integers(1, 2**31 - 1)),
        sent_at=draw(times),
        heartbeat=draw(st.none() | heartbeats),
        events=tuple(batch),
    )


scalars = (
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | texts(r.MAX_PARAM_TEXT, empty=True)
)
commands = st.builds(
    r.Command,
    id=tokens,
    type=st.sampled_from(r.COMMAND_TYPES) | tokens,
    issued_at=times,
    params=st.dictionaries(param_names, scalars, max_size=r.MAX_PARAMS),
)


@st.composite
def answers(draw: st.DrawFn) -> r.ReportAnswer:
    ids = draw(st.lists(event_ids, max_size=40, unique=True))
    split = draw(st.integers(0, len(ids)))
    return r.ReportAnswer(
        accepted=tuple(ids[:split]),
        duplicates=tuple(ids[split:]),
        commands=tuple(draw(st.lists(commands, max_size=5, unique_by=lambda c: c.id))),
        report_interval_s=draw(st.integers(*r.REPORT_INTERVAL_RANGE)),
    )


enrollments = st.builds(
    r.Enrollment,
    code=st.from_regex(r"[A-Z0-9-]{4,64}", fullmatch=True),
    name=texts(r.MAX_NAME),
    software_version=texts(r.MAX_VERSION),
)


@st.composite
def grants(draw: st.DrawFn) -> r.EnrollmentGrant:
    controller_id = draw(st.integers(1, 2**31 - 1))
    secret = draw(st.from_regex(r"[A-Za-z0-9_-]{32,128}", fullmatch=True))
    return r.EnrollmentGrant(
        controller_id=controller_id,
        credential=f"{controller_id}.{secret}",
        report_interval_s=draw(st.integers(*r.REPORT_INTERVAL_RANGE)),
    )


errors = st.builds(
    r.ErrorAnswer,
    error=tokens,
    message=texts(r.MAX_TEXT * 2),
    field=st.none() | texts(r.MAX_TEXT),
)

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)
"""Any JSON value (junk for the validators)."""
