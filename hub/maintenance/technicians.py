"""Técnicos: the people tickets are assigned to (name and phone), kept by the Unidad de
Alarmas Comunitarias. They do not sign in; a técnico who leaves is deactivated, never
deleted, so old tickets still name them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hub.errors import Invalid, NotFound
from hub.forms import FormReader
from hub.maintenance.phones import chilean_phone, shown
from hub.storage import Actor, HubDB, Subject


@dataclass(frozen=True)
class Technician:
    id: int
    name: str
    phone: str
    """E.164."""
    active: bool
    created_at: float

    @property
    def phone_shown(self) -> str:
        return shown(self.phone)

    @property
    def subject(self) -> Subject:
        return Subject("technician", self.id)


def read_technician_form(fields: Mapping[str, str]) -> tuple[str, str]:
    """The name and the (E.164) phone the form gives; :class:`Invalid` otherwise."""
    form = FormReader(fields)
    name = form.text("name", required="Escriba el nombre del técnico.", max_chars=120)
    try:
        phone = chilean_phone(form.raw("phone"))
    except Invalid as exc:
        form.problems.update(exc.problems)
        phone = ""
    form.done()
    return name, phone


def _technician(row: Sequence[object]) -> Technician:
    tid, name, phone, active, created_at = row
    assert isinstance(tid, int) and isinstance(created_at, float)
    return Technician(tid, str(name), str(phone), bool(active), created_at)


class Technicians:
    def __init__(self, hub: HubDB) -> None:
        self._db = hub.db
        self._audit = hub.audit

    def add(self, name: str, phone: str, *, actor: Actor, at: float) -> Technician:
        with self._db.atomic():
            tid = (
                self._db.table("technicians")
                .insert({"name": name, "phone": phone, "active": 1, "created_at": at})
                .last_pk
            )
            assert isinstance(tid, int)
            detail = {"name": name, "phone": phone}
            self._audit.record(
                actor, "technician.create", Subject("technician", tid), detail, at=at
            )
        return self.get(tid)

    def update(self, tid: int, name: str, phone: str, *, actor: Actor, at: float) -> Technician:
        before = self.get(tid)
        changes = {
            key: value
            for key, value, old in (("name", name, before.name), ("phone", phone, before.phone))
            if value != old
        }
        if changes:
            with self._db.atomic():
                self._db.table("technicians").update(tid, changes)
                self._audit.record(actor, "technician.update", before.subject, changes, at=at)
        return self.get(tid)

    def set_active(self, tid: int, active: bool, *, actor: Actor, at: float) -> Technician:
        before = self.get(tid)
        if before.active != active:
            action = "technician.activate" if active else "technician.deactivate"
            with self._db.atomic():
                self._db.table("technicians").update(tid, {"active": int(active)})
                self._audit.record(actor, action, before.subject, at=at)
        return self.get(tid)

    def get(self, tid: int) -> Technician:
        row = self._db.execute(
            "SELECT id, name, phone, active, created_at FROM technicians WHERE id = ?", [tid]
        ).fetchone()
        if row is None:
            raise NotFound(f"No existe el técnico N° {tid}.")
        return _technician(row)

    def all(self, *, only_active: bool = False) -> list[Technician]:
        """Active first, then by name."""
        where = "WHERE active = 1" if only_active else ""
        rows = self._db.execute(
            f"SELECT id, name, phone, active, created_at FROM technicians {where} "  # noqa: S608
            "ORDER BY active DESC, lower(name), id"
        ).fetchall()
        return [_technician(row) for row in rows]

    def active(self, tid: int, *, field: str = "technician_id") -> Technician:
        """The técnico ``tid`` if active; :class:`Invalid` (on ``field``) otherwise."""
        try:
            technician = self.get(tid)
        except NotFound:
            technician = None
        if technician is None or not technician.active:
            raise Invalid("El técnico elegido no existe o no está activo.", field=field)
        return technician
