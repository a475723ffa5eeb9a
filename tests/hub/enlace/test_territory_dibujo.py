"""dibujo.js in Debian's Chromium, on the real limits page under the hub's CSP: clicks on
the map make a polygon in the textarea that the hub accepts, Deshacer and Borrar work, and
an existing limit is drawn at load. Needs Debian's chromium (``install.sh --dev``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import pytest
from playwright.async_api import async_playwright

from hub.territory.barrios import profile
from hub.territory.geo import Frame, parse_geometry
from hub.web.access import SESSION_COOKIE
from tests.hub.enlace.conftest import World
from tests.hub.enlace.seeds.territory import seed

CHROMIUM: Final = Path("/usr/bin/chromium")


async def open_page(world: World, path: str) -> tuple[Any, Any, list[str]]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (./install.sh --dev)")
    playwright = await async_playwright().start()
    browser = await playwright.chromium.launch(
        executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
    )
    context = await browser.new_context(viewport={"width": 1000, "height": 1400})
    who = world.identity(world.gestor_norte)
    url = str(world.client.make_url(path))
    await context.add_cookies(
        [
            {
                "name": SESSION_COOKIE,
                "value": who.cookies[SESSION_COOKIE],
                "domain": "127.0.0.1",
                "path": "/",
            }
        ]
    )
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(url)
    return playwright, browser, errors


async def click_at(page: Any, frame: Frame, lon: float, lat: float) -> None:
    """Click the map where (lon, lat) is drawn, through the SVG's on-screen box."""
    box = await page.locator("svg[data-draw-field]").bounding_box()
    x, y = frame.xy(lon, lat)
    await page.mouse.click(
        box["x"] + x * box["width"] / frame.width, box["y"] + y * box["height"] / frame.height
    )


async def test_drawing_an_area_fills_the_textarea_with_a_polygon_the_hub_accepts(
    world: World,
) -> None:
    playwright, browser, errors = await open_page(world, "/barrios/1/limites")
    try:
        page = browser.contexts[0].pages[0]
        frame = Frame(-70.83, -33.56, -70.70, -33.46)
        await page.get_by_role("button", name="Área").click()
        corners = [(-70.80, -33.52), (-70.75, -33.52), (-70.75, -33.48), (-70.80, -33.48)]
        for lon, lat in [*corners, (-70.77, -33.47)]:
            await click_at(page, frame, lon, lat)
        await page.get_by_role("button", name="Deshacer").click()
        text = await page.get_by_label("Límites en GeoJSON").input_value()
        drawn = parse_geometry(text, kinds={"Polygon"})
        ring = drawn.coordinates[0]
        assert len(ring) == 5 and ring[0] == ring[-1]
        pixel = 0.13 / 600  # one screen pixel, in degrees, at this size
        for (lon, lat), (want_lon, want_lat) in zip(ring, corners, strict=False):
            assert abs(lon - want_lon) < 2 * pixel and abs(lat - want_lat) < 2 * pixel
        assert all(len(str(v).split(".")[1]) <= 6 for p in ring for v in p)
        assert await page.locator("svg .dibujo path").count() == 1
        async with page.expect_navigation():
            await page.get_by_role("button", name="Guardar límites").click()
        assert page.url.endswith("/barrios/1?aviso=limites-guardados")
        assert profile(world.hub, 1).limites == drawn
        assert errors == []
    finally:
        await browser.close()
        await playwright.stop()


async def test_an_existing_limit_is_drawn_and_borrar_empties_the_field(world: World) -> None:
    seed(world)
    playwright, browser, errors = await open_page(world, "/barrios/1/limites")
    try:
        page = browser.contexts[0].pages[0]
        assert await page.locator("svg .dibujo circle").count() == 4
        assert await page.get_by_role("button", name="Área").get_attribute("aria-pressed") == "true"
        await page.get_by_role("button", name="Borrar", exact=True).click()
        assert await page.get_by_label("Límites en GeoJSON").input_value() == ""
        assert await page.locator("svg .dibujo circle").count() == 0
        pasted = {
            "type": "Polygon",
            "coordinates": [[[-70.8, -33.5], [-70.79, -33.5], [-70.79, -33.49], [-70.8, -33.5]]],
        }
        await page.get_by_label("Límites en GeoJSON").fill(json.dumps(pasted))
        assert await page.locator("svg .dibujo circle").count() == 3
        assert errors == []
    finally:
        await browser.close()
        await playwright.stop()
