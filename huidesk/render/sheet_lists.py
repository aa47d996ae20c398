"""The monthly sheet's lists and pages beside its tally (huidesk/render/sheet.py): 诉求清单, 花名册, 图表 and
填报说明, each a function of the workbook and the sheet's form."""

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from huidesk.domain.i18n import tr
from huidesk.render.layout import (
    FONT,
    GAP,
    LINE,
    PAGE,
    ROW,
    SIZE,
    SMALL,
    WIDTH_CAP,
    Pages,
    category,
    fit,
    header_lines,
    heights,
    letter,
    new_sheet,
    squeeze,
    trimmed,
    widest,
    wrapped,
)

if TYPE_CHECKING:
    from huidesk.render.sheet import Form


def issues(wb, form: "Form") -> None:
    """诉求清单: the period's issues as a street office checks them — local times, elapsed hours, 超期
    (open past its limit, as the 超期 column counts), 按时办结, the callback the rates read; at a street,
    each issue's community and its number there beside the street's. Its columns fit the page's width: the
    texts wrap (to no narrower than their floor); when even that is too wide, the list is set in 9 pt."""
    from openpyxl.styles import Font

    from huidesk.domain.dates import shown_moment
    from huidesk.domain.figures import hours
    from huidesk.domain.vocab import label
    from huidesk.render.output import short_team

    ws = new_sheet(wb, tr("诉求清单", "issues"))
    yes, no = tr("是", "yes"), tr("否", "no")
    street = form.street
    numbered = any(s.issue.source_no is not None for s in form.sheet.issues)  # merged from communities' ledgers
    # key, header, the narrowest a text may wrap to (None: never narrower than it is), left-aligned; the
    # free texts wrap first, then the words and codes, the times last
    stages = (("text", "place", "team", "community"), ("ref", "kind", "category", "source", "callback"),
              ("received", "resolved"))
    columns: list[tuple[str, str, int | None, bool]] = [
        ("n", tr("序号", "no."), None, False), ("id", tr("编号", "id"), None, False),
        *([("community", tr("社区/村", "community"), 8, True)] if street else []),
        *([("source_no", tr("社区\n编号", "its\nno."), None, False)] if numbered else []),
        ("ref", tr("工单号", "ref"), 8, False), ("received", tr("受理\n时间", "received"), 5, False),
        ("kind", tr("诉求\n类型", "kind"), 6, False), ("nature", tr("诉求\n性质", "nature"), None, False),
        ("category", tr("诉求\n类别", "category"), 4, False), ("source", tr("来源", "source"), 5, False),
        ("place", tr("地点", "place"), 8, True), ("team", tr("服务队", "team"), 8, True),
        ("state", tr("状态", "state"), None, False), ("resolved", tr("办结\n时间", "resolved"), 5, False),
        ("elapsed", tr("用时\n小时", "elapsed (hours)"), None, False), ("overdue", tr("超期", "overdue"), None, False),
        ("on_time", tr("按时\n办结", "on time"), None, False), ("callback", tr("回访\n结果", "callback"), 7, False),
        ("repeat", tr("重复", "repeat of"), None, False), ("text", tr("诉求内容", "text"), 14, True),
    ]
    issues = form.sheet.issues
    places = trimmed([i.issue.place for i in issues])
    year = form.data.since.year if form.data.since.year == form.data.until.year else None

    def moment(at: str) -> str:
        """A moment in local time, without the year when it is the period's (the title says it): 06-02 10:30."""
        shown = shown_moment(at)
        return shown[5:] if year is not None and shown[:4] == str(year) else shown

    rows = []
    for n, standing in enumerate(issues, 1):
        issue = standing.issue
        callback = "/".join(label(vocab, said) for vocab, said in (("answer", standing.answer),
                                                                  ("satisfaction", standing.satisfaction)) if said)
        rows.append({
            "n": n, "id": issue.id, "community": issue.community, "source_no": issue.source_no, "ref": issue.ref,
            "received": moment(issue.received_at), "kind": label("issue_kind", issue.kind),
            "nature": label("nature", issue.nature), "category": category(issue.category),
            "source": label("source", issue.source), "place": _within(places[n - 1], issue.community),
            "team": short_team(issue.team) if street and issue.team else issue.team,
            "state": label("event", issue.state) + (tr("\n(核减)", "\n(exempted)") if standing.exempted else ""),
            "resolved": moment(issue.resolved_at) if issue.resolved_at else None,
            "elapsed": hours(standing.elapsed_minutes), "overdue": yes if standing.overdue else no,
            "on_time": None if standing.on_time is None else yes if standing.on_time else no,
            "callback": callback or None, "repeat": f"#{issue.repeat_of}" if issue.repeat_of else None,
            "text": issue.text,
        })
    budget = PAGE[True][0]
    natural = [widest([*header_lines(text), *(row[key] for row in rows)]) for key, text, *_ in columns]

    def widths(size: int) -> tuple[list[int], list[int]]:
        """Each column's width at `size` points, and the narrowest it may wrap to."""
        scaled = [min(-(-n * size // SIZE), WIDTH_CAP - 1) + 1 for n in natural]
        floors = [w if floor is None else min(w, -(-floor * size // SIZE) + 1)
                  for w, (_, _, floor, _) in zip(scaled, columns, strict=True)]
        return scaled, floors

    size = SIZE
    scaled, floors = widths(size)
    if sum(floors) > budget:
        size = SMALL
        scaled, floors = widths(size)
    for c, w in enumerate(scaled, 1):
        ws.column_dimensions[letter(c)].width = w
    keys = [key for key, *_ in columns]
    squeeze(ws, len(columns), budget, [[keys.index(k) + 1 for k in stage if k in keys] for stage in stages], floors,
            together=(len(stages) - 1,))
    font, bold = Font(name=FONT, size=size), Font(name=FONT, size=size, bold=True)
    alarm = Font(name=FONT, size=size, bold=True, color="C00000")
    last = len(columns)
    form.banner(ws, 1, last, form.title("诉求清单", "issues received"), form.title_font, height=30)
    said = tr(f"共 {len(issues)} 件；时间为本地时间" + (f"（{year}年的不写年份）" if year else "")
              + "；用时为受理至办结（未办结的至统计时点），以小时计；超期指截至统计时点未办结且已超过办结时限"
              + ("；社区编号为该诉求在其村、社区账本中的编号。" if numbered else "。"),
              f"{len(issues)} issues; local times" + (f" ({year} unless a year is shown)" if year else "")
              + "; elapsed: hours from received to resolved (open ones: to the as-of moment); overdue: open past"
              " the resolve limit at the as-of moment"
              + ("; its no.: the issue's number in its community's ledger." if numbered else "."))
    form.banner(ws, 2, last, said, form.small, form.left)
    ws.row_dimensions[2].height = ROW + LINE * (wrapped(ws["A2"].value, budget, SMALL) - 1) + 4
    for c, (_, text, *_) in enumerate(columns, 1):
        form.put(ws, 3, c, "\n".join(header_lines(text)), bold, boxed=True).fill = form.fill
    ws.row_dimensions[3].height = 32
    for r, (row, standing) in enumerate(zip(rows, issues, strict=True), 4):
        for c, (key, _, _, left) in enumerate(columns, 1):
            form.put(ws, r, c, row[key], alarm if key == "overdue" and standing.overdue else font,
                     form.left if left else form.center, boxed=True, fmt="0.0" if key == "elapsed" else None)
    heights(ws, range(4, 4 + len(issues)), last, size)
    if issues:
        ws.auto_filter.ref = f"A3:{letter(last)}{3 + len(issues)}"
    ws.freeze_panes = "C4"
    form.print_setup(ws, "3:3")


def roster(wb, form: "Form") -> None:
    """花名册: each member's hours and services of the period and star level (reports/roster.py), names
    in full as in every listing; left out for a --place sheet, whose members the roster cannot scope."""
    roster = form.sheet.roster
    if roster is None:
        return
    ws = new_sheet(wb, tr("花名册", "roster"))
    columns = roster.columns
    keys = [c.key for c in columns]
    last = len(keys) + 1
    form.banner(ws, 1, last, form.title("志愿者花名册", "volunteer roster"), form.title_font, height=30)
    n = len(roster.rows)
    form.banner(ws, 2, last, tr(f"共 {n} 名队员（注册编号相同的算一人）；时长单位为小时，"
                                f"星级按截至期末的累计时长评定。",
                                f"{n} members (one a registration number); hours; stars from cumulative hours at"
                                " the period's end."),
                form.small, form.left, height=18)
    for c, text in enumerate([tr("序号", "no."), *(tr(col.header, col.header_en) for col in columns)], 1):
        text = text.replace("(", "\n(") if not text.isascii() else text  # 活动时长 / (小时): two lines
        form.put(ws, 3, c, "\n".join(header_lines(text)), form.bold, boxed=True).fill = form.fill
    total = {**roster.total.to_json(), "name": tr("合计", "total")}
    rows = [*(r.cells() for r in roster.rows), total]  # a member's teams joined by 、
    for n, member in enumerate(rows, 1):
        summed = member is total
        values = [None if summed else n, *(member.get(k) if not summed or k in total else None for k in keys)]
        for c, value in enumerate(values, 1):
            form.put(ws, 3 + n, c, value, form.bold if summed else form.font,
                     form.left if keys[c - 2:c - 1] == ["teams"] else form.center, boxed=True,
                     fmt="0.0" if isinstance(value, Decimal) else None)
    fit(ws, range(3, 4 + len(rows)), last)
    flexible = [keys.index("teams") + 2] if "teams" in keys else []
    widths = [ws.column_dimensions[letter(c)].width for c in range(1, last + 1)]
    # portrait while the columns fit it (the teams wrapped to no fewer than 6 characters a line), else landscape
    portrait = sum(min(w, 13) if c in flexible else w for c, w in enumerate(widths, 1)) <= PAGE[False][0]
    squeeze(ws, last, PAGE[not portrait][0], [flexible], floor=13)
    heights(ws, range(3, 4 + len(rows)), last)
    ws.freeze_panes = "C4"
    form.print_setup(ws, "3:3", landscape=not portrait)


def charts(wb, form: "Form") -> None:
    """图表: native charts over the values beside them — 受理/办结 of the twelve months ending with the
    period, and 响应率/解决率/满意率 of each team that received issues (at a street, of each community too,
    and each team named with its community) — and the period's 热点 categories; a band each, down the
    pages, the table at the left and its chart beside it."""
    from openpyxl.chart import BarChart, Reference

    from huidesk.render.output import short_team

    ws = new_sheet(wb, tr("图表", "charts"))
    pages = Pages(ws)
    data = form.data
    rates = [key for key, *_ in form.groups[-1][2]]
    three = [k for k in ("response_rate", "resolution_rate", "satisfaction_rate") if k in rates]
    names = {key: tr(zh, en) for key, zh, en in form.groups[-1][2]}

    def team_label(row) -> str:
        short = short_team(row.team)
        if row.community and row.community not in short:
            return f"{row.community}·{short}"
        return short

    teams = [(team_label(row), [getattr(row, k) for k in three]) for row in data.rows if row.issues_received]
    places = [(c.community, [getattr(c.tally, k) for k in three]) for c in data.communities or ()
              if c.tally.issues_received]
    trend = [(m.month, [m.received, m.resolved]) for m in form.sheet.trend]
    hot = [(category(item.category), item.issues,
            "、".join(f"{p.place.rsplit('/', 1)[-1]}({p.issues})" for p in item.places)) for item in data.hot] \
        or [("—", "—", "—")]
    # The left columns hold the tables; the charts take the rest of the page's width.
    label = min(max(10, widest([name for name, _ in [*teams, *places, *trend]])) + 1, 30)
    heads = [names[k] + tr("(%)", " %") for k in three]
    widths = [label, *[max(9, widest([head]) + 1) for head in [*heads, *[""] * (3 - len(heads))]]]
    for c, w in enumerate(widths, 1):
        ws.column_dimensions[letter(c)].width = w
    ws.column_dimensions[letter(len(widths) + 1)].width = 2
    chart_units = pages.width - sum(widths) - 2
    chart_cm = (chart_units - 4) * 5.6 / 72 * 2.54  # a little inside the page: LibreOffice draws it a shade wider
    anchor = letter(len(widths) + 2)
    title = form.title("诉求受理办结与三率图表", "issues and rates in charts")
    form.banner(ws, pages.take(30), len(widths) + 1 + 8, title, form.title_font, align=form.left)
    pages.take(GAP)

    def band(heads: list[str], rows: list[tuple[str, list]], title: str, unit: str, series: int, fmt=None,
             percent: bool = False) -> None:
        """A table and its column chart beside it, kept together on a page."""
        chart_rows = 11  # a chart 6 cm high spans about this many rows
        pages.keep(ROW * max(len(rows) + 1, chart_rows) + GAP)
        top = pages.take(ROW)
        for c, text in enumerate(heads, 1):
            form.put(ws, top, c, text, form.bold, boxed=True).fill = form.fill
        for name, values in rows:
            r = pages.take(ROW)
            form.put(ws, r, 1, name, align=form.left, boxed=True)
            for c, value in enumerate(values, 2):
                form.put(ws, r, c, value, boxed=True, fmt=fmt)
        end = top + len(rows)
        chart = _bar(BarChart(), title, unit, chart_cm)
        chart.add_data(Reference(ws, min_col=2, max_col=1 + series, min_row=top, max_row=end), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=top + 1, max_row=end))
        if percent:
            chart.y_axis.scaling.min, chart.y_axis.scaling.max, chart.y_axis.majorUnit = 0, 100, 20
            chart.y_axis.number_format = "0"
        ws.add_chart(chart, f"{anchor}{top}")
        for _ in range(chart_rows - len(rows) - 1):
            pages.take(ROW)
        pages.take(GAP)

    band([tr("月份", "month"), tr("受理(件)", "received"), tr("办结(件)", "resolved")], trend,
         tr("近12个月受理与办结(件)", "received and resolved, last 12 months"), tr("件", "issues"), 2)
    last = len(widths) + 1 + 8  # the places take the width of the tables and the charts
    room = pages.width - widths[0] - widths[1]
    pages.keep(ROW * 2)
    for n, (kind, count, where) in enumerate([(tr("热点类别", "category"), tr("件数", "issues"),
                                                   tr("主要地点", "places")), *hot]):
        header = n == 0
        r = pages.take(ROW if header else ROW + LINE * (wrapped(where, room) - 1))
        font, align = (form.bold, form.center) if header else (form.font, form.left)
        for c, value in ((1, kind), (2, count), *((c, where if c == 3 else None) for c in range(3, last + 1))):
            cell = form.put(ws, r, c, value, font, form.center if c == 2 else align, boxed=True)
            if header:
                cell.fill = form.fill
        ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=last)  # the places share the columns
    pages.take(GAP)
    if places:
        band([tr("社区/村", "community"), *heads], places, tr(f"{form.period}各村、社区三率(%)",
                                                             f"rates by community, {form.period} (%)"),
             "%", len(three), "0.0", percent=True)
    if teams:
        band([tr("服务队", "team"), *heads], teams,
             tr(f"{form.period}各服务队三率(%)", f"rates by team, {form.period} (%)"), "%", len(three), "0.0",
             percent=True)
    for c in range(len(widths) + 2, last + 1):
        ws.column_dimensions[letter(c)].width = max(2, (chart_units) // 8)
    form.print_setup(ws, None)


def _bar(chart, title: str, unit: str, width_cm: float):
    """A clustered column chart in the sheet's font at 9 pt, its axes shown (openpyxl hides them by default)."""
    from openpyxl.chart.text import RichText
    from openpyxl.drawing.text import CharacterProperties, Font, Paragraph, ParagraphProperties

    face = Font(typeface=FONT)
    text = CharacterProperties(latin=face, ea=face, sz=SMALL * 100)
    chart.type, chart.grouping, chart.title = "col", "clustered", title
    chart.y_axis.title = unit
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.txPr = RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=text), endParaRPr=text)])
    chart.legend.position = "b"
    chart.width, chart.height = width_cm, 6.0
    return chart


def notes(wb, form: "Form") -> None:
    """填报说明: what each column of 台账 counts, the limits and weights the figures used, each issue exempted
    (核减) with why and by whose approval, and how the chain head in the footer is verified."""
    from huidesk.domain.calendar import shown_limit
    from huidesk.domain.dates import shown_moment

    ws = new_sheet(wb, tr("填报说明", "notes"))
    form.banner(ws, 1, 2, form.title("民生志愿服务工作台账填报说明", "notes to the tally"), form.title_font,
                height=30)
    for c, text in enumerate((tr("列名", "column"), tr("含义", "meaning")), 1):
        form.put(ws, 2, c, text, form.bold, boxed=True).fill = form.fill
    r = 3
    limits, head = form.sheet.limits, form.data.chain_head
    reading = tr("最后一次回访" if limits.callback_reading == "final" else "第一次回访",
                 f"the {limits.callback_reading} callback")
    rows = [*form.meanings,
            (tr("响应时限", "response limit"), shown_limit(limits.response_hours, "hours")),
            (tr("办结时限", "resolve limit"), shown_limit(limits.resolve_days) + tr(
                "（天数不计受理当日、末日至24时止；工作日按国务院节假日安排）",
                " (days: the day of receipt not counted, the last ends at 24:00; working days: the State Council's)")),
            (tr("基本满意权重", "weight of basically satisfied"), limits.basically_weight),
            (tr("回访口径", "callback read"), reading),
            *((tr(f"核减 #{e.id}", f"exempted #{e.id}"), tr(f"{e.reason or ''}（批准：{e.approver or '—'}，"
                                                           f"{shown_moment(e.exempted_at)}）",
                                                           f"{e.reason or ''} (approved by {e.approver or '—'},"
                                                           f" {shown_moment(e.exempted_at)})"))
              for e in form.data.exempted),
            (tr("统计时点", "as of"), f"{form.data.as_of:%Y-%m-%d %H:%M}"),
            *([(tr("来源账本", "source ledgers"), _sources(form.data.sources))] if form.data.sources else []),
            (tr("账本链头", "chain head"), head),
            (tr("核验", "to verify"), f"huidesk check --head {head[:12]}")]
    for name, meaning in rows:
        form.put(ws, r, 1, name, align=form.left, boxed=True)
        form.put(ws, r, 2, meaning, align=form.left, boxed=True)
        r += 1
    fit(ws, range(2, r), 2, cap=80)
    ws.column_dimensions["A"].width = min(ws.column_dimensions["A"].width, 26)
    room = PAGE[False][0] - ws.column_dimensions["A"].width
    ws.column_dimensions["B"].width = min(ws.column_dimensions["B"].width, room)
    heights(ws, range(3, r), 2)
    form.print_setup(ws, "2:2", landscape=False)


def _sources(sources: Sequence) -> str:
    """The merged source ledgers a street's sheet includes, one a line, each up to its last merged entry."""
    from huidesk.domain.dates import shown_moment

    return "\n".join(tr(f"{s.name or s.uid[:12]}：至日志#{s.last_entry}，链头 {s.head[:12]}，"
                        f"{shown_moment(s.made_at)} 报送",
                        f"{s.name or s.uid[:12]}: up to entry {s.last_entry}, head {s.head[:12]}, "
                        f"bundled {shown_moment(s.made_at)}") for s in sources)


def _within(place: str, community: str | None) -> str:
    """A place as the list shows it beside its community: 1号楼 under 紫园社区, not 紫园社区/1号楼."""
    if community and place.startswith(community + "/"):
        return place[len(community) + 1:]
    return place
