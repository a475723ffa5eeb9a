"""Plan de acción pages: readers get them, the Norte gestor creates a plan, objetivos,
acciones, hitos and progress through the forms, history is shown, a closed plan stays
readable, and the territory walk restricted to this module's routes."""

from __future__ import annotations

import re

from hub.enlace.planes import routes
from hub.enlace.planes.acciones import Acciones
from hub.enlace.planes.plans import Planes
from hub.roles import Role
from tests.hub.enlace.conftest import MARKER, World
from tests.hub.enlace.seeds.mesas import seed as seed_mesas
from tests.hub.enlace.seeds.planes import seed


def audit_count(world: World) -> int:
    return int(world.hub.db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0])


async def test_the_walk_over_the_planes_routes(world: World) -> None:
    seed(world)
    for entry in routes.ROUTES:
        assert entry.access.admits(Role.GESTOR)
        if entry.method == "GET":
            norte = await world.get(world.gestor_norte, entry.example_path)
            assert norte.status == 200, f"{entry.name}: {norte.status}"
            sur = await world.get(world.gestor_sur, entry.example_path)
            body = await sur.read()
            assert sur.status == (404 if "{" in entry.path else 200), entry.name
            assert MARKER.encode() not in body, entry.name
            for reader in (world.mediacion, world.admin):
                assert (await world.get(reader, entry.example_path)).status == 200
        else:
            assert "{" in entry.path
            before = audit_count(world)
            sur = await world.post(world.gestor_sur, entry.example_path, {})
            assert sur.status == 404, entry.name
            media = await world.post(world.mediacion, entry.example_path, {})
            assert media.status == 403, entry.name
            assert audit_count(world) == before, entry.name


async def test_a_barrio_without_plan_offers_the_form_and_creates_it(world: World) -> None:
    seed_mesas(world)  # the mesa session 1 of Norte (2 is Norte's too, 3 and 4 Sur's)
    page = await world.get(world.gestor_norte, "/barrios/1/plan")
    text = await page.text()
    assert page.status == 200 and "no tiene un plan vigente" in text
    assert 'for="campo-titulo"' in text and 'for="campo-validacion_fecha"' in text
    response = await world.post(
        world.gestor_norte,
        "/barrios/1/plan",
        {
            "titulo": "Plan Villa Norte 2027",
            "inicio": "2027-01-01",
            "termino": "2027-12-31",
            "objetivo_general": "Disminuir los robos en la plaza",
            "gestor_id": str(world.gestor_norte.id),
            "validacion": "Asamblea de la junta de vecinos",
            "validacion_fecha": "2027-01-12",
            "mesa_sesion_id": "1",
        },
    )
    assert response.status == 303
    assert response.headers["Location"] == "/barrios/1/plan?aviso=plan-creado"
    plan = Planes(world.hub).current(1)
    assert plan is not None and plan.gestor == "Nora Norte" and plan.mesa_sesion_id == 1
    page = await world.get(world.gestor_norte, "/barrios/1/plan?aviso=plan-creado")
    text = await page.text()
    assert "El plan de acción fue creado." in text
    assert "Asamblea de la junta de vecinos · 12-01-2027" in text
    assert '<a href="/sesiones/1">Sesión N° 1 de la mesa</a>' in text
    assert "Creó el plan" in text and "norte@maipu.cl" in text


async def test_objetivo_accion_progress_and_hito_through_the_forms(world: World) -> None:
    seed(world)
    gestor = world.gestor_norte
    made = await world.post(
        gestor, "/planes/1/objetivos", {"objetivo_titulo": "Prevenir robos", "problematica_id": "1"}
    )
    assert made.status == 303
    objetivo = Acciones(world.hub).objetivos(1)[-1]
    assert objetivo.titulo == "Prevenir robos" and objetivo.problematica_id == 1
    made = await world.post(
        gestor,
        f"/objetivos/{objetivo.id}/acciones",
        {
            "actividad": "Taller de prevención <b>situacional</b>",
            "responsables": "SENDA; Carabineros",
            "inicio": "2027-02-01",
            "termino": "2027-02-28",
            "indicador": "Asistentes",
            "meta": "30 vecinos",
            "estado": "pendiente",
            "avance": "0",
            "peso": "2,5",
        },
    )
    assert made.status == 303
    accion_id = int(made.headers["Location"].split("/")[2].split("?")[0])
    accion = Acciones(world.hub).accion(accion_id)
    assert accion.peso == 2.5 and accion.objetivo_id == objetivo.id
    progress = await world.post(
        gestor,
        f"/acciones/{accion_id}/avance",
        {"avance": "60", "estado": "en_curso", "nota": "Primera sesión con 18 asistentes"},
    )
    assert progress.status == 303
    page = await (await world.get(gestor, f"/acciones/{accion_id}")).text()
    assert "Primera sesión con 18 asistentes" in page and "Registró un avance" in page
    assert "&lt;b&gt;situacional&lt;/b&gt;" in page and "<b>situacional" not in page
    assert re.search(r"«0» → «60»", page)
    hito = await world.post(
        gestor, "/planes/1/hitos", {"hito_titulo": "Cierre de talleres", "hito_fecha": "2027-03-01"}
    )
    assert hito.status == 303
    hitos = Planes(world.hub).hitos(1)
    assert hitos[0].titulo == "Cierre de talleres"  # by date
    done = await world.post(gestor, f"/hitos/{hitos[0].id}/cumplido", {"cumplido": "1"})
    assert done.status == 303 and Planes(world.hub).hito(hitos[0].id).cumplido
    plan_page = await (await world.get(gestor, "/barrios/1/plan")).text()
    assert "Cierre de talleres" in plan_page and "Prevenir robos" in plan_page


async def test_editing_an_accion_keeps_its_progress_and_shows_history(world: World) -> None:
    seed(world)
    response = await world.post(
        world.gestor_norte,
        "/acciones/1",
        {
            "actividad": "Operativo de luminarias ampliado",
            "responsables": "Dirección de Obras",
            "inicio": "2027-01-05",
            "termino": "2027-04-30",
            "peso": "3",
        },
    )
    assert response.status == 303
    accion = Acciones(world.hub).accion(1)
    assert (accion.actividad, accion.avance, accion.estado.value, accion.peso) == (
        "Operativo de luminarias ampliado",
        40,
        "en_curso",
        3.0,
    )
    page = await (await world.get(world.gestor_norte, "/acciones/1")).text()
    assert "Modificó la acción" in page and "«2027-03-31» → «2027-04-30»" in page


async def test_a_closed_plan_stays_readable_and_a_new_one_can_open(world: World) -> None:
    seed(world)
    closed = await world.post(world.gestor_norte, "/planes/1/cerrar", {})
    assert closed.status == 303
    page = await world.get(world.gestor_norte, "/barrios/1/plan")
    text = await page.text()
    assert "no tiene un plan vigente" in text and "/planes/1" in text
    old = await (await world.get(world.gestor_norte, "/planes/1")).text()
    assert "Cerrado" in old and "Operativo de luminarias" in old and "Cerró el plan" in old
    assert "Agregar objetivo" not in old
    refused = await world.post(
        world.gestor_norte, "/planes/1/hitos", {"hito_titulo": "Otro", "hito_fecha": "2027-05-01"}
    )
    assert refused.status == 400 and "El plan está cerrado" in await refused.text()
    reopened = await world.post(
        world.gestor_norte,
        "/barrios/1/plan",
        {
            "titulo": "Plan 2028",
            "inicio": "2028-01-01",
            "termino": "2028-12-31",
            "objetivo_general": "Seguir",
        },
    )
    assert reopened.status == 303
    assert [p.titulo for p in Planes(world.hub).of_barrio(1)] == [
        "Plan 2028",
        f"Plan {MARKER} 2027",
    ]


async def test_mediacion_reads_without_forms(world: World) -> None:
    seed(world)
    page = await (await world.get(world.mediacion, "/barrios/1/plan")).text()
    assert "Operativo de luminarias" in page and "Agregar objetivo" not in page


async def test_the_validating_session_must_be_of_this_barrio(world: World) -> None:
    seed_mesas(world)
    sur_sesion = world.hub.db.execute(
        "SELECT id FROM mesa_sesiones WHERE barrio_id = 2 ORDER BY id LIMIT 1"
    ).fetchone()[0]
    data = {
        "titulo": "Plan",
        "inicio": "2027-01-01",
        "termino": "2027-12-31",
        "objetivo_general": "Objetivo",
        "mesa_sesion_id": str(sur_sesion),
    }
    response = await world.post(world.gestor_norte, "/barrios/1/plan", data)
    assert response.status == 400
    assert "Elija una sesión de una mesa de este barrio." in await response.text()
    assert Planes(world.hub).current(1) is None


async def test_a_closed_plan_refuses_every_change(world: World) -> None:
    seed(world)
    await world.post(world.gestor_norte, "/planes/1/cerrar", {})
    count = audit_count(world)
    for path, data in (
        ("/planes/1", {"titulo": "Otro"}),
        ("/planes/1/objetivos", {"objetivo_titulo": "Otro"}),
        ("/planes/1/hitos", {"hito_titulo": "", "hito_fecha": ""}),
        ("/planes/1/cerrar", {}),
        ("/hitos/1/cumplido", {"cumplido": "1"}),
        ("/objetivos/1", {"objetivo_titulo": "Otro"}),
        ("/objetivos/1/acciones", {"actividad": "Otra"}),
        ("/acciones/1", {"actividad": "Otra"}),
        ("/acciones/1/avance", {"avance": "90", "estado": "en_curso"}),
    ):
        response = await world.post(world.gestor_norte, path, data)
        assert response.status == 400, path
        assert "El plan" in await response.text() and "cerrado" in await response.text(), path
    assert audit_count(world) == count
    page = await (await world.get(world.gestor_norte, "/acciones/1")).text()
    assert "se conserva para consulta" in page and "Registrar avance" not in page


async def test_an_objetivo_links_its_problematica(world: World) -> None:
    seed(world)
    page = await (await world.get(world.gestor_norte, "/objetivos/1")).text()
    problematica_id = Acciones(world.hub).objetivo(1).problematica_id
    assert f'<a href="/problematicas/{problematica_id}">Microtráfico {MARKER}</a>' in page
