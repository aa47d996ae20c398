"""Small SQL helpers the store and its record families share: what an id reference means, LIKE
escaping, and rows read as typed records."""

import sqlite3
from collections.abc import Callable, Sequence
from typing import TypeVar

R = TypeVar("R")


def as_id(ref: str) -> int | None:
    """The record id a reference like `12` or `#12` means; None for anything else (or too big)."""
    text = ref.strip().removeprefix("#")
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def escape_like(text: str) -> str:
    """`text` matched literally by `LIKE ? ESCAPE '\\'`."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fetch_records(conn: sqlite3.Connection, record: Callable[..., R], sql: str, args: Sequence = ()) -> list[R]:
    """Each row of `sql` as `record(*columns)`, from plain tuples (no sqlite3.Row in between)."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return [record(*row) for row in cursor.execute(sql, args)]


def where(*conditions: tuple[str, object]) -> tuple[str, list]:
    """`" AND cond"` for each condition whose value is not None, with its arguments (a tuple value
    fills several `?`): a listing's optional filters, written once."""
    sql, args = "", []
    for cond, value in conditions:
        if value is not None:
            sql += f" AND {cond}"
            args.extend(value if isinstance(value, tuple) else (value,))
    return sql, args


def under(column: str, place: object) -> tuple[str, tuple | None]:
    """The condition that `column` holds the path of `place` (a row with a path) or one below it;
    no condition (None) when no place was given."""
    if place is None:
        return "", None
    path = place["path"]  # type: ignore[index]
    return f"({column} = ? OR {column} LIKE ? ESCAPE '\\')", (path, escape_like(path) + "/%")
