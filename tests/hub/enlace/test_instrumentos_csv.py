"""Reading the fuentes secundarias' CSV files: encodings, separators, headers, dates,
coordinates, and a Spanish message with line and column for every bad row."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hub.enlace.instrumentos import csvfile
from hub.enlace.instrumentos.csvfile import FileProblem, parse, read_date, read_decimal
from hub.storage import HubDB
from hub.territory import geo

DATA = Path(__file__).parent / "data"
TODAY = date(2024, 12, 1)
BARRIO = geo.parse_geometry(
    '{"type": "Polygon", "coordinates": [[[-70.765, -33.515], [-70.750, -33.515], '
    "[-70.750, -33.505], [-70.765, -33.505], [-70.765, -33.515]]]}"
)


def read(name: str, **kwargs: object) -> csvfile.Parsed:
    return parse((DATA / name).read_bytes(), today=TODAY, **kwargs)  # type: ignore[arg-type]


def test_the_cead_file_with_bad_rows_names_each_line_and_column() -> None:
    parsed = read("cead_con_errores.csv")
    assert len(parsed.rows) == 4
    assert parsed.problems == [
        "Línea 5, columna «Fecha»: «31-02-2024» no es una fecha válida.",
        "Línea 6, columna «Hora»: «25:10» no es una hora válida (use HH:MM).",
        "Línea 7, columna «Delito»: falta la categoría.",
        "Línea 8, columna «Latitud»: «-33,51x» no es un número.",
        "Línea 9, columna «Dirección»: falta la ubicación: escriba la dirección o las coordenadas.",
    ]
    assert parsed.by_category == [
        ("Hurto", 2),
        ("Robo con violencia o intimidación", 1),
        ("Robo en lugar habitado", 1),
    ]


def test_utf8_bom_semicolons_and_comma_decimals() -> None:
    parsed = read("cead.csv")
    assert (parsed.encoding, parsed.delimiter, parsed.problems) == ("UTF-8", ";", [])
    first = parsed.rows[0]
    assert (first.line, first.fecha, first.hora) == (2, "2024-03-05", "21:30")
    assert (first.latitud, first.longitud) == (-33.5101, -70.758)
    assert parsed.columns["lugar"] == "Dirección"
    assert parsed.rows[2].latitud is None and parsed.rows[2].lugar == "Plaza de Maipú"


def test_latin1_carabineros_without_coordinates() -> None:
    parsed = read("carabineros.csv")
    assert (parsed.encoding, parsed.delimiter) == ("Windows-1252", ";")
    assert parsed.columns == {
        "fecha": "FECHA_HECHO",
        "hora": "HORA",
        "lugar": "LUGAR DEL HECHO",
        "categoria": "TIPO DELITO",
        "descripcion": "OBSERVACIÓN",
    }
    assert [row.fecha for row in parsed.rows] == ["2024-02-02", "2024-02-03", "2024-02-14"]
    assert parsed.rows[0].descripcion == "Víctima en paradero"
    assert parsed.rows[2].lugar == "Plaza Los Héroes de la Concepción"


def test_1418_commas_and_a_row_outside_the_barrio_is_a_warning() -> None:
    parsed = read("fono1418.csv", limits=BARRIO)
    assert parsed.delimiter == ","
    assert parsed.problems == []
    assert [row.fuera for row in parsed.rows] == [False, False, True]
    assert parsed.warnings == [
        "Línea 4: las coordenadas (-33.48, -70.7) quedan fuera de los límites del barrio."
    ]


def test_sosafe_english_headers_and_iso_timestamps() -> None:
    parsed = read("sosafe.csv")
    assert [(r.fecha, r.hora, r.categoria) for r in parsed.rows] == [
        ("2024-05-02", "21:15", "Actividad sospechosa"),
        ("2024-05-04", "03:40", "Robo"),
    ]
    assert parsed.rows[0].descripcion == "Auto sin patente, rondando"


def test_a_future_date_is_an_error() -> None:
    parsed = read("una_fila_mala.csv")
    assert parsed.problems == ["Línea 3, columna «fecha»: «15-01-2099» es una fecha futura."]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2024/13/40;Robo;Plaza", "«2024/13/40» no es una fecha válida (use DD-MM-AAAA"),
        (";Robo;Plaza", "columna «fecha»: falta la fecha."),
        ("05-03-2024;;Plaza", "columna «delito»: falta la categoría."),
        ("05-03-2024;Robo;", "falta la ubicación: escriba la dirección o las coordenadas."),
    ],
)
def test_each_kind_of_bad_row(row: str, message: str) -> None:
    data = f"fecha;delito;lugar\n05-03-2024;Robo;Plaza\n{row}\n".encode()
    parsed = parse(data, today=TODAY)
    assert len(parsed.rows) == 1
    assert len(parsed.problems) == 1
    assert parsed.problems[0].startswith("Línea 3, columna «")
    assert message in parsed.problems[0]


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        ("-70,75", "-33,51", "«-70,75» parece una longitud: ¿latitud y longitud invertidas?"),
        ("-10,0", "-70,75", "«-10,0» queda fuera de Chile"),
        ("-33,51", "", "columna «longitud»: falta la longitud"),
        ("-33,51", "oeste", "columna «longitud»: «oeste» no es un número."),
    ],
)
def test_bad_coordinates(lat: str, lon: str, message: str) -> None:
    data = f"fecha;delito;latitud;longitud\n05-03-2024;Robo;{lat};{lon}\n".encode()
    parsed = parse(data, today=TODAY)
    assert parsed.rows == []
    assert any(message in problem for problem in parsed.problems), parsed.problems


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "El archivo está vacío."),
        (b"fecha;delito;lugar\n", "no trae filas de datos"),
        (b"PK\x03\x04rest", "¿es una planilla Excel?"),
        (b"dia;delito;lugar\n05-03-2024;Robo;Plaza\n", "le falta la columna «fecha»"),
        (b"fecha;lugar\n05-03-2024;Plaza\n", "le falta la columna «categoría»"),
        (b"fecha;delito;hora\n05-03-2024;Robo;10:00\n", "«dirección o lugar», o «latitud»"),
    ],
)
def test_files_that_cannot_be_read(data: bytes, message: str) -> None:
    with pytest.raises(FileProblem) as caught:
        parse(data, today=TODAY)
    assert message in str(caught.value)


def test_size_and_row_caps() -> None:
    rows = "".join(f"05-03-2024;Robo;Calle {n}\n" for n in range(30))
    data = f"fecha;delito;lugar\n{rows}".encode()
    with pytest.raises(FileProblem, match="más de 20 filas; divídalo"):
        parse(data, today=TODAY, max_rows=20)
    with pytest.raises(FileProblem, match="pesa más de"):
        parse(data, today=TODAY, max_bytes=100)
    assert len(parse(data, today=TODAY).rows) == 30


def test_dates_and_decimals() -> None:
    assert read_date("05-03-2024") == (date(2024, 3, 5), "")
    assert read_date("5/3/2024 21:05:00") == (date(2024, 3, 5), "21:05")
    assert read_date("2024-03-05T08:00:00Z") == (date(2024, 3, 5), "08:00")
    assert read_date("31-02-2024") is None
    assert read_date("03-05-24") is None
    assert read_decimal("-33,5101") == -33.5101
    assert read_decimal("-33.5101") == -33.5101
    assert read_decimal("-33.510.1") is None


def test_migrations_apply_on_a_fresh_database() -> None:
    hub = HubDB.memory()
    tables = set(hub.db.table_names())
    assert {
        "fuente_imports",
        "fuente_incidents",
        "fuente_staging",
        "tecnicas",
        "tecnica_problematicas",
        "tecnica_elementos",
    } <= tables
    strict = hub.db.execute(
        "SELECT COUNT(*) FROM sqlite_master "
        "WHERE name = 'fuente_incidents' AND sql LIKE '%) STRICT%'"
    ).fetchone()[0]
    assert strict == 1
