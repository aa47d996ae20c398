"""issue open / dispatch / arrive / transfer / return / escalate / resolve / callback / close / reopen /
list / show: a resident's issue as dated events, never an overwritten status."""

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

import typer

from huidesk.commands import group
from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.domain.vocab import choices_help, complete
from huidesk.options import FormatOpt, PlaceFilter, SinceOpt, TeamFilter, UntilOpt, WideOpt, WithPii
from huidesk.render.output import Column, emit, message, short_place, short_team

if TYPE_CHECKING:
    from huidesk.domain.calendar import Deadline
    from huidesk.domain.records import Issue

app = group(
    tr(
        "诉求/工单：受理 → 派单/吹哨 → 报到 → 上报 → 协商 → 办结 → 回访 → 关闭，每一步都是带时间的事件。",
        "Issues: received → dispatched → arrived → escalated → consulted → resolved → callback → closed,"
        " as dated events.",
    )
)

IssueArg = Annotated[str, typer.Argument(metavar="ID", help=tr("诉求编号或工单号", "issue id or order number"))]
AtOpt = Annotated[
    str | None,
    typer.Option(
        "--at", help=tr("时间：2024-07-07 14:30、7月7日下午3点；默认现在", "when: 2024-07-07 14:30; default now")
    ),
]
NoteOpt = Annotated[str | None, typer.Option("--note", help=tr("备注", "note"))]


def _note(text: str | None, field: str = "--note") -> str | None:
    """An event's note as the web desk takes it too (huidesk/actions.py)."""
    from huidesk.actions import note

    return note(text, field)


@app.command(
    "open",
    help=tr(
        "受理一件诉求，打印新编号。--ref 记下 12345/平台工单号（同一工单号不能登记两次）；"
        "当场解决的加 --resolved。\n\n\b\n"
        "例：huidesk issue open --kind 安全隐患 --source 巡查 --place 金地花园 --at '7月7日 9:00'"
        " 消防通道被电动车占用\n"
        "    huidesk issue open --kind 民生问题 --source 电话 --place 金东豪庭 --ref 12345-0707-01"
        " 下水管道堵塞\n"
        "    huidesk issue open --kind 民生问题 --source 12345 --place 金东豪庭 --nature 投诉 --category 物业"
        " --repeat-of 3 下水管道又堵了",
        "Receive an issue and print its id. --ref keeps a 12345/platform order number;"
        " --resolved for one fixed on the spot.\n\n\b\n"
        "Example: huidesk issue open --kind safety_hazard --source patrol --place 金地花园 fire lane blocked",
    ),
)
def open_(
    ctx: typer.Context,
    text: Annotated[list[str], typer.Argument(metavar="TEXT", help=tr("诉求内容", "what it is about"))],
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            "-k",
            autocompletion=complete("issue_kind"),
            help=choices_help("issue_kind", "类型", "kind"),
        ),
    ],
    source: Annotated[
        str,
        typer.Option(
            "--source",
            "-s",
            autocompletion=complete("source"),
            help=choices_help("source", "来源", "source"),
        ),
    ],
    place: Annotated[str, typer.Option("--place", "-p", help=tr("地点", "place"))],
    team: Annotated[str | None, typer.Option("--team", "-t", help=tr("负责的服务队", "team in charge"))] = None,
    resident: Annotated[
        str | None, typer.Option("--resident", "-r", help=tr("反映人（居民）", "resident who raised it"))
    ] = None,
    at: AtOpt = None,
    ref: Annotated[
        str | None, typer.Option("--ref", help=tr("12345/平台工单号", "12345/platform order number"))
    ] = None,
    resolved: Annotated[
        bool, typer.Option("--resolved", help=tr("当场已解决", "already resolved on the spot"))
    ] = False,
    resolved_at: Annotated[
        str | None,
        typer.Option("--resolved-at", help=tr("解决时间（默认同受理时间）", "when it was resolved")),
    ] = None,
    note: NoteOpt = None,
    nature: Annotated[
        str | None,
        typer.Option("--nature", autocompletion=complete("nature"),
                     help=tr("诉求性质：求助、咨询、投诉、建议、表扬",
                             "nature: help, inquiry, complaint, proposal, praise")),
    ] = None,
    category: Annotated[
        str | None,
        typer.Option("--category", autocompletion=complete("category"),
                     help=tr("类别：物业、市政、环境卫生、供暖、治安、交通、其他（setting set categories 可增加）",
                             "category: property, municipal, sanitation, heating, public order, traffic, other")),
    ] = None,
    repeat_of: Annotated[
        str | None,
        typer.Option("--repeat-of", help=tr("重复件：重复反映的那件诉求（编号或工单号）",
                                            "a repeat complaint: the issue it repeats (id or order number)")),
    ] = None,
    due: Annotated[str | None, typer.Option("--due", help=tr(
        "本件的办结时限（12345 工单的办理时限）：3工作日、三天、5d、72h，或到期日期、时间（2024-09-19）",
        "this issue's own resolve limit (a 12345 order's): 3wd, 5d, 72h, or the day or time it is due"))] = None,
) -> None:
    from huidesk.actions import open_issue

    done = open_issue(session(ctx), " ".join(text), kind, source, place, team, resident, at, ref, resolved,
                      resolved_at, note, nature, category, repeat_of, due, command=session(ctx).command)
    message(done.message)
    for line in done.notes:
        message(line)
    sys.stdout.write(f"{done.id}\n")


def _say_deadline(deadline: "Deadline", words: str) -> None:
    from huidesk.domain.calendar import estimated_note

    message(f"{words} {_deadline(deadline.at.isoformat())}")
    if deadline.estimated:
        message(estimated_note())


def _deadline(moment: str) -> str:
    from huidesk.domain.dates import shown_deadline

    return shown_deadline(moment)


def _event(ctx, issue: str, event: str, at: str | None, units: list[str] = (), field: str = "--to", **values) -> None:
    """Record one event (one per unit) after the issue's state allows it."""
    from huidesk.domain.dates import shown_moment
    from huidesk.domain.vocab import label

    s = session(ctx)
    when = s.moment(at)
    with s.ledger() as store:
        found = store.issues.find(issue)
        targets = store.find_many("units", units, field) if units else [None]
        with store.write(s.command) as tx:
            for unit in targets:
                store.issues.add_event(tx, found.id, event, when, unit, **values)
    to = "、".join(u["name"] for u in targets if u is not None)
    to = f" {to}" if to else ""
    message(tr(f"诉求 #{found.id}：{label('event', event)}{to}（{shown_moment(when)}）",
               f"issue #{found.id}: {label('event', event)}{to} ({shown_moment(when)})"))


UnitsOpt = Annotated[list[str], typer.Option("--to", help=tr("单位（可多次）", "unit (repeatable)"))]
UnitOpt = Annotated[str, typer.Option("--unit", "-u", help=tr("单位", "unit"))]


@app.command(
    "dispatch",
    help=tr(
        "派单/吹哨给一个或多个单位。\n\n\b\n例：huidesk issue dispatch 3 --to 物业公司 --to 水务公司 --at 10:05",
        "Dispatch to one or more units.\n\n\b\nExample: huidesk issue dispatch 3 --to 物业公司",
    ),
)
def dispatch(ctx: typer.Context, issue: IssueArg, to: UnitsOpt, at: AtOpt = None, note: NoteOpt = None) -> None:
    _event(ctx, issue, "dispatched", at, to, note=_note(note))


@app.command(
    "arrive",
    help=tr(
        "单位报到/到场（须是已派给的单位）。\n\n\b\n例：huidesk issue arrive 3 --unit 物业公司 --at 10:20",
        "A unit it was dispatched to arrives.\n\n\b\nExample: huidesk issue arrive 3 --unit 物业公司",
    ),
)
def arrive(ctx: typer.Context, issue: IssueArg, unit: UnitOpt, at: AtOpt = None, note: NoteOpt = None) -> None:
    _event(ctx, issue, "arrived", at, [unit], "--unit", note=_note(note))


@app.command(
    "transfer",
    help=tr(
        "转单给另一个单位（取代原来的承办单位）。\n\n\b\n例：huidesk issue transfer 3 --to 派出所",
        "Transfer to another unit (replacing the current ones).\n\n\b\nExample: huidesk issue transfer 3 --to 派出所",
    ),
)
def transfer(
    ctx: typer.Context,
    issue: IssueArg,
    to: Annotated[str, typer.Option("--to", help=tr("单位", "unit"))],
    at: AtOpt = None,
    note: NoteOpt = None,
) -> None:
    _event(ctx, issue, "transferred", at, [to], note=_note(note))


@app.command(
    "return",
    help=tr(
        "退单：单位说明不归其管。\n\n\b\n例：huidesk issue return 3 --unit 司法所 --reason 不属于本所职责",
        "Return: the unit says it is not theirs.\n\n\b\n"
        "Example: huidesk issue return 3 --unit 司法所 --reason 'not ours'",
    ),
)
def return_(
    ctx: typer.Context,
    issue: IssueArg,
    unit: UnitOpt,
    reason: Annotated[str, typer.Option("--reason", help=tr("退单原因", "why"))],
    at: AtOpt = None,
) -> None:
    _event(ctx, issue, "returned", at, [unit], "--unit", note=_note(reason, "--reason"))


@app.command(
    "escalate",
    help=tr(
        "上报到上级单位。\n\n\b\n例：huidesk issue escalate 3 --to 黄河东路街道综治中心",
        "Escalate to a higher level.\n\n\b\nExample: huidesk issue escalate 3 --to 综治中心",
    ),
)
def escalate(
    ctx: typer.Context,
    issue: IssueArg,
    to: Annotated[str, typer.Option("--to", help=tr("上级单位", "higher unit"))],
    at: AtOpt = None,
    note: NoteOpt = None,
) -> None:
    _event(ctx, issue, "escalated", at, [to], note=_note(note))


@app.command(
    "resolve",
    help=tr(
        "办结。\n\n\b\n例：huidesk issue resolve 3 --at 10:35 --note 已疏通",
        "Resolve.\n\n\b\nExample: huidesk issue resolve 3 --note cleared",
    ),
)
def resolve_(ctx: typer.Context, issue: IssueArg, at: AtOpt = None, note: NoteOpt = None) -> None:
    _event(ctx, issue, "resolved", at, note=_note(note))


@app.command(
    "callback",
    help=tr(
        "回访：是否解决、满意度。\n\n\b\n例：huidesk issue callback 3 --resolved 是 --satisfaction 满意",
        "Call back: resolved? satisfied?\n\n\b\n"
        "Example: huidesk issue callback 3 --resolved yes --satisfaction satisfied",
    ),
)
def callback(
    ctx: typer.Context,
    issue: IssueArg,
    resolved: Annotated[
        str,
        typer.Option(
            "--resolved", autocompletion=complete("answer"), help=choices_help("answer", "是否解决", "resolved")
        ),
    ],
    satisfaction: Annotated[
        str,
        typer.Option(
            "--satisfaction",
            autocompletion=complete("satisfaction"),
            help=choices_help("satisfaction", "满意度", "satisfaction"),
        ),
    ],
    at: AtOpt = None,
    note: NoteOpt = None,
) -> None:
    from huidesk.domain.vocab import resolve

    answer = resolve("answer", resolved, "--resolved")
    level = resolve("satisfaction", satisfaction, "--satisfaction")
    _event(ctx, issue, "callback", at, answer=answer, satisfaction=level, note=_note(note))


@app.command(
    "close",
    help=tr(
        "关闭（办结之后）。\n\n\b\n例：huidesk issue close 3",
        "Close (after it is resolved).\n\n\b\nExample: huidesk issue close 3",
    ),
)
def close(ctx: typer.Context, issue: IssueArg, at: AtOpt = None) -> None:
    _event(ctx, issue, "closed", at)


@app.command(
    "reopen",
    help=tr(
        "重开一件已办结或已关闭的诉求。\n\n\b\n例：huidesk issue reopen 3 --reason 回访时仍漏水",
        "Reopen a resolved or closed issue.\n\n\b\nExample: huidesk issue reopen 3 --reason 'still leaking'",
    ),
)
def reopen(
    ctx: typer.Context,
    issue: IssueArg,
    reason: Annotated[str, typer.Option("--reason", help=tr("重开原因", "why"))],
    at: AtOpt = None,
) -> None:
    _event(ctx, issue, "reopened", at, note=_note(reason, "--reason"))


ReasonOpt = Annotated[str, typer.Option("--reason", help=tr("原因", "why"))]
ApproverOpt = Annotated[str | None, typer.Option("--approver", help=tr("批准人", "who approved it"))]
ByOpt = Annotated[str, typer.Option("--by", help=tr("顺延多久：2工作日、两天、3d、48h", "by how much: 2wd, 3d, 48h"))]


@app.command(
    "extend",
    help=tr(
        "延期：把办结时限顺延（从当前时限算起：小时、天按民法典计法、工作日按国务院安排），记下原因和批准人。\n\n\b\n"
        "例：huidesk issue extend 3 --by 2工作日 --reason 需协调供水单位 --approver 王主任",
        "Extend: move the resolve deadline on (from where it falls now) by hours, days or working days, with the"
        " reason and who approved it.\n\n\b\n"
        "Example: huidesk issue extend 3 --by 2wd --reason 'waiting for the water company' --approver 王主任",
    ),
)
def extend(ctx: typer.Context, issue: IssueArg, by: ByOpt, reason: ReasonOpt, approver: ApproverOpt = None,
           at: AtOpt = None) -> None:
    from huidesk.domain.calendar import shown_limit
    from huidesk.domain.dates import shown_moment
    from huidesk.domain.settings import typed_limit

    s = session(ctx)
    amount = typed_limit(by, "d", "--by")
    when = s.moment(at)
    with s.ledger() as store:
        found = store.issues.find(issue)
        with store.write(s.command) as tx:
            moved = store.issues.extend(tx, found, amount, when, _note(reason, "--reason"),
                                        _note(approver, "--approver"))
    message(tr(f"诉求 #{found.id}：延期{shown_limit(str(amount))}（{shown_moment(when)}）",
               f"issue #{found.id}: extended by {shown_limit(str(amount))} ({shown_moment(when)})"))
    _say_deadline(moved, tr("办结时限至", "now due by"))


@app.command(
    "exempt",
    help=tr(
        "核减：无效或不合理的诉求经批准不计入各项比率（仍计入受理，并单独列出）。\n\n\b\n"
        "例：huidesk issue exempt 3 --reason 诉求人要求超出政策范围 --approver 街道考核办",
        "Exempt (核减): an invalid or unreasonable complaint, approved, leaves every rate (it is still counted as"
        " received, and listed).\n\n\b\n"
        "Example: huidesk issue exempt 3 --reason 'beyond policy' --approver 街道考核办",
    ),
)
def exempt(ctx: typer.Context, issue: IssueArg, reason: ReasonOpt, approver: ApproverOpt = None,
           at: AtOpt = None) -> None:
    _event(ctx, issue, "exempted", at, note=_note(reason, "--reason"), approver=_note(approver, "--approver"))


@app.command(
    "contact",
    help=tr(
        "先行联系：第一次联系诉求人（setting set response_events 决定它是否计为响应）。\n\n\b\n"
        "例：huidesk issue contact 3 --at 9:20 --note 电话联系，约定下午上门",
        "First contact with the person who raised it (setting response_events decides whether it counts as the"
        " response).\n\n\b\nExample: huidesk issue contact 3 --at 9:20",
    ),
)
def contact(ctx: typer.Context, issue: IssueArg, at: AtOpt = None, note: NoteOpt = None) -> None:
    _event(ctx, issue, "contacted", at, note=_note(note))


def _minutes(value: object) -> str:
    from huidesk.domain.dates import format_minutes

    return format_minutes(value)  # type: ignore[arg-type]


def _moment(value: object) -> str:
    from huidesk.domain.dates import shown_moment

    return shown_moment(str(value))


LIST_COLUMNS = [
    Column("id", "编号", "id", nowrap=True, priority=9),
    Column("received_at", "受理时间", "received", show=_moment, nowrap=True, priority=7),
    Column("kind", "类型", "kind", vocab="issue_kind", priority=7),
    Column("source", "来源", "source", vocab="source", priority=2),
    Column("place", "地点", "place", show=short_place, priority=6, cut="path"),
    Column("team", "服务队", "team", show=short_team, priority=4, least=10),
    Column("state", "状态", "state", vocab="event", priority=8),
    Column("nature", "性质", "nature", vocab="nature", priority=2),
    Column("category", "类别", "category", vocab="category", priority=3),
    Column("repeat_of", "重复件", "repeat of", show=lambda v: "" if v is None else f"#{v}", nowrap=True, priority=1),
    Column("ref", "工单号", "ref", nowrap=True, priority=1),
    Column("due_at", "时限至", "due by", show=lambda v: "" if v is None else _deadline(v), nowrap=True, priority=1),
    Column("exempted", "核减", "exempted", show=lambda v: tr("核减", "exempted") if v else "", nowrap=True, priority=1),
    Column("response_minutes", "响应", "to respond", show=_minutes, nowrap=True, priority=2),
    Column("resolve_minutes", "办结", "to resolve", show=_minutes, nowrap=True, priority=3),
    Column("text", "内容", "text", priority=8, least=16),
]


@app.command(
    "list",
    help=tr(
        "列出诉求；条件可组合。--state open|resolved|closed|overdue（超过办结时限未办结）|exempted（核减）。\n\n\b\n"
        "例：huidesk issue list --state open --kind 安全隐患 --place 金凤区 --since 2024-07-01",
        "List issues; filters combine. --state open|resolved|closed|overdue|exempted.\n\n\b\n"
        "Example: huidesk issue list --state overdue --team 红色先锋",
    ),
)
def list_(
    ctx: typer.Context,
    state: Annotated[
        str | None,
        typer.Option(
            "--state",
            help=tr("open 未办结 / resolved 已办结 / closed 已关闭 / overdue 超期 / exempted 核减",
                    "open|resolved|closed|overdue|exempted"),
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind", "-k", autocompletion=complete("issue_kind"), help=choices_help("issue_kind", "类型", "kind")
        ),
    ] = None,
    team: TeamFilter = None,
    place: PlaceFilter = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    fmt: FormatOpt = None,
    wide: WideOpt = False,
) -> None:
    from huidesk.domain.errors import InvalidValue
    from huidesk.domain.vocab import resolve

    s = session(ctx)
    states = {"open": "open", "未办结": "open", "resolved": "resolved", "已办结": "resolved", "办结": "resolved",
              "closed": "closed", "已关闭": "closed", "关闭": "closed", "overdue": "overdue", "超期": "overdue",
              "exempted": "exempted", "核减": "exempted", "已核减": "exempted"}
    if state is not None and state.strip().lower() not in states:
        raise InvalidValue(
            "--state",
            state,
            tr(
                "可选：open 未办结、resolved 已办结、closed 已关闭、overdue 超期、exempted 核减",
                "choose open, resolved, closed, overdue or exempted",
            ),
        )
    kind_slug = resolve("issue_kind", kind, "--kind") if kind is not None else None
    start, end = s.period(since, until)
    with s.ledger() as store:
        team_id = store.find_id("teams", team, "--team")
        under = store.find("places", place, "--place") if place else None
        issues = store.issues.list(state=states[state.strip().lower()] if state else None, kind=kind_slug,
                              team_id=team_id, place=under, since=start, until=end, now=s.now.isoformat())
    emit(_as_rows(issues), LIST_COLUMNS, fmt, wide=wide)


def _as_rows(issues: "list[Issue]") -> Iterator[dict[str, object]]:
    """Issues as the renderer reads rows, by column name (dataclasses.asdict would also deep-copy
    every value)."""
    from dataclasses import fields

    from huidesk.domain.records import Issue

    names = [f.name for f in fields(Issue)]
    return ({**{name: getattr(issue, name) for name in names}, "exempted": bool(issue.exempted)} for issue in issues)


TIMELINE = [
    Column("at", "时间", "at", show=_moment, nowrap=True, priority=9),
    Column("event", "事件", "event", vocab="event", priority=9),
    Column("detail", "单位/说明", "detail", priority=7, least=16),
    Column("step_minutes", "距上一步", "since previous", show=_minutes, nowrap=True, priority=5),
    Column("total_minutes", "距受理", "since received", show=_minutes, nowrap=True, priority=6),
]


@app.command(
    "show",
    help=tr(
        "显示一件诉求及其时间线（每一步用时）。\n\n\b\n例：huidesk issue show 3",
        "Show an issue and its timeline with the time each step took.\n\n\b\nExample: huidesk issue show 3",
    ),
)
def show(
    ctx: typer.Context, issue: IssueArg, fmt: FormatOpt = None, wide: WideOpt = False, with_pii: WithPii = False
) -> None:
    from huidesk.actions import timeline as issue_timeline
    from huidesk.domain.privacy import shown
    from huidesk.domain.vocab import label
    from huidesk.render.output import Output, render, screen_lines

    s = session(ctx)
    with s.ledger() as store:
        found = store.issues.find(issue)
        events = store.issues.events(found.id)
    timeline = issue_timeline(found.received_at, events)
    resident = shown("resident", "name", found.resident, with_pii)
    data = {k: getattr(found, k) for k in ("id", "ref", "kind", "source", "place", "team", "text", "received_at",
                                           "nature", "category", "repeat_of", "state", "response_minutes",
                                           "resolve_minutes", "due_at")}
    data["exempted"] = bool(found.exempted)
    data["resident"] = resident
    data["events"] = timeline

    def head() -> None:
        gap = tr("　", "  ")
        title = f"#{found.id} {label('issue_kind', found.kind)}·{label('source', found.source)}{gap}{found.place}"
        if found.ref:
            title += gap + tr(f"工单号 {found.ref}", f"ref {found.ref}")
        subject = "·".join(x for x in (label("nature", found.nature), label("category", found.category)) if x)
        if subject:
            title += gap + subject
        if found.repeat_of is not None:
            title += gap + tr(f"重复件（同 #{found.repeat_of}）", f"repeats #{found.repeat_of}")
        if found.due_at is not None:
            title += gap + tr(f"时限至 {_deadline(found.due_at)}", f"due by {_deadline(found.due_at)}")
        if found.exempted:
            title += gap + tr("已核减", "exempted")
        took = found.resolve_minutes
        for text, sep in (
            (title, gap),
            (f"{found.text}" + (tr(f"（反映人：{resident}）", f" (raised by {resident})") if resident else ""), ""),
            (tr(f"状态：{label('event', found.state)}", f"state: {label('event', found.state)}")
             + (gap + tr(f"办结用时 {_minutes(took)}", f"resolved in {_minutes(took)}") if took is not None else ""),
             gap),
        ):
            for line in screen_lines(text, sep, sys.stderr):
                message(line)

    render(Output(timeline, TIMELINE, document=data, whole=True, preface=head), fmt)
