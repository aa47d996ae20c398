"""Time limits as a street office counts them: hours, calendar days and working days (工作日).

Days follow the Civil Code's rule for periods (民法典 第二百零一条、第二百零三条): the day something is
received is not counted, the count starts the next day, and the last day ends at 24:00. Working days
are the State Council's: statutory holidays are skipped and the Saturdays or Sundays worked for 调休
count (the chinese-calendar package keeps that table, 2004 to the last year it knows). A year it does
not know yet is counted Monday to Friday, and said to be an estimate: never a silent guess.
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from huidesk.domain.errors import InvalidValue
from huidesk.domain.i18n import tr

UNITS = ("hours", "days", "workdays")
# How a limit may be typed: 24h, 24小时; 5d, 5天; 3工作日, 3wd, 3个工作日; the number in Chinese too (三天,
# 两个工作日, 四十八小时: numerals.parse_count).
_UNIT_WORDS = {
    "h": "hours", "hour": "hours", "hours": "hours", "小时": "hours", "个小时": "hours",
    "d": "days", "day": "days", "days": "days", "天": "days", "日": "days",
    "wd": "workdays", "workday": "workdays", "workdays": "workdays", "工作日": "workdays", "个工作日": "workdays",
}
_LIMIT = re.compile(r"\s*(\d+(?:\.\d+)?|[〇○零一二两三四五六七八九十百千]+)\s*([A-Za-z\u4e00-\u9fff]*)\s*")
MAX_DAYS = 365  # a limit longer than a year is a typo, and the reports' arithmetic keeps to sane ranges


@dataclass(frozen=True)
class Limit:
    """How long an issue may wait: `amount` hours, calendar days or working days."""

    amount: Decimal
    unit: str

    def __str__(self) -> str:
        number = f"{self.amount.normalize():f}"
        return number + {"hours": "h", "days": "d", "workdays": "工作日"}[self.unit]

    def deadline(self, received: dt.datetime, calendar: "WorkCalendar | None" = None) -> "Deadline":
        """When the limit runs out for something received at `received` (an aware datetime); working
        days by `calendar` (the State Council's alone when None)."""
        if self.unit == "hours":
            return Deadline(received + dt.timedelta(hours=float(self.amount)), False)
        return self._days_after(received.date(), received.tzinfo, calendar)

    def extend(self, deadline: dt.datetime, calendar: "WorkCalendar | None" = None) -> "Deadline":
        """A deadline moved on by this limit (延期): hours from the moment it fell; days counted from
        the day it fell on (a deadline at 24:00 falls on the day that ends then), that day not counted."""
        if self.unit == "hours":
            return Deadline(deadline + dt.timedelta(hours=float(self.amount)), False)
        fell_on = (deadline - dt.timedelta(microseconds=1)).date()
        return self._days_after(fell_on, deadline.tzinfo, calendar)

    def _days_after(self, first: dt.date, tz: dt.tzinfo | None, calendar: "WorkCalendar | None") -> "Deadline":
        """24:00 of the last of `amount` days (or working days) counted from the day after `first`."""
        days = int(self.amount)
        day, estimated = first, False
        if self.unit == "days":
            day += dt.timedelta(days=days)
        else:
            workday = (calendar or WorkCalendar()).is_workday
            counted = 0
            while counted < days:
                day += dt.timedelta(days=1)
                worked, guessed = workday(day)
                estimated = estimated or guessed
                counted += worked
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tz)  # 24:00 of the last day
        return Deadline(end, estimated)


@dataclass(frozen=True)
class WorkCalendar:
    """The State Council's working days with the days a ledger adds of its own (settings `holidays` and
    `workdays`): a year the package does not know yet is known once the ledger lists a day of it."""

    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()

    def is_workday(self, day: dt.date) -> tuple[bool, bool]:
        """Whether `day` is a working day, and whether that is an estimate (Monday to Friday in a year
        neither the package nor the ledger's own days cover)."""
        if day in self.holidays:
            return False, False
        if day in self.workdays:
            return True, False
        worked, guessed = is_workday(day)
        return worked, guessed and day.year not in self._years

    @property
    def _years(self) -> frozenset[int]:
        return frozenset(d.year for d in self.holidays | self.workdays)


@dataclass(frozen=True)
class Deadline:
    at: dt.datetime
    estimated: bool  # counted over a year the State Council's calendar is not known for


def parse_limit(text: str, default_unit: str = "days", field: str = "VALUE") -> Limit:
    """A limit typed as `24h`, `5d`, `3工作日` / `3wd`, its number in Chinese (三天, 两个工作日), or a bare number
    in `default_unit`."""
    from huidesk.domain.numerals import parse_count

    m = _LIMIT.fullmatch(text)
    unit = (_UNIT_WORDS.get(m[2].lower()) if m[2] else default_unit) if m else None
    number = m[1] if m else "0"
    amount = Decimal(number) if number[0].isdigit() else Decimal(parse_count(number) or 0)  # 三 -> 3; 一二 none
    if m is None or unit not in UNITS or amount <= 0:
        raise InvalidValue(field, text, tr("应为正数，单位 h/小时、d/天 或 工作日/wd（如 24h、5d、3工作日、三天）",
                                           "a positive number of hours, days or working days (24h, 5d, 3wd)"))
    if unit != "hours" and amount != amount.to_integral_value():
        raise InvalidValue(field, text, tr("天数和工作日须为整数", "days and working days are whole numbers"))
    if amount > (MAX_DAYS * 24 if unit == "hours" else MAX_DAYS):
        raise InvalidValue(field, text, tr(f"不能超过 {MAX_DAYS} 天", f"at most {MAX_DAYS} days"))
    return Limit(amount, unit)


def is_workday(day: dt.date) -> tuple[bool, bool]:
    """Whether `day` is a working day, and whether that is an estimate (a year the calendar does not know:
    Monday to Friday)."""
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        return day.weekday() < 5, True


def known_years() -> range:
    """The years whose working days the State Council's published calendar gives (as installed)."""
    import chinese_calendar

    years = sorted({d.year for d in chinese_calendar.holidays})
    return range(years[0], years[-1] + 1)


def estimated_note() -> str:
    """What a deadline or a report counted over a year of estimated working days says, in one line."""
    return tr("注意：时限跨过日历尚未公布的年份，工作日按周一至周五估算（setting set holidays / workdays 可补上）",
              "note: a limit runs into a year whose working days are not published yet: counted Monday to Friday "
              "(setting set holidays / workdays add them)")


def shown_limit(text: str, default_unit: str = "days") -> str:
    """A limit as a sheet states it, in the user's language: 24小时, 5天, 3个工作日 (24 h, 5 days, 3 working days)."""
    limit = parse_limit(text, default_unit)
    n = f"{limit.amount.normalize():f}"
    zh = {"hours": f"{n}小时", "days": f"{n}天", "workdays": f"{n}个工作日"}[limit.unit]
    return tr(zh, {"hours": f"{n} h", "days": f"{n} days", "workdays": f"{n} working days"}[limit.unit])
