"""card issue / list: service cards issued to residents (爱心理发卡), numbered per kind."""

import sys
from typing import Annotated

import typer

from huidesk.commands import group
from huidesk.commands.records import masked_rows
from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.options import DateOpt, FormatOpt, WideOpt, WithPii
from huidesk.render.output import Column, emit, message

app = group(
    tr("服务卡：为居民办理的爱心理发卡等，每种卡号不重复。", "Service cards issued to residents, numbered per kind.")
)

COLUMNS = [
    Column("id", "编号", "id", nowrap=True, priority=9),
    Column("kind", "卡种", "kind", priority=5),
    Column("no", "卡号", "no", nowrap=True, priority=7),
    Column("resident", "居民", "resident", priority=8),
    Column("date", "办理日期", "date", nowrap=True, priority=6),
]


@app.command(
    "issue",
    help=tr(
        "为居民办理一张服务卡。不给 --no 时自动编号：同种卡已用的最大纯数字卡号加一，补零到 4 位（0001、0002……）；"
        "同种卡的卡号不能重复（12 与 0012 视为同一号，作废的卡号也不再使用）。\n\n\b\n"
        "例：huidesk card issue --resident 韩桂英 --kind 爱心理发卡 --date 2024-06-01",
        "Issue a service card. Without --no the next number is the highest all-digit number of that kind plus one,\n"
        "zero-padded to 4 digits (0001, 0002, ...); "
        "a number is never used twice in a kind (12 = 0012, void cards included).\n\n\b\n"
        "Example: huidesk card issue --resident 韩桂英 --kind 爱心理发卡 --no 0286",
    ),
)
def issue(
    ctx: typer.Context,
    resident: Annotated[str, typer.Option("--resident", "-r", help=tr("居民", "resident"))],
    kind: Annotated[str, typer.Option("--kind", "-k", help=tr("卡种，例如 爱心理发卡", "kind, e.g. 爱心理发卡"))],
    no: Annotated[
        str | None, typer.Option("--no", help=tr("卡号（默认自动编号）", "card number (default: the next one)"))
    ] = None,
    date: DateOpt = None,
) -> None:
    from huidesk.domain.models import CardIn

    s = session(ctx)
    on = s.date(date)
    with s.ledger() as store:
        r = store.find("residents", resident, "--resident")
        card = CardIn.of(resident_id=r["id"], kind=kind, no=no, date=on, today=s.today.isoformat())
        with store.write(s.command) as tx:
            cid, number = store.cards.issue(tx, card.row())
    message(tr(f"已办理{card.kind} #{cid}，卡号 {number}", f"issued {card.kind} #{cid}, number {number}"))
    sys.stdout.write(f"{cid}\n")


@app.command(
    "list",
    help=tr(
        "列出服务卡（居民姓名默认遮蔽）。\n\n\b\n例：huidesk card list --kind 爱心理发卡 --format csv",
        "List service cards (residents' names masked).\n\n\b\nExample: huidesk card list --kind 爱心理发卡",
    ),
)
def list_(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option("--kind", "-k", help=tr("只看这种卡", "only this kind"))] = None,
    resident: Annotated[
        str | None, typer.Option("--resident", "-r", help=tr("只看这位居民的", "only this resident's"))
    ] = None,
    fmt: FormatOpt = None,
    wide: WideOpt = False,
    with_pii: WithPii = False,
) -> None:
    s = session(ctx)
    with s.ledger() as store:
        resident_id = store.find_id("residents", resident, "--resident")
        rows = store.cards.list(kind=kind.strip() if kind is not None else None, resident_id=resident_id)
        emit(masked_rows(rows, with_pii), COLUMNS, fmt, wide=wide)
