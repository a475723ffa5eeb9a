"""Mediación's pages: only the mediación role and admins enter (gestores and the Unidad get
403 and never see a case), a case through its forms, every bad input refused in Spanish
with nothing written, the link from a demanda, and the CSV read back without phones."""

from __future__ import annotations

import csv
import io

from hub.enlace.demandas.repository import Demandas
from hub.mediacion import routes
from hub.mediacion.model import EstadoCaso
from hub.mediacion.repository import Casos
from tests.hub.conftest import CLI, T0
from tests.hub.enlace.conftest import MARKER, World
from tests.hub.enlace.seeds.demandas import caso, draft, seed
from tests.hub.enlace.test_demandas_pages import assert_every_field_is_labelled

GOOD = {
    "tipo": "mascotas",
    "barrio_id": "2",
    "origen": "espontanea",
    "descripcion": "Perro que ladra de noche",
    "requirente_alias": "Sra. Inés",
    "requirente_telefono": "+56 9 8123 4567",
    "requerido_alias": "Vecino del 14",
}


def counts(world: World) -> tuple[int, ...]:
    db = world.hub.db
    tables = ("mediacion_casos", "mediacion_partes", "mediacion_sesiones", "mediacion_estados")
    return tuple(
        int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        for table in (*tables, "audit_log")
    )


async def test_gestores_and_the_unidad_get_403_and_see_no_case(world: World) -> None:
    seed(world)
    before = counts(world)
    for person in (world.gestor_norte, world.gestor_sur, world.unidad):
        for entry in routes.ROUTES:
            if entry.method == "GET":
                response = await world.get(person, entry.example_path)
            else:
                response = await world.post(person, entry.example_path, GOOD)
            body = await response.text()
            assert response.status == 403, (person.email, entry.name)
            assert "Acceso denegado" in body
            assert "Ruidos nocturnos" not in body and "Vecina" not in body
        menu = await (await world.get(person, "/")).text()
        assert 'href="/mediacion"' not in menu
    assert counts(world) == before


async def test_mediacion_and_admin_see_every_case(world: World) -> None:
    seed(world)
    Casos(world.hub).open(caso(2, "Estacionamiento en Sur"), actor=CLI, at=T0)
    for person in (world.mediacion, world.admin):
        listing = await (await world.get(person, "/mediacion")).text()
        assert 'href="/mediacion/1"' in listing and 'href="/mediacion/2"' in listing
        page = await (await world.get(person, "/mediacion/1")).text()
        assert f"Ruidos nocturnos {MARKER}" in page and "+56 9 8765 4321" in page
        assert "Derivada desde la demanda N° 1" in page and 'href="/demandas/1"' in page
        assert "Historial de estados" in page and "Ingresó el caso" in page
        assert "Registró una sesión" in page and f"Primera sesión {MARKER}" in page
        assert "Origen: «Derivada desde una demanda»" in page and "Rol: «Requirente»" in page
        assert "Fecha: «12-01-2027»" in page and "«»" not in page
        assert page.index("Vecina NORTE-RESERVADO") < page.index("Vecino del 12")
    menu = await (await world.get(world.mediacion, "/")).text()
    assert 'href="/mediacion"' in menu


async def test_opening_and_following_a_case_through_the_forms(world: World) -> None:
    response = await world.post(world.mediacion, "/mediacion/nuevo", GOOD)
    assert response.status == 303
    assert response.headers["Location"] == "/mediacion/1?aviso=caso-ingresado"
    steps = [
        ("sesiones", {"fecha": "2027-01-14", "asistencia": "ambas", "sesion_nota": "Buena"}),
        ("partes", {"alias": "Hija de la Sra. Inés", "rol": "requirente"}),
        ("estado", {"estado": "premediacion"}),
        ("estado", {"estado": "en_mediacion"}),
        ("acuerdo", {"acuerdo": "Paseos con correa"}),
        ("estado", {"estado": "con_acuerdo"}),
    ]
    for form, data in steps:
        response = await world.post(world.admin, f"/mediacion/1/{form}", data)
        assert response.status == 303, (form, await response.text())
    page = await (await world.get(world.mediacion, "/mediacion/1")).text()
    assert "Con acuerdo" in page and "Paseos con correa" in page
    assert "Hija de la Sra. Inés" in page and "Asistieron ambas partes" in page
    assert "Población Los Aromos" in page and "Cambió el acuerdo" in page
    made = Casos(world.hub).get(1)
    assert made.estado is EstadoCaso.CON_ACUERDO and made.partes == 3


async def test_bad_new_cases_are_refused_in_spanish_with_nothing_written(world: World) -> None:
    Demandas(world.hub).add(1, draft("x"), actor=CLI, at=T0)
    before = counts(world)
    cases: list[tuple[dict[str, str], str, str]] = [
        ({"tipo": ""}, "tipo", "Elija el tipo de conflicto"),
        ({"origen": "magia"}, "origen", "Elija el origen del caso"),
        ({"origen": "demanda"}, "demanda_id", "Indique el N° de la demanda"),
        ({"origen": "demanda", "demanda_id": "abc"}, "demanda_id", "con su número"),
        ({"origen": "demanda", "demanda_id": "9"}, "demanda_id", "No existe la demanda N° 9"),
        ({"origen": "institucion"}, "institucion_origen", "Indique la institución"),
        ({"barrio_id": "99"}, "barrio_id", "No existe el barrio N° 99"),
        ({"descripcion": ""}, "descripcion", "Describa brevemente el conflicto"),
        ({"requirente_alias": " "}, "requirente_alias", "Escriba un alias o el nombre"),
        ({"requirente_telefono": "123"}, "requirente_telefono", "no es un teléfono chileno"),
        (
            {"requerido_alias": "", "requerido_telefono": "+56 9 8111 2222"},
            "requerido_alias",
            "Escriba el alias de la parte requerida",
        ),
    ]
    for change, field, message in cases:
        response = await world.post(world.mediacion, "/mediacion/nuevo", {**GOOD, **change})
        page = await response.text()
        assert response.status == 400, change
        assert message in page and f'id="error-{field}"' in page, change
        assert "Perro que ladra de noche" in page or field == "descripcion"
    assert counts(world) == before


async def test_bad_case_forms_are_refused_with_nothing_written(world: World) -> None:
    Casos(world.hub).open(caso(None, "x"), actor=CLI, at=T0)
    before = counts(world)
    cases: list[tuple[str, dict[str, str], str]] = [
        ("partes", {"rol": "requirente"}, "Escriba un alias o el nombre"),
        ("partes", {"alias": "A", "rol": "juez"}, "requirente o requerida"),
        ("partes", {"alias": "A", "rol": "requerido", "telefono": "+1 202 555 0100"}, "chileno"),
        ("sesiones", {"asistencia": "ambas"}, "Indique la fecha de la sesión"),
        ("sesiones", {"fecha": "2027-01-16", "asistencia": "ambas"}, "no puede ser futura"),
        ("sesiones", {"fecha": "2027-01-10", "asistencia": "todos"}, "quiénes asistieron"),
        ("acuerdo", {"acuerdo": "  "}, "Escriba el acuerdo o el resultado"),
        ("estado", {"estado": "sin_acuerdo"}, "puede pasar a: «Premediación», «Derivado»"),
        ("estado", {"estado": "cerrado"}, "indique por qué se cierra"),
        ("estado", {"estado": "derivado"}, "indique a quién se deriva"),
        ("estado", {"estado": ""}, "Elija el nuevo estado"),
    ]
    for form, data, message in cases:
        response = await world.post(world.mediacion, f"/mediacion/1/{form}", data)
        assert response.status == 400, (form, data)
        assert message in await response.text(), (form, data)
    assert counts(world) == before
    assert (await world.get(world.mediacion, "/mediacion/7")).status == 404


async def test_deriving_a_demanda_to_mediacion_opens_no_case_until_mediacion_does(
    world: World,
) -> None:
    Demandas(world.hub).add(1, draft(f"Ruidos {MARKER}"), actor=CLI, at=T0)
    derive = {"derivada_a": "Mediación Comunitaria", "derivacion_nota": "Conflicto vecinal"}
    response = await world.post(world.gestor_norte, "/demandas/1/derivacion", derive)
    assert response.status == 303
    assert counts(world)[0] == 0
    gestor_view = await (await world.get(world.gestor_norte, "/demandas/1")).text()
    assert "Derivada a" in gestor_view and "Mediación Comunitaria: Conflicto vecinal" in gestor_view
    assert "caso de mediación" not in gestor_view.lower()
    mediadora_view = await (await world.get(world.mediacion, "/demandas/1")).text()
    assert "Ningún caso de mediación nombra esta demanda." in mediadora_view
    assert 'href="/mediacion/nuevo?demanda=1"' in mediadora_view
    prefilled = await (await world.get(world.mediacion, "/mediacion/nuevo?demanda=1")).text()
    assert 'value="1"' in prefilled and 'value="demanda" selected' in prefilled
    opened = {**GOOD, "origen": "demanda", "demanda_id": "1", "barrio_id": "1"}
    response = await world.post(world.mediacion, "/mediacion/nuevo", opened)
    assert response.status == 303
    mediadora_view = await (await world.get(world.mediacion, "/demandas/1")).text()
    assert 'href="/mediacion/1"' in mediadora_view and "Ingresado" in mediadora_view
    gestor_view = await (await world.get(world.gestor_norte, "/demandas/1")).text()
    assert "/mediacion/1" not in gestor_view and "Sra. Inés" not in gestor_view


async def test_the_csv_is_filtered_and_has_no_phone_or_alias(world: World) -> None:
    seed(world)
    casos = Casos(world.hub)
    casos.open(caso(2, "=Estacionamiento"), actor=CLI, at=T0 + 10)
    casos.move(2, EstadoCaso.CERRADO, nota="Desistió", actor=CLI, at=T0 + 20)
    response = await world.get(world.mediacion, "/mediacion/casos.csv?estado=todos")
    assert response.headers["Content-Type"].startswith("text/csv")
    text = (await response.read()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "N°",
        "Ingresado",
        "Tipo de conflicto",
        "Barrio",
        "Origen",
        "Demanda N°",
        "Estado",
        "Partes",
        "Sesiones",
        "Acuerdo o resultado",
    ]
    assert [row[0] for row in rows[1:]] == ["2", "1"]
    assert rows[2][1:] == [
        "2027-01-15",
        "Ruidos",
        world.norte.name,
        "Derivada desde la demanda N° 1",
        "1",
        "Ingresado",
        "2",
        "1",
        "",
    ]
    assert "987654321" not in text and "+56" not in text and "Vecina" not in text
    open_only = await world.get(world.admin, "/mediacion/casos.csv")
    open_rows = list(csv.reader(io.StringIO((await open_only.read()).decode("utf-8-sig"))))
    assert [row[0] for row in open_rows[1:]] == ["1"]


async def test_every_field_has_its_label_and_ids_are_unique(world: World) -> None:
    seed(world)
    for path in ("/mediacion", "/mediacion/nuevo", "/mediacion/1"):
        response = await world.get(world.mediacion, path)
        assert_every_field_is_labelled(await response.text())
