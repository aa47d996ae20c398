"""summary, report monthly, due, certificate: figures computed from records."""

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from huidesk.commands import group
from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.options import ForceOpt, FormatOpt, PlaceFilter, SinceOpt, TeamFilter, UntilOpt, WideOpt, WithPii
from huidesk.render.output import Format


class SummaryFormat(str, Enum):
    table = "table"
    json = "json"


SUMMARY_HELP = tr(
    "用文章的说法给出统计数字（活动“120余次”、意见建议“56件”……），再列出各服务队、活动主题、诉求类型、"
    "工单三率、队员角色、逐月柱状图，最后是账本链头。--place 含其下所有地点。\n\n\b\n"
    "例：huidesk summary --place 平伏桥村\n    huidesk summary --team 角落 --since 2024-03-01\n"
    "    huidesk summary --format json | jq .kpi",
    "The figures in the article's words, then tables by team, theme, issue kind, the work-order KPIs, roles, "
    "a month-by-month chart and the journal's chain head. --place covers everything below it.\n\n\b\n"
    "Example: huidesk summary --place 平伏桥村 --format json",
)


def _scope(store, team: str | None, place: str | None):
    from huidesk.domain.errors import InvalidValue
    from huidesk.ledger.queries import Scope

    if team and place:
        raise InvalidValue("--team/--place", f"{team} / {place}", tr("二者选一", "give one of them"))
    if team:
        t = store.find("teams", team, "--team")
        return Scope(team_id=t["id"], label=t["name"])
    if place:
        p = store.find("places", place, "--place")
        return Scope(place_path=p["path"], label=p["path"])
    return Scope()


# A report's --format (a table on a terminal, or csv, tsv, json, jsonl, xlsx) and its --output file.
ReportFormat = Annotated[Format | None, typer.Option("--format", "-f", help=tr("输出格式", "output format"))]
OutputFile = Annotated[
    Path | None, typer.Option("--output", "-o", help=tr("写入这个文件（原子写入）", "write this file (atomically)"))
]

def _as_of(s) -> str:
    """The moment every report sees the ledger at: now, or the end of the --today date."""
    return s.now.isoformat(timespec="seconds")


def _period(s, since: str | None, until: str | None):
    """The period of a report as dates: from --since (or the beginning) to --until (or today)."""
    import datetime as dt

    first, last = s.period(since, until if until is not None else s.today.isoformat())
    return (dt.date.fromisoformat(first) if first else None), dt.date.fromisoformat(last)


def summary(
    ctx: typer.Context,
    team: TeamFilter = None,
    place: PlaceFilter = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    exact: Annotated[
        bool, typer.Option("--exact", help=tr("所有数字都用精确值", "print every figure exactly"))
    ] = False,
    fmt: Annotated[
        SummaryFormat, typer.Option("--format", "-f", help=tr("table 或 json", "table or json"))
    ] = SummaryFormat.table,
    wide: WideOpt = False,
) -> None:
    from huidesk.render.output import Output, render
    from huidesk.render.reports import summary_text
    from huidesk.reports.summary import CLAUSES, build

    s = session(ctx)
    start, end = _period(s, since, until)
    with s.ledger() as store:
        styles = {key: "exact" for key, *_ in CLAUSES} if exact else None
        data = build(store, _scope(store, team, place), start, end, s.today, styles, _as_of(s))
    render(Output((), (), document=data, text=lambda: summary_text(data, wide)), fmt)


report = group(tr("报表：月度台账、志愿者花名册。", "Reports: monthly tallies, the volunteer roster."))


@report.command(
    "monthly",
    help=tr(
        "月度台账：按服务队、按诉求类型的计数及合计，工单三率，账本链头。--output 原子写入文件，格式取自扩展名；"
        "同一账本重复生成 csv/json 逐字节相同，适合 cron。\n\n\b\n"
        "例：huidesk --today 2024-08-01 report monthly --month last --output 台账/2024-07.xlsx\n"
        "    huidesk report monthly --month 2024-07 --place 金凤区 --format csv",
        "A month's tally by team and issue kind with totals, the KPIs and the chain head. --output writes atomically, "
        "taking the format from the extension; csv/json are byte-for-byte reproducible.\n\n\b\n"
        "Example: huidesk --today 2024-08-01 report monthly --month last --output tallies/2024-07.xlsx",
    ),
)
def monthly(
    ctx: typer.Context,
    month: Annotated[
        str, typer.Option("--month", "-m", help=tr("YYYY-MM、last（上月）、this（本月）", "YYYY-MM, last or this"))
    ] = "last",
    team: TeamFilter = None,
    place: PlaceFilter = None,
    fmt: ReportFormat = None,
    output: OutputFile = None,
    force: ForceOpt = False,
    wide: WideOpt = False,
) -> None:
    from huidesk.domain.dates import parse_month
    from huidesk.render.output import Column, Format, Output, choose, message, render
    from huidesk.render.reports import monthly_text
    from huidesk.render.workbook import monthly_workbook
    from huidesk.reports.monthly import COLUMNS, SHEET_GROUPS, build, meanings

    s = session(ctx)
    first, last = parse_month(month, s.today, "--month")
    formats = ("csv", "tsv", "json", "jsonl", "xlsx")
    xlsx = choose(fmt, output, formats) is Format.xlsx  # the filed sheet needs more than the figures
    with s.ledger() as store:
        data = build(store, _scope(store, team, place), first, last, _as_of(s), sheet=xlsx)
    columns = [Column(key, zh, en) for key, zh, en, *_ in COLUMNS]
    out = Output([*data["rows"], data["total"]], columns, document=data,
                 text=lambda: monthly_text(data, COLUMNS, wide),
                 workbook=lambda: monthly_workbook(data, SHEET_GROUPS, meanings()), formats=formats)
    render(out, fmt, output, force)
    if output is not None:
        message(tr(f"已写入 {output}（{data['month']}，链头 {data['chain_head'][:12]}）",
                   f"wrote {output} ({data['month']}, head {data['chain_head'][:12]})"))


@report.command(
    "roster",
    help=tr(
        "志愿者花名册：每名队员的注册编号、服务队、期内活动与走访的志愿服务时长、服务次数，"
        "以及按截至 --until 的累计时长评定的星级（100小时★ … 1500小时★★★★★）。"
        "姓名默认遮蔽；--team 只计这支服务队的记录。\n\n\b\n"
        "例：huidesk report roster --since 2024-01-01 --until 2024-06-30\n"
        "    huidesk report roster --team 银色助老 --with-pii --output 花名册.xlsx",
        "The volunteer roster: each member's registration number, teams, volunteer hours from activities and visits "
        "in the period, services, and the star level from cumulative hours up to --until (★ at 100 h … ★★★★★ at "
        "1,500 h). Names masked; --team counts that team's records only.\n\n\b\n"
        "Example: huidesk report roster --since 2024-01-01 --until 2024-06-30 --format csv",
    ),
)
def roster(
    ctx: typer.Context,
    since: SinceOpt = None,
    until: UntilOpt = None,
    team: TeamFilter = None,
    fmt: ReportFormat = None,
    output: OutputFile = None,
    force: ForceOpt = False,
    wide: WideOpt = False,
    with_pii: WithPii = False,
) -> None:
    from huidesk.render.output import Column, Output, message, render
    from huidesk.render.roster import roster_text, roster_workbook
    from huidesk.reports.roster import COLUMNS, flat_rows, masked
    from huidesk.reports.roster import roster as build

    s = session(ctx)
    start, end = _period(s, since, until)
    with s.ledger() as store:
        data = masked(build(store, start, end, store.find_id("teams", team, "--team")), with_pii)
    columns = [Column(key, zh, en) for key, zh, en, *_ in COLUMNS]
    out = Output(list(flat_rows(data)), columns, document=data, text=lambda: roster_text(data, COLUMNS, wide),
                 workbook=lambda: roster_workbook(data, COLUMNS), formats=("csv", "tsv", "json", "jsonl", "xlsx"))
    render(out, fmt, output, force)
    if output is not None:
        message(tr(f"已写入 {output}（{len(data['rows'])} 名队员）", f"wrote {output} ({len(data['rows'])} members)"))


DUE_HELP = tr(
    "到期提醒：超过响应或办结时限的诉求、超过走访周期的居民（久未走访的在前）、无人认领的微心愿，并给出逾期多久。\n\n\b\n"
    "例：huidesk due\n    huidesk due --format csv > 待办.csv",
    "What is late: issues past their response or resolve limit, residents past their visit cadence "
    "(longest first), unclaimed wishes — with how late each is.\n\n\b\nExample: huidesk due --format json",
)


def due(ctx: typer.Context, fmt: FormatOpt = None, wide: WideOpt = False, with_pii: WithPii = False) -> None:
    from huidesk.domain.dates import format_minutes
    from huidesk.domain.privacy import mask_name
    from huidesk.ledger.queries import due as late_items
    from huidesk.render.output import Column, emit

    s = session(ctx)
    with s.ledger() as store:
        rows = late_items(store, s.now.isoformat(timespec="seconds"), s.today.isoformat(), store.settings())
    for row in rows:
        if row["what"] == "resident" and not with_pii:
            row["subject"] = mask_name(row["subject"])
    kinds = {"issue": tr("诉求", "issue"), "resident": tr("走访", "visit"), "wish": tr("微心愿", "wish")}
    details = {"resolve": tr("超过办结时限", "past the resolve limit"),
               "response": tr("超过响应时限", "past the response limit"),
               "never visited": tr("从未走访", "never visited"), "not claimed": tr("无人认领", "not claimed")}
    def kind(v: object) -> str:
        return kinds.get(str(v), str(v))

    def detail(v: object) -> str:
        return details.get(str(v), _cadence(str(v)))

    columns = [  # csv and tsv too write what is late and why in words (json keeps the slugs)
        Column("what", "类别", "what", show=kind, written=kind, nowrap=True, priority=8),
        Column("id", "编号", "id", nowrap=True, priority=9),
        Column("subject", "对象", "subject", priority=7, least=20),
        Column("place", "地点", "place", show=_short, priority=4, cut="path"),
        Column("since", "起算", "since", nowrap=True, priority=5),
        Column("late_minutes", "逾期", "late", show=format_minutes, nowrap=True, priority=6),
        Column("detail", "说明", "detail", show=detail, written=detail, priority=3),
    ]
    emit(rows, columns, fmt, wide=wide)


def _cadence(detail: str) -> str:
    """`every 7 days` in the user's language."""
    return detail.replace("every", tr("每", "every")).replace("days", tr("天", "days"))


def _short(path: object) -> str:
    from huidesk.render.output import short_place

    return short_place(path)


CERTIFICATE_HELP = tr(
    "志愿服务记录证明：队员身份与注册编号、所在服务队、按月的服务时长、每次活动和走访及其时长、"
    "出具单位（setting issuer）、证明编号和日期。\n\n\b\n"
    "例：huidesk certificate 王玉兰 --since 2024-01-01\n    huidesk certificate 王玉兰 --format json",
    "A volunteer-service record for one member: identity and registration number, teams, hours by month, "
    "each activity and visit with its hours, issuer, number and date.\n\n\b\n"
    "Example: huidesk certificate 王玉兰 --since 2024-01-01",
)


def certificate(
    ctx: typer.Context,
    member: Annotated[str, typer.Argument(help=tr("队员", "member"))],
    since: SinceOpt = None,
    until: UntilOpt = None,
    fmt: Annotated[
        SummaryFormat, typer.Option("--format", "-f", help=tr("table 或 json", "table or json"))
    ] = SummaryFormat.table,
) -> None:
    from huidesk.render.output import Output, render
    from huidesk.render.reports import certificate_text
    from huidesk.reports.certificate import build

    s = session(ctx)
    start, end = _period(s, since, until)
    with s.ledger() as store:
        data = build(store, store.find("members", member, "MEMBER"), start, end, s.today)
    render(Output((), (), document=data, text=lambda: certificate_text(data)), fmt)
