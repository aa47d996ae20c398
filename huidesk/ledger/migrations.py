"""Named, atomic schema migrations, applied when the store opens an older ledger.

A new ledger is made from data/schema.sql and every migration is marked applied; an older ledger
gets the pending ones, all inside one ``BEGIN IMMEDIATE`` transaction (sqlite-utils runs each in a
savepoint with its record row), so two processes opening it at once cannot both migrate.
To change the schema: edit data/schema.sql, add a function here that brings an older ledger to
the same shape, and bump ``schema.SCHEMA_VERSION``.
"""

import sqlite3

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("huidesk")


@MIGRATIONS(name="federation_bundles_sources_and_provenance")
def federation_bundles_sources_and_provenance(db: Database) -> None:
    """Issue 14: the bundles a ledger made, and the sources, bundles and row provenance of a merge."""
    for stmt in _FEDERATION:
        db.execute(stmt)


# As data/schema.sql has them (check compares the two), frozen here as this migration made them.
_FEDERATION = (
    """CREATE TABLE _bundles_made (
    id          INTEGER PRIMARY KEY,
    first_entry INTEGER NOT NULL,
    last_entry  INTEGER NOT NULL,
    head        TEXT NOT NULL,
    made_at     TEXT NOT NULL,
    pii         TEXT NOT NULL CHECK (pii IN ('pseudonymous', 'full'))
) STRICT""",
    """CREATE TABLE _sources (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    place       TEXT NOT NULL
) STRICT""",
    """CREATE TABLE _bundles (
    id          INTEGER PRIMARY KEY,
    source_id   INTEGER NOT NULL REFERENCES _sources(id),
    first_entry INTEGER NOT NULL,
    last_entry  INTEGER NOT NULL,
    head_before TEXT NOT NULL,
    head_after  TEXT NOT NULL,
    made_at     TEXT NOT NULL,
    merged_at   TEXT NOT NULL,
    pii         TEXT NOT NULL CHECK (pii IN ('pseudonymous', 'full')),
    records     INTEGER NOT NULL,
    UNIQUE (source_id, last_entry)
) STRICT""",
    """CREATE TABLE _merged (
    id          INTEGER PRIMARY KEY,
    source_id   INTEGER NOT NULL REFERENCES _sources(id),
    tbl         TEXT NOT NULL,
    source_rid  INTEGER NOT NULL,
    rid         INTEGER NOT NULL,
    UNIQUE (source_id, tbl, source_rid)
) STRICT""",
    "CREATE INDEX _merged_record ON _merged(tbl, rid)",
)


@MIGRATIONS(name="issue_nature_category_repeat_of")
def issue_nature_category_repeat_of(db: Database) -> None:
    """An issue's 诉求性质, category and the issue it repeats (issue 13)."""
    db.execute("ALTER TABLE issues ADD COLUMN nature TEXT"
               " CHECK (nature IN ('help', 'inquiry', 'complaint', 'proposal', 'praise'))")
    db.execute("ALTER TABLE issues ADD COLUMN category TEXT CHECK (length(category) BETWEEN 1 AND 20)")
    db.execute("ALTER TABLE issues ADD COLUMN repeat_of INTEGER REFERENCES issues(id)")
    db.execute("CREATE INDEX issues_repeat_of ON issues(repeat_of)")


@MIGRATIONS(name="member_reg_no_and_visit_minutes")
def member_reg_no_and_visit_minutes(db: Database) -> None:
    """A member's registration number (注册编号) and the volunteer time each visiting member is
    credited with (issue 13, the roster)."""
    db.execute("ALTER TABLE members ADD COLUMN reg_no TEXT CHECK (length(reg_no) BETWEEN 1 AND 50)")
    db.execute("CREATE INDEX members_reg_no ON members(reg_no)")
    db.execute("ALTER TABLE visits ADD COLUMN minutes_each INTEGER CHECK (minutes_each BETWEEN 0 AND 1440)")
    db.execute("CREATE INDEX visits_credited ON visits(date, team_id) WHERE minutes_each IS NOT NULL")


@MIGRATIONS(name="report_covering_indexes")
def report_covering_indexes(db: Database) -> None:
    """Issue 15: the indexes the reports read by also cover the columns they read (a visit's team,
    date and void, an activity's figures, an issue event's kind and answers), so a district's summary
    counts from the indexes instead of reading each row; visit_residents by resident also holds the visit."""
    for name, definition in _COVERING:
        db.execute(f"DROP INDEX {name}")
        db.execute(f"CREATE INDEX {name} ON {definition}")


@MIGRATIONS(name="kept_facts")
def kept_facts(db: Database) -> None:
    """Issue 15: each issue's derived state, times, transfers, returns and callbacks (`_issue_facts`) and
    each live visit's households (`_visit_homes`) kept by triggers (huidesk/ledger/facts.py), filled
    here from the records."""
    from huidesk.ledger import facts

    facts.install(db.conn)


@MIGRATIONS(name="kept_facts_for_reports")
def kept_facts_for_reports(db: Database) -> None:
    """Issue 15: each issue's own columns and its minutes to first response and to resolution kept with
    its facts, so that a report reads one table (`_issue_facts` made again, with an index by last event);
    the kept households by resident; each team's visits by month (`_visit_months`). A ledger migrating
    through `kept_facts` has them already: it installs the kept facts as they are now."""
    from huidesk.ledger import facts

    facts.install_issue_facts(db.conn)
    db.execute(facts.HOMES_BY_RESIDENT.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
    facts.install_visit_months(db.conn)


@MIGRATIONS(name="source_public_keys")
def source_public_keys(db: Database) -> None:
    """Issue 22: the public key each merged source signs its bundles with."""
    db.execute("ALTER TABLE _sources ADD COLUMN public_key TEXT CHECK (length(public_key) = 64)")


@MIGRATIONS(name="api_keys")
def api_keys(db: Database) -> None:
    """Issue 27: the keys Open311 clients post requests with (`huidesk key add`), kept as hashes."""
    for stmt in _API_KEYS:
        db.execute(stmt)


# As data/schema.sql has them, frozen here as this migration made them.
_API_KEYS = (
    """CREATE TABLE _api_keys (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    hash        TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
    prefix      TEXT NOT NULL CHECK (length(prefix) BETWEEN 1 AND 12),
    made_at     TEXT NOT NULL,
    revoked_at  TEXT
) STRICT""",
    "CREATE UNIQUE INDEX _api_keys_live_name ON _api_keys(name) WHERE revoked_at IS NULL",
)


@MIGRATIONS(name="assessment")
def assessment(db: Database) -> None:
    """Issue 25: an issue's own deadline (`--due`); the events 延期 (extended: the amount granted, the deadline
    it sets, who approved it), 核减 (exempted) and 先行联系 (contacted); 举报 as a nature (tip_off); each
    change of a setting with when it was recorded; the records voided, by when; and the kept facts with
    each issue's own deadline, exemption, first contact and its limits counted by the calendar. The CHECKs
    of the nature and of the event only widen (every row meets the new ones), so the tables' definitions
    are rewritten in place, as SQLite's documentation gives for changing a constraint: no rows move."""
    from huidesk.ledger import facts

    db.execute("ALTER TABLE issues ADD COLUMN due_at TEXT CHECK (due_at IS NULL OR julianday(due_at) IS NOT NULL)")
    db.execute("ALTER TABLE issue_events ADD COLUMN due_at TEXT"
               " CHECK (due_at IS NULL OR julianday(due_at) IS NOT NULL)")
    db.execute("ALTER TABLE issue_events ADD COLUMN extension TEXT CHECK (length(extension) BETWEEN 1 AND 20)")
    db.execute("ALTER TABLE issue_events ADD COLUMN approver TEXT CHECK (length(approver) BETWEEN 1 AND 100)")
    _widen(db, "issues", "'proposal', 'praise')", "'proposal', 'praise', 'tip_off')")
    _widen(db, "issue_events", "'closed', 'reopened')",
           "'closed', 'reopened', 'extended', 'exempted',\n                     'contacted')")
    for stmt in _ASSESSMENT:
        db.execute(stmt)
    facts.install_issue_facts(db.conn)


@MIGRATIONS(name="visit_firsts")
def visit_firsts(db: Database) -> None:
    """Issue 28: each team's households with the day of their first live visit (`_visit_firsts`, kept by
    triggers from `_visit_homes`), filled here from the records: a whole period's households are counted
    from a row per household instead of a row per visit."""
    from huidesk.ledger import facts

    facts.install_visit_firsts(db.conn)


def _widen(db: Database, table: str, old: str, new: str) -> None:
    """Rewrite a CHECK of `table` that only widens (SQLite: "Making Other Kinds Of Table Schema Changes")."""
    sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone()[0]
    if sql.count(old) != 1:
        raise RuntimeError(f"{table}: the CHECK to widen is not where it was made ({old})")
    version = db.execute("PRAGMA schema_version").fetchone()[0]
    db.execute("PRAGMA writable_schema = ON")
    try:
        db.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", [sql.replace(old, new), table])
        db.execute(f"PRAGMA schema_version = {version + 1}")
    finally:
        db.execute("PRAGMA writable_schema = OFF")


# As data/schema.sql has them, frozen here as this migration made them.
_ASSESSMENT = (
    "CREATE INDEX issue_events_voided ON issue_events(void_at) WHERE void_reason IS NOT NULL",
    "CREATE INDEX issues_voided ON issues(void_at) WHERE void_reason IS NOT NULL",
    "CREATE INDEX visits_voided ON visits(void_at) WHERE void_reason IS NOT NULL",
    "CREATE INDEX activities_voided ON activities(void_at) WHERE void_reason IS NOT NULL",
    """CREATE TABLE _setting_changes (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    previous    TEXT,
    at          TEXT NOT NULL
) STRICT""",
    "CREATE INDEX _setting_changes_at ON _setting_changes(at)",
)


_COVERING = (
    ("visits_team", "visits(team_id, date, void_reason)"),
    ("visits_date", "visits(date, team_id, void_reason)"),
    ("activities_date", "activities(date, team_id, theme, minutes, served, void_reason)"),
    ("issue_events_issue", "issue_events(issue_id, at, id, event, void_reason, answer, satisfaction)"),
    ("visit_residents_resident", "visit_residents(resident_id, visit_id)"),
)


def migration_names() -> list[str]:
    return [m.name for m in MIGRATIONS._migrations]


def mark_all_applied(conn: sqlite3.Connection) -> None:
    db = Database(conn)
    MIGRATIONS.ensure_migrations_table(db)
    for name in migration_names():
        MIGRATIONS._record_applied(db, name)


def migrate(conn: sqlite3.Connection, version: int) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] != version:
            MIGRATIONS.apply(Database(conn))
            conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def expected_schema() -> dict[tuple[str, str], str | None]:
    """(type, name) → normalised SQL of every table, index, trigger and view a huidesk ledger holds:
    a fresh ledger made in memory from data/schema.sql, brought forward by each migration that
    applies to it (one that schema.sql already includes fails there, and is rolled back)."""
    from huidesk.ledger.schema import schema_objects, schema_sql, statements
    from huidesk.ledger.table import Read

    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for stmt in statements(schema_sql()):
            conn.execute(stmt)
        db = Database(conn)
        if MIGRATIONS._migrations:
            MIGRATIONS.ensure_migrations_table(db)
        for migration in MIGRATIONS._migrations:
            conn.execute("SAVEPOINT migration")
            try:
                migration.fn(db)
            except Exception:
                conn.execute("ROLLBACK TO migration")
            conn.execute("RELEASE migration")
        return schema_objects(Read(conn))
    finally:
        conn.close()
