"""The on-duty phones: an SMS for each critical alarm, reminders until someone acknowledges
it, none while its controller is in maintenance; and the notifier ``sereno hub serve``
builds over controller.sms and the local sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpClient

from controller.sms.settings import ENV_NAMES
from hub.app import create_app
from hub.config import HubConfig, load_config
from hub.errors import ConfigError
from hub.fleet import alarms, oncall
from hub.fleet.alarms import AlarmType
from hub.notify import MemoryNotifier
from hub.storage import Actor
from sereno.hub_cli import SmsAlarmNotifier, with_alarm_sms
from sereno.sms_sandbox import SandboxConfig, running_sandbox
from tests.hub.conftest import Client, FakeClock, db_of
from tests.hub.test_fleet_support import (
    alarm_of,
    beat,
    enrolled,
    event,
    heartbeat,
    open_window,
    self_test,
    watch,
    with_notifier,
)

PHONES = ("+56987654321", "+56912345678")
REMINDER_S = 30 * 60


@pytest.fixture
def notifier() -> MemoryNotifier:
    return MemoryNotifier()


@pytest.fixture
async def paging(
    aiohttp_client: AiohttpClient, config: HubConfig, clock: FakeClock, notifier: MemoryNotifier
) -> Client:
    return await aiohttp_client(create_app(with_notifier(config, notifier, *PHONES), clock=clock))


async def test_a_critical_alarm_texts_the_on_duty_phones_until_acknowledged(
    paging: Client, clock: FakeClock, notifier: MemoryNotifier
) -> None:
    who = await enrolled(paging, name="Pasaje Los Aromos Ñuñoa")
    await beat(paging, who, event(self_test(ok=False), at=clock()))
    await beat(paging, who, beat=heartbeat(power="battery"))  # a warning: no SMS
    await watch(paging)
    assert [phone for phone, _ in notifier.sent] == list(PHONES)
    text = notifier.sent[0][1]
    assert text == (
        "Sereno ALARMA CRITICA: Pasaje Los Aromos Nunoa (prueba de sirena fallida). "
        "Reconozcala en el hub."
    )
    assert len(text) <= 160 and text.isascii()
    notifier.sent.clear()
    clock.advance(REMINDER_S - 1)
    await beat(paging, who)
    await watch(paging)
    assert notifier.sent == []
    clock.advance(1)
    await watch(paging)
    assert [t for _, t in notifier.sent] == [text.replace("ALARMA CRITICA", "RECORDATORIO")] * 2
    found = alarm_of(paging, who, AlarmType.SELF_TEST_FAILED)
    assert found.reminders == 1 and found.last_notified_at == clock()
    alarms.acknowledge(db_of(paging), found.id, actor=Actor.user(1, "turno@maipu.cl"), at=clock())
    notifier.sent.clear()
    clock.advance(REMINDER_S * 3)
    await beat(paging, who)
    await watch(paging)
    assert notifier.sent == []


async def test_several_alarms_go_in_one_message(
    paging: Client, clock: FakeClock, notifier: MemoryNotifier
) -> None:
    first = await enrolled(paging, name="Pasaje Uno")
    second = await enrolled(paging, name="Pasaje Dos")
    await beat(paging, first)
    await beat(paging, second, event(self_test(ok=False), at=clock()))
    clock.advance(200)
    await beat(paging, second)
    await watch(paging)
    (text,) = {t for _, t in notifier.sent}
    assert text.startswith("Sereno ALARMA CRITICA: 2 alarmas: ")
    assert "Pasaje Uno (sin conexion)" in text and "Pasaje Dos (prueba de sirena fallida)" in text


async def test_a_cleared_alarm_is_not_reminded_and_a_failed_send_is_retried(
    paging: Client, clock: FakeClock, notifier: MemoryNotifier
) -> None:
    who = await enrolled(paging)
    await beat(paging, who, event(self_test(ok=False), at=clock()))
    notifier.fail = True
    await watch(paging)
    assert alarm_of(paging, who, AlarmType.SELF_TEST_FAILED).notified_at is None
    notifier.fail = False
    clock.advance(15)
    await watch(paging)
    assert len(notifier.sent) == 2
    await beat(paging, who, event(self_test(ok=True), at=clock()))
    clock.advance(REMINDER_S)
    notifier.sent.clear()
    await beat(paging, who)
    await watch(paging)
    assert notifier.sent == []


async def test_no_sms_during_maintenance_then_one_if_still_open(
    paging: Client, clock: FakeClock, notifier: MemoryNotifier
) -> None:
    who = await enrolled(paging)
    open_window(
        db_of(paging),
        controller_id=who.controller_id,
        starts_at=clock(),
        ends_at=clock() + 3600,
    )
    await beat(paging, who, event(self_test(ok=False), at=clock()))
    await watch(paging)
    clock.advance(1800)
    await beat(paging, who)
    await watch(paging)
    assert notifier.sent == []
    assert alarm_of(paging, who, AlarmType.SELF_TEST_FAILED) is not None
    clock.advance(1800)  # the window is over and the siren still fails
    await beat(paging, who)
    await watch(paging)
    assert len(notifier.sent) == len(PHONES)


def test_texts_stay_short_and_plain() -> None:
    many = [
        alarms.Alarm(
            i,
            i,
            "Avenida Libertador Bernardo O'Higgins 12345 Ñuñoa",
            None,
            None,
            AlarmType.OFFLINE,
            alarms.Severity.CRITICAL,
            "",
            0.0,
            0.0,
            1,
            None,
            None,
            None,
            None,
            None,
            None,
            0,
        )
        for i in range(10)
    ]
    text = oncall.text(many)
    assert len(text) <= oncall.MAX_TEXT and text.isascii() and text.endswith("en el hub.")


async def test_serve_texts_through_controller_sms_and_the_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ENV_NAMES.values():
        monkeypatch.delenv(name, raising=False)
    async with running_sandbox(SandboxConfig(), "127.0.0.1", 0) as sandbox:
        sms = tmp_path / "sms.toml"
        sms.write_text(f'[sms]\napi_base = "{sandbox.url}"\n', encoding="utf-8")
        config, settings = with_alarm_sms(HubConfig(), ("9 8765 4321",), sms)
        assert config.on_duty_phones == ("+56987654321",) and settings.is_sandbox
        assert isinstance(config.alarm_notifier, SmsAlarmNotifier)
        assert await config.alarm_notifier.send("+56987654321", "Sereno ALARMA CRITICA: prueba")
        (message,) = sandbox.state.messages.values()
        assert (
            message["to"] == "+56987654321" and message["body"] == "Sereno ALARMA CRITICA: prueba"
        )


def test_the_on_duty_phones_come_from_the_configuration(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(
        '[alarms]\non_duty_phones = ["+56 9 8765 4321"]\nreminder_minutes = 10\n', encoding="utf-8"
    )
    config = load_config(path)
    assert config.on_duty_phones == ("+56987654321",) and config.alarm_reminder_s == 600
    path.write_text('[alarms]\non_duty_phones = ["987"]\nreminder_minutes = 0\n', encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert "[alarms] on_duty_phones: '987' no es un teléfono E.164" in str(refused.value)
    assert "[alarms] reminder_minutes debe ser un número entero entre 1 y 1440" in str(
        refused.value
    )
