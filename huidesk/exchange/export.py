"""Export: a table's live records as rows, written as csv, jsonl, json, xlsx or GeoReport v2 (open311)."""

import json
import sys
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from huidesk.domain.errors import InvalidValue
from huidesk.domain.i18n import tr
from huidesk.exchange.cells import JOIN, LABEL, defuse, instant
from huidesk.exchange.layouts import EXTENSIONS, TABLES, Field, Table, table_label
from huidesk.ledger import exchange as ledger

if TYPE_CHECKING:
    from huidesk.ledger.store import Store


def format_from(output: Path | None, given: str | None, choices: tuple[str, ...]) -> str:
    """The format asked for; else the output file's extension; else csv."""
    if given:
        return given
    if output is None:
        return "csv"
    kind = EXTENSIONS.get(output.suffix.lower())
    if kind is None or kind not in choices:
        raise InvalidValue(
            "--output", str(output),
            tr(f"无法从扩展名判断格式：请加 --format {'|'.join(choices)}",
               f"cannot tell the format: add --format {'|'.join(choices)}"),
        )
    return kind


def export_rows(
    store: "Store", table: Table, since: str | None, until: str | None, with_pii: bool
) -> Iterator[dict]:
    """Live records oldest first, references as names, lists as lists, masked unless `with_pii`."""
    from huidesk.domain.hours import show_hours
    from huidesk.domain.privacy import mask_name, mask_phone

    lists = [f for f in table.fields if f.many and f.exported]
    flags = [f for f in table.fields if f.type == "bool"]
    for row in ledger.export_rows(store, table.name, since, until):
        for f in lists:
            row[f.key] = json.loads(row[f.key]) if row[f.key] else []
        for f in flags:
            if row[f.key] is not None:
                row[f.key] = bool(row[f.key])
        if "minutes" in row:
            row["hours"] = show_hours(row["minutes"])
        if table.name == "issues":
            state = row["state"]
            resolved = row["last_resolved"] and state in ("resolved", "closed")
            done = json.loads(row["last_resolved"]) if resolved else None
            row["resolved_at"], row["resolved_note"] = done or (None, None)
        for f in table.fields:
            value = row.get(f.key)
            if f.pii == "party":
                row[f.key] = [n if with_pii or not k else mask_name(n) for k, n in value]
            elif f.pii and not with_pii and value:
                mask = mask_phone if f.pii == "phone" else _mask_label if f.type == "ref" else mask_name
                row[f.key] = [mask(x) for x in value] if f.many else mask(value)
        yield row


def _mask_label(text: str) -> str:
    """A resident's name masked, and the place or uid that tells namesakes apart kept: 王*（48号楼）."""
    from huidesk.domain.privacy import mask_name

    m = LABEL.fullmatch(text)
    return f"{mask_name(m[1])}（{m[2]}）" if m else mask_name(text)


def write_csv(rows: Iterable[dict], table: Table, out) -> int:
    import csv

    fields = table.exported()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f.key for f in fields])
    count = 0
    for row in rows:
        writer.writerow([_csv_cell(row.get(f.key)) for f in fields])
        count += 1
    return count


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return value  # numbers stay numbers: -3 is not a formula
    if isinstance(value, list):
        value = JOIN.join(str(x) for x in value)
    return defuse(str(value))


def write_json(rows: Iterable[dict], table: Table, out, lines: bool) -> int:
    fields = table.exported()
    count = 0
    if not lines:
        out.write("[")
    for row in rows:
        text = json.dumps({f.key: row.get(f.key) for f in fields}, ensure_ascii=False)
        if lines:
            out.write(text + "\n")
        else:
            out.write(("\n" if count == 0 else ",\n") + text)
        count += 1
    if not lines:
        out.write("]\n" if count == 0 else "\n]\n")
    return count


def write_open311(rows: Iterable[dict], out, resolve_days: float) -> int:
    """Issues as GeoReport v2 service requests (https://wiki.open311.org/GeoReport_v2)."""
    import datetime as dt

    from huidesk.domain.vocab import label

    count = 0
    out.write("[")
    for row in rows:
        event, at, unit, note = json.loads(row["last_event"]) if row["last_event"] else (None, None, None, None)
        notes = None
        if event:
            notes = label("event", event) + (f" {unit}" if unit else "") + (f"：{note}" if note else "")
        expected = instant(row["received_at"]) + dt.timedelta(days=resolve_days)
        request = {
            "service_request_id": row["ref"] or row["uid"],
            "status": "closed" if row["state"] in ("resolved", "closed") else "open",
            "status_notes": notes,
            "service_name": label("issue_kind", row["kind"]),
            "service_code": row["kind"],
            "description": row["text"],
            "agency_responsible": JOIN.join(row["units"]) or None,
            "service_notice": None,
            "requested_datetime": row["received_at"],
            "updated_datetime": at or row["received_at"],
            "expected_datetime": expected.isoformat(timespec="seconds"),
            "address": row["place"],
            "address_id": None,
            "zipcode": None,
            "lat": None,
            "long": None,
            "media_url": None,
        }
        out.write(("\n" if count == 0 else ",\n") + json.dumps(request, ensure_ascii=False))
        count += 1
    out.write("]\n" if count == 0 else "\n]\n")
    return count


def write_xlsx(rows: Iterable[dict], table: Table, out: BinaryIO) -> int:
    """A real workbook: localised headers and vocabulary, column widths, a frozen header row."""
    from openpyxl import Workbook

    from huidesk.render.workbook import fill_sheet

    fields = table.exported()
    wb = Workbook()
    ws = wb.active
    ws.title = table_label(table.name)[:31]
    count = 0

    def cells() -> Iterator[list[object]]:
        nonlocal count
        for row in rows:
            count += 1
            yield [_xlsx_cell(f, row.get(f.key)) for f in fields]

    fill_sheet(ws, [f.header() for f in fields], cells())
    ws.auto_filter.ref = ws.dimensions
    wb.save(out)
    return count


def _xlsx_cell(f: Field, value: object) -> object:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from huidesk.domain.vocab import label

    if value is None:
        return None
    if isinstance(value, (bool, int)):
        return value
    if f.type == "hours":
        return Decimal(str(value))
    if isinstance(value, list):
        value = JOIN.join(label(f.vocab, x) if f.vocab else str(x) for x in value)
    elif f.vocab:
        value = label(f.vocab, str(value))
    return defuse(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def export_table(
    store: "Store", name: str, fmt: str, output: Path | None, *, since: str | None, until: str | None,
    with_pii: bool,
) -> tuple[int, tuple[int, str]]:
    """Write one table to `output` (atomically) or stdout; returns the row count and the journal's
    chain head, both read in one snapshot of the ledger."""
    table = TABLES[name]
    if fmt == "open311" and name != "issues":
        raise InvalidValue("--format", "open311", tr("open311 只用于诉求（issues）", "open311 is for issues only"))
    if not ledger.dated(name) and (since or until):
        raise InvalidValue("--since" if since else "--until", since or until,
                           tr(f"{table_label(name)}没有日期，不能按日期筛选", f"{name} have no date to filter by"))
    if fmt == "xlsx" and output is None and sys.stdout.isatty():
        raise InvalidValue("--format", "xlsx",
                           tr("xlsx 是二进制文件：请加 --output 文件名.xlsx", "xlsx is binary: add --output FILE.xlsx"))
    with ledger.snapshot(store):  # the rows and the chain head belong together
        head = store.head()
        rows = export_rows(store, table, since, until, with_pii)
        if output is None:
            out = sys.stdout.buffer if fmt == "xlsx" else sys.stdout
            count = _write(fmt, rows, table, out, store)
            out.flush()
        else:
            from huidesk.render.files import atomic_write

            with atomic_write(output, binary=fmt == "xlsx") as out:
                if fmt == "csv":
                    out.write("\ufeff")  # Excel reads a CSV file as UTF-8 only when it starts with a BOM
                count = _write(fmt, rows, table, out, store)
    return count, head


def _write(fmt: str, rows: Iterable[dict], table: Table, out, store: "Store") -> int:
    if fmt == "csv":
        return write_csv(rows, table, out)
    if fmt in ("json", "jsonl"):
        return write_json(rows, table, out, lines=fmt == "jsonl")
    if fmt == "open311":
        return write_open311(rows, out, float(store.settings()["resolve_limit_days"]))
    return write_xlsx(rows, table, out)


