"""Commands: asked for in the controller's page (with CSRF and a confirmation), returned in
the answer to every report until the controller's ``command_result`` arrives, shown with
their outcome; expired ones are no longer sent."""

from __future__ import annotations

from hub.fleet import commands
from hub.roles import Role
from protocol import report as r
from tests.hub.conftest import Client, FakeClock, add_user, csrf_in, db_of, log_in
from tests.hub.test_fleet_support import beat, enrolled, event


async def as_unit(client: Client) -> None:
    add_user(client, Role.UNIDAD_ALARMAS, email="turno@maipu.cl", name="Ana Turno")
    assert (await log_in(client, "turno@maipu.cl")).status == 303


async def test_a_command_round_trip(client: Client, clock: FakeClock) -> None:
    who = await enrolled(client)
    await as_unit(client)
    page = await client.get(f"/controladores/{who.controller_id}")
    token = csrf_in(await page.text())
    path = f"/controladores/{who.controller_id}/comandos"
    asked = await client.post(path, data={"csrf_token": token, "type": "siren_test"})
    html = await asked.text()
    assert asked.status == 200 and "¿Hacer sonar la sirena" in html and 'value="si"' in html
    assert commands.for_controller(db_of(client), who.controller_id) == []  # not yet
    no_csrf = await client.post(path, data={"type": "siren_test", "confirmar": "si"})
    assert no_csrf.status == 403
    done = await client.post(
        path,
        data={"csrf_token": token, "type": "siren_test", "confirmar": "si"},
        allow_redirects=False,
    )
    assert done.status == 303 and done.headers["Location"] == f"/controladores/{who.controller_id}"
    (issued,) = commands.for_controller(db_of(client), who.controller_id)
    assert issued.issued_by == "turno@maipu.cl" and issued.state(clock()) == "por enviar"

    first = await beat(client, who)
    (command,) = first.commands
    assert command.type == "siren_test" and command.id == issued.public_id
    again = await beat(client, who)  # no result yet: sent again
    assert again.commands == first.commands
    result = r.CommandResult(command.id, "siren_test", "failed", "alarma en curso")
    third = await beat(client, who, event(result, at=clock()))
    assert third.commands == ()
    page = await client.get(f"/controladores/{who.controller_id}")
    html = await page.text()
    assert "Probar la sirena (1 segundo)" in html and "falló: alarma en curso" in html
    assert "turno@maipu.cl" in html  # who asked for it


async def test_commands_expire_and_unknown_ones_are_refused(
    client: Client, clock: FakeClock
) -> None:
    who = await enrolled(client)
    await as_unit(client)
    token = csrf_in(await (await client.get(f"/controladores/{who.controller_id}")).text())
    path = f"/controladores/{who.controller_id}/comandos"
    wrong = await client.post(path, data={"csrf_token": token, "type": "reboot", "confirmar": "si"})
    assert wrong.status == 400 and "Elija un comando" in await wrong.text()
    await client.post(path, data={"csrf_token": token, "type": "silence", "confirmar": "si"})
    clock.advance(commands.LIFETIMES_S["silence"])
    answer = await beat(client, who)
    assert answer.commands == ()  # a silence an hour late could silence a new alarm
    (issued,) = commands.for_controller(db_of(client), who.controller_id)
    assert issued.state(clock()) == "vencido sin respuesta"
    missing = await client.post(
        "/controladores/999/comandos",
        data={"csrf_token": token, "type": "silence", "confirmar": "si"},
    )
    assert missing.status == 404


async def test_a_result_from_another_controller_changes_nothing(
    client: Client, clock: FakeClock
) -> None:
    who = await enrolled(client)
    other = await enrolled(client, name="Calle Dos")
    user = add_user(client, Role.ADMIN)
    issued = commands.issue(
        db_of(client), who.controller_id, "resync_config", actor=user.actor, at=clock()
    )
    result = r.CommandResult(issued.public_id, "resync_config", "done", "recargado")
    await beat(client, other, event(result, at=clock()))
    assert [c.id for c in (await beat(client, who)).commands] == [issued.public_id]


async def test_the_report_interval_is_the_controllers_own(client: Client, clock: FakeClock) -> None:
    who = await enrolled(client)
    await as_unit(client)
    path = f"/controladores/{who.controller_id}"
    token = csrf_in(await (await client.get(path)).text())
    refused = await client.post(
        f"{path}/intervalo", data={"csrf_token": token, "report_interval_s": "5"}
    )
    assert refused.status == 400 and "entre 10 y 3600" in await refused.text()
    changed = await client.post(
        f"{path}/intervalo", data={"csrf_token": token, "report_interval_s": "300"}
    )
    assert changed.status == 200  # followed the redirect to the page
    assert (await beat(client, who)).report_interval_s == 300
