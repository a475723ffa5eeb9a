"""The territory tables after every migration, and a barrio's profile read back."""

from __future__ import annotations

import json

import pytest
from sqlite_utils import Database

from hub.errors import NotFound
from hub.storage import HubDB
from hub.territory import storage
from hub.territory.barrios import AGE_BANDS, GSE_GROUPS, get_or_create, profile
from hub.territory.geo import parse_geometry
from tests.hub.conftest import CLI, T0

SQUARE = (
    '{"type": "Polygon", "coordinates": [[[-70.76, -33.51], [-70.75, -33.51], '
    "[-70.75, -33.50], [-70.76, -33.50], [-70.76, -33.51]]]}"
)


def columns(hub: HubDB, table: str) -> dict[str, tuple[str, bool, object]]:
    rows = hub.db.execute(f"PRAGMA table_info({table})").fetchall()
    return {row[1]: (row[2], bool(row[3]), row[4]) for row in rows}


def test_m003_adds_the_profile_and_limits_to_barrios() -> None:
    with HubDB.memory() as hub:
        found = columns(hub, "barrios")
        assert found["sector"] == ("TEXT", True, "''")
        assert found["poblacion"] == ("INTEGER", False, None)
        assert found["grupos_etarios"] == ("TEXT", True, "'{}'")
        assert found["gse"] == ("TEXT", True, "'{}'")
        assert found["fuente_sociodemografica"] == ("TEXT", True, "''")
        assert found["limites"] == ("TEXT", False, None)
        assert found["updated_at"] == ("REAL", False, None)
        strict = hub.db.execute("SELECT sql FROM sqlite_master WHERE name = 'barrios'").fetchone()[
            0
        ]
        assert "STRICT" in strict


def test_a_new_barrio_has_an_empty_profile() -> None:
    with HubDB.memory() as hub:
        barrio = get_or_create(hub, "Villa Los Héroes", actor=CLI, at=T0)
        found = profile(hub, barrio.id)
        assert found.barrio == barrio
        assert (found.territorio_id, found.territorio, found.poblacion) == (None, None, None)
        assert (found.sector, found.fuente, found.limites) == ("", "", None)
        assert found.grupos_etarios == {} and found.gse == {}
        with pytest.raises(NotFound, match="No existe el barrio 99"):
            profile(hub, 99)


def test_the_profile_reads_the_stored_columns_in_band_order() -> None:
    with HubDB.memory() as hub:
        barrio = get_or_create(hub, "Villa Los Héroes", actor=CLI, at=T0)
        hub.db.execute(
            "UPDATE barrios SET sector = 'Sector 3', poblacion = 5230, grupos_etarios = ?, "
            "gse = ?, fuente_sociodemografica = 'Censo 2017', limites = ? WHERE id = ?",
            [
                json.dumps({"65+": 700, "0-14": 1000, "otra": 3}),
                json.dumps({"E": 10, "C3": 40.5, "D": 49.5}),
                SQUARE,
                barrio.id,
            ],
        )
        found = profile(hub, barrio.id)
        assert list(found.grupos_etarios) == ["0-14", "65+"]
        assert list(found.gse) == ["C3", "D", "E"] and found.gse["C3"] == 40.5
        assert (found.sector, found.poblacion, found.fuente) == ("Sector 3", 5230, "Censo 2017")
        assert found.limites == parse_geometry(SQUARE)
        assert AGE_BANDS == ("0-14", "15-29", "30-44", "45-64", "65+")
        assert GSE_GROUPS == ("AB", "C1a", "C1b", "C2", "C3", "D", "E")


def test_m003_upgrades_barrios_that_already_exist() -> None:
    db = Database(memory=True)
    db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY) STRICT")
    storage.m001_barrios(db)
    storage.m002_territorios(db)
    db.execute("INSERT INTO barrios (name, created_at) VALUES ('Villa Antigua', ?)", [T0])
    storage.m003_barrio_profile(db)
    row = db.execute(
        "SELECT sector, poblacion, grupos_etarios, gse, fuente_sociodemografica, limites, "
        "updated_at FROM barrios"
    ).fetchone()
    assert row == ("", None, "{}", "{}", "", None, None)
    assert [m.name for m in storage.migrations.pending(Database(memory=True))][-1] == (
        "m003_barrio_profile"
    )
