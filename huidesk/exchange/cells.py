"""How values become cells of a file and back: lists joined and split, formulas defused, labels that
tell namesakes apart, uids, moments, durations and spreadsheet values read as text."""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING

from huidesk.domain.errors import InvalidValue
from huidesk.domain.i18n import tr

if TYPE_CHECKING:
    import datetime as dt


Cells = dict[str, tuple[str, object]]  # one row of a file: key -> (the header as written, the value)

SPLIT = re.compile(r"\s*[、,，;；]\s*")  # ... and the separators a hand-made cell may use
LABEL = re.compile(r"(.+?)[（(]([^（）()]+)[）)]")  # 王芳（48号楼）, 王芳(3f2a9c1e)
UID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.:-]{0,63}")

TRUE = {"1", "true", "yes", "y", "是", "有", "需要", "√", "✓", "t"}
FALSE = {"0", "false", "no", "n", "否", "无", "不需要", "f", "×"}
BOOLS = TRUE | FALSE


def instant(moment: str) -> "dt.datetime":
    import datetime as dt

    return dt.datetime.fromisoformat(moment)


def cell_text(value: object) -> str | None:
    """A cell as text: numbers without a spurious .0, spreadsheet dates as ISO, blanks as None."""
    if isinstance(value, str):  # most cells: first
        return value.strip() or None
    import datetime as dt

    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def minutes(text: str, field: str) -> int:
    """A total of hours as exact whole minutes: 4.5, 4.5小时, 270分钟."""
    s = unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(h|hr|hrs|hours?|小时)?", s)
    try:
        if m:
            total = Decimal(m[1]) * 60
        elif m2 := re.fullmatch(r"([0-9]+)(m|min|mins|minutes?|分钟|分)", s):
            total = Decimal(m2[1])
        else:
            raise InvalidOperation
    except InvalidOperation:
        raise InvalidValue(
            field, text, tr("不是时长，例如 4.5、4.5小时、270分钟", "not a duration, e.g. 4.5, 4.5h, 270min")
        ) from None
    if total > 10_000_000:
        raise InvalidValue(field, text, tr("时长过大", "too long"))
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))
