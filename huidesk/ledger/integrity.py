"""`check`: verify the journal's hash chain, that every record matches what the journal wrote, that
the schema is huidesk's own, and — given an anchor (a head a tally printed, or a backup) — that the
chain still contains it: a chain cut short or rebuilt from scratch is valid in itself, but not that."""

import itertools
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from huidesk.domain.errors import InvalidValue, LedgerError
from huidesk.domain.i18n import tr
from huidesk.ledger.faults import DamagedLedger
from huidesk.ledger.journal import GENESIS, EntryHash, row_digester
from huidesk.ledger.schema import JOURNALED_TABLES, normal, schema_objects
from huidesk.ledger.shapes import shape_of
from huidesk.ledger.table import Read

if TYPE_CHECKING:
    from huidesk.ledger.store import Store


@dataclass(frozen=True)
class Problem:
    what: str  # "entry 12" or "places#3"
    message: str

    def __str__(self) -> str:
        return f"{self.what}: {self.message}"


def verify(store: "Store", progress: Callable[[int], None] | None = None) -> Iterator[Problem]:
    """Every problem found; none means the chain is intact and matches the records.

    SQLite's own `PRAGMA integrity_check` (a third of the time on a district) runs on a second
    connection in a thread while this one hashes the journal and the records: sqlite3 lets go of
    the GIL while SQLite works, so the two share the machine's cores. A damaged file is reported
    before any other problem, as when the check ran first."""
    import threading

    read = store.read
    verdict: list[object] = []

    def integrity() -> None:
        try:
            other = sqlite3.connect(f"{Path(store.path).resolve().as_uri()}?mode=ro", uri=True)
            try:
                # 64 MB of pages: checking each index against its table reads the table's pages again and
                # again; with SQLite's default 2 MB each read was a system call (a district: 15.6 -> 13.6 s)
                other.execute("PRAGMA cache_size = -65536")
                verdict.append(other.execute("PRAGMA integrity_check").fetchone()[0])
            finally:
                other.close()
        except sqlite3.Error as e:  # cannot even be opened a second time: check it on this connection
            verdict.append(e)

    aside = _aside(read, store.path)  # started before the thread: a fork copies one thread only
    worker = threading.Thread(target=integrity, name="integrity_check", daemon=True)
    worker.start()
    checked = False

    def damaged() -> None:
        nonlocal checked
        if checked:
            return
        worker.join()
        checked = True
        ok = verdict[0] if verdict and isinstance(verdict[0], str) else None
        if ok is None:
            ok = read.value("PRAGMA integrity_check")
        if ok != "ok":
            raise DamagedLedger(store.path, ok)

    def rest() -> Iterator[Problem]:
        yield from _verify_schema(read)
        for row in read.rows("PRAGMA foreign_key_check"):
            yield Problem(f"{row[0]}#{row[1]}", tr(f"引用了不存在的 {row[2]}", f"refers to a missing {row[2]} row"))
        yield from _verify_chain(read, progress)
        if aside is None:
            for table in JOURNALED_TABLES:
                yield from _verify_table(read, table)
        else:
            pool, tables, result = aside
            found = {table: list(_verify_table(read, table)) for table in JOURNALED_TABLES if table not in tables}
            found.update(result.get())
            pool.close()
            for table in JOURNALED_TABLES:
                yield from found[table]
        yield from _verify_facts(read)

    try:
        for problem in rest():
            damaged()
            yield problem
    except sqlite3.DatabaseError:
        damaged()
        raise
    finally:
        if aside is not None:
            aside[0].terminate()
    damaged()


# The tables a second process verifies on a big ledger (about half the hashing of a district), and
# from how many journaled rows on: below it a process costs more than it saves.
_ASIDE = ("visits", "visit_residents", "visit_members", "activity_members")
_ASIDE_FROM = 200_000


def _aside(read: Read, path: object) -> tuple | None:
    """On a big ledger, a forked process verifying the _ASIDE tables (a pool, the tables, the pending
    result); None on a small ledger or where processes are not forked (the tables are then verified here).
    HUIDESK_CHECK_ASIDE_FROM sets the threshold (the tests set 0)."""
    import multiprocessing
    import os

    try:
        threshold = int(os.environ.get("HUIDESK_CHECK_ASIDE_FROM", _ASIDE_FROM))
    except ValueError:
        threshold = _ASIDE_FROM
    if "fork" not in multiprocessing.get_all_start_methods() or (os.cpu_count() or 1) < 2:
        return None
    rows = read.value("SELECT max(id) FROM _journal_records") or 0
    if rows < threshold:
        return None
    pool = multiprocessing.get_context("fork").Pool(1)
    return pool, _ASIDE, pool.apply_async(_verify_tables, (str(path), _ASIDE))


def _verify_tables(path: str, tables: tuple[str, ...]) -> dict[str, list[Problem]]:
    """The problems of each table, on a connection of this process's own (a forked worker's)."""
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        return {table: list(_verify_table(Read(conn), table)) for table in tables}
    finally:
        conn.close()


def _verify_chain(read: Read, progress: Callable[[int], None] | None) -> Iterator[Problem]:
    """The hash chain, and that each entry is of a command huidesk has and writes only what that
    command writes (huidesk.ledger.shapes)."""
    records = read.tuples("SELECT entry_id, tbl, rid, op, digest FROM _journal_records ORDER BY entry_id, id")
    by_entry = itertools.groupby(records, key=lambda r: r[0])
    pending = next(by_entry, None)
    prev = GENESIS
    nothing: frozenset[str] = frozenset()
    for n, (eid, at, actor, command, prev_stored, stored) in enumerate(
        read.tuples("SELECT id, at, actor, command, prev, hash FROM _journal ORDER BY id"), 1
    ):
        while pending is not None and pending[0] < eid:
            yield Problem(
                tr(f"日志#{pending[0]}", f"entry {pending[0]}"),
                tr("日志条目已被删除，只剩它写入的记录", "the entry was removed; only its records remain"),
            )
            pending = next(by_entry, None)
        h = EntryHash(eid, at, actor, command, prev_stored)
        shape = shape_of(command)
        odd = None  # the first row the entry's command never writes
        if pending is not None and pending[0] == eid:
            add = h.add
            if shape is None:
                for _, tbl, rid, op, d in pending[1]:
                    add(tbl, rid, op, d)
            else:
                for _, tbl, rid, op, d in pending[1]:
                    add(tbl, rid, op, d)
                    if odd is None and op not in shape.get(tbl, nothing):
                        odd = (tbl, rid, op)
            pending = next(by_entry, None)
        where = tr(f"日志#{eid}", f"entry {eid}")
        if shape is None:
            yield Problem(where, tr(
                f"不是 huidesk 的命令写入的：没有“{command}”这条命令（被绕过工具追加）",
                f"not written by huidesk: it has no command '{command}' (appended behind its back)"))
        elif odd is not None:
            tbl, rid, op = odd
            yield Problem(where, tr(
                f"“{command}”从不{_OPS[op][0]}{tbl}（{tbl}#{rid}）：不是 huidesk 写入的（被绕过工具追加）",
                f"'{command}' never {_OPS[op][1]} {tbl} ({tbl}#{rid}): not written by huidesk (appended behind "
                "its back)"))
        if prev_stored != prev:
            yield Problem(
                where,
                tr(
                    "与前一条日志断链（中间有日志被删除或改动）",
                    "does not follow the entry before it (one was removed or altered)",
                ),
            )
        if h.hexdigest() != stored:
            yield Problem(
                where, tr("内容与其哈希不符（日志被改动）", "content does not match its hash (the entry was altered)")
            )
        prev = stored
        if progress:
            progress(n)
    while pending is not None:
        yield Problem(tr(f"日志#{pending[0]}", f"entry {pending[0]}"), tr("日志条目已被删除", "the entry was removed"))
        pending = next(by_entry, None)


_OPS = {"insert": ("新增", "inserts"), "update": ("改动", "updates"), "void": ("作废", "voids")}


def _verify_table(read: Read, table: str) -> Iterator[Problem]:
    """Merge the table's rows with the latest digest the journal holds for each, both in id order."""
    journal = read.tuples("SELECT rid, digest, entry_id, op FROM _journal_records WHERE tbl = ? ORDER BY rid, id",
                          (table,))
    misjournaled: list[Problem] = []

    def latest_of() -> Iterator[tuple[int, tuple]]:
        """Each row's latest journal record; a row's first record must insert it, and no later one may
        (an entry that "inserts" a row already there rewrites it as if new)."""
        for rid, group in itertools.groupby(journal, key=lambda r: r[0]):
            last = first = next(group)
            again = None
            for last in group:
                if again is None and last[3] == "insert":
                    again = last
            if first[3] != "insert":
                misjournaled.append(Problem(f"{table}#{rid}", tr(
                    f"日志#{first[2]} {_OPS[first[3]][0]}了一条从未新增的记录（被绕过工具追加）",
                    f"entry {first[2]} {_OPS[first[3]][1]} a row never inserted (appended behind its back)")))
            elif again is not None:
                misjournaled.append(Problem(f"{table}#{rid}", tr(
                    f"日志#{again[2]} 把日志#{first[2]} 已新增的记录又当作新记录写入（被绕过工具追加）",
                    f"entry {again[2]} inserts again the row entry {first[2]} inserted (appended behind its back)")))
            yield rid, last

    latest = latest_of()
    rows = read.tuples(f"SELECT * FROM {table} ORDER BY id")
    names = [d[0] for d in rows.description]
    digest_of = row_digester(table, names)
    j = next(latest, None)
    for row in rows:
        rid = row[0]
        while j is not None and j[0] < rid:
            yield _deleted(table, j)
            j = next(latest, None)
        if j is None or j[0] != rid:
            yield Problem(
                f"{table}#{rid}",
                tr("不在日志中（被绕过工具直接写入）", "not in the journal (written behind the tool's back)"),
            )
            continue
        if digest_of(row) != j[1][1]:
            entry = j[1][2]
            yield Problem(
                f"{table}#{rid}",
                tr(
                    f"与日志#{entry} 记下的内容不符（被直接改动）",
                    f"differs from what entry {entry} wrote (altered directly)",
                ),
            )
        j = next(latest, None)
    while j is not None:
        yield _deleted(table, j)
        j = next(latest, None)
    yield from misjournaled


def _deleted(table: str, j: tuple) -> Problem:
    entry = j[1][2]
    return Problem(f"{table}#{j[0]}", tr(f"已被删除（由日志#{entry} 写入）", f"was deleted (written by entry {entry})"))


# --- the schema ---------------------------------------------------------------------------

_KINDS = {
    "table": ("表", "table"), "index": ("索引", "index"), "trigger": ("触发器", "trigger"), "view": ("视图", "view"),
}


def _verify_facts(read: Read) -> Iterator[Problem]:
    """The facts kept beside the records (huidesk/ledger/facts.py) against their derivation from them."""
    from huidesk.ledger import facts

    for where, column, kept, derived in facts.differences(read):
        if column == "row":
            text = (tr("缺少这一行（记录里有）", "missing (the records have it)") if kept is None
                    else tr("多出这一行（记录里没有）", "left over (not in the records)"))
        else:
            text = tr(f"{column} 记为 {kept!r}，按记录应为 {derived!r}",
                      f"{column} is {kept!r}; the records give {derived!r}")
        yield Problem(where, text)


# The objects SQLite itself makes beside a schema, by exactly these definitions: ANALYZE's statistics
# (sqlite_stat4 in builds that keep samples) and AUTOINCREMENT's counters. Only these pass unnamed: an
# object of another type, another name or another definition under SQLite's reserved sqlite_ prefix (which
# only `PRAGMA writable_schema` can put there) is as planted as any other.
SQLITE_OWN = {
    ("table", "sqlite_stat1"): "CREATE TABLE sqlite_stat1(tbl,idx,stat)",
    ("table", "sqlite_stat4"): "CREATE TABLE sqlite_stat4(tbl,idx,neq,nlt,ndlt,sample)",
    ("table", "sqlite_sequence"): "CREATE TABLE sqlite_sequence(name,seq)",
}


def _verify_schema(read: Read) -> Iterator[Problem]:
    """Every table, index, trigger and view that huidesk's schema and migrations do not define, or
    define differently, whatever its name (SQLite's own objects aside, see SQLITE_OWN), every one
    they define that is missing, and any name sqlite_master holds twice."""
    from huidesk.ledger.migrations import expected_schema

    expected = expected_schema()
    from collections import Counter

    named = Counter(tuple(r) for r in read.rows("SELECT type, name FROM sqlite_master"))
    for kind, name in sorted(key for key, n in named.items() if n > 1):
        yield Problem(f"{tr(*_KINDS.get(kind, (kind, kind)))} {name}",
                      tr("在架构中出现了不止一次（被额外加入）", "appears more than once in the schema (planted)"))
    found = schema_objects(read)
    for key in sorted(found.keys() | expected.keys()):
        kind, name = key
        if key not in expected and key in SQLITE_OWN and found[key] == normal(SQLITE_OWN[key]):
            continue
        what = f"{tr(*_KINDS.get(kind, (kind, kind)))} {name}"
        if key not in expected:
            yield Problem(what, tr("不是 huidesk 定义的（被额外加入）", "is not huidesk's (added behind its back)"))
        elif key not in found:
            yield Problem(what, tr("缺少 huidesk 定义的这一项（被删除）", "huidesk defines it but it is missing"))
        elif found[key] != expected[key]:
            yield Problem(what, tr("与 huidesk 的定义不同（被改动）", "differs from huidesk's definition (altered)"))


# --- anchors --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    id: int
    at: str
    actor: str
    command: str
    hash: str


_HEX = re.compile(r"[0-9a-f]{12,64}")


def find_head(store: "Store", given: str) -> Entry | None:
    """The entry whose hash is `given` (64 hex, or a unique prefix of at least 12); None when no entry
    of this chain has it. The chain's start (all zeros) is entry 0 of every ledger."""
    prefix = given.strip().lower()
    if not _HEX.fullmatch(prefix):
        raise InvalidValue(
            "head", given, tr("应为链头哈希：至少 12 位十六进制", "a chain head: at least 12 hex digits")
        )
    if GENESIS.startswith(prefix):
        return Entry(0, "", "", "", GENESIS)
    rows = store.read.all(
        "SELECT id, at, actor, command, hash FROM _journal WHERE hash >= ? AND hash < ? ORDER BY id LIMIT 2",
        (prefix, prefix + "g"),
    )
    if len(rows) > 1:
        raise InvalidValue("head", given, tr("不唯一，请多给几位", "ambiguous; give more digits"))
    return Entry(*rows[0]) if rows else None


def head_problem(given: str) -> Problem:
    return Problem(
        tr("锚点", "anchor"),
        tr(f"链头 {given} 不在本账本的日志链中：链被截短或被重建过",
           f"chain head {given} is not in this ledger's chain: the chain was cut short or rebuilt"),
    )


def compare_backup(store: "Store", backup: Path) -> tuple[Entry | None, list[Problem]]:
    """The entry of this ledger that is the backup's head, and the problems: the backup's own chain
    broken, its head not in this chain, or an entry before it that differs (a rebuilt history)."""
    backup = Path(backup).expanduser()
    if not backup.is_file():
        raise LedgerError(tr(f"备份不存在：{backup}", f"no backup at {backup}"))
    conn = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
    try:
        if not Read(conn).one("SELECT 1 FROM sqlite_master WHERE name = '_journal'"):
            raise LedgerError(tr(f"不是 huidesk 账本的备份：{backup}", f"not a backup of a huidesk ledger: {backup}"))
        return _compare(store, Read(conn), backup)
    except sqlite3.DatabaseError as e:  # the backup's failure, not this ledger's
        raise LedgerError(tr(f"无法读取备份：{backup}（{e}）", f"cannot read the backup {backup} ({e})")) from e
    finally:
        conn.close()


def _compare(store: "Store", theirs_read: Read, backup: Path) -> tuple[Entry | None, list[Problem]]:
    where = tr(f"备份 {backup}", f"backup {backup}")
    problems = [Problem(where, f"{p}") for p in _verify_chain(theirs_read, None)]
    row = theirs_read.one("SELECT id, at, actor, command, hash FROM _journal ORDER BY id DESC LIMIT 1")
    if row is None:
        return Entry(0, "", "", "", GENESIS), problems
    theirs = Entry(*row)
    mine = store.read.one("SELECT id, at, actor, command, hash FROM _journal WHERE hash = ?", (theirs.hash,))
    if mine is None or mine[0] != theirs.id:
        problems.append(Problem(where, tr(
            f"备份的链头 {theirs.hash[:12]}（日志#{theirs.id}）不在本账本的日志链中：链被截短或被重建过",
            f"the backup's head {theirs.hash[:12]} (entry {theirs.id}) is not in this ledger's chain: "
            "the chain was cut short or rebuilt")))
        return None, problems
    columns = "SELECT id, at, actor, command, prev, hash FROM _journal WHERE id <= ? ORDER BY id"
    pairs = itertools.zip_longest(store.read.rows(columns, (theirs.id,)), theirs_read.rows(columns, (theirs.id,)))
    for ours, saved in pairs:
        if ours is None or saved is None or tuple(ours) != tuple(saved):
            eid = (ours or saved)[0]
            problems.append(Problem(tr(f"日志#{eid}", f"entry {eid}"), tr(
                f"与备份 {backup} 中的不同：此前的历史被重建过",
                f"differs from backup {backup}: the history was rebuilt")))
            break
    return Entry(*mine), problems
