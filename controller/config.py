"""The street controller's configuration: ``controller.toml`` into frozen dataclasses.

:func:`load_config` reads the file with :mod:`tomllib` and validates every field. Unknown
keys are refused (a typo must not silently fall back to a default). Every problem found is
reported at once, one Spanish line per field, naming the file, the table and the key:

    controller.toml: [alarm] siren_max_seconds debe ser un número entero entre 10 y 900
    (segundos); recibí 'tres'

The reference, with a complete example, is ``docs/controller.md``; ``examples/controller.toml``
is the same example and the tests load both.

Secrets: ``[sms] auth_token`` is kept out of every ``repr`` and is never logged. A file that
holds one must be readable by its owner only (``chmod 600``), or it is refused. The token can
instead live in an environment variable named by ``auth_token_env``, read when the notifier
starts (:meth:`SmsConfig.resolve_auth_token`).
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Final, Literal, TypeAlias, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from controller.alarm import AlarmPolicy, StreetPlan
from controller.errors import ConfigError
from controller.sms.errors import SmsConfigError
from controller.sms.settings import SANDBOX_API_BASE, TwilioSettings, check_private, load_settings
from hardware.errors import PinConfigError
from hardware.pins import DEFAULT_BOARD, PinMap
from hardware.radio.settings import RadioSettings, RadioSettingsError, Rylr998Settings, parse_radio
from protocol import PanicKind

DEFAULT_DATA_DIR: Final = Path("/var/lib/sereno")
STORE_FILENAME: Final = "controller.db"

SIREN_PATTERNS: Final[Mapping[str, str | None]] = MappingProxyType(
    {
        "A": "continuous",
        "B": "pulsed",
        "C": "temporal-three",
        "chirps": "medical-chirps",
        "none": None,
    }
)
"""Installer's pattern names → ``hardware.gpio.patterns.PATTERNS`` names (None = quiet)."""

DEFAULT_PATTERNS: Final[Mapping[PanicKind, str]] = MappingProxyType(
    {
        PanicKind.PANICO: "A",
        PanicKind.ROBO: "B",
        PanicKind.INCENDIO: "C",
        PanicKind.EMERGENCIA_MEDICA: "chirps",
        PanicKind.ALERTA_SILENCIOSA: "none",
    }
)

_ENV_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ACCOUNT_SID: Final = re.compile(r"AC[0-9a-fA-F]{32}")
_SERVICE_SID: Final = re.compile(r"MG[0-9a-fA-F]{32}")
_SID_EXPECTED: Final = '"AC" seguido de 32 dígitos hexadecimales (el Account SID de Twilio)'
_SERVICE_EXPECTED: Final = '"MG" seguido de 32 dígitos hexadecimales'
_ENV_EXPECTED: Final = "el nombre de una variable de entorno (p. ej. TWILIO_AUTH_TOKEN)"
_E164_EXPECTED: Final = 'un número de teléfono válido en formato E.164 (p. ej. "+56221234567")'

_TOML_POSITION: Final = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


"""The old name of :class:`hardware.radio.settings.Rylr998Settings`, kept only while
``sereno/demo/site.py`` and ``bench/alarm_path.py`` import it from here."""


@dataclass(frozen=True)
class AlarmConfig:
    """Caps (seconds) and the street pattern of each kind (a key of :data:`SIREN_PATTERNS`)."""

    siren_max_seconds: int = 180
    strobe_max_seconds: int = 900
    cancel_window_seconds: int = 60
    patterns: Mapping[PanicKind, str] = field(default_factory=lambda: DEFAULT_PATTERNS)

    def policy(self, time_scale: float = 1.0) -> AlarmPolicy:
        """The alarm state machine's policy; the strobe lights for every kind not "none"."""
        plans = {
            kind: StreetPlan(SIREN_PATTERNS[name], strobe=name != "none")
            for kind, name in self.patterns.items()
        }
        return AlarmPolicy(
            siren_max_s=self.siren_max_seconds * time_scale,
            strobe_max_s=self.strobe_max_seconds * time_scale,
            cancel_window_s=self.cancel_window_seconds * time_scale,
            plans=plans,
        )


@dataclass(frozen=True)
class SmsConfig:
    """How SMS leave: ``provider = "twilio"`` or the local Twilio-compatible ``"sandbox"``."""

    provider: Literal["twilio", "sandbox"] = "sandbox"
    account_sid: str | None = None
    auth_token: str | None = field(default=None, repr=False)
    auth_token_env: str | None = None
    from_number: str | None = None
    """E.164, e.g. ``+56221234567``."""
    messaging_service_sid: str | None = None
    status_callback: str | None = None
    api_base: str | None = None
    concurrency: int = 16

    def resolve_auth_token(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The Twilio auth token, from the file or from ``auth_token_env``'s variable."""
        if self.auth_token is not None or self.auth_token_env is None:
            return self.auth_token
        token = (os.environ if environ is None else environ).get(self.auth_token_env, "")
        if not token:
            raise ConfigError(
                f"[sms] auth_token_env: la variable de entorno {self.auth_token_env} no está "
                "definida o está vacía; defínala con el token de Twilio"
            )
        return token

    def twilio_settings(self, environ: Mapping[str, str] | None = None) -> TwilioSettings:
        """What :class:`~controller.sms.SmsNotifier` needs; the environment's ``TWILIO_*``
        variables win over the file, as in :func:`controller.sms.load_settings`."""
        if self.provider == "sandbox":
            return TwilioSettings.sandbox(self.api_base or SANDBOX_API_BASE)
        table = {
            "account_sid": self.account_sid,
            "auth_token": self.resolve_auth_token(environ),
            "from": self.from_number,
            "messaging_service_sid": self.messaging_service_sid,
            "api_base": self.api_base,
            "status_callback": self.status_callback,
        }
        try:
            return load_settings(environ, {k: v for k, v in table.items() if v is not None})
        except SmsConfigError as exc:
            raise ConfigError(f"[sms] {exc}") from None


@dataclass(frozen=True)
class SelfTestSchedule:
    """When the weekly siren self-test runs: an apscheduler ``day_of_week`` and a time."""

    day_of_week: str = "sat"
    """``mon`` … ``sun``."""
    hour: int = 12
    minute: int = 0

    def __str__(self) -> str:
        return f"{self.day_of_week} {self.hour:02d}:{self.minute:02d}"


PowerSource: TypeAlias = Literal["ac", "battery", "unknown"]
HUB_CREDENTIAL_FILENAME: Final = "hub-credential"


@dataclass(frozen=True)
class HubConfig:
    """Reports to the municipal hub (store-and-forward), the heartbeat and the self-test."""

    url: str | None = None
    report_interval_seconds: int = 60
    credential_file: Path | None = None
    """Where ``sereno controller enroll`` keeps the credential (0600); None: in data_dir."""
    self_test: SelfTestSchedule | None = field(default_factory=SelfTestSchedule)
    """None: no weekly self-test."""
    timezone: str = "America/Santiago"
    outbox_max_events: int = 50_000
    outbox_max_mb: int = 64
    power: PowerSource = "unknown"
    """The controller's power source when nothing on the board tells (``ac`` on mains)."""

    def credential_path(self, data_dir: Path) -> Path:
        return self.credential_file or data_dir / HUB_CREDENTIAL_FILENAME


@dataclass(frozen=True)
class ControllerConfig:
    """A validated ``controller.toml``; ``source`` is the file it came from."""

    name: str
    network_id: int
    radio: RadioSettings
    """``[radio]``, read by :func:`hardware.radio.settings.parse_radio`."""
    pins: PinMap
    board: str = DEFAULT_BOARD
    data_dir: Path = DEFAULT_DATA_DIR
    municipality: str = "Maipu"
    alarm: AlarmConfig = field(default_factory=AlarmConfig)
    sms: SmsConfig = field(default_factory=SmsConfig)
    hub: HubConfig = field(default_factory=HubConfig)
    source: Path | None = None

    @property
    def store_path(self) -> Path:
        """The controller's SQLite file, inside ``data_dir``."""
        return self.data_dir / STORE_FILENAME


def load_config(path: str | os.PathLike[str]) -> ControllerConfig:
    """Read and validate ``path``; raise :class:`ConfigError` listing every problem."""
    path = Path(path)
    label = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{label}: no existe el archivo de configuración") from None
    except IsADirectoryError:
        raise ConfigError(f"{label}: es una carpeta, no un archivo de configuración") from None
    except PermissionError:
        raise ConfigError(
            f"{label}: no tengo permiso para leer el archivo de configuración"
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{label}: el archivo no está en UTF-8 (byte {exc.start}); guárdelo como UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{label}: {_toml_error(str(exc))}") from None
    return _Parser(label, path).parse(data)


def _toml_error(message: str) -> str:
    found = _TOML_POSITION.search(message)
    if found:
        where = f"en la línea {found[1]}, columna {found[2]}"
        message = message[: found.start()]
    else:
        where = "al final del archivo"
        message = message.removesuffix(" (at end of document)")
    return f"error de sintaxis TOML {where} (detalle: {message}); corríjalo y vuelva a intentar"


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "una tabla"
    return repr(value)


T = TypeVar("T")


class _Table:
    """One TOML table being read: typed getters that record problems instead of raising."""

    def __init__(self, parser: _Parser, name: str, data: object) -> None:
        self.name = name
        self._parser = parser
        self._seen: set[str] = set()
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            parser.problem(f"[{name}] debe ser una tabla ([{name}]); recibí {_shown(data)}")
            data = {}
        self.data: Mapping[str, object] = data

    def problem(self, key: str, text: str) -> None:
        self._parser.problem(f"[{self.name}] {key} {text}")

    def has(self, key: str) -> bool:
        return key in self.data

    def get(self, key: str, default: T, check: Callable[[object], T | None], expected: str) -> T:
        """The value at ``key`` if ``check`` accepts it; else the default and a problem."""
        self._seen.add(key)
        if key not in self.data:
            return default
        value = self.data[key]
        accepted = check(value)
        if accepted is None:
            self.problem(key, f"debe ser {expected}; recibí {_shown(value)}")
            return default
        return accepted

    def required(
        self, key: str, placeholder: T, check: Callable[[object], T | None], expected: str
    ) -> T:
        if key not in self.data:
            self._seen.add(key)
            self.problem(key, f"falta; es obligatorio: {expected}")
            return placeholder
        return self.get(key, placeholder, check, expected)

    def integer(self, key: str, default: int, low: int, high: int, unit: str = "") -> int:
        suffix = f" ({unit})" if unit else ""
        return self.get(
            key, default, _int_in(low, high), f"un número entero entre {low} y {high}{suffix}"
        )

    def choice(self, key: str, default: T, options: Sequence[T]) -> T:
        def check(value: object) -> T | None:
            matches = [o for o in options if o == value and type(o) is type(value)]
            return matches[0] if matches else None

        listed = ", ".join(f'"{o}"' if isinstance(o, str) else str(o) for o in options)
        return self.get(key, default, check, f"uno de: {listed}")

    def text(self, key: str, default: str | None, max_len: int = 200) -> str | None:
        return self.get(
            key, default, _text(max_len), f"un texto no vacío de hasta {max_len} letras"
        )

    def sub(self, key: str) -> _Table:
        """The table nested at ``key`` (empty when absent)."""
        self._seen.add(key)
        return _Table(self._parser, f"{self.name}.{key}", self.data.get(key))

    def finish(self, where: str = "aquí") -> None:
        """Refuse every key no getter asked for."""
        known = sorted(self._seen)
        for key in self.data:
            if key in self._seen:
                continue
            close = difflib.get_close_matches(key, known, n=1)
            hint = f' ¿quiso decir "{close[0]}"?' if close else ""
            valid = ", ".join(known) if known else "ninguna"
            self.problem(key, f"es una clave desconocida;{hint} las válidas {where} son: {valid}")


def _int_in(low: int, high: int) -> Callable[[object], int | None]:
    def check(value: object) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return None
        return value if low <= value <= high else None

    return check


def _text(max_len: int) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if isinstance(value, str) and value.strip() and len(value) <= max_len:
            return value.strip()
        return None

    return check


def _url(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    parts = urlsplit(value)
    return value.rstrip("/") if parts.scheme in ("http", "https") and parts.hostname else None


def _matching(pattern: re.Pattern[str]) -> Callable[[object], str | None]:
    return lambda v: v if isinstance(v, str) and pattern.fullmatch(v) else None


_SECTIONS: Final = ("controller", "radio", "pins", "alarm", "sms", "hub")


class _Parser:
    def __init__(self, label: str, path: Path) -> None:
        self.label = label
        self.path = path
        self.base_dir = path.resolve().parent
        self.problems: list[str] = []

    def problem(self, text: str) -> None:
        self.problems.append(f"{self.label}: {text}")

    def parse(self, data: Mapping[str, object]) -> ControllerConfig:
        for key, value in data.items():
            if key not in _SECTIONS:
                close = difflib.get_close_matches(key, _SECTIONS, n=1)
                hint = f' ¿quiso decir "[{close[0]}]"?' if close else ""
                kind = "sección" if isinstance(value, Mapping) else "clave"
                self.problem(
                    f"[{key}] es una {kind} desconocida;{hint} las secciones válidas "
                    "son: " + ", ".join(f"[{s}]" for s in _SECTIONS)
                )
        top = _Table(self, "controller", data.get("controller"))
        name = top.required(
            "name",
            "",
            _text(64),
            'un texto no vacío de hasta 64 letras (p. ej. "Pasaje Los Aromos")',
        )
        network_id = top.required(
            "network_id", 0, _int_in(0, 65535), "un número entero entre 0 y 65535"
        )
        data_dir = Path(top.text("data_dir", str(DEFAULT_DATA_DIR), 4096) or DEFAULT_DATA_DIR)
        municipality = top.text("municipality", "Maipu", 40) or "Maipu"
        top.finish()
        radio = self._radio(data.get("radio"))
        board, pins = self._pins(data.get("pins"))
        alarm = self._alarm(_Table(self, "alarm", data.get("alarm")))
        sms = self._sms(_Table(self, "sms", data.get("sms")))
        hub = self._hub(_Table(self, "hub", data.get("hub")))
        if self.problems:
            raise ConfigError(self.problems)
        return ControllerConfig(
            name=name,
            network_id=network_id,
            data_dir=data_dir if data_dir.is_absolute() else self.base_dir / data_dir,
            municipality=municipality,
            radio=radio,
            board=board,
            pins=pins,
            alarm=alarm,
            sms=sms,
            hub=hub,
            source=self.path,
        )

    def _radio(self, data: object) -> RadioSettings:
        try:
            return parse_radio(data, "controller")
        except RadioSettingsError as exc:
            for line in exc.problems:
                self.problem(line)
            return Rylr998Settings(kind="emulated", port=None)  # never used: problems raise

    def _pins(self, data: object) -> tuple[str, PinMap]:
        table: Mapping[str, object] = data if isinstance(data, Mapping) else {}
        if data is not None and not isinstance(data, Mapping):
            self.problem(f"[pins] debe ser una tabla; recibí {_shown(data)}")
        board = table.get("board", DEFAULT_BOARD)
        try:
            return str(board), PinMap.from_mapping(table)
        except PinConfigError as exc:
            for line in str(exc).splitlines():
                self.problem(line)
            return DEFAULT_BOARD, PinMap.from_mapping({})

    def _alarm(self, t: _Table) -> AlarmConfig:
        siren = t.integer("siren_max_seconds", 180, 10, 900, "segundos")
        strobe = t.integer("strobe_max_seconds", 900, 10, 3600, "segundos")
        window = t.integer("cancel_window_seconds", 60, 0, 600, "segundos")
        patterns = dict(DEFAULT_PATTERNS)
        sub = t.sub("patterns")
        names = ", ".join(k.name for k in PanicKind)
        choices = list(SIREN_PATTERNS)
        for key in sub.data:
            kind = PanicKind.__members__.get(key.upper())
            if kind is None:
                sub.problem(key, f"no es un tipo de alarma; los tipos son: {names}")
                continue
            patterns[kind] = sub.choice(key, patterns[kind], choices)
        if patterns[PanicKind.ALERTA_SILENCIOSA] != "none":
            sub.problem(
                "ALERTA_SILENCIOSA",
                'debe ser "none": la alerta silenciosa no suena '
                "ni destella en la calle, solo avisa a los contactos designados",
            )
        t.finish()
        return AlarmConfig(siren, strobe, window, MappingProxyType(patterns))

    def _sms(self, t: _Table) -> SmsConfig:
        sid = t.get("account_sid", None, _matching(_ACCOUNT_SID), _SID_EXPECTED)
        token = t.text("auth_token", None)
        token_env = t.get("auth_token_env", None, _matching(_ENV_NAME), _ENV_EXPECTED)
        default: Literal["twilio", "sandbox"] = (
            "twilio" if sid and (token or token_env) else "sandbox"
        )
        sms = SmsConfig(
            provider=t.choice("provider", default, ("twilio", "sandbox")),
            account_sid=sid,
            auth_token=token,
            auth_token_env=token_env,
            from_number=t.get("from_number", None, _e164, _E164_EXPECTED),
            messaging_service_sid=t.get(
                "messaging_service_sid", None, _matching(_SERVICE_SID), _SERVICE_EXPECTED
            ),
            status_callback=t.get("status_callback", None, _url, "una URL http(s)://…"),
            api_base=t.get("api_base", None, _url, "una URL http(s)://…"),
            concurrency=t.integer("concurrency", 16, 1, 64, "envíos simultáneos"),
        )
        t.finish()
        if t.has("auth_token") and t.has("auth_token_env"):
            t.problem("auth_token", "y auth_token_env no pueden ir juntos; deje solo uno")
        if sms.provider == "twilio":
            if not t.has("account_sid"):
                t.problem("account_sid", 'falta; provider = "twilio" lo necesita')
            if not t.has("auth_token") and not t.has("auth_token_env"):
                t.problem(
                    "auth_token", 'falta; provider = "twilio" necesita auth_token o auth_token_env'
                )
            if not t.has("from_number") and not t.has("messaging_service_sid"):
                t.problem(
                    "from_number",
                    'falta; provider = "twilio" necesita from_number o messaging_service_sid',
                )
        if t.has("auth_token"):
            try:
                check_private(self.path)
            except SmsConfigError as exc:
                t.problem("auth_token", f"no puede quedar a la vista: {exc}")
        return sms

    def _hub(self, t: _Table) -> HubConfig:
        credential = t.text("credential_file", None, 4096)
        credential_path = None if credential is None else Path(credential)
        if credential_path is not None and not credential_path.is_absolute():
            credential_path = self.base_dir / credential_path
        default: SelfTestSchedule | Literal["off"] = SelfTestSchedule()
        schedule = t.get("self_test", default, _schedule, _SCHEDULE_EXPECTED)
        hub = HubConfig(
            url=t.get("url", None, _url, "una URL http(s)://…"),
            report_interval_seconds=t.integer("report_interval_seconds", 60, 10, 3600, "segundos"),
            credential_file=credential_path,
            self_test=None if schedule == "off" else schedule,
            timezone=t.get("timezone", "America/Santiago", _zone, _ZONE_EXPECTED),
            outbox_max_events=t.integer("outbox_max_events", 50_000, 1_000, 1_000_000, "eventos"),
            outbox_max_mb=t.integer("outbox_max_mb", 64, 1, 4096, "MB"),
            power=t.choice("power", "unknown", ("ac", "battery", "unknown")),
        )
        t.finish()
        return hub


_DAYS: Final = {
    **{d: d for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    **dict.fromkeys(("lun", "lunes"), "mon"),
    **dict.fromkeys(("mar", "martes"), "tue"),
    **dict.fromkeys(("mie", "mié", "miercoles", "miércoles"), "wed"),
    **dict.fromkeys(("jue", "jueves"), "thu"),
    **dict.fromkeys(("vie", "viernes"), "fri"),
    **dict.fromkeys(("sab", "sáb", "sabado", "sábado"), "sat"),
    **dict.fromkeys(("dom", "domingo"), "sun"),
}
_SCHEDULE: Final = re.compile(r"\s*(\S+)\s+([01]?\d|2[0-3]):([0-5]\d)\s*")
_SCHEDULE_EXPECTED: Final = (
    'un día y una hora, p. ej. "sab 12:00" o "sat 12:00", o "off" para no hacer la '
    "autoprueba semanal"
)
_ZONE_EXPECTED: Final = 'una zona horaria IANA, p. ej. "America/Santiago"'


def _schedule(value: object) -> SelfTestSchedule | Literal["off"] | None:
    """``"sab 12:00"`` → a schedule; ``"off"`` → ``"off"``; anything else → None."""
    if not isinstance(value, str):
        return None
    if value.strip().lower() in ("off", "no", "ninguna"):
        return "off"
    found = _SCHEDULE.fullmatch(value)
    day = _DAYS.get(found[1].lower()) if found else None
    if found is None or day is None:
        return None
    return SelfTestSchedule(day, int(found[2]), int(found[3]))


def _zone(value: object) -> str | None:
    if not isinstance(value, str) or not value or value.startswith(("/", ".")):
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return value


def _e164(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    # Imported here: only a configuration with [sms] from_number needs it (about 1 MB;
    # controller/sms/phones.py).
    import phonenumbers

    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
