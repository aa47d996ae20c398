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

A dataset may be a shared folder that others write into, so nothing found in it is taken on trust:
a staging folder is finished or removed only when it is this user's own (a real folder, not a link,
owned by the current user, owner-only), its intent too; every path an intent or a manifest names must
be one of this ledger's partitions (`partition_parts`: no `..`, nothing absolute, nothing another
ledger's), and the folders on the way to it are opened one by one without following a link, so
nothing outside DIR is ever removed, moved or written. Anything else is refused with one line, and
left where it is for its owner to look at.
"""

import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from huidesk.domain.errors import LedgerError
from huidesk.domain.i18n import tr
from huidesk.ledger.federation import MERGE_ORDER, PII_POLICIES, PSEUDONYMISED, pseudonymised
from huidesk.ledger.schema import RECORD_TABLES

if TYPE_CHECKING:
    from huidesk.ledger.store import Store
    from huidesk.ledger.table import Read

FORMAT, FORMAT_VERSION = "huidesk-warehouse", "2"  # 2: the kept facts too
INSTALL = "pip install 'huidesk[warehouse]'"
PART = "part-0.parquet"
# The tables written year by year: the SQL of a row's date (alias t; p: the record it belongs to), whose
# year is the partition's, and the row's order within the year (by date, so row groups prune by date).
YEARLY = {  # table: (join, its date, its order within the year)
    "visits": ("", "t.date", "t.date"),
    "visit_residents": ("JOIN visits p ON p.id = t.visit_id", "p.date", "p.date"),
    "visit_members": ("JOIN visits p ON p.id = t.visit_id", "p.date", "p.date"),
    "activities": ("", "t.date", "t.date"),
    "activity_members": ("JOIN activities p ON p.id = t.activity_id", "p.date", "p.date"),
    "issues": ("", "t.received_at", "t.received_at"),
    "issue_events": ("JOIN issues p ON p.id = t.issue_id", "p.received_at", "p.received_at, t.issue_id"),
    "issue_facts": ("", "t.received_at", "t.received_at, t.issue_id"),
    "visit_homes": ("", "t.date", ""),  # (counted with the visit residents, in their order)
    "visit_months": ("", "t.month", ""),  # (counted with the visits)
}
# The facts a ledger keeps beside its records (huidesk/ledger/facts.py), written beside them so that DuckDB
# and Spark read what SQLite reads: dataset table -> the ledger's table (its columns). issue_facts is the
# ledger's rows, each with its issue's origin. visit_homes and visit_months are counted by the same
# definitions (facts.HOMES_DERIVED, MONTHS_DERIVED) from the rows written with them — a year's visit
# residents with their visits' team, date and void, a year's visits — by origin too: the ledger keeps
# neither by date, and reading a year of them would sort the ledger's whole table.
FACTS = {"issue_facts": "_issue_facts", "visit_homes": "_visit_homes", "visit_months": "_visit_months"}
_COUNTED_WITH = {"visit_homes": "visit_residents", "visit_months": "visits"}
# Their columns naming records (the ledger's tables declare no foreign keys): offset like any id.
_FACT_REFERENCES = {
    "issue_facts": {"issue_id": "issues", "place_id": "places", "team_id": "teams", "repeat_of": "issues"},
    "visit_homes": {"team_id": "teams", "resident_id": "residents", "visit_id": "visits"},
    "visit_months": {"team_id": "teams"},
}
_ROW_GROUP = 65_536  # rows: min/max statistics per row group let a reader skip the rest of a year
TABLES = (*MERGE_ORDER, "settings", *FACTS)
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
    """What a run did: partitions read from the ledger, written and removed, of how many; rows in the dataset."""

    dir: Path
    ledger: str
    read: int
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


# A ledger's uid as a dataset may name it in a path or a manifest (32 hex digits; older ledgers' too).
UID = re.compile(r"[0-9A-Za-z_-]{1,64}")
_YEAR = re.compile(r"year=[0-9A-Za-z_-]{1,16}")


def partition_parts(rel: object, uid: str) -> list[str] | None:
    """The folders and file of `rel` if it is one of ledger `uid`'s partitions as this code writes
    them (table=<t>/ledger=<uid>[/year=<y>]/part-0.parquet, <t> a table it knows), else None."""
    if not isinstance(rel, str):
        return None
    parts = rel.split("/")
    if (len(parts) not in (3, 4) or parts[0].removeprefix("table=") not in TABLES
            or not parts[0].startswith("table=") or parts[1] != f"ledger={uid}" or parts[-1] != PART
            or (len(parts) == 4 and not _YEAR.fullmatch(parts[2]))):
        return None
    return parts


class Untrusted(LedgerError):
    """Something in a shared dataset that is not this ledger's own, or names a path outside it."""

    def __init__(self, root: Path, what: str, zh: str, en: str) -> None:
        super().__init__(tr(f"数据仓库 {root} 中的 {what} 不可信：{zh}；未作任何改动（请检查后删除）",
                            f"untrusted {what} in the warehouse {root}: {en}; nothing was changed "
                            "(look at it, then remove it)"))


def _own(root: Path, what: str, st: os.stat_result, folder: bool) -> None:
    """Refuse `what` (as lstat or fstat saw it) unless it is a real folder or file of this user's,
    which no one else may read or write."""
    kind = stat.S_ISDIR(st.st_mode) if folder else stat.S_ISREG(st.st_mode)
    if not kind:
        raise Untrusted(root, what, "不是文件夹" if folder else "不是普通文件（可能是链接）",
                        "not a folder" if folder else "not a regular file (a link?)")
    if st.st_uid != os.getuid():
        raise Untrusted(root, what, f"属于另一个用户（uid {st.st_uid}）", f"owned by another user (uid {st.st_uid})")
    if st.st_mode & 0o077:
        raise Untrusted(root, what, f"权限 {stat.S_IMODE(st.st_mode):o} 不是仅本人可用",
                        f"mode {stat.S_IMODE(st.st_mode):o} is not owner-only")


def _open_folder(root: Path, parent: int, parts: list[str], create: bool) -> int | None:
    """The folder `parts` below the open folder `parent`, each step opened without following a link
    (made when `create`); None when one is missing and not `create`."""
    fd = os.dup(parent)
    try:
        for n, part in enumerate(parts):
            flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
            try:
                child = os.open(part, flags, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    return None
                os.mkdir(part, dir_fd=fd)
                child = os.open(part, flags, dir_fd=fd)
            except OSError:  # a link (ELOOP) or not a folder (ENOTDIR)
                where = "/".join(parts[:n + 1])
                raise Untrusted(root, where, "是链接或不是文件夹", "a link or not a folder") from None
            os.close(fd)
            fd = child
        found, fd = fd, -1
        return found
    finally:
        if fd >= 0:
            os.close(fd)


def _lock(root: Path, path: Path):
    """`path` opened for flock: created owner-only if missing, never through a link, and a regular file."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o600)
    except OSError:
        raise Untrusted(root, str(path.relative_to(root)), "是链接或不能打开", "a link, or cannot be opened") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise Untrusted(root, str(path.relative_to(root)), "不是普通文件", "not a regular file")
    return os.fdopen(fd, "a+")


def _real_folder(root: Path, folder: Path) -> None:
    """Make `folder` (one level below root) if missing; refuse a link or a file in its place."""
    try:
        folder.mkdir(exist_ok=True)
    except FileExistsError:
        pass
    if not stat.S_ISDIR(os.lstat(folder).st_mode):
        raise Untrusted(root, folder.name, "是链接或不是文件夹", "a link or not a folder")


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
    _real_folder(root, root / "_huidesk")
    lock = _lock(root, root / "_huidesk" / f"ledger={uid}.lock")
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LedgerError(tr(f"本账本正在写入 {root}（另一个 huidesk warehouse 在运行）",
                                 f"this ledger is being written into {root} by another run")) from None
        recover(root, uid)
        number = _number(root, uid)
        old_path = manifest_path(root, uid)
        old = _checked(root, uid, read_manifest(old_path)) if old_path.exists() else {"partitions": {}}
        schema = describe(store)
        if _unchanged(root, old, store.head()[1], pii, number, schema):
            return Written(root, uid, 0, 0, 0, len(old["partitions"]),
                           sum(p["rows"] for p in old["partitions"].values()), pii)
        stage = staging_path(root, uid)
        try:
            stage.mkdir(mode=0o700)  # its own, new: nobody else can have put anything in it
        except FileExistsError:
            raise Untrusted(root, stage.name, "在本次写入开始后出现", "appeared while this run began") from None
        os.chmod(stage, 0o700)
        changed: list[str] = []
        with store.snapshot():  # one snapshot of the ledger for every table, while others write
            entry, head = store.head()
            schema_digest = hashlib.sha256(_schema_text(schema).encode()).hexdigest()
            only = _since(store, root, old, pii, number, schema_digest)
            # the partitions the entries since the dataset's head cannot have changed are kept as they are
            partitions = {rel: info for rel, info in old["partitions"].items() if not _covers(only, rel)}
            read = 0
            for table, rel, values in _partitions(store, uid, pii, number << ID_BITS, only):
                read += 1
                data = _arrow(pa, schema[table]["columns"], values)
                digest = _digest(pa, data)
                partitions[rel] = {"rows": data.num_rows, "digest": digest}
                if old["partitions"].get(rel, {}).get("digest") == digest and (root / rel).exists():
                    continue
                # staged flat (one folder to remove afterwards), named by their order in the intent
                _write_part(pq, stage / f"{len(changed)}.parquet", data)
                changed.append(rel)
        removed = sorted(set(old["partitions"]) - set(partitions))
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "ledger": uid,
            "name": ident["name"] or "", "place": ident["place"] or "", "number": number, "head": head,
            "entry": entry, "schema": schema_digest, "pii": pii,
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
        return Written(root, uid, read, len(changed), len(removed), len(partitions),
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


def _arrow(pa, columns: dict, values: list[Sequence]):
    """A partition's columns as an Arrow table of the schema's types."""
    return pa.table({n: pa.array(a, type=getattr(pa, columns[n]["arrow"])())
                     for n, a in zip(columns, values, strict=True)})


def _digest(pa, data) -> str:
    """The digest of a partition's content: its Arrow IPC stream (the same values, the same bytes)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, data.schema) as writer:
        writer.write_table(data)
    return hashlib.sha256(sink.getvalue()).hexdigest()


def _write_part(pq, target: Path, data) -> None:
    pq.write_table(data, target, row_group_size=_ROW_GROUP)
    _fsync(target)


def recover(root: Path, uid: str) -> None:
    """Finish a run of this ledger stopped after its commit point; forget one stopped before it. Only
    a staging folder of this user's own is touched (see the module's note); another is refused."""
    stage = staging_path(root, uid)
    try:
        st = os.lstat(stage)
    except FileNotFoundError:
        return
    _own(root, stage.name, st, folder=True)
    try:
        intent = os.lstat(stage / "intent.json")
    except FileNotFoundError:
        shutil.rmtree(stage)
        return
    _own(root, f"{stage.name}/intent.json", intent, folder=False)
    _commit(root, uid)


def _checked(root: Path, uid: str, manifest: object, what: str = "") -> dict:
    """A manifest of ledger `uid` whose every partition is one of its own (`partition_parts`)."""
    what = what or f"_huidesk/ledger={uid}.json"
    if not isinstance(manifest, dict) or not isinstance(manifest.get("partitions"), dict):
        raise Untrusted(root, what, "格式不对", "not a manifest")
    for rel in manifest["partitions"]:
        if partition_parts(rel, uid) is None:
            raise Untrusted(root, what, f"路径 {rel} 不是本账本的分区", f"the path {rel} is not one of this ledger's")
    if "ledger" in manifest and manifest["ledger"] != uid:
        raise Untrusted(root, what, f"属于另一个账本 {manifest['ledger']}", f"another ledger's ({manifest['ledger']})")
    return manifest


def _commit(root: Path, uid: str) -> None:
    """Apply the intent: move each staged file over its partition, remove the dropped ones, then the
    manifest. Every path is checked before anything is done, and each is reached by opening the
    folders on its way one by one, none through a link."""
    stage = staging_path(root, uid)
    what = f"{stage.name}/intent.json"
    root_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    stage_fd = -1
    try:
        stage_fd = os.open(stage.name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=root_fd)
        _own(root, stage.name, os.fstat(stage_fd), folder=True)
        fd = os.open("intent.json", os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=stage_fd)
        with os.fdopen(fd, encoding="utf-8") as f:
            _own(root, what, os.fstat(fd), folder=False)
            try:
                intent = json.load(f)
            except ValueError:
                raise Untrusted(root, what, "不是 JSON", "not JSON") from None
        if (not isinstance(intent, dict) or not isinstance(intent.get("move"), list)
                or not isinstance(intent.get("remove"), list)):
            raise Untrusted(root, what, "格式不对", "not an intent")
        _checked(root, uid, intent.get("manifest"), what)
        moves = [(n, rel, partition_parts(rel, uid)) for n, rel in enumerate(intent["move"])]
        removes = [(rel, partition_parts(rel, uid)) for rel in intent["remove"]]
        for rel, parts in [(rel, parts) for _, rel, parts in moves] + removes:
            if parts is None:
                raise Untrusted(root, what, f"路径 {rel} 不是本账本的分区",
                                f"the path {rel} is not one of this ledger's")
            leaf = _open_folder(root, root_fd, parts[:-1], create=False)  # a link on its way is refused now
            if leaf is not None:
                os.close(leaf)
        for n, _, _ in moves:
            try:
                if not stat.S_ISREG(os.lstat(f"{n}.parquet", dir_fd=stage_fd).st_mode):
                    raise Untrusted(root, f"{stage.name}/{n}.parquet", "不是普通文件", "not a regular file")
            except FileNotFoundError:
                pass  # moved by the run that stopped
        for n, _, parts in moves:
            try:
                os.lstat(f"{n}.parquet", dir_fd=stage_fd)
            except FileNotFoundError:
                continue
            leaf = _open_folder(root, root_fd, parts[:-1], create=True)
            try:
                os.replace(f"{n}.parquet", parts[-1], src_dir_fd=stage_fd, dst_dir_fd=leaf)
            finally:
                os.close(leaf)
            if n == 0 and os.environ.get(_FAULT) == "warehouse-commit":
                raise RuntimeError("injected fault: warehouse-commit")
        for _, parts in removes:
            leaf = _open_folder(root, root_fd, parts[:-1], create=False)
            if leaf is None:
                continue
            try:
                os.unlink(parts[-1], dir_fd=leaf)
            except FileNotFoundError:
                pass
            finally:
                os.close(leaf)
            _prune(root, root_fd, parts[:-1])
    finally:
        if stage_fd >= 0:
            os.close(stage_fd)
        os.close(root_fd)
    _atomic_text(manifest_path(root, uid), json.dumps(intent["manifest"], ensure_ascii=False, indent=1) + "\n")
    shutil.rmtree(stage)


def _prune(root: Path, root_fd: int, folders: list[str]) -> None:
    """Remove the folders of `folders` left empty, deepest first, up to the table's (kept)."""
    for depth in range(len(folders), 1, -1):
        parent = _open_folder(root, root_fd, folders[:depth - 1], create=False)
        if parent is None:
            return
        try:
            os.rmdir(folders[depth - 1], dir_fd=parent)
        except OSError:  # not empty (or gone): the folders above are not empty either
            return
        finally:
            os.close(parent)


def _fsync(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _atomic_text(path: Path, text: str) -> None:
    """`path` replaced whole (domain.files: a private temp, never a planted name; a FIFO or a link
    found there is replaced, not written through)."""
    from huidesk.domain.files import atomic_write

    with atomic_write(path, streams=False) as f:
        f.write(text)


def _sources(store: "Store") -> list[dict]:
    return [dict(r) for r in store.read.rows("SELECT uid, name, place FROM _sources ORDER BY uid")]


def _number(root: Path, uid: str) -> int:
    """This ledger's number in the dataset (`_huidesk/ledgers.json`): given at its first write, the
    first ledger 0, and never changed."""
    registry = root / "_huidesk" / "ledgers.json"
    with _lock(root, root / "_huidesk" / "ledgers.lock") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # ledgers writing at once: one at a time here, for a moment
        try:
            numbers = json.loads(registry.read_text(encoding="utf-8")) if registry.exists() else {}
        except ValueError:
            numbers = None
        if not isinstance(numbers, dict) or not all(
                isinstance(k, str) and type(v) is int and v >= 0 for k, v in numbers.items()):
            raise Untrusted(root, "_huidesk/ledgers.json", "格式不对", "not a ledger registry")
        if uid not in numbers:
            numbers[uid] = max(numbers.values(), default=-1) + 1
            _atomic_text(registry, json.dumps(numbers, indent=1) + "\n")
        return numbers[uid]


# What an entry's rows of a table change in the dataset: that table's partitions and the facts kept of it.
_FOLLOW = {"visits": ("visits", "visit_residents", "visit_homes", "visit_months"),
           "visit_residents": ("visit_residents", "visit_homes"),
           "issues": ("issues", "issue_facts"), "issue_events": ("issue_events", "issue_facts"),
           "_settings": ("settings", "issue_facts"), "_setting_changes": ("settings", "issue_facts")}
# Journaled, and not in the dataset: what was bundled, the sources (the manifest's, read every run), the keys.
_UNWRITTEN = frozenset({"_bundles_made", "_bundles", "_sources", "_api_keys"})
Only = dict[str, frozenset[str] | None]  # table -> the years of its partitions to read (None: all of them)


def _since(store: "Store", root: Path, old: dict, pii: str, number: int, schema_digest: str) -> Only | None:
    """The partitions the journal's entries since the dataset's head can have changed (`_touched`); None
    (every partition read and digested) when the dataset was not written as this run would write it: another
    policy, number, schema or format, a missing file, or a head this ledger's journal does not hold."""
    entry = old.get("entry")
    if (type(entry) is not int or old.get("pii") != pii or old.get("number") != number
            or old.get("format_version") != FORMAT_VERSION or old.get("schema") != schema_digest
            or not all((root / rel).exists() for rel in old["partitions"])):
        return None
    if store.read.value("SELECT hash FROM _journal WHERE id = ?", (entry,)) != old.get("head"):
        return None
    return _touched(store.read, entry)


def _touched(read: "Read", since: int) -> Only | None:
    """The tables and years whose partitions the entries after `since` wrote rows of: a record's year
    (insert, void), every year of a table a record of which was updated (a merged change may move its
    date), the kept facts that follow them; None when an entry wrote something else."""
    touched: Only = {}

    def add(table: str, years: frozenset[str] | None) -> None:
        for t in _FOLLOW.get(table, (table,)):
            was = touched.get(t, frozenset())
            touched[t] = None if years is None or was is None else was | years

    # by the entries (not by table: a bulk import is one entry, and the planner would walk a table's rows)
    changes = "SELECT rid FROM _journal_records INDEXED BY _journal_records_entry WHERE entry_id > ? AND tbl = ?"
    ops: dict[str, set[str]] = {}
    for tbl, op in read.rows("SELECT DISTINCT tbl, op FROM _journal_records INDEXED BY _journal_records_entry"
                             " WHERE entry_id > ?", (since,)):
        ops.setdefault(tbl, set()).add(op)
    for tbl, kinds in ops.items():
        if tbl == "_merged":  # the rows whose origin a merge named (one already here may take a source's)
            merged = f"SELECT g.rid FROM _merged g WHERE g.tbl = ? AND g.id IN ({changes})"
            for (table,) in read.rows(f"SELECT DISTINCT g.tbl FROM _merged g WHERE g.id IN ({changes})",
                                      (since, tbl)):
                if table not in MERGE_ORDER:
                    return None
                add(table, _years(read, table, merged, (table, since, tbl)) if table in YEARLY else None)
        elif tbl in _FOLLOW and tbl.startswith("_"):
            add(tbl, None)
        elif tbl in _UNWRITTEN:
            continue
        elif tbl not in MERGE_ORDER:
            return None
        else:
            add(tbl, None if tbl not in YEARLY or "update" in kinds else _years(read, tbl, changes, (since, tbl)))
    return touched


def _years(read: "Read", table: str, ids: str, args: tuple) -> frozenset[str]:
    """The years of the partitions of `table` that hold its rows whose ids `ids` selects."""
    join, date, _ = YEARLY[table]
    return frozenset(r[0] for r in read.rows(
        f"SELECT DISTINCT substr({date}, 1, 4) FROM {table} t {join} WHERE t.id IN ({ids})", args))


def _covers(only: Only | None, rel: str) -> bool:
    """Whether a run reading `only` reads the partition `rel` (else it is kept as the dataset holds it)."""
    if only is None:
        return True
    table, *rest = rel.split("/")
    table = table.removeprefix("table=")
    if table not in only:
        return False
    years = only[table]
    return years is None or len(rest) == 2 or rest[1].removeprefix("year=") in years


def _partitions(store: "Store", uid: str, pii: str, offset: int,
                only: Only | None = None) -> Iterator[tuple[str, str, list[Sequence]]]:
    """Every partition of this ledger (`only`: those it names): (table, its file relative to DIR, its
    columns, each a sequence of values in the rows' fixed order), ids and references to them plus `offset`
    (added by SQLite), `origin` last. Rows are read as plain tuples and split into columns whole: a
    year of a district's visits is 120,000 rows."""
    from itertools import groupby
    from operator import itemgetter

    read = store.read
    for table in TABLES:
        years = None if only is None else only.get(table, frozenset())
        if table in _COUNTED_WITH or years is not None and not years:
            continue
        base = f"table={table}/ledger={uid}"
        if table == "settings":
            rows = sorted((k, v) for k, v in store.settings().items() if k not in _PRIVATE_SETTINGS)
            yield table, f"{base}/{PART}", _columns(rows, 2)
            continue
        names = [c[1] for c in read.rows(f"PRAGMA table_info({FACTS.get(table, table)})")]
        fks = set(_FACT_REFERENCES[table]) if table in FACTS else {
            fk[3] for fk in read.rows(f"PRAGMA foreign_key_list({table})")}

        def shifted(column: str, name: str) -> str:
            return f"{column} + {offset}" if offset and (name == "id" or name in fks) else column

        select = ", ".join(shifted(f't."{n}"', n) for n in names)
        homes = table == "visit_residents" and (only is None or "visit_homes" in only)
        if homes:  # the visit's, for its households
            select += f", p.team_id + {offset}, p.date, p.void_reason"
        join, date, order = YEARLY.get(table, ("", None, "t.id"))
        where, args = "", []
        if date and years is not None:
            where = " WHERE " + " OR ".join(f"{date} BETWEEN ? AND ?" for _ in years)
            args = [bound for year in sorted(years) for bound in (year, year + "\U0010ffff")]
        year = f"substr({date}, 1, 4)" if date else "NULL"
        # by date, then id: a year's rows follow each other, and row groups hold days in order
        tie = "" if table in FACTS or not date else ", t.id"
        rows = read.tuples(f"SELECT {year}, {select} FROM {FACTS.get(table, table)} t {join}{where}"
                           f" ORDER BY {order}{tie}", args)
        # the rule (federation.pseudonymised) changes rows of PSEUDONYMISED tables only: others go as they are
        if pii == "pseudonymous" and table in PSEUDONYMISED:
            rows = [(row[0], *kept.values()) for row in rows
                    if (kept := pseudonymised(table, dict(zip(names, row[1:], strict=True)))) is not None]
        record, key = ("issues", "issue_id") if table == "issue_facts" else (table, "id")
        origins = _origins(read, record, offset)
        visit_origins = _origins(read, "visits", offset) if homes else {}
        empty = True
        for part, group in groupby(rows, key=itemgetter(0)):
            empty = False
            columns = _columns(list(group), len(names) + 1 + 3 * homes)[1:]
            visit = columns[len(names):]
            del columns[len(names):]
            columns.append(_origin(columns[names.index(key)], origins, uid))
            rel = f"{base}/year={part}/{PART}" if date else f"{base}/{PART}"
            yield table, rel, columns
            if table == "visits" and (only is None or "visit_months" in only):
                yield from _visit_months(base, part, columns, names)
            if homes:
                visits, residents = columns[names.index("visit_id")], columns[names.index("resident_id")]
                yield from _visit_homes(base, part, visits, residents, visit, _origin(visits, visit_origins, uid))
        if not date and empty:
            yield table, f"{base}/{PART}", [()] * (len(names) + 1)  # an empty table has its (empty) file


def _columns(rows: list[tuple], width: int) -> list[Sequence]:
    return list(zip(*rows, strict=True)) if rows else [()] * width


def _origins(read: "Read", record: str, offset: int) -> dict[int, str]:
    """The source each merged row of `record` came from (the first, if several), by its id plus `offset`."""
    return {rid + offset: source for rid, source in read.tuples(
        "SELECT g.rid, s.uid FROM _merged g JOIN _sources s ON s.id = g.source_id WHERE g.tbl = ?"
        " ORDER BY g.id DESC", (record,))}


def _origin(ids: Sequence, origins: dict[int, str], uid: str) -> Sequence:
    """The origin of each of the rows of `ids`: its source's, or this ledger's."""
    return tuple(origins.get(i, uid) for i in ids) if origins else (uid,) * len(ids)


def _visit_months(base: str, year: str, columns: list[Sequence], names: list[str]) -> Iterator[tuple]:
    """A year's visit_months, from that year's visits: each team's live visits by month and origin."""
    team, day, void = (columns[names.index(n)] for n in ("team_id", "date", "void_reason"))
    counts = Counter((d[:7], t, o) for t, d, v, o in zip(team, day, void, columns[-1], strict=True) if v is None)
    if counts:
        rows = [(team_id, month, n, origin) for (month, team_id, origin), n in sorted(counts.items())]
        yield "visit_months", f"table=visit_months/{base.split('/', 1)[1]}/year={year}/{PART}", _columns(rows, 4)


def _visit_homes(base: str, year: str, visits: Sequence, residents: Sequence, visit: list[Sequence],
                 origin: Sequence) -> Iterator[tuple]:
    """A year's visit_homes, from that year's visit residents (their visits and residents) and their visits'
    team, date and void: the households each live visit went to, with the visit's origin."""
    team, day, void = visit
    rows = [(t, r, d, v, o) for v, r, t, d, gone, o in zip(visits, residents, team, day, void, origin, strict=True)
            if gone is None]
    if rows:
        yield "visit_homes", f"table=visit_homes/{base.split('/', 1)[1]}/year={year}/{PART}", _columns(rows, 5)


def describe(store: "Store") -> dict[str, dict]:
    """The `_schema` of every table: its meaning, and each column's SQL and Parquet type, meaning,
    the table it refers to and its vocabulary (slug: Chinese, English)."""
    from huidesk.domain.vocab import VOCABS

    read = store.read
    tables: dict[str, dict] = {}
    for table in TABLES:
        if table == "settings":
            tables[table] = {"meaning": "the ledger's settings that figures depend on (limits, weights)",
                             "partitioned_by": ["ledger"], "columns": {
                                 "key": _column("TEXT", "setting name"), "value": _column("TEXT", "its value")}}
            continue
        source = FACTS.get(table, table)
        fks = _FACT_REFERENCES.get(table) or {fk[3]: fk[2] for fk in read.rows(f"PRAGMA foreign_key_list({table})")}
        columns = {}
        for _, name, kind, notnull, _, pk in read.rows(f"PRAGMA table_info({source})"):
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
            "meaning": _FACT_MEANINGS.get(table) or (
                f"{en} ({zh}) records" if en else f"rows linking records ({table})"),
            "partitioned_by": ["ledger", "year"] if table in YEARLY else ["ledger"],
            "columns": columns,
        }
        if table in YEARLY:
            date = YEARLY[table][1].replace("t.", f"{table}.").replace("p.", "its record's ")
            tables[table]["year"] = f"substr({date}, 1, 4)"
    return tables


def _column(kind: str, meaning: str, nullable: bool = False) -> dict:
    return {"type": kind, "arrow": _ARROW.get(kind, "string"), "nullable": nullable, "meaning": meaning}


_FACT_MEANINGS = {
    "issue_facts": "each issue's facts as its ledger keeps them beside the records (state, first response,"
                   " resolution, transfers, returns, callbacks, minutes to respond and resolve, its limits"
                   " counted by the ledger's settings and working days), with a copy of the issue's own columns",
    "visit_homes": "the households each live visit went to, under its team and date",
    "visit_months": "each team's live visits by month (and by origin)",
}
_VOCAB = {
    ("issue_facts", "kind"): "issue_kind", ("issue_facts", "nature"): "nature",
    ("issue_facts", "answer"): "answer", ("issue_facts", "satisfaction"): "satisfaction",
    ("issue_facts", "first_answer"): "answer", ("issue_facts", "first_satisfaction"): "satisfaction",
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
    # the kept facts (issue_facts, visit_months)
    "live": "1: the issue is not void", "state": "the issue's state after its last live event",
    "first_response_at": "its first response (dispatched, arrived, resolved, ...)",
    "resolved_at": "its last resolution",
    "last_at": "its last live event", "transfers": "times transferred", "returns": "times returned",
    "first_answer": "its first callback's answer", "first_satisfaction": "its first callback's satisfaction",
    "response": "minutes from receipt to first response", "resolve": "minutes from receipt to resolution",
    "due_in": "minutes from receipt to its own deadline (--due, or the last 延期)",
    "exempt": "1: exempted from the assessment (核减)", "contact": "minutes from receipt to its first 先行联系",
    "respond_within": "minutes from receipt to the end of its response limit (the ledger's settings, working days)",
    "resolve_within": "minutes from receipt to the end of its resolve limit (the ledger's settings, working days)",
    "estimated": "bits: 1 the response limit, 2 the resolve limit counted over estimated working days",
    "month": "the month (YYYY-MM)", "visits": "live visits",
}


def _meaning(table: str, name: str, fks: dict[str, str]) -> str:
    if table == "residents" and name == "name":
        return "name (masked, 王*兰, unless written with --pii full)"
    if name in fks and name != "repeat_of":
        return f"refers to {fks[name]}.id"
    return _MEANINGS.get(name, name.replace("_", " "))
