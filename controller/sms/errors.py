"""Exceptions of ``controller.sms``.

:class:`SmsError` is the root. Its children also inherit the built-in that matches their
nature, so callers may catch either: a bad phone number or a bad setting is a
:class:`ValueError`. Failures to *send* are not exceptions: :meth:`SmsNotifier.send_all`
returns them as results and records them in the ledger, because one vecino's bad number
must never stop the others' messages. Messages are in Spanish: installers read them.
"""

from __future__ import annotations


class SmsError(Exception):
    """Root of every error raised on purpose by ``controller.sms``."""


class InvalidPhone(SmsError, ValueError):
    """A phone number that cannot receive an SMS (not a number, not a mobile)."""


class SmsConfigError(SmsError, ValueError):
    """The SMS settings (Twilio credentials, sender, sandbox URL) are incomplete or unsafe."""
