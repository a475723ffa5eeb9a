"""Mediación's repository: migrations, opening a case with its parties, the estado flow and
its rules, sessions, filters, and no phone in the audit log."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from hub.enlace.demandas.repository import Demandas
from hub.enlace.history import history_of
from hub.errors import Invalid, NotFound
from hub.mediacion.forms import CasoFilter, ParteDraft, SesionDraft
from hub.mediacion.model import (
    TRANSITIONS,
    Asistencia,
    EstadoCaso,
    Origen,
    RolParte,
    TipoConflicto,
)
from hub.mediacion.repository import Casos
from hub.storage import HubDB, Subject
from tests.hub.conftest import CLI, T0
from tests.hub.enlace.conftest import World
from tests.hub.enlace.seeds.demandas import caso, draft


def test_migrations_make_strict_tables_on_a_fresh_database() -> None:
    with HubDB.memory() as hub:
        for table in ("mediacion_casos", "mediacion_partes", "mediacion_sesiones"):
            sql = hub.db.execute(
                "SELECT sql FROM sqlite_master WHERE name = ?", [table]
            ).fetchone()[0]
            assert sql.rstrip().endswith("STRICT"), table
        made = Casos(hub).open(caso(None, "Perro que ladra"), actor=CLI, at=T0)
        assert made.estado is EstadoCaso.INGRESADO and made.barrio == "" and made.partes == 2


def test_a_case_names_an_existing_demanda_and_leaves_it_alone(world: World) -> None:
    demanda = Demandas(world.hub).add(1, draft("Ruidos"), actor=CLI, at=T0)
    casos = Casos(world.hub)
    with pytest.raises(Invalid) as refused:
        casos.open(caso(7, "x", 99), actor=CLI, at=T0)
    assert refused.value.problems == {
        "demanda_id": "No existe la demanda N° 99.",
        "barrio_id": "No existe el barrio N° 7.",
    }
    made = casos.open(caso(1, "Ruidos", demanda.id), actor=CLI, at=T0)
    assert made.origen is Origen.DEMANDA and made.origen_shown.endswith(f"N° {demanda.id}")
    assert [c.id for c in casos.of_demanda(demanda.id)] == [made.id]
    assert Demandas(world.hub).get(demanda.id) == demanda


def test_the_flow_and_its_rules(world: World) -> None:
    casos = Casos(world.hub)
    made = casos.open(caso(None, "x"), actor=CLI, at=T0)
    with pytest.raises(Invalid) as refused:
        casos.move(made.id, EstadoCaso.CON_ACUERDO, resultado="x", actor=CLI, at=T0)
    assert refused.value.problems["estado"] == (
        "Un caso «Ingresado» no puede pasar a «Con acuerdo». Desde «Ingresado» puede pasar "
        "a: «Premediación», «Derivado», «Cerrado»."
    )
    with pytest.raises(Invalid, match="indique por qué se cierra"):
        casos.move(made.id, EstadoCaso.CERRADO, actor=CLI, at=T0)
    casos.move(made.id, EstadoCaso.PREMEDIACION, actor=CLI, at=T0 + 1)
    casos.move(made.id, EstadoCaso.EN_MEDIACION, actor=CLI, at=T0 + 2)
    with pytest.raises(Invalid, match="escriba el acuerdo alcanzado"):
        casos.move(made.id, EstadoCaso.CON_ACUERDO, actor=CLI, at=T0)
    with pytest.raises(Invalid, match="indique a quién se deriva"):
        casos.move(made.id, EstadoCaso.DERIVADO, actor=CLI, at=T0)
    agreed = casos.move(
        made.id,
        EstadoCaso.CON_ACUERDO,
        resultado="Horario de silencio desde las 22:00",
        actor=CLI,
        at=T0 + 3,
    )
    assert agreed.acuerdo == "Horario de silencio desde las 22:00"
    closed = casos.move(made.id, EstadoCaso.CERRADO, nota="Acuerdo cumplido", actor=CLI, at=T0 + 4)
    with pytest.raises(Invalid, match="«Cerrado» y ya no cambia de estado"):
        casos.move(closed.id, EstadoCaso.PREMEDIACION, actor=CLI, at=T0)
    with pytest.raises(Invalid, match="ya no se pueden registrar sesiones"):
        casos.add_sesion(
            made.id, SesionDraft(date(2027, 1, 2), Asistencia.AMBAS, ""), actor=CLI, at=T0
        )
    assert [c.hacia for c in casos.estados(made.id)] == [
        "ingresado",
        "premediacion",
        "en_mediacion",
        "con_acuerdo",
        "cerrado",
    ]
    assert set(TRANSITIONS) == set(EstadoCaso)


def test_sessions_and_parties_are_kept_and_audited_without_phones(world: World) -> None:
    casos = Casos(world.hub)
    made = casos.open(caso(1, "x"), actor=CLI, at=T0)
    casos.add_parte(
        made.id, ParteDraft("Arrendador", RolParte.REQUERIDO, "+56223456789"), actor=CLI, at=T0
    )
    casos.add_sesion(
        made.id, SesionDraft(date(2027, 1, 9), Asistencia.SOLO_REQUIRENTE, "b"), actor=CLI, at=T0
    )
    casos.add_sesion(
        made.id, SesionDraft(date(2027, 1, 3), Asistencia.AMBAS, "a"), actor=CLI, at=T0
    )
    assert [s.nota for s in casos.sesiones(made.id)] == ["a", "b"]
    assert [p.rol for p in casos.partes(made.id)] == [
        RolParte.REQUIRENTE,
        RolParte.REQUERIDO,
        RolParte.REQUERIDO,
    ]
    assert casos.get(made.id).sesiones == 2 and casos.get(made.id).partes == 3
    log = " ".join(
        row[0] for row in world.hub.db.execute("SELECT detail FROM audit_log").fetchall()
    )
    assert "987654321" not in log and "223456789" not in log and "(registrado)" in log
    actions = [line.what for line in history_of(world.hub, Subject("mediacion_caso", made.id))]
    assert actions.count("mediacion_caso.party") == 3
    assert actions.count("mediacion_caso.session") == 2


def test_search_filters_and_hides_closed_cases_by_default(world: World) -> None:
    casos = Casos(world.hub)
    first = casos.open(caso(1, "a"), actor=CLI, at=T0)
    second = casos.open(replace(caso(2, "b"), tipo=TipoConflicto.MASCOTAS), actor=CLI, at=T0 + 1)
    casos.move(first.id, EstadoCaso.CERRADO, nota="Desistió", actor=CLI, at=T0)
    assert [c.id for c in casos.search()] == [second.id]
    assert [c.id for c in casos.search(CasoFilter(estado="todos"))] == [second.id, first.id]
    assert [c.id for c in casos.search(CasoFilter(estado="cerrado"))] == [first.id]
    mascotas = CasoFilter(estado="todos", tipo=TipoConflicto.MASCOTAS)
    assert [c.id for c in casos.search(mascotas)] == [second.id]
    assert [c.id for c in casos.search(CasoFilter(estado="todos", barrio_id=1))] == [first.id]


def test_a_missing_case_is_not_found(world: World) -> None:
    with pytest.raises(NotFound, match="No existe el caso de mediación 5"):
        Casos(world.hub).get(5)
