"""Tables drawn for a terminal: rich's look, one line a record, fitted to the terminal's width by display width."""

import functools
import re
import sys
from collections.abc import Iterator, Sequence

from huidesk.render.controls import UNSAFE, visible

# How a column's cells give way when the table is wider than the terminal:
KEEP = "keep"  # never cut: ids, dates, times, numbers, single vocabulary words
TEXT = "text"  # free text: cut at the end with …
WORDS = "words"  # a list joined by 、 (vocabulary words, names): whole words kept, the rest cut with …
PATH = "path"  # a place path: its leading levels dropped first (高台寺社区/金东豪庭 -> 金东豪庭), then cut with …

LEAST = 10  # a cut column keeps at least this many cells (four Chinese characters and …), and its header


def grid(
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    right: Sequence[bool] = (),
    modes: Sequence[str] = (),
    priority: Sequence[int] = (),
    least: Sequence[int] = (),
    short: Sequence[str] = (),
    pad_edge: bool = True,
    total: bool = False,
    wide: bool = False,
) -> list[str]:
    """Print a table as rich draws one (┃ header, ━╇ rule, │ rows), one line a record, within the
    terminal's width (COLUMNS, else the terminal's, else 80): when it is too wide, `short` headers are
    used; the columns that may be cut (each by its mode) give way, the lowest `priority` first, down to
    their `least` width (default LEAST cells); when even that cannot fit, the columns of the lowest
    priority are left out (the rightmost of equals first). `wide` keeps
    every column and every cell whole, however wide the lines. Returns the headers left out.
    Laid out here, each cell measured once, because rich measures and wraps every cell of every row
    (~1 ms a row). With `total`, the last row is a total: ruled off and, on a terminal, bold."""
    import os
    import shutil

    n = len(headers)
    right = list(right) or [False] * n
    modes = list(modes) or [TEXT] * n
    priority = list(priority) or [0] * n
    # Text from outside on one line, its control characters made visible (huidesk.render.controls):
    # one search a row, as nearly every row holds none.
    rows = [[visible(flat(cell)) for cell in row] if UNSAFE.search("".join(row)) else row for row in rows]
    headers, short, title = [visible(h) for h in headers], [visible(h) for h in short], visible(title)
    cells = list(zip(*rows, strict=True)) if rows else [()] * n
    sizes = [[display_width(cell) for cell in column] for column in cells]
    longest = [max(column, default=0) for column in sizes]
    kept = list(range(n))
    widths = [max(display_width(h), w) for h, w in zip(headers, longest, strict=True)]
    if not wide:
        columns = shutil.get_terminal_size().columns
        if short and _room(columns, n, pad_edge) < sum(widths):
            headers = short
            widths = [max(display_width(h), w) for h, w in zip(headers, longest, strict=True)]
        floor = [w if m == KEEP else _least(m, display_width(h), w, at_least, column)
                 for m, h, w, at_least, column in zip(modes, headers, widths, least or [LEAST] * n, cells, strict=True)]
        while len(kept) > 1 and sum(floor[i] for i in kept) > _room(columns, len(kept), pad_edge):
            kept.remove(min(kept, key=lambda i: (priority[i], -i)))
        fitted = fit([widths[i] for i in kept], [floor[i] for i in kept], [priority[i] for i in kept],
                     _room(columns, len(kept), pad_edge))
        widths = [0] * n
        for i, w in zip(kept, fitted, strict=True):
            widths[i] = w
        if display_width(title) > columns:
            title = cut(title, columns)
    dropped = [h for i, h in enumerate(headers) if i not in kept]
    layout = [(i, widths[i], right[i], modes[i]) for i in kept]

    def line(cells: Sequence[str], measured: Sequence[int] | None, bar: str) -> str:
        parts = []
        for i, w, r, mode in layout:
            text = cells[i]
            size = measured[i] if measured is not None else display_width(text)
            if size > w:
                text = cut(text, w, mode)
                size = display_width(text)
            gap = " " * (w - size)
            parts.append(f" {gap}{text} " if r else f" {text}{gap} ")
        joined = bar.join(parts)
        return (joined if pad_edge else joined[1:]).rstrip()

    def rule(stroke: str, cross: str) -> str:
        drawn = cross.join(stroke * (w + 2) for _, w, _, _ in layout)
        return drawn if pad_edge else drawn[1:-1]

    def bold(text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if sys.stdout.isatty() and "NO_COLOR" not in os.environ else text

    def body(numbers: Iterator[int]) -> Iterator[str]:
        for r in numbers:
            yield line(rows[r], [column[r] for column in sizes], "│")

    out = [title] if title else []
    out.append(bold(line(headers, None, "┃")))
    out.append(rule("━", "╇"))
    out.extend(body(iter(range(len(rows) - 1 if total else len(rows)))))
    if total:
        out.append(rule("─", "┼"))
        out.extend(bold(t) for t in body(iter([len(rows) - 1])))
    sys.stdout.write("\n".join(out) + "\n")
    return dropped


def _room(columns: int, n: int, pad_edge: bool) -> int:
    """The cells left for n columns' text: each is padded by a space either side and ruled off by a bar."""
    return columns - 3 * n + (1 if pad_edge else 3)


def _least(mode: str, header: int, natural: int, at_least: int, cells: Sequence[str]) -> int:
    """The narrowest a column may be cut to: its header and `at_least` cells; a list of words keeps
    its first word whole (and … after it), a place its last level (up to twice `at_least`)."""
    least = max(header, at_least or LEAST)
    if mode == WORDS:
        least = max(least, max((display_width(c.split("、", 1)[0]) + ("、" in c) for c in cells), default=0))
    elif mode == PATH:
        last = max((display_width(c.rsplit("/", 1)[-1]) for c in cells), default=0)
        least = max(least, min(last, 2 * (at_least or LEAST)))
    return min(natural, least)


def fit(natural: list[int], least: list[int], priority: list[int], room: int) -> list[int]:
    """Column widths within `room` cells: the column of the lowest priority (the rightmost of equals)
    gives way first, down to its least width, then the next."""
    widths = list(natural)
    excess = sum(widths) - room
    for i in sorted(range(len(widths)), key=lambda i: (priority[i], -i)):
        if excess <= 0:
            break
        give = min(excess, widths[i] - least[i])
        if give > 0:
            widths[i] -= give
            excess -= give
    return widths


def cut(text: str, width: int, mode: str = TEXT) -> str:
    """A cell within `width` cells on one line: a path loses its leading levels, a list of words its
    last words, free text its end; whatever was left out is marked with …."""
    if display_width(text) <= width:
        return text
    if mode == PATH and "/" in text:
        levels = text.split("/")
        while len(levels) > 1:
            levels.pop(0)
            shorter = "/".join(levels)
            if display_width(shorter) <= width:
                return shorter
        text = levels[0]
    elif mode == WORDS and "、" in text:
        words = text.split("、")
        for k in range(len(words) - 1, 0, -1):
            head = "、".join(words[:k]) + "…"
            if display_width(head) <= width:
                return head
    kept, used = [], 0
    for ch in text:
        w = _char_width(ch)
        if used + w > width - 1:
            break
        kept.append(ch)
        used += w
    return "".join(kept).rstrip() + "…"


def flat(text: str) -> str:
    """A cell on one line: its line breaks (CR LF too) become spaces."""
    return " ".join(part.strip() for part in text.replace("\r\n", "\n").split("\n")) if "\n" in text else text


def cell_width(cell: str) -> int:
    """Terminal columns of a cell's widest line (a note may hold line breaks)."""
    return max(display_width(line) for line in cell.split("\n")) if "\n" in cell else display_width(cell)


def fold(text: str, width: int) -> list[str]:
    """A text cut into lines of at most `width` terminal columns: at its own line breaks, then
    between words where there are spaces, else between characters (Chinese has no spaces)."""
    if "\n" in text:
        return [line for part in text.split("\n") for line in fold(part, width)]
    if display_width(text) <= width:
        return [text]
    lines, line, used = [], "", 0
    for ch in text:
        w = display_width(ch)
        if line and used + w > width:
            space = line.rfind(" ")
            if ch != " " and space > 0:  # carry the word begun on this line over to the next
                lines.append(line[:space])
                line = line[space + 1:]
            else:
                lines.append(line.rstrip())
                line = ""
            used = display_width(line)
            if not line and ch == " ":
                continue
        line, used = line + ch, used + w
    return [*lines, line]


# Characters a line of Chinese text never starts with (禁则): they stay with the character before them.
CLOSING = frozenset("，。、；：！？）》」』】〕〉”’…·%,.;:!?)]}")
# Characters a line never ends with: they go to the next line with what they open.
OPENING = frozenset("（《「『【〔〈“‘([{")


def wrap(text: str, width: int, sep: str = "") -> list[str]:
    """Prose in lines of at most `width` cells, for a terminal: with `sep`, broken between the pieces it
    separates where it can, a line broken there ending with its mark (响应、 / to respond,); else between
    characters, an English word and closing punctuation (，。）) carried over whole with what comes before them."""
    if sep:
        mark, space = sep.rstrip(), sep[len(sep.rstrip()):]
        pieces = text.split(sep)
        lines: list[str] = []
        for piece in [p + mark for p in pieces[:-1]] + pieces[-1:]:
            if lines and display_width(lines[-1] + space + piece) <= width:
                lines[-1] += space + piece
            else:
                lines.extend(wrap(piece, width))
        return lines
    lines, line, used = [], "", 0
    for ch in text:
        w = display_width(ch)
        if line and used + w > width:
            k = _break(line, ch, width - w)
            line, carry = line[:k], line[k:]
            lines.append(line.rstrip())
            line, used = carry, display_width(carry)
            if not line and ch == " ":
                continue
        line, used = line + ch, used + w
    return [*lines, line]


def _word(ch: str) -> bool:
    return ch.isascii() and not ch.isspace()


def _break(line: str, ch: str, room: int) -> int:
    """Where a line that `ch` does not fit on ends: before the ASCII word that `ch` continues
    ([required], 12345-0707-01 stay whole), before the character closing marks (，。）, or ）。 together)
    follow, and before an opening mark (（“) that would end it; the carried text must leave room for `ch`."""
    k = len(line)
    if _word(ch):
        while k > 0 and _word(line[k - 1]):
            k -= 1
    if k == len(line) and ch in CLOSING:
        k -= 1
        while k > 0 and line[k] in CLOSING:  # （新的在前）。: 前 goes with both marks
            k -= 1
        while k > 0 and _word(line[k]) and _word(line[k - 1]):
            k -= 1
    while k > 0 and line[k - 1] in OPENING:
        k -= 1
    if k <= 0 or display_width(line[k:]) > room:
        return len(line) - 1 if ch in CLOSING and len(line) > 1 else len(line)
    return k


def display_width(text: str) -> int:
    """Terminal cells of a text as rich measures them: two for wide (CJK) characters, none for
    combining marks and control characters. Common Chinese text is measured here (the ranges below
    are checked against rich in tests/test_help.py), so `huidesk --help` need not load rich's tables:
    one regular expression finds a character outside them, another counts the wide ones (a
    character at a time in Python was most of the time a 6,000-row table took)."""
    if text.isascii():
        return len(text)
    if _UNKNOWN.search(text):
        from rich.cells import cell_len

        return cell_len(text)
    return len(text) + len(_WIDE.findall(text))


# One cell: printable ASCII, Latin and IPA, dashes and quotes, arrows, box drawing. Two: CJK ideographs,
# CJK punctuation, full-width forms. Anything else is measured by rich.
_WIDE_RANGES = "\u4e00-\u9fff\u3000-\u3029\u3030-\u303e\uff01-\uff60"
_WIDE = re.compile(f"[{_WIDE_RANGES}]")
_UNKNOWN = re.compile(f"[^\x20-\x7e\xa0-\u02ff\u2010-\u2027\u2190-\u21ff\u2500-\u25fc{_WIDE_RANGES}]")


@functools.lru_cache(maxsize=4096)
def _char_width(ch: str) -> int:
    return display_width(ch)
