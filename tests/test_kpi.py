"""Issue 13: the work-order figures, each with one meaning, computed as of the end of --today.

A June and a July typed through the CLI; every figure is checked against numbers worked out by hand
below (default limits: first response within 24 hours, resolution within 5 days)."""

import json

import pytest
from conftest import ok, run
from hypothesis import given
from hypothesis import strategies as st

JUNE, JULY = "2024-06-30", "2024-07-31"


def at(today: str, *args: str) -> str:
    return ok("--today", today, *args).stdout.strip()


def issue(today: str, when: str, *args: str) -> str:
    return at(today, "issue", "open", "--kind", "民生问题", "--source", "12345", "--place", "金地花园", "--team",
              "红色先锋", "--at", when, *args)


def type_june() -> dict[str, str]:
    """Five issues received in June, with what happened to them by the end of June."""
    ok("init")
    ok("place", "add", "银川市/金凤区/黄河东路街道/金地花园")
    ok("team", "add", "“红色先锋”志愿服务队", "--place", "金地花园")
    ok("unit", "add", "金地花园物业公司")
    ok("unit", "add", "黄河东路街道市政所")
    ok("setting", "set", "basically_weight", "0.8")
    n = {}
    # 1: answered in 1 hour, resolved in 2 days, called back: resolved, satisfied.
    n[1] = issue(JUNE, "2024-06-03 09:00", "--nature", "投诉", "--category", "物业", "电梯停运")
    at(JUNE, "issue", "dispatch", n[1], "--to", "物业公司", "--at", "2024-06-03 10:00")
    at(JUNE, "issue", "resolve", n[1], "--at", "2024-06-05 09:00")
    at(JUNE, "issue", "callback", n[1], "--resolved", "是", "--satisfaction", "满意", "--at", "2024-06-06 09:00")
    # 2: answered after 48 hours (late); resolved only on 2 July (after the month, and after 22 days).
    n[2] = issue(JUNE, "2024-06-10 09:00", "--nature", "complaint", "--category", "property", "楼道灯不亮")
    at(JUNE, "issue", "dispatch", n[2], "--to", "物业公司", "--at", "2024-06-12 09:00")
    # 3: nobody answers: overdue at the end of June and ever after.
    n[3] = issue(JUNE, "2024-06-20 09:00", "--category", "市政", "路灯坏了")
    # 4: resolved, called back unsatisfied, reopened, resolved again on day 4, called back satisfied.
    n[4] = issue(JUNE, "2024-06-05 09:00", "--nature", "求助", "--category", "环境卫生", "垃圾清运不及时")
    at(JUNE, "issue", "dispatch", n[4], "--to", "物业公司", "--at", "2024-06-05 12:00")
    at(JUNE, "issue", "resolve", n[4], "--at", "2024-06-06 09:00")
    at(JUNE, "issue", "callback", n[4], "--resolved", "否", "--satisfaction", "不满意", "--at", "2024-06-07 09:00")
    at(JUNE, "issue", "reopen", n[4], "--reason", "又堆满了", "--at", "2024-06-08 09:00")
    at(JUNE, "issue", "resolve", n[4], "--at", "2024-06-09 09:00")
    at(JUNE, "issue", "callback", n[4], "--resolved", "是", "--satisfaction", "满意", "--at", "2024-06-10 09:00")
    # 5: a repeat of 1, transferred to the 市政所, returned by it, dispatched again, resolved in 2 days.
    n[5] = issue(JUNE, "2024-06-12 09:00", "--nature", "投诉", "--category", "物业", "--repeat-of", n[1], "电梯又停了")
    at(JUNE, "issue", "dispatch", n[5], "--to", "物业公司", "--at", "2024-06-12 10:00")
    at(JUNE, "issue", "transfer", n[5], "--to", "市政所", "--at", "2024-06-12 11:00")
    at(JUNE, "issue", "return", n[5], "--unit", "市政所", "--reason", "不归我们管", "--at", "2024-06-13 09:00")
    at(JUNE, "issue", "dispatch", n[5], "--to", "物业公司", "--at", "2024-06-13 10:00")
    at(JUNE, "issue", "resolve", n[5], "--at", "2024-06-14 09:00")
    return n


def type_july(n: dict[str, str]) -> None:
    at(JULY, "issue", "resolve", n[2], "--at", "2024-07-02 09:00")
    at(JULY, "issue", "callback", n[2], "--resolved", "是", "--satisfaction", "基本满意", "--at", "2024-07-03 09:00")
    # 6: resolved within the hour (a resolution is a response), called back satisfied.
    n[6] = issue(JULY, "2024-07-01 09:00", "--category", "物业", "水管漏水")
    at(JULY, "issue", "resolve", n[6], "--at", "2024-07-01 10:00")
    at(JULY, "issue", "callback", n[6], "--resolved", "是", "--satisfaction", "满意", "--at", "2024-07-02 09:00")
    # 7: nobody answers: 16 days old on 31 July.
    n[7] = issue(JULY, "2024-07-15 09:00", "--category", "治安", "夜里有人砸车")


def tally(today: str, month: str, *args: str) -> dict:
    return json.loads(at(today, "report", "monthly", "--month", month, "--format", "json", *args))


FIGURES = ("received", "exempted", "responded_in_time", "resolved", "resolved_on_time", "overdue", "callbacks",
           "callbacks_resolved", "satisfied", "basically_satisfied", "unsatisfied", "repeats", "transfers", "returns",
           "response_rate", "closure_rate", "on_time_rate", "callback_rate", "resolution_rate", "satisfaction_rate")


def figures(k: dict) -> dict:
    return {key: k[key] for key in FIGURES}


# June as of 30 June: 1, 4 and 5 resolved on time; 2 (resolved in July) and 3 overdue; callbacks on 1 and 4
# (4 read by its final callback); 5 is a repeat with one transfer and one return.
JUNE_ON_30 = dict(received=5, exempted=0, responded_in_time=3, resolved=3, resolved_on_time=3, overdue=2, callbacks=2,
                  callbacks_resolved=2, satisfied=2, basically_satisfied=0, unsatisfied=0, repeats=1, transfers=1,
                  returns=1, response_rate=60.0, closure_rate=60.0, on_time_rate=60.0, callback_rate=66.7,
                  resolution_rate=100.0, satisfaction_rate=100.0)
# June as of 31 July: 2 is now resolved (late: 22 days) and called back 基本满意 (weight 0.8).
JUNE_ON_31_JULY = dict(JUNE_ON_30, resolved=4, overdue=1, callbacks=3, callbacks_resolved=3, basically_satisfied=1,
                       closure_rate=80.0, on_time_rate=60.0, callback_rate=75.0, satisfaction_rate=93.3)
# July as of 31 July: 6 answered and resolved on time and called back; 7 overdue.
JULY_ON_31 = dict(received=2, exempted=0, responded_in_time=1, resolved=1, resolved_on_time=1, overdue=1, callbacks=1,
                  callbacks_resolved=1, satisfied=1, basically_satisfied=0, unsatisfied=0, repeats=0, transfers=0,
                  returns=0, response_rate=50.0, closure_rate=50.0, on_time_rate=50.0, callback_rate=100.0,
                  resolution_rate=100.0, satisfaction_rate=100.0)


def test_every_work_order_column_against_hand_computed_numbers():
    n = type_june()
    june = tally(JUNE, "2024-06")
    assert figures(june["kpi"]) == JUNE_ON_30
    team = next(r for r in june["rows"] if r["team"] == "“红色先锋”志愿服务队")
    assert {k: team[k] for k in FIGURES if k != "received"} == {k: v for k, v in JUNE_ON_30.items() if k != "received"}
    assert team["issues_received"] == june["total"]["issues_received"] == 5
    place = "银川市/金凤区/黄河东路街道/金地花园"
    assert june["hot"] == [
        {"category": "property", "issues": 3, "places": [{"place": place, "issues": 3}]},
        {"category": "municipal", "issues": 1, "places": [{"place": place, "issues": 1}]},
        {"category": "sanitation", "issues": 1, "places": [{"place": place, "issues": 1}]},
    ]
    type_july(n)
    assert figures(tally(JUNE, "2024-06")["kpi"]) == JUNE_ON_30  # frozen as of 30 June
    assert figures(tally(JULY, "2024-06")["kpi"]) == JUNE_ON_31_JULY
    assert figures(tally(JULY, "2024-07")["kpi"]) == JULY_ON_31
    summary = json.loads(at(JULY, "summary", "--since", "2024-07-01", "--format", "json"))
    assert figures(summary["kpi"]) == JULY_ON_31
    assert [h["category"] for h in summary["hot"]] == ["property", "public_order"]
    # The first-callback reading: 4 counts by its first callback (not resolved, unsatisfied).
    ok("setting", "set", "callback_reading", "first")
    first = tally(JULY, "2024-06")["kpi"]
    assert (first["callbacks"], first["callbacks_resolved"], first["unsatisfied"]) == (3, 2, 1)
    assert (first["resolution_rate"], first["satisfaction_rate"]) == (66.7, 60.0)


def test_a_month_reported_later_as_of_its_last_day_is_byte_identical():
    n = type_june()

    def reports() -> dict[str, str]:
        head = tally(JUNE, "2024-06")["chain_head"]
        out = {fmt: at(JUNE, "report", "monthly", "--month", "2024-06", "--format", fmt) for fmt in ("json", "csv")}
        out["table"] = at(JUNE, "report", "monthly", "--month", "2024-06", "--format", "table")
        out["summary"] = at(JUNE, "summary", "--since", "2024-06-01", "--format", "json")
        out["due"] = at(JUNE, "due", "--format", "json")
        return {k: "\n".join(line for line in v.replace(head, "<head>").replace(head[:12], "<head12>").splitlines()
                             if "账本链头" not in line) for k, v in reports_raw(out).items()}

    before = reports()
    type_july(n)
    after = reports()
    assert after == before


def reports_raw(out: dict[str, str]) -> dict[str, str]:
    summary = json.loads(out["summary"])
    summary.pop("chain_head")
    return {**out, "summary": json.dumps(summary, ensure_ascii=False, sort_keys=True)}


def test_limits_per_nature_and_kind_are_settings():
    type_june()
    # set before the month's end, so in force as of 30 June (a setting set later would not be: the freeze)
    at("2024-06-01", "setting", "set", "resolve_limit.投诉", "1d")  # complaints: by the next day's 24:00 (1, 5: 2 days)
    at("2024-06-01", "setting", "set", "response_limit.民生问题", "72h")  # livelihood: 3 days (2: answered in 48 hours)
    k = tally(JUNE, "2024-06")["kpi"]
    assert (k["responded_in_time"], k["resolved_on_time"], k["overdue"]) == (4, 1, 2)
    listed = {r["key"]: r["value"] for r in json.loads(ok("setting", "list", "--format", "json").stdout)}
    assert listed["resolve_limit.complaint"] == "1d" and listed["response_limit.livelihood"] == "72h"


@pytest.mark.parametrize("args, field", [
    (("setting", "set", "resolve_limit.投诉", "3周"), "VALUE"),
    (("setting", "set", "resolve_limit.天气", "3d"), "KEY"),
    (("setting", "set", "callback_reading", "last"), "VALUE"),
    (("issue", "open", "--kind", "民生问题", "--source", "电话", "--place", "金地花园", "--nature", "抱怨", "x"),
     "--nature"),
    (("issue", "open", "--kind", "民生问题", "--source", "电话", "--place", "金地花园", "--category", "燃气", "x"),
     "--category"),
    (("issue", "open", "--kind", "民生问题", "--source", "电话", "--place", "金地花园", "--repeat-of", "99", "x"),
     "--repeat-of"),
])
def test_bad_subjects_and_settings_are_one_line_errors(args, field):
    type_june()
    before = ok("log", "--format", "json").stdout
    result = run(*args)
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1 and field in result.stderr
    assert ok("log", "--format", "json").stdout == before


def test_a_ledger_adds_categories_and_lists_show_the_subject():
    n = type_june()
    ok("setting", "set", "categories", "燃气，电梯")
    gas = issue(JUNE, "2024-06-28 09:00", "--category", "燃气", "闻到燃气味")
    rows = {r["id"]: r for r in json.loads(ok("issue", "list", "--format", "json").stdout)}
    assert (rows[int(gas)]["category"], rows[int(n[5])]["nature"], rows[int(n[5])]["repeat_of"]) == (
        "燃气", "complaint", int(n[1]))
    shown = run("issue", "show", n[5], "--format", "table").stderr
    assert "投诉·物业" in shown and f"重复件（同 #{n[1]}）" in shown
    en = run("--lang", "en", "issue", "show", n[5], "--format", "table").stderr
    assert "complaint·property management" in en and f"repeats #{n[1]}" in en


def test_readme_defines_every_figure_as_the_code_does():
    """README's definitions table is the code's FIGURES, row for row (one meaning per column)."""
    from pathlib import Path

    from huidesk.reports.kpis import FIGURES

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for _, zh, en, meaning, _ in FIGURES:
        assert f"| {zh} | {en} | {meaning} |" in readme, zh


@given(st.dictionaries(st.integers(0, 10_000), st.integers(1, 50), max_size=30))
def test_a_histogram_s_median_and_percentiles_are_its_minutes_written_out(counts):
    """The summary reads the minutes to respond and to resolve as histograms (a province's 800,000 issues):
    their median and percentiles are those of every minute written out in order."""
    from huidesk.reports.kpis import Spread, median, percentile

    histogram = sorted(counts.items())
    minutes = [m for m, n in histogram for _ in range(n)]
    spread = Spread(histogram)
    assert len(spread) == len(minutes) and list(spread) == minutes
    assert median(spread) == median(minutes)
    assert all(percentile(spread, p) == percentile(minutes, p) for p in (1, 10, 50, 89, 90, 99, 100))
