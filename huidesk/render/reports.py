"""How the reports look on a terminal: the summary, the monthly tally and the certificate as text."""

import sys

from huidesk.domain.i18n import tr
from huidesk.render.output import short_team


def _words(*pairs: tuple[str, str]) -> list[str]:
    return [tr(zh, en) for zh, en in pairs]


def summary_text(data: dict) -> None:
    from huidesk.domain.dates import format_minutes
    from huidesk.domain.vocab import label
    from huidesk.render.grid import grid

    write = sys.stdout.write
    write(data["narrative"] + "\n\n")

    def table(title: str, headers: list[str], rows: list[list[object]]) -> None:
        if rows:
            numbers = [i > 0 for i in range(len(headers))]
            cells = [["" if v is None else str(v) for v in row] for row in rows]
            grid(title, headers, cells, right=numbers, nowrap=numbers)
            write("\n")

    table(tr("各服务队", "By team"),
          _words(("服务队", "team"), ("队员", "members"), ("活动", "activities"), ("走访", "visits"),
                 ("户", "households"), ("受理诉求", "issues"), ("办结", "resolved"), ("服务时长(小时)", "hours")),
          [[short_team(r["team"]), r["members"], r["activities"], r["visits"], r["households"], r["issues_received"],
            r["issues_resolved"], r["hours"]] for r in data["by_team"]])
    table(tr("活动主题", "By theme"),
          _words(("主题", "theme"), ("次数", "activities"), ("服务人次", "served"), ("时长(小时)", "hours")),
          [[label("theme", r["theme"]), r["activities"], r["served"], r["hours"]] for r in data["by_theme"]])
    table(tr("诉求类型", "By issue kind"),
          _words(("类型", "kind"), ("受理", "received"), ("办结", "resolved"), ("上报", "escalated"),
                 ("上报并化解", "escalated & resolved")),
          [[label("issue_kind", r["kind"]), r["received"], r["resolved"], r["escalated"], r["escalated_resolved"]]
           for r in data["by_kind"] if any(r[k] for k in ("received", "resolved", "escalated"))])
    k, pct = data["kpi"], percent

    def spread(key: str) -> str:
        return f"{format_minutes(k[key + '_median']) or '—'} / {format_minutes(k[key + '_p90']) or '—'}"

    table(tr("工单指标", "Work orders"), _words(("指标", "figure"), ("数值", "value")), [
        [tr("受理诉求", "received"), k["received"]],
        [tr("响应率", "response rate"), pct(k["response_rate"])],
        [tr("办结率", "closure rate"), pct(k["closure_rate"])],
        [tr("解决率", "resolution rate"), pct(k["resolution_rate"])],
        [tr("满意率", "satisfaction rate"), pct(k["satisfaction_rate"])],
        [tr("回访", "callbacks"), k["callbacks"]],
        [tr("首次响应用时 中位数 / 90%", "first response, median / p90"), spread("response_minutes")],
        [tr("办结用时 中位数 / 90%", "resolution, median / p90"), spread("resolve_minutes")],
    ] if k["received"] or k["callbacks"] else [])
    table(tr("队员角色", "Members by role"), _words(("角色", "role"), ("人数", "members")),
          [[label("role", r["role"]), r["members"]] for r in data["members_by_role"]])
    w = data["wishes"]
    wishes = [tr("微心愿 登记/认领/实现", "wishes listed/claimed/fulfilled"),
              f"{w['listed']}/{w['claimed']}/{w['fulfilled']}"]
    table(tr("服务卡与微心愿", "Cards and wishes"), _words(("项目", "item"), ("数量", "count")),
          [[f"{c['kind']}（{tr('人', 'residents')}）", c["residents"]] for c in data["cards"]]
          + ([wishes] if any(w.values()) else []))
    months = data["by_month"]
    if months:
        top = max(max(m["activities"], m["visits"], m["issues_received"]) for m in months) or 1
        write(tr("逐月（活动 █ 走访 ▒ 诉求 ░）", "By month (activities █ visits ▒ issues ░)") + "\n")
        for m in months:
            bars = "".join(ch * round(m[key] * 30 / top)
                           for key, ch in (("activities", "█"), ("visits", "▒"), ("issues_received", "░")))
            write(f"{m['month']} {bars} {m['activities']}/{m['visits']}/{m['issues_received']}\n")
        write("\n")
    head = data["chain_head"]
    verify = f"huidesk check --head {head['hash'][:12]}"
    write(tr(f"账本链头：{head['hash']}（日志 {head['entries']} 条；核验：{verify}）",
             f"chain head: {head['hash']} ({head['entries']} entries; to verify: {verify})") + "\n")


def monthly_text(data: dict) -> None:
    from huidesk.domain.dates import format_minutes
    from huidesk.domain.figures import hours
    from huidesk.render.grid import grid

    keys = ("team", "activities", "served", "volunteer_minutes", "visits", "issues_received", "issues_resolved",
            "issues_escalated", "callbacks")
    headers = _words(("服务队", "team"), ("活动", "activities"), ("服务人次", "served"), ("时长(小时)", "hours"),
                     ("走访", "visits"), ("受理", "received"), ("办结", "resolved"), ("上报", "escalated"),
                     ("回访", "callbacks"))
    rows = [[short_team(r["team"]), *(str(hours(r[k])) if k == "volunteer_minutes" else str(r[k]) for k in keys[1:])]
            for r in [*data["rows"], data["total"]]]
    numbers = [i > 0 for i in range(len(keys))]
    grid(tr(f"{data['month']} 月度台账", f"Monthly tally {data['month']}"), headers, rows,
         right=numbers, nowrap=numbers, total=True)
    k, pct = data["kpi"], percent
    median = format_minutes(k["resolve_minutes_median"]) or "—"
    sys.stdout.write(tr(
        f"响应率 {pct(k['response_rate'])}　办结率 {pct(k['closure_rate'])}　解决率 {pct(k['resolution_rate'])}"
        f"　满意率 {pct(k['satisfaction_rate'])}　办结用时中位数 {median}",
        f"response {pct(k['response_rate'])}  closure {pct(k['closure_rate'])}  resolution {pct(k['resolution_rate'])}"
        f"  satisfaction {pct(k['satisfaction_rate'])}  median resolution {median}",
    ) + "\n")
    head, verify = data["chain_head"], f"huidesk check --head {data['chain_head'][:12]}"
    sys.stdout.write(tr(f"账本链头：{head}（核验：{verify}）", f"chain head: {head} (to verify: {verify})") + "\n")


def percent(v: object) -> str:
    return "—" if v is None else f"{v}%"


def certificate_text(data: dict) -> None:
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table

    from huidesk.domain.vocab import VOCABS, label
    from huidesk.render.output import console

    t = Table(show_edge=False, header_style="bold")
    for h in _words(("月份", "month"), ("服务时长(小时)", "hours"), ("活动", "activities"), ("走访", "visits"),
                    ("服务内容", "content")):
        t.add_column(h)
    for x in data["by_month"]:
        content = "、".join(dict.fromkeys(label("theme", c) if c in VOCABS["theme"] else c for c in x["content"]))
        t.add_row(x["month"], str(x["hours"]), str(x["activities"]), str(x["visits"]), content)
    teams = "、".join(t["name"] for t in data["teams"]) or "—"
    period, name, hours = data["period"], data["member"]["name"], data["total_hours"]
    since = period["since"]
    start = tr(f"自{since}", f"from {since}") if since else tr("加入以来", "since joining")
    span = tr(f"{start}至{period['until']}，", f"{start} to {period['until']}")
    head = tr(
        f"兹证明 {name} 同志为 {teams} 队员，{span}累计志愿服务时长 {hours} 小时。",
        f"This certifies that {name}, member of {teams}, served {hours} volunteer hours, {span}.",
    )
    issuer = data["issuer"] or tr("（未设置，见 setting set issuer）", "(not set)")
    foot = tr(f"出具单位：{issuer}　证明编号：{data['certificate_no']}　日期：{data['date']}",
              f"issuer: {issuer}  no. {data['certificate_no']}  date {data['date']}")
    console().print(Panel(Group(head, "", t, "", foot), title=tr("志愿服务记录证明", "Volunteer service record")))
