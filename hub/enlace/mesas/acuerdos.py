"""Acuerdos y compromisos of a Mesa de Seguridad Focalizada: what was agreed in a session,
who is responsible, by when, and its estado (pendiente, en curso, cumplido, no cumplido).

Acuerdos are followed up across sessions: a later session lists the mesa's open acuerdos
from earlier ones, and each follow-up (new estado and a note) keeps who recorded it, when,
and in which session (or none, when recorded between sessions). An open acuerdo past its
fecha comprometida is *vencido*.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Final

from hub.enlace.history import HistoryLine, history_of, record_change
from hub.enlace.mesas.model import Acuerdo, AcuerdoDraft, EstadoAcuerdo, Seguimiento, Sesion
from hub.errors import Invalid, NotFound
from hub.storage import Actor, HubDB, Subject
from hub.storage.audit import Json

SUBJECT: Final = "mesa_acuerdo"
HISTORY_TEXTS: Final = {
    "mesa_acuerdo.create": "Registró el acuerdo",
    "mesa_acuerdo.update": "Editó el acuerdo",
    "mesa_acuerdo.seguimiento": "Registró un seguimiento",
}
FIELD_LABELS: Final = {
    "descripcion": "Acuerdo",
    "responsable": "Responsable",
    "fecha_comprometida": "Fecha comprometida",
    "estado": "Estado",
    "nota": "Nota de seguimiento",
    "sesion": "Sesión",
}
_SELECT: Final = (
    "SELECT a.id, a.mesa_id, a.sesion_id, a.barrio_id, a.descripcion, a.responsable, "
    "a.fecha_comprometida, a.estado, a.created_at, a.created_by, a.updated_at, s.fecha "
    "FROM mesa_acuerdos a JOIN mesa_sesiones s ON s.id = a.sesion_id"
)
_ORDER: Final = " ORDER BY s.fecha, s.hora, s.id, a.id"
_EARLIER: Final = "(s.fecha, s.hora, s.id) < (?, ?, ?)"


class Acuerdos:
    def __init__(self, hub: HubDB) -> None:
        self._hub = hub

    def add(self, sesion: Sesion, draft: AcuerdoDraft, *, actor: Actor, at: float) -> Acuerdo:
        """An acuerdo taken in ``sesion`` (estado pendiente)."""
        with self._hub.db.atomic():
            cursor = self._hub.db.execute(
                "INSERT INTO mesa_acuerdos (mesa_id, sesion_id, barrio_id, descripcion, "
                "responsable, fecha_comprometida, created_at, created_by, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    sesion.mesa_id,
                    sesion.id,
                    sesion.barrio_id,
                    draft.descripcion,
                    draft.responsable,
                    draft.fecha_comprometida.isoformat(),
                    at,
                    actor.label,
                    at,
                ],
            )
            acuerdo_id = cursor.lastrowid
            assert acuerdo_id is not None
            record_change(
                self._hub,
                actor,
                "mesa_acuerdo.create",
                Subject(SUBJECT, acuerdo_id),
                None,
                {**_fields(draft), "estado": EstadoAcuerdo.PENDIENTE.label},
                at=at,
                extra={"barrio_id": sesion.barrio_id, "sesion_id": sesion.id},
            )
        return self.get(acuerdo_id)

    def update(self, acuerdo_id: int, draft: AcuerdoDraft, *, actor: Actor, at: float) -> Acuerdo:
        """Change what was agreed, who is responsible or the date committed."""
        before = self.get(acuerdo_id)
        old = _fields(
            AcuerdoDraft(before.descripcion, before.responsable, before.fecha_comprometida)
        )
        new = _fields(draft)
        if old == new:
            return before
        with self._hub.db.atomic():
            self._hub.db.execute(
                "UPDATE mesa_acuerdos SET descripcion = ?, responsable = ?, "
                "fecha_comprometida = ?, updated_at = ? WHERE id = ?",
                [
                    draft.descripcion,
                    draft.responsable,
                    draft.fecha_comprometida.isoformat(),
                    at,
                    acuerdo_id,
                ],
            )
            record_change(
                self._hub,
                actor,
                "mesa_acuerdo.update",
                before.subject,
                old,
                new,
                at=at,
                extra={"barrio_id": before.barrio_id},
            )
        return self.get(acuerdo_id)

    def follow_up(
        self,
        acuerdo_id: int,
        estado: EstadoAcuerdo,
        nota: str,
        *,
        sesion: Sesion | None,
        actor: Actor,
        at: float,
    ) -> Seguimiento:
        """Record the acuerdo's follow-up: its new ``estado`` and ``nota``, in ``sesion``
        (a later session of its mesa) or between sessions (None)."""
        before = self.get(acuerdo_id)
        if sesion is not None:
            if sesion.mesa_id != before.mesa_id:
                raise Invalid("El acuerdo es de otra mesa.", field="acuerdo_id")
            if not self._earlier(before.sesion_id, sesion):
                raise Invalid(
                    "El seguimiento se registra en una sesión posterior a la del acuerdo.",
                    field="acuerdo_id",
                )
        if estado is before.estado and not nota:
            raise Invalid(
                "Elija un estado distinto o escriba una nota de seguimiento.", field="nota"
            )
        with self._hub.db.atomic():
            cursor = self._hub.db.execute(
                "INSERT INTO mesa_seguimientos (acuerdo_id, sesion_id, barrio_id, "
                "estado_anterior, estado, nota, at, author) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    acuerdo_id,
                    None if sesion is None else sesion.id,
                    before.barrio_id,
                    before.estado.value,
                    estado.value,
                    nota,
                    at,
                    actor.label,
                ],
            )
            seguimiento_id = cursor.lastrowid
            assert seguimiento_id is not None
            self._hub.db.execute(
                "UPDATE mesa_acuerdos SET estado = ?, updated_at = ? WHERE id = ?",
                [estado.value, at, acuerdo_id],
            )
            after: dict[str, Json] = {"estado": estado.label, "nota": nota}
            after["sesion"] = sesion.title if sesion is not None else "Entre sesiones"
            record_change(
                self._hub,
                actor,
                "mesa_acuerdo.seguimiento",
                before.subject,
                {"estado": before.estado.label},
                after,
                at=at,
                extra={
                    "barrio_id": before.barrio_id,
                    "sesion_id": None if sesion is None else sesion.id,
                },
            )
        return next(s for s in self.seguimientos(acuerdo_id) if s.id == seguimiento_id)

    def get(self, acuerdo_id: int) -> Acuerdo:
        found = self._select("a.id = ?", [acuerdo_id])
        if not found:
            raise NotFound(f"No existe el acuerdo {acuerdo_id}.")
        return found[0]

    def of_sesion(self, sesion_id: int) -> list[Acuerdo]:
        """The acuerdos taken in the session."""
        return self._select("a.sesion_id = ?", [sesion_id])

    def of_mesa(self, mesa_id: int) -> list[Acuerdo]:
        return self._select("a.mesa_id = ?", [mesa_id])

    def open_before(self, sesion: Sesion) -> list[Acuerdo]:
        """The mesa's acuerdos from earlier sessions that are still pendiente or en curso
        (what a session follows up)."""
        return self._select(
            f"a.mesa_id = ? AND a.estado IN ('pendiente', 'en_curso') AND {_EARLIER}",
            [sesion.mesa_id, sesion.fecha.isoformat(), sesion.hora, sesion.id],
        )

    def overdue(self, mesa_id: int, today: date) -> list[Acuerdo]:
        return [a for a in self.of_mesa(mesa_id) if a.overdue(today)]

    def seguimientos(self, acuerdo_id: int) -> list[Seguimiento]:
        """The acuerdo's follow-ups, oldest first."""
        return self._seguimientos("g.acuerdo_id = ?", [acuerdo_id])

    def seguimientos_en(self, sesion_id: int) -> list[tuple[Seguimiento, Acuerdo]]:
        """The follow-ups recorded in a session, with their acuerdo."""
        found = self._seguimientos("g.sesion_id = ?", [sesion_id])
        return [(one, self.get(one.acuerdo_id)) for one in found]

    def seguimientos_of_mesa(self, mesa_id: int) -> dict[int, list[Seguimiento]]:
        """Every follow-up of the mesa's acuerdos, by acuerdo id."""
        found = self._seguimientos(
            "g.acuerdo_id IN (SELECT id FROM mesa_acuerdos WHERE mesa_id = ?)", [mesa_id]
        )
        by_acuerdo: dict[int, list[Seguimiento]] = {}
        for one in found:
            by_acuerdo.setdefault(one.acuerdo_id, []).append(one)
        return by_acuerdo

    def history(self, acuerdo_id: int) -> list[HistoryLine]:
        return history_of(self._hub, Subject(SUBJECT, acuerdo_id), HISTORY_TEXTS)

    def _earlier(self, acuerdo_sesion_id: int, sesion: Sesion) -> bool:
        row = self._hub.db.execute(
            f"SELECT 1 FROM mesa_sesiones s WHERE s.id = ? AND {_EARLIER}",  # noqa: S608
            [acuerdo_sesion_id, sesion.fecha.isoformat(), sesion.hora, sesion.id],
        ).fetchone()
        return row is not None

    def _select(self, where: str, params: Sequence[Any]) -> list[Acuerdo]:
        sql = f"{_SELECT} WHERE {where}{_ORDER}"
        return [_acuerdo(row) for row in self._hub.db.execute(sql, list(params)).fetchall()]

    def _seguimientos(self, where: str, params: Sequence[Any]) -> list[Seguimiento]:
        sql = (
            "SELECT g.id, g.acuerdo_id, g.sesion_id, s.fecha, g.estado_anterior, g.estado, "  # noqa: S608
            "g.nota, g.at, g.author FROM mesa_seguimientos g "
            f"LEFT JOIN mesa_sesiones s ON s.id = g.sesion_id WHERE {where} ORDER BY g.at, g.id"
        )
        rows = self._hub.db.execute(sql, list(params)).fetchall()
        return [
            Seguimiento(
                id=int(row[0]),
                acuerdo_id=int(row[1]),
                sesion_id=None if row[2] is None else int(row[2]),
                sesion_fecha=None if row[3] is None else date.fromisoformat(row[3]),
                estado_anterior=EstadoAcuerdo(row[4]),
                estado=EstadoAcuerdo(row[5]),
                nota=str(row[6]),
                at=float(row[7]),
                author=str(row[8]),
            )
            for row in rows
        ]


def _fields(draft: AcuerdoDraft) -> dict[str, Json]:
    return {
        "descripcion": draft.descripcion,
        "responsable": draft.responsable,
        "fecha_comprometida": f"{draft.fecha_comprometida:%d-%m-%Y}",
    }


def _acuerdo(row: Sequence[Any]) -> Acuerdo:
    return Acuerdo(
        id=int(row[0]),
        mesa_id=int(row[1]),
        sesion_id=int(row[2]),
        barrio_id=int(row[3]),
        descripcion=str(row[4]),
        responsable=str(row[5]),
        fecha_comprometida=date.fromisoformat(row[6]),
        estado=EstadoAcuerdo(row[7]),
        created_at=float(row[8]),
        created_by=str(row[9]),
        updated_at=float(row[10]),
        sesion_fecha=date.fromisoformat(row[11]),
    )
