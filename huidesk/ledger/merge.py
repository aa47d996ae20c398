"""The merge of a verified bundle into a street (or district) ledger, in one transaction: it must
continue what was merged of its source; records are unified by uid (places by path, units by name,
teams by place and name), keep where they came from in `_merged`, and arrive as what they are
(updates, voids). The bundle itself — its making, reading and verifying — is huidesk.ledger.federation.
"""

import hashlib
import sqlite3
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING

from huidesk.domain.i18n import tr
from huidesk.ledger.federation import MERGE_ORDER, WITHHELD, Bundle, BundleRefused, columns, ints
from huidesk.ledger.journal import GENESIS
from huidesk.ledger.schema import RECORD_TABLES
from huidesk.ledger.table import Read
from huidesk.ledger.tx import Tx, utc_now

if TYPE_CHECKING:
    from huidesk.ledger.store import Store

# Records unified with a record here that is the same thing (a place by path, a unit by name, a team by
# place and name): shared, changed only by the source whose merge inserted them. Every other record is
# its source's own: a uid another record here already holds is given a uid of the source's (`_own_uid`).
_SHARED = ("places", "units", "teams")
# Columns renamed when another record here holds the value: a card's number, an issue's order number.
_RENAMED = {"cards": "no", "issues": "ref"}


@dataclass(frozen=True)
class Merged:
    source: str
    first: int
    last: int
    head: str
    inserted: int = 0
    updated: int = 0
    unified: int = 0
    ignored: int = 0
    already: bool = False
    outside: tuple[str, ...] = ()


def merge_bundle(store: "Store", tx: Tx, b: Bundle) -> Merged:
    """Merge a verified bundle in this transaction: it must continue what was merged of its source."""
    read, m = store.read, b.manifest
    if m["source_uid"] == store.identity()["uid"]:
        raise BundleRefused(tr(f"这是本账本自己的报送包：{b.path}", f"this is this ledger's own bundle: {b.path}"))
    source = read.one("SELECT id, name, place, public_key FROM _sources WHERE uid = ?", (m["source_uid"],))
    _signed_by_source(b, source)
    last, head = 0, GENESIS
    if source is not None:
        row = read.one("SELECT last_entry, head_after FROM _bundles WHERE source_id = ? ORDER BY last_entry DESC"
                       " LIMIT 1", (source["id"],))
        if row is not None:
            last, head = row
    _continues(read, b, source, last, head)
    if source is not None and b.last <= last:
        return Merged(b.source, b.first, b.last, m["head_after"], already=True)
    if source is None:
        source_id = tx.insert("_sources", {"uid": m["source_uid"], "name": m["source_name"],
                                           "place": m["source_place"], "public_key": m["source_key"]})
    else:
        source_id = source["id"]
        known = {"name": m["source_name"], "place": m["source_place"], "public_key": m["source_key"]}
        changed = {k: v for k, v in known.items() if source[k] != v}
        if changed:
            tx.update("_sources", source_id, changed)
    withheld = WITHHELD if m["pii"] == "pseudonymous" else {}
    store.bulk_cache()  # the indexes grow in random order (uids, provenance): as an import's
    rows = _Rows(store, tx, source_id, m["source_uid"], b.source, withheld)
    try:
        counts = rows.merge(b)
    except sqlite3.IntegrityError as e:  # a value the source's own ledger would not have taken
        raise BundleRefused(tr(f"{b.source} 的报送包 {b.path} 含有本账本不接受的记录（{e}），未合并",
                               f"{b.source}'s bundle {b.path} holds a record this ledger refuses ({e}); "
                               "nothing merged")) from None
    if m["source_place"]:  # the street's tree holds each source's own place
        store.places.add(tx, m["source_place"], None)
    tx.insert("_bundles", {
        "source_id": source_id, "first_entry": b.first, "last_entry": b.last, "head_before": m["head_before"],
        "head_after": m["head_after"], "made_at": m["created_at"], "merged_at": utc_now(), "pii": m["pii"],
        "records": sum(b.carried[t] for t in RECORD_TABLES),
    })
    return Merged(b.source, b.first, b.last, m["head_after"], *counts, outside=_outside(store, source_id))


def _outside(store: "Store", source_id: int) -> tuple[str, ...]:
    """The places of a source that are not under this ledger's own place (none when it has no place):
    their records are merged, and the merge names them rather than leave them out of the street's figures
    unsaid."""
    own = store.identity()["place"]
    if not own:
        return ()
    rows = store.read.rows(
        "SELECT DISTINCT p.path FROM _merged m JOIN places p ON p.id = m.rid WHERE m.source_id = ? AND m.tbl = 'places'"
        " AND p.path <> ? AND substr(p.path, 1, ?) <> ? ORDER BY p.path", (source_id, own, len(own) + 1, own + "/"))
    return tuple(r[0] for r in rows if not own.startswith(r[0] + "/"))  # (its ancestors hold nothing of it)


def _signed_by_source(b: Bundle, source) -> None:
    """The bundle is signed by the ledger its manifest names: a uid is its key's, or (a ledger older
    than signatures, known here) the key its first signed bundle brought is pinned and kept."""
    from huidesk.ledger.keys import derived_uid

    m = b.manifest
    pinned = source["public_key"] if source is not None else None
    if pinned is not None and pinned != m["source_key"]:
        raise BundleRefused(tr(
            f"{b.path} 自称来自 {b.source}，但不是用该来源的密钥签名的，未合并",
            f"{b.path} claims to come from {b.source} but is not signed with that source's key; nothing merged"))
    if pinned is None and source is None and derived_uid(m["source_key"]) != m["source_uid"]:
        raise BundleRefused(tr(
            f"{b.path} 自称的来源编号 {m['source_uid'][:12]} 与其签名密钥不符，未合并",
            f"{b.path} claims the source uid {m['source_uid'][:12]}, which its signing key does not derive; "
            "nothing merged"))


def _continues(read: Read, b: Bundle, source, last: int, head: str) -> None:
    """Refuse a bundle that does not continue its source's chain where the last merged one ended."""
    where = tr(f"{b.source} 的报送包 {b.path}", f"{b.source}'s bundle {b.path}")
    fork = BundleRefused(tr(
        f"{where} 与已合并的链头 {head[:12]}（日志#{last}）不相接：来源账本的历史被重建或分叉，未合并",
        f"{where} does not continue the merged head {head[:12]} (entry {last}): the source's history was "
        "rebuilt or forked; nothing merged"))
    if b.last <= last:
        row = read.one("SELECT head_after FROM _bundles WHERE source_id = ? AND last_entry = ?", (source["id"], b.last))
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


# A provenance row: which source row of which table became which row here.
_PROVENANCE, _WORDS = ("source_id", "tbl", "source_rid", "rid"), frozenset({"tbl"})
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

    def __init__(self, store: "Store", tx: Tx, source_id: int, source_uid: str, source_name: str,
                 withheld: dict[str, tuple[str, ...]]) -> None:
        """`withheld`: the columns the bundle left at home, by table (what a pseudonymous bundle withholds)."""
        self.store, self.read, self.tx, self.source_id, self.source_name = store, store.read, tx, source_id, source_name
        self.source_uid, self.withheld = source_uid, withheld
        self.ignored = 0  # changes this source sent of records that are not its own
        self.map = {(t, s): r for t, s, r in self.read.rows(
            "SELECT tbl, source_rid, rid FROM _merged WHERE source_id = ?", (source_id,))}
        self.inserted = self.updated = self.unified = 0
        # The largest id of each table before this merge: a row above it is one this merge inserted.
        self._before = {
            t: self.read.value(f"SELECT coalesce(max(id), 0) FROM {t}") for t in MERGE_ORDER
        }
        self._keys: set[tuple] = set()  # what identifies the rows of the current table inserted so far
        self._uids: dict[str, int] = {}  # the current chunk's uids found here -> their rows

    def merge(self, b: Bundle) -> tuple[int, int, int, int]:
        with self.tx.holding(), ExitStack() as issues:
            for table in MERGE_ORDER:
                fks = {fk[3]: fk[2] for fk in self.read.rows(f"PRAGMA foreign_key_list({table})")}
                self._keys = set()
                if table == "issues" and (b.carried.get("issues", 1) or b.carried.get("issue_events", 1)):
                    issues.enter_context(self.store.issue_facts_deferred())  # until issue_events are written
                if table not in RECORD_TABLES:
                    if b.carried.get(table, 1):
                        with self.store.homes_deferred() if table == "visit_residents" else nullcontext():
                            self._links(table, b, fks)
                            self.tx.flush()
                    continue
                for chunk in b.chunks(table, _CHUNK_ROWS):
                    self._prefetch(table, chunk)
                    for row in chunk:
                        self._row(table, row, fks)
                    if self.tx.held >= _FLUSH_ROWS:
                        self.tx.flush()
                self.tx.flush()
                self._keys, self._uids = set(), {}
                if table == "issue_events":
                    issues.close()
        return self.inserted, self.updated, self.unified, self.ignored

    def _links(self, table: str, b: Bundle, fks: dict[str, str]) -> None:
        """A link table's rows, as `_row` writes them, in one loop over plain tuples: a row whose record
        this merge inserted (fresh) and that no row held before repeats is new here without a look-up; any
        other row is looked up by its columns and written only if no row here has them."""
        names = columns()[table][1:]
        refs = [(names.index(column), target, self._before.get(target)) for column, target in fks.items()]
        marks = f"SELECT id FROM {table} WHERE " + " AND ".join(f"{k} IS ?" for k in names)
        keys, mapped, tx, q, pair = self._keys, self.map.get, self.tx, self.read.one, len(names) == 2
        for chunk in b.tuples(table, _CHUNK_ROWS):
            for row in chunk:
                values = list(row[1:])
                fresh = False
                for i, target, before in refs:
                    value = values[i]
                    if value is not None:
                        rid = mapped((target, value))
                        if rid is None:
                            raise BundleRefused(tr(f"{table}#{row[0]} 引用的 {target}#{value} 从未合并过",
                                                   f"{table}#{row[0]} refers to {target}#{value}, never merged"))
                        values[i] = rid
                        fresh = fresh or (before is not None and rid > before)
                key = tuple(values)
                if not fresh or key in keys:  # (counted with its record, as a bundle counts)
                    if key in keys:
                        tx.flush()
                    if q(marks, key) is not None:
                        continue
                if (values[0].__class__ is int and values[1].__class__ is int) if pair else ints(key):
                    tx.insert_fixed(table, names, key)
                else:
                    tx.insert(table, dict(zip(names, key, strict=True)))
                keys.add(key)
            if tx.held >= _FLUSH_ROWS:
                tx.flush()

    def _prefetch(self, table: str, chunk: list[dict]) -> None:
        """The rows here holding the uids of this chunk's rows that are not mapped yet, in one query."""
        self._uids = {}
        if table not in RECORD_TABLES or table == "places":
            return
        uids = [r["uid"] for r in chunk if (table, r["id"]) not in self.map and r.get("uid") is not None]
        if uids:
            marks = ", ".join("?" * len(uids))
            self._uids = dict(self.read.rows(f"SELECT uid, id FROM {table} WHERE uid IN ({marks})", uids))

    def _sees(self, *key: object) -> None:
        """Before a lookup by `key`: a row of this table held with that key is written first."""
        if key in self._keys:
            self.tx.flush()

    def _row(self, table: str, row: dict, fks: dict[str, str]) -> None:
        values = {k: v for k, v in row.items() if k != "id"}
        for column, target in fks.items():
            if values.get(column) is not None:
                mapped = self.map.get((target, values[column]))
                if mapped is None:
                    raise BundleRefused(tr(f"{table}#{row['id']} 引用的 {target}#{values[column]} 从未合并过",
                                           f"{table}#{row['id']} refers to {target}#{values[column]}, never merged"))
                values[column] = mapped
        rid = self.map.get((table, row["id"]))
        if rid is None:
            rid = self._existing(table, values)
            if rid is not None and table not in _SHARED:
                # Another's record (another source's, or this ledger's own) holds this uid: what this
                # source sends is its own record here, which it alone may change.
                values = {**values, "uid": self._own_uid(values["uid"])}
                rid = None
            if rid is None:
                rid = self._insert(table, values)
                self.inserted += 1
            else:
                self.unified += 1
                self._update(table, rid, values)
            self.tx.insert_fixed("_merged", _PROVENANCE, (self.source_id, table, row["id"], rid), _WORDS)
            self.map[(table, row["id"])] = rid
        else:
            self._update(table, rid, values)

    def _existing(self, table: str, values: dict) -> int | None:
        """The row here that is the same thing: a place by path, a record by uid (a unit also by name, a
        team by place and name). (A link row's: `_links`.)"""
        q = self.read.one
        if table == "places":
            self._sees("path", values["path"])
            found = q("SELECT id FROM places WHERE path = ?", (values["path"],))
        else:
            uid = values["uid"]
            if ("uid", uid) in self._keys:
                self.tx.flush()
                found = q(f"SELECT id FROM {table} WHERE uid = ?", (uid,))
            else:
                found = (self._uids[uid],) if uid in self._uids else None
            if found is None and table == "units":
                self._sees("name", values["name"])
                found = q("SELECT id FROM units WHERE name = ?", (values["name"],))
            if found is None and table == "teams":
                self._sees("team", values["place_id"], values["name"])
                found = q("SELECT id FROM teams WHERE place_id = ? AND name = ?", (values["place_id"], values["name"]))
        return found[0] if found else None

    def _insert(self, table: str, values: dict) -> int:
        if table == "places":  # unified by path: a place here may already have its uid
            self._sees("uid", values["uid"])
            if self.read.one("SELECT 1 FROM places WHERE uid = ?", (values["uid"],)):
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
            return bool(self.read.one("SELECT 1 FROM cards WHERE kind = ? AND no = ?", (values["kind"], values["no"])))
        self._sees("ref", values["ref"])
        return bool(self.read.one("SELECT 1 FROM issues WHERE ref = ?", (values["ref"],)))

    def _renamed(self, value: str) -> str:
        return f"{value}@{self.source_name}"[:50]

    def _own_uid(self, uid: str) -> str:
        """The uid here of this source's record whose uid another record here already holds."""
        return hashlib.sha256(f"{self.source_uid}:{uid}".encode()).hexdigest()[:32]

    def _owned(self, table: str, rid: int) -> bool:
        """Whether a row of a shared table (a unit, a team) was inserted by a merge of this source: its
        provenance row here was journaled in the entry that inserted it."""
        q = self.read.one
        born = q("SELECT entry_id FROM _journal_records WHERE tbl = ? AND rid = ? AND op = 'insert' ORDER BY id"
                 " LIMIT 1", (table, rid))
        mine = q("SELECT id FROM _merged WHERE tbl = ? AND rid = ? AND source_id = ?", (table, rid, self.source_id))
        if born is None or mine is None:
            return False
        at = q("SELECT entry_id FROM _journal_records WHERE tbl = '_merged' AND rid = ? ORDER BY id LIMIT 1",
               (mine[0],))
        return at is not None and at[0] == born[0]

    def _update(self, table: str, rid: int, values: dict) -> None:
        """Bring the row here to what the source now holds, if the record is the source's own; a void
        arrives as a void."""
        if table == "places" or table not in RECORD_TABLES:
            return  # places are unified by path and shared; link rows never change
        self.tx.flush()  # the row may be one held
        current = dict(self.read.one(f"SELECT * FROM {table} WHERE id = ?", (rid,)))
        renamed = _RENAMED.get(table)
        kept = self.withheld.get(table, ())  # what the bundle left at home is not news that it is gone
        changed = {
            k: v for k, v in values.items()
            if k != "uid" and current.get(k) != v and not (k == renamed and current.get(k) == self._renamed(v))
            and not (k in kept and v is None)
        }
        if not changed:
            return
        own = self._owned(table, rid) if table in _SHARED else current["uid"] in (
            values["uid"], self._own_uid(values["uid"]))
        if not own:
            self.ignored += 1
            return
        op = "void" if current["void_reason"] is None and values.get("void_reason") is not None else "update"
        self.tx.update(table, rid, changed, op=op)
        self.updated += 1
