"""Federation: a ledger's bundle — what it journaled since its last bundle, in one SQLite file — made,
read and verified; and the sources merged here. The merge itself is huidesk.ledger.merge.

A bundle holds a `manifest` table (key, value), the source's `journal` entries and `journal_records`
(with their hashes and digests, so the chain verifies on its own), and one table per record and link
table holding the current rows of the records those entries wrote. A pseudonymous bundle (the
default) masks residents' names and leaves their phone, guardian, consent and visit cadence empty,
and withholds health tags; the manifest says which tables and rows are so treated, and those rows
are the only ones whose digest cannot be checked.

Provenance lives in `_merged` (source, table, the source's row id → the row here) rather than in a
source column on every record table: record tables and their digests stay as they are (a community
ledger pays nothing for federation), and one row here may come from several sources (a place unified
by path, a member by uid). Link rows have none of their own: they are written once, with their
record, never change, and are found again by their columns (a visit's residents are the visit's).
"""

import json
import os
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from huidesk.domain.errors import InvalidTransition, LedgerError, WouldOverwrite
from huidesk.domain.i18n import tr
from huidesk.domain.privacy import mask_name
from huidesk.ledger.journal import GENESIS, EntryHash, row_digester
from huidesk.ledger.schema import LINK_TABLES, RECORD_TABLES
from huidesk.ledger.tx import Tx

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
# What a pseudonymous bundle leaves at home, by table: residents' contact and care details, and the
# volunteers' phones (a street office needs its volunteers' names and hours, not how to call them).
WITHHELD = {"residents": RESIDENT_WITHHELD, "members": ("phone",)}
HEALTH_TAGS = ("disabled",)  # health details (PIPL: sensitive, their own consent): not in a pseudonymous bundle
# Unique names a row of another community may already hold here: the merged row is told apart by its source.


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
    """A bundle file as read and verified: its manifest, journal entries and how many rows of each
    table it carries. The file stays open in one read transaction until `close`, so the rows a merge
    streams from it (`chunks`) are the rows that were verified, whatever happens to the file meanwhile."""

    path: Path
    manifest: dict[str, str]
    conn: sqlite3.Connection | None = None
    entries: list[tuple] = field(default_factory=list)
    carried: dict[str, int] = field(default_factory=dict)

    def chunks(self, table: str, size: int) -> Iterator[list[dict]]:
        """The table's rows, `size` at a time, in id order (places: parents first)."""
        assert self.conn is not None
        if table == "places":  # few: sorted here, parents first whatever their ids
            rows = [dict(r) for r in self.conn.execute("SELECT * FROM places")]
            rows.sort(key=lambda r: (r["path"].count("/"), r["id"]))
            for start in range(0, len(rows), size):
                yield rows[start : start + size]
            return
        cursor = self.conn.execute(f"SELECT * FROM {table} ORDER BY id")
        while chunk := cursor.fetchmany(size):
            yield [dict(r) for r in chunk]

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

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
                "pseudonymised_tables": ",".join(WITHHELD) if pii == "pseudonymous" else "",
                "withheld_columns": json.dumps(WITHHELD if pii == "pseudonymous" else {}),
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


# The tables whose rows `pseudonymised` may change.
PSEUDONYMISED = (*WITHHELD, "resident_tags")


def pseudonymised(table: str, values: dict) -> dict | None:
    """A row as it travels pseudonymous (a bundle, the warehouse): a resident's name masked, what
    WITHHELD names left empty (residents' contact and care details, volunteers' phones), no health
    consent; a health tag withheld (None)."""
    if table == "residents":
        return {**values, **{c: None for c in RESIDENT_WITHHELD}, "name": mask_name(values["name"]),
                "health_consent": 0}
    if table in WITHHELD:
        return {**values, **{c: None for c in WITHHELD[table]}}
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
    """A bundle file, opened and verified without holding its rows; refused with the first thing
    wrong with it. The caller closes it."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise BundleRefused(tr(f"报送包不存在：{path}", f"no bundle at {path}"))
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error as e:
        raise BundleRefused(tr(f"无法读取报送包 {path}：{e}", f"cannot read the bundle {path}: {e}")) from e
    bundle = Bundle(path, {}, conn)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("BEGIN")  # one snapshot from verification to merge
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
        bundle.manifest = manifest
        bundle.entries = [tuple(r) for r in conn.execute("SELECT * FROM journal ORDER BY id")]
        _verify(bundle)
    except sqlite3.DatabaseError as e:
        bundle.close()
        raise BundleRefused(tr(f"无法读取报送包 {path}：{e}", f"cannot read the bundle {path}: {e}")) from e
    except (KeyError, ValueError, TypeError) as e:
        bundle.close()
        raise BundleRefused(tr(f"报送包内容不完整：{path}（{e}）", f"the bundle is incomplete: {path} ({e})")) from e
    except BaseException:
        bundle.close()
        raise
    return bundle


def _tampered(bundle: Bundle, what: str, what_en: str) -> BundleRefused:
    return BundleRefused(tr(f"报送包被改动过，未合并：{bundle.path}：{what}",
                            f"the bundle was altered, nothing merged: {bundle.path}: {what_en}"))


def _verify(b: Bundle) -> None:
    """Every entry hash recomputed and chained from head_before to head_after; every row the bundle
    carries written by one of its entries, and (unless pseudonymised) equal to what that entry wrote.
    Journal records and rows are read in passes, never all held (the digests by record are)."""
    assert b.conn is not None
    m = b.manifest
    ids = [e[0] for e in b.entries]
    if ids != list(range(b.first, b.last + 1)) or int(m.get("entries", len(ids))) != len(ids):
        raise _tampered(b, f"日志条目不连续或不全（应为#{b.first}–#{b.last}）",
                        f"entries missing or out of order (expected {b.first}-{b.last})")
    stray = b.conn.execute("SELECT count(*) FROM journal_records WHERE entry_id NOT BETWEEN ? AND ?",
                           (b.first, b.last)).fetchone()[0]
    if stray:
        raise _tampered(b, "有不属于任何日志条目的写入记录", "journal records of no entry")
    latest: dict[tuple[str, int], str] = {}
    records = b.conn.execute("SELECT entry_id, tbl, rid, op, digest FROM journal_records ORDER BY entry_id, id")
    pending = next(records, None)
    prev = m["head_before"]
    for eid, at, actor, command, prev_stored, stored in b.entries:
        if prev_stored != prev:
            raise _tampered(b, f"日志#{eid} 与前一条断链", f"entry {eid} does not follow the one before it")
        h = EntryHash(eid, at, actor, command, prev_stored)
        while pending is not None and pending[0] == eid:
            _, tbl, rid, op, d = pending
            h.add(tbl, rid, op, d)
            latest[(tbl, rid)] = d
            pending = next(records, None)
        if h.hexdigest() != stored:
            raise _tampered(b, f"日志#{eid} 内容与其哈希不符", f"entry {eid} does not match its hash")
        prev = stored
    if prev != m["head_after"]:
        raise _tampered(b, "链头与清单不符", "the chain head differs from the manifest's")
    pseudonymised = set(filter(None, m.get("pseudonymised_tables", "").split(",")))
    withheld_columns = json.loads(m.get("withheld_columns") or "{}")
    withheld_rows = json.loads(m.get("withheld_rows") or "{}")
    written = Counter(tbl for tbl, _ in latest)
    for table in MERGE_ORDER:
        carried = 0
        cursor = b.conn.cursor()
        cursor.row_factory = None  # tuples: each row's digest formatted from its columns' template
        rows = cursor.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in rows.description]
        digest_of = row_digester(table, names)
        for values in rows:
            row = dict(zip(names, values, strict=True))
            key = (table, row["id"])
            if key not in latest:
                raise _tampered(b, f"{table}#{row['id']} 不是包内日志写入的",
                                f"{table}#{row['id']} was written by no entry")
            if table in pseudonymised:
                if any(row.get(c) is not None for c in withheld_columns.get(table, ())):
                    raise _tampered(b, f"{table}#{row['id']} 含有清单说已去除的信息",
                                    f"{table}#{row['id']} holds what the manifest says was withheld")
            elif digest_of(values) != latest[key]:
                raise _tampered(b, f"{table}#{row['id']} 与日志记下的内容不符",
                                f"{table}#{row['id']} differs from what its entry wrote")
            carried += 1
        missing = written[table] - carried  # every row carried is one written (ids are unique)
        if missing > int(withheld_rows.get(table, 0)):
            raise _tampered(b, f"缺少 {missing} 条 {table} 记录", f"{missing} {table} row(s) missing")
        b.carried[table] = carried


def ints(values: Iterable[object]) -> bool:
    """Whether a row is ints only (a link row): its digest needs no JSON encoder."""
    return all(v.__class__ is int for v in values)


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
