"""Nothing lost, nobody let in: concurrency, crashes, a full disk, read-only SQL, file modes, old ledgers."""

import os
import random
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import fingerprint, ok, rejected, run

from huidesk.ledger.store import Store

SCRIPT = Path(sys.executable).parent / "huidesk"
FIXTURES = Path(__file__).parent / "fixtures"


def huidesk(db: Path, *args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "HUIDESK_DB": str(db), "HUIDESK_TODAY": "2024-07-08"}
    return subprocess.Popen([str(SCRIPT), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **kw)


def intact(db: Path) -> None:
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    result = run("--db", str(db), "check")
    assert result.exit_code == 0, result.stdout


pytestmark = pytest.mark.skipif(not SCRIPT.exists(), reason="needs the installed console script")


def test_concurrent_writers_all_land(db):
    """Four shells adding places at once (the secretary and cron jobs): every write lands."""
    workers = [
        subprocess.Popen(
            ["sh", "-c", f'for i in 1 2 3 4 5 6; do "{SCRIPT}" place add "区{w}/社区$i" || exit 9; done'],
            env={**os.environ, "HUIDESK_DB": str(db)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for w in range(4)
    ]
    for w in workers:
        out, err = w.communicate(timeout=120)
        assert w.returncode == 0, err
        assert "locked" not in err and "busy" not in err
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM places").fetchone()[0] == 4 * 7
    assert conn.execute("SELECT count(*) FROM _journal").fetchone()[0] == 1 + 4 * 6
    conn.close()
    intact(db)


def test_a_reader_sees_all_of_a_long_write_or_none(ledger_env):
    """While the demo writes its thousands of rows in one transaction, readers never see part of it."""
    ok("init")
    writer = huidesk(ledger_env, "demo")
    seen = set()
    while writer.poll() is None:
        reader = subprocess.run([str(SCRIPT), "--db", str(ledger_env), "sql",
                                 "SELECT (SELECT count(*) FROM places), (SELECT count(*) FROM residents)"],
                                capture_output=True, text=True)
        assert reader.returncode == 0, reader.stderr
        seen.add(tuple(reader.stdout.splitlines()[1].split("\t")))
    assert writer.returncode == 0, writer.stderr
    conn = sqlite3.connect(ledger_env)
    final = tuple(str(n) for n in conn.execute(
        "SELECT (SELECT count(*) FROM places), (SELECT count(*) FROM residents)"
    ).fetchone())
    assert seen <= {("0", "0"), final}, seen


def test_kill_9_leaves_each_write_whole_or_absent(db):
    """Single adds killed at random moments: afterwards the ledger is intact and each add all or nothing."""
    rng = random.Random(7)
    for trial in range(16):
        p = huidesk(db, "place", "add", f"根{trial}/某区/某街道")
        time.sleep(rng.uniform(0.0, 0.4))
        p.send_signal(signal.SIGKILL)
        p.wait()
    intact(db)
    conn = sqlite3.connect(db)
    for trial in range(16):
        n = conn.execute("SELECT count(*) FROM places WHERE path = ? OR path LIKE ?",
                         (f"根{trial}", f"根{trial}/%")).fetchone()[0]
        assert n in (0, 3), (trial, n)


def test_kill_9_of_the_demo_is_all_or_nothing(tmp_path):
    """The demo writes thousands of rows in one transaction: killed at any moment, all or none remain."""
    full = tmp_path / "full.db"
    ok("--db", str(full), "demo")
    # Row counts of every table but the journal's entries (init adds one entry of its own).
    def counted(db):
        conn = sqlite3.connect(db)
        try:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
            return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables if t != "_journal"}
        finally:
            conn.close()

    empty_counts, full_counts = None, counted(full)
    for n, delay in enumerate((0.1, 0.25, 0.4, 0.55, 0.7)):
        db = tmp_path / f"kill{n}.db"
        ok("--db", str(db), "init")
        empty_counts = counted(db)
        p = huidesk(db, "demo")
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        counts = counted(db)
        assert counts in (empty_counts, full_counts), (delay, counts)
        intact(db)


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1200k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {made.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)  # -l: even while a handle is still open


def test_disk_full_is_a_clear_error_and_nothing_partial(small_disk):
    db = small_disk / "ledger.db"
    ok("--db", str(db), "init")
    filler = small_disk / "filler"
    free = shutil.disk_usage(small_disk).free
    filler.write_bytes(b"\0" * max(free - 40_000, 0))
    failure = None
    for i in range(400):
        result = run("--db", str(db), "place", "add", f"{'很长的地名' * 18}{i}/{'很长的小区' * 18}")
        if result.exit_code != 0:
            failure = result
            break
    assert failure is not None, "the disk never filled"
    assert failure.exit_code == 1 and "Traceback" not in failure.stderr
    assert len(failure.stderr.strip().splitlines()) == 1 and "磁盘已满" in failure.stderr
    filler.unlink()
    intact(db)
    ok("--db", str(db), "place", "add", "空间恢复后")
    intact(db)


def test_sql_is_read_only(village):
    before = fingerprint(village)
    assert ok("sql", "SELECT count(*) AS n FROM residents", "-f", "json").stdout == '[\n{"n": 2}\n]\n'
    for attempt in ("DELETE FROM residents", "UPDATE residents SET name = 'x'",
                    "INSERT INTO units (uid, name, kind) VALUES ('u', 'n', 'company')",
                    "DROP TABLE residents", "PRAGMA query_only = OFF", "PRAGMA journal_mode = DELETE",
                    f"ATTACH '{village.parent / 'other.db'}' AS other", "SELECT load_extension('/tmp/x.so')",
                    f"VACUUM INTO '{village.parent / 'copy.db'}'", "CREATE TABLE t (x)",
                    "WITH a AS (SELECT 1) DELETE FROM units"):
        result = run("sql", attempt)
        assert result.exit_code == 1, attempt
        assert len(result.stderr.strip().splitlines()) == 1 and "SQL" in result.stderr
    assert fingerprint(village) == before
    assert not (village.parent / "other.db").exists() and not (village.parent / "copy.db").exists()


def test_errors_mask_residents_names_and_phones_unless_with_pii(village, tmp_path):
    ok("resident", "add", "丁学军", "--place", "48号楼")
    line = rejected(village, "resident", "show", "丁学")
    assert line == ("错误：RESIDENT 居民 “丁学” 不唯一，可能是：#1 丁*志（48号楼）、#3 丁*军（48号楼）"
                    "（用 #编号 或 名字#编号 指明）")
    line = rejected(village, "wish", "add", "--resident", "丁学", "心愿")
    assert "#1 丁*志（48号楼）、#3 丁*军（48号楼）" in line
    line = rejected(village, "resident", "show", "丁学", "--with-pii")
    assert "#1 丁学志（48号楼）、#3 丁学军（48号楼）" in line
    assert rejected(village, "--lang", "en", "resident", "show", "丁学") == (
        "error: RESIDENT resident “丁学” is ambiguous: #1 丁*志（48号楼）、#3 丁*军（48号楼） (say #ID or NAME#ID)")
    # Members are volunteers acting for their team: their names stay whole.
    assert "#1 王凤琴、#2 王玉兰" in rejected(village, "member", "show", "王")
    line = rejected(village, "resident", "add", "新人", "--place", "平伏桥村", "--phone", "1380000abc0")
    assert line == "错误：--phone 的值无效：“138****abc0”（不是电话号码，例如 13800000000 或 0951-1234567）"
    assert rejected(village, "resident", "show", "13912345678") == "错误：找不到居民（RESIDENT）：“139****5678”"
    assert "“13912345678”" in rejected(village, "resident", "list", "--place", "13912345678", "--with-pii")
    path = tmp_path / "名单.csv"
    path.write_text("姓名,住址,电话\n新居民,48号楼,1390000abcd\n", encoding="utf-8")
    line = rejected(village, "import", "residents", str(path))
    assert "电话 的值无效：“139****abcd”" in line and "1390000abcd" not in line


ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


def test_sql_stops_on_ctrl_c_within_a_second(village):
    query = huidesk(village, "sql", ENDLESS)
    time.sleep(1)
    assert query.poll() is None
    query.send_signal(signal.SIGINT)
    sent = time.monotonic()
    try:
        stdout, stderr = query.communicate(timeout=2)
    except subprocess.TimeoutExpired:
        query.kill()
        query.communicate()
        raise AssertionError("sql ignored Ctrl-C") from None
    assert time.monotonic() - sent < 1.5
    assert query.returncode == 130, stderr
    assert stderr == "错误：已中断（Ctrl-C）：SQL 查询未完成\n" and stdout == ""


def test_sql_stops_a_query_past_its_timeout(village):
    started = time.monotonic()
    assert rejected(village, "sql", "--timeout", "0.5", ENDLESS) == (
        "错误：SQL 查询超过 0.5 秒，已中止（用 --timeout 秒数 放宽，0 为不限）")
    assert time.monotonic() - started < 5
    assert rejected(village, "--lang", "en", "sql", "--timeout", "1", ENDLESS) == (
        "error: the SQL query was stopped after 1 s (--timeout SECONDS; 0 for no limit)")
    assert ok("sql", "--timeout", "0", "SELECT count(*) AS n FROM residents", "-f", "json").stdout == '[\n{"n": 2}\n]\n'
    help_text = ok("sql", "--help").stdout
    assert "sql 是账本主人的原始工具：结果不遮蔽个人信息" in help_text and "--timeout" in help_text


def test_sql_refuses_functions_that_leak_addresses_or_touch_files(village):
    for attempt in ("SELECT hex(fts3_tokenizer('simple'))", "SELECT fts3_tokenizer('x', X'4141414141414141')",
                    "SELECT load_extension('/tmp/x.so')", "SELECT length(randomblob(500000000))"):
        result = run("sql", attempt)
        assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1, (attempt, result.stderr)
        assert "SQL" in result.stderr and result.stdout == "", attempt


def test_ledger_wal_and_backups_are_owner_only(village, tmp_path):
    for path in (village, Path(f"{village}-wal"), Path(f"{village}-shm")):
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    ok("backup", str(tmp_path / "b.db"))
    assert stat.S_IMODE((tmp_path / "b.db").stat().st_mode) == 0o600


def test_backup_while_a_writer_is_active(db, tmp_path):
    writer = subprocess.Popen(
        ["sh", "-c", f'for i in 1 2 3 4 5 6 7 8 9 10; do "{SCRIPT}" place add "写入中/小区$i"; done'],
        env={**os.environ, "HUIDESK_DB": str(db)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    copies = []
    while writer.poll() is None:
        dest = tmp_path / f"copy{len(copies)}.db"
        ok("backup", str(dest))
        copies.append(dest)
    assert writer.returncode == 0
    assert copies
    for dest in copies:
        intact(dest)


def test_a_ledger_from_an_older_huidesk_opens_and_keeps_every_record(tmp_path):
    """tests/fixtures/ledger-v0.db was written by huidesk 0.1 (schema version 0): later versions migrate it."""
    db = tmp_path / "old.db"
    shutil.copy(FIXTURES / "ledger-v0.db", db)
    os.chmod(db, 0o600)
    conn = sqlite3.connect(db)
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("places", "residents", "issues", "_journal")}
    conn.close()
    store = Store.open(db, "tester")
    store.close()
    conn = sqlite3.connect(db)
    assert {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in counts} == counts
    conn.close()
    intact(db)
    assert "队员" in ok("--db", str(db), "summary", "--until", "2024-07-08").stdout


def residents_jsonl(n: int, prefix: str) -> str:
    import json

    return "".join(json.dumps({"name": f"{prefix}{i}", "place": "平伏桥村", "born": 1950 + i % 40},
                              ensure_ascii=False) + "\n"
                   for i in range(n))


def test_the_secretary_records_while_cron_imports(village, tmp_path):
    """A cron import of thousands of residents and a secretary adding places, at the same time: both land."""
    big = tmp_path / "big.jsonl"
    big.write_text(residents_jsonl(6000, "导入"), encoding="utf-8")
    cron = huidesk(village, "import", "residents", str(big))
    secretary = subprocess.Popen(
        ["sh", "-c", f'for i in 1 2 3 4 5; do "{SCRIPT}" place add "平伏桥村/新楼$i" || exit 9; done'],
        env={**os.environ, "HUIDESK_DB": str(village)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, err = secretary.communicate(timeout=300)
    assert secretary.returncode == 0, err
    out, err = cron.communicate(timeout=300)
    assert cron.returncode == 0, err
    conn = sqlite3.connect(village)
    assert conn.execute("SELECT count(*) FROM residents WHERE name LIKE '导入%'").fetchone()[0] == 6000
    assert conn.execute("SELECT count(*) FROM places WHERE name LIKE '新楼%'").fetchone()[0] == 5
    conn.close()
    intact(village)


def test_a_report_during_a_long_import_sees_before_or_after(village, tmp_path):
    big = tmp_path / "big.jsonl"
    big.write_text(residents_jsonl(8000, "读时"), encoding="utf-8")
    cron = huidesk(village, "import", "residents", str(big))
    seen = set()
    while cron.poll() is None:
        reader = subprocess.run([str(SCRIPT), "--db", str(village), "sql", "SELECT count(*) FROM residents"],
                                capture_output=True, text=True)
        assert reader.returncode == 0, reader.stderr
        seen.add(int(reader.stdout.splitlines()[1]))
    assert cron.returncode == 0, cron.stderr.read()
    assert seen <= {2, 8002}, seen


def test_kill_9_of_an_import_is_all_or_nothing(village, tmp_path):
    big = tmp_path / "big.jsonl"
    big.write_text(residents_jsonl(5000, "中断"), encoding="utf-8")
    rng = random.Random(11)
    for _ in range(5):
        p = huidesk(village, "import", "residents", str(big))
        time.sleep(rng.uniform(0.1, 1.5))
        p.send_signal(signal.SIGKILL)
        p.wait()
        conn = sqlite3.connect(village)
        n = conn.execute("SELECT count(*) FROM residents WHERE name LIKE '中断%'").fetchone()[0]
        conn.close()
        assert n in (0, 5000)
    intact(village)


@pytest.fixture(scope="module")
def demo_ledger(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HUIDESK_TODAY", "2024-07-08")
        ok("--db", str(db), "demo")
    return db


def test_a_truncated_ledger_is_called_damaged(demo_ledger, tmp_path):
    """A real demo ledger cut to half its size: `check` says it is damaged (exit 3), every other command says the
    same words with exit 1 — not "not a huidesk ledger"."""
    db = tmp_path / "half.db"
    shutil.copyfile(demo_ledger, db)
    os.chmod(db, 0o600)
    os.truncate(db, db.stat().st_size // 2)
    cut = db.read_bytes()
    checked = run("--db", str(db), "check")
    assert checked.exit_code == 3
    assert checked.stderr.splitlines() == [f"错误：账本文件损坏：{db}（database disk image is malformed）"]
    for args in (("place", "list"), ("summary",), ("place", "add", "新地点")):
        result = run("--db", str(db), *args)
        assert result.exit_code == 1, args
        assert result.stderr.splitlines() == [f"错误：账本文件损坏：{db}（database disk image is malformed）"], args
    assert db.read_bytes() == cut


@pytest.fixture(params=["filesystem", "file"])
def read_only_ledger(request, village, tmp_path):
    """The village ledger where it cannot be written: on a read-only file system (a tmpfs remounted read-only,
    as root; a 0555 folder otherwise) or as a file that cannot be written (chattr +i as root; 0444 otherwise).
    Root ignores permission bits, so as root only the kernel's read-only mount and immutable flag are real."""
    root = os.geteuid() == 0
    if request.param == "filesystem":
        place = tmp_path / "ro"
        place.mkdir()
        if root:
            made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(place)], capture_output=True)
            if made.returncode != 0:
                pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
        db = place / "ledger.db"
        shutil.copyfile(village, db)
        os.chmod(db, 0o600)
        if root:
            subprocess.run(["mount", "-o", "remount,ro", str(place)], check=True)
        else:
            os.chmod(place, 0o555)
        yield db
        if root:
            subprocess.run(["umount", "-l", str(place)], check=False)  # -l: even while a handle is still open
        else:
            os.chmod(place, 0o755)
    else:
        db = village
        if root:
            made = subprocess.run(["chattr", "+i", str(db)], capture_output=True)
            if made.returncode != 0:
                pytest.skip(f"cannot make a file immutable here: {made.stderr.decode().strip()}")
        else:
            os.chmod(db, 0o444)
        yield db
        if root:
            subprocess.run(["chattr", "-i", str(db)], check=False)
        else:
            os.chmod(db, 0o600)


def test_a_read_only_ledger_reads_and_refuses_writes_in_plain_words(read_only_ledger):
    db = read_only_ledger
    before = db.read_bytes()
    assert json_names(ok("--db", str(db), "resident", "list", "--format", "json").stdout) == ["丁*志", "李*友"]
    assert "账本完好" in ok("--db", str(db), "check").stdout
    assert "队员" in ok("--db", str(db), "summary").stdout
    for args in (("place", "add", "新地点"), ("init",), ("void", "resident", "1", "--reason", "试")):
        result = run("--db", str(db), *args)
        assert result.exit_code == 1, (args, result.stderr)
        assert result.stderr.splitlines() == [f"错误：账本所在位置只读，未写入：{db}"], args
    assert db.read_bytes() == before


def json_names(text: str) -> list[str]:
    import json

    return [r["name"] for r in json.loads(text)]
