"""activity add / list: the 银色助老 haircut, exact volunteer hours, formats, filters and refused values."""

import csv
import io
import json
import sqlite3
from decimal import ROUND_HALF_UP, Decimal

import pytest
from conftest import ok, rejected
from hypothesis import given
from hypothesis import strategies as st

from huidesk.domain.errors import InvalidValue
from huidesk.domain.hours import parse_hours, show_hours

HAIRCUT = (
    "activity", "add", "--theme", "爱心理发", "--team", "银色助老", "--member", "王玉兰", "--volunteers", "3",
    "--hours", "1.5", "--served", "20", "--place", "悦湖家园小区", "--title", "家门口理发", "--date", "2024-07-06",
)


def _json(*args: str) -> list[dict]:
    return json.loads(ok(*args, "--format", "json").stdout)


def _rows(db, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_the_haircut_activity_counts_hours_exactly(village):
    result = ok(*HAIRCUT)
    assert result.stdout == "1\n"
    assert result.stderr == "已记录活动 #1：“银色助老”志愿服务队 2024-07-06 爱心理发，3 人，共 4.5 小时\n"
    assert _json("activity", "list") == [
        {
            "id": 1, "date": "2024-07-06", "team": "“银色助老”志愿服务队", "theme": "haircut", "title": "家门口理发",
            "place": "银川市/金凤区/满城北街街道/平伏桥村/悦湖家园小区", "volunteers": 3, "members": ["王玉兰"],
            "served": 20, "hours": "4.5", "minutes": 270,
        }
    ]
    # The activity holds the total; each named member holds the time they served.
    assert _rows(village, "SELECT volunteers, minutes FROM activities") == [(3, 270)]
    assert _rows(village, "SELECT member_id, minutes FROM activity_members") == [(2, 90)]


@pytest.mark.parametrize(
    "hours, each",
    [
        ("2", 120),
        ("1.5", 90),
        ("2小时", 120),
        ("90分钟", 90),
        ("1小时30分", 90),
        ("1个半小时", 90),
        ("半小时", 30),
        ("1.5h", 90),
        ("４.35", 261),  # full-width digit; 4.35 * 60 is 260.99999999999997 in floats
        ("2.5分钟", 3),  # half up, not half to even
        ("0.0083", 0),
        ("24", 1440),
    ],
)
def test_hours_as_people_type_them(village, hours, each):
    ok("activity", "add", "--theme", "haircut", "--team", "银色助老", "--volunteers", "2", "--hours", hours)
    assert _rows(village, "SELECT minutes FROM activities") == [(each * 2,)]


def test_totals_never_drift(village):
    ok("activity", "add", "--theme", "环境卫生", "--team", "红色先锋", "--volunteers", "3", "--hours", "4.35")
    ok("activity", "add", "--theme", "环境卫生", "--team", "红色先锋", "--volunteers", "3", "--hours", "0.1")
    ok("activity", "add", "--theme", "环境卫生", "--team", "红色先锋", "--volunteers", "1", "--hours", "20分钟")
    assert [(a["minutes"], a["hours"]) for a in _json("activity", "list")] == [
        (783, "13.05"), (18, "0.3"), (20, "0.33"),
    ]
    table = ok("activity", "list", "--format", "table").stdout
    assert "13.05" in table and "13.049" not in table and "0.30" not in table


def test_volunteers_come_from_the_members_named(village):
    ok("activity", "add", "--theme", "邻里互助", "--team", "橙色公益", "--member", "王凤琴", "--member", "张佳丽",
       "--member", "王凤琴", "--hours", "2")
    (a,) = _json("activity", "list")
    assert (a["volunteers"], a["members"], a["hours"], a["minutes"]) == (2, ["王凤琴", "张佳丽"], "4", 240)
    assert a["date"] == "2024-07-08" and a["served"] is None
    assert _rows(village, "SELECT member_id, minutes FROM activity_members ORDER BY id") == [(1, 120), (3, 120)]


def test_an_activity_without_hours_has_none(village):
    ok("activity", "add", "--theme", "政策宣传", "--team", "红色先锋", "--volunteers", "5", "--served", "100")
    (a,) = _json("activity", "list")
    assert (a["volunteers"], a["served"], a["hours"], a["minutes"]) == (5, 100, "0", 0)
    ok("activity", "add", "--theme", "其他", "--team", "红色先锋")
    assert _json("activity", "list")[1]["volunteers"] == 0


def test_activity_list_in_every_format(village):
    ok(*HAIRCUT)
    table = ok("activity", "list", "--format", "table").stdout
    for word in ("主题", "爱心理发", "小时", "4.5", "平伏桥村/悦湖家园小区", "家门口理发"):
        assert word in table, word
    rows = list(csv.DictReader(io.StringIO(ok("activity", "list", "--format", "csv").stdout)))
    assert [(r["主题"], r["志愿者"], r["服务人数"], r["小时"], r["分钟"]) for r in rows] == [
        ("爱心理发", "3", "20", "4.5", "270")
    ]
    lines = ok("activity", "list", "--format", "jsonl").stdout.splitlines()
    assert [(json.loads(line)["theme"], json.loads(line)["hours"]) for line in lines] == [("haircut", "4.5")]
    assert ok("activity", "list").stdout.splitlines()[0].split("\t")[:4] == ["编号", "日期", "服务队", "主题"]
    english = ok("--lang", "en", "activity", "list").stdout.splitlines()
    assert english[0].split("\t")[:4] == ["id", "date", "team", "theme"] and english[1].split("\t")[3] == "haircut"
    english = ok("--lang", "en", "activity", "list", "--format", "table").stdout
    assert "haircut" in english and "hours" in english


def test_empty_activity_list(village):
    assert ok("activity", "list", "--format", "json").stdout == "[]\n"


def test_activity_filters_combine(village):
    ok(*HAIRCUT)  # 1: 银色助老, haircut, 07-06, 悦湖家园小区
    ok("activity", "add", "--theme", "爱心理发", "--team", "银色助老", "--date", "2024-06-06")  # 2: at the team's place
    ok("activity", "add", "--theme", "反诈宣传", "--team", "蓝色平安", "--date", "2024-07-01", "--place", "48号楼")  # 3
    ok("activity", "add", "--theme", "环境卫生", "--team", "红色先锋", "--date", "2024-05-01")  # 4

    def ids(*args: str) -> list[int]:
        return [a["id"] for a in _json("activity", "list", *args)]

    assert ids() == [4, 2, 3, 1]
    assert ids("--team", "银色助老") == [2, 1]
    assert ids("--theme", "haircut") == [2, 1]
    assert ids("--theme", "爱心理发", "--since", "2024-07-01") == [1]
    assert ids("--place", "悦湖家园小区") == [1]
    assert ids("--place", "平伏桥村", "--until", "2024-06-30") == [4, 2]
    assert ids("--team", "蓝色平安", "--place", "48号楼", "--since", "7月1日", "--until", "7月1日") == [3]
    assert ids("--team", "红色先锋", "--theme", "haircut") == []
    # without a place of its own, an activity is shown at its team's place
    assert _json("activity", "list", "--team", "红色先锋")[0]["place"] == "银川市/金凤区/满城北街街道/平伏桥村"


A = ("activity", "add", "--theme", "爱心理发", "--team", "银色助老")


@pytest.mark.parametrize(
    "args, mentions",
    [
        (("activity", "add", "--theme", "理发", "--team", "银色助老"), ("--theme", "理发")),
        (("activity", "add", "--theme", "爱心理发", "--team", "紫色"), ("--team", "紫色")),
        ((*A, "--date", "2024-02-30"), ("--date", "2024-02-30")),
        ((*A, "--date", "2024-12-01"), ("--date", "2024-12-01", "晚于今天")),
        ((*A, "--place", "北京"), ("--place", "北京")),
        ((*A, "--member", "无名氏"), ("--member", "无名氏")),
        ((*A, "--title", " "), ("--title", "不能为空")),
        ((*A, "--volunteers", "-1"), ("--volunteers", "-1")),
        ((*A, "--volunteers", "100000"), ("--volunteers", "100000")),
        ((*A, "--served", "-5"), ("--served", "-5")),
        ((*A, "--served", "99999999999"), ("--served", "99999999999")),
        ((*A, "--volunteers", "2", "--hours", "-1"), ("--hours", "-1", "负")),
        ((*A, "--volunteers", "2", "--hours", "nan"), ("--hours", "nan")),
        ((*A, "--volunteers", "2", "--hours", "inf"), ("--hours", "inf")),
        ((*A, "--volunteers", "2", "--hours", "25"), ("--hours", "25", "24")),
        ((*A, "--volunteers", "2", "--hours", "1441分钟"), ("--hours", "1441分钟")),
        ((*A, "--volunteers", "2", "--hours", "1e3"), ("--hours", "1e3")),
        ((*A, "--volunteers", "2", "--hours", "两个钟"), ("--hours", "两个钟")),
        ((*A, "--volunteers", "2", "--hours", "1 30"), ("--hours", "1 30")),
        ((*A, "--volunteers", "1", "--member", "王玉兰", "--member", "王凤琴"), ("--volunteers", "1")),
        ((*A, "--hours", "2"), ("--hours", "2", "--volunteers")),
        (("activity", "list", "--theme", "唱歌"), ("--theme", "唱歌")),
        (("activity", "list", "--team", "紫色"), ("--team", "紫色")),
        (("activity", "list", "--place", "北京"), ("--place", "北京")),
        (("activity", "list", "--until", "昨天", "--since", "今天"), ("--until", "昨天")),
        (("activity", "list", "--since", "7月32日"), ("--since", "7月32日")),
    ],
)
def test_bad_activity_value_is_refused_and_nothing_written(village, args, mentions):
    rejected(village, *args, mentions=mentions)


def test_activity_bad_fields_are_reported_together(village):
    line = rejected(village, *A, "--volunteers", "-1", "--hours", "abc", "--served", "-2")
    assert "--volunteers" in line and "--hours" in line and "--served" in line


# --- the hours parser, as properties ------------------------------------------------------------


@given(st.integers(min_value=0, max_value=1440))
def test_shown_hours_are_exact_for_every_twentieth_of_an_hour(minutes):
    shown = show_hours(minutes)
    assert "e" not in shown.lower() and not shown.endswith(".")
    assert not ("." in shown and shown.endswith("0"))  # no trailing zeros: 4.5, not 4.50
    if minutes % 3 == 0:
        assert Decimal(shown) * 60 == minutes
        assert parse_hours(shown) == minutes
    else:
        assert abs(Decimal(shown) * 60 - minutes) <= Decimal("0.3")


@given(st.decimals(min_value=0, max_value=24, places=4, allow_nan=False, allow_infinity=False))
def test_hours_round_half_up_to_whole_minutes(hours):
    expected = int((hours * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert parse_hours(f"{hours:f}") == expected
    assert parse_hours(f"{hours:f}小时") == expected


@given(st.text(max_size=20))
def test_any_text_is_minutes_or_a_one_line_refusal(text):
    try:
        minutes = parse_hours(text)
    except InvalidValue as e:
        assert e.field == "--hours" and "\n" not in str(e).replace(text, "")
    else:
        assert isinstance(minutes, int) and 0 <= minutes <= 1440
