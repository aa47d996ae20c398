"""The two things the ledger's modules get from the store instead of its connection: `Read`, the
read-only query helper, and `Table`, what every record table's object is (the model is sqlite-utils'
`db["visits"]`: one object per table).

`Store` (huidesk/ledger/store.py) owns the connection. It hands each module a `Read` for its queries
(`store.read.all(sql, args)`), a table object per record table (`store.visits`, `store["visits"]`) for
what a record family does, and one door for writes: `store.write(command)`, the transaction and its
journal entry (huidesk/ledger/tx.py). Only store.py, this module and tx.py touch the connection.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

from huidesk.ledger.schema import RECORD_TABLES

if TYPE_CHECKING:
    from huidesk.ledger.tx import Tx

R = TypeVar("R")



# Records that belong to another and are written (and undone) with it: an issue's events.
_BELONGING = {"issues": ("issue_events", "issue_id")}

class Read:
    """Queries that read, on one connection: rows (sqlite3.Row, by name or position), one row, one value,
    a stream of rows or of plain tuples, typed records. A statement that is not a read (it does not start
    with SELECT, WITH, VALUES or a PRAGMA that sets nothing) is refused: writes go through `Store.write`.

    Anything with `execute(sql, args)` returning a cursor will do as the connection: the warehouse
    gives its DuckDB connection (huidesk/ledger/warehouse_read.py), so a report's SQL reads either."""

    __slots__ = ("_conn",)

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def all(self, sql: str, args: Sequence | Mapping = ()) -> list:
        """Every row."""
        return self._conn.execute(_reading(sql), args).fetchall()

    def one(self, sql: str, args: Sequence | Mapping = ()) -> Any:
        """The first row; None when there is none."""
        return self._conn.execute(_reading(sql), args).fetchone()

    def value(self, sql: str, args: Sequence | Mapping = ()) -> Any:
        """The first column of the first row; None when there is no row."""
        row = self._conn.execute(_reading(sql), args).fetchone()
        return None if row is None else row[0]

    def rows(self, sql: str, args: Sequence | Mapping = ()) -> Iterator:
        """The rows as they are read (a cursor): for results too big to hold."""
        return self._conn.execute(_reading(sql), args)

    def tuples(self, sql: str, args: Sequence | Mapping = ()) -> Iterator[tuple]:
        """The rows as plain tuples, as they are read: no sqlite3.Row made for each of millions of rows."""
        cursor = self._conn.cursor()
        cursor.row_factory = None
        return cursor.execute(_reading(sql), args)

    def dicts(self, sql: str, args: Sequence | Mapping = ()) -> list[dict]:
        """Every row as a dict of its columns: for rows a report reads many times over by name (a dict's
        look-up is SQLite's and DuckDB's alike, and faster than either's row by name)."""
        cursor = self._conn.execute(_reading(sql), args)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def records(self, record: Callable[..., R], sql: str, args: Sequence = ()) -> list[R]:
        """Each row as `record(*columns)`, from plain tuples."""
        return [record(*row) for row in self.tuples(sql, args)]

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open on the connection (its reads then see one state of the ledger)."""
        return bool(self._conn.in_transaction)


_READS = ("SELECT", "WITH", "VALUES")
_known: dict[str, bool] = {}  # statement -> whether it reads: most statements are the same few texts


def _reading(sql: str) -> str:
    """`sql`, when it is a read; else ValueError."""
    reads = _known.get(sql)
    if reads is None:
        head = sql.lstrip().lstrip("(").upper()
        reads = head.startswith(_READS) or head.startswith("PRAGMA") and "=" not in head
        if len(_known) < 4096:
            _known[sql] = reads
    if not reads:
        raise ValueError(f"not a read: {sql[:60]!r} (writes go through Store.write)")
    return sql


class Table:
    """A record table (schema.RECORD_TABLES): what any of them does. Each record family's table adds
    its own methods (huidesk/ledger/people.py, work.py, issues.py).

    `store` is the store the table belongs to (its `find`, `settings` and other tables), `read` its
    query helper; a table reads through `read` and writes through the `Tx` of `store.write`."""

    def __init__(self, store: Any, name: str) -> None:
        if name not in RECORD_TABLES:
            raise ValueError(f"not a record table: {name}")
        self.store, self.name = store, name

    @property
    def read(self) -> Read:
        return self.store.read

    def __repr__(self) -> str:
        return f"<Table {self.name}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The listing: `store.teams(...)` is `store.teams.list(...)` (the store's methods were named so
        before the tables were objects, and reports call them so)."""
        return self.list(*args, **kwargs)  # type: ignore[attr-defined]

    def insert(self, tx: "Tx", row: Mapping[str, object]) -> int:
        """A record as an import file gives it, written as it is (its uid kept); huidesk/exchange/ has
        validated it and resolved its references inside this same transaction."""
        return tx.insert(self.name, row)

    def uid_taken(self, uid: str) -> bool:
        """Whether a record, void or live, already has this uid."""
        return self.read.one(f"SELECT 1 FROM {self.name} WHERE uid = ?", (uid,)) is not None

    def uids_taken(self, uids: Iterable[str]) -> set[str]:
        """Those of `uids` that a record, void or live, already has."""
        found: set[str] = set()
        pending = list(uids)
        for start in range(0, len(pending), 500):
            part = pending[start : start + 500]
            marks = ", ".join("?" * len(part))
            found.update(r[0] for r in self.read.rows(f"SELECT uid FROM {self.name} WHERE uid IN ({marks})", part))
        return found

    def restore_undone(self, tx: "Tx", uid: str) -> bool:
        """Bring back the record of this uid if an `undo` voided it (an undone import imported again),
        with the records the same undo voided that belong to it (an issue's events); False otherwise
        (a record voided for a reason of its own stays void)."""
        row = self.read.one(f"SELECT id, void_reason FROM {self.name} WHERE uid = ?", (uid,))
        if row is None or row[1] is None:
            return False
        undone = self.read.one(
            "SELECT r.entry_id, j.command FROM _journal_records r JOIN _journal j ON j.id = r.entry_id"
            " WHERE r.tbl = ? AND r.rid = ? AND r.op = 'void' ORDER BY r.id DESC LIMIT 1", (self.name, row[0]))
        if undone is None or undone[1] != "undo":
            return False
        tx.update(self.name, row[0], {"void_reason": None, "void_at": None})
        child = _BELONGING.get(self.name)
        if child is not None:
            table, column = child
            for (rid,) in self.read.rows(
                    f"SELECT c.id FROM {table} c JOIN _journal_records r ON r.tbl = ? AND r.rid = c.id"
                    f" AND r.op = 'void' WHERE c.{column} = ? AND c.void_reason IS NOT NULL AND r.entry_id = ?",
                    (table, row[0], undone[0])):
                tx.update(table, rid, {"void_reason": None, "void_at": None})
        return True

    def bulk(self) -> AbstractContextManager:
        """Inside a write: a bulk import into this table — a bigger page cache while the indexes grow, and
        the facts kept beside the records made once at the end rather than row by row (facts.deferred)."""
        self.store.bulk_cache()
        return self.store._facts_deferred(self.name)
