"""How the reports look: the summary, the monthly tally, the certificate and what is due, each drawn
from its report's typed value (huidesk/reports) as text, and handed to the output registry as an
Output with its rows, its document (whose JSON shape the value gives) and its workbook.

Rendering knows values, not where they come from: it reads a report value's attributes and never imports
huidesk.reports (an import-linter contract), so a report's types are named here only in words."""

import sys
from collections.abc import Sequence

from huidesk.domain.i18n import tr
from huidesk.render.output import DOCUMENT, ROWS, WORKBOOK, Column, Output, file_formats, short_place, short_team


def _words(*pairs: tuple[str, str]) -> list[str]:
    return [tr(zh, en) for zh, en in pairs]


def summary_output(summary, wide: bool = False) -> Output:
    """A Summary: a table's text, or its JSON document."""
    return Output((), (), document=summary, text=lambda: summary_text(summary, wide))


def summary_text(data, wide: bool = False) -> None:
    """A Summary as text: its narrative, the tables behind it, a bar a month and the chain head."""
    from huidesk.domain.dates import format_minutes
    from huidesk.domain.vocab import label
    from huidesk.render.grid import KEEP, TEXT, grid
    from huidesk.render.output import left_out, screen_lines, screen_width

    write = sys.stdout.write
    write("\n".join(screen_lines(data.narrative)) + "\n")
    write(sources_line(data.sources) + "\n")
    dropped: list[str] = []

    def table(title: str, headers: list[tuple[str, str, str, str, int]], rows: list[list[object]],
              last_words: bool = False) -> None:
        """A table of a label, numbers and (`last_words`) a column of words: each header is (zh, en,
        short zh, short en, priority)."""
        if rows:
            numbers = [0 < i < len(headers) - last_words for i in range(len(headers))]
            cells = [["" if v is None else str(v) for v in row] for row in rows]
            dropped.extend(grid(title, [tr(zh, en) for zh, en, *_ in headers], cells, right=numbers,
                                modes=[KEEP if n else TEXT for n in numbers], priority=[h[4] for h in headers],
                                short=[tr(h[2], h[3]) for h in headers], wide=wide))
            write("\n")

    table(tr("各服务队", "By team"),
          [("服务队", "team", "服务队", "team", 9), ("队员", "members", "队员", "memb", 4),
           ("活动", "activities", "活动", "acts", 8), ("走访", "visits", "走访", "visits", 6),
           ("户", "households", "户", "homes", 3), ("受理诉求", "issues", "诉求", "issues", 7),
           ("办结", "resolved", "办结", "done", 5), ("服务时长(小时)", "hours", "时长", "hours", 6)],
          [[short_team(r.team), r.members, r.activities, r.visits, r.households, r.issues_received,
            r.issues_resolved, r.hours] for r in data.by_team])
    table(tr("各来源账本", "By source ledger"),
          [("来源", "source", "来源", "source", 9), ("活动", "activities", "活动", "acts", 8),
           ("走访", "visits", "走访", "visits", 6), ("受理诉求", "issues", "诉求", "issues", 7),
           ("办结", "resolved", "办结", "done", 5), ("服务时长(小时)", "hours", "时长", "hours", 6)],
          [[r.name or (r.uid or "")[:12] or tr("（本账本）", "(this ledger)"), r.activities, r.visits,
            r.issues_received, r.issues_resolved, r.hours] for r in data.by_source or ()])
    table(tr("活动主题", "By theme"),
          [("主题", "theme", "主题", "theme", 9), ("次数", "activities", "次数", "acts", 8),
           ("服务人次", "served", "人次", "served", 6), ("时长(小时)", "hours", "时长", "hours", 7)],
          [[label("theme", r.theme), r.activities, r.served, r.hours] for r in data.by_theme])
    table(tr("诉求类型", "By issue kind"),
          [("类型", "kind", "类型", "kind", 9), ("受理", "received", "受理", "recv", 8),
           ("办结", "resolved", "办结", "done", 7), ("上报", "escalated", "上报", "esc", 6),
           ("上报并化解", "escalated & resolved", "化解", "esc+done", 5)],
          [[label("issue_kind", r.kind), r.received, r.resolved, r.escalated, r.escalated_resolved]
           for r in data.by_kind if r.received or r.resolved or r.escalated])
    k, pct = data.kpi, percent

    def spread(median: int | None, p90: int | None) -> str:
        return f"{format_minutes(median) or '—'} / {format_minutes(p90) or '—'}"

    figure = [("指标", "figure", "指标", "figure", 9), ("数值", "value", "数值", "value", 9)]
    table(tr("工单指标", "Work orders"), figure, [
        [tr("受理诉求", "received"), k.received],
        [tr("核减（不计入比率）", "exempted (in no rate)"), k.exempted],
        [tr("响应率", "response rate"), pct(k.response_rate)],
        [tr("办结率", "closure rate"), pct(k.closure_rate)],
        [tr("按时办结率", "on-time rate"), pct(k.on_time_rate)],
        [tr("超期未办结", "overdue"), k.overdue],
        [tr("回访 / 回访率", "callbacks / rate"), f"{k.callbacks} / {pct(k.callback_rate)}"],
        [tr("解决率", "resolution rate"), pct(k.resolution_rate)],
        [tr("满意率", "satisfaction rate"), pct(k.satisfaction_rate)],
        [tr("重复件", "repeats"), k.repeats],
        [tr("首次响应用时 中位数 / 90%", "first response, median / p90"),
         spread(k.response_minutes_median, k.response_minutes_p90)],
        [tr("办结用时 中位数 / 90%", "resolution, median / p90"),
         spread(k.resolve_minutes_median, k.resolve_minutes_p90)],
    ] if k.received or k.callbacks else [])
    if k.estimated:
        write(estimated_line(k.estimated) + "\n\n")
    from huidesk.domain.dates import shown_moment as shown
    scores = data.scores
    rank = [("名次", "rank", "名次", "rank", 8), ("受理", "received", "受理", "recv", 4),
            ("核减", "exempted", "核减", "exm", 3), ("响应率", "response", "响应", "resp", 5),
            ("解决率", "resolution", "解决", "resol", 5), ("满意率", "satisfaction", "满意", "satis", 5),
            ("综合得分", "score", "得分", "score", 9)]

    def ranked(rows) -> list[list[object]]:
        return [[s.name, s.rank if s.rank is not None else "—", s.received, s.exempted, pct(s.response_rate),
                 pct(s.resolution_rate), pct(s.satisfaction_rate), "—" if s.score is None else s.score]
                for s in rows]

    weights = tr(f"（权重 响应率/解决率/满意率 {scores.weights}）", f" (weights {scores.weights})")
    table(tr("各村、社区综合得分", "Scores by community") + weights,
          [("社区/村", "community", "社区/村", "comm.", 9), *rank],
          ranked(scores.communities) if len(scores.communities) > 1 else [])
    table(tr("各服务队综合得分", "Scores by team") + weights, [("服务队", "team", "服务队", "team", 9), *rank],
          ranked(scores.teams) if len(scores.teams) > 1 else [])
    table(tr("核减诉求", "Exempted issues"),
          [("编号", "id", "编号", "id", 9), ("受理时间", "received", "受理", "recv", 5),
           ("地点", "place", "地点", "place", 4), ("核减时间", "exempted", "核减", "exm", 6),
           ("批准人", "approver", "批准", "by", 7), ("原因", "reason", "原因", "why", 8)],
          [[f"#{e.id}", shown(e.received_at), _place_name(e.place), shown(e.exempted_at), e.approver or "",
            e.reason or ""] for e in data.exempted], last_words=True)
    table(tr("热点问题", "Hot spots"),
          [("类别", "category", "类别", "category", 9), ("件数", "issues", "件数", "issues", 9),
           ("主要地点", "where most", "地点", "where", 5)],
          [[label("category", h.category), h.issues,
            tr("、", ", ").join(f"{p.place.rsplit('/', 1)[-1]} {p.issues}" for p in h.places)]
           for h in data.hot], last_words=True)
    table(tr("队员角色", "Members by role"),
          [("角色", "role", "角色", "role", 9), ("人数", "members", "人数", "memb", 9)],
          [[label("role", r.role), r.members] for r in data.members_by_role])
    w = data.wishes
    wishes = [tr("微心愿 登记/认领/实现", "wishes listed/claimed/fulfilled"), f"{w.listed}/{w.claimed}/{w.fulfilled}"]
    table(tr("服务卡与微心愿", "Cards and wishes"),
          [("项目", "item", "项目", "item", 9), ("数量", "count", "数量", "count", 9)],
          [[f"{c.kind}（{tr('人', 'residents')}）", c.residents] for c in data.cards]
          + ([wishes] if w.listed or w.claimed or w.fulfilled else []))
    months = data.by_month
    if months:
        keys = (("activities", "█"), ("visits", "▒"), ("issues_received", "░"))
        # the three bars of a month side by side: the busiest month fills the room the screen leaves
        top = max(m.activities + m.visits + m.issues_received for m in months) or 1
        counts = max(len(f"{m.activities}/{m.visits}/{m.issues_received}") for m in months)
        room = max(10, min(60, (screen_width() or 80) - len("2024-07  ") - counts - 1))
        legend = tr("逐月（活动 █ 走访 ▒ 诉求 ░）", "By month (activities █ visits ▒ issues ░)")
        write("\n".join(screen_lines(legend)) + "\n")
        for m in months:
            bars = "".join(ch * round(getattr(m, key) * room / top) for key, ch in keys)
            write(f"{m.month} {bars} {m.activities}/{m.visits}/{m.issues_received}\n")
        write("\n")
    head = data.chain_head
    verify = f"huidesk check --head {head.hash[:12]}"
    write(chain_head(head.hash, tr(f"（日志 {head.entries} 条；核验：{verify}）",
                                   f" ({head.entries} entries; to verify: {verify})")))
    left_out(list(dict.fromkeys(dropped)))


def sources_line(sources: Sequence | None) -> str:
    """The line saying which merged source ledgers a report includes and up to which entry of each
    (its chain head, when its last bundle was made); nothing for a ledger that merged none."""
    if not sources:
        return ""
    from huidesk.domain.dates import shown_moment
    from huidesk.render.output import screen_lines

    sep = tr("；", "; ")
    parts = [tr(f"{src.name or src.uid[:12]}（至日志#{src.last_entry}，链头 {src.head[:12]}，"
                f"{shown_moment(src.made_at)} 报送）",
                f"{src.name or src.uid[:12]} (up to entry {src.last_entry}, head {src.head[:12]}, "
                f"bundled {shown_moment(src.made_at)})") for src in sources]
    n = len(sources)
    text = tr(f"含 {n} 个来源账本：", f"Includes {n} source ledger{'s' if n != 1 else ''}: ")
    return "\n".join(screen_lines(text + sep.join(parts), sep)) + "\n"


def chain_head(digest: str, after: str = "") -> str:
    """The chain-head line; on a terminal too narrow for it, the digest on lines of its own, never cut."""
    from huidesk.render.output import screen_width

    label = tr("账本链头：", "chain head: ")
    if digest == "warehouse":  # a dataset many ledgers wrote: no one chain to verify it against
        return label + tr("warehouse（数据仓库，由各账本写入；请在各账本上用 huidesk check 核验）",
                          "warehouse (a dataset written by ledgers: verify each of them with huidesk check)") + "\n"
    width = screen_width()
    line = label + digest + after
    if width is None or _cells(line) <= width:
        return line + "\n"
    named = tr("账本链头", "chain head") + after + tr("：", ":")
    lines = [named] if _cells(named) <= width else [label.rstrip(), after.strip()]
    size = max(width - 2, 8)
    return "\n".join([*lines, *("  " + digest[i:i + size] for i in range(0, len(digest), size))]) + "\n"


def _cells(text: str) -> int:
    from huidesk.render.grid import display_width

    return display_width(text)


def monthly_output(monthly, wide: bool = False) -> Output:
    """A Monthly: its tally rows (and total) under the report's columns for csv, tsv and jsonl, its JSON
    document, a table's text, and the filed workbook (when the report was made with its sheet)."""
    from huidesk.render.sheet import monthly_workbook

    columns = [Column(c.key, c.header, c.header_en) for c in monthly.columns
               if c.key != "community" or monthly.communities is not None]  # 社区/村: only at a street
    return Output((r.cells() for r in (*monthly.rows, monthly.total)), columns, document=monthly,
                  text=lambda: monthly_text(monthly, wide), workbook=lambda: monthly_workbook(monthly),
                  formats=file_formats(ROWS, DOCUMENT, WORKBOOK))


def monthly_text(data, wide: bool = False) -> None:
    """The tally by team, the month's work-order figures, its 热点 categories, and what each work-order
    column means (the report's own column notes)."""
    import re

    from huidesk.domain.dates import format_minutes
    from huidesk.domain.figures import hours
    from huidesk.domain.vocab import label
    from huidesk.render.grid import KEEP, TEXT, grid
    from huidesk.render.output import left_out, screen_lines

    keys = ("team", "activities", "served", "volunteer_minutes", "visits", "issues_received", "resolved",
            "resolved_on_time", "overdue", "issues_escalated", "callbacks")
    headers = [("服务队", "team", "服务队", "team", 9), ("活动", "activities", "活动", "acts", 8),
               ("服务人次", "served", "人次", "served", 5), ("时长(小时)", "hours", "时长", "hours", 7),
               ("走访", "visits", "走访", "visits", 6), ("受理", "received", "受理", "recv", 7),
               ("办结", "resolved", "办结", "done", 6), ("按时办结", "on time", "按时", "on time", 4),
               ("超期", "overdue", "超期", "late", 5), ("上报", "escalated", "上报", "esc", 2),
               ("回访", "called back", "回访", "calls", 3)]
    def figures(r) -> list[str]:
        return [str(hours(r.volunteer_minutes)) if k == "volunteer_minutes" else str(getattr(r, k)) for k in keys[1:]]

    numbers = [i > 0 for i in range(len(keys))]
    zh, en = {7: ("月度台账", "Monthly tally"), 4: ("年度台账", "Yearly tally")}.get(
        len(data.month) if "Q" not in data.month else 0, ("季度台账", "Quarterly tally"))
    dropped = []
    if data.communities:  # a street: its villages and communities first, then its teams under theirs
        rows = [[c.community, *figures(c.tally)] for c in data.communities] + [[data.total.team, *figures(data.total)]]
        dropped += grid(tr(f"{data.month} {zh}（各村、社区）", f"{en} {data.month}, by community"),
                        [tr("社区/村", "community"), *(tr(h[0], h[1]) for h in headers[1:])], rows, right=numbers,
                        modes=[KEEP if n else TEXT for n in numbers], priority=[h[4] for h in headers],
                        short=[tr("社区/村", "community"), *(tr(h[2], h[3]) for h in headers[1:])], total=True,
                        wide=wide)
        sys.stdout.write("\n")
        rows = [[r.community or "", short_team(r.team), *figures(r)] for r in data.rows]
        rows.append([data.total.team, "", *figures(data.total)])
        columns = [("社区/村", "community", "社区/村", "comm.", 8), *headers]
        numbers = [i > 1 for i in range(len(columns))]
        dropped += grid(tr(f"{data.month} {zh}（各服务队）", f"{en} {data.month}, by team"),
                        [tr(h[0], h[1]) for h in columns], rows, right=numbers,
                        modes=[KEEP if n else TEXT for n in numbers], priority=[h[4] for h in columns],
                        short=[tr(h[2], h[3]) for h in columns], total=True, wide=wide)
    else:
        rows = [[short_team(r.team), *figures(r)] for r in [*data.rows, data.total]]
        dropped += grid(tr(f"{data.month} {zh}", f"{en} {data.month}"),
                        [tr(zh, en) for zh, en, *_ in headers], rows, right=numbers,
                        modes=[KEEP if n else TEXT for n in numbers], priority=[h[4] for h in headers],
                        short=[tr(h[2], h[3]) for h in headers], total=True, wide=wide)
    k, pct = data.kpi, percent
    median = format_minutes(k.resolve_minutes_median) or "—"
    gap = tr("　", "  ")
    figures = tr(
        f"响应率 {pct(k.response_rate)}　办结率 {pct(k.closure_rate)}　按时办结率 {pct(k.on_time_rate)}"
        f"　回访率 {pct(k.callback_rate)}　解决率 {pct(k.resolution_rate)}　满意率 {pct(k.satisfaction_rate)}"
        f"　重复件 {k.repeats}　转办 {k.transfers}　退单 {k.returns}　核减 {k.exempted}　办结用时中位数 {median}",
        f"response {pct(k.response_rate)}  closure {pct(k.closure_rate)}  on time {pct(k.on_time_rate)}"
        f"  callback {pct(k.callback_rate)}  resolution {pct(k.resolution_rate)}"
        f"  satisfaction {pct(k.satisfaction_rate)}  repeats {k.repeats}  transfers {k.transfers}"
        f"  returns {k.returns}  exempted {k.exempted}  median resolution {median}",
    )
    sys.stdout.write("\n".join(screen_lines(figures, gap)) + "\n")
    if k.estimated:
        sys.stdout.write(estimated_line(k.estimated) + "\n")
    sys.stdout.write(sources_line(data.sources))
    if data.hot:
        spots = [f"{label('category', h.category)} {h.issues}"
                 + tr("（", " (") + tr("、", ", ").join(f"{_place_name(p.place)} {p.issues}" for p in h.places)
                 + tr("）", ")") for h in data.hot]
        sys.stdout.write("\n".join(screen_lines(tr("热点：", "hot spots: ") + gap.join(spots), gap)) + "\n")
    from huidesk.domain.dates import shown_moment

    as_of = shown_moment(data.as_of.isoformat(timespec="seconds"))
    figured = k.to_json()
    meanings = [f"{re.sub(r'[(（].*$', '', tr(c.header, c.header_en))}{tr('＝', ' = ')}{tr(c.meaning, c.meaning_en)}"
                for c in data.columns if c.key in figured and c.key != "received"]
    notes = tr(f"口径（本月受理的诉求，截至 {as_of}）：",
               f"Work orders (issues received in the month, as of {as_of}): ")
    sys.stdout.write("\n".join(screen_lines(notes + tr("；", "; ").join(meanings), tr("；", "; "))) + "\n")
    verify = f"huidesk check --head {data.chain_head[:12]}"
    sys.stdout.write(chain_head(data.chain_head, tr(f"（核验：{verify}）", f" (to verify: {verify})")))
    left_out(list(dict.fromkeys(dropped)))


def estimated_line(issues: int) -> str:
    """The one line a report says when some of its issues' limits ran into a year of estimated working days."""
    return tr(f"注：{issues}件诉求的时限跨过日历尚未公布的年份，工作日按周一至周五估算，相关数字为估算"
              "（setting set holidays / workdays 可补上）",
              f"note: {issues} issue(s) have limits running into a year whose working days are not published:"
              " counted Monday to Friday, so these figures are estimates (setting set holidays / workdays add them)")


def _place_name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def percent(v: object) -> str:
    return "—" if v is None else f"{v}%"


def certificate_output(certificate) -> Output:
    """A Certificate: a panel's text, or its JSON document."""
    return Output((), (), document=certificate, text=lambda: certificate_text(certificate))


def certificate_text(data) -> None:
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from huidesk.domain.vocab import VOCABS, label
    from huidesk.render.controls import visible
    from huidesk.render.output import console

    def plain(text: object) -> Text:
        """Text from the ledger as it is: never read as rich markup, its control characters made visible."""
        return Text(visible(str(text)))

    t = Table(show_edge=False, header_style="bold")
    for h in _words(("月份", "month"), ("服务时长(小时)", "hours"), ("活动", "activities"), ("走访", "visits"),
                    ("服务内容", "content")):
        t.add_column(h)
    for x in data.by_month:
        content = "、".join(dict.fromkeys(label("theme", c) if c in VOCABS["theme"] else c for c in x.content))
        t.add_row(x.month, str(x.hours), str(x.activities), str(x.visits), plain(content))
    services = Table(show_edge=False, header_style="bold")
    for h in _words(("日期", "date"), ("类别", "kind"), ("服务队", "team"), ("服务内容", "content"),
                    ("时长(小时)", "hours")):
        services.add_column(h)
    for x in data.services:
        services.add_row(x.date, tr("活动", "activity") if x.kind == "activity" else tr("走访", "visit"),
                         plain(short_team(x.team)), plain(_service_content(x)), str(x.hours))
    teams = "、".join(t.name + (tr(f"（{t.community}）", f" ({t.community})") if t.community else "")
                     for t in data.teams) or "—"
    period, name, hours = data.period, data.member.name, data.total_hours
    since = period.since
    start = tr(f"自{since}", f"from {since}") if since else tr("加入以来", "since joining")
    span = tr(f"{start}至{period.until}，", f"{start} to {period.until}")
    reg_no = data.member.reg_no
    registered = tr(f"（注册编号 {reg_no}）", f" (registration no. {reg_no})") if reg_no else ""
    head = tr(
        f"兹证明 {name} 同志{registered}为 {teams} 队员，{span}累计志愿服务时长 {hours} 小时。",
        f"This certifies that {name}{registered}, member of {teams}, served {hours} volunteer hours, {span}.",
    )
    issuer = data.issuer or tr("（未设置，见 setting set issuer）", "(not set)")
    foot = tr(f"出具单位：{issuer}　证明编号：{data.certificate_no}　日期：{data.date}",
              f"issuer: {issuer}  no. {data.certificate_no}  date {data.date}")
    out = console()

    def prose(text: str) -> Text:
        """A sentence wrapped by display width inside the panel's borders: rich breaks only at spaces, which
        left 「为 “银色助老”志愿服务队」 alone on a line with room beside it."""
        from huidesk.render.grid import wrap

        return Text("\n").join(plain(line) for line in wrap(text, max(out.width - 4, 20)))

    parts = [prose(head), "", t, ""] + ([tr("服务记录", "Services"), services, ""] if data.services else [])
    out.print(Panel(Group(*parts, prose(foot)), title=tr("志愿服务记录证明", "Volunteer service record")))


def _service_content(service) -> str:
    """What a service was: an activity's title or theme; a visit's purpose, and how many it visited."""
    from huidesk.domain.vocab import label

    if service.kind == "activity":
        return service.title or label("theme", service.theme)
    homes = tr(f"走访 {service.residents} 户", f"{service.residents} resident(s) visited")
    return f"{service.purpose}{tr('（', ' (')}{homes}{tr('）', ')')}" if service.purpose else homes


def due_output(late: Sequence, wide: bool = False) -> Output:
    """What is due (reports/due.py's Late values) as a listing: what is late and why in words in a table,
    csv and tsv; the slugs in json."""
    from huidesk.domain.dates import format_minutes

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
        Column("place", "地点", "place", show=short_place, priority=4, cut="path"),
        Column("since", "起算", "since", nowrap=True, priority=5),
        Column("late_minutes", "逾期", "late", show=format_minutes, nowrap=True, priority=6),
        Column("detail", "说明", "detail", show=detail, written=detail, priority=3),
    ]
    return Output((x.cells() for x in late), columns, wide=wide)


def _cadence(detail: str) -> str:
    """`every 7 days` in the user's language."""
    return detail.replace("every", tr("每", "every")).replace("days", tr("天", "days"))
