"""``sereno demo`` with its hub: the demo's controller is enrolled, reports, and the Alarm
Unit's login sees it live; the controller can be stopped and started again."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import aiohttp

from hub import keys as hub_keys
from hub.territory.barrios import profile
from sereno.demo.hub import DEMO_BARRIO, DEMO_PLACE
from sereno.demo.site import DemoSite


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def _log_in(session: aiohttp.ClientSession, url: str, email: str, password: str) -> None:
    form = await (await session.get(f"{url}/login")).text()
    match = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert match is not None
    answer = await session.post(
        f"{url}/login", data={"email": email, "password": password, "csrf_token": match[1]}
    )
    assert answer.status == 200
    assert str(answer.url).rstrip("/") == url


async def _page(session: aiohttp.ClientSession, url: str) -> str:
    answer = await session.get(url)
    assert answer.status == 200
    return _text(await answer.text())


async def test_the_demo_hub_shows_the_controller_and_its_episode(tmp_path: Path) -> None:
    site = DemoSite(tmp_path, homes=2)
    async with site.running():
        assert site.login is not None
        assert site.hub is not None
        report = await site.press(1, "robo")
        assert report.ok
        url, jar = site.login.url, aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as session:
            await _log_in(session, url, site.login.email, site.login.password)
            listing = await _page(session, f"{url}/controladores")
            assert "Pasaje Los Aromos" in listing
            assert "en línea" in listing
            link = re.search(
                r'href="(/controladores/\d+)"',
                await (await session.get(f"{url}/controladores")).text(),
            )
            assert link is not None
            for _ in range(100):  # the episode reaches the hub with the next report
                if "Robo" in await _page(session, url + link[1]):
                    break
                await asyncio.sleep(0.2)
            page = await _page(session, url + link[1])
            assert "Robo" in page
            assert "Intervalo de reporte 10 s" in page

            await site.stop_controller()  # the interactive «p» / «i» commands
            stopped = site.controller_app
            await site.start_controller()
            assert stopped is None
            assert site.controller_app is not None
            assert (await site.press(2, "test")).acked
    # A second run in the same folder keeps the logins and the enrollment.
    again = DemoSite(tmp_path, homes=2)
    async with again.running():
        assert again.login is not None and again.gestora_login is not None
        assert again.login.password == site.login.password
        assert site.gestora_login is not None
        assert again.gestora_login.password == site.gestora_login.password
        assert again.hub is not None
        db = again.hub.app[hub_keys.db]
        assert db.db.execute("SELECT COUNT(*) FROM territorio_gestores").fetchone()[0] == 1


async def test_the_demo_gestora_works_the_demo_barrio(tmp_path: Path) -> None:
    site = DemoSite(tmp_path, homes=2)
    async with site.running():
        assert site.gestora_login is not None and site.hub is not None
        login = site.gestora_login
        db = site.hub.app[hub_keys.db]
        placed = db.db.execute(
            "SELECT b.name, c.latitude, c.longitude FROM controllers c "
            "JOIN barrios b ON b.id = c.barrio_id"
        ).fetchone()
        assert placed == (DEMO_BARRIO, *DEMO_PLACE)
        barrio_id = db.db.execute("SELECT barrio_id FROM controllers").fetchone()[0]
        limits = profile(db, barrio_id).limites
        assert limits is not None and limits.contains(DEMO_PLACE[1], DEMO_PLACE[0])
        report = await site.press(1, "robo")
        assert report.ok
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            await _log_in(session, login.url, login.email, login.password)
            barrios = await _page(session, f"{login.url}/barrios")
            assert DEMO_BARRIO in barrios
            assert (await session.get(f"{login.url}/controladores")).status == 403
            diagnostico = f"{login.url}/barrios/{barrio_id}/diagnostico"
            for _ in range(100):  # the episode reaches the hub with the next report
                if "1 activación" in await _page(session, diagnostico):
                    break
                await asyncio.sleep(0.2)
            assert "1 activación" in await _page(session, diagnostico)
            activaciones = await _page(session, f"{diagnostico}/activaciones")
            assert "Robo" in activaciones
