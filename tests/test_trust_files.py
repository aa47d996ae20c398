"""Issue 22, files: nothing outside the ledger is written through a name someone else could plant,
non-regular targets (/dev/stdout, a FIFO, a device) are written honestly, a shared warehouse trusts
only its own staging, and `sql` over a warehouse writes nothing. Each payload is a break found on the
code before the fix."""

import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import TODAY, fingerprint, ok, rejected, run

VICTIM = "root's file: must stay as it is\n"


@pytest.fixture
def victim(tmp_path) -> Path:
    """A file of someone else's (root's, in the break) that a planted link points at."""
    path = tmp_path / "elsewhere" / "victim.txt"
    path.parent.mkdir()
    path.write_text(VICTIM, encoding="utf-8")
    return path


def plant_old_temp_names(folder: Path, name: str, victim: Path) -> Path:
    """A link at the temp name the old code used (`.NAME.PID.tmp`: this process's pid, as CliRunner
    runs the command in it), pointing at the victim."""
    link = folder / f".{name}.{os.getpid()}.tmp"
    link.symlink_to(victim)
    return link


# --- temp files: unpredictable, exclusive, never through a link ------------------------------------


@pytest.mark.parametrize("name, args", [
    ("residents.csv", ("export", "residents", "--with-pii")),
    ("residents.xlsx", ("export", "residents", "--with-pii")),
    ("monthly.xlsx", ("report", "monthly", "--month", "last")),
    ("monthly.json", ("report", "monthly", "--month", "last", "--format", "json")),
])
def test_an_output_file_is_not_written_through_a_link_planted_at_a_temp_name(village, tmp_path, victim, name, args):
    out = tmp_path / "out"
    out.mkdir()
    plant_old_temp_names(out, name, victim)
    ok(*args, "--output", str(out / name))
    assert victim.read_text(encoding="utf-8") == VICTIM
    assert (out / name).is_file() and not (out / name).is_symlink()
    assert stat.S_IMODE((out / name).stat().st_mode) == 0o600
    assert sorted(p.name for p in out.iterdir()) == sorted([name, f".{name}.{os.getpid()}.tmp"])  # no temp left


def test_a_backup_is_not_written_through_a_link_planted_at_a_temp_name(village, tmp_path, victim):
    out = tmp_path / "backups"
    out.mkdir()
    plant_old_temp_names(out, "ledger-copy.db", victim)
    ok("backup", str(out / "ledger-copy.db"))
    assert victim.read_text(encoding="utf-8") == VICTIM
    copy = out / "ledger-copy.db"
    assert not copy.is_symlink() and stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert fingerprint(copy) == fingerprint(village)


def test_a_bundle_is_not_written_through_a_link_planted_at_a_temp_name(village, tmp_path, victim):
    out = tmp_path / "bundles"
    out.mkdir()
    plant_old_temp_names(out, "2024-07.db", victim)
    ok("init", "--name", "平伏桥村", "--place", "银川市/金凤区/满城北街街道/平伏桥村")
    ok("bundle", "--pii", "full", "--output", str(out / "2024-07.db"))
    assert victim.read_text(encoding="utf-8") == VICTIM
    made = out / "2024-07.db"
    assert not made.is_symlink() and stat.S_IMODE(made.stat().st_mode) == 0o600
    assert sqlite3.connect(made).execute("SELECT count(*) FROM manifest").fetchone()[0] > 0


def test_files_private_tmp_is_unpredictable_exclusive_and_owner_only(tmp_path):
    from huidesk.domain.files import private_tmp, publish

    dest = tmp_path / "bundle.db"
    seen = []
    for _ in range(2):
        with private_tmp(dest) as tmp:
            seen.append(tmp)
            assert tmp.parent.parent == tmp_path and tmp.parent.name.startswith(".bundle.db.")
            assert stat.S_IMODE(tmp.parent.lstat().st_mode) == 0o700
            assert stat.S_IMODE(tmp.lstat().st_mode) == 0o600 and tmp.lstat().st_size == 0
            tmp.write_bytes(b"one")
        assert not tmp.exists() and not tmp.parent.exists()  # never published: removed
    assert seen[0] != seen[1]
    with private_tmp(dest) as tmp:
        tmp.write_bytes(b"first")
        publish(tmp, dest, overwrite=False)
    assert dest.read_bytes() == b"first" and list(tmp_path.iterdir()) == [dest]
    from huidesk.domain.errors import WouldOverwrite

    with pytest.raises(WouldOverwrite), private_tmp(dest) as tmp:
        tmp.write_bytes(b"second")
        publish(tmp, dest, overwrite=False)
    assert dest.read_bytes() == b"first" and list(tmp_path.iterdir()) == [dest]
    with private_tmp(dest) as tmp:
        tmp.write_bytes(b"second")
        publish(tmp, dest, overwrite=True)
    assert dest.read_bytes() == b"second" and list(tmp_path.iterdir()) == [dest]


# --- a link at the destination itself ----------------------------------------------------------------


@pytest.mark.parametrize("dangling", [False, True], ids=["to-a-file", "dangling"])
@pytest.mark.parametrize("args", [
    ("export", "residents", "--with-pii", "--output"),
    ("report", "monthly", "--month", "last", "--format", "csv", "--output"),
    ("backup",),
], ids=lambda a: a[0])
def test_a_link_at_the_destination_is_refused_without_force_and_replaced_with_it(
        village, tmp_path, victim, args, dangling):
    dest = tmp_path / "out.csv"
    target = tmp_path / "elsewhere" / "created-by-link.txt" if dangling else victim
    dest.symlink_to(target)
    line = rejected(village, *args, str(dest))
    assert "--force" in line
    assert dest.is_symlink() and victim.read_text(encoding="utf-8") == VICTIM
    ok(*args, str(dest), "--force")
    assert not dest.is_symlink() and dest.is_file()  # the link itself was replaced, nothing written through it
    assert victim.read_text(encoding="utf-8") == VICTIM
    assert not (tmp_path / "elsewhere" / "created-by-link.txt").exists()


# --- non-regular targets -----------------------------------------------------------------------------


def script() -> str:
    return str(Path(sys.executable).with_name("huidesk"))


def installed(*args: str, stdout=subprocess.PIPE, db: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HUIDESK_DB": str(db), "HUIDESK_TODAY": TODAY, "HUIDESK_USER": "tester"}
    return subprocess.run([script(), *args], env=env, stdout=stdout, stderr=subprocess.PIPE, timeout=120)


def test_export_csv_to_dev_stdout_is_written_straight_through(village, tmp_path):
    plain = installed("export", "residents", "--format", "csv", db=village)
    through = installed("export", "residents", "--format", "csv", "--output", "/dev/stdout", db=village)
    assert through.returncode == 0, through.stderr.decode()
    assert through.stdout == plain.stdout and "丁学志".encode() not in through.stdout  # masked, no BOM: stdout
    assert "李*友".encode() in through.stdout
    # stdout redirected into a file: the descriptor is written, at its offset (appended after what is there)
    into = tmp_path / "into.csv"
    into.write_bytes(b"before\n")
    with open(into, "ab") as f:
        redirected = installed("export", "residents", "--output", "/dev/stdout", "--format", "csv",
                               db=village, stdout=f)
    assert redirected.returncode == 0, redirected.stderr.decode()
    assert into.read_bytes() == b"before\n" + plain.stdout
    assert not list(Path("/dev").glob(".stdout*"))


def test_report_monthly_xlsx_to_dev_stdout_is_a_workbook(village, tmp_path):
    from openpyxl import load_workbook

    args = ("report", "monthly", "--month", "last")
    through = installed(*args, "--format", "xlsx", "--output", "/dev/stdout", db=village)
    assert through.returncode == 0, through.stderr.decode()
    assert through.stdout.startswith(b"PK")
    (tmp_path / "piped.xlsx").write_bytes(through.stdout)
    ok(*args, "--output", str(tmp_path / "filed.xlsx"))

    def values(path: Path) -> list:
        return [[c.value for c in row] for ws in load_workbook(path) for row in ws.iter_rows()]

    assert values(tmp_path / "piped.xlsx") == values(tmp_path / "filed.xlsx")


def read_fifo(path: Path) -> tuple[threading.Thread, list[bytes]]:
    got: list[bytes] = []

    def reader() -> None:
        with open(path, "rb") as f:
            got.append(f.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    return thread, got


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_into_a_fifo_writes_through_it(village, tmp_path, fmt):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    thread, got = read_fifo(fifo)
    result = run("export", "residents", "--format", fmt, "--output", str(fifo))
    thread.join(10)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still the FIFO: nothing renamed over it
    if fmt == "csv":
        assert got[0].decode() == ok("export", "residents", "--format", "csv").stdout
    else:
        assert got[0].startswith(b"PK")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "ledger.db") == ["pipe"]


def test_a_backup_into_a_fifo_is_the_ledger_byte_for_byte(village, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    thread, got = read_fifo(fifo)
    ok("backup", str(fifo))
    thread.join(10)
    copy = tmp_path / "copy.db"
    copy.write_bytes(got[0])
    assert fingerprint(copy) == fingerprint(village)
    assert sqlite3.connect(copy).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


@pytest.mark.parametrize("args", [
    ("report", "monthly", "--month", "last", "--format", "xlsx", "--output", "/dev/null"),
    ("export", "visits", "--output", "/dev/null", "--format", "jsonl"),
    ("backup", "/dev/null"),
], ids=lambda a: a[0])
def test_a_character_device_is_written_without_force_and_stays_a_device(village, args):
    ok(*args)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_block_device_or_a_socket_is_refused(village, tmp_path):
    import socket

    sock_path = tmp_path / "s.sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    try:
        rejected(village, "export", "residents", "--format", "csv", "--output", str(sock_path), "--force",
                 mentions=("s.sock",))
        assert stat.S_ISSOCK(sock_path.lstat().st_mode)
    finally:
        sock.close()


# --- the warehouse: only its own staging is trusted -------------------------------------------------


@pytest.fixture
def dw(village, tmp_path) -> Path:
    pytest.importorskip("duckdb", reason="the warehouse extra (duckdb) is not installed")
    pytest.importorskip("pyarrow.parquet", reason="the warehouse extra (pyarrow) is not installed")
    dw = tmp_path / "dw"
    ok("warehouse", str(dw))
    ok("visit", "add", "丁学志", "--team", "橙色公益", "--date", "2024-06-21")  # the next run has work to do
    return dw


def uid_of(db: Path) -> str:
    return sqlite3.connect(db).execute("SELECT value FROM _settings WHERE key = 'ledger_uid'").fetchone()[0]


def plant(dw: Path, uid: str, intent: dict, staged: int = 1, mode: int = 0o700) -> Path:
    stage = dw / f".staging-{uid}"
    stage.mkdir()
    os.chmod(stage, mode)
    for n in range(staged):
        (stage / f"{n}.parquet").write_bytes(b"planted")
    (stage / "intent.json").write_text(json.dumps(intent), encoding="utf-8")
    os.chmod(stage / "intent.json", 0o600)
    return stage


def outside(tmp_path: Path) -> tuple[Path, Path]:
    """A folder beside the warehouse with a file the planted intent wants gone."""
    folder = tmp_path / "outside"
    folder.mkdir()
    precious = folder / "precious.txt"
    precious.write_text("keep me", encoding="utf-8")
    return folder, precious


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def refused_warehouse(village: Path, dw: Path) -> str:
    result = run("warehouse", str(dw))
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.mark.parametrize("where", ["relative", "absolute", "hidden-in-a-partition-name"])
def test_a_planted_intent_cannot_remove_or_move_files_outside_the_warehouse(village, dw, tmp_path, where):
    folder, precious = outside(tmp_path)
    uid = uid_of(village)
    moved = folder / "moved.parquet"
    rel = {"relative": ("../outside/precious.txt", "../outside/moved.parquet"),
           "absolute": (str(precious), str(moved)),
           "hidden-in-a-partition-name": (f"table=visits/ledger={uid}/../../../outside/precious.txt",
                                          f"table=visits/ledger={uid}/../../../outside/moved.parquet")}[where]
    manifest = json.loads((dw / "_huidesk" / f"ledger={uid}.json").read_text(encoding="utf-8"))
    before = snapshot(dw)
    plant(dw, uid, {"manifest": manifest, "move": [rel[1]], "remove": [rel[0]]})
    line = refused_warehouse(village, dw)
    assert "intent.json" in line
    assert precious.read_text(encoding="utf-8") == "keep me" and not moved.exists()
    assert {k: v for k, v in snapshot(dw).items() if not k.startswith(".staging")} == before


def test_a_planted_intent_cannot_move_files_through_a_linked_partition_folder(village, dw, tmp_path):
    folder, precious = outside(tmp_path)
    uid = uid_of(village)
    manifest = json.loads((dw / "_huidesk" / f"ledger={uid}.json").read_text(encoding="utf-8"))
    (dw / "table=cards").rename(tmp_path / "cards-was-here")
    (dw / "table=cards").symlink_to(folder, target_is_directory=True)
    (folder / f"ledger={uid}").mkdir()
    (folder / f"ledger={uid}" / "part-0.parquet").write_text("outside data", encoding="utf-8")
    plant(dw, uid, {"manifest": manifest, "move": [f"table=cards/ledger={uid}/part-0.parquet"],
                    "remove": [f"table=cards/ledger={uid}/part-0.parquet"]})
    line = refused_warehouse(village, dw)
    assert "table=cards" in line
    assert (folder / f"ledger={uid}" / "part-0.parquet").read_text(encoding="utf-8") == "outside data"
    assert precious.read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("how", ["loose-mode", "a-link", "intent-a-link", "foreign-owner"])
def test_a_staging_folder_that_is_not_the_warehouse_s_own_is_not_trusted(village, dw, tmp_path, how):
    folder, precious = outside(tmp_path)
    uid = uid_of(village)
    manifest = json.loads((dw / "_huidesk" / f"ledger={uid}.json").read_text(encoding="utf-8"))
    intent = {"manifest": manifest, "move": [], "remove": [f"table=cards/ledger={uid}/part-0.parquet"]}
    before = snapshot(dw)
    if how == "loose-mode":
        plant(dw, uid, intent, mode=0o777)
    elif how == "a-link":
        elsewhere = plant(tmp_path, uid, intent)  # a staging folder outside, linked in
        (dw / elsewhere.name).symlink_to(elsewhere, target_is_directory=True)
    elif how == "intent-a-link":
        stage = plant(dw, uid, intent)
        (tmp_path / "intent.json").write_text(json.dumps(intent), encoding="utf-8")
        (stage / "intent.json").unlink()
        (stage / "intent.json").symlink_to(tmp_path / "intent.json")
    else:
        if os.getuid() != 0:
            pytest.skip("a folder of another user's needs root to make")
        stage = plant(dw, uid, intent)
        for p in (stage, *stage.iterdir()):
            os.lchown(p, 65534, 65534)
    line = refused_warehouse(village, dw)
    assert f".staging-{uid}" in line
    assert {k: v for k, v in snapshot(dw).items() if not k.startswith(".staging")} == before
    assert precious.read_text(encoding="utf-8") == "keep me"
    if how == "a-link":
        assert (tmp_path / f".staging-{uid}" / "intent.json").exists()  # a linked folder is not emptied


@pytest.mark.parametrize("what", ["_huidesk", "lock", "ledgers.lock", "_schema.json"])
def test_a_link_planted_in_the_warehouse_is_not_written_through(village, tmp_path, what):
    pytest.importorskip("duckdb", reason="the warehouse extra (duckdb) is not installed")
    pytest.importorskip("pyarrow.parquet", reason="the warehouse extra (pyarrow) is not installed")
    folder, precious = outside(tmp_path)
    dw = tmp_path / "dw"
    dw.mkdir()
    uid = uid_of(village)
    if what == "_huidesk":
        (dw / "_huidesk").symlink_to(folder, target_is_directory=True)
    elif what == "_schema.json":
        (dw / "_schema.json").symlink_to(precious)
    else:
        (dw / "_huidesk").mkdir()
        name = f"ledger={uid}.lock" if what == "lock" else "ledgers.lock"
        (dw / "_huidesk" / name).symlink_to(folder / "created-by-link")
    result = run("warehouse", str(dw))
    assert "Traceback" not in result.stderr
    if what == "_schema.json":  # a link where a file is replaced: the link goes, not what it points at
        assert result.exit_code == 0, result.stderr
        assert not (dw / "_schema.json").is_symlink()
    else:
        assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert snapshot(folder) == {"precious.txt": b"keep me"}


def test_the_warehouse_s_own_interrupted_run_is_still_finished(village, dw, monkeypatch):
    """The trust checks refuse nothing of a run of its own: stopped after its commit, finished by the next."""
    monkeypatch.setenv("HUIDESK_FAULT", "warehouse-commit")
    assert run("warehouse", str(dw)).exit_code != 0
    stage = dw / f".staging-{uid_of(village)}"
    assert stat.S_IMODE(stage.lstat().st_mode) == 0o700
    monkeypatch.delenv("HUIDESK_FAULT")
    ok("warehouse", str(dw))
    assert not stage.exists()
    args = ("report", "monthly", "--month", "2024-06", "--format", "csv")
    head = sqlite3.connect(village).execute("SELECT hash FROM _journal ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert ok("--warehouse", str(dw), *args).stdout == ok(*args).stdout.replace(head, "warehouse")


def test_a_reader_refuses_a_manifest_naming_files_outside_its_partitions(village, dw, tmp_path):
    uid = uid_of(village)
    ok("warehouse", str(dw))
    path = dw / "_huidesk" / f"ledger={uid}.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    (tmp_path / "loot.parquet").write_bytes((dw / f"table=cards/ledger={uid}/part-0.parquet").read_bytes())
    manifest["partitions"]["table=cards/../../loot.parquet"] = {"rows": 0, "digest": ""}
    path.write_text(json.dumps(manifest), encoding="utf-8")
    result = run("--warehouse", str(dw), "sql", "SELECT count(*) FROM cards")
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "loot.parquet" in result.stderr


# --- sql over a warehouse writes nothing -----------------------------------------------------------


def test_sql_on_a_warehouse_writes_no_file_and_reads_none_but_its_own(village, dw, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where a relative COPY would land
    ok("warehouse", str(dw))
    uid = uid_of(village)
    part = dw / f"table=residents/ledger={uid}/part-0.parquet"
    before = snapshot(dw)
    def listing() -> list[str]:
        return sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("ledger.db"))

    listed = listing()
    attacks = [
        f"COPY (SELECT * FROM residents WHERE false) TO '{part}'",
        f"COPY (SELECT * FROM residents WHERE false) TO '{part}' (USE_TMP_FILE false)",
        f"COPY (SELECT * FROM residents WHERE false) TO '{part}' (FORMAT parquet, OVERWRITE_OR_IGNORE true)",
        f"COPY (SELECT 1) TO '{dw}/x.csv'",
        f"COPY (SELECT 1) TO '{tmp_path}/x.csv'",
        "COPY (SELECT 1) TO 'x.csv'",
        f"EXPORT DATABASE '{dw}/exported'",
        f"EXPORT DATABASE '{tmp_path}/exported'",
        f"ATTACH '{dw}/attached.db' AS a",
        f"ATTACH '{tmp_path}/attached.duckdb' AS a",
        "CREATE TABLE t AS SELECT 1 AS x",
        "INSERT INTO settings VALUES ('k', 'v')",
        "CREATE TEMP TABLE t AS SELECT 1 AS x",
        "SELECT 1; COPY (SELECT 1) TO 'y.csv'",
        "INSTALL httpfs", "LOAD httpfs",
        "SET enable_external_access = true", "RESET allowed_paths",
        "SELECT * FROM read_csv('/etc/passwd')",
        f"SELECT * FROM read_text('{dw}/_schema.json')",
        f"SELECT * FROM read_parquet('{dw}/table=*/**/*.parquet')",
        f"SELECT * FROM glob('{tmp_path}/*')",
        "SELECT * FROM query('COPY (SELECT 1) TO ''z.csv''')",
        "CALL pragma_version()",
    ]
    for attack in attacks:
        result = run("--warehouse", str(dw), "sql", attack)
        assert result.exit_code == 1, (attack, result.stdout, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr, result.stderr
    assert snapshot(dw) == before
    assert listing() == listed
    # and it still answers
    assert ok("--warehouse", str(dw), "sql", "SELECT count(*) AS n FROM residents", "-f", "json").stdout == \
        '[\n{"n": 2}\n]\n'
    assert ok("--warehouse", str(dw), "sql", "WITH r AS (SELECT * FROM residents) SELECT count(*) AS n FROM r",
              "-f", "tsv").stdout == "n\n2\n"


def test_sql_on_the_ledger_attaches_no_file(village, tmp_path):
    before = fingerprint(village)
    for attack in (f"ATTACH '{tmp_path}/new.db' AS n", f"ATTACH 'file:{tmp_path}/uri.db?mode=rwc' AS n",
                   f"VACUUM INTO '{tmp_path}/vacuum.db'", "SELECT writefile('x', 'y')"):
        rejected(village, "sql", attack, mentions=("SQL",))
    assert fingerprint(village) == before
    assert not any((tmp_path / n).exists() for n in ("new.db", "uri.db", "vacuum.db"))
