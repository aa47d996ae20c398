"""What a ledger's partitions of the warehouse hold (huidesk/ledger/warehouse.py writes them): the tables,
which of them are written year by year, the kept facts written beside the records, each table's schema,
the rows of each partition as columns, and which partitions the journal since a dataset's head says a
run must read again.
"""

import operator
from collections import Counter
from collections.abc import Iterator, Sequence
from itertools import compress, repeat
from operator import itemgetter
from typing import TYPE_CHECKING

from huidesk.ledger.federation import FREE_TEXT, MERGE_ORDER, PSEUDONYMISED, pseudonymised, redactor
from huidesk.ledger.schema import RECORD_TABLES

if TYPE_CHECKING:
    from huidesk.ledger.store import Store
    from huidesk.ledger.table import Read

PART = "part-0.parquet"
# The tables written year by year: the SQL of a row's date (alias t; p: the record it belongs to), whose
# year is the partition's, and the row's order within the year (by date, so row groups prune by date).
YEARLY = {  # table: (join, its date, its order within the year)
    "visits": ("", "t.date", "t.date"),
    "visit_residents": ("JOIN visits p ON p.id = t.visit_id", "p.date", "p.date"),
    "visit_members": ("JOIN visits p ON p.id = t.visit_id", "p.date", "p.date"),
    "activities": ("", "t.date", "t.date"),
    "activity_members": ("JOIN activities p ON p.id = t.activity_id", "p.date", "p.date"),
    "issues": ("", "t.received_at", "t.received_at"),
    # by kind of event, then moment: a report's escalations, exemptions or resolutions in a month read the
    # row groups of their kind and days alone (a province's escalations 0.12 -> 0.05 s)
    "issue_events": ("JOIN issues p ON p.id = t.issue_id", "p.received_at",
                     "substr(p.received_at, 1, 4), t.event, t.at"),
    "issue_facts": ("", "t.received_at", "t.received_at, t.issue_id"),
    "visit_homes": ("", "t.date", ""),  # (counted with the visit residents, in their order)
    "visit_months": ("", "t.month", ""),  # (counted with the visits)
}
# The facts a ledger keeps beside its records (huidesk/ledger/facts.py), written beside them so that DuckDB
# and Spark read what SQLite reads: dataset table -> the ledger's table (its columns). issue_facts is the
# ledger's rows, each with its issue's origin. visit_homes and visit_months are counted by the same
# definitions (facts.HOMES_DERIVED, MONTHS_DERIVED) from the rows written with them — a year's visit
# residents with their visits' team, date and void, a year's visits — by origin too: the ledger keeps
# neither by date, and reading a year of them would sort the ledger's whole table. visit_firsts is the
# ledger's rows (one a household: a team's households with the day of their first live visit), in one file a
# ledger, each with its team's origin: a visit of any year may move a household's first day to another year.
FACTS = {"issue_facts": "_issue_facts", "visit_homes": "_visit_homes", "visit_months": "_visit_months",
         "visit_firsts": "_visit_firsts"}
_COUNTED_WITH = {"visit_homes": "visit_residents", "visit_months": "visits"}
# Where a fact's rows take their origin from: its record's; a household's first visit, its team's.
_ORIGIN_OF = {"issue_facts": ("issues", "issue_id"), "visit_firsts": ("teams", "team_id")}
# The order a table's rows are written in when it has no date (by id, else as named here).
_ORDER = {"visit_firsts": "t.team_id, t.resident_id"}
# Their columns naming records (the ledger's tables declare no foreign keys): offset like any id.
_FACT_REFERENCES = {
    "issue_facts": {"issue_id": "issues", "place_id": "places", "team_id": "teams", "repeat_of": "issues"},
    "visit_homes": {"team_id": "teams", "resident_id": "residents", "visit_id": "visits"},
    "visit_months": {"team_id": "teams"},
    "visit_firsts": {"team_id": "teams", "resident_id": "residents"},
}
TABLES = (*MERGE_ORDER, "settings", *FACTS)
# Identity and bookkeeping settings are the manifest's, not figures' settings.
_PRIVATE_SETTINGS = ("ledger_uid", "ledger_name", "ledger_place")
_ARROW = {"INTEGER": "int64", "REAL": "float64", "TEXT": "string"}
# What an entry's rows of a table change in the dataset: that table's partitions and the facts kept of it.
_FOLLOW = {"visits": ("visits", "visit_residents", "visit_homes", "visit_months", "visit_firsts"),
           "visit_residents": ("visit_residents", "visit_homes", "visit_firsts"),
           "issues": ("issues", "issue_facts"), "issue_events": ("issue_events", "issue_facts"),
           "_settings": ("settings", "issue_facts"), "_setting_changes": ("settings", "issue_facts")}
# Journaled, and not in the dataset: what was bundled, the sources (the manifest's, read every run), the keys.
_UNWRITTEN = frozenset({"_bundles_made", "_bundles", "_sources", "_api_keys"})
Only = dict[str, frozenset[str] | None]  # table -> the years of its partitions to read (None: all of them)


def touched(read: "Read", since: int) -> Only | None:
    """The tables and years whose partitions the entries after `since` wrote rows of: a record's year
    (insert, void), every year of a table a record of which was updated (a merged change may move its
    date), the kept facts that follow them; None when an entry wrote something else."""
    touched: Only = {}

    def add(table: str, years: frozenset[str] | None) -> None:
        for t in _FOLLOW.get(table, (table,)):
            was = touched.get(t, frozenset())
            touched[t] = None if years is None or was is None else was | years

    # by the entries (not by table: a bulk import is one entry, and the planner would walk a table's rows)
    changes = "SELECT rid FROM _journal_records INDEXED BY _journal_records_entry WHERE entry_id > ? AND tbl = ?"
    ops: dict[str, set[str]] = {}
    for tbl, op in read.rows("SELECT DISTINCT tbl, op FROM _journal_records INDEXED BY _journal_records_entry"
                             " WHERE entry_id > ?", (since,)):
        ops.setdefault(tbl, set()).add(op)
    for tbl, kinds in ops.items():
        if tbl == "_merged":  # the rows whose origin a merge named (one already here may take a source's)
            merged = f"SELECT g.rid FROM _merged g WHERE g.tbl = ? AND g.id IN ({changes})"
            for (table,) in read.rows(f"SELECT DISTINCT g.tbl FROM _merged g WHERE g.id IN ({changes})",
                                      (since, tbl)):
                if table not in MERGE_ORDER:
                    return None
                add(table, _years(read, table, merged, (table, since, tbl)) if table in YEARLY else None)
        elif tbl in _FOLLOW and tbl.startswith("_"):
            add(tbl, None)
        elif tbl in _UNWRITTEN:
            continue
        elif tbl not in MERGE_ORDER:
            return None
        else:
            add(tbl, None if tbl not in YEARLY or "update" in kinds else _years(read, tbl, changes, (since, tbl)))
    return touched


def _years(read: "Read", table: str, ids: str, args: tuple) -> frozenset[str]:
    """The years of the partitions of `table` that hold its rows whose ids `ids` selects."""
    join, date, _ = YEARLY[table]
    return frozenset(r[0] for r in read.rows(
        f"SELECT DISTINCT substr({date}, 1, 4) FROM {table} t {join} WHERE t.id IN ({ids})", args))


def covers(only: Only | None, rel: str) -> bool:
    """Whether a run reading `only` reads the partition `rel` (else it is kept as the dataset holds it)."""
    if only is None:
        return True
    table, *rest = rel.split("/")
    table = table.removeprefix("table=")
    if table not in only:
        return False
    years = only[table]
    return years is None or len(rest) == 2 or rest[1].removeprefix("year=") in years


def partition_columns(store: "Store", uid: str, pii: str, offset: int,
                      only: Only | None = None) -> Iterator[tuple[str, str, list[Sequence]]]:
    """Every partition of this ledger (`only`: those it names): (table, its file relative to DIR, its
    columns, each a sequence of values in the rows' fixed order), ids and references to them plus `offset`
    (added by SQLite), `origin` last. Rows are read as plain tuples and split into columns whole: a
    year of a district's visits is 120,000 rows."""
    from itertools import groupby

    read = store.read
    # free text as a pseudonymous bundle carries it (federation.travelling): residents' names, phones and
    # ID numbers masked wherever they are written
    redact = redactor(read) if pii == "pseudonymous" else None
    for table in TABLES:
        years = None if only is None else only.get(table, frozenset())
        if table in _COUNTED_WITH or years is not None and not years:
            continue
        base = f"table={table}/ledger={uid}"
        if table == "settings":
            rows = sorted((k, v) for k, v in store.settings().items() if k not in _PRIVATE_SETTINGS)
            yield table, f"{base}/{PART}", _columns(rows, 2)
            continue
        names = [c[1] for c in read.rows(f"PRAGMA table_info({FACTS.get(table, table)})")]
        fks = set(_FACT_REFERENCES[table]) if table in FACTS else {
            fk[3] for fk in read.rows(f"PRAGMA foreign_key_list({table})")}

        def shifted(column: str, name: str) -> str:
            return f"{column} + {offset}" if offset and (name == "id" or name in fks) else column

        select = ", ".join(shifted(f't."{n}"', n) for n in names)
        homes = table == "visit_residents" and (only is None or "visit_homes" in only)
        if homes:  # the visit's, for its households
            select += f", p.team_id + {offset}, p.date, p.void_reason"
        join, date, order = YEARLY.get(table, ("", None, _ORDER.get(table, "t.id")))
        where, args = "", []
        if date and years is not None:
            where = " WHERE " + " OR ".join(f"{date} BETWEEN ? AND ?" for _ in years)
            args = [bound for year in sorted(years) for bound in (year, year + "\U0010ffff")]
        year = f"substr({date}, 1, 4)" if date else "NULL"
        # by date, then id: a year's rows follow each other, and row groups hold days in order
        tie = "" if table in FACTS or not date else ", t.id"
        rows = read.tuples(f"SELECT {year}, {select} FROM {FACTS.get(table, table)} t {join}{where}"
                           f" ORDER BY {order}{tie}", args)
        # the rule (federation.pseudonymised) changes rows of PSEUDONYMISED tables only: others go as they are
        if pii == "pseudonymous" and table in PSEUDONYMISED:
            rows = [(row[0], *kept.values()) for row in rows
                    if (kept := pseudonymised(table, dict(zip(names, row[1:], strict=True)))) is not None]
        record, key = _ORIGIN_OF.get(table, (table, "id"))
        origins = _origins(read, record, offset)
        visit_origins = _origins(read, "visits", offset) if homes else {}
        empty = True
        for part, group in groupby(rows, key=itemgetter(0)):
            empty = False
            columns = _columns(list(group), len(names) + 1 + 3 * homes)[1:]
            visit = columns[len(names):]
            del columns[len(names):]
            if redact is not None:
                for n, name in enumerate(names):
                    if name in FREE_TEXT.get(table, ()) or name == "void_reason":
                        said = {text: redact(text) for text in set(columns[n]) if text}  # each text once
                        columns[n] = tuple(map(said.get, columns[n], columns[n]))
            columns.append(_origin(columns[names.index(key)], origins, uid))
            rel = f"{base}/year={part}/{PART}" if date else f"{base}/{PART}"
            yield table, rel, columns
            if table == "visits" and (only is None or "visit_months" in only):
                yield from _visit_months(base, part, columns, names)
            if homes:
                visits, residents = columns[names.index("visit_id")], columns[names.index("resident_id")]
                yield from _visit_homes(base, part, visits, residents, visit, _origin(visits, visit_origins, uid))
        if not date and empty:
            yield table, f"{base}/{PART}", [()] * (len(names) + 1)  # an empty table has its (empty) file


def _columns(rows: list[tuple], width: int) -> list[Sequence]:
    return list(zip(*rows, strict=True)) if rows else [()] * width


def _origins(read: "Read", record: str, offset: int) -> dict[int, str]:
    """The source each merged row of `record` came from (the first, if several), by its id plus `offset`."""
    return {rid + offset: source for rid, source in read.tuples(
        "SELECT g.rid, s.uid FROM _merged g JOIN _sources s ON s.id = g.source_id WHERE g.tbl = ?"
        " ORDER BY g.id DESC", (record,))}


def _origin(ids: Sequence, origins: dict[int, str], uid: str) -> Sequence:
    """The origin of each of the rows of `ids`: its source's, or this ledger's."""
    return tuple(map(origins.get, ids, repeat(uid))) if origins else (uid,) * len(ids)


def _visit_months(base: str, year: str, columns: list[Sequence], names: list[str]) -> Iterator[tuple]:
    """A year's visit_months, from that year's visits: each team's live visits by month and origin."""
    team, day, void, origin = (*(columns[names.index(n)] for n in ("team_id", "date", "void_reason")), columns[-1])
    team, day, origin = _live(void, team, day, origin)
    counts = Counter(zip(map(itemgetter(slice(0, 7)), day), team, origin))  # C loops: a year's 120,000 visits
    if counts:
        rows = [(team_id, month, n, origin) for (month, team_id, origin), n in sorted(counts.items())]
        yield "visit_months", f"table=visit_months/{base.split('/', 1)[1]}/year={year}/{PART}", _columns(rows, 4)


def _live(void: Sequence, *columns: Sequence) -> list[Sequence]:
    """`columns` of the rows whose `void` is None (every row's when none is voided, as most years)."""
    if void.count(None) == len(void):
        return list(columns)
    live = list(map(operator.is_, void, repeat(None)))
    return [tuple(compress(column, live)) for column in columns]


def _visit_homes(base: str, year: str, visits: Sequence, residents: Sequence, visit: list[Sequence],
                 origin: Sequence) -> Iterator[tuple]:
    """A year's visit_homes, from that year's visit residents (their visits and residents, in their visits'
    date order) and their visits' team, date and void: the households each live visit went to, with the
    visit's origin. Columns are filtered whole (C loops): a year of a district's is 138,000 rows."""
    team, day, void = visit
    home = _live(void, team, residents, day, visits, origin)
    if not home[0]:
        return
    yield "visit_homes", f"table=visit_homes/{base.split('/', 1)[1]}/year={year}/{PART}", home


def describe(store: "Store") -> dict[str, dict]:
    """The `_schema` of every table: its meaning, and each column's SQL and Parquet type, meaning,
    the table it refers to and its vocabulary (slug: Chinese, English)."""
    from huidesk.domain.vocab import VOCABS

    read = store.read
    tables: dict[str, dict] = {}
    for table in TABLES:
        if table == "settings":
            tables[table] = {"meaning": "the ledger's settings that figures depend on (limits, weights)",
                             "partitioned_by": ["ledger"], "columns": {
                                 "key": _column("TEXT", "setting name"), "value": _column("TEXT", "its value")}}
            continue
        source = FACTS.get(table, table)
        fks = _FACT_REFERENCES.get(table) or {fk[3]: fk[2] for fk in read.rows(f"PRAGMA foreign_key_list({table})")}
        columns = {}
        for _, name, kind, notnull, _, pk in read.rows(f"PRAGMA table_info({source})"):
            column = _column(kind, _meaning(table, name, fks), not notnull and not pk)
            if name in fks:
                column["references"] = fks[name]
            vocab = _VOCAB.get((table, name))
            if vocab:
                column["vocabulary"] = {slug: [words[0], words[-1]] for slug, words in VOCABS[vocab].items()}
            columns[name] = column
        columns["origin"] = _column("TEXT", "uid of the ledger the row was recorded in (a merged ledger's source)",
                                    False)
        zh, en = RECORD_TABLES.get(table, (None, None))
        tables[table] = {
            "meaning": _FACT_MEANINGS.get(table) or (
                f"{en} ({zh}) records" if en else f"rows linking records ({table})"),
            "partitioned_by": ["ledger", "year"] if table in YEARLY else ["ledger"],
            "columns": columns,
        }
        if table in YEARLY:
            date = YEARLY[table][1].replace("t.", f"{table}.").replace("p.", "its record's ")
            tables[table]["year"] = f"substr({date}, 1, 4)"
    return tables


def _column(kind: str, meaning: str, nullable: bool = False) -> dict:
    return {"type": kind, "arrow": _ARROW.get(kind, "string"), "nullable": nullable, "meaning": meaning}


_FACT_MEANINGS = {
    "issue_facts": "each issue's facts as its ledger keeps them beside the records (state, first response,"
                   " resolution, transfers, returns, callbacks, minutes to respond and resolve, its limits"
                   " counted by the ledger's settings and working days), with a copy of the issue's own columns",
    "visit_homes": "the households each live visit went to, under its team and date",
    "visit_months": "each team's live visits by month (and by origin)",
    "visit_firsts": "each team's households with the day of their first live visit (with its team's origin)",
}
_VOCAB = {
    ("issue_facts", "kind"): "issue_kind", ("issue_facts", "nature"): "nature",
    ("issue_facts", "answer"): "answer", ("issue_facts", "satisfaction"): "satisfaction",
    ("issue_facts", "first_answer"): "answer", ("issue_facts", "first_satisfaction"): "satisfaction",
    ("places", "level"): "level", ("teams", "line"): "line", ("member_roles", "role"): "role",
    ("resident_tags", "tag"): "tag", ("units", "kind"): "unit_kind", ("activities", "theme"): "theme",
    ("issues", "kind"): "issue_kind", ("issues", "source"): "source", ("issue_events", "event"): "event",
    ("issues", "nature"): "nature", ("issue_events", "answer"): "answer",
    ("issue_events", "satisfaction"): "satisfaction", ("residents", "consent"): "consent",
}
_MEANINGS = {
    "id": "the row's id: its id in the ledger that wrote it + that ledger's number * 2^40 (_huidesk/ledgers.json)",
    "uid": "the record's uid, the same in every ledger it was merged into",
    "void_reason": "why the record was voided; NULL: live (reports leave void records out)",
    "void_at": "when it was voided",
    "date": "the day (YYYY-MM-DD, local)",
    "name": "name",
    "path": "the place as a path from the city down (市/区/街道/社区/小区/楼栋)",
    "received_at": "when the issue was received (ISO 8601 with the ledger's offset)",
    "at": "when the event happened (ISO 8601 with the ledger's offset)",
    "minutes": "volunteer time in whole minutes",
    "served": "people served",
    "volunteers": "volunteers taking part",
    "joined": "day joined", "left": "day left (NULL: still in)",
    "born": "year of birth", "phone": "phone number (NULL unless written with --pii full)",
    "visit_every": "visit cadence in days", "health_consent": "1: consent to keep health details",
    "listed": "day listed", "claimed": "day claimed", "fulfilled": "day fulfilled",
    "since": "first day", "until": "last day", "ref": "order number of a hotline or platform",
    "repeat_of": "the issue this one repeats", "text": "what was raised", "decision": "what was decided",
    "no": "card number", "follow_up": "1: a follow-up is needed", "founded": "day founded",
    "reg_no": "the volunteer's registration number (注册编号, e.g. of the national volunteer system)",
    "minutes_each": "a visit's volunteer time credited to each visiting member (visit_members), whole minutes",
    "nature": "诉求性质: help, inquiry, complaint, proposal or praise",
    "category": "诉求类别: a vocabulary slug, or a category the ledger added (stored as typed)",
    # the kept facts (issue_facts, visit_months)
    "live": "1: the issue is not void", "state": "the issue's state after its last live event",
    "first_response_at": "its first response (dispatched, arrived, resolved, ...)",
    "resolved_at": "its last resolution",
    "last_at": "its last live event", "transfers": "times transferred", "returns": "times returned",
    "first_answer": "its first callback's answer", "first_satisfaction": "its first callback's satisfaction",
    "response": "minutes from receipt to first response", "resolve": "minutes from receipt to resolution",
    "due_in": "minutes from receipt to its own deadline (--due, or the last 延期)",
    "exempt": "1: exempted from the assessment (核减)", "contact": "minutes from receipt to its first 先行联系",
    "respond_within": "minutes from receipt to the end of its response limit (the ledger's settings, working days)",
    "resolve_within": "minutes from receipt to the end of its resolve limit (the ledger's settings, working days)",
    "estimated": "bits: 1 the response limit, 2 the resolve limit counted over estimated working days",
    "month": "the month (YYYY-MM)", "visits": "live visits",
    "first": "the first day (YYYY-MM-DD) of the partition's year a live visit of the team went to the household",
}


def _meaning(table: str, name: str, fks: dict[str, str]) -> str:
    if table == "residents" and name == "name":
        return "name (masked, 王*兰, unless written with --pii full)"
    if name in fks and name != "repeat_of":
        return f"refers to {fks[name]}.id"
    return _MEANINGS.get(name, name.replace("_", " "))
