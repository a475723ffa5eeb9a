"""The hub's configuration: :class:`HubConfig`, loaded outside the app factory.

``sereno hub serve`` builds it from an optional TOML file (``--config``) and its own
options (``--db``, ``--host``, ``--port``, which win over the file); tests build it
directly. :func:`create_app` only reads it. Every field has a safe default: the smallest
configuration is none at all (a database at :data:`DEFAULT_DB_PATH`, 127.0.0.1:8080).

The TOML file, every key optional (unknown keys are refused, so a typo is not silently
ignored)::

    [hub]
    db = "hub.db"                 # relative to this file
    host = "127.0.0.1"
    port = 8080
    secure_cookies = true         # served over HTTPS (through a reverse proxy)
    trust_forwarded_for = true    # the proxy on this machine sets X-Forwarded-For
    timezone = "America/Santiago"

    [sessions]
    lifetime_hours = 12           # a session ends this long after log-in…
    idle_minutes = 120            # …or after this long without a request

    [login]
    window_minutes = 15           # failed log-ins counted over this window:
    max_failures_per_email = 5
    max_failures_per_ip = 20

    [passwords]                   # argon2id cost (RFC 9106 "low memory" profile)
    time_cost = 3
    memory_kib = 65536
    parallelism = 4

    [alarms]                      # critical fleet alarms page the Unidad de Alarmas
    on_duty_phones = ["+56987654321"]   # E.164; an SMS each, reminders until acknowledged
    reminder_minutes = 30
"""

from __future__ import annotations

import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from hub.errors import ConfigError
from hub.notify import AlarmNotifier

DEFAULT_DB_PATH: Final = Path("/var/lib/sereno/hub.db")
DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8080
E164: Final = re.compile(r"\+[1-9][0-9]{7,14}")


@dataclass(frozen=True)
class LoginLimits:
    """Failed log-ins allowed per e-mail and per client address within a sliding window."""

    window_s: int = 15 * 60
    per_email: int = 5
    per_ip: int = 20


@dataclass(frozen=True)
class PasswordHashing:
    """argon2id parameters (argon2-cffi's default, RFC 9106's low-memory profile).

    Raising them is safe: each stored hash is upgraded at its owner's next log-in.
    """

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4


@dataclass(frozen=True)
class HubConfig:
    """Everything the hub's factory and server need to know."""

    db_path: Path = DEFAULT_DB_PATH
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    secure_cookies: bool = False
    """Mark cookies Secure and send HSTS; turn on when served over HTTPS."""
    trust_forwarded_for: bool = False
    """Take the client address from X-Forwarded-For (last entry) when the request comes from
    loopback: a reverse proxy on the same machine. Log-in rate limits count per address."""
    timezone: str = "America/Santiago"
    session_lifetime_s: int = 12 * 3600
    session_idle_s: int = 2 * 3600
    login_limits: LoginLimits = field(default_factory=LoginLimits)
    password_hashing: PasswordHashing = field(default_factory=PasswordHashing)
    housekeeping_interval_s: float = 600.0
    """How often expired sessions and old failed log-ins are deleted."""
    on_duty_phones: tuple[str, ...] = ()
    """E.164 phones of the Unidad de Alarmas on duty: each critical alarm is texted to them,
    with reminders every :attr:`alarm_reminder_s` until someone acknowledges it."""
    alarm_reminder_s: int = 30 * 60
    fleet_check_interval_s: float = 15.0
    """How often controller health is evaluated and the on-duty phones paged."""
    alarm_notifier: AlarmNotifier | None = field(default=None, compare=False, repr=False)
    """What sends those SMS; ``sereno hub serve`` injects the real one (the hub cannot
    import ``controller/``). None: the texts go to the log."""


def load_config(path: Path | None = None) -> HubConfig:
    """Read ``path`` (TOML) into a :class:`HubConfig`; ``None`` gives the defaults.

    Raises :class:`ConfigError` listing every problem at once, in Spanish.
    """
    if path is None:
        return HubConfig()
    label = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{label}: no existe el archivo de configuración") from None
    except PermissionError:
        raise ConfigError(f"{label}: no tengo permiso para leer el archivo") from None
    except (UnicodeDecodeError, IsADirectoryError):
        raise ConfigError(f"{label}: no es un archivo de texto UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{label}: error de sintaxis TOML ({exc})") from None
    return _Reader(label, path.parent, data).config()


_TABLES: Final = {
    "hub": {"db", "host", "port", "secure_cookies", "trust_forwarded_for", "timezone"},
    "sessions": {"lifetime_hours", "idle_minutes"},
    "login": {"window_minutes", "max_failures_per_email", "max_failures_per_ip"},
    "passwords": {"time_cost", "memory_kib", "parallelism"},
    "alarms": {"on_duty_phones", "reminder_minutes"},
}


class _Reader:
    """Typed getters over the parsed TOML that collect problems instead of raising."""

    def __init__(self, label: str, base: Path, data: Mapping[str, object]) -> None:
        self.label = label
        self.base = base
        self.problems: list[str] = []
        self.tables: dict[str, Mapping[str, object]] = {}
        for name, value in data.items():
            if name not in _TABLES:
                self.problem(f"tabla desconocida [{name}]; las válidas son {_names(_TABLES)}")
            elif not isinstance(value, Mapping):
                self.problem(f"[{name}] debe ser una tabla")
            else:
                self.tables[name] = value
                for key in value:
                    if key not in _TABLES[name]:
                        self.problem(
                            f"[{name}] clave desconocida {key!r}; las válidas son "
                            f"{_names(_TABLES[name])}"
                        )

    def problem(self, text: str) -> None:
        self.problems.append(f"{self.label}: {text}")

    def _get(self, table: str, key: str) -> object:
        return self.tables.get(table, {}).get(key)

    def text(self, table: str, key: str, default: str) -> str:
        value = self._get(table, key)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            self.problem(f"[{table}] {key} debe ser un texto no vacío; recibí {value!r}")
            return default
        return value

    def flag(self, table: str, key: str, default: bool) -> bool:
        value = self._get(table, key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(f"[{table}] {key} debe ser true o false; recibí {value!r}")
            return default
        return value

    def number(self, table: str, key: str, default: int, low: int, high: int) -> int:
        value = self._get(table, key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem(
                f"[{table}] {key} debe ser un número entero entre {low} y {high}; recibí {value!r}"
            )
            return default
        return value

    def phones(self, table: str, key: str) -> tuple[str, ...]:
        value = self._get(table, key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(f"[{table}] {key} debe ser una lista de teléfonos; recibí {value!r}")
            return ()
        phones = tuple("".join(v.split()) for v in value)
        for phone in phones:
            if not E164.fullmatch(phone):
                self.problem(f"[{table}] {key}: {phone!r} no es un teléfono E.164 (+56987654321)")
        return phones

    def config(self) -> HubConfig:
        base = HubConfig()
        db = self.text("hub", "db", str(base.db_path))
        timezone = self.text("hub", "timezone", base.timezone)
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.problem(f"[hub] timezone {timezone!r} no es una zona horaria conocida")
            timezone = base.timezone
        default_hashing, limits = base.password_hashing, base.login_limits
        config = HubConfig(
            db_path=self.base / Path(db).expanduser(),
            host=self.text("hub", "host", base.host),
            port=self.number("hub", "port", base.port, 0, 65535),
            secure_cookies=self.flag("hub", "secure_cookies", base.secure_cookies),
            trust_forwarded_for=self.flag("hub", "trust_forwarded_for", base.trust_forwarded_for),
            timezone=timezone,
            session_lifetime_s=3600
            * self.number(
                "sessions", "lifetime_hours", base.session_lifetime_s // 3600, 1, 24 * 30
            ),
            session_idle_s=60
            * self.number("sessions", "idle_minutes", base.session_idle_s // 60, 5, 43_200),
            login_limits=LoginLimits(
                window_s=60
                * self.number("login", "window_minutes", limits.window_s // 60, 1, 24 * 60),
                per_email=self.number("login", "max_failures_per_email", limits.per_email, 1, 1000),
                per_ip=self.number("login", "max_failures_per_ip", limits.per_ip, 1, 100_000),
            ),
            password_hashing=PasswordHashing(
                time_cost=self.number("passwords", "time_cost", default_hashing.time_cost, 1, 20),
                memory_kib=self.number(
                    "passwords", "memory_kib", default_hashing.memory_kib, 8, 4 * 1024 * 1024
                ),
                parallelism=self.number(
                    "passwords", "parallelism", default_hashing.parallelism, 1, 64
                ),
            ),
            on_duty_phones=self.phones("alarms", "on_duty_phones"),
            alarm_reminder_s=60
            * self.number("alarms", "reminder_minutes", base.alarm_reminder_s // 60, 1, 24 * 60),
        )
        hashing = config.password_hashing
        if hashing.memory_kib < 8 * hashing.parallelism:
            self.problem("[passwords] memory_kib debe ser al menos 8 × parallelism")
        if self.problems:
            raise ConfigError(self.problems)
        return config


def _names(names: Mapping[str, object] | set[str]) -> str:
    return ", ".join(sorted(names))
