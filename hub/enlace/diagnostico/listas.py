"""What the diagnóstico's lists are: focos de concentración (hotspots y/o harmspots),
actores clave, presencia institucional (municipal y policial) and recursos del barrio —
their fields, fixed categories and Spanish labels. :mod:`hub.enlace.diagnostico.registros`
stores them; one repository and one set of pages serve the four.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

FieldKind = Literal["text", "longtext", "choice", "geometry", "problematica"]


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: FieldKind
    required: str = ""
    """The Spanish message when it is left empty (empty: optional)."""
    max_chars: int = 200
    choices: tuple[tuple[str, str], ...] = ()
    geo_kinds: tuple[str, ...] = ()
    hint: str = ""

    def choice_label(self, value: object) -> str:
        return dict(self.choices).get(str(value), str(value or "—"))


@dataclass(frozen=True)
class Lista:
    key: str
    """URL part and export name: ``focos``."""
    table: str
    subject: str
    """The audit subject kind of one record."""
    title: str
    singular: str
    noun: str
    """``el foco``: how messages name one."""
    id_part: str
    """The path part of one record's id: ``foco_id``."""
    about: str
    fields: tuple[Field, ...]

    @property
    def list_route(self) -> str:
        return f"diagnostico_{self.key}"

    @property
    def record_route(self) -> str:
        return f"diagnostico_{self.subject}"

    @property
    def edit_route(self) -> str:
        return f"diagnostico_{self.subject}_edit"

    @property
    def remove_route(self) -> str:
        return f"diagnostico_{self.subject}_remove"

    @property
    def csv_route(self) -> str:
        return f"diagnostico_{self.key}_csv"

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.fields)

    @property
    def geometry_field(self) -> Field | None:
        return next((field for field in self.fields if field.kind == "geometry"), None)

    def field(self, name: str) -> Field:
        return next(field for field in self.fields if field.name == name)

    @property
    def labels(self) -> dict[str, str]:
        return {field.name: field.label for field in self.fields}


RELEVANCIA: Final = (("alta", "Alta"), ("media", "Media"), ("baja", "Baja"))
FOCO_CLASES: Final = (
    ("hotspot", "Hotspot (concentración de delitos)"),
    ("harmspot", "Harmspot (concentración de daño)"),
)
FOCO_CATEGORIAS: Final = (
    ("robo", "Robo"),
    ("incivilidades", "Incivilidades"),
    ("consumo", "Consumo de alcohol/drogas en vía pública"),
    ("violencia", "Violencia"),
    ("microtrafico", "Microtráfico"),
    ("sitio_eriazo", "Sitio eriazo / abandono"),
    ("iluminacion", "Iluminación deficiente"),
    ("otro", "Otro"),
)
ACTOR_TIPOS: Final = (
    ("junta_vecinos", "Junta de vecinos"),
    ("organizacion", "Organización comunitaria"),
    ("dirigente", "Dirigente/a"),
    ("comercio", "Comercio"),
    ("establecimiento", "Establecimiento"),
    ("iglesia", "Iglesia"),
    ("club_deportivo", "Club deportivo"),
    ("otro", "Otro"),
)
PRESENCIA_TIPOS: Final = (
    ("carabineros", "Carabineros"),
    ("pdi", "PDI"),
    ("seguridad_municipal", "Seguridad municipal"),
    ("oficina_municipal", "Oficina municipal"),
    ("otro", "Otro"),
)
POLICIALES: Final = frozenset({"carabineros", "pdi"})
MUNICIPALES: Final = frozenset({"seguridad_municipal", "oficina_municipal"})
RECURSO_TIPOS: Final = (
    ("educacional", "Establecimiento educacional"),
    ("salud", "Establecimiento de salud"),
    ("deportivo", "Infraestructura deportiva"),
    ("area_verde", "Área verde"),
    ("otro", "Otro"),
)
_POINT_HINT: Final = "Opcional: marque el punto en el mapa o pegue GeoJSON (un Point)."

FOCOS: Final = Lista(
    key="focos",
    table="diagnostico_focos",
    subject="foco",
    title="Focos de concentración de problemas delictuales",
    singular="Foco",
    noun="el foco",
    id_part="foco_id",
    about="Hotspots y/o harmspots: un punto o un área del barrio donde se concentran los "
    "problemas, con su categoría y la problemática a la que corresponde.",
    fields=(
        Field("nombre", "Nombre del foco", "text", "Escriba un nombre para el foco.", 120),
        Field("clase", "Tipo de foco", "choice", "Elija hotspot o harmspot.", choices=FOCO_CLASES),
        Field(
            "categoria",
            "Categoría",
            "choice",
            "Elija la categoría del foco.",
            choices=FOCO_CATEGORIAS,
        ),
        Field("descripcion", "Descripción", "longtext", max_chars=4000),
        Field(
            "geometria",
            "Ubicación (punto o área)",
            "geometry",
            "Marque el foco en el mapa (un punto o un área) o pegue su GeoJSON.",
            geo_kinds=("Point", "Polygon"),
            hint="Haga clic en el mapa, o pegue GeoJSON de un Point o un Polygon.",
        ),
        Field("problematica_id", "Problemática asociada", "problematica"),
    ),
)
ACTORES: Final = Lista(
    key="actores",
    table="diagnostico_actores",
    subject="actor",
    title="Actores clave del barrio",
    singular="Actor clave",
    noun="el actor clave",
    id_part="actor_id",
    about="Personas, organizaciones e instituciones del barrio con las que se trabaja. "
    "Guarde solo el contacto mínimo necesario.",
    fields=(
        Field("nombre", "Nombre", "text", "Escriba el nombre del actor clave.", 120),
        Field("tipo", "Tipo de actor", "choice", "Elija el tipo de actor.", choices=ACTOR_TIPOS),
        Field(
            "contacto",
            "Contacto (opcional)",
            "text",
            max_chars=120,
            hint="Un solo medio, el que la persona autorizó (teléfono o correo institucional).",
        ),
        Field(
            "relevancia",
            "Relevancia",
            "choice",
            "Elija la relevancia: alta, media o baja.",
            choices=RELEVANCIA,
        ),
        Field("notas", "Rol en el barrio / notas", "longtext", max_chars=2000),
    ),
)
PRESENCIA: Final = Lista(
    key="presencia",
    table="diagnostico_presencia",
    subject="presencia_institucional",
    title="Presencia institucional (municipal y policial)",
    singular="Presencia institucional",
    noun="la presencia institucional",
    id_part="presencia_id",
    about="Carabineros, PDI, Seguridad municipal y oficinas municipales presentes en el barrio.",
    fields=(
        Field("nombre", "Nombre", "text", "Escriba el nombre (cuartel, oficina, programa).", 120),
        Field(
            "tipo",
            "Institución",
            "choice",
            "Elija la institución.",
            choices=PRESENCIA_TIPOS,
        ),
        Field(
            "geometria", "Ubicación (opcional)", "geometry", geo_kinds=("Point",), hint=_POINT_HINT
        ),
        Field("notas", "Notas", "longtext", max_chars=2000),
    ),
)
RECURSOS: Final = Lista(
    key="recursos",
    table="diagnostico_recursos",
    subject="recurso",
    title="Recursos del barrio",
    singular="Recurso",
    noun="el recurso",
    id_part="recurso_id",
    about="Establecimientos educacionales, establecimientos de salud, infraestructura "
    "deportiva y áreas verdes.",
    fields=(
        Field("nombre", "Nombre", "text", "Escriba el nombre del recurso.", 120),
        Field(
            "tipo", "Tipo de recurso", "choice", "Elija el tipo de recurso.", choices=RECURSO_TIPOS
        ),
        Field(
            "geometria", "Ubicación (opcional)", "geometry", geo_kinds=("Point",), hint=_POINT_HINT
        ),
        Field("notas", "Notas", "longtext", max_chars=2000),
    ),
)
LISTAS: Final = (FOCOS, ACTORES, PRESENCIA, RECURSOS)
BY_KEY: Final = {lista.key: lista for lista in LISTAS}


def ambito(tipo: str) -> str:
    """Whether a presencia institucional is policial or municipal."""
    if tipo in POLICIALES:
        return "Policial"
    if tipo in MUNICIPALES:
        return "Municipal"
    return "Otra"
