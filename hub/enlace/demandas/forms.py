"""Reading the demandas' forms (new demanda, triage, derivación, activity, estado) and the
list's filters; every problem in Spanish under its field's name."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from hub.enlace.demandas.model import (
    Canal,
    Categoria,
    Estado,
    Prioridad,
    TipoActividad,
)
from hub.errors import Invalid
from hub.forms import FormReader, positive_id
from hub.maintenance.phones import chilean_phone

MAX_TEXT: Final = 4000
MAX_NAME: Final = 120
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class DemandaDraft:
    canal: Canal
    categoria: Categoria
    descripcion: str
    solicitante: str
    contacto: str
    recibida_el: date
    prioridad: Prioridad


@dataclass(frozen=True)
class Triage:
    prioridad: Prioridad
    responsable_id: int | None
    responsable_institucion: str


@dataclass(frozen=True)
class ActividadDraft:
    fecha: date
    tipo: TipoActividad
    descripcion: str
    quien: str


def read_demanda(fields: Mapping[str, str], *, today: date) -> DemandaDraft:
    form = FormReader(fields)
    canal = form.choice("canal", Canal, "Elija el canal por el que llegó la demanda.")
    categoria = form.choice("categoria", Categoria, "Elija la categoría de la demanda.")
    descripcion = form.text(
        "descripcion", required="Describa la demanda de los vecinos.", max_chars=MAX_TEXT
    )
    solicitante = form.text("solicitante", max_chars=MAX_NAME)
    contacto = _contact(form)
    recibida_el = form.day("recibida_el", required="Indique la fecha en que se recibió.")
    if recibida_el is not None and recibida_el > today:
        form.fail("recibida_el", "La fecha de recepción no puede ser futura.")
    prioridad = form.choice("prioridad", Prioridad, _PRIORIDAD_MESSAGE, default=Prioridad.NORMAL)
    form.done()
    assert recibida_el is not None
    return DemandaDraft(
        canal, categoria, descripcion, solicitante, contacto, recibida_el, prioridad
    )


_PRIORIDAD_MESSAGE: Final = "Elija la prioridad: urgente, alta, normal o baja."


def _contact(form: FormReader) -> str:
    """An optional phone (stored as E.164) or e-mail of who asked."""
    value = form.text("contacto", max_chars=MAX_NAME)
    if not value:
        return ""
    if "@" in value:
        if not _EMAIL.fullmatch(value):
            form.fail("contacto", "Escriba un correo válido (nombre@dominio.cl) o un teléfono.")
        return value.lower()
    try:
        return chilean_phone(value, field="contacto")
    except Invalid as exc:
        form.fail("contacto", exc.problems["contacto"])
        return ""


def read_triage(fields: Mapping[str, str]) -> Triage:
    form = FormReader(fields)
    prioridad = form.choice("prioridad", Prioridad, _PRIORIDAD_MESSAGE)
    responsable_id = form.record_id("responsable_id", "la persona responsable")
    institucion = form.text("responsable_institucion", max_chars=MAX_NAME)
    if responsable_id is None and not institucion and "responsable_id" not in form.problems:
        form.fail(
            "responsable_id",
            "Indique la persona responsable o escriba la institución responsable.",
        )
    form.done()
    return Triage(prioridad, responsable_id, institucion)


def read_derivacion(fields: Mapping[str, str]) -> tuple[str, str]:
    """The institution or unit (chosen, or written under «otra») and the note."""
    form = FormReader(fields)
    chosen = form.text("derivada_a", max_chars=MAX_NAME)
    other = form.text("derivada_otra", max_chars=MAX_NAME)
    institucion = other if chosen in ("", "otra") else chosen
    if not institucion:
        form.fail("derivada_a", "Indique a qué institución o unidad se deriva la demanda.")
    nota = form.text(
        "derivacion_nota", required="Escriba una nota para la derivación.", max_chars=MAX_TEXT
    )
    form.done()
    return institucion, nota


def read_actividad(
    fields: Mapping[str, str], *, today: date, recibida_el: date, default_quien: str
) -> ActividadDraft:
    form = FormReader(fields)
    fecha = form.day("fecha", required="Indique la fecha de la actividad.")
    if fecha is not None and fecha > today:
        form.fail("fecha", "La fecha de la actividad no puede ser futura.")
    elif fecha is not None and fecha < recibida_el:
        form.fail(
            "fecha",
            f"La actividad no puede ser anterior a la recepción ({recibida_el:%d-%m-%Y}).",
        )
    tipo = form.choice("tipo", TipoActividad, "Elija el tipo de actividad.")
    descripcion = form.text(
        "descripcion", required="Describa la actividad realizada.", max_chars=MAX_TEXT
    )
    quien = form.text("quien", max_chars=MAX_NAME) or default_quien
    form.done()
    assert fecha is not None
    return ActividadDraft(fecha, tipo, descripcion, quien)


def read_estado(fields: Mapping[str, str]) -> tuple[Estado, str]:
    form = FormReader(fields)
    estado = form.choice("estado", Estado, "Elija el nuevo estado.")
    nota = form.text("nota", max_chars=MAX_TEXT)
    form.done()
    return estado, nota


@dataclass(frozen=True)
class DemandaFilter:
    """The list's filters: ``estado`` is an estado, ``""`` (the open ones) or ``"todas"``."""

    estado: str = ""
    prioridad: Prioridad | None = None
    barrio_id: int | None = None
    vencidas: bool = False

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> DemandaFilter:
        estado = query.get("estado", "")
        prioridad = query.get("prioridad", "")
        return cls(
            estado=estado if estado == "todas" or estado in set(Estado) else "",
            prioridad=Prioridad(prioridad) if prioridad in set(Prioridad) else None,
            barrio_id=positive_id(query.get("barrio", "")),
            vencidas=query.get("vencidas", "") == "1",
        )

    def where(self) -> tuple[str, list[object]]:
        """SQL conditions on the ``d`` alias (the vencidas filter is applied after)."""
        clauses: list[str] = []
        params: list[object] = []
        if self.estado == "":
            clauses.append("d.estado NOT IN ('resuelta', 'cerrada', 'desestimada')")
        elif self.estado != "todas":
            clauses.append("d.estado = ?")
            params.append(self.estado)
        if self.prioridad is not None:
            clauses.append("d.prioridad = ?")
            params.append(self.prioridad.value)
        if self.barrio_id is not None:
            clauses.append("d.barrio_id = ?")
            params.append(self.barrio_id)
        return " AND ".join(clauses) or "1", params
