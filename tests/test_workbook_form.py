"""The monthly workbook a street office files (`report monthly --output FILE.xlsx`): a titled form with
its 填报 lines, printed A4 landscape at 100 % (the wide tally in parts, each within the page), one font, no
formulas, the chain head in the footer; the month's issues with their 超期 flag; native charts; the
meanings of the columns."""

import json
import re
import zipfile

import pytest
from conftest import ok, rejected
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

from huidesk.render.grid import display_width
from huidesk.render.layout import FONT, PAGE, WIDTH_CAP


@pytest.fixture
def june(village):
    """平伏桥村 in June 2024: two activities with volunteer hours, an issue resolved in time and called
    back, one resolved late, one left open past its 5-day limit, and who files the sheet."""
    ok("activity", "add", "--theme", "爱心理发", "--team", "橙色公益", "--date", "2024-06-03", "--volunteers", "3",
       "--hours", "1.5", "--served", "20")
    ok("activity", "add", "--theme", "政策宣传", "--team", "银色助老", "--date", "2024-06-10", "--volunteers", "2",
       "--hours", "0.25")
    ok("unit", "add", "物业公司")
    ok("issue", "open", "--kind", "民生问题", "--source", "电话", "--place", "48号楼", "--team", "橙色公益",
       "--at", "2024-06-05 09:00", "--nature", "求助", "--category", "物业", "下水管道堵塞")
    ok("issue", "dispatch", "1", "--to", "物业公司", "--at", "2024-06-05 09:05")
    ok("issue", "resolve", "1", "--at", "2024-06-05 09:30")
    ok("issue", "callback", "1", "--resolved", "是", "--satisfaction", "满意", "--at", "2024-06-06 10:00")
    ok("issue", "open", "--kind", "民生问题", "--source", "走访", "--place", "平伏桥村", "--team", "银色助老",
       "--at", "2024-06-10 14:00", "楼道灯不亮")
    ok("issue", "resolve", "2", "--at", "2024-06-18 14:00")
    ok("issue", "open", "--kind", "安全隐患", "--source", "巡查", "--place", "平伏桥村/悦湖家园小区",
       "--team", "银色助老", "--at", "2024-06-20 08:30", "--nature", "投诉", "消防通道堆放杂物")
    ok("setting", "set", "report_unit", "满城北街街道平伏桥村村委会")
    ok("setting", "set", "report_preparer", "王凤琴")
    ok("setting", "set", "report_reviewer", "张佳丽")
    return village


def sheet_of(tmp_path, *args: str):
    path = tmp_path / "m.xlsx"
    ok(*args, "report", "monthly", "--month", "2024-06", "--output", str(path))
    return path, load_workbook(path)


def texts(ws) -> list[str]:
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def test_the_tally_is_a_titled_form_with_its_filing_lines(june, tmp_path):
    _, wb = sheet_of(tmp_path)
    assert wb.sheetnames == ["台账", "诉求清单", "花名册", "图表", "填报说明"]
    ws = wb["台账"]
    assert ws["A1"].value == "2024年6月民生志愿服务工作台账"  # the whole ledger, which has no name yet
    assert ws["A2"].value.startswith("统计期间：2024年6月1日至2024年6月30日") and "2024年7月8日" in ws["A2"].value
    cells = texts(ws)
    for line in ("填报单位：满城北街街道平伏桥村村委会", "填报人：王凤琴", "审核人：张佳丽", "填报日期：2024年7月8日"):
        assert line in cells, line
    # the title spans the table and is centred over it
    title = next(r for r in ws.merged_cells.ranges if r.min_row == 1)
    assert (title.min_col, title.max_col) == (1, ws.max_column) and ws["A1"].alignment.horizontal == "center"
    assert ws["A4"].value == "序号" and ws["B4"].value == "服务队" and ws["C4"].value == "志愿服务"
    assert ws["C5"].value == "活动\n(次)" and ws["E5"].value == "时长\n(小时)"  # the unit in every header


def test_the_title_names_the_scope_or_the_ledger(june, tmp_path):
    ok("report", "monthly", "--month", "2024-06", "--place", "平伏桥村", "--output", str(tmp_path / "p.xlsx"))
    assert load_workbook(tmp_path / "p.xlsx")["台账"]["A1"].value == "平伏桥村2024年6月民生志愿服务工作台账"
    ok("setting", "set", "ledger_name", "平伏桥村村委会")
    ok("report", "monthly", "--month", "2024-06", "--output", str(tmp_path / "n.xlsx"))
    assert load_workbook(tmp_path / "n.xlsx")["台账"]["A1"].value == "平伏桥村村委会2024年6月民生志愿服务工作台账"


def test_the_unit_falls_back_to_the_issuer(village, tmp_path):
    ok("setting", "set", "issuer", "平伏桥村党支部")
    _, wb = sheet_of(tmp_path)
    assert "填报单位：平伏桥村党支部" in texts(wb["台账"])
    assert "填报人：" in texts(wb["台账"])  # left blank, to be signed


def test_it_prints_a4_landscape_at_full_size_within_the_page_width(june, tmp_path):
    _, wb = sheet_of(tmp_path)
    for name, titles in (("台账", None), ("诉求清单", "$3:$3")):
        ws = wb[name]
        setup = ws.page_setup
        assert setup.orientation == "landscape" and str(setup.paperSize) == ws.PAPERSIZE_A4
        assert not ws.sheet_properties.pageSetUpPr.fitToPage and int(setup.scale) == 100  # never shrunk
        assert ws.print_title_rows == titles  # the tally repeats its parts' headers itself
        widths = [ws.column_dimensions[get_column_letter(c)].width for c in range(1, ws.max_column + 1)]
        assert sum(widths) <= PAGE[True][0]
    # the tally's 28 columns in two parts, one under the other, each with its header rows
    ws = wb["台账"]
    parts = [r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == "序号"]
    assert len(parts) == 2 and ws.cell(row=parts[1], column=3).value == "回访(件)"


def test_the_chain_head_is_in_the_footer_once_with_how_to_verify_it(june, tmp_path):
    head = json.loads(ok("report", "monthly", "--month", "2024-06", "--format", "json").stdout)["chain_head"]
    _, wb = sheet_of(tmp_path)
    for ws in wb.worksheets:
        footer = ws.oddFooter.left.text
        assert head in footer and f"huidesk check --head {head[:12]}" in footer
    assert not any(head in text for text in texts(wb["台账"]))  # not on every row any more
    ok("check", "--head", head[:12])


def test_one_font_no_formula_and_widths_from_display_width(june, tmp_path):
    """Every cell is as wide as what it shows (CJK = 2), or wraps onto lines its row is high enough for."""
    ok("team", "add", "=HYPERLINK(\"http://x\")队", "--place", "平伏桥村", "--founded", "2024-06-01")
    path, wb = sheet_of(tmp_path)
    with zipfile.ZipFile(path) as z:
        sheets = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in sheets
    for ws in wb.worksheets:
        merged = [range_boundaries(str(r)) for r in ws.merged_cells.ranges]
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                assert cell.font.name == FONT, (ws.title, cell.coordinate, cell.font.name)
                assert not str(cell.value).startswith("="), (ws.title, cell.coordinate)
                if any(c1 <= cell.column <= c2 and r1 <= cell.row <= r2 and c2 > c1 for c1, r1, c2, r2 in merged):
                    continue  # a title or a note across the columns
                shown = f"{cell.value:.1f}" if cell.number_format == "0.0" and not isinstance(cell.value, str) \
                    else str(cell.value)
                needed = max(display_width(line) for line in shown.split("\n"))
                width = ws.column_dimensions[cell.column_letter].width
                if width < min(needed, WIDTH_CAP - 1):  # a text wrapped to keep the list within the page
                    lines = -(-needed // (width - 1))
                    assert cell.alignment.wrap_text, (ws.title, cell.coordinate, shown, width)
                    assert ws.row_dimensions[cell.row].height >= 13.5 * lines, (ws.title, cell.coordinate, shown)


def row_of(ws, team: str) -> dict:
    """A row of the tally's first part (序号, 服务队, 志愿服务, 受理诉求, 诉求办理) by its team, under its headers."""
    headers = [c.value for c in ws[5]]
    for row in ws.iter_rows(min_row=6, values_only=True):
        if team in (row[0], row[1]):
            return {h: v for h, v in zip(headers, row) if h}
        if row[0] == "合计":
            break
    raise AssertionError(team)


def test_hours_have_one_decimal(june, tmp_path):
    _, wb = sheet_of(tmp_path)
    ws = wb["台账"]
    column = next(c.column for c in ws[5] if c.value == "时长\n(小时)")
    total = next(r for r in range(6, ws.max_row + 1) if ws.cell(row=r, column=1).value == "合计")
    cells = {ws.cell(row=r, column=2).value or ws.cell(row=r, column=1).value: ws.cell(row=r, column=column)
             for r in range(6, total + 1)}
    assert cells["“橙色公益”志愿服务队"].value == 4.5 and cells["“银色助老”志愿服务队"].value == 0.5
    assert cells["合计"].value == 5 and all(c.number_format == "0.0" for c in cells.values() if c.value is not None)
    total = row_of(ws, "合计")
    assert total["合计"] == 3 and total["超期"] == 1 and total["按时\n办结"] == 1 and total["办结"] == 2


def test_the_issue_sheet_shows_what_a_street_office_checks(june, tmp_path):
    _, wb = sheet_of(tmp_path)
    ws = wb["诉求清单"]
    headers = [c.value for c in ws[3]]
    assert headers == ["序号", "编号", "工单号", "受理\n时间", "诉求\n类型", "诉求\n性质", "诉求\n类别", "来源",
                       "地点", "服务队", "状态", "办结\n时间", "用时\n小时", "超期", "按时\n办结", "回访\n结果", "重复",
                       "诉求内容"]
    rows = {r[1]: dict(zip(headers, r)) for r in ws.iter_rows(min_row=4, values_only=True)}
    drain, light, exit_ = rows[1], rows[2], rows[3]
    assert drain["受理\n时间"] == "06-05 09:00" and drain["办结\n时间"] == "06-05 09:30"  # local, the year in the title
    assert drain["诉求\n性质"] == "求助" and drain["诉求\n类别"] == "物业" and drain["状态"] == "办结"
    assert drain["用时\n小时"] == 0.5 and drain["超期"] == "否" and drain["按时\n办结"] == "是"
    assert drain["回访\n结果"] == "已解决/满意" and drain["地点"] == "平伏桥村/48号楼"  # the levels all share, dropped
    assert light["按时\n办结"] == "否" and light["超期"] == "否" and light["用时\n小时"] == 192
    assert exit_["超期"] == "是" and exit_["办结\n时间"] is None and exit_["按时\n办结"] is None
    assert exit_["用时\n小时"] == pytest.approx(18 * 24 - 8.5 + 23 + 59 / 60, abs=0.05)  # to the as-of moment
    assert ws.cell(row=4 + 2, column=14).font.color.rgb.endswith("C00000")  # the overdue flag stands out
    # the flags add up to the tally's 超期 column
    assert sum(r["超期"] == "是" for r in rows.values()) == row_of(wb["台账"], "合计")["超期"]


def test_the_chart_sheet_holds_two_native_charts_over_twelve_months(june, tmp_path):
    _, wb = sheet_of(tmp_path)
    ws = wb["图表"]
    volume, rates = ws._charts
    assert len(volume.series) == 2 and len(rates.series) == 3

    def rows(ref: str) -> int:
        _, r1, _, r2 = range_boundaries(ref.split("!")[1].replace("$", ""))
        return r2 - r1 + 1

    assert rows(volume.series[0].cat.numRef.f) == 12
    months = [ws.cell(row=r, column=1).value for r in range(4, 16)]
    assert months[0] == "2023-07" and months[-1] == "2024-06"
    total = row_of(wb["台账"], "合计")
    assert (ws["B15"].value, ws["C15"].value) == (total["合计"], total["办结"])  # June as the tally counts it
    assert [ws.cell(row=r, column=2).value for r in range(4, 15)] == [0] * 11
    teams = rows(rates.series[0].cat.numRef.f)
    assert teams == 2  # the teams that received issues this month


def test_the_notes_sheet_says_what_each_column_means(june, tmp_path):
    _, wb = sheet_of(tmp_path)
    notes = {r[0]: r[1] for r in wb["填报说明"].iter_rows(min_row=3, values_only=True)}
    assert notes["按时办结率(%)"] == "按时办结 ÷ (办结 + 超期)"
    assert notes["超期(件)"].startswith("截至统计时点未办结")
    # the limit as typed, with the rule days are counted by (issue 25: the Civil Code's, not 5 × 24 hours)
    assert notes["办结时限"].startswith("5天（天数不计受理当日、末日至24时止") and "志愿服务时长(小时)" in notes


def test_english_titles(june, tmp_path):
    _, wb = sheet_of(tmp_path, "--lang", "en")
    assert wb.sheetnames == ["tally", "issues", "roster", "charts", "notes"]
    ws = wb["tally"]
    assert ws["A1"].value == "Volunteer service work tally, June 2024"
    assert "Prepared by: 王凤琴" in texts(ws) and "Reviewed by: 张佳丽" in texts(ws)
    assert re.search(r"chain head [0-9a-f]{64} \(verify: huidesk check --head", ws.oddFooter.left.text)
    assert all("\u4e00" > ch or ch > "\u9fff" for ch in "".join(texts(wb["notes"])[:2]))


def test_a_bad_filing_setting_is_refused(village):
    rejected(village, "setting", "set", "report_preparer", "王\x07凤琴", mentions=("VALUE",))


def test_the_roster_sheet_is_the_months_roster(june, tmp_path):
    """花名册: `report roster` of the month, row for row (members named in full), with its 合计; a --place sheet
    has none, since the roster scopes by team only."""
    ok("member", "edit", "王凤琴", "--reg-no", "64010620220301001")
    ok("visit", "add", "丁学志", "--team", "橙色公益", "--member", "王凤琴", "--hours", "1.5", "--date", "2024-06-12")
    _, wb = sheet_of(tmp_path)
    ws = wb["花名册"]
    expected = json.loads(ok("report", "roster", "--since", "2024-06-01", "--until", "2024-06-30", "-f", "json").stdout)
    headers = [c.value.replace("\n", "") for c in ws[3]]  # 活动时长 / (小时) on two lines
    assert headers[0] == "序号" and headers[1:] == [c["header"] for c in expected["columns"]]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=3 + len(expected["rows"]))]
    names = [row[headers.index("姓名")] for row in rows]
    assert names == [r["name"] for r in expected["rows"]] and "王凤琴" in names
    mine = rows[names.index("王凤琴")]
    assert mine[headers.index("注册编号")] == "64010620220301001" and mine[headers.index("走访时长(小时)")] == 1.5
    total = [c.value for c in ws[4 + len(expected["rows"])]]
    assert total[headers.index("姓名")] == "合计"
    assert total[headers.index("合计时长(小时)")] == float(expected["total"]["hours"])
    ok("report", "monthly", "--month", "2024-06", "--place", "平伏桥村", "--output", str(tmp_path / "place.xlsx"))
    assert "花名册" not in load_workbook(tmp_path / "place.xlsx").sheetnames
