"""key add / list / revoke: the keys Open311 clients post service requests to the web desk with (`huidesk serve`,
`/open311/v2/requests.json`). A key is printed once when it is made; the ledger keeps only its hash."""

import sys
from typing import Annotated

import typer

from huidesk.commands import group
from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.options import FormatOpt, WideOpt
from huidesk.render.output import Column, emit, message

app = group(tr("Open311 接口密钥：外部平台向服务台提交诉求用（只保存哈希）。",
               "Open311 API keys: what outside platforms post requests to the web desk with (kept as hashes)."))

NameArg = Annotated[str, typer.Argument(metavar="NAME", help=tr("密钥名称（谁在用）", "the key's name (who uses it)"))]


@app.command(
    "add",
    help=tr(
        "新建一个密钥并打印一次（账本只保存它的哈希，之后无法再查看）；用于 Open311 POST 的 api_key。\n\n\b\n"
        "例：huidesk key add 12345平台",
        "Make a key and print it once (the ledger keeps only its hash); Open311 clients post with it as "
        "api_key.\n\n\b\nExample: huidesk key add 12345-platform",
    ),
)
def add(ctx: typer.Context, name: NameArg) -> None:
    from huidesk.ledger import access

    s = session(ctx)
    with s.ledger() as store:
        with store.write(s.command) as tx:
            key = access.add(store, tx, name)
    message(tr(f"已新建密钥“{name.strip()}”：它只显示这一次，请妥善保存",
               f"made key '{name.strip()}': it is shown this once, keep it safe"))
    sys.stdout.write(key + "\n")


COLUMNS = [
    Column("id", "编号", "id", nowrap=True, priority=9),
    Column("name", "名称", "name", priority=8),
    Column("prefix", "开头", "starts", nowrap=True, priority=7),
    Column("made_at", "新建于", "made", nowrap=True, priority=5),
    Column("revoked_at", "吊销于", "revoked", nowrap=True, priority=6),
]


@app.command(
    "list",
    help=tr("列出密钥：名称、开头几位、新建和吊销时间（密钥本身不保存）。\n\n\b\n例：huidesk key list",
            "List the keys: name, first characters, when made and revoked (the keys themselves are not kept)."
            "\n\n\b\nExample: huidesk key list"),
)
def list_(ctx: typer.Context, fmt: FormatOpt = None, wide: WideOpt = False) -> None:
    from huidesk.ledger import access

    s = session(ctx)
    with s.ledger() as store:
        rows = access.listed(store)
    emit(rows, COLUMNS, fmt, wide=wide)


@app.command(
    "revoke",
    help=tr("吊销一个密钥（按名称或开头几位）：此后用它提交会被拒绝。\n\n\b\n例：huidesk key revoke 12345平台",
            "Revoke a key (by name or first characters): requests posted with it are refused from then on."
            "\n\n\b\nExample: huidesk key revoke 12345-platform"),
)
def revoke(ctx: typer.Context, name: NameArg) -> None:
    from huidesk.ledger import access

    s = session(ctx)
    with s.ledger() as store:
        with store.write(s.command) as tx:
            kid = access.revoke(store, tx, name)
    message(tr(f"已吊销密钥 #{kid}（{name.strip()}）", f"revoked key #{kid} ({name.strip()})"))
