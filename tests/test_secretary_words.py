"""Issue 26: the secretary's own words — dates as she says them."""

import datetime as dt

import pytest

from huidesk.domain.dates import parse_date, parse_datetime, zone

WEDNESDAY = dt.date(2024, 7, 10)


@pytest.mark.parametrize("said, day", [
    ("周五", "2024-07-05"), ("星期五", "2024-07-05"), ("礼拜五", "2024-07-05"), ("周5", "2024-07-05"),
    ("周三", "2024-07-10"),  # today is a Wednesday: the most recent one is today
    ("上周五", "2024-07-05"), ("上个星期一", "2024-07-01"), ("上周日", "2024-07-07"),
    ("本周一", "2024-07-08"), ("这周日", "2024-07-14"), ("礼拜天", "2024-07-07"),
    ("12.1", "2023-12-01"), ("7.1", "2024-07-01"), ("12月1号", "2023-12-01"), ("2024.7.1", "2024-07-01"),
])
def test_a_day_as_she_says_it(said, day):
    assert parse_date(said, WEDNESDAY).isoformat() == day


def test_a_weekday_with_a_time():
    now = dt.datetime(2024, 7, 10, 12, tzinfo=zone())
    assert parse_datetime("周一上午9点", now).isoformat() == "2024-07-08T09:00:00+08:00"
    assert parse_datetime("前天下午3点", now).isoformat() == "2024-07-08T15:00:00+08:00"
    assert parse_datetime("7.8 14:30", now).isoformat() == "2024-07-08T14:30:00+08:00"


@pytest.mark.parametrize("said", ["周八", "12.32", "13.1", "上上周五x"])
def test_what_is_not_a_day_is_refused(said):
    from huidesk.domain.errors import InvalidValue

    with pytest.raises(InvalidValue):
        parse_date(said, WEDNESDAY)


# --- commands in her words ------------------------------------------------------------------------

from conftest import ok, run  # noqa: E402


def test_every_command_has_a_chinese_name_that_runs_it(db):
    ok("走访", "--help")
    assert "用法：root visit add" in ok("走访", "登记", "--help").stdout
    assert "用法：root report monthly" in ok("报表", "月报", "--help").stdout
    assert "用法：root issue resolve" in ok("诉求", "办结", "--help").stdout
    assert "用法：root card issue" in ok("服务卡", "办理", "--help").stdout
    ok("地点", "添加", "银川市/金凤区/满城北街街道/平伏桥村/48号楼")
    assert "48号楼" in ok("地点", "列表").stdout


def test_every_registered_command_and_subcommand_has_a_chinese_name():
    import importlib

    import typer.main

    from huidesk.cli import COMMANDS
    from huidesk.domain.command_names import chinese

    for name, (module, attr, help_attr) in COMMANDS.items():
        assert chinese(name), name
        if help_attr is None:
            group = typer.main.get_group(getattr(importlib.import_module(f"huidesk.commands.{module}"), attr))
            for sub in group.commands:
                assert chinese(sub, name), (name, sub)


def test_a_word_that_is_no_command_gets_the_nearest_in_both_languages(db):
    result = run("走方")
    assert result.exit_code == 2 and result.stderr == "错误：没有命令“走方”（是不是 visit（走访）？）\n"
    result = run("诉求", "半结", "1")
    assert result.exit_code == 2 and "resolve（办结）" in result.stderr


def test_help_and_global_options_after_the_command(db, tmp_path):
    assert ok("help").stdout == ok("--help").stdout
    assert ok("帮助", "visit").stdout == ok("visit", "--help").stdout
    quiet = run("init", "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    other = tmp_path / "other.db"
    ok("init", "--db", str(other), "--name", "平伏桥村")
    assert other.exists()


# --- names as she types them ------------------------------------------------------------------------

def _village():
    ok("init", "--name", "平伏桥村", "--place", "银川市/金凤区/满城北街街道/平伏桥村")
    ok("place", "add", "48号楼")
    ok("member", "add", "王凤琴")
    ok("team", "add", "“橙色公益”志愿服务队", "--place", "平伏桥村", "--leader", "王凤琴")
    ok("resident", "add", "丁学志", "--place", "48")  # 48 is 48号楼, not the place of id 48


def test_a_buildings_number_alone_finds_the_building(db):
    _village()
    assert "48号楼" in ok("resident", "list", "--format", "json").stdout


@pytest.mark.parametrize("typed", ["csgy", "chengse", "CSGY"])
def test_a_team_typed_in_pinyin_is_found(db, typed):
    _village()
    ok("visit", "add", "丁学志", "--team", typed)


@pytest.mark.parametrize("typed, meant", [
    ("橙色工益", "“橙色公益”志愿服务队"),  # a homophone typo
    ("丁雪志", "丁*志"),  # a resident: suggested masked, as a listing shows them
])
def test_a_typo_gets_the_nearest_names(db, typed, meant):
    _village()
    team = "橙" in typed
    result = run("visit", "add", "丁学志" if team else typed, "--team", typed if team else "橙色")
    assert result.exit_code == 1 and "相近的有" in result.stderr and meant in result.stderr, result.stderr
    assert "丁学志" not in result.stderr


def test_an_undone_import_imported_again_brings_its_rows_back(db, tmp_path):
    """Undo an import, then import the same file: the people come back (restored), said plainly; a record
    voided for a reason of its own stays void."""
    import json

    _village()
    ok("resident", "add", "李增友", "--place", "48")
    exported = tmp_path / "r.jsonl"
    exported.write_text(ok("export", "residents", "--format", "jsonl", "--with-pii").stdout, encoding="utf-8")
    other = tmp_path / "other.db"
    ok("--db", str(other), "init", "--name", "平伏桥村", "--place", "银川市/金凤区/满城北街街道/平伏桥村")
    ok("--db", str(other), "place", "add", "48号楼")
    ok("--db", str(other), "import", "residents", str(exported))
    assert "作废：居民#1 居民#2" in ok("--db", str(other), "undo").stderr
    again = ok("--db", str(other), "import", "residents", str(exported))
    assert "新增 0 条，恢复 2 条（撤销后再导入），跳过 0 条" in again.stderr
    names = [r["name"] for r in json.loads(ok("--db", str(other), "resident", "list", "--format", "json").stdout)]
    assert len(names) == 2
    ok("--db", str(other), "void", "residents", "2", "--reason", "搬走")
    assert "跳过 2 条" in ok("--db", str(other), "import", "residents", str(exported)).stderr
    assert "账本完好" in ok("--db", str(other), "check").stdout


def test_the_log_and_undo_say_commands_in_her_words(db, tmp_path):
    """The screen's log names each command as she types it (走访 登记, 导入 居民, 示例); undo says what it undid
    so; json, tsv and English keep the journal's own words (the hash covers them)."""
    import json

    _village()
    ok("visit", "add", "丁学志", "--team", "橙色公益")
    ok("setting", "set", "repeat_days", "5")
    table = ok("log", "--format", "table").stdout
    assert "走访 登记" in table and "设置 设定" in table and "visit add" not in table, table
    assert json.loads(ok("log", "--format", "json").stdout)[0]["command"] == "setting set"
    assert "visit add" in ok("log", "--format", "tsv").stdout
    assert "visit add" in ok("--lang", "en", "log", "--format", "table").stdout
    refused = run("undo")
    assert refused.exit_code == 1 and "上一条命令（设置 设定）修改了记录" in refused.stderr, refused.stderr
    rows = tmp_path / "r.csv"
    rows.write_text("姓名,住址\n李增友,48号楼\n", encoding="utf-8")
    ok("import", "residents", str(rows))
    assert "已撤销“导入 居民”" in ok("undo").stderr


def test_every_missing_option_is_named_in_one_line(db):
    result = run("issue", "open", "下水道堵塞")
    assert result.exit_code == 2 and result.stderr == "错误：缺少选项 --kind、--source、--place\n"
    result = run("visit", "add")
    assert result.stderr == "错误：缺少参数 RESIDENT...；缺少选项 --team\n"


@pytest.mark.parametrize("columns", [60, 80])
def test_messages_and_errors_wrap_at_the_terminals_width(db, columns):
    from rich.cells import cell_len
    from test_screen import on_terminal

    _village()
    for args in (["check"], ["visit", "add", "丁雪志", "--team", "橙色工益"], ["issue", "open", "漏水"]):
        lines = on_terminal(db, tuple(args), columns, succeeds=False)
        assert lines and all(cell_len(line) <= columns for line in lines), lines
    piped = run("visit", "add", "丁雪志", "--team", "橙色工益")
    assert len(piped.stderr.splitlines()) == 1  # a pipe, a file, cron's mail: one line


def test_help_lists_each_command_with_its_chinese_name():
    assert "visit 走访" in ok("--help").stdout and "add 登记" in ok("visit", "--help").stdout
    assert "visit 走访" not in ok("--lang", "en", "--help").stdout


# --- one rule for volunteers' names -------------------------------------------------------------------

def test_a_volunteer_is_named_in_full_everywhere_and_a_resident_masked(village):
    """Members sign certificates and are named in the paper: their names in full in the roster, the visit and
    activity lists and the exports, their phones masked; residents' names stay masked (privacy.MASKED)."""
    import json

    ok("visit", "add", "丁学志", "--team", "橙色公益", "--member", "王凤琴", "--date", "2024-07-01", "--hours", "1")
    ok("activity", "add", "--theme", "爱心理发", "--team", "橙色公益", "--date", "2024-07-02", "--member", "王凤琴",
       "--hours", "2")
    roster = json.loads(ok("report", "roster", "--format", "json").stdout)["rows"]
    assert "王凤琴" in [r["name"] for r in roster] and "王*琴" not in ok("report", "roster").stdout
    [visit] = json.loads(ok("visit", "list", "--format", "json").stdout)
    assert visit["members"] == ["王凤琴"] and visit["residents"] == ["丁*志"]
    [activity] = json.loads(ok("activity", "list", "--format", "json").stdout)
    assert activity["members"] == ["王凤琴"]
    members = {m["name"]: m for m in json.loads(ok("export", "members", "--format", "json").stdout)}
    assert members["王凤琴"]["phone"] == "138****1111"
    listed = {m["name"]: m for m in json.loads(ok("member", "list", "--format", "json").stdout)}
    assert listed["王凤琴"]["phone"] == "138****1111"
    [exported] = json.loads(ok("export", "visits", "--format", "json").stdout)
    assert exported["members"] == ["王凤琴"] and "丁学志" not in json.dumps(exported, ensure_ascii=False)
    residents = [r["name"] for r in json.loads(ok("export", "residents", "--format", "json").stdout)]
    assert sorted(residents) == ["丁*志", "李*友"]
    with_pii = json.loads(ok("export", "members", "--format", "json", "--with-pii").stdout)
    assert {m["name"]: m["phone"] for m in with_pii}["王凤琴"] == "13800001111"


def test_the_masking_rule_is_one_table():
    from huidesk.domain.privacy import MASKED, shown, shown_row

    assert shown("member", "name", "王凤琴") == "王凤琴" and shown("resident", "name", "丁学志") == "丁*志"
    assert shown_row("member", {"name": "王凤琴", "phone": "13800001111"}) == {"name": "王凤琴", "phone": "138****1111"}
    assert shown("resident", "phone", "13912345678", with_pii=True) == "13912345678"
    assert set(MASKED) == {"resident", "member"}


# --- completion in her words --------------------------------------------------------------------------

def _completed(*words: str, lang: str | None = None) -> list[str]:
    """What the shell's completion offers after `huidesk WORDS` (the last word is the one being typed)."""
    from typer.testing import CliRunner

    from huidesk.cli import app

    env = {"_HUIDESK_COMPLETE": "complete_bash", "COMP_WORDS": " ".join(("huidesk", *words)),
           "COMP_CWORD": str(len(words))}
    if lang:
        env["HUIDESK_LANG"] = lang
    result = CliRunner().invoke(app, [], prog_name="huidesk", env=env)
    assert result.exit_code == 0 and result.stderr == "", result.stderr
    return result.stdout.split()


def test_completion_offers_the_chinese_names():
    assert _completed("走") == ["走访"]
    assert _completed("诉求", "办") == ["办结"]
    assert _completed("visit", "") == ["add", "登记", "list", "列表"]
    assert _completed("走访", "") == ["add", "登记", "list", "列表"]  # a group typed in Chinese completes too
    assert {"visit", "走访", "report", "报表"} <= set(_completed(""))
    assert _completed("vi") == ["visit"]


def test_completion_in_english_offers_english_unless_chinese_is_typed():
    assert _completed("visit", "", lang="en") == ["add", "list"]
    assert _completed("走", lang="en") == ["走访"]


# --- limits as she says them --------------------------------------------------------------------------

@pytest.mark.parametrize("said, meant", [
    ("三天", "3d"), ("两天", "2d"), ("十天", "10d"), ("三个工作日", "3wd"), ("3个工作日", "3wd"),
    ("两个工作日", "2wd"), ("四十八小时", "48h"), ("一百天", "100d"),
])
def test_a_limit_said_in_chinese_numerals(said, meant):
    from huidesk.domain.calendar import parse_limit

    assert parse_limit(said) == parse_limit(meant)


@pytest.mark.parametrize("said", ["一二天", "零天", "三百六十六天", "三周x", "十二月一日"])
def test_what_is_no_limit_is_refused(said):
    from huidesk.domain.calendar import parse_limit
    from huidesk.domain.errors import InvalidValue

    with pytest.raises(InvalidValue):
        parse_limit(said)


def test_due_and_extend_take_chinese_numerals(db):
    """`issue open --due 三天` is the deadline `--due 3d` gives; `issue extend --by 两个工作日` moves it as
    `--by 2工作日` does; a numeral that names no number is refused in one line, nothing written."""
    import json

    from conftest import rejected

    _village()
    opened = ("issue", "open", "楼道灯不亮", "--kind", "民生问题", "--source", "巡查", "--place", "48",
              "--at", "2024-07-01 09:00")
    ok(*opened, "--due", "三天")
    ok(*opened, "--due", "3d")
    ok(*opened, "--due", "三个工作日")
    issues = {i["id"]: i for i in json.loads(ok("issue", "list", "--format", "json").stdout)}
    assert issues[1]["due_at"] == issues[2]["due_at"] == "2024-07-05T00:00:00+08:00"
    assert issues[3]["due_at"] == "2024-07-05T00:00:00+08:00"  # Tue, Wed, Thu: 24:00 of Thursday
    # in her words: 诉求 延期 keeps its own --by (how much), which is no longer taken for the recorder's
    said = ok("诉求", "延期", "1", "--by", "两个工作日", "--reason", "等配件", "--at", "2024-07-02 10:00")
    assert "延期2个工作日" in said.stderr
    ok("issue", "extend", "2", "--by", "2工作日", "--reason", "等配件", "--at", "2024-07-02 10:00")
    issues = {i["id"]: i for i in json.loads(ok("issue", "list", "--format", "json").stdout)}
    assert issues[1]["due_at"] == issues[2]["due_at"] == "2024-07-09T00:00:00+08:00"
    rejected(db, "issue", "extend", "1", "--by", "一二天", "--reason", "x", mentions=("--by", "一二天"))


def test_a_wrapped_line_keeps_its_marks():
    """Found in the tmux trial: a list broken between names kept no 、 at the break (…响应 / 办结), and a
    closing mark followed by another (（新的在前）。) was left alone at the start of a line."""
    from huidesk.render.grid import wrap

    listed = "（省略了 来源、服务队、性质、类别、重复件、工单号、时限至、核减、响应、办结 10列；"
    assert wrap(listed, 80, "、") == [listed[:listed.index("办结")], "办结 10列；"]  # …核减、响应、
    assert wrap("a b c dd ee", 4, " ") == ["a b", "c dd", "ee"]
    said = "日志：每次写入的时间、记录人、命令和写入的记录（新的在前）。"
    assert wrap(said, 58) == ["日志：每次写入的时间、记录人、命令和写入的记录（新的在", "前）。"]
    assert wrap("出具单位（setting issuer）、证明编号", 26) == ["出具单位（setting", "issuer）、证明编号"]


@pytest.mark.parametrize("columns", [60, 80])
def test_the_certificates_sentence_fills_its_lines(village, columns):
    """Found in the tmux trial: rich breaks only at spaces, so 「为 “…”志愿服务队」 ended a line with room beside
    it and 「队员，加入以来…」 began the next; the sentence is now wrapped by display width."""
    from rich.cells import cell_len
    from test_screen import on_terminal

    ok("member", "join", "王凤琴", "--team", "银色助老", "--date", "2022-03-01")
    lines = on_terminal(village, ("certificate", "王凤琴"), columns)
    head = [line.strip("│ ") for line in lines[1:4]]
    assert all(cell_len(line) <= columns for line in lines), lines
    assert cell_len(head[0]) >= columns - 6, head  # the first line full, not broken after the team


def test_the_pii_policy_in_her_words(db, tmp_path):
    """--pii takes 化名 and 全部 as every vocabulary option takes its Chinese words (it took the slugs only); a word
    it does not know is refused in one line, nothing written."""
    import sqlite3

    from conftest import rejected

    ok("init", "--name", "平伏桥村", "--place", "银川市/金凤区/满城北街街道/平伏桥村")
    ok("bundle", "--all", "--pii", "全部", "--output", str(tmp_path / "full.db"))
    ok("bundle", "--all", "--pii", "化名", "--output", str(tmp_path / "pseudonymous.db"))
    made = sqlite3.connect(db).execute("SELECT pii FROM _bundles_made ORDER BY id").fetchall()
    assert made == [("full",), ("pseudonymous",)]
    rejected(db, "bundle", "--pii", "所有", "--output", str(tmp_path / "b.db"), mentions=("--pii", "化名", "全部"))
    assert not (tmp_path / "b.db").exists()
