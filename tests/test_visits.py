"""visit add / list: the 7月7日 visit of the article, masking, formats, filters and every refused value."""

import csv
import io
import json
import sqlite3

import pytest
from conftest import ok, rejected, run

ARTICLE_VISIT = (
    "visit", "add", "丁学志", "李增友", "--team", "橙色公益", "--member", "王凤琴",
    "--date", "7月7日", "--purpose", "看望高龄老人", "--gift", "慰问品",
)


def _json(*args: str) -> list[dict]:
    return json.loads(ok(*args, "--format", "json").stdout)


def _count(db, table: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def test_the_article_visit_is_recorded_and_listed(village):
    result = ok(*ARTICLE_VISIT)
    assert result.stdout == "1\n"
    assert result.stderr == "已记录走访 #1：“橙色公益”志愿服务队 2024-07-07 走访 2 户\n"
    assert _json("visit", "list") == [
        {
            "id": 1, "date": "2024-07-07", "team": "“橙色公益”志愿服务队", "residents": ["丁*志", "李*友"],
            "members": ["王凤琴"], "purpose": "看望高龄老人", "gifts": "慰问品", "follow_up": False,
                "hours_each": None,
        }
    ]
    assert _count(village, "visit_residents") == 2 and _count(village, "visit_members") == 1


def test_a_visit_moves_the_residents_last_visit(village):
    assert [r["last_visit"] for r in _json("resident", "list")] == [None, None]
    ok(*ARTICLE_VISIT)
    ok("visit", "add", "丁学志", "--team", "橙色公益", "--date", "2024-07-01")  # an older one changes nothing
    assert [r["last_visit"] for r in _json("resident", "list")] == ["2024-07-07", "2024-07-07"]
    shown = _json("resident", "show", "丁学志")
    assert [(v["id"], v["date"], v["purpose"]) for v in shown] == [
        (1, "2024-07-07", "看望高龄老人"), (2, "2024-07-01", None),
    ]
    ok("void", "visit", "1", "--reason", "录错了")
    assert [r["last_visit"] for r in _json("resident", "list")] == ["2024-07-01", None]
    assert [v["id"] for v in _json("visit", "list")] == [2]


def test_duplicates_collapse_and_helpers_from_other_teams_may_join(village):
    # 王玉兰 is in 银色助老, not 橙色公益: helpers from other teams join visits.
    ok("visit", "add", "丁学志", "1", "丁学志", "--team", "橙色公益", "--member", "王凤琴", "--member", "王玉兰",
       "--member", "1", "--gift", "米", "--gift", "油", "--note", "老人说腿疼", "--follow-up")
    (visit,) = _json("visit", "list")
    assert (visit["residents"], visit["members"], visit["gifts"], visit["follow_up"]) == (
        ["丁*志"], ["王凤琴", "王玉兰"], "米、油", True,
    )
    assert visit["date"] == "2024-07-08"  # today by default
    assert _count(village, "visit_residents") == 1 and _count(village, "visit_members") == 2


def test_visit_list_in_every_format(village):
    ok(*ARTICLE_VISIT, "--follow-up")
    table = ok("visit", "list", "--format", "table").stdout
    for word in ("走访对象", "慰问品", "需跟进", "丁*志、李*友", "│ “橙色公益” │", "是"):
        assert word in table, word
    assert "丁学志" not in table and "志愿服务队" not in table  # the table shortens team names
    rows = list(csv.DictReader(io.StringIO(ok("visit", "list", "--format", "csv").stdout)))
    assert [(r["编号"], r["日期"], r["服务队"], r["走访对象"], r["慰问品"], r["需跟进"]) for r in rows] == [
        ("1", "2024-07-07", "“橙色公益”志愿服务队", "丁*志、李*友", "慰问品", "是")
    ]
    assert list(rows[0]) == ["编号", "日期", "服务队", "走访对象", "队员", "事由", "慰问品", "需跟进", "每人时长"]
    english = list(csv.DictReader(io.StringIO(ok("--lang", "en", "visit", "list", "--format", "csv").stdout)))
    assert [(r["id"], r["residents"], r["follow-up"]) for r in english] == [("1", "丁*志、李*友", "yes")]
    lines = ok("visit", "list", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["follow_up"] for line in lines] == [True]
    tsv = ok("visit", "list").stdout.splitlines()
    assert len(tsv) == 2 and tsv[1].split("\t")[3] == "丁*志、李*友"
    assert _json("visit", "list", "--with-pii")[0]["residents"] == ["丁学志", "李增友"]
    assert "丁学志、李增友" in ok("visit", "list", "--with-pii", "--format", "table").stdout
    assert "residents" in ok("--lang", "en", "visit", "list", "--format", "table").stdout


def test_empty_visit_list(village):
    assert ok("visit", "list", "--format", "json").stdout == "[]\n"
    assert ok("visit", "list", "--format", "csv").stdout == (
        "编号,日期,服务队,走访对象,队员,事由,慰问品,需跟进,每人时长\n")
    assert ok("--lang", "en", "visit", "list", "--format", "csv").stdout == (
        "id,date,team,residents,members,purpose,gifts,follow-up,hours each\n")


def test_visit_filters_combine(village):
    ok("resident", "add", "韩桂英", "--place", "平伏桥村/悦湖家园小区", "--born", "1941")
    ok(*ARTICLE_VISIT)  # 1: 橙色公益, 07-07, 丁学志 (48号楼) + 李增友 (平伏桥村)
    ok("visit", "add", "韩桂英", "--team", "银色助老", "--date", "2024-06-20")  # 2
    ok("visit", "add", "丁学志", "--team", "银色助老", "--date", "2024-07-02")  # 3
    ok("visit", "add", "李增友", "--team", "橙色公益", "--date", "2024-05-01")  # 4

    def ids(*args: str) -> list[int]:
        return [v["id"] for v in _json("visit", "list", *args)]

    assert ids() == [4, 2, 3, 1]  # by date
    assert ids("--team", "银色助老") == [2, 3]
    assert ids("--resident", "丁学志") == [3, 1]
    assert ids("--place", "48号楼") == [3, 1]
    assert ids("--place", "悦湖家园小区") == [2]
    assert ids("--place", "平伏桥村") == [4, 2, 3, 1]
    assert ids("--since", "2024-06-01") == [2, 3, 1]
    assert ids("--since", "6月1日", "--until", "2024-07-02") == [2, 3]
    assert ids("--team", "橙色公益", "--since", "2024-06-01") == [1]
    assert ids("--team", "银色助老", "--resident", "丁学志", "--until", "2024-07-01") == []
    assert ids("--team", "橙色公益", "--place", "48号楼", "--since", "2024-07-07", "--until", "2024-07-07") == [1]


@pytest.mark.parametrize(
    "args, mentions",
    [
        (("visit", "add", "丁学志", "--team", "橙色公益", "--date", "2024-02-30"), ("--date", "2024-02-30")),
        (("visit", "add", "丁学志", "--team", "橙色公益", "--date", "2024-07-09"),
         ("--date", "2024-07-09", "晚于今天")),
        (("visit", "add", "丁学志", "--team", "橙色公益", "--date", "明天"), ("--date", "2024-07-09")),
        (("visit", "add", "丁学志", "--team", "紫色"), ("--team", "紫色")),
        (("visit", "add", "丁学志", "无名氏", "--team", "橙色公益"), ("RESIDENT", "无名氏")),
        (("visit", "add", "丁学志", "--team", "橙色公益", "--member", "无名氏"), ("--member", "无名氏")),
        (("visit", "add", "丁学志", "--team", "橙色公益", "--member", " "), ("--member",)),
        (("visit", "add", "丁学志", "--team", "橙色公益", "--purpose", " "), ("--purpose", "不能为空")),
        (("visit", "add", "丁学志", "--team", "橙色公益", "--gift", ""), ("--gift", "不能为空")),
        (("visit", "add", "丁学志", "--team", "橙色公益", "--note", ""), ("--note",)),
        (("visit", "add", "丁学志", "--team", "橙色公益", "--purpose", "看" * 201), ("--purpose", "200")),
        (("visit", "list", "--team", "紫色"), ("--team", "紫色")),
        (("visit", "list", "--place", "北京"), ("--place", "北京")),
        (("visit", "list", "--resident", "无名氏"), ("--resident", "无名氏")),
        (("visit", "list", "--since", "2024-13-01"), ("--since", "2024-13-01")),
        (("visit", "list", "--since", "2024-07-01", "--until", "2024-06-01"), ("--until", "2024-06-01")),
    ],
)
def test_bad_visit_value_is_refused_and_nothing_written(village, args, mentions):
    rejected(village, *args, mentions=mentions)


def test_a_void_resident_cannot_be_visited(village):
    ok("void", "resident", "2", "--reason", "重复登记")
    rejected(village, "visit", "add", "李增友", "--team", "橙色公益", mentions=("RESIDENT", "李增友"))


def test_visit_bad_fields_are_reported_together(village):
    line = rejected(village, "visit", "add", "丁学志", "--team", "橙色公益", "--date", "2024-08-01", "--purpose", "")
    assert "--date" in line and "--purpose" in line


def test_visit_needs_a_resident_and_a_team(village):
    assert run("visit", "add", "--team", "橙色公益").exit_code == 2
    assert run("visit", "add", "丁学志").exit_code == 2
