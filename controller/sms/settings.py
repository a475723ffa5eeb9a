"""Where SMS go: real Twilio credentials, or the local Twilio-compatible sandbox by default.

Real credentials never live in the repository. They come from the environment or from the
controller's configuration file (an ``[sms]`` table), and that file must then be private
(mode ``0600``: no group or other permission bits). The environment wins over the file.

============================== ================================ ==============================
environment variable           ``[sms]`` key                    meaning
============================== ================================ ==============================
``TWILIO_ACCOUNT_SID``         ``account_sid``                  ``AC`` + 32 hex
``TWILIO_AUTH_TOKEN``          ``auth_token``                   secret; file must be 0600
``SERENO_SMS_FROM``            ``from``                         sender, E.164 (``+1…``, ``+56…``)
``SERENO_SMS_MESSAGING_SID``   ``messaging_service_sid``        ``MG`` + 32 hex, instead of from
``SERENO_SMS_API_BASE``        ``api_base``                     other API base URL (sandbox)
``SERENO_SMS_STATUS_CALLBACK`` ``status_callback``              URL Twilio posts statuses to
============================== ================================ ==============================

With neither an account SID nor a token, the settings point at the sandbox
(:data:`SANDBOX_API_BASE`, credentials :data:`SANDBOX_ACCOUNT_SID` /
:data:`SANDBOX_AUTH_TOKEN`), which ``sereno sms sandbox`` and ``sereno demo`` run.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from controller.sms.errors import SmsConfigError

SANDBOX_ACCOUNT_SID: Final = "AC" + "0" * 32
SANDBOX_AUTH_TOKEN: Final = "sereno-sandbox-token"  # noqa: S105 - public, sandbox only
SANDBOX_FROM: Final = "+15005550006"  # Twilio's own "valid sender" test number
SANDBOX_HOST: Final = "127.0.0.1"
SANDBOX_PORT: Final = 8099
SANDBOX_API_BASE: Final = f"http://{SANDBOX_HOST}:{SANDBOX_PORT}"

ENV_NAMES: Final[Mapping[str, str]] = {
    "account_sid": "TWILIO_ACCOUNT_SID",
    "auth_token": "TWILIO_AUTH_TOKEN",
    "from": "SERENO_SMS_FROM",
    "messaging_service_sid": "SERENO_SMS_MESSAGING_SID",
    "api_base": "SERENO_SMS_API_BASE",
    "status_callback": "SERENO_SMS_STATUS_CALLBACK",
}

_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_HTTP_URL = re.compile(r"^https?://[^\s/]+(/\S*)?$")


@dataclass(frozen=True, slots=True)
class TwilioSettings:
    """Credentials and sender for Twilio's Messages API (or the sandbox that mimics it)."""

    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str | None = None
    messaging_service_sid: str | None = None
    api_base: str | None = None
    """Base URL replacing ``https://api.twilio.com``; None means the real Twilio."""
    status_callback: str | None = None

    def __post_init__(self) -> None:
        if not _ACCOUNT_SID.match(self.account_sid):
            raise SmsConfigError(
                f"sms.account_sid '{self.account_sid}' no es un Account SID de Twilio "
                "(AC seguido de 32 caracteres hexadecimales)"
            )
        if not self.auth_token:
            raise SmsConfigError("sms.auth_token está vacío")
        if self.from_number is None and self.messaging_service_sid is None:
            raise SmsConfigError("falta el remitente: defina sms.from o sms.messaging_service_sid")
        if self.from_number is not None and not _E164.match(self.from_number):
            raise SmsConfigError(
                f"sms.from '{self.from_number}' no es un número E.164 (por ejemplo +56987654321)"
            )
        if self.messaging_service_sid is not None and not _SERVICE_SID.match(
            self.messaging_service_sid
        ):
            raise SmsConfigError(
                f"sms.messaging_service_sid '{self.messaging_service_sid}' no es un SID MG…"
            )
        for name, url in (("api_base", self.api_base), ("status_callback", self.status_callback)):
            if url is not None and not _HTTP_URL.match(url):
                raise SmsConfigError(f"sms.{name} '{url}' no es una URL http(s) válida")

    @classmethod
    def sandbox(cls, api_base: str = SANDBOX_API_BASE) -> TwilioSettings:
        """Settings for the local sandbox with its public default credentials."""
        return cls(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, SANDBOX_FROM, api_base=api_base)

    @property
    def is_sandbox(self) -> bool:
        """True when these are the sandbox's public credentials (no real SMS leaves)."""
        return self.account_sid == SANDBOX_ACCOUNT_SID and self.auth_token == SANDBOX_AUTH_TOKEN


def check_private(path: Path) -> None:
    """Refuse a file holding a secret that its group or other users may read or write."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SmsConfigError(
            f"{path} guarda el token de Twilio y otros usuarios pueden leerlo "
            f"(permisos {stat.filemode(mode)}); ejecute: chmod 600 {path}"
        )


def load_settings(
    env: Mapping[str, str] | None = None,
    table: Mapping[str, object] | None = None,
    table_path: Path | None = None,
) -> TwilioSettings:
    """Settings from the environment over the ``[sms]`` table of a configuration file.

    ``table_path`` is the file the table came from; it is checked with
    :func:`check_private` when the table holds an ``auth_token``. With no account SID and
    no token anywhere, returns the sandbox settings (``api_base`` may still move it).
    """
    env = os.environ if env is None else env
    table = table or {}
    unknown = set(table) - set(ENV_NAMES)
    if unknown:
        raise SmsConfigError(f"claves desconocidas en [sms]: {', '.join(sorted(unknown))}")
    if "auth_token" in table and table_path is not None:
        check_private(table_path)
    values: dict[str, str] = {}
    for key, env_name in ENV_NAMES.items():
        raw = env.get(env_name) or table.get(key)
        if raw is None or raw == "":
            continue
        if not isinstance(raw, str):
            raise SmsConfigError(f"sms.{key} debe ser texto")
        values[key] = raw.strip()
    sid, token = values.get("account_sid"), values.get("auth_token")
    if sid is None and token is None:
        return TwilioSettings.sandbox(values.get("api_base", SANDBOX_API_BASE))
    if sid is None or token is None:
        key = "account_sid" if sid is None else "auth_token"
        missing = f"{key} ({ENV_NAMES[key]})"
        raise SmsConfigError(f"credenciales de Twilio incompletas: falta {missing}")
    return TwilioSettings(
        account_sid=sid,
        auth_token=token,
        from_number=values.get("from"),
        messaging_service_sid=values.get("messaging_service_sid"),
        api_base=values.get("api_base"),
        status_callback=values.get("status_callback"),
    )
