"""Importing: every row validated and written inside one transaction, all or nothing."""

import itertools
import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import TYPE_CHECKING

from huidesk.domain.errors import HuideskError, InvalidTransition, InvalidValue
from huidesk.domain.i18n import tr
from huidesk.exchange.cells import LABEL, UID, Cells, cell_text
from huidesk.exchange.layouts import TABLES, Table, derive_uid
from huidesk.exchange.loaders import LOADERS, PREPARERS
from huidesk.exchange.readers import READERS, Layout, Source
from huidesk.exchange.rows import Columns, Row
from huidesk.ledger import exchange as ledger

if TYPE_CHECKING:
    import datetime as dt

    from huidesk.ledger.store import Store
    from huidesk.ledger.tx import Tx


MAX_REPORTED = 20  # bad rows listed one per line before "…and N more"


@dataclass
class ImportResult:
    added: int = 0
    restored: int = 0  # records an `undo` had voided, imported again
    skipped: int = 0
    bad: int = 0
    errors: list[str] = dc_field(default_factory=list)  # the first MAX_REPORTED bad rows, one line each


class _Rollback(Exception):
    """Leave the import's transaction without writing (a bad row, or a dry run)."""


# Tables referred to by name whose names have no index (units' are unique, places go by path).
_UNINDEXED_NAMES = ("teams", "members", "residents")
_MAX_NAME_MAP = 500_000  # names held in memory per table during an import


class Import:
    """One import: rows validated one by one inside the write transaction that will hold them."""

    def __init__(self, store: "Store", tx: "Tx", table: Table, today: "dt.date", now: "dt.datetime") -> None:
        self.store, self.tx, self.table, self.today, self.now = store, tx, table, today, now
        self.result = ImportResult()
        self._refs: dict[tuple[str, str, str], tuple[int, str] | HuideskError] = {}
        self._later: list[tuple[str, Cells, HuideskError]] = []  # issue steps whose earlier steps come later
        self._load = LOADERS[table.name]
        self._name_maps: dict[str, dict[str, tuple[int, str] | None] | None] = {}
        self.days: dict[str, str] = {}  # a date as written -> its ISO form
        # Which row of the file added each record, to tell a row that repeats an earlier one of the same
        # file ("第 5 行与第 2 行重复") from one whose record was in the ledger before: the rows held
        # back since the last flush and the rows written at once, by uid -> their number in the file;
        # and, compactly for a bulk import of millions, the numbers of all rows added in the order
        # their records' ids were given (consecutive from the first one's).
        self._held_uids: dict[str, int] = {}
        self._written: dict[str, int] = {}
        self._numbers = array("q")
        self._first_uid: str | None = None
        self._first_id: int | None = None
        self._flushed = False
        self._asked: set[str] = set()  # uids of the rows `prefetch` looked up, and those found
        self._known: set[str] = set()
        self._held_from = self._held_to = ""  # and where they were
        self.columns = Columns(self)  # the cells of a bulk table's rows, parsed a column at a time
        self.prepare = PREPARERS.get(table.name)  # for a table whose rows can be prepared a batch at a time

    def ref(self, table: str, text: str, field: str) -> tuple[int, str]:
        """(id, uid) of the live record a reference names: its uid; its exact name (places: path);
        a label as an export writes it (huidesk.ledger.exchange.ref), 王芳（48号楼） or 王芳（3f2a9c1e）;
        else its id or a unique part
        of its name, as everywhere (`Store.find`, whose errors list the candidates). Looked up once
        per import: an import adds no records to the tables it refers to."""
        key = (table, text, field)
        if key not in self._refs:
            try:
                self._refs[key] = self._lookup(table, text, field)
            except HuideskError as e:
                self._refs[key] = e
        hit = self._refs[key]
        if isinstance(hit, HuideskError):
            raise hit
        return hit

    def _lookup(self, table: str, text: str, field: str) -> tuple[int, str]:
        store = self.store
        hit = ledger.one_by_uid(store, table, text) if UID.fullmatch(text) and len(text) >= 16 else None
        if hit is None and table in _UNINDEXED_NAMES:
            names = self._names(table)
            hit = names.get(text) if names is not None else ledger.one_by_name(store, table, text)
        else:
            hit = hit or ledger.one_by_name(store, table, text)
        m = LABEL.fullmatch(text) if table != "places" else None
        if hit is None and m:
            name, tag = m[1].strip(), m[2].strip()
            if re.fullmatch(r"[0-9a-f]{8,32}", tag):
                hit = ledger.one_by_name_and_uid_start(store, table, name, tag)
            if hit is None and table in ("teams", "residents"):
                hit = ledger.one_by_name_and_place(store, table, name, tag)
        if hit is None:
            found = store.find(table, text, field)
            hit = (found["id"], ledger.uid_of(store, table, found["id"]))
        return hit

    def _names(self, table: str) -> dict[str, tuple[int, str] | None] | None:
        """Each name of a live record of `table` -> (id, uid) of the one record with it, None when
        several share it; read in one pass, once per import (these names have no index, and a big
        file names thousands of residents). None for a table too big to hold in memory: then each
        name is looked up on its own."""
        if table not in self._name_maps:
            names: dict[str, tuple[int, str] | None] | None = {}
            for n, (rid, uid, name) in enumerate(ledger.live_names(self.store, table)):
                if n >= _MAX_NAME_MAP:
                    names = None
                    break
                names[name] = None if name in names else (rid, uid)  # type: ignore[index,operator]
            self._name_maps[table] = names
        return self._name_maps[table]

    def take(self, where: str, cells: Cells | str) -> None:
        if isinstance(cells, str):
            self._bad(where, [HuideskError(cells)])
            return
        row = Row(self, where, cells)
        uid = row.field(self.table.field("uid"))
        if row.problems:
            self._bad(where, row.problems)
            return
        if uid is not None and self._taken(str(uid)):
            self._skip(where, str(uid))
            return
        values = row.parse()
        if row.problems:
            self._bad(where, row.problems)
            return
        if uid is None:
            uid = derive_uid(self.table.name, row.identity)
            if self._taken(uid):
                self._skip(where, uid)
                return
        try:
            with ledger.refusals():
                outcome = self._load(self, row, values, str(uid))
        except InvalidTransition as e:
            if self.table.name == "issue_events":
                self._later.append((where, cells, e))
                return
            row.problems.append(e)
        except InvalidValue as e:
            key = e.field.lstrip("-").replace("-", "_").lower()
            known = any(f.key == key for f in self.table.fields)
            row.problems.append(InvalidValue(row.header(key), e.value, e.reason, row.pii(key) or e.pii) if known else e)
        except ledger.Refused as refused:
            e = refused.detail
            row.problems.append(HuideskError(tr(f"账本拒绝了这一行（{e}）", f"the ledger refused this row ({e})")))
        except HuideskError as e:
            row.problems.append(e)
        if row.problems:
            self._bad(where, row.problems)
        elif outcome == "skipped":
            self.result.skipped += 1
        else:
            self.result.added += 1
            number = getattr(where, "n", 0)
            if self.tx.held:
                self._held_uids[str(uid)] = number
                self._held_from = self._held_from or where
                self._held_to = where
                self._numbers.append(number)
                self._first_uid = self._first_uid or str(uid)
            else:
                self._written[str(uid)] = number

    def take_prepared(self, rows: list[tuple[str, Cells | str]], prepared: list[object]) -> None:
        """Rows of a bulk table as `prepare` left them: each prepared one written as `take` would
        write it (a run of them in one call), in the file's order; any other (a bad cell, no uid of its
        own, a failed validation) taken by `take`, which says what is wrong. `prefetch` came first."""
        run: list[tuple[str, object]] = []
        for (where, cells), ready in zip(rows, prepared, strict=True):
            if ready is None or self._taken(ready[0]):  # type: ignore[index]
                self._write(run)
                run = []
                self.take(where, cells)
                continue
            uid = ready[0]  # type: ignore[index]
            number = getattr(where, "n", 0)
            self._held_uids[uid] = number  # so that a later row with the same uid is told apart
            run.append((where, ready))
        self._write(run)

    def _write(self, run: list[tuple[str, object]]) -> None:
        if not run:
            return
        readies = [r for _, r in run]
        self.store.visits.add_many(self.tx, [r[1] for r in readies], [r[2] for r in readies],  # type: ignore[index]
                                 [r[3] for r in readies])  # type: ignore[index]
        self.result.added += len(run)
        self._held_from = self._held_from or run[0][0]
        self._held_to = run[-1][0]
        self._numbers.extend(getattr(where, "n", 0) for where, _ in run)
        self._first_uid = self._first_uid or readies[0][0]  # type: ignore[index]

    def _skip(self, where: str, uid: str) -> None:
        """A row whose uid is taken: skipped when its record was in the ledger before this import,
        refused when an earlier row of this file added it (a row typed or pasted twice)."""
        earlier = self._earlier_row(uid)
        if earlier is None:
            if self.store[self.table.name].restore_undone(self.tx, uid):
                self.result.restored += 1
            else:
                self.result.skipped += 1
            return
        other = where.other(earlier) if hasattr(where, "other") else str(earlier)
        self._report(tr(f"{where}与{other}重复（同一条记录出现两次）",
                        f"{where} repeats {other} (the same record twice)"))

    def _earlier_row(self, uid: str) -> int | None:
        """The number of the row of this file that added the record with this uid; None when the
        record was in the ledger before the import."""
        earlier = self._held_uids.get(uid, self._written.get(uid))
        if earlier is not None or not self._flushed or self._first_uid is None:
            return earlier
        hit = ledger.one_by_uid(self.store, self.table.name, uid)
        if self._first_id is None:
            first = ledger.one_by_uid(self.store, self.table.name, self._first_uid)
            self._first_id = first[0] if first else None
        if hit is None or self._first_id is None:
            return None
        k = hit[0] - self._first_id
        return self._numbers[k] if 0 <= k < len(self._numbers) else None

    def _taken(self, uid: str) -> bool:
        """Whether a record of the table, void or live, already has this uid (or a row held back in
        this import took it)."""
        if uid in self._held_uids:
            return True
        if uid in self._asked:
            return uid in self._known
        return self.store[self.table.name].uid_taken(uid)

    def prefetch(self, rows: list[tuple[str, Cells | str]]) -> None:
        """Look up the uids of the next rows in one query, for `_taken` (until the next prefetch;
        no flush may come in between, since it would clear the held uids)."""
        asked = set()
        for _, cells in rows:
            cell = cells.get("uid") if isinstance(cells, dict) else None
            text = cell_text(cell[1]) if cell is not None and isinstance(cell[1], str) else None
            if text is not None and UID.fullmatch(text):
                asked.add(text)
        self._asked, self._known = asked, self.store[self.table.name].uids_taken(asked)

    def flush(self) -> None:
        """Write the rows held back since the last flush (the bulk path; see `Tx.holding`). They were
        validated one by one; should the ledger still refuse one, the lines it was among are reported."""
        try:
            with ledger.refusals():
                self.tx.flush()
        except ledger.Refused as refused:
            e = refused.detail
            to = tr(" 至 ", " to ") + self._held_to if self._held_to != self._held_from else ""
            self._bad(self._held_from + to, [
                HuideskError(tr(f"账本拒绝了其中一行（{e}）", f"the ledger refused one of these rows ({e})"))
            ])
        self._flushed = self._flushed or bool(self._held_uids)
        self._held_uids.clear()
        self._held_from = self._held_to = ""

    def finish(self) -> None:
        """Retry the issue steps that did not fit yet, while any of them does; report the rest."""
        while self._later:
            waiting, self._later = self._later, []
            for where, cells, _ in waiting:
                self.take(where, cells)
            if len(self._later) == len(waiting):
                break
        for where, _, problem in self._later:
            self._bad(where, [problem])

    def _bad(self, where: str, problems: list[HuideskError]) -> None:
        self._report(where + tr("：", ": ") + tr("；", "; ").join(str(p) for p in problems))

    def _report(self, line: str) -> None:
        self.result.bad += 1
        if len(self.result.errors) < MAX_REPORTED:
            self.result.errors.append(line)


# Tables imported in bulk: their loaders read nothing this import writes but the rows' uids, so
# rows can be held back and written with executemany (Tx.holding), a few thousand at a time.
_BULK = ("residents", "visits", "activities")
_CHUNK_ROWS = 500  # file rows whose uids are looked up together
_FLUSH_ROWS = 20_000  # rows held (journal rows included) before they are written, between chunks


def import_table(
    store: "Store", name: str, source: Source, fmt: str, *, command: str, today: "dt.date",
    now: "dt.datetime", dry_run: bool, progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Read, validate and write every row in one transaction: all of them, or (with a bad row, or
    for a dry run) none. A row whose uid (or an issue whose ref) is already there is skipped.
    `progress` hears how many rows have been read, now and then."""
    table = TABLES[name]
    layout = Layout(table)
    rows = READERS[fmt](source, layout)
    imp: Import | None = None
    try:
        with store.write(command) as tx:
            imp = Import(store, tx, table, today, now)
            if name in _BULK:
                with store[name].bulk(), tx.holding():
                    read = 0
                    while chunk := list(itertools.islice(rows, _CHUNK_ROWS)):
                        imp.prefetch(chunk)
                        if imp.prepare is None:
                            for where, cells in chunk:
                                imp.take(where, cells)
                        else:
                            imp.take_prepared(chunk, imp.prepare(imp.columns, [c for _, c in chunk]))
                        if tx.held >= _FLUSH_ROWS:
                            imp.flush()
                        read += len(chunk)
                        if progress:
                            progress(read)
                    imp.flush()
            else:
                for read, (where, cells) in enumerate(rows, 1):
                    imp.take(where, cells)
                    if progress:
                        progress(read)
            imp.finish()
            if imp.result.bad or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    assert imp is not None
    return imp.result
