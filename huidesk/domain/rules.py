"""A visit checked without importing pydantic, and the rules it shares with the pydantic models.

pydantic validates every record at the store boundary (models.py), but importing it is half of what
`huidesk visit add` spends as a process (~90 ms of ~210 ms), more than the whole of `sqlite-utils insert`'s
margin over Python's own start-up. `visit(**values)` decides the one visit a command records the way
`VisitIn.of` does — the same fields, the same rules (the custom ones are defined here and used by the
model; pydantic's own, stripping, lengths, bounds and types, are mirrored and proven equal by
tests/test_startup.py on random inputs) — and gives the same values and the same row. Whatever it does not
accept, a bad value, a value of another type than a command passes, a field it does not know, goes to
`VisitIn.of`, which then accepts it or words the refusal: a refusal is pydantic's whichever path met the
record first, so every bad field is still reported at once, in the same words.
"""

import re
from dataclasses import dataclass

from huidesk.domain.i18n import tr

# What pydantic's str_strip_whitespace strips from both ends (Rust's `str::trim`: the Unicode White_Space
# property). Python's own str.strip() also strips U+001C-U+001F, which pydantic keeps (and then refuses).
WHITE_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
              "\u2028\u2029\u202f\u205f\u3000"
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_MINUTES = 24 * 60  # a visiting member's time, as models.Minutes bounds it


def printable(text: str) -> str:
    """The text, refused when it holds control characters (a pasted terminal sequence, a stray NUL)."""
    if not text.isprintable():
        raise ValueError(tr("含有控制字符", "holds control characters"))
    return text


def after_today(day: str | None, today: str | None) -> bool:
    """Whether a day of work done lies after today (a typing mistake, not a plan); ISO days compare as text."""
    return day is not None and bool(today) and day > today


def after_today_reason(today: str) -> str:
    return tr(f"晚于今天（{today}）", f"after today ({today})")


@dataclass(frozen=True)
class CheckedVisit:
    """A visit accepted by `visit()`: the values and the row `VisitIn` gives for the same input."""

    team_id: int
    date: str
    purpose: str | None = None
    gifts: tuple[str, ...] = ()
    note: str | None = None
    follow_up: bool = False
    minutes_each: int | None = None
    member_ids: tuple[int, ...] = ()
    today: str = "9999-12-31"

    def row(self) -> dict[str, object]:
        """VisitIn.row(): the columns in the model's field order, gifts joined by 、, today left out."""
        return {"team_id": self.team_id, "date": self.date, "purpose": self.purpose, "note": self.note,
                "follow_up": self.follow_up, "minutes_each": self.minutes_each,
                "gifts": "、".join(self.gifts) or None}


# VisitIn's fields, and the length bounds of its text fields (tests/test_startup.py reads them off the model).
VISIT_FIELDS = frozenset(CheckedVisit.__dataclass_fields__)
VISIT_TEXT = {"purpose": (1, 200), "gifts": (1, 200), "note": (1, 2000)}


def visit(**values: object):
    """The visit these values describe: a CheckedVisit, or what `VisitIn.of` makes of them (its refusal)."""
    checked = _visit(values)
    if checked is not None:
        return checked
    from huidesk.domain.models import VisitIn

    return VisitIn.of(**values)


def _visit(values: dict) -> CheckedVisit | None:
    """The visit, when every value is of the plain type a command passes and keeps every rule; else None."""
    if not VISIT_FIELDS >= values.keys() or "team_id" not in values or "date" not in values:
        return None
    today = _stripped(values.get("today", CheckedVisit.today))
    day = _stripped(values["date"])
    team_id, follow_up = values["team_id"], values.get("follow_up", False)
    if today is None or day is None or after_today(day, today) or type(team_id) is not int \
            or type(follow_up) is not bool:
        return None
    purpose, note = values.get("purpose"), values.get("note")
    if purpose is not None and (purpose := _text(purpose, *VISIT_TEXT["purpose"])) is None:
        return None
    if note is not None and (note := _text(note, *VISIT_TEXT["note"])) is None:
        return None
    gifts = values.get("gifts", ())
    if type(gifts) is not tuple:
        return None
    gifts = tuple(_text(gift, *VISIT_TEXT["gifts"]) for gift in gifts)
    if None in gifts:
        return None
    members = values.get("member_ids", ())
    if type(members) is not tuple or any(type(m) is not int for m in members):
        return None
    given, minutes = _minutes(values.get("minutes_each"))
    if minutes is None and given or minutes is not None and not members:  # no one to credit: the model says so
        return None
    return CheckedVisit(team_id=team_id, date=day, purpose=purpose, gifts=gifts, note=note, follow_up=follow_up,
                        minutes_each=minutes, member_ids=members, today=today)


def _stripped(value: object) -> str | None:
    """A str as the model keeps it, stripped; None for anything else or a text pydantic cannot read (a lone
    surrogate, which is how Python carries argv's undecodable bytes)."""
    if type(value) is not str or not value.isascii() and _SURROGATE.search(value):
        return None
    return value.strip(WHITE_SPACE)


def _text(value: object, least: int, most: int) -> str | None:
    """A text field as the model's `_text(most)` makes it: stripped, least..most characters, printable."""
    text = _stripped(value)
    if text is None or not least <= len(text) <= most or not text.isprintable():
        return None
    return text


def _minutes(value: object) -> tuple[bool, int | None]:
    """Whether --hours was given, and its whole minutes (None when given but not accepted here)."""
    if value is None:
        return False, None
    if type(value) is str:  # as models._minutes reads it
        from huidesk.domain.errors import InvalidValue
        from huidesk.domain.hours import parse_hours

        try:
            value = parse_hours(value)
        except InvalidValue:
            return True, None
    return True, value if type(value) is int and 0 <= value <= MAX_MINUTES else None
