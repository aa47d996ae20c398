"""The ledger's facade: open (creating or migrating), close, settings, references, the journal
(log, void, undo) and backups. Each record family's methods live in their own module (people,
work, issues); `Store` composes them, so `store.add_member(...)` and `store.issues(...)` are
methods of one object.

Every write goes through ``Store.write()``: one ``BEGIN IMMEDIATE`` transaction that also
appends the journal entry describing it. The store never prints.
"""

import os
import sqlite3
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from huidesk.domain.errors import Ambiguous, Candidate, InvalidTransition, InvalidValue, LedgerError, NotFound
from huidesk.domain.i18n import tr
from huidesk.ledger import schema  # SCHEMA_VERSION is read through the module, so a test can raise it
from huidesk.ledger.issues import Issues
from huidesk.ledger.journal import GENESIS
from huidesk.ledger.people import People
from huidesk.ledger.schema import (
    BUSY_TIMEOUT_MS,
    DEFAULT_SETTINGS,
    LATER_SETTINGS,
    RECORD_TABLES,
    schema_sql,
    statements,
)
from huidesk.ledger.sql import as_id, escape_like
from huidesk.ledger.tx import Tx
from huidesk.ledger.work import Work


class DamagedLedger(LedgerError):
    """The ledger file is damaged (truncated, overwritten): SQLite cannot read it."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(tr(f"账本文件损坏：{path}（{reason}）", f"the ledger file is damaged: {path} ({reason})"))


class Store(People, Work, Issues):
    """One open ledger: its connection, who records, and the methods of every record family."""

    def __init__(self, conn: sqlite3.Connection, path: Path, actor: str) -> None:
        self.conn, self.path, self.actor = conn, path, actor

    read_only = False
    keeps_facts = True  # _issue_facts (huidesk/ledger/facts.py)
    tightened: list[Path] = []  # files whose group/other permissions `open` took away
    created: list[Path] = []  # folders `open` made for a new ledger

    @classmethod
    def open(cls, path: Path, actor: str, create: bool = False) -> "Store":
        """Open (or with `create`, make) a ledger, migrating an older schema.

        A read-only location opens read-only (no WAL switch, no schema, no migration; `write` refuses).
        A foreign SQLite file or another kind of file is refused before anything in it is changed; a
        damaged one raises `DamagedLedger`. Loose permissions on the ledger, its WAL and the SQL log
        are tightened (`tightened`); folders made for a new ledger are owner-only (`created`)."""
        from huidesk.domain.files import private_folders

        path = Path(path).expanduser()
        created: list[Path] = []
        if not path.exists():
            if not create:
                raise LedgerError(
                    tr(f"账本不存在：{path}（先运行 huidesk init）", f"no ledger at {path} (run huidesk init first)")
                )
            created = private_folders(path.parent)
            _create_private_file(path)
        read_only = not _writable(path)
        tightened: list[Path] = []
        conn = None
        try:
            conn = _connect(path, read_only)
            conn.row_factory = sqlite3.Row
            if os.environ.get("HUIDESK_SQL_LOG"):
                tightened += _log_sql(conn, Path(os.environ["HUIDESK_SQL_LOG"]).expanduser())
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # Before anything is changed (journal mode, permissions, schema): is this a huidesk ledger?
            found = conn.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite%'").fetchall()
            has_schema = any(name == "_journal" for _, name in found)
            if found and not has_schema:
                raise LedgerError(_foreign(path, found))
            if not read_only:
                tightened[:0] = _tighten(path, Path(f"{path}-wal"), Path(f"{path}-shm"))
                if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as e:
            if conn is not None:
                conn.close()
            raise _unreadable(path, e) from e
        except BaseException:
            if conn is not None:
                conn.close()
            raise
        store = cls(conn, path, actor)
        store.read_only, store.tightened, store.created = read_only, tightened, created
        if read_only and (not has_schema or version < schema.SCHEMA_VERSION):
            conn.close()
            raise LedgerError(_read_only_text(path))
        if not has_schema:
            store._create_schema()
        elif version != schema.SCHEMA_VERSION:
            store._migrate(version)
        return store

    def explain(self, e: BaseException) -> LedgerError | None:
        """What a failure of SQLite while this ledger was in use means, in the user's words:
        a damaged file or a read-only location; None for anything else."""
        if not isinstance(e, sqlite3.DatabaseError):
            return None
        code = (getattr(e, "sqlite_errorcode", 0) or 0) & 0xFF
        if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            return DamagedLedger(self.path, str(e))
        if code == _SQLITE_READONLY:
            return LedgerError(_read_only_text(self.path))
        return None

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def twin(self) -> "Iterator[Store | None]":
        """A second connection reading exactly what this one reads, so that a report can use two cores
        (sqlite3 lets go of the GIL while SQLite works): each holds a read transaction begun at the same
        journal head — every write adds an entry, so the same head is the same ledger. None when another
        writer kept moving the head, or when this connection is already in a transaction."""
        if self.conn.in_transaction:
            yield None
            return
        head = "SELECT coalesce(max(id), 0) FROM _journal"
        other = _connect(self.path, read_only=True)
        if os.environ.get("HUIDESK_SQL_LOG"):  # its statements too (bench/run.py replays them)
            _log_sql(other, Path(os.environ["HUIDESK_SQL_LOG"]).expanduser())
        try:
            for _ in range(3):
                self.conn.execute("BEGIN")
                other.execute("BEGIN")
                if self.conn.execute(head).fetchone()[0] == other.execute(head).fetchone()[0]:
                    twin = Store(other, self.path, self.actor)
                    twin.read_only = True
                    other.row_factory = sqlite3.Row
                    yield twin
                    return
                self.conn.execute("ROLLBACK")
                other.execute("ROLLBACK")
            yield None
        finally:
            other.close()
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")  # a read: nothing to keep

    def _create_schema(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            if not self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = '_journal'").fetchone():
                for stmt in statements(schema_sql()):
                    self.conn.execute(stmt)
                from huidesk.ledger import facts

                facts.install(self.conn)
                if schema.SCHEMA_VERSION:
                    from huidesk.ledger.migrations import mark_all_applied

                    mark_all_applied(self.conn)
                self.conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION}")
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
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

        migrate(self.conn, schema.SCHEMA_VERSION)

    @contextmanager
    def write(self, command: str) -> Iterator[Tx]:
        """One transaction and its journal entry; rolled back whole on any error or Ctrl-C."""
        if self.read_only:
            raise LedgerError(_read_only_text(self.path))
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            tx = Tx(self, command)
            yield tx
            tx.finish()
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    # --- settings -------------------------------------------------------------------------

    def settings(self) -> dict[str, str]:
        # (the signing key is no setting: it never leaves through a listing, an export or the warehouse)
        rows = self.conn.execute("SELECT key, value FROM _settings WHERE key <> 'ledger_key' ORDER BY key")
        return {**DEFAULT_SETTINGS, **LATER_SETTINGS, **{k: v for k, v in rows}}

    def set_setting(self, tx: Tx, key: str, value: str) -> None:
        row = self.conn.execute("SELECT id FROM _settings WHERE key = ?", (key,)).fetchone()
        if row is None:
            tx.insert("_settings", {"key": key, "value": value})
        else:
            tx.update("_settings", row["id"], {"value": value})

    def init_settings(self, tx: Tx, name: str | None = None, place: str | None = None) -> None:
        """The default settings that are missing, this ledger's uid if it has none yet, and its name
        and place when given."""
        present = {r[0] for r in self.conn.execute("SELECT key FROM _settings")}
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
            self.add_place(tx, own, None)

    def identity(self) -> dict[str, str | None]:
        """Who this ledger is: uid, name and place (None where not set); a ledger with a place and no
        name goes by its place's last level."""
        rows = self.conn.execute(
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
        if as_id(ref) is not None:
            rows = self.conn.execute(f"{select} WHERE t.id = ? AND t.void_reason IS NULL", (as_id(ref),))
            row = rows.fetchone()
            if row is None:
                raise NotFound(kind, ref, field=field)
            return row
        name, hash_, number = ref.rpartition("#")
        if hash_ and name and as_id(number) is not None:  # 王磊#11: one of namesakes
            column = "t.path" if table == "places" else "t.name"
            row = self.conn.execute(
                f"{select} WHERE t.id = ? AND ({column} = ? OR t.name = ?) AND t.void_reason IS NULL",
                (as_id(number), name.strip(), name.strip()),
            ).fetchone()
            if row is None:
                raise NotFound(kind, ref, field=field)
            return row
        if table == "places":
            tiers = [("t.path = ?", ref), ("t.path LIKE ? ESCAPE '\\'", "%/" + escape_like(ref))]
        else:
            tiers = [("t.name = ?", ref)]
        tiers.append(("t.name LIKE ? ESCAPE '\\'", "%" + escape_like(ref) + "%"))
        for where, arg in tiers:
            rows = self.conn.execute(f"{select} WHERE {where} AND t.void_reason IS NULL LIMIT 50", (arg,)).fetchall()
            if len(rows) == 1:
                return rows[0]
            if rows:
                raise Ambiguous(kind, ref, [_candidate(table, r) for r in rows], field)
        raise NotFound(kind, ref, field=field)

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

    # --- import ---------------------------------------------------------------------------

    def import_record(self, tx: Tx, table: str, row: Mapping[str, object]) -> int:
        """A record read from an import file, written as it is (its uid kept); huidesk/exchange/
        has validated it and resolved its references inside this same transaction."""
        if table not in RECORD_TABLES:
            raise ValueError(f"not a record table: {table}")
        return tx.insert(table, row)

    def facts_deferred(self, table: str) -> AbstractContextManager:
        """Inside a write: a bulk import of `table` during which the facts kept beside the visits are made
        once at the end rather than row by row (facts.deferred); for any other table, nothing."""
        from contextlib import nullcontext

        from huidesk.ledger import facts

        return facts.deferred(self.conn) if table == "visits" else nullcontext()

    def import_visits(self, tx: Tx, visits: list[Mapping[str, object]], residents: list[Sequence[int]],
                      members: list[Sequence[int]]) -> None:
        """Visits read from an import file, each written as `add_visit` writes one (its resident and
        member rows after it), in one call: the bulk path of `import visits`."""
        tx.insert_linked("visits", visits, (("visit_residents", "visit_id", "resident_id"),
                                            ("visit_members", "visit_id", "member_id")),
                         list(zip(residents, members, strict=True)))

    def uid_taken(self, table: str, uid: str) -> bool:
        """Whether a record of `table`, void or live, already has this uid."""
        if table not in RECORD_TABLES:
            raise ValueError(f"not a record table: {table}")
        return self.conn.execute(f"SELECT 1 FROM {table} WHERE uid = ?", (uid,)).fetchone() is not None

    def uids_taken(self, table: str, uids: Iterable[str]) -> set[str]:
        """Those of `uids` that a record of `table`, void or live, already has."""
        if table not in RECORD_TABLES:
            raise ValueError(f"not a record table: {table}")
        found: set[str] = set()
        pending = list(uids)
        for start in range(0, len(pending), 500):
            part = pending[start : start + 500]
            marks = ", ".join("?" * len(part))
            found.update(r[0] for r in self.conn.execute(f"SELECT uid FROM {table} WHERE uid IN ({marks})", part))
        return found

    # --- journal --------------------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        row = self.conn.execute("SELECT id, hash FROM _journal ORDER BY id DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, GENESIS)

    def holds_records(self) -> bool:
        """Whether anything was recorded here (every record hangs off a place)."""
        return self.conn.execute("SELECT 1 FROM places LIMIT 1").fetchone() is not None

    def journal_size(self) -> int:
        return self.conn.execute("SELECT count(*) FROM _journal").fetchone()[0]

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
        return self.conn.execute(sql + " ORDER BY j.id DESC LIMIT ?", (*args, limit)).fetchall()

    def void(self, tx: Tx, table: str, rid: int, reason: str) -> None:
        row = self.conn.execute(f"SELECT void_reason FROM {table} WHERE id = ?", (rid,)).fetchone()
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
        entry = self.conn.execute(
            "SELECT id, command, at FROM _journal WHERE actor = ? AND command <> 'undo' ORDER BY id DESC LIMIT 1",
            (actor,),
        ).fetchone()
        if entry is None:
            raise InvalidTransition(tr(f"{actor} 还没有可撤销的命令", f"{actor} has no command to undo"))
        writes = self.conn.execute(
            "SELECT tbl, rid, op FROM _journal_records WHERE entry_id = ? ORDER BY id", (entry["id"],)
        ).fetchall()
        if any(w["tbl"] == "_bundles" for w in writes):
            raise InvalidTransition(
                tr(f"上一条命令（{entry['command']}）合并了报送包，不能撤销：来源的链已在此接续",
                   f"the last command ({entry['command']}) merged a bundle and cannot be undone: the source's "
                   "chain continues here")
            )
        records = [(w["tbl"], w["rid"], w["op"]) for w in writes if w["tbl"] in RECORD_TABLES]
        if any(op == "update" for _, _, op in records) or not records:
            raise InvalidTransition(
                tr(f"上一条命令（{entry['command']}）修改了记录，不能撤销；请用 void 或再记一笔更正",
                   f"the last command ({entry['command']}) changed records and cannot be undone; use void")
            )
        done = []
        reason = tr(
            f"撤销：{entry['command']}（日志#{entry['id']}）", f"undo: {entry['command']} (entry {entry['id']})"
        )
        for table, rid, op in records:
            current = self.conn.execute(f"SELECT void_reason FROM {table} WHERE id = ?", (rid,)).fetchone()
            if op == "insert" and current["void_reason"] is None:
                tx.void(table, rid, reason)
                done.append((table, rid, "void"))
            elif op == "void" and current["void_reason"] is not None:
                tx.update(table, rid, {"void_reason": None, "void_at": None})
                done.append((table, rid, "restore"))
        if not done:
            raise InvalidTransition(
                tr(
                    f"上一条命令（{entry['command']}）已撤销过",
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
                    self.conn.backup(target)
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


def _candidate(table: str, row: sqlite3.Row) -> Candidate:
    """A record an ambiguous reference may mean, as the error lists it (masked there if a resident)."""
    return Candidate(row["id"], row["label"], row["near"], resident=table == "residents")


def _log_sql(conn: sqlite3.Connection, path: Path) -> list[Path]:
    """Append every statement the connection runs, with its values, to `path` (owner-only): a
    debugging aid, and how bench/run.py replays a command's queries in the sqlite3 shell.
    Returns the log when its loose permissions were tightened."""
    from huidesk.domain.files import private_folders

    private_folders(path.parent)
    _create_private_file(path)
    tightened = _tighten(path)
    log = open(path, "a", encoding="utf-8")
    conn.set_trace_callback(lambda sql: log.write(sql.rstrip().rstrip(";") + ";\n"))
    return tightened


def _create_private_file(path: Path) -> None:
    """Create an empty file readable by its owner only (its folder exists)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as e:
        raise LedgerError(tr(f"无法创建账本文件 {path}：{e.strerror}", f"cannot create {path}: {e.strerror}")) from e
    os.close(fd)


def _tighten(*paths: Path) -> list[Path]:
    """Take group and other permissions away from those of `paths` that have any; returns those."""
    done = []
    for path in paths:
        try:
            mode = path.stat().st_mode
            if mode & 0o077:
                os.chmod(path, stat.S_IMODE(mode) & 0o700)
                done.append(path)
        except OSError:  # gone, or not ours to change: the owner's business
            continue
    return done


def _writable(path: Path) -> bool:
    """Whether SQLite can write the ledger and create its WAL beside it."""
    return os.access(path, os.W_OK) and os.access(path.resolve().parent, os.W_OK)


def _connect(path: Path, read_only: bool) -> sqlite3.Connection:
    if not read_only:
        return sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    uri = f"{path.resolve().as_uri()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        return conn
    except sqlite3.OperationalError as e:
        # A WAL ledger on read-only media without its -shm cannot be opened for reading, unless
        # SQLite is told nobody can change it — true there, but only if no WAL holds later commits.
        conn.close()
        wal = Path(f"{path}-wal")
        if (e.sqlite_errorcode & 0xFF) != _SQLITE_CANTOPEN or (wal.exists() and wal.stat().st_size):
            raise
    return sqlite3.connect(f"{uri}&immutable=1", uri=True, isolation_level=None, check_same_thread=False)


def _read_only_text(path: Path) -> str:
    return tr(f"账本所在位置只读，未写入：{path}", f"the ledger's location is read-only, nothing was written: {path}")


def _foreign(path: Path, found: list) -> str:
    """Why a SQLite file that holds another program's tables is not taken over."""
    tables = [name for kind, name in found if kind == "table"]
    names = tables or [name for _, name in found]
    listed = "、".join(names[:5]) + ("…" if len(names) > 5 else "")
    listed_en = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    n = len(names)
    if tables:
        return tr(f"不是 huidesk 账本：{path} 已有 {n} 张其他程序的表（{listed}），未做任何改动",
                  f"not a huidesk ledger: {path} already holds {n} table(s) of another program ({listed_en}); "
                  "nothing was changed")
    return tr(f"不是 huidesk 账本：{path} 已有 {n} 个其他程序的对象（{listed}），未做任何改动",
              f"not a huidesk ledger: {path} already holds {n} object(s) of another program ({listed_en}); "
              "nothing was changed")


def _unreadable(path: Path, e: sqlite3.DatabaseError) -> LedgerError:
    """A file SQLite could not open: damaged when it starts as an SQLite file does, else not a ledger."""
    try:
        with open(path, "rb") as f:
            sqlite_file = f.read(16) == b"SQLite format 3\x00"
    except OSError:
        sqlite_file = False
    if (getattr(e, "sqlite_errorcode", 0) or 0) & 0xFF == _SQLITE_CANTOPEN:  # not the file's fault
        return LedgerError(tr(f"无法打开账本：{path}（{e}）", f"cannot open the ledger: {path} ({e})"))
    if sqlite_file:
        return DamagedLedger(path, str(e))
    return LedgerError(tr(f"不是 huidesk 账本：{path} 不是 SQLite 数据库（{e}），未做任何改动",
                          f"not a huidesk ledger: {path} is not an SQLite database ({e}); nothing was changed"))


# SQLite's primary result codes (sqlite3.h), for the failures a user should hear about in plain words.
_SQLITE_READONLY, _SQLITE_CORRUPT, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 8, 11, 14, 26
