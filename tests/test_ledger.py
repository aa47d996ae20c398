import json
import os
import sqlite3
import stat

import pytest
from conftest import fingerprint, ok, run


def test_init_creates_an_owner_only_ledger_and_is_idempotent(ledger_env):
    result = ok("init")
    assert "已创建账本" in result.stderr
    assert stat.S_IMODE(os.stat(ledger_env).st_mode) == 0o600
    before = fingerprint(ledger_env)
    assert "账本已就绪" in ok("init").stderr
    assert fingerprint(ledger_env) == before


def test_pragmas_on_every_connection(db):
    from huidesk.ledger.store import Store

    store = Store.open(db, "tester")
    conn = store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    store.close()


def test_commands_refuse_a_missing_ledger(ledger_env):
    result = run("place", "list")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [f"错误：账本不存在：{ledger_env}（先运行 huidesk init）"]
    assert not ledger_env.exists()


def test_a_file_that_is_not_a_ledger_is_refused(tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    result = run("--db", str(other), "place", "list")
    assert result.exit_code == 1 and "不是 huidesk 账本" in result.stderr
    assert other.read_text() == "hello"


def test_schema_is_strict_with_indexed_foreign_keys(db):
    conn = sqlite3.connect(db)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    for table in tables:
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        assert sql.rstrip().endswith("STRICT"), table
        indexed = set()
        for idx in conn.execute(f"PRAGMA index_list({table})").fetchall():
            cols = [c[2] for c in conn.execute(f"PRAGMA index_info({idx[1]})")]
            indexed.add(cols[0])
        for fk in conn.execute(f"PRAGMA foreign_key_list({table})"):
            assert fk[3] in indexed, f"{table}.{fk[3]} has no index"
        cols = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")]
        if not table.startswith("_") and "void_reason" in cols:
            assert "uid" in cols, table


def test_log_shows_each_write(village):
    entries = json.loads(ok("log", "--limit", "3", "--format", "json").stdout)
    assert [e["command"] for e in entries] == ["resident add", "resident add", "member join"]
    assert entries[0]["actor"] == "tester"
    assert entries[0]["records"] == "residents#2 resident_tags#2 resident_tags#3"
    assert ok("--by", "王婷", "place", "add", "清水社区")
    assert json.loads(ok("log", "-n", "1", "--format", "json").stdout)[0]["actor"] == "王婷"


def test_void_hides_a_record_and_is_journaled(village):
    before = json.loads(ok("log", "-n", "1", "--format", "json").stdout)[0]["id"]
    ok("void", "resident", "2", "--reason", "重复录入")
    entry = json.loads(ok("log", "-n", "1", "--format", "json").stdout)[0]
    assert entry["id"] == before + 1 and entry["command"] == "void" and entry["records"] == "residents#2"
    assert [r["id"] for r in json.loads(ok("resident", "list", "--format", "json").stdout)] == [1]
    assert run("resident", "show", "2").exit_code == 1
    again = run("void", "居民", "2", "--reason", "再次")
    assert again.exit_code == 1 and "已作废" in again.stderr
    ok("check")


def test_check_reports_an_intact_chain(village):
    result = ok("check")
    assert result.stdout.startswith("账本完好：")
    head = json.loads(ok("log", "-n", "1", "--format", "json").stdout)[0]["hash"]
    assert head in result.stdout


def tamper(db, sql, *args):
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(sql, args)
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    "sql, named",
    [
        ("UPDATE residents SET born = 1950 WHERE id = 1", "residents#1"),
        ("UPDATE teams SET name = '假队' WHERE id = 2", "teams#2"),
        ("DELETE FROM resident_tags WHERE id = 1", "resident_tags#1"),
        ("DELETE FROM residents WHERE id = 2", "residents#2"),
        ("INSERT INTO units (uid, name, kind) VALUES ('x', '冒名单位', 'company')", "units#1"),
        ("DELETE FROM _journal WHERE id = 5", "日志#6"),
        ("UPDATE _journal SET actor = 'someone' WHERE id = 3", "日志#3"),
        ("UPDATE _journal_records SET digest = 'ff' WHERE id = 7", "日志#"),
    ],
)
def test_check_names_what_was_changed_behind_its_back(village, sql, named):
    tamper(village, sql)
    result = run("check")
    assert result.exit_code == 3
    assert named in result.stdout, result.stdout
    assert "被绕过工具改动" in result.stderr


def test_backup_copy_passes_check_and_is_private(village, tmp_path):
    dest = tmp_path / "copy.db"
    result = ok("backup", str(dest))
    assert result.stdout == f"{dest}\n"
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    check = ok("--db", str(dest), "check")
    assert check.stdout == ok("check").stdout
    folder = tmp_path / "backups"
    folder.mkdir()
    made = ok("backup", str(folder)).stdout.strip()
    assert made.startswith(str(folder)) and made.endswith(".db")


def test_fresh_schema_matches_schema_sql(db, tmp_path):
    from huidesk.ledger.schema import schema_sql, statements

    fresh = sqlite3.connect(tmp_path / "plain.db")
    for stmt in statements(schema_sql()):
        fresh.execute(stmt)

    def shape(conn):
        return sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall())

    assert shape(sqlite3.connect(db)) == shape(fresh)


def test_schema_version_matches_migrations():
    from huidesk.ledger.migrations import migration_names
    from huidesk.ledger.schema import SCHEMA_VERSION

    assert len(migration_names()) == SCHEMA_VERSION
