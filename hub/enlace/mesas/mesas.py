"""Mesas de Seguridad Focalizadas: "instancias de participación comunitaria en las que se
reúnen vecinos, vecinas, organizaciones y/o instituciones de un sector barrial focalizado".

A mesa is the focalization of one sector barrial by one gestor territorial, with its
objetivo and the problemáticas complejas it addresses. The seed's rule — "cada gestor
identifique dos sectores barriales a focalizar dentro de sus territorios" — is kept by the
database: the triggers of :mod:`hub.enlace.mesas.storage` refuse a third ``activa`` mesa of
one gestor inside the very statement that would write it, so two requests at once cannot
both get through; :class:`Mesas` turns the refusal into the Spanish message.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from hub.enlace.history import HistoryLine, history_of, record_change
from hub.enlace.mesas.model import MAX_FOCOS, EstadoMesa, Mesa, MesaDraft, filled
from hub.enlace.mesas.storage import TOO_MANY
from hub.errors import Invalid, NotFound
from hub.roles import Role
from hub.storage import Actor, HubDB, Subject
from hub.storage.audit import Json

HISTORY_TEXTS: Final = {
    "mesa.create": "Abrió la mesa",
    "mesa.update": "Editó la mesa",
    "mesa.close": "Cerró la mesa",
}
FIELD_LABELS: Final = {
    "sector": "Sector barrial",
    "gestor": "Gestor(a) responsable",
    "objetivo": "Objetivo",
    "inicio": "Inicio",
    "problematicas": "Problemáticas complejas",
    "estado": "Estado",
    "cierre_fecha": "Fecha de cierre",
    "cierre_nota": "Nota de cierre",
}
_SELECT: Final = (
    "SELECT m.id, m.barrio_id, b.name, m.sector, m.gestor_id, "
    "CASE WHEN u.name != '' THEN u.name ELSE u.email END, m.objetivo, m.inicio, m.estado, "
    "m.cierre_fecha, m.cierre_nota, m.created_at, m.created_by, m.updated_at "
    "FROM mesas m JOIN barrios b ON b.id = m.barrio_id JOIN users u ON u.id = m.gestor_id"
)


@dataclass(frozen=True)
class Focos:
    """How many of a gestor's two sectores barriales are in use."""

    gestor_id: int
    gestor: str
    activas: int

    @property
    def libres(self) -> int:
        return max(0, MAX_FOCOS - self.activas)


class Mesas:
    def __init__(self, hub: HubDB) -> None:
        self._hub = hub

    def open(
        self, barrio_id: int, gestor_id: int, draft: MesaDraft, *, actor: Actor, at: float
    ) -> Mesa:
        """Open a mesa focusing ``barrio_id`` (and ``draft.sector``) for ``gestor_id``;
        :class:`Invalid` when the gestor already focuses two sectores barriales or is not
        a gestor of the barrio's territorio."""
        self._check_gestor(barrio_id, gestor_id)
        self._check_problematicas(barrio_id, draft.problematica_ids)
        try:
            with self._hub.db.atomic():
                cursor = self._hub.db.execute(
                    "INSERT INTO mesas (barrio_id, sector, gestor_id, objetivo, inicio, "
                    "created_at, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        barrio_id,
                        draft.sector,
                        gestor_id,
                        draft.objetivo,
                        draft.inicio.isoformat(),
                        at,
                        actor.label,
                        at,
                    ],
                )
                mesa_id = cursor.lastrowid
                assert mesa_id is not None
                self._link(mesa_id, barrio_id, draft.problematica_ids)
                mesa = self.get(mesa_id)
                record_change(
                    self._hub,
                    actor,
                    "mesa.create",
                    mesa.subject,
                    None,
                    filled(self._fields(mesa)),
                    at=at,
                    extra={"barrio_id": barrio_id},
                )
        except sqlite3.IntegrityError as exc:
            if TOO_MANY not in str(exc):
                raise
            raise self._too_many(gestor_id, actor) from None
        return mesa

    def update(self, mesa_id: int, draft: MesaDraft, *, actor: Actor, at: float) -> Mesa:
        """Change the sector, objetivo, inicio, problemáticas and (``draft.gestor_id``, an
        admin's choice) the gestor responsable — who must have a free foco if it is active."""
        before = self.get(mesa_id)
        gestor_id = draft.gestor_id or before.gestor_id
        if gestor_id != before.gestor_id:
            self._check_gestor(before.barrio_id, gestor_id)
        self._check_problematicas(before.barrio_id, draft.problematica_ids)
        first = self._hub.db.execute(
            "SELECT MIN(fecha) FROM mesa_sesiones WHERE mesa_id = ?", [mesa_id]
        ).fetchone()[0]
        if first is not None and draft.inicio > date.fromisoformat(first):
            raise Invalid(
                f"La mesa tiene sesiones desde el {date.fromisoformat(first):%d-%m-%Y}: "
                "el inicio no puede ser posterior.",
                field="inicio",
            )
        try:
            with self._hub.db.atomic():
                self._hub.db.execute(
                    "UPDATE mesas SET sector = ?, objetivo = ?, inicio = ?, gestor_id = ?, "
                    "updated_at = ? WHERE id = ?",
                    [
                        draft.sector,
                        draft.objetivo,
                        draft.inicio.isoformat(),
                        gestor_id,
                        at,
                        mesa_id,
                    ],
                )
                self._hub.db.execute("DELETE FROM mesa_problematicas WHERE mesa_id = ?", [mesa_id])
                self._link(mesa_id, before.barrio_id, draft.problematica_ids)
                after = self.get(mesa_id)
                old, new = self._fields(before), self._fields(after)
                if old != new:
                    record_change(
                        self._hub,
                        actor,
                        "mesa.update",
                        after.subject,
                        old,
                        new,
                        at=at,
                        extra={"barrio_id": after.barrio_id},
                    )
        except sqlite3.IntegrityError as exc:
            if TOO_MANY not in str(exc):
                raise
            raise self._too_many(gestor_id, actor) from None
        return after

    def close(self, mesa_id: int, fecha: date, nota: str, *, actor: Actor, at: float) -> Mesa:
        """Close the mesa with its closing note: the gestor's foco is free again."""
        before = self.get(mesa_id)
        if not before.activa:
            raise Invalid("Esta mesa ya está cerrada.")
        with self._hub.db.atomic():
            self._hub.db.execute(
                "UPDATE mesas SET estado = 'cerrada', cierre_fecha = ?, cierre_nota = ?, "
                "updated_at = ? WHERE id = ? AND estado = 'activa'",
                [fecha.isoformat(), nota, at, mesa_id],
            )
            after = self.get(mesa_id)
            record_change(
                self._hub,
                actor,
                "mesa.close",
                after.subject,
                self._fields(before),
                self._fields(after),
                at=at,
                extra={"barrio_id": after.barrio_id},
            )
        return after

    def get(self, mesa_id: int) -> Mesa:
        row = self._hub.db.execute(f"{_SELECT} WHERE m.id = ?", [mesa_id]).fetchone()
        if row is None:
            raise NotFound(f"No existe la mesa {mesa_id}.")
        return _mesa(row)

    def of_barrio(self, barrio_id: int) -> list[Mesa]:
        """The barrio's mesas, active first, newest first."""
        return self._select("m.barrio_id = ?", [barrio_id])

    def visible(self, where: str, params: Sequence[int]) -> list[Mesa]:
        """Every mesa of the barrios ``where`` keeps (a scope's condition on
        ``m.barrio_id``)."""
        return self._select(where, params)

    def active_of(self, gestor_id: int) -> list[Mesa]:
        return self._select("m.gestor_id = ? AND m.estado = 'activa'", [gestor_id])

    def problematicas(self, mesa_id: int) -> list[tuple[int, str]]:
        """The problemáticas complejas the mesa addresses: (id, título)."""
        rows = self._hub.db.execute(
            "SELECT p.id, p.titulo FROM mesa_problematicas mp "
            "JOIN problematicas p ON p.id = mp.problematica_id WHERE mp.mesa_id = ? "
            "ORDER BY p.titulo, p.id",
            [mesa_id],
        ).fetchall()
        return [(int(row[0]), str(row[1])) for row in rows]

    def focos(self, gestores: Sequence[tuple[int, str]]) -> list[Focos]:
        """For each gestor (id, name): how many of their two sectores are in use."""
        counts = dict(
            self._hub.db.execute(
                "SELECT gestor_id, COUNT(*) FROM mesas WHERE estado = 'activa' GROUP BY gestor_id"
            ).fetchall()
        )
        return [Focos(gid, name, int(counts.get(gid, 0))) for gid, name in gestores]

    def gestores_of_barrio(self, barrio_id: int) -> list[tuple[int, str]]:
        """The gestores territoriales of the barrio's territorio: (id, name)."""
        rows = self._hub.db.execute(
            "SELECT u.id, CASE WHEN u.name != '' THEN u.name ELSE u.email END "
            "FROM territorio_gestores g JOIN barrios b ON b.territorio_id = g.territorio_id "
            "JOIN users u ON u.id = g.user_id WHERE b.id = ? AND u.role = ? AND u.active "
            "ORDER BY 2, 1",
            [barrio_id, Role.GESTOR.value],
        ).fetchall()
        return [(int(row[0]), str(row[1])) for row in rows]

    def history(self, mesa_id: int) -> list[HistoryLine]:
        return history_of(self._hub, Subject("mesa", mesa_id), HISTORY_TEXTS)

    def _select(self, where: str, params: Sequence[Any]) -> list[Mesa]:
        rows = self._hub.db.execute(
            f"{_SELECT} WHERE {where} ORDER BY m.estado = 'cerrada', m.inicio DESC, m.id DESC",
            list(params),
        ).fetchall()
        return [_mesa(row) for row in rows]

    def _check_gestor(self, barrio_id: int, gestor_id: int) -> None:
        if gestor_id not in {gid for gid, _ in self.gestores_of_barrio(barrio_id)}:
            raise Invalid(
                "La mesa debe estar a cargo de un gestor o gestora del territorio de este barrio.",
                field="gestor_id",
            )

    def _check_problematicas(self, barrio_id: int, ids: Sequence[int]) -> None:
        if not ids:
            return
        marks = ", ".join("?" for _ in ids)
        found = self._hub.db.execute(
            f"SELECT COUNT(*) FROM problematicas WHERE barrio_id = ? AND id IN ({marks})",  # noqa: S608
            [barrio_id, *ids],
        ).fetchone()[0]
        if found != len(set(ids)):
            raise Invalid(
                "Elija problemáticas del diagnóstico de este barrio.", field="problematicas"
            )

    def _link(self, mesa_id: int, barrio_id: int, ids: Sequence[int]) -> None:
        for problematica_id in sorted(set(ids)):
            self._hub.db.execute(
                "INSERT INTO mesa_problematicas (mesa_id, problematica_id, barrio_id) "
                "VALUES (?, ?, ?)",
                [mesa_id, problematica_id, barrio_id],
            )

    def _fields(self, mesa: Mesa) -> dict[str, Json]:
        fields: dict[str, Json] = {
            "sector": mesa.sector,
            "gestor": mesa.gestor,
            "objetivo": mesa.objetivo,
            "inicio": f"{mesa.inicio:%d-%m-%Y}",
            "problematicas": ", ".join(title for _, title in self.problematicas(mesa.id)),
            "estado": mesa.estado.label,
        }
        if not mesa.activa:
            assert mesa.cierre_fecha is not None
            fields["cierre_fecha"] = f"{mesa.cierre_fecha:%d-%m-%Y}"
            fields["cierre_nota"] = mesa.cierre_nota
        return fields

    def _too_many(self, gestor_id: int, actor: Actor) -> Invalid:
        activas = self.active_of(gestor_id)
        listed = "; ".join(
            f"{mesa.sector_barrial} (desde el {mesa.inicio:%d-%m-%Y})" for mesa in activas
        )
        whose = (
            "Sus mesas activas"
            if actor.kind == "user" and actor.id == gestor_id
            else f"Mesas activas de {activas[0].gestor if activas else 'este gestor'}"
        )
        return Invalid(
            "Cada gestor focaliza como máximo dos sectores barriales; cierre una mesa antes "
            f"de abrir otra. {whose}: {listed}."
        )


def _mesa(row: Sequence[Any]) -> Mesa:
    return Mesa(
        id=int(row[0]),
        barrio_id=int(row[1]),
        barrio=str(row[2]),
        sector=str(row[3]),
        gestor_id=int(row[4]),
        gestor=str(row[5]),
        objetivo=str(row[6]),
        inicio=date.fromisoformat(row[7]),
        estado=EstadoMesa(row[8]),
        cierre_fecha=None if row[9] is None else date.fromisoformat(row[9]),
        cierre_nota=str(row[10]),
        created_at=float(row[11]),
        created_by=str(row[12]),
        updated_at=float(row[13]),
    )
