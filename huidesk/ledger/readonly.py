"""`huidesk sql`: one query on a connection that cannot write, attach or load extensions, stopped by
a deadline or by the caller (Ctrl-C) while SQLite works."""

import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from huidesk.domain.errors import HuideskError, Interrupted, InvalidValue, LedgerError
from huidesk.domain.i18n import tr

# Authorizer action codes (sqlite3.h) that a read-only query may not use.
_SQLITE_PRAGMA, _SQLITE_ATTACH, _SQLITE_DETACH, _SQLITE_FUNCTION = 19, 24, 25, 31
_READ_PRAGMAS = {"table_info", "table_xinfo", "index_list", "index_info", "foreign_key_list", "table_list"}
# SQL functions refused, each for a real risk:
# - fts3_tokenizer: with one argument it returns the address of a tokenizer in memory (a pointer that
#   defeats ASLR); with two it installs a pointer as a tokenizer, which runs code at that address
#   (Python's SQLite is built with ENABLE_FTS3_TOKENIZER, so the two-argument form is live).
# - load_extension: loads and runs a shared library.
# - readfile, writefile, edit: read, write or open files; the sqlite3 shell's, refused should a
#   SQLite build ever carry them.
# Left alone: sqlite_offset (not built in; a byte offset in the file, no address), the rtree debugging
# functions (rtreenode read past a blob before 3.28, fixed), randomblob and zeroblob (memory: capped
# by the length limit below), sqlite_compileoption_get and sqlite_version (how SQLite was built).
_REFUSED_FUNCTIONS = {"fts3_tokenizer", "load_extension", "readfile", "writefile", "edit"}
_MAX_LENGTH = 100 * 1024 * 1024  # the longest string or blob a query may make (randomblob(1e9) is 1 GB)
_CHECK_EVERY = 1000  # SQLite virtual-machine steps between two looks at the deadline and at Ctrl-C


def read_only_query(
    path: Path, sql: str, timeout: float | None = None, stopped: Callable[[], bool] = lambda: False,
) -> tuple[list[str], Iterator[tuple]]:
    """Run one query on a connection that cannot write, attach or load extensions. It is stopped
    once `timeout` seconds have passed (None: never), or once `stopped()` says so (the command's
    Ctrl-C), also while its rows are being read: then `Interrupted` is raised."""
    path = Path(path).expanduser()
    if not path.exists():
        raise LedgerError(
            tr(f"账本不存在：{path}（先运行 huidesk init）", f"no ledger at {path} (run huidesk init first)")
        )
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)

    def authorize(action: int, arg1: str | None, arg2: str | None, *_: object) -> int:
        if action in (_SQLITE_ATTACH, _SQLITE_DETACH):
            return sqlite3.SQLITE_DENY
        if action == _SQLITE_PRAGMA and (arg1 or "").lower() not in _READ_PRAGMAS:
            return sqlite3.SQLITE_DENY
        if action == _SQLITE_FUNCTION and (arg2 or "").lower() in _REFUSED_FUNCTIONS:
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    conn.execute("PRAGMA query_only = ON")
    conn.set_authorizer(authorize)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, _MAX_LENGTH)
    deadline = time.monotonic() + timeout if timeout else None
    why: list[str] = []  # why the progress handler stopped the query: "interrupted" or "timeout"

    def progress() -> int:
        if stopped():
            why.append("interrupted")
        elif deadline is not None and time.monotonic() > deadline:
            why.append("timeout")
        return 1 if why else 0  # non-zero: SQLite abandons the statement ("interrupted")

    conn.set_progress_handler(progress, _CHECK_EVERY)

    def refusal(e: sqlite3.Error) -> HuideskError:
        if why and why[0] == "interrupted":
            return Interrupted(
                tr("已中断（Ctrl-C）：SQL 查询未完成", "interrupted (Ctrl-C): the SQL query did not finish")
            )
        if why:
            return HuideskError(tr(
                f"SQL 查询超过 {timeout:g} 秒，已中止（用 --timeout 秒数 放宽，0 为不限）",
                f"the SQL query was stopped after {timeout:g} s (--timeout SECONDS; 0 for no limit)",
            ))
        return InvalidValue("SQL", sql, str(e))

    try:
        cursor = conn.execute(sql)
    except sqlite3.Error as e:
        conn.close()
        raise refusal(e) from e
    columns = [d[0] for d in cursor.description or []]

    def rows() -> Iterator[tuple]:
        try:
            yield from cursor
        except sqlite3.Error as e:  # raised while stepping through the rows
            raise refusal(e) from e
        finally:
            conn.close()

    return columns, rows()
