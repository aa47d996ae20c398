"""Issue 25: the assessment a street office runs (考核) — working days, extensions (延期), exemptions (核减), the
first contact (先行联系), scores and ranks, the freeze of a report as of its moment, and the narrative's words.

Every figure below is worked out by hand in the comments beside it."""

import datetime as dt
import json
import sqlite3

import pytest
from conftest import ok, run

from huidesk.reports.summary import period_phrase

SEPT, OCT = "2024-09-30", "2024-10-31"
JINDI = "银川市/金凤区/黄河东路街道/金地社区/金地花园"
LIANGTIAN = "银川市/金凤区/黄河东路街道/良田村"


def at(today: str, *args: str) -> str:
    return ok("--today", today, *args).stdout.strip()


def issue(today: str, when: str, team: str, place: str, *args: str) -> str:
    return at(today, "issue", "open", "--kind", "民生问题", "--source", "12345", "--place", place, "--team", team,
              "--at", when, *args)


def two_communities() -> None:
    """金地社区 (its compound 金地花园) and 良田村, a team in each; resolve limit 3 working days, set on 1 September."""
    ok("init")
    ok("place", "add", JINDI)
    ok("place", "add", LIANGTIAN)
    ok("team", "add", "金地社区志愿服务队", "--place", "金地社区")
    ok("team", "add", "良田村志愿服务队", "--place", "良田村")
    ok("unit", "add", "金地花园物业公司")
    at("2024-09-01", "setting", "set", "resolve_limit_days", "3工作日")


def mid_autumn_and_national_day() -> dict[int, str]:
    """Six issues around 中秋 (9/15–17 off, Saturday 9/14 worked) and 国庆 (10/1–7 off, Sunday 9/29 and Saturday
    10/12 worked), with what happened to each; the response limit is the default 24 hours."""
    two_communities()
    a, b = "金地社区志愿服务队", "良田村志愿服务队"
    n = {}
    # 1: Friday 9/13 17:00; 3 working days are 9/14 (worked), 9/18, 9/19: due at 24:00 on 9/19 (in calendar days
    # it would have been 9/16). Answered in 17 hours, resolved 9/19 20:00: on time. Called back: solved, satisfied.
    n[1] = issue(SEPT, "2024-09-13 17:00", a, "金地花园", "--category", "物业", "电梯停运")
    at(SEPT, "issue", "dispatch", n[1], "--to", "物业公司", "--at", "2024-09-14 10:00")
    at(SEPT, "issue", "resolve", n[1], "--at", "2024-09-19 20:00")
    at(SEPT, "issue", "callback", n[1], "--resolved", "是", "--satisfaction", "满意", "--at", "2024-09-20 09:00")
    # 2: answered after 39.5 hours (late), resolved 9/20 09:00 (late: due 9/19 24:00); partly solved, satisfied.
    n[2] = issue(SEPT, "2024-09-13 17:30", a, "金地花园", "--category", "物业", "楼道灯不亮")
    at(SEPT, "issue", "dispatch", n[2], "--to", "物业公司", "--at", "2024-09-15 09:00")
    at(SEPT, "issue", "resolve", n[2], "--at", "2024-09-20 09:00")
    at(SEPT, "issue", "callback", n[2], "--resolved", "部分解决", "--satisfaction", "满意", "--at", "2024-09-21 09:00")
    # 3: extended on 9/18 by 2 working days from 9/19 24:00: 9/20, then Monday 9/23 (9/21–22 a weekend): due
    # 24:00 on 9/23; resolved 9/23 10:00: on time. Solved, basically satisfied.
    n[3] = issue(SEPT, "2024-09-13 18:00", a, "金地花园", "--category", "市政", "井盖松动")
    at(SEPT, "issue", "dispatch", n[3], "--to", "物业公司", "--at", "2024-09-13 19:00")
    at("2024-09-18", "issue", "extend", n[3], "--by", "2工作日", "--reason", "需协调市政", "--approver", "王主任",
       "--at", "2024-09-18 10:00")
    at(SEPT, "issue", "resolve", n[3], "--at", "2024-09-23 10:00")
    at(SEPT, "issue", "callback", n[3], "--resolved", "是", "--satisfaction", "基本满意", "--at", "2024-09-24 09:00")
    # 4: exempted (核减): counted as received and exempted, in no rate; it is never answered nor resolved.
    n[4] = issue(SEPT, "2024-09-14 09:00", a, "金地花园", "--nature", "投诉", "要求物业免除三年物业费")
    at(SEPT, "issue", "exempt", n[4], "--reason", "诉求超出政策范围", "--approver", "街道考核办",
       "--at", "2024-09-16 09:00")
    # 5: Monday 9/30 09:00; 3 working days skip 10/1–7: 10/8, 10/9, 10/10, due 24:00 on 10/10; resolved
    # 10/10 16:00: on time. Solved, satisfied.
    n[5] = issue(SEPT, "2024-09-30 09:00", b, "良田村", "--category", "环境卫生", "铁路两侧垃圾")
    at(SEPT, "issue", "dispatch", n[5], "--to", "物业公司", "--at", "2024-09-30 10:00")
    at(OCT, "issue", "resolve", n[5], "--at", "2024-10-10 16:00")
    at(OCT, "issue", "callback", n[5], "--resolved", "是", "--satisfaction", "满意", "--at", "2024-10-11 09:00")
    # 6: its own limit (a 12345 order's): 1 working day from Friday 9/27 17:00 is Sunday 9/29 (worked): due 24:00
    # on 9/29. Answered in an hour, resolved 10/8 09:00: late. No callback.
    n[6] = issue(SEPT, "2024-09-27 17:00", b, "良田村", "--due", "1工作日", "路灯不亮")
    at(SEPT, "issue", "dispatch", n[6], "--to", "物业公司", "--at", "2024-09-27 18:00")
    at(OCT, "issue", "resolve", n[6], "--at", "2024-10-08 09:00")
    return n


def tally(today: str, month: str) -> dict:
    return json.loads(at(today, "report", "monthly", "--month", month, "--format", "json"))


FIGURES = ("received", "exempted", "responded_in_time", "resolved", "resolved_on_time", "overdue", "callbacks",
           "callbacks_resolved", "satisfied", "basically_satisfied", "unsatisfied", "response_rate", "closure_rate",
           "on_time_rate", "callback_rate", "resolution_rate", "satisfaction_rate")
# September as of 31 October: 6 received, 1 exempted (4); of the other five, answered in time 1, 3, 5, 6 (2 took
# 39.5 hours); all five resolved; on time 1, 3 (extended) and 5; late 2 and 6; called back 1, 2, 3, 5: solved 1,
# 3, 5 (2 partly), satisfied 1, 2, 5, basically 3 (weight 1).
SEPT_ON_31_OCT = dict(received=6, exempted=1, responded_in_time=4, resolved=5, resolved_on_time=3, overdue=0,
                      callbacks=4, callbacks_resolved=3, satisfied=3, basically_satisfied=1, unsatisfied=0,
                      response_rate=80.0, closure_rate=100.0, on_time_rate=60.0, callback_rate=80.0,
                      resolution_rate=75.0, satisfaction_rate=100.0)


def test_the_mid_autumn_and_national_day_weeks_by_hand():
    n = mid_autumn_and_national_day()
    k = tally(OCT, "2024-09")["kpi"]
    assert {key: k[key] for key in FIGURES} == SEPT_ON_31_OCT
    # as of 30 September: 5 and 6 unresolved; 6 is past its own deadline (overdue), 5 is not (due 10/10)
    k = tally(SEPT, "2024-09")["kpi"]
    assert (k["resolved"], k["resolved_on_time"], k["overdue"], k["on_time_rate"]) == (3, 2, 1, 50.0)
    # the deadlines each issue shows: its own (6), its extended one (3)
    listed = {str(r["id"]): r for r in json.loads(at(OCT, "issue", "list", "--format", "json"))}
    assert listed[n[6]]["due_at"] == "2024-09-30T00:00:00+08:00"  # 24:00 on 9/29
    assert listed[n[3]]["due_at"] == "2024-09-24T00:00:00+08:00"  # 24:00 on 9/23
    assert listed[n[4]]["exempted"] is True and listed[n[1]]["exempted"] is False
    shown = run("--today", OCT, "issue", "show", n[3], "--format", "table").stdout
    assert "延期" in shown and "2工作日，至 2024-09-23 24:00；批准：王主任；需协调市政" in shown
    assert [r["id"] for r in json.loads(at(OCT, "issue", "list", "--state", "exempted", "--format", "json"))] == [
        int(n[4])]


def test_calendar_days_follow_the_civil_code_not_24_hours():
    """The same September in calendar days (3d): 1 was due 24:00 on 9/16, so it is late; 3's extension by
    2 days runs from 9/16 24:00 to 24:00 on 9/18 — it was recorded when the limit was still 3 working days,
    so it holds the deadline it set then (9/23 24:00)."""
    mid_autumn_and_national_day()
    at("2024-09-02", "setting", "set", "resolve_limit_days", "3d")  # set before the month: in force for it
    k = tally(OCT, "2024-09")["kpi"]
    # 1 late now (due 9/16 24:00), 5 due 10/3 24:00: late; 3 (extended) and nothing else on time
    assert (k["resolved_on_time"], k["on_time_rate"]) == (1, 20.0)


def test_an_extension_moves_the_deadline_an_undo_takes_it_back():
    two_communities()
    n = issue(SEPT, "2024-09-13 17:00", "金地社区志愿服务队", "金地花园", "电梯停运")
    result = run("--today", "2024-09-18", "issue", "extend", n, "--by", "2工作日", "--reason", "等配件")
    assert result.exit_code == 0 and "办结时限至 2024-09-23 24:00" in result.stderr
    issues = {r["id"]: r for r in json.loads(at("2024-09-18", "issue", "list", "--format", "json"))}
    assert issues[int(n)]["due_at"] == "2024-09-24T00:00:00+08:00"
    at("2024-09-18", "undo")
    issues = {r["id"]: r for r in json.loads(at("2024-09-18", "issue", "list", "--format", "json"))}
    assert issues[int(n)]["due_at"] is None
    ok("check")


def test_a_year_the_calendar_does_not_know_is_said_to_be_estimated():
    from huidesk.domain.calendar import known_years

    two_communities()
    later = known_years()[-1] + 1  # the first year chinese-calendar does not publish
    result = run("--today", f"{later}-03-10", "issue", "open", "--kind", "民生问题", "--source", "12345", "--place",
                 "金地花园", "--at", f"{later}-03-02 09:00", "--due", "3工作日", "井盖松动")
    assert result.exit_code == 0 and "按周一至周五估算" in result.stderr
    at(f"{later}-03-10", "issue", "open", "--kind", "民生问题", "--source", "12345", "--place", "金地花园",
       "--at", f"{later}-03-03 09:00", "路灯不亮")
    data = tally(f"{later}-03-31", f"{later}-03")
    # the second: its limit of 3 working days counted Monday to Friday (the first has its own deadline)
    assert data["kpi"]["estimated"] == 1
    table = at(f"{later}-03-31", "report", "monthly", "--month", f"{later}-03", "--format", "table")
    assert sum("按周一至周五估算" in line for line in table.splitlines()) == 1
    # the ledger adds the year's holidays: known, no longer an estimate
    at(f"{later}-03-31", "setting", "set", "holidays", f"{later}-01-01")
    assert "estimated" not in tally(f"{later}-03-31", f"{later}-03")["kpi"]


def test_the_first_contact_counts_as_the_response_when_the_setting_says_so():
    two_communities()
    n = issue(SEPT, "2024-09-10 09:00", "金地社区志愿服务队", "金地花园", "漏水")
    at(SEPT, "issue", "contact", n, "--at", "2024-09-10 11:00")  # 2 hours
    at(SEPT, "issue", "dispatch", n, "--to", "物业公司", "--at", "2024-09-12 09:00")  # 48 hours: late
    assert tally(SEPT, "2024-09")["kpi"]["responded_in_time"] == 0
    at("2024-09-05", "setting", "set", "response_events", "dispatched,arrived,resolved,contacted")
    k = tally(SEPT, "2024-09")["kpi"]
    assert (k["responded_in_time"], k["response_minutes_median"]) == (1, 120)
    rejected = run("setting", "set", "response_events", "resolved")
    assert rejected.exit_code == 1 and "VALUE" in rejected.stderr


def test_the_score_and_rank_of_two_communities_by_hand():
    mid_autumn_and_national_day()
    scores = json.loads(at(OCT, "summary", "--since", "2024-09-01", "--until", "2024-09-30", "--format", "json"))[
        "scores"]
    assert scores["weights"] == "10/45/45"
    # 良田村: 5 and 6 answered in time (100.0), 5 called back solved and satisfied (100.0, 100.0): 100.00.
    # 金地社区: 4 exempted; 1 and 3 of 1–3 answered in time (66.7); solved 1 and 3 of three callbacks (66.7);
    # satisfied 1, 2 and basically 3 (100.0): (10 × 66.7 + 45 × 66.7 + 45 × 100.0) ÷ 100 = 81.685 → 81.69.
    assert [(s["name"], s["received"], s["exempted"], s["response_rate"], s["resolution_rate"],
             s["satisfaction_rate"], s["score"], s["rank"]) for s in scores["communities"]] == [
        ("良田村", 2, 0, 100.0, 100.0, 100.0, 100.0, 1),
        ("金地社区", 4, 1, 66.7, 66.7, 100.0, 81.69, 2),
    ]
    assert [(s["name"], s["score"], s["rank"]) for s in scores["teams"]] == [
        ("良田村志愿服务队", 100.0, 1), ("金地社区志愿服务队", 81.69, 2)]
    # other weights: (20 × 66.7 + 40 × 66.7 + 40 × 100.0) ÷ 100 = 80.02
    at("2024-09-01", "setting", "set", "score_weights", "20/40/40")
    scores = json.loads(at(OCT, "summary", "--since", "2024-09-01", "--until", "2024-09-30", "--format", "json"))[
        "scores"]
    assert [(s["name"], s["score"]) for s in scores["communities"]] == [("良田村", 100.0), ("金地社区", 80.02)]
    table = at(OCT, "summary", "--since", "2024-09-01", "--until", "2024-09-30")
    assert "综合得分" in table and "81.69" not in table and "80.02" in table


def test_the_exempted_issues_are_listed_never_hidden():
    n = mid_autumn_and_national_day()
    data = json.loads(at(OCT, "summary", "--since", "2024-09-01", "--format", "json"))
    assert [(str(e["id"]), e["reason"], e["approver"]) for e in data["exempted"]] == [
        (n[4], "诉求超出政策范围", "街道考核办")]
    assert data["kpi"]["exempted"] == 1
    table = at(OCT, "summary", "--since", "2024-09-01")
    assert "核减" in table and "诉求超出政策范围" in table
    csv = at(OCT, "report", "monthly", "--month", "2024-09", "--format", "csv")
    assert "核减" in csv.splitlines()[0]


def test_a_repeat_is_named_when_an_issue_is_opened_at_the_same_place_and_category():
    two_communities()
    first = issue(SEPT, "2024-09-10 09:00", "金地社区志愿服务队", "金地花园", "--category", "物业", "电梯停运")
    result = run("--today", SEPT, "issue", "open", "--kind", "民生问题", "--source", "12345", "--place", "金地花园",
                 "--category", "物业", "--at", "2024-09-15 09:00", "电梯又停了")
    assert result.exit_code == 0
    assert f"7 天内已有诉求 #{first}" in result.stderr and f"--repeat-of {first}" in result.stderr
    # another category, or marked already, or eight days after the last of the same: no hint
    for extra in (("--at", "2024-09-15 10:00", "--category", "市政"),
                  ("--at", "2024-09-15 10:00", "--category", "物业", "--repeat-of", first),
                  ("--at", "2024-09-23 10:00", "--category", "物业")):
        result = run("--today", SEPT, "issue", "open", "--kind", "民生问题", "--source", "12345", "--place", "金地花园",
                     *extra, "电梯")
        assert result.exit_code == 0 and "提示" not in result.stderr, extra


def test_a_tip_off_is_a_nature():
    two_communities()
    n = issue(SEPT, "2024-09-10 09:00", "金地社区志愿服务队", "金地花园", "--nature", "举报", "有人在小区内违规经营")
    assert json.loads(at(SEPT, "issue", "list", "--format", "json"))[0]["nature"] == "tip_off"
    at("2024-09-01", "setting", "set", "resolve_limit.举报", "1工作日")
    assert "resolve_limit.tip_off" in at(SEPT, "setting", "list", "--format", "csv")
    assert n


# --- the freeze: a month as of its last day is the same after later settings and voids ---

def june() -> None:
    ok("init")
    ok("place", "add", JINDI)
    ok("team", "add", "金地社区志愿服务队", "--place", "金地社区", "--founded", "2024-01-01")
    ok("member", "add", "张秀英", "--team", "金地社区", "--joined", "2024-01-01")
    ok("unit", "add", "金地花园物业公司")
    at("2024-05-01", "setting", "set", "resolve_limit.投诉", "2d")
    for day in ("2024-06-03", "2024-06-10"):
        at("2024-06-30", "activity", "add", "--theme", "爱心理发", "--team", "金地社区", "--date", day,
           "--member", "张秀英", "--hours", "2", "--served", "10")
    # a complaint resolved in four days: late under 2d (due 6/5 24:00), on time under 5d
    n = issue("2024-06-30", "2024-06-03 09:00", "金地社区志愿服务队", "金地花园", "--nature", "投诉", "电梯停运")
    at("2024-06-30", "issue", "dispatch", n, "--to", "物业公司", "--at", "2024-06-03 10:00")
    at("2024-06-30", "issue", "resolve", n, "--at", "2024-06-07 09:00")
    at("2024-06-30", "issue", "callback", n, "--resolved", "是", "--satisfaction", "满意", "--at", "2024-06-08 09:00")


FORMATS = ("table", "csv", "tsv", "json", "jsonl")


def reports(tmp_path, name: str) -> dict[str, str]:
    """June's sheet as of 30 June in every format, and the summary of June in both of its formats, the chain
    head taken out (it moves with every write: `check --head` is what matches a report to its ledger)."""
    from openpyxl import load_workbook

    head = tally("2024-06-30", "2024-06")["chain_head"]
    out = {fmt: at("2024-06-30", "report", "monthly", "--month", "2024-06", "--format", fmt) for fmt in FORMATS}
    for fmt in ("table", "json"):
        out[f"summary {fmt}"] = at("2024-06-30", "summary", "--since", "2024-06-01", "--format", fmt)
    book = tmp_path / f"{name}.xlsx"
    at("2024-06-30", "report", "monthly", "--month", "2024-06", "--output", str(book))
    out["xlsx"] = "\n".join(f"{sheet.title}!{cell.coordinate}={cell.value}" for sheet in load_workbook(book)
                            for row in sheet.iter_rows() for cell in row if cell.value is not None)
    summary = json.loads(out["summary json"])
    summary.pop("chain_head")
    out["summary json"] = json.dumps(summary, ensure_ascii=False, sort_keys=True)
    return {k: _headless(v, head) for k, v in out.items()}


def _headless(text: str, head: str) -> str:
    text = text.replace(head, "<head>").replace(head[:12], "<head>")
    return "\n".join(line for line in text.splitlines() if "账本链头" not in line)


def test_a_month_as_of_its_last_day_is_frozen_after_later_settings_and_voids(tmp_path, ledger_env):
    june()
    before = reports(tmp_path, "before")
    k = tally("2024-06-30", "2024-06")["kpi"]
    assert (k["resolved_on_time"], k["on_time_rate"]) == (0, 0.0)  # 2 days for complaints
    assert tally("2024-06-30", "2024-06")["total"]["activities"] == 2
    # July: the limit for complaints changed, a June activity and the complaint's callback voided
    at("2024-07-15", "setting", "set", "resolve_limit.投诉", "5d")
    at("2024-07-15", "void", "activity", "1", "--reason", "重复录入")
    conn = sqlite3.connect(ledger_env)
    callback = conn.execute("SELECT id FROM issue_events WHERE event = 'callback'").fetchone()[0]
    conn.close()
    at("2024-07-15", "void", "issue_event", str(callback), "--reason", "回访记录有误")
    after = reports(tmp_path, "after")
    for key in before:
        assert after[key] == before[key], key
    # the same month as of now sees them: one activity, the complaint on time under 5 days, no callback
    now = tally("2024-07-15", "2024-06")
    assert (now["total"]["activities"], now["kpi"]["resolved_on_time"], now["kpi"]["callbacks"]) == (1, 1, 0)


def test_settings_are_read_as_they_were_at_the_moment():
    ok("init")
    at("2024-05-01", "setting", "set", "score_weights", "20/40/40")
    at("2024-07-01", "setting", "set", "score_weights", "10/45/45")
    at("2024-07-05", "setting", "set", "issuer", "黄河东路街道")
    for today, weights, issuer in (("2024-04-30", "10/45/45", ""), ("2024-06-30", "20/40/40", ""),
                                   ("2024-07-03", "10/45/45", ""), ("2024-07-08", "10/45/45", "黄河东路街道")):
        data = json.loads(at(today, "summary", "--format", "json"))
        assert data["scores"]["weights"] == weights, today
    assert run("setting", "list").exit_code == 0


# --- the words ---

@pytest.mark.parametrize("since, until, today, phrase", [
    # a future day is never stated as past: named up to today
    (None, "2024-12-31", "2024-07-08", "截至2024年7月8日"),
    ("2024-03-05", "2024-12-31", "2024-07-08", "2024年3月5日至7月8日"),
    ("2024-03-01", "2024-12-31", "2024-07-08", "今年3月以来"),
    # a year written once inside one year
    ("2024-03-01", "2024-06-30", "2024-07-08", "2024年3月1日至6月30日"),
    ("2023-11-15", "2024-01-31", "2024-07-08", "2023年11月15日至2024年1月31日"),
    # 去年12月以来
    ("2023-12-01", "2024-07-08", "2024-07-08", "去年12月以来"),
    ("2023-01-01", "2024-07-08", "2024-07-08", "去年以来"),
    # one day is one day
    ("2024-07-08", "2024-07-08", "2024-07-08", "2024年7月8日"),
    ("2024-07-01", "2024-07-01", "2024-07-08", "2024年7月1日"),
    ("2024-07-08", None, "2024-07-08", "2024年7月8日"),
    # what was right stays so
    ("2024-01-01", "2024-07-08", "2024-07-08", "今年以来"),
    ("2022-07-08", "2024-07-08", "2024-07-08", "两年来"),
    ("2024-09-01", "2024-12-31", "2024-07-08", "2024年9月1日起"),
])
def test_the_period_is_named_as_people_say_it(since, until, today, phrase):
    day = dt.date.fromisoformat
    assert period_phrase(since and day(since), day(until or today), day(today)) == phrase


def test_a_future_until_is_not_stated_as_fact():
    mid_autumn_and_national_day()
    narrative = json.loads(at("2024-10-08", "summary", "--until", "2024-12-31", "--format", "json"))["narrative"]
    assert narrative.startswith("截至2024年10月8日") and "12月31日" not in narrative


def test_solved_means_solved_at_the_final_callback_and_in_time_means_by_the_deadline():
    two_communities()
    t = "金地社区志愿服务队"
    for when, answer in (("2024-09-02 09:00", "是"), ("2024-09-03 09:00", "否"), ("2024-09-04 09:00", None)):
        n = issue(SEPT, when, t, "金地花园", "垃圾清运")
        at(SEPT, "issue", "resolve", n, "--at", when.replace(" 09:00", " 15:00"))
        if answer:
            at(SEPT, "issue", "callback", n, "--resolved", answer, "--satisfaction", "满意", "--at",
               when.replace(" 09:00", " 18:00"))
    # two safety hazards: one resolved within 3 working days, one a week late
    for when, done in (("2024-09-09 09:00", "2024-09-10 09:00"), ("2024-09-02 09:00", "2024-09-13 09:00")):
        n = at(SEPT, "issue", "open", "--kind", "安全隐患", "--source", "巡查", "--place", "金地花园", "--team", t,
               "--at", when, "消防通道堵塞")
        at(SEPT, "issue", "resolve", n, "--at", done)
    narrative = json.loads(at(SEPT, "summary", "--since", "2024-09-01", "--format", "json"))["narrative"]
    # livelihood: the one answered 未解决 is not solved; the one not yet called back is (its 办结 says so)
    assert "解决民生问题2件" in narrative and "及时处理安全隐患1件" in narrative


def test_coverage_counts_the_places_with_records():
    two_communities()
    ok("place", "add", "银川市/金凤区/黄河东路街道/安怡社区/安怡家园")  # registered, nothing recorded there
    issue(SEPT, "2024-09-02 09:00", "金地社区志愿服务队", "金地花园", "垃圾清运")
    issue(SEPT, "2024-09-02 10:00", "良田村志愿服务队", "良田村", "路灯")
    narrative = json.loads(at(SEPT, "summary", "--format", "json"))["narrative"]
    assert "覆盖2个村、社区的1个小区" in narrative  # 金地社区 (金地花园) and 良田村; not 安怡社区 nor 安怡家园


def test_the_notes_say_what_the_hours_count_and_how_the_score_is_made():
    from huidesk.reports.monthly import meanings

    said = dict(meanings(weights="10/45/45"))
    assert "走访" in said["志愿服务时长(小时)"]  # the value counts visits too
    assert said["综合得分"].startswith("(10×响应率 + 45×解决率 + 45×满意率) ÷ 100")
    assert "核减" in said["综合得分"] and "名次" in said
