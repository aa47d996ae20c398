"""The one way out: every listing and report goes through `render`, one renderer a format, each format
registered once in RENDERERS (`register_output_renderer`, after datasette's hook of that name): the
--format options list the formats that can draw what a command has, and `render` finds the writer.

One language per output: table, csv and tsv are for people and spreadsheets — headers, vocabulary
words and 是/否 in --lang (and `import` reads them back in either language); json and jsonl are for
programs — stable English keys, slugs, booleans and ISO times with offset. JSON arrays are streamed
row by row; a report's value is written as its JSON shape (`to_json()`). Messages for the person at
the terminal go to stderr, data to stdout.
"""

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from huidesk.domain.i18n import tr
from huidesk.render.cells import JOIN, defuse
from huidesk.render.controls import json_escaped, visible, visible_row

# What an Output may hold for a format to draw: rows under columns, a text a person reads, a whole
# document (a report's value) and a workbook.
ROWS, TEXT, DOCUMENT, WORKBOOK = "rows", "text", "document", "workbook"


class Renderer:
    """One format: its name (what --format takes), how it writes an Output, the file extensions that
    name it, which parts of an Output it can draw, whether it writes bytes, whether it is for people
    (headers and words in --lang; the Output's preface is said first) and whether a file of it starts
    with a UTF-8 BOM (a csv file: Excel and WPS read it as UTF-8 only then; stdout never has one)."""

    __slots__ = ("name", "write", "extensions", "draws", "binary", "for_people", "bom")

    def __init__(self, name: str, write: "Callable[[Output, Callable], None]", extensions: Sequence[str],
                 draws: Sequence[str], binary: bool, for_people: bool, bom: bool) -> None:
        self.name, self.write, self.extensions, self.draws = name, write, tuple(extensions), tuple(draws)
        self.binary, self.for_people, self.bom = binary, for_people, bom


RENDERERS: dict[str, Renderer] = {}  # by name, in the order --format lists them
EXTENSIONS: dict[str, str] = {}  # a file extension (".csv") -> the format it names


def register_output_renderer(name: str, write: "Callable[[Output, Callable], None]", *, extensions: Sequence[str] = (),
                             draws: Sequence[str] = (ROWS,), binary: bool = False, for_people: bool = False,
                             bom: bool = False) -> Renderer:
    """Add a way out: `write(out, sink)` draws `out` into `sink` (a str writer, or a bytes writer for a
    `binary` format). Every --format built after it offers it wherever an Output has what it `draws`."""
    renderer = RENDERERS[name] = Renderer(name, write, extensions, draws, binary, for_people, bom)
    for extension in renderer.extensions:
        EXTENSIONS[extension] = name
    return renderer


def formats_drawing(*parts: str) -> tuple[str, ...]:
    """The formats that can draw an Output holding `parts` (ROWS, TEXT, DOCUMENT, WORKBOOK), in order."""
    return tuple(name for name, r in RENDERERS.items() if set(r.draws) & set(parts))


def file_formats(*parts: str) -> tuple[str, ...]:
    """The formats drawing `parts` that a file's extension can name (what --output may take)."""
    return tuple(name for name in formats_drawing(*parts) if RENDERERS[name].extensions)


def format_choice(name: str, formats: Sequence[str]) -> type[Enum]:
    """A --format option's choices (a str Enum, as Typer takes them): `formats`, which a command
    either draws from the registry (`formats_drawing`) or knows itself (export's open311)."""
    return Enum(name, [(f, f) for f in formats], type=str)  # type: ignore[return-value]


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    vocab: str | None = None  # a comma-separated list of slugs of this vocabulary
    show: Callable[[object], str] | None = None  # how the table shows the value
    written: Callable[[object], object] | None = None  # how csv and tsv write it (default: `sheet`'s rule)
    nowrap: bool = False  # ids, dates, times and numbers are never cut in a table
    # When a table is too wide for the terminal the columns of the lowest priority are left out first
    # (1 the first to go, 9 never); a list of ids, places or names still needs: 9 id, 7-8 what a
    # record is, 5-6 where and who, 3-4 details, 1-2 what is often empty or seen elsewhere.
    priority: int = 5
    least: int = 0  # a table cuts this column's text to no fewer cells than this (default: the grid's LEAST)
    cut: str = ""  # how a table cuts a long cell: "path" (a place: levels dropped first), "words" (a 、 list);
    # default: free text cut with …; ids, dates, times (nowrap) and vocabulary words never

    def mode(self) -> str:
        """How the table's grid cuts this column (see huidesk.render.grid)."""
        if self.nowrap:
            return "keep"
        if self.cut:
            return self.cut
        return "words" if self.vocab is not None else "text"

    def header(self) -> str:
        return tr(self.zh, self.en)

    def sheet(self, value: object) -> object:
        """The value as csv and tsv write it, for people and spreadsheets: vocabulary words and 是/否
        in the user's language, lists joined with 、, numbers as numbers, text safe from formulas."""
        if value is None:
            return ""
        if self.written is not None:
            return self.written(value)
        kind = value.__class__
        if kind is str and self.vocab is None:  # most cells (a listing of 80,000 rows has a million)
            if len(value) == 25 and value[10] == "T" and value[19] in "+-" and value[13] == ":":
                return value[:16].replace("T", " ")  # a moment, as a spreadsheet reads a time: 2024-07-08 09:00
            return defuse(value)
        if kind is int or kind is float:
            return value
        if kind is bool:
            return tr("是", "yes") if value else tr("否", "no")
        from decimal import Decimal

        if isinstance(value, (int, float, Decimal)):
            return value
        if isinstance(value, list) or (self.vocab is not None and isinstance(value, str)):
            items = value if isinstance(value, list) else value.split(",")
            if self.vocab is not None:
                from huidesk.domain.vocab import label

                items = [label(self.vocab, str(v)) for v in items]
            value = JOIN.join(str(v) for v in items)
        return defuse(str(value))

    def cell(self, value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, list):
            value = JOIN.join(str(v) for v in value)
        if self.show is not None:
            return self.show(value)
        if self.vocab is not None:
            from huidesk.domain.vocab import label

            return "、".join(label(self.vocab, v) for v in str(value).split(","))
        return str(value)


class Output:
    """What a command hands to `render`: rows under columns, and how the richer formats show them.
    (A plain class: a dataclass would cost every command a millisecond to build at start-up.)"""

    __slots__ = ("rows", "columns", "title", "document", "whole", "preface", "text", "workbook", "formats",
                 "wide")

    def __init__(
        self,
        rows: Iterable[Mapping[str, object]],
        columns: Sequence[Column],
        title: str = "",
        *,
        document: object = None,  # json writes this whole (a report's data) instead of the rows
        whole: bool = False,  # one record, not a table: jsonl too writes the document (on one line)
        preface: Callable[[], None] | None = None,  # what the row formats say first, on stderr
        text: Callable[[], None] | None = None,  # the table format prints this instead of drawing the rows
        workbook: Callable[[], bytes] | None = None,  # xlsx: the workbook's bytes
        formats: Sequence[str] = (),  # the formats --output may take from its extension
        wide: bool = False,  # a table keeps every column and every cell whole, however wide
    ) -> None:
        self.rows, self.columns, self.title = rows, columns, title
        self.document, self.whole, self.preface, self.text = document, whole, preface, text
        self.workbook, self.formats, self.wide = workbook, formats, wide


def short_place(path: object) -> str:
    """The last two levels of a place path: enough to recognise it in a table."""
    return "/".join(str(path).split("/")[-2:])


def short_team(name: object) -> str:
    """A team's name as a table shows it: “橙色公益”志愿服务队 -> “橙色公益” (data formats keep it whole)."""
    text = str(name)
    for suffix in ("民生志愿服务队", "志愿服务队", "服务队"):
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def choose(fmt: Enum | str | None, output: Path | None = None, formats: Sequence[str] = (),
           default: str | None = None) -> str:
    """The format asked for; else the one --output's extension names (of `formats`); else `default`;
    else a table on a terminal and tsv in a pipe."""
    if fmt is not None:
        name = str(getattr(fmt, "value", fmt))
        if name not in RENDERERS:
            from huidesk.domain.errors import InvalidValue

            raise InvalidValue("--format", name, "/".join(RENDERERS))
        return name
    if output is not None:
        suffix = EXTENSIONS.get(output.suffix.lower(), "")
        if suffix not in formats:
            from huidesk.domain.errors import InvalidValue

            shown = "/".join(f".{f}" for f in formats)
            raise InvalidValue(
                "--output", str(output), tr(f"扩展名应为 {shown}，或加 --format", f"use {shown} or --format")
            )
        return suffix
    if default is not None:
        return default
    return "table" if sys.stdout.isatty() else "tsv"


def emit(rows: Iterable[Mapping[str, object]], columns: Sequence[Column], fmt: Enum | None, title: str = "",
         wide: bool = False) -> None:
    """A listing on stdout in the format asked for."""
    render(Output(rows, columns, title, wide=wide), fmt)


def render(out: Output, fmt: Enum | str | None, output: Path | None = None, force: bool = False) -> None:
    """Write `out` in its format to stdout, or with `output` atomically into that file: never over an
    existing one (or a link) unless `force`, creating missing folders owner-only (and saying so). A
    stream named as `output` (/dev/stdout, a FIFO) is written through as stdout is (no BOM)."""
    renderer = RENDERERS[choose(fmt, output, out.formats)]
    if renderer.binary and output is None and sys.stdout.isatty():
        from huidesk.domain.errors import InvalidValue

        name = renderer.name
        raise InvalidValue("--format", name, tr(f"{name} 是二进制文件：请加 --output 文件名.{name}",
                                                f"{name} is binary: add --output FILE.{name}"))
    if out.preface is not None and renderer.for_people:
        out.preface()
    if output is None:
        renderer.write(out, sys.stdout.buffer.write if renderer.binary else sys.stdout.write)
        return
    from huidesk.domain.files import atomic_write, is_stream, private_folders, refuse_overwrite

    refuse_overwrite(output, force)
    stream = is_stream(output)  # /dev/stdout, a FIFO, /dev/null: written through, as stdout is
    if not stream:
        folders_made(private_folders(output.parent))
    with atomic_write(output, binary=renderer.binary, overwrite=force) as f:
        if renderer.bom and not stream:
            f.write("\ufeff")
        renderer.write(out, f.write)


def json_default(value: object) -> object:
    """Decimals (hours and rates, one decimal place) as JSON numbers; their repr is exact."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


def _keyed(out: Output) -> Iterator[dict[str, object]]:
    keys = [c.key for c in out.columns]
    for row in out.rows:
        yield {k: row[k] for k in keys}


def _table(out: Output, write: Callable[[str], object]) -> None:
    if out.text is not None:
        out.text()
        return
    columns = out.columns
    cells = [[c.cell(row[c.key]) for c in columns] for row in out.rows]
    if not cells:
        message(tr("（没有记录）", "(no records)"))
        return
    from huidesk.render.grid import grid

    dropped = grid(out.title, [c.header() for c in columns], cells, modes=[c.mode() for c in columns],
                   priority=[c.priority for c in columns], least=[c.least for c in columns], pad_edge=False,
                   wide=out.wide)
    left_out(dropped)


def left_out(headers: Sequence[str]) -> None:
    """Say once, on stderr, which columns a table left out to fit the terminal, and how to see them."""
    if not headers:
        return
    import shutil

    from huidesk.render.grid import display_width, wrap

    count = {1: "一", 2: "两", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九"}.get(len(headers))
    what = tr(f"（省略了 {'、'.join(headers)} {count or len(headers)}列；", f"({', '.join(headers)} left out;")
    how = tr("--wide 显示全部）", "--wide shows all)")
    width = shutil.get_terminal_size().columns
    sys.stdout.flush()  # after the table, also when stdout is a pipe
    lines = wrap(what, width, tr("、", ", "))
    if display_width(lines[-1] + how) <= width:
        lines[-1] += how
    else:
        lines.append(how)
    for line in lines:  # broken between column names, never inside one
        message(line)


def _delimited(dialect: str) -> Callable[[Output, Callable[[str], object]], None]:
    def write_rows(out: Output, write: Callable[[str], object]) -> None:
        import csv

        writer = csv.writer(_Sink(lambda row: write(visible_row(row))), dialect=dialect, lineterminator="\n")
        writer.writerow([c.header() for c in out.columns])
        for row in out.rows:
            writer.writerow([c.sheet(row[c.key]) for c in out.columns])

    return write_rows


class _Sink:
    """What csv.writer writes into: anything with a `write`."""

    def __init__(self, write: Callable[[str], object]) -> None:
        self.write = write


def json_shape(document: object) -> object:
    """A document as JSON's plain data: a report's value by its own `to_json()`, anything else as it is."""
    to_json = getattr(document, "to_json", None)
    return document if to_json is None else to_json()


def _json(out: Output, write: Callable[[str], object]) -> None:
    import json

    if out.document is not None:
        document = json_shape(out.document)
        write(json_escaped(json.dumps(document, ensure_ascii=False, indent=2, default=json_default)) + "\n")
        return
    first = True
    write("[")
    for row in _keyed(out):
        write(("\n" if first else ",\n") + json_escaped(json.dumps(row, ensure_ascii=False, default=json_default)))
        first = False
    write("]\n" if first else "\n]\n")


def _jsonl(out: Output, write: Callable[[str], object]) -> None:
    import json

    if out.whole:
        write(json_escaped(json.dumps(json_shape(out.document), ensure_ascii=False, default=json_default)) + "\n")
        return
    for row in _keyed(out):
        write(json_escaped(json.dumps(row, ensure_ascii=False, default=json_default)) + "\n")


def _xlsx(out: Output, write: Callable[[bytes], object]) -> None:
    if out.workbook is None:
        from huidesk.domain.errors import InvalidValue

        raise InvalidValue("--format", "xlsx", tr("这里没有 xlsx 格式", "no xlsx here"))
    write(out.workbook())


register_output_renderer("table", _table, draws=(ROWS, TEXT), for_people=True)
register_output_renderer("csv", _delimited("excel"), extensions=(".csv",), for_people=True, bom=True)
register_output_renderer("tsv", _delimited("excel-tab"), extensions=(".tsv",), for_people=True)
register_output_renderer("json", _json, extensions=(".json",), draws=(ROWS, DOCUMENT))
register_output_renderer("jsonl", _jsonl, extensions=(".jsonl", ".ndjson"))
register_output_renderer("xlsx", _xlsx, extensions=(".xlsx",), draws=(WORKBOOK,), binary=True)


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


def screen_width(stream: object = None) -> int | None:
    """The terminal's width in cells when `stream` (default stdout) is a terminal, else None."""
    if not (stream or sys.stdout).isatty():
        return None
    import shutil

    return shutil.get_terminal_size().columns


def screen_lines(text: str, sep: str = "", stream: object = None) -> list[str]:
    """A text's lines, wrapped by display width when `stream` (default stdout) is a terminal (off one,
    as they are: a pipe or a file gets each paragraph on one line)."""
    width = screen_width(stream)
    if width is None:
        return [visible(line) for line in text.split("\n")]
    from huidesk.render.grid import wrap

    return [line for part in text.split("\n") for line in wrap(visible(part), width, sep)]


_quiet = False


def be_quiet(quiet: bool) -> None:
    """-q/--quiet: no success messages (for cron); data and errors are unchanged."""
    global _quiet
    _quiet = quiet


def folders_made(made: Sequence[Path]) -> None:
    """Say which folders huidesk made (owner-only), if any."""
    if made:
        message(tr(f"已新建文件夹（仅本人可用）：{'、'.join(map(str, made))}",
                   f"created folder (owner-only): {', '.join(map(str, made))}"))


def message(text: str) -> None:
    """A message for the person at the terminal, on stderr (data goes to stdout), one line whatever text
    from outside it quotes (wrapped by display width on a terminal); none under -q."""
    if not _quiet:
        sys.stderr.write(to_stderr(text))


def to_stderr(text: str) -> str:
    """A message or an error as stderr gets it: one line, wrapped by display width at a terminal's width
    (a pipe, a file or cron's mail gets it whole)."""
    line = visible(text)
    width = screen_width(sys.stderr)
    if width is None:
        return line + "\n"
    from huidesk.render.grid import wrap

    return "\n".join(wrap(line, width)) + "\n"


def say(text: str) -> None:
    """A line of text for people on stdout (what `check` found), whatever text from outside it quotes."""
    sys.stdout.write("\n".join(screen_lines(text.replace("\n", " "))) + "\n")
