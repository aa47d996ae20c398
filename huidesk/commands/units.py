"""unit add / list: who a case can be dispatched to."""

import sys
from typing import Annotated

import typer

from huidesk.commands import group
from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.domain.vocab import choices_help, complete
from huidesk.options import FormatOpt, WideOpt
from huidesk.render.output import Column, emit, message, short_place

app = group(
    tr("单位：可派单的部门、企业、组织。", "Units a case can be dispatched to: departments, companies, organisations.")
)


@app.command(
    "add",
    help=tr(
        "添加单位；类型按名称推断（…公司 为企业，…所/…中心 为部门）。\n\n\b\n"
        "例：huidesk unit add 黄河东路街道司法所\n    huidesk unit add 银川市中铁水务公司 --kind 企业",
        "Add a unit; its kind is guessed from the name unless --kind is given.\n\n\b\n"
        "Example: huidesk unit add 司法所 --kind department",
    ),
)
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help=tr("单位名称", "unit name"))],
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            "-k",
            autocompletion=complete("unit_kind"),
            help=choices_help("unit_kind", "类型", "kind"),
        ),
    ] = None,
    place: Annotated[str | None, typer.Option("--place", "-p", help=tr("所在地点", "where it is"))] = None,
) -> None:
    from huidesk.domain.models import UnitIn
    from huidesk.domain.vocab import guess_unit_kind, resolve

    s = session(ctx)
    slug = resolve("unit_kind", kind, "--kind") if kind is not None else guess_unit_kind(name.strip())
    with s.ledger() as store:
        place_id = store.find_id("places", place, "--place")
        unit = UnitIn.of(name=name, kind=slug, place_id=place_id)
        with store.write(s.command) as tx:
            uid = store.units.add(tx, unit.name, unit.kind, unit.place_id)
    message(tr(f"已添加单位 #{uid} {unit.name}", f"added unit #{uid} {unit.name}"))
    sys.stdout.write(f"{uid}\n")


COLUMNS = [
    Column("id", "编号", "id", nowrap=True, priority=9),
    Column("name", "单位", "unit", priority=8),
    Column("kind", "类型", "kind", vocab="unit_kind", priority=6),
    Column("place", "地点", "place", show=short_place, priority=4, cut="path"),
]


@app.command(
    "list",
    help=tr(
        "列出单位。\n\n\b\n例：huidesk unit list --format json",
        "List units.\n\n\b\nExample: huidesk unit list --format json",
    ),
)
def list_(ctx: typer.Context, fmt: FormatOpt = None, wide: WideOpt = False) -> None:
    s = session(ctx)
    with s.ledger() as store:
        emit(store.units.list(), COLUMNS, fmt, wide=wide)
