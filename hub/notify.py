"""How the hub pages people: the :class:`AlarmNotifier` protocol.

The hub decides *when* to page the Unidad de Alarmas' on-duty phone (a critical alarm, its
reminders; see :mod:`hub.fleet.oncall`); *how* a text reaches a phone is not the hub's
business. The hub may not import ``controller/`` (where the Twilio notifier lives), so the
real notifier is built by ``sereno hub serve`` and handed to the app through
:attr:`hub.config.HubConfig.alarm_notifier`. Without one, :class:`LoggingNotifier` writes
each text to the log.
"""

from __future__ import annotations

import logging
from typing import Protocol

logger = logging.getLogger(__name__)


class AlarmNotifier(Protocol):
    """Sends one text message to one phone (E.164)."""

    async def send(self, phone: str, text: str) -> bool:
        """True when the provider took the message; False (never an exception) when it did
        not, so the hub tries again at its next round."""
        ...


class LoggingNotifier:
    """The notifier when none is configured: every text goes to the log (WARNING)."""

    async def send(self, phone: str, text: str) -> bool:
        logger.warning("no SMS notifier configured; would send to %s: %s", phone, text)
        return True


class MemoryNotifier:
    """Keeps every text it is given (for tests and demos); ``fail`` makes it refuse."""

    def __init__(self, *, fail: bool = False) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail = fail

    async def send(self, phone: str, text: str) -> bool:
        if self.fail:
            return False
        self.sent.append((phone, text))
        return True
