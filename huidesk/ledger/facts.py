"""Tables of facts derived from the records and kept beside them by SQLite triggers, in the same
transaction as any change to the records (a command, an import, a merge, an undo), so that a report
reads one small row where it would derive it from many; `check` derives every row again and names any
difference. A warehouse keeps none: it derives them (DuckDB's joins do that quickly).

- `_issue_facts`, each issue's state, first response, last resolution, the moment of its last live
  event, its transfers and returns, its final and first callback, its minutes to first response
  and to resolution, to its own deadline (`--due`, or the last 延期) and to its first 先行联系, and whether
  it is exempted (核减); with a copy of the issue's own columns a report reads (kind, place, team, …, and
  whether it is live), so that a report's issues are one table read from start to end. The derivation
  has one definition, `columns()`: the triggers run it with no moment (every live event), and a report,
  a listing or `due` as of an earlier moment than an issue's last event runs it with that moment, for
  that issue only (`Reports._states`, `issues.kept_or_derived`). Three more columns SQL cannot derive
  — the minutes from receipt to the end of the issue's response and resolve limits by the settings in
  force now, counted by the Civil Code's rule and the State Council's working days, and whether the
  count is an estimate (huidesk/ledger/deadlines.py) — are left NULL by the triggers and filled by
  Python before every write commits.
- `_visit_homes`, the households each live visit went to, under its team and date: a team's households
  in a period are then read in (team, resident) order instead of deduplicated from a join.
- `_visit_months`, each team's live visits by month: a period's visits are counted from it for its whole
  months, and from the visits for the days of a month it covers in part.
- `_visit_firsts`, each team's households with the day of their first live visit (a row per team and
  resident, kept from `_visit_homes` by triggers of its own): the households of a period with no first day
  (a summary's whole period, every report "as of") are counted from it, a twentieth of the rows.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from huidesk.ledger.issues import issue_columns, joined, live_events, own_deadline

if TYPE_CHECKING:
    from huidesk.ledger.table import Read

# The issue's own columns, copied so that a report reads one table: in the order reports select them
# (queries.ISSUE_SELECT), then whether the issue is live.
ISSUE = ("kind", "place_id", "team_id", "received_at", "nature", "category", "repeat_of")
# The facts derived from its events, in the order columns() gives them: those that depend on the moment.
COLUMNS = ("state", "first_response_at", "resolved_at", "last_at", "transfers", "returns",
           "answer", "satisfaction", "first_answer", "first_satisfaction", "response", "resolve",
           "due_in", "exempt", "contact")
KEPT = (*ISSUE, "live", *COLUMNS)
# Counted by Python from the settings (huidesk/ledger/deadlines.py), after the columns above.
LIMITS = ("respond_within", "resolve_within", "estimated")

TABLE = """CREATE TABLE _issue_facts (
    issue_id           INTEGER PRIMARY KEY,
    kind               TEXT NOT NULL,
    place_id           INTEGER NOT NULL,
    team_id            INTEGER,
    received_at        TEXT NOT NULL,
    nature             TEXT,
    category           TEXT,
    repeat_of          INTEGER,
    live               INTEGER NOT NULL,
    state              TEXT,
    first_response_at  TEXT,
    resolved_at        TEXT,
    last_at            TEXT,
    transfers          INTEGER NOT NULL,
    returns            INTEGER NOT NULL,
    answer             TEXT,
    satisfaction       TEXT,
    first_answer       TEXT,
    first_satisfaction TEXT,
    response           INTEGER,
    resolve            INTEGER,
    due_in             INTEGER,
    exempt             INTEGER NOT NULL,
    contact            INTEGER,
    respond_within     INTEGER,
    resolve_within     INTEGER,
    estimated          INTEGER
) STRICT"""
# The issues whose facts a report as of an earlier moment derives again (their last event is later), and
# those a report of a month or a year reads (received in it).
BY_LAST = "CREATE INDEX _issue_facts_last ON _issue_facts(last_at)"
BY_RECEIVED = "CREATE INDEX _issue_facts_received ON _issue_facts(received_at)"
# The rows whose limits are yet to be counted (every write looks for them before it commits).
UNCOUNTED = "CREATE INDEX _issue_facts_uncounted ON _issue_facts(issue_id) WHERE respond_within IS NULL"


def columns(as_of: str | None = None, voided_after: str | None = None) -> list[tuple[str, str, list]]:
    """The COLUMNS of issue `i` as of a moment (None: every live event): (name, SQL, arguments) each.
    `voided_after`: an event voided after that moment is live (a report as of an earlier moment)."""
    live, largs = live_events(as_of, voided_after)

    def events(name: str, what: str, where: str = "") -> tuple[str, str, list]:
        return name, f"(SELECT {what} FROM issue_events e WHERE e.issue_id = i.id AND {live}{where})", largs

    def callback(name: str, column: str, order: str) -> tuple[str, str, list]:
        return events(name, f"e.{column}", f" AND e.event = 'callback' ORDER BY e.at {order}, e.id {order} LIMIT 1")

    own = issue_columns(as_of, voided_after)
    by_name = {name: (sql, args) for name, sql, args in own}

    def minutes(name: str, moment: str) -> tuple[str, str, list]:  # from received to the moment, whole minutes
        sql, args = by_name[moment]
        return name, f"CAST(round((julianday({sql}) - julianday(i.received_at)) * 1440) AS INTEGER)", args

    contacted = f"(SELECT min(e.at) FROM issue_events e WHERE e.issue_id = i.id AND {live} AND e.event = 'contacted')"

    return [
        *own,
        events("last_at", "max(e.at)"),
        events("transfers", "count(*)", " AND e.event = 'transferred'"),
        events("returns", "count(*)", " AND e.event = 'returned'"),
        callback("answer", "answer", "DESC"),
        callback("satisfaction", "satisfaction", "DESC"),
        callback("first_answer", "answer", "ASC"),
        callback("first_satisfaction", "satisfaction", "ASC"),
        minutes("response", "first_response_at"),
        minutes("resolve", "resolved_at"),
        *((("due_in", f"CAST(round((julianday({sql}) - julianday(i.received_at)) * 1440) AS INTEGER)", args)
           if name == "due_at" else (name, sql, args)) for name, sql, args in own_deadline(as_of, voided_after)),
        ("contact", f"CAST(round((julianday({contacted}) - julianday(i.received_at)) * 1440) AS INTEGER)", largs),
    ]


def derived(as_of: str | None = None) -> tuple[str, list]:
    """columns() as a select list, with its arguments."""
    return joined(columns(as_of))


def _kept() -> str:
    """The select list of a kept row, from issue `i` (as the triggers and check derive it), less the
    limits Python counts."""
    sql, args = derived()
    assert not args
    return f"i.id, {', '.join(f'i.{c}' for c in ISSUE)}, i.void_reason IS NULL,{sql}"


_KEPT_COLUMNS = f"issue_id, {', '.join(KEPT)}"


def _refresh(issue: str) -> str:
    # Deleted and inserted rather than INSERT OR REPLACE: a trigger's conflict clause gives way to its
    # statement's (an INSERT OR IGNORE of events would have left the old row).
    # The limits left NULL: counted again before the write commits (deadlines.py).
    return (f"DELETE FROM _issue_facts WHERE issue_id = {issue};"
            f" INSERT INTO _issue_facts ({_KEPT_COLUMNS}) SELECT {_kept()} FROM issues i WHERE i.id = {issue};")


def _triggers() -> Iterator[str]:
    yield f"CREATE TRIGGER _issue_facts_issue AFTER INSERT ON issues BEGIN {_refresh('NEW.id')} END"
    yield (f"CREATE TRIGGER _issue_facts_edited AFTER UPDATE ON issues BEGIN {_refresh('OLD.id')}"
           f" {_refresh('NEW.id')} END")
    yield "CREATE TRIGGER _issue_facts_gone AFTER DELETE ON issues BEGIN DELETE FROM _issue_facts" \
          " WHERE issue_id = OLD.id; END"
    yield f"CREATE TRIGGER _issue_facts_event AFTER INSERT ON issue_events BEGIN {_refresh('NEW.issue_id')} END"
    yield (f"CREATE TRIGGER _issue_facts_changed AFTER UPDATE ON issue_events BEGIN {_refresh('OLD.issue_id')}"
           f" {_refresh('NEW.issue_id')} END")
    yield f"CREATE TRIGGER _issue_facts_removed AFTER DELETE ON issue_events BEGIN {_refresh('OLD.issue_id')} END"


HOMES = """CREATE TABLE _visit_homes (
    team_id     INTEGER NOT NULL,
    resident_id INTEGER NOT NULL,
    date        TEXT NOT NULL,
    visit_id    INTEGER NOT NULL,
    PRIMARY KEY (team_id, resident_id, date, visit_id)
) WITHOUT ROWID, STRICT"""
# The households of a period in total: a look-up per resident, the first visit found in the period decides.
HOMES_BY_RESIDENT = "CREATE INDEX _visit_homes_resident ON _visit_homes(resident_id, date, team_id)"
# Every live visit's households: what _visit_homes holds (check compares them).
_HOMES_FROM = " FROM visits v JOIN visit_residents vr ON vr.visit_id = v.id WHERE v.void_reason IS NULL"
HOMES_DERIVED = f"SELECT v.team_id, vr.resident_id, v.date, v.id{_HOMES_FROM}"
# A visit's rows are found by their whole key (the visit's team and date with each of its residents).
_GONE = ("DELETE FROM _visit_homes WHERE team_id = OLD.team_id AND date = OLD.date AND visit_id = OLD.id"
         " AND resident_id IN (SELECT resident_id FROM visit_residents WHERE visit_id = OLD.id);")
_HOME_GONE = ("DELETE FROM _visit_homes WHERE visit_id = OLD.visit_id AND resident_id = OLD.resident_id"
              " AND (team_id, date) = (SELECT team_id, date FROM visits WHERE id = OLD.visit_id);")
_HOME = ("INSERT INTO _visit_homes SELECT v.team_id, NEW.resident_id, v.date, v.id FROM visits v"
         " WHERE v.id = NEW.visit_id AND v.void_reason IS NULL;")


_LINKED = f"CREATE TRIGGER _visit_homes_link AFTER INSERT ON visit_residents BEGIN {_HOME} END"


def _home_triggers() -> Iterator[str]:
    yield _LINKED
    yield f"CREATE TRIGGER _visit_homes_unlink AFTER DELETE ON visit_residents BEGIN {_HOME_GONE} END"
    yield f"CREATE TRIGGER _visit_homes_relink AFTER UPDATE ON visit_residents BEGIN {_HOME_GONE} {_HOME} END"
    yield (f"CREATE TRIGGER _visit_homes_visit AFTER UPDATE OF team_id, date, void_reason ON visits BEGIN {_GONE}"
           " INSERT INTO _visit_homes SELECT NEW.team_id, vr.resident_id, NEW.date, NEW.id FROM visit_residents vr"
           " WHERE vr.visit_id = NEW.id AND NEW.void_reason IS NULL; END")
    yield f"CREATE TRIGGER _visit_homes_gone AFTER DELETE ON visits BEGIN {_GONE} END"


MONTHS = """CREATE TABLE _visit_months (
    team_id INTEGER NOT NULL,
    month   TEXT NOT NULL,
    visits  INTEGER NOT NULL,
    PRIMARY KEY (team_id, month)
) WITHOUT ROWID, STRICT"""
# Each team's live visits by month: what _visit_months holds (check compares them).
MONTHS_DERIVED = ("SELECT team_id, substr(date, 1, 7), count(*) FROM visits WHERE void_reason IS NULL"
                  " GROUP BY 1, 2 ORDER BY 1, 2")
_COUNTED = ("INSERT INTO _visit_months VALUES (NEW.team_id, substr(NEW.date, 1, 7), 1)"
            " ON CONFLICT (team_id, month) DO UPDATE SET visits = visits + 1;")
_OLD_MONTH = "team_id = OLD.team_id AND month = substr(OLD.date, 1, 7)"
_UNCOUNTED = (f"UPDATE _visit_months SET visits = visits - 1 WHERE {_OLD_MONTH};"
              f" DELETE FROM _visit_months WHERE {_OLD_MONTH} AND visits = 0;")


_NEW_VISIT = (f"CREATE TRIGGER _visit_months_new AFTER INSERT ON visits WHEN NEW.void_reason IS NULL"
              f" BEGIN {_COUNTED} END")


def _month_triggers() -> Iterator[str]:
    changed = "AFTER UPDATE OF team_id, date, void_reason ON visits"
    yield _NEW_VISIT
    yield f"CREATE TRIGGER _visit_months_was {changed} WHEN OLD.void_reason IS NULL BEGIN {_UNCOUNTED} END"
    yield f"CREATE TRIGGER _visit_months_now {changed} WHEN NEW.void_reason IS NULL BEGIN {_COUNTED} END"
    yield (f"CREATE TRIGGER _visit_months_gone AFTER DELETE ON visits WHEN OLD.void_reason IS NULL"
           f" BEGIN {_UNCOUNTED} END")


def install_visit_months(conn: sqlite3.Connection) -> None:
    """`_visit_months` with its triggers, filled from the records (unless a newer `install` made it)."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = '_visit_months'").fetchone():
        return
    for stmt in (MONTHS, *_month_triggers()):
        conn.execute(stmt)
    conn.execute(f"INSERT INTO _visit_months {MONTHS_DERIVED}")


@contextmanager
def deferred(conn: sqlite3.Connection) -> Iterator[None]:
    """Inside the caller's transaction, for a bulk import of visits: the kept households and months not
    kept visit by visit (a row each in resident order, an upsert each: ~25 s of a million visits) while
    visits are inserted, then made for the visits inserted meanwhile, in key order, before the caller
    commits. The triggers that insertions fire are dropped and made again; an error rolls the caller's
    transaction back, and with it both. Visits are only inserted meanwhile, each with a higher id than
    any before (SQLite's rowids), so the new ones are those above the highest id at the start."""
    top = conn.execute("SELECT coalesce(max(id), 0) FROM visits").fetchone()[0]
    conn.execute("DROP TRIGGER _visit_homes_link")
    conn.execute("DROP TRIGGER _visit_months_new")
    conn.execute("DROP TRIGGER _visit_firsts_home")
    yield
    conn.execute(_LINKED)
    conn.execute(_NEW_VISIT)
    # A team at a time, through the visits' (team, date) index: one sort of a million households, or one
    # grouping of a million visits, holds up to the page cache's size in memory again.
    for (team,) in conn.execute("SELECT DISTINCT team_id FROM visits WHERE id > ? ORDER BY 1", (top,)).fetchall():
        conn.execute(f"INSERT INTO _visit_homes {HOMES_DERIVED} AND v.team_id = ? AND v.id > ? ORDER BY 2, 3, 4",
                     (team, top))
        conn.execute("INSERT INTO _visit_months SELECT team_id, substr(date, 1, 7), count(*) FROM visits"
                     " WHERE void_reason IS NULL AND team_id = ? AND id > ? GROUP BY 2"
                     " ON CONFLICT (team_id, month) DO UPDATE SET visits = visits + excluded.visits", (team, top))
        conn.execute(_FIRSTS_OF.format("v.team_id = ? AND v.id > ?"), (team, top))
    conn.execute(_FIRST)


FIRSTS = """CREATE TABLE _visit_firsts (
    team_id     INTEGER NOT NULL,
    resident_id INTEGER NOT NULL,
    first       TEXT NOT NULL,
    PRIMARY KEY (team_id, resident_id)
) WITHOUT ROWID, STRICT"""
FIRSTS_BY_RESIDENT = "CREATE INDEX _visit_firsts_resident ON _visit_firsts(resident_id, first)"
# Each team's households with the day of their first live visit: what _visit_firsts holds (check compares them).
FIRSTS_DERIVED = f"SELECT v.team_id, vr.resident_id, min(v.date){_HOMES_FROM} GROUP BY 1, 2 ORDER BY 1, 2"
_EARLIER = " ON CONFLICT (team_id, resident_id) DO UPDATE SET first = excluded.first WHERE excluded.first < first"
# The first days of the households of some visits ({}: which), kept where they are earlier than those here.
_FIRSTS_OF = (f"INSERT INTO _visit_firsts SELECT v.team_id, vr.resident_id, min(v.date){_HOMES_FROM} AND {{}}"
              f" GROUP BY 1, 2 ORDER BY 1, 2{_EARLIER}")
_FIRST = ("CREATE TRIGGER _visit_firsts_home AFTER INSERT ON _visit_homes BEGIN INSERT INTO _visit_firsts VALUES"
          f" (NEW.team_id, NEW.resident_id, NEW.date){_EARLIER}; END")
# A household's first visit gone: its next one, if any, is the first.
_NEXT = ("CREATE TRIGGER _visit_firsts_gone AFTER DELETE ON _visit_homes BEGIN DELETE FROM _visit_firsts"
         " WHERE team_id = OLD.team_id AND resident_id = OLD.resident_id AND first = OLD.date;"
         " INSERT OR IGNORE INTO _visit_firsts SELECT team_id, resident_id, min(date) FROM _visit_homes"
         " WHERE team_id = OLD.team_id AND resident_id = OLD.resident_id GROUP BY 1, 2; END")


def install_visit_firsts(conn: sqlite3.Connection) -> None:
    """`_visit_firsts` with its index and triggers, filled from the records (unless a newer `install` made it)."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = '_visit_firsts'").fetchone():
        return
    for stmt in (FIRSTS, FIRSTS_BY_RESIDENT, _FIRST, _NEXT):
        conn.execute(stmt)
    conn.execute(f"INSERT INTO _visit_firsts {FIRSTS_DERIVED}")


@contextmanager
def homes_deferred(conn: sqlite3.Connection) -> Iterator[None]:
    """Inside the caller's write, while it inserts visit residents and nothing else (a merge's): the
    households kept beside the visits (`_visit_homes`, and so `_visit_firsts`) made once for the rows
    inserted meanwhile, in key order, rather than by their trigger a row at a time in resident order (~4 s
    of 100,000 visits' rows). The trigger is dropped meanwhile and made again from its own SQL; an error
    rolls both back with the caller's transaction."""
    made = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = '_visit_homes_link'"
                        ).fetchone()
    if made is None:
        yield
        return
    top = conn.execute("SELECT coalesce(max(id), 0) FROM visit_residents").fetchone()[0]
    conn.execute("DROP TRIGGER _visit_homes_link")
    yield
    conn.execute(made[0])
    conn.execute("DROP TRIGGER _visit_firsts_home")  # the households' first days too: once, not a row at a time
    conn.execute(f"INSERT INTO _visit_homes {HOMES_DERIVED} AND vr.id > ? ORDER BY 1, 2, 3, 4", (top,))
    conn.execute(_FIRSTS_OF.format("vr.id > ?"), (top,))
    conn.execute(_FIRST)


@contextmanager
def issue_facts_deferred(conn: sqlite3.Connection) -> Iterator[None]:
    """Inside the caller's write, while it inserts issues and their events (and updates those it holds): the
    kept facts of each new issue, and of each issue given a new event, made once afterwards rather than by
    the insert triggers at every row (~100 µs an event); updates still keep theirs. As `homes_deferred`."""
    names = ("_issue_facts_issue", "_issue_facts_event")
    made = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?)", names).fetchall()
    if len(made) != len(names):
        yield
        return
    tops = conn.execute("SELECT (SELECT coalesce(max(id), 0) FROM issues),"
                        " (SELECT coalesce(max(id), 0) FROM issue_events)").fetchone()
    for name in names:
        conn.execute(f"DROP TRIGGER {name}")
    yield
    for (sql,) in made:
        conn.execute(sql)
    touched = "SELECT id FROM issues WHERE id > ? UNION SELECT issue_id FROM issue_events WHERE id > ?"
    conn.execute(f"DELETE FROM _issue_facts WHERE issue_id IN ({touched})", tops)
    conn.execute(f"INSERT INTO _issue_facts ({_KEPT_COLUMNS}) SELECT {_kept()} FROM issues i"
                 f" WHERE i.id IN ({touched}) ORDER BY i.id", tops)


def install(conn: sqlite3.Connection) -> None:
    """Create the tables and their triggers, and fill them from the records (inside the caller's
    transaction: a new ledger's schema, or the migration that brings an older one up)."""
    install_issue_facts(conn)
    for stmt in (HOMES, HOMES_BY_RESIDENT, *_home_triggers()):
        conn.execute(stmt)
    conn.execute(f"INSERT INTO _visit_homes {HOMES_DERIVED}")
    install_visit_months(conn)
    install_visit_firsts(conn)


def install_issue_facts(conn: sqlite3.Connection) -> None:
    """`_issue_facts` with its index and triggers, filled from the records; made again from scratch when
    it is there already in an older shape."""
    if not conn.execute("SELECT 1 FROM pragma_table_info('issue_events') WHERE name = 'due_at'").fetchone():
        return  # an older ledger on its way up: the migration that adds an issue's deadlines makes them
    triggers = ("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('issues', 'issue_events')"
                " AND name LIKE '\\_issue\\_facts\\_%' ESCAPE '\\'")
    for (name,) in conn.execute(triggers).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP TABLE IF EXISTS _issue_facts")
    for stmt in (TABLE, BY_LAST, BY_RECEIVED, UNCOUNTED, *_triggers()):
        conn.execute(stmt)
    conn.execute(f"INSERT INTO _issue_facts ({_KEPT_COLUMNS}) SELECT {_kept()} FROM issues i")
    from huidesk.ledger.deadlines import count_limits

    count_limits(conn)


def differences(read: "Read") -> Iterator[tuple[str, str, object, object]]:
    """(where, column, kept, derived) for every kept fact that differs from its derivation from the
    records: `_issue_facts#ID` with the column, or 'row' for a row missing (kept None) or left over
    (derived None); `_visit_homes` rows by visit and resident."""
    kept = read.rows(f"SELECT issue_id, {', '.join(KEPT)} FROM _issue_facts ORDER BY issue_id")
    fresh = read.rows(f"SELECT {_kept()} FROM issues i ORDER BY i.id")
    a, b = next(kept, None), next(fresh, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a[0] < b[0]):
            yield f"_issue_facts#{a[0]}", "row", a[0], None
            a = next(kept, None)
        elif a is None or b[0] < a[0]:
            yield f"_issue_facts#{b[0]}", "row", None, b[0]
            b = next(fresh, None)
        else:
            for column, x, y in zip(KEPT, a[1:], b[1:], strict=True):
                if x != y:
                    yield f"_issue_facts#{a[0]}", column, x, y
            a, b = next(kept, None), next(fresh, None)
    from huidesk.ledger.deadlines import differences as limits

    for issue_id, column, was, now in limits(read):
        yield f"_issue_facts#{issue_id}", column, was, now
    # Every live visit's household found under its key; then, as the kept rows are unique, equal counts
    # mean nothing is left over (the left-over rows are looked for only when the counts differ).
    missing = read.all(f"SELECT v.team_id, vr.resident_id, v.date, v.id{_HOMES_FROM} AND NOT EXISTS (SELECT 1"
                       " FROM _visit_homes h WHERE h.team_id = v.team_id AND h.resident_id = vr.resident_id"
                       " AND h.date = v.date AND h.visit_id = v.id)")
    for team_id, resident_id, date, visit_id in missing:
        yield f"_visit_homes#{visit_id}/{resident_id}", "row", None, (team_id, resident_id, date)
    counts = f"SELECT (SELECT count(*) FROM _visit_homes), (SELECT count(*){_HOMES_FROM})"
    n_kept, n_derived = read.one(counts)
    if n_kept != n_derived - len(missing):
        home = "SELECT team_id, resident_id, date, visit_id FROM _visit_homes"
        for team_id, resident_id, date, visit_id in read.rows(f"{home} EXCEPT {HOMES_DERIVED}"):
            yield f"_visit_homes#{visit_id}/{resident_id}", "row", (team_id, resident_id, date), None
    yield from _keyed(read, "_visit_months", "team_id, month, visits", MONTHS_DERIVED)
    yield from _keyed(read, "_visit_firsts", "team_id, resident_id, first", FIRSTS_DERIVED)


def _keyed(read: "Read", table: str, columns: str, derived: str) -> Iterator[tuple[str, str, object, object]]:
    """differences() of a kept table of `columns` (two of its key, then its value) against `derived`."""
    kept = {(a, b): value for a, b, value in read.rows(f"SELECT {columns} FROM {table}")}
    column = columns.rsplit(", ", 1)[1]
    for a, b, value in read.rows(derived):
        was = kept.pop((a, b), None)
        if was != value:
            yield f"{table}#{a}/{b}", "row" if was is None else column, was, value
    for (a, b), value in sorted(kept.items()):
        yield f"{table}#{a}/{b}", "row", value, None
