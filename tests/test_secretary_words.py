"""Issue 26: the secretary's own words — dates as she says them."""

import datetime as dt

import pytest

from huidesk.domain.dates import parse_date, parse_datetime, zone

WEDNESDAY = dt.date(2024, 7, 10)


@pytest.mark.parametrize("said, day", [
    ("周五", "2024-07-05"), ("星期五", "2024-07-05"), ("礼拜五", "2024-07-05"), ("周5", "2024-07-05"),
    ("周三", "2024-07-10"),  # today is a Wednesday: the most recent one is today
    ("上周五", "2024-07-05"), ("上个星期一", "2024-07-01"), ("上周日", "2024-07-07"),
    ("本周一", "2024-07-08"), ("这周日", "2024-07-14"), ("礼拜天", "2024-07-07"),
    ("12.1", "2023-12-01"), ("7.1", "2024-07-01"), ("12月1号", "2023-12-01"), ("2024.7.1", "2024-07-01"),
])
def test_a_day_as_she_says_it(said, day):
    assert parse_date(said, WEDNESDAY).isoformat() == day


def test_a_weekday_with_a_time():
    now = dt.datetime(2024, 7, 10, 12, tzinfo=zone())
    assert parse_datetime("周一上午9点", now).isoformat() == "2024-07-08T09:00:00+08:00"
    assert parse_datetime("前天下午3点", now).isoformat() == "2024-07-08T15:00:00+08:00"
    assert parse_datetime("7.8 14:30", now).isoformat() == "2024-07-08T14:30:00+08:00"


@pytest.mark.parametrize("said", ["周八", "12.32", "13.1", "上上周五x"])
def test_what_is_not_a_day_is_refused(said):
    from huidesk.domain.errors import InvalidValue

    with pytest.raises(InvalidValue):
        parse_date(said, WEDNESDAY)
