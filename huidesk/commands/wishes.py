"""wish add / claim / fulfil / list: a resident's (often a child's) 微心愿, listed -> claimed by a
member -> fulfilled. Residents' names are masked in listings unless --with-pii."""

import sys
from typing import Annotated

import typer

from huidesk.commands import group
from huidesk.commands.records import masked_rows
from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.options import DateOpt, FormatOpt, WideOpt, WithPii
from huidesk.render.output import Column, emit, message

app = group(tr("微心愿：登记 → 队员认领 → 实现。", "Micro-wishes: listed -> claimed by a member -> fulfilled."))

# state slug -> (Chinese names..., English label), as in huidesk.domain.vocab
STATES = {
    "listed": ("待认领", "已登记", "listed"),
    "claimed": ("已认领", "认领", "claimed"),
    "fulfilled": ("已实现", "已圆梦", "实现", "fulfilled"),
}


def _state_label(slug: object) -> str:
    names = STATES.get(str(slug))
    return tr(names[0], names[-1]) if names else str(slug)


def _state(text: str) -> str:
    from huidesk.domain.errors import InvalidValue

    key = text.strip().lower()
    for slug, names in STATES.items():
        if key == slug or key in names:
            return slug
    choices = "、".join(f"{names[0]}({slug})" for slug, names in STATES.items())
    raise InvalidValue("--state", text, tr(f"可选：{choices}", f"choose from: {choices}"))


COLUMNS = [
    Column("id", "编号", "id", nowrap=True, priority=9),
    Column("resident", "居民", "resident", priority=7),
    Column("text", "心愿", "wish", priority=8, least=12),
    Column("state", "状态", "state", show=_state_label, written=_state_label, nowrap=True, priority=8),
    Column("listed", "登记", "listed", nowrap=True, priority=3),
    Column("member", "认领人", "claimed by", priority=5),
    Column("claimed", "认领", "claimed", nowrap=True, priority=2),
    Column("fulfilled", "实现", "fulfilled", nowrap=True, priority=4),
]


WishId = Annotated[int, typer.Argument(metavar="ID", help=tr("微心愿编号", "wish id"))]


@app.command(
    "add",
    help=tr(
        "登记一个微心愿。\n\n\b\n例：huidesk wish add --resident 小花 想要一套绘画工具 --date 7月1日",
        "List a resident's micro-wish.\n\n\b\nExample: huidesk wish add --resident 小花 a set of paints",
    ),
)
def add(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(metavar="TEXT", help=tr("心愿内容", "the wish"))],
    resident: Annotated[str, typer.Option("--resident", "-r", help=tr("许愿的居民", "whose wish"))],
    date: DateOpt = None,
) -> None:
    from huidesk.domain.models import WishIn

    s = session(ctx)
    on = s.date(date)
    with s.ledger() as store:
        r = store.find("residents", resident, "--resident")
        wish = WishIn.of(resident_id=r["id"], text=text, listed=on, today=s.today.isoformat())
        with store.write(s.command) as tx:
            wid = store.wishes.add(tx, wish.row())
    message(tr(f"已登记微心愿 #{wid}（{on}）", f"listed wish #{wid} ({on})"))
    sys.stdout.write(f"{wid}\n")


@app.command(
    "claim",
    help=tr(
        "队员认领一个待认领的微心愿。\n\n\b\n例：huidesk wish claim 3 --member 张佳丽 --date 7月5日",
        "A member claims a listed wish.\n\n\b\nExample: huidesk wish claim 3 --member 张佳丽",
    ),
)
def claim(
    ctx: typer.Context,
    wish_id: WishId,
    member: Annotated[str, typer.Option("--member", "-m", help=tr("认领的队员", "member who claims it"))],
    date: DateOpt = None,
) -> None:
    from huidesk.domain.models import StepIn

    s = session(ctx)
    on = s.date(date)
    with s.ledger() as store:
        m = store.find("members", member, "--member")
        step = StepIn.of(date=on, today=s.today.isoformat())
        with store.write(s.command) as tx:
            store.wishes.claim(tx, wish_id, m["id"], step.date)
    message(tr(f"{m['name']} 于 {on} 认领了微心愿 #{wish_id}", f"{m['name']} claimed wish #{wish_id} on {on}"))


@app.command(
    "fulfil",
    help=tr(
        "记录一个已认领的微心愿已实现。\n\n\b\n例：huidesk wish fulfil 3 --date 7月8日",
        "Record that a claimed wish came true.\n\n\b\nExample: huidesk wish fulfil 3",
    ),
)
def fulfil(ctx: typer.Context, wish_id: WishId, date: DateOpt = None) -> None:
    from huidesk.domain.models import StepIn

    s = session(ctx)
    on = s.date(date)
    with s.ledger() as store:
        step = StepIn.of(date=on, today=s.today.isoformat())
        with store.write(s.command) as tx:
            store.wishes.fulfil(tx, wish_id, step.date)
    message(tr(f"微心愿 #{wish_id} 已于 {on} 实现", f"wish #{wish_id} fulfilled on {on}"))


@app.command(
    "list",
    help=tr(
        "列出微心愿（居民姓名默认遮蔽）。\n\n\b\n例：huidesk wish list --state 待认领",
        "List wishes (residents' names masked).\n\n\b\nExample: huidesk wish list --state listed",
    ),
)
def list_(
    ctx: typer.Context,
    state: Annotated[
        str | None,
        typer.Option(
            "--state", help=tr("状态：待认领(listed)、已认领(claimed)、已实现(fulfilled)", "listed|claimed|fulfilled")
        ),
    ] = None,
    resident: Annotated[
        str | None, typer.Option("--resident", "-r", help=tr("只看这位居民的", "only this resident's"))
    ] = None,
    member: Annotated[
        str | None,
        typer.Option("--member", "-m", help=tr("只看这位队员认领的", "only claimed by this member")),
    ] = None,
    fmt: FormatOpt = None,
    wide: WideOpt = False,
    with_pii: WithPii = False,
) -> None:
    from dataclasses import asdict

    s = session(ctx)
    slug = _state(state) if state is not None else None
    with s.ledger() as store:
        resident_id = store.find_id("residents", resident, "--resident")
        member_id = store.find_id("members", member, "--member")
        wishes = store.wishes.list(state=slug, resident_id=resident_id, member_id=member_id)
        emit(masked_rows(map(asdict, wishes), with_pii), COLUMNS, fmt, wide=wide)
