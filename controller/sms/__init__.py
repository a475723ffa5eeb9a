"""SMS to the block's vecinos: GSM-7 texts, templates, and a Twilio notifier (docs/sms.md).

Without Twilio credentials the notifier talks to the local Twilio-compatible sandbox
(``sereno sms sandbox``); :mod:`controller.sms.settings` says how to configure a real account.
"""

from controller.sms.errors import InvalidPhone, SmsConfigError, SmsError
from controller.sms.gsm7 import is_gsm7, segments, to_gsm7
from controller.sms.notifier import (
    MemoryLedger,
    OutgoingSms,
    RebasedAsyncHttpClient,
    RebasedHttpClient,
    RetryPolicy,
    SmsAttempt,
    SmsLedger,
    SmsNotifier,
    SmsResult,
)
from controller.sms.phones import normalize_phone
from controller.sms.settings import (
    SANDBOX_ACCOUNT_SID,
    SANDBOX_API_BASE,
    SANDBOX_AUTH_TOKEN,
    SANDBOX_FROM,
    TwilioSettings,
    load_settings,
)
from controller.sms.templates import render, render_cancelled

__all__ = [
    "SANDBOX_ACCOUNT_SID",
    "SANDBOX_API_BASE",
    "SANDBOX_AUTH_TOKEN",
    "SANDBOX_FROM",
    "InvalidPhone",
    "MemoryLedger",
    "OutgoingSms",
    "RebasedAsyncHttpClient",
    "RebasedHttpClient",
    "RetryPolicy",
    "SmsAttempt",
    "SmsConfigError",
    "SmsError",
    "SmsLedger",
    "SmsNotifier",
    "SmsResult",
    "TwilioSettings",
    "is_gsm7",
    "load_settings",
    "normalize_phone",
    "render",
    "render_cancelled",
    "segments",
    "to_gsm7",
]
