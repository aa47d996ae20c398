"""Issues from received to closed, told back with their times; every forbidden step refused."""

import csv
import io
import json
import statistics

import pytest
from conftest import ok, rejected, run

from huidesk.domain.vocab import VOCABS


@pytest.fixture
def street(db):
    """黄河东路街道 and 高台寺社区 with the units of the article."""
    ok("place", "add", "银川市/金凤区/黄河东路街道/金地花园/D区3号楼")
    ok("place", "add", "银川市/兴庆区/玉皇阁北街/高台寺社区/金东豪庭")
    ok("team", "add", "黄河东路街道民生志愿服务队", "--place", "黄河东路街道")
    ok("team", "add", "“红色先锋”志愿服务队", "--place", "高台寺社区")
    for unit in ("黄河东路街道公用事业服务中心", "黄河东路街道司法所", "金地花园物业公司", "黄河东路街道综治中心",
                 "金东豪庭物业公司", "银川市中铁水务公司", "派出所"):
        ok("unit", "add", unit)
    ok("resident", "add", "王女士", "--place", "金东豪庭")
    return db


def open_issue(*args: str) -> str:
    return ok("issue", "open", *args).stdout.strip()


def test_fire_lane_story(street):
    iid = open_issue("--kind", "安全隐患", "--source", "巡查", "--place", "金地花园", "--team", "黄河东路",
                     "--at", "2024-07-01 09:00", "金地花园D区3、8、9号楼前消防通道电动车占道")
    assert iid == "1"
    ok("issue", "escalate", iid, "--to", "综治中心", "--at", "2024-07-01 09:20")
    ok("issue", "dispatch", iid, "--to", "公用事业服务中心", "--to", "司法所", "--to", "金地花园物业",
       "--at", "2024-07-01 10:00")
    mid = ok("meeting", "add", "--issue", iid, "--party", "公用事业服务中心", "--party", "司法所", "--party", "律师",
             "--party", "金地花园物业", "--party", "小区党支部", "--party", "楼栋长", "--date", "2024-07-03 15:00",
             "--decision", "绿化带推进1米，拓宽消防通道并增设电动车停放点").stdout.strip()
    ok("issue", "resolve", iid, "--at", "2024-07-05 17:00", "--note", "绿化带已推进1米")
    show = json.loads(ok("issue", "show", iid, "--format", "json").stdout)
    assert show["state"] == "resolved" and show["resolve_minutes"] == 4 * 1440 + 8 * 60
    steps = [(e["event"], e["unit"]) for e in show["events"]]
    assert steps == [
        ("received", None), ("escalated", "黄河东路街道综治中心"), ("dispatched", "黄河东路街道公用事业服务中心"),
        ("dispatched", "黄河东路街道司法所"), ("dispatched", "金地花园物业公司"), ("consulted", None),
        ("resolved", None),
    ]
    assert f"协商会议#{mid}" in show["events"][5]["detail"]
    assert show["events"][-1]["total_minutes"] == 4 * 1440 + 8 * 60
    meeting = json.loads(ok("meeting", "list", "--issue", iid, "--format", "json").stdout)[0]
    assert meeting["parties"] == (
        "黄河东路街道公用事业服务中心、黄河东路街道司法所、律师、金地花园物业公司、小区党支部、楼栋长"
    )
    table = ok("issue", "show", iid, "--format", "table")
    assert "4天8小时" in table.stdout and "绿化带推进1米" in table.stdout
    assert "消防通道" in table.stderr


def test_blocked_drain_story_about_thirty_minutes(street):
    iid = open_issue("--kind", "民生问题", "--source", "电话", "--place", "金东豪庭", "--team", "红色先锋",
                     "--resident", "王女士", "--at", "7月7日上午9点", "下水管道堵塞")
    ok("issue", "dispatch", iid, "--to", "金东豪庭物业", "--to", "水务公司", "--at", "7月7日9:05")
    ok("issue", "arrive", iid, "--unit", "金东豪庭物业", "--at", "7月7日9:12")
    ok("issue", "arrive", iid, "--unit", "水务公司", "--at", "7月7日9:15")
    ok("issue", "resolve", iid, "--at", "7月7日9:30", "--note", "管道已疏通")
    ok("issue", "callback", iid, "--resolved", "是", "--satisfaction", "满意", "--at", "7月7日下午5点")
    ok("issue", "close", iid, "--at", "7月8日9:00")
    show = json.loads(ok("issue", "show", iid, "--format", "json").stdout)
    assert (show["state"], show["response_minutes"], show["resolve_minutes"]) == ("closed", 5, 30)
    assert [e["step_minutes"] for e in show["events"]] == [0, 5, 0, 7, 3, 15, 450, 960]
    assert show["resident"] == "王*士"
    text = ok("issue", "show", iid, "--format", "table")
    assert "办结用时 30分钟" in text.stderr
    assert "已解决，满意" in text.stdout


def test_fixed_on_the_spot_in_one_command(street):
    iid = open_issue("--kind", "基础设施", "--source", "巡查", "--place", "金地花园", "--at", "2024-07-02 10:00",
                     "--resolved", "路灯不亮，已更换灯泡")
    show = json.loads(ok("issue", "show", iid, "--format", "json").stdout)
    assert [e["event"] for e in show["events"]] == ["received", "resolved"]
    assert show["resolve_minutes"] == 0 and show["response_minutes"] == 0


def test_ref_is_kept_and_refused_twice(street):
    iid = open_issue("--kind", "非警务事项", "--source", "平台", "--place", "金地花园", "--ref", "JFEJ-20240701-007",
                     "--at", "2024-07-01 08:00", "邻居噪音")
    assert json.loads(ok("issue", "show", "JFEJ-20240701-007", "--format", "json").stdout)["id"] == int(iid)
    line = rejected(street, "issue", "open", "--kind", "非警务事项", "--source", "平台", "--place", "金地花园",
                    "--ref", "JFEJ-20240701-007", "重复", mentions=("--ref", "JFEJ-20240701-007"))
    assert f"#{iid}" in line


@pytest.fixture
def dispatched(street):
    iid = open_issue("--kind", "民生问题", "--source", "电话", "--place", "金东豪庭", "--at", "2024-07-07 09:00",
                     "漏水")
    ok("issue", "dispatch", iid, "--to", "金东豪庭物业", "--at", "2024-07-07 09:10")
    return street, iid


def resolved_issue(street):
    iid = open_issue("--kind", "民生问题", "--source", "电话", "--place", "金东豪庭", "--at", "2024-07-07 09:00",
                     "--resolved-at", "2024-07-07 10:00", "停水")
    return iid


def test_no_callback_before_resolve(dispatched):
    db, iid = dispatched
    rejected(db, "issue", "callback", iid, "--resolved", "是", "--satisfaction", "满意", mentions=("不能回访",))


def test_no_second_callback_for_one_resolution(street):
    iid = resolved_issue(street)
    ok("issue", "callback", iid, "--resolved", "yes", "--satisfaction", "basically", "--at", "2024-07-07 11:00")
    rejected(street, "issue", "callback", iid, "--resolved", "是", "--satisfaction", "满意", mentions=("已回访",))


def test_nothing_after_close_but_reopen(street):
    iid = resolved_issue(street)
    ok("issue", "close", iid, "--at", "2024-07-07 12:00")
    for args in (("dispatch", iid, "--to", "派出所"), ("resolve", iid), ("close", iid),
                 ("callback", iid, "--resolved", "是", "--satisfaction", "满意"),
                 ("escalate", iid, "--to", "综治中心")):
        rejected(street, "issue", *args, mentions=("已关闭",))
    ok("issue", "reopen", iid, "--reason", "又漏了", "--at", "2024-07-08 08:00")
    ok("issue", "dispatch", iid, "--to", "派出所", "--at", "2024-07-08 08:30")
    assert json.loads(ok("issue", "show", iid, "-f", "json").stdout)["state"] == "dispatched"


def test_no_arrive_from_a_unit_it_was_not_dispatched_to(dispatched):
    db, iid = dispatched
    rejected(db, "issue", "arrive", iid, "--unit", "水务公司", mentions=("没有派给", "银川市中铁水务公司"))


def test_no_return_from_a_unit_it_was_not_dispatched_to(dispatched):
    db, iid = dispatched
    rejected(db, "issue", "return", iid, "--unit", "司法所", "--reason", "不归我们", mentions=("没有派给",))


def test_returned_unit_can_no_longer_arrive(dispatched):
    db, iid = dispatched
    ok("issue", "return", iid, "--unit", "金东豪庭物业", "--reason", "属于市政", "--at", "2024-07-07 09:20")
    assert json.loads(ok("issue", "show", iid, "-f", "json").stdout)["state"] == "returned"
    rejected(db, "issue", "arrive", iid, "--unit", "金东豪庭物业", mentions=("没有派给",))


def test_transfer_replaces_the_handler(dispatched):
    db, iid = dispatched
    ok("issue", "transfer", iid, "--to", "派出所", "--at", "2024-07-07 09:30")
    rejected(db, "issue", "arrive", iid, "--unit", "金东豪庭物业", mentions=("没有派给",))
    ok("issue", "arrive", iid, "--unit", "派出所", "--at", "2024-07-07 09:40")


def test_no_transfer_before_dispatch(street):
    iid = open_issue("--kind", "矛盾纠纷", "--source", "上门", "--place", "金地花园", "--at", "2024-07-07 09:00",
                     "邻里纠纷")
    rejected(street, "issue", "transfer", iid, "--to", "派出所", mentions=("还没有派单",))


def test_no_double_dispatch_to_the_same_unit(dispatched):
    db, iid = dispatched
    rejected(db, "issue", "dispatch", iid, "--to", "金东豪庭物业", mentions=("已派给",))


def test_no_close_before_resolve(dispatched):
    db, iid = dispatched
    rejected(db, "issue", "close", iid, mentions=("不能关闭",))


def test_no_reopen_of_an_open_issue(dispatched):
    db, iid = dispatched
    rejected(db, "issue", "reopen", iid, "--reason", "x", mentions=("无需重开",))


def test_no_resolve_twice(street):
    iid = resolved_issue(street)
    rejected(street, "issue", "resolve", iid, mentions=("已办结",))


def test_no_step_before_the_previous_one(dispatched):
    db, iid = dispatched
    rejected(db, "issue", "resolve", iid, "--at", "2024-07-07 09:05", mentions=("早于上一步",))


def test_no_step_in_the_future(dispatched):
    db, iid = dispatched
    rejected(db, "issue", "resolve", iid, "--at", "2024-07-09 09:00", mentions=("--at", "晚于今天"))


def test_meeting_for_a_closed_issue_is_refused(street):
    iid = resolved_issue(street)
    ok("issue", "close", iid, "--at", "2024-07-07 12:00")
    rejected(street, "meeting", "add", "--issue", iid, "--party", "司法所", "--decision", "再议", mentions=("已关闭",))


@pytest.mark.parametrize(
    "args, mentions",
    [
        (("open", "--kind", "投诉", "--source", "电话", "--place", "金地花园", "x"), ("--kind", "投诉")),
        (("open", "--kind", "民生问题", "--source", "微信", "--place", "金地花园", "x"), ("--source", "微信")),
        (("open", "--kind", "民生问题", "--source", "电话", "--place", "火星", "x"), ("--place", "火星")),
        (("open", "--kind", "民生问题", "--source", "电话", "--place", "金地花园", "--team", "蓝队", "x"),
         ("--team", "蓝队")),
        (("open", "--kind", "民生问题", "--source", "电话", "--place", "金地花园", "--resident", "赵六", "x"),
         ("--resident", "赵六")),
        (("open", "--kind", "民生问题", "--source", "电话", "--place", "金地花园", "--at", "2024-02-30", "x"),
         ("--at", "2024-02-30")),
        (("open", "--kind", "民生问题", "--source", "电话", "--place", "金地花园", " "), ("TEXT",)),
        (("open", "--kind", "民生问题", "--source", "电话", "--place", "金地花园", "x" * 2001), ("TEXT",)),
        (("open", "--kind", "民生问题", "--source", "电话", "--place", "金地花园", "--ref", "", "x"), ("--ref",)),
        (("dispatch", "99", "--to", "派出所"), ("ID", "99")),
        (("dispatch", "1", "--to", "消防队"), ("--to", "消防队")),
        (("arrive", "1", "--unit", "物业公司"), ("--unit", "物业公司")),
        (("resolve", "1", "--at", "昨天25点"), ("--at", "昨天25点")),
        (("callback", "1", "--resolved", "也许", "--satisfaction", "满意"), ("--resolved", "也许")),
        (("callback", "1", "--resolved", "是", "--satisfaction", "还行"), ("--satisfaction", "还行")),
        (("return", "1", "--unit", "派出所", "--reason", " "), ("--reason",)),
        (("list", "--state", "pending"), ("--state", "pending")),
        (("list", "--kind", "投诉"), ("--kind", "投诉")),
        (("list", "--since", "2024-13-01"), ("--since", "2024-13-01")),
        (("show", "abc"), ("ID", "abc")),
    ],
)
def test_bad_issue_values(street, args, mentions):
    open_issue("--kind", "民生问题", "--source", "电话", "--place", "金东豪庭", "--at", "2024-07-07 09:00", "漏水")
    rejected(street, "issue", *args, mentions=mentions)


@pytest.mark.parametrize(
    "args, mentions",
    [
        (("--party", "司法所", "--decision", " "), ("--decision",)),
        (("--party", " ", "--decision", "x"), ("--party",)),
        (("--party", "unit:消防队", "--decision", "x"), ("--party", "消防队")),
        (("--party", "司法所", "--decision", "x", "--issue", "42"), ("--issue", "42")),
        (("--party", "司法所", "--decision", "x", "--date", "7月32日"), ("--date", "7月32日")),
    ],
)
def test_bad_meeting_values(street, args, mentions):
    rejected(street, "meeting", "add", *args, mentions=mentions)


@pytest.fixture
def many(street):
    """Four issues: open, overdue, resolved, closed."""
    open_issue("--kind", "民生问题", "--source", "电话", "--place", "金东豪庭", "--team", "红色先锋",
               "--at", "2024-07-07 09:00", "停水")
    open_issue("--kind", "安全隐患", "--source", "巡查", "--place", "D区3号楼", "--at", "2024-06-20 09:00", "楼道堆物")
    open_issue("--kind", "意见建议", "--source", "走访", "--place", "金地花园", "--at", "2024-07-01 09:00",
               "--resolved-at", "2024-07-02 09:00", "增设健身路径")
    open_issue("--kind", "民生问题", "--source", "12345", "--place", "金东豪庭", "--team", "红色先锋",
               "--at", "2024-07-03 09:00", "--resolved-at", "2024-07-03 10:00", "路灯")
    ok("issue", "close", "4", "--at", "2024-07-04 09:00")
    return street


@pytest.mark.parametrize(
    "filters, ids",
    [
        ((), [2, 3, 4, 1]),
        (("--state", "open"), [2, 1]),
        (("--state", "overdue"), [2]),
        (("--state", "已办结"), [3]),
        (("--state", "closed"), [4]),
        (("--kind", "民生问题"), [4, 1]),
        (("--team", "红色先锋", "--state", "open"), [1]),
        (("--place", "金地花园"), [2, 3]),
        (("--place", "金地花园", "--state", "open"), [2]),
        (("--since", "2024-07-01", "--until", "2024-07-03"), [3, 4]),
        (("--kind", "民生问题", "--since", "7月5日"), [1]),
    ],
)
def test_issue_list_filters_combine(many, filters, ids):
    rows = json.loads(ok("issue", "list", *filters, "--format", "json").stdout)
    assert [r["id"] for r in rows] == ids


def test_issue_list_in_every_format(many):
    rows = json.loads(ok("issue", "list", "--format", "json").stdout)
    as_csv = list(csv.DictReader(io.StringIO(ok("issue", "list", "--format", "csv").stdout)))
    assert [int(r["编号"]) for r in as_csv] == [r["id"] for r in rows]
    assert as_csv[1]["办结"] == "1440" and as_csv[0]["办结"] == ""
    # csv and tsv are for people: Chinese headers and words; json keeps the slugs
    assert [(r["类型"], r["状态"]) for r in as_csv] == [
        (VOCABS["issue_kind"][r["kind"]][0], VOCABS["event"][r["state"]][0]) for r in rows]
    assert {r["kind"] for r in rows} <= set(VOCABS["issue_kind"])
    tsv = ok("issue", "list", "--format", "tsv").stdout.splitlines()
    assert len(tsv) == 5 and tsv[0].startswith("编号\t受理时间\t类型")
    english = ok("--lang", "en", "issue", "list", "--format", "tsv").stdout.splitlines()
    assert english[0].startswith("id\treceived\tkind") and [x.split("\t")[2] for x in english[1:]] == [
        VOCABS["issue_kind"][r["kind"]][-1] for r in rows]
    jsonl = [json.loads(x) for x in ok("issue", "list", "--format", "jsonl").stdout.splitlines()]
    assert jsonl == rows
    table = ok("issue", "list", "--format", "table").stdout
    assert "楼道堆物" in table and "1天" in table


def test_undo_voids_the_last_command_of_this_recorder(street):
    iid = open_issue("--kind", "民生问题", "--source", "电话", "--place", "金东豪庭", "--at", "2024-07-07 09:00",
                     "漏水")
    ok("issue", "dispatch", iid, "--to", "金东豪庭物业", "--to", "水务公司", "--at", "2024-07-07 09:10")
    ok("--by", "另一位", "place", "add", "金凤区/新小区")  # someone else's later command is not ours to undo
    result = ok("undo")
    assert "已撤销“诉求 派单”" in result.stderr and "诉求事件#2 诉求事件#3" in result.stderr
    show = json.loads(ok("issue", "show", iid, "-f", "json").stdout)
    assert [e["event"] for e in show["events"]] == ["received"]
    assert json.loads(ok("log", "-n", "1", "-f", "json").stdout)[0]["command"] == "undo"
    again = run("undo")
    assert again.exit_code == 1 and "已撤销过" in again.stderr
    ok("issue", "dispatch", iid, "--to", "金东豪庭物业", "--at", "2024-07-07 09:10")  # the step can be typed again
    ok("check")


def test_undo_of_a_void_restores(street):
    ok("void", "resident", "1", "--reason", "录错")
    assert json.loads(ok("resident", "list", "-f", "json").stdout) == []
    assert "恢复" in ok("undo").stderr
    assert len(json.loads(ok("resident", "list", "-f", "json").stdout)) == 1
    ok("check")


def test_undo_refuses_a_change_it_cannot_reverse(village):
    ok("member", "leave", "王凤琴", "--team", "橙色公益")
    rejected(village, "undo", mentions=("队员 离队",))


def test_void_an_issue_event_changes_the_state(dispatched):
    db, iid = dispatched
    ok("issue", "resolve", iid, "--at", "2024-07-07 10:00")
    ok("void", "issue_event", "3", "--reason", "误点办结")
    assert json.loads(ok("issue", "show", iid, "-f", "json").stdout)["state"] == "dispatched"


def _nearest_rank(values: list[int], pct: int) -> int:
    ordered = sorted(values)
    return ordered[max(1, -(-len(ordered) * pct // 100)) - 1]


def test_work_order_times_are_the_median_and_nearest_rank_p90(street):
    """The conventional median (two middle values averaged, a half minute rounded up) and p90 of the minutes
    to first response and to resolution, the response rate against
    the limit, in the summary and in the monthly tally; an issue nobody answered counts as received."""
    ok("setting", "set", "response_limit_hours", "1")
    responses = [7, 3, 50, 12, 30, 1, 90, 45, 20, 60, 200]
    resolutions = {0: 100, 2: 55, 3: 40, 5: 70}  # an even count: the median is (55 + 70) / 2
    for n, minutes in enumerate(responses):
        iid = open_issue("--kind", "民生问题", "--source", "电话", "--place", "金东豪庭", "--team", "红色先锋",
                         "--at", f"2024-07-0{1 + n % 5} 08:00", f"诉求{n}")
        at = f"2024-07-0{1 + n % 5} {8 + minutes // 60:02d}:{minutes % 60:02d}"
        ok("issue", "dispatch", iid, "--to", "金东豪庭物业", "--at", at)
        if n in resolutions:
            done = 8 * 60 + resolutions[n]
            ok("issue", "resolve", iid, "--at", f"2024-07-0{1 + n % 5} {done // 60:02d}:{done % 60:02d}")
    open_issue("--kind", "民生问题", "--source", "电话", "--place", "金东豪庭", "--team", "红色先锋",
               "--at", "2024-07-06 08:00", "没人接")
    k = json.loads(ok("--today", "2024-08-01", "summary", "--format", "json").stdout)["kpi"]  # as of the same moment
    assert (k["received"], k["responded_in_time"], k["resolved"]) == (12, sum(m <= 60 for m in responses), 4)
    assert (k["response_minutes_median"], k["response_minutes_p90"]) == (
        statistics.median(responses), _nearest_rank(responses, 90),
    )
    assert (k["resolve_minutes_median"], k["resolve_minutes_p90"]) == (63, 100)
    tally = json.loads(ok("--today", "2024-08-01", "report", "monthly", "--format", "json").stdout)
    assert tally["kpi"] == k
    row = next(r for r in tally["rows"] if r["team"] == "“红色先锋”志愿服务队")
    assert (row["issues_received"], row["responded_in_time"], row["resolved"]) == (12, 9, 4)


def test_a_note_with_a_line_break_stays_on_its_records_line(street):
    from rich.cells import cell_len

    iid = open_issue("--kind", "民生问题", "--source", "电话", "--place", "金东豪庭", "--at", "2024-07-08 09:00",
                     "停水")
    ok("issue", "resolve", iid, "--at", "2024-07-08 09:30", "--note", "阀门已换\n明天回访")
    lines = ok("issue", "show", iid, "--format", "table").stdout.splitlines()
    rows = [line for line in lines if "│" in line]
    bars = {tuple(cell_len(line[:i]) for i, ch in enumerate(line) if ch == "│") for line in rows}
    assert len(bars) == 1 and len(rows) == 2 and "阀门已换 明天回访" in rows[-1]  # one line a record


def test_a_reopened_issue_shows_no_finish_time(db):
    ok("place", "add", "银川市/金凤区/满城北街街道/平伏桥村")
    ok("issue", "open", "--kind", "民生问题", "--source", "电话", "--place", "平伏桥村", "--at", "2024-07-01 09:00",
       "漏水")
    ok("issue", "resolve", "1", "--at", "2024-07-01 10:00")
    assert json.loads(ok("issue", "show", "1", "--format", "json").stdout)["resolve_minutes"] == 60
    ok("issue", "reopen", "1", "--reason", "又漏了", "--at", "2024-07-02 09:00")
    shown = json.loads(ok("issue", "show", "1", "--format", "json").stdout)
    assert shown["state"] == "reopened" and shown["resolve_minutes"] is None
    assert json.loads(ok("issue", "list", "--format", "json").stdout)[0]["resolve_minutes"] is None


def test_issue_list_sees_the_ledger_as_of_its_today(street):
    """`issue list` with --today shows each issue as it stood then: later issues do not exist yet, and a
    resolution after that day has not happened."""
    first = open_issue("--kind", "民生问题", "--source", "电话", "--place", "金东豪庭", "--at", "2024-07-01 08:00",
                       "停水")
    ok("issue", "resolve", first, "--at", "2024-07-05 10:00")
    open_issue("--kind", "民生问题", "--source", "电话", "--place", "金东豪庭", "--at", "2024-07-04 08:00", "停电")

    def states(today: str) -> list[tuple[str, str]]:
        rows = json.loads(ok("--today", today, "issue", "list", "-f", "json").stdout)
        return [(r["text"], r["state"]) for r in rows]

    assert states("2024-07-02") == [("停水", "received")]
    assert states("2024-07-08") == [("停水", "resolved"), ("停电", "received")]

    def overdue(today: str) -> list[str]:
        rows = json.loads(ok("--today", today, "issue", "list", "--state", "overdue", "-f", "json").stdout)
        return [r["text"] for r in rows]

    assert overdue("2024-07-08") == [] and overdue("2024-07-10") == ["停电"]  # the 5-day limit
