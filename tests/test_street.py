"""Issue 24: the street's roll-up in real use — places anchored, every ledger named, a cron folder merged
month after month in any order, merge counting as bundle counts."""

import json
import re
import sqlite3
from pathlib import Path

from conftest import run
from test_federation import at, refused

STREET = "银川市/金凤区/黄河东路街道"
ZIYUAN = f"{STREET}/紫园社区"


def figure(db: Path, key: str, *args: str, today: str | None = None) -> int:
    found = json.loads(at(db, "summary", *args, "--format", "json", today=today).stdout)["figures"]
    return next(f["value"] for f in found if f["key"] == key)


def paths(db: Path) -> list[str]:
    return [r[0] for r in sqlite3.connect(db).execute("SELECT path FROM places ORDER BY path")]


def test_a_ledgers_place_is_in_its_tree_and_what_it_adds_hangs_under_it(tmp_path):
    z = tmp_path / "紫园.db"
    at(z, "init", "--name", "紫园社区", "--place", ZIYUAN)
    assert paths(z)[-1] == ZIYUAN
    at(z, "place", "add", "紫园社区/紫园小区3号楼")
    at(z, "place", "add", "4号楼")
    assert f"{ZIYUAN}/紫园小区3号楼" in paths(z) and f"{ZIYUAN}/4号楼" in paths(z)
    assert not [p for p in paths(z) if not ZIYUAN.startswith(p) and not p.startswith(ZIYUAN)]  # no new root
    street = tmp_path / "街道.db"
    at(street, "init", "--name", "黄河东路街道", "--place", STREET)
    assert at(street, "summary", "--place", "黄河东路街道").exit_code == 0


def community(db: Path, today: str = "2024-07-08") -> None:
    at(db, "init", "--name", "紫园社区", "--place", ZIYUAN, today=today)
    at(db, "place", "add", "紫园小区3号楼", today=today)
    at(db, "member", "add", "王凤琴", "--joined", "2024-01-01", today=today)
    at(db, "team", "add", "红色先锋志愿服务队", "--place", "紫园社区", "--leader", "王凤琴", "--founded", "2024-01-01",
       today=today)
    at(db, "resident", "add", "丁学志", "--place", "3号楼", "--tag", "独居", today=today)
    at(db, "visit", "add", "丁学志", "--team", "红色先锋", "--member", "王凤琴", "--date", "2024-07-01", today=today)


def test_the_streets_figures_hold_what_a_community_sent(tmp_path):
    z, street = tmp_path / "紫园.db", tmp_path / "街道.db"
    community(z)
    at(street, "init", "--name", "黄河东路街道", "--place", STREET)
    made = at(z, "bundle", "--output", str(tmp_path / "z.db")).stderr
    merged = at(street, "merge", str(tmp_path / "z.db")).stderr
    records = int(re.search(r"(\d+) 条记录", made)[1])
    counts = [int(n) for n in re.findall(r"(\d+) 条", merged)[:3]]
    assert sum(counts) == records  # merge counts in the bundle's units: records, not link rows
    assert "不在本账本的地点之下" not in merged  # the street's own ancestors (银川市, 金凤区) hold nothing of it
    assert figure(street, "visits", "--place", "黄河东路街道") == figure(z, "visits") == 1


def test_an_unnamed_ledger_is_told_how_to_name_itself_before_it_bundles(tmp_path):
    nameless = tmp_path / "a.db"
    at(nameless, "init")
    refused(nameless, "bundle", "--output", str(tmp_path / "a-bundle.db"), mentions=("--name", "--place"))
    assert not (tmp_path / "a-bundle.db").exists()
    placed = tmp_path / "b.db"
    at(placed, "init", "--place", ZIYUAN)  # a place and no name: it goes by its place's last level
    out = tmp_path / "b-bundle.db"
    at(placed, "bundle", "--output", str(out))
    assert dict(sqlite3.connect(out).execute("SELECT key, value FROM manifest").fetchall())["source_name"] == "紫园社区"


def test_a_source_outside_the_streets_place_is_named_not_dropped(tmp_path):
    other, street = tmp_path / "其他.db", tmp_path / "街道.db"
    at(other, "init", "--name", "远方社区", "--place", "银川市/兴庆区/某街道/远方社区")
    at(other, "place", "add", "1号楼")
    at(street, "init", "--name", "黄河东路街道", "--place", STREET)
    at(other, "bundle", "--output", str(tmp_path / "o.db"))
    said = at(street, "merge", str(tmp_path / "o.db")).stderr
    assert "不在本账本的地点之下" in said and "远方社区" in said


def test_a_three_month_cron_merges_one_folder_in_any_order(tmp_path):
    """The README's cron: every month the community adds its bundle to the folder and the street merges
    the whole folder; the shell may list the files in any order."""
    z, street, folder = tmp_path / "紫园.db", tmp_path / "街道.db", tmp_path / "报送"
    community(z)
    at(street, "init", "--name", "黄河东路街道", "--place", STREET)
    for month, day in (("2024-07", "2024-07-31"), ("2024-08", "2024-08-31"), ("2024-09", "2024-09-30")):
        at(z, "visit", "add", "丁学志", "--team", "红色先锋", "--member", "王凤琴", "--date", day, today=day)
        at(z, "bundle", "--output", str(folder / f"紫园社区-{month}.db"), today=day)
        files = sorted(map(str, folder.iterdir()), reverse=True)  # newest first: a gap until the older is merged
        result = run("--db", str(street), "--today", day, "merge", *files)
        assert result.exit_code == 0, result.stderr
        assert "已合并 " in result.stderr
        assert run("--db", str(street), "--today", day, "sources").exit_code == 0
    assert figure(street, "visits", "--place", "黄河东路街道", today="2024-09-30") == 4
    assert "账本完好" in at(street, "check").stdout


def test_a_bundle_to_stdout_is_the_bundle_byte_for_byte(tmp_path):
    """`bundle --output /dev/stdout > file` (the installed script, as a pipeline runs it) gives a bundle
    the street merges: the file's name is not printed into it."""
    import os
    import subprocess
    import sys

    z, street, out = tmp_path / "紫园.db", tmp_path / "街道.db", tmp_path / "piped.db"
    community(z)
    at(street, "init", "--name", "黄河东路街道", "--place", STREET)
    script = Path(sys.executable).parent / "huidesk"
    with open(out, "wb") as sink:
        done = subprocess.run([str(script), "--db", str(z), "bundle", "--output", "/dev/stdout"], stdout=sink,
                              stderr=subprocess.PIPE, env={**os.environ, "HUIDESK_TODAY": "2024-07-08"})
    assert done.returncode == 0, done.stderr
    assert "已合并 " in at(street, "merge", str(out)).stderr
