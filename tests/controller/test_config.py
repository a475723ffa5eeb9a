"""controller.toml: the example loads, and every bad field is refused by name, in Spanish."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from controller.config import DEFAULT_DATA_DIR, SIREN_PATTERNS, load_config
from controller.errors import ConfigError, ControllerError
from controller.sms.settings import SANDBOX_API_BASE
from hardware.gpio.patterns import PATTERNS
from hardware.pins import BOARD_DEFAULTS
from hardware.radio.settings import E220Settings, Rylr998Settings, SerialSettings
from protocol.frame import PanicKind

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "controller.toml"

CONTROLLER = 'name = "Pasaje Los Aromos"\nnetwork_id = 2571\n'
RADIO = 'kind = "emulated"\n'
SID = "AC" + "0123456789abcdef" * 2
TOKEN = "f" * 32


def toml(controller: str = CONTROLLER, radio: str = RADIO, extra: str = "") -> str:
    return f"[controller]\n{controller}\n[radio]\n{radio}\n{extra}"


def write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "controller.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def refused(tmp_path: Path, text: str, mode: int = 0o600) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text, mode))
    return str(info.value)


# (case id, file text, fragments the message must hold: the field's path and what is wrong)
BAD: list[tuple[str, str, tuple[str, ...]]] = [
    ("toml-syntax", "[controller\nname = 'x'\n", ("error de sintaxis TOML", "línea 1, columna")),
    ("toml-duplicate-key", toml(CONTROLLER + 'name = "otra"\n'), ("línea 4, columna 14",)),
    ("toml-unterminated", 'x = "abc', ("al final del archivo",)),
    ("unknown-key", toml(CONTROLLER + 'nme = "x"\n'), ("[controller] nme", 'quiso decir "name"')),
    ("unknown-section", toml(extra="[siren]\nmax_seconds = 3\n"), ("[siren]", "desconocida")),
    ("missing-section", "[controller]\n" + CONTROLLER, ("[radio] kind falta",)),
    ("missing-name", toml("network_id = 1\n"), ("[controller] name falta",)),
    (
        "network-out-of-range",
        toml('name = "x"\nnetwork_id = 70000\n'),
        ("[controller] network_id", "entre 0 y 65535", "recibí 70000"),
    ),
    ("network-bool", toml('name = "x"\nnetwork_id = true\n'), ("network_id", "recibí true")),
    ("section-not-table", 'controller = 5\n[radio]\nkind = "serial"\n', ("[controller] debe ser",)),
    ("data-dir-empty", toml(CONTROLLER + 'data_dir = ""\n'), ("[controller] data_dir",)),
    ("radio-kind", toml(radio='kind = "lora"\n'), ("[radio] kind", '"rylr998"', "'lora'")),
    ("radio-kind-missing", toml(radio='port = "/dev/ttyS0"\n'), ("[radio] kind falta",)),
    ("rylr998-sf", toml(radio='kind = "rylr998"\nsf = 12\n'), ("[radio] sf", "entre 7 y 11")),
    ("rylr998-bw", toml(radio='kind = "rylr998"\nbw_khz = 300\n'), ("[radio] bw_khz", "500")),
    (
        "rylr998-sf-for-bw",
        toml(radio='kind = "rylr998"\nsf = 11\nbw_khz = 125\n'),
        ("[radio] sf", "7 a 9 con 125 kHz"),
    ),
    (
        "rylr998-network",
        toml(radio='kind = "rylr998"\nnetwork_id = 16\n'),
        ("[radio] network_id", "entre 3 y 15, o 18"),
    ),
    (
        "rylr998-preamble",
        toml(radio='kind = "rylr998"\nnetwork_id = 5\npreamble = 8\n'),
        ("[radio] preamble", "debe ser 12"),
    ),
    (
        "rylr998-airtime",
        toml(radio='kind = "rylr998"\nsf = 9\ncr = 4\npreamble = 24\n'),
        ("[radio] sf", "menos de 400 ms"),
    ),
    ("rylr998-power", toml(radio='kind = "rylr998"\ntx_power_dbm = 30\n'), ("tx_power_dbm", "dBm")),
    (
        "rylr998-band",
        toml(radio='kind = "rylr998"\nband_hz = 433000000\n'),
        ("[radio] band_hz", "915–928 MHz"),
    ),
    ("rylr998-aes", toml(radio='kind = "rylr998"\naes_key = "xyz"\n'), ("[radio] aes_key", "32")),
    ("e220-channel", toml(radio='kind = "e220"\nchannel = 90\n'), ("[radio] channel", "0 y 80")),
    ("e220-air-rate", toml(radio='kind = "e220"\nair_rate = 1000\n'), ("[radio] air_rate",)),
    ("e220-foreign-key", toml(radio='kind = "e220"\nsf = 9\n'), ("[radio] sf", 'kind = "e220"')),
    ("serial-baud", toml(radio='kind = "serial"\nbaudrate = 1000\n'), ("[radio] baudrate",)),
    ("serial-rs485", toml(radio='kind = "serial"\nrs485 = "si"\n'), ("[radio] rs485", "true o")),
    ("pins-uart", toml(extra="[pins]\nsiren = 14\n"), ("pins.siren", "UART")),
    ("pins-board", toml(extra='[pins]\nboard = "pi3"\n'), ("pins.board", "pi-zero-2w")),
    (
        "alarm-siren-text",
        toml(extra='[alarm]\nsiren_max_seconds = "tres"\n'),
        ("[alarm] siren_max_seconds", "entre 10 y 900 (segundos)", "recibí 'tres'"),
    ),
    ("alarm-siren-low", toml(extra="[alarm]\nsiren_max_seconds = 5\n"), ("siren_max_seconds",)),
    ("alarm-window", toml(extra="[alarm]\ncancel_window_seconds = -1\n"), ("cancel_window",)),
    (
        "patterns-kind",
        toml(extra='[alarm.patterns]\nROBOS = "A"\n'),
        ("[alarm.patterns] ROBOS", "PANICO"),
    ),
    (
        "patterns-name",
        toml(extra='[alarm.patterns]\nINCENDIO = "D"\n'),
        ("[alarm.patterns] INCENDIO", '"chirps"', "recibí 'D'"),
    ),
    (
        "patterns-silent",
        toml(extra='[alarm.patterns]\nALERTA_SILENCIOSA = "A"\n'),
        ("[alarm.patterns] ALERTA_SILENCIOSA", '"none"'),
    ),
    ("sms-from", toml(extra='[sms]\nfrom_number = "12345"\n'), ("[sms] from_number", "E.164")),
    ("sms-sid", toml(extra='[sms]\naccount_sid = "AB12"\n'), ("[sms] account_sid", '"AC"')),
    (
        "sms-twilio-incomplete",
        toml(extra='[sms]\nprovider = "twilio"\n'),
        ("[sms] account_sid falta", "[sms] auth_token falta", "[sms] from_number falta"),
    ),
    (
        "sms-token-twice",
        toml(extra=f'[sms]\nauth_token = "{TOKEN}"\nauth_token_env = "TOKEN"\n'),
        ("[sms] auth_token y auth_token_env",),
    ),
    ("sms-env-name", toml(extra='[sms]\nauth_token_env = "1 X"\n'), ("[sms] auth_token_env",)),
    ("sms-concurrency", toml(extra="[sms]\nconcurrency = 0\n"), ("[sms] concurrency", "1 y 64")),
    ("hub-url", toml(extra='[hub]\nurl = "ftp://hub"\n'), ("[hub] url", "http(s)")),
]


@pytest.mark.parametrize(("text", "fragments"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_field_is_refused_by_name(
    tmp_path: Path, text: str, fragments: tuple[str, ...]
) -> None:
    message = refused(tmp_path, text)
    assert message.startswith(str(tmp_path / "controller.toml") + ":")
    for fragment in fragments:
        assert fragment in message


def test_config_error_is_a_value_error_of_the_controller() -> None:
    assert issubclass(ConfigError, ValueError)
    assert issubclass(ConfigError, ControllerError)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = toml('name = "x"\nnetwork_id = -1\ncolor = 1\n', 'kind = "rylr998"\ncr = 9\n')
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    problems = info.value.problems
    assert len(problems) == 3
    assert [p.split(":")[1].split()[:2] for p in problems] == [
        ["[controller]", "network_id"],
        ["[controller]", "color"],
        ["[radio]", "cr"],
    ]


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no existe el archivo de configuración"):
        load_config(tmp_path / "nada.toml")


def test_a_folder_is_not_a_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="es una carpeta"):
        load_config(tmp_path)


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "controller.toml"
    path.write_bytes(toml('name = "Maip\xfa"\nnetwork_id = 1\n').encode("latin-1"))
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(path)


def test_the_example_loads(tmp_path: Path) -> None:
    config = load_config(EXAMPLE)
    assert config.name == "Pasaje Los Aromos"
    assert config.network_id == 2571
    assert config.data_dir == DEFAULT_DATA_DIR
    assert config.store_path == DEFAULT_DATA_DIR / "controller.db"
    assert config.municipality == "Maipu"
    assert config.radio == Rylr998Settings()
    assert config.board == "pi4"
    assert config.pins == BOARD_DEFAULTS["pi4"]
    assert config.sms.provider == "sandbox"
    assert config.hub.url is None
    assert config.source == EXAMPLE


def test_minimal_file_takes_every_default(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, toml()))
    assert config.radio == Rylr998Settings(kind="emulated", port=None)
    assert config.alarm.siren_max_seconds == 180
    assert config.alarm.strobe_max_seconds == 900
    assert config.alarm.cancel_window_seconds == 60
    assert dict(config.alarm.patterns) == {
        PanicKind.PANICO: "A",
        PanicKind.ROBO: "B",
        PanicKind.INCENDIO: "C",
        PanicKind.EMERGENCIA_MEDICA: "chirps",
        PanicKind.ALERTA_SILENCIOSA: "none",
    }
    assert config.sms.concurrency == 16
    assert config.sms.twilio_settings().api_base == SANDBOX_API_BASE


def test_relative_data_dir_is_read_from_the_config_folder(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, toml(CONTROLLER + 'data_dir = "datos"\n')))
    assert config.data_dir == tmp_path.resolve() / "datos"
    absolute = load_config(write(tmp_path, toml(CONTROLLER + 'data_dir = "/srv/sereno"\n')))
    assert absolute.data_dir == Path("/srv/sereno")


def test_other_radio_kinds(tmp_path: Path) -> None:
    e220 = load_config(write(tmp_path, toml(radio='kind = "e220"\nchannel = 70\n'))).radio
    assert e220 == E220Settings(channel=70)
    serial = 'kind = "serial"\nport = "/dev/ttyUSB1"\nbaudrate = 115200\nrs485 = true\n'
    radio = load_config(write(tmp_path, toml(radio=serial))).radio
    assert radio == SerialSettings(port="/dev/ttyUSB1", baudrate=115200, rs485=True)


def test_rylr998_fast_settings_within_airtime(tmp_path: Path) -> None:
    radio = (
        'kind = "rylr998"\nsf = 11\nbw_khz = 500\naes_key = "00112233445566778899aabbccddeeff"\n'
    )
    config = load_config(write(tmp_path, toml(radio=radio)))
    assert isinstance(config.radio, Rylr998Settings)
    assert (config.radio.sf, config.radio.bw_khz) == (11, 500)
    assert "aes_key" not in repr(config.radio)


def test_pin_overrides_reach_the_pin_map(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, toml(extra='[pins]\nboard = "pi5"\nsiren = 19\n')))
    assert config.board == "pi5"
    assert config.pins.siren == 19


def test_patterns_become_the_alarm_policy(tmp_path: Path) -> None:
    extra = '[alarm]\nsiren_max_seconds = 120\n[alarm.patterns]\nrobo = "C"\nPANICO = "none"\n'
    config = load_config(write(tmp_path, toml(extra=extra)))
    policy = config.alarm.policy()
    assert policy.siren_max_s == 120
    assert policy.plan(PanicKind.ROBO).siren == "temporal-three"
    assert policy.plan(PanicKind.PANICO).siren is None
    assert not policy.plan(PanicKind.PANICO).strobe
    assert policy.plan(PanicKind.EMERGENCIA_MEDICA).strobe
    assert not policy.plan(PanicKind.ALERTA_SILENCIOSA).strobe
    assert config.alarm.policy(time_scale=0.01).siren_max_s == pytest.approx(1.2)


def test_every_pattern_name_exists_in_hardware() -> None:
    assert {name for name in SIREN_PATTERNS.values() if name} <= set(PATTERNS)


def twilio_sms(token_line: str) -> str:
    return toml(
        extra=f'[sms]\naccount_sid = "{SID}"\n{token_line}\nfrom_number = "+56 2 2123 4567"\n'
    )


def test_world_readable_file_with_a_token_is_refused(tmp_path: Path) -> None:
    message = refused(tmp_path, twilio_sms(f'auth_token = "{TOKEN}"'), mode=0o644)
    assert "[sms] auth_token" in message
    assert "chmod 600" in message
    assert TOKEN not in message


def test_private_file_with_a_token_loads_and_hides_it(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, twilio_sms(f'auth_token = "{TOKEN}"')))
    assert config.sms.provider == "twilio"
    assert config.sms.from_number == "+56221234567"
    assert TOKEN not in repr(config)
    settings = config.sms.twilio_settings(environ={})
    assert (settings.account_sid, settings.auth_token) == (SID, TOKEN)


def test_token_from_the_environment(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, twilio_sms('auth_token_env = "SERENO_TOKEN"'), 0o644))
    assert config.sms.provider == "twilio"
    assert config.sms.resolve_auth_token({"SERENO_TOKEN": TOKEN}) == TOKEN
    with pytest.raises(ConfigError, match="SERENO_TOKEN no está definida"):
        config.sms.resolve_auth_token({})


def test_sandbox_can_be_forced_with_credentials(tmp_path: Path) -> None:
    text = twilio_sms('auth_token_env = "SERENO_TOKEN"').replace(
        "[sms]", '[sms]\nprovider = "sandbox"'
    )
    config = load_config(write(tmp_path, text))
    assert config.sms.provider == "sandbox"
    assert config.sms.twilio_settings(environ={}).is_sandbox


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, toml())

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(ConfigError, match="no tengo permiso"):
        load_config(path)


def test_messages_carry_no_english_parser_words(tmp_path: Path) -> None:
    message = refused(tmp_path, toml('name = "x"\nnetwork_id = "uno"\n'))
    assert re.search(r"\b(must|expected|invalid)\b", message) is None


def test_docs_example_is_the_example_file() -> None:
    doc = (REPO / "docs" / "controller.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", doc, flags=re.DOTALL)
    assert blocks == [EXAMPLE.read_text(encoding="utf-8")]
