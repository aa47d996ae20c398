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

import functools
import hashlib
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from huidesk.domain.errors import InvalidTransition, LedgerError
from huidesk.domain.i18n import tr
from huidesk.domain.privacy import Redactor, mask_name
from huidesk.ledger.journal import GENESIS, EntryHash, canonical, digest, row_digester
from huidesk.ledger.schema import LINK_TABLES, RECORD_TABLES
from huidesk.ledger.table import Read
from huidesk.ledger.tx import Tx

if TYPE_CHECKING:
    from huidesk.ledger.store import Store

FORMAT, FORMAT_VERSION = "huidesk-bundle", "2"
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
            rows = [dict(r) for r in self.conn.execute(f"SELECT {_listed('places')} FROM places")]
            rows.sort(key=lambda r: (r["path"].count("/"), r["id"]))
            for start in range(0, len(rows), size):
                yield rows[start : start + size]
            return
        cursor = self.conn.execute(f"SELECT {_listed(table)} FROM {quoted(table)} ORDER BY id")
        while chunk := cursor.fetchmany(size):
            yield [dict(r) for r in chunk]

    def tuples(self, table: str, size: int) -> Iterator[list[tuple]]:
        """The rows of a table other than places, `size` at a time, in id order, as tuples in the order
        of its columns (`columns()`)."""
        assert self.conn is not None and table != "places"
        cursor = self.conn.cursor()
        cursor.row_factory = None
        cursor.execute(f"SELECT {_listed(table)} FROM {quoted(table)} ORDER BY id")
        while chunk := cursor.fetchmany(size):
            yield chunk

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

# The free text a pseudonymous bundle redacts (residents' names, phone and ID numbers masked), by
# table; every record table's void reason too.
FREE_TEXT = {
    "visits": ("purpose", "gifts", "note"), "activities": ("title",), "issues": ("text",),
    "meetings": ("decision",), "meeting_parties": ("name",), "issue_events": ("note", "approver"), "wishes": ("text",),
    "pairings": ("note",),
}
# The bundle's own tables and their columns (the record tables have the ledger's columns).
_META = {
    "manifest": ("key", "value"),
    "journal": ("id", "at", "actor", "command", "prev", "hash"),
    "journal_records": ("id", "entry_id", "tbl", "rid", "op", "digest"),
    "row_digests": ("tbl", "rid", "digest"),
}
_META_SQL = (
    "CREATE TABLE manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT",
    "CREATE TABLE journal (id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, command TEXT NOT NULL,"
    " prev TEXT NOT NULL, hash TEXT NOT NULL) STRICT",
    "CREATE TABLE journal_records (id INTEGER PRIMARY KEY, entry_id INTEGER NOT NULL, tbl TEXT NOT NULL,"
    " rid INTEGER NOT NULL, op TEXT NOT NULL, digest TEXT NOT NULL) STRICT",
    "CREATE TABLE row_digests (tbl TEXT NOT NULL, rid INTEGER NOT NULL, digest TEXT, PRIMARY KEY (tbl, rid)) STRICT",
)


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@functools.cache
def columns() -> dict[str, tuple[str, ...]]:
    """Each table a bundle carries and its columns, as the code's own schema (data/schema.sql) has them."""
    from huidesk.ledger.schema import schema_sql, statements

    conn = sqlite3.connect(":memory:")
    try:
        for stmt in statements(schema_sql()):
            conn.execute(stmt)
        return {t: tuple(c[1] for c in conn.execute(f"PRAGMA table_info({quoted(t)})")) for t in MERGE_ORDER}
    finally:
        conn.close()


def signed_text(manifest: dict[str, str]) -> bytes:
    """What a bundle's signature signs: every manifest value but the signature, canonically."""
    return f"{FORMAT} {FORMAT_VERSION}\n".encode() + canonical(
        {k: v for k, v in manifest.items() if k != "signature"}).encode()


def rows_digest(lines: Iterable[tuple[str, int, str | None]]) -> str:
    """The digest of a pseudonymous bundle's row list ((table, id, digest or None if withheld), sorted)."""
    h = hashlib.sha256()
    for tbl, rid, d in lines:
        h.update(f"{tbl}\t{rid}\t{d or '-'}\n".encode())
    return h.hexdigest()


def make_bundle(store: "Store", tx: Tx, target: Path, everything: bool, pii: str, version: str,
                overwrite: bool, made_at: str) -> Made:
    """Write what this ledger journaled since its last bundle (`everything`: since its start) into
    `target`, atomically and owner-only, signed; and remember it (in this transaction) as the last bundle."""
    from huidesk.ledger.keys import signer

    read = store.read
    key = signer(store, tx)
    ident = store.identity()
    if not ident["name"]:
        raise InvalidTransition(tr(
            "本账本还没有名称和地点，街道无法认出它：请先运行 huidesk init --name 名称 --place 地点路径",
            "this ledger has no name and no place, so the street cannot tell whose it is: run "
            "huidesk init --name NAME --place PATH first"))
    last = tx.entry_id - 1
    first = 1
    if not everything:
        first = read.value("SELECT coalesce(max(last_entry), 0) + 1 FROM _bundles_made")
    if first > last:
        raise InvalidTransition(tr("自上次报送以来账本没有新的日志", "nothing was journaled since the last bundle"))
    # The chain a bundle carries continues the head the last bundle sent (a pseudonymous bundle's
    # entries are hashed over its blinded lines, so its heads are its own).
    row = read.one("SELECT head FROM _bundles_made WHERE last_entry = ? ORDER BY id DESC LIMIT 1", (first - 1,))
    head_before = row[0] if row else GENESIS
    from huidesk.domain.files import private_tmp, publish

    with private_tmp(target) as tmp:
        out = sqlite3.connect(tmp, isolation_level=None)
        try:
            out.execute("BEGIN")
            for stmt in _META_SQL:
                out.execute(stmt)
            head_after = _write_journal(read, out, first, last, head_before, key.blind if pii != "full" else None)
            records, digests = _write_rows(read, out, first, last, pii)
            manifest = {
                "format": FORMAT, "format_version": FORMAT_VERSION,
                "source_uid": ident["uid"], "source_key": key.public_hex,
                "source_name": ident["name"] or "", "source_place": ident["place"] or "",
                "first_entry": first, "last_entry": last, "entries": last - first + 1,
                "head_before": head_before, "head_after": head_after,
                "created_at": made_at, "huidesk_version": version, "pii": pii, "records": records,
                "rows_digest": digests,
            }
            manifest = {k: str(v) for k, v in manifest.items()}
            manifest["signature"] = key.sign(signed_text(manifest))
            out.executemany("INSERT INTO manifest VALUES (?, ?)", manifest.items())
            out.execute("COMMIT")
        finally:
            out.close()
        publish(tmp, target, overwrite)
    tx.insert("_bundles_made", {"first_entry": first, "last_entry": last, "head": head_after, "made_at": made_at,
                                "pii": pii})
    return Made(target, first, last, head_before, head_after, records, pii)


def _write_journal(read: Read, out: sqlite3.Connection, first: int, last: int, prev: str,
                   blind: Callable[[str], str] | None) -> str:
    """The entries first..last chained on from `prev`, each hashed over its lines (their digests blinded
    by `blind` when given); returns the last hash. A bundle after full bundles only is the journal as it is."""
    lines = read.rows("SELECT id, entry_id, tbl, rid, op, digest FROM _journal_records"
                      " WHERE entry_id BETWEEN ? AND ? ORDER BY entry_id, id", (first, last))
    pending = next(lines, None)
    for eid, at, actor, command in read.rows(
            "SELECT id, at, actor, command FROM _journal WHERE id BETWEEN ? AND ? ORDER BY id", (first, last)):
        h, written = EntryHash(eid, at, actor, command, prev), []
        while pending is not None and pending[1] == eid:
            lid, _, tbl, rid, op, d = pending
            d = blind(d) if blind else d
            h.add(tbl, rid, op, d)
            written.append((lid, eid, tbl, rid, op, d))
            pending = next(lines, None)
        out.executemany("INSERT INTO journal_records VALUES (?, ?, ?, ?, ?, ?)", written)
        out.execute("INSERT INTO journal VALUES (?, ?, ?, ?, ?, ?)", (eid, at, actor, command, prev, h.hexdigest()))
        prev = h.hexdigest()
    return prev


def _write_rows(read: Read, out: sqlite3.Connection, first: int, last: int,
                pii: str) -> tuple[int, str]:
    """The current rows of what the entries wrote, as they travel; a pseudonymous bundle lists the
    digest of each row as it travels (None: withheld). Returns the records carried and that list's digest."""
    pseudonymous = pii == "pseudonymous"
    redact = redactor(read) if pseudonymous else None
    records, listed = 0, []
    for table, names in columns().items():
        out.execute(f"CREATE TABLE {quoted(table)} ({', '.join(quoted(n) for n in names)},"
                    " PRIMARY KEY (\"id\"))")
        rows = read.rows(
            f"SELECT {', '.join(quoted(n) for n in names)} FROM {quoted(table)} WHERE id IN (SELECT rid FROM"
            " _journal_records WHERE tbl = ? AND entry_id BETWEEN ? AND ?) ORDER BY id", (table, first, last))
        kept = []
        for row in rows:
            values = dict(zip(names, row, strict=True))
            if redact is not None:
                values = travelling(table, values, redact)
                if values is None:
                    listed.append((table, row[0], None))
                    continue
                listed.append((table, row[0], digest(table, values)))
            kept.append(tuple(values.values()))
        out.executemany(f"INSERT INTO {quoted(table)} VALUES ({', '.join('?' * len(names))})", kept)
        if table in RECORD_TABLES:
            records += len(kept)
    listed.sort(key=lambda x: (x[0], x[1]))
    out.executemany("INSERT INTO row_digests VALUES (?, ?, ?)", listed)
    return records, rows_digest(listed) if pseudonymous else ""


def redactor(read: Read) -> Redactor:
    """Free text as it leaves this ledger pseudonymous (a bundle, the web desk's Open311): its own residents'
    names masked wherever they appear, and every phone and ID number."""
    return Redactor({r[0] for r in read.rows("SELECT name FROM residents")})


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


def travelling(table: str, values: dict, redact: Callable[[str | None], str | None]) -> dict | None:
    """A row as a pseudonymous bundle carries it: `pseudonymised`, its free text and void reason redacted."""
    kept = pseudonymised(table, values)
    if kept is None:
        return None
    text = {c: redact(kept[c]) for c in (*FREE_TEXT.get(table, ()), "void_reason") if c in kept}
    return {**kept, **text}


# --- reading and verifying a bundle ---------------------------------------------------------

# What each manifest value must look like; nothing else is read from a manifest.
_HEX = re.compile(r"[0-9a-f]+")
_COUNT = re.compile(r"0|[1-9][0-9]{0,11}")
_MANIFEST = {
    "format": lambda v: v == FORMAT, "format_version": lambda v: v == FORMAT_VERSION,
    "source_uid": lambda v: len(v) == 32 and _HEX.fullmatch(v),
    "source_key": lambda v: len(v) == 64 and _HEX.fullmatch(v),
    "source_name": lambda v: len(v) <= 100 and v.isprintable(),
    "source_place": lambda v: len(v) <= 500 and v.isprintable(),
    "first_entry": lambda v: _COUNT.fullmatch(v) and v != "0", "last_entry": lambda v: _COUNT.fullmatch(v),
    "entries": lambda v: _COUNT.fullmatch(v),
    "head_before": lambda v: len(v) == 64 and _HEX.fullmatch(v),
    "head_after": lambda v: len(v) == 64 and _HEX.fullmatch(v),
    "created_at": lambda v: len(v) <= 40 and _moment(v),
    "huidesk_version": lambda v: len(v) <= 40 and v.isprintable(),
    "pii": lambda v: v in PII_POLICIES, "records": lambda v: _COUNT.fullmatch(v),
    "rows_digest": lambda v: v == "" or (len(v) == 64 and _HEX.fullmatch(v)),
    "signature": lambda v: len(v) == 128 and _HEX.fullmatch(v),
}


def _moment(value: str) -> bool:
    import datetime as dt

    try:
        return dt.datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def read_bundle(path: Path) -> Bundle:
    """A bundle file, opened and verified without holding its rows; refused with the first thing
    wrong with it. The caller closes it."""
    path = Path(path).expanduser()
    if not path.is_file():
        if path.exists():  # a folder, a pipe, a device: not a file a bundle is written as
            raise BundleRefused(tr(f"不是报送包（不是普通文件）：{path}", f"not a bundle (not a regular file): {path}"))
        raise BundleRefused(tr(f"报送包不存在：{path}", f"no bundle at {path}"))
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error as e:
        raise BundleRefused(tr(f"无法读取报送包 {path}：{e}", f"cannot read the bundle {path}: {e}")) from e
    bundle = Bundle(path, {}, conn)
    try:
        conn.execute("PRAGMA trusted_schema = OFF")  # no function of the file's own schema runs here
        conn.execute("BEGIN")  # one snapshot from verification to merge
        _check_objects(bundle)
        conn.row_factory = sqlite3.Row
        bundle.manifest = _manifest(bundle)
        total = conn.execute("SELECT count(*) FROM journal").fetchone()[0]
        if not bundle.first <= bundle.last or total != int(bundle.manifest["entries"]) \
                or total != bundle.last - bundle.first + 1:
            raise _tampered(bundle, f"日志条目不连续或不全（应为#{bundle.first}–#{bundle.last}）",
                            f"entries missing or out of order (expected {bundle.first}-{bundle.last})")
        bundle.entries = [tuple(r) for r in conn.execute(f"SELECT {_listed('journal')} FROM journal ORDER BY id")]
        _verify(bundle)
    except sqlite3.DatabaseError as e:
        bundle.close()
        raise BundleRefused(tr(f"无法读取报送包 {path}：{e}", f"cannot read the bundle {path}: {e}")) from e
    except (KeyError, ValueError, TypeError, OverflowError, RecursionError) as e:
        bundle.close()
        raise BundleRefused(tr(f"报送包内容不完整：{path}（{e}）", f"the bundle is incomplete: {path} ({e})")) from e
    except BaseException:
        bundle.close()
        raise
    return bundle


def _listed(table: str) -> str:
    return ", ".join(quoted(c) for c in (_META.get(table) or columns()[table]))


def _check_objects(b: Bundle) -> None:
    """The file holds the bundle's tables with exactly their columns, and nothing else (no view, no
    trigger, no other table); a bundle of an older format is named as such."""
    assert b.conn is not None
    not_bundle = BundleRefused(tr(f"不是 huidesk 报送包：{b.path}", f"not a huidesk bundle: {b.path}"))
    wanted = {**_META, **columns()}
    objects = b.conn.execute("SELECT type, name, tbl_name FROM sqlite_master").fetchall()
    tables = {name for kind, name, _ in objects if kind == "table"}
    if "manifest" in tables and "row_digests" not in tables:
        version = b.conn.execute("SELECT value FROM manifest WHERE key = 'format_version'").fetchone()
        if version is not None and version[0] != FORMAT_VERSION:
            raise BundleRefused(tr(
                f"报送包格式版本 {str(version[0])[:10]} 不受支持（未签名）：{b.path}；"
                "请来源账本升级 huidesk 后重新报送",
                f"bundle format {str(version[0])[:10]} is not supported (unsigned): {b.path}; the source must "
                "upgrade huidesk and bundle again"))
    for kind, name, table in objects:
        if kind == "table" and name in wanted or kind == "index" and name.startswith("sqlite_autoindex_") \
                and table in wanted:
            continue
        raise BundleRefused(tr(f"不是 huidesk 报送包：{b.path}（含有不认识的{kind} {name[:40]!r}）",
                               f"not a huidesk bundle: {b.path} (an unknown {kind} {name[:40]!r})"))
    if tables != set(wanted):
        raise not_bundle
    for table, names in wanted.items():
        found = tuple(c[1] for c in b.conn.execute(f"PRAGMA table_info({quoted(table)})"))
        if found != names:
            raise BundleRefused(tr(f"不是 huidesk 报送包：{b.path}（{table} 的列不符）",
                                   f"not a huidesk bundle: {b.path} (the columns of {table})"))


def _manifest(b: Bundle) -> dict[str, str]:
    """The manifest, each value as it must look, its signature verified."""
    from huidesk.ledger.keys import verified

    assert b.conn is not None
    manifest: dict[str, str] = {}
    for key, value in b.conn.execute("SELECT key, value FROM manifest"):
        if key not in _MANIFEST or key in manifest or not isinstance(value, str) or not _MANIFEST[key](value):
            raise BundleRefused(tr(f"不是 huidesk 报送包：{b.path}（清单中的 {str(key)[:40]!r} 不对）",
                                   f"not a huidesk bundle: {b.path} (the manifest's {str(key)[:40]!r})"))
        manifest[key] = value
    if set(manifest) != set(_MANIFEST):
        raise BundleRefused(tr(f"不是 huidesk 报送包：{b.path}（清单不全）",
                               f"not a huidesk bundle: {b.path} (manifest)"))
    if not verified(manifest["source_key"], manifest["signature"], signed_text(manifest)):
        raise _tampered(b, "签名不符", "the signature does not match")
    return manifest


def _tampered(bundle: Bundle, what: str, what_en: str) -> BundleRefused:
    return BundleRefused(tr(f"报送包被改动过，未合并：{bundle.path}：{what}",
                            f"the bundle was altered, nothing merged: {bundle.path}: {what_en}"))


def _verify(b: Bundle) -> None:
    """Every entry hash recomputed and chained from head_before to head_after; every row the bundle
    carries is the row its entries last wrote — equal to what the journal says (a full bundle) or to
    the signed list of rows as they travel (a pseudonymous one) — and every row they wrote is carried
    (a pseudonymous bundle may withhold a health tag, as its signed list says). Journal records and
    rows are read in passes, never all held (the digests by record are)."""
    assert b.conn is not None
    m = b.manifest
    if [e[0] for e in b.entries] != list(range(b.first, b.last + 1)):
        raise _tampered(b, f"日志条目不连续或不全（应为#{b.first}–#{b.last}）",
                        f"entries missing or out of order (expected {b.first}-{b.last})")
    stray = b.conn.execute("SELECT count(*) FROM journal_records WHERE entry_id NOT BETWEEN ? AND ?",
                           (b.first, b.last)).fetchone()[0]
    if stray:
        raise _tampered(b, "有不属于任何日志条目的写入记录", "journal records of no entry")
    tables = columns()
    latest: dict[tuple[str, int], str] = {}
    cursor = b.conn.cursor()
    cursor.row_factory = None  # tuples, not a sqlite3.Row each
    records = cursor.execute("SELECT entry_id, tbl, rid, op, digest FROM journal_records ORDER BY entry_id, id")
    pending = next(records, None)
    prev = m["head_before"]
    for eid, at, actor, command, prev_stored, stored in b.entries:
        if prev_stored != prev:
            raise _tampered(b, f"日志#{eid} 与前一条断链", f"entry {eid} does not follow the one before it")
        h = EntryHash(eid, at, actor, command, prev_stored)
        add = h.add
        while pending is not None and pending[0] == eid:
            _, tbl, rid, op, d = pending
            add(tbl, rid, op, d)
            latest[(tbl, rid)] = d
            pending = next(records, None)
        if h.hexdigest() != stored:
            raise _tampered(b, f"日志#{eid} 内容与其哈希不符", f"entry {eid} does not match its hash")
        prev = stored
    if prev != m["head_after"]:
        raise _tampered(b, "链头与清单不符", "the chain head differs from the manifest's")
    written = dict.fromkeys(tables, 0)  # the rows the entries wrote, by table
    for tbl, _ in latest:
        if tbl in written:
            written[tbl] += 1
    listed = _row_list(b, latest, sum(written.values()))
    absent = object()
    for table, names in tables.items():
        cursor = b.conn.cursor()
        cursor.row_factory = None  # tuples: each row's digest formatted from its columns' template
        digest_of = row_digester(table, list(names))
        withheld_at = [names.index(c) for c in WITHHELD.get(table, ())] if listed is not None else []
        seen: set[int] = set()
        for values in cursor.execute(f"SELECT {_listed(table)} FROM {quoted(table)}"):
            rid = values[0]
            if rid in seen:
                raise _tampered(b, f"{table}#{rid} 出现两次", f"{table}#{rid} appears twice")
            seen.add(rid)
            key = (table, rid)
            expected = latest.get(key, absent)
            if expected is absent:
                raise _tampered(b, f"{table}#{rid} 不是包内日志写入的", f"{table}#{rid} was written by no entry")
            if withheld_at and any(values[i] is not None for i in withheld_at):
                raise _tampered(b, f"{table}#{rid} 含有化名包不应含有的信息",
                                f"{table}#{rid} holds what a pseudonymous bundle leaves at home")
            if listed is not None:
                expected = listed.get(key)
            if expected is None or digest_of(values) != expected:
                raise _tampered(b, f"{table}#{rid} 与日志记下的内容不符",
                                f"{table}#{rid} differs from what its entry wrote")
        if written[table] > len(seen):  # (every row seen is one the entries wrote)
            missing = {rid for tbl, rid in latest if tbl == table} - seen
            if listed is not None:
                missing = {rid for rid in missing if listed.get((table, rid), "") is not None}  # not withheld
            if missing:
                raise _tampered(b, f"缺少 {len(missing)} 条 {table} 记录", f"{len(missing)} {table} row(s) missing")
        b.carried[table] = len(seen)


def _row_list(b: Bundle, latest: dict[tuple[str, int], str], written: int,
              ) -> dict[tuple[str, int], str | None] | None:
    """A pseudonymous bundle's list of its rows as they travel (None: a health tag withheld), checked
    against its signed digest: every row its entries last wrote (`written` of them), once; a full bundle
    has none (None). The list is read once, digested and checked as it is read; a line found wrong is
    named once the digest matches."""
    assert b.conn is not None
    cursor = b.conn.cursor()
    cursor.row_factory = None
    lines = cursor.execute(f"SELECT {_listed('row_digests')} FROM row_digests ORDER BY tbl, rid")
    if b.manifest["pii"] == "full":
        if lines.fetchone() is not None or b.manifest["rows_digest"]:
            raise _tampered(b, "完整信息包不应有化名记录清单", "a full bundle with a pseudonymous row list")
        return None
    tables = columns()
    listed: dict[tuple[str, int], str | None] = {}
    wrong: list[tuple] = []

    def checked() -> Iterator[tuple]:
        for line in lines:
            tbl, rid, d = line
            key = (tbl, rid)
            if key in listed or key not in latest or tbl not in tables or (d is None and tbl != "resident_tags"):
                wrong.append(line)
            listed[key] = d
            yield line

    if rows_digest(checked()) != b.manifest["rows_digest"]:
        raise _tampered(b, "记录清单与签名不符", "the row list does not match its signature")
    if wrong:
        tbl, rid, _ = wrong[0]
        raise _tampered(b, f"记录清单中的 {str(tbl)[:20]}#{rid} 不对", f"the row list's {str(tbl)[:20]}#{rid}")
    if len(listed) != written:
        raise _tampered(b, "记录清单不全", "the row list is incomplete")
    return listed


def ints(values: Iterable[object]) -> bool:
    """Whether a row is ints only (a link row): its digest needs no JSON encoder."""
    return all(v.__class__ is int for v in values)


# --- sources --------------------------------------------------------------------------------


def sources(store: "Store") -> list[dict]:
    """Each source merged here: who it is, its last merged bundle, and how many records came from it."""
    record_tables = ", ".join(f"'{t}'" for t in RECORD_TABLES)
    rows = store.read.rows(
        "SELECT s.id, s.uid, s.name, s.place, b.last_entry, b.head_after, b.made_at, b.merged_at,"
        " (SELECT count(*) FROM _bundles x WHERE x.source_id = s.id) AS bundles,"
        f" (SELECT count(*) FROM _merged g WHERE g.source_id = s.id AND g.tbl IN ({record_tables})) AS records"
        " FROM _sources s JOIN _bundles b ON b.id = (SELECT id FROM _bundles WHERE source_id = s.id"
        "  ORDER BY last_entry DESC LIMIT 1)"
        " ORDER BY s.place, s.name"
    )
    return [dict(r) for r in rows]
