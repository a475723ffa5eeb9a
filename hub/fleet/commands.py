"""Commands to a controller: issued by a person, sent in every answer to the controller's
reports until its ``command_result`` arrives, and shown with their outcome.

A command expires if the controller does not take it in time: a *silence* that reached a
controller an hour late could silence a new, real alarm. Expired commands are no longer
sent; a result that still arrives is recorded.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from dataclasses import dataclass
from typing import Any, Final

from hub.errors import Invalid
from hub.fleet import controllers
from hub.storage import Actor, HubDB, Subject
from protocol.report import COMMAND_TYPES, Command

LABELS: Final = {
    "silence": "Silenciar las sirenas",
    "siren_test": "Probar la sirena (1 segundo)",
    "resync_config": "Recargar la configuración",
}
QUESTIONS: Final = {
    "silence": "¿Silenciar ahora todas las sirenas de este controlador? Las balizas siguen "
    "encendidas hasta su término.",
    "siren_test": "¿Hacer sonar la sirena de este controlador durante 1 segundo? Los vecinos "
    "la escucharán.",
    "resync_config": "¿Pedir a este controlador que recargue su registro de botones y vecinos "
    "y su configuración?",
}
LIFETIMES_S: Final = {"silence": 15 * 60, "siren_test": 60 * 60, "resync_config": 24 * 3600}
assert set(LABELS) == set(QUESTIONS) == set(LIFETIMES_S) == set(COMMAND_TYPES)


@dataclass(frozen=True)
class IssuedCommand:
    id: int
    public_id: str
    controller_id: int
    type: str
    params: dict[str, Any]
    issued_at: float
    issued_by: str
    expires_at: float
    sent_at: float | None
    sent_count: int
    result_at: float | None
    status: str | None
    detail: str | None

    @property
    def label(self) -> str:
        return LABELS.get(self.type, self.type)

    def state(self, at: float) -> str:
        """Its state in Spanish, as the controller page shows it."""
        if self.status == "done":
            return "realizado"
        if self.status == "failed":
            return "falló"
        if at >= self.expires_at:
            return "vencido sin respuesta"
        return "enviado, esperando resultado" if self.sent_at is not None else "por enviar"

    def as_message(self) -> Command:
        return Command(self.public_id, self.type, self.issued_at, self.params)


_COLUMNS: Final = (
    "id, public_id, controller_id, type, params, issued_at, issued_by, expires_at, sent_at, "
    "sent_count, result_at, status, detail"
)


def _command(row: Any) -> IssuedCommand:
    values = list(row)
    values[4] = json.loads(values[4])
    return IssuedCommand(*values)


def issue(
    db: HubDB, controller_id: int, command_type: str, *, actor: Actor, at: float
) -> IssuedCommand:
    """Queue a command for the controller's next report."""
    if command_type not in LABELS:
        raise Invalid("Elija un comando: silenciar, probar la sirena o recargar.", field="type")
    controller = controllers.get(db, controller_id)
    public_id = f"c-{secrets.token_hex(6)}"
    with db.db.atomic():
        cursor = db.db.execute(
            "INSERT INTO commands (public_id, controller_id, type, issued_at, issued_by_id, "
            "issued_by, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                public_id,
                controller_id,
                command_type,
                at,
                actor.id,
                actor.label,
                at + LIFETIMES_S[command_type],
            ],
        )
        db.audit.record(
            actor,
            "command.issue",
            controller.subject,
            {"command": public_id, "type": command_type},
            at=at,
        )
    command_id = cursor.lastrowid
    assert command_id is not None
    return get(db, command_id)


def get(db: HubDB, command_id: int) -> IssuedCommand:
    row = db.db.execute(
        f"SELECT {_COLUMNS} FROM commands WHERE id = ?",  # noqa: S608
        [command_id],
    ).fetchone()
    return _command(row)


def for_controller(db: HubDB, controller_id: int, *, limit: int = 30) -> list[IssuedCommand]:
    rows = db.db.execute(
        f"SELECT {_COLUMNS} FROM commands WHERE controller_id = ? ORDER BY id DESC LIMIT ?",  # noqa: S608
        [controller_id, limit],
    ).fetchall()
    return [_command(row) for row in rows]


def take_pending(db: HubDB, controller_id: int, *, at: float, limit: int) -> list[IssuedCommand]:
    """The commands to put in the answer to a report (oldest first), noted as sent."""
    rows = db.db.execute(
        f"SELECT {_COLUMNS} FROM commands WHERE controller_id = ? AND result_at IS NULL "  # noqa: S608
        "AND expires_at > ? ORDER BY id LIMIT ?",
        [controller_id, at, limit],
    ).fetchall()
    pending = [_command(row) for row in rows]
    if not pending:
        return pending
    with contextlib.nullcontext() if db.db.conn.in_transaction else db.db.atomic():
        for command in pending:
            db.db.execute(
                "UPDATE commands SET sent_at = coalesce(sent_at, ?), sent_count = sent_count + 1 "
                "WHERE id = ?",
                [at, command.id],
            )
    return pending


def record_result(
    db: HubDB, controller_id: int, public_id: str, *, status: str, detail: str, at: float
) -> bool:
    """The controller's ``command_result``; False when it names no command of its own that
    is still waiting (a repeat, or another hub's command)."""
    with db.db.atomic():
        cursor = db.db.execute(
            "UPDATE commands SET result_at = ?, status = ?, detail = ? "
            "WHERE controller_id = ? AND public_id = ? AND result_at IS NULL",
            [at, status, detail, controller_id, public_id],
        )
        if cursor.rowcount:
            db.audit.record(
                Actor("controller", controller_id, f"controlador {controller_id}"),
                "command.result",
                Subject("controller", controller_id),
                {"command": public_id, "status": status},
                at=at,
            )
    return cursor.rowcount > 0
