"""Territorios: the areas of the comuna the Unidad de Gestión Territorial divides its work
into. Each has one or more gestores territoriales and holds barrios; a barrio is in at most
one territorio. Every change is audited (``record_change``: what changed, before and after);
the pages that change them are the administrator's (:mod:`hub.territory.views_territorios`)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Final

from hub.enlace.history import record_change
from hub.errors import Invalid, NotFound
from hub.roles import Role
from hub.storage import Actor, HubDB, Subject, User

MAX_NAME: Final = 80
MAX_DESCRIPTION: Final = 2000
HISTORY_TEXTS: Final = {
    "territorio.create": "Creó el territorio",
    "territorio.update": "Cambió los datos del territorio",
    "territorio.gestor_add": "Asignó un(a) gestor(a) territorial",
    "territorio.gestor_remove": "Quitó un(a) gestor(a) territorial",
    "territorio.barrio_add": "Sumó un barrio al territorio",
    "territorio.barrio_remove": "Un barrio dejó el territorio",
}
"""The Spanish of each territorio action, for its history."""


@dataclass(frozen=True)
class Territorio:
    id: int
    name: str
    description: str
    created_at: float


class Territorios:
    def __init__(self, hub: HubDB) -> None:
        self._hub = hub

    def create(self, name: str, description: str = "", *, actor: Actor, at: float) -> Territorio:
        name, description = _clean(name, description)
        try:
            with self._hub.db.atomic():
                cursor = self._hub.db.execute(
                    "INSERT INTO territorios (name, description, created_at) VALUES (?, ?, ?)",
                    [name, description, at],
                )
                new_id = cursor.lastrowid
                assert new_id is not None
                self._hub.audit.record(
                    actor,
                    "territorio.create",
                    Subject("territorio", new_id),
                    {"cambios": {"name": [None, name], "description": [None, description]}},
                    at=at,
                )
        except sqlite3.IntegrityError:
            raise Invalid(f"Ya existe un territorio llamado «{name}».", field="name") from None
        return self.get(new_id)

    def get(self, territorio_id: int) -> Territorio:
        row = self._hub.db.execute(
            "SELECT id, name, description, created_at FROM territorios WHERE id = ?",
            [territorio_id],
        ).fetchone()
        if row is None:
            raise NotFound(f"No existe el territorio {territorio_id}.")
        return Territorio(*row)

    def all(self) -> list[Territorio]:
        rows = self._hub.db.execute(
            "SELECT id, name, description, created_at FROM territorios ORDER BY name"
        ).fetchall()
        return [Territorio(*row) for row in rows]

    def update(
        self, territorio_id: int, name: str, description: str, *, actor: Actor, at: float
    ) -> Territorio:
        """Rename the territorio or change its description (audited when anything changed)."""
        before = self.get(territorio_id)
        name, description = _clean(name, description)
        old = {"name": before.name, "description": before.description}
        new = {"name": name, "description": description}
        if old == new:
            return before
        try:
            with self._hub.db.atomic():
                self._hub.db.execute(
                    "UPDATE territorios SET name = ?, description = ? WHERE id = ?",
                    [name, description, territorio_id],
                )
                record_change(
                    self._hub,
                    actor,
                    "territorio.update",
                    Subject("territorio", territorio_id),
                    old,
                    new,
                    at=at,
                )
        except sqlite3.IntegrityError:
            raise Invalid(f"Ya existe un territorio llamado «{name}».", field="name") from None
        return self.get(territorio_id)

    def gestores(self, territorio_id: int) -> list[User]:
        """The territorio's gestores, by name."""
        rows = self._hub.db.execute(
            "SELECT user_id FROM territorio_gestores WHERE territorio_id = ?", [territorio_id]
        ).fetchall()
        users = [self._hub.users.get(row[0]) for row in rows]
        return sorted(users, key=lambda user: (user.display_name.lower(), user.id))

    def of_gestor(self, user_id: int) -> list[Territorio]:
        """The territorios ``user_id`` works, by name."""
        rows = self._hub.db.execute(
            "SELECT t.id, t.name, t.description, t.created_at FROM territorios t "
            "JOIN territorio_gestores g ON g.territorio_id = t.id WHERE g.user_id = ? "
            "ORDER BY t.name",
            [user_id],
        ).fetchall()
        return [Territorio(*row) for row in rows]

    def assign_gestor(self, territorio_id: int, user_id: int, *, actor: Actor, at: float) -> None:
        """Make ``user_id`` (a gestor territorial) one of the territorio's gestores; nothing
        happens (and nothing is audited) when they already are."""
        self.get(territorio_id)
        try:
            user = self._hub.users.get(user_id)
        except NotFound:
            raise Invalid(
                "Elija un(a) gestor(a) territorial de la lista.", field="user_id"
            ) from None
        if user.role is not Role.GESTOR:
            raise Invalid(
                f"{user.display_name} no tiene el rol de gestor(a) territorial.", field="user_id"
            )
        with self._hub.db.atomic():
            cursor = self._hub.db.execute(
                "INSERT OR IGNORE INTO territorio_gestores (territorio_id, user_id, since) "
                "VALUES (?, ?, ?)",
                [territorio_id, user_id, at],
            )
            if not cursor.rowcount:
                return
            self._hub.audit.record(
                actor,
                "territorio.gestor_add",
                Subject("territorio", territorio_id),
                {"user_id": user_id, "cambios": {"gestor": [None, user.display_name]}},
                at=at,
            )

    def remove_gestor(self, territorio_id: int, user_id: int, *, actor: Actor, at: float) -> None:
        """Take ``user_id`` off the territorio's gestores (they no longer see its barrios)."""
        self.get(territorio_id)
        with self._hub.db.atomic():
            cursor = self._hub.db.execute(
                "DELETE FROM territorio_gestores WHERE territorio_id = ? AND user_id = ?",
                [territorio_id, user_id],
            )
            if not cursor.rowcount:
                raise Invalid("Esa persona no es gestor(a) de este territorio.", field="user_id")
            self._hub.audit.record(
                actor,
                "territorio.gestor_remove",
                Subject("territorio", territorio_id),
                {
                    "user_id": user_id,
                    "cambios": {"gestor": [self._hub.users.get(user_id).display_name, None]},
                },
                at=at,
            )

    def place_barrio(
        self, barrio_id: int, territorio_id: int | None, *, actor: Actor, at: float
    ) -> None:
        """Put the barrio in ``territorio_id`` (None: in no territorio)."""
        if territorio_id is not None:
            self.get(territorio_id)
        with self._hub.db.atomic():
            before = self._hub.db.execute(
                "SELECT territorio_id, name FROM barrios WHERE id = ?", [barrio_id]
            ).fetchone()
            if before is None:
                raise NotFound(f"No existe el barrio {barrio_id}.")
            if before[0] == territorio_id:
                return
            self._hub.db.execute(
                "UPDATE barrios SET territorio_id = ? WHERE id = ?", [territorio_id, barrio_id]
            )
            names = self._names([before[0], territorio_id])
            self._hub.audit.record(
                actor,
                "barrio.territorio",
                Subject("barrio", barrio_id),
                {
                    "cambios": {"territorio": [names.get(before[0]), names.get(territorio_id)]},
                    "territorio_id": [before[0], territorio_id],
                },
                at=at,
            )
            name = str(before[1])
            if before[0] is not None:
                self._hub.audit.record(
                    actor,
                    "territorio.barrio_remove",
                    Subject("territorio", before[0]),
                    {"barrio_id": barrio_id, "cambios": {"barrio": [name, None]}},
                    at=at,
                )
            if territorio_id is not None:
                self._hub.audit.record(
                    actor,
                    "territorio.barrio_add",
                    Subject("territorio", territorio_id),
                    {"barrio_id": barrio_id, "cambios": {"barrio": [None, name]}},
                    at=at,
                )

    def _names(self, ids: list[int | None]) -> dict[int | None, str]:
        wanted = [i for i in ids if i is not None]
        marks = ", ".join("?" for _ in wanted) or "NULL"
        rows = self._hub.db.execute(
            f"SELECT id, name FROM territorios WHERE id IN ({marks})",  # noqa: S608 - marks only
            wanted,
        ).fetchall()
        return {row[0]: row[1] for row in rows}


def _clean(name: str, description: str) -> tuple[str, str]:
    name = " ".join(name.split())
    if not name:
        raise Invalid("Escriba el nombre del territorio.", field="name")
    if len(name) > MAX_NAME:
        raise Invalid(f"Use como máximo {MAX_NAME} caracteres.", field="name")
    description = description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise Invalid(
            f"La descripción es demasiado larga: use como máximo {MAX_DESCRIPTION} caracteres.",
            field="description",
        )
    return name, description
