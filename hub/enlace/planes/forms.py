"""Reading the plan de acción's forms: each problem under its field with a Spanish message.

Rules: an end date never before its start; an acción and a hito fall inside the plan's
periodo; avance is a whole percentage from 0 to 100; peso is a number greater than 0
(default 1); an acción marked *realizada* is at 100 %.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import Final

from hub.enlace.planes.model import (
    AccionDraft,
    Estado,
    HitoDraft,
    ObjetivoDraft,
    Plan,
    PlanDraft,
    ProgressUpdate,
)
from hub.forms import FormReader, parse_number

MAX_TITLE: Final = 200
MAX_TEXT: Final = 4000
MAX_PESO: Final = 1000.0
ESTADO_MESSAGE: Final = "Elija el estado: pendiente, en curso, realizada o suspendida."
AVANCE_MESSAGE: Final = "Indique el avance como un número entero entre 0 y 100."
PESO_MESSAGE: Final = f"Indique el peso como un número mayor que 0 (hasta {MAX_PESO:.0f})."


def _dmy(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def _period(form: FormReader, start: str, end: str, what: str) -> tuple[date, date]:
    inicio = form.day(start, required=f"Indique la fecha de inicio {what}.")
    termino = form.day(end, required=f"Indique la fecha de término {what}.")
    if inicio is not None and termino is not None and termino < inicio:
        form.fail(end, "La fecha de término no puede ser anterior a la fecha de inicio.")
    return inicio or date.min, termino or date.min


def read_plan(
    fields: Mapping[str, str],
    *,
    gestores: Collection[int],
    sesiones: Collection[int] | None = None,
) -> PlanDraft:
    """The plan the form describes; ``gestores`` are the ids that may be its responsable,
    ``sesiones`` the barrio's mesa sessions (None: the mesas module is not there, any
    number is kept)."""
    form = FormReader(fields)
    titulo = form.text("titulo", required="Escriba el título del plan.", max_chars=MAX_TITLE)
    inicio, termino = _period(form, "inicio", "termino", "del plan")
    objetivo_general = form.text(
        "objetivo_general", required="Escriba el objetivo general del plan.", max_chars=MAX_TEXT
    )
    gestor_id = form.record_id("gestor_id", "el gestor responsable")
    if gestor_id is not None and gestor_id not in gestores:
        form.fail("gestor_id", "Elija un gestor territorial de este barrio.")
    validacion = form.text("validacion", max_chars=MAX_TEXT)
    validacion_fecha = form.day("validacion_fecha")
    mesa_sesion_id = form.record_id("mesa_sesion_id", "la sesión de la mesa")
    if mesa_sesion_id is not None and sesiones is not None and mesa_sesion_id not in sesiones:
        form.fail("mesa_sesion_id", "Elija una sesión de una mesa de este barrio.")
    if validacion_fecha is not None and not validacion:
        form.fail("validacion", "Indique qué mesa o reunión validó el plan.")
    if validacion and validacion_fecha is None and "validacion_fecha" not in form.problems:
        form.fail("validacion_fecha", "Indique la fecha en que la comunidad validó el plan.")
    form.done()
    return PlanDraft(
        titulo,
        inicio,
        termino,
        objetivo_general,
        gestor_id,
        validacion,
        validacion_fecha,
        mesa_sesion_id,
    )


def read_objetivo(fields: Mapping[str, str], *, problematicas: Collection[int]) -> ObjetivoDraft:
    form = FormReader(fields)
    titulo = form.text(
        "objetivo_titulo", required="Escriba el objetivo específico.", max_chars=MAX_TITLE
    )
    descripcion = form.text("objetivo_descripcion", max_chars=MAX_TEXT)
    problematica_id = form.record_id("problematica_id", "la problemática")
    if problematica_id is not None and problematica_id not in problematicas:
        form.fail("problematica_id", "Elija una problemática del diagnóstico de este barrio.")
    form.done()
    return ObjetivoDraft(titulo, descripcion, problematica_id)


def read_accion(fields: Mapping[str, str], *, plan: Plan) -> AccionDraft:
    form = FormReader(fields)
    actividad = form.text(
        "actividad", required="Escriba la actividad o gestión.", max_chars=MAX_TITLE
    )
    descripcion = form.text("descripcion", max_chars=MAX_TEXT)
    responsables = form.text(
        "responsables",
        required="Indique los responsables (instituciones o personas).",
        max_chars=MAX_TEXT,
    )
    inicio, termino = _period(form, "inicio", "termino", "de la acción")
    if "inicio" not in form.problems and inicio < plan.inicio:
        form.fail(
            "inicio",
            f"La acción debe empezar dentro del periodo del plan (desde el {_dmy(plan.inicio)}).",
        )
    if "termino" not in form.problems and termino > plan.termino:
        form.fail(
            "termino",
            f"La acción debe terminar dentro del periodo del plan (hasta el {_dmy(plan.termino)}).",
        )
    recursos = form.text("recursos", max_chars=MAX_TEXT)
    indicador = form.text("indicador", max_chars=MAX_TEXT)
    meta = form.text("meta", max_chars=MAX_TEXT)
    estado = form.choice("estado", Estado, ESTADO_MESSAGE, default=Estado.PENDIENTE)
    avance = _avance(form)
    peso = _peso(form)
    form.done()
    if estado is Estado.REALIZADA:
        avance = 100
    return AccionDraft(
        actividad,
        descripcion,
        responsables,
        inicio,
        termino,
        recursos,
        indicador,
        meta,
        estado,
        avance,
        peso,
    )


def read_progress(fields: Mapping[str, str]) -> ProgressUpdate:
    form = FormReader(fields)
    if not form.raw("avance"):
        form.fail("avance", AVANCE_MESSAGE)
    avance = _avance(form)
    estado = form.choice("estado", Estado, ESTADO_MESSAGE)
    nota = form.text("nota", max_chars=MAX_TEXT)
    form.done()
    return ProgressUpdate(100 if estado is Estado.REALIZADA else avance, estado, nota)


def read_hito(fields: Mapping[str, str], *, plan: Plan) -> HitoDraft:
    form = FormReader(fields)
    titulo = form.text("hito_titulo", required="Escriba el hito.", max_chars=MAX_TITLE)
    fecha = form.day("hito_fecha", required="Indique la fecha del hito.")
    if fecha is not None and not plan.inicio <= fecha <= plan.termino:
        form.fail(
            "hito_fecha",
            f"El hito debe caer dentro del periodo del plan ({_dmy(plan.inicio)} al "
            f"{_dmy(plan.termino)}).",
        )
    form.done()
    assert fecha is not None
    return HitoDraft(titulo, fecha)


def _avance(form: FormReader) -> int:
    if not form.raw("avance"):
        return 0
    return form.whole_number("avance", AVANCE_MESSAGE, low=0, high=100)


def _peso(form: FormReader) -> float:
    if not form.raw("peso"):
        return 1.0
    number = parse_number(form.raw("peso"))
    if number is None or not 0 < number <= MAX_PESO:
        form.fail("peso", PESO_MESSAGE)
        return 1.0
    return number
