"""`check`: verify the journal's hash chain and that every record matches what the journal wrote."""

import itertools
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from huidesk.domain.i18n import tr
from huidesk.ledger.journal import GENESIS, EntryHash, digest
from huidesk.ledger.schema import JOURNALED_TABLES

if TYPE_CHECKING:
    from huidesk.ledger.store import Store


@dataclass(frozen=True)
class Problem:
    what: str  # "entry 12" or "places#3"
    message: str

    def __str__(self) -> str:
        return f"{self.what}: {self.message}"


def verify(store: "Store", progress: Callable[[int], None] | None = None) -> Iterator[Problem]:
    """Every problem found; none means the chain is intact and matches the records."""
    conn = store.conn
    ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if ok != "ok":
        yield Problem("sqlite", tr(f"完整性检查失败：{ok}", f"integrity_check failed: {ok}"))
    for row in conn.execute("PRAGMA foreign_key_check"):
        yield Problem(f"{row[0]}#{row[1]}", tr(f"引用了不存在的 {row[2]}", f"refers to a missing {row[2]} row"))
    yield from _verify_chain(conn, progress)
    for table in JOURNALED_TABLES:
        yield from _verify_table(conn, table)


def _verify_chain(conn: sqlite3.Connection, progress: Callable[[int], None] | None) -> Iterator[Problem]:
    records = conn.execute("SELECT entry_id, tbl, rid, op, digest FROM _journal_records ORDER BY entry_id, id")
    by_entry = itertools.groupby(records, key=lambda r: r[0])
    pending = next(by_entry, None)
    prev = GENESIS
    for n, (eid, at, actor, command, prev_stored, stored) in enumerate(
        conn.execute("SELECT id, at, actor, command, prev, hash FROM _journal ORDER BY id"), 1
    ):
        while pending is not None and pending[0] < eid:
            yield Problem(
                tr(f"日志#{pending[0]}", f"entry {pending[0]}"),
                tr("日志条目已被删除，只剩它写入的记录", "the entry was removed; only its records remain"),
            )
            pending = next(by_entry, None)
        h = EntryHash(eid, at, actor, command, prev_stored)
        if pending is not None and pending[0] == eid:
            for _, tbl, rid, op, d in pending[1]:
                h.add(tbl, rid, op, d)
            pending = next(by_entry, None)
        where = tr(f"日志#{eid}", f"entry {eid}")
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


def _verify_table(conn: sqlite3.Connection, table: str) -> Iterator[Problem]:
    """Merge the table's rows with the latest digest the journal holds for each, both in id order."""
    journal = conn.execute(
        "SELECT rid, digest, entry_id FROM _journal_records WHERE tbl = ? ORDER BY rid, id", (table,)
    )
    latest = ((rid, list(group)[-1]) for rid, group in itertools.groupby(journal, key=lambda r: r[0]))
    rows = conn.execute(f"SELECT * FROM {table} ORDER BY id")
    j = next(latest, None)
    for row in rows:
        rid = row["id"]
        while j is not None and j[0] < rid:
            yield _deleted(table, j)
            j = next(latest, None)
        if j is None or j[0] != rid:
            yield Problem(
                f"{table}#{rid}",
                tr("不在日志中（被绕过工具直接写入）", "not in the journal (written behind the tool's back)"),
            )
            continue
        if digest(table, dict(row)) != j[1][1]:
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


def _deleted(table: str, j: tuple) -> Problem:
    entry = j[1][2]
    return Problem(f"{table}#{j[0]}", tr(f"已被删除（由日志#{entry} 写入）", f"was deleted (written by entry {entry})"))
