"""How the reports look on a terminal: the summary, the monthly tally and the certificate as text."""

import sys

from huidesk.domain.i18n import tr
from huidesk.render.output import short_team


def summary_text(data: dict) -> None:
    from huidesk.domain.dates import format_minutes
    from huidesk.domain.vocab import label
    from huidesk.render.grid import grid

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
    k, pct = data["kpi"], percent
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


def monthly_text(data: dict) -> None:
    from huidesk.domain.dates import format_minutes
    from huidesk.domain.figures import hours
    from huidesk.render.grid import grid

    cols = [("team", tr("服务队", "team")), ("activities", tr("活动", "activities")), ("served", tr("服务人次", "served")),
            ("volunteer_minutes", tr("时长(小时)", "hours")), ("visits", tr("走访", "visits")),
            ("issues_received", tr("受理", "received")), ("issues_resolved", tr("办结", "resolved")),
            ("issues_escalated", tr("上报", "escalated")), ("callbacks", tr("回访", "callbacks"))]
    rows = [[short_team(r["team"]), *(str(hours(r[k])) if k == "volunteer_minutes" else str(r[k]) for k, _ in cols[1:])]
            for r in [*data["rows"], data["total"]]]
    numbers = [i > 0 for i in range(len(cols))]
    grid(tr(f"{data['month']} 月度台账", f"Monthly tally {data['month']}"), [h for _, h in cols], rows,
         right=numbers, nowrap=numbers, total=True)
    k, pct = data["kpi"], percent
    sys.stdout.write(tr(f"响应率 {pct(k['response_rate'])}　办结率 {pct(k['closure_rate'])}　解决率 {pct(k['resolution_rate'])}"
                        f"　满意率 {pct(k['satisfaction_rate'])}　办结用时中位数 {format_minutes(k['resolve_minutes_median']) or '—'}",
                        f"response {pct(k['response_rate'])}  closure {pct(k['closure_rate'])}  resolution {pct(k['resolution_rate'])}"
                        f"  satisfaction {pct(k['satisfaction_rate'])}  median resolution {format_minutes(k['resolve_minutes_median']) or '—'}")
                     + "\n")
    sys.stdout.write(tr(f"账本链头：{data['chain_head']}", f"chain head: {data['chain_head']}") + "\n")


def percent(v: object) -> str:
    return "—" if v is None else f"{v}%"


def certificate_text(data: dict) -> None:
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
