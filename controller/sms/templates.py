"""The SMS texts vecinos receive, in Spanish (es-CL), each one GSM-7 and one segment.

Every text names the kind (``ALERTA ROBO``…), the household (address and label, e.g.
``casa 3``), the emergency number to call and the sender (``Sereno <comuna>``):

- Carabineros 133 for PANICO, ROBO and ALERTA_SILENCIOSA; Bomberos 132 for INCENDIO;
  SAMU 131 for EMERGENCIA_MEDICA.
- ALERTA_SILENCIOSA goes only to the presser's designated contacts. Its text says
  ``AVISO RESERVADO`` rather than ``ALERTA`` (discreet on a lock screen, no siren words) and
  asks them *not to call* the presser, whose ringing phone could give them away.
- A cancelled episode sends ``FALSA ALARMA``; the cancellation of a silent alert does not
  say "todo en orden", because a cancel may be forced: it tells the contact to call 133 if
  in doubt.

How a text is made to fit one GSM-7 segment (160 septets), in this order:

1. Every field is transliterated with :func:`~controller.sms.gsm7.to_gsm7` (``á`` → ``a``,
   emoji → ``?``), whitespace runs become one space.
2. The municipality keeps at most :data:`MAX_MUNICIPALITY` septets and the household
   label at most :data:`MAX_HOUSEHOLD` (labels are short by nature: ``casa 3``, ``depto 402``).
3. If the text is still too long, the address is shortened, then (only if that is not
   enough) the household label. A field is shortened by cutting at the last space that fits
   and appending ``...``; it is never cut inside a word, so never inside a house number.
   The address keeps at least :data:`MIN_ADDRESS` septets and the label
   :data:`MIN_HOUSEHOLD`; the fixed wording is checked at import to leave room for both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from controller.sms.gsm7 import GSM7_SINGLE, septet_count, to_gsm7, truncate_septets
from protocol.frame import PanicKind

MAX_MUNICIPALITY: Final = 20
MAX_HOUSEHOLD: Final = 24
MIN_ADDRESS: Final = 30
MIN_HOUSEHOLD: Final = 12
ELLIPSIS: Final = "..."


@dataclass(frozen=True, slots=True)
class KindWording:
    """How one kind is named in an SMS and whom to call."""

    label: str
    service: str
    number: str


WORDING: Final[Mapping[PanicKind, KindWording]] = {
    PanicKind.PANICO: KindWording("ALERTA PANICO", "Carabineros", "133"),
    PanicKind.ROBO: KindWording("ALERTA ROBO", "Carabineros", "133"),
    PanicKind.INCENDIO: KindWording("ALERTA INCENDIO", "Bomberos", "132"),
    PanicKind.EMERGENCIA_MEDICA: KindWording("ALERTA EMERGENCIA MEDICA", "SAMU", "131"),
    PanicKind.ALERTA_SILENCIOSA: KindWording("AVISO RESERVADO", "Carabineros", "133"),
}

# Placeholders: {label} {place} {service} {number} {municipality}; {place} is
# "<address> (<household>)", or just the address when the household label is empty.
_ALERT: Final[Mapping[PanicKind, str]] = {
    PanicKind.PANICO: (
        "{label}: {place}. Un vecino pide ayuda. Llame a {service} {number}. Sereno {municipality}"
    ),
    PanicKind.ROBO: "{label}: {place}. Llame a {service} {number}. Sereno {municipality}",
    PanicKind.INCENDIO: "{label}: {place}. Llame a {service} {number}. Sereno {municipality}",
    PanicKind.EMERGENCIA_MEDICA: (
        "{label}: {place}. Llame al {service} {number}. Sereno {municipality}"
    ),
    PanicKind.ALERTA_SILENCIOSA: (
        "{label}: {place} pide ayuda en silencio. No le llame. "
        "Avise a {service} {number}. Sereno {municipality}"
    ),
}
_CANCELLED: Final = (
    "FALSA ALARMA: se cancela {label} en {place}. Todo en orden. Sereno {municipality}"
)
_CANCELLED_SILENT: Final = (
    "{label} anulado: {place}. Si duda, avise a {service} {number}. Sereno {municipality}"
)

_SPACES = re.compile(r"\s+")


def _clean(text: str) -> str:
    return _SPACES.sub(" ", to_gsm7(text)).strip()


def shorten(text: str, limit: int) -> str:
    """``text`` (GSM-7) in at most ``limit`` septets: cut at a space, then ``...``."""
    if septet_count(text) <= limit:
        return text
    head = truncate_septets(text, max(limit - len(ELLIPSIS), 0))
    if " " in head and not text[len(head)].isspace():
        head = head[: head.rindex(" ")]  # drop the partial word
    return head.rstrip(" ,;:-.") + ELLIPSIS


def _fit(build: Callable[[str, str], str], address: str, household: str) -> str:
    text = build(address, household)
    excess = septet_count(text) - GSM7_SINGLE
    if excess > 0:
        budget = max(septet_count(address) - excess, MIN_ADDRESS)
        address = shorten(address, budget)
        excess = septet_count(build(address, household)) - GSM7_SINGLE
    if excess > 0:
        budget = max(septet_count(household) - excess, MIN_HOUSEHOLD)
        household = shorten(household, budget)
        text = build(address, household)
    else:
        text = build(address, household)
    if septet_count(text) > GSM7_SINGLE:  # pragma: no cover - ruled out by _check_room()
        raise AssertionError(f"SMS template does not fit one segment: {text!r}")
    return text


def _render(template: str, kind: PanicKind, household: str, address: str, municipality: str) -> str:
    wording = WORDING[kind]
    town = shorten(_clean(municipality), MAX_MUNICIPALITY)

    def build(addr: str, house: str) -> str:
        place = f"{addr} ({house})" if house else addr
        return template.format(
            label=wording.label,
            place=place,
            service=wording.service,
            number=wording.number,
            municipality=town,
        )

    return _fit(build, _clean(address), shorten(_clean(household), MAX_HOUSEHOLD))


def render(kind: PanicKind, household: str, address: str, municipality: str) -> str:
    """The alert SMS for one episode of ``kind``: GSM-7, one segment, names the kind."""
    return _render(_ALERT[PanicKind(kind)], PanicKind(kind), household, address, municipality)


def render_cancelled(kind: PanicKind, household: str, address: str, municipality: str) -> str:
    """The "falsa alarma" SMS sent when an episode of ``kind`` is cancelled by its presser."""
    kind = PanicKind(kind)
    template = _CANCELLED_SILENT if kind is PanicKind.ALERTA_SILENCIOSA else _CANCELLED
    return _render(template, kind, household, address, municipality)


def _check_room() -> None:
    """Every template leaves room for the minimum address and household label."""
    longest_town = "x" * MAX_MUNICIPALITY
    templates = [*_ALERT.items()]
    templates += [(kind, _CANCELLED) for kind in PanicKind]
    templates += [(PanicKind.ALERTA_SILENCIOSA, _CANCELLED_SILENT)]
    for kind, template in templates:
        wording = WORDING[kind]
        place = f"{'a' * (MIN_ADDRESS)} ({'h' * MIN_HOUSEHOLD})"
        text = template.format(
            label=wording.label,
            place=place,
            service=wording.service,
            number=wording.number,
            municipality=longest_town,
        )
        if septet_count(text) > GSM7_SINGLE or to_gsm7(text) != text:
            raise AssertionError(f"template for {kind.name} leaves no room: {template!r}")


_check_room()
