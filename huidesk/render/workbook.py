"""Real xlsx workbooks (openpyxl): Chinese headers, column widths, a frozen header row."""

import io
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal

from huidesk.domain.i18n import tr


def width(value: object) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


def fill_sheet(ws, headers: Sequence[str], rows: Iterable[Sequence[object]], bold_last: bool = False) -> int:
    """Write a header and rows, size the columns, freeze the header; returns the next free row."""
    from openpyxl.styles import Font

    ws.append([sheet_value(h) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = [width(h) for h in headers]
    n = 1
    for row in rows:
        values = [sheet_value(v) for v in row]
        ws.append(values)
        n += 1
        widths = [max(w, width(v if v is not None else "")) for w, v in zip(widths, values)]
    if bold_last and n > 1:
        for cell in ws[n]:
            cell.font = Font(bold=True)
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[_letter(i)].width = min(max(w + 2, 6), 60)
    ws.freeze_panes = "A2"
    return n + 1


def sheet_value(value: object) -> object:
    """A value as a workbook cell: numbers as numbers, text always as text, never a formula (a team
    named =HYPERLINK(…) stays a name), without the control characters a workbook cannot hold."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        from huidesk.render.cells import defuse

        return defuse(ILLEGAL_CHARACTERS_RE.sub("", value))
    return float(value) if isinstance(value, Decimal) else value


def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


# The one font of the monthly sheet. 宋体 (SimSun) is on every Chinese Windows since XP and in WPS, and it
# is the face Chinese government forms are set in; its ASCII glyphs are exactly half a Chinese glyph
# wide, so column widths computed from display width (CJK = 2) fit it exactly. Where it is missing
# (Linux), fontconfig substitutes: docs/monthly-sheet.md maps it to Noto Serif CJK SC for previews.
FONT = "宋体"
SIZE = 10
WIDTH_CAP = 40  # the widest a column grows (long texts wrap)


def monthly_workbook(data) -> bytes:
    """The monthly sheet a street office files, from a Monthly made with its sheet (reports/monthly.py):
    台账 (the titled tally), 诉求清单 (the month's issues), 花名册, 图表 (native charts) and 填报说明
    (what each column means). The tally's columns under their group headers are the report's
    `sheet_groups`, what each counts its `meanings()`. A further sheet is one more function of
    MONTHLY_SHEETS' shape."""
    from openpyxl import Workbook

    wb = Workbook()
    form = _Form(data, data.sheet_groups, data.meanings())
    for add in MONTHLY_SHEETS:
        add(wb, form)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class _Form:
    """What every sheet of the monthly workbook draws from, and the styles they share."""

    def __init__(self, data, groups: Sequence, meanings: Sequence[tuple[str, str]]) -> None:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.data, self.groups, self.meanings, self.sheet = data, groups, meanings, data.sheet
        self.font = Font(name=FONT, size=SIZE)
        self.bold = Font(name=FONT, size=SIZE, bold=True)
        self.title_font = Font(name=FONT, size=18, bold=True)
        self.small = Font(name=FONT, size=9)
        self.alarm = Font(name=FONT, size=SIZE, bold=True, color="C00000")
        thin = Side(style="thin", color="000000")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.fill = PatternFill("solid", fgColor="E7E6E6")
        self.center = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.left = Alignment(horizontal="left", vertical="center", wrap_text=True)
        self.right = Alignment(horizontal="right", vertical="center")
        year, month = int(data.month[:4]), int(data.month[5:7])
        self.period = tr(f"{year}年{month}月", f"{_MONTHS[month - 1]} {year}")
        self.name = self.sheet.name

    def title(self, what_zh: str, what_en: str) -> str:
        """«金地社区2024年6月民生志愿服务工作台账» and its English form."""
        if self.name:
            return tr(f"{self.name}{self.period}{what_zh}", f"{self.name}: {what_en}, {self.period}")
        return tr(f"{self.period}{what_zh}", f"{what_en[:1].upper()}{what_en[1:]}, {self.period}")

    def put(self, ws, row: int, column: int, value: object, font=None, align=None, boxed: bool = False,
            fmt: str | None = None):
        cell = ws.cell(row=row, column=column, value=sheet_value(value))
        cell.font = font or self.font
        cell.alignment = align or self.center
        if boxed:
            cell.border = self.border
        if fmt:
            cell.number_format = fmt
        return cell

    def banner(self, ws, row: int, last: int, text: str, font=None, align=None, first: int = 1, height=None) -> None:
        """A line of text across columns first..last (a title, a period, a note)."""
        self.put(ws, row, first, text, font, align)
        if last > first:
            ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        if height:
            ws.row_dimensions[row].height = height

    def print_setup(self, ws, title_rows: str | None, landscape: bool = True) -> None:
        """A4, fitted to one page wide, header rows on every page, and the chain head once, in the
        footer, with how to verify it."""
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if landscape else "portrait"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top, ws.page_margins.bottom, ws.page_margins.footer = 0.5, 0.7, 0.3
        if title_rows:
            ws.print_title_rows = title_rows
        head = self.data.chain_head
        ws.HeaderFooter.scaleWithDoc = False
        for part, text in ((ws.oddFooter.left, tr(f"账本链头 {head}（核验：huidesk check --head {head[:12]}）",
                                                  f"chain head {head} (verify: huidesk check --head {head[:12]})")),
                           (ws.oddFooter.right, tr("第 &P 页，共 &N 页", "page &P of &N"))):
            part.text, part.font, part.size = text, FONT, 8


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _new_sheet(wb, title: str):
    """The workbook's first, still empty sheet under this title, else a new one."""
    ws = wb.active
    if len(wb.worksheets) == 1 and ws.max_row == 1 and ws["A1"].value is None and ws.title == "Sheet":
        ws.title = title
        return ws
    return wb.create_sheet(title)


def _shown(value: object) -> str:
    """A cell as it reads on paper (its width is measured from this)."""
    if value is None:
        return ""
    if isinstance(value, float | Decimal):
        return f"{value:.1f}"
    return str(value)


def _lines(text: str) -> list[str]:
    """A header's lines: Chinese headers carry their breaks; English ones wrap at word boundaries."""
    from huidesk.render.grid import wrap

    if "\n" in text or not text.isascii():
        return text.split("\n")
    return wrap(text, max(10, *(len(word) for word in text.split())))


def _fit(ws, rows: range, columns: int, least: int = 4, cap: int = WIDTH_CAP) -> None:
    """Column widths from the display width of what the rows show (CJK = 2), plus room on each
    side; cells merged across columns (titles, notes) do not count."""
    from huidesk.render.grid import display_width

    merged = {(r, c) for m in ws.merged_cells.ranges if m.max_col > m.min_col
              for r in range(m.min_row, m.max_row + 1) for c in range(m.min_col, m.max_col + 1)}
    for c in range(1, columns + 1):
        widest = least
        for r in rows:
            if (r, c) in merged:
                continue
            text = _shown(ws.cell(row=r, column=c).value)
            widest = max(widest, *(display_width(line) for line in text.split("\n")))
        ws.column_dimensions[_letter(c)].width = min(widest + 1, cap)


def _heights(ws, rows: range, columns: int, line: float = 13.5) -> None:
    """Row heights for the lines wrapped text takes in its column (viewers do not all work it out)."""
    from huidesk.render.grid import display_width

    for r in rows:
        lines = 1
        for c in range(1, columns + 1):
            text, room = _shown(ws.cell(row=r, column=c).value), ws.column_dimensions[_letter(c)].width - 1
            if text and room > 0:
                lines = max(lines, -(-display_width(text) // int(room)))
        if lines > 1:
            ws.row_dimensions[r].height = line * lines + 2


def _tally(wb, form: _Form) -> None:
    """台账: title, period, 填报单位 and 填报日期; the table under group headers with a 合计 row;
    the times to respond and resolve; 填报人 and 审核人; a note on where the meanings are."""
    from huidesk.domain.figures import hours

    data, sheet = form.data, form.sheet
    ws = _new_sheet(wb, tr("台账", "tally"))
    columns = [c for _, _, group in form.groups for c in group]
    last = 2 + len(columns)
    form.banner(ws, 1, last, form.title("民生志愿服务工作台账", "volunteer service work tally"),
                form.title_font, height=30)
    since, until = data.since.isoformat(), data.until.isoformat()
    as_of = data.as_of.isoformat(timespec="seconds")
    form.banner(ws, 2, last, tr(f"统计期间：{_zh_date(since)}至{_zh_date(until)}　　统计时点：{_zh_moment(as_of)}",
                                f"Period: {since} to {until}    as of {as_of[:16].replace('T', ' ')}"), height=20)
    half = last // 2
    form.banner(ws, 3, half, tr(f"填报单位：{sheet.unit}", f"Filed by: {sheet.unit}"), align=form.left,
                height=20)
    form.banner(ws, 3, last, tr(f"填报日期：{_zh_date(sheet.filed.isoformat())}", f"Date: {sheet.filed}"),
                align=form.right, first=half + 1)
    header = 4
    for column, text in ((1, tr("序号", "no.")), (2, tr("服务队", "team"))):
        for r in (header, header + 1):
            form.put(ws, r, column, text if r == header else None, form.bold, boxed=True).fill = form.fill
        ws.merge_cells(start_row=header, start_column=column, end_row=header + 1, end_column=column)
    column = 3
    for zh, en, group in form.groups:
        for i, (_, czh, cen) in enumerate(group):
            form.put(ws, header, column + i, tr(zh, en) if i == 0 else None, form.bold, boxed=True).fill = form.fill
            form.put(ws, header + 1, column + i, "\n".join(_lines(tr(czh, cen))), form.bold,
                     boxed=True).fill = form.fill
        ws.merge_cells(start_row=header, start_column=column, end_row=header, end_column=column + len(group) - 1)
        column += len(group)
    depth = max(len(_lines(tr(zh, en))) for _, _, group in form.groups for _, zh, en in group)
    ws.row_dimensions[header].height = 20
    ws.row_dimensions[header + 1].height = 14 * depth + 4
    row = header + 2
    for n, record in enumerate([r.cells() for r in (*data.rows, data.total)], 1):
        total = n == len(data.rows) + 1
        font = form.bold if total else form.font
        form.put(ws, row, 1, record["team"] if total else n, font, boxed=True)
        form.put(ws, row, 2, None if total else record["team"], font, form.left, boxed=True)
        if total:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        ws.row_dimensions[row].height = 16
        for c, (key, *_) in enumerate(columns, 3):
            if key == "volunteer_hours":
                form.put(ws, row, c, hours(record["volunteer_minutes"]), font, boxed=True, fmt="0.0")
            elif key.endswith("_rate"):
                value = record[key]
                form.put(ws, row, c, "—" if value is None else value, font, boxed=True, fmt="0.0")
            else:
                form.put(ws, row, c, record[key], font, boxed=True, fmt="0")
        row += 1
    _fit(ws, range(header, row), last, cap=26)
    k = {key: _hours(v) for key, v in data.kpi.to_json().items() if key.endswith(("_median", "_p90"))}
    form.banner(ws, row, last, tr(
        f"首次响应用时中位数 {k['response_minutes_median']} 小时（第90百分位 {k['response_minutes_p90']} 小时）；"
        f"办结用时中位数 {k['resolve_minutes_median']} 小时（第90百分位 {k['resolve_minutes_p90']} 小时）。",
        f"Median time to first response {k['response_minutes_median']} h (90th percentile"
        f" {k['response_minutes_p90']} h); median time to resolve {k['resolve_minutes_median']} h"
        f" (90th percentile {k['resolve_minutes_p90']} h)."), align=form.left, height=20)
    form.banner(ws, row + 1, half, tr(f"填报人：{sheet.preparer}", f"Prepared by: {sheet.preparer}"),
                align=form.left, height=24)
    form.banner(ws, row + 1, last, tr(f"审核人：{sheet.reviewer}", f"Reviewed by: {sheet.reviewer}"),
                align=form.left, first=half + 1)
    limits = sheet.limits
    reading = tr("最后一次" if limits.callback_reading == "final" else "第一次", limits.callback_reading)
    form.banner(ws, row + 2, last, tr(
        f"注：各列含义见「填报说明」表。响应时限 {limits.response_hours} 小时，办结时限 {limits.resolve_days}"
        f" 天（可按诉求类型、性质另设）；满意率中“基本满意”权重 {limits.basically_weight}；解决率、满意率按每件诉求"
        f"{reading}回访计。本表由 huidesk 据账本生成，页脚为生成时的账本链头，可用 huidesk check --head 核验。",
        f"Note: the sheet 'notes' says what each column counts. Response limit {limits.response_hours} h,"
        f" resolve limit {limits.resolve_days} days (other limits may be set per kind or nature); weight of"
        f" 'basically satisfied' {limits.basically_weight}; rates read each issue's {reading} callback."
        f" Written by huidesk from the ledger; the footer holds the chain head, verify with huidesk check --head."),
        form.small, form.left, height=30)
    ws.freeze_panes = ws.cell(row=header + 2, column=3)
    form.print_setup(ws, f"{header}:{header + 1}")


def _issues(wb, form: _Form) -> None:
    """诉求清单: the month's issues as a street office checks them — local times, elapsed hours, 超期
    (open past its limit, as the 超期 column counts), 按时办结, the callback the rates read."""
    from huidesk.domain.dates import shown_moment
    from huidesk.domain.figures import hours
    from huidesk.domain.vocab import label

    ws = _new_sheet(wb, tr("诉求清单", "issues"))
    yes, no = tr("是", "yes"), tr("否", "no")
    headers = [tr("序号", "no."), tr("编号", "id"), tr("工单号", "ref"), tr("受理时间", "received"),
               tr("诉求类型", "kind"), tr("诉求\n性质", "nature"), tr("诉求\n类别", "category"), tr("来源", "source"),
               tr("地点", "place"), tr("服务队", "team"), tr("状态", "state"), tr("办结时间", "resolved"),
               tr("用时\n(小时)", "elapsed (hours)"), tr("超期", "overdue"), tr("按时\n办结", "on time"),
               tr("回访结果", "callback"), tr("重复件", "repeat of"), tr("诉求内容", "text")]
    issues = form.sheet.issues
    places = _trimmed([i.issue.place for i in issues])
    last = len(headers)
    form.banner(ws, 1, last, form.title("诉求清单", "issues received"), form.title_font, height=30)
    form.banner(ws, 2, last, tr(f"共 {len(issues)} 件；时间为本地时间；用时为受理至办结（未办结的至统计时点）；"
                                f"超期指截至统计时点未办结且已超过办结时限。",
                                f"{len(issues)} issues; local times; elapsed: from received to resolved (open ones:"
                                " to the as-of moment); overdue: open past the resolve limit at the as-of moment."),
                form.small, height=18)
    for c, text in enumerate(headers, 1):
        form.put(ws, 3, c, "\n".join(_lines(text)), form.bold, boxed=True).fill = form.fill
    ws.row_dimensions[3].height = 32
    for n, standing in enumerate(issues, 1):
        r, issue = 3 + n, standing.issue
        callback = "/".join(label(vocab, said) for vocab, said in (("answer", standing.answer),
                                                                  ("satisfaction", standing.satisfaction)) if said)
        values = [n, issue.id, issue.ref, shown_moment(issue.received_at), label("issue_kind", issue.kind),
                  label("nature", issue.nature), _category(issue.category), label("source", issue.source),
                  places[n - 1], issue.team, label("event", issue.state),
                  shown_moment(issue.resolved_at) if issue.resolved_at else None,
                  hours(standing.elapsed_minutes), yes if standing.overdue else no,
                  None if standing.on_time is None else yes if standing.on_time else no, callback or None,
                  f"#{issue.repeat_of}" if issue.repeat_of else None, issue.text]
        for c, value in enumerate(values, 1):
            wide = c in (9, 10, last)
            form.put(ws, r, c, value, form.alarm if c == 14 and standing.overdue else form.font,
                     form.left if wide else form.center, boxed=True, fmt="0.0" if c == 13 else None)
    _fit(ws, range(3, 4 + len(issues)), last)
    _heights(ws, range(4, 4 + len(issues)), last)
    if issues:
        ws.auto_filter.ref = f"A3:{_letter(last)}{3 + len(issues)}"
    ws.freeze_panes = "C4"
    form.print_setup(ws, "3:3")


def _roster(wb, form: _Form) -> None:
    """花名册: each member's hours and services of the month and star level (reports/roster.py), names
    masked as in every listing; left out for a --place sheet, whose members the roster cannot scope."""
    roster = form.sheet.roster
    if roster is None:
        return
    ws = _new_sheet(wb, tr("花名册", "roster"))
    columns = roster.columns
    keys = [c.key for c in columns]
    last = len(keys) + 1
    form.banner(ws, 1, last, form.title("志愿者花名册", "volunteer roster"), form.title_font, height=30)
    n = len(roster.rows)
    form.banner(ws, 2, last, tr(f"共 {n} 名队员；时长单位为小时，星级按截至月末的累计时长评定。",
                                f"{n} members; hours; stars from cumulative hours at the month's end."),
                form.small, height=18)
    for c, text in enumerate([tr("序号", "no."), *(tr(col.header, col.header_en) for col in columns)], 1):
        form.put(ws, 3, c, "\n".join(_lines(text)), form.bold, boxed=True).fill = form.fill
    total = {**roster.total.to_json(), "name": tr("合计", "total")}
    rows = [*(r.cells() for r in roster.rows), total]  # a member's teams joined by 、
    for n, member in enumerate(rows, 1):
        summed = member is total
        values = [None if summed else n, *(member.get(k) if not summed or k in total else None for k in keys)]
        for c, value in enumerate(values, 1):
            form.put(ws, 3 + n, c, value, form.bold if summed else form.font,
                     form.left if keys[c - 2:c - 1] == ["teams"] else form.center, boxed=True,
                     fmt="0.0" if isinstance(value, Decimal) else None)
    _fit(ws, range(3, 4 + len(rows)), last)
    ws.freeze_panes = "C4"
    form.print_setup(ws, "3:3", landscape=False)


def _charts(wb, form: _Form) -> None:
    """图表: native charts over the values beside them — 受理/办结 of the last twelve months, and
    响应率/解决率/满意率 of each team that received issues this month — and the month's 热点 categories."""
    from openpyxl.chart import BarChart, Reference

    from huidesk.render.grid import display_width
    from huidesk.render.output import short_team

    ws = _new_sheet(wb, tr("图表", "charts"))
    trend = form.sheet.trend
    form.banner(ws, 1, 16, form.title("诉求受理办结与三率图表", "issues and rates in charts"), form.title_font,
                height=30)
    heads = [tr("月份", "month"), tr("受理(件)", "received"), tr("办结(件)", "resolved")]
    for c, text in enumerate(heads, 1):
        form.put(ws, 3, c, text, form.bold, boxed=True).fill = form.fill
    for r, month in enumerate(trend, 4):
        for c, value in enumerate((month.month, month.received, month.resolved), 1):
            form.put(ws, r, c, value, boxed=True)
    end = 3 + len(trend)
    rates = [key for key, *_ in form.groups[-1][2]]
    three = [k for k in ("response_rate", "resolution_rate", "satisfaction_rate") if k in rates]
    names = {key: tr(zh, en) for key, zh, en in form.groups[-1][2]}
    teams = [row for row in form.data.rows if row.issues_received]
    top = end + 3
    for c, text in enumerate([tr("服务队", "team"), *(names[k] + tr("(%)", " %") for k in three)], 1):
        form.put(ws, top, c, text, form.bold, boxed=True).fill = form.fill
    for r, row in enumerate(teams, top + 1):
        form.put(ws, r, 1, short_team(row.team), align=form.left, boxed=True)
        for c, key in enumerate(three, 2):
            form.put(ws, r, c, getattr(row, key), boxed=True, fmt="0.0")
    hot_top, span = top + len(teams) + 3, max(3, 1 + len(three))
    hot = [(_category(item.category), item.issues,
            "、".join(f"{p.place.rsplit('/', 1)[-1]}({p.issues})" for p in item.places))
           for item in form.data.hot] or [("—", "—", "—")]
    for r, (category, count, where) in enumerate(
            [(tr("热点类别", "category"), tr("件数", "issues"), tr("主要地点", "places")), *hot], hot_top):
        font, align = (form.bold, form.center) if r == hot_top else (form.font, form.left)
        for c, value in ((1, category), (2, count), *((c, where if c == 3 else None) for c in range(3, span + 1))):
            cell = form.put(ws, r, c, value, font, form.center if c == 2 else align, boxed=True)
            if r == hot_top:
                cell.fill = form.fill
        ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=span)  # the places share the columns
    _fit(ws, range(3, hot_top + 1 + len(hot)), span, least=6)
    room = sum(ws.column_dimensions[_letter(c)].width for c in range(3, span + 1)) - 1
    for r, (*_, where) in enumerate(hot, hot_top + 1):
        lines = -(-display_width(where) // int(room))
        if lines > 1:
            ws.row_dimensions[r].height = 13.5 * lines + 2

    volume = _bar(BarChart(), form, tr("近12个月受理与办结(件)", "received and resolved, last 12 months"),
                  tr("件", "issues"))
    volume.add_data(Reference(ws, min_col=2, max_col=3, min_row=3, max_row=end), titles_from_data=True)
    volume.set_categories(Reference(ws, min_col=1, min_row=4, max_row=end))
    ws.add_chart(volume, "F3")
    if teams:
        by_team = _bar(BarChart(), form, tr(f"{form.period}各服务队三率(%)", f"rates by team, {form.period} (%)"),
                       "%")
        by_team.add_data(Reference(ws, min_col=2, max_col=1 + len(three), min_row=top, max_row=top + len(teams)),
                         titles_from_data=True)
        by_team.set_categories(Reference(ws, min_col=1, min_row=top + 1, max_row=top + len(teams)))
        by_team.y_axis.scaling.min, by_team.y_axis.scaling.max, by_team.y_axis.majorUnit = 0, 100, 20
        by_team.y_axis.number_format = "0"
        ws.add_chart(by_team, "F21")
    form.print_setup(ws, None)


def _bar(chart, form: _Form, title: str, unit: str):
    """A clustered column chart in the sheet's font, its axes shown (openpyxl hides them by default)."""
    from openpyxl.chart.text import RichText
    from openpyxl.drawing.text import CharacterProperties, Font, Paragraph, ParagraphProperties

    face = Font(typeface=FONT)
    text = CharacterProperties(latin=face, ea=face, sz=900)
    chart.type, chart.grouping, chart.title = "col", "clustered", title
    chart.y_axis.title = unit
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.txPr = RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=text), endParaRPr=text)])
    chart.legend.position = "b"
    chart.width, chart.height = 22, 8.5
    return chart


def _notes(wb, form: _Form) -> None:
    """填报说明: what each column of 台账 counts, the limits and weights the figures used, and how the
    chain head in the footer is verified."""
    ws = _new_sheet(wb, tr("填报说明", "notes"))
    form.banner(ws, 1, 2, form.title("民生志愿服务工作台账填报说明", "notes to the tally"), form.title_font,
                height=30)
    for c, text in enumerate((tr("列名", "column"), tr("含义", "meaning")), 1):
        form.put(ws, 2, c, text, form.bold, boxed=True).fill = form.fill
    r = 3
    limits, head = form.sheet.limits, form.data.chain_head
    reading = tr("最后一次回访" if limits.callback_reading == "final" else "第一次回访",
                 f"the {limits.callback_reading} callback")
    rows = [*form.meanings,
            (tr("响应时限", "response limit"), tr(f"{limits.response_hours} 小时", f"{limits.response_hours} h")),
            (tr("办结时限", "resolve limit"), tr(f"{limits.resolve_days} 天", f"{limits.resolve_days} days")),
            (tr("基本满意权重", "weight of basically satisfied"), limits.basically_weight),
            (tr("回访口径", "callback read"), reading),
            (tr("统计时点", "as of"), f"{form.data.as_of:%Y-%m-%d %H:%M}"),
            *([(tr("来源账本", "source ledgers"), _sources(form.data.sources))] if form.data.sources else []),
            (tr("账本链头", "chain head"), head),
            (tr("核验", "to verify"), f"huidesk check --head {head[:12]}")]
    for name, meaning in rows:
        form.put(ws, r, 1, name, align=form.left, boxed=True)
        form.put(ws, r, 2, meaning, align=form.left, boxed=True)
        r += 1
    _fit(ws, range(2, r), 2, cap=80)
    form.print_setup(ws, "2:2", landscape=False)


def _sources(sources: Sequence) -> str:
    """The merged source ledgers a street's sheet includes, one a line, each up to its last merged entry."""
    from huidesk.domain.dates import shown_moment

    return "\n".join(tr(f"{s.name or s.uid[:12]}：至日志#{s.last_entry}，链头 {s.head[:12]}，"
                        f"{shown_moment(s.made_at)} 报送",
                        f"{s.name or s.uid[:12]}: up to entry {s.last_entry}, head {s.head[:12]}, "
                        f"bundled {shown_moment(s.made_at)}") for s in sources)


# The sheets of the monthly workbook, in order; each takes the workbook and the _Form.
MONTHLY_SHEETS = (_tally, _issues, _roster, _charts, _notes)


def _trimmed(paths: list[str]) -> list[str]:
    """Place paths without the leading levels they all share (the sheet's title names the scope)."""
    if not paths:
        return []
    parts = [p.split("/") for p in paths]
    shared = 0
    while all(len(p) > shared + 1 and p[shared] == parts[0][shared] for p in parts):
        shared += 1
    return ["/".join(p[shared:]) for p in parts]


def _category(slug: str | None) -> str:
    from huidesk.domain.vocab import VOCABS, label

    return label("category", slug) if slug in VOCABS["category"] else (slug or "")


def _hours(minutes: int | None) -> str:
    from huidesk.domain.figures import hours

    return "—" if minutes is None else f"{hours(minutes)}"


def _zh_date(iso: str) -> str:
    return f"{int(iso[:4])}年{int(iso[5:7])}月{int(iso[8:10])}日" if iso else ""


def _zh_moment(iso: str) -> str:
    return f"{_zh_date(iso)} {iso[11:16]}" if iso else ""


def form_workbook(name: str, headers: Sequence[str], example: Sequence[object],
                  choices: Sequence[Sequence[str] | None], note: str, rows: int = 1000) -> bytes:
    """A form to fill: sheet 1 (read by import) holds the headers and drop-down lists for the first
    `rows` rows; sheet 示例 one example row and `note`; sheet 词汇 the words of each list."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    form = wb.active
    form.title = name[:31]
    fill_sheet(form, headers, [])
    sample = wb.create_sheet(tr("示例", "example"))
    fill_sheet(sample, headers, [example])
    sample.cell(row=4, column=1, value=sheet_value(note)).font = Font(italic=True)
    words = wb.create_sheet(tr("词汇", "words"))
    column = 0
    for i, allowed in enumerate(choices, 1):
        if not allowed:
            continue
        column += 1
        letter = _letter(column)
        words.cell(row=1, column=column, value=sheet_value(headers[i - 1])).font = Font(bold=True)
        for r, word in enumerate(allowed, 2):
            words.cell(row=r, column=column, value=sheet_value(word))
        rule = DataValidation(type="list", formula1=f"'{words.title}'!${letter}$2:${letter}${len(allowed) + 1}",
                              allow_blank=True, showErrorMessage=True,
                              error=tr("请从下拉列表中选择", "choose from the list"), errorTitle=headers[i - 1])
        target = _letter(i)
        rule.add(f"{target}2:{target}{rows + 1}")
        form.add_data_validation(rule)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
