"""meeting add / list: consultation meetings (协商会议), optionally for an issue."""

import sys
from typing import Annotated

import typer

from huidesk.commands import group
from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.options import FormatOpt, SinceOpt, UntilOpt, WideOpt
from huidesk.render.output import Column, emit, message, short_place

app = group(
    tr(
        "协商会议：参会各方与决定，可关联一件诉求。",
        "Consultation meetings: parties and decision, optionally for an issue.",
    )
)


@app.command(
    "add",
    help=tr(
        "记录一次协商会议。参会方可以是单位、队员，或只写名称（律师、楼栋长）；"
        "前缀 unit:/member:/resident:/name: 可指明。"
        "关联诉求时，诉求时间线上记一步“协商”。\n\n\b\n"
        "例：huidesk meeting add --issue 1 --party 公用事业服务中心 --party 司法所 --party 律师 --party 物业公司 \\\n"
        "      --date '7月8日 15:00' --decision 绿化带推进1米，拓宽消防通道并增设停车位",
        "Record a consultation meeting; with --issue, a 'consulted' step is added to the issue's timeline.\n\n\b\n"
        "Example: huidesk meeting add --issue 1 --party 司法所 --party name:lawyer --decision 'move the hedge 1 m'",
    ),
)
def add(
    ctx: typer.Context,
    party: Annotated[list[str], typer.Option("--party", help=tr("参会方（可多次）", "party (repeatable)"))],
    decision: Annotated[str, typer.Option("--decision", help=tr("会议决定", "decision"))],
    issue: Annotated[str | None, typer.Option("--issue", help=tr("关联的诉求编号", "issue id"))] = None,
    date: Annotated[
        str | None, typer.Option("--date", "-d", help=tr("时间：7月8日 15:00；默认现在", "when; default now"))
    ] = None,
    place: Annotated[str | None, typer.Option("--place", "-p", help=tr("地点", "place"))] = None,
) -> None:
    from huidesk.domain.models import MeetingIn

    s = session(ctx)
    at = s.moment(date, "--date")
    with s.ledger() as store:
        issue_row = store.issues.find(issue, "--issue") if issue else None
        if place:
            place_id = store.find("places", place, "--place")["id"]
        else:
            place_id = issue_row.place_id if issue_row else None
        parties = list({tuple(p.items()): p for p in (store.meetings.party(x) for x in party)}.values())
        meeting = MeetingIn.of(date=at[:10], decision=decision, issue_id=issue_row.id if issue_row else None,
                               place_id=place_id)
        with store.write(s.command) as tx:
            mid = store.meetings.add(tx, meeting.row(), parties, at)
    message(tr(f"已记录协商会议 #{mid}（{len(parties)} 方参会）", f"recorded meeting #{mid} ({len(parties)} parties)"))
    sys.stdout.write(f"{mid}\n")


COLUMNS = [
    Column("id", "编号", "id", nowrap=True, priority=9),
    Column("date", "日期", "date", nowrap=True, priority=8),
    Column("issue_id", "诉求", "issue", nowrap=True, priority=5),
    Column("place", "地点", "place", show=short_place, priority=4, cut="path"),
    Column("parties", "参会方", "parties", priority=3, cut="words"),
    Column("decision", "决定", "decision", priority=7, least=16),
]


@app.command(
    "list",
    help=tr(
        "列出协商会议。\n\n\b\n例：huidesk meeting list --issue 1",
        "List meetings.\n\n\b\nExample: huidesk meeting list --since 2024-07-01",
    ),
)
def list_(
    ctx: typer.Context,
    issue: Annotated[str | None, typer.Option("--issue", help=tr("只看这件诉求的", "only for this issue"))] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    fmt: FormatOpt = None,
    wide: WideOpt = False,
) -> None:
    s = session(ctx)
    start, end = s.period(since, until)
    with s.ledger() as store:
        issue_id = store.issues.find(issue, "--issue").id if issue else None
        emit(store.meetings.list(issue_id, start, end), COLUMNS, fmt, wide=wide)
