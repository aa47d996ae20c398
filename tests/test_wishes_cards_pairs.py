"""wish, card and pair: the 金色成长 微心愿, the 爱心理发卡, an 爱心妈妈 pairing — and every refused value."""

import csv
import io
import json

import pytest
from conftest import ok, rejected

CHILDREN = ("小花", "小雨", "小军", "小丽", "小明", "小芳")


def _json(*args: str) -> list[dict]:
    return json.loads(ok(*args, "--format", "json").stdout)


@pytest.fixture
def children(village):
    """Six children in difficulty, registered with their guardians' consent, each with a wish listed on 7月1日."""
    for i, name in enumerate(CHILDREN):
        ok("resident", "add", name, "--place", "平伏桥村", "--born", str(2012 + i), "--tag", "困境儿童",
           "--consent", "监护人", "--guardian", "监护人" + name)
        ok("wish", "add", "--resident", name, f"想要{i + 1}本课外书", "--date", "7月1日")
    return village


# --- wishes ------------------------------------------------------------------------------------


def test_six_wishes_claimed_by_the_loving_mothers(children):
    for wish_id in range(1, 7):
        result = ok("wish", "claim", str(wish_id), "--member", "张佳丽", "--date", "7月5日")
        assert result.stdout == "" and result.stderr == f"张佳丽 于 2024-07-05 认领了微心愿 #{wish_id}\n"
    claimed = _json("wish", "list", "--state", "claimed")
    assert len(claimed) == 6
    assert claimed[0] == {
        "id": 1, "resident": "小*", "text": "想要1本课外书", "state": "claimed", "listed": "2024-07-01",
        "member": "张佳丽", "claimed": "2024-07-05", "fulfilled": None,
    }
    assert _json("wish", "list", "--state", "待认领") == []
    assert [w["resident"] for w in _json("wish", "list", "--with-pii")] == list(CHILDREN)


def test_a_wish_goes_listed_claimed_fulfilled(village):
    result = ok("wish", "add", "--resident", "丁学志", "想有人陪着下象棋", "--date", "2024-07-01")
    assert result.stdout == "1\n" and "#1" in result.stderr
    assert [w["state"] for w in _json("wish", "list")] == ["listed"]
    ok("wish", "claim", "1", "--member", "王凤琴", "--date", "2024-07-01")  # the same day is fine
    ok("wish", "fulfil", "1")
    (w,) = _json("wish", "list", "--state", "已实现")
    assert (w["state"], w["claimed"], w["fulfilled"], w["member"]) == (
        "fulfilled", "2024-07-01", "2024-07-08", "王凤琴",
    )


def test_wish_list_in_every_format_and_filters_combine(children):
    ok("wish", "claim", "1", "--member", "张佳丽", "--date", "7月5日")
    ok("wish", "claim", "2", "--member", "王凤琴", "--date", "7月5日")
    ok("wish", "fulfil", "2", "--date", "7月6日")
    table = ok("wish", "list", "--format", "table").stdout
    for word in ("心愿", "认领人", "待认领", "已认领", "已实现", "小*"):
        assert word in table, word
    assert "小花" not in table
    assert "小花" in ok("wish", "list", "--with-pii", "--format", "table").stdout
    rows = list(csv.DictReader(io.StringIO(ok("wish", "list", "--format", "csv").stdout)))
    assert [r["状态"] for r in rows] == [  # words, for people
        "已认领", "已实现", "待认领", "待认领", "待认领", "待认领"]
    assert rows[1]["实现"] == "2024-07-06" and rows[2]["认领人"] == ""
    assert [w["state"] for w in _json("wish", "list")] == [  # slugs, for programs
        "claimed", "fulfilled", "listed", "listed", "listed", "listed"]
    assert [json.loads(x)["id"] for x in ok("wish", "list", "--format", "jsonl").stdout.splitlines()] == [
        1, 2, 3, 4, 5, 6,
    ]
    assert [w["id"] for w in _json("wish", "list", "--member", "张佳丽")] == [1]
    assert [w["id"] for w in _json("wish", "list", "--state", "listed", "--resident", "小军")] == [3]
    assert _json("wish", "list", "--state", "claimed", "--member", "王凤琴") == []
    assert "claimed by" in ok("--lang", "en", "wish", "list", "--format", "table").stdout


@pytest.mark.parametrize(
    "args, mentions",
    [
        (("wish", "add", "--resident", "小花", " "), ("TEXT", "不能为空")),
        (("wish", "add", "--resident", "小花", "书" * 501), ("TEXT", "500")),
        (("wish", "add", "--resident", "无名氏", "一个书包"), ("--resident", "无名氏")),
        (("wish", "add", "--resident", "小花", "一个书包", "--date", "2024-02-30"), ("--date", "2024-02-30")),
        (("wish", "add", "--resident", "小花", "一个书包", "--date", "后天"), ("--date", "2024-07-10", "晚于今天")),
        (("wish", "claim", "99", "--member", "张佳丽"), ("ID", "99")),
        (("wish", "claim", "9" * 30, "--member", "张佳丽"), ("ID", "9" * 30)),
        (("wish", "fulfil", "0"), ("ID", "0")),
        (("wish", "claim", "1", "--member", "无名氏"), ("--member", "无名氏")),
        (("wish", "claim", "1", "--member", "张佳丽", "--date", "2024-06-30"), ("--date", "2024-06-30", "2024-07-01")),
        (("wish", "claim", "1", "--member", "张佳丽", "--date", "2024-07-09"), ("--date", "2024-07-09")),
        (("wish", "claim", "1", "--member", "张佳丽", "--date", "7月"), ("--date", "7月")),
        (("wish", "claim", "1", "--member", "张佳丽", "--date", "2024-04-31"), ("--date", "2024-04-31")),
        (("wish", "claim", "1", "--member", " "), ("--member", "不能为空")),
        (("wish", "fulfil", "1", "--date", "2024-02-30"), ("--date", "2024-02-30")),
        (("wish", "fulfil", "1"), ("#1", "还没有人认领")),
        (("wish", "fulfil", "99"), ("ID", "99")),
        (("wish", "list", "--state", "done"), ("--state", "done")),
        (("wish", "list", "--resident", "无名氏"), ("--resident", "无名氏")),
        (("wish", "list", "--member", "无名氏"), ("--member", "无名氏")),
    ],
)
def test_bad_wish_value_is_refused_and_nothing_written(children, args, mentions):
    rejected(children, *args, mentions=mentions)


def test_forbidden_wish_transitions(children):
    ok("wish", "claim", "1", "--member", "张佳丽", "--date", "7月5日")
    rejected(children, "wish", "claim", "1", "--member", "王凤琴", mentions=("#1", "已由 张佳丽", "2024-07-05"))
    rejected(children, "wish", "fulfil", "1", "--date", "7月4日", mentions=("--date", "2024-07-04", "2024-07-05"))
    # 7月9日 without a year is the most recent past one: 2023-07-09, before the claim
    rejected(children, "wish", "fulfil", "1", "--date", "7月9日", mentions=("--date", "2023-07-09", "早于认领日期"))
    ok("wish", "fulfil", "1", "--date", "7月6日")
    rejected(children, "wish", "fulfil", "1", mentions=("#1", "已于 2024-07-06 实现"))
    rejected(children, "wish", "claim", "1", "--member", "王凤琴", mentions=("#1", "已于 2024-07-06 实现"))
    ok("void", "wish", "2", "--reason", "重复登记")
    rejected(children, "wish", "claim", "2", "--member", "张佳丽", mentions=("ID", "2"))
    assert [w["id"] for w in _json("wish", "list")] == [1, 3, 4, 5, 6]


# --- cards -------------------------------------------------------------------------------------


def test_love_haircut_cards_are_numbered(village):
    ok("resident", "add", "韩桂英", "--place", "悦湖家园小区", "--born", "1941")
    first = ok("card", "issue", "--resident", "韩桂英", "--kind", "爱心理发卡", "--date", "2024-06-01")
    assert first.stdout == "1\n" and first.stderr == "已办理爱心理发卡 #1，卡号 0001\n"
    assert "卡号 0002" in ok("card", "issue", "--resident", "丁学志", "--kind", "爱心理发卡").stderr
    ok("card", "issue", "--resident", "李增友", "--kind", "爱心理发卡", "--no", "0286")
    assert "卡号 0287" in ok("card", "issue", "--resident", "丁学志", "--kind", "爱心理发卡").stderr
    ok("card", "issue", "--resident", "李增友", "--kind", "助餐卡")  # numbers run per kind
    ok("card", "issue", "--resident", "李增友", "--kind", "助餐卡", "--no", "JF-7")  # not a plain number
    assert "卡号 0002" in ok("card", "issue", "--resident", "韩桂英", "--kind", "助餐卡").stderr
    rows = _json("card", "list")
    assert [(c["kind"], c["no"], c["resident"], c["date"]) for c in rows] == [
        ("爱心理发卡", "0001", "韩*英", "2024-06-01"),
        ("爱心理发卡", "0002", "丁*志", "2024-07-08"),
        ("爱心理发卡", "0286", "李*友", "2024-07-08"),
        ("爱心理发卡", "0287", "丁*志", "2024-07-08"),
        ("助餐卡", "0001", "李*友", "2024-07-08"),
        ("助餐卡", "JF-7", "李*友", "2024-07-08"),
        ("助餐卡", "0002", "韩*英", "2024-07-08"),
    ]


def test_card_numbers_are_never_reused(village):
    ok("card", "issue", "--resident", "丁学志", "--kind", "爱心理发卡", "--no", "12")
    rejected(village, "card", "issue", "--resident", "李增友", "--kind", "爱心理发卡", "--no", "12",
             mentions=("--no", "12"))
    rejected(village, "card", "issue", "--resident", "李增友", "--kind", "爱心理发卡", "--no", "0012",
             mentions=("--no", "0012", "#1"))
    ok("card", "issue", "--resident", "李增友", "--kind", "助餐卡", "--no", "12")  # another kind
    ok("void", "card", "1", "--reason", "卡丢失")
    rejected(village, "card", "issue", "--resident", "李增友", "--kind", "爱心理发卡", "--no", "12",
             mentions=("--no", "12", "已作废"))
    assert "卡号 0013" in ok("card", "issue", "--resident", "丁学志", "--kind", "爱心理发卡").stderr
    assert [c["id"] for c in _json("card", "list")] == [2, 3]


def test_card_list_in_every_format_and_filters_combine(village):
    ok("card", "issue", "--resident", "丁学志", "--kind", "爱心理发卡")
    ok("card", "issue", "--resident", "李增友", "--kind", "爱心理发卡")
    ok("card", "issue", "--resident", "李增友", "--kind", "助餐卡")
    table = ok("card", "list", "--format", "table").stdout
    for word in ("卡种", "卡号", "爱心理发卡", "0001", "丁*志"):
        assert word in table, word
    assert "丁学志" in ok("card", "list", "--with-pii", "--format", "table").stdout
    rows = list(csv.DictReader(io.StringIO(ok("card", "list", "--format", "csv").stdout)))
    assert [(r["卡种"], r["卡号"]) for r in rows] == [
        ("爱心理发卡", "0001"), ("爱心理发卡", "0002"), ("助餐卡", "0001")]
    assert [json.loads(x)["resident"] for x in ok("card", "list", "--format", "jsonl").stdout.splitlines()] == [
        "丁*志", "李*友", "李*友",
    ]
    assert [c["id"] for c in _json("card", "list", "--kind", "爱心理发卡")] == [1, 2]
    assert [c["id"] for c in _json("card", "list", "--resident", "李增友")] == [2, 3]
    assert [c["id"] for c in _json("card", "list", "--kind", "助餐卡", "--resident", "李增友")] == [3]
    assert _json("card", "list", "--kind", "助餐卡", "--resident", "丁学志") == []
    assert ok("card", "list", "--kind", "没有的卡", "--format", "json").stdout == "[]\n"


@pytest.mark.parametrize(
    "args, mentions",
    [
        (("card", "issue", "--resident", "无名氏", "--kind", "爱心理发卡"), ("--resident", "无名氏")),
        (("card", "issue", "--resident", "丁学志", "--kind", " "), ("--kind", "不能为空")),
        (("card", "issue", "--resident", "丁学志", "--kind", "卡" * 51), ("--kind", "50")),
        (("card", "issue", "--resident", "丁学志", "--kind", "爱心理发卡", "--no", ""), ("--no", "不能为空")),
        (("card", "issue", "--resident", "丁学志", "--kind", "爱心理发卡", "--no", "1\t2"), ("--no",)),
        (("card", "issue", "--resident", "丁学志", "--kind", "爱心理发卡", "--no", "9" * 51), ("--no", "50")),
        (("card", "issue", "--resident", "丁学志", "--kind", "爱心理发卡", "--date", "2024-02-30"),
         ("--date", "2024-02-30")),
        (("card", "issue", "--resident", "丁学志", "--kind", "爱心理发卡", "--date", "2025-01-01"),
         ("--date", "2025-01-01")),
        (("card", "list", "--resident", "无名氏"), ("--resident", "无名氏")),
    ],
)
def test_bad_card_value_is_refused_and_nothing_written(village, args, mentions):
    rejected(village, *args, mentions=mentions)


# --- pairings ----------------------------------------------------------------------------------


def test_a_loving_mother_pairs_with_a_child(children):
    result = ok("pair", "add", "--member", "张佳丽", "--resident", "小花", "--since", "7月5日", "--note", "爱心妈妈")
    assert result.stdout == "1\n" and result.stderr == "已结对 #1：张佳丽 自 2024-07-05 起\n"
    assert _json("pair", "list") == [
        {"id": 1, "member": "张佳丽", "resident": "小*", "since": "2024-07-05", "until": None, "note": "爱心妈妈"}
    ]
    rejected(children, "pair", "add", "--member", "张佳丽", "--resident", "小花",
             mentions=("张佳丽", "小花", "已结对", "#1"))
    ok("pair", "add", "--member", "张佳丽", "--resident", "小雨")  # another child is fine
    ok("pair", "add", "--member", "王凤琴", "--resident", "小花")  # and another mother
    ok("void", "pair", "1", "--reason", "录错日期")
    ok("pair", "add", "--member", "张佳丽", "--resident", "小花", "--since", "7月6日")  # the void one no longer counts
    assert [(p["id"], p["since"]) for p in _json("pair", "list", "--member", "张佳丽")] == [
        (2, "2024-07-08"), (4, "2024-07-06"),
    ]


def test_pair_list_in_every_format_and_filters_combine(children):
    ok("pair", "add", "--member", "张佳丽", "--resident", "小花", "--note", "爱心妈妈")
    ok("pair", "add", "--member", "张佳丽", "--resident", "小雨")
    ok("pair", "add", "--member", "王凤琴", "--resident", "小花")
    table = ok("pair", "list", "--format", "table").stdout
    for word in ("结对日期", "张佳丽", "小*", "爱心妈妈"):
        assert word in table, word
    assert "小雨" not in table and "小雨" in ok("pair", "list", "--with-pii", "--format", "table").stdout
    rows = list(csv.DictReader(io.StringIO(ok("pair", "list", "--format", "csv").stdout)))
    assert [(r["队员"], r["居民"], r["结束"]) for r in rows] == [
        ("张佳丽", "小*", ""), ("张佳丽", "小*", ""), ("王凤琴", "小*", ""),
    ]
    assert len(ok("pair", "list", "--format", "jsonl").stdout.splitlines()) == 3
    assert [p["id"] for p in _json("pair", "list", "--resident", "小花")] == [1, 3]
    assert [p["id"] for p in _json("pair", "list", "--member", "张佳丽", "--resident", "小花")] == [1]
    assert _json("pair", "list", "--member", "王玉兰") == []


@pytest.mark.parametrize(
    "args, mentions",
    [
        (("pair", "add", "--member", "无名氏", "--resident", "小花"), ("--member", "无名氏")),
        (("pair", "add", "--member", "张佳丽", "--resident", "无名氏"), ("--resident", "无名氏")),
        (("pair", "add", "--member", "张佳丽", "--resident", "小花", "--since", "2024-02-30"),
         ("--since", "2024-02-30")),
        (("pair", "add", "--member", "张佳丽", "--resident", "小花", "--since", "2024-07-09"),
         ("--since", "2024-07-09", "晚于今天")),
        (("pair", "add", "--member", "张佳丽", "--resident", "小花", "--note", " "), ("--note", "不能为空")),
        (("pair", "list", "--member", "无名氏"), ("--member", "无名氏")),
        (("pair", "list", "--resident", "无名氏"), ("--resident", "无名氏")),
    ],
)
def test_bad_pairing_value_is_refused_and_nothing_written(children, args, mentions):
    rejected(children, *args, mentions=mentions)


@pytest.mark.parametrize("command", [("wish", "list"), ("card", "list"), ("pair", "list")])
def test_empty_lists_print_an_empty_array(village, command):
    assert ok(*command, "--format", "json").stdout == "[]\n"
