"""The warehouse: a ledger's records as a hive-partitioned Parquet dataset that DuckDB reads on one
machine and Spark (or any Parquet engine) across many. docs/warehouse.md describes it for its readers.

Layout of DIR (many ledgers write into one DIR, each only below its own `ledger=<uid>`):

    _schema.json                                  every table's columns: type, meaning, vocabulary
    _huidesk/ledger=<uid>.json                    that ledger's manifest: identity, chain head, PII policy,
                                                  each partition's file, row count and content digest
    table=<t>/ledger=<uid>/year=YYYY/part-0.parquet   visits, activities, issues and their rows
    table=<t>/ledger=<uid>/part-0.parquet         every other table (places, teams, residents, ...)

The tables are the ledger's own, column for column (ids are the writing ledger's), plus `origin`: the
ledger a row was recorded in (this ledger's uid, or for a merged street ledger the source it came from,
by `_merged`). A year partition holds the rows of the records of that year: visits and activities by
their date, issues by the year they were received, and link rows and events with their record. (Years,
not months: a community's month is a few hundred rows, and a dataset of thousands of ledgers in
month files is too many small files for any engine; within a file rows are in date order.)
Names starting with `_` or `.` are hidden from Spark and Hadoop, so only data lies under `table=`.

Writing is incremental and atomic: each partition's rows are digested; only partitions whose digest
differs from the manifest's are written (an unchanged ledger writes nothing). New files are first
written into `.staging-<uid>/`; then an intent file (the new manifest and the files to move or remove)
is renamed into place — the commit point — and the files are renamed over the old ones. A run stopped
before the commit point leaves the dataset as it was (the staging folder is removed by the next run);
one stopped after it is completed by the next run, and readers refuse the ledger until then.
"""

import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from huidesk.domain.errors import LedgerError
from huidesk.domain.i18n import tr
from huidesk.ledger.federation import MERGE_ORDER, PII_POLICIES, PSEUDONYMISED, pseudonymised
from huidesk.ledger.schema import RECORD_TABLES

if TYPE_CHECKING:
    from huidesk.ledger.store import Store

FORMAT, FORMAT_VERSION = "huidesk-warehouse", "1"
INSTALL = "pip install 'huidesk[warehouse]'"
PART = "part-0.parquet"
# The tables written year by year: the SQL of a row's year (alias t; p: the record it belongs to).
YEARLY = {  # table: (join, its year, its order within the year: by date, so row groups prune by date)
    "visits": ("", "substr(t.date, 1, 4)", "t.date"),
    "visit_residents": ("JOIN visits p ON p.id = t.visit_id", "substr(p.date, 1, 4)", "p.date"),
    "visit_members": ("JOIN visits p ON p.id = t.visit_id", "substr(p.date, 1, 4)", "p.date"),
    "activities": ("", "substr(t.date, 1, 4)", "t.date"),
    "activity_members": ("JOIN activities p ON p.id = t.activity_id", "substr(p.date, 1, 4)", "p.date"),
    "issues": ("", "substr(t.received_at, 1, 4)", "t.received_at"),
    "issue_events": ("JOIN issues p ON p.id = t.issue_id", "substr(p.received_at, 1, 4)", "p.received_at, t.issue_id"),
}
_ROW_GROUP = 65_536  # rows: min/max statistics per row group let a reader skip the rest of a year
TABLES = (*MERGE_ORDER, "settings")
# Identity and bookkeeping settings are the manifest's, not figures' settings.
_PRIVATE_SETTINGS = ("ledger_uid", "ledger_name", "ledger_place")
_ARROW = {"INTEGER": "int64", "REAL": "float64", "TEXT": "string"}
# The n-th ledger to write into a dataset (from 0) writes its ids as id + n * 2^ID_BITS: unique across
# the dataset, and the first ledger's as they are in it.
ID_BITS = 40
_FAULT = "HUIDESK_FAULT"  # a test's injected fault: "warehouse-staged" or "warehouse-commit"


def need(module: str):
    """The optional engine `module` (duckdb, pyarrow), or one line on how to install it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise LedgerError(tr(f"需要仓库扩展（{module}）：{INSTALL}",
                             f"the warehouse extra is not installed ({module}): {INSTALL}")) from None


@dataclass(frozen=True)
class Written:
    """What a run did: partitions written and removed, of how many; rows in the dataset."""

    dir: Path
    ledger: str
    written: int
    removed: int
    partitions: int
    rows: int
    pii: str


def manifest_path(root: Path, uid: str) -> Path:
    return root / "_huidesk" / f"ledger={uid}.json"


def staging_path(root: Path, uid: str) -> Path:
    return root / f".staging-{uid}"


def read_manifest(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def write_warehouse(store: "Store", root: Path, pii: str = "pseudonymous") -> Written:
    """Write this ledger's tables into the dataset at `root`: only partitions that changed."""
    if pii not in PII_POLICIES:
        raise ValueError(pii)
    pa, pq = need("pyarrow"), need("pyarrow.parquet")
    root = Path(root).expanduser()
    ident = store.identity()
    uid = ident["uid"]
    if uid is None:
        raise LedgerError(tr("账本还没有标识：先运行 huidesk init", "the ledger has no identity yet: run huidesk init"))
    root.mkdir(parents=True, exist_ok=True)
    (root / "_huidesk").mkdir(exist_ok=True)
    lock = open(root / "_huidesk" / f"ledger={uid}.lock", "a+")
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LedgerError(tr(f"本账本正在写入 {root}（另一个 huidesk warehouse 在运行）",
                                 f"this ledger is being written into {root} by another run")) from None
        recover(root, uid)
        number = _number(root, uid)
        old_path = manifest_path(root, uid)
        old = read_manifest(old_path) if old_path.exists() else {"partitions": {}}
        schema = describe(store)
        if _unchanged(root, old, store.head()[1], pii, number, schema):
            return Written(root, uid, 0, 0, len(old["partitions"]),
                           sum(p["rows"] for p in old["partitions"].values()), pii)
        stage = staging_path(root, uid)
        stage.mkdir()
        partitions: dict[str, dict] = {}
        changed: list[str] = []
        store.conn.execute("BEGIN")  # one snapshot of the ledger for every table, while others write
        try:
            for table, rel, rows in _partitions(store, uid, pii, number << ID_BITS):
                digest = hashlib.sha256(repr(rows).encode()).hexdigest()
                partitions[rel] = {"rows": len(rows), "digest": digest}
                if old["partitions"].get(rel, {}).get("digest") == digest and (root / rel).exists():
                    continue
                # staged flat (one folder to remove afterwards), named by their order in the intent
                _write_part(pa, pq, stage / f"{len(changed)}.parquet", schema[table]["columns"], rows)
                changed.append(rel)
            head = store.head()[1]
        finally:
            store.conn.execute("ROLLBACK")
        removed = sorted(set(old["partitions"]) - set(partitions))
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "ledger": uid,
            "name": ident["name"] or "", "place": ident["place"] or "", "number": number, "head": head, "pii": pii,
            "sources": [s["uid"] for s in _sources(store)], "partitions": dict(sorted(partitions.items())),
        }
        same = old == manifest
        schema_text = _schema_text(schema)
        schema_file = root / "_schema.json"
        if not schema_file.exists() or schema_file.read_text(encoding="utf-8") != schema_text:
            _atomic_text(schema_file, schema_text)
        if changed or removed or not same:
            if os.environ.get(_FAULT) == "warehouse-staged":
                raise RuntimeError("injected fault: warehouse-staged")
            _atomic_text(stage / "intent.json", json.dumps(
                {"manifest": manifest, "move": changed, "remove": removed}, ensure_ascii=False))
            _commit(root, uid)
        else:
            shutil.rmtree(stage)
        return Written(root, uid, len(changed), len(removed), len(partitions),
                       sum(p["rows"] for p in partitions.values()), pii)
    finally:
        lock.close()


def _schema_text(schema: dict) -> str:
    return json.dumps({"format": FORMAT, "format_version": FORMAT_VERSION, "tables": schema},
                      ensure_ascii=False, indent=1) + "\n"


def _unchanged(root: Path, old: dict, head: str, pii: str, number: int, schema: dict) -> bool:
    """Whether the dataset already holds this ledger as it stands: nothing journaled since it was
    written (every write is journaled), with the same policy, and every file in place. Then nothing
    need be read or digested."""
    schema_file = root / "_schema.json"
    return (old.get("head") == head and old.get("pii") == pii and old.get("number") == number
            and old.get("format_version") == FORMAT_VERSION
            and all((root / rel).exists() for rel in old["partitions"])
            and schema_file.exists() and schema_file.read_text(encoding="utf-8") == _schema_text(schema))


def _write_part(pa, pq, target: Path, columns: dict, rows: list[tuple]) -> None:
    names = list(columns)
    arrays = list(zip(*rows, strict=True)) if rows else [[] for _ in names]
    data = pa.table({n: pa.array(a, type=getattr(pa, columns[n]["arrow"])())
                     for n, a in zip(names, arrays, strict=True)})
    pq.write_table(data, target, row_group_size=_ROW_GROUP)
    _fsync(target)


def recover(root: Path, uid: str) -> None:
    """Finish a run of this ledger stopped after its commit point; forget one stopped before it."""
    stage = staging_path(root, uid)
    if (stage / "intent.json").exists():
        _commit(root, uid)
    elif stage.exists():
        shutil.rmtree(stage)


def _commit(root: Path, uid: str) -> None:
    """Apply the intent: move each staged file over its partition, remove the dropped ones, then the manifest."""
    stage = staging_path(root, uid)
    intent = json.loads((stage / "intent.json").read_text(encoding="utf-8"))
    for n, rel in enumerate(intent["move"]):
        src = stage / f"{n}.parquet"
        if src.exists():  # not yet moved by the run that stopped
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, root / rel)
        if n == 0 and os.environ.get(_FAULT) == "warehouse-commit":
            raise RuntimeError("injected fault: warehouse-commit")
    for rel in intent["remove"]:
        (root / rel).unlink(missing_ok=True)
        _prune(root, (root / rel).parent)
    _atomic_text(manifest_path(root, uid), json.dumps(intent["manifest"], ensure_ascii=False, indent=1) + "\n")
    shutil.rmtree(stage)


def _prune(root: Path, folder: Path) -> None:
    """Remove folders left empty under root, up to the table's."""
    while folder != root and folder.parent != root and folder.exists() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _fsync(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    _fsync(tmp)
    os.replace(tmp, path)


def _sources(store: "Store") -> list[dict]:
    return [dict(r) for r in store.conn.execute("SELECT uid, name, place FROM _sources ORDER BY uid")]


def _number(root: Path, uid: str) -> int:
    """This ledger's number in the dataset (`_huidesk/ledgers.json`): given at its first write, the
    first ledger 0, and never changed."""
    registry = root / "_huidesk" / "ledgers.json"
    with open(root / "_huidesk" / "ledgers.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # ledgers writing at once: one at a time here, for a moment
        numbers = json.loads(registry.read_text(encoding="utf-8")) if registry.exists() else {}
        if uid not in numbers:
            numbers[uid] = max(numbers.values(), default=-1) + 1
            _atomic_text(registry, json.dumps(numbers, indent=1) + "\n")
        return numbers[uid]


def _partitions(store: "Store", uid: str, pii: str, offset: int) -> Iterator[tuple[str, str, list[tuple]]]:
    """Every partition of this ledger: (table, its file relative to DIR, its rows in a fixed order),
    ids and references to them plus `offset`."""
    conn = store.conn
    for table in TABLES:
        base = f"table={table}/ledger={uid}"
        if table == "settings":
            rows = [(k, v) for k, v in store.settings().items() if k not in _PRIVATE_SETTINGS]
            yield table, f"{base}/{PART}", sorted(rows)
            continue
        origin = {rid: source for rid, source in conn.execute(
            "SELECT g.rid, s.uid FROM _merged g JOIN _sources s ON s.id = g.source_id WHERE g.tbl = ?"
            " ORDER BY g.id DESC", (table,))}  # the first source a row came from wins
        names = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")]
        fks = {fk[3] for fk in conn.execute(f"PRAGMA foreign_key_list({table})")}
        ids = [n for n, name in enumerate(names) if name == "id" or name in fks] if offset else []
        join, year, order = YEARLY.get(table, ("", "NULL", "NULL"))
        cursor = conn.execute(f"SELECT {year}, t.* FROM {table} t {join} ORDER BY 1, {order}, t.id")
        current, rows = None, []
        # the rule (federation.pseudonymised) changes rows of PSEUDONYMISED tables only: others go as they are
        masked = pii == "pseudonymous" and table in PSEUDONYMISED
        for row in cursor:
            if row[0] != current and rows:
                yield table, f"{base}/year={current}/{PART}", rows
                rows = []
            current = row[0]
            values = tuple(row)[1:]
            if masked:
                kept = pseudonymised(table, dict(zip(names, values, strict=True)))
                if kept is None:
                    continue
                values = tuple(kept.values())
            source = origin.get(values[0], uid)
            if ids:
                values = list(values)
                for n in ids:
                    if values[n] is not None:
                        values[n] += offset
            rows.append((*values, source))
        if table in YEARLY:
            if rows:
                yield table, f"{base}/year={current}/{PART}", rows
        else:
            yield table, f"{base}/{PART}", rows


def describe(store: "Store") -> dict[str, dict]:
    """The `_schema` of every table: its meaning, and each column's SQL and Parquet type, meaning,
    the table it refers to and its vocabulary (slug: Chinese, English)."""
    from huidesk.domain.vocab import VOCABS

    conn = store.conn
    tables: dict[str, dict] = {}
    for table in TABLES:
        if table == "settings":
            tables[table] = {"meaning": "the ledger's settings that figures depend on (limits, weights)",
                             "partitioned_by": ["ledger"], "columns": {
                                 "key": _column("TEXT", "setting name"), "value": _column("TEXT", "its value")}}
            continue
        fks = {fk[3]: fk[2] for fk in conn.execute(f"PRAGMA foreign_key_list({table})")}
        columns = {}
        for _, name, kind, notnull, _, pk in conn.execute(f"PRAGMA table_info({table})"):
            column = _column(kind, _meaning(table, name, fks), not notnull and not pk)
            if name in fks:
                column["references"] = fks[name]
            vocab = _VOCAB.get((table, name))
            if vocab:
                column["vocabulary"] = {slug: [words[0], words[-1]] for slug, words in VOCABS[vocab].items()}
            columns[name] = column
        columns["origin"] = _column("TEXT", "uid of the ledger the row was recorded in (a merged ledger's source)",
                                    False)
        zh, en = RECORD_TABLES.get(table, (None, None))
        tables[table] = {
            "meaning": f"{en} ({zh}) records" if en else f"rows linking records ({table})",
            "partitioned_by": ["ledger", "year"] if table in YEARLY else ["ledger"],
            "columns": columns,
        }
        if table in YEARLY:
            tables[table]["year"] = YEARLY[table][1].replace("t.", f"{table}.").replace("p.", "its record's ")
    return tables


def _column(kind: str, meaning: str, nullable: bool = False) -> dict:
    return {"type": kind, "arrow": _ARROW.get(kind, "string"), "nullable": nullable, "meaning": meaning}


_VOCAB = {
    ("places", "level"): "level", ("teams", "line"): "line", ("member_roles", "role"): "role",
    ("resident_tags", "tag"): "tag", ("units", "kind"): "unit_kind", ("activities", "theme"): "theme",
    ("issues", "kind"): "issue_kind", ("issues", "source"): "source", ("issue_events", "event"): "event",
    ("issues", "nature"): "nature", ("issue_events", "answer"): "answer",
    ("issue_events", "satisfaction"): "satisfaction", ("residents", "consent"): "consent",
}
_MEANINGS = {
    "id": "the row's id: its id in the ledger that wrote it + that ledger's number * 2^40 (_huidesk/ledgers.json)",
    "uid": "the record's uid, the same in every ledger it was merged into",
    "void_reason": "why the record was voided; NULL: live (reports leave void records out)",
    "void_at": "when it was voided",
    "date": "the day (YYYY-MM-DD, local)",
    "name": "name",
    "path": "the place as a path from the city down (市/区/街道/社区/小区/楼栋)",
    "received_at": "when the issue was received (ISO 8601 with the ledger's offset)",
    "at": "when the event happened (ISO 8601 with the ledger's offset)",
    "minutes": "volunteer time in whole minutes",
    "served": "people served",
    "volunteers": "volunteers taking part",
    "joined": "day joined", "left": "day left (NULL: still in)",
    "born": "year of birth", "phone": "phone number (NULL unless written with --pii full)",
    "visit_every": "visit cadence in days", "health_consent": "1: consent to keep health details",
    "listed": "day listed", "claimed": "day claimed", "fulfilled": "day fulfilled",
    "since": "first day", "until": "last day", "ref": "order number of a hotline or platform",
    "repeat_of": "the issue this one repeats", "text": "what was raised", "decision": "what was decided",
    "no": "card number", "follow_up": "1: a follow-up is needed", "founded": "day founded",
    "reg_no": "the volunteer's registration number (注册编号, e.g. of the national volunteer system)",
    "minutes_each": "a visit's volunteer time credited to each visiting member (visit_members), whole minutes",
    "nature": "诉求性质: help, inquiry, complaint, proposal or praise",
    "category": "诉求类别: a vocabulary slug, or a category the ledger added (stored as typed)",
}


def _meaning(table: str, name: str, fks: dict[str, str]) -> str:
    if table == "residents" and name == "name":
        return "name (masked, 王*兰, unless written with --pii full)"
    if name in fks and name != "repeat_of":
        return f"refers to {fks[name]}.id"
    return _MEANINGS.get(name, name.replace("_", " "))
