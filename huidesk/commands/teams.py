"""team add / list / show."""

import sys
from typing import Annotated

import typer

from huidesk.commands import group
from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.domain.vocab import choices_help, complete
from huidesk.options import FormatOpt, PlaceFilter, WideOpt, WithPii
from huidesk.render.output import Column, emit, message, short_place

app = group(
    tr("服务队：每支队伍有所在地点、类别、队长和成立日期。", "Volunteer teams: place, line, leader, founding date.")
)


@app.command(
    "add",
    help=tr(
        "添加服务队；名称含“橙色公益”等时自动识别类别。\n\n\b\n"
        "例：huidesk team add “橙色公益”志愿服务队 --place 平伏桥村 --leader 王凤琴 --founded 2022-03-01",
        "Add a team; a colour line in the name (橙色公益...) is recognised.\n\n\b\n"
        "Example: huidesk team add “橙色公益”志愿服务队 --place 平伏桥村 --founded 2022-03-01",
    ),
)
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help=tr("服务队名称", "team name"))],
    place: Annotated[str, typer.Option("--place", "-p", help=tr("所在社区/村", "home place"))],
    line: Annotated[
        str | None,
        typer.Option(
            "--line",
            autocompletion=complete("line"),
            help=choices_help("line", "类别", "colour line"),
        ),
    ] = None,
    leader: Annotated[str | None, typer.Option("--leader", help=tr("队长（队员）", "leader (a member)"))] = None,
    founded: Annotated[str | None, typer.Option("--founded", help=tr("成立日期", "founding date"))] = None,
) -> None:
    from huidesk.domain.models import TeamIn
    from huidesk.domain.vocab import guess_line, resolve

    s = session(ctx)
    slug = resolve("line", line, "--line") if line is not None else guess_line(name)
    founded_on = s.date(founded, "--founded") if founded is not None else None
    with s.ledger() as store:
        place_id = store.find("places", place, "--place")["id"]
        leader_id = store.find_id("members", leader, "--leader")
        team = TeamIn.of(name=name, place_id=place_id, line=slug, leader_id=leader_id, founded=founded_on)
        with store.write(s.command) as tx:
            tid = store.teams.add(tx, team.row(), leader_joined=founded_on or s.today.isoformat())
    message(tr(f"已添加服务队 #{tid} {team.name}", f"added team #{tid} {team.name}"))
    sys.stdout.write(f"{tid}\n")


COLUMNS = [
    Column("id", "编号", "id", nowrap=True, priority=9),
    Column("name", "服务队", "team", priority=8, least=20),
    Column("line", "类别", "line", vocab="line", priority=3),
    Column("place", "地点", "place", show=short_place, priority=6, cut="path"),
    Column("leader", "队长", "leader", priority=5),
    Column("founded", "成立", "founded", nowrap=True, priority=2),
    Column("members", "在队人数", "members", nowrap=True, priority=4),
]


@app.command(
    "list",
    help=tr(
        "列出服务队及在队人数。\n\n\b\n例：huidesk team list --place 平伏桥村",
        "List teams with their current size.\n\n\b\nExample: huidesk team list --place 平伏桥村",
    ),
)
def list_(ctx: typer.Context, place: PlaceFilter = None, fmt: FormatOpt = None, wide: WideOpt = False) -> None:
    s = session(ctx)
    with s.ledger() as store:
        under = store.find("places", place, "--place") if place else None
        emit(store.teams.list(under, s.today.isoformat()), COLUMNS, fmt, wide=wide)


@app.command(
    "show",
    help=tr(
        "显示一支服务队及其队员。\n\n\b\n例：huidesk team show 橙色公益",
        "Show a team and its members.\n\n\b\nExample: huidesk team show 橙色公益",
    ),
)
def show(
    ctx: typer.Context,
    team: Annotated[str, typer.Argument(help=tr("服务队（编号、名称或其中一部分）", "team (id, name or part of it)"))],
    fmt: FormatOpt = None,
    wide: WideOpt = False,
    with_pii: WithPii = False,
) -> None:
    from huidesk.commands.members import MEMBER_COLUMNS, member_rows
    from huidesk.domain.vocab import label

    s = session(ctx)
    with s.ledger() as store:
        t = store.find("teams", team, "TEAM")
        info = store.teams.list(None, s.today.isoformat(), team_id=t["id"])[0]
        rows = store.teams.members(t["id"])
    message(
        f"#{info['id']} {info['name']}　{label('line', info['line'])}　{info['place']}"
        + tr(
            f"　队长：{info['leader'] or '—'}　成立：{info['founded'] or '—'}　在队：{info['members']} 人",
            f"  leader: {info['leader'] or '-'}  founded: {info['founded'] or '-'}  members: {info['members']}",
        )
    )
    cols = MEMBER_COLUMNS[:2] + [
        Column("roles", "角色", "roles", vocab="role", priority=4),
        Column("joined", "入队", "joined", nowrap=True, priority=3),
        Column("left", "离队", "left", nowrap=True, priority=2),
    ]
    emit(member_rows(rows, with_pii), cols, fmt, wide=wide)
