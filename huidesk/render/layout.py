"""How the monthly sheet (huidesk/render/sheet.py) is laid out for print: its one font and sizes, what fits
on an A4 page at 100 %, a sheet placed page by page (`Pages`), and the widths and heights of cells measured
by display width (CJK = 2)."""

from collections.abc import Sequence
from decimal import Decimal

from huidesk.domain.i18n import tr

# The one font of the monthly sheet. 宋体 (SimSun) is on every Chinese Windows since XP and in WPS, and it
# is the face Chinese government forms are set in; its ASCII glyphs are exactly half a Chinese glyph
# wide, so column widths computed from display width (CJK = 2) fit it exactly. Where it is missing
# (Linux), fontconfig substitutes: docs/monthly-sheet.md maps it to Noto Serif CJK SC for previews.
FONT = "宋体"
SIZE = 10  # body text, in points on paper: the sheet is printed at 100 %, never shrunk
SMALL = 9  # notes and the footer: the least any text on the printed sheet is
WIDTH_CAP = 40  # the widest a column grows (long texts wrap)
# What fits inside the margins of an A4 page at 100 %, with room to spare: the width in column-width units
# (the workbook's normal font is 宋体 10, so a unit is half a Chinese character, ~5.6 pt with its padding)
# and the height in points; landscape, portrait.
PAGE = {True: (134, 512.0), False: (92, 760.0)}
ROW = 16.0  # a row of one line of 10 pt text
LINE = 13.5  # each further line of a wrapped cell
GAP = 8.0  # the space between two parts of a table



_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_QUARTERS = "一二三四"


def period_name(label: str, since, until) -> str:
    """A report's period as a title says it: 2024年6月, 2024年第二季度, 2024年度 (June 2024, Q2 2024, 2024)."""
    if len(label) == 7 and label[4] == "-" and label[5:].isdigit():
        year, month = int(label[:4]), int(label[5:])
        return tr(f"{year}年{month}月", f"{_MONTHS[month - 1]} {year}")
    if len(label) == 7 and label[4:6] == "-Q":
        year, quarter = int(label[:4]), int(label[6])
        return tr(f"{year}年第{_QUARTERS[quarter - 1]}季度", f"Q{quarter} {year}")
    if len(label) == 4 and label.isdigit():
        return tr(f"{label}年度", label)
    return tr(f"{zh_date(since.isoformat())}至{zh_date(until.isoformat())}", f"{since} to {until}")


class Pages:
    """A sheet laid out down its pages by hand: rows placed one after another, each of a known height,
    and a page break (a manual row break) before a row that would not fit on what is left of the page,
    so that whoever places rows can draw a table's header again at the top of the next page."""

    def __init__(self, ws, landscape: bool = True) -> None:
        self.ws, (self.width, self.room) = ws, PAGE[landscape]
        self.row, self.used = 1, 0.0

    def fits(self, height: float) -> bool:
        return self.used + height <= self.room

    def new_page(self) -> None:
        from openpyxl.worksheet.pagebreak import Break

        if self.used:
            self.ws.row_breaks.append(Break(id=self.row - 1))
            self.used = 0.0

    def take(self, height: float) -> int:
        """The next row, `height` points high: on the next page when it does not fit on this one."""
        if not self.fits(height):
            self.new_page()
        row, self.row = self.row, self.row + 1
        self.ws.row_dimensions[row].height = height
        self.used += height
        return row

    def keep(self, height: float) -> None:
        """Start a new page unless `height` more points fit on this one (what must not be torn apart)."""
        if not self.fits(height):
            self.new_page()


def new_sheet(wb, title: str):
    """The workbook's first, still empty sheet under this title, else a new one."""
    ws = wb.active
    if len(wb.worksheets) == 1 and ws.max_row == 1 and ws["A1"].value is None and ws.title == "Sheet":
        ws.title = title
        return ws
    return wb.create_sheet(title)


def shown(value: object) -> str:
    """A cell as it reads on paper (its width is measured from this)."""
    if value is None:
        return ""
    if isinstance(value, float | Decimal):
        return f"{value:.1f}"
    return str(value)


def header_lines(text: str) -> list[str]:
    """A header's lines: Chinese headers carry their breaks; English ones wrap at word boundaries."""
    from huidesk.render.grid import wrap

    if "\n" in text or not text.isascii():
        return text.split("\n")
    return wrap(text, max(10, *(len(word) for word in text.split())))


def printed_width(text: str) -> int:
    """How many half-character units `text` takes in 宋体: a Chinese character two, and so the characters of
    ambiguous width (“ ” ★ ·), which a Chinese font draws as wide as one (a terminal counts them one)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


def widest(texts: Sequence[object]) -> int:
    """The display width of the widest line of these cells (CJK = 2)."""
    return max([0, *(printed_width(line) for text in texts for line in shown(text).split("\n"))])


def wrapped(text: object, room: float, size: float = SIZE) -> int:
    """How many lines `text` takes in a cell `room` units wide (a unit: half a Chinese character of 10 pt)
    set in `size` points."""
    usable = max(room - 1, 1) * SIZE / size  # the room in units of the text's own size
    lines = 0
    for paragraph in shown(text).split("\n"):  # words broken at spaces; Chinese, and a word too long, anywhere
        count, used = 1, 0.0
        for word in paragraph.split(" "):
            width = printed_width(word)
            if used and used + 1 + width <= usable:
                used += 1 + width
                continue
            if used:
                count += 1
            whole, used = divmod(width, usable)
            count += int(whole) - (1 if whole and not used else 0)
            used = used or (usable if whole else 0)
        lines += count
    return lines


def fit(ws, rows: range, columns: int, least: int = 4, cap: int = WIDTH_CAP) -> None:
    """Column widths from the display width of what the rows show (CJK = 2), plus room on each
    side; cells merged across columns (titles, notes) do not count."""
    merged = {(r, c) for m in ws.merged_cells.ranges if m.max_col > m.min_col
              for r in range(m.min_row, m.max_row + 1) for c in range(m.min_col, m.max_col + 1)}
    for c in range(1, columns + 1):
        shown = [ws.cell(row=r, column=c).value for r in rows if (r, c) not in merged]
        ws.column_dimensions[letter(c)].width = min(max(least, widest(shown)) + 1, cap)


def squeeze(ws, columns: int, budget: int, flexible: Sequence[Sequence[int]], floor: int | Sequence[int] = 8,
            together: Sequence[int] = ()) -> None:
    """Narrow the `flexible` columns (texts that may wrap), stage by stage (the free texts first, the times
    last), the widest first, until all `columns` fit in `budget` units, none below its floor (one for all,
    or each column's): a list prints across the page at full size, its long texts on more lines. The stages
    whose index is in `together` are narrowed all at once to their floors (受理 and 办结 times both on two
    lines, not one of each)."""
    dims = [ws.column_dimensions[letter(c)] for c in range(1, columns + 1)]
    floors = [floor] * columns if isinstance(floor, int) else list(floor)
    wanted = [d.width for d in dims]
    for n, stage in enumerate(flexible):
        if sum(d.width for d in dims) <= budget:
            break
        if n in together:
            for c in stage:
                dims[c - 1].width = min(dims[c - 1].width, floors[c - 1])
            continue
        while sum(d.width for d in dims) > budget:
            room = [c for c in stage if dims[c - 1].width > floors[c - 1]]
            if not room:
                break
            widest = max(room, key=lambda c: (dims[c - 1].width - floors[c - 1], dims[c - 1].width))
            dims[widest - 1].width -= 1
    # what a stage narrowed all at once left over goes back to the texts narrowed before it, narrowest first
    narrowed = [c for n, stage in enumerate(flexible) if n not in together for c in stage]
    while sum(d.width for d in dims) < budget:
        short = [c for c in narrowed if dims[c - 1].width < wanted[c - 1]]
        if not short:
            break
        dims[min(short, key=lambda c: dims[c - 1].width) - 1].width += 1


def heights(ws, rows: range, columns: int, size: float = SIZE) -> None:
    """Row heights for the lines wrapped text takes in its column (viewers do not all work it out), for
    text of `size` points."""
    for r in rows:
        lines = max([1, *(wrapped(ws.cell(row=r, column=c).value, ws.column_dimensions[letter(c)].width, size)
                         for c in range(1, columns + 1) if ws.cell(row=r, column=c).value is not None)])
        ws.row_dimensions[r].height = (ROW + LINE * (lines - 1)) * size / SIZE


def letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def trimmed(paths: list[str]) -> list[str]:
    """Place paths without the leading levels they all share (the sheet's title names the scope)."""
    if not paths:
        return []
    parts = [p.split("/") for p in paths]
    shared = 0
    while all(len(p) > shared + 1 and p[shared] == parts[0][shared] for p in parts):
        shared += 1
    return ["/".join(p[shared:]) for p in parts]


def category(slug: str | None) -> str:
    from huidesk.domain.vocab import VOCABS, label

    return label("category", slug) if slug in VOCABS["category"] else (slug or "")


def hours_text(minutes: int | None) -> str:
    from huidesk.domain.figures import hours

    return "—" if minutes is None else f"{hours(minutes)}"


def zh_date(iso: str) -> str:
    return f"{int(iso[:4])}年{int(iso[5:7])}月{int(iso[8:10])}日" if iso else ""


def zh_moment(iso: str) -> str:
    return f"{zh_date(iso)} {iso[11:16]}" if iso else ""
