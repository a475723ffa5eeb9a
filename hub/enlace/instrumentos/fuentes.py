"""Fuentes secundarias de información: CSV exports of the Salas CEAD / SPD, Carabineros,
the municipal 1418 line and SOSAFE, imported into a barrio.

An import goes in two steps. :meth:`Fuentes.stage` reads the file (:mod:`.csvfile`) and
keeps the result server-side under a random token bound to the person and the barrio, for
:data:`STAGING_SECONDS`; the preview page shows it. :meth:`Fuentes.confirm` writes every
row in one transaction — refused while any row has an error, so there is never a half
import — and records the import (who, when, fuente, file name, rows). The same file (by its
SHA-256) cannot be imported twice into a barrio while the first import stands; an import
is undone as a whole (:meth:`Fuentes.undo`). Every step is audited.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from hub.enlace.history import record_change
from hub.enlace.instrumentos.csvfile import FileProblem, Parsed, parse
from hub.errors import Invalid, NotFound
from hub.storage import Actor, HubDB, Subject
from hub.territory import geo
from hub.territory.barrios import profile

STAGING_SECONDS: Final = 2 * 3600
SUBJECT: Final = "fuente_import"
MAX_SOURCE_NAME: Final = 80
MAX_FILE_NAME: Final = 200


class Fuente(StrEnum):
    CEAD = "cead"
    CARABINEROS = "carabineros"
    FONO_1418 = "1418"
    SOSAFE = "sosafe"
    OTRA = "otra"

    @property
    def label(self) -> str:
        return FUENTE_LABELS[self]


FUENTE_LABELS: Final = {
    Fuente.CEAD: "Salas CEAD / SPD",
    Fuente.CARABINEROS: "Carabineros",
    Fuente.FONO_1418: "Plataforma municipal 1418",
    Fuente.SOSAFE: "SOSAFE",
    Fuente.OTRA: "Otra fuente",
}


@dataclass(frozen=True)
class Staged:
    token: str
    barrio_id: int
    user_id: int
    fuente: Fuente
    fuente_nombre: str
    file_name: str
    file_hash: str
    parsed: Parsed
    expires_at: float

    @property
    def fuente_label(self) -> str:
        return self.fuente_nombre or self.fuente.label


@dataclass(frozen=True)
class Import:
    id: int
    barrio_id: int
    fuente: Fuente
    fuente_nombre: str
    file_name: str
    file_hash: str
    row_count: int
    created_at: float
    created_by: str
    undone_at: float | None
    undone_by: str | None

    @property
    def fuente_label(self) -> str:
        return self.fuente_nombre or self.fuente.label

    @property
    def undone(self) -> bool:
        return self.undone_at is not None


_IMPORT_COLUMNS: Final = (
    "id, barrio_id, fuente, fuente_nombre, file_name, file_hash, row_count, created_at, "
    "created_by, undone_at, undone_by"
)


def import_of(row: tuple[object, ...]) -> Import:
    values = list(row)
    values[2] = Fuente(str(values[2]))
    return Import(*values)  # type: ignore[arg-type]


def limits_of(hub: HubDB, barrio_id: int) -> geo.Geometry | None:
    """The barrio's limits (None while not drawn)."""
    return profile(hub, barrio_id).limites


class Fuentes:
    def __init__(self, hub: HubDB) -> None:
        self._hub = hub

    def stage(
        self,
        barrio_id: int,
        user_id: int,
        fuente: Fuente,
        fuente_nombre: str,
        file_name: str,
        data: bytes,
        *,
        today: date,
        at: float,
    ) -> Staged:
        """Read ``data`` and keep it for the preview; :class:`Invalid` (field ``archivo``)
        when the file cannot be read at all or was already imported."""
        file_hash = hashlib.sha256(data).hexdigest()
        self._refuse_duplicate(barrio_id, file_hash)
        try:
            parsed = parse(data, today=today, limits=limits_of(self._hub, barrio_id))
        except FileProblem as exc:
            raise Invalid(str(exc), field="archivo") from None
        token = secrets.token_urlsafe(24)
        file_name = (file_name.replace("\\", "/").rsplit("/", 1)[-1] or "archivo.csv")[
            :MAX_FILE_NAME
        ]
        with self._hub.db.atomic():
            self._hub.db.execute("DELETE FROM fuente_staging WHERE expires_at < ?", [at])
            self._hub.db.execute(
                "INSERT INTO fuente_staging (token, barrio_id, user_id, fuente, fuente_nombre, "
                "file_name, file_hash, parsed, created_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    token,
                    barrio_id,
                    user_id,
                    fuente.value,
                    fuente_nombre,
                    file_name,
                    file_hash,
                    json.dumps(parsed.to_json(), ensure_ascii=False),
                    at,
                    at + STAGING_SECONDS,
                ],
            )
        return Staged(
            token,
            barrio_id,
            user_id,
            fuente,
            fuente_nombre,
            file_name,
            file_hash,
            parsed,
            at + STAGING_SECONDS,
        )

    def staged(self, token: str, *, barrio_id: int, user_id: int, at: float) -> Staged:
        """The file staged under ``token`` by ``user_id`` for ``barrio_id``; :class:`NotFound`
        for any other person's or barrio's token, and once it expired."""
        row = self._hub.db.execute(
            "SELECT token, barrio_id, user_id, fuente, fuente_nombre, file_name, file_hash, "
            "parsed, expires_at FROM fuente_staging WHERE token = ?",
            [token[:100]],
        ).fetchone()
        if row is None or row[1] != barrio_id or row[2] != user_id or row[8] < at:
            raise NotFound(
                "La vista previa no existe o venció (dura dos horas). Suba el archivo otra vez."
            )
        return Staged(
            row[0],
            row[1],
            row[2],
            Fuente(row[3]),
            row[4],
            row[5],
            row[6],
            Parsed.from_json(json.loads(row[7])),
            row[8],
        )

    def confirm(
        self, token: str, *, barrio_id: int, user_id: int, actor: Actor, at: float
    ) -> Import:
        """Import every row of the staged file in one transaction; :class:`Invalid` while
        any row has an error or when the same file was imported meanwhile."""
        with self._hub.db.atomic():
            staged = self.staged(token, barrio_id=barrio_id, user_id=user_id, at=at)
            if staged.parsed.problems:
                count = len(staged.parsed.problems)
                raise Invalid(
                    f"El archivo tiene {count} fila{'s' if count != 1 else ''} con errores: no "
                    "se importó nada. Corrija el archivo y súbalo otra vez."
                )
            self._refuse_duplicate(barrio_id, staged.file_hash)
            cursor = self._hub.db.execute(
                "INSERT INTO fuente_imports (barrio_id, fuente, fuente_nombre, file_name, "
                "file_hash, row_count, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    barrio_id,
                    staged.fuente.value,
                    staged.fuente_nombre,
                    staged.file_name,
                    staged.file_hash,
                    len(staged.parsed.rows),
                    at,
                    actor.label,
                ],
            )
            import_id = cursor.lastrowid
            assert import_id is not None
            self._hub.db.conn.executemany(
                "INSERT INTO fuente_incidents (import_id, barrio_id, fuente, line, fecha, hora, "
                "categoria, lugar, descripcion, latitud, longitud, fuera) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        import_id,
                        barrio_id,
                        staged.fuente.value,
                        row.line,
                        row.fecha,
                        row.hora,
                        row.categoria,
                        row.lugar,
                        row.descripcion,
                        row.latitud,
                        row.longitud,
                        int(row.fuera),
                    )
                    for row in staged.parsed.rows
                ],
            )
            self._hub.db.execute("DELETE FROM fuente_staging WHERE token = ?", [token])
            record_change(
                self._hub,
                actor,
                "fuente.import",
                Subject(SUBJECT, import_id),
                None,
                {
                    "fuente": staged.fuente_label,
                    "archivo": staged.file_name,
                    "filas": len(staged.parsed.rows),
                },
                at=at,
                extra={"barrio_id": barrio_id, "sha256": staged.file_hash},
            )
        return self.get(import_id)

    def undo(self, import_id: int, *, actor: Actor, at: float) -> Import:
        """Remove every row of the import, keeping its record (marked undone)."""
        with self._hub.db.atomic():
            found = self.get(import_id)
            if found.undone:
                raise Invalid("Esta importación ya fue deshecha.")
            self._hub.db.execute("DELETE FROM fuente_incidents WHERE import_id = ?", [import_id])
            self._hub.db.execute(
                "UPDATE fuente_imports SET undone_at = ?, undone_by = ? WHERE id = ?",
                [at, actor.label, import_id],
            )
            record_change(
                self._hub,
                actor,
                "fuente.undo",
                Subject(SUBJECT, import_id),
                {"estado": "importada"},
                {"estado": "deshecha"},
                at=at,
                extra={"barrio_id": found.barrio_id, "filas": found.row_count},
            )
        return self.get(import_id)

    def get(self, import_id: int) -> Import:
        row = self._hub.db.execute(
            f"SELECT {_IMPORT_COLUMNS} FROM fuente_imports WHERE id = ?",  # noqa: S608
            [import_id],
        ).fetchone()
        if row is None:
            raise NotFound(f"No existe la importación {import_id}.")
        return import_of(row)

    def of_barrio(self, barrio_id: int) -> list[Import]:
        rows = self._hub.db.execute(
            f"SELECT {_IMPORT_COLUMNS} FROM fuente_imports "  # noqa: S608
            "WHERE barrio_id = ? ORDER BY created_at DESC, id DESC",
            [barrio_id],
        ).fetchall()
        return [import_of(row) for row in rows]

    def _refuse_duplicate(self, barrio_id: int, file_hash: str) -> None:
        row = self._hub.db.execute(
            "SELECT id, created_at, created_by FROM fuente_imports "
            "WHERE barrio_id = ? AND file_hash = ? AND undone_at IS NULL",
            [barrio_id, file_hash],
        ).fetchone()
        if row is not None:
            raise Invalid(
                f"Este archivo ya fue importado en este barrio (importación N° {row[0]}, por "
                f"{row[2]}). Si quiere reemplazarlo, deshaga primero esa importación.",
                field="archivo",
            )
