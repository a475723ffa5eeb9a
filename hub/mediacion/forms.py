"""Reading Mediación's forms (new case, party, session, estado, acuerdo) and the list's
filters; every problem in Spanish under its field's name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from hub.errors import Invalid
from hub.forms import FormReader, positive_id
from hub.maintenance.phones import chilean_phone
from hub.mediacion.model import Asistencia, EstadoCaso, Origen, RolParte, TipoConflicto

MAX_ALIAS: Final = 80
MAX_NOTE: Final = 1000
MAX_TEXT: Final = 2000
PRIVACY: Final = "No escriba datos sensibles (salud, antecedentes, creencias, origen)."


@dataclass(frozen=True)
class ParteDraft:
    alias: str
    rol: RolParte
    telefono: str


@dataclass(frozen=True)
class CasoDraft:
    tipo: TipoConflicto
    barrio_id: int | None
    origen: Origen
    demanda_id: int | None
    institucion_origen: str
    descripcion: str
    partes: tuple[ParteDraft, ...]


@dataclass(frozen=True)
class SesionDraft:
    fecha: date
    asistencia: Asistencia
    nota: str


def _phone(form: FormReader, name: str) -> str:
    value = form.raw(name)
    if not value:
        return ""
    try:
        return chilean_phone(value, field=name)
    except Invalid as exc:
        form.fail(name, exc.problems[name])
        return ""


def _alias(form: FormReader, name: str, *, required: bool) -> str:
    message = "Escriba un alias o el nombre de la parte." if required else ""
    return form.text(name, required=message, max_chars=MAX_ALIAS)


def read_caso(fields: Mapping[str, str]) -> CasoDraft:
    form = FormReader(fields)
    tipo = form.choice("tipo", TipoConflicto, "Elija el tipo de conflicto.")
    barrio_id = form.record_id("barrio_id", "el barrio")
    origen = form.choice("origen", Origen, "Elija el origen del caso.")
    demanda_id = form.record_id("demanda_id", "la demanda")
    institucion = form.text("institucion_origen", max_chars=120)
    if origen is Origen.DEMANDA and demanda_id is None and "demanda_id" not in form.problems:
        form.fail("demanda_id", "Indique el N° de la demanda desde la que se deriva.")
    if origen is Origen.INSTITUCION and not institucion:
        form.fail("institucion_origen", "Indique la institución que deriva el caso.")
    if origen is not Origen.DEMANDA:
        demanda_id = None
    if origen is not Origen.INSTITUCION:
        institucion = ""
    descripcion = form.text(
        "descripcion", required="Describa brevemente el conflicto.", max_chars=MAX_TEXT
    )
    partes = [
        ParteDraft(
            _alias(form, "requirente_alias", required=True),
            RolParte.REQUIRENTE,
            _phone(form, "requirente_telefono"),
        )
    ]
    requerido = _alias(form, "requerido_alias", required=False)
    telefono = _phone(form, "requerido_telefono")
    if requerido:
        partes.append(ParteDraft(requerido, RolParte.REQUERIDO, telefono))
    elif telefono:
        form.fail("requerido_alias", "Escriba el alias de la parte requerida de ese teléfono.")
    form.done()
    return CasoDraft(tipo, barrio_id, origen, demanda_id, institucion, descripcion, tuple(partes))


def read_parte(fields: Mapping[str, str]) -> ParteDraft:
    form = FormReader(fields)
    alias = _alias(form, "alias", required=True)
    rol = form.choice("rol", RolParte, "Indique si la parte es requirente o requerida.")
    telefono = _phone(form, "telefono")
    form.done()
    return ParteDraft(alias, rol, telefono)


def read_sesion(fields: Mapping[str, str], *, today: date) -> SesionDraft:
    form = FormReader(fields)
    fecha = form.day("fecha", required="Indique la fecha de la sesión.")
    if fecha is not None and fecha > today:
        form.fail("fecha", "Registre las sesiones realizadas: la fecha no puede ser futura.")
    asistencia = form.choice("asistencia", Asistencia, "Indique quiénes asistieron.")
    nota = form.text("sesion_nota", max_chars=MAX_NOTE)
    form.done()
    assert fecha is not None
    return SesionDraft(fecha, asistencia, nota)


def read_estado(fields: Mapping[str, str]) -> tuple[EstadoCaso, str, str]:
    """The new estado, the note, and the acuerdo or result (for con / sin acuerdo)."""
    form = FormReader(fields)
    estado = form.choice("estado", EstadoCaso, "Elija el nuevo estado.")
    nota = form.text("nota", max_chars=MAX_NOTE)
    resultado = form.text("resultado", max_chars=MAX_TEXT)
    form.done()
    return estado, nota, resultado


def read_acuerdo(fields: Mapping[str, str]) -> str:
    form = FormReader(fields)
    acuerdo = form.text(
        "acuerdo", required="Escriba el acuerdo o el resultado.", max_chars=MAX_TEXT
    )
    form.done()
    return acuerdo


@dataclass(frozen=True)
class CasoFilter:
    """``estado``: an estado, ``""`` (the open ones: not cerrado) or ``"todos"``."""

    estado: str = ""
    tipo: TipoConflicto | None = None
    barrio_id: int | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> CasoFilter:
        estado = query.get("estado", "")
        tipo = query.get("tipo", "")
        return cls(
            estado=estado if estado == "todos" or estado in set(EstadoCaso) else "",
            tipo=TipoConflicto(tipo) if tipo in set(TipoConflicto) else None,
            barrio_id=positive_id(query.get("barrio", "")),
        )

    def where(self) -> tuple[str, list[object]]:
        clauses: list[str] = []
        params: list[object] = []
        if self.estado == "":
            clauses.append("c.estado != 'cerrado'")
        elif self.estado != "todos":
            clauses.append("c.estado = ?")
            params.append(self.estado)
        if self.tipo is not None:
            clauses.append("c.tipo = ?")
            params.append(self.tipo.value)
        if self.barrio_id is not None:
            clauses.append("c.barrio_id = ?")
            params.append(self.barrio_id)
        return " AND ".join(clauses) or "1", params
