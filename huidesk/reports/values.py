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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from huidesk.ledger.queries import Reports

# A field's metadata: left out of the JSON while None (a ledger that merged nothing has no `sources`).
OMIT_NONE = {"omit_none": True}


def optional() -> Any:
    """A field that JSON leaves out while it is None."""
    return field(metadata=OMIT_NONE)


def spread(prefix: str) -> Any:
    """A mapping field that JSON writes as keys of the value itself, each prefixed: counts by kind as
    `received_suggestion`, `received_risk`, ... (a sheet's columns are flat)."""
    return field(metadata={"spread": prefix})


def value(cls: type) -> type:
    """A report value class (a subclass of Value): a frozen, slotted dataclass whose equality, hash and
    repr are Value's, one for all, where each dataclass would compile its own (~0.3 ms a class when a
    command starts; a summary has twenty)."""
    return dataclass(frozen=True, slots=True, repr=False, eq=False)(cls)


class Value:
    """A report value: a frozen dataclass whose JSON is its fields in order (see the module's docstring),
    equal to another of its class with equal fields."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        get = (_LAYOUTS.get(type(self)) or _layout(type(self))).get
        return get(self) == get(other)

    def __hash__(self) -> int:
        return hash((_LAYOUTS.get(type(self)) or _layout(type(self))).get(self))

    def __repr__(self) -> str:
        layout = _LAYOUTS.get(type(self)) or _layout(type(self))
        shown = ", ".join(f"{name}={v!r}" for name, v in zip(layout.names, layout.get(self)))
        return f"{type(self).__qualname__}({shown})"

    def to_json(self) -> dict[str, object]:
        layout = _LAYOUTS.get(type(self)) or _layout(type(self))
        values = layout.get(self)
        if layout.fields is None:  # every field under its own key: a row of a sheet, most often
            found = dict(zip(layout.keys, values))
            for i in layout.deep:  # only the fields not typed as plain JSON scalars need a look
                value = values[i]
                if value.__class__ not in _PLAIN:
                    found[layout.keys[i]] = shape(value)
            return found
        found = {}
        for (key, omit, prefix), value in zip(layout.fields, values):
            if prefix is not None:
                found.update((prefix + k, shape(v)) for k, v in value.items())
            elif value is not None or not omit:
                found[key] = shape(value)
        return found


# What JSON writes as it is (Decimals too: the JSON renderer writes them as numbers).
_PLAIN = frozenset({str, int, float, bool, Decimal, type(None)})


class _Layout:
    """How a value class is written, worked out once a class: a getter of all its fields at once, their
    JSON keys, which of them may hold more than a plain scalar, and (for a class with `optional()` or
    `spread()` fields) each field's (key, left out while None, prefix of a spread mapping)."""

    __slots__ = ("get", "names", "keys", "deep", "fields")

    def __init__(self, kind: type) -> None:
        from operator import attrgetter

        found = fields(kind)
        names = self.names = tuple(f.name for f in found)
        get = attrgetter(*names)
        self.get = get if len(names) > 1 else (lambda value: (get(value),))
        self.keys = tuple(f.metadata.get("key", f.name) for f in found)
        self.deep = tuple(i for i, f in enumerate(found) if not _plain(f.type))
        special = any(f.metadata.get("omit_none") or f.metadata.get("spread") for f in found)
        self.fields = tuple((key, bool(f.metadata.get("omit_none")), f.metadata.get("spread"))
                            for key, f in zip(self.keys, found)) if special else None


_LAYOUTS: dict[type, _Layout] = {}


def _layout(kind: type) -> _Layout:
    found = _LAYOUTS[kind] = _Layout(kind)
    return found


def _plain(annotation: object) -> bool:
    """Whether a field's type admits only plain JSON scalars (str, int, Decimal, None, ...)."""
    import types

    if annotation in _PLAIN:
        return True
    if isinstance(annotation, types.UnionType):
        return all(_plain(a) for a in annotation.__args__)
    return False


def shape(value: object) -> object:
    """`value` as JSON's plain data (Decimals stay: the JSON renderer writes them as numbers)."""
    kind = value.__class__
    if kind in _PLAIN:
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


@value
class Source(Value):
    """A merged source ledger a report includes, up to its last merged bundle."""

    name: str | None
    place: str | None
    uid: str
    last_entry: int
    head: str
    made_at: str


def sources(r: "Reports") -> "tuple[Source, ...] | None":
    """The merged source ledgers a report includes (its `Reports`: its scope and period), each up to its
    last merged entry; None on a ledger that merged none (its report stays as it was)."""
    return tuple(Source(**row) for row in r.sources()) or None


@value
class ColumnNote(Value):
    """A column of a report's sheet: its key, its headers and what it counts, in both languages."""

    key: str
    header: str
    header_en: str
    meaning: str
    meaning_en: str
