"""Opening a ledger file: the connection and its pragmas, what opening may change (folders made owner-only,
loose permissions tightened, the SQL log), and a file that is not a ledger, damaged, or read-only told in
plain words. `Store.open` (huidesk/ledger/store.py) is its one caller."""

import os
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path

from huidesk.domain.errors import LedgerError
from huidesk.domain.i18n import tr
from huidesk.ledger.faults import DamagedLedger
from huidesk.ledger.schema import BUSY_TIMEOUT_MS


@dataclass
class Opened:
    """A ledger file's connection as `opened` left it, and what it found and changed."""

    conn: sqlite3.Connection
    read_only: bool
    has_schema: bool
    version: int
    tightened: list[Path] = field(default_factory=list)  # files whose group/other permissions were taken away
    created: list[Path] = field(default_factory=list)  # folders made for a new ledger


def opened(path: Path, create: bool) -> Opened:
    """The ledger at `path` (with `create`, made: an empty owner-only file), connected with huidesk's
    pragmas (WAL unless read-only, busy timeout, synchronous FULL, foreign keys); the caller makes or
    migrates its schema. A foreign SQLite file or another kind of file is refused before anything in it
    is changed; a damaged one raises `DamagedLedger`."""
    from huidesk.domain.files import private_folders

    created: list[Path] = []
    if not path.exists():
        if not create:
            raise LedgerError(
                tr(f"账本不存在：{path}（先运行 huidesk init）", f"no ledger at {path} (run huidesk init first)")
            )
        created = private_folders(path.parent)
        _create_private_file(path)
    read_only = not _writable(path)
    tightened: list[Path] = []
    conn = None
    try:
        conn = connect(path, read_only)
        conn.row_factory = sqlite3.Row
        if os.environ.get("HUIDESK_SQL_LOG"):
            tightened += log_sql(conn, Path(os.environ["HUIDESK_SQL_LOG"]).expanduser())
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Before anything is changed (journal mode, permissions, schema): is this a huidesk ledger?
        found = conn.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite%'").fetchall()
        has_schema = any(name == "_journal" for _, name in found)
        if found and not has_schema:
            raise LedgerError(_foreign(path, found))
        if not read_only:
            tightened[:0] = _tighten(path, Path(f"{path}-wal"), Path(f"{path}-shm"))
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as e:
        if conn is not None:
            conn.close()
        raise _unreadable(path, e) from e
    except BaseException:
        if conn is not None:
            conn.close()
        raise
    return Opened(conn, read_only, has_schema, version, tightened, created)


def reader(path: Path) -> sqlite3.Connection:
    """A second connection to the ledger at `path` that only reads (rows by name), its statements in the
    SQL log too (bench/run.py replays them)."""
    conn = connect(path, read_only=True)
    if os.environ.get("HUIDESK_SQL_LOG"):
        log_sql(conn, Path(os.environ["HUIDESK_SQL_LOG"]).expanduser())
    conn.row_factory = sqlite3.Row
    return conn


def explain(path: Path, e: BaseException) -> LedgerError | None:
    """What a failure of SQLite while the ledger at `path` was in use means, in the user's words:
    a damaged file or a read-only location; None for anything else."""
    if not isinstance(e, sqlite3.DatabaseError):
        return None
    code = (getattr(e, "sqlite_errorcode", 0) or 0) & 0xFF
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return DamagedLedger(path, str(e))
    if code == _SQLITE_READONLY:
        return LedgerError(read_only_text(path))
    return None


def log_sql(conn: sqlite3.Connection, path: Path) -> list[Path]:
    """Append every statement the connection runs, with its values, to `path` (owner-only): a
    debugging aid, and how bench/run.py replays a command's queries in the sqlite3 shell.
    Returns the log when its loose permissions were tightened."""
    from huidesk.domain.files import private_folders

    private_folders(path.parent)
    _create_private_file(path)
    tightened = _tighten(path)
    log = open(path, "a", encoding="utf-8")
    conn.set_trace_callback(lambda sql: log.write(sql.rstrip().rstrip(";") + ";\n"))
    return tightened


def _create_private_file(path: Path) -> None:
    """Create an empty file readable by its owner only (its folder exists)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as e:
        raise LedgerError(tr(f"无法创建账本文件 {path}：{e.strerror}", f"cannot create {path}: {e.strerror}")) from e
    os.close(fd)


def _tighten(*paths: Path) -> list[Path]:
    """Take group and other permissions away from those of `paths` that have any; returns those."""
    done = []
    for path in paths:
        try:
            mode = path.stat().st_mode
            if mode & 0o077:
                os.chmod(path, stat.S_IMODE(mode) & 0o700)
                done.append(path)
        except OSError:  # gone, or not ours to change: the owner's business
            continue
    return done


def _writable(path: Path) -> bool:
    """Whether SQLite can write the ledger and create its WAL beside it."""
    return os.access(path, os.W_OK) and os.access(path.resolve().parent, os.W_OK)


def connect(path: Path, read_only: bool) -> sqlite3.Connection:
    if not read_only:
        return sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    uri = f"{path.resolve().as_uri()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        return conn
    except sqlite3.OperationalError as e:
        # A WAL ledger on read-only media without its -shm cannot be opened for reading, unless
        # SQLite is told nobody can change it — true there, but only if no WAL holds later commits.
        conn.close()
        wal = Path(f"{path}-wal")
        if (e.sqlite_errorcode & 0xFF) != _SQLITE_CANTOPEN or (wal.exists() and wal.stat().st_size):
            raise
    return sqlite3.connect(f"{uri}&immutable=1", uri=True, isolation_level=None, check_same_thread=False)


def read_only_text(path: Path) -> str:
    return tr(f"账本所在位置只读，未写入：{path}", f"the ledger's location is read-only, nothing was written: {path}")


def _foreign(path: Path, found: list) -> str:
    """Why a SQLite file that holds another program's tables is not taken over."""
    tables = [name for kind, name in found if kind == "table"]
    names = tables or [name for _, name in found]
    listed = "、".join(names[:5]) + ("…" if len(names) > 5 else "")
    listed_en = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    n = len(names)
    if tables:
        return tr(f"不是 huidesk 账本：{path} 已有 {n} 张其他程序的表（{listed}），未做任何改动",
                  f"not a huidesk ledger: {path} already holds {n} table(s) of another program ({listed_en}); "
                  "nothing was changed")
    return tr(f"不是 huidesk 账本：{path} 已有 {n} 个其他程序的对象（{listed}），未做任何改动",
              f"not a huidesk ledger: {path} already holds {n} object(s) of another program ({listed_en}); "
              "nothing was changed")


def _unreadable(path: Path, e: sqlite3.DatabaseError) -> LedgerError:
    """A file SQLite could not open: damaged when it starts as an SQLite file does, else not a ledger."""
    try:
        with open(path, "rb") as f:
            sqlite_file = f.read(16) == b"SQLite format 3\x00"
    except OSError:
        sqlite_file = False
    if (getattr(e, "sqlite_errorcode", 0) or 0) & 0xFF == _SQLITE_CANTOPEN:  # not the file's fault
        return LedgerError(tr(f"无法打开账本：{path}（{e}）", f"cannot open the ledger: {path} ({e})"))
    if sqlite_file:
        return DamagedLedger(path, str(e))
    return LedgerError(tr(f"不是 huidesk 账本：{path} 不是 SQLite 数据库（{e}），未做任何改动",
                          f"not a huidesk ledger: {path} is not an SQLite database ({e}); nothing was changed"))


# SQLite's primary result codes (sqlite3.h), for the failures a user should hear about in plain words.
_SQLITE_READONLY, _SQLITE_CORRUPT, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 8, 11, 14, 26
