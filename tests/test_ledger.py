import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from conftest import fingerprint, ok, rejected, run


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
    read = store.read
    assert read.value("PRAGMA journal_mode") == "wal"
    assert read.value("PRAGMA foreign_keys") == 1
    assert read.value("PRAGMA synchronous") == 2  # FULL
    assert read.value("PRAGMA busy_timeout") >= 5000
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
    # _sqlite_migrations is sqlite-utils' own record of the migrations applied, made by it.
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    for table in (t for t in tables if t != "_sqlite_migrations"):
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
    """A new ledger is schema.sql and the issues' kept facts (their table and triggers, made from the one
    definition in huidesk/ledger/facts.py)."""
    from huidesk.ledger import facts
    from huidesk.ledger.schema import schema_sql, statements

    fresh = sqlite3.connect(tmp_path / "plain.db")
    for stmt in statements(schema_sql()):
        fresh.execute(stmt)
    facts.install(fresh)

    def shape(conn):
        return sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"
                                   " WHERE tbl_name <> '_sqlite_migrations'").fetchall())

    assert shape(sqlite3.connect(db)) == shape(fresh)


def test_schema_version_matches_migrations():
    from huidesk.ledger.migrations import migration_names
    from huidesk.ledger.schema import SCHEMA_VERSION

    assert len(migration_names()) == SCHEMA_VERSION


# --- issue 11: an anchor for the chain, the schema, foreign files, permissions, backups ---------------------------

def _verify_command(text: str) -> list[str]:
    """The `huidesk check --head …` a tally's footer tells its reader to run, as arguments."""
    import re

    found = re.search(r"huidesk (check --head [0-9a-f]{12})", text)
    assert found, text
    return found[1].split()


def test_check_head_finds_the_anchor_a_tally_printed_and_sees_a_chain_cut_short(village):
    ok("place", "add", "平伏桥村/新小区")
    footer = ok("summary").stdout
    command = _verify_command(footer)
    anchored = ok(*command)
    assert f"链头 {command[-1]} 是日志#" in anchored.stdout and "place add" in anchored.stdout
    # Cut the last write off the end, records and all: the shortened chain is valid in itself...
    conn = sqlite3.connect(village)
    last = conn.execute("SELECT max(id) FROM _journal").fetchone()[0]
    conn.execute("DELETE FROM places WHERE id = (SELECT max(id) FROM places)")
    conn.execute("DELETE FROM _journal_records WHERE entry_id = ?", (last,))
    conn.execute("DELETE FROM _journal WHERE id = ?", (last,))
    conn.commit()
    conn.close()
    ok("check")
    # ...but no longer holds the head the tally printed.
    result = run(*command)
    assert result.exit_code == 3
    assert f"链头 {command[-1]} 不在本账本的日志链中" in result.stdout
    assert "日志链中" not in run("--lang", "en", *command).stdout  # and in English under --lang en


def test_check_head_refuses_what_is_not_a_head(village):
    for bad in ("xyz", "abc123", "g" * 40):
        line = rejected(village, "check", "--head", bad, mentions=("--head", bad))
        assert "十六进制" in line


def _rebuild(db, sql: str) -> None:
    """What an attacker who knows the (public) algorithm does: edit a record, then recompute its digest and
    every entry hash from the first one, so that the chain is valid again."""
    from huidesk.ledger.journal import GENESIS, EntryHash, digest

    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    conn.execute(sql)
    for table, rid in conn.execute("SELECT DISTINCT tbl, rid FROM _journal_records").fetchall():
        row = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (rid,)).fetchone()
        latest = conn.execute("SELECT max(id) FROM _journal_records WHERE tbl = ? AND rid = ?", (table, rid)).fetchone()
        conn.execute("UPDATE _journal_records SET digest = ? WHERE id = ?", (digest(table, dict(row)), latest[0]))
    prev = GENESIS
    for e in conn.execute("SELECT * FROM _journal ORDER BY id").fetchall():
        h = EntryHash(e["id"], e["at"], e["actor"], e["command"], prev)
        for r in conn.execute("SELECT tbl, rid, op, digest FROM _journal_records WHERE entry_id = ? ORDER BY id",
                              (e["id"],)):
            h.add(*r)
        conn.execute("UPDATE _journal SET prev = ?, hash = ? WHERE id = ?", (prev, h.hexdigest(), e["id"]))
        prev = h.hexdigest()
    conn.commit()
    conn.close()


def test_check_against_a_backup_names_a_rebuilt_history(village, tmp_path):
    saved = tmp_path / "saved.db"
    ok("backup", str(saved))
    ok("place", "add", "平伏桥村/后来的小区")
    agreed = ok("check", "--against", str(saved))
    assert f"备份 {saved} 是日志#" in agreed.stdout
    _rebuild(village, "UPDATE residents SET born = 1960 WHERE id = 1")
    ok("check")  # the rebuilt chain is valid in itself
    result = run("check", "--against", str(saved))
    assert result.exit_code == 3
    assert "备份的链头" in result.stdout and "不在本账本的日志链中" in result.stdout
    assert "被绕过工具改动" in result.stderr


def test_check_against_refuses_what_is_not_a_backup(village, tmp_path):
    missing = tmp_path / "nothing.db"
    rejected(village, "check", "--against", str(missing), mentions=(str(missing),))


@pytest.mark.parametrize(
    "sql, named",
    [
        ("CREATE TRIGGER spy AFTER INSERT ON residents BEGIN SELECT 1; END", "触发器 spy"),
        ("CREATE TABLE stash (x)", "表 stash"),
        ("CREATE VIEW everyone AS SELECT name, phone FROM residents", "视图 everyone"),
        ("CREATE INDEX residents_phone ON residents(phone)", "索引 residents_phone"),
        ("DROP INDEX visits_date", "索引 visits_date"),
        ("DROP INDEX visits_date; CREATE INDEX visits_date ON visits(team_id)", "索引 visits_date"),
    ],
)
def test_check_names_planted_or_altered_schema_objects(village, sql, named):
    conn = sqlite3.connect(village)
    conn.executescript(sql)
    conn.close()
    result = run("check")
    assert result.exit_code == 3, result.stdout
    assert named in result.stdout, result.stdout
    assert "被绕过工具改动" in result.stderr


def test_init_refuses_another_programs_sqlite_file(tmp_path):
    other = tmp_path / "x.db"
    conn = sqlite3.connect(other)
    conn.executescript("CREATE TABLE foo (a); CREATE TABLE bar (b); INSERT INTO foo VALUES (1);")
    conn.close()
    before = other.read_bytes()
    result = run("--db", str(other), "init")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"错误：不是 huidesk 账本：{other} 已有 2 张其他程序的表（foo、bar），未做任何改动"
    ]
    assert other.read_bytes() == before
    assert not (tmp_path / "x.db-wal").exists()
    text = tmp_path / "notes.db"
    text.write_text("hello, not a database\n" * 200)
    result = run("--db", str(text), "init")
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1
    assert "不是 huidesk 账本" in result.stderr and "不是 SQLite 数据库" in result.stderr
    assert text.read_text() == "hello, not a database\n" * 200


def test_loose_permissions_are_tightened_and_said_once(village, tmp_path, monkeypatch):
    log = tmp_path / "sql.log"
    log.write_text("")
    os.chmod(log, 0o644)
    os.chmod(village, 0o644)
    monkeypatch.setenv("HUIDESK_SQL_LOG", str(log))
    first = ok("resident", "list")
    lines = first.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("已收紧权限，组和其他用户不能再读写：")
    assert str(village) in lines[0] and str(log) in lines[0]
    for path in (village, log, Path(f"{village}-wal"), Path(f"{village}-shm")):
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert ok("resident", "list").stderr == ""


def test_folders_made_for_a_ledger_or_its_log_are_owner_only_under_any_umask(tmp_path, monkeypatch):
    monkeypatch.setenv("HUIDESK_SQL_LOG", str(tmp_path / "logs" / "today" / "sql.log"))
    old = os.umask(0)
    try:
        result = ok("--db", str(tmp_path / "d1" / "d2" / "x.db"), "init")
    finally:
        os.umask(old)
    for folder in ("d1", "d1/d2", "logs", "logs/today"):
        assert stat.S_IMODE((tmp_path / folder).stat().st_mode) == 0o700, folder
    assert stat.S_IMODE((tmp_path / "d1/d2/x.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "logs/today/sql.log").stat().st_mode) == 0o600
    assert result.stderr.splitlines()[0] == f"已新建文件夹（仅本人可用）：{tmp_path / 'd1'}、{tmp_path / 'd1/d2'}"


def test_backup_never_overwrites_a_file_without_force(village, tmp_path):
    other = tmp_path / "other.db"
    other.write_bytes(b"another ledger")
    line = rejected(village, "backup", str(other), mentions=(str(other), "--force"))
    assert line == f"错误：文件已存在，未覆盖：{other}（确要覆盖请加 --force）"
    assert other.read_bytes() == b"another ledger"
    os.chmod(other, 0o644)
    ok("backup", str(other), "--force")
    assert stat.S_IMODE(other.stat().st_mode) == 0o600
    ok("--db", str(other), "check")
    rejected(village, "backup", str(village), "--force", mentions=("DEST", "这是账本自身"))


def test_backup_into_a_folder_gets_dated_names_in_a_private_folder(village, tmp_path):
    import re

    folder = tmp_path / "backups"
    old = os.umask(0)
    try:
        first = ok("backup", f"{folder}/")
    finally:
        os.umask(old)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert first.stderr.splitlines()[0] == f"已新建文件夹（仅本人可用）：{folder}"
    second = ok("backup", str(folder))
    made = [Path(first.stdout.strip()), Path(second.stdout.strip())]
    assert made[0] != made[1] and all(p.parent == folder for p in made)
    assert re.fullmatch(r"ledger-\d{8}-\d{4}\.db", made[0].name), made[0].name
    assert re.fullmatch(r"ledger-\d{8}-\d{4}(-2)?\.db", made[1].name), made[1].name
    for path in made:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        ok("--db", str(path), "check")
