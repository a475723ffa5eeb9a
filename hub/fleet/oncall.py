"""Paging the Unidad de Alarmas' on-duty phones about critical alarms.

Each round of the ``fleet`` job (:func:`page`) texts every on-duty phone about the open,
unacknowledged, critical alarms that are *due*: never notified yet, or last notified at
least ``reminder_s`` ago (a reminder). Acknowledging an alarm stops its reminders; so does
its clearing. An alarm of a controller (or barrio) in a maintenance window is held: no
text while the window lasts; if it is still open when the window ends, it is sent then.

All due alarms of one round go in one SMS per phone, in plain letters (accents dropped:
one GSM-7 segment holds 160 of them, and a single ``ú`` would halve that). An alarm counts
as notified when at least one phone took the message; otherwise the next round tries
again.
"""

from __future__ import annotations

import logging
import unicodedata
from typing import Final

from hub.fleet.alarms import Alarm, Severity, mark_notified, open_alarms
from hub.maintenance.windows import in_maintenance
from hub.notify import AlarmNotifier
from hub.storage import HubDB

logger = logging.getLogger(__name__)

MAX_TEXT: Final = 306
"""Two GSM-7 segments at the most."""
_SHORT: Final = {
    "offline": "sin conexion",
    "on_battery": "sin energia de la red",
    "low_battery": "bateria baja",
    "self_test_failed": "prueba de sirena fallida",
    "node_silent": "boton sin senal",
    "node_low_battery": "boton con bateria baja",
    "security": "tramas falsas o repetidas",
}


def due(db: HubDB, *, at: float, reminder_s: float) -> list[Alarm]:
    """The alarms to text about now (held ones left out)."""
    found = []
    held: dict[int, bool] = {}
    for alarm in open_alarms(db):
        if alarm.severity is not Severity.CRITICAL or alarm.acknowledged:
            continue
        if alarm.last_notified_at is not None and at - alarm.last_notified_at < reminder_s:
            continue
        if alarm.controller_id not in held:
            held[alarm.controller_id] = in_maintenance(
                db, controller_id=alarm.controller_id, barrio_id=alarm.barrio_id, at=at
            )
        if not held[alarm.controller_id]:
            found.append(alarm)
    return found


def text(alarms: list[Alarm]) -> str:
    """The SMS about ``alarms`` (at least one)."""
    parts = [
        f"{alarm.controller} ({_SHORT[alarm.type.value]}"
        + (f", boton {alarm.node[1]}" if alarm.node is not None else "")
        + ")"
        for alarm in alarms
    ]
    reminder = all(alarm.notified_at is not None for alarm in alarms)
    head = "Sereno RECORDATORIO" if reminder else "Sereno ALARMA CRITICA"
    if len(alarms) == 1:
        body = f"{head}: {parts[0]}."
    else:
        body = f"{head}: {len(alarms)} alarmas: " + "; ".join(parts) + "."
    tail = " Reconozcala en el hub."
    body = plain(body)
    if len(body) + len(tail) > MAX_TEXT:
        body = body[: MAX_TEXT - len(tail) - 3].rstrip() + "..."
    return body + tail


def plain(value: str) -> str:
    """Accents and other marks dropped, anything outside printable ASCII replaced."""
    decomposed = unicodedata.normalize("NFKD", value)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c if " " <= c <= "~" else "?" for c in kept)


async def page(
    db: HubDB,
    notifier: AlarmNotifier,
    phones: tuple[str, ...],
    *,
    at: float,
    reminder_s: float,
) -> int:
    """Text the due alarms to ``phones``; the number of messages the provider took."""
    if not phones:
        return 0
    alarms = due(db, at=at, reminder_s=reminder_s)
    if not alarms:
        return 0
    message = text(alarms)
    taken = 0
    for phone in phones:
        try:
            ok = await notifier.send(phone, message)
        except Exception:
            logger.exception("the alarm notifier failed for %s", phone)
            ok = False
        if ok:
            taken += 1
        else:
            logger.warning("the alarm SMS to %s was not taken; trying again next round", phone)
    if taken:
        mark_notified(db, [alarm.id for alarm in alarms], at=at)
    return taken
