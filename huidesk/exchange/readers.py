"""Reading import files (csv, jsonl, json, xlsx) row by row, each row's cells keyed by field."""

import codecs
import json
import re
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from huidesk.domain.errors import HuideskError, InvalidValue
from huidesk.domain.i18n import tr
from huidesk.exchange.cells import Cells
from huidesk.exchange.layouts import IGNORED, Table
from huidesk.render.cells import undefuse
from huidesk.render.output import EXTENSIONS


class Source:
    """The bytes of a file or of stdin, read in chunks; the first few are kept for sniffing."""

    def __init__(self, name: str, stream: BinaryIO, path: Path | None = None) -> None:
        self.name, self.stream, self.path = name, stream, path
        self.head = stream.read(4096)

    def chunks(self, size: int = 1 << 16) -> Iterator[bytes]:
        if self.head:
            yield self.head
        self.head = b""
        while chunk := self.stream.read(size):
            yield chunk

    def lines(self) -> Iterator[bytes]:
        pending = b""
        for chunk in self.chunks():
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for line in complete:
                yield line + b"\n"
        if pending:
            yield pending

    def sniff(self) -> str | None:
        start = self.head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if start.startswith(b"PK\x03\x04"):
            return "xlsx"
        if start.startswith(b"["):
            return "json"
        if start.startswith(b"{"):
            return "jsonl"
        return "csv" if start.strip() else None  # any other text is read as CSV (a single column has no comma)

    def close(self) -> None:
        if self.stream is not sys.stdin.buffer:
            self.stream.close()

    def __enter__(self) -> "Source":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_source(file: str, fmt: str | None) -> tuple[Source, str]:
    """The file (or stdin for `-`) and its format: as given, else by extension, else sniffed."""
    if file == "-":
        source = Source("stdin", sys.stdin.buffer)
    else:
        path = Path(file).expanduser()
        if path.is_dir():
            raise InvalidValue("FILE", file, tr("是目录，不是文件", "is a folder, not a file"))
        source = Source(path.name, open(path, "rb"), path)
    if fmt is None and source.path is not None:
        fmt = EXTENSIONS.get(source.path.suffix.lower())
    if fmt not in READERS:
        fmt = source.sniff()
    if fmt not in READERS:
        source.close()
        raise InvalidValue("--format", "", tr(
            f"无法判断 {source.name} 的格式：请加 --format csv|jsonl|json|xlsx",
            f"cannot tell the format of {source.name}: add --format csv|jsonl|json|xlsx",
        ))
    return source, fmt


class FileError(HuideskError):
    """The file as a whole cannot be read: wrong encoding, malformed CSV or JSON, not a workbook."""


def _not_utf8(source: Source, line: int) -> FileError:
    return FileError(
        tr(f"{source.name} 第 {line} 行不是 UTF-8 编码（可能是 GBK/GB18030）："
           "请在 Excel/WPS 中另存为“CSV UTF-8”后再导入，未写入任何内容",
           f"{source.name} line {line} is not UTF-8 (GBK/GB18030?): "
           "save it as UTF-8 and import again; nothing was written")
    )


def _text_lines(source: Source) -> Iterator[str]:
    for n, raw in enumerate(source.lines(), 1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _not_utf8(source, n) from None
        yield text.removeprefix("\ufeff") if n == 1 else text


def _text_chunks(source: Source) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    newlines, started = 0, False
    for raw in [*source.chunks(), b""]:
        try:
            text = decoder.decode(raw, final=not raw)
        except UnicodeDecodeError as e:
            raise _not_utf8(source, newlines + raw[: max(e.start, 0)].count(b"\n") + 1) from None
        if not started and text:
            text, started = text.removeprefix("\ufeff"), True
        newlines += text.count("\n")
        if text:
            yield text


class Layout:
    """Which column of a file is which field: headers may be keys, Chinese or English names."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.names: dict[str, str] = {}
        self._seen: dict[str, str | None] = {}
        self._plans: dict[tuple[str, ...], list[tuple[str, str]] | str] = {}
        for f in table.fields:
            for name in (f.key, f.zh, f.en, *f.aliases):
                self.names.setdefault(_norm(name), f.key)

    def key(self, header: str) -> str | None:
        if header not in self._seen:  # every row of a JSON file repeats its headers
            if len(self._seen) > 1000:
                return self.names.get(_norm(header))
            self._seen[header] = self.names.get(_norm(header))
        return self._seen[header]

    def plan(self, names: tuple[str, ...]) -> list[tuple[str, str]] | str:
        """Which field each of an object's names is, in order (names to ignore left out), or why
        the object is refused (an unknown name); remembered, as every object of a file has the same."""
        plan = self._plans.get(names)
        if plan is None:
            kept: list[tuple[str, str]] = []
            for name in names:
                key = self.key(str(name))
                if key is None:
                    if _norm(str(name)) in IGNORED:
                        continue
                    plan = self.unknown(str(name))
                    break
                kept.append((name, key))
            else:
                plan = kept
            if len(self._plans) < 1000:
                self._plans[names] = plan
        return plan

    def unknown(self, header: str) -> str:
        known = "、".join(f"{f.key}/{f.zh}" for f in self.table.fields if not f.derived)
        return tr(f"未知的列“{header}”；可用的列：{known}", f"unknown column “{header}”; known columns: {known}")

    def columns(self, headers: list[object], where: str) -> list[str | None]:
        """Keys of a header row (None: a column to ignore); an unknown, repeated or missing required
        column refuses the whole file."""
        keys: list[str | None] = []
        for h in headers:
            text = "" if h is None else str(h).strip()
            key = self.key(text) if text else None
            if text and key is None and _norm(text) not in IGNORED:
                raise FileError(where + tr("：", ": ") + self.unknown(text))
            if key is not None and key in keys:
                raise FileError(tr(f"{where}：列“{text}”重复", f"{where}: column “{text}” appears twice"))
            keys.append(key)
        missing = [f for f in self.table.fields if f.required and f.key not in keys]
        if missing:
            names = "、".join(f"{f.key}/{f.zh}" for f in missing)
            raise FileError(tr(f"{where}：缺少必填列 {names}，未写入任何内容",
                               f"{where}: missing required column {names}; nothing was written"))
        return keys


def _norm(name: str) -> str:
    """A header as it is matched: spaces, underscores, case and a required mark (姓名（必填）, 姓名*) aside."""
    text = re.sub(r"[\s_]", "", unicodedata.normalize("NFKC", name)).lower()
    return re.sub(r"(\(必填\)|\*)$", "", text)


class Where(str):
    """Where a row is in its file ("名单.csv 第 3 行"), knowing its number, so that another row of the
    same file can be named by `other` ("第 2 行")."""

    n: int
    unit: str

    def other(self, n: int) -> str:
        if self.unit == "item":
            return tr(f"第 {n} 项", f"item {n}")
        return tr(f"第 {n} 行", f"line {n}")


def _where(source: Source, n: int, unit: str = "line") -> Where:
    if unit == "item":
        where = Where(tr(f"{source.name} 第 {n} 项", f"{source.name} item {n}"))
    else:
        where = Where(tr(f"{source.name} 第 {n} 行", f"{source.name} line {n}"))
    where.n, where.unit = n, unit
    return where


def read_csv(source: Source, layout: Layout) -> Iterator[tuple[str, Cells | str]]:
    import csv

    reader = csv.reader(_text_lines(source), strict=True)
    keys: list[str | None] | None = None
    headers: list[str] = []
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise FileError(tr(f"{_where(source, start)}起：CSV 格式错误（{e}），未写入任何内容",
                               f"{_where(source, start)}: malformed CSV ({e}); nothing was written")) from None
        if not any(cell.strip() for cell in record):
            continue
        if keys is None:
            keys = layout.columns(record, _where(source, start))
            headers = [h.strip() for h in record]
            continue
        where = _where(source, start)
        if len(record) > len(keys) and any(c.strip() for c in record[len(keys):]):
            yield where, tr(f"有 {len(record)} 列，多于表头的 {len(keys)} 列",
                            f"{len(record)} cells, more than the {len(keys)} headers")
            continue
        yield where, {k: (h, undefuse(v)) for k, h, v in zip(keys, headers, record) if k is not None}
    if keys is None:
        raise FileError(tr(f"{source.name} 是空文件，未写入任何内容", f"{source.name} is empty; nothing was written"))


def _beyond(where: str, error: Exception) -> FileError:
    """A JSON value Python cannot hold: nested past the interpreter's recursion limit (an import row is
    flat), or an integer of thousands of digits."""
    if isinstance(error, RecursionError):
        what = tr("嵌套过深", "nested too deep")
    else:
        what = tr("数字过长", "a number too long")
    return FileError(tr(f"{where}：JSON {what}，未写入任何内容", f"{where}: JSON {what}; nothing was written"))


def read_jsonl(source: Source, layout: Layout) -> Iterator[tuple[str, Cells | str]]:
    for n, line in enumerate(_text_lines(source), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as e:
            raise FileError(tr(
                f"{_where(source, n)}不是有效的 JSON（{e.msg}，第 {e.colno} 列），未写入任何内容",
                f"{_where(source, n)} is not valid JSON ({e.msg}, column {e.colno}); nothing was written",
            )) from None
        except (RecursionError, ValueError) as e:
            raise _beyond(_where(source, n), e) from None
        yield _object(_where(source, n), value, layout)


# An item of a JSON array bigger than this (as text) is refused rather than read on into memory.
MAX_JSON_ITEM = 64 * 1024 * 1024


def read_json(source: Source, layout: Layout) -> Iterator[tuple[str, Cells | str]]:
    """The objects of a JSON array, one at a time, without reading the whole file first."""
    decoder = json.JSONDecoder()
    chunks = _text_chunks(source)
    buf, pos, lines, eof = "", 0, 0, False

    def more(at_least: int = 1) -> None:
        """Read on: at least `at_least` more characters, or to the end."""
        nonlocal buf, eof
        read: list[str] = []
        size = 0
        while size < at_least:
            try:
                chunk = next(chunks)
            except StopIteration:
                eof = True
                break
            read.append(chunk)
            size += len(chunk)
        buf += "".join(read)

    def skip() -> None:
        nonlocal pos
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n":
                pos += 1
            if pos < len(buf) or eof:
                return
            more()

    def bad(at: int, what: str) -> FileError:
        line = lines + buf.count("\n", 0, at) + 1
        return FileError(tr(f"{_where(source, line)}：JSON 格式错误（{what}），未写入任何内容",
                            f"{_where(source, line)}: malformed JSON ({what}); nothing was written"))

    skip()
    if pos >= len(buf) or buf[pos] != "[":
        raise bad(pos, tr("JSON 文件应当是一个对象数组 [...]（每行一个对象请用 jsonl）",
                          "expected an array of objects [...] (use jsonl for one object a line)"))
    pos += 1
    index = 0
    skip()
    if pos < len(buf) and buf[pos] == "]":
        pos += 1
    else:
        while True:
            skip()
            try:
                value, end = decoder.raw_decode(buf, pos)
                if end == len(buf) and not eof and not isinstance(value, (dict, list)):
                    raise json.JSONDecodeError("truncated", buf, end)
            except json.JSONDecodeError as e:
                # The item may go on past what was read: its error near the end, or a string still open
                # (which the decoder reports where it began). Read on, as much again as the item so far,
                # so that a long item is decoded a few times, not once per chunk.
                if not eof and (e.pos >= len(buf) - 64 or e.msg.startswith("Unterminated string")):
                    if len(buf) - pos > MAX_JSON_ITEM:
                        raise FileError(tr(
                            f"{_where(source, index + 1, 'item')}超过 {MAX_JSON_ITEM >> 20} MB，未写入任何内容",
                            f"{_where(source, index + 1, 'item')} is over {MAX_JSON_ITEM >> 20} MB; nothing was "
                            "written")) from None
                    more(len(buf) - pos)
                    continue
                raise bad(e.pos, e.msg) from None
            except (RecursionError, ValueError) as e:
                raise _beyond(_where(source, index + 1, "item"), e) from None
            index += 1
            pos = end
            yield _object(_where(source, index, "item"), value, layout)
            lines += buf.count("\n", 0, pos)
            buf, pos = buf[pos:], 0
            skip()
            if pos >= len(buf):
                raise bad(pos, tr("数组没有结束（缺少 ]）", "the array does not end (no ])"))
            if buf[pos] == "]":
                pos += 1
                break
            if buf[pos] != ",":
                raise bad(pos, tr("对象之间应当用逗号分隔", "expected , between objects"))
            pos += 1
    skip()
    if pos < len(buf):
        raise bad(pos, tr("数组结束后还有内容", "extra data after the array"))


def _object(where: str, value: object, layout: Layout) -> tuple[str, Cells | str]:
    if not isinstance(value, dict):
        return where, tr("应当是一个 JSON 对象 {...}", "expected a JSON object {...}")
    plan = layout.plan(tuple(value))
    if isinstance(plan, str):
        return where, plan
    return where, {key: (name, value[name]) for name, key in plan}


def read_xlsx(source: Source, layout: Layout) -> Iterator[tuple[str, Cells | str]]:
    import io
    import zipfile

    from openpyxl import load_workbook

    try:
        target = source.path if source.path is not None else io.BytesIO(b"".join(source.chunks()))
        _refuse_bomb(source, target)
        wb = load_workbook(target, read_only=True, data_only=True)
    except FileError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise FileError(tr(f"{source.name} 不是有效的 xlsx 工作簿（{e}），未写入任何内容",
                           f"{source.name} is not a valid xlsx workbook ({e}); nothing was written")) from None
    except Exception as e:  # openpyxl's own InvalidFileException and friends
        raise FileError(tr(
            f"{source.name} 不是有效的 xlsx 工作簿（{type(e).__name__}），未写入任何内容",
            f"{source.name} is not a valid xlsx workbook ({type(e).__name__}); nothing was written",
        )) from None
    try:
        ws = wb.worksheets[0]
        keys: list[str | None] | None = None
        headers: list[str] = []
        for n, values in enumerate(_rows(source, ws), 1):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if keys is None:
                keys = layout.columns(list(values), _where(source, n))
                headers = ["" if v is None else str(v).strip() for v in values]
                continue
            cells = {}
            for k, h, v in zip(keys, headers, values):
                if k is not None:
                    cells[k] = (h, undefuse(v) if isinstance(v, str) else v)
            yield _where(source, n), cells
        if keys is None:
            raise FileError(tr(f"{source.name} 是空工作簿", f"{source.name} is an empty workbook"))
    finally:
        wb.close()


def _rows(source: Source, ws) -> Iterator[tuple]:
    """A sheet's rows, as openpyxl reads them from the zip while they are asked for: a part that fails
    there (a corrupt or truncated member, XML that is malformed or expands its entities absurdly) refuses
    the file as a whole."""
    rows = ws.iter_rows(values_only=True)
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except Exception as e:  # zipfile, zlib, expat's ParseError, openpyxl's own: each a bad workbook
            raise FileError(tr(
                f"{source.name} 不是有效的 xlsx 工作簿（{type(e).__name__}：{e}），未写入任何内容",
                f"{source.name} is not a valid xlsx workbook ({type(e).__name__}: {e}); nothing was written",
            )) from None
        yield values


# A workbook that inflates beyond these is refused before openpyxl reads it (a zip bomb: a file of
# under 1 MB that inflates to hundreds). Real sheets inflate 5-20 times; 100:1 on a member bigger
# than 16 MiB is whitespace or repetition made to exhaust memory, not a register of residents.
MAX_XLSX_BYTES = 200 * 1024 * 1024
MAX_XLSX_RATIO = 100
_RATIO_FROM_BYTES = 16 * 1024 * 1024


def _refuse_bomb(source: Source, target) -> None:
    """Refuse a workbook whose members inflate absurdly, judged by the sizes the zip declares: Python's
    zipfile stops each member at its declared size (and fails its CRC), so openpyxl can read no more."""
    import zipfile

    with zipfile.ZipFile(target) as z:
        members = z.infolist()
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if not members:
        return  # openpyxl says what is wrong with an empty archive
    worst = max(members, key=lambda m: m.file_size / max(m.compress_size, 1))
    ratio = worst.file_size / max(worst.compress_size, 1)
    if total <= MAX_XLSX_BYTES and not (worst.file_size > _RATIO_FROM_BYTES and ratio > MAX_XLSX_RATIO):
        return
    raise FileError(tr(
        f"{source.name} 解压后过大，拒绝读取：压缩 {_mb(packed)}，解压后 {_mb(total)}（上限 {_mb(MAX_XLSX_BYTES)}），"
        f"{worst.filename} 压缩比 {ratio:.0f}:1；未写入任何内容",
        f"{source.name} inflates too much, refused: {_mb(packed)} compressed, {_mb(total)} uncompressed "
        f"(limit {_mb(MAX_XLSX_BYTES)}), {worst.filename} at {ratio:.0f}:1; nothing was written",
    ))


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


READERS = {"csv": read_csv, "jsonl": read_jsonl, "json": read_json, "xlsx": read_xlsx}


