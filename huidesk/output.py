"""The one output path for every listing: table, csv, tsv, json or jsonl.

Machine formats carry the stored values (slugs, ISO dates) under stable English keys; the table
shows localised headers and vocabulary labels. JSON arrays are streamed row by row.
"""

import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from huidesk.i18n import tr


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
            from huidesk.vocab import label

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
    from rich.table import Table

    table = Table(title=title or None, header_style="bold", show_edge=False, pad_edge=False)
    for c in columns:
        # vocabulary words are short: keep them whole and let free text take the wrapping
        table.add_column(c.header(), overflow="fold", no_wrap=c.nowrap or c.vocab is not None)
    count = 0
    for row in rows:
        table.add_row(*(c.cell(row[c.key]) for c in columns))
        count += 1
    if count == 0:
        console(stderr=True).print(tr("（没有记录）", "(no records)"))
        return
    console().print(table)


def grid(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print a report's table the way the listings' rich tables look (┃ header, ━╇ rule, │ rows),
    the first column left and the rest right. Report cells are short, so the text is laid out
    here, without rich measuring and wrapping every cell (~100 ms for a district's summary); only
    a table wider than the terminal goes to rich, which folds its columns to fit."""
    import os
    import shutil

    widths = [max(_cells(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    tty = sys.stdout.isatty()
    if tty and sum(widths) + 3 * len(widths) > shutil.get_terminal_size().columns:
        from rich.table import Table

        table = Table(title=title, title_justify="left", show_edge=False, header_style="bold")
        for i, header in enumerate(headers):
            table.add_column(header, justify="left" if i == 0 else "right", overflow="fold")
        for row in rows:
            table.add_row(*row)
        console().print(table)
        return

    def line(cells: Sequence[str], bar: str) -> str:
        padded = (
            f" {c}{' ' * (w - _cells(c))} " if i == 0 else f" {' ' * (w - _cells(c))}{c} "
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )
        return bar.join(padded).rstrip()

    head = line(headers, "┃")
    bold = tty and "NO_COLOR" not in os.environ
    lines = [title, f"\x1b[1m{head}\x1b[0m" if bold else head, "╇".join("━" * (w + 2) for w in widths)]
    sys.stdout.write("\n".join(lines + [line(row, "│") for row in rows]) + "\n")


def _cells(text: str) -> int:
    """Terminal columns of a text: two for wide (CJK) characters, none for combining marks."""
    from unicodedata import combining, east_asian_width

    return sum(0 if combining(ch) else 2 if east_asian_width(ch) in "WF" else 1 for ch in text)


def console(stderr: bool = False):
    """A rich console built when needed, so that tests and COLUMNS behave."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def message(text: str) -> None:
    """A message for the person at the terminal, on stderr (data goes to stdout)."""
    sys.stderr.write(text + "\n")
