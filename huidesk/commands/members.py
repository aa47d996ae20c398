"""member add / list / show / join / leave."""

import sys
from collections.abc import Iterable, Iterator
from typing import Annotated

import typer

from huidesk.commands import group
from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.domain.vocab import choices_help, complete
from huidesk.options import AllowDuplicate, DateOpt, FormatOpt, TeamFilter, WideOpt, WithPii
from huidesk.render.output import Column, emit, message, short_team

app = group(
    tr("队员：志愿者，可属于多支服务队、有多个角色。", "Members: volunteers, in several teams, with several roles.")
)

def _short_teams(names: object) -> str:
    """A member's teams (stored comma-joined) as a table shows them: short names joined by 、."""
    return "、".join(short_team(name) for name in str(names).split(","))


MEMBER_COLUMNS = [
    Column("id", "编号", "id", nowrap=True, priority=9),
    Column("name", "姓名", "name", priority=8),
    Column("reg_no", "注册编号", "reg. no.", nowrap=True, priority=4),
    Column("teams", "服务队", "teams", show=_short_teams, priority=6, cut="words"),
    Column("roles", "角色", "roles", vocab="role", priority=5),
    Column("phone", "电话", "phone", nowrap=True, priority=2),
    Column("joined", "加入", "joined", nowrap=True, priority=3),
]


RegNoOpt = Annotated[
    str | None,
    typer.Option("--reg-no", help=tr("志愿者注册编号（如全国志愿服务信息系统的编号），唯一",
                                     "volunteer registration number (e.g. the national system's), unique")),
]


def member_rows(rows: Iterable, with_pii: bool) -> Iterator[dict]:
    """Rows as privacy's rule shows a member: the name in full, the phone masked unless --with-pii."""
    from huidesk.domain.privacy import shown_row

    for r in rows:
        yield shown_row("member", dict(r), with_pii)


@app.command(
    "add",
    help=tr(
        "添加队员，可同时入队、设角色。\n\n\b\n"
        "例：huidesk member add 王凤琴 --team 橙色公益 --role 党员 --role 志愿者 --phone 13800000000",
        "Add a member, optionally into teams and with roles.\n\n\b\n"
        "Example: huidesk member add 王凤琴 --team 橙色公益 --role party_member",
    ),
)
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help=tr("姓名", "name"))],
    team: Annotated[
        list[str] | None, typer.Option("--team", "-t", help=tr("服务队（可多次）", "team (repeatable)"))
    ] = None,
    role: Annotated[
        list[str] | None,
        typer.Option(
            "--role",
            "-r",
            autocompletion=complete("role"),
            help=choices_help("role", "角色（可多次）", "role (repeatable)"),
        ),
    ] = None,
    phone: Annotated[str | None, typer.Option("--phone", help=tr("电话", "phone"))] = None,
    reg_no: RegNoOpt = None,
    joined: Annotated[
        str | None, typer.Option("--joined", help=tr("加入日期，默认今天", "joining date, default today"))
    ] = None,
    allow_duplicate: AllowDuplicate = False,
) -> None:
    from huidesk.domain.models import MemberIn
    from huidesk.domain.vocab import resolve

    s = session(ctx)
    roles = list(dict.fromkeys(resolve("role", r, "--role") for r in role or []))
    joined_on = s.date(joined, "--joined")
    with s.ledger() as store:
        teams = store.find_many("teams", team or [], "--team")
        member = MemberIn.of(name=name, phone=phone, joined=joined_on, reg_no=reg_no)
        with store.write(s.command) as tx:
            mid = store.members.add(tx, member.row(), [t["id"] for t in teams], roles, allow_duplicate)
    where = "、".join(t["name"] for t in teams)
    message(
        tr(
            f"已添加队员 #{mid} {member.name}" + (f"，加入 {where}" if where else ""),
            f"added member #{mid} {member.name}",
        )
    )
    sys.stdout.write(f"{mid}\n")


@app.command(
    "list",
    help=tr(
        "列出队员（电话默认遮蔽）。\n\n\b\n例：huidesk member list --team 橙色公益 --role 党员",
        "List members (phones masked).\n\n\b\nExample: huidesk member list --team 橙色公益",
    ),
)
def list_(
    ctx: typer.Context,
    team: TeamFilter = None,
    role: Annotated[
        str | None,
        typer.Option(
            "--role", "-r", autocompletion=complete("role"), help=choices_help("role", "只看这个角色", "only this role")
        ),
    ] = None,
    fmt: FormatOpt = None,
    wide: WideOpt = False,
    with_pii: WithPii = False,
) -> None:
    from huidesk.domain.vocab import resolve

    s = session(ctx)
    role_slug = resolve("role", role, "--role") if role is not None else None
    with s.ledger() as store:
        team_id = store.find_id("teams", team, "--team")
        emit(member_rows(store.members.list(team_id, role_slug), with_pii), MEMBER_COLUMNS, fmt, wide=wide)


@app.command(
    "show",
    help=tr(
        "显示一名队员及其入队经历。\n\n\b\n例：huidesk member show 王凤琴",
        "Show a member and their team history.\n\n\b\nExample: huidesk member show 王凤琴",
    ),
)
def show(
    ctx: typer.Context,
    member: Annotated[str, typer.Argument(help=tr("队员（编号或姓名）", "member (id or name)"))],
    fmt: FormatOpt = None,
    wide: WideOpt = False,
    with_pii: WithPii = False,
) -> None:
    from huidesk.domain.vocab import label

    s = session(ctx)
    with s.ledger() as store:
        m = store.find("members", member, "MEMBER")
        info = next(member_rows(store.members.list(member_id=m["id"]), with_pii))
        history = store.members.history(m["id"])
    roles = "、".join(label("role", r) for r in (info["roles"] or "").split(",") if r)
    reg_no = tr(f"注册编号 {info['reg_no']}", f"reg. no. {info['reg_no']}") if info["reg_no"] else ""
    message(f"#{info['id']} {info['name']}　{roles or '—'}　{info['phone'] or ''}" + (f"　{reg_no}" if reg_no else ""))
    cols = [
        Column("team_id", "编号", "id", nowrap=True, priority=9),
        Column("team", "服务队", "team", priority=8),
        Column("joined", "入队", "joined", nowrap=True, priority=6),
        Column("left", "离队", "left", nowrap=True, priority=6),
    ]
    emit(history, cols, fmt, wide=wide)


@app.command(
    "edit",
    help=tr(
        "修改队员的注册编号或电话（只改给出的项；--reg-no '' 清除注册编号）。\n\n\b\n"
        "例：huidesk member edit 王凤琴 --reg-no 64010620220301001",
        "Change a member's registration number or phone (only what is given; --reg-no '' clears it).\n\n\b\n"
        "Example: huidesk member edit 王凤琴 --reg-no 64010620220301001",
    ),
)
def edit(
    ctx: typer.Context,
    member: Annotated[str, typer.Argument(help=tr("队员（编号或姓名）", "member (id or name)"))],
    reg_no: RegNoOpt = None,
    phone: Annotated[str | None, typer.Option("--phone", help=tr("电话", "phone"))] = None,
) -> None:
    from huidesk.domain.errors import InvalidValue
    from huidesk.domain.models import MemberEdit

    s = session(ctx)
    given = {k: v for k, v in (("reg_no", reg_no), ("phone", phone)) if v is not None}
    if not given:
        raise InvalidValue("--reg-no/--phone", "", tr("请给出要修改的项", "give something to change"))
    cleared = {k for k, v in given.items() if k == "reg_no" and not v.strip()}
    checked = MemberEdit.of(**{k: v for k, v in given.items() if k not in cleared})
    changes = {k: None if k in cleared else getattr(checked, k) for k in given}
    with s.ledger() as store:
        m = store.find("members", member, "MEMBER")
        with store.write(s.command) as tx:
            store.members.edit(tx, m["id"], changes)
    shown = "、".join(f"{k.replace('_', '-')}={v if v is not None else '—'}" for k, v in changes.items())
    message(tr(f"已修改队员 #{m['id']} {m['name']}：{shown}", f"changed member #{m['id']} {m['name']}: {shown}"))


def _membership(ctx: typer.Context, member: str, team: str, date: str | None, leaving: bool) -> None:
    s = session(ctx)
    on = s.date(date)
    with s.ledger() as store:
        m = store.find("members", member, "MEMBER")
        t = store.find("teams", team, "--team")
        with store.write(s.command) as tx:
            (store.memberships.leave if leaving else store.memberships.join)(tx, m["id"], t["id"], on)
    if leaving:
        message(tr(f"{m['name']} 于 {on} 离开 {t['name']}", f"{m['name']} left {t['name']} on {on}"))
    else:
        message(tr(f"{m['name']} 于 {on} 加入 {t['name']}", f"{m['name']} joined {t['name']} on {on}"))


TeamArg = Annotated[str, typer.Option("--team", "-t", help=tr("服务队", "team"))]
MemberArg = Annotated[str, typer.Argument(help=tr("队员", "member"))]


@app.command(
    "join",
    help=tr(
        "队员加入服务队。\n\n\b\n例：huidesk member join 张佳丽 --team 金色成长 --date 2024-03-01",
        "A member joins a team.\n\n\b\nExample: huidesk member join 张佳丽 --team 金色成长",
    ),
)
def join(ctx: typer.Context, member: MemberArg, team: TeamArg, date: DateOpt = None) -> None:
    _membership(ctx, member, team, date, leaving=False)


@app.command(
    "leave",
    help=tr(
        "队员离开服务队（记录保留）。\n\n\b\n例：huidesk member leave 张佳丽 --team 金色成长",
        "A member leaves a team (history kept).\n\n\b\nExample: huidesk member leave 张佳丽 --team 金色成长",
    ),
)
def leave(ctx: typer.Context, member: MemberArg, team: TeamArg, date: DateOpt = None) -> None:
    _membership(ctx, member, team, date, leaving=True)
