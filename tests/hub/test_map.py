"""The map (an SVG drawn on the server) and the coordinates form on a controller's page."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from hub.errors import Invalid
from hub.fleet import location
from hub.fleet.dashboard import FleetState
from hub.fleet.map import MIN_HEIGHT, PADDING, STYLES, WIDTH, fit
from hub.roles import Role
from hub.storage import Subject
from tests.hub.conftest import CLI, Client, FakeClock, db_of
from tests.hub.test_fleet_support import Enrolled, beat, enrolled, open_window
from tests.hub.test_maintenance_support import Visitor, visitor

SVG = "{http://www.w3.org/2000/svg}"
NASTY = '<b>Pasaje "O\'Higgins" & Co</b>'


# --- the projection ----------------------------------------------------------------------------


def test_the_projection_fits_the_points_inside_the_padding_and_keeps_their_shape() -> None:
    points = [(-33.50, -70.78), (-33.52, -70.74), (-33.56, -70.76)]
    projection = fit(points)
    xy = [projection.xy(*point) for point in points]
    assert projection.width == WIDTH and projection.height >= MIN_HEIGHT
    for x, y in xy:
        assert PADDING - 0.1 <= x <= WIDTH - PADDING + 0.1
        assert PADDING - 0.1 <= y <= projection.height - PADDING + 0.1
    assert xy[1][0] > xy[0][0]  # east is right
    assert xy[2][1] > xy[0][1]  # south is down
    # a degree of longitude is cos(latitude) of a degree of latitude, in pixels too
    east = projection.xy(-33.53, -70.75)[0] - projection.xy(-33.53, -70.76)[0]
    south = projection.xy(-33.53, -70.76)[1] - projection.xy(-33.54, -70.76)[1]
    assert east / -south == pytest.approx(math.cos(math.radians(-33.53)), rel=0.01)
    assert min(x for x, _ in xy) == pytest.approx(PADDING, abs=0.2) or min(
        y for _, y in xy
    ) == pytest.approx(PADDING, abs=0.2)


def test_one_controller_alone_stands_in_the_middle() -> None:
    projection = fit([(-33.45, -70.66)])
    assert projection.xy(-33.45, -70.66) == (WIDTH / 2, projection.height / 2)
    assert projection.px_per_km < 1000  # a minimum span: not a blown-up dot


# --- the map -----------------------------------------------------------------------------------


def circles(root: ET.Element) -> dict[int, ET.Element]:
    return {
        int(circle.attrib["data-controlador"]): circle
        for circle in root.iter(f"{SVG}circle")
        if "data-controlador" in circle.attrib
    }


async def mapped_fleet(client: Client, clock: FakeClock) -> dict[str, Enrolled]:
    fleet = {
        "online": await enrolled(client, name=NASTY, barrio="Villa <Los> Héroes"),
        "offline": await enrolled(client, name="Pasaje Caído", barrio="Villa <Los> Héroes"),
        "never": await enrolled(client, name="Pasaje Nuevo", barrio="San Luis"),
        "held": await enrolled(client, name="Pasaje Taller", barrio="San Luis"),
        "nowhere": await enrolled(client, name="Pasaje Sin Ubicación <i>"),
    }
    await beat(client, fleet["offline"])
    clock.advance(1000)
    await beat(client, fleet["online"])
    open_window(
        db_of(client),
        controller_id=fleet["held"].controller_id,
        starts_at=clock(),
        ends_at=clock() + 3600,
    )
    for who, (latitude, longitude) in zip(
        list(fleet.values())[:4],
        [(-33.511, -70.757), (-33.515, -70.760), (-33.520, -70.750), (-33.525, -70.752)],
        strict=True,
    ):
        location.set_location(
            db_of(client),
            who.controller_id,
            {"latitude": str(latitude), "longitude": str(longitude)},
            actor=CLI,
            at=clock(),
        )
    return fleet


async def test_the_svg_has_one_circle_per_placed_controller_coloured_by_state(
    client: Client, clock: FakeClock
) -> None:
    fleet = await mapped_fleet(client, clock)
    unidad = visitor(client, Role.UNIDAD_ALARMAS)
    response = await unidad.get("/mapa.svg")
    assert response.status == 200 and response.content_type == "image/svg+xml"
    body = await response.text()
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')
    root = ET.fromstring(body)  # valid XML, names and all
    assert root.tag == f"{SVG}svg"
    dots = circles(root)
    assert set(dots) == {fleet[k].controller_id for k in ("online", "offline", "never", "held")}
    for key, state in (
        ("online", FleetState.ONLINE),
        ("offline", FleetState.OFFLINE),
        ("never", FleetState.NEVER),
        ("held", FleetState.MAINTENANCE),
    ):
        dot = dots[fleet[key].controller_id]
        assert dot.attrib["fill"] == STYLES[state].fill, key
        assert dot.attrib["r"] == str(STYLES[state].radius)
        assert f"state-{state.value}" in dot.attrib["class"]
    # each circle is a link to its controller's page with a title naming it and its state
    links = {link.attrib["href"]: link.findtext(f"{SVG}title") for link in root.iter(f"{SVG}a")}
    online = fleet["online"].controller_id
    assert links[f"/controladores/{online}"] == f"{NASTY} · en línea · Villa <Los> Héroes"
    assert "&lt;b&gt;" in body and NASTY not in body
    texts = ["".join(text.itertext()) for text in root.iter(f"{SVG}text")]
    assert "Villa <Los> Héroes" in texts and "San Luis" in texts  # barrios
    for label in ("en línea (1)", "sin conexión (1)", "nunca reportó (1)", "en mantención (1)"):
        assert label in texts  # the legend, with words
    assert any(re.fullmatch(r"\d+ (m|km)", text) for text in texts)  # a scale bar
    for dot in dots.values():
        assert 0 < float(dot.attrib["cx"]) < WIDTH
        assert 0 < float(dot.attrib["cy"]) < float(root.attrib["height"])


async def test_the_map_page_draws_inline_and_lists_the_controllers_without_coordinates(
    client: Client, clock: FakeClock
) -> None:
    fleet = await mapped_fleet(client, clock)
    html = await visitor(client, Role.ADMIN).page("/mapa")
    svg = html[html.index("<svg ") : html.index("</svg>") + len("</svg>")]
    root = ET.fromstring(svg)
    assert len(circles(root)) == 4
    nowhere = fleet["nowhere"].controller_id
    assert str(nowhere) not in {str(k) for k in circles(root)}
    apart = html[html.index("Sin ubicación") :]
    assert f'href="/controladores/{nowhere}"' in apart
    assert "Pasaje Sin Ubicación &lt;i&gt;" in apart and "<i>" not in apart
    assert 'class="badge state-never">nunca reportó' in apart
    assert 'href="/mapa.svg"' in html
    nav = html[html.index("<nav") : html.index("</nav>")]
    assert 'aria-current="page">Mapa' in nav
    assert 'style="' not in html  # the CSP forbids inline styles


async def test_an_empty_map(client: Client) -> None:
    unidad = visitor(client, Role.UNIDAD_ALARMAS)
    assert "Aún no hay controladores inscritos." in await unidad.page("/mapa")
    ET.fromstring(await (await unidad.get("/mapa.svg")).text())
    await enrolled(client)
    assert "Ningún controlador tiene ubicación todavía" in await unidad.page("/mapa")


async def test_the_map_is_for_the_unidad_and_admins(client: Client) -> None:
    for role in (Role.GESTOR, Role.MEDIACION):
        assert (await visitor(client, role).get("/mapa")).status == 403


# --- the coordinates form ------------------------------------------------------------------------


async def form_visitor(client: Client) -> tuple[Visitor, Enrolled, str]:
    who = await enrolled(client, name="Pasaje Los Aromos")
    unidad = visitor(client, Role.UNIDAD_ALARMAS, email="turno@maipu.cl")
    return unidad, who, f"/controladores/{who.controller_id}"


async def test_valid_coordinates_are_saved_and_audited(client: Client, clock: FakeClock) -> None:
    unidad, who, page = await form_visitor(client)
    html = await unidad.page(page)
    assert f'action="{page}/ubicacion#ubicacion"' in html
    assert f'href="/tickets/nuevo?controlador={who.controller_id}"' in html
    assert f'href="/ventanas-mantencion/nueva?controlador={who.controller_id}"' in html
    assert "sin ubicación: no aparece en el mapa" in html
    where = await unidad.submit(
        f"{page}/ubicacion",
        latitude=" -33,5117 ",
        longitude="-70.7573",
        address="  Los Aromos   1234 ",
        accion="guardar",
    )
    assert where == page
    saved = location.get(db_of(client), who.controller_id)
    assert saved == location.Location(-33.5117, -70.7573, "Los Aromos 1234")
    history = db_of(client).audit.history(Subject("controller", who.controller_id))
    entry = history[-1]
    assert entry.action == "controller.location" and entry.actor.label == "turno@maipu.cl"
    assert entry.detail == {
        "from": {"latitude": None, "longitude": None, "address": ""},
        "to": {"latitude": -33.5117, "longitude": -70.7573, "address": "Los Aromos 1234"},
    }
    html = await unidad.page(page)
    assert "-33.5117, -70.7573" in html and 'value="-33.5117"' in html
    assert f'href="/mapa#controlador-{who.controller_id}"' in html
    # the same values again change nothing and write no audit entry
    await unidad.submit(
        f"{page}/ubicacion", latitude="-33.5117", longitude="-70.7573", address="Los Aromos 1234"
    )
    assert len(db_of(client).audit.history(Subject("controller", who.controller_id))) == len(
        history
    )
    # taken off the map: the address stays
    await unidad.submit(f"{page}/ubicacion", accion="quitar")
    removed = location.get(db_of(client), who.controller_id)
    assert removed == location.Location(None, None, "Los Aromos 1234")


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [
        (
            "-34.6037",
            "-58.3816",
            "La ubicación queda fuera de Chile: la longitud va entre -76 y -66",
        ),
        ("40.4168", "-3.7038", "La ubicación queda fuera de Chile: la latitud va entre -56 y -17"),
        ("-70.7573", "-33.5117", "La latitud y la longitud parecen estar al revés"),
        ("33.5117", "70.7573", "revise que no falte el signo menos"),
        ("-33.5117", "", "Escriba la longitud en grados decimales"),
        ("33°26'S", "-70.7", "Escriba la latitud como un número decimal"),
        ("nan", "-70.7", "Escriba la latitud como un número decimal"),
        ("-3e1", "-70.7", "Escriba la latitud como un número decimal"),
    ],
)
async def test_coordinates_outside_chile_are_refused_in_spanish(
    client: Client, latitude: str, longitude: str, message: str
) -> None:
    unidad, who, page = await form_visitor(client)
    response = await unidad.post(f"{page}/ubicacion", latitude=latitude, longitude=longitude)
    html = await response.text()
    assert response.status == 400 and message in html, html[html.find("Ubicación") :]
    assert 'aria-invalid="true"' in html or 'class="field-error"' in html
    assert f'value="{latitude}"' in html.replace("&#39;", "'")  # what was typed stays
    assert location.get(db_of(client), who.controller_id).placed is False
    actions = {e.action for e in db_of(client).audit.history(who_subject(who))}
    assert "controller.location" not in actions


def who_subject(who: Enrolled) -> Subject:
    return Subject("controller", who.controller_id)


async def test_the_coordinates_form_needs_the_csrf_token(client: Client) -> None:
    unidad, who, page = await form_visitor(client)
    response = await client.post(
        f"{page}/ubicacion",
        data={"latitude": "-33.5", "longitude": "-70.7"},
        cookies=unidad.identity.cookies,
        allow_redirects=False,
    )
    assert response.status == 403
    assert location.get(db_of(client), who.controller_id).placed is False
    empty = await unidad.post(f"{page}/ubicacion")  # an empty form does nothing
    assert empty.status == 400


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        ("-27.1127", "-109.3497"),  # Hanga Roa, Rapa Nui
        ("-33.6405", "-78.8300"),  # San Juan Bautista, Juan Fernández
        ("-53.1638", "-70.9171"),  # Punta Arenas
        ("-18.4783", "-70.3126"),  # Arica
        ("\u221233,45", "\u221270,66"),  # a typographic minus sign
    ],
)
def test_places_in_chile_are_accepted(latitude: str, longitude: str) -> None:
    place = location.read_location({"latitude": latitude, "longitude": longitude})
    assert place.placed and location.in_chile(place.latitude or 0, place.longitude or 0)


def test_a_long_address_is_refused() -> None:
    with pytest.raises(Invalid) as caught:
        location.read_location({"latitude": "-33.4", "longitude": "-70.6", "address": "x" * 121})
    assert caught.value.problems == {
        "address": "La dirección no puede tener más de 120 caracteres."
    }
