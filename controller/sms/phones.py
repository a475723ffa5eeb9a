"""Phone numbers of vecinos and their contacts, checked with ``phonenumbers`` and kept as E.164."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from controller.sms.errors import InvalidPhone

_SMS_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


def normalize_phone(text: str, region: str = "CL") -> str:
    """``text`` as an E.164 number able to receive SMS (``+56987654321``), or :class:`InvalidPhone`.

    Accepts the ways people write numbers (``9 8765 4321``, ``+56 9 8765 4321``,
    ``(+56) 987654321``); a number without country code is read in ``region``. Chilean
    numbers must be mobiles (``+56 9 XXXX XXXX``): landlines do not receive SMS.
    Foreign numbers are accepted when ``phonenumbers`` knows them as (possibly) mobile.
    """
    invalid = f"El teléfono '{text}' no es un número válido de Chile; use +56 9 XXXX XXXX"
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        raise InvalidPhone(invalid) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(invalid)
    national = str(number.national_number)
    if number.country_code == 56:
        if not (len(national) == 9 and national.startswith("9")):
            raise InvalidPhone(
                f"El teléfono '{text}' no es un celular: los SMS solo llegan a celulares "
                "(+56 9 XXXX XXXX)"
            )
    elif phonenumbers.number_type(number) not in _SMS_TYPES:
        raise InvalidPhone(f"El teléfono '{text}' no parece un celular; revise el número")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)
