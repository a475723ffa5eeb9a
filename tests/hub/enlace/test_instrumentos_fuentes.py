"""Fuentes secundarias in the web: upload, preview, confirm (all or nothing), duplicates,
staged tokens bound to their person and barrio, undo, the fuentes page and its exports."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from aiohttp import ClientResponse, FormData

from hub.storage import User
from tests.hub.enlace.conftest import World

DATA = Path(__file__).parent / "data"
LIMITS = (
    '{"type": "Polygon", "coordinates": [[[-70.765, -33.515], [-70.750, -33.515], '
    "[-70.750, -33.505], [-70.765, -33.505], [-70.765, -33.515]]]}"
)


def form(fuente: str, name: str, data: bytes | None = None, nombre: str = "") -> FormData:
    sent = FormData()
    sent.add_field("fuente", fuente)
    sent.add_field("fuente_nombre", nombre)
    content = (DATA / name).read_bytes() if data is None else data
    sent.add_field("archivo", content, filename=name, content_type="text/csv")
    return sent


async def upload(
    world: World, person: User, fuente: str, name: str, *, barrio: int = 1, **kw: object
) -> ClientResponse:
    return await world.post(
        person,
        f"/barrios/{barrio}/fuentes/importar",
        form(fuente, name, **kw),  # type: ignore[arg-type]
    )


def token_of(response: ClientResponse) -> str:
    assert response.status == 303, response.status
    found = re.search(r"lote=([\w-]+)", response.headers["Location"])
    assert found is not None
    return found.group(1)


def count(world: World, table: str) -> int:
    return int(world.hub.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


async def staged_preview(
    world: World, name: str, fuente: str = "cead", nombre: str = ""
) -> tuple[str, str]:
    token = token_of(await upload(world, world.gestor_norte, fuente, name, nombre=nombre))
    page = await world.get(world.gestor_norte, f"/barrios/1/fuentes/importar?lote={token}")
    assert page.status == 200
    return token, await page.text()


async def confirm(world: World, person: User, token: str, barrio: int = 1) -> ClientResponse:
    return await world.post(person, f"/barrios/{barrio}/fuentes/confirmar", {"lote": token})


async def test_the_preview_shows_counts_and_every_bad_row(world: World) -> None:
    _, html = await staged_preview(world, "cead_con_errores.csv")
    assert "<dt>Filas leídas sin errores</dt><dd>4</dd>" in html
    assert "<dt>Filas con errores</dt><dd>5</dd>" in html
    assert "Línea 5, columna «Fecha»: «31-02-2024» no es una fecha válida." in html
    assert "Línea 7, columna «Delito»: falta la categoría." in html
    assert '<th scope="row">Hurto</th><td class="num">2</td>' in html
    assert "Confirmar e importar" not in html
    assert count(world, "fuente_incidents") == 0


async def test_a_file_with_one_bad_row_imports_nothing(world: World) -> None:
    token, html = await staged_preview(
        world, "una_fila_mala.csv", "otra", "Registro de la junta de vecinos"
    )
    assert "«15-01-2099» es una fecha futura" in html
    response = await confirm(world, world.gestor_norte, token)
    assert response.status == 400
    assert "tiene 1 fila con errores: no se importó nada" in await response.text()
    assert count(world, "fuente_incidents") == 0
    assert count(world, "fuente_imports") == 0


async def test_confirm_imports_every_row_and_records_the_import(world: World) -> None:
    token, html = await staged_preview(world, "cead.csv")
    assert "Confirmar e importar 4 filas" in html
    response = await confirm(world, world.gestor_norte, token)
    assert response.status == 303
    assert response.headers["Location"] == "/importaciones/1?aviso=importado"
    assert count(world, "fuente_incidents") == 4
    assert count(world, "fuente_staging") == 0
    page = await world.get(world.gestor_norte, "/importaciones/1")
    text = await page.text()
    assert "Salas CEAD / SPD" in text and "cead.csv" in text
    assert "Importó el archivo" in text and "norte@maipu.cl" in text
    again = await confirm(world, world.gestor_norte, token)
    assert again.status == 404
    assert count(world, "fuente_incidents") == 4


async def test_the_same_file_twice_is_refused(world: World) -> None:
    token, _ = await staged_preview(world, "cead.csv")
    await confirm(world, world.gestor_norte, token)
    response = await upload(world, world.gestor_norte, "cead", "cead.csv")
    assert response.status == 400
    assert "Este archivo ya fue importado en este barrio (importación N° 1" in (
        await response.text()
    )
    assert count(world, "fuente_staging") == 0


async def test_two_previews_of_one_file_import_once(world: World) -> None:
    first, _ = await staged_preview(world, "sosafe.csv", "sosafe")
    second, _ = await staged_preview(world, "sosafe.csv", "sosafe")
    assert (await confirm(world, world.gestor_norte, first)).status == 303
    response = await confirm(world, world.gestor_norte, second)
    assert response.status == 400
    assert "ya fue importado" in await response.text()
    assert count(world, "fuente_incidents") == 2


async def test_latin1_and_semicolons_through_the_web(world: World) -> None:
    token, html = await staged_preview(world, "carabineros.csv", "carabineros")
    assert "Windows-1252, separado por «;»" in html
    assert "categoría ← «TIPO DELITO»" in html
    assert "Víctima en paradero" in html
    assert (await confirm(world, world.gestor_norte, token)).status == 303
    row = world.hub.db.execute(
        "SELECT fuente, categoria, lugar FROM fuente_incidents ORDER BY id LIMIT 1"
    ).fetchone()
    assert row == ("carabineros", "Robo por sorpresa", "Avenida Ramón Freire 1320, Maipú")


async def test_a_staged_token_of_another_person_or_barrio_is_refused(world: World) -> None:
    token, _ = await staged_preview(world, "cead.csv")
    # the admin sees barrio 1 but did not upload this file
    other = await world.get(world.admin, f"/barrios/1/fuentes/importar?lote={token}")
    assert other.status == 404
    assert "La vista previa no existe o venció" in await other.text()
    assert (await confirm(world, world.admin, token)).status == 404
    # the same person through another barrio's path: the admin's own token for barrio 2
    own = token_of(await upload(world, world.admin, "cead", "cead.csv", barrio=2))
    assert (await confirm(world, world.admin, own, barrio=1)).status == 404
    assert (await confirm(world, world.gestor_sur, token, barrio=2)).status == 404
    assert count(world, "fuente_imports") == 0
    assert (await confirm(world, world.admin, own, barrio=2)).status == 303


async def test_a_staged_token_expires(world: World) -> None:
    token, _ = await staged_preview(world, "cead.csv")
    world.clock.advance(3 * 3600)
    assert (await confirm(world, world.gestor_norte, token)).status == 404
    assert count(world, "fuente_imports") == 0


async def test_bad_upload_forms_are_refused_in_spanish(world: World) -> None:
    response = await upload(world, world.gestor_norte, "", "cead.csv")
    assert response.status == 400
    assert "Elija la fuente: Salas CEAD / SPD" in await response.text()
    response = await upload(world, world.gestor_norte, "otra", "cead.csv")
    assert "Escriba el nombre de la otra fuente." in await response.text()
    response = await upload(world, world.gestor_norte, "cead", "vacio.csv", data=b"")
    assert "El archivo está vacío." in await response.text()
    no_file = FormData()
    no_file.add_field("fuente", "cead")
    response = await world.post(world.gestor_norte, "/barrios/1/fuentes/importar", no_file)
    assert response.status == 400
    assert "Elija el archivo CSV que quiere importar." in await response.text()
    missing = b"dia;delito;lugar\n05-03-2024;Robo;Plaza\n"
    response = await upload(world, world.gestor_norte, "cead", "x.csv", data=missing)
    assert "Al archivo le falta la columna «fecha»" in await response.text()
    assert count(world, "fuente_staging") == 0


async def test_mediacion_reads_but_cannot_import(world: World) -> None:
    assert (await world.get(world.mediacion, "/barrios/1/fuentes")).status == 200
    response = await upload(world, world.mediacion, "cead", "cead.csv")
    assert response.status == 403
    assert count(world, "fuente_staging") == 0


async def test_undo_removes_every_row_and_is_audited(world: World) -> None:
    token, _ = await staged_preview(world, "cead.csv")
    await confirm(world, world.gestor_norte, token)
    response = await world.post(world.gestor_norte, "/importaciones/1/deshacer", {})
    assert response.status == 303
    assert count(world, "fuente_incidents") == 0
    page = await (await world.get(world.gestor_norte, "/importaciones/1")).text()
    assert "Deshecha por norte@maipu.cl" in page and "Deshizo la importación" in page
    again = await world.post(world.gestor_norte, "/importaciones/1/deshacer", {})
    assert again.status == 400
    assert "Esta importación ya fue deshecha." in await again.text()
    # undone: the same file may come in again
    token = token_of(await upload(world, world.gestor_norte, "cead", "cead.csv"))
    assert (await confirm(world, world.gestor_norte, token)).status == 303


async def test_the_fuentes_page_tables_map_and_exports(world: World) -> None:
    world.hub.db.execute("UPDATE barrios SET limites = ? WHERE id = 1", [LIMITS])
    for name, fuente in (("cead.csv", "cead"), ("fono1418.csv", "1418")):
        token, html = await staged_preview(world, name, fuente)
        if fuente == "1418":
            assert "Línea 4: las coordenadas (-33.48, -70.7) quedan fuera de los límites" in html
        assert (await confirm(world, world.gestor_norte, token)).status == 303
    page = await world.get(world.gestor_norte, "/barrios/1/fuentes")
    html = await page.text()
    assert "7 registros importados" in html
    assert '<th scope="row">Hurto</th><td class="num">2</td><td class="num">0</td>' in html
    assert '<th scope="row">03-2024</th><td class="num">3</td>' in html
    assert html.count('class="mapa-punto incidente"') == 6
    exported = await world.get(world.gestor_norte, "/barrios/1/fuentes/incidentes.csv")
    rows = list(csv.DictReader(io.StringIO((await exported.read()).decode("utf-8-sig"))))
    assert len(rows) == 7
    assert {r["fuente"] for r in rows} == {"Salas CEAD / SPD", "Plataforma municipal 1418"}
    assert [r["fuera_del_barrio"] for r in rows].count("sí") == 1
    geo = await world.get(world.gestor_norte, "/barrios/1/fuentes/incidentes.geojson")
    collection = json.loads(await geo.read())
    assert len(collection["features"]) == 6
    assert collection["features"][0]["geometry"] == {
        "type": "Point",
        "coordinates": [-70.758, -33.5101],
    }
    sur = await world.get(world.gestor_sur, "/barrios/1/fuentes/incidentes.csv")
    assert sur.status == 404
