"""Run one huidesk command and report the time it spent in SQLite (executing and fetching).

    python bench/sqltime.py OUT.txt [huidesk arguments...]

Every connection the command opens is timed: each execute, executemany and fetch. The total, in
seconds, is written to OUT.txt when the command exits. bench/run.py compares it with the same
statements run by the sqlite3 shell.
"""

import atexit
import sqlite3
import sys
import time

_spent = 0.0


def _timed(method):
    def wrapper(self, *args, **kwargs):
        global _spent
        start = time.perf_counter()
        try:
            return method(self, *args, **kwargs)
        finally:
            _spent += time.perf_counter() - start

    return wrapper


class Cursor(sqlite3.Cursor):
    execute = _timed(sqlite3.Cursor.execute)
    executemany = _timed(sqlite3.Cursor.executemany)
    fetchone = _timed(sqlite3.Cursor.fetchone)
    fetchmany = _timed(sqlite3.Cursor.fetchmany)
    fetchall = _timed(sqlite3.Cursor.fetchall)
    __next__ = _timed(sqlite3.Cursor.__next__)


class Connection(sqlite3.Connection):
    def cursor(self, factory=Cursor):
        return super().cursor(factory)

    def execute(self, sql, parameters=(), /):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, parameters, /):
        return self.cursor().executemany(sql, parameters)


def main() -> None:
    out, args = sys.argv[1], sys.argv[2:]
    connect = sqlite3.connect
    sqlite3.connect = lambda *a, **k: connect(*a, factory=Connection, **k)

    def report() -> None:
        with open(out, "w") as f:
            f.write(f"{_spent:.6f}\n")

    atexit.register(report)
    sys.argv = ["huidesk", *args]
    from huidesk.cli import main as huidesk

    huidesk()


if __name__ == "__main__":
    main()
