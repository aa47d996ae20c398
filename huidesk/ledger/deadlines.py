"""Each issue's limits as the settings in force now count them, kept in `_issue_facts` (facts.py): the
minutes from its receipt to the end of its response limit and of its resolve limit, and which count went
over a year whose working days are an estimate (bits: 1 the response's, 2 the resolve limit's). SQL
cannot count working days (the State Council's calendar is Python's chinese-calendar), so the triggers
that keep the facts leave these NULL and every write counts the rows it left so before it commits
(`Tx.finish`); a change of a limit or of the ledger's own calendar days counts every row again. `check`
counts them all again and names any difference. An issue's own deadline (`--due`, 延期) is a recorded
moment, kept by the triggers (`due_in`).
"""

import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from huidesk.ledger.table import Read

_UNCOUNTED = "SELECT issue_id, received_at, kind, nature FROM _issue_facts WHERE respond_within IS NULL"
_SET = "UPDATE _issue_facts SET respond_within = ?, resolve_within = ?, estimated = ? WHERE issue_id = ?"


def current_settings(rows) -> dict[str, str]:
    """The ledger's settings from its `_settings` rows (key, value), defaults for the rest."""
    from huidesk.ledger.schema import DEFAULT_SETTINGS, LATER_SETTINGS

    return {**DEFAULT_SETTINGS, **LATER_SETTINGS, **{k: v for k, v in rows if k != "ledger_key"}}


def count_limits(conn: sqlite3.Connection, everything: bool = False) -> int:
    """Count the limits of the kept rows that lack them (`everything`: of every row), inside the caller's
    transaction; how many were counted."""
    if everything:
        conn.execute("UPDATE _issue_facts SET respond_within = NULL, resolve_within = NULL, estimated = NULL")
    rows = conn.execute(_UNCOUNTED).fetchall()
    if not rows:
        return 0
    from huidesk.domain.errors import InvalidValue
    from huidesk.domain.lifecycle import deadlines

    try:
        of = deadlines(current_settings(conn.execute("SELECT key, value FROM _settings").fetchall()))
    except InvalidValue:  # a limit an older huidesk stored that the rule refuses: left uncounted, every
        return 0          # report names the setting until `setting set` mends it (and counts them all)
    conn.executemany(_SET, ((*_counted(of, received, kind, nature), issue) for issue, received, kind, nature in rows))
    return len(rows)


def _counted(of, received: str, kind: str, nature: str | None) -> tuple[int, int, int]:
    return of(received, kind, nature)


def differences(read: "Read") -> Iterator[tuple[int, str, object, object]]:
    """(issue id, column, kept, counted now) for every kept limit that differs from its count by the
    settings the ledger holds."""
    from huidesk.domain.errors import InvalidValue
    from huidesk.domain.lifecycle import deadlines

    try:
        of = deadlines(current_settings(read.rows("SELECT key, value FROM _settings")))
    except InvalidValue:
        return  # a stored limit the rule refuses: nothing to count by (the reports name it)
    names = ("respond_within", "resolve_within", "estimated")
    for issue, received, kind, nature, *kept in read.rows(
            f"SELECT issue_id, received_at, kind, nature, {', '.join(names)} FROM _issue_facts ORDER BY issue_id"):
        for name, was, now in zip(names, kept, _counted(of, received, kind, nature), strict=True):
            if was != now:
                yield issue, name, was, now
