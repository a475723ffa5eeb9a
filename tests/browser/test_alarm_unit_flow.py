"""The Unidad de Alarmas' day, in Debian's Chromium: log in, make an enrollment code, watch a
controller come online and then go offline after its grace, acknowledge the critical alarm,
open a repair ticket from it, ask for a siren test (with its confirmation) and see the
result the controller sends back.

The controller is played by the real controller's HTTP client
(:class:`controller.hub_client.HubClient`) sending :mod:`protocol.report` messages; the
hub's clock moves by hand and its fleet job (every 0.2 s here) notices the silence.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Locator, Page, expect

from controller.hub_client import HubClient
from hub.fleet.alarms import AlarmType, open_alarm
from hub.roles import Role
from protocol import report as r
from tests.browser.conftest import LOOP, LiveHub, Visit, log_in

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)

NAME = "Pasaje Los Aromos"
BARRIO = "Villa Los Héroes"
EMAIL = "turno@maipu.cl"
SIREN_DETAIL = "sirena activada 1,0 s"


def heartbeat(uptime_s: int) -> r.Heartbeat:
    return r.Heartbeat(
        uptime_s=uptime_s,
        software_version="0.1.0",
        power="ac",
        battery_mv=13_400,
        radio_noise_dbm=-112,
        disk_free_mb=12_800,
        temperature_c=47.5,
        alarm_state="idle",
        open_episodes=0,
        outbox_pending=0,
        outbox_dropped=0,
    )


def report(hub: LiveHub, grant: r.EnrollmentGrant, *bodies: r.EventBody) -> r.Report:
    """A report sent now (the hub's clock; this controller's clock agrees), with a
    heartbeat and one event per body."""
    now = hub.clock()
    events = tuple(r.Event.of(body, id=uuid.uuid4().hex, at=now) for body in bodies)
    return r.Report(grant.controller_id, now, heartbeat(int(now) % 100_000), events)


def row(page: Page, text: str) -> Locator:
    """The table row that mentions ``text``."""
    return page.get_by_role("row").filter(has_text=text)


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def fact(page: Page, term: str) -> Locator:
    """The value beside ``term`` in a page's list of facts (``<dt>``/``<dd>``)."""
    return page.locator("dt", has_text=term).locator("xpath=following-sibling::dd[1]")


async def make_code(page: Page) -> str:
    """An enrollment code made through Controladores → Inscribir un controlador."""
    nav = page.get_by_role("navigation", name="Navegación principal")
    await nav.get_by_role("link", name="Controladores", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Controladores")
    await page.get_by_role("link", name="Inscribir un controlador").click()
    await page.get_by_label("Nombre del controlador (calle o pasaje)").fill(NAME)
    await page.get_by_label("Barrio", exact=True).fill(BARRIO)
    await page.get_by_role("button", name="Generar código").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Código de inscripción")
    await expect(page.get_by_text("Se muestra solo esta vez")).to_be_visible()
    return (await page.locator(".secret").inner_text()).strip()


async def test_offline_alarm_acknowledged_ticket_and_siren_test(
    visit: Visit, tmp_path: Path
) -> None:
    hub, page = visit.hub, visit.page
    hub.add_user(Role.UNIDAD_ALARMAS, email=EMAIL, name="Ana Turno")
    await log_in(page, EMAIL)
    code = await make_code(page)

    async with HubClient(hub.url) as controller:
        # The installer enrolls the controller; its first report brings it online.
        grant = await controller.enroll(
            r.Enrollment(code=r.normalize_code(code), name=NAME, software_version="0.1.0")
        )
        controller.credential = grant.credential
        cid = grant.controller_id
        first = await controller.report(report(hub, grant))
        assert first.commands == ()
        await page.get_by_role("link", name="Ver controladores").click()
        listed = row(page, NAME)
        await expect(listed).to_contain_text(BARRIO)
        await expect(listed.locator(".badge")).to_have_text("en línea")
        await expect(listed).not_to_contain_text("crítica")

        # Silence for longer than the grace: the fleet job opens the critical alarm.
        grace_s = 2 * grant.report_interval_s + 30
        hub.clock.advance(grace_s + 1)
        await hub.wait_until(
            lambda: open_alarm(hub.db, cid, AlarmType.OFFLINE) is not None,
            "the fleet job to open the offline alarm",
        )
        await page.reload()
        await expect(listed.locator(".badge")).to_have_text("sin conexión")
        await expect(listed).to_contain_text("1 (1 crítica)")

        # Alarmas: acknowledge it with the page's own button (and its CSRF field).
        nav = page.get_by_role("navigation", name="Navegación principal")
        await nav.get_by_role("link", name="Alarmas", exact=True).click()
        alarm_row = row(page, "Controlador sin conexión")
        await expect(alarm_row).to_contain_text("crítica")
        await expect(alarm_row).to_contain_text(NAME)
        await expect(alarm_row).to_contain_text(f"Sin reportes por más de {grace_s // 60} min")
        async with page.expect_navigation():
            await alarm_row.get_by_role("button", name="Reconocer").click()
        assert path_of(page) == "/alarmas"
        await expect(alarm_row).to_contain_text(f"reconocida por {EMAIL}")
        await expect(alarm_row.get_by_role("button", name="Reconocer")).to_have_count(0)

        # The alarm's page says who acknowledged; open a repair ticket from it.
        await alarm_row.get_by_role("link", name="Controlador sin conexión").click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text(
            "Controlador sin conexión"
        )
        alarm_number = path_of(page).rsplit("/", 1)[1]
        await expect(fact(page, "Reconocida")).to_contain_text(f"por {EMAIL} el")
        await page.get_by_role("link", name="Abrir un ticket de reparación").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Nuevo ticket de mantención"
        )
        await expect(page.get_by_text("Ticket abierto desde la alarma")).to_be_visible()
        await expect(page.get_by_label("Tipo", exact=True)).to_have_value("reparacion")
        await expect(page.get_by_label("Prioridad", exact=True)).to_have_value("alta")
        await expect(page.get_by_label("Controlador", exact=True)).to_have_value(str(cid))
        await expect(page.get_by_label("Barrio", exact=True)).to_have_value(BARRIO)
        await page.get_by_label("Descripción del trabajo").fill(
            "Revisar el router 4G y la alimentación del controlador: dejó de reportar."
        )
        await page.get_by_label("Dirección", exact=True).fill("Pasaje Los Aromos 1234")
        due = datetime.fromtimestamp(hub.clock(), ZoneInfo("America/Santiago")).date()
        due += timedelta(days=3)
        await page.get_by_label("Fecha comprometida (opcional)").fill(due.isoformat())
        async with page.expect_navigation():
            await page.get_by_role("button", name="Crear ticket").click()
        assert path_of(page).startswith("/tickets/"), page.url
        ticket_number = path_of(page).rsplit("/", 1)[1]
        await expect(page.get_by_role("heading", level=1)).to_contain_text(
            f"Ticket N° {ticket_number} · Reparación"
        )
        await expect(fact(page, "Estado")).to_have_text("Abierto")
        await expect(fact(page, "Prioridad")).to_have_text("Alta")
        await expect(fact(page, "Abierto desde")).to_have_text(f"la alarma N° {alarm_number}")
        await expect(fact(page, "Fecha comprometida")).to_have_text(due.strftime("%d-%m-%Y"))
        await expect(fact(page, "Creado")).to_contain_text(f"por {EMAIL}")
        await expect(page.get_by_role("main")).to_contain_text("Revisar el router 4G")

        await fact(page, "Abierto desde").get_by_role("link").click()
        ticket_item = page.get_by_role("listitem").filter(has_text=f"Ticket N° {ticket_number}")
        await expect(ticket_item).to_contain_text("Reparación, abierto")

        # The controller's page: ask for a siren test, confirm it.
        await fact(page, "Controlador").get_by_role("link", name=NAME).click()
        await expect(page).to_have_url(f"{hub.url}/controladores/{cid}")
        await page.get_by_role("button", name="Probar la sirena (1 segundo)…").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Probar la sirena (1 segundo)"
        )
        await expect(page.get_by_text("¿Hacer sonar la sirena de este controlador")).to_be_visible()
        async with page.expect_navigation():
            await page.get_by_role("button", name="Sí, probar la sirena (1 segundo)").click()
        assert path_of(page) == f"/controladores/{cid}"
        asked = row(page, "Probar la sirena (1 segundo)")
        await expect(asked).to_contain_text(EMAIL)
        await expect(asked).to_contain_text("por enviar")

        # The controller reports again: the answer carries the command…
        hub.clock.advance(5)
        carrying = await controller.report(report(hub, grant))
        (command,) = carrying.commands
        assert command.type == "siren_test"
        await page.reload()
        await expect(asked).to_contain_text("enviado, esperando resultado")
        await expect(page.locator("h1 .badge")).to_have_text("en línea")

        # …and the next report gives its result and the self-test it made.
        hub.clock.advance(3)
        outcome = r.SelfTestResult(ok=True, skipped=False, detail=SIREN_DETAIL, siren_ms=1000)
        result = r.CommandResult(command.id, "siren_test", "done", SIREN_DETAIL)
        answered = await controller.report(report(hub, grant, outcome, result))
        assert answered.commands == ()
        assert len(answered.accepted) == 2

    await page.reload()
    await expect(asked).to_contain_text(f"realizado: {SIREN_DETAIL}")
    tests = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Detalle"))
    await expect(tests).to_contain_text("correcta")
    await expect(tests).to_contain_text(f"{SIREN_DETAIL} (1000 ms)")
    offline = row(page, "Controlador sin conexión")
    await expect(offline).to_contain_text("cerrada")  # the reports cleared it
    await expect(fact(page, "Energía")).to_contain_text("red eléctrica")
    await page.screenshot(path=tmp_path / "controlador.png", full_page=True)
    assert visit.watch.problems() == []
