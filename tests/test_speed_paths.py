"""The fast paths of issue 15 give what the plain ones gave: `check` with its tables verified in a
second process and its records hashed from templates, the reports' visit counts and households
read from the covering indexes, and listings drawn as tables."""

import json
import sqlite3

import pytest

from tests.conftest import ok, run
from tests.test_ledger import tamper


@pytest.fixture
def aside(monkeypatch):
    """`check` verifies visits and their link rows in a forked process however small the ledger."""
    monkeypatch.setenv("HUIDESK_CHECK_ASIDE_FROM", "0")


def _visits(village):
    ok("resident", "add", "李秀英", "--place", "48号楼", "--tag", "独居", "--born", "1941")
    ok("visit", "add", "丁学志", "--team", "橙色公益", "--member", "王凤琴", "--date", "2024-07-01",
       "--purpose", "看望“高龄”老人 \\ 叮嘱：防暑 \"x\" ✓")
    ok("visit", "add", "丁学志", "李秀英", "--team", "红色先锋", "--date", "2024-06-03", "--gift", "米、面、油")
    ok("visit", "add", "李秀英", "--team", "橙色公益", "--date", "2024-05-20")
    ok("visit", "add", "李秀英", "--team", "橙色公益", "--date", "2023-12-30")
    ok("activity", "add", "--theme", "爱心理发", "--team", "橙色公益", "--date", "2024-07-02", "--volunteers", "3",
       "--served", "12", "--hours", "2")


def test_check_with_a_second_process_passes_an_intact_ledger(village, aside):
    _visits(village)
    result = ok("check")
    assert result.stdout.startswith("账本完好：")


@pytest.mark.parametrize(
    "sql, named",
    [
        ("UPDATE visits SET purpose = '改过' WHERE id = 1", "visits#1"),
        ("DELETE FROM visit_residents WHERE id = 2", "visit_residents#2"),
        ("UPDATE visit_members SET member_id = 2 WHERE id = 1", "visit_members#1"),
        ("UPDATE residents SET born = 1950 WHERE id = 1", "residents#1"),
        ("UPDATE activities SET served = 99 WHERE id = 1", "activities#1"),
        ("UPDATE _journal SET actor = 'someone' WHERE id = 3", "日志#3"),
    ],
)
def test_check_with_a_second_process_names_what_was_changed(village, aside, sql, named, monkeypatch):
    _visits(village)
    tamper(village, sql)
    result = run("check")
    assert result.exit_code == 3
    assert named in result.stdout, result.stdout
    monkeypatch.setenv("HUIDESK_CHECK_ASIDE_FROM", "1000000000")  # all in one process: the same report
    assert run("check").stdout == result.stdout


def test_check_of_a_damaged_file_says_so_with_a_second_process(village, aside):
    _visits(village)
    data = bytearray(village.read_bytes())
    data[8192:12288] = b"\x00" * 4096
    village.write_bytes(bytes(data))
    result = run("check")
    assert result.exit_code != 0
    assert "损坏" in result.stderr or result.exit_code == 3, (result.stdout, result.stderr)


def _sql(village, query, *args):
    conn = sqlite3.connect(village)
    try:
        return conn.execute(query, args).fetchall()
    finally:
        conn.close()


def test_visits_and_households_count_each_resident_once_per_scope(village):
    _visits(village)
    ok("void", "走访", "4", "--reason", "录错")
    data = json.loads(ok("summary", "--format", "json").stdout)
    figures = {f["key"]: f["value"] for f in data["figures"]}
    assert figures["visits"] == 3 and figures["households"] == 2
    by_team = {row["team"]: (row["visits"], row["households"]) for row in data["by_team"]}
    assert by_team["“橙色公益”志愿服务队"] == (2, 2)
    assert by_team["“红色先锋”志愿服务队"] == (1, 2)
    months = {row["month"]: row["visits"] for row in data["by_month"]}
    assert months["2024-05"] == 1 and months["2024-06"] == 1 and months["2024-07"] == 1
    since = json.loads(ok("summary", "--format", "json", "--since", "2024-06-01").stdout)
    figures = {f["key"]: f["value"] for f in since["figures"]}
    assert figures["visits"] == 2 and figures["households"] == 2
    team = json.loads(ok("summary", "--format", "json", "--team", "橙色公益", "--until", "2024-06-30").stdout)
    figures = {f["key"]: f["value"] for f in team["figures"]}
    assert figures["visits"] == 1 and figures["households"] == 1
    # the same figures as the plain SQL over the records
    assert _sql(village, "SELECT count(DISTINCT vr.resident_id) FROM visits v JOIN visit_residents vr"
                " ON vr.visit_id = v.id WHERE v.void_reason IS NULL")[0][0] == 2


def test_a_summary_of_a_ledger_without_visits_has_none(village):
    data = json.loads(ok("summary", "--format", "json").stdout)
    figures = {f["key"]: f["value"] for f in data["figures"]}
    assert figures["households"] == 0
    assert all(row["visits"] == 0 and row["households"] == 0 for row in data["by_team"])


def test_the_pydantic_plugin_stand_in_finds_none_and_lends_any_other_name():
    """The console script stands in for pydantic's plugin loader (sparing importlib.metadata's scan of every
    distribution); a name a later pydantic imports from the loader comes from the real one, so nothing breaks."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from huidesk.ledger.shortcuts import without_pydantic_plugins\n"
        "without_pydantic_plugins()\n"
        "from huidesk.domain.models import VisitIn\n"
        "VisitIn(team_id=1, date='2024-07-01', follow_up=False)\n"
        "assert 'importlib.metadata' not in sys.modules, 'the plugin scan ran'\n"
        "from pydantic.plugin._loader import PYDANTIC_ENTRY_POINT_GROUP, get_plugins\n"
        "assert list(get_plugins()) == [] and PYDANTIC_ENTRY_POINT_GROUP == 'pydantic'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_twin_reads_the_same_ledger_while_another_process_writes(village):
    """The summary's second reader: both connections hold a read transaction at the same journal head,
    and a visit committed meanwhile by another writer is seen by neither; after, by both."""
    from huidesk.ledger.store import Store

    count = "SELECT count(*) FROM visits"
    store = Store.open(village, "tester")
    try:
        before = store.read.value(count)
        with store.twin() as twin:
            assert twin is not None and twin._conn is not store._conn
            ok("visit", "add", "丁学志", "--team", "橙色公益", "--date", "2024-07-01")  # commits meanwhile
            assert store.read.value(count) == twin.read.value(count) == before
            assert store.head() == twin.head()
        assert store.read.value(count) == before + 1
        assert not store.read.in_transaction
        with store.snapshot(), store.twin() as twin:  # this connection's own transaction is left alone: no twin
            assert twin is None
    finally:
        store.close()
