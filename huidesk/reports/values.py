"""What every report value shares: frozen dataclasses that know their JSON shape.

A report returns frozen, typed values; huidesk/render draws them. JSON is for programs and its keys are a
public interface, so each value says how it is written: its fields in order, each under its own name (or
the `key` its metadata names), a field made by `optional()` left out while it is None, a mapping made by
`spread(prefix)` written as prefixed keys of the value itself (a tally row's `received_<kind>`), dates as
ISO text, tuples as arrays. A value whose JSON is none of these overrides `to_json`.
"""

import datetime as dt
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal
from typing import Any

# A field's metadata: left out of the JSON while None (a ledger that merged nothing has no `sources`).
OMIT_NONE = {"omit_none": True}


def optional() -> Any:
    """A field that JSON leaves out while it is None."""
    return field(metadata=OMIT_NONE)


def spread(prefix: str) -> Any:
    """A mapping field that JSON writes as keys of the value itself, each prefixed: counts by kind as
    `received_suggestion`, `received_risk`, ... (a sheet's columns are flat)."""
    return field(metadata={"spread": prefix})


class Value:
    """A report value: a frozen dataclass whose JSON is its fields in order (see the module's docstring)."""

    __slots__ = ()

    def to_json(self) -> dict[str, object]:
        found: dict[str, object] = {}
        for name, key, omit, prefix in _layout(type(self)):
            value = getattr(self, name)
            if prefix is not None:
                found.update((prefix + k, shape(v)) for k, v in value.items())
            elif value is not None or not omit:
                found[key] = shape(value)
        return found


_LAYOUTS: dict[type, tuple[tuple[str, str, bool, str | None], ...]] = {}


def _layout(kind: type) -> tuple[tuple[str, str, bool, str | None], ...]:
    """A value class's fields as (attribute, JSON key, left out while None, prefix of a spread mapping),
    worked out once a class."""
    found = _LAYOUTS.get(kind)
    if found is None:
        found = _LAYOUTS[kind] = tuple((f.name, f.metadata.get("key", f.name), bool(f.metadata.get("omit_none")),
                                        f.metadata.get("spread")) for f in fields(kind))
    return found


def shape(value: object) -> object:
    """`value` as JSON's plain data (Decimals stay: the JSON renderer writes them as numbers)."""
    kind = value.__class__
    if value is None or kind in (str, int, float, bool, Decimal):
        return value
    if isinstance(value, Value):
        return value.to_json()
    if kind in (tuple, list):
        return [shape(v) for v in value]  # type: ignore[union-attr]
    if kind is dict:
        return {k: shape(v) for k, v in value.items()}  # type: ignore[union-attr]
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if is_dataclass(value):  # a domain value (figures.Figure): its fields in order
        return {f.name: shape(getattr(value, f.name)) for f in fields(value)}
    return value


@dataclass(frozen=True, slots=True)
class Source(Value):
    """A merged source ledger a report includes, up to its last merged bundle."""

    name: str | None
    place: str | None
    uid: str
    last_entry: int
    head: str
    made_at: str


def sources_of(rows: list[dict]) -> "tuple[Source, ...] | None":
    """The source ledgers the ledger's query found; None on a ledger that merged none."""
    return tuple(Source(**row) for row in rows) or None


@dataclass(frozen=True, slots=True)
class ColumnNote(Value):
    """A column of a report's sheet: its key, its headers and what it counts, in both languages."""

    key: str
    header: str
    header_en: str
    meaning: str
    meaning_en: str
