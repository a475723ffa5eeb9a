"""Reading the CSV exports of the fuentes secundarias (Salas CEAD / SPD, Carabineros, the
municipal 1418 line, SOSAFE): what those files look like in practice, read row by row with
a Spanish message for every row that cannot be taken.

Accepted: UTF-8 (with or without BOM) or Windows-1252 / Latin-1; ``,``, ``;`` or tab between
columns (sniffed); headers in Spanish or English matched flexibly (:data:`HEADERS`); dates
``DD-MM-AAAA``, ``DD/MM/AAAA`` or ``AAAA-MM-DD`` (a time may follow); coordinates with a
decimal point or comma. A row needs a date, a category, and coordinates or a place.

>>> parsed = parse(b"fecha;delito;direccion\\n05-03-2024;Robo;Av. Pajaritos 123\\n",
...                today=date(2024, 12, 1))
>>> [(r.fecha, r.categoria, r.lugar) for r in parsed.rows]
[('2024-03-05', 'Robo', 'Av. Pajaritos 123')]
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Final

from hub.territory.geo import LATITUDES, LONGITUDES, Geometry

MAX_BYTES: Final = 5 * 1024 * 1024
MAX_ROWS: Final = 20_000
MAX_CATEGORY: Final = 120
MAX_PLACE: Final = 200
MAX_DESCRIPTION: Final = 2000

HEADERS: Final[dict[str, tuple[str, ...]]] = {
    "fecha": (
        "fecha",
        "date",
        "fecha hecho",
        "fecha del hecho",
        "fecha delito",
        "fecha denuncia",
        "fecha reporte",
        "fecha ingreso",
        "fecha creacion",
        "created at",
    ),
    "hora": ("hora", "time", "hora hecho", "hora del hecho", "hora delito"),
    "lugar": (
        "direccion",
        "lugar",
        "ubicacion",
        "domicilio",
        "calle",
        "lugar del hecho",
        "address",
        "location",
    ),
    "latitud": ("latitud", "lat", "latitude", "coord y"),
    "longitud": ("longitud", "lon", "lng", "long", "longitude", "coord x"),
    "categoria": (
        "categoria",
        "delito",
        "tipo",
        "tipo delito",
        "tipo de delito",
        "grupo delictual",
        "tipo requerimiento",
        "tipo de requerimiento",
        "motivo",
        "clasificacion",
        "category",
        "type",
    ),
    "descripcion": (
        "descripcion",
        "detalle",
        "observacion",
        "observaciones",
        "comentario",
        "relato",
        "glosa",
        "description",
    ),
}
"""Each field and the header names (lower case, no accents, spaces between words) that name
it; a header also matches when it starts with one of them (``fecha del reporte``)."""

LABELS: Final = {
    "fecha": "fecha",
    "hora": "hora",
    "lugar": "dirección o lugar",
    "latitud": "latitud",
    "longitud": "longitud",
    "categoria": "categoría",
    "descripcion": "descripción",
}

_DATE = re.compile(
    r"^(?:(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})"
    r"|(?P<y2>\d{4})-(?P<m2>\d{1,2})-(?P<d2>\d{1,2}))"
    r"(?:[ T](?P<time>\d{1,2}:\d{2}(?::\d{2})?)\S*)?$"
)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2})?(?:\s*hrs?\.?)?$", re.IGNORECASE)


class FileProblem(ValueError):
    """The file as a whole cannot be read (too big, not a CSV, a required column missing)."""


@dataclass(frozen=True)
class Row:
    line: int
    fecha: str
    hora: str
    categoria: str
    lugar: str
    descripcion: str
    latitud: float | None
    longitud: float | None
    fuera: bool = False
    """Coordinates outside the barrio's limits (a warning, not an error)."""


@dataclass
class Parsed:
    """A file read: its good rows, a message per bad row, warnings, the columns found."""

    rows: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    encoding: str = "UTF-8"
    delimiter: str = ","

    @property
    def by_category(self) -> list[tuple[str, int]]:
        counts = Counter(row.categoria for row in self.rows)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": [asdict(row) for row in self.rows],
            "problems": self.problems,
            "warnings": self.warnings,
            "columns": self.columns,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Parsed:
        return cls(
            rows=[Row(**row) for row in data["rows"]],
            problems=list(data["problems"]),
            warnings=list(data["warnings"]),
            columns=dict(data["columns"]),
            encoding=str(data["encoding"]),
            delimiter=str(data["delimiter"]),
        )


def parse(
    data: bytes,
    *,
    today: date,
    limits: Geometry | None = None,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> Parsed:
    """Every row of the CSV ``data``; :class:`FileProblem` when the file cannot be read at
    all. Rows dated after ``today`` are errors; rows outside ``limits`` are warnings."""
    if not data.strip():
        raise FileProblem("El archivo está vacío.")
    if len(data) > max_bytes:
        raise FileProblem(
            f"El archivo pesa más de {max_bytes // (1024 * 1024) or 1} MB; divídalo en partes."
        )
    if data[:2] == b"PK" or b"\x00" in data[:4096]:
        raise FileProblem(
            "El archivo no es un CSV (¿es una planilla Excel?). Ábralo en la planilla y "
            "guárdelo como «CSV (delimitado por comas)»."
        )
    text, encoding = decode(data)
    delimiter = sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise FileProblem("El archivo está vacío.") from None
    except csv.Error as exc:
        raise FileProblem(f"No se pudo leer el encabezado del CSV: {exc}.") from None
    columns = match_headers(header)
    parsed = Parsed(
        columns={name: header[index].strip() for name, index in columns.items()},
        encoding=encoding,
        delimiter=delimiter,
    )
    count = 0
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            count += 1
            if count > max_rows:
                raise FileProblem(
                    f"El archivo tiene más de {max_rows:,} filas; divídalo en partes.".replace(
                        ",", "."
                    )
                )
            _read_row(parsed, reader.line_num, cells, columns, header, today, limits)
    except csv.Error as exc:
        raise FileProblem(f"Línea {reader.line_num}: el CSV está mal formado ({exc}).") from None
    if count == 0:
        raise FileProblem("El archivo no trae filas de datos, solo el encabezado.")
    return parsed


def decode(data: bytes) -> tuple[str, str]:
    """The text of ``data`` and its encoding's name: UTF-8 (BOM dropped), else Windows-1252
    (what Excel saves in Chile), else Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1"


def sniff(text: str) -> str:
    """The column separator: what :class:`csv.Sniffer` finds among ``,`` ``;`` and tab in the
    first lines, else the one the header line uses most."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        first = text.splitlines()[0] if text else ""
        return max(",;\t", key=first.count)


def normalize(header: str) -> str:
    """``Dirección_del Hecho`` → ``direccion del hecho``."""
    plain = unicodedata.normalize("NFKD", header.lstrip("\ufeff")).encode("ascii", "ignore")
    words = re.sub(r"[^a-z0-9]+", " ", plain.decode().lower()).split()
    return " ".join(words)


def match_headers(header: list[str]) -> dict[str, int]:
    """Column index of each field found in ``header``; :class:`FileProblem` naming the
    columns the file lacks."""
    names = [normalize(cell) for cell in header]
    found: dict[str, int] = {}
    for exact in (True, False):
        for name, synonyms in HEADERS.items():
            if name in found:
                continue
            for index, text in enumerate(names):
                if index in found.values():
                    continue
                if text in synonyms or (
                    not exact and any(text.startswith(s + " ") for s in synonyms)
                ):
                    found[name] = index
                    break
    missing = [
        f"«{LABELS[name]}» (por ejemplo {', '.join(HEADERS[name][:3])})"
        for name in ("fecha", "categoria")
        if name not in found
    ]
    has_coordinates = "latitud" in found and "longitud" in found
    if "lugar" not in found and not has_coordinates:
        missing.append("«dirección o lugar», o «latitud» y «longitud»")
    if missing:
        raise FileProblem(
            "Al archivo le falta la columna "
            + " y la columna ".join(missing)
            + f". Columnas encontradas: {', '.join(h.strip() for h in header) or '(ninguna)'}."
        )
    return found


def _read_row(
    parsed: Parsed,
    line: int,
    cells: list[str],
    columns: dict[str, int],
    header: list[str],
    today: date,
    limits: Geometry | None,
) -> None:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    problems: list[str] = []

    def problem(name: str, message: str) -> None:
        problems.append(f"Línea {line}, columna «{header[columns[name]].strip()}»: {message}")

    fecha, hora = "", cell("hora")
    raw_date = cell("fecha")
    if not raw_date:
        problem("fecha", "falta la fecha.")
    else:
        found = read_date(raw_date)
        if found is None:
            hint = "" if _DATE.match(raw_date) else " (use DD-MM-AAAA, DD/MM/AAAA o AAAA-MM-DD)"
            problem("fecha", f"«{raw_date}» no es una fecha válida{hint}.")
        elif found[0] > today:
            problem("fecha", f"«{raw_date}» es una fecha futura.")
        else:
            fecha = found[0].isoformat()
            hora = hora or found[1]
    if hora and "hora" in columns and cell("hora"):
        read = read_time(hora)
        if read is None:
            problem("hora", f"«{hora}» no es una hora válida (use HH:MM).")
        hora = read or ""
    categoria = " ".join(cell("categoria").split())
    if not categoria:
        problem("categoria", "falta la categoría.")
    elif len(categoria) > MAX_CATEGORY:
        problem("categoria", f"la categoría tiene más de {MAX_CATEGORY} caracteres.")
    lugar = " ".join(cell("lugar").split())
    if len(lugar) > MAX_PLACE:
        problem("lugar", f"el lugar tiene más de {MAX_PLACE} caracteres.")
    descripcion = cell("descripcion")
    if len(descripcion) > MAX_DESCRIPTION:
        problem("descripcion", f"la descripción tiene más de {MAX_DESCRIPTION} caracteres.")
    before = len(problems)
    lat, lon = _coordinates(cell("latitud"), cell("longitud"), columns, problem)
    if lat is None and not lugar and len(problems) == before:
        where = "lugar" if "lugar" in columns else "latitud"
        problem(where, "falta la ubicación: escriba la dirección o las coordenadas.")
    if problems:
        parsed.problems.extend(problems)
        return
    outside = lat is not None and lon is not None and limits is not None
    outside = outside and not limits.contains(lon, lat)  # type: ignore[union-attr,arg-type]
    if outside:
        parsed.warnings.append(
            f"Línea {line}: las coordenadas ({lat}, {lon}) quedan fuera de los límites del barrio."
        )
    parsed.rows.append(Row(line, fecha, hora, categoria, lugar, descripcion, lat, lon, outside))


def _coordinates(
    raw_lat: str, raw_lon: str, columns: dict[str, int], problem: Any
) -> tuple[float | None, float | None]:
    if not raw_lat and not raw_lon:
        return None, None
    if not raw_lat or not raw_lon:
        missing = "latitud" if not raw_lat else "longitud"
        if missing in columns:
            problem(missing, f"falta la {missing} (la fila trae solo una coordenada).")
        return None, None
    lat, lon = read_decimal(raw_lat), read_decimal(raw_lon)
    bad = False
    if lat is None:
        problem("latitud", f"«{raw_lat}» no es un número.")
        bad = True
    if lon is None:
        problem("longitud", f"«{raw_lon}» no es un número.")
        bad = True
    if bad or lat is None or lon is None:
        return None, None
    if LATITUDES[0] <= lon <= LATITUDES[1] and LONGITUDES[0] <= lat <= LONGITUDES[1]:
        problem("latitud", f"«{raw_lat}» parece una longitud: ¿latitud y longitud invertidas?")
        return None, None
    if not LATITUDES[0] <= lat <= LATITUDES[1]:
        problem("latitud", f"«{raw_lat}» queda fuera de Chile (la latitud va de -17 a -56).")
        bad = True
    if not LONGITUDES[0] <= lon <= LONGITUDES[1]:
        problem("longitud", f"«{raw_lon}» queda fuera de Chile (la longitud va de -66 a -110).")
        bad = True
    return (None, None) if bad else (lat, lon)


def read_decimal(text: str) -> float | None:
    """``-33,5123`` or ``-33.5123`` (a coordinate: never thousands separators)."""
    text = text.strip().replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not re.fullmatch(r"[-+]?\d+(?:\.\d+)?", text):
        return None
    return float(text)


def read_date(text: str) -> tuple[date, str] | None:
    """The date in ``text`` (``DD-MM-AAAA``, ``DD/MM/AAAA``, ``AAAA-MM-DD``, maybe with a
    time) and the time found (``HH:MM`` or "")."""
    match = _DATE.match(text.strip())
    if match is None:
        return None
    parts = match.groupdict()
    year, month, day = (
        (parts["y"], parts["m"], parts["d"])
        if parts["y"]
        else (parts["y2"], parts["m2"], parts["d2"])
    )
    try:
        found = date(int(year), int(month), int(day))
    except ValueError:
        return None
    if found.year < 1900:
        return None
    time = read_time(parts["time"]) if parts["time"] else ""
    return found, time or ""


def read_time(text: str) -> str | None:
    """``HH:MM`` from ``9:05``, ``09:05:00`` or ``21:30 hrs``; None when not a time."""
    match = _TIME.match(text.strip())
    if match is None:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        return None
    return f"{hours:02d}:{minutes:02d}"
