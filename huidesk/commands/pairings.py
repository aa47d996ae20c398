"""pair add / list: a member paired with a resident (爱心妈妈 and a child), since a date."""

import sys
from typing import Annotated

import typer

from huidesk.commands import group
from huidesk.commands.records import masked_rows
from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.options import FormatOpt, WideOpt, WithPii
from huidesk.render.output import Column, emit, message

app = group(tr("结对：队员与居民结对关爱（如爱心妈妈与困境儿童）。", "Pairings: a member paired with a resident."))

COLUMNS = [
    Column("id", "编号", "id", nowrap=True, priority=9),
    Column("member", "队员", "member", priority=8),
    Column("resident", "居民", "resident", priority=8),
    Column("since", "结对日期", "since", nowrap=True, priority=6),
    Column("until", "结束", "until", nowrap=True, priority=4),
    Column("note", "备注", "note", priority=3),
]


@app.command(
    "add",
    help=tr(
        "队员与居民结对；同一对已在结对中时拒绝。日期不能晚于今天。\n\n\b\n"
        "例：huidesk pair add --member 张佳丽 --resident 小花 --since 7月1日 --note 爱心妈妈",
        "Pair a member with a resident; refused while the same two are already paired.\n\n\b\n"
        "Example: huidesk pair add --member 张佳丽 --resident 小花 --note 爱心妈妈",
    ),
)
def add(
    ctx: typer.Context,
    member: Annotated[str, typer.Option("--member", "-m", help=tr("队员", "member"))],
    resident: Annotated[str, typer.Option("--resident", "-r", help=tr("居民", "resident"))],
    since: Annotated[
        str | None, typer.Option("--since", help=tr("结对日期，默认今天", "since (default today)"))
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help=tr("备注，例如 爱心妈妈", "note"))] = None,
) -> None:
    from huidesk.domain.models import PairingIn

    s = session(ctx)
    on = s.date(since, "--since")
    with s.ledger() as store:
        m = store.find("members", member, "--member")
        r = store.find("residents", resident, "--resident")
        pairing = PairingIn.of(member_id=m["id"], resident_id=r["id"], since=on, note=note, today=s.today.isoformat())
        with store.write(s.command) as tx:
            pid = store.pairings.add(tx, pairing.row())
    message(tr(f"已结对 #{pid}：{m['name']} 自 {on} 起", f"paired #{pid}: {m['name']} since {on}"))
    sys.stdout.write(f"{pid}\n")


@app.command(
    "list",
    help=tr(
        "列出结对（居民姓名默认遮蔽）。\n\n\b\n例：huidesk pair list --member 张佳丽",
        "List pairings (residents' names masked).\n\n\b\nExample: huidesk pair list --member 张佳丽",
    ),
)
def list_(
    ctx: typer.Context,
    member: Annotated[
        str | None, typer.Option("--member", "-m", help=tr("只看这位队员的", "only this member's"))
    ] = None,
    resident: Annotated[
        str | None, typer.Option("--resident", "-r", help=tr("只看这位居民的", "only this resident's"))
    ] = None,
    fmt: FormatOpt = None,
    wide: WideOpt = False,
    with_pii: WithPii = False,
) -> None:
    s = session(ctx)
    with s.ledger() as store:
        member_id = store.find_id("members", member, "--member")
        resident_id = store.find_id("residents", resident, "--resident")
        rows = store.pairings.list(member_id=member_id, resident_id=resident_id)
        emit(masked_rows(rows, with_pii), COLUMNS, fmt, wide=wide)
