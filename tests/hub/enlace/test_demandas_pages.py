"""The demandas' pages: who enters, registering and following a demanda through its forms,
every bad input refused in Spanish with nothing written, vencidas in the hub's time zone,
the list's filters and figures, and the CSV export read back."""

from __future__ import annotations

import csv
import io
from datetime import date
from html.parser import HTMLParser
from typing import Any

from hub.enlace.demandas.forms import Triage
from hub.enlace.demandas.model import Estado, Prioridad
from hub.enlace.demandas.repository import Demandas
from tests.hub.conftest import CLI, T0
from tests.hub.enlace.conftest import MARKER, World
from tests.hub.enlace.seeds.demandas import draft

HOUR = 3600.0
GOOD = {
    "canal": "linea_1418",
    "categoria": "microbasural",
    "descripcion": "Basura acumulada en el sitio eriazo",
    "solicitante": "Rosa",
    "contacto": "9 8765 4321",
    "recibida_el": "2027-01-10",
    "prioridad": "alta",
}


def counts(world: World) -> tuple[int, ...]:
    db = world.hub.db
    return tuple(
        int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        for table in ("demandas", "demanda_actividades", "demanda_estados", "audit_log")
    )


async def text_of(world: World, path: str, person: Any = None) -> str:
    response = await world.get(person or world.gestor_norte, path)
    assert response.status == 200, path
    return await response.text()


async def test_readers_enter_and_the_unidad_does_not(world: World) -> None:
    Demandas(world.hub).add(1, draft(f"Luz {MARKER}"), actor=CLI, at=T0)
    for person in (world.gestor_norte, world.admin, world.mediacion):
        for path in ("/demandas", "/barrios/1/demandas", "/demandas/1", "/demandas.csv"):
            assert (await world.get(person, path)).status == 200, (person.email, path)
    assert (await world.get(world.unidad, "/demandas")).status == 403
    for path in ("/barrios/1/demandas", "/demandas/1"):
        read_only = await text_of(world, path, world.mediacion)
        assert "<form" not in read_only.split("<main", 1)[1]  # read only: no forms
    response = await world.post(world.mediacion, "/barrios/1/demandas", GOOD)
    assert response.status == 403
    assert counts(world)[0] == 1


async def test_a_gestor_registers_a_demanda_and_sees_it_with_its_history(world: World) -> None:
    response = await world.post(world.gestor_norte, "/barrios/1/demandas", GOOD)
    assert response.status == 303
    assert response.headers["Location"] == "/demandas/1?aviso=demanda-registrada"
    page = await text_of(world, "/demandas/1?aviso=demanda-registrada")
    assert "La demanda quedó registrada." in page
    assert "Microbasural / sitio eriazo" in page and "Línea 1418" in page
    assert "+56 9 8765 4321" in page and "20-01-2027" not in page
    assert "15-01-2027" in page  # plazo: 10-01 + 5 días (alta)
    assert "Registró la demanda" in page and "norte@maipu.cl" in page
    assert "Canal: «Línea 1418»" in page and "Recibida el: «10-01-2027»" in page
    assert "Contacto: «(registrado)»" in page and "«»" not in page
    made = Demandas(world.hub).get(1)
    assert made.contacto == "+56987654321" and made.created_by == "norte@maipu.cl"
    barrio = await text_of(world, "/barrios/1/demandas")
    assert 'href="/demandas/1"' in barrio


async def test_bad_new_demandas_are_refused_in_spanish_with_nothing_written(world: World) -> None:
    before = counts(world)
    cases = {
        "canal": ("", "Elija el canal"),
        "categoria": ("ninguna", "Elija la categoría"),
        "descripcion": ("  ", "Describa la demanda"),
        "contacto": ("12", "no es un teléfono chileno válido"),
        "recibida_el": ("2027-02-30", "Escriba la fecha como AAAA-MM-DD"),
        "prioridad": ("altísima", "Elija la prioridad"),
    }
    for name, (value, message) in cases.items():
        response = await world.post(
            world.gestor_norte, "/barrios/1/demandas", {**GOOD, name: value}
        )
        page = await response.text()
        assert response.status == 400, name
        assert message in page, name
        assert f'id="error-{name}"' in page, name
        assert "Basura acumulada" in page or name == "descripcion"  # fields kept
    future = await world.post(
        world.gestor_norte, "/barrios/1/demandas", {**GOOD, "recibida_el": "2027-01-16"}
    )
    assert "no puede ser futura" in await future.text()
    mail = await world.post(
        world.gestor_norte, "/barrios/1/demandas", {**GOOD, "contacto": "rosa@"}
    )
    assert "Escriba un correo válido" in await mail.text()
    assert counts(world) == before


async def test_triage_activity_and_estado_through_the_forms(world: World) -> None:
    Demandas(world.hub).add(1, draft("Luminaria", recibida_el=date(2027, 1, 10)), actor=CLI, at=T0)
    base = "/demandas/1"
    triage = {"prioridad": "urgente", "responsable_id": str(world.gestor_norte.id)}
    response = await world.post(world.gestor_norte, f"{base}/triage", triage)
    assert response.status == 303
    response = await world.post(world.gestor_norte, f"{base}/estado", {"estado": "en_respuesta"})
    assert response.status == 303
    activity = {"fecha": "2027-01-14", "tipo": "visita", "descripcion": "Visita a la plaza"}
    response = await world.post(world.gestor_norte, f"{base}/actividades", activity)
    assert response.status == 303
    page = await text_of(world, base)
    assert "En respuesta" in page and "Urgente" in page and "Visita a la plaza" in page
    assert "Nora Norte" in page  # responsable, and who did the visit (her name by default)
    assert "Vencida" in page  # 10-01 + 2 días < 15-01
    assert "Hizo el triage" in page and "Registró una actividad de respuesta" in page
    response = await world.post(world.gestor_norte, f"{base}/estado", {"estado": "resuelta"})
    assert response.status == 303
    page = await text_of(world, base)
    assert "Resuelta" in page and "(5 días)" in page and "Vencida" not in page


async def test_bad_follow_up_forms_are_refused_with_nothing_written(world: World) -> None:
    Demandas(world.hub).add(1, draft("Luz", recibida_el=date(2027, 1, 10)), actor=CLI, at=T0)
    before = counts(world)
    cases: list[tuple[str, dict[str, str], str]] = [
        ("triage", {"prioridad": "", "responsable_id": "1"}, "Elija la prioridad"),
        ("triage", {"prioridad": "alta"}, "Indique la persona responsable o escriba"),
        ("triage", {"prioridad": "alta", "responsable_id": "x"}, "con su número"),
        (
            "triage",
            {"prioridad": "alta", "responsable_id": str(world.unidad.id)},
            "persona activa del equipo",
        ),
        ("actividades", {"tipo": "visita", "descripcion": "x"}, "Indique la fecha"),
        ("actividades", {"fecha": "2027-01-16", "tipo": "visita", "descripcion": "x"}, "futura"),
        (
            "actividades",
            {"fecha": "2027-01-09", "tipo": "visita", "descripcion": "x"},
            "anterior a la recepción (10-01-2027)",
        ),
        ("actividades", {"fecha": "2027-01-12", "tipo": "baile", "descripcion": "x"}, "tipo"),
        ("actividades", {"fecha": "2027-01-12", "tipo": "visita"}, "Describa la actividad"),
        ("derivacion", {"derivacion_nota": "x"}, "a qué institución o unidad"),
        ("derivacion", {"derivada_a": "otra", "derivacion_nota": "x"}, "a qué institución"),
        ("derivacion", {"derivada_a": "Carabineros"}, "Escriba una nota para la derivación"),
        ("estado", {"estado": "resuelta"}, "Desde «Recibida» puede pasar a: «En triage»"),
        ("estado", {"estado": "desestimada"}, "escriba el motivo"),
        ("estado", {"estado": "derivada"}, "use «Derivar»"),
        ("estado", {"estado": "volando"}, "Elija el nuevo estado"),
    ]
    for form, data, message in cases:
        response = await world.post(world.gestor_norte, f"/demandas/1/{form}", data)
        assert response.status == 400, (form, data)
        assert message in await response.text(), (form, data)
    assert counts(world) == before


async def test_overdue_follows_the_hubs_calendar_not_utc(world: World) -> None:
    Demandas(world.hub).add(1, draft("Luz", recibida_el=date(2027, 1, 5)), actor=CLI, at=T0)
    # Plazo 15-01-2027 (normal: 10 días). T0 is 15-01 05:00 in Santiago (UTC-3).
    assert "Vencida" not in await text_of(world, "/demandas/1")
    world.clock.advance(18 * HOUR)  # 16-01 02:00 UTC, still 15-01 23:00 in Santiago
    assert "Vencida" not in await text_of(world, "/demandas/1")
    assert "sí" not in await (await world.get(world.gestor_norte, "/demandas.csv")).text()
    world.clock.advance(2 * HOUR)  # 16-01 01:00 in Santiago
    assert "Vencida" in await text_of(world, "/demandas/1")
    listing = await text_of(world, "/demandas?vencidas=1")
    assert 'href="/demandas/1"' in listing and "Solo vencidas" in listing


async def test_the_list_filters_shows_figures_and_the_overdue_first(world: World) -> None:
    repo = Demandas(world.hub)
    late = repo.add(1, draft(f"Tarde {MARKER}", recibida_el=date(2027, 1, 1)), actor=CLI, at=T0)
    fresh = repo.add(1, draft("Reciente", recibida_el=date(2027, 1, 14)), actor=CLI, at=T0)
    repo.triage(fresh.id, Triage(Prioridad.BAJA, None, "Aseo"), actor=CLI, at=T0)
    page = await text_of(world, "/demandas")
    overdue_part, rest = page.split("Dentro del plazo o terminadas")
    assert f'href="/demandas/{late.id}"' in overdue_part
    assert f'href="/demandas/{fresh.id}"' in rest and f'href="/demandas/{late.id}"' not in rest
    assert '<span class="count">2</span> abiertas' in page
    assert '<span class="count">1</span> vencidas' in page
    only_low = await text_of(world, "/demandas?prioridad=baja")
    assert f'href="/demandas/{late.id}"' not in only_low
    assert f'href="/demandas/{fresh.id}"' in only_low
    triaged = await text_of(world, "/demandas?estado=en_triage")
    assert f'href="/demandas/{late.id}"' not in triaged
    sur = await text_of(world, "/demandas", world.gestor_sur)
    assert MARKER not in sur and "/demandas/1" not in sur


async def test_the_csv_is_scoped_filtered_and_carries_no_contact(world: World) -> None:
    repo = Demandas(world.hub)
    repo.add(1, draft(f"Luz {MARKER}", recibida_el=date(2027, 1, 1)), actor=CLI, at=T0)
    repo.add(2, draft("=Basura en Sur", recibida_el=date(2027, 1, 14)), actor=CLI, at=T0)
    response = await world.get(world.admin, "/demandas.csv?estado=todas")
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    assert rows[0][:3] == ["N°", "Barrio", "Recibida"]
    assert [row[0] for row in rows[1:]] == ["1", "2"]
    assert rows[1][1] == world.norte.name and rows[1][8] == "sí" and rows[1][7] == "2027-01-11"
    assert rows[2][5] == "'=Basura en Sur"
    body = "\n".join(",".join(row) for row in rows)
    assert "987654321" not in body and "Vecina de la plaza" not in body
    sur = await world.get(world.gestor_sur, "/demandas.csv")
    sur_rows = list(csv.reader(io.StringIO((await sur.read()).decode("utf-8-sig"))))
    assert [row[0] for row in sur_rows[1:]] == ["2"]
    overdue = await world.get(world.admin, "/demandas.csv?vencidas=1")
    overdue_rows = list(csv.reader(io.StringIO((await overdue.read()).decode("utf-8-sig"))))
    assert [row[0] for row in overdue_rows[1:]] == ["1"]


async def test_a_finished_demanda_offers_no_forms(world: World) -> None:
    repo = Demandas(world.hub)
    made = repo.add(1, draft("Luz"), actor=CLI, at=T0)
    repo.move(
        made.id, Estado.DESESTIMADA, nota="Duplicada", actor=CLI, at=T0, today=date(2027, 1, 15)
    )
    page = await text_of(world, "/demandas/1")
    assert "Duplicada" in page and "Cambiar estado" not in page and "Guardar triage" not in page
    before = counts(world)
    refusals = {
        "triage": ({"prioridad": "alta", "responsable_institucion": "Aseo"}, "su triage"),
        "actividades": (
            {"fecha": "2027-01-15", "tipo": "visita", "descripcion": "x"},
            "ya no se registran actividades",
        ),
        "derivacion": ({"derivada_a": "PDI", "derivacion_nota": "x"}, "ya no cambia de estado"),
        "estado": ({"estado": "en_triage"}, "«Desestimada» y ya no cambia de estado"),
    }
    for form, (data, message) in refusals.items():
        response = await world.post(world.gestor_norte, f"/demandas/1/{form}", data)
        assert response.status == 400 and message in await response.text(), form
    assert counts(world) == before


class FormFields(HTMLParser):
    """The ids of a page's form fields, the ``for`` of its labels, and every id."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[str] = []
        self.labelled: set[str] = set()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag == "label" and found.get("for"):
            self.labelled.add(str(found["for"]))
        if tag in ("input", "select", "textarea") and found.get("type") != "hidden":
            self.fields.append(str(found.get("id", "")))


def assert_every_field_is_labelled(page: str) -> None:
    parsed = FormFields()
    parsed.feed(page)
    assert parsed.fields, "no form fields"
    assert all(parsed.fields), "a field without id"
    assert set(parsed.fields) <= parsed.labelled, set(parsed.fields) - parsed.labelled
    assert len(parsed.ids) == len(set(parsed.ids)), "repeated ids"
    assert "style=" not in page and "<script>" not in page


async def test_every_field_has_its_label_and_ids_are_unique(world: World) -> None:
    Demandas(world.hub).add(1, draft("Luz"), actor=CLI, at=T0)
    for path in ("/demandas", "/barrios/1/demandas", "/demandas/1"):
        assert_every_field_is_labelled(await text_of(world, path))
