"""The fleet's periodic job (``periodic("fleet", …)`` in :func:`hub.app.create_app`): every
``fleet_check_interval_s`` it evaluates controller health and pages the on-duty phones."""

from __future__ import annotations

from aiohttp import web

from hub import keys
from hub.fleet import health, oncall
from hub.notify import LoggingNotifier


async def fleet_watch(app: web.Application) -> None:
    config, db = app[keys.config], app[keys.db]
    now = app[keys.clock]()
    health.evaluate(db, at=now)
    await oncall.page(
        db,
        config.alarm_notifier or LoggingNotifier(),
        config.on_duty_phones,
        at=now,
        reminder_s=config.alarm_reminder_s,
    )
