"""Each issue's derived facts kept as a table beside its events: state, first response, last
resolution, the moment of its last live event, its transfers and returns, and its final and first
callback. SQLite triggers refresh an issue's row in the same transaction as any change to the issue
or its events (a command, an import, a merge, an undo), so reports read one small row per issue
instead of deriving it from the events; `check` derives every row again and names any difference.

The derivation has one definition, `derived()`: the triggers run it with no moment (every live event),
and a report as of an earlier moment than an issue's last event runs it with that moment, for that
issue only (`Reports._states`). A warehouse has no such table: it derives every issue (DuckDB's
joins do that quickly)."""

import sqlite3
from collections.abc import Iterator

from huidesk.ledger.issues import issue_columns, joined, live_events

# The table's columns after issue_id, in the order derived() gives them.
COLUMNS = ("state", "first_response_at", "resolved_at", "last_at", "transfers", "returns",
           "answer", "satisfaction", "first_answer", "first_satisfaction")

TABLE = """CREATE TABLE _issue_facts (
    issue_id           INTEGER PRIMARY KEY,
    state              TEXT,
    first_response_at  TEXT,
    resolved_at        TEXT,
    last_at            TEXT,
    transfers          INTEGER NOT NULL,
    returns            INTEGER NOT NULL,
    answer             TEXT,
    satisfaction       TEXT,
    first_answer       TEXT,
    first_satisfaction TEXT
) STRICT"""


def columns(as_of: str | None = None) -> list[tuple[str, str, list]]:
    """The COLUMNS of issue `i` as of a moment (None: every live event): (name, SQL, arguments) each."""
    live, largs = live_events(as_of)

    def events(name: str, what: str, where: str = "") -> tuple[str, str, list]:
        return name, f"(SELECT {what} FROM issue_events e WHERE e.issue_id = i.id AND {live}{where})", largs

    def callback(name: str, column: str, order: str) -> tuple[str, str, list]:
        return events(name, f"e.{column}", f" AND e.event = 'callback' ORDER BY e.at {order}, e.id {order} LIMIT 1")

    return [
        *issue_columns(as_of),
        events("last_at", "max(e.at)"),
        events("transfers", "count(*)", " AND e.event = 'transferred'"),
        events("returns", "count(*)", " AND e.event = 'returned'"),
        callback("answer", "answer", "DESC"),
        callback("satisfaction", "satisfaction", "DESC"),
        callback("first_answer", "answer", "ASC"),
        callback("first_satisfaction", "satisfaction", "ASC"),
    ]


def derived(as_of: str | None = None) -> tuple[str, list]:
    """columns() as a select list, with its arguments."""
    return joined(columns(as_of))


def kept_or_derived(as_of: str) -> tuple[str, list]:
    """The select list reading an issue's kept facts (`f`, _issue_facts), or deriving each from its
    events as of `as_of` when it has an event after that moment: the subqueries run for those only."""
    found = columns(as_of)
    return (",".join(f" CASE WHEN f.last_at > ? THEN {sql} ELSE f.{name} END AS {name}" for name, sql, _ in found),
            [a for _, _, args in found for a in (as_of, *args)])


def _refresh(issue: str) -> str:
    sql, args = derived()
    assert not args
    # Deleted and inserted rather than INSERT OR REPLACE: a trigger's conflict clause gives way to its
    # statement's (an INSERT OR IGNORE of events would have left the old row).
    return (f"DELETE FROM _issue_facts WHERE issue_id = {issue};"
            f" INSERT INTO _issue_facts SELECT i.id,{sql} FROM issues i WHERE i.id = {issue};")


def _triggers() -> Iterator[str]:
    yield f"CREATE TRIGGER _issue_facts_issue AFTER INSERT ON issues BEGIN {_refresh('NEW.id')} END"
    yield "CREATE TRIGGER _issue_facts_gone AFTER DELETE ON issues BEGIN DELETE FROM _issue_facts" \
          " WHERE issue_id = OLD.id; END"
    yield f"CREATE TRIGGER _issue_facts_event AFTER INSERT ON issue_events BEGIN {_refresh('NEW.issue_id')} END"
    yield (f"CREATE TRIGGER _issue_facts_changed AFTER UPDATE ON issue_events BEGIN {_refresh('OLD.issue_id')}"
           f" {_refresh('NEW.issue_id')} END")
    yield f"CREATE TRIGGER _issue_facts_removed AFTER DELETE ON issue_events BEGIN {_refresh('OLD.issue_id')} END"


def install(conn: sqlite3.Connection) -> None:
    """Create the table, its index and triggers, and fill it from the records (inside the caller's
    transaction: a new ledger's schema, or the migration that brings an older one up)."""
    for stmt in (TABLE, *_triggers()):
        conn.execute(stmt)
    sql, _ = derived()
    conn.execute(f"INSERT INTO _issue_facts SELECT i.id,{sql} FROM issues i")


def differences(conn: sqlite3.Connection) -> Iterator[tuple[int, str, object, object]]:
    """(issue id, column, kept, derived) for every fact that differs from its derivation from the
    records, and (id, 'issue_id', …) for a row missing or left over; in issue order."""
    sql, _ = derived()
    names = ", ".join(COLUMNS)
    kept = conn.execute(f"SELECT issue_id, {names} FROM _issue_facts ORDER BY issue_id")
    fresh = conn.execute(f"SELECT i.id,{sql} FROM issues i ORDER BY i.id")
    a, b = next(kept, None), next(fresh, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a[0] < b[0]):
            yield a[0], "issue_id", a[0], None
            a = next(kept, None)
        elif a is None or b[0] < a[0]:
            yield b[0], "issue_id", None, b[0]
            b = next(fresh, None)
        else:
            for column, x, y in zip(COLUMNS, a[1:], b[1:], strict=True):
                if x != y:
                    yield a[0], column, x, y
            a, b = next(kept, None), next(fresh, None)
