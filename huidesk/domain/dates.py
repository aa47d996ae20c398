"""Dates, times, visit cadences and months as volunteers type them, in Chinese or ISO form."""

import calendar
import re
import unicodedata
import zoneinfo
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from huidesk.domain.errors import InvalidValue
from huidesk.domain.i18n import tr

DEFAULT_TZ = "Asia/Shanghai"
MIN_YEAR, MAX_YEAR = 1900, 2100
MAX_CADENCE = 3650

_FIRST_DAY, _LAST_DAY = date(MIN_YEAR, 1, 1).toordinal(), date(MAX_YEAR, 12, 31).toordinal()
_CHINA_TIME = timezone(timedelta(hours=8))


class _Lazy:
    """A regular expression compiled on first use: a command compiles only the forms it reads (compiling
    them all at import was ~5 ms of every command's start-up)."""

    def __init__(self, source: str) -> None:
        self.source = source

    def __getattr__(self, name: str):
        """The compiled pattern's match, fullmatch or search, kept on the instance from then on."""
        compiled = re.compile(self.source)
        self.match, self.fullmatch, self.search = compiled.match, compiled.fullmatch, compiled.search
        return getattr(compiled, name)


_CN_DIGITS = {
    "〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
# ASCII digits or a Chinese numeral below 100 (七, 十二, 二十一, 零五); malformed numerals such as 一二
# fail to match here, so _number never meets one.
_NUM = r"[0-9]+|[〇○零]?[一二两三四五六七八九〇○零]|[一二两三四五六七八九]?十[一二三四五六七八九]?"
_YEAR = r"[0-9]+|[〇○零一二三四五六七八九]{4}"

_DATE_FORMS = [
    _Lazy(r"(?P<y>[0-9]+)(?P<sep>[-/.])(?P<m>[0-9]+)(?P=sep)(?P<d>[0-9]+)"),
    _Lazy(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})(?![0-9])"),
    _Lazy(rf"(?:(?P<y>{_YEAR})年)?(?P<m>{_NUM})月(?P<d>{_NUM})[日号]"),
    _Lazy(r"(?P<y>)(?P<m>[0-9]{1,2})\.(?P<d>[0-9]{1,2})(?![0-9.])"),  # 12.1, as a secretary writes it
]
# 周五 (the most recent Friday, today included), 上周五 (last week's), 本周一 / 这周一 (this week's);
# 周/星期/礼拜, and 日 or 天 for Sunday.
_WEEKDAY = _Lazy(r"(?P<which>上个?|本|这个?)?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7])")
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
             **{str(n): n - 1 for n in range(1, 8)}}
_RELATIVE_WORDS = {
    "今天": 0, "今日": 0, "today": 0,
    "昨天": -1, "昨日": -1, "yesterday": -1, "前天": -2,
    "明天": 1, "明日": 1, "tomorrow": 1, "后天": 2,
}
_RELATIVE = _Lazy(
    rf"(?P<word>{'|'.join(_RELATIVE_WORDS)})|(?P<n>{_NUM})天(?P<dir>[前后])|(?P<ago>[0-9]+) days? ago"
)

_AM = {"凌晨", "早上", "早晨", "清晨", "上午"}
_PM = {"下午", "傍晚"}
_NIGHT = {"晚上", "晚间", "夜里"}
_PERIOD = "|".join(sorted(_AM | _PM | _NIGHT | {"中午"}))
# Offsets may carry seconds: before 1901 zones keep local mean time (Shanghai +08:05:43), which iso_datetime writes.
_CLOCK = _Lazy(
    rf"(?P<p>{_PERIOD})?(?P<h>[0-9]{{1,2}}):(?P<m>[0-9]{{2}})(?::(?P<s>[0-9]{{2}})(?:\.(?P<f>[0-9]{{1,6}}))?)?"
    r"(?P<off>z|(?P<sign>[+-])(?P<oh>[0-9]{2})(?::?(?P<om>[0-9]{2})(?::?(?P<os>[0-9]{2}))?)?)?"
)
_CN_TIME = _Lazy(
    rf"(?P<p>{_PERIOD})?(?P<h>{_NUM})(?:点钟?|时)(?:(?P<half>半)|(?P<m>{_NUM})分?(?:(?P<s>{_NUM})秒)?)?"
)

_ISO_TODAY = _Lazy(
    r"(?P<y>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})(?:[t ](?P<h>[0-9]{2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2}))?)?"
)
_CADENCE = _Lazy(
    rf"(?:每|every)?(?P<n>{_NUM})?(?P<unit>d|days?|天|日|w|weeks?|周|星期|礼拜|m|months?|个?月)?"
)
_HALF_MONTH = _Lazy(r"(?:每|every)?半个?月")
_UNIT_DAYS = {
    "d": 1, "day": 1, "days": 1, "天": 1, "日": 1,
    "w": 7, "week": 7, "weeks": 7, "周": 7, "星期": 7, "礼拜": 7,
    "m": 30, "month": 30, "months": 30, "月": 30, "个月": 30,
}
_MONTH_FORMS = [
    _Lazy(r"(?P<y>[0-9]+)[-/.](?P<m>[0-9]+)"),
    _Lazy(rf"(?:(?P<y>{_YEAR})年)?(?P<m>{_NUM})月份?"),
]
_MONTH_WORDS = {
    "last": -1, "last month": -1, "上月": -1, "上个月": -1,
    "this": 0, "this month": 0, "本月": 0, "这月": 0, "这个月": 0,
    "next": 1, "next month": 1, "下月": 1, "下个月": 1,
}


class _Rejected(Exception):
    """Raised inside the parsers; the public function adds the field and the text.

    No reason means "not recognised", which each public function words for itself.
    """

    def __init__(self, reason: str = "") -> None:
        self.reason = reason


def _not_a_date() -> str:
    return tr("无法识别的日期，例如 2024-07-07、7月7日、昨天", "not a date, e.g. 2024-07-07, 7月7日, yesterday")


def _not_a_datetime() -> str:
    return tr(
        "无法识别的时间，例如 2024-07-07 14:30、7月7日下午3点、昨天",
        "not a date or time, e.g. 2024-07-07 14:30, 7月7日下午3点, yesterday",
    )


def _no_such_day() -> str:
    return tr("没有这一天", "no such day")


def _no_such_month() -> str:
    return tr("没有这个月", "no such month")


def _no_such_time() -> str:
    return tr("没有这个时刻", "no such time")


def _year_out_of_range() -> str:
    return tr(f"年份须在 {MIN_YEAR} 到 {MAX_YEAR} 之间", f"the year must be between {MIN_YEAR} and {MAX_YEAR}")


def zone(name: str = DEFAULT_TZ) -> tzinfo:
    """The time zone called ``name``; a fixed UTC+08:00 for Asia/Shanghai if the tz database is missing."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        if name == DEFAULT_TZ:
            # Slim containers ship without tzdata; China has kept UTC+8 without DST since 1991.
            return _CHINA_TIME
        reason = tr("未知的时区，例如 Asia/Shanghai", "unknown time zone, e.g. Asia/Shanghai")
        raise InvalidValue("--tz", name, reason) from None


def parse_date(text: str, today: date, field: str = "--date") -> date:
    """The day ``text`` names: ISO or near-ISO, Chinese (7月7日, 二〇二四年七月七日) or relative to ``today``."""
    try:
        found = _match_date(_clean(text), today)
        if found is None or found[1]:
            raise _Rejected()
        return found[0]
    except _Rejected as e:
        raise InvalidValue(field, text, e.reason or _not_a_date()) from None


def parse_datetime(text: str, now: datetime, field: str = "--at") -> datetime:
    """The moment ``text`` names, aware and in ``now``'s time zone.

    A date alone means its midnight, a time alone means that time on ``now``'s date; an explicit
    UTC offset (``+08:00``, ``Z``) is honoured, then converted. Period words: 凌晨/早上/上午 take
    hours 0-11; 中午 takes 11, 12 and 1-3 (afternoon); 下午/傍晚 take 1-11 (+12) and 12 (noon);
    晚上/夜里 take 1-11 (+12). Hour 12 after 凌晨/早上/上午/晚上/夜里 and hour 0 after 晚上/夜里
    are rejected as ambiguous, since people mean either midnight or noon, and either of two days.
    """
    if now.utcoffset() is None:
        raise ValueError("parse_datetime needs a timezone-aware now")
    try:
        return _parse_datetime(_clean(text), now)
    except _Rejected as e:
        raise InvalidValue(field, text, e.reason or _not_a_datetime()) from None


def parse_today(text: str) -> date | datetime:
    """The ``--today`` override: an ISO date, or an ISO date and time (returned naive)."""
    try:
        m = _ISO_TODAY.fullmatch(_clean(text))
        if not m:
            raise _Rejected(
                tr("须为 ISO 日期或时间，例如 2024-07-07 或 2024-07-07T14:30",
                   "expected an ISO date or date and time, e.g. 2024-07-07 or 2024-07-07T14:30")
            )
        day = _make_date(int(m["y"]), int(m["m"]), int(m["d"]))
        if m["h"] is None:
            return day
        return datetime.combine(day, _make_time(int(m["h"]), int(m["mi"]), int(m["s"] or 0)))
    except _Rejected as e:
        raise InvalidValue("--today", text, e.reason) from None


def parse_cadence(text: str, field: str = "--every") -> int:
    """A visit cadence in days: 7, 7d, 每7天, 2w, 2周, 每周, 1m, 每月 (30 days), 半月 (15 days)."""
    s = re.sub(r"\s", "", _clean(text))
    m = _CADENCE.fullmatch(s)
    if _HALF_MONTH.fullmatch(s):
        days = 15
    elif m and (m["n"] or m["unit"]):
        days = (_number(m["n"]) if m["n"] else 1) * _UNIT_DAYS[m["unit"] or "d"]
    else:
        raise InvalidValue(field, text, tr("无法识别的间隔，例如 7d、2w、每月", "not a cadence, e.g. 7d, 2w, 每月"))
    if not 1 <= days <= MAX_CADENCE:
        raise InvalidValue(field, text, tr(f"间隔须在 1 到 {MAX_CADENCE} 天之间", f"must be 1 to {MAX_CADENCE} days"))
    return days


def parse_month(text: str, today: date, field: str = "--month") -> tuple[date, date]:
    """The first and last day of the month ``text`` names: 2024-07, 2024年7月, 7月, 上月, this."""
    s = _clean(text)
    try:
        if s in _MONTH_WORDS:
            year, month = divmod(today.year * 12 + today.month - 1 + _MONTH_WORDS[s], 12)
            return _month_bounds(year, month + 1)
        for form in _MONTH_FORMS:
            m = form.fullmatch(s)
            if m:
                month = _number(m["m"])
                if m["y"]:
                    return _month_bounds(_year(m["y"]), month)
                # a month without a year is the most recent one begun (on 2027-01-03, 12月 is 2026-12)
                return _month_bounds(today.year - (month > today.month), month)
        raise _Rejected()
    except _Rejected as e:
        reason = e.reason or (_not_a_month_start() + tr("，例如 2024-07、7月、上月", ", e.g. 2024-07, 7月, last"))
        raise InvalidValue(field, text, reason) from None


# A quarter: 2024Q2, 2024-Q2, 2024 q2, 2024年第二季度, 2024年二季度, 第2季度, 二季度, Q2 (without a year:
# the most recent one begun). A year: 2024, 2024年, 2024年度, 二〇二四年.
_QUARTER_FORMS = [
    _Lazy(r"(?P<y>[0-9]{4}) ?[-/]? ?q(?P<q>[1-4])"),
    _Lazy(rf"(?:(?P<y>{_YEAR})年度?)?第?(?P<q>[1-4一二三四])季度?"),
    _Lazy(r"q(?P<q>[1-4])"),
]
_YEAR_FORM = _Lazy(r"(?P<y>[0-9]{4}|[〇○零一二三四五六七八九]{4})(?:年度?)?")
_QUARTER_WORDS = {"last quarter": -1, "上季度": -1, "上个季度": -1, "上一季度": -1,
                  "this quarter": 0, "本季度": 0, "这季度": 0, "这个季度": 0}
_YEAR_WORDS = {"last year": -1, "去年": -1, "上年": -1, "上一年": -1, "前年": -2,
               "this year": 0, "今年": 0, "本年": 0, "本年度": 0, "上年度": -1}
_QUARTER_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}


def parse_report_period(text: str, today: date, field: str = "--month") -> tuple[date, date]:
    """The first and last day of the month, quarter or year ``text`` names: a month as `parse_month`
    reads it (2024-07, 7月, 上月), a quarter (2024Q2, 2024-Q2, 2024年第二季度, 二季度: the most recent one
    begun, 上季度) or a year (2024, 2024年, 去年, 今年)."""
    s = _clean(text)
    try:
        found = _quarter_or_year(s, today)
    except _Rejected as e:
        raise InvalidValue(field, text, e.reason or _not_a_period()) from None
    if found is not None:
        return found
    try:
        return parse_month(text, today, field)
    except InvalidValue as e:
        if e.reason and e.reason.startswith(_not_a_month_start()):  # not a month either: say all three
            raise InvalidValue(field, text, _not_a_period()) from None
        raise


def _quarter_or_year(s: str, today: date) -> tuple[date, date] | None:
    """The days of the quarter or the year `s` (cleaned) names; None when it names neither."""
    if s in _QUARTER_WORDS:
        n = today.year * 4 + (today.month - 1) // 3 + _QUARTER_WORDS[s]
        return _quarter_bounds(n // 4, n % 4 + 1)
    if s in _YEAR_WORDS:
        return _year_bounds(today.year + _YEAR_WORDS[s])
    for form in _QUARTER_FORMS:
        m = form.fullmatch(s)
        if m:
            q = _QUARTER_DIGITS.get(m["q"]) or int(m["q"])
            year = m.groupdict().get("y")
            if year:
                return _quarter_bounds(_year(year), q)
            # a quarter without a year is the most recent one begun (on 2025-01-03, 四季度 is 2024's)
            return _quarter_bounds(today.year - (q > (today.month - 1) // 3 + 1), q)
    m = _YEAR_FORM.fullmatch(s)
    if m:
        return _year_bounds(_year(m["y"]))
    return None


def _quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    first, _ = _month_bounds(year, quarter * 3 - 2)
    return first, _month_bounds(year, quarter * 3)[1]


def _year_bounds(year: int) -> tuple[date, date]:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _Rejected(_year_out_of_range())
    return date(year, 1, 1), date(year, 12, 31)


def _not_a_month_start() -> str:
    return tr("无法识别的月份", "not a month")


def _not_a_period() -> str:
    return tr("无法识别的月份、季度或年份，例如 2024-07、上月、2024Q2、二季度、2024、去年",
              "not a month, quarter or year, e.g. 2024-07, last, 2024Q2, 2024")


def period_label(first: date, last: date) -> str:
    """The name of a report's period as data writes it: 2024-06 for a month, 2024-Q2 for a quarter, 2024
    for a year, else the two days (2024-06-03..2024-06-20)."""
    if first.day == 1 and last == _month_bounds(last.year, last.month)[1] and first.year == last.year:
        if first.month == last.month:
            return f"{first:%Y-%m}"
        if first.month % 3 == 1 and last.month == first.month + 2:
            return f"{first.year}-Q{(first.month + 2) // 3}"
        if first.month == 1 and last.month == 12:
            return f"{first.year}"
    return f"{first.isoformat()}..{last.isoformat()}"


def iso_date(d: date) -> str:
    """``d`` as 2024-07-07."""
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def iso_datetime(dt: datetime) -> str:
    """``dt`` as 2024-07-07T14:30:00+08:00, to the second, always with its UTC offset."""
    if dt.utcoffset() is None:
        raise ValueError("iso_datetime needs a timezone-aware datetime")
    return dt.isoformat(timespec="seconds")


def _clean(text: str) -> str:
    """``text`` with full-width forms folded, English lower-cased and spaces tidied."""
    s = unicodedata.normalize("NFKC", text).strip().lower()
    # People type "7 月 7 日" or "下午 3 点"; a space next to a Chinese character means nothing.
    s = re.sub(r"\s*([〇\u4e00-\u9fff])\s*", r"\1", s)
    return re.sub(r"\s+", " ", s)


def _match_date(s: str, today: date) -> tuple[date, str] | None:
    """The date at the start of ``s`` and the rest of ``s``, or None if ``s`` starts with no date.
    A month and day without a year is the most recent past one (on 2027-01-03, 12月28日 is 2026-12-28)."""
    for form in _DATE_FORMS:
        m = form.match(s)
        if m:
            month, day = _number(m["m"]), _number(m["d"])
            if m["y"]:
                return _make_date(_year(m["y"]), month, day), s[m.end():]
            return _latest(month, day, today), s[m.end():]
    m = _WEEKDAY.match(s)
    if m:
        wanted, monday = _WEEKDAYS[m["wd"]], today.toordinal() - today.weekday()
        if m["which"] is None:  # the most recent one, today included
            ordinal = today.toordinal() - (today.weekday() - wanted) % 7
        else:
            ordinal = monday + wanted - (7 if m["which"].startswith("上") else 0)
        if not _FIRST_DAY <= ordinal <= _LAST_DAY:
            raise _Rejected(_year_out_of_range())
        return date.fromordinal(ordinal), s[m.end():]
    m = _RELATIVE.match(s)
    if not m:
        return None
    if m["word"]:
        days = _RELATIVE_WORDS[m["word"]]
    elif m["n"]:
        days = _number(m["n"]) * (-1 if m["dir"] == "前" else 1)
    else:
        days = -_int(m["ago"])
    ordinal = today.toordinal() + days
    if not _FIRST_DAY <= ordinal <= _LAST_DAY:
        raise _Rejected(_year_out_of_range())
    return date.fromordinal(ordinal), s[m.end():]


def _parse_datetime(s: str, now: datetime) -> datetime:
    """parse_datetime on cleaned text."""
    if s in ("现在", "now"):
        return now
    found = _match_date(s, now.date())
    if found is None:  # a bare time: the most recent past one (9:30 typed at 08:00 is yesterday's)
        clock, offset = _parse_time(s)
        at = datetime.combine(now.date(), clock, tzinfo=offset or now.tzinfo).astimezone(now.tzinfo)
        return at if at <= now else at - timedelta(days=1)
    day, rest = found
    if not rest:
        return datetime.combine(day, time(), tzinfo=now.tzinfo)
    if rest[0] in "t ":
        rest = rest[1:]
    clock, offset = _parse_time(rest)
    if offset is None:
        return datetime.combine(day, clock, tzinfo=now.tzinfo)
    return datetime.combine(day, clock, tzinfo=offset).astimezone(now.tzinfo)


def _parse_time(s: str) -> tuple[time, tzinfo | None]:
    """A time of day and the UTC offset written with it, if any."""
    m = _CLOCK.fullmatch(s)
    if m:
        micro = int(m["f"].ljust(6, "0")) if m["f"] else 0
        clock = _make_time(_hour(m["p"], int(m["h"])), int(m["m"]), int(m["s"] or 0), micro)
        return clock, _offset(m) if m["off"] else None
    m = _CN_TIME.fullmatch(s)
    if m:
        minute = 30 if m["half"] else _number(m["m"]) if m["m"] else 0
        second = _number(m["s"]) if m["s"] else 0
        return _make_time(_hour(m["p"], _number(m["h"])), minute, second), None
    raise _Rejected()


def _hour(period: str | None, hour: int) -> int:
    """The 24-hour clock hour for ``hour`` said after ``period``; see parse_datetime for the rules."""
    if period is None:
        return hour
    if (hour == 12 and period in _AM | _NIGHT) or (hour == 0 and period in _NIGHT):
        raise _Rejected(
            tr("有歧义：午夜请写 0点，正午请写 中午12点", "ambiguous: write 0点 for midnight or 中午12点 for noon")
        )
    if (period in _AM and hour <= 11) or (period == "中午" and hour in (11, 12)) or (period in _PM and hour == 12):
        return hour
    if (period in _PM | _NIGHT and 1 <= hour <= 11) or (period == "中午" and 1 <= hour <= 3):
        return hour + 12
    raise _Rejected(_no_such_time())


def _offset(m: re.Match) -> tzinfo:
    """The fixed zone an ISO offset (z, +08:00, -0530) names."""
    if m["off"] == "z":
        return timezone.utc
    hours, minutes, seconds = int(m["oh"]), int(m["om"] or 0), int(m["os"] or 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        raise _Rejected(tr("UTC 偏移无效", "bad UTC offset"))
    sign = -1 if m["sign"] == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes, seconds=seconds))


def _latest(month: int, day: int, today: date) -> date:
    """The most recent past (or today's) `month`/`day`; 2月29日 looks back to the last leap year."""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise _Rejected(_no_such_day())
    for year in range(today.year, max(MIN_YEAR, today.year - 8) - 1, -1):
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) <= today:
            return _make_date(year, month, day)
    raise _Rejected(_no_such_day())


def _make_date(year: int, month: int, day: int) -> date:
    """The date, if the year is in range and the calendar has that day."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _Rejected(_year_out_of_range())
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        raise _Rejected(_no_such_day())
    return date(year, month, day)


def _make_time(hour: int, minute: int, second: int = 0, microsecond: int = 0) -> time:
    """The time of day, if the clock has it."""
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59):
        raise _Rejected(_no_such_time())
    return time(hour, minute, second, microsecond)


def _month_bounds(year: int, month: int) -> tuple[date, date]:
    """The first and last day of the month."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _Rejected(_year_out_of_range())
    if not 1 <= month <= 12:
        raise _Rejected(_no_such_month())
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _year(s: str) -> int:
    """A year in ASCII digits or in Chinese digits read one by one (二〇二四)."""
    if s.isascii():
        return _int(s)
    return int("".join(str(_CN_DIGITS[ch]) for ch in s))


def _number(s: str) -> int:
    """A count in ASCII digits or a Chinese numeral below 100 (七, 十二, 三十一, 零五), as _NUM matches them."""
    if s.isascii():
        return _int(s)
    if "十" not in s:
        return _CN_DIGITS[s[-1]]
    tens, _, ones = s.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _int(digits: str) -> int:
    """The value of an ASCII digit string."""
    digits = digits.lstrip("0") or "0"
    # int() refuses digit strings thousands long; anything past nine digits is out of every range here.
    return int(digits) if len(digits) <= 9 else 10**9


def shown_moment(moment: str, tz: tzinfo | None = None) -> str:
    """A stored moment as people read it, to the minute: 2024-07-08 09:00. Moments are stored with
    the ledger's own offset, so their wall-clock time is shown as it is; `tz` converts (the journal
    keeps UTC)."""
    if tz is None:
        return moment[:16].replace("T", " ")
    return datetime.fromisoformat(moment).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def shown_deadline(moment: str) -> str:
    """A deadline as people say it, to the minute: a midnight is 24:00 of the day before (2024-09-19 24:00)."""
    at = datetime.fromisoformat(moment)
    if at.time() == time(0):
        return f"{(at - timedelta(days=1)):%Y-%m-%d} 24:00"
    return f"{at:%Y-%m-%d %H:%M}"


def stamp(moment: datetime) -> str:
    """An aware moment as the ledger dates voids and setting changes: UTC, to the microsecond (so that the
    stamps compare as text, and with the ones an older huidesk wrote)."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def ledger_zone() -> tzinfo:
    """The ledger's time zone: HUIDESK_TZ, else Asia/Shanghai."""
    import os

    return zone(os.environ.get("HUIDESK_TZ", DEFAULT_TZ))


def format_minutes(minutes: int | None) -> str:
    """A duration the way people say it: 30分钟, 2小时5分, 3天4小时 (30 min, 2 h 5 min, 3 d 4 h)."""
    from huidesk.domain.i18n import tr

    if minutes is None:
        return ""
    days, rest = divmod(int(minutes), 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return tr(f"{days}天{hours}小时" if hours else f"{days}天", f"{days} d {hours} h" if hours else f"{days} d")
    if hours:
        return tr(f"{hours}小时{mins}分" if mins else f"{hours}小时", f"{hours} h {mins} min" if mins else f"{hours} h")
    return tr(f"{mins}分钟", f"{mins} min")
