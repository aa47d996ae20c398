"""One row of an import file, parsed field by field against its table's layout, every problem
collected (a row reports all its bad cells at once, not just the first)."""

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from huidesk.domain.errors import HuideskError, InvalidValue
from huidesk.domain.i18n import tr
from huidesk.exchange.cells import BOOLS, SPLIT, TRUE, UID, Cells, cell_text, minutes
from huidesk.exchange.layouts import Field, Table

if TYPE_CHECKING:
    import datetime as dt


class Context(Protocol):
    """What a row needs of the import it belongs to (huidesk.exchange.importer.Import)."""

    table: Table
    today: "dt.date"
    now: "dt.datetime"
    days: dict[str, str]  # a date as written -> its ISO form, parsed once per import

    def ref(self, table: str, text: str, field: str) -> tuple[int, str]:
        """(id, uid) of the live record a reference names; raises a HuideskError for none or several."""
        ...



class Row:
    """One row of an import file: its cells parsed field by field, every problem collected."""

    def __init__(self, imp: "Context", where: str, cells: Cells) -> None:
        self.imp, self.where, self.cells = imp, where, cells
        self.problems: list[HuideskError] = []
        self.values: dict[str, object] = {}
        self.identity: dict[str, object] = {}

    def header(self, key: str) -> str:
        cell = self.cells.get(key)
        return cell[0] if cell else key

    def raw(self, key: str) -> object:
        cell = self.cells.get(key)
        return cell[1] if cell else None

    def fail(self, key: str, value: object, reason: str) -> None:
        self.problems.append(InvalidValue(self.header(key), value, reason, pii=self.pii(key)))

    def pii(self, key: str) -> str | None:
        """What personal detail a field holds, for masking it in an error: a resident's name, a phone."""
        f = next((f for f in self.imp.table.fields if f.key == key), None)
        return f.pii if f is not None and f.pii in ("name", "phone") else None

    def id_of(self, key: str) -> int | None:
        value = self.values.get(key)
        return value[0] if value else None  # type: ignore[index]

    def parse(self) -> dict[str, object]:
        """Every field but the uid (see `field`) parsed, by key; `identity` gets what tells the row apart."""
        for f in self.imp.table.fields:
            if f.derived or f.type == "uid":
                continue
            value = self.field(f)
            self.values[f.key] = value
            if value is not None:
                if f.type == "ref":
                    self.identity[f.key] = [x[1] for x in value] if f.many else value[1]  # type: ignore[index]
                else:
                    self.identity[f.key] = value
        return self.values

    def field(self, f: Field) -> object:
        """One field's value parsed from its cell (None when blank or bad; a problem is collected)."""
        cell = self.cells.get(f.key)
        value = cell[1] if cell else None
        if f.many:
            items = value if isinstance(value, list) else SPLIT.split(cell_text(value) or "")
            texts = [t for t in (cell_text(x) for x in items) if t]
            if not texts:
                if f.required:
                    self.fail(f.key, value, tr("必填", "required"))
                return None
            parsed = [self._one(f, t) for t in texts]
            return None if any(p is None for p in parsed) else parsed
        if isinstance(value, (list, dict)):
            shown = json.dumps(value, ensure_ascii=False)
            self.fail(f.key, shown, tr("应当是单个值", "expected a single value"))
            return None
        text = cell_text(value)
        if text is None:
            if f.required:
                self.fail(f.key, "", tr("必填", "required"))
            return None
        return self._one(f, text)

    def _one(self, f: Field, text: str) -> object:
        if f.pii and "*" in text:
            self.fail(f.key, text,
                      tr("像是遮蔽过的值：导出时请加 --with-pii", "looks masked: export with --with-pii"))
            return None
        if f.type == "text":
            return text
        imp, header = self.imp, self.header(f.key)
        try:
            if f.type == "uid":
                if not UID.fullmatch(text):
                    raise InvalidValue(
                        header, text,
                        tr("唯一编号只能含字母、数字和 _.:-", "a uid holds letters, digits and _.:- only"),
                    )
                return text
            if f.type == "int":
                if not re.fullmatch(r"[+-]?[0-9]{1,9}(\.0*)?", text):
                    raise InvalidValue(header, text, tr("应当是整数", "expected a whole number"))
                return int(float(text)) if "." in text else int(text)
            if f.type == "bool":
                key = text.lower()
                if key not in BOOLS:
                    raise InvalidValue(header, text, tr("应当是 是/否（true/false）", "expected yes/no (true/false)"))
                return key in TRUE
            if f.type == "date":
                day = imp.days.get(text)
                if day is None:
                    from huidesk.domain.dates import iso_date, parse_date

                    day = iso_date(parse_date(text, imp.today, header))
                    if len(imp.days) < 100_000:  # a file's dates repeat: parse each once
                        imp.days[text] = day
                if f.past and day > imp.today.isoformat():
                    raise InvalidValue(header, text, tr(f"晚于今天（{imp.today}）", f"after today ({imp.today})"))
                return day
            if f.type == "moment":
                from huidesk.domain.dates import iso_datetime, parse_datetime

                at = parse_datetime(text, imp.now, header)
                if at.date() > imp.today:
                    raise InvalidValue(header, text, tr(f"晚于今天（{imp.today}）", f"after today ({imp.today})"))
                return iso_datetime(at)
            if f.type == "hours":
                return minutes(text, header)
            if f.type == "cadence":
                from huidesk.domain.dates import parse_cadence

                return parse_cadence(text, header)
            if f.type == "vocab":
                from huidesk.domain.vocab import resolve

                return resolve(f.vocab, text, header)  # type: ignore[arg-type]
            if f.type == "category":  # the vocabulary and the ledger's own categories
                from huidesk.domain.vocab import extra_categories, resolve_category

                return resolve_category(text, extra_categories(imp.store.settings()["categories"]), header)
            if f.type == "issue":  # an issue by uid (as exported), id or order number
                from huidesk.ledger.exchange import issue_by_uid

                return issue_by_uid(imp.store, text) or imp.store.issues.find(text, header).id
            if f.type == "ref":
                return imp.ref(f.ref, text, header)  # type: ignore[arg-type]
            raise AssertionError(f.type)
        except HuideskError as e:
            self.problems.append(e)
            return None

    def model(self, cls, values: dict, fields: Mapping[str, str] = {}):  # noqa: B006 - read only
        """The validated pydantic record, or None with each bad field reported under its column."""
        from pydantic import ValidationError

        from huidesk.domain.models import error_reason

        try:
            return cls(**values)
        except ValidationError as e:
            for err in e.errors(include_url=False):
                if not err["loc"]:
                    self.problems.append(HuideskError(error_reason(err)))
                    continue
                key = fields.get(str(err["loc"][0]), str(err["loc"][0]))
                value = self.raw(key) if key in self.cells else err.get("input")
                self.fail(key, value, error_reason(err))
            return None


BAD = object()  # a cell that `Row.field` would report: its row goes the row-by-row way, which says why


_MEMO_MAX = 50_000  # distinct cells (and items of list cells) remembered per column
_LISTS_MAX = 10_000  # distinct list cells remembered whole per column
_MISS = object()


class Columns:
    """A batch of rows parsed a column at a time, each distinct cell once, with exactly `Row.field`'s
    outcome: its value, or BAD where `Row.field` would have reported a problem (the row then goes
    the row-by-row way, which reports it). Plain text cells are stripped inline; every other cell is
    parsed by `Row.field` itself on its first appearance and remembered."""

    def __init__(self, imp: "Context") -> None:
        self.imp = imp
        self._memo: dict[str, dict[object, object]] = {}
        self._lists: dict[str, dict[tuple[str, ...], object]] = {}  # list cells as a whole

    def uids(self, cells: list[tuple[str, object] | None]) -> list[str | None]:
        """Each row's own uid as `Row.field` reads it; None where it has none or a bad one."""
        out: list[str | None] = []
        for cell in cells:
            text = cell[1].strip() if cell is not None and cell[1].__class__ is str else None  # type: ignore[union-attr]
            out.append(text if text and UID.fullmatch(text) else None)
        return out

    def column(self, f: Field, raws: list[object]) -> list[object]:
        """The values of field `f` in these cells (None for a missing one, BAD for a bad one)."""
        if f.type == "text" and not f.many and not f.pii and not f.required:
            return [(r.strip() or None) if r.__class__ is str else self._parse(f, r) for r in raws]
        memo = self._memo.setdefault(f.key, {})
        lists = self._lists.setdefault(f.key, {})
        out = []
        for raw in raws:
            kind = raw.__class__
            if kind is str or raw is None:
                value = memo.get(raw, _MISS)
                out.append(self._cell(f, raw, raw) if value is _MISS else value)
            elif kind is list and f.many and all(x.__class__ is str for x in raw):  # type: ignore[attr-defined]
                key = tuple(raw)  # type: ignore[arg-type]
                value = lists.get(key, _MISS)
                if value is _MISS:
                    value = self._items(f, raw)  # type: ignore[arg-type]
                    if len(lists) < _LISTS_MAX:
                        lists[key] = value
                out.append(value)
            else:
                out.append(self._cell(f, (kind, raw), raw))
        return out

    def _cell(self, f: Field, key: object, raw: object) -> object:
        """`Row.field`'s outcome for one cell, remembered by `key` (1, 1.0 and True are equal keys but
        not the same cell: they are keyed with their type)."""
        memo = self._memo.setdefault(f.key, {})
        try:
            return memo[key]
        except KeyError:
            value = self._parse(f, raw)
            if len(memo) < _MEMO_MAX:
                memo[key] = value
            return value
        except TypeError:  # a cell that cannot be a key (a list of lists, an object)
            return self._parse(f, raw)

    def _items(self, f: Field, items: list[str]) -> object:
        """A list cell item by item, each item as `Row.field` reads a list of that item alone: blank
        items dropped, none left is a missing cell, any bad item a bad cell."""
        values = []
        for item in items:
            text = item.strip()
            if text:
                one = self._cell(f, (list, text), [text])
                if one is BAD:
                    return BAD
                values.extend(one)  # type: ignore[arg-type]
        if values:
            return values
        return BAD if f.required else None

    def _parse(self, f: Field, raw: object) -> object:
        row = Row(self.imp, "", {} if raw is None else {f.key: (f.key, raw)})
        value = row.field(f)
        return BAD if row.problems else value
