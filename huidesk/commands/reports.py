"""summary, report monthly, due, certificate: figures computed from records."""

from pathlib import Path
from typing import Annotated

import typer

from huidesk.commands import group
from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.options import ForceOpt, FormatOpt, PlaceFilter, SinceOpt, TeamFilter, UntilOpt, WideOpt, WithPii
from huidesk.render.output import DOCUMENT, ROWS, TEXT, WORKBOOK, format_choice, formats_drawing

# The formats of a report that is one document (a summary, a certificate): a table's text, or json.
SummaryFormat = format_choice("SummaryFormat", formats_drawing(TEXT, DOCUMENT))
_SUMMARY_FORMATS = tr(" 或 ".join(f.value for f in SummaryFormat), " or ".join(f.value for f in SummaryFormat))
# A report with rows as well (monthly, roster): every registered format, xlsx among them.
ReportFormats = format_choice("ReportFormats", formats_drawing(ROWS, TEXT, DOCUMENT, WORKBOOK))

SUMMARY_HELP = tr(
    "用文章的说法给出统计数字（活动“120余次”、意见建议“56件”……），再列出各服务队、活动主题、诉求类型、"
    "工单三率、队员角色、逐月柱状图，最后是账本链头。--place 含其下所有地点。\n\n\b\n"
    "例：huidesk summary --place 平伏桥村\n    huidesk summary --team 角落 --since 2024-03-01\n"
    "    huidesk summary --format json | jq .kpi",
    "The figures in the article's words, then tables by team, theme, issue kind, the work-order KPIs, roles, "
    "a month-by-month chart and the journal's chain head. --place covers everything below it.\n\n\b\n"
    "Example: huidesk summary --place 平伏桥村 --format json",
)


# A report's --format (a table on a terminal, or csv, tsv, json, jsonl, xlsx) and its --output file.
ReportFormat = Annotated[ReportFormats | None, typer.Option("--format", "-f", help=tr("输出格式", "output format"))]
# Text, not a Path: a trailing / (台账/) says a folder, and a Path drops it.
OutputFile = Annotated[
    str | None,
    typer.Option("--output", "-o", help=tr(
        "写入这个文件（原子写入）；以 / 结尾或已有的文件夹：在其中写入带日期、不重名的文件",
        "write this file (atomically); ending in / or an existing folder: a dated file inside it, never one that"
        " exists")),
]


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
        SummaryFormat, typer.Option("--format", "-f", help=_SUMMARY_FORMATS)
    ] = SummaryFormat.table,
    wide: WideOpt = False,
) -> None:
    from huidesk.render.output import render
    from huidesk.render.reports import summary_output
    from huidesk.reports.summary import build

    s = session(ctx)
    with s.report(s.report_period(since, until), team, place) as (store, spec):
        found = build(store, spec, exact)
    render(summary_output(found, wide), fmt)


report = group(tr("报表：月度台账、志愿者花名册。", "Reports: monthly tallies, the volunteer roster."))


@report.command(
    "monthly",
    help=tr(
        "月度（季度、年度）台账：按服务队、按诉求类型的计数及合计，工单三率，账本链头；含多个村、社区时也按村、社区。"
        "--month 可为月份、季度（2024Q2、2024年第二季度、二季度）或年份（2024、去年）。--output 原子写入文件，格式取自"
        "扩展名（没有扩展名时取 --format）；以 / 结尾的文件夹：在其中写入带日期的文件（默认 xlsx）。"
        "同一账本重复生成 csv/json 逐字节相同，适合 cron。\n\n\b\n"
        "例：huidesk --today 2024-08-01 report monthly --month last --output 台账/\n"
        "    huidesk report monthly --month 2024Q2 --place 黄河东路街道 --output 台账/2024Q2.xlsx\n"
        "    huidesk report monthly --month 2024-07 --place 金凤区 --format csv",
        "A month's (a quarter's, a year's) tally by team and issue kind with totals, the KPIs and the chain head; over "
        "several villages and communities, by community too. --month takes a month, a quarter (2024Q2) or a year "
        "(2024). --output writes atomically, the format from the extension (without one: from --format); a folder "
        "ending in / gets a dated file (xlsx unless --format says). csv/json are byte-for-byte reproducible.\n\n\b\n"
        "Example: huidesk --today 2024-08-01 report monthly --month last --output tallies/",
    ),
)
def monthly(
    ctx: typer.Context,
    month: Annotated[
        str, typer.Option("--month", "-m", help=tr(
            "YYYY-MM、last（上月）、this（本月）；季度 2024Q2、二季度；年份 2024、去年",
            "YYYY-MM, last or this; a quarter 2024Q2; a year 2024"))
    ] = "last",
    team: TeamFilter = None,
    place: PlaceFilter = None,
    fmt: ReportFormat = None,
    output: OutputFile = None,
    force: ForceOpt = False,
    wide: WideOpt = False,
) -> None:
    from huidesk.render.output import RENDERERS, choose, file_formats, message, render
    from huidesk.render.reports import monthly_output
    from huidesk.reports.monthly import build

    s = session(ctx)
    period = s.month_period(month)
    formats = file_formats(ROWS, DOCUMENT, WORKBOOK)
    target, folder = _destination(output, fmt, formats)
    chosen = choose(fmt, None if folder else target, formats, default="xlsx" if folder else None)
    draws = RENDERERS[chosen].draws
    sheet = WORKBOOK in draws  # the filed sheet needs more than the figures
    with s.report(period, team, place) as (store, spec):
        found = build(store, spec, sheet=sheet, listing=DOCUMENT in draws)  # the issues listed: json's alone
    if folder:
        target = _dated(target, [tr("台账", "tally"), _last(found.scope), found.month], chosen, s.now)
    render(monthly_output(found, wide), chosen if output is not None else fmt, target, force)
    if target is not None:
        message(tr(f"已写入 {target}（{found.month}，链头 {found.chain_head[:12]}）",
                   f"wrote {target} ({found.month}, head {found.chain_head[:12]})"))


@report.command(
    "roster",
    help=tr(
        "志愿者花名册：每名队员的注册编号、服务队、期内活动与走访的志愿服务时长、服务次数，"
        "以及按截至 --until 的累计时长评定的星级（100小时★ … 1500小时★★★★★）。"
        "队员姓名为全名（在证明上署名、在台账上具名）；--team 只计这支服务队的记录。\n\n\b\n"
        "例：huidesk report roster --since 2024-01-01 --until 2024-06-30\n"
        "    huidesk report roster --team 银色助老 --output 花名册.xlsx",
        "The volunteer roster: each member's registration number, teams, volunteer hours from activities and visits "
        "in the period, services, and the star level from cumulative hours up to --until (★ at 100 h … ★★★★★ at "
        "1,500 h). Members' names in full (they sign certificates and are named in the paper); --team counts that "
        "team's records only.\n\n\b\n"
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
    from huidesk.render.output import choose, file_formats, message, render
    from huidesk.render.roster import roster_output
    from huidesk.reports.roster import roster as build
    from huidesk.reports.roster import shown

    s = session(ctx)
    formats = file_formats(ROWS, DOCUMENT, WORKBOOK)
    target, folder = _destination(output, fmt, formats)
    chosen = choose(fmt, None if folder else target, formats, default="xlsx" if folder else None)
    with s.report(s.report_period(since, until), team) as (store, spec):
        found = shown(build(store, spec), with_pii)
    if folder:
        name = [tr("花名册", "roster"), found.team or "", found.period.until.isoformat()]
        target = _dated(target, name, chosen, s.now)
    render(roster_output(found, wide), chosen if output is not None else fmt, target, force)
    if target is not None:
        message(tr(f"已写入 {target}（{len(found.rows)} 名队员）", f"wrote {target} ({len(found.rows)} members)"))


def _destination(output: str | None, fmt: object, formats: tuple[str, ...]) -> tuple[Path | None, bool]:
    """Where --output says to write, and whether it names a folder (ending in /, or an existing one): the
    report is then written inside it under a dated name. A name without an extension takes --format's
    (--format xlsx --output 台账 writes 台账.xlsx: a file Excel and WPS open by its name, which is what was
    asked for); without --format either, it is refused with a hint (the extension, --format or a /)."""
    import os

    from huidesk.domain.errors import InvalidValue
    from huidesk.domain.files import is_stream
    from huidesk.render.output import RENDERERS

    if output is None:
        return None, False
    path = Path(output)
    if is_stream(path):  # /dev/stdout, a FIFO, /dev/null: written into as it is
        return path, False
    if output.endswith(("/", os.sep)) or path.is_dir():
        return path, True
    if not path.suffix and not path.name.startswith(".") and fmt is not None:
        extensions = RENDERERS[str(getattr(fmt, "value", fmt))].extensions
        if extensions:
            return path.with_name(path.name + extensions[0]), False
    if not path.suffix and fmt is None:
        shown = "/".join(f".{f}" for f in formats)
        raise InvalidValue("--output", output, tr(f"没有扩展名：写成 {output}.xlsx 等（{shown}），或加 --format，"
                                                  f"或以 / 结尾表示文件夹",
                                                  f"no extension: say {output}.xlsx or another ({shown}), add --format,"
                                                  " or end it with / for a folder"))
    return path, False


def _dated(folder: Path, parts: list[str], fmt: str, when) -> Path:
    """A dated name in `folder` that no file has: 台账-黄河东路街道-2024-06-20240801-0900.xlsx."""
    from huidesk.domain.files import dated_name
    from huidesk.render.output import RENDERERS

    stem = "-".join(p.replace("/", "_") for p in parts if p)
    return dated_name(folder, stem, RENDERERS[fmt].extensions[0], when)


def _last(scope: str) -> str:
    """A report's scope as a file name says it: its place's last level, or the team."""
    return scope.rsplit("/", 1)[-1]


DUE_HELP = tr(
    "到期提醒：超过响应或办结时限的诉求、超过走访周期的居民（久未走访的在前）、无人认领的微心愿，并给出逾期多久。\n\n\b\n"
    "例：huidesk due\n    huidesk due --format csv > 待办.csv",
    "What is late: issues past their response or resolve limit, residents past their visit cadence "
    "(longest first), unclaimed wishes — with how late each is.\n\n\b\nExample: huidesk due --format json",
)


def due(ctx: typer.Context, fmt: FormatOpt = None, wide: WideOpt = False, with_pii: WithPii = False) -> None:
    from huidesk.render.output import render
    from huidesk.render.reports import due_output
    from huidesk.reports.due import due as late

    s = session(ctx)
    with s.report(s.report_period(None, None)) as (store, spec):
        found = late(store, spec, with_pii)
    render(due_output(found, wide), fmt)


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
        SummaryFormat, typer.Option("--format", "-f", help=_SUMMARY_FORMATS)
    ] = SummaryFormat.table,
) -> None:
    from huidesk.render.output import render
    from huidesk.render.reports import certificate_output
    from huidesk.reports.certificate import build

    s = session(ctx)
    with s.report(s.report_period(since, until)) as (store, spec):
        found = build(store, spec, store.members.person(member, "MEMBER"))
    render(certificate_output(found), fmt)
