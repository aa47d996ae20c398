"""Issue 25: limits in hours, calendar days (the Civil Code's rule) and the State Council's working days."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huidesk.domain.calendar import is_workday, known_years, parse_limit
from huidesk.domain.errors import InvalidValue

ZONE = ZoneInfo("Asia/Shanghai")


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=ZONE)


@pytest.mark.parametrize("typed, received, ends", [
    # 中秋 2024: 9/15-17 off, Saturday 9/14 worked: from Friday 17:00, 3 working days end at 24:00 on 9/19
    ("3工作日", at(2024, 9, 13, 17), at(2024, 9, 20)),
    ("3wd", at(2024, 9, 13, 17), at(2024, 9, 20)),
    ("3个工作日", at(2024, 9, 13, 17), at(2024, 9, 20)),
    # 国庆 2024: 10/1-7 off, Sunday 9/29 and Saturday 10/12 worked
    ("1wd", at(2024, 9, 27, 17), at(2024, 9, 30)),
    ("3wd", at(2024, 9, 30, 9), at(2024, 10, 11)),
    ("5wd", at(2024, 10, 8, 9), at(2024, 10, 15)),  # 10/9, 10/10, 10/11, Saturday 10/12 worked, Monday 10/14
    # calendar days: the day of receipt not counted, the last day ends at 24:00
    ("5d", at(2024, 7, 5, 9), at(2024, 7, 11)),
    ("5天", at(2024, 7, 5, 23, 59), at(2024, 7, 11)),
    ("5", at(2024, 7, 5, 0, 0), at(2024, 7, 11)),
    # hours: to the minute
    ("24h", at(2024, 7, 5, 9, 30), at(2024, 7, 6, 9, 30)),
    ("48小时", at(2024, 7, 5, 9, 30), at(2024, 7, 7, 9, 30)),
    ("1.5h", at(2024, 7, 5, 9, 30), at(2024, 7, 5, 11, 0)),
])
def test_a_limit_ends_when_a_street_office_counts_it_ending(typed, received, ends):
    deadline = parse_limit(typed).deadline(received)
    assert deadline.at == ends and not deadline.estimated


def test_a_year_the_calendar_does_not_know_is_an_estimate_not_a_guess():
    later = known_years()[-1] + 1
    deadline = parse_limit("3wd").deadline(at(later, 3, 2, 9))
    assert deadline.estimated
    assert is_workday(dt.date(later, 3, 3)) == (dt.date(later, 3, 3).weekday() < 5, True)


@pytest.mark.parametrize("typed", ["0d", "-3wd", "3 weeks", "1.5d", "1.5工作日", "366d", "9000h", "", "d5"])
def test_a_bad_limit_is_refused_with_the_field_and_value(typed):
    with pytest.raises(InvalidValue) as e:
        parse_limit(typed, field="--due")
    assert "--due" in str(e.value)


@given(amount=st.integers(1, 60), start=st.datetimes(dt.datetime(2004, 1, 1), dt.datetime(2026, 11, 30)))
def test_working_days_never_end_before_calendar_days_and_grow_with_the_amount(amount, start):
    received = start.replace(tzinfo=ZONE)
    working = parse_limit(f"{amount}wd").deadline(received).at
    assert working >= parse_limit(f"{amount}d").deadline(received).at
    assert parse_limit(f"{amount + 1}wd").deadline(received).at > working
    assert working.time() == dt.time(0) and is_workday(working.date() - dt.timedelta(days=1))[0]
