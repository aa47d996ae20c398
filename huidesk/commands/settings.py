"""setting list / set: the ledger's own settings (limits, weights, issuer)."""

from typing import Annotated

import typer

from huidesk.commands import group
from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.options import FormatOpt, WideOpt
from huidesk.render.output import Column, emit, message

app = group(
    tr("账本设置：响应/办结时限、基本满意权重、出具单位。", "Ledger settings: limits, 基本满意 weight, issuer.")
)

# key -> (Chinese description, English description, check of a value)
KNOWN = {
    "response_limit_hours": ("响应时限（小时）", "response limit (hours)", "positive"),
    "resolve_limit_days": ("办结时限（天）", "resolve limit (days)", "positive"),
    "basically_weight": (
        "“基本满意”计入满意率的权重（0–1）",
        "weight of 基本满意 in the satisfaction rate (0-1)",
        "fraction",
    ),
    "issuer": ("证明的出具单位", "issuer of certificates", "text"),
    "ledger_name": ("本账本的名称（随 bundle 报送）", "this ledger's name (carried by its bundles)", "name"),
    "ledger_place": ("本账本所属地点的路径", "the path of this ledger's place", "path"),
}


@app.command(
    "list",
    help=tr("列出设置。\n\n\b\n例：huidesk setting list", "List the settings.\n\n\b\nExample: huidesk setting list"),
)
def list_(ctx: typer.Context, fmt: FormatOpt = None, wide: WideOpt = False) -> None:
    s = session(ctx)
    with s.ledger() as store:
        values = store.settings()
    rows = [{"key": k, "value": values.get(k, ""), "meaning": tr(zh, en)} for k, (zh, en, _) in KNOWN.items()]
    emit(
        rows,
        [Column("key", "设置", "key", nowrap=True, priority=9), Column("value", "值", "value", priority=8),
         Column("meaning", "含义", "meaning", priority=5, least=16)],
        fmt,
        wide=wide,
    )


@app.command(
    "set",
    help=tr(
        "修改一项设置（记入日志）。\n\n\b\n"
        "例：huidesk setting set issuer 黄河东路街道党工委\n    huidesk setting set resolve_limit_days 3",
        "Change a setting (journaled).\n\n\b\nExample: huidesk setting set resolve_limit_days 3",
    ),
)
def set_(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help=tr("设置名", "setting"))],
    value: Annotated[str, typer.Argument(help=tr("新值", "new value"))],
) -> None:
    from decimal import Decimal, InvalidOperation

    from huidesk.domain.errors import InvalidValue

    if key not in KNOWN:
        raise InvalidValue("KEY", key, tr("可选：", "choose from: ") + "、".join(KNOWN))
    kind = KNOWN[key][2]
    value = value.strip()
    if kind in ("name", "path"):
        from huidesk.domain.places import identity_text

        value = identity_text(value, "VALUE", path=kind == "path")
    elif kind == "text":
        if len(value) > 100 or not value.isprintable():
            raise InvalidValue("VALUE", value, tr("最多 100 个字，不含控制字符", "at most 100 printable characters"))
    else:
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        ok = (
            number is not None
            and number.is_finite()
            and (0 < number <= 10_000 if kind == "positive" else 0 <= number <= 1)
        )
        if not ok:
            raise InvalidValue(
                "VALUE",
                value,
                tr(
                    "应为正数" if kind == "positive" else "应在 0 到 1 之间",
                    "must be positive" if kind == "positive" else "must be between 0 and 1",
                ),
            )
    s = session(ctx)
    with s.ledger() as store, store.write(s.command) as tx:
        store.set_setting(tx, key, value)
    message(tr(f"已设置 {key} = {value}", f"set {key} = {value}"))
