"""Phone numbers as the SMS provider takes them (E.164), checked with Google's libphonenumber
rules (`phonenumbers`) before anything is stored or sent."""

from __future__ import annotations

import phonenumbers


class InvalidPhone(ValueError):
    pass


def e164(number: str) -> str:
    """`number` in E.164 (`+33612345678`); `InvalidPhone` says why it is not a number that can
    receive a message. Only international numbers are taken: a contact has no home country."""
    if not number.startswith("+"):
        raise InvalidPhone("a phone number must be in E.164 form, starting with + and the country")
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone(f"not a phone number: {error}") from error
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone("not a valid phone number for its country")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
