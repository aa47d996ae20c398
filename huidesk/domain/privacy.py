"""Masking of personal information (PIPL): 王*兰, 138****0000, and the one rule of whose details are masked."""

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


# Whose details are masked wherever a record is shown or leaves the ledger (listings, reports, exports, the web
# desk, errors), unless --with-pii: a detail of each kind of person and the mask it takes. Residents are the
# subjects of the PIPL: their names, phones and guardians masked. Members are volunteers who sign certificates
# and are named in the paper: their names in full, their phones masked.
MASKED: dict[str, dict[str, str]] = {
    "resident": {"name": "name", "phone": "phone", "guardian": "name"},
    "member": {"phone": "phone"},
}


def masked_as(person: str, detail: str) -> str | None:
    """How a `person`'s (resident, member) `detail` (name, phone, guardian) is masked: "name", "phone" or None
    when it is shown as it is."""
    return MASKED[person].get(detail)


def mask(kind: str, value: str | None) -> str | None:
    """`value` masked as a `kind` ("name", "phone") of detail is."""
    return mask_phone(value) if kind == "phone" else mask_name(value)


def shown(person: str, detail: str, value: str | None, with_pii: bool = False) -> str | None:
    """A `person`'s `detail` as it is shown: masked by the rule above unless `with_pii`."""
    kind = masked_as(person, detail)
    return value if with_pii or kind is None else mask(kind, value)


def shown_row(person: str, row: dict, with_pii: bool = False) -> dict:
    """A row of a `person`'s (resident, member) details with each one the rule masks masked unless `with_pii`."""
    if not with_pii:
        for detail, kind in MASKED[person].items():
            if row.get(detail):
                row[detail] = mask(kind, row[detail])
    return row


# A resident identity card number (18 characters, the last a digit or X) or an old 15-digit one.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def mask_id(number: str) -> str:
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


class Redactor:
    """Free text as it leaves the ledger pseudonymous: the ledger's own residents' names (two characters
    or more) masked wherever they appear, and every phone and ID number masked. Names are found by
    looking up each position's next few characters, longest name first (王玉兰 before 王玉), in a set: a
    district's 30,000 names as one regular expression took 0.3 s to compile and 8 µs a text to run."""

    def __init__(self, names: "set[str]") -> None:
        self._names = frozenset(n for n in names if len(n) >= 2)
        self._lengths = sorted({len(n) for n in self._names}, reverse=True)
        self._seen: dict[str, str] = {}  # free text repeats (需联系家属): each text redacted once

    def __call__(self, text: str | None) -> str | None:
        if not text:
            return text
        done = self._seen.get(text)
        if done is None:
            if len(self._seen) >= 100_000:  # a province's issue texts are mostly their own: bounded
                self._seen.clear()
            done = self._seen[text] = mask_phones_in(_ID_IN_TEXT.sub(lambda m: mask_id(m[0]), self._masked(text)))
        return done

    def _masked(self, text: str) -> str:
        if not self._names:
            return text
        out, at, size = [], 0, len(text)
        while at < size:
            for length in self._lengths:
                word = text[at:at + length]
                if len(word) == length and word in self._names:
                    out.append(mask_name(word) or "")
                    at += length
                    break
            else:
                out.append(text[at])
                at += 1
        return "".join(out)
