"""Export: a table's live records as rows, written as csv, jsonl, json, xlsx or GeoReport v2 (open311)."""

import json
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from huidesk.domain.errors import InvalidValue
from huidesk.domain.i18n import tr
from huidesk.exchange.cells import LABEL, instant
from huidesk.exchange.layouts import TABLES, Field, Table, table_label
from huidesk.ledger import exchange as ledger
from huidesk.render.cells import JOIN

if TYPE_CHECKING:
    from huidesk.ledger.store import Store


def export_rows(
    store: "Store", table: Table, since: str | None, until: str | None, with_pii: bool
) -> Iterator[dict]:
    """Live records oldest first, references as names, lists as lists, masked unless `with_pii`."""
    from huidesk.domain.hours import show_hours
    from huidesk.domain.privacy import mask, shown

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
        if "minutes_each" in row:
            row["hours_each"] = show_hours(row["minutes_each"])
        if table.name == "issues":
            state = row["state"]
            resolved = row["last_resolved"] and state in ("resolved", "closed")
            done = json.loads(row["last_resolved"]) if resolved else None
            row["resolved_at"], row["resolved_note"] = done or (None, None)
        for f in table.fields:
            value = row.get(f.key)
            if f.pii == "party":
                row[f.key] = [shown("resident", "name", n, with_pii) if k else n for k, n in value]
            elif f.pii and not with_pii and value:
                kind = f.pii
                hide = _mask_label if f.type == "ref" else lambda x: mask(kind, x)
                row[f.key] = [hide(x) for x in value] if f.many else hide(value)
        yield row


def _mask_label(text: str) -> str:
    """A resident's name masked, and the place or uid that tells namesakes apart kept: 王*（48号楼）."""
    from huidesk.domain.privacy import mask_name

    m = LABEL.fullmatch(text)
    return f"{mask_name(m[1])}（{m[2]}）" if m else mask_name(text)


OPEN311 = ("service_request_id", "status", "status_notes", "service_name", "service_code", "description",
           "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
           "address", "address_id", "zipcode", "lat", "long", "media_url")


def request_id(row: dict) -> str:
    """An issue's one stable id as a service request: its 12345/platform order number when it has one (the id the
    platform already knows it by; unique in a ledger and never changed), else its uid."""
    return row["ref"] or row["uid"]


def open311_requests(rows: Iterable[dict], resolve_days: float,
                     redact: Callable[[str | None], str | None] | None = None) -> Iterator[dict]:
    """Issues as GeoReport v2 service requests (https://wiki.open311.org/GeoReport_v2); with `redact`, their free
    text (description, status notes) as a pseudonymous bundle carries it (the web desk's Open311)."""
    import datetime as dt

    from huidesk.domain.vocab import label

    def kept(text: str | None) -> str | None:
        return redact(text) if redact is not None else text

    for row in rows:
        event, at, unit, note = json.loads(row["last_event"]) if row["last_event"] else (None, None, None, None)
        notes = None
        if event:
            notes = label("event", event) + (f" {unit}" if unit else "") + (f"：{note}" if note else "")
        expected = instant(row["received_at"]) + dt.timedelta(days=resolve_days)
        yield {
            "service_request_id": request_id(row),
            "status": "closed" if row["state"] in ("resolved", "closed") else "open",
            "status_notes": kept(notes),
            "service_name": label("issue_kind", row["kind"]),
            "service_code": row["kind"],
            "description": kept(row["text"]),
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


def table_workbook(rows: Iterable[dict], table: Table) -> bytes:
    """A real workbook: localised headers and vocabulary, column widths, a frozen header row."""
    import io

    from openpyxl import Workbook

    from huidesk.render.workbook import fill_sheet

    fields = table.exported()
    wb = Workbook()
    ws = wb.active
    ws.title = table_label(table.name)[:31]
    fill_sheet(ws, [f.header() for f in fields], ([_xlsx_cell(f, row[f.key]) for f in fields] for row in rows))
    ws.auto_filter.ref = ws.dimensions
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_cell(f: Field, value: object) -> object:
    """A value as the workbook shows it: vocabulary in words, lists joined, hours as numbers (the
    workbook makes text safe: `fill_sheet`)."""
    from huidesk.domain.vocab import label

    if value is None or isinstance(value, (bool, int)):
        return value
    if f.type == "hours":
        return Decimal(str(value))
    if isinstance(value, list):
        return JOIN.join(label(f.vocab, x) if f.vocab else str(x) for x in value)
    return label(f.vocab, str(value)) if f.vocab else str(value)


def export_table(
    store: "Store", name: str, fmt: str, output: Path | None, *, since: str | None, until: str | None,
    with_pii: bool, force: bool = False,
) -> tuple[int, tuple[int, str]]:
    """Write one table in `fmt` (csv, jsonl, json, xlsx or open311) to `output` (atomically) or stdout;
    returns the row count and the journal's chain head, both read in one snapshot of the ledger."""
    from huidesk.render.output import Column, Output, render

    table = TABLES[name]
    if fmt == "open311" and name != "issues":
        raise InvalidValue("--format", "open311", tr("open311 只用于诉求（issues）", "open311 is for issues only"))
    if not ledger.dated(name) and (since or until):
        raise InvalidValue("--since" if since else "--until", since or until,
                           tr(f"{table_label(name)}没有日期，不能按日期筛选", f"{name} have no date to filter by"))
    fields = table.exported()
    count = 0

    def counted(rows: Iterable[dict]) -> Iterator[dict]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    with store.snapshot():  # the rows and the chain head belong together
        head = store.head()
        rows = counted(export_rows(store, table, since, until, with_pii))
        if fmt == "open311":
            from huidesk.domain.settings import setting_limit

            days = setting_limit(store.settings(), "resolve_limit_days") / 1440
            out = Output(open311_requests(rows, days), [Column(k, k, k) for k in OPEN311])
            fmt = "json"
        else:
            rows = ({f.key: row.get(f.key) for f in fields} for row in rows)
            out = Output(rows, [Column(f.key, f.zh, f.en, vocab=f.vocab) for f in fields],
                         workbook=lambda: table_workbook(rows, table))
        render(out, fmt, output, force)
    return count, head
