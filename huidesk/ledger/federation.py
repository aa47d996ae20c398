"""Federation: a ledger's bundle — what it journaled since its last bundle, in one SQLite file — and
the merge of bundles into a street (or district) ledger, which keeps where every row came from.

A bundle holds a `manifest` table (key, value), the source's `journal` entries and `journal_records`
(with their hashes and digests, so the chain verifies on its own), and one table per record and link
table holding the current rows of the records those entries wrote. A pseudonymous bundle (the
default) masks residents' names and leaves their phone, guardian, consent and visit cadence empty,
and withholds health tags; the manifest says which tables and rows are so treated, and those rows
are the only ones whose digest cannot be checked.

Provenance lives in `_merged` (source, table, the source's row id → the row here) rather than in a
source column on every record table: record tables and their digests stay as they are (a community
ledger pays nothing for federation), link rows without a uid still map for later updates, and one
row here may come from several sources (a place unified by path, a member by uid).
"""

import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from huidesk.domain.errors import InvalidTransition, LedgerError, WouldOverwrite
from huidesk.domain.i18n import tr
from huidesk.domain.privacy import mask_name
from huidesk.ledger.journal import GENESIS, EntryHash, digest
from huidesk.ledger.schema import LINK_TABLES, RECORD_TABLES
from huidesk.ledger.tx import Tx, utc_now

if TYPE_CHECKING:
    from huidesk.ledger.store import Store

FORMAT, FORMAT_VERSION = "huidesk-bundle", "1"
PII_POLICIES = ("pseudonymous", "full")
# Every table a bundle carries, each after the tables it refers to (the order a merge writes them in).
MERGE_ORDER = (
    "places", "units", "members", "member_roles", "teams", "memberships", "residents", "resident_tags",
    "visits", "visit_residents", "visit_members", "activities", "activity_members", "issues", "meetings",
    "meeting_parties", "issue_events", "wishes", "cards", "pairings",
)
assert set(MERGE_ORDER) == set(RECORD_TABLES) | set(LINK_TABLES)
# What a pseudonymous bundle leaves empty of a resident (the name travels masked; health_consent is 0,
# as no health details travel); uid, place, birth year, tags and void state are what the street sees.
RESIDENT_WITHHELD = ("phone", "guardian", "consent", "visit_every")
HEALTH_TAGS = ("disabled",)  # health details (PIPL: sensitive, their own consent): not in a pseudonymous bundle
# Unique names a row of another community may already hold here: the merged row is told apart by its source.
_RENAMED = {"cards": "no", "issues": "ref"}


class BundleRefused(LedgerError):
    """A bundle that is not merged: not a bundle, altered, out of order, or a fork of its source."""


@dataclass(frozen=True)
class Made:
    path: Path
    first: int
    last: int
    head_before: str
    head_after: str
    records: int
    pii: str


@dataclass
class Bundle:
    """A bundle file as read: its manifest, journal entries, journal records and rows by table."""

    path: Path
    manifest: dict[str, str]
    entries: list[tuple] = field(default_factory=list)
    records: list[tuple] = field(default_factory=list)
    rows: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def first(self) -> int:
        return int(self.manifest["first_entry"])

    @property
    def last(self) -> int:
        return int(self.manifest["last_entry"])

    @property
    def source(self) -> str:
        return self.manifest["source_name"] or self.manifest["source_uid"][:12]

    def command(self) -> str:
        """The merge's journal entry names the source and the heads the bundle goes from and to."""
        m = self.manifest
        return (f"merge {self.source} {m['source_uid'][:12]} #{self.first}-{self.last} "
                f"{m['head_before'][:12]}..{m['head_after'][:12]}")


@dataclass(frozen=True)
class Merged:
    source: str
    first: int
    last: int
    head: str
    inserted: int = 0
    updated: int = 0
    unified: int = 0
    already: bool = False


# --- bundle ------------------------------------------------------------------------------------


def make_bundle(store: "Store", tx: Tx, target: Path, everything: bool, pii: str, version: str,
                overwrite: bool, made_at: str) -> Made:
    """Write what this ledger journaled since its last bundle (`everything`: since its start) into
    `target`, atomically and owner-only, and remember it (in this transaction) as the last bundle."""
    conn = store.conn
    uid = store.ledger_uid(tx)
    ident = store.identity()
    last, head_after = tx.entry_id - 1, tx.prev
    first = 1
    if not everything:
        first = conn.execute("SELECT coalesce(max(last_entry), 0) + 1 FROM _bundles_made").fetchone()[0]
    if first > last:
        raise InvalidTransition(tr("自上次报送以来账本没有新的日志", "nothing was journaled since the last bundle"))
    row = conn.execute("SELECT hash FROM _journal WHERE id = ?", (first - 1,)).fetchone()
    head_before = row[0] if row else GENESIS
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    try:
        out = sqlite3.connect(tmp, isolation_level=None)
        try:
            out.execute("BEGIN")
            counts = _write_bundle(conn, out, first, last, pii)
            manifest = {
                "format": FORMAT, "format_version": FORMAT_VERSION,
                "source_uid": uid, "source_name": ident["name"] or "", "source_place": ident["place"] or "",
                "first_entry": first, "last_entry": last, "entries": last - first + 1,
                "head_before": head_before, "head_after": head_after,
                "created_at": made_at, "huidesk_version": version, "pii": pii,
                "records": counts["records"],
                "pseudonymised_tables": "residents" if pii == "pseudonymous" else "",
                "withheld_columns": json.dumps({"residents": RESIDENT_WITHHELD} if pii == "pseudonymous" else {}),
                "masked_columns": json.dumps({"residents": ["name"]} if pii == "pseudonymous" else {}),
                "withheld_rows": json.dumps(
                    {"resident_tags": counts["withheld"]} if pii == "pseudonymous" else {}, sort_keys=True
                ),
            }
            out.execute("CREATE TABLE manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT")
            out.executemany("INSERT INTO manifest VALUES (?, ?)", [(k, str(v)) for k, v in manifest.items()])
            out.execute("COMMIT")
        finally:
            out.close()
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        _publish(tmp, target, overwrite)
    finally:
        tmp.unlink(missing_ok=True)
    tx.insert("_bundles_made", {"first_entry": first, "last_entry": last, "head": head_after, "made_at": made_at,
                                "pii": pii})
    return Made(target, first, last, head_before, head_after, counts["records"], pii)


def _write_bundle(conn: sqlite3.Connection, out: sqlite3.Connection, first: int, last: int, pii: str) -> dict:
    out.execute("CREATE TABLE journal (id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,"
                " command TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL) STRICT")
    out.execute("CREATE TABLE journal_records (id INTEGER PRIMARY KEY, entry_id INTEGER NOT NULL, tbl TEXT NOT NULL,"
                " rid INTEGER NOT NULL, op TEXT NOT NULL, digest TEXT NOT NULL) STRICT")
    out.executemany("INSERT INTO journal VALUES (?, ?, ?, ?, ?, ?)", conn.execute(
        "SELECT id, at, actor, command, prev, hash FROM _journal WHERE id BETWEEN ? AND ? ORDER BY id", (first, last)))
    out.executemany("INSERT INTO journal_records VALUES (?, ?, ?, ?, ?, ?)", conn.execute(
        "SELECT id, entry_id, tbl, rid, op, digest FROM _journal_records WHERE entry_id BETWEEN ? AND ? ORDER BY id",
        (first, last)))
    pseudonymous = pii == "pseudonymous"
    records = withheld = 0
    for table in MERGE_ORDER:
        columns = [(c[1], c[2]) for c in conn.execute(f"PRAGMA table_info({table})")]
        names = [name for name, _ in columns]
        spec = ", ".join(f"{name} {kind}{' PRIMARY KEY' if name == 'id' else ''}" for name, kind in columns)
        out.execute(f"CREATE TABLE {table} ({spec})")
        rows = conn.execute(
            f"SELECT * FROM {table} WHERE id IN (SELECT rid FROM _journal_records WHERE tbl = ?"
            " AND entry_id BETWEEN ? AND ?) ORDER BY id", (table, first, last))
        kept = []
        for row in rows:
            values = dict(zip(names, row, strict=True))
            if pseudonymous:
                values = pseudonymised(table, values)
                if values is None:
                    withheld += 1
                    continue
            kept.append(tuple(values.values()))
        out.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(names))})", kept)
        if table in RECORD_TABLES:
            records += len(kept)
    return {"records": records, "withheld": withheld}


def pseudonymised(table: str, values: dict) -> dict | None:
    """A row as it travels pseudonymous (a bundle, the warehouse): a resident's name masked, what
    RESIDENT_WITHHELD names left empty, no health consent; a health tag withheld (None)."""
    if table == "residents":
        return {**values, **{c: None for c in RESIDENT_WITHHELD}, "name": mask_name(values["name"]),
                "health_consent": 0}
    if table == "resident_tags" and values["tag"] in HEALTH_TAGS:
        return None
    return values


def _publish(tmp: Path, dest: Path, overwrite: bool) -> None:
    """Move the finished file to `dest`; never over an existing file unless `overwrite`."""
    if overwrite:
        os.replace(tmp, dest)
        return
    try:
        os.link(tmp, dest)  # fails when dest exists, also one that appeared meanwhile
    except FileExistsError:
        raise WouldOverwrite(dest) from None
    except OSError:  # a file system without hard links
        if dest.exists():
            raise WouldOverwrite(dest) from None
        os.replace(tmp, dest)


# --- reading and verifying a bundle ---------------------------------------------------------


_MANIFEST_KEYS = ("format", "format_version", "source_uid", "source_name", "source_place", "first_entry",
                  "last_entry", "head_before", "head_after", "created_at", "pii")


def read_bundle(path: Path) -> Bundle:
    """A bundle file, read whole and verified; refused with the first thing wrong with it."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise BundleRefused(tr(f"报送包不存在：{path}", f"no bundle at {path}"))
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as e:
        raise BundleRefused(tr(f"无法读取报送包 {path}：{e}", f"cannot read the bundle {path}: {e}")) from e
    try:
        conn.row_factory = sqlite3.Row
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"manifest", "journal", "journal_records", *MERGE_ORDER} <= tables:
            raise BundleRefused(tr(f"不是 huidesk 报送包：{path}", f"not a huidesk bundle: {path}"))
        manifest = {k: v for k, v in conn.execute("SELECT key, value FROM manifest")}
        if manifest.get("format") != FORMAT or any(k not in manifest for k in _MANIFEST_KEYS):
            raise BundleRefused(tr(f"不是 huidesk 报送包：{path}（清单不全）",
                                   f"not a huidesk bundle: {path} (manifest)"))
        if manifest["format_version"] != FORMAT_VERSION or manifest["pii"] not in PII_POLICIES:
            raise BundleRefused(tr(f"报送包格式版本 {manifest['format_version']} 不受支持：{path}",
                                   f"bundle format {manifest['format_version']} is not supported: {path}"))
        bundle = Bundle(path, manifest)
        bundle.entries = [tuple(r) for r in conn.execute("SELECT * FROM journal ORDER BY id")]
        bundle.records = [tuple(r) for r in conn.execute("SELECT * FROM journal_records ORDER BY entry_id, id")]
        bundle.rows = {t: [dict(r) for r in conn.execute(f"SELECT * FROM {t} ORDER BY id")] for t in MERGE_ORDER}
    except sqlite3.DatabaseError as e:
        raise BundleRefused(tr(f"无法读取报送包 {path}：{e}", f"cannot read the bundle {path}: {e}")) from e
    finally:
        conn.close()
    try:
        _verify(bundle)
    except (KeyError, ValueError, TypeError) as e:
        raise BundleRefused(tr(f"报送包内容不完整：{path}（{e}）", f"the bundle is incomplete: {path} ({e})")) from e
    return bundle


def _tampered(bundle: Bundle, what: str, what_en: str) -> BundleRefused:
    return BundleRefused(tr(f"报送包被改动过，未合并：{bundle.path}：{what}",
                            f"the bundle was altered, nothing merged: {bundle.path}: {what_en}"))


def _verify(b: Bundle) -> None:
    """Every entry hash recomputed and chained from head_before to head_after; every row the bundle
    carries written by one of its entries, and (unless pseudonymised) equal to what that entry wrote."""
    m = b.manifest
    ids = [e[0] for e in b.entries]
    if ids != list(range(b.first, b.last + 1)) or int(m.get("entries", len(ids))) != len(ids):
        raise _tampered(b, f"日志条目不连续或不全（应为#{b.first}–#{b.last}）",
                        f"entries missing or out of order (expected {b.first}-{b.last})")
    by_entry: dict[int, list[tuple]] = {}
    for rec in b.records:
        by_entry.setdefault(rec[1], []).append(rec)
    if set(by_entry) - set(ids):
        raise _tampered(b, "有不属于任何日志条目的写入记录", "journal records of no entry")
    prev = m["head_before"]
    for eid, at, actor, command, prev_stored, stored in b.entries:
        if prev_stored != prev:
            raise _tampered(b, f"日志#{eid} 与前一条断链", f"entry {eid} does not follow the one before it")
        h = EntryHash(eid, at, actor, command, prev_stored)
        for _, _, tbl, rid, op, d in by_entry.get(eid, ()):
            h.add(tbl, rid, op, d)
        if h.hexdigest() != stored:
            raise _tampered(b, f"日志#{eid} 内容与其哈希不符", f"entry {eid} does not match its hash")
        prev = stored
    if prev != m["head_after"]:
        raise _tampered(b, "链头与清单不符", "the chain head differs from the manifest's")
    latest = {(tbl, rid): d for _, _, tbl, rid, _, d in b.records}
    pseudonymised = set(filter(None, m.get("pseudonymised_tables", "").split(",")))
    withheld_columns = json.loads(m.get("withheld_columns") or "{}")
    withheld_rows = json.loads(m.get("withheld_rows") or "{}")
    for table in MERGE_ORDER:
        for row in b.rows[table]:
            key = (table, row["id"])
            if key not in latest:
                raise _tampered(b, f"{table}#{row['id']} 不是包内日志写入的",
                                f"{table}#{row['id']} was written by no entry")
            if table in pseudonymised:
                if any(row.get(c) is not None for c in withheld_columns.get(table, ())):
                    raise _tampered(b, f"{table}#{row['id']} 含有清单说已去除的信息",
                                    f"{table}#{row['id']} holds what the manifest says was withheld")
            elif digest(table, row) != latest[key]:
                raise _tampered(b, f"{table}#{row['id']} 与日志记下的内容不符",
                                f"{table}#{row['id']} differs from what its entry wrote")
        carried = {row["id"] for row in b.rows[table]}
        missing = sum(1 for (tbl, rid) in latest if tbl == table and rid not in carried)
        if missing > int(withheld_rows.get(table, 0)):
            raise _tampered(b, f"缺少 {missing} 条 {table} 记录", f"{missing} {table} row(s) missing")


# --- merging --------------------------------------------------------------------------------


def merge_bundle(store: "Store", tx: Tx, b: Bundle) -> Merged:
    """Merge a verified bundle in this transaction: it must continue what was merged of its source."""
    conn, m = store.conn, b.manifest
    if m["source_uid"] == store.identity()["uid"]:
        raise BundleRefused(tr(f"这是本账本自己的报送包：{b.path}", f"this is this ledger's own bundle: {b.path}"))
    source = conn.execute("SELECT id, name, place FROM _sources WHERE uid = ?", (m["source_uid"],)).fetchone()
    last, head = 0, GENESIS
    if source is not None:
        row = conn.execute("SELECT last_entry, head_after FROM _bundles WHERE source_id = ? ORDER BY last_entry DESC"
                           " LIMIT 1", (source["id"],)).fetchone()
        if row is not None:
            last, head = row
    _continues(conn, b, source, last, head)
    if source is not None and b.last == last:
        return Merged(b.source, b.first, b.last, m["head_after"], already=True)
    if source is None:
        source_id = tx.insert("_sources", {"uid": m["source_uid"], "name": m["source_name"],
                                           "place": m["source_place"]})
    else:
        source_id = source["id"]
        if (source["name"], source["place"]) != (m["source_name"], m["source_place"]):
            tx.update("_sources", source_id, {"name": m["source_name"], "place": m["source_place"]})
    counts = _Rows(store, tx, source_id, b.source).merge(b)
    tx.insert("_bundles", {
        "source_id": source_id, "first_entry": b.first, "last_entry": b.last, "head_before": m["head_before"],
        "head_after": m["head_after"], "made_at": m["created_at"], "merged_at": utc_now(), "pii": m["pii"],
        "records": sum(len(b.rows[t]) for t in RECORD_TABLES),
    })
    return Merged(b.source, b.first, b.last, m["head_after"], *counts)


def _continues(conn: sqlite3.Connection, b: Bundle, source, last: int, head: str) -> None:
    """Refuse a bundle that does not continue its source's chain where the last merged one ended."""
    where = tr(f"{b.source} 的报送包 {b.path}", f"{b.source}'s bundle {b.path}")
    fork = BundleRefused(tr(
        f"{where} 与已合并的链头 {head[:12]}（日志#{last}）不相接：来源账本的历史被重建或分叉，未合并",
        f"{where} does not continue the merged head {head[:12]} (entry {last}): the source's history was "
        "rebuilt or forked; nothing merged"))
    if b.last <= last:
        row = conn.execute("SELECT head_after FROM _bundles WHERE source_id = ? AND last_entry = ?",
                           (source["id"], b.last)).fetchone()
        if row is not None and row[0] == b.manifest["head_after"]:
            return  # merged before: the caller adds nothing
        if row is not None:
            raise fork
        raise BundleRefused(tr(f"{where} 只含已合并过的日志（#{b.first}–#{b.last}，已合并到#{last}），未合并",
                               f"{where} holds only entries already merged ({b.first}-{b.last}, merged up to "
                               f"{last}); nothing merged"))
    if b.first > last + 1:
        raise BundleRefused(tr(
            f"{where} 从日志#{b.first} 开始，缺少日志#{last + 1}–#{b.first - 1}：请先合并含有它们的报送包，未合并",
            f"{where} starts at entry {b.first}: entries {last + 1}-{b.first - 1} are missing; merge the bundle "
            "holding them first; nothing merged"))
    joint = b.manifest["head_before"] if b.first == last + 1 else b.entries[last - b.first][5]
    if joint != head:
        raise fork


# Bundle rows handled together: their uids looked up in one query; rows held (Tx.holding, journal
# rows included) and written with executemany once this many wait, between chunks.
_CHUNK_ROWS = 500
_FLUSH_ROWS = 20_000


class _Rows:
    """Writes a bundle's rows here: each mapped through `_merged` to the row it became.

    The bulk path (as an import's): rows and their `_merged` rows are held and written in batches,
    and the uids of each chunk of rows are looked up in one query. A lookup that could see a held row
    of the same table (the same uid, path, name or link row held before) writes the held rows first,
    so every row finds exactly what it would have found written one by one."""

    def __init__(self, store: "Store", tx: Tx, source_id: int, source_name: str) -> None:
        self.conn, self.tx, self.source_id, self.source_name = store.conn, tx, source_id, source_name
        self.map = {(t, s): r for t, s, r in self.conn.execute(
            "SELECT tbl, source_rid, rid FROM _merged WHERE source_id = ?", (source_id,))}
        self.inserted = self.updated = self.unified = 0
        # The largest id of each table before this merge: a row above it is one this merge inserted.
        self._before = {
            t: self.conn.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0] for t in MERGE_ORDER
        }
        self._keys: set[tuple] = set()  # what identifies the rows of the current table inserted so far
        self._uids: dict[str, int] = {}  # the current chunk's uids found here -> their rows

    def merge(self, b: Bundle) -> tuple[int, int, int]:
        with self.tx.holding():
            for table in MERGE_ORDER:
                fks = {fk[3]: fk[2] for fk in self.conn.execute(f"PRAGMA foreign_key_list({table})")}
                rows: list[dict] = b.rows[table]
                if table == "places":  # parents first, whatever their ids
                    rows = sorted(rows, key=lambda r: (r["path"].count("/"), r["id"]))
                self._keys = set()
                for start in range(0, len(rows), _CHUNK_ROWS):
                    chunk = rows[start : start + _CHUNK_ROWS]
                    self._prefetch(table, chunk)
                    for row in chunk:
                        self._row(table, row, fks)
                    if self.tx.held >= _FLUSH_ROWS:
                        self.tx.flush()
                self.tx.flush()
                self._keys, self._uids = set(), {}
        return self.inserted, self.updated, self.unified

    def _prefetch(self, table: str, chunk: list[dict]) -> None:
        """The rows here holding the uids of this chunk's rows that are not mapped yet, in one query."""
        self._uids = {}
        if table not in RECORD_TABLES or table == "places":
            return
        uids = [r["uid"] for r in chunk if (table, r["id"]) not in self.map and r.get("uid") is not None]
        if uids:
            marks = ", ".join("?" * len(uids))
            self._uids = dict(self.conn.execute(f"SELECT uid, id FROM {table} WHERE uid IN ({marks})", uids))

    def _sees(self, *key: object) -> None:
        """Before a lookup by `key`: a row of this table held with that key is written first."""
        if key in self._keys:
            self.tx.flush()

    def _row(self, table: str, row: dict, fks: dict[str, str]) -> None:
        values = {k: v for k, v in row.items() if k != "id"}
        fresh = False  # a column refers to a row this merge inserted: no row here has these values yet
        for column, target in fks.items():
            if values.get(column) is not None:
                mapped = self.map.get((target, values[column]))
                if mapped is None:
                    raise BundleRefused(tr(f"{table}#{row['id']} 引用的 {target}#{values[column]} 从未合并过",
                                           f"{table}#{row['id']} refers to {target}#{values[column]}, never merged"))
                values[column] = mapped
                fresh = fresh or mapped > self._before.get(target, mapped)
        rid = self.map.get((table, row["id"]))
        if rid is None:
            rid = self._existing(table, values, fresh)
            if rid is None:
                rid = self._insert(table, values)
                self.inserted += 1
            else:
                self.unified += 1
                self._update(table, rid, values)
            self.tx.insert("_merged", {"source_id": self.source_id, "tbl": table, "source_rid": row["id"],
                                       "rid": rid})
            self.map[(table, row["id"])] = rid
        else:
            self._update(table, rid, values)

    def _existing(self, table: str, values: dict, fresh: bool) -> int | None:
        """The row here that is the same thing: a place by path, a record by uid (a unit also by name, a
        team by place and name), a link row by its columns."""
        q = self.conn.execute
        if table == "places":
            self._sees("path", values["path"])
            found = q("SELECT id FROM places WHERE path = ?", (values["path"],)).fetchone()
        elif table in RECORD_TABLES:
            uid = values["uid"]
            if ("uid", uid) in self._keys:
                self.tx.flush()
                found = q(f"SELECT id FROM {table} WHERE uid = ?", (uid,)).fetchone()
            else:
                found = (self._uids[uid],) if uid in self._uids else None
            if found is None and table == "units":
                self._sees("name", values["name"])
                found = q("SELECT id FROM units WHERE name = ?", (values["name"],)).fetchone()
            if found is None and table == "teams":
                self._sees("team", values["place_id"], values["name"])
                found = q("SELECT id FROM teams WHERE place_id = ? AND name = ?",
                          (values["place_id"], values["name"])).fetchone()
        else:
            key = ("link", *values.values())
            if fresh and key not in self._keys:
                return None
            self._sees(*key)
            where = " AND ".join(f"{k} IS ?" for k in values)
            found = q(f"SELECT id FROM {table} WHERE {where}", tuple(values.values())).fetchone()
        return found[0] if found else None

    def _insert(self, table: str, values: dict) -> int:
        if table == "places":  # unified by path: a place here may already have its uid
            self._sees("uid", values["uid"])
            if self.conn.execute("SELECT 1 FROM places WHERE uid = ?", (values["uid"],)).fetchone():
                values = {k: v for k, v in values.items() if k != "uid"}  # a new uid
        # (another record's uid was looked up by `_existing`, which found no row with it here)
        column = _RENAMED.get(table)
        if column and values.get(column) is not None and self._taken(table, values):
            values = {**values, column: self._renamed(values[column])}
        rid = self.tx.insert(table, values)
        self._hold(table, values)
        return rid

    def _hold(self, table: str, values: dict) -> None:
        """Remember what identifies a row just inserted (held, perhaps) for the lookups of this table."""
        keys = self._keys
        if table not in RECORD_TABLES:
            keys.add(("link", *values.values()))
            return
        if "uid" in values:
            keys.add(("uid", values["uid"]))
        if table == "places":
            keys.add(("path", values["path"]))
        elif table == "units":
            keys.add(("name", values["name"]))
        elif table == "teams":
            keys.add(("team", values["place_id"], values["name"]))
        elif table == "cards":
            keys.add(("card", values["kind"], values["no"]))
        elif table == "issues":
            keys.add(("ref", values["ref"]))

    def _taken(self, table: str, values: dict) -> bool:
        if table == "cards":
            self._sees("card", values["kind"], values["no"])
            return bool(self.conn.execute("SELECT 1 FROM cards WHERE kind = ? AND no = ?",
                                          (values["kind"], values["no"])).fetchone())
        self._sees("ref", values["ref"])
        return bool(self.conn.execute("SELECT 1 FROM issues WHERE ref = ?", (values["ref"],)).fetchone())

    def _renamed(self, value: str) -> str:
        return f"{value}@{self.source_name}"[:50]

    def _update(self, table: str, rid: int, values: dict) -> None:
        """Bring the row here to what the source now holds; a void arrives as a void."""
        if table == "places" or table not in RECORD_TABLES:
            return  # places are unified by path and shared; link rows never change
        self.tx.flush()  # the row may be one held
        current = dict(self.conn.execute(f"SELECT * FROM {table} WHERE id = ?", (rid,)).fetchone())
        renamed = _RENAMED.get(table)
        changed = {
            k: v for k, v in values.items()
            if k != "uid" and current.get(k) != v and not (k == renamed and current.get(k) == self._renamed(v))
        }
        if not changed:
            return
        op = "void" if current["void_reason"] is None and values.get("void_reason") is not None else "update"
        self.tx.update(table, rid, changed, op=op)
        self.updated += 1


# --- sources --------------------------------------------------------------------------------


def sources(store: "Store") -> list[dict]:
    """Each source merged here: who it is, its last merged bundle, and how many records came from it."""
    record_tables = ", ".join(f"'{t}'" for t in RECORD_TABLES)
    rows = store.conn.execute(
        "SELECT s.id, s.uid, s.name, s.place, b.last_entry, b.head_after, b.made_at, b.merged_at,"
        " (SELECT count(*) FROM _bundles x WHERE x.source_id = s.id) AS bundles,"
        f" (SELECT count(*) FROM _merged g WHERE g.source_id = s.id AND g.tbl IN ({record_tables})) AS records"
        " FROM _sources s JOIN _bundles b ON b.id = (SELECT id FROM _bundles WHERE source_id = s.id"
        "  ORDER BY last_entry DESC LIMIT 1)"
        " ORDER BY s.place, s.name"
    )
    return [dict(r) for r in rows]
