"""The one output path for every listing: table, csv, tsv, json or jsonl.

Machine formats carry the stored values (slugs, ISO dates) under stable English keys; the table
shows localised headers and vocabulary labels. JSON arrays are streamed row by row.
"""

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from huidesk.domain.i18n import tr


class Format(str, Enum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"
    jsonl = "jsonl"


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    vocab: str | None = None  # a comma-separated list of slugs of this vocabulary
    show: Callable[[object], str] | None = None  # how the table shows the value
    nowrap: bool = False  # ids, dates and times stay on one line in a table

    def header(self) -> str:
        return tr(self.zh, self.en)

    def cell(self, value: object) -> str:
        if value is None:
            return ""
        if self.show is not None:
            return self.show(value)
        if self.vocab is not None:
            from huidesk.domain.vocab import label

            return "、".join(label(self.vocab, v) for v in str(value).split(","))
        return str(value)


def short_place(path: object) -> str:
    """The last two levels of a place path: enough to recognise it in a table."""
    return "/".join(str(path).split("/")[-2:])


def choose(fmt: Format | None) -> Format:
    """The format asked for; otherwise a table on a terminal and tsv in a pipe."""
    if fmt is not None:
        return fmt
    return Format.table if sys.stdout.isatty() else Format.tsv


def emit(rows: Iterable[Mapping[str, object]], columns: Sequence[Column], fmt: Format | None, title: str = "") -> None:
    fmt = choose(fmt)
    out = sys.stdout
    keys = [c.key for c in columns]
    if fmt is Format.table:
        _table(rows, columns, title)
    elif fmt in (Format.csv, Format.tsv):
        import csv

        if fmt is Format.csv:
            writer = csv.writer(out, lineterminator="\n")
        else:
            writer = csv.writer(out, dialect="excel-tab", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(keys)
        for row in rows:
            writer.writerow(["" if row[k] is None else row[k] for k in keys])
    elif fmt is Format.json:
        import json

        first = True
        out.write("[")
        for row in rows:
            out.write(("\n" if first else ",\n") + json.dumps({k: row[k] for k in keys}, ensure_ascii=False))
            first = False
        out.write("]\n" if first else "\n]\n")
    else:
        import json

        for row in rows:
            out.write(json.dumps({k: row[k] for k in keys}, ensure_ascii=False) + "\n")


def _table(rows: Iterable[Mapping[str, object]], columns: Sequence[Column], title: str) -> None:
    cells = [[c.cell(row[c.key]) for c in columns] for row in rows]
    if not cells:
        message(tr("（没有记录）", "(no records)"))
        return
    # vocabulary words and ids, dates and times stay whole; free text takes the folding
    grid(title, [c.header() for c in columns], cells, nowrap=[c.nowrap or c.vocab is not None for c in columns],
         pad_edge=False)


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
    natural = [max(_width(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    # a column kept whole may still fold its header; any other folds down to one Chinese character
    least = [max((_width(row[i]) for row in rows), default=2) if nowrap[i] else 2 for i in range(n)]
    room = shutil.get_terminal_size().columns - 3 * n + 1 + (0 if pad_edge else 2)
    widths = _fit(natural, least, room)

    def lines(cells: Sequence[str], bar: str) -> Iterator[str]:
        folded = [_fold(c, w) for c, w in zip(cells, widths, strict=True)]
        for k in range(max(len(f) for f in folded)):
            parts = []
            for f, w, r in zip(folded, widths, right, strict=True):
                text = f[k] if k < len(f) else ""
                gap = " " * (w - _cells(text))
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


def _fit(natural: list[int], least: list[int], room: int) -> list[int]:
    """Column widths within `room` cells: the widest columns give way first, down to a common cap
    (as rich does), none below its least width; if even that does not fit, the terminal wraps."""
    if sum(natural) <= room:
        return natural
    cap = max(natural)
    while cap > 2 and sum(max(lo, min(w, cap)) for w, lo in zip(natural, least, strict=True)) > room:
        cap -= 1
    return [max(lo, min(w, cap)) for w, lo in zip(natural, least, strict=True)]


def _width(cell: str) -> int:
    """Terminal columns of a cell's widest line (a note may hold line breaks)."""
    return max(_cells(line) for line in cell.split("\n")) if "\n" in cell else _cells(cell)


def _fold(text: str, width: int) -> list[str]:
    """A cell cut into lines of at most `width` terminal columns: at its own line breaks, then
    between words where there are spaces, else between characters (Chinese has no spaces)."""
    if "\n" in text:
        return [line for part in text.split("\n") for line in _fold(part, width)]
    if _cells(text) <= width:
        return [text]
    lines, line, used = [], "", 0
    for ch in text:
        w = _cells(ch)
        if line and used + w > width:
            cut = line.rfind(" ")
            if ch != " " and cut > 0:  # carry the word begun on this line over to the next
                lines.append(line[:cut])
                line = line[cut + 1:]
            else:
                lines.append(line.rstrip())
                line = ""
            used = _cells(line)
            if not line and ch == " ":
                continue
        line, used = line + ch, used + w
    return [*lines, line]


def _cells(text: str) -> int:
    """Terminal columns of a text: two for wide (CJK) characters, none for combining marks."""
    if text.isascii():
        return len(text)
    from unicodedata import combining, east_asian_width

    return sum(0 if combining(ch) else 2 if east_asian_width(ch) in "WF" else 1 for ch in text)


class progress:
    """Progress of long work on stderr, on a terminal only and once the work has taken a second
    (so quick commands never load rich.progress): `with progress(label, total) as advance:` gives
    `advance(n)`, n done so far, or None off a terminal."""

    def __init__(self, label: str, total: int | None = None) -> None:
        self.label, self.total, self.bar, self.task = label, total, None, None
        self.due = 0.0

    def __enter__(self) -> Callable[[int], None] | None:
        import time

        self.due = time.monotonic() + 1.0
        return self.advance if sys.stderr.isatty() else None

    def advance(self, n: int) -> None:
        import time

        now = time.monotonic()
        if now < self.due:
            return
        self.due = now + 0.1
        if self.bar is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            done = MofNCompleteColumn() if self.total else TextColumn("{task.completed:,.0f}")
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), done, TimeElapsedColumn(),
                                console=console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=self.total)
        self.bar.update(self.task, completed=n)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def console(stderr: bool = False):
    """A rich console built when needed, so that tests and COLUMNS behave."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def message(text: str) -> None:
    """A message for the person at the terminal, on stderr (data goes to stdout)."""
    sys.stderr.write(text + "\n")
