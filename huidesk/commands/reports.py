"""summary, report monthly, due, certificate: figures computed from records."""

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from huidesk.commands import group
from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.options import FormatOpt, PlaceFilter, SinceOpt, TeamFilter, UntilOpt, WithPii


class SummaryFormat(str, Enum):
    table = "table"
    json = "json"


SUMMARY_HELP = tr(
    "用文章的说法给出统计数字（活动“120余次”、意见建议“56件”……），再列出各服务队、活动主题、诉求类型、"
    "工单三率、队员角色、逐月柱状图，最后是账本链头。--place 含其下所有地点。\n\n\b\n"
    "例：huidesk summary --place 平伏桥村\n    huidesk summary --team 角落 --since 2024-03-01\n    huidesk summary --format json | jq .kpi",
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
    exact: Annotated[bool, typer.Option("--exact", help=tr("所有数字都用精确值", "print every figure exactly"))] = False,
    fmt: Annotated[SummaryFormat, typer.Option("--format", "-f", help=tr("table 或 json", "table or json"))] = SummaryFormat.table,
) -> None:
    from huidesk.reports.summary import CLAUSES, build

    s = session(ctx)
    start, end = _period(s, since, until)
    with s.ledger() as store:
        scope = _scope(store, team, place)
        styles = {key: "exact" for key, *_ in CLAUSES} if exact else None
        data = build(store.conn, scope, start, end, s.today, store.settings(), styles)
        entries, head = store.head()
    data["chain_head"] = {"entries": entries, "hash": head}
    if fmt is SummaryFormat.json:
        import json

        from huidesk.reports.summary import as_json

        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=as_json) + "\n")
        return
    _render_summary(data)


def _render_summary(data: dict) -> None:
    from huidesk.commands.records import short_team
    from huidesk.domain.dates import format_minutes
    from huidesk.domain.vocab import label
    from huidesk.render.output import grid

    write = sys.stdout.write
    write(data["narrative"] + "\n\n")

    def table(title: str, headers: list[str], rows: list[list[object]]) -> None:
        if rows:
            numbers = [i > 0 for i in range(len(headers))]
            grid(title, headers, [["" if v is None else str(v) for v in row] for row in rows], right=numbers, nowrap=numbers)
            write("\n")

    table(tr("各服务队", "By team"),
          [tr("服务队", "team"), tr("队员", "members"), tr("活动", "activities"), tr("走访", "visits"), tr("户", "households"),
           tr("受理诉求", "issues"), tr("办结", "resolved"), tr("服务时长(小时)", "hours")],
          [[short_team(r["team"]), r["members"], r["activities"], r["visits"], r["households"], r["issues_received"],
            r["issues_resolved"], r["hours"]] for r in data["by_team"]])
    table(tr("活动主题", "By theme"), [tr("主题", "theme"), tr("次数", "activities"), tr("服务人次", "served"), tr("时长(小时)", "hours")],
          [[label("theme", r["theme"]), r["activities"], r["served"], r["hours"]] for r in data["by_theme"]])
    table(tr("诉求类型", "By issue kind"),
          [tr("类型", "kind"), tr("受理", "received"), tr("办结", "resolved"), tr("上报", "escalated"), tr("上报并化解", "escalated & resolved")],
          [[label("issue_kind", r["kind"]), r["received"], r["resolved"], r["escalated"], r["escalated_resolved"]]
           for r in data["by_kind"] if any(r[k] for k in ("received", "resolved", "escalated"))])
    k, pct = data["kpi"], _pct
    table(tr("工单指标", "Work orders"), [tr("指标", "figure"), tr("数值", "value")], [
        [tr("受理诉求", "received"), k["received"]],
        [tr("响应率", "response rate"), pct(k["response_rate"])],
        [tr("办结率", "closure rate"), pct(k["closure_rate"])],
        [tr("解决率", "resolution rate"), pct(k["resolution_rate"])],
        [tr("满意率", "satisfaction rate"), pct(k["satisfaction_rate"])],
        [tr("回访", "callbacks"), k["callbacks"]],
        [tr("首次响应用时 中位数 / 90%", "first response, median / p90"),
         f"{format_minutes(k['response_minutes_median']) or '—'} / {format_minutes(k['response_minutes_p90']) or '—'}"],
        [tr("办结用时 中位数 / 90%", "resolution, median / p90"),
         f"{format_minutes(k['resolve_minutes_median']) or '—'} / {format_minutes(k['resolve_minutes_p90']) or '—'}"],
    ] if k["received"] or k["callbacks"] else [])
    table(tr("队员角色", "Members by role"), [tr("角色", "role"), tr("人数", "members")],
          [[label("role", r["role"]), r["members"]] for r in data["members_by_role"]])
    w = data["wishes"]
    table(tr("服务卡与微心愿", "Cards and wishes"), [tr("项目", "item"), tr("数量", "count")],
          [[f"{c['kind']}（{tr('人', 'residents')}）", c["residents"]] for c in data["cards"]]
          + ([[tr("微心愿 登记/认领/实现", "wishes listed/claimed/fulfilled"), f"{w['listed']}/{w['claimed']}/{w['fulfilled']}"]]
             if any(w.values()) else []))
    months = data["by_month"]
    if months:
        top = max(max(m["activities"], m["visits"], m["issues_received"]) for m in months) or 1
        write(tr("逐月（活动 █ 走访 ▒ 诉求 ░）", "By month (activities █ visits ▒ issues ░)") + "\n")
        for m in months:
            bars = "".join(ch * round(m[key] * 30 / top) for key, ch in (("activities", "█"), ("visits", "▒"), ("issues_received", "░")))
            write(f"{m['month']} {bars} {m['activities']}/{m['visits']}/{m['issues_received']}\n")
        write("\n")
    head = data["chain_head"]
    write(tr(f"账本链头：{head['hash']}（日志 {head['entries']} 条）", f"chain head: {head['hash']} ({head['entries']} entries)") + "\n")


report = group(tr("报表：月度台账。", "Reports: monthly tallies."))


class ReportFormat(str, Enum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"
    jsonl = "jsonl"
    xlsx = "xlsx"


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
    month: Annotated[str, typer.Option("--month", "-m", help=tr("YYYY-MM、last（上月）、this（本月）", "YYYY-MM, last or this"))] = "last",
    team: TeamFilter = None,
    place: PlaceFilter = None,
    fmt: Annotated[ReportFormat | None, typer.Option("--format", "-f", help=tr("输出格式", "output format"))] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help=tr("写入这个文件（原子写入）", "write this file (atomically)"))] = None,
) -> None:
    from huidesk.domain.dates import parse_month
    from huidesk.domain.errors import InvalidValue
    from huidesk.render.output import message
    from huidesk.reports.monthly import build

    s = session(ctx)
    first, last = parse_month(month, s.today, "--month")
    if fmt is None and output is not None:
        suffix = output.suffix.lower().lstrip(".")
        if suffix not in ReportFormat.__members__ or suffix == "table":
            raise InvalidValue("--output", str(output), tr("扩展名应为 .csv/.tsv/.json/.jsonl/.xlsx，或加 --format", "use .csv/.tsv/.json/.jsonl/.xlsx or --format"))
        fmt = ReportFormat(suffix)
    if fmt is None:
        fmt = ReportFormat.table if sys.stdout.isatty() else ReportFormat.tsv
    if fmt is ReportFormat.xlsx and output is None and sys.stdout.isatty():
        raise InvalidValue("--format", "xlsx", tr("xlsx 请用 --output 写入文件", "write xlsx with --output"))
    with s.ledger() as store:
        scope = _scope(store, team, place)
        entries, head = store.head()
        data = build(store.conn, scope, first, last, store.settings(), head)
    body = _render_monthly(data, fmt)
    if output is None:
        if isinstance(body, bytes):
            sys.stdout.buffer.write(body)
        elif body is not None:
            sys.stdout.write(body)
        return
    from huidesk.render.files import atomic_write

    if output.parent and not output.parent.exists():
        output.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(output, binary=isinstance(body, bytes)) as f:
        f.write(body if body is not None else "")
    message(tr(f"已写入 {output}（{data['month']}，链头 {head[:12]}）", f"wrote {output} ({data['month']}, head {head[:12]})"))


def _render_monthly(data: dict, fmt: "ReportFormat") -> str | bytes | None:
    import io
    import json

    from huidesk.reports.monthly import COLUMNS
    from huidesk.reports.summary import as_json

    rows = [*data["rows"], data["total"]]
    keys = [k for k, _, _ in COLUMNS]
    if fmt is ReportFormat.json:
        return json.dumps(data, ensure_ascii=False, indent=2, default=as_json) + "\n"
    if fmt is ReportFormat.jsonl:
        return "".join(json.dumps({k: r[k] for k in keys}, ensure_ascii=False, default=as_json) + "\n" for r in rows)
    if fmt in (ReportFormat.csv, ReportFormat.tsv):
        import csv

        buf = io.StringIO()
        writer = csv.writer(buf, dialect="excel" if fmt is ReportFormat.csv else "excel-tab", lineterminator="\n")
        writer.writerow(keys)
        for r in rows:
            writer.writerow(["" if r[k] is None else r[k] for k in keys])
        return buf.getvalue()
    if fmt is ReportFormat.xlsx:
        from huidesk.render.workbook import monthly_workbook

        return monthly_workbook(data)
    _monthly_table(data)
    return None


def _monthly_table(data: dict) -> None:
    from huidesk.commands.records import short_team
    from huidesk.domain.dates import format_minutes
    from huidesk.domain.figures import hours
    from huidesk.render.output import grid

    cols = [("team", tr("服务队", "team")), ("activities", tr("活动", "activities")), ("served", tr("服务人次", "served")),
            ("volunteer_minutes", tr("时长(小时)", "hours")), ("visits", tr("走访", "visits")),
            ("issues_received", tr("受理", "received")), ("issues_resolved", tr("办结", "resolved")),
            ("issues_escalated", tr("上报", "escalated")), ("callbacks", tr("回访", "callbacks"))]
    rows = [[short_team(r["team"]), *(str(hours(r[k])) if k == "volunteer_minutes" else str(r[k]) for k, _ in cols[1:])]
            for r in [*data["rows"], data["total"]]]
    numbers = [i > 0 for i in range(len(cols))]
    grid(tr(f"{data['month']} 月度台账", f"Monthly tally {data['month']}"), [h for _, h in cols], rows,
         right=numbers, nowrap=numbers, total=True)
    k, pct = data["kpi"], _pct
    sys.stdout.write(tr(f"响应率 {pct(k['response_rate'])}　办结率 {pct(k['closure_rate'])}　解决率 {pct(k['resolution_rate'])}"
                        f"　满意率 {pct(k['satisfaction_rate'])}　办结用时中位数 {format_minutes(k['resolve_minutes_median']) or '—'}",
                        f"response {pct(k['response_rate'])}  closure {pct(k['closure_rate'])}  resolution {pct(k['resolution_rate'])}"
                        f"  satisfaction {pct(k['satisfaction_rate'])}  median resolution {format_minutes(k['resolve_minutes_median']) or '—'}")
                     + "\n")
    sys.stdout.write(tr(f"账本链头：{data['chain_head']}", f"chain head: {data['chain_head']}") + "\n")


def _pct(v: object) -> str:
    return "—" if v is None else f"{v}%"


DUE_HELP = tr(
    "到期提醒：超过响应或办结时限的诉求、超过走访周期的居民（久未走访的在前）、无人认领的微心愿，并给出逾期多久。\n\n\b\n"
    "例：huidesk due\n    huidesk due --format csv > 待办.csv",
    "What is late: issues past their response or resolve limit, residents past their visit cadence "
    "(longest first), unclaimed wishes — with how late each is.\n\n\b\nExample: huidesk due --format json",
)


def due(ctx: typer.Context, fmt: FormatOpt = None, with_pii: WithPii = False) -> None:
    from huidesk.domain.dates import format_minutes
    from huidesk.domain.privacy import mask_name
    from huidesk.ledger.queries import due as late_items
    from huidesk.render.output import Column, emit

    s = session(ctx)
    with s.ledger() as store:
        rows = late_items(store.conn, s.now.isoformat(timespec="seconds"), s.today.isoformat(), store.settings())
    for row in rows:
        if row["what"] == "resident" and not with_pii:
            row["subject"] = mask_name(row["subject"])
    kinds = {"issue": tr("诉求", "issue"), "resident": tr("走访", "visit"), "wish": tr("微心愿", "wish")}
    details = {"resolve": tr("超过办结时限", "past the resolve limit"), "response": tr("超过响应时限", "past the response limit"),
               "never visited": tr("从未走访", "never visited"), "not claimed": tr("无人认领", "not claimed")}
    columns = [
        Column("what", "类别", "what", show=lambda v: kinds.get(str(v), str(v)), nowrap=True),
        Column("id", "编号", "id", nowrap=True),
        Column("subject", "对象", "subject"),
        Column("place", "地点", "place", show=_short),
        Column("since", "起算", "since", nowrap=True),
        Column("late_minutes", "逾期", "late", show=format_minutes, nowrap=True),
        Column("detail", "说明", "detail", show=lambda v: details.get(str(v), str(v).replace("every", tr("每", "every")).replace("days", tr("天", "days")))),
    ]
    emit(rows, columns, fmt)


def _short(path: object) -> str:
    from huidesk.render.output import short_place

    return short_place(path)


CERTIFICATE_HELP = tr(
    "志愿服务记录证明：队员身份、所在服务队、按月的服务时长与内容、出具单位（setting issuer）、证明编号和日期。\n\n\b\n"
    "例：huidesk certificate 王玉兰 --since 2024-01-01\n    huidesk certificate 王玉兰 --format json",
    "A volunteer-service record for one member: identity, teams, hours and content by month, issuer, number and date.\n\n\b\n"
    "Example: huidesk certificate 王玉兰 --since 2024-01-01",
)


def certificate(
    ctx: typer.Context,
    member: Annotated[str, typer.Argument(help=tr("队员", "member"))],
    since: SinceOpt = None,
    until: UntilOpt = None,
    fmt: Annotated[SummaryFormat, typer.Option("--format", "-f", help=tr("table 或 json", "table or json"))] = SummaryFormat.table,
) -> None:
    import hashlib
    import json

    from huidesk.domain.figures import hours
    from huidesk.ledger.queries import service_record
    from huidesk.reports.summary import as_json

    s = session(ctx)
    start, end = _period(s, since, until)
    with s.ledger() as store:
        m = store.find("members", member, "MEMBER")
        uid = store.conn.execute("SELECT uid FROM members WHERE id = ?", (m["id"],)).fetchone()[0]
        record = service_record(store.conn, m["id"], start.isoformat() if start else None, end.isoformat())
        issuer = store.settings()["issuer"]
    by_month: dict[str, dict] = {}
    for a in record["activities"]:
        month = by_month.setdefault(a["month"], {"month": a["month"], "minutes": 0, "activities": 0, "visits": 0, "content": []})
        month["minutes"] += a["minutes"]
        month["activities"] += 1
        month["content"].append(a["title"] or a["theme"])
    for month_key, n in record["visits"].items():
        by_month.setdefault(month_key, {"month": month_key, "minutes": 0, "activities": 0, "visits": 0, "content": []})["visits"] = n
    months = [by_month[k] for k in sorted(by_month)]
    total = sum(x["minutes"] for x in months)
    digest = hashlib.sha256(f"{uid}|{start}|{end}".encode()).hexdigest()[:6].upper()
    number = f"HD{s.today:%Y%m%d}-{m['id']:05d}-{digest}"
    data = {
        "certificate_no": number, "date": s.today.isoformat(), "issuer": issuer or None,
        "member": {"id": m["id"], "name": m["name"], "joined": m["joined"]},
        "teams": record["teams"], "period": {"since": start.isoformat() if start else None, "until": end.isoformat()},
        "total_minutes": total, "total_hours": hours(total),
        "by_month": [{**x, "hours": hours(x["minutes"])} for x in months],
    }
    if fmt is SummaryFormat.json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=as_json) + "\n")
        return
    _render_certificate(data)


def _render_certificate(data: dict) -> None:
    from rich.panel import Panel
    from rich.table import Table

    from huidesk.domain.vocab import VOCABS, label
    from huidesk.render.output import console

    t = Table(show_edge=False, header_style="bold")
    for h in (tr("月份", "month"), tr("服务时长(小时)", "hours"), tr("活动", "activities"), tr("走访", "visits"), tr("服务内容", "content")):
        t.add_column(h)
    for x in data["by_month"]:
        content = "、".join(dict.fromkeys(label("theme", c) if c in VOCABS["theme"] else c for c in x["content"]))
        t.add_row(x["month"], str(x["hours"]), str(x["activities"]), str(x["visits"]), content)
    teams = "、".join(t["name"] for t in data["teams"]) or "—"
    period = data["period"]
    start = tr(f"自{period['since']}", f"from {period['since']}") if period["since"] else tr("加入以来", "since joining")
    span = tr(f"{start}至{period['until']}，", f"{start} to {period['until']}")
    head = tr(
        f"兹证明 {data['member']['name']} 同志为 {teams} 队员，{span}累计志愿服务时长 {data['total_hours']} 小时。",
        f"This certifies that {data['member']['name']}, member of {teams}, served {data['total_hours']} volunteer hours, {span}.",
    )
    foot = tr(f"出具单位：{data['issuer'] or '（未设置，见 setting set issuer）'}　证明编号：{data['certificate_no']}　日期：{data['date']}",
              f"issuer: {data['issuer'] or '(not set)'}  no. {data['certificate_no']}  date {data['date']}")
    from rich.console import Group

    console().print(Panel(Group(head, "", t, "", foot), title=tr("志愿服务记录证明", "Volunteer service record")))


