"""activity add / list: themed volunteer activities with their volunteer hours (志愿服务时长),
kept in whole minutes and shown as exact hours."""

import sys
from collections.abc import Iterable, Iterator
from typing import Annotated

import typer

from huidesk.commands import group
from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.domain.vocab import choices_help, complete
from huidesk.options import Count, DateOpt, FormatOpt, PlaceFilter, SinceOpt, TeamFilter, UntilOpt, WideOpt
from huidesk.render.output import Column, emit, message, short_place, short_team

app = group(
    tr("志愿服务活动：主题、人数、服务对象人数与志愿服务时长。", "Activities: theme, volunteers, people served, hours.")
)

COLUMNS = [
    Column("id", "编号", "id", nowrap=True, priority=9),
    Column("date", "日期", "date", nowrap=True, priority=8),
    Column("team", "服务队", "team", show=short_team, priority=6, least=10),
    Column("theme", "主题", "theme", vocab="theme", priority=7),
    Column("title", "名称", "title", priority=5),
    Column("place", "地点", "place", show=short_place, priority=3, cut="path"),
    Column("volunteers", "志愿者", "volunteers", nowrap=True, priority=4),
    Column("members", "队员", "members", priority=1, cut="words"),
    Column("served", "服务人数", "served", nowrap=True, priority=4),
    Column("hours", "小时", "hours", nowrap=True, priority=5),
    Column("minutes", "分钟", "minutes", nowrap=True, priority=2),
]


def activity_rows(rows: Iterable) -> Iterator[dict]:
    """Rows with the total time as exact decimal hours (a string: "4.5") beside the whole minutes."""
    from huidesk.domain.hours import show_hours

    for r in rows:
        row = dict(r)
        row["hours"] = show_hours(row["minutes"])
        row["members"] = row["members"].split("、") if row.get("members") else []  # a list in json
        yield row


@app.command(
    "add",
    help=tr(
        "记录一次志愿服务活动。--hours 是每位志愿者的服务时长（2、1.5、90分钟），总时长 = 每人时长 × 志愿者人数；"
        "人数用 --volunteers 给出，或用 --member 列出队员（两者都给时人数不得少于列出的队员）。\n\n\b\n"
        "例：huidesk activity add --theme 爱心理发 --team 银色助老 --member 王玉兰 "
        "--served 20 --hours 2 --place 悦湖家园小区",
        "Record an activity. --hours is each volunteer's time (2, 1.5, 90min); "
        "the total is that times the volunteers,\n"
        "given by --volunteers or by naming --member "
        "(with both, --volunteers may not be fewer than those named).\n\n\b\n"
        "Example: huidesk activity add --theme haircut --team 银色助老 --member 王玉兰 --served 20 --hours 2",
    ),
)
def add(
    ctx: typer.Context,
    theme: Annotated[
        str,
        typer.Option(
            "--theme",
            autocompletion=complete("theme"),
            help=choices_help("theme", "主题", "theme"),
        ),
    ],
    team: Annotated[str, typer.Option("--team", "-t", help=tr("服务队", "team"))],
    date: DateOpt = None,
    place: Annotated[
        str | None,
        typer.Option("--place", "-p", help=tr("地点（默认服务队所在地）", "where (default: the team's place)")),
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help=tr("活动名称", "title"))] = None,
    volunteers: Annotated[
        int | None,
        typer.Option("--volunteers", "-n", click_type=Count(), help=tr("志愿者人数", "number of volunteers")),
    ] = None,
    member: Annotated[
        list[str] | None,
        typer.Option("--member", "-m", help=tr("参加的队员（可多次）", "member who served (repeatable)")),
    ] = None,
    served: Annotated[
        int | None, typer.Option("--served", click_type=Count(), help=tr("服务群众人数", "people served"))
    ] = None,
    hours: Annotated[
        str | None,
        typer.Option(
            "--hours", help=tr("每位志愿者的服务时长：2、1.5、2小时、90分钟", "each volunteer's time: 2, 1.5, 90min")
        ),
    ] = None,
) -> None:
    from huidesk.actions import record_activity

    done = record_activity(session(ctx), theme, team, date, place, title, volunteers, member or (), served, hours)
    message(done.message)
    sys.stdout.write(f"{done.id}\n")


@app.command(
    "list",
    help=tr(
        "列出活动及志愿服务时长（小时为精确小数，另有分钟数）。\n\n\b\n"
        "例：huidesk activity list --team 银色助老 --theme 爱心理发 --since 2024-01-01 --format csv",
        "List activities with their volunteer hours (exact; minutes too).\n\n\b\n"
        "Example: huidesk activity list --theme haircut --since 2024-01-01",
    ),
)
def list_(
    ctx: typer.Context,
    team: TeamFilter = None,
    theme: Annotated[
        str | None,
        typer.Option(
            "--theme", autocompletion=complete("theme"), help=choices_help("theme", "只看这个主题", "only this theme")
        ),
    ] = None,
    place: PlaceFilter = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    fmt: FormatOpt = None,
    wide: WideOpt = False,
) -> None:
    from huidesk.domain.vocab import resolve

    s = session(ctx)
    slug = resolve("theme", theme, "--theme") if theme is not None else None
    first, last = s.period(since, until)
    with s.ledger() as store:
        team_id = store.find_id("teams", team, "--team")
        under = store.find("places", place, "--place") if place else None
        rows = store.activities.list(team_id=team_id, theme=slug, place=under, since=first, until=last)
        emit(activity_rows(rows), COLUMNS, fmt, wide=wide)
