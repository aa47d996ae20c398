"""place add / list / tree."""

import sys
from typing import Annotated

import typer

from huidesk.commands import group
from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.domain.vocab import choices_help, complete
from huidesk.options import FormatOpt, PlaceFilter, WideOpt
from huidesk.render.output import Column, emit, message, say

app = group(
    tr(
        "地点：市、区/县、街道/镇、社区/村、小区、楼栋，写成路径。",
        "Places, written as paths: city/district/street/...",
    )
)


@app.command(
    "add",
    help=tr(
        "添加地点及其缺少的上级；层级按名称推断，可用 --level 指定最后一级。\n\n\b\n"
        "例：huidesk place add 银川市/金凤区/黄河东路街道/金地花园/D区3号楼\n"
        "    huidesk place add 平伏桥村/悦湖家园 --level 小区",
        "Add a place and any missing ancestors; levels are guessed from names, --level sets the last one.\n\n\b\n"
        "Example: huidesk place add 银川市/金凤区/黄河东路街道/金地花园/D区3号楼",
    ),
)
def add(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help=tr("地点路径，用 / 分隔", "place path, parts separated by /"))],
    level: Annotated[
        str | None,
        typer.Option(
            "--level", "-l", autocompletion=complete("level"),
            help=choices_help("level", "最后一级的层级", "level of the last part"),
        ),
    ] = None,
) -> None:
    from huidesk.domain.places import level_word
    from huidesk.domain.vocab import resolve

    s = session(ctx)
    lvl = resolve("level", level, "--level") if level is not None else None
    with s.ledger() as store:
        with store.write(s.command) as tx:
            created = store.places.add(tx, path, lvl)
        place = store.find("places", path, "PATH") if not created else created[-1]
    for p in created:
        message(
            tr(
                f"已添加地点 #{p['id']} {p['path']}（{level_word(p['level'], p['path'].rsplit('/', 1)[-1])}）",
                f"added place #{p['id']} {p['path']} ({level_word(p['level'], p['path'])})",
            )
        )
    if not created:
        message(tr(f"地点已存在：#{place['id']} {place['path']}", f"place exists: #{place['id']} {place['path']}"))
    sys.stdout.write(f"{place['id']}\n")


COLUMNS = [
    Column("id", "编号", "id", nowrap=True, priority=9),
    Column("path", "地点", "place", priority=8, cut="path"),
    Column("level", "层级", "level", vocab="level", priority=6),
    Column("teams", "服务队", "teams", nowrap=True, priority=3),
    Column("residents", "居民", "residents", nowrap=True, priority=4),
]


@app.command(
    "list",
    help=tr(
        "列出地点。\n\n\b\n例：huidesk place list --place 金凤区 --format csv",
        "List places.\n\n\b\nExample: huidesk place list --format csv",
    ),
)
def list_(ctx: typer.Context, place: PlaceFilter = None, fmt: FormatOpt = None, wide: WideOpt = False) -> None:
    s = session(ctx)
    with s.ledger() as store:
        under = store.find("places", place, "--place") if place else None
        emit(store.places.list(under), COLUMNS, fmt, wide=wide)


@app.command(
    "tree",
    help=tr(
        "以树形画出地点。\n\n\b\n例：huidesk place tree --place 金凤区",
        "Draw places as a tree.\n\n\b\nExample: huidesk place tree",
    ),
)
def tree(ctx: typer.Context, place: PlaceFilter = None) -> None:
    from huidesk.domain.places import level_word

    s = session(ctx)
    with s.ledger() as store:
        under = store.find("places", place, "--place") if place else None
        rows = store.places.list(under)
    if not rows:
        message(tr("（没有地点）", "(no places)"))
        return
    ids = {r["id"] for r in rows}
    children: dict[int | None, list] = {}
    for r in rows:
        parent = r["parent_id"] if r["parent_id"] in ids else None
        children.setdefault(parent, []).append(r)

    def walk(parent: int | None, prefix: str) -> None:
        kids = children.get(parent, [])
        for i, r in enumerate(kids):
            last = i == len(kids) - 1
            line = f"{r['name']}（{level_word(r['level'], r['name'])}）"
            if parent is None:
                say(line)
                walk(r["id"], "")
            else:
                say(f"{prefix}{'└── ' if last else '├── '}{line}")
                walk(r["id"], prefix + ("    " if last else "│   "))

    walk(None, "")
