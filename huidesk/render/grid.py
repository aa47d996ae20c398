"""Tables drawn for a terminal: rich's look, fitted to the terminal's width by display width."""

import sys
from collections.abc import Iterator, Sequence


def grid(
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    right: Sequence[bool] = (),
    nowrap: Sequence[bool] = (),
    pad_edge: bool = True,
    total: bool = False,
) -> None:
    """Print a table as rich draws one (┃ header, ━╇ rule, │ rows), fitted to the terminal's width
    (COLUMNS, else 80 off a terminal): when it is too wide, the widest foldable columns are narrowed
    and their cells folded onto more lines. Laid out here because rich measures and wraps every cell
    of every row: ~1 ms a row, 7 s for a team's 6,000 visits; this takes a tenth of that. With
    `total`, the last row is a total: ruled off and, on a terminal, bold."""
    import os
    import shutil

    n = len(headers)
    right, nowrap = list(right) or [False] * n, list(nowrap) or [False] * n
    natural = [max(cell_width(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    # a column kept whole may still fold its header; any other folds down to one Chinese character
    least = [max((cell_width(row[i]) for row in rows), default=2) if nowrap[i] else 2 for i in range(n)]
    room = shutil.get_terminal_size().columns - 3 * n + 1 + (0 if pad_edge else 2)
    widths = fit(natural, least, room)

    def lines(cells: Sequence[str], bar: str) -> Iterator[str]:
        folded = [fold(c, w) for c, w in zip(cells, widths, strict=True)]
        for k in range(max(len(f) for f in folded)):
            parts = []
            for f, w, r in zip(folded, widths, right, strict=True):
                text = f[k] if k < len(f) else ""
                gap = " " * (w - display_width(text))
                parts.append(f" {gap}{text} " if r else f" {text}{gap} ")
            joined = bar.join(parts)
            yield (joined if pad_edge else joined[1:]).rstrip()

    def rule(line: str, cross: str) -> str:
        drawn = cross.join(line * (w + 2) for w in widths)
        return drawn if pad_edge else drawn[1:-1]

    def bold(text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if sys.stdout.isatty() and "NO_COLOR" not in os.environ else text

    out = [title] if title else []
    out += (bold(h) for h in lines(headers, "┃"))
    out.append(rule("━", "╇"))
    for row in rows[:-1] if total else rows:
        out.extend(lines(row, "│"))
    if total:
        out.append(rule("─", "┼"))
        out += (bold(t) for t in lines(rows[-1], "│"))
    sys.stdout.write("\n".join(out) + "\n")


def fit(natural: list[int], least: list[int], room: int) -> list[int]:
    """Column widths within `room` cells: the widest columns give way first, down to a common cap
    (as rich does), none below its least width; if even that does not fit, the terminal wraps."""
    if sum(natural) <= room:
        return natural
    cap = max(natural)
    while cap > 2 and sum(max(lo, min(w, cap)) for w, lo in zip(natural, least, strict=True)) > room:
        cap -= 1
    return [max(lo, min(w, cap)) for w, lo in zip(natural, least, strict=True)]


def cell_width(cell: str) -> int:
    """Terminal columns of a cell's widest line (a note may hold line breaks)."""
    return max(display_width(line) for line in cell.split("\n")) if "\n" in cell else display_width(cell)


def fold(text: str, width: int) -> list[str]:
    """A cell cut into lines of at most `width` terminal columns: at its own line breaks, then
    between words where there are spaces, else between characters (Chinese has no spaces)."""
    if "\n" in text:
        return [line for part in text.split("\n") for line in fold(part, width)]
    if display_width(text) <= width:
        return [text]
    lines, line, used = [], "", 0
    for ch in text:
        w = display_width(ch)
        if line and used + w > width:
            cut = line.rfind(" ")
            if ch != " " and cut > 0:  # carry the word begun on this line over to the next
                lines.append(line[:cut])
                line = line[cut + 1:]
            else:
                lines.append(line.rstrip())
                line = ""
            used = display_width(line)
            if not line and ch == " ":
                continue
        line, used = line + ch, used + w
    return [*lines, line]


def display_width(text: str) -> int:
    """Terminal columns of a text: two for wide (CJK) characters, none for combining marks."""
    if text.isascii():
        return len(text)
    from unicodedata import combining, east_asian_width

    return sum(0 if combining(ch) else 2 if east_asian_width(ch) in "WF" else 1 for ch in text)
