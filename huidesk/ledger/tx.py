"""The open write transaction: what it inserts, updates and voids, and the journal entry that
records it (see `Store.write`)."""

import datetime as dt
import functools
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager

from huidesk.ledger.journal import GENESIS, EntryHash, content_digest, digest, fixed_digester, row_digester
from huidesk.ledger.schema import RECORD_TABLES


@functools.cache
def _row_digester(table: str, columns: tuple[str, ...]) -> Callable[[tuple], str]:
    return row_digester(table, ["id", *columns])


_fixed_digester = functools.cache(fixed_digester)  # a merge's provenance rows: one template a table


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


_INSERT_JOURNAL_RECORD = "INSERT INTO _journal_records (entry_id, tbl, rid, op, digest) VALUES (?, ?, ?, ?, ?)"


class Tx:
    """One open write transaction; records what it writes for the journal entry."""

    def __init__(self, conn: sqlite3.Connection, actor: str, command: str) -> None:
        """`Store.write` makes it, on the store's connection, inside the transaction it began."""
        self._conn, self.actor, self.command = conn, actor, command
        row = self._conn.execute("SELECT id, hash FROM _journal ORDER BY id DESC LIMIT 1").fetchone()
        self.entry_id = (row[0] + 1) if row else 1
        self.prev = row[1] if row else GENESIS
        self.at = utc_now()
        self.hash = EntryHash(self.entry_id, self.at, actor, command, self.prev)
        self.count = 0
        self.written: list[tuple[str, int, str]] = []  # (table, id, op) of records, for messages and undo
        # While holding (see `holding`): rows waiting for `flush`, by table and columns, in the order
        # first seen (parents before children), their journal rows, and the next id of each table.
        self._held: dict[tuple[str, tuple[str, ...]], list[tuple]] | None = None
        self._held_journal: list[tuple] = []
        self._next_id: dict[str, int] = {}
        # When the command happens as its user counts time (the end of --today, or now; UTC, as void_at
        # holds it): a void is dated by it, so that a report as of an earlier moment still counts the record.
        self.moment: str | None = None
        self.limits_changed = False  # a limit or the ledger's calendar was set: every issue's limits counted again

    def _journal_record(self, table: str, rid: int, op: str, row: Mapping[str, object]) -> None:
        self._journal_digest(table, rid, op, digest(table, row))

    def _journal_digest(self, table: str, rid: int, op: str, d: str) -> None:
        params = (self.entry_id, table, rid, op, d)
        if self._held is not None:
            self._held_journal.append(params)
        else:
            self._conn.execute(_INSERT_JOURNAL_RECORD, params)
            if table in RECORD_TABLES:
                self.written.append((table, rid, op))
        self.hash.add(table, rid, op, d)
        self.count += 1

    def insert(self, table: str, values: Mapping[str, object]) -> int:
        row = {k: int(v) if v.__class__ is bool else v for k, v in values.items()}
        if table in RECORD_TABLES and "uid" not in row:
            row["uid"] = uuid.uuid4().hex
        if self._held is not None:  # digested from its columns' template, as `insert_linked` does (a merge's)
            columns = tuple(row)
            return self._hold(table, columns, tuple(row.values()), _row_digester(table, columns))
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        rid = self._conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(row.values())).lastrowid
        assert rid is not None
        content = {"id": rid}  # what `digest` hashes: the row as stored, NULL columns left out
        content.update({k: v for k, v in row.items() if v is not None})
        self._journal_digest(table, rid, "insert", content_digest(table, content))
        return rid

    def insert_fixed(self, table: str, columns: tuple[str, ...], values: tuple, words: frozenset[str] = frozenset(),
                     ) -> int:
        """`insert` of a row of ints (and plain words, see `fixed_digester`), none None: while holding,
        journaled without a dict and the JSON encoder — the bulk path of link and provenance rows."""
        if self._held is None:
            return self.insert(table, dict(zip(columns, values, strict=True)))
        fixed = _fixed_digester(table, ("id", *columns), words)
        return self._hold(table, columns, values, lambda row: fixed(*row))

    def _hold(self, table: str, columns: tuple[str, ...], values: tuple, digest_of: Callable[[tuple], str]) -> int:
        """A row held for the next `flush` under the next id of its table, journaled by `digest_of` (id, *values)."""
        assert self._held is not None
        rid = self._next_id.get(table) or self._first_free_id(table)
        self._next_id[table] = rid + 1
        row = (rid, *values)
        self._held.setdefault((table, columns), []).append(row)
        self._journal_digest(table, rid, "insert", digest_of(row))
        return rid

    def link(self, table: str, parent: str, parent_id: int, child: str, child_ids: Iterable[int]) -> None:
        """One row (parent_id, child_id) per distinct child, journaled exactly as `insert` journals
        it. While holding, each digest is formatted straight from the two ids, without a dict and a
        JSON encoder per row: an import of a million visits writes millions of these."""
        children = dict.fromkeys(child_ids)
        if self._held is None:
            for cid in children:
                self.insert(table, {parent: parent_id, child: cid})
            return
        link_digest = fixed_digester(table, ("id", parent, child))
        held = self._held.setdefault((table, (parent, child)), [])
        rid = self._next_id.get(table) or self._first_free_id(table)
        for cid in children:
            held.append((rid, parent_id, cid))
            self._journal_digest(table, rid, "insert", link_digest(rid, parent_id, cid))
            rid += 1
        self._next_id[table] = rid

    def insert_linked(self, table: str, records: list[Mapping[str, object]], links: tuple[tuple[str, str, str], ...],
                      children: list[tuple[Iterable[int], ...]]) -> None:
        """`insert` of each record (with its uid), each followed by its `link` rows — for each link
        (table, parent column, child column) the record's child ids — journaled exactly as those calls
        journal them, in the same order. While holding, without a dict and the JSON encoder a row: the
        record's digest comes from a template of its sorted columns (`row_digester`), the links' from
        `fixed_digester`. The bulk path of an import of visits."""
        if self._held is None or not records:
            for values, kids in zip(records, children, strict=True):
                rid = self.insert(table, values)
                for (link, parent, child), ids in zip(links, kids, strict=True):
                    self.link(link, parent, rid, child, ids)
            return
        held_rows, journal, add, entry = self._held, self._held_journal, self.hash.add, self.entry_id
        rid = self._next_id.get(table) or self._first_free_id(table)
        held_rows.setdefault((table, tuple(records[0])), [])  # parents before children at the flush
        state = [[link, held_rows.setdefault((link, (parent, child)), []), fixed_digester(link, ("id", parent, child)),
                  self._next_id.get(link) or self._first_free_id(link)] for link, parent, child in links]
        n = 0
        for values, kids in zip(records, children, strict=True):
            columns = tuple(values)
            row = (rid, *(int(v) if v.__class__ is bool else v for v in values.values()))
            held_rows.setdefault((table, columns), []).append(row)
            d = _row_digester(table, columns)(row)
            journal.append((entry, table, rid, "insert", d))
            add(table, rid, "insert", d)
            for link_state, ids in zip(state, kids, strict=True):
                link, held, link_digest, lid = link_state
                for cid in dict.fromkeys(ids):
                    held.append((lid, rid, cid))
                    d = link_digest(lid, rid, cid)
                    journal.append((entry, link, lid, "insert", d))
                    add(link, lid, "insert", d)
                    lid += 1
                    n += 1
                link_state[3] = lid
            rid += 1
            n += 1
        self._next_id[table] = rid
        for link, _, _, lid in state:
            self._next_id[link] = lid
        self.count += n

    def _first_free_id(self, table: str) -> int:
        return self._conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]

    @contextmanager
    def holding(self) -> Iterator["Tx"]:
        """Hold inserts back and write them with `executemany` at each `flush` (and at the end):
        the bulk path for imports and generated ledgers. Each row is journaled exactly as one
        `insert` journals it; ids are assigned here, inside the write lock, so they are known at
        once. Reads in between do not see held rows (an update writes them first); held rows are
        not listed in `written`, so memory stays flat however many rows go through."""
        if self._held is not None:
            yield self
            return
        self._held = {}
        try:
            yield self
            self.flush()
        finally:
            self._held, self._held_journal = None, []
            self._next_id.clear()

    @property
    def held(self) -> int:
        """How many rows (journal rows included) wait for `flush`."""
        return 2 * len(self._held_journal)

    def flush(self) -> None:
        """Write the held rows, parents before children."""
        if not self._held_journal:
            return
        held, journal = self._held, self._held_journal
        self._held, self._held_journal = {}, []
        for (table, cols), params in (held or {}).items():
            self._conn.executemany(f"INSERT INTO {table} (id, {', '.join(cols)}) VALUES (?{', ?' * len(cols)})", params)
        self._conn.executemany(_INSERT_JOURNAL_RECORD, journal)

    def insert_many(self, table: str, rows: Iterable[Mapping[str, object]], batch: int = 5000) -> range:
        """Insert rows of one table through `holding`, flushing every `batch` rows; returns their ids,
        which are consecutive, in the order of `rows`."""
        with self.holding():
            first = self._next_id.get(table) or self._first_free_id(table)
            n = 0
            for values in rows:
                self.insert(table, values)
                n += 1
                if n % batch == 0:
                    self.flush()
        return range(first, first + n)

    def update(self, table: str, rid: int, values: Mapping[str, object], op: str = "update") -> None:
        self.flush()
        sets = ", ".join(f"{k} = ?" for k in values)
        self._conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values.values(), rid))
        row = self._conn.execute(f"SELECT * FROM {table} WHERE id = ?", (rid,)).fetchone()
        self._journal_record(table, rid, op, dict(row))

    def void(self, table: str, rid: int, reason: str) -> None:
        self.update(table, rid, {"void_reason": reason, "void_at": self.moment or utc_now()}, op="void")

    def finish(self) -> None:
        self.flush()
        from huidesk.ledger.deadlines import count_limits

        count_limits(self._conn, self.limits_changed)  # what SQL cannot count of the issues written
        if self.count:
            self._conn.execute(
                "INSERT INTO _journal (id, at, actor, command, prev, hash) VALUES (?, ?, ?, ?, ?, ?)",
                (self.entry_id, self.at, self.actor, self.command, self.prev, self.hash.hexdigest()),
            )
