"""Phone numbers of vecinos and their contacts, checked with ``phonenumbers`` and kept as E.164.

``phonenumbers`` is imported by the functions that use it, not with this module: it costs a
running controller about 1 MB (58 modules) and the controller only needs it when a vecino
is added (``sereno controller add-vecino``), not to send or receive anything.
"""

from __future__ import annotations

from controller.sms.errors import InvalidPhone


def normalize_phone(text: str, region: str = "CL") -> str:
    """``text`` as an E.164 number able to receive SMS (``+56987654321``), or :class:`InvalidPhone`.

    Accepts the ways people write numbers (``9 8765 4321``, ``+56 9 8765 4321``,
    ``(+56) 987654321``); a number without country code is read in ``region``. Chilean
    numbers must be mobiles (``+56 9 XXXX XXXX``): landlines do not receive SMS.
    Foreign numbers are accepted when ``phonenumbers`` knows them as (possibly) mobile.
    """
    import phonenumbers  # here, not at the top: see the module docstring
    from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

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
    elif phonenumbers.number_type(number) not in (
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise InvalidPhone(f"El teléfono '{text}' no parece un celular; revise el número")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)
