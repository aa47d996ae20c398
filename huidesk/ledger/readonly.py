"""`huidesk sql`: one query on a connection that cannot write, attach or load extensions."""

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from huidesk.domain.errors import InvalidValue, LedgerError
from huidesk.domain.i18n import tr

# Authorizer action codes (sqlite3.h) that a read-only query may not use.
_SQLITE_PRAGMA, _SQLITE_ATTACH, _SQLITE_DETACH, _SQLITE_FUNCTION = 19, 24, 25, 31
_READ_PRAGMAS = {"table_info", "table_xinfo", "index_list", "index_info", "foreign_key_list", "table_list"}


def read_only_query(path: Path, sql: str) -> tuple[list[str], Iterator[tuple]]:
    """Run one query on a connection that cannot write, attach or load extensions."""
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
        if action == _SQLITE_FUNCTION and (arg2 or "").lower() in ("load_extension", "readfile", "writefile"):
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    conn.execute("PRAGMA query_only = ON")
    conn.set_authorizer(authorize)
    try:
        cursor = conn.execute(sql)
    except sqlite3.Error as e:
        conn.close()
        raise InvalidValue("SQL", sql, str(e)) from e
    columns = [d[0] for d in cursor.description or []]

    def rows() -> Iterator[tuple]:
        try:
            yield from cursor
        except sqlite3.Error as e:  # raised while stepping through the rows
            raise InvalidValue("SQL", sql, str(e)) from e
        finally:
            conn.close()

    return columns, rows()
