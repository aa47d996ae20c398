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


# A resident identity card number (18 characters, the last a digit or X) or an old 15-digit one.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def mask_id(number: str) -> str:
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


class Redactor:
    """Free text as it leaves the ledger pseudonymous: the ledger's own residents' names (two characters
    or more) masked wherever they appear, and every phone and ID number masked."""

    def __init__(self, names: "set[str]") -> None:
        kept = sorted((n for n in names if len(n) >= 2), key=len, reverse=True)  # 王玉兰 before 王玉
        self._names = re.compile("|".join(map(re.escape, kept))) if kept else None

    def __call__(self, text: str | None) -> str | None:
        if not text:
            return text
        if self._names is not None:
            text = self._names.sub(lambda m: mask_name(m[0]) or "", text)
        text = _ID_IN_TEXT.sub(lambda m: mask_id(m[0]), text)
        return mask_phones_in(text)
