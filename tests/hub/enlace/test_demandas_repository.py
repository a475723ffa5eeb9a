"""The demandas' repository: migrations, plazos and vencidas, the estado flow, triage,
derivación, activities, the figures of a list, and the audit history."""

from __future__ import annotations

from datetime import date

import pytest

from hub.enlace.demandas.forms import ActividadDraft, DemandaFilter, Triage
from hub.enlace.demandas.model import (
    TARGET_DAYS,
    TRANSITIONS,
    Estado,
    Prioridad,
    TipoActividad,
    deadline,
)
from hub.enlace.demandas.repository import Demandas, metrics
from hub.enlace.history import history_of
from hub.errors import Invalid, NotFound
from hub.storage import HubDB, Subject
from hub.territory import get_or_create
from tests.hub.conftest import CLI, T0
from tests.hub.enlace.conftest import World
from tests.hub.enlace.seeds.demandas import draft

TODAY = date(2027, 1, 15)


def mediacion_rows(hub: HubDB) -> int:
    """Rows in every table of Mediación (none until a case is opened there)."""
    tables = hub.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'mediacion%'"
    ).fetchall()
    return sum(hub.db.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0] for (name,) in tables)


def test_migrations_make_strict_tables_on_a_fresh_database() -> None:
    with HubDB.memory() as hub:
        for table in ("demandas", "demanda_actividades", "demanda_estados"):
            sql = hub.db.execute(
                "SELECT sql FROM sqlite_master WHERE name = ?", [table]
            ).fetchone()[0]
            assert sql.rstrip().endswith("STRICT"), table
        barrio = get_or_create(hub, "Villa Prueba", actor=CLI, at=T0)
        made = Demandas(hub).add(barrio.id, draft("Poste sin luz"), actor=CLI, at=T0)
        assert made.estado is Estado.RECIBIDA and made.barrio == "Villa Prueba"


def test_targets_are_the_documented_days() -> None:
    assert {p.value: d for p, d in TARGET_DAYS.items()} == {
        "urgente": 2,
        "alta": 5,
        "normal": 10,
        "baja": 20,
    }
    assert deadline(date(2027, 1, 30), Prioridad.ALTA) == date(2027, 2, 4)


def test_a_demanda_is_overdue_only_after_its_plazo_and_while_open(world: World) -> None:
    repo = Demandas(world.hub)
    made = repo.add(1, draft("x", recibida_el=date(2027, 1, 5)), actor=CLI, at=T0)
    assert made.plazo == date(2027, 1, 15)
    assert not made.vencida(date(2027, 1, 15))
    assert made.vencida(date(2027, 1, 16))
    repo.triage(made.id, Triage(Prioridad.URGENTE, None, "Aseo"), actor=CLI, at=T0)
    moved = repo.move(made.id, Estado.EN_RESPUESTA, actor=CLI, at=T0, today=TODAY)
    assert moved.plazo == date(2027, 1, 7) and moved.vencida(TODAY)
    resolved = repo.move(made.id, Estado.RESUELTA, actor=CLI, at=T0, today=TODAY)
    assert not resolved.vencida(date(2027, 3, 1))
    assert resolved.resuelta_el == TODAY and resolved.response_days == 10


def test_the_flow_refuses_moves_its_table_does_not_allow(world: World) -> None:
    repo = Demandas(world.hub)
    made = repo.add(1, draft("x"), actor=CLI, at=T0)
    with pytest.raises(Invalid) as refused:
        repo.move(made.id, Estado.RESUELTA, actor=CLI, at=T0, today=TODAY)
    message = refused.value.problems["estado"]
    assert "«Recibida» no puede pasar a «Resuelta»" in message
    assert "puede pasar a: «En triage», «Derivada», «Desestimada»" in message
    with pytest.raises(Invalid, match="ya está «Recibida»"):
        repo.move(made.id, Estado.RECIBIDA, actor=CLI, at=T0, today=TODAY)
    with pytest.raises(Invalid, match="use «Derivar»"):
        repo.move(made.id, Estado.DERIVADA, actor=CLI, at=T0, today=TODAY)
    with pytest.raises(Invalid, match="escriba el motivo"):
        repo.move(made.id, Estado.DESESTIMADA, nota=" ", actor=CLI, at=T0, today=TODAY)
    gone = repo.move(
        made.id, Estado.DESESTIMADA, nota="No es de seguridad", actor=CLI, at=T0, today=TODAY
    )
    assert gone.motivo_desestimacion == "No es de seguridad"
    with pytest.raises(Invalid, match="ya no cambia de estado"):
        repo.move(made.id, Estado.EN_TRIAGE, actor=CLI, at=T0, today=TODAY)
    assert [(c.desde, c.hacia) for c in repo.estados(made.id)] == [
        (None, "recibida"),
        ("recibida", "desestimada"),
    ]


def test_every_estado_has_its_transitions_and_the_finished_ones_are_ends() -> None:
    assert set(TRANSITIONS) == set(Estado)
    assert TRANSITIONS[Estado.CERRADA] == () and TRANSITIONS[Estado.DESESTIMADA] == ()


def test_triage_sets_priority_and_responsable_and_moves_a_new_demanda(world: World) -> None:
    repo = Demandas(world.hub)
    made = repo.add(1, draft("x"), actor=CLI, at=T0)
    done = repo.triage(
        made.id, Triage(Prioridad.ALTA, world.gestor_norte.id, ""), actor=CLI, at=T0 + 60
    )
    assert done.estado is Estado.EN_TRIAGE and done.prioridad is Prioridad.ALTA
    assert done.responsable == "Nora Norte" and done.responsable_shown == "Nora Norte"
    again = repo.triage(
        made.id, Triage(Prioridad.BAJA, None, "Carabineros"), actor=CLI, at=T0 + 120
    )
    assert again.estado is Estado.EN_TRIAGE and again.responsable_shown == "Carabineros"
    with pytest.raises(Invalid, match="persona activa del equipo"):
        repo.triage(made.id, Triage(Prioridad.BAJA, world.unidad.id, ""), actor=CLI, at=T0)
    lines = history_of(world.hub, Subject("demanda", made.id))
    assert [line.what for line in lines] == [
        "demanda.create",
        "demanda.triage",
        "demanda.status",
        "demanda.triage",
    ]
    assert lines[1].changed["prioridad"] == ("normal", "alta")
    assert lines[1].changed["responsable"] == ("", "Nora Norte")
    assert lines[3].changed["responsable"] == ("Nora Norte", "")


def test_deriving_records_where_and_why_and_creates_nothing_in_mediacion(world: World) -> None:
    repo = Demandas(world.hub)
    made = repo.add(1, draft("Conflicto por ruidos"), actor=CLI, at=T0)
    derived = repo.derive(
        made.id, "Mediación Comunitaria", "Conflicto entre vecinos", actor=CLI, at=T0
    )
    assert derived.estado is Estado.DERIVADA and derived.estado.open
    assert derived.derivada_a == "Mediación Comunitaria"
    assert mediacion_rows(world.hub) == 0
    with pytest.raises(Invalid, match="ya está «Derivada»"):
        repo.derive(made.id, "Aseo", "otra vez", actor=CLI, at=T0)
    back = repo.move(made.id, Estado.EN_RESPUESTA, actor=CLI, at=T0, today=TODAY)
    assert back.estado is Estado.EN_RESPUESTA and back.derivada_a == "Mediación Comunitaria"


def test_activities_are_kept_in_date_order_and_audited(world: World) -> None:
    repo = Demandas(world.hub)
    made = repo.add(1, draft("x", recibida_el=date(2027, 1, 2)), actor=CLI, at=T0)
    repo.add_actividad(
        made.id,
        ActividadDraft(date(2027, 1, 9), TipoActividad.OPERATIVO, "Operativo de aseo", "Aseo"),
        actor=CLI,
        at=T0,
    )
    repo.add_actividad(
        made.id,
        ActividadDraft(date(2027, 1, 3), TipoActividad.LLAMADA, "Llamé a la vecina", "Nora"),
        actor=CLI,
        at=T0,
    )
    found = repo.actividades(made.id)
    assert [(a.fecha.day, a.tipo) for a in found] == [
        (3, TipoActividad.LLAMADA),
        (9, TipoActividad.OPERATIVO),
    ]
    assert found[0].descripcion == "Llamé a la vecina" and found[0].quien == "Nora"
    actions = [line.what for line in history_of(world.hub, Subject("demanda", made.id))]
    assert actions.count("demanda.activity") == 2


def test_metrics_count_open_overdue_and_the_median_response_time(world: World) -> None:
    repo = Demandas(world.hub)
    ids = [
        repo.add(1, draft(str(n), recibida_el=date(2027, 1, n)), actor=CLI, at=T0).id
        for n in (1, 5, 11, 14)
    ]
    for demanda_id, resolved in ((ids[0], date(2027, 1, 4)), (ids[1], date(2027, 1, 12))):
        repo.triage(demanda_id, Triage(Prioridad.NORMAL, None, "Aseo"), actor=CLI, at=T0)
        repo.move(demanda_id, Estado.EN_RESPUESTA, actor=CLI, at=T0, today=resolved)
        repo.move(demanda_id, Estado.RESUELTA, actor=CLI, at=T0, today=resolved)
    repo.move(ids[1], Estado.CERRADA, actor=CLI, at=T0, today=TODAY)
    found = repo.search("1", [], DemandaFilter(estado="todas"), TODAY)
    figures = metrics(found, TODAY)
    assert (figures.abiertas, figures.resueltas, figures.mediana_dias) == (2, 2, 5.0)
    assert figures.vencidas == 0
    assert metrics(found, date(2027, 1, 22)).vencidas == 1  # 11-01 + 10 días < 22-01
    open_only = repo.search("1", [], DemandaFilter(), TODAY)
    assert [d.id for d in open_only] == ids[2:]


def test_search_puts_the_overdue_first_and_filters_them(world: World) -> None:
    repo = Demandas(world.hub)
    late = repo.add(1, draft("tarde", recibida_el=date(2027, 1, 1)), actor=CLI, at=T0)
    fresh = repo.add(1, draft("nueva", recibida_el=date(2026, 12, 1)), actor=CLI, at=T0)
    repo.triage(fresh.id, Triage(Prioridad.BAJA, None, "Aseo"), actor=CLI, at=T0)
    repo.triage(late.id, Triage(Prioridad.URGENTE, None, "Aseo"), actor=CLI, at=T0)
    # fresh: 01-12 + 20 = 21-12 (overdue); late: 01-01 + 2 = 03-01 (overdue, later plazo)
    other = repo.add(2, draft("sur", recibida_el=TODAY), actor=CLI, at=T0)
    everything = repo.search("1", [], DemandaFilter(), TODAY)
    assert [d.id for d in everything] == [fresh.id, late.id, other.id]
    overdue = repo.search("1", [], DemandaFilter(vencidas=True), TODAY)
    assert [d.id for d in overdue] == [fresh.id, late.id]
    scoped = repo.search("d.barrio_id IN (?)", [2], DemandaFilter(), TODAY)
    assert [d.id for d in scoped] == [other.id]
    by_priority = repo.search("1", [], DemandaFilter(prioridad=Prioridad.URGENTE), TODAY)
    assert [d.id for d in by_priority] == [late.id]


def test_a_missing_demanda_is_not_found(world: World) -> None:
    with pytest.raises(NotFound, match="No existe la demanda 9"):
        Demandas(world.hub).get(9)


def test_the_contact_is_not_copied_into_the_audit_log(world: World) -> None:
    made = Demandas(world.hub).add(1, draft("x"), actor=CLI, at=T0)
    detail = world.hub.db.execute(
        "SELECT detail FROM audit_log WHERE subject_kind = 'demanda' AND subject_id = ?",
        [str(made.id)],
    ).fetchone()[0]
    assert "987654321" not in detail and "(registrado)" in detail
