"""visit add / list: members of a team visit residents (走访/慰问). Residents' names are masked
in listings unless --with-pii."""

import sys
from collections.abc import Iterable, Iterator
from typing import Annotated

import typer

from huidesk.commands import group
from huidesk.commands.records import masked
from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.options import DateOpt, FormatOpt, PlaceFilter, SinceOpt, TeamFilter, UntilOpt, WideOpt, WithPii
from huidesk.render.output import Column, emit, message, short_team

app = group(tr("走访慰问：服务队队员上门看望居民。", "Visits: team members call on residents."))


def _yes(value: object) -> str:
    return tr("是", "yes") if value else ""


COLUMNS = [
    Column("id", "编号", "id", nowrap=True, priority=9),
    Column("date", "日期", "date", nowrap=True, priority=8),
    Column("team", "服务队", "team", show=short_team, priority=5, least=10),
    Column("residents", "走访对象", "residents", priority=7, cut="words"),
    Column("members", "队员", "members", priority=4, cut="words"),
    Column("purpose", "事由", "purpose", priority=6, least=14),
    Column("gifts", "慰问品", "gifts", priority=2),
    Column("follow_up", "需跟进", "follow-up", show=_yes, nowrap=True, priority=3),
    Column("hours_each", "每人时长", "hours each", nowrap=True, priority=3),
]


def visit_rows(rows: Iterable, with_pii: bool) -> Iterator[dict]:
    """Rows with the residents' names (masked unless asked) and the members as lists, follow-up as a boolean."""
    import json

    from huidesk.domain.hours import show_hours

    for r in rows:
        row = dict(r)
        row["residents"] = [masked(name, with_pii) for name in json.loads(row["residents"])]  # lists in json
        row["members"] = row["members"].split("、") if row.get("members") else []
        row["follow_up"] = bool(row["follow_up"])
        row["hours_each"] = show_hours(row.pop("minutes_each"))
        yield row


@app.command(
    "add",
    help=tr(
        "记录一次走访：可同时走访多位居民；队员可来自其他服务队。日期不能晚于今天。"
        "--hours 是每位走访队员的服务时长，计入每人的志愿服务时长（花名册、证明）。\n\n\b\n"
        "例：huidesk visit add 丁学志 李增友 --team 橙色公益 --member 王凤琴 "
        "--date 7月7日 --purpose 看望高龄老人 --gift 慰问品 --hours 1.5",
        "Record a visit to one or more residents; members may come from other teams. Not after today. "
        "--hours is each visiting member's time, credited to each (roster, certificate).\n\n\b\n"
        "Example: huidesk visit add 丁学志 李增友 --team 橙色公益 --member 王凤琴 --date 2024-07-07 --gift 慰问品 "
        "--hours 1.5",
    ),
)
def add(
    ctx: typer.Context,
    residents: Annotated[
        list[str], typer.Argument(metavar="RESIDENT...", help=tr("走访的居民（编号或姓名）", "residents visited"))
    ],
    team: Annotated[str, typer.Option("--team", "-t", help=tr("服务队", "team"))],
    member: Annotated[
        list[str] | None,
        typer.Option("--member", "-m", help=tr("参加走访的队员（可多次）", "member who went (repeatable)")),
    ] = None,
    date: DateOpt = None,
    purpose: Annotated[
        str | None, typer.Option("--purpose", help=tr("事由：看望、慰问、了解情况……", "purpose"))
    ] = None,
    gift: Annotated[
        list[str] | None,
        typer.Option("--gift", help=tr("送去的慰问品（可多次）", "gift brought (repeatable)")),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help=tr("备注", "note"))] = None,
    follow_up: Annotated[bool, typer.Option("--follow-up", help=tr("需要后续跟进", "needs a follow-up"))] = False,
    hours: Annotated[
        str | None,
        typer.Option("--hours", help=tr("每位走访队员的服务时长：2、1.5、90分钟（计入每人的志愿服务时长）",
                                        "each visiting member's time: 2, 1.5, 90min (credited to each)")),
    ] = None,
) -> None:
    from huidesk.actions import record_visit

    done = record_visit(session(ctx), residents, team, member or (), date, purpose, gift or (), note, follow_up, hours)
    message(done.message)
    sys.stdout.write(f"{done.id}\n")


@app.command(
    "list",
    help=tr(
        "列出走访记录（居民姓名默认遮蔽）；--place 指被走访居民的住址。\n\n\b\n"
        "例：huidesk visit list --team 橙色公益 --since 2024-07-01 --format csv",
        "List visits (residents' names masked); --place is where the residents live.\n\n\b\n"
        "Example: huidesk visit list --team 橙色公益 --since 2024-07-01",
    ),
)
def list_(
    ctx: typer.Context,
    team: TeamFilter = None,
    place: PlaceFilter = None,
    resident: Annotated[
        str | None,
        typer.Option("--resident", "-r", help=tr("只看走访这位居民的", "only visits to this resident")),
    ] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    fmt: FormatOpt = None,
    wide: WideOpt = False,
    with_pii: WithPii = False,
) -> None:
    s = session(ctx)
    first, last = s.period(since, until)
    with s.ledger() as store:
        team_id = store.find_id("teams", team, "--team")
        under = store.find("places", place, "--place") if place else None
        resident_id = store.find_id("residents", resident, "--resident")
        rows = store.visits.list(team_id=team_id, place=under, resident_id=resident_id, since=first, until=last)
        emit(visit_rows(rows, with_pii), COLUMNS, fmt, wide=wide)
