"""The warehouse: a ledger's records as a hive-partitioned Parquet dataset that DuckDB reads on one
machine and Spark (or any Parquet engine) across many. docs/warehouse.md describes it for its readers.

Layout of DIR (many ledgers write into one DIR, each only below its own `ledger=<uid>`):

    _schema.json                                  every table's columns: type, meaning, vocabulary
    _huidesk/ledger=<uid>.json                    that ledger's manifest: identity, chain head, PII policy,
                                                  each partition's file, row count and content digest
    table=<t>/ledger=<uid>/year=YYYY/part-0.parquet   visits, activities, issues and their rows, and the
                                                  facts kept beside them (issue_facts, visit_homes, visit_months)
    table=<t>/ledger=<uid>/part-0.parquet         every other table (places, teams, residents, ...)

The tables are the ledger's own, column for column (ids are the writing ledger's), plus `origin`: the
ledger a row was recorded in (this ledger's uid, or for a merged street ledger the source it came from,
by `_merged`). A year partition holds the rows of the records of that year: visits and activities by
their date, issues by the year they were received, and link rows and events with their record. (Years,
not months: a community's month is a few hundred rows, and a dataset of thousands of ledgers in
month files is too many small files for any engine; within a file rows are in date order.)
Names starting with `_` or `.` are hidden from Spark and Hadoop, so only data lies under `table=`.

What each partition holds is huidesk/ledger/warehouse_rows.py's. Writing is incremental and atomic: a run
reads the partitions the journal since the dataset's head names (`warehouse_rows.touched`; all of them when
the dataset was written otherwise), and digests each; only partitions whose digest
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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from huidesk.domain.errors import LedgerError
from huidesk.domain.i18n import tr
from huidesk.ledger.federation import PII_POLICIES
from huidesk.ledger.sql import VOIDABLE
from huidesk.ledger.warehouse_rows import PART, TABLES, Only, covers, describe, partition_columns, touched

if TYPE_CHECKING:
    from huidesk.ledger.store import Store

FORMAT, FORMAT_VERSION = "huidesk-warehouse", "4"  # 2: kept facts; 3: visit_firsts; 4: last_void, firsts a ledger
KEEPS_FACTS = ("3", FORMAT_VERSION)  # the formats whose datasets hold every fact a ledger keeps
INSTALL = "pip install 'huidesk[warehouse]'"
_ROW_GROUP = 65_536  # rows: min/max statistics per row group let a reader skip the rest of a year
# The n-th ledger to write into a dataset (from 0) writes its ids as id + n * 2^ID_BITS: unique across
# the dataset, and the first ledger's as they are in it.
ID_BITS = 40
_FAULT = "HUIDESK_FAULT"  # a test's injected fault: "warehouse-staged" or "warehouse-commit"


# DuckDB as its package re-exports it: the compiled engine (`_duckdb`), without the package's Python API
# around it (relations, expressions, its version read through importlib.metadata), which the views and the
# report SQL never use: 0.02 s to import where the package takes 0.11 s, on every warehouse report. The
# package itself where a DuckDB to come names its engine otherwise.
_MODULES = {"duckdb": ("_duckdb", "duckdb")}


def need(module: str):
    """The optional engine `module` (duckdb, pyarrow), or one line on how to install it."""
    import importlib

    for name in _MODULES.get(module, (module,)):
        try:
            return importlib.import_module(name)
        except ImportError:
            pass
    raise LedgerError(tr(f"需要仓库扩展（{module}）：{INSTALL}",
                         f"the warehouse extra is not installed ({module}): {INSTALL}"))


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


def _plain_bytes(path: Path) -> bytes:
    """A file of the dataset, never read through a link nor from a pipe (reading one waits for a writer
    for ever): OSError unless it is a regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"not a regular file: {path}")
        return f.read()


def read_manifest(path: Path) -> dict:
    """A JSON file of the dataset (a manifest, _schema.json, the ledger registry), read as _plain_bytes."""
    return json.loads(_plain_bytes(path).decode("utf-8"))


def _holds(path: Path, text: str) -> bool:
    """Whether `path` is a regular file holding `text` (a link or a pipe there does not, and is replaced)."""
    try:
        return _plain_bytes(path) == text.encode("utf-8")
    except OSError:
        return False


def plain_file(root: Path, rel: str, folders: set[str]) -> bool:
    """Whether `rel` is a regular file below `root`, reached through real folders: not a link (DuckDB follows
    one out of the dataset), not a pipe (reading one waits for ever), not missing. `folders`: those already
    found real (a province's 5,000 files share a few hundred). A shared folder's files are checked, not
    trusted; one swapped for a link between this look and the read is not caught."""
    base = str(root)
    folder, _, _ = rel.rpartition("/")
    try:
        if folder not in folders:
            step = ""
            for part in folder.split("/"):
                step = f"{step}/{part}" if step else part
                if step not in folders:
                    if not stat.S_ISDIR(os.lstat(f"{base}/{step}").st_mode):
                        return False
                    folders.add(step)
        return stat.S_ISREG(os.lstat(f"{base}/{rel}").st_mode)
    except OSError:
        return False


def _in_place(root: Path, partitions: dict) -> bool:
    """Whether every file of `partitions` is there as it was written: a regular file (plain_file), not one
    removed, nor one replaced by a link or a pipe, which a whole run then writes again."""
    folders: set[str] = set()
    return all(plain_file(root, rel, folders) for rel in partitions)


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
        try:
            old = _checked(root, uid, read_manifest(old_path)) if old_path.exists() else {"partitions": {}}
        except (OSError, ValueError):  # a link, a pipe, or not JSON: not the manifest this ledger wrote
            raise Untrusted(root, str(old_path.relative_to(root)), "不是可读的清单（链接、管道或已损坏）",
                            "not a readable manifest (a link, a pipe, or damaged)") from None
        schema = describe(store)
        schema_text = _schema_text(schema)
        if _unchanged(root, old, store.head()[1], pii, number, schema_text):
            return Written(root, uid, 0, 0, 0, len(old["partitions"]),
                           sum(p["rows"] for p in old["partitions"].values()), pii)
        stage = staging_path(root, uid)
        try:
            stage.mkdir(mode=0o700)  # its own, new: nobody else can have put anything in it
        except FileExistsError:
            raise Untrusted(root, stage.name, "在本次写入开始后出现", "appeared while this run began") from None
        os.chmod(stage, 0o700)
        changed: list[str] = []
        folders: set[str] = set()  # plain_file's
        with store.snapshot():  # one snapshot of the ledger for every table, while others write
            entry, head = store.head()
            schema_digest = hashlib.sha256(schema_text.encode()).hexdigest()
            only = _since(store, root, old, pii, number, schema_digest)
            # the partitions the entries since the dataset's head cannot have changed are kept as they are
            partitions = {rel: info for rel, info in old["partitions"].items() if not covers(only, rel)}
            read = 0
            for table, rel, values in partition_columns(store, uid, pii, number << ID_BITS, only):
                read += 1
                data = _arrow(pa, schema[table]["columns"], values)
                digest = _digest(pa, data)
                partitions[rel] = {"rows": data.num_rows, "digest": digest}
                if table in VOIDABLE:  # what a report as of a moment asks first: was anything voided after it
                    partitions[rel]["last_void"] = _last_void(dict(zip(schema[table]["columns"], values)))
                if old["partitions"].get(rel, {}).get("digest") == digest and plain_file(root, rel, folders):
                    continue  # (one removed, or replaced by a link or a pipe, is written again)
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
        schema_file = root / "_schema.json"
        if not _holds(schema_file, schema_text):
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


def _unchanged(root: Path, old: dict, head: str, pii: str, number: int, schema_text: str) -> bool:
    """Whether the dataset already holds this ledger as it stands: nothing journaled since it was
    written (every write is journaled), with the same policy, and every file in place. Then nothing
    need be read or digested."""
    return (old.get("head") == head and old.get("pii") == pii and old.get("number") == number
            and old.get("format_version") == FORMAT_VERSION
            and _in_place(root, old["partitions"])
            and _holds(root / "_schema.json", schema_text))


def _arrow(pa, columns: dict, values: list[Sequence]):
    """A partition's columns as an Arrow table of the schema's types."""
    return pa.table({n: pa.array(a, type=getattr(pa, columns[n]["arrow"])())
                     for n, a in zip(columns, values, strict=True)})


def _last_void(columns: dict[str, Sequence]) -> str | None:
    """The latest moment a record of the partition was voided at, or None (most partitions: at C's speed)."""
    reasons = columns["void_reason"]
    if reasons.count(None) == len(reasons):
        return None
    return max((at for at, why in zip(columns["void_at"], reasons) if why is not None and at is not None), default=None)


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
            numbers = read_manifest(registry) if registry.exists() else {}
        except (OSError, ValueError):  # a link, a pipe (read, it waited for ever, holding the lock), not JSON
            numbers = None
        if not isinstance(numbers, dict) or not all(
                isinstance(k, str) and type(v) is int and v >= 0 for k, v in numbers.items()):
            raise Untrusted(root, "_huidesk/ledgers.json", "不是账本登记表（链接、管道或格式不对）",
                            "not a ledger registry (a link, a pipe, or malformed)")
        if uid not in numbers:
            numbers[uid] = max(numbers.values(), default=-1) + 1
            _atomic_text(registry, json.dumps(numbers, indent=1) + "\n")
        return numbers[uid]


def _since(store: "Store", root: Path, old: dict, pii: str, number: int, schema_digest: str) -> Only | None:
    """The partitions the journal's entries since the dataset's head can have changed (`_touched`); None
    (every partition read and digested) when the dataset was not written as this run would write it: another
    policy, number, schema or format, a file not in place (`_in_place`), or a head this ledger's journal does
    not hold (an entry no journal holds, read from a shared folder, included: it makes a whole run, never a
    refusal)."""
    entry = old.get("entry")
    if (type(entry) is not int or not 0 < entry < 2 ** 63 or old.get("pii") != pii or old.get("number") != number
            or old.get("format_version") != FORMAT_VERSION or old.get("schema") != schema_digest
            or not _in_place(root, old["partitions"])):
        return None
    if store.read.value("SELECT hash FROM _journal WHERE id = ?", (entry,)) != old.get("head"):
        return None
    return touched(store.read, entry)
