"""Sesiones of a Mesa de Seguridad Focalizada: when and where it met, its agenda (items with
durations), who came — vecinos y vecinas (a count and optional names), organizaciones and
instituciones (each with its representative) — and the acta. The acuerdos taken are in
:mod:`hub.enlace.mesas.acuerdos`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any, Final

from hub.enlace.history import HistoryLine, history_of, record_change
from hub.enlace.mesas.forms import agenda_text, asistentes_text
from hub.enlace.mesas.model import AgendaItem, Asistente, Mesa, Sesion, SesionDraft, filled
from hub.errors import Invalid, NotFound
from hub.storage import Actor, HubDB, Subject
from hub.storage.audit import Json

SUBJECT: Final = "mesa_sesion"
HISTORY_TEXTS: Final = {
    "mesa_sesion.create": "Registró la sesión",
    "mesa_sesion.update": "Editó la sesión",
}
FIELD_LABELS: Final = {
    "fecha": "Fecha",
    "hora": "Hora",
    "lugar": "Lugar",
    "agenda": "Agenda",
    "vecinos": "Vecinos y vecinas",
    "vecinos_nombres": "Nombres de vecinos y vecinas",
    "organizaciones": "Organizaciones",
    "instituciones": "Instituciones",
    "acta": "Acta",
}
_SELECT: Final = (
    "SELECT id, mesa_id, barrio_id, numero, fecha, hora, lugar, agenda, vecinos, "
    "vecinos_nombres, organizaciones, instituciones, acta, created_at, created_by, updated_at "
    "FROM (SELECT *, row_number() OVER (PARTITION BY mesa_id ORDER BY fecha, hora, id) "
    "AS numero FROM mesa_sesiones WHERE mesa_id = {mesa})"
)


class Sesiones:
    def __init__(self, hub: HubDB) -> None:
        self._hub = hub

    def add(self, mesa: Mesa, draft: SesionDraft, *, actor: Actor, at: float) -> Sesion:
        """Record a session of ``mesa`` (an active one)."""
        if not mesa.activa:
            raise Invalid("La mesa está cerrada: no se registran nuevas sesiones.")
        with self._hub.db.atomic():
            cursor = self._hub.db.execute(
                "INSERT INTO mesa_sesiones (mesa_id, barrio_id, fecha, hora, lugar, agenda, "
                "vecinos, vecinos_nombres, organizaciones, instituciones, acta, created_at, "
                "created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [mesa.id, mesa.barrio_id, *_columns(draft), at, actor.label, at],
            )
            sesion_id = cursor.lastrowid
            assert sesion_id is not None
            record_change(
                self._hub,
                actor,
                "mesa_sesion.create",
                Subject(SUBJECT, sesion_id),
                None,
                filled(_fields(draft)),
                at=at,
                extra={"barrio_id": mesa.barrio_id, "mesa_id": mesa.id},
            )
        return self.get(sesion_id)

    def update(self, sesion_id: int, draft: SesionDraft, *, actor: Actor, at: float) -> Sesion:
        before = self.get(sesion_id)
        old, new = _fields(_draft(before)), _fields(draft)
        if old == new:
            return before
        with self._hub.db.atomic():
            self._hub.db.execute(
                "UPDATE mesa_sesiones SET fecha = ?, hora = ?, lugar = ?, agenda = ?, "
                "vecinos = ?, vecinos_nombres = ?, organizaciones = ?, instituciones = ?, "
                "acta = ?, updated_at = ? WHERE id = ?",
                [*_columns(draft), at, sesion_id],
            )
            record_change(
                self._hub,
                actor,
                "mesa_sesion.update",
                before.subject,
                old,
                new,
                at=at,
                extra={"barrio_id": before.barrio_id, "mesa_id": before.mesa_id},
            )
        return self.get(sesion_id)

    def get(self, sesion_id: int) -> Sesion:
        row = self._hub.db.execute(
            "SELECT mesa_id FROM mesa_sesiones WHERE id = ?", [sesion_id]
        ).fetchone()
        found = [] if row is None else self._of(int(row[0]), "id = ?", [sesion_id])
        if not found:
            raise NotFound(f"No existe la sesión {sesion_id}.")
        return found[0]

    def of_mesa(self, mesa_id: int) -> list[Sesion]:
        """The mesa's sessions, the first one first."""
        return self._of(mesa_id, "1", [])

    def of_barrio(self, barrio_id: int) -> list[tuple[Sesion, str]]:
        """Every session of the barrio's mesas, newest first, with its mesa's sector
        barrial (what a plan de acción names when a mesa validated it)."""
        rows = self._hub.db.execute(
            "SELECT s.id, m.sector FROM mesa_sesiones s JOIN mesas m ON m.id = s.mesa_id "
            "WHERE s.barrio_id = ? ORDER BY s.fecha DESC, s.hora DESC, s.id DESC",
            [barrio_id],
        ).fetchall()
        return [(self.get(int(row[0])), str(row[1])) for row in rows]

    def history(self, sesion_id: int) -> list[HistoryLine]:
        return history_of(self._hub, Subject(SUBJECT, sesion_id), HISTORY_TEXTS)

    def _of(self, mesa_id: int, where: str, params: Sequence[Any]) -> list[Sesion]:
        sql = _SELECT.format(mesa="?") + f" WHERE {where} ORDER BY numero"
        rows = self._hub.db.execute(sql, [mesa_id, *params]).fetchall()
        return [_sesion(row) for row in rows]


def _columns(draft: SesionDraft) -> list[Any]:
    return [
        draft.fecha.isoformat(),
        draft.hora,
        draft.lugar,
        json.dumps([[item.tema, item.minutos] for item in draft.agenda], ensure_ascii=False),
        draft.vecinos,
        json.dumps(list(draft.vecinos_nombres), ensure_ascii=False),
        _people_json(draft.organizaciones),
        _people_json(draft.instituciones),
        draft.acta,
    ]


def _people_json(people: Sequence[Asistente]) -> str:
    return json.dumps([[one.nombre, one.representante] for one in people], ensure_ascii=False)


def _people(text: str) -> tuple[Asistente, ...]:
    return tuple(Asistente(str(name), str(who)) for name, who in json.loads(text))


def _fields(draft: SesionDraft) -> dict[str, Json]:
    return {
        "fecha": f"{draft.fecha:%d-%m-%Y}",
        "hora": draft.hora,
        "lugar": draft.lugar,
        "agenda": agenda_text(draft.agenda),
        "vecinos": draft.vecinos,
        "vecinos_nombres": "\n".join(draft.vecinos_nombres),
        "organizaciones": asistentes_text(draft.organizaciones),
        "instituciones": asistentes_text(draft.instituciones),
        "acta": draft.acta,
    }


def _draft(sesion: Sesion) -> SesionDraft:
    return SesionDraft(
        sesion.fecha,
        sesion.hora,
        sesion.lugar,
        sesion.agenda,
        sesion.vecinos,
        sesion.vecinos_nombres,
        sesion.organizaciones,
        sesion.instituciones,
        sesion.acta,
    )


def _sesion(row: Sequence[Any]) -> Sesion:
    return Sesion(
        id=int(row[0]),
        mesa_id=int(row[1]),
        barrio_id=int(row[2]),
        numero=int(row[3]),
        fecha=date.fromisoformat(row[4]),
        hora=str(row[5]),
        lugar=str(row[6]),
        agenda=tuple(AgendaItem(str(tema), int(minutos)) for tema, minutos in json.loads(row[7])),
        vecinos=int(row[8]),
        vecinos_nombres=tuple(str(name) for name in json.loads(row[9])),
        organizaciones=_people(row[10]),
        instituciones=_people(row[11]),
        acta=str(row[12]),
        created_at=float(row[13]),
        created_by=str(row[14]),
        updated_at=float(row[15]),
    )
