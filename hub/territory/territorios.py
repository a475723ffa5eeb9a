"""Territorios: the areas of the comuna the Unidad de Gestión Territorial divides its work
into. Each has one or more gestores territoriales and holds barrios; a barrio is in at most
one territorio. Every change is audited."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Final

from hub.errors import Invalid, NotFound
from hub.roles import Role
from hub.storage import Actor, HubDB, Subject

MAX_NAME: Final = 80


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
        name = " ".join(name.split())
        if not name:
            raise Invalid("Escriba el nombre del territorio.", field="name")
        if len(name) > MAX_NAME:
            raise Invalid(f"Use como máximo {MAX_NAME} caracteres.", field="name")
        description = description.strip()
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

    def assign_gestor(self, territorio_id: int, user_id: int, *, actor: Actor, at: float) -> None:
        """Make ``user_id`` (a gestor territorial) one of the territorio's gestores."""
        self.get(territorio_id)
        user = self._hub.users.get(user_id)
        if user.role is not Role.GESTOR:
            raise Invalid(
                f"{user.display_name} no tiene el rol de gestor(a) territorial.", field="user_id"
            )
        with self._hub.db.atomic():
            self._hub.db.execute(
                "INSERT OR IGNORE INTO territorio_gestores (territorio_id, user_id, since) "
                "VALUES (?, ?, ?)",
                [territorio_id, user_id, at],
            )
            self._hub.audit.record(
                actor,
                "territorio.gestor_add",
                Subject("territorio", territorio_id),
                {"user_id": user_id, "gestor": user.display_name},
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
                "SELECT territorio_id FROM barrios WHERE id = ?", [barrio_id]
            ).fetchone()
            if before is None:
                raise NotFound(f"No existe el barrio {barrio_id}.")
            self._hub.db.execute(
                "UPDATE barrios SET territorio_id = ? WHERE id = ?", [territorio_id, barrio_id]
            )
            self._hub.audit.record(
                actor,
                "barrio.territorio",
                Subject("barrio", barrio_id),
                {"cambios": {"territorio_id": [before[0], territorio_id]}},
                at=at,
            )
