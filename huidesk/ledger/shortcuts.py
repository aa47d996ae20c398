"""Shortcuts: the three places where huidesk does less than the plain way because the plain way costs too
much, each bought for a measured reason and held equal to the plain way by a test. They live together so
that one docstring says what each buys; nothing else in huidesk takes a shortcut.

1. `without_pydantic_plugins()` — pydantic's plugin loader stood in for, before pydantic is imported (by
   the console script's root callback, huidesk/cli.py). The first validator pydantic builds looks for
   plugins among every installed distribution's entry points, and importing importlib.metadata for that
   search was a quarter of what `visit add` spends before it writes (~50 ms). huidesk uses no plugin, so
   the stand-in finds none; any other name a later pydantic imports from the loader is lent by the real
   one, loaded then. Tested by tests/test_speed_paths.py
   `test_the_pydantic_plugin_stand_in_finds_none_and_lends_any_other_name` (no metadata scan; the names
   resolve).

2. `visit(**values)` — the one visit a command records, checked without importing pydantic. pydantic
   validates every record at the store boundary (huidesk/domain/models.py), but importing it is half of
   what `huidesk visit add` spends as a process (~90 ms of ~210 ms), more than the whole of
   `sqlite-utils insert`'s margin over Python's own start-up. `visit` decides the visit the way
   `VisitIn.of` does — the same fields, the same rules (the custom ones in huidesk/domain/rules.py, which
   the model uses too; pydantic's own, stripping, lengths, bounds and types, mirrored here) — and gives
   the same values and the same row. Whatever it does not accept, a bad value, a value of another type
   than a command passes, a field it does not know, goes to `VisitIn.of`, which then accepts it or words
   the refusal: a refusal is pydantic's whichever path met the record first, so every bad field is still
   reported at once, in the same words. Tested by tests/test_startup.py: on random inputs (hypothesis) it
   accepts exactly what the model accepts, with the same row; its fields and bounds are read off the
   model; `visit add` imports no pydantic.

3. `twin(store)` — a second connection reading exactly what the store's reads, so that a report uses two
   cores (sqlite3 lets go of the GIL while SQLite works; `summary` reads its figures on both). Each holds
   a read transaction begun at the same journal head — every write adds an entry, so the same head is the
   same ledger. None when another writer kept moving the head, or when the store's connection is already
   in a transaction. Tested by tests/test_speed_paths.py
   `test_a_twin_reads_the_same_ledger_while_another_process_writes`, and by the summary's golden files
   (the same bytes with one reader or two).
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from huidesk.domain.rules import MAX_MINUTES, after_today

if TYPE_CHECKING:
    from huidesk.ledger.store import Store

# 1. pydantic's plugin loader


def without_pydantic_plugins() -> None:
    """The console script runs without pydantic plugins: the first validator pydantic builds looks for
    them among every installed distribution's entry points, and importing importlib.metadata for that
    search was a quarter of what `visit add` spends before it writes (~50 ms). huidesk uses none, so
    pydantic's loader is replaced by one that finds none, before pydantic is imported."""
    import sys
    import types

    if "pydantic.plugin._loader" not in sys.modules:
        loader = types.ModuleType("pydantic.plugin._loader")
        loader.get_plugins = lambda: ()  # type: ignore[attr-defined]
        loader.__getattr__ = _real_loader_attribute  # type: ignore[attr-defined]  # any other name: the real one's
        sys.modules["pydantic.plugin._loader"] = loader


def _real_loader_attribute(name: str) -> object:
    """A name a later pydantic imports from its plugin loader that the stand-in lacks: the real module's,
    loaded from its file then (so a pydantic that changes its loader still works, only slower)."""
    if name.startswith("__"):  # the import system asks for __path__ and the like: a plain module has none
        raise AttributeError(name)
    import sys

    real = sys.modules.get("pydantic.plugin._real_loader")
    if real is None:  # loaded once, however many names are asked for
        import importlib.util

        import pydantic.plugin

        spec = importlib.util.spec_from_file_location(
            "pydantic.plugin._real_loader", Path(pydantic.plugin.__file__).with_name("_loader.py"))
        if spec is None or spec.loader is None:
            raise AttributeError(name)
        real = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(real)
        sys.modules[spec.name] = real
    return getattr(real, name)


# 2. a visit checked without pydantic

# What pydantic's str_strip_whitespace strips from both ends (Rust's `str::trim`: the Unicode White_Space
# property). Python's own str.strip() also strips U+001C-U+001F, which pydantic keeps (and then refuses).
WHITE_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
              "\u2028\u2029\u202f\u205f\u3000"
_SURROGATE = re.compile("[\ud800-\udfff]")


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


# 3. a second reader at the same state

_HEAD = "SELECT coalesce(max(id), 0) FROM _journal"


@contextmanager
def twin(store: "Store") -> "Iterator[Store | None]":
    """A second store reading exactly what `store` reads (3. above), or None."""
    if store.read.in_transaction:
        yield None
        return
    other = store.reader()
    try:
        for _ in range(3):
            with store.snapshot(), other.snapshot():
                if store.read.value(_HEAD) == other.read.value(_HEAD):
                    yield other
                    return
        yield None
    finally:
        other.close()
