"""The monthly sheet a street office files (`report monthly --output FILE.xlsx`), drawn from a Monthly made
with its sheet (huidesk/reports/monthly.py): a list of sheets (MONTHLY_SHEETS), each a function of the
workbook and the `Form` every sheet draws from.

Made to be printed: A4 at 100 %, body text 10 pt and nothing below 9 pt, never shrunk to fit. A table wider
than the page is cut into parts at its group headers, the parts stacked down the sheet, each part the
label columns (序号, 社区/村, 服务队) and as many whole groups as fit; the sheet is laid out page by page
(`Pages`, huidesk/render/layout.py), so a part that runs onto another page has its header drawn again
there. A long list (诉求清单, 花名册) keeps its columns within the page width by wrapping its longest
texts (诉求清单 in 9 pt when even that is too wide), its header row repeated on every page.

At a street (a Monthly with `communities`) the first sheet, 台账, has a row per village or community and
the 合计; the teams follow on 服务队 with a 社区/村 column; 诉求清单 names each issue's community and its
number there. A community's sheet has its teams on 台账.
"""

import io
from collections.abc import Callable, Mapping, Sequence

from huidesk.domain.i18n import tr
from huidesk.render.layout import (
    FONT,
    GAP,
    LINE,
    ROW,
    SIZE,
    SMALL,
    Pages,
    header_lines,
    hours_text,
    letter,
    new_sheet,
    period_name,
    widest,
    wrapped,
    zh_date,
    zh_moment,
)
from huidesk.render.sheet_lists import charts, issues, notes, roster
from huidesk.render.workbook import sheet_value


def monthly_workbook(data) -> bytes:
    """The monthly sheet a street office files, from a Monthly made with its sheet: (at a street, 台账 by
    community and 服务队;) 台账 (the titled tally), 诉求清单 (the period's issues), 花名册, 图表 (native charts)
    and 填报说明 (what each column means). The tally's columns under their group headers are the report's
    `sheet_groups` (the community table's also its `community_groups`), what each counts its
    `meanings()`. A further sheet is one more function in MONTHLY_SHEETS."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    # The normal style's font is what a column-width unit is measured in: 宋体 10's digit, half a Chinese
    # character, on every system (openpyxl's own, Calibri 11, is another width wherever it is missing).
    wb._named_styles["Normal"].font = Font(name=FONT, size=SIZE)
    form = Form(data)
    for add in MONTHLY_SHEETS:
        add(wb, form)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class Form:
    """What every sheet of the monthly workbook draws from, and the styles they share."""

    def __init__(self, data) -> None:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.data, self.sheet = data, data.sheet
        self.groups, self.meanings = data.sheet_groups, data.meanings()
        self.street = data.communities is not None
        self.font = Font(name=FONT, size=SIZE)
        self.bold = Font(name=FONT, size=SIZE, bold=True)
        self.title_font = Font(name=FONT, size=18, bold=True)
        self.small = Font(name=FONT, size=SMALL)
        self.alarm = Font(name=FONT, size=SIZE, bold=True, color="C00000")
        thin = Side(style="thin", color="000000")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.fill = PatternFill("solid", fgColor="E7E6E6")
        self.center = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.left = Alignment(horizontal="left", vertical="center", wrap_text=True)
        self.right = Alignment(horizontal="right", vertical="center")
        self.period = period_name(data.month, data.since, data.until)
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
        """A4 at 100 % (never fitted to the page by shrinking), centred, header rows on every page, and the
        chain head once, in the footer, with how to verify it."""
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if landscape else "portrait"
        ws.page_setup.scale = 100
        ws.sheet_properties.pageSetUpPr.fitToPage = False
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top, ws.page_margins.bottom = 0.45, 0.65
        ws.page_margins.header, ws.page_margins.footer = 0.2, 0.25
        if title_rows:
            ws.print_title_rows = title_rows
        head = self.data.chain_head
        ws.HeaderFooter.scaleWithDoc = False
        # the chain head and how to verify it: one line across a landscape page, two on a portrait one
        sep = "" if landscape else "\n"
        verify = f"huidesk check --head {head[:12]}"
        for part, text in ((ws.oddFooter.left, tr(f"账本链头 {head}{sep}（核验：{verify}）",
                                                  f"chain head {head}{sep} (verify: {verify})")),
                           (ws.oddFooter.right, tr("第 &P 页，共 &N 页", "page &P of &N"))):
            part.text, part.font, part.size = text, FONT, SMALL


class _Table:
    """A table of label columns (序号, 社区/村, 服务队) and groups of figure columns under two header rows,
    with a bold 合计 row, planned to fit the page's width: cut into parts at group boundaries, each part
    the label columns and as many whole groups as fit."""

    def __init__(self, form: Form, labels: Sequence[tuple[str, str, str, int]], groups: Sequence,
                 records: Sequence[Mapping[str, object]], total: Mapping[str, object], width: int) -> None:
        """`labels`: (key, Chinese header, English header, widest it grows); `groups`: (zh, en, ((key, zh, en), …));
        `records`: the rows' cells by key; `total`: the 合计 row's; `width`: the page's, in units."""
        self.form, self.labels, self.records, self.total = form, labels, records, total
        rows = [*records, total]
        self.label_widths = [min(max(4, widest([tr(zh, en), *(r.get(key) for r in records)])) + 1, cap)
                             for key, zh, en, cap in labels]
        width_of = {key: max(4, widest([*header_lines(tr(zh, en)), *(self.value(r, key) for r in rows)])) + 1
                    for _, _, columns in groups for key, zh, en in columns}
        room = width - sum(self.label_widths)
        # The parts share the sheet's columns, each column as wide as its widest cell in any part: a later
        # part may widen an earlier one's columns, so the cut is made again, tighter, until the whole fits.
        for tighter in range(room, 0, -1):
            self.parts = self._cut(groups, width_of, tighter)
            self.figure_widths = self._widths(self.parts, width_of)
            if sum(self.figure_widths) <= room:
                break
        columns = len(self.figure_widths)
        self.last = len(labels) + columns  # the last column the table uses
        self.depth = max(len(header_lines(tr(zh, en))) for _, _, cols in groups for _, zh, en in cols)

    def _cut(self, groups: Sequence, width_of: Mapping[str, int], room: int) -> list[list]:
        """The groups in parts, each part as many whole groups as fit in `room` units."""
        parts: list[list] = [[]]
        for group in groups:
            if parts[-1] and sum(self._widths([*parts[:-1], [*parts[-1], group]], width_of)) > room:
                parts.append([])
            parts[-1].append(group)
        return parts

    @staticmethod
    def _columns(part: list) -> list:
        return [c for _, _, columns in part for c in columns]

    def _widths(self, parts: list, width_of: Mapping[str, int]) -> list[int]:
        """The width of each figure column of the sheet when it holds these parts, one under another."""
        columns = [self._columns(part) for part in parts]
        return [max(width_of[cols[i][0]] for cols in columns if i < len(cols))
                for i in range(max(len(cols) for cols in columns))]

    @staticmethod
    def value(record: Mapping[str, object], key: str) -> object:
        """A figure cell: hours from the minutes, a rate (a score, a rank) or — where there is nothing to divide
        by (to score, to rank)."""
        from huidesk.domain.figures import hours

        if key == "volunteer_hours":
            return hours(record["volunteer_minutes"])  # type: ignore[arg-type]
        found = record.get(key)
        if (key.endswith("_rate") or key in ("score", "rank")) and found is None:
            return "—"
        return found

    def size(self, ws) -> None:
        """Set the sheet's column widths for the table."""
        for c, w in enumerate([*self.label_widths, *self.figure_widths], 1):
            ws.column_dimensions[letter(c)].width = w

    def header_height(self) -> float:
        return 20 + 14 * self.depth + 4

    def row_height(self, record: Mapping[str, object]) -> float:
        lines = max(wrapped(record.get(key) or "", w) for (key, *_), w in zip(self.labels, self.label_widths))
        return ROW + LINE * (lines - 1)

    def draw(self, pages: Pages) -> int:
        """Draw the parts down the pages; returns the first row of the first part's records."""
        first = 0
        for n, part in enumerate(self.parts):
            if n:
                pages.take(GAP)
            whole = self.header_height() + sum(self.row_height(r) for r in (*self.records, self.total))
            # a later part that fits on a page is not torn across two (the first stays under its title); a
            # header is never left alone at the foot of a page
            pages.keep(whole if n and whole <= pages.room else self.header_height() + 2 * ROW)
            self._header(pages, part)
            first = first or pages.row
            for i, record in enumerate([*self.records, self.total], 1):
                height = self.row_height(record)
                if not pages.fits(height):
                    pages.new_page()
                    self._header(pages, part)
                self._row(pages.ws, pages.take(height), part, i, record, record is self.total)
        return first

    def _header(self, pages: Pages, part: list) -> None:
        form, ws = self.form, pages.ws
        top = pages.take(20)
        pages.take(14 * self.depth + 4)
        for column, (_, zh, en, _) in enumerate(self.labels, 1):
            for r in (top, top + 1):
                form.put(ws, r, column, tr(zh, en) if r == top else None, form.bold, boxed=True).fill = form.fill
            ws.merge_cells(start_row=top, start_column=column, end_row=top + 1, end_column=column)
        column = len(self.labels) + 1
        for zh, en, group in part:
            for i, (_, czh, cen) in enumerate(group):
                form.put(ws, top, column + i, tr(zh, en) if i == 0 else None, form.bold, boxed=True).fill = form.fill
                form.put(ws, top + 1, column + i, "\n".join(header_lines(tr(czh, cen))), form.bold,
                         boxed=True).fill = form.fill
            ws.merge_cells(start_row=top, start_column=column, end_row=top, end_column=column + len(group) - 1)
            column += len(group)

    def _row(self, ws, row: int, part: list, n: int, record: Mapping[str, object], total: bool) -> None:
        form = self.form
        font = form.bold if total else form.font
        for column, (key, *_) in enumerate(self.labels, 1):
            value = n if key == "no" else record.get(key)
            form.put(ws, row, column, None if total and column > 1 else (record["team"] if total else value), font,
                     form.center if key == "no" else form.left, boxed=True)
        if total and len(self.labels) > 1:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(self.labels))
        for c, (key, *_) in enumerate(self._columns(part), len(self.labels) + 1):
            value = self.value(record, key)
            numeric = key == "volunteer_hours" or key.endswith("_rate")
            form.put(ws, row, c, value, font, boxed=True, fmt="0.0" if numeric else "0")


def _heading(pages: Pages, form: Form, last: int, what_zh: str, what_en: str) -> None:
    """The title of a tally sheet, its period and as-of moment, 填报单位 and 填报日期, across `last` columns."""
    ws, data, sheet = pages.ws, form.data, form.sheet
    form.banner(ws, pages.take(30), last, form.title(what_zh, what_en), form.title_font)
    since, until = data.since.isoformat(), data.until.isoformat()
    as_of = data.as_of.isoformat(timespec="seconds")
    form.banner(ws, pages.take(20), last, tr(f"统计期间：{zh_date(since)}至{zh_date(until)}"
                                             f"　　统计时点：{zh_moment(as_of)}",
                                             f"Period: {since} to {until}    as of {as_of[:16].replace('T', ' ')}"))
    half = max(last // 2, 1)
    row = pages.take(20)
    form.banner(ws, row, half, tr(f"填报单位：{sheet.unit}", f"Filed by: {sheet.unit}"), align=form.left)
    form.banner(ws, row, last, tr(f"填报日期：{zh_date(sheet.filed.isoformat())}", f"Date: {sheet.filed}"),
                align=form.right, first=half + 1)


def _text_row(pages: Pages, form: Form, last: int, width: int, text: str, font=None, first: int = 1) -> int:
    """A line of text across columns first..last, as high as its wrapped lines."""
    lines = wrapped(text, width)
    row = pages.take(ROW + (LINE if font is None else 12) * (lines - 1) + 4)
    form.banner(pages.ws, row, last, text, font, form.left, first=first)
    return row


def _closing(pages: Pages, form: Form, table: _Table) -> None:
    """What closes the first sheet: the period at a glance (概况), the times to respond and resolve, 填报人 and
    审核人 to sign, and a note on the limits and where the meanings are; kept on one page."""
    data, sheet, ws, last = form.data, form.sheet, pages.ws, table.last
    width = sum([*table.label_widths, *table.figure_widths])
    k = {key: hours_text(v) for key, v in data.kpi.to_json().items() if key.endswith(("_median", "_p90"))}
    times = tr(f"首次响应用时中位数 {k['response_minutes_median']} 小时"
               f"（第90百分位 {k['response_minutes_p90']} 小时）；"
               f"办结用时中位数 {k['resolve_minutes_median']} 小时（第90百分位 {k['resolve_minutes_p90']} 小时）。",
               f"Median time to first response {k['response_minutes_median']} h (90th percentile"
               f" {k['response_minutes_p90']} h); median time to resolve {k['resolve_minutes_median']} h"
               f" (90th percentile {k['resolve_minutes_p90']} h).")
    from huidesk.domain.calendar import shown_limit

    limits = sheet.limits
    respond, resolve = shown_limit(limits.response_hours, "hours"), shown_limit(limits.resolve_days)
    reading = tr("最后一次" if limits.callback_reading == "final" else "第一次", limits.callback_reading)
    note = tr(
        f"注：各列含义见「填报说明」表。志愿服务时长为活动和走访的时长之和（走访按每位走访队员计）。响应时限"
        f" {respond}，办结时限 {resolve}（天数按民法典计法，工作日按国务院安排；可按诉求类型、性质或每件诉求另设）；"
        f"满意率中“基本满意”权重 {limits.basically_weight}；解决率、满意率按每件诉求{reading}回访计。"
        f"本表由 huidesk 据账本生成，页脚为生成时的"
        f"账本链头，可用 huidesk check --head 核验。",
        f"Note: the sheet 'notes' says what each column counts. Volunteer hours are those of activities and visits"
        f" (a visit's credited to each visiting member). Response limit {respond}, resolve limit"
        f" {resolve} (other limits may be set per kind, nature or issue); weight of 'basically"
        f" satisfied' {limits.basically_weight}; rates read each issue's {reading} callback. Written by huidesk from"
        f" the ledger; the footer holds the chain head, verify with huidesk check --head.")
    glance = _glance(form)
    pages.keep(sum(ROW + LINE * (wrapped(t, width) - 1) + 4 for t in (glance, times, note)) + 24 + GAP)
    pages.take(GAP)
    _text_row(pages, form, last, width, glance)
    _text_row(pages, form, last, width, times)
    row, half = pages.take(24), max(last // 2, 1)
    form.banner(ws, row, half, tr(f"填报人：{sheet.preparer}", f"Prepared by: {sheet.preparer}"), align=form.left)
    form.banner(ws, row, last, tr(f"审核人：{sheet.reviewer}", f"Reviewed by: {sheet.reviewer}"), align=form.left,
                first=half + 1)
    _text_row(pages, form, last, width, note, form.small)


def _glance(form: Form) -> str:
    """The period at a glance (概况), from the totals: the work, the issues and the three rates."""
    from huidesk.domain.figures import hours

    t, k, data = form.data.total, form.data.kpi, form.data
    where = ""
    if data.communities:
        n = len([c for c in data.communities if c.place is not None])
        where = tr(f"覆盖{n}个村、社区，", f"across {n} communities, ") if n > 1 else ""
    pct = _percent
    return tr(
        f"概况：{where}开展活动{t.activities}次，服务{t.served}人次，走访{t.visits}次，志愿服务时长{hours(t.volunteer_minutes)}"
        f"小时；受理诉求{t.issues_received}件，办结{t.resolved}件，超期{t.overdue}件；响应率{pct(k.response_rate)}，"
        f"办结率{pct(k.closure_rate)}，满意率{pct(k.satisfaction_rate)}。",
        f"At a glance: {where}{t.activities} activities serving {t.served}, {t.visits} visits,"
        f" {hours(t.volunteer_minutes)} volunteer hours; {t.issues_received} issues received, {t.resolved} resolved,"
        f" {t.overdue} overdue; response rate {pct(k.response_rate)}, closure rate {pct(k.closure_rate)},"
        f" satisfaction rate {pct(k.satisfaction_rate)}.")


def _percent(v: object) -> str:
    return "—" if v is None else f"{v}%"


_NO = ("no", "序号", "no.", 6)
_COMMUNITY = ("community", "社区/村", "community", 14)
_TEAM = ("team", "服务队", "team", 26)


def _communities(wb, form: Form) -> None:
    """台账 at a street: a row per village or community (its teams' rows added up) and the 合计, with the
    period at a glance and the lines to sign; a community's sheet has none (its teams are its 台账)."""
    data = form.data
    if not form.street:
        return
    groups = (*form.groups, *getattr(data, "community_groups", ()))
    _tally_sheet(wb, form, ("台账", "tally"), ("民生志愿服务工作台账", "volunteer service work tally"),
                 (_NO, _COMMUNITY), groups, [c.cells() for c in data.communities], closing=True)


def _tally_sheet(wb, form: Form, name: tuple[str, str], title: tuple[str, str], labels: Sequence,
                 groups: Sequence, records: Sequence[Mapping[str, object]], closing: bool) -> None:
    """A titled tally sheet: the heading, the table in parts, and (`closing`) the period at a glance, the
    times and the lines to sign."""
    ws = new_sheet(wb, tr(*name))
    pages = Pages(ws)
    total = {**form.data.total.cells(), "team": tr("合计", "total")}
    table = _Table(form, labels, groups, records, total, pages.width)
    table.size(ws)
    _heading(pages, form, table.last, *title)
    first = table.draw(pages)
    if closing:
        _closing(pages, form, table)
    ws.freeze_panes = ws.cell(row=first, column=len(labels) + 1)
    form.print_setup(ws, None)


def _tally(wb, form: Form) -> None:
    """The teams' tally: a community's 台账 (with the period at a glance and the lines to sign), or at a
    street the sheet 服务队 that lists the teams under their communities, with a 社区/村 column."""
    rows = [r.cells() for r in form.data.rows]
    if form.street:
        from huidesk.render.output import short_team

        # beside its community, a team goes by its short name (“红色先锋”), as the terminal's tables show it
        rows = [{**row, "team": short_team(row["team"])} for row in rows]
        _tally_sheet(wb, form, ("服务队", "teams"), ("各服务队工作明细", "work by team"), (_NO, _COMMUNITY, _TEAM),
                     form.groups, rows, closing=False)
    else:
        _tally_sheet(wb, form, ("台账", "tally"), ("民生志愿服务工作台账", "volunteer service work tally"),
                     (_NO, _TEAM), form.groups, rows, closing=True)


# The sheets of the monthly workbook, in order; each takes the workbook and the Form, and may add nothing
# (台账 by community only at a street, 花名册 not on a --place sheet).
MONTHLY_SHEETS: tuple[Callable, ...] = (_communities, _tally, issues, roster, charts, notes)
