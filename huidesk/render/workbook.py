"""Real xlsx workbooks (openpyxl): Chinese headers, column widths, a frozen header row. The monthly sheet a
street office files is huidesk/render/sheet.py."""

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
