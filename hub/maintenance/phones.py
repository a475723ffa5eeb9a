"""Chilean phone numbers for the waitlist and the técnicos: checked with ``phonenumbers``,
stored as E.164 (``+56987654321``), shown as ``+56 9 8765 4321``.

Accepted: mobiles (``+56 9 XXXX XXXX``) and landlines (``+56 2 XXXX XXXX`` in Santiago,
``+56 AA XXX XXXX`` in regions), with or without ``+56``, spaces, dashes or dots. Refused:
foreign numbers, special-service numbers (600, 800) and numbers outside Chile's plan.
"""

from __future__ import annotations

from typing import Final

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from hub.errors import Invalid

_KINDS: Final = frozenset(
    {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
)
MAX_CHARS: Final = 30
HELP: Final = "Use un celular (+56 9 XXXX XXXX) o un teléfono fijo chileno (+56 2 XXXX XXXX)."


def chilean_phone(text: str, *, field: str = "phone") -> str:
    """``text`` as an E.164 Chilean number; :class:`Invalid` in Spanish otherwise."""
    value = text.strip()
    if not value:
        raise Invalid(f"Escriba un teléfono de contacto. {HELP}", field=field)
    if len(value) > MAX_CHARS:
        raise Invalid(f"El teléfono es demasiado largo. {HELP}", field=field)
    try:
        number = phonenumbers.parse(value, "CL")
    except NumberParseException:
        raise Invalid(f"«{value}» no es un número de teléfono. {HELP}", field=field) from None
    if number.country_code != 56:
        raise Invalid(f"El teléfono debe ser chileno (+56). {HELP}", field=field)
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in _KINDS:
        raise Invalid(f"«{value}» no es un teléfono chileno válido. {HELP}", field=field)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def shown(e164: str) -> str:
    """How people read a stored number: ``+56 9 8765 4321``."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
