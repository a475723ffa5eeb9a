"""The pieces every Enlace module stands on: the territorial scope, the change history,
the CSV download, and reading and writing numbers as people in Chile do."""

from __future__ import annotations

import csv
import io

import pytest

from hub.enlace.diagnostico.problematicas import Problematicas
from hub.enlace.history import changes, history_of
from hub.enlace.web import csv_download
from hub.errors import Forbidden, Invalid, NotFound
from hub.forms import parse_number
from hub.roles import Role
from hub.storage import Subject
from hub.territory.scope import require_barrio, require_record, scope_of
from hub.territory.territorios import Territorios
from hub.web.render import format_number
from tests.hub.conftest import CLI, T0, add_user
from tests.hub.enlace.conftest import MARKER, World


def test_each_role_sees_the_barrios_it_should(world: World) -> None:
    hub = world.hub
    norte, sur = world.norte.id, world.sur.id
    admin = scope_of(hub, world.admin)
    assert admin.sees(norte) and admin.sees(sur) and admin.may_write
    gestor = scope_of(hub, world.gestor_norte)
    assert gestor.sees(norte) and not gestor.sees(sur) and not gestor.sees(None)
    assert gestor.may_write and gestor.where("b.id") == ("b.id IN (?)", [norte])
    for reader in (world.mediacion, world.unidad):
        scope = scope_of(hub, reader)
        assert scope.sees(norte) and scope.sees(sur) and not scope.may_write


def test_a_gestor_without_territorio_sees_no_barrio(world: World) -> None:
    newcomer = add_user(world.client, Role.GESTOR, email="nuevo@maipu.cl")
    scope = scope_of(world.hub, newcomer)
    assert not scope.sees(world.norte.id) and scope.where() == ("0", [])


def test_a_barrio_outside_the_scope_is_not_found_and_reading_is_not_writing(
    world: World,
) -> None:
    hub = world.hub
    with pytest.raises(NotFound, match="No existe el barrio 2"):
        require_barrio(hub, scope_of(hub, world.gestor_norte), world.sur.id)
    with pytest.raises(NotFound):
        require_barrio(hub, scope_of(hub, world.admin), 99)
    assert require_barrio(hub, scope_of(hub, world.mediacion), 1).name == world.norte.name
    with pytest.raises(Forbidden):
        require_barrio(hub, scope_of(hub, world.mediacion), 1, write=True)


def test_a_record_is_checked_through_its_barrio(world: World) -> None:
    hub = world.hub
    made = Problematicas(hub).add(world.norte.id, f"Robos {MARKER}", actor=CLI, at=T0)
    norte = scope_of(hub, world.gestor_norte)
    sur = scope_of(hub, world.gestor_sur)
    assert require_record(hub, norte, "problematicas", made.id, what="la problemática") == 1
    with pytest.raises(NotFound, match="No existe la problemática 1"):
        require_record(hub, sur, "problematicas", made.id, what="la problemática")
    with pytest.raises(NotFound):
        require_record(hub, norte, "problematicas", 999, what="la problemática")


def test_moving_a_barrio_moves_who_sees_it(world: World) -> None:
    hub = world.hub
    sur_territorio = hub.db.execute("SELECT territorio_id FROM barrios WHERE id = 2").fetchone()[0]
    Territorios(hub).place_barrio(world.norte.id, sur_territorio, actor=CLI, at=T0)
    assert scope_of(hub, world.gestor_sur).sees(world.norte.id)
    assert not scope_of(hub, world.gestor_norte).sees(world.norte.id)


def test_only_gestores_work_territorios(world: World) -> None:
    with pytest.raises(Invalid, match="no tiene el rol de gestor"):
        Territorios(world.hub).assign_gestor(1, world.mediacion.id, actor=CLI, at=T0)
    with pytest.raises(Invalid, match="Ya existe un territorio"):
        Territorios(world.hub).create("territorio  norte", actor=CLI, at=T0)


def test_history_keeps_the_author_and_what_changed(world: World) -> None:
    assert changes({"a": 1, "b": "x"}, {"a": 1, "b": "y", "c": None}) == {"b": ["x", "y"]}
    assert changes(None, {"a": 1}) == {"a": [None, 1]}
    made = Problematicas(world.hub).add(1, "Microtráfico", "En la plaza", actor=CLI, at=T0)
    lines = history_of(world.hub, Subject("problematica", made.id), {"problematica.create": "Creó"})
    assert len(lines) == 1 and lines[0].author == "pruebas" and lines[0].what == "Creó"
    assert lines[0].changed["titulo"] == (None, "Microtráfico")


def test_a_problematica_needs_a_title(world: World) -> None:
    with pytest.raises(Invalid, match="Escriba la problemática"):
        Problematicas(world.hub).add(1, "   ", actor=CLI, at=T0)
    assert Problematicas(world.hub).of_barrio(1) == []


def test_csv_downloads_open_in_spreadsheets_and_never_run_formulas() -> None:
    response = csv_download("x.csv", ["nombre", "n"], [["=HYPERLINK(1)", 3], ["Ñuñoa", None]])
    body = response.body
    assert isinstance(body, bytes) and body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [["nombre", "n"], ["'=HYPERLINK(1)", "3"], ["Ñuñoa", ""]]
    assert 'filename="x.csv"' in response.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("text", "number"),
    [("1.234,5", 1234.5), ("1234.5", 1234.5), ("1.234", 1234.0), ("0,75", 0.75), ("12", 12.0)],
)
def test_numbers_are_read_as_typed_in_chile(text: str, number: float) -> None:
    assert parse_number(text) == number


@pytest.mark.parametrize("text", ["", "abc", "nan", "inf", "1,2,3"])
def test_what_is_not_a_number_is_refused(text: str) -> None:
    assert parse_number(text) is None


def test_numbers_are_shown_as_written_in_chile() -> None:
    assert format_number(13.4, 2) == "13,40"
    assert format_number(1234567) == "1.234.567"
    assert format_number(-1234.5, 1) == "-1.234,5"
    assert format_number(None) == "—"


async def test_the_barrio_list_shows_each_gestor_their_own(world: World) -> None:
    norte = await (await world.get(world.gestor_norte, "/barrios")).text()
    sur = await (await world.get(world.gestor_sur, "/barrios")).text()
    assert MARKER in norte and "Los Aromos" not in norte
    assert MARKER not in sur and "Los Aromos" in sur
    response = await world.get(world.gestor_sur, "/barrios/1")
    assert response.status == 404
    ficha = await (await world.get(world.mediacion, "/barrios/1")).text()
    assert "Territorio Norte" in ficha and "Nora Norte" in ficha
