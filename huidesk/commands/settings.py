"""setting list / set: the ledger's own settings (limits, weights, issuer)."""

from typing import Annotated

import typer

from huidesk.commands import group
from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.domain.settings import KNOWN
from huidesk.options import FormatOpt, WideOpt
from huidesk.render.output import Column, emit, message

app = group(
    tr("账本设置：响应/办结时限、基本满意权重、出具单位。", "Ledger settings: limits, 基本满意 weight, issuer.")
)

@app.command(
    "list",
    help=tr("列出设置。\n\n\b\n例：huidesk setting list", "List the settings.\n\n\b\nExample: huidesk setting list"),
)
def list_(ctx: typer.Context, fmt: FormatOpt = None, wide: WideOpt = False) -> None:
    s = session(ctx)
    with s.ledger() as store:
        values = store.settings()
    rows = [{"key": k, "value": values.get(k, ""), "meaning": tr(zh, en)} for k, (zh, en, _) in KNOWN.items()]
    rows += [{"key": k, "value": v, "meaning": _limit_meaning(k)} for k, v in values.items() if "." in k]
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
        "修改一项设置（记入日志，并记下修改时间：按更早时点出的报表仍用当时的设置）。时限写作 24h（小时）、5d（天，"
        "按民法典计法）或 3工作日 / 3wd（按国务院节假日安排），在 1 小时到 365 天之间；“基本满意”权重在 0 到 1 之间；"
        "报表读取设置时按同样的规则核对。\n\n\b\n"
        "例：huidesk setting set issuer 黄河东路街道党工委\n    huidesk setting set resolve_limit_days 3工作日\n"
        "    huidesk setting set resolve_limit.投诉 3d     （按诉求性质或类型的时限）\n"
        "    huidesk setting set categories 燃气,电梯       （增加诉求类别）\n"
        "    huidesk setting set holidays 2027-01-01,2027-02-17   （补上日历尚未公布的节假日）\n"
        "    huidesk setting set response_events dispatched,arrived,resolved,contacted\n"
        "    huidesk setting set score_weights 10/45/45",
        "Change a setting (journaled, with when: a report as of an earlier moment reads the settings in force"
        " then). A limit is 24h (hours), 5d (days, by the Civil Code's rule) or 3wd (the State Council's working"
        " days), from 1 hour to 365 days; the weight of 基本满意 from 0 to 1; reports hold the settings they read"
        " to the same rule.\n\n\b\n"
        "Example: huidesk setting set resolve_limit_days 3wd",
    ),
)
def set_(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help=tr("设置名", "setting"))],
    value: Annotated[str, typer.Argument(help=tr("新值", "new value"))],
) -> None:
    from huidesk.domain.errors import InvalidValue
    from huidesk.domain.settings import checked

    key, value = key.strip(), value.strip()
    if "." in key and key.split(".", 1)[0] in ("response_limit", "resolve_limit"):
        key = _limit(key)
    elif key not in KNOWN:
        raise InvalidValue("KEY", key, tr("可选：", "choose from: ") + "、".join(
            [*KNOWN, "response_limit.<类型|性质>", "resolve_limit.<类型|性质>"]))
    kind = KNOWN[key][2] if key in KNOWN else "limit"
    if kind in ("name", "path"):
        from huidesk.domain.places import identity_text

        value = identity_text(value, "VALUE", path=kind == "path")
    elif kind == "reading":
        if value not in ("final", "first"):
            raise InvalidValue("VALUE", value, tr("可选：final、first", "choose from: final, first"))
    elif kind == "categories":
        from huidesk.domain.vocab import extra_categories

        names = extra_categories(value)
        bad = [n for n in names if len(n) > 20 or not n.isprintable()]
        if bad:
            raise InvalidValue("VALUE", bad[0], tr("每个类别最多 20 个字，不含控制字符",
                                                   "each category at most 20 printable characters"))
        value = ",".join(names)
    elif kind == "text":
        if len(value) > 100 or not value.isprintable():
            raise InvalidValue("VALUE", value, tr("最多 100 个字，不含控制字符", "at most 100 printable characters"))
    else:  # limits, weights, events and days: the same rule the reports hold a stored value to
        value = checked(key, value)
    s = session(ctx)
    with s.ledger() as store, store.write(s.command) as tx:
        store.set_setting(tx, key, value, at=store.moment)  # kept, so a report as of before reads the old one
    message(tr(f"已设置 {key} = {value}", f"set {key} = {value}"))


def _limit(key: str) -> str:
    """`resolve_limit.投诉` → `resolve_limit.complaint`."""
    from huidesk.domain.errors import InvalidValue
    from huidesk.domain.vocab import resolve

    name, target = key.split(".", 1)
    for vocab in ("nature", "issue_kind"):
        try:
            return f"{name}.{resolve(vocab, target, 'KEY')}"
        except InvalidValue:
            continue
    raise InvalidValue("KEY", key, tr("点号后应为诉求类型或诉求性质（如 resolve_limit.投诉）",
                                      "after the dot: an issue kind or nature (resolve_limit.complaint)"))


def _limit_meaning(key: str) -> str:
    from huidesk.domain.vocab import VOCABS, label

    name, slug = key.split(".", 1)
    what = label("nature" if slug in VOCABS["nature"] else "issue_kind", slug)
    return tr(f"{what}的{'响应' if name == 'response_limit' else '办结'}时限",
              f"{'response' if name == 'response_limit' else 'resolve'} limit for {what}")
