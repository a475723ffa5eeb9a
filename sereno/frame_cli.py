"""``sereno frame …``: read and build radio frames by hand (installers, bench tests).

A thin layer over :mod:`protocol`. ``decode`` takes a frame copied from a log in hex,
base64 or COBS hex (detected, or forced with ``--as``) and the node's key, and prints one
JSON object with its fields. ``encode`` builds a frame and prints one JSON object with its
hex, base64 and COBS forms (the names vectors.json uses).

Exit codes: 0 done; 1 the frame was refused (the reason code and a Spanish explanation on
stderr); 2 the command was used wrong (bad key, bad number, text that is no frame form),
click's convention for usage errors. Messages for installers are in Spanish.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeAlias

import click

from protocol import (
    BROADCAST,
    FRAME_TEXT_FORMS,
    MAX_PAYLOAD,
    Ack,
    AckResult,
    AlarmState,
    Body,
    Cancel,
    EncodeError,
    Frame,
    FrameError,
    FrameType,
    Heartbeat,
    LinkError,
    Panic,
    PanicKind,
    Test,
    b64_encode,
    decode_frame,
    encode_frame,
    frame_for_stream,
    read_frame_text,
)

_HEX: Final = re.compile(r"(?:[0-9a-fA-F]{2})+")

_REFUSALS: Final[Mapping[str, str]] = {
    "length": "el largo no cuadra (una trama mide 13 + N + 8 bytes, entre 21 y 85); revise "
    "que la copió completa, sin bytes de menos ni de más",
    "version": "la versión del protocolo no es 1; la trama no es de Sereno o el equipo que "
    "la envió usa otro firmware",
    "tag": "la etiqueta no coincide; revise que la clave sea la del nodo que envió la trama "
    "(su red y su dirección) y que la trama esté completa y sin cambios",
    "payload": "la trama es auténtica, pero su contenido trae un valor que esta versión no "
    "conoce (tipo de pánico, resultado o estado de alarma); revise el firmware del nodo",
    "unknown": "no hay clave registrada para esa red y dirección; registre el nodo en el "
    "controlador",
    "replay": "el contador ya se había usado: es una trama repetida o una reproducción",
}


class _Refused(click.ClickException):
    exit_code = 1


class _UsageProblem(click.ClickException):
    exit_code = 2


_Callback: TypeAlias = Callable[[click.Context, click.Parameter, Any], Any]


def _option(param: click.Parameter) -> str:
    return param.opts[0] if param.opts else (param.name or "TRAMA").upper()


def _key(ctx: click.Context, param: click.Parameter, value: str | None) -> bytes | None:
    if value is None:
        return None
    text = "".join(value.split()).replace(":", "")
    if not re.fullmatch(r"[0-9a-fA-F]{32}", text):
        raise _UsageProblem(
            "La clave debe tener 32 dígitos hexadecimales (16 bytes): 0-9 y a-f, sin "
            f"prefijo 0x; recibí {len(text)} caracteres. Cópiela completa desde el "
            "registro del nodo en el controlador."
        )
    return bytes.fromhex(text)


def _parse_uint(text: str) -> int | None:
    text = text.strip().replace("_", "")
    try:
        return int(text[2:], 16) if text.lower().startswith("0x") else int(text, 10)
    except ValueError:
        return None


def _uint(maximum: int, hint: str = "") -> _Callback:
    def convert(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
        if value is None:
            return None
        number = _parse_uint(value)
        if number is None:
            raise _UsageProblem(
                f"{_option(param)}: «{value}» no es un número entero; escriba sólo dígitos, "
                "p. ej. 2571 (o en hexadecimal con 0x, p. ej. 0x0A0B)."
            )
        if not 0 <= number <= maximum:
            raise _UsageProblem(
                f"{_option(param)} debe estar entre 0 y {maximum}; recibí {number}."
                + (f" {hint}" if hint else "")
            )
        return number

    return convert


def _word(words: Mapping[str, Any], what: str, *, upper: bool = False) -> _Callback:
    """A choice among words, case-insensitive, ``-`` and ``_`` alike, errors in Spanish."""
    shown = ", ".join(word.upper() if upper else word for word in words)

    def convert(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
        if value is None:
            return None
        key = value.strip().lower().replace("-", "_")
        if key not in words:
            raise _UsageProblem(f"{_option(param)}: «{value}» no es {what}; use uno de: {shown}.")
        return words[key]

    return convert


def _frame_type(ctx: click.Context, param: click.Parameter, value: str) -> int:
    name = value.strip().upper()
    if name in FrameType.__members__:
        return int(FrameType[name])
    number = _parse_uint(value)
    if number is None or not 0 <= number <= 0xFF:
        raise _UsageProblem(
            f"--type: «{value}» no es un tipo de trama; use {', '.join(FrameType.__members__)} "
            "o un número de 0 a 255 (p. ej. 0x10 para una extensión)."
        )
    return number


def _firmware(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    match = re.fullmatch(r"\s*(\d{1,3})\.(\d{1,3})\s*", value)
    if match is None or max(int(match[1]), int(match[2])) > 0xFF:
        raise _UsageProblem(
            "--fw debe ser la versión de firmware como MAYOR.MENOR, p. ej. 1.2 (cada "
            f"parte entre 0 y 255); recibí «{value}»."
        )
    return int(match[1]), int(match[2])


def _hex_bytes(ctx: click.Context, param: click.Parameter, value: str | None) -> bytes | None:
    if value is None:
        return None
    text = "".join(value.split())
    if text and not _HEX.fullmatch(text):
        raise _UsageProblem(
            f"{_option(param)}: «{value}» no es hexadecimal en pares de dígitos (0-9, a-f)."
        )
    return bytes.fromhex(text)


def _words(enum: type[AckResult] | type[AlarmState] | type[PanicKind]) -> dict[str, Any]:
    return {member.name.lower(): member for member in enum}


def describe(frame: Frame, body: Body | None) -> dict[str, Any]:
    """The JSON-ready fields of a decoded frame and its payload."""
    frame_type = frame.frame_type
    fields: dict[str, Any] = {
        "type": frame_type.name if frame_type is not None else f"0x{frame.type:02x}",
        "network": frame.network,
        "src": frame.src,
        "dst": frame.dst,
        "counter": frame.counter,
        "payload": frame.payload.hex(),
    }
    match body:
        case Panic(kind=kind, battery_mv=battery_mv):
            fields.update(kind=kind.name, contact_id=kind.contact_id, battery_mv=battery_mv)
        case Cancel(panic_counter=panic_counter):
            fields["panic_counter"] = panic_counter
        case Heartbeat():
            fields.update(
                battery_mv=body.battery_mv,
                low_battery=body.low_battery,
                tamper=body.tamper,
                external_power=body.external_power,
                fw_major=body.fw_major,
                fw_minor=body.fw_minor,
            )
        case Ack(acked_counter=acked, result=result, alarm_state=state):
            fields.update(acked_counter=acked, result=result.name, alarm_state=state.name)
        case Test() | None:
            pass
    return fields


def refusal_message(error: FrameError) -> str:
    """The Spanish line an installer reads when a frame is refused."""
    explanation = _REFUSALS.get(error.reason, str(error))
    return f"Trama rechazada ({error.reason}): {explanation}."


_KEY_HELP: Final = "Clave del nodo: 32 dígitos hexadecimales."
_TYPE_HELP: Final = "PANIC, CANCEL, HEARTBEAT, TEST, ACK o un número (0x10)."


@click.group()
def frame() -> None:
    """Leer y armar tramas de radio (protocolo Sereno v1)."""


@frame.command()
@click.option("--key", required=True, metavar="CLAVE", callback=_key, help=_KEY_HELP)
@click.option(
    "--as",
    "form",
    metavar="FORMA",
    callback=_word({name: name for name in FRAME_TEXT_FORMS}, "una forma de trama"),
    default=None,
    help="Forma de la trama: hex, base64 o cobs (si se omite, se detecta).",
)
@click.argument("text", metavar="TRAMA")
def decode(key: bytes, form: str | None, text: str) -> None:
    """Muestra los campos de una TRAMA (hex, base64 o COBS en hex) como JSON."""
    try:
        detected, data = read_frame_text(text, form)
    except LinkError:
        wanted = (
            f"en la forma {form}"
            if form
            else "ni como hex, ni como COBS en hex (que termina en 00), ni como base64"
        )
        raise _UsageProblem(
            f"No se pudo leer la trama {wanted}. Cópiela completa desde el registro; hex usa "
            "0-9 y a-f en pares, base64 usa A-Z, a-z, 0-9, + y /."
        ) from None
    try:
        decoded = decode_frame(data, key)
        body = decoded.body()
    except FrameError as exc:
        raise _Refused(refusal_message(exc)) from None
    click.echo(json.dumps({**describe(decoded, body), "form": detected}, ensure_ascii=False))


_U32: Final = 0xFFFF_FFFF
_SIZES: Final[Mapping[FrameType, int]] = {
    body.TYPE: body.SIZE for body in (Panic, Cancel, Heartbeat, Test, Ack)
}
_OPTION_TYPES: Final[Mapping[str, tuple[FrameType, ...]]] = {
    "kind": (FrameType.PANIC,),
    "battery_mv": (FrameType.PANIC, FrameType.HEARTBEAT),
    "cancels": (FrameType.CANCEL,),
    "low_battery": (FrameType.HEARTBEAT,),
    "tamper": (FrameType.HEARTBEAT,),
    "external_power": (FrameType.HEARTBEAT,),
    "fw": (FrameType.HEARTBEAT,),
    "acked": (FrameType.ACK,),
    "result": (FrameType.ACK,),
    "alarm_state": (FrameType.ACK,),
}
_KINDS: Final = ", ".join(kind.name for kind in PanicKind)
_REQUIRED: Final[Mapping[FrameType, tuple[str, str]]] = {
    FrameType.PANIC: ("kind", f"el tipo de pánico: {_KINDS}"),
    FrameType.CANCEL: ("cancels", "el contador del PANIC que se cancela"),
    FrameType.HEARTBEAT: ("fw", "la versión de firmware del nodo, p. ej. 1.2"),
    FrameType.ACK: ("acked", "el contador de la trama que se confirma"),
}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _build_body(frame_type: FrameType, options: Mapping[str, Any]) -> Body:
    required, meaning = _REQUIRED.get(frame_type, ("", ""))
    if required and options[required] is None:
        raise _UsageProblem(f"Para una trama {frame_type.name} falta {_flag(required)}: {meaning}.")
    match frame_type:
        case FrameType.PANIC:
            return Panic(options["kind"], options["battery_mv"])
        case FrameType.CANCEL:
            return Cancel(options["cancels"])
        case FrameType.HEARTBEAT:
            major, minor = options["fw"]
            return Heartbeat(
                options["battery_mv"],
                low_battery=options["low_battery"],
                tamper=options["tamper"],
                external_power=options["external_power"],
                fw_major=major,
                fw_minor=minor,
            )
        case FrameType.TEST:
            return Test()
        case FrameType.ACK:
            return Ack(
                options["acked"],
                options["result"] or AckResult.ACCEPTED,
                options["alarm_state"] or AlarmState.IDLE,
            )


@frame.command()
@click.option("--key", required=True, metavar="CLAVE", callback=_key, help=_KEY_HELP)
@click.option(
    "--type", "type_", required=True, metavar="TIPO", callback=_frame_type, help=_TYPE_HELP
)
@click.option(
    "--network", required=True, metavar="N", callback=_uint(0xFFFF), help="Red del controlador."
)
@click.option(
    "--src",
    required=True,
    metavar="N",
    callback=_uint(BROADCAST - 1, "Un nodo es 1-65534 y el controlador 0."),
    help="Dirección de quien envía.",
)
@click.option(
    "--dst", required=True, metavar="N", callback=_uint(0xFFFF), help="Dirección de destino."
)
@click.option(
    "--counter", required=True, metavar="N", callback=_uint(_U32), help="Contador de la trama."
)
@click.option(
    "--kind",
    metavar="CLASE",
    callback=_word(_words(PanicKind), "un tipo de pánico", upper=True),
    help="PANIC: PANICO, ROBO, INCENDIO, EMERGENCIA_MEDICA o ALERTA_SILENCIOSA.",
)
@click.option(
    "--battery-mv",
    metavar="MV",
    callback=_uint(0xFFFE, "Omita la opción si el nodo va a la red o no mide la batería."),
    help="Batería en milivoltios (PANIC, HEARTBEAT).",
)
@click.option("--cancels", metavar="N", callback=_uint(_U32), help="CANCEL: contador del PANIC.")
@click.option("--low-battery", is_flag=True, help="HEARTBEAT: batería baja.")
@click.option("--tamper", is_flag=True, help="HEARTBEAT: sabotaje (caja abierta).")
@click.option("--external-power", is_flag=True, help="HEARTBEAT: alimentación externa.")
@click.option("--fw", metavar="MAYOR.MENOR", callback=_firmware, help="HEARTBEAT: firmware.")
@click.option("--acked", metavar="N", callback=_uint(_U32), help="ACK: contador confirmado.")
@click.option(
    "--result",
    metavar="RESULTADO",
    callback=_word(_words(AckResult), "un resultado"),
    help="ACK: accepted (por omisión), duplicate o refused.",
)
@click.option(
    "--alarm-state",
    metavar="ESTADO",
    callback=_word(_words(AlarmState), "un estado de alarma"),
    help="ACK: idle (por omisión), sounding o silent_alert.",
)
@click.option(
    "--payload", metavar="HEX", callback=_hex_bytes, help="Contenido en hex (tipos de extensión)."
)
def encode(
    key: bytes, type_: int, network: int, src: int, dst: int, counter: int, **options: Any
) -> None:
    """Arma una trama y la muestra en hex, base64 y COBS (JSON)."""
    frame_type = Frame(type_, network, src, dst, counter).frame_type
    given = [name for name, value in options.items() if value is not None and value is not False]
    payload: bytes | None = options.pop("payload")
    for name in given:
        if name == "payload":
            continue
        if payload is not None:
            raise _UsageProblem(f"--payload no se combina con {_flag(name)}; use uno u otro.")
        if frame_type not in _OPTION_TYPES[name]:
            wanted = " o ".join(t.name for t in _OPTION_TYPES[name])
            this = frame_type.name if frame_type is not None else f"0x{type_:02x}"
            raise _UsageProblem(
                f"{_flag(name)} no corresponde a una trama {this}; sirve para {wanted}."
            )
    if payload is None:
        payload = b"" if frame_type is None else _build_body(frame_type, options).encode()
    elif len(payload) > MAX_PAYLOAD:
        raise _UsageProblem(f"--payload tiene {len(payload)} bytes; el máximo es {MAX_PAYLOAD}.")
    elif frame_type is not None:
        try:
            Frame(type_, network, src, dst, counter, payload).body()
        except FrameError:
            raise _UsageProblem(
                f"--payload no sirve para una trama {frame_type.name}: debe tener "
                f"{_SIZES[frame_type]} bytes con valores válidos; o use las opciones del tipo."
            ) from None
    try:
        data = encode_frame(Frame(type_, network, src, dst, counter, payload), key)
    except EncodeError as exc:
        raise _UsageProblem(f"No se pudo armar la trama: {exc}.") from None
    forms = {"frame": data.hex(), "base64": b64_encode(data), "cobs": frame_for_stream(data).hex()}
    click.echo(json.dumps({**forms, "length": len(data)}, ensure_ascii=False))
