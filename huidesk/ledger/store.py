"""The ledger's facade: a small `Store` over one table object per record table.

    store = Store.open(path, actor)
    with store.write("visit add") as tx:           # the one door for writes: a transaction and its journal entry
        vid = store.visits.add(tx, visit, resident_ids, member_ids)
    store.visits.list(team_id=3)                    # each record family's methods on its table
    store["issues"].uid_taken(uid)                  # any record table by name, as sqlite-utils' db["visits"]
    store.read.all("SELECT ...", args)              # the read-only query helper the ledger's modules use

The store owns the connection: it opens the file (huidesk/ledger/connect.py), makes or migrates the
schema, and hands out the read helper (`read`), the tables (huidesk/ledger/people.py, work.py,
issues.py, over table.Table) and the transaction (`write`, huidesk/ledger/tx.py). Besides, it keeps
what is the ledger's as a whole: settings and identity, references (`find`), the journal (head, log,
void, undo), snapshots and backups. The store never prints.
"""

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

from huidesk.domain.errors import Ambiguous, Candidate, InvalidTransition, InvalidValue, LedgerError, NotFound
from huidesk.domain.i18n import tr
from huidesk.ledger import schema  # SCHEMA_VERSION is read through the module, so a test can raise it
from huidesk.ledger.connect import explain, opened, read_only_text, reader
from huidesk.ledger.faults import DamagedLedger  # noqa: F401  (where commands have found it)
from huidesk.ledger.issues import IssueEvents, Issues
from huidesk.ledger.journal import GENESIS
from huidesk.ledger.people import Members, Memberships, Places, Residents, Teams, Units
from huidesk.ledger.schema import DEFAULT_SETTINGS, LATER_SETTINGS, RECORD_TABLES, schema_sql, statements
from huidesk.ledger.sql import as_id, escape_like
from huidesk.ledger.table import Read, Table
from huidesk.ledger.tx import Tx
from huidesk.ledger.work import Activities, Cards, Meetings, Pairings, Visits, Wishes

# Each record table's object (schema.RECORD_TABLES, in its order).
TABLES: dict[str, type[Table]] = {
    "places": Places, "units": Units, "teams": Teams, "members": Members, "memberships": Memberships,
    "residents": Residents, "visits": Visits, "activities": Activities, "issues": Issues,
    "issue_events": IssueEvents, "meetings": Meetings, "wishes": Wishes, "cards": Cards, "pairings": Pairings,
}


class Store:
    """One open ledger: its connection (its own), who records, and a table object per record table."""

    read_only = False
    keeps_facts = True  # _issue_facts (huidesk/ledger/facts.py)
    scans = False  # a few records are looked up through indexes, not found by scanning (Warehouse: True)
    tightened: list[Path] = []  # files whose group/other permissions `open` took away
    created: list[Path] = []  # folders `open` made for a new ledger

    places: Places
    units: Units
    teams: Teams
    members: Members
    memberships: Memberships
    residents: Residents
    visits: Visits
    activities: Activities
    issues: Issues
    issue_events: IssueEvents
    meetings: Meetings
    wishes: Wishes
    cards: Cards
    pairings: Pairings

    # When a command happens as its user counts time (the end of --today, or now), UTC as void_at holds
    # moments: what a void or a setting's change is dated by (set by the command's session).
    moment: str | None = None

    def __init__(self, conn: sqlite3.Connection, path: Path, actor: str) -> None:
        self._conn, self.path, self.actor = conn, path, actor
        self.read = Read(conn)
        self._tables = {name: table(self, name) for name, table in TABLES.items()}
        self.__dict__.update(self._tables)

    def __getitem__(self, name: str) -> Table:
        """The record table `name` (schema.RECORD_TABLES): `store["visits"]` is `store.visits`."""
        try:
            return self._tables[name]
        except KeyError:
            raise ValueError(f"not a record table: {name}") from None

    @classmethod
    def open(cls, path: Path, actor: str, create: bool = False) -> "Store":
        """Open (or with `create`, make) a ledger, migrating an older schema.

        A read-only location opens read-only (no WAL switch, no schema, no migration; `write` refuses).
        A foreign SQLite file or another kind of file is refused before anything in it is changed; a
        damaged one raises `DamagedLedger`. Loose permissions on the ledger, its WAL and the SQL log
        are tightened (`tightened`); folders made for a new ledger are owner-only (`created`)."""
        path = Path(path).expanduser()
        found = opened(path, create)
        store = cls(found.conn, path, actor)
        store.read_only, store.tightened, store.created = found.read_only, found.tightened, found.created
        if found.read_only and (not found.has_schema or found.version < schema.SCHEMA_VERSION):
            found.conn.close()
            raise LedgerError(read_only_text(path))
        if not found.has_schema:
            store._create_schema()
        elif found.version != schema.SCHEMA_VERSION:
            store._migrate(found.version)
        return store

    def explain(self, e: BaseException) -> LedgerError | None:
        """What a failure of SQLite while this ledger was in use means, in the user's words:
        a damaged file or a read-only location; None for anything else."""
        return explain(self.path, e)

    def close(self) -> None:
        self._conn.close()

    def reader(self) -> "Store":
        """A second store on the same file that only reads, on a connection of its own (the caller
        closes it)."""
        other = Store(reader(self.path), self.path, self.actor)
        other.read_only = True
        return other

    @contextmanager
    def twin(self) -> "Iterator[Store | None]":
        """A second reader at exactly this one's state, for a report on two cores (huidesk/ledger/shortcuts.py)."""
        from huidesk.ledger.shortcuts import twin

        with twin(self) as found:
            yield found

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: everything read inside it belongs to the same state of the ledger."""
        self._conn.execute("BEGIN")
        try:
            yield
        finally:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")  # a read: nothing to keep

    def bulk_cache(self, kib: int = 64 * 1024) -> None:
        """A bigger page cache for a bulk write, while the indexes grow (the uid index takes rows in
        random order); it lasts as long as the connection."""
        self._conn.execute(f"PRAGMA cache_size = -{int(kib)}")

    def _facts_deferred(self, table: str) -> AbstractContextManager:
        """Inside a write: a bulk import of `table` during which the facts kept beside the visits are made
        once at the end rather than row by row (facts.deferred); for any other table, nothing."""
        from huidesk.ledger import facts

        return facts.deferred(self._conn) if table == "visits" else nullcontext()

    def homes_deferred(self) -> AbstractContextManager:
        """Inside a write inserting visit residents and nothing else (a merge's): the households kept beside
        the visits made once for the rows inserted meanwhile (facts.homes_deferred)."""
        from huidesk.ledger import facts

        return facts.homes_deferred(self._conn)

    def issue_facts_deferred(self) -> AbstractContextManager:
        """Inside a write inserting issues and their events (a merge's): their kept facts made once
        afterwards (facts.issue_facts_deferred)."""
        from huidesk.ledger import facts

        return facts.issue_facts_deferred(self._conn)

    def _create_schema(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            if not self._conn.execute("SELECT 1 FROM sqlite_master WHERE name = '_journal'").fetchone():
                for stmt in statements(schema_sql()):
                    self._conn.execute(stmt)
                from huidesk.ledger import facts

                facts.install(self._conn)
                if schema.SCHEMA_VERSION:
                    from huidesk.ledger.migrations import mark_all_applied

                    mark_all_applied(self._conn)
                self._conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION}")
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

    def _migrate(self, version: int) -> None:
        if version > schema.SCHEMA_VERSION:
            raise LedgerError(
                tr(
                    f"账本由更新版本的 huidesk 创建（架构版本 {version}），请升级 huidesk",
                    f"ledger made by a newer huidesk (schema {version}); upgrade huidesk",
                )
            )
        from huidesk.ledger.migrations import migrate

        migrate(self._conn, schema.SCHEMA_VERSION)

    @contextmanager
    def write(self, command: str) -> Iterator[Tx]:
        """One transaction and its journal entry; rolled back whole on any error or Ctrl-C."""
        if self.read_only:
            raise LedgerError(read_only_text(self.path))
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            tx = Tx(self._conn, self.actor, command)
            tx.moment = self.moment
            yield tx
            tx.finish()
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise

    # --- settings -------------------------------------------------------------------------

    def settings(self, as_of: str | None = None) -> dict[str, str]:
        """The settings, as they are now or (`as_of`, a moment as void_at holds it) as they were then: each
        change `setting set` recorded after it undone (a setting changed before huidesk kept its changes
        reads as it is now)."""
        # (the signing key is no setting: it never leaves through a listing, an export or the warehouse)
        rows = self.read.rows("SELECT key, value FROM _settings WHERE key <> 'ledger_key' ORDER BY key")
        found = {k: v for k, v in rows}
        if as_of is not None:
            for key, previous in self.read.rows(
                    "SELECT key, previous FROM _setting_changes WHERE at > ? ORDER BY at DESC, id DESC", (as_of,)):
                if previous is None:
                    found.pop(key, None)
                else:
                    found[key] = previous
        return {**DEFAULT_SETTINGS, **LATER_SETTINGS, **found}

    def set_setting(self, tx: Tx, key: str, value: str, at: str | None = None) -> None:
        """Set `key`; `at` (when the change is recorded, as void_at holds moments): also keep the change,
        so that a report as of an earlier moment reads the value in force then."""
        row = self.read.one("SELECT id, value FROM _settings WHERE key = ?", (key,))
        if row is None:
            tx.insert("_settings", {"key": key, "value": value})
        else:
            tx.update("_settings", row["id"], {"value": value})
        if at is not None:
            tx.insert("_setting_changes", {"key": key, "value": value, "previous": row["value"] if row else None,
                                           "at": at})
        from huidesk.domain.settings import deadline_settings

        if deadline_settings({key: value}):
            tx.limits_changed = True

    def init_settings(self, tx: Tx, name: str | None = None, place: str | None = None) -> None:
        """The default settings that are missing, this ledger's uid if it has none yet, and its name
        and place when given."""
        present = {r[0] for r in self.read.rows("SELECT key FROM _settings")}
        for key, value in DEFAULT_SETTINGS.items():
            if key not in present:
                tx.insert("_settings", {"key": key, "value": value})
        from huidesk.ledger.keys import signer

        signer(self, tx)  # the signing key and the uid it derives
        current = self.settings()
        for key, value in (("ledger_name", name), ("ledger_place", place)):
            if value is not None and current.get(key) != value:
                self.set_setting(tx, key, value)
        own = place if place is not None else current.get("ledger_place")
        if own:  # the ledger's own place is in its tree (a ledger made before it was gets it at `init`)
            self.places.add(tx, own, None)

    def identity(self) -> dict[str, str | None]:
        """Who this ledger is: uid, name and place (None where not set); a ledger with a place and no
        name goes by its place's last level."""
        rows = self.read.rows(
            "SELECT key, value FROM _settings WHERE key IN ('ledger_uid', 'ledger_name', 'ledger_place')"
        )
        found = {k: v or None for k, v in rows}
        ident = {key.removeprefix("ledger_"): found.get(key) for key in ("ledger_uid", "ledger_name", "ledger_place")}
        if ident["name"] is None and ident["place"]:
            ident["name"] = ident["place"].rsplit("/", 1)[-1]
        return ident

    # --- references -----------------------------------------------------------------------

    def find(self, table: str, ref: str, field: str) -> sqlite3.Row:
        """A live record by id, exact name or unique part of its name (places: by path too)."""
        kind = tr(*RECORD_TABLES[table])
        ref = ref.strip()
        if not ref:
            raise InvalidValue(field, ref, tr("不能为空", "must not be empty"))
        select = _SELECT[table]
        if table == "places" and ref.isdigit():  # 48: the building a secretary means, when there is one
            rows = self.read.all(f"{select} WHERE t.name IN (?, ?, ?, ?, ?) AND t.void_reason IS NULL LIMIT 50",
                                 tuple(f"{ref}{unit}" for unit in _NUMBERED))
            if len(rows) == 1:
                return rows[0]
            if rows:
                raise Ambiguous(kind, ref, [_candidate(table, r) for r in rows], field)
        if as_id(ref) is not None:
            row = self.read.one(f"{select} WHERE t.id = ? AND t.void_reason IS NULL", (as_id(ref),))
            if row is None:
                raise NotFound(kind, ref, field=field)
            return row
        name, hash_, number = ref.rpartition("#")
        if hash_ and name and as_id(number) is not None:  # 王磊#11: one of namesakes
            column = "t.path" if table == "places" else "t.name"
            row = self.read.one(
                f"{select} WHERE t.id = ? AND ({column} = ? OR t.name = ?) AND t.void_reason IS NULL",
                (as_id(number), name.strip(), name.strip()),
            )
            if row is None:
                raise NotFound(kind, ref, field=field)
            return row
        if table == "places":
            tiers = [("t.path = ?", ref), ("t.path LIKE ? ESCAPE '\\'", "%/" + escape_like(ref))]
        else:
            tiers = [("t.name = ?", ref)]
        tiers.append(("t.name LIKE ? ESCAPE '\\'", "%" + escape_like(ref) + "%"))
        for where, arg in tiers:
            rows = self.read.all(f"{select} WHERE {where} AND t.void_reason IS NULL LIMIT 50", (arg,))
            if len(rows) == 1:
                return rows[0]
            if rows:
                raise Ambiguous(kind, ref, [_candidate(table, r) for r in rows], field)
        sounded = self._sounded(table, ref)
        if len(sounded) == 1:  # csgy, chengse: the one name that sounds so
            return sounded[0]
        if sounded:
            raise Ambiguous(kind, ref, [_candidate(table, r) for r in sounded], field)
        raise NotFound(kind, ref, self._near(table, ref), field=field)

    def _sounded(self, table: str, ref: str) -> list[sqlite3.Row]:
        """The live records whose names' pinyin holds `ref` typed in Latin letters."""
        if not (ref.isascii() and ref.isalpha() and len(ref) >= 2):
            return []
        from huidesk.domain.suggest import sounded

        rows = self.read.all(f"{_SELECT[table]} WHERE t.void_reason IS NULL LIMIT 5000")
        names = set(sounded(ref, (row["name"] for row in rows)))
        return [row for row in rows if row["name"] in names]

    def _near(self, table: str, ref: str) -> list[Candidate]:
        """The live records whose names are nearest to `ref`, by spelling and by pinyin (橙色工益, chengse and
        csgy all find “橙色公益”志愿服务队); a resident is listed masked, as a listing shows them."""
        from huidesk.domain.suggest import nearest

        rows = self.read.all(f"{_SELECT[table]} WHERE t.void_reason IS NULL LIMIT 5000")
        by_name: dict[str, list] = {}
        for row in rows:
            by_name.setdefault(row["name"], []).append(row)
        return [_candidate(table, row) for name in nearest(ref, by_name) for row in by_name[name][:3]]

    def find_id(self, table: str, ref: str | None, field: str) -> int | None:
        """The id of `ref` (see `find`), or None when no reference was given."""
        return self.find(table, ref, field)["id"] if ref else None

    def find_many(self, table: str, refs: Sequence[str], field: str) -> list[sqlite3.Row]:
        rows, seen = [], set()
        for ref in refs:
            row = self.find(table, ref, field)
            if row["id"] not in seen:
                seen.add(row["id"])
                rows.append(row)
        return rows

    # --- journal --------------------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        row = self.read.one("SELECT id, hash FROM _journal ORDER BY id DESC LIMIT 1")
        return (row[0], row[1]) if row else (0, GENESIS)

    def voided_since(self, as_of: str | None) -> str | None:
        """The report's moment as void_at holds moments when some record was voided after it, else None
        (sql.voided_since: the voided rows' index)."""
        from huidesk.ledger.sql import voided_since

        return voided_since(self.read, as_of)

    def holds_records(self) -> bool:
        """Whether anything was recorded here (every record hangs off a place)."""
        return self.read.one("SELECT 1 FROM places LIMIT 1") is not None

    def journal_size(self) -> int:
        return self.read.value("SELECT count(*) FROM _journal")

    def log(self, limit: int, actor: str | None = None) -> list[sqlite3.Row]:
        sql = (
            "SELECT j.id, j.at, j.actor, j.command, j.hash,"
            " (SELECT count(*) FROM _journal_records r WHERE r.entry_id = j.id) AS writes,"
            # the records themselves when there are a few, else how many of each table
            " CASE WHEN (SELECT count(*) FROM _journal_records r WHERE r.entry_id = j.id) <= 6"
            "  THEN (SELECT group_concat(tbl || '#' || rid, ' ') FROM (SELECT tbl, rid FROM _journal_records r"
            "   WHERE r.entry_id = j.id AND tbl NOT LIKE '\\_%' ESCAPE '\\' ORDER BY r.id))"
            "  ELSE (SELECT group_concat(tbl || '×' || n, ' ') FROM (SELECT tbl, count(*) AS n, min(r.id) AS first"
            "   FROM _journal_records r WHERE r.entry_id = j.id AND tbl NOT LIKE '\\_%' ESCAPE '\\'"
            "   GROUP BY tbl ORDER BY first)) END AS records"
            " FROM _journal j"
        )
        args: list = []
        if actor:
            sql += " WHERE j.actor = ?"
            args.append(actor)
        return self.read.all(sql + " ORDER BY j.id DESC LIMIT ?", (*args, limit))

    def void(self, tx: Tx, table: str, rid: int, reason: str) -> None:
        row = self.read.one(f"SELECT void_reason FROM {table} WHERE id = ?", (rid,))
        if row is None:
            raise NotFound(tr(*RECORD_TABLES[table]), rid, field="record_id")
        if row["void_reason"] is not None:
            raise InvalidTransition(
                tr(
                    f"{table}#{rid} 已作废：{row['void_reason']}",
                    f"{table}#{rid} is already void: {row['void_reason']}",
                )
            )
        tx.void(table, rid, reason)

    def undo(self, tx: Tx, actor: str) -> tuple[sqlite3.Row, list[tuple[str, int, str]]]:
        """Void what the recorder's last command inserted (or restore what it voided)."""
        entry = self.read.one(
            "SELECT id, command, at FROM _journal WHERE actor = ? AND command <> 'undo' ORDER BY id DESC LIMIT 1",
            (actor,),
        )
        if entry is None:
            raise InvalidTransition(tr(f"{actor} 还没有可撤销的命令", f"{actor} has no command to undo"))
        writes = self.read.all(
            "SELECT tbl, rid, op FROM _journal_records WHERE entry_id = ? ORDER BY id", (entry["id"],)
        )
        if any(w["tbl"] == "_bundles" for w in writes):
            raise InvalidTransition(
                tr(f"上一条命令（{schema.command_said(entry['command'])}）合并了报送包，不能撤销：来源的链已在此接续",
                   f"the last command ({entry['command']}) merged a bundle and cannot be undone: the source's "
                   "chain continues here")
            )
        records = [(w["tbl"], w["rid"], w["op"]) for w in writes if w["tbl"] in RECORD_TABLES]
        if any(op == "update" for _, _, op in records) or not records:
            raise InvalidTransition(
                tr(f"上一条命令（{schema.command_said(entry['command'])}）修改了记录，不能撤销；"
                   "请用 void 或再记一笔更正",
                   f"the last command ({entry['command']}) changed records and cannot be undone; use void")
            )
        done = []
        reason = tr(
            f"撤销：{entry['command']}（日志#{entry['id']}）", f"undo: {entry['command']} (entry {entry['id']})"
        )
        for table, rid, op in records:
            current = self.read.one(f"SELECT void_reason FROM {table} WHERE id = ?", (rid,))
            if op == "insert" and current["void_reason"] is None:
                tx.void(table, rid, reason)
                done.append((table, rid, "void"))
            elif op == "void" and current["void_reason"] is not None:
                tx.update(table, rid, {"void_reason": None, "void_at": None})
                done.append((table, rid, "restore"))
        if not done:
            raise InvalidTransition(
                tr(
                    f"上一条命令（{schema.command_said(entry['command'])}）已撤销过",
                    f"the last command ({entry['command']}) was already undone",
                )
            )
        return entry, done

    def backup(self, dest: Path, overwrite: bool = False) -> None:
        """Copy the ledger with SQLite's online backup into `dest`, atomically and owner-only; an
        existing `dest` (or a link there) is replaced only when `overwrite` (a backup made meanwhile
        is not). Built in a private temp folder (`domain.files.private_tmp`), so no planted name is
        written through; a stream (`/dev/stdout`, a FIFO) gets the finished file byte for byte."""
        from huidesk.domain.files import private_tmp, publish

        with private_tmp(dest) as tmp:
            target = sqlite3.connect(tmp)
            try:
                with target:
                    self._conn.backup(target)
                target.execute("PRAGMA journal_mode = DELETE")
            finally:
                target.close()
            publish(tmp, dest, overwrite)


# How each table is looked up by reference; `label` and `near` are how a candidate is listed.
_SELECT = {
    "places": "SELECT t.id, t.name, t.path, t.level, t.path AS label, NULL AS near FROM places t",
    "units": "SELECT t.id, t.name, t.kind, t.name AS label, NULL AS near FROM units t",
    "teams": (
        "SELECT t.id, t.name, t.place_id, t.line, t.leader_id, t.founded, p.path AS place,"
        " t.name AS label, p.name AS near FROM teams t JOIN places p ON p.id = t.place_id"
    ),
    "members": "SELECT t.id, t.name, t.phone, t.joined, t.name AS label, NULL AS near FROM members t",
    "residents": (
        "SELECT t.id, t.name, t.place_id, t.born, t.phone, t.visit_every, t.consent, t.guardian, t.health_consent,"
        " p.path AS place, t.name AS label, p.name AS near"
        " FROM residents t JOIN places p ON p.id = t.place_id"
    ),
}


# How a numbered place is named: 48 is 48号楼, 48栋, 48幢, 48号院 or 48号.
_NUMBERED = ("号楼", "栋", "幢", "号院", "号")


def _candidate(table: str, row: sqlite3.Row) -> Candidate:
    """A record an ambiguous reference may mean, as the error lists it (masked there if a resident)."""
    return Candidate(row["id"], row["label"], row["near"], resident=table == "residents")
