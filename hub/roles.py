"""Who works in the hub: the four roles and their Spanish names.

A role says which routes a person may enter (the routes table in :mod:`hub.routes` names
the roles of each route). Roles do not nest: ``admin`` manages accounts and is not
implicitly allowed into the other teams' pages; a route that admins should see lists
``Role.ADMIN`` too.
"""

from __future__ import annotations

from enum import StrEnum

from hub.errors import Invalid


class Role(StrEnum):
    """A hub user's role; the value is what the database, the CLI and forms use."""

    ADMIN = "admin"
    UNIDAD_ALARMAS = "unidad-alarmas"
    GESTOR = "gestor"
    MEDIACION = "mediacion"

    @property
    def label(self) -> str:
        """The Spanish name people read."""
        return _LABELS[self]


_LABELS: dict[Role, str] = {
    Role.ADMIN: "Administración",
    Role.UNIDAD_ALARMAS: "Unidad de Alarmas Comunitarias",
    Role.GESTOR: "Gestor(a) territorial",
    Role.MEDIACION: "Mediación comunitaria",
}


def parse_role(text: str, *, field: str = "role") -> Role:
    """The role named ``text`` (its value, e.g. ``unidad-alarmas``); :class:`Invalid` with a
    Spanish message listing the valid ones otherwise."""
    try:
        return Role(text.strip())
    except ValueError:
        valid = ", ".join(f"{role.value} ({role.label})" for role in Role)
        raise Invalid(f"Rol desconocido: {text!r}. Los roles son: {valid}.", field=field) from None
