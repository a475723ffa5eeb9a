"""controller.toml ``[hub]``: reports, credential file, self-test schedule, outbox bound."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.config import HubConfig, SelfTestSchedule, load_config
from controller.errors import ConfigError

HEAD = '[controller]\nname = "Pasaje Los Aromos"\nnetwork_id = 2571\n[radio]\nkind = "emulated"\n'


def hub_config(tmp_path: Path, hub: str) -> HubConfig:
    path = tmp_path / "controller.toml"
    path.write_text(HEAD + "[hub]\n" + hub, encoding="utf-8")
    return load_config(path).hub


def test_the_defaults() -> None:
    hub = HubConfig()
    assert (hub.url, hub.report_interval_seconds, hub.timezone, hub.power) == (
        None,
        60,
        "America/Santiago",
        "unknown",
    )
    assert hub.self_test == SelfTestSchedule("sat", 12, 0)
    assert str(hub.self_test) == "sat 12:00"
    assert (hub.outbox_max_events, hub.outbox_max_mb) == (50_000, 64)
    assert hub.credential_path(Path("/var/lib/sereno")) == Path("/var/lib/sereno/hub-credential")


def test_every_key(tmp_path: Path) -> None:
    hub = hub_config(
        tmp_path,
        'url = "https://alarmas.maipu.cl/"\nreport_interval_seconds = 30\n'
        'credential_file = "claves/hub"\nself_test = "sábado 9:30"\n'
        'timezone = "America/Punta_Arenas"\noutbox_max_events = 100000\noutbox_max_mb = 8\n'
        'power = "ac"\n',
    )
    assert hub.url == "https://alarmas.maipu.cl"
    assert hub.report_interval_seconds == 30
    assert hub.credential_file == tmp_path / "claves" / "hub"
    assert hub.credential_path(Path("/otra")) == tmp_path / "claves" / "hub"
    assert hub.self_test == SelfTestSchedule("sat", 9, 30)
    assert (hub.timezone, hub.outbox_max_events, hub.outbox_max_mb, hub.power) == (
        "America/Punta_Arenas",
        100_000,
        8,
        "ac",
    )


@pytest.mark.parametrize(
    ("text", "schedule"),
    [
        ("SAT 12:00", SelfTestSchedule("sat", 12, 0)),
        ("dom 23:59", SelfTestSchedule("sun", 23, 59)),
        (" miércoles 7:05 ", SelfTestSchedule("wed", 7, 5)),
        ("Lunes 00:00", SelfTestSchedule("mon", 0, 0)),
        ("off", None),
    ],
)
def test_self_test_schedules(tmp_path: Path, text: str, schedule: SelfTestSchedule | None) -> None:
    assert hub_config(tmp_path, f'self_test = "{text}"\n').self_test == schedule


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("report_interval_seconds = 5", "[hub] report_interval_seconds"),
        ('self_test = "viernes 25:00"', "[hub] self_test"),
        ('self_test = "martes"', "[hub] self_test"),
        ('self_test = "feriado 12:00"', "[hub] self_test"),
        ("self_test = 12", "[hub] self_test"),
        ('timezone = "Marte/Olympus"', "[hub] timezone"),
        ('timezone = "../etc/passwd"', "[hub] timezone"),
        ('power = "solar"', "[hub] power"),
        ("outbox_max_events = 10", "[hub] outbox_max_events"),
        ("outbox_max_mb = 0", "[hub] outbox_max_mb"),
        ('url = "ftp://hub"', "[hub] url"),
        ("intervalo = 60", "[hub] intervalo"),
    ],
)
def test_bad_values_are_refused_by_name(tmp_path: Path, line: str, field: str) -> None:
    with pytest.raises(ConfigError) as info:
        hub_config(tmp_path, line + "\n")
    (problem,) = info.value.problems
    assert field in problem
