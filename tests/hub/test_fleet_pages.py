"""The fleet pages in Spanish: the controllers with their state, a controller's page, the
alarms with filters, enrollment codes shown once; names are escaped."""

from __future__ import annotations

import re

from hub.fleet import controllers, dashboard
from hub.roles import Role
from protocol import report as r
from tests.hub.conftest import Client, FakeClock, add_user, csrf_in, db_of, log_in
from tests.hub.test_fleet_support import (
    beat,
    enrolled,
    episode,
    event,
    heartbeat,
    issue_code,
    node_status,
    security,
    self_test,
)

NAME = "<b>x</b>"
ESCAPED = "&lt;b&gt;x&lt;/b&gt;"


async def sign_in(client: Client, role: Role = Role.UNIDAD_ALARMAS) -> None:
    add_user(client, role, email="turno@maipu.cl")
    await log_in(client, "turno@maipu.cl")


async def test_the_controllers_list_shows_each_state(client: Client, clock: FakeClock) -> None:
    never = await enrolled(client, name=NAME, barrio="<i>Villa</i>")
    online = await enrolled(client, name="Pasaje En Línea")
    offline = await enrolled(client, name="Pasaje Caído")
    await beat(client, offline)
    clock.advance(1000)
    await beat(client, online)
    await sign_in(client)
    html = await (await client.get("/controladores")).text()
    assert NAME not in html and ESCAPED in html and "&lt;i&gt;Villa&lt;/i&gt;" in html
    rows = {
        name: row
        for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)
        for name in (ESCAPED, "Pasaje En Línea", "Pasaje Caído")
        if name in row
    }
    assert "nunca reportó" in rows[ESCAPED]
    assert "en línea" in rows["Pasaje En Línea"]
    assert "sin conexión" in rows["Pasaje Caído"]
    assert f'href="/controladores/{never.controller_id}"' in html
    nav = html[html.index("<nav") : html.index("</nav>")]
    assert "Controladores" in nav and "Alarmas" in nav


async def test_a_controllers_page_shows_what_it_reported(client: Client, clock: FakeClock) -> None:
    who = await enrolled(client, name=NAME)
    now = clock()
    await beat(
        client,
        who,
        event(node_status(8, heard=now - 30, low_battery=True, battery_mv=2900), at=now - 30),
        event(episode(started=now - 60), at=now - 50),
        event(self_test(ok=False, detail="<script>x</script>"), at=now - 40),
        event(security(4, at=now), at=now),
        beat=heartbeat(power="battery", battery_mv=11_500, temperature_c=51.0),
    )
    await sign_in(client)
    html = await (await client.get(f"/controladores/{who.controller_id}")).text()
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert f"<title>{ESCAPED} · Sereno</title>" in html
    for expected in (
        "en línea",
        "batería · batería 11,50 V",
        "51,0 °C",
        "Botón con batería baja",
        "Batería del controlador baja",
        "Prueba de sirena fallida",
        "Tramas repetidas o falsificadas",
        "-97 dBm",
        "2,90 V · <strong>baja</strong>",
        '<span class="badge severity-critical">crítica</span>',
        '<span class="badge severity-warning">advertencia</span>',
        "Robo",
        "5 de 6 enviados, 1 fallidos",
        "falló",
        "repetidas (posible ataque de repetición)",
        "Silenciar las sirenas…",
        "Probar la sirena (1 segundo)…",
        "Recargar la configuración…",
    ):
        assert expected in html, expected
    missing = await client.get("/controladores/4242")
    assert missing.status == 404 and "Página no encontrada" in await missing.text()


async def test_the_alarms_page_filters(client: Client, clock: FakeClock) -> None:
    who = await enrolled(client, name=NAME)
    quiet = await enrolled(client, name="Pasaje Tranquilo")
    await beat(client, who, event(self_test(ok=False), at=clock()), beat=heartbeat(power="battery"))
    await beat(client, quiet)
    await sign_in(client)
    html = await (await client.get("/alarmas")).text()
    # The controller filter offers the controllers that have alarms, not the whole fleet.
    assert f'<option value="{who.controller_id}">{ESCAPED}</option>' in html
    assert f'<option value="{quiet.controller_id}"' not in html
    assert "Prueba de sirena fallida" in html and "Sin energía de la red" in html
    assert ESCAPED in html and NAME not in html and html.count("Reconocer</button>") == 2
    critical = await (await client.get("/alarmas?severidad=critical")).text()
    critical = critical[critical.index("<table") :]
    assert "Prueba de sirena fallida" in critical and "Sin energía de la red" not in critical
    closed = await (await client.get("/alarmas?estado=cerradas&tipo=offline")).text()
    assert "No hay alarmas con esos filtros." in closed
    for odd in ("estado=<x>&severidad=9&controlador=99999999999999999999", "controlador=²"):
        assert (await client.get(f"/alarmas?{odd}")).status == 200, odd


async def test_an_enrollment_code_is_shown_once(client: Client, clock: FakeClock) -> None:
    await sign_in(client)
    page = await client.get("/controladores/inscripcion")
    token = csrf_in(await page.text())
    made = await client.post(
        "/controladores/inscripcion",
        data={"csrf_token": token, "name": NAME, "barrio": "Villa Los Héroes", "hours": "24"},
    )
    html = await made.text()
    code = re.search(r'<p class="secret">([A-Z0-9-]+)</p>', html)
    assert made.status == 200 and code and ESCAPED in html and NAME not in html
    assert "Se muestra solo esta vez" in html
    listing = await (await client.get("/controladores/inscripcion")).text()
    assert code[1] not in listing and ESCAPED in listing and "vigente" in listing
    (stored,) = controllers.enrollment_codes(db_of(client))
    assert stored.created_by == "turno@maipu.cl" and stored.expires_at == clock() + 24 * 3600
    assert stored.created_by_name == "Persona Unidad de Alarmas Comunitarias"  # the name
    named = add_user(client, Role.ADMIN, email="jefa@maipu.cl", name="María <Jefa>")
    await log_in(client, named.email)
    token = csrf_in(await (await client.get("/controladores/inscripcion")).text())
    await client.post(
        "/controladores/inscripcion",
        data={"csrf_token": token, "name": "Calle Dos", "barrio": "Villa Los Héroes", "hours": "2"},
    )
    listing = await (await client.get("/controladores/inscripcion")).text()
    assert "<td>María &lt;Jefa&gt;</td>" in listing
    assert "<td>Persona Unidad de Alarmas Comunitarias</td>" in listing
    assert "<td>jefa@maipu.cl</td>" not in listing and "<td>turno@maipu.cl</td>" not in listing
    wrong = await client.post(
        "/controladores/inscripcion",
        data={"csrf_token": token, "name": "", "barrio": "", "hours": "1000"},
    )
    text = await wrong.text()
    assert wrong.status == 400 and "Escriba el nombre del controlador" in text
    assert (
        "Escriba el barrio del controlador." in text
        and "La vigencia debe ser de 1 a 168 horas." in text
    )


async def test_other_teams_do_not_see_the_fleet(client: Client) -> None:
    await sign_in(client, Role.GESTOR)
    html = await (await client.get("/")).text()
    nav = html[html.index("<nav") : html.index("</nav>")]
    assert 'href="/controladores"' not in nav and 'href="/alarmas"' not in nav
    assert (await client.get("/controladores")).status == 403


async def test_an_alarms_page_opens_a_ticket(client: Client, clock: FakeClock) -> None:
    who = await enrolled(client)
    await beat(client, who, event(self_test(ok=False), at=clock()))
    await sign_in(client)
    (alarm_id,) = [row[0] for row in db_of(client).db.execute("SELECT id FROM alarms")]
    html = await (await client.get(f"/alarmas/{alarm_id}")).text()
    assert "Prueba de sirena fallida" in html and "Ningún ticket se ha abierto" in html
    assert f"/tickets/nuevo?alarma={alarm_id}&amp;controlador={who.controller_id}" in html


async def test_the_controllers_list_comes_a_hundred_at_a_time(
    client: Client, clock: FakeClock
) -> None:
    db = db_of(client)
    for n in range(205):  # straight through the fleet's code: no HTTP needed here
        name, barrio = f"Pasaje {n:03d}", ("Villa B", "Villa A", "Villa C")[n % 3]
        code = issue_code(db, name=name, barrio=barrio, at=clock())
        enrollment = r.Enrollment(code=r.normalize_code(code), name=name, software_version="1")
        controllers.enroll(db, enrollment, ip="127.0.0.1", at=clock())
    in_order = [c.name for c in controllers.all_controllers(db)]
    await sign_in(client)

    async def page(query: str) -> tuple[str, list[str]]:
        html = await (await client.get(f"/controladores{query}")).text()
        return html, re.findall(r'<a href="/controladores/\d+">([^<]+)</a>', html)

    first, names = await page("")
    assert names == in_order[:100] and in_order[0].startswith("Pasaje 001")  # Villa A first
    assert "1 a 100 de 205 controladores" in first and "Página 1 de 3" in first
    assert '<strong aria-current="page">1</strong>' in first
    assert 'href="/controladores?pagina=2" rel="next"' in first and 'rel="prev"' not in first
    second, names = await page("?pagina=2")
    assert names == in_order[100:200] and "101 a 200 de 205" in second
    assert 'href="/controladores?pagina=1" rel="prev"' in second
    assert 'href="/controladores?pagina=3" rel="next"' in second
    last, names = await page("?pagina=3")
    assert names == in_order[200:] and "201 a 205 de 205" in last and 'rel="next"' not in last
    _, beyond = await page("?pagina=99")
    assert beyond == in_order[200:]  # past the end: the last page
    for odd in ("?pagina=abc", "?pagina=-2", "?pagina=0", "?pagina=99999999999999999999"):
        _, names = await page(odd)
        assert names == in_order[:100], odd  # not a page number: the first page


def test_the_pager_shows_the_pages_near_this_one() -> None:
    def nearby(page: int, pages: int) -> list[int | None]:
        return dashboard.ControllersPage([], pages * 100, page, 100).nearby()

    assert nearby(1, 1) == [1]
    assert nearby(1, 3) == [1, 2, 3]
    assert nearby(10, 20) == [1, None, 7, 8, 9, 10, 11, 12, 13, None, 20]
    assert nearby(2, 20) == [1, 2, 3, 4, 5, None, 20]
    assert nearby(5, 9) == [1, 2, 3, 4, 5, 6, 7, 8, 9]
