"""Small SQL helpers the store, its tables and its queries share: what an id reference means, LIKE
escaping, optional filters, the conditions of a period of days and of moments on them, and whether a
record was voided after a report's moment."""


def as_id(ref: str) -> int | None:
    """The record id a reference like `12` or `#12` means; None for anything else (or too big)."""
    text = ref.strip().removeprefix("#")
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def escape_like(text: str) -> str:
    """`text` matched literally by `LIKE ? ESCAPE '\\'`."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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


def period(column: str, since: str | None, until: str) -> tuple[str, list]:
    """The condition that the day in `column` lies in [since, until] (since None: from the beginning)."""
    if since is None:
        return f"{column} <= ?", [until]
    return f"{column} BETWEEN ? AND ?", [since, until]


def moments(column: str, since: str | None, until: str) -> tuple[str, list]:
    """Moments on the period's days (by their local date), plus the same bounds on the moment itself,
    which its index can serve: every moment starts with its date, so '2024-07-31T09:00:00+08:00'
    lies between '2024-07-01' and '2024-07-31~'."""
    when, args = period(f"substr({column}, 1, 10)", since, until)
    if since is None:
        return f"{when} AND {column} <= ?", [*args, until + "~"]
    return f"{when} AND {column} BETWEEN ? AND ?", [*args, since, until + "~"]


# Every record table a report reads (a void after its moment found by the voided rows' index where the table
# grows with the years, else by reading the voided rows).
VOIDABLE = ("activities", "visits", "issues", "issue_events", "teams", "members", "memberships", "places",
            "residents", "cards", "wishes")


def void_moment(as_of: str) -> str:
    """A report's moment as void_at holds moments (UTC, to the microsecond)."""
    import datetime as dt

    from huidesk.domain.dates import stamp

    return stamp(dt.datetime.fromisoformat(as_of))


def voided_since(read, as_of: str | None) -> str | None:
    """A report's moment as void_at holds moments (UTC), when some record was voided after it (so that the
    report, as of then, still counts it); else None."""
    if as_of is None:
        return None
    moment = void_moment(as_of)
    probe = " OR ".join(f"EXISTS (SELECT 1 FROM {t} WHERE void_reason IS NOT NULL AND void_at > ?)" for t in VOIDABLE)
    return moment if read.value(f"SELECT {probe}", [moment] * len(VOIDABLE)) else None
