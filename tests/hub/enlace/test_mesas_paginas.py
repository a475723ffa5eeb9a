"""The mesas' pages as a browser and a screen reader get them: every form control has its
label, no id repeats, no inline style or script (the CSP forbids them), each role sees the
forms it may use, and the barrio's ficha links its mesas."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest

from tests.hub.enlace.conftest import World
from tests.hub.enlace.seeds.mesas import seed

PAGES = (
    "/mesas",
    "/barrios/1/mesas",
    "/mesas/1",
    "/sesiones/1",
    "/sesiones/2",
    "/sesiones/2/acta",
    "/acuerdos/1",
)


class Page(HTMLParser):
    """A page's form controls (hidden inputs aside), labels, ids, inline styles and
    scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[str] = []
        self.labels: set[str] = set()
        self.ids: Counter[str] = Counter()
        self.styles = 0
        self.scripts = 0
        self.forms = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.styles += "style" in found or tag == "style"
        self.scripts += tag == "script" and not found.get("src")
        self.forms += tag == "form" and found.get("method") == "post"
        if found.get("id"):
            self.ids[str(found["id"])] += 1
        if tag == "label" and found.get("for"):
            self.labels.add(str(found["for"]))
        elif tag in ("input", "select", "textarea") and found.get("type") != "hidden":
            self.controls.append(str(found.get("id")))


async def parsed(world: World, path: str, *, as_admin: bool = True) -> Page:
    person = world.admin if as_admin else world.mediacion
    response = await world.get(person, path)
    assert response.status == 200, path
    page = Page()
    page.feed(await response.text())
    return page


@pytest.mark.parametrize("path", PAGES)
async def test_every_control_has_its_label_and_ids_are_unique(world: World, path: str) -> None:
    seed(world)
    page = await parsed(world, path)
    unlabelled = [control for control in page.controls if control not in page.labels]
    assert not unlabelled, f"{path}: {unlabelled}"
    repeated = [name for name, times in page.ids.items() if times > 1]
    assert not repeated, f"{path}: {repeated}"
    assert page.styles == 0 and page.scripts == 0, path


async def test_mediacion_gets_the_pages_without_forms(world: World) -> None:
    seed(world)
    for path in PAGES:
        page = await parsed(world, path, as_admin=False)
        assert page.forms == 1, path  # only «Cerrar sesión» in the header
    admin = await parsed(world, "/sesiones/2")
    assert admin.forms > 3  # edit, acuerdo and the follow-up of acuerdo 1


async def test_the_barrio_ficha_links_its_mesas(world: World) -> None:
    seed(world)
    body = await (await world.get(world.gestor_norte, "/barrios/1")).text()
    assert 'href="/barrios/1/mesas"' in body and "Mesas de Seguridad Focalizadas" in body
