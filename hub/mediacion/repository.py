"""Every write to the Mediación cases, their parties, sessions and estados, each audited in
the same transaction; a phone number never goes into the audit log (it says
``(registrado)``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Final

from hub.enlace.estados import StatusChange, StatusHistory, check_transition
from hub.enlace.history import record_change
from hub.errors import Invalid, NotFound
from hub.mediacion.forms import CasoDraft, CasoFilter, ParteDraft, SesionDraft
from hub.mediacion.model import (
    NEEDS_NOTE,
    NEEDS_RESULT,
    SUBJECT,
    TRANSITIONS,
    Asistencia,
    Caso,
    EstadoCaso,
    Origen,
    Parte,
    RolParte,
    Sesion,
    TipoConflicto,
)
from hub.storage import Actor, HubDB, Subject
from hub.storage.audit import Json

_SELECT: Final = (
    "SELECT c.id, c.tipo, c.barrio_id, COALESCE(b.name, ''), c.origen, c.demanda_id, "
    "c.institucion_origen, c.descripcion, c.estado, c.acuerdo, c.created_at, c.created_by, "
    "c.updated_at, "
    "(SELECT COUNT(*) FROM mediacion_partes p WHERE p.caso_id = c.id), "
    "(SELECT COUNT(*) FROM mediacion_sesiones s WHERE s.caso_id = c.id) "
    "FROM mediacion_casos c LEFT JOIN barrios b ON b.id = c.barrio_id"
)


def _caso(row: Sequence[Any]) -> Caso:
    return Caso(
        id=row[0],
        tipo=TipoConflicto(row[1]),
        barrio_id=row[2],
        barrio=row[3],
        origen=Origen(row[4]),
        demanda_id=row[5],
        institucion_origen=row[6],
        descripcion=row[7],
        estado=EstadoCaso(row[8]),
        acuerdo=row[9],
        created_at=row[10],
        created_by=row[11],
        updated_at=row[12],
        partes=row[13],
        sesiones=row[14],
    )


class Casos:
    def __init__(self, hub: HubDB) -> None:
        self._hub = hub
        self._db = hub.db
        self._estados = StatusHistory(hub, "mediacion_estados", "caso_id")

    # Reading.

    def get(self, caso_id: int) -> Caso:
        row = self._db.execute(f"{_SELECT} WHERE c.id = ?", [caso_id]).fetchone()
        if row is None:
            raise NotFound(f"No existe el caso de mediación {caso_id}.")
        return _caso(row)

    def search(self, wanted: CasoFilter | None = None) -> list[Caso]:
        """Every case matching ``wanted`` (Mediación sees them all), newest first."""
        where, params = (wanted or CasoFilter()).where()
        rows = self._db.execute(
            f"{_SELECT} WHERE {where} ORDER BY c.created_at DESC, c.id DESC", params
        ).fetchall()
        return [_caso(row) for row in rows]

    def of_demanda(self, demanda_id: int) -> list[Caso]:
        rows = self._db.execute(
            f"{_SELECT} WHERE c.demanda_id = ? ORDER BY c.id", [demanda_id]
        ).fetchall()
        return [_caso(row) for row in rows]

    def partes(self, caso_id: int) -> list[Parte]:
        rows = self._db.execute(
            "SELECT id, caso_id, alias, rol, telefono FROM mediacion_partes "
            "WHERE caso_id = ? ORDER BY rol = 'requerido', id",
            [caso_id],
        ).fetchall()
        return [Parte(r[0], r[1], r[2], RolParte(r[3]), r[4]) for r in rows]

    def sesiones(self, caso_id: int) -> list[Sesion]:
        rows = self._db.execute(
            "SELECT id, caso_id, fecha, asistencia, nota, created_by FROM mediacion_sesiones "
            "WHERE caso_id = ? ORDER BY fecha, id",
            [caso_id],
        ).fetchall()
        return [
            Sesion(r[0], r[1], date.fromisoformat(r[2]), Asistencia(r[3]), r[4], r[5]) for r in rows
        ]

    def estados(self, caso_id: int) -> list[StatusChange]:
        return self._estados.of(caso_id)

    # Writing.

    def open(self, draft: CasoDraft, *, actor: Actor, at: float) -> Caso:
        """Open a case (*ingresado*) with its parties. A demanda or barrio it names must
        exist; nothing changes in that demanda."""
        self._check_refs(draft)
        record: dict[str, Json] = {
            "tipo": draft.tipo.value,
            "barrio_id": draft.barrio_id,
            "origen": draft.origen.value,
            "demanda_id": draft.demanda_id,
            "institucion_origen": draft.institucion_origen,
            "descripcion": draft.descripcion,
            "estado": EstadoCaso.INGRESADO.value,
        }
        with self._db.atomic():
            cursor = self._db.execute(
                "INSERT INTO mediacion_casos (tipo, barrio_id, origen, demanda_id, "
                "institucion_origen, descripcion, estado, created_at, created_by, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [*record.values(), at, actor.label, at],
            )
            caso_id = cursor.lastrowid
            assert caso_id is not None
            self._estados.add(caso_id, None, EstadoCaso.INGRESADO.value, actor=actor, at=at)
            self._audit(actor, "mediacion_caso.create", caso_id, None, record, at)
            for parte in draft.partes:
                self._insert_parte(caso_id, parte, actor=actor, at=at)
        return self.get(caso_id)

    def _check_refs(self, draft: CasoDraft) -> None:
        problems = {}
        if draft.demanda_id is not None and not self._exists("demandas", draft.demanda_id):
            problems["demanda_id"] = f"No existe la demanda N° {draft.demanda_id}."
        if draft.barrio_id is not None and not self._exists("barrios", draft.barrio_id):
            problems["barrio_id"] = f"No existe el barrio N° {draft.barrio_id}."
        if problems:
            raise Invalid(problems)

    def _exists(self, table: str, record_id: int) -> bool:
        sql = f"SELECT 1 FROM {table} WHERE id = ?"  # noqa: S608 - trusted table name
        return self._db.execute(sql, [record_id]).fetchone() is not None

    def add_parte(self, caso_id: int, parte: ParteDraft, *, actor: Actor, at: float) -> Parte:
        caso = self._open_case(caso_id, "agregar partes")
        with self._db.atomic():
            parte_id = self._insert_parte(caso.id, parte, actor=actor, at=at)
        return next(p for p in self.partes(caso.id) if p.id == parte_id)

    def _insert_parte(self, caso_id: int, parte: ParteDraft, *, actor: Actor, at: float) -> int:
        cursor = self._db.execute(
            "INSERT INTO mediacion_partes (caso_id, alias, rol, telefono, created_at, "
            "created_by) VALUES (?, ?, ?, ?, ?, ?)",
            [caso_id, parte.alias, parte.rol.value, parte.telefono, at, actor.label],
        )
        assert cursor.lastrowid is not None
        self._db.execute("UPDATE mediacion_casos SET updated_at = ? WHERE id = ?", [at, caso_id])
        logged: dict[str, Json] = {
            "parte": parte.alias,
            "rol": parte.rol.value,
            "telefono": "(registrado)" if parte.telefono else "",
        }
        self._audit(actor, "mediacion_caso.party", caso_id, None, logged, at)
        return cursor.lastrowid

    def add_sesion(self, caso_id: int, sesion: SesionDraft, *, actor: Actor, at: float) -> Sesion:
        caso = self._open_case(caso_id, "registrar sesiones")
        record: dict[str, Json] = {
            "fecha": sesion.fecha.isoformat(),
            "asistencia": sesion.asistencia.value,
            "nota": sesion.nota,
        }
        with self._db.atomic():
            cursor = self._db.execute(
                "INSERT INTO mediacion_sesiones (caso_id, fecha, asistencia, nota, created_at, "
                "created_by) VALUES (?, ?, ?, ?, ?, ?)",
                [caso.id, *record.values(), at, actor.label],
            )
            self._db.execute(
                "UPDATE mediacion_casos SET updated_at = ? WHERE id = ?", [at, caso.id]
            )
            self._audit(actor, "mediacion_caso.session", caso.id, None, record, at)
        return next(s for s in self.sesiones(caso.id) if s.id == cursor.lastrowid)

    def _open_case(self, caso_id: int, what: str) -> Caso:
        caso = self.get(caso_id)
        if caso.estado is EstadoCaso.CERRADO:
            raise Invalid(f"El caso está cerrado: ya no se pueden {what}.")
        return caso

    def set_acuerdo(self, caso_id: int, acuerdo: str, *, actor: Actor, at: float) -> Caso:
        caso = self._open_case(caso_id, "cambiar su acuerdo")
        with self._db.atomic():
            self._db.execute(
                "UPDATE mediacion_casos SET acuerdo = ?, updated_at = ? WHERE id = ?",
                [acuerdo, at, caso.id],
            )
            self._audit(
                actor,
                "mediacion_caso.acuerdo",
                caso.id,
                {"acuerdo": caso.acuerdo},
                {"acuerdo": acuerdo},
                at,
            )
        return self.get(caso.id)

    def move(
        self,
        caso_id: int,
        to: EstadoCaso,
        *,
        nota: str = "",
        resultado: str = "",
        actor: Actor,
        at: float,
    ) -> Caso:
        """Change the estado. *Con / sin acuerdo* need the acuerdo or result (``resultado``,
        or the one already written); *derivado* and *cerrado* need a note."""
        caso = self.get(caso_id)
        check_transition(caso.estado, to, TRANSITIONS, the="El caso", one="Un caso")
        acuerdo = resultado or caso.acuerdo
        if to in NEEDS_RESULT and not acuerdo:
            what = "el acuerdo alcanzado" if to is EstadoCaso.CON_ACUERDO else "el resultado"
            raise Invalid(f"Para dejar el caso «{to.label}» escriba {what}.", field="resultado")
        if to in NEEDS_NOTE and not nota:
            why = "a quién se deriva" if to is EstadoCaso.DERIVADO else "por qué se cierra"
            raise Invalid(f"Para dejar el caso «{to.label}» indique {why}.", field="nota")
        before: dict[str, Json] = {"estado": caso.estado.value, "acuerdo": caso.acuerdo}
        after: dict[str, Json] = {"estado": to.value, "acuerdo": acuerdo}
        with self._db.atomic():
            self._db.execute(
                "UPDATE mediacion_casos SET estado = ?, acuerdo = ?, updated_at = ? WHERE id = ?",
                [to.value, acuerdo, at, caso.id],
            )
            self._estados.add(caso.id, caso.estado.value, to.value, nota=nota, actor=actor, at=at)
            self._audit(actor, "mediacion_caso.status", caso.id, before, after, at)
        return self.get(caso.id)

    def _audit(
        self,
        actor: Actor,
        action: str,
        caso_id: int,
        before: dict[str, Json] | None,
        after: dict[str, Json],
        at: float,
    ) -> None:
        record_change(self._hub, actor, action, Subject(SUBJECT, caso_id), before, after, at=at)
