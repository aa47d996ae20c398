"""Importing: every row validated and written inside one transaction, all or nothing."""

import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING

from huidesk.domain.errors import HuideskError, InvalidTransition, InvalidValue
from huidesk.domain.i18n import tr
from huidesk.exchange.export import _LABEL
from huidesk.exchange.readers import READERS, Cells, Layout, Source
from huidesk.exchange.tables import _SPLIT, _UID, MAX_REPORTED, TABLES, Field, Table, derive_uid

if TYPE_CHECKING:
    import datetime as dt

    from huidesk.ledger.store import Store
    from huidesk.ledger.tx import Tx


_TRUE = {"1", "true", "yes", "y", "是", "有", "需要", "√", "✓", "t"}
_FALSE = {"0", "false", "no", "n", "否", "无", "不需要", "f", "×"}
_BOOLS = _TRUE | _FALSE
_CONSENT = {"self": "self", "本人": "self", "guardian": "guardian", "监护人": "guardian"}


class Row:
    """One row of an import file: its cells parsed field by field, every problem collected."""

    def __init__(self, imp: "Import", where: str, cells: Cells) -> None:
        self.imp, self.where, self.cells = imp, where, cells
        self.problems: list[HuideskError] = []
        self.values: dict[str, object] = {}
        self.identity: dict[str, object] = {}

    def header(self, key: str) -> str:
        cell = self.cells.get(key)
        return cell[0] if cell else key

    def raw(self, key: str) -> object:
        cell = self.cells.get(key)
        return cell[1] if cell else None

    def fail(self, key: str, value: object, reason: str) -> None:
        self.problems.append(InvalidValue(self.header(key), value, reason))

    def id_of(self, key: str) -> int | None:
        value = self.values.get(key)
        return value[0] if value else None  # type: ignore[index]

    def parse(self) -> dict[str, object]:
        for f in self.imp.table.fields:
            if f.derived or f.type == "uid":
                continue
            value = self._field(f)
            self.values[f.key] = value
            if value is not None:
                if f.type == "ref":
                    self.identity[f.key] = [x[1] for x in value] if f.many else value[1]  # type: ignore[index]
                else:
                    self.identity[f.key] = value
        return self.values

    def _field(self, f: Field) -> object:
        cell = self.cells.get(f.key)
        value = cell[1] if cell else None
        if f.many:
            items = value if isinstance(value, list) else _SPLIT.split(_text(value) or "")
            texts = [t for t in (_text(x) for x in items) if t]
            if not texts:
                if f.required:
                    self.fail(f.key, value, tr("必填", "required"))
                return None
            parsed = [self._one(f, t) for t in texts]
            return None if any(p is None for p in parsed) else parsed
        if isinstance(value, (list, dict)):
            self.fail(f.key, json.dumps(value, ensure_ascii=False), tr("应当是单个值", "expected a single value"))
            return None
        text = _text(value)
        if text is None:
            if f.required:
                self.fail(f.key, "", tr("必填", "required"))
            return None
        return self._one(f, text)

    def _one(self, f: Field, text: str) -> object:
        if f.pii and "*" in text:
            self.fail(f.key, text, tr("像是遮蔽过的值：导出时请加 --with-pii", "looks masked: export with --with-pii"))
            return None
        if f.type == "text":
            return text
        imp, header = self.imp, self.header(f.key)
        try:
            if f.type == "uid":
                if not _UID.fullmatch(text):
                    raise InvalidValue(header, text, tr("唯一编号只能含字母、数字和 _.:-", "a uid holds letters, digits and _.:- only"))
                return text
            if f.type == "int":
                if not re.fullmatch(r"[+-]?[0-9]{1,9}(\.0*)?", text):
                    raise InvalidValue(header, text, tr("应当是整数", "expected a whole number"))
                return int(float(text)) if "." in text else int(text)
            if f.type == "bool":
                key = text.lower()
                if key not in _BOOLS:
                    raise InvalidValue(header, text, tr("应当是 是/否（true/false）", "expected yes/no (true/false)"))
                return key in _TRUE
            if f.type == "date":
                day = imp.days.get(text)
                if day is None:
                    from huidesk.domain.dates import iso_date, parse_date

                    day = iso_date(parse_date(text, imp.today, header))
                    if len(imp.days) < 100_000:  # a file's dates repeat: parse each once
                        imp.days[text] = day
                if f.past and day > imp.today.isoformat():
                    raise InvalidValue(header, text, tr(f"晚于今天（{imp.today}）", f"after today ({imp.today})"))
                return day
            if f.type == "moment":
                from huidesk.domain.dates import iso_datetime, parse_datetime

                at = parse_datetime(text, imp.now, header)
                if at.date() > imp.today:
                    raise InvalidValue(header, text, tr(f"晚于今天（{imp.today}）", f"after today ({imp.today})"))
                return iso_datetime(at)
            if f.type == "hours":
                return _minutes(text, header)
            if f.type == "cadence":
                from huidesk.domain.dates import parse_cadence

                return parse_cadence(text, header)
            if f.type == "consent":
                if text.lower() not in _CONSENT:
                    raise InvalidValue(header, text, tr("可选：本人(self)、监护人(guardian)", "choose self or guardian"))
                return _CONSENT[text.lower()]
            if f.type == "vocab":
                from huidesk.domain.vocab import resolve

                return resolve(f.vocab, text, header)  # type: ignore[arg-type]
            if f.type == "ref":
                return imp.ref(f.ref, text, header)  # type: ignore[arg-type]
            raise AssertionError(f.type)
        except HuideskError as e:
            self.problems.append(e)
            return None

    def model(self, cls, values: dict, fields: Mapping[str, str] = {}):  # noqa: B006 - read only
        """The validated pydantic record, or None with each bad field reported under its column."""
        from pydantic import ValidationError

        from huidesk.domain.models import _reason

        try:
            return cls(**values)
        except ValidationError as e:
            for err in e.errors(include_url=False):
                if not err["loc"]:
                    self.problems.append(HuideskError(_reason(err)))
                    continue
                key = fields.get(str(err["loc"][0]), str(err["loc"][0]))
                value = self.raw(key) if key in self.cells else err.get("input")
                self.fail(key, value, _reason(err))
            return None


def _text(value: object) -> str | None:
    """A cell as text: numbers without a spurious .0, spreadsheet dates as ISO, blanks as None."""
    if isinstance(value, str):  # most cells: first
        return value.strip() or None
    import datetime as dt

    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _minutes(text: str, field: str) -> int:
    """A total of hours as exact whole minutes: 4.5, 4.5小时, 270分钟."""
    s = unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(h|hr|hrs|hours?|小时)?", s)
    try:
        if m:
            minutes = Decimal(m[1]) * 60
        elif m2 := re.fullmatch(r"([0-9]+)(m|min|mins|minutes?|分钟|分)", s):
            minutes = Decimal(m2[1])
        else:
            raise InvalidOperation
    except InvalidOperation:
        raise InvalidValue(field, text, tr("不是时长，例如 4.5、4.5小时、270分钟", "not a duration, e.g. 4.5, 4.5h, 270min")) from None
    if minutes > 10_000_000:
        raise InvalidValue(field, text, tr("时长过大", "too long"))
    return int(minutes.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class ImportResult:
    added: int = 0
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
        self._name_maps: dict[str, dict[str, tuple[int, str] | None] | None] = {}
        self.days: dict[str, str] = {}  # a date as written -> its ISO form
        self._held_uids: set[str] = set()  # uids of the rows held back since the last flush
        self._asked: set[str] = set()  # uids of the rows `prefetch` looked up, and those found
        self._known: set[str] = set()
        self._held_from = self._held_to = ""  # and where they were

    def ref(self, table: str, text: str, field: str) -> tuple[int, str]:
        """(id, uid) of the live record a reference names: its uid; its exact name (places: path);
        a label as `ref()` writes it, 王芳（48号楼） or 王芳（3f2a9c1e）; else its id or a unique part
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
        conn = self.store.conn

        def one(where: str, *args: object) -> tuple[int, str] | None:
            rows = conn.execute(f"SELECT t.id, t.uid FROM {table} t WHERE t.void_reason IS NULL AND {where} LIMIT 2",
                                args).fetchall()
            return (rows[0][0], rows[0][1]) if len(rows) == 1 else None

        hit = one("t.uid = ?", text) if _UID.fullmatch(text) and len(text) >= 16 else None
        if hit is None and table in _UNINDEXED_NAMES:
            names = self._names(table)
            hit = names.get(text) if names is not None else one("t.name = ?", text)
        else:
            hit = hit or one("t.path = ?" if table == "places" else "t.name = ?", text)
        m = _LABEL.fullmatch(text) if table != "places" else None
        if hit is None and m:
            name, tag = m[1].strip(), m[2].strip()
            if re.fullmatch(r"[0-9a-f]{8,32}", tag):
                hit = one("t.name = ? AND t.uid LIKE ?", name, tag + "%")
            if hit is None and table in ("teams", "residents"):
                hit = one("t.name = ? AND t.place_id IN (SELECT id FROM places WHERE name = ? OR path = ? OR path LIKE ?)",
                          name, tag, tag, "%/" + tag)
        if hit is None:
            found = self.store.find(table, text, field)
            hit = (found["id"], conn.execute(f"SELECT uid FROM {table} WHERE id = ?", (found["id"],)).fetchone()[0])
        return hit

    def _names(self, table: str) -> dict[str, tuple[int, str] | None] | None:
        """Each name of a live record of `table` -> (id, uid) of the one record with it, None when
        several share it; read in one pass, once per import (these names have no index, and a big
        file names thousands of residents). None for a table too big to hold in memory: then each
        name is looked up on its own."""
        if table not in self._name_maps:
            names: dict[str, tuple[int, str] | None] | None = {}
            rows = self.store.conn.execute(f"SELECT id, uid, name FROM {table} WHERE void_reason IS NULL")
            for n, (rid, uid, name) in enumerate(rows):
                if n >= _MAX_NAME_MAP:
                    names = None
                    break
                names[name] = None if name in names else (rid, uid)  # type: ignore[index,operator]
            self._name_maps[table] = names
        return self._name_maps[table]

    def take(self, where: str, cells: Cells | str) -> None:
        import sqlite3

        if isinstance(cells, str):
            self._bad(where, [HuideskError(cells)])
            return
        row = Row(self, where, cells)
        uid = row._field(self.table.field("uid"))
        if row.problems:
            self._bad(where, row.problems)
            return
        if uid is not None and self._taken(str(uid)):
            self.result.skipped += 1
            return
        values = row.parse()
        if row.problems:
            self._bad(where, row.problems)
            return
        if uid is None:
            uid = derive_uid(self.table.name, row.identity)
            if self._taken(uid):
                self.result.skipped += 1
                return
        try:
            outcome = self.table.load(self, row, values, uid)  # type: ignore[misc]
        except InvalidTransition as e:
            if self.table.name == "issue_events":
                self._later.append((where, cells, e))
                return
            row.problems.append(e)
        except InvalidValue as e:
            key = e.field.lstrip("-").replace("-", "_").lower()
            known = any(f.key == key for f in self.table.fields)
            row.problems.append(InvalidValue(row.header(key), e.value, e.reason) if known else e)
        except HuideskError as e:
            row.problems.append(e)
        except sqlite3.IntegrityError as e:
            row.problems.append(HuideskError(tr(f"账本拒绝了这一行（{e}）", f"the ledger refused this row ({e})")))
        if row.problems:
            self._bad(where, row.problems)
        elif outcome == "skipped":
            self.result.skipped += 1
        else:
            self.result.added += 1
            if self.tx.held:
                self._held_uids.add(str(uid))
                self._held_from = self._held_from or where
                self._held_to = where

    def _taken(self, uid: str) -> bool:
        """Whether a record of the table, void or live, already has this uid (or a row held back in
        this import took it)."""
        if uid in self._held_uids:
            return True
        if uid in self._asked:
            return uid in self._known
        return self.store.uid_taken(self.table.name, uid)

    def prefetch(self, rows: list[tuple[str, Cells | str]]) -> None:
        """Look up the uids of the next rows in one query, for `_taken` (until the next prefetch;
        no flush may come in between, since it would clear the held uids)."""
        asked = set()
        for _, cells in rows:
            cell = cells.get("uid") if isinstance(cells, dict) else None
            text = _text(cell[1]) if cell is not None and isinstance(cell[1], str) else None
            if text is not None and _UID.fullmatch(text):
                asked.add(text)
        self._asked, self._known = asked, self.store.uids_taken(self.table.name, asked)

    def flush(self) -> None:
        """Write the rows held back since the last flush (the bulk path; see `Tx.holding`). They were
        validated one by one; should the ledger still refuse one, the lines it was among are reported."""
        import sqlite3

        try:
            self.tx.flush()
        except sqlite3.IntegrityError as e:
            where = self._held_from + (tr(" 至 ", " to ") + self._held_to if self._held_to != self._held_from else "")
            self._bad(where, [HuideskError(tr(f"账本拒绝了其中一行（{e}）", f"the ledger refused one of these rows ({e})"))])
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
        self.result.bad += 1
        if len(self.result.errors) < MAX_REPORTED:
            self.result.errors.append(where + tr("：", ": ") + tr("；", "; ").join(str(p) for p in problems))


# Tables imported in bulk: their loaders read nothing this import writes but the rows' uids, so
# rows can be held back and written with executemany (Tx.holding), a few thousand at a time.
_BULK = ("residents", "visits", "activities")
_CHUNK_ROWS = 500  # file rows whose uids are looked up together
_FLUSH_ROWS = 20_000  # rows held (journal rows included) before they are written, between chunks
_BULK_CACHE_KIB = 64 * 1024


def import_table(
    store: "Store", name: str, source: Source, fmt: str, *, command: str, today: "dt.date", now: "dt.datetime",
    dry_run: bool, progress: Callable[[int], None] | None = None,
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
                # A bigger page cache while the indexes grow (the uid index takes rows in random order).
                store.conn.execute(f"PRAGMA cache_size = -{_BULK_CACHE_KIB}")
                with tx.holding():
                    read = 0
                    while chunk := list(itertools.islice(rows, _CHUNK_ROWS)):
                        imp.prefetch(chunk)
                        for where, cells in chunk:
                            imp.take(where, cells)
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
