"""Every bad value: one line naming the field and the value, exit 1, nothing written."""

import pytest
from conftest import rejected, run


@pytest.mark.parametrize(
    "args, mentions",
    [
        (("place", "add", ""), ("PATH",)),
        (("place", "add", "银川市//金凤区"), ("PATH", "银川市//金凤区")),
        (("place", "add", "新村", "--level", "省"), ("--level", "省")),
        (("place", "list", "--place", "北京"), ("--place", "北京")),
        (("place", "tree", "--place", "北京"), ("--place", "北京")),
        (("unit", "add", "派出所", "--kind", "机关"), ("--kind", "机关")),
        (("unit", "add", " "), ("NAME",)),
        (("unit", "add", "司法所", "--place", "北京"), ("--place", "北京")),
        (("team", "add", "", "--place", "平伏桥村"), ("NAME",)),
        (("team", "add", "新队", "--place", "不存在的村"), ("--place", "不存在的村")),
        (("team", "add", "新队", "--place", "平伏桥村", "--line", "紫色"), ("--line", "紫色")),
        (("team", "add", "新队", "--place", "平伏桥村", "--founded", "2024-02-30"), ("--founded", "2024-02-30")),
        (("team", "add", "新队", "--place", "平伏桥村", "--leader", "无名氏"), ("--leader", "无名氏")),
        (("team", "add", "“橙色公益”志愿服务队", "--place", "平伏桥村"), ("NAME", "橙色公益")),
        (("team", "show", "紫色"), ("TEAM", "紫色")),
        (("team", "list", "--place", "北京"), ("--place", "北京")),
        (("member", "add", ""), ("NAME",)),
        (("member", "add", "王五", "--team", "紫色"), ("--team", "紫色")),
        (("member", "add", "王五", "--role", "厨师"), ("--role", "厨师")),
        (("member", "add", "王五", "--phone", "12ab"), ("--phone", "“****”")),  # masked: it may be a phone
        (("member", "add", "王五", "--joined", "2023-13-01"), ("--joined", "2023-13-01")),
        (("member", "add", "王\x07五"), ("NAME",)),
        (("member", "list", "--role", "厨师"), ("--role", "厨师")),
        (("member", "list", "--team", "紫色"), ("--team", "紫色")),
        (("member", "show", "无名氏"), ("MEMBER", "无名氏")),
        (("member", "join", "王凤琴", "--team", "橙色公益"), ("已在",)),
        (("member", "join", "王凤琴", "--team", "紫色"), ("--team", "紫色")),
        (("member", "join", "王凤琴", "--team", "红色先锋", "--date", "2024-02-30"), ("--date", "2024-02-30")),
        (("member", "leave", "王凤琴", "--team", "红色先锋"), ("不在",)),
        (("member", "leave", "王凤琴", "--team", "橙色公益", "--date", "2020-01-01"), ("--date", "2020-01-01")),
        (("member", "leave", "无名氏", "--team", "橙色公益"), ("MEMBER", "无名氏")),
        (("resident", "add", "", "--place", "平伏桥村"), ("NAME",)),
        (("resident", "add", "张三", "--place", "北京"), ("--place", "北京")),
        (("resident", "add", "张三", "--place", "平伏桥村", "--tag", "富裕"), ("--tag", "富裕")),
        (("resident", "add", "张三", "--place", "平伏桥村", "--born", "1850"), ("--born", "1850")),
        (("resident", "add", "张三", "--place", "平伏桥村", "--born", "明年"), ("--born", "明年")),
        (("resident", "add", "张三", "--place", "平伏桥村", "--born", "2030"), ("--born",)),
        (("resident", "add", "张三", "--place", "平伏桥村", "--every", "0d"), ("--every", "0d")),
        (("resident", "add", "张三", "--place", "平伏桥村", "--phone", "110"), ("--phone", "“***”")),
        (("resident", "add", "张三", "--place", "平伏桥村", "--consent", "邻居"), ("--consent", "邻居")),
        (("resident", "add", "张" * 51, "--place", "平伏桥村"), ("NAME",)),
        (("resident", "list", "--tag", "富裕"), ("--tag", "富裕")),
        (("resident", "show", "无名氏"), ("RESIDENT", "无名氏")),
        (("void", "wizard", "1", "--reason", "x"), ("TABLE", "wizard")),
        (("void", "resident", "99", "--reason", "x"), ("ID", "99")),
        (("void", "resident", "1", "--reason", " "), ("--reason",)),
        (("--today", "2024-02-30", "place", "list"), ("--today", "2024-02-30")),
    ],
)
def test_bad_value_is_refused_and_nothing_written(village, args, mentions):
    rejected(village, *args, mentions=mentions)


def test_two_bad_fields_are_reported_together(village):
    line = rejected(village, "member", "add", "", "--phone", "abc")
    assert "NAME" in line and "--phone" in line


def test_usage_errors_exit_2(village):
    result = run("member", "list", "--format", "xml")
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    result = run("void", "resident", "abc", "--reason", "x")
    assert result.exit_code == 2
