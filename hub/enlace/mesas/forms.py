"""Reading the mesas' forms: every problem in Spanish under its field's name, nothing
written until the whole form is right.

Lists are typed one item per line in a textarea (they work without JavaScript and paste
from a spreadsheet): the agenda as ``Tema | minutos``, organizaciones and instituciones as
``Nombre | Representante``, the vecinos' names one per line.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from typing import Final

from hub.enlace.mesas.model import (
    AcuerdoDraft,
    AgendaItem,
    Asistente,
    EstadoAcuerdo,
    MesaDraft,
    SesionDraft,
)
from hub.forms import FormReader, positive_id

MAX_SECTOR: Final = 120
MAX_TEXT: Final = 4000
MAX_ACTA: Final = 20000
MAX_NAME: Final = 120
MAX_LINES: Final = 200
MAX_MINUTES: Final = 600
MAX_VECINOS: Final = 10000
_HOUR: Final = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
DAY_FORMAT: Final = "%d-%m-%Y"


def read_mesa_form(
    fields: Mapping[str, str],
    problematica_ids: Sequence[str],
    *,
    allowed_problematicas: Collection[int],
    gestor_ids: Collection[int] | None,
) -> MesaDraft:
    """The mesa the form describes. ``gestor_ids``: the gestores an admin may choose (the
    barrio's territorio's); None when a gestor opens the mesa for themselves."""
    form = FormReader(fields)
    sector = " ".join(form.text("sector", max_chars=MAX_SECTOR).split())
    objetivo = form.text("objetivo", required="Escriba el objetivo de la mesa.", max_chars=MAX_TEXT)
    inicio = form.day("inicio", required="Indique la fecha de inicio de la mesa.")
    chosen: list[int] = []
    for raw in problematica_ids:
        found = positive_id(raw)
        if found is None or found not in allowed_problematicas:
            form.fail("problematicas", "Elija problemáticas del diagnóstico de este barrio.")
        elif found not in chosen:
            chosen.append(found)
    gestor_id = None
    if gestor_ids is not None:
        gestor_id = form.record_id("gestor_id", "el gestor o gestora responsable", required=True)
        if gestor_id is not None and gestor_id not in gestor_ids:
            form.fail("gestor_id", "Elija un gestor o gestora del territorio de este barrio.")
    form.done()
    assert inicio is not None
    return MesaDraft(sector, objetivo, inicio, tuple(sorted(chosen)), gestor_id)


def read_cierre_form(fields: Mapping[str, str], *, inicio: date) -> tuple[date, str]:
    """The closing date and note of a mesa."""
    form = FormReader(fields)
    fecha = form.day("cierre_fecha", required="Indique la fecha de cierre.")
    nota = form.text(
        "cierre_nota",
        required="Escriba la nota de cierre: qué se logró y por qué se cierra la mesa.",
        max_chars=MAX_TEXT,
    )
    if fecha is not None and fecha < inicio:
        form.fail(
            "cierre_fecha",
            f"La fecha de cierre no puede ser anterior al inicio ({inicio:{DAY_FORMAT}}).",
        )
    form.done()
    assert fecha is not None
    return fecha, nota


def read_sesion_form(fields: Mapping[str, str], *, not_before: date) -> SesionDraft:
    """A session: date and time, place, agenda, attendance and acta."""
    form = FormReader(fields)
    fecha = form.day("fecha", required="Indique la fecha de la sesión.")
    if fecha is not None and fecha < not_before:
        form.fail(
            "fecha",
            f"La sesión no puede ser anterior al inicio de la mesa ({not_before:{DAY_FORMAT}}).",
        )
    hora = _hour(form)
    lugar = " ".join(
        form.text("lugar", required="Indique el lugar de la sesión.", max_chars=MAX_NAME).split()
    )
    agenda = _agenda(form)
    nombres = tuple(_lines(form, "vecinos_nombres", "los nombres de vecinos y vecinas"))
    for nombre in nombres:
        if len(nombre) > MAX_NAME:
            form.fail("vecinos_nombres", f"Cada nombre puede tener hasta {MAX_NAME} caracteres.")
    vecinos = _vecinos(form, len(nombres))
    organizaciones = _asistentes(form, "organizaciones", "organizaciones")
    instituciones = _asistentes(form, "instituciones", "instituciones")
    acta = form.text("acta", max_chars=MAX_ACTA)
    form.done()
    assert fecha is not None
    return SesionDraft(
        fecha, hora, lugar, agenda, vecinos, nombres, organizaciones, instituciones, acta
    )


def read_acuerdo_form(fields: Mapping[str, str], *, not_before: date) -> AcuerdoDraft:
    """An acuerdo o compromiso: what, who is responsible, and by when (not before the
    session that took it)."""
    form = FormReader(fields)
    descripcion = form.text(
        "descripcion", required="Describa el acuerdo o compromiso.", max_chars=MAX_TEXT
    )
    responsable = " ".join(
        form.text(
            "responsable",
            required="Indique quién es responsable del acuerdo.",
            max_chars=MAX_NAME,
        ).split()
    )
    fecha = form.day("fecha_comprometida", required="Indique la fecha comprometida.")
    if fecha is not None and fecha < not_before:
        form.fail(
            "fecha_comprometida",
            "La fecha comprometida no puede ser anterior a la sesión en que se tomó el acuerdo "
            f"({not_before:{DAY_FORMAT}}).",
        )
    form.done()
    assert fecha is not None
    return AcuerdoDraft(descripcion, responsable, fecha)


def read_seguimiento_form(fields: Mapping[str, str]) -> tuple[EstadoAcuerdo, str]:
    """The follow-up of an acuerdo: its new estado and a note."""
    form = FormReader(fields)
    estado = form.choice(
        "estado",
        EstadoAcuerdo,
        "Elija el estado del acuerdo: pendiente, en curso, cumplido o no cumplido.",
    )
    nota = form.text("nota", max_chars=MAX_TEXT)
    form.done()
    return estado, nota


def agenda_text(agenda: Sequence[AgendaItem]) -> str:
    """The agenda as the form shows it (one ``Tema | minutos`` per line)."""
    return "\n".join(f"{item.tema} | {item.minutos}" for item in agenda)


def asistentes_text(people: Sequence[Asistente]) -> str:
    return "\n".join(
        f"{one.nombre} | {one.representante}" if one.representante else one.nombre for one in people
    )


def _hour(form: FormReader) -> str:
    raw = form.raw("hora")
    if not raw:
        form.fail("hora", "Indique la hora de inicio de la sesión.")
        return "00:00"
    match = _HOUR.match(raw)
    if match is None:
        form.fail("hora", "Escriba la hora como HH:MM (por ejemplo 19:00).")
        return "00:00"
    return f"{int(match[1]):02d}:{match[2]}"


def _lines(form: FormReader, name: str, what: str) -> list[str]:
    raw = form.fields.get(name, "")
    lines = [" ".join(line.split()) for line in raw.splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > MAX_LINES:
        form.fail(name, f"Escriba como máximo {MAX_LINES} líneas en {what}.")
        return []
    return lines


def _agenda(form: FormReader) -> tuple[AgendaItem, ...]:
    items = []
    for number, line in enumerate(_lines(form, "agenda", "la agenda"), start=1):
        tema, sep, minutos = line.rpartition("|")
        tema = tema.strip()
        minutos = minutos.strip().lower().removesuffix("min").strip()
        if not sep or not tema:
            form.fail(
                "agenda",
                f"Línea {number} de la agenda: escriba «Tema | minutos», por ejemplo "
                "«Bienvenida | 10».",
            )
        elif not minutos.isdecimal() or not 1 <= int(minutos) <= MAX_MINUTES:
            form.fail(
                "agenda",
                f"Línea {number} de la agenda: la duración debe ser un número entero positivo "
                f"de minutos (entre 1 y {MAX_MINUTES}).",
            )
        elif len(tema) > MAX_NAME:
            form.fail("agenda", f"Línea {number} de la agenda: use hasta {MAX_NAME} caracteres.")
        else:
            items.append(AgendaItem(tema, int(minutos)))
    return tuple(items)


def _vecinos(form: FormReader, named: int) -> int:
    raw = form.raw("vecinos")
    if not raw:
        return named
    if not raw.isdecimal() or int(raw) > MAX_VECINOS:
        form.fail(
            "vecinos",
            "Indique cuántos vecinos y vecinas asistieron con un número entero (0 o más).",
        )
        return named
    if int(raw) < named:
        form.fail(
            "vecinos",
            f"Anotó {named} nombres de vecinos y vecinas, pero indicó {int(raw)} asistentes.",
        )
    return int(raw)


def _asistentes(form: FormReader, name: str, what: str) -> tuple[Asistente, ...]:
    people = []
    for number, line in enumerate(_lines(form, name, f"{what}"), start=1):
        nombre, _, representante = line.partition("|")
        nombre, representante = nombre.strip(), representante.strip()
        if not nombre or not representante:
            form.fail(
                name,
                f"Línea {number} de {what}: escriba «Nombre | Representante», por ejemplo "
                "«Junta de Vecinos Villa Azul | María Pérez».",
            )
        elif len(nombre) > MAX_NAME or len(representante) > MAX_NAME:
            form.fail(name, f"Línea {number} de {what}: use hasta {MAX_NAME} caracteres.")
        else:
            people.append(Asistente(nombre, representante))
    return tuple(people)
