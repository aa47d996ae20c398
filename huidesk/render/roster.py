"""How the roster (花名册) looks: a terminal table with its totals and column meanings, and a workbook."""

import sys

from huidesk.domain.i18n import tr
from huidesk.render.output import DOCUMENT, ROWS, WORKBOOK, Column, Output, file_formats, short_team

# key, short Chinese header, short English header, priority (9 never left out), right-aligned
_TABLE = (
    ("id", "编号", "id", 9, True),
    ("name", "姓名", "name", 8, False),
    ("reg_no", "注册编号", "reg. no.", 5, False),
    ("teams", "服务队", "teams", 4, False),
    ("activity_hours", "活动", "acts h", 6, True),
    ("visit_hours", "走访", "visits h", 6, True),
    ("hours", "合计", "total h", 8, True),
    ("services", "次数", "services", 7, True),
    ("cumulative_hours", "累计", "cumul. h", 3, True),
    ("stars", "星级", "stars", 7, False),
)


def roster_output(roster, wide: bool = False) -> Output:
    """A Roster (reports/roster.py): a row per member for csv, tsv and jsonl (teams joined by 、), its JSON
    document, a table's text and a workbook."""
    columns = [Column(c.key, c.header, c.header_en) for c in roster.columns]
    return Output((r.cells() for r in roster.rows), columns, document=roster, text=lambda: roster_text(roster, wide),
                  workbook=lambda: roster_workbook(roster), formats=file_formats(ROWS, DOCUMENT, WORKBOOK))


def roster_text(data, wide: bool = False) -> None:
    """The roster as a table with a 合计 row, then its period, what each column means and the chain head."""
    from huidesk.render.grid import KEEP, TEXT, WORDS, grid
    from huidesk.render.output import left_out, screen_lines
    from huidesk.render.reports import chain_head

    columns = data.columns
    names = {c.key: (c.header, c.header_en) for c in columns}
    total = data.total
    rows = [[_cell(key, getattr(r, key)) for key, *_ in _TABLE] for r in data.rows]
    if rows:
        rows.append([tr("合计", "total") if key == "name" else
                     str(getattr(total, key)) if key in ("activity_hours", "visit_hours", "hours", "services") else ""
                     for key, *_ in _TABLE])
    since, until = data.period.since, data.period.until
    span = tr(f"{since} 至 {until}", f"{since} to {until}") if since else tr(f"截至 {until}", f"up to {until}")
    scope = data.team or tr("全部队员", "all members")
    title = tr(f"志愿者花名册（{scope}，{span}）", f"Volunteer roster ({scope}, {span})")
    if not rows:
        from huidesk.render.controls import visible

        sys.stdout.write(visible(title) + "\n" + tr("（没有队员）", "(no members)") + "\n")
        dropped: list[str] = []
    else:
        dropped = grid(title, [tr(*names[key]) for key, *_ in _TABLE], rows,
                       right=[r for *_, r in _TABLE],
                       modes=[KEEP if r or key == "reg_no" else WORDS if key == "teams" else TEXT
                              for key, *_, r in _TABLE],
                       priority=[p for *_, p, _ in _TABLE], short=[tr(zh, en) for _, zh, en, *_ in _TABLE],
                       total=True, wide=wide)
    sep = tr("；", "; ")
    meanings = [f"{tr(c.header, c.header_en)}{tr('＝', ' = ')}{tr(c.meaning, c.meaning_en)}" for c in columns
                if c.key not in ("id", "name")]
    sys.stdout.write("\n".join(screen_lines(tr("口径：", "Columns: ") + sep.join(meanings), sep)) + "\n")
    verify = f"huidesk check --head {data.chain_head[:12]}"
    sys.stdout.write(chain_head(data.chain_head, tr(f"（核验：{verify}）", f" (to verify: {verify})")))
    left_out(dropped)


def _cell(key: str, value: object) -> str:
    if value is None:
        return ""
    if key == "teams":
        return "、".join(short_team(name) for name in value)  # type: ignore[union-attr]
    return str(value)


def roster_workbook(data) -> bytes:
    """The roster as a workbook: a header row, a row per member, a 合计 row, then what each column means."""
    import io

    from openpyxl import Workbook

    from huidesk.render.workbook import fill_sheet

    columns = data.columns
    keys = [c.key for c in columns]
    wb = Workbook()
    ws = wb.active
    ws.title = tr("花名册", "roster")
    total = data.total
    body = [[cells[k] for k in keys] for cells in (r.cells() for r in data.rows)]
    body.append([tr("合计", "total") if k == "name" else getattr(total, k) if k in (
        "activity_hours", "visit_hours", "hours", "services") else None for k in keys])
    n = fill_sheet(ws, [tr(c.header, c.header_en) for c in columns], body, bold_last=True)
    ws.cell(row=n + 1, column=1, value=tr("口径", "Columns"))
    for i, c in enumerate(columns, n + 2):
        ws.cell(row=i, column=1, value=tr(c.header, c.header_en))
        ws.cell(row=i, column=2, value=tr(c.meaning, c.meaning_en))
    ws.cell(row=n + 2 + len(columns), column=1, value=tr("账本链头", "chain head"))
    ws.cell(row=n + 2 + len(columns), column=2, value=data.chain_head)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
