"""Territorial scope: which barrios a person may see, and change, in the Enlace pages.

- ``admin``: every barrio, read and write;
- ``gestor``: the barrios of the territorios they work (``territorio_gestores``), read and
  write; nothing of other gestores' barrios;
- ``mediacion`` and ``unidad-alarmas``: every barrio, read only (the routes table decides
  which pages they may open at all).

Views never show a record of a barrio outside the scope: :func:`require_barrio` answers
:class:`~hub.errors.NotFound` for it, exactly as for a barrio that does not exist, so a
gestor cannot even learn another territory's ids. Lists filter with :meth:`Scope.where`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hub.errors import Forbidden, NotFound
from hub.roles import Role
from hub.territory.barrios import Barrio, get

if TYPE_CHECKING:
    from hub.storage import HubDB, User


@dataclass(frozen=True)
class Scope:
    """The barrios one person may see (``everything`` or ``barrio_ids``) and whether they
    may change them."""

    everything: bool
    barrio_ids: frozenset[int]
    may_write: bool

    def sees(self, barrio_id: int | None) -> bool:
        """Whether a record of ``barrio_id`` is visible (None: a record of no barrio, which
        only those who see everything see)."""
        if self.everything:
            return True
        return barrio_id is not None and barrio_id in self.barrio_ids

    def where(self, column: str = "barrio_id") -> tuple[str, list[int]]:
        """An SQL condition on ``column`` (a trusted column name) and its parameters that
        keeps only visible rows: ``sql, params = scope.where("b.id")``."""
        if self.everything:
            return "1", []
        if not self.barrio_ids:
            return "0", []
        marks = ", ".join("?" for _ in self.barrio_ids)
        return f"{column} IN ({marks})", sorted(self.barrio_ids)


def scope_of(db: HubDB, user: User) -> Scope:
    """The scope of ``user``, read now (a change of territorios applies at the next request)."""
    if user.role is Role.ADMIN:
        return Scope(everything=True, barrio_ids=frozenset(), may_write=True)
    if user.role is Role.GESTOR:
        rows = db.db.execute(
            "SELECT b.id FROM barrios b JOIN territorio_gestores g "
            "ON g.territorio_id = b.territorio_id WHERE g.user_id = ?",
            [user.id],
        ).fetchall()
        return Scope(everything=False, barrio_ids=frozenset(r[0] for r in rows), may_write=True)
    return Scope(everything=True, barrio_ids=frozenset(), may_write=False)


def require_barrio(db: HubDB, scope: Scope, barrio_id: int, *, write: bool = False) -> Barrio:
    """The barrio ``barrio_id`` if ``scope`` sees it; :class:`NotFound` when it does not
    (or the barrio does not exist); :class:`Forbidden` for a ``write`` by a reader."""
    if not scope.sees(barrio_id):
        raise NotFound(f"No existe el barrio {barrio_id}.")
    barrio = get(db, barrio_id)
    if write and not scope.may_write:
        raise Forbidden("Su rol puede ver este barrio, pero no cambiar sus datos.")
    return barrio


def require_record(
    db: HubDB, scope: Scope, table: str, record_id: int, *, what: str, write: bool = False
) -> int:
    """The barrio id of row ``record_id`` of ``table`` (a trusted table name with a
    ``barrio_id`` column), checked against ``scope`` as :func:`require_barrio` does;
    :class:`NotFound` naming ``what`` (``"la acción"``) when it is missing or not visible."""
    row = db.db.execute(
        f"SELECT barrio_id FROM {table} WHERE id = ?",  # noqa: S608 - trusted table name
        [record_id],
    ).fetchone()
    if row is None or not scope.sees(row[0]):
        raise NotFound(f"No existe {what} {record_id}.")
    if write and not scope.may_write:
        raise Forbidden("Su rol puede ver este registro, pero no cambiarlo.")
    return int(row[0])
