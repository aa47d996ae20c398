"""Masking of personal information (PIPL): 王*兰, 138****0000."""

import re

# A mainland mobile number (1[3-9] and nine digits) or a landline with its area code (0951-1234567),
# standing alone: not inside a longer number, a hash or a uid.
_PHONE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:1[3-9]\d{9}|0\d{2,3}-\d{7,8})(?![0-9A-Za-z])")


def mask_name(name: str | None) -> str | None:
    if not name:
        return name
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_phones_in(text: str) -> str:
    """Text with every phone number in it masked: what an error may echo from a value typed anywhere."""
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m[0]) or "", text)
