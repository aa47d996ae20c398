"""Volunteer hours, exactly: typed as hours or minutes, stored as whole minutes, shown as decimal hours.

China's volunteer record rules count 志愿服务时长 in hours, so the figure must never drift the way
binary floats do (4.499999...). Text is read with ``decimal.Decimal``, rounded half up to whole
minutes once, and every total is a sum of integers.
"""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from huidesk.domain.errors import InvalidValue
from huidesk.domain.i18n import tr

MAX_MINUTES = 24 * 60  # per person and activity

_NUMBER = r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+"
_HOUR_UNITS = r"h|hr|hrs|hour|hours|小时|个小时|钟头|个钟头"
_MINUTE_UNITS = r"m|min|mins|minute|minutes|分钟|分"
_DURATION = re.compile(
    rf"(?P<bare>{_NUMBER})|(?:(?P<h>{_NUMBER})(?:{_HOUR_UNITS}))?(?:(?P<m>{_NUMBER})(?:{_MINUTE_UNITS}))?"
)


def parse_hours(text: str, field: str = "--hours") -> int:
    """Whole minutes from 2, 1.5, 2小时, 1.5h, 90分钟, 1小时30分, 半小时, 1个半小时 (half up to the minute)."""
    s = unicodedata.normalize("NFKC", text).strip().lower()
    # "1 小时 30 分" is fine; "1 30" is not one number.
    s = "" if re.search(r"[0-9.]\s+[0-9.]", s) else re.sub(r"\s+", "", s)
    s = re.sub(r"([0-9])个半(小时|钟头)", r"\1.5\2", s)
    s = re.sub(r"^半(?:个)?(小时|钟头)", r"0.5\1", s)
    m = _DURATION.fullmatch(s) if len(s) <= 100 else None
    if m is None or not (m["bare"] or m["h"] or m["m"]):
        if s.startswith("-"):
            raise InvalidValue(field, text, tr("不能为负数", "must not be negative"))
        raise InvalidValue(
            field, text, tr("无法识别的时长，例如 2、1.5、2小时、90分钟", "not a duration, e.g. 2, 1.5, 2h, 90min")
        )
    minutes = Decimal(m["bare"] or m["h"] or 0) * 60 + Decimal(m["m"] or 0)
    if minutes > MAX_MINUTES:
        raise InvalidValue(field, text, tr("每人每次最多 24 小时", "at most 24 hours per person"))
    return int(minutes.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def show_hours(minutes: int | None) -> str | None:
    """Minutes as hours: 270 -> "4.5", 120 -> "2", 20 -> "0.33".

    Exact whenever the minutes are a multiple of 3 (every tenth or twentieth of an hour);
    otherwise rounded half up to two decimals. The minutes themselves stay exact.
    """
    if minutes is None:
        return None
    hours = (Decimal(int(minutes)) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{hours:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# The 中国注册志愿者 star scale (共青团): cumulative volunteer hours for one to five stars.
STAR_HOURS = (100, 300, 600, 1000, 1500)


def star_level(minutes: int) -> int:
    """Stars (0 to 5) for cumulative volunteer time in whole minutes: ★ from 100 h, ★★★★★ from 1,500 h."""
    return sum(1 for h in STAR_HOURS if minutes >= h * 60)


def stars(level: int) -> str:
    """A star level as people write it: ★★★ (none: empty)."""
    return "★" * level
