"""Tests for huidesk.domain.dates: the forms accepted, the reasons for rejection, and properties over any input."""

import calendar
import zoneinfo
from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huidesk.domain.dates import (
    DEFAULT_TZ,
    iso_date,
    iso_datetime,
    parse_cadence,
    parse_date,
    parse_datetime,
    parse_month,
    parse_today,
    zone,
)
from huidesk.domain.errors import InvalidValue
from huidesk.domain.i18n import set_lang

TODAY = date(2024, 7, 10)
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 7, 10, 23, 59, 59, tzinfo=SHANGHAI)  # the end of the day, as --today gives it
FIRST, LAST = date(1900, 1, 1), date(2100, 12, 31)
PROPERTY = settings(max_examples=200, deadline=None, database=None)

NO_SUCH_DAY = "没有这一天"
NO_SUCH_TIME = "没有这个时刻"
NOT_A_DATE = "无法识别的日期，例如 2024-07-07、7月7日、昨天"
YEAR_RANGE = "1900 到 2100"
AMBIGUOUS = "歧义"


@pytest.fixture(autouse=True)
def chinese_messages():
    set_lang("zh")
    yield
    set_lang("zh")


def rejection(call, text, field):
    """Call ``call(text)``, check it raises InvalidValue naming ``field`` and ``text``, return the reason."""
    with pytest.raises(InvalidValue) as info:
        call(text)
    error = info.value
    assert error.field == field and error.value == text
    assert field in str(error) and text[:50] in str(error)
    return error.reason


def cn(n: int) -> str:
    """1..99 in Chinese numerals, as people write month and day numbers."""
    digits = "〇一二三四五六七八九"
    tens, ones = divmod(n, 10)
    return (digits[tens] if tens > 1 else "") + ("十" if tens else "") + (digits[ones] if ones else "")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-07-07", date(2024, 7, 7)),
        ("2024-7-7", date(2024, 7, 7)),
        ("2024/07/07", date(2024, 7, 7)),
        ("2024.7.7", date(2024, 7, 7)),
        ("20240707", date(2024, 7, 7)),
        ("２０２４－０７－０７", date(2024, 7, 7)),
        ("  2024-07-07\t", date(2024, 7, 7)),
        ("2024-02-29", date(2024, 2, 29)),
        ("1900-01-01", date(1900, 1, 1)),
        ("2100-12-31", date(2100, 12, 31)),
        ("2024年7月7日", date(2024, 7, 7)),
        ("2024年7月7号", date(2024, 7, 7)),
        ("2023 年 12 月 1 日", date(2023, 12, 1)),
        ("7月7日", date(2024, 7, 7)),
        ("7月7号", date(2024, 7, 7)),
        ("１２月３１日", date(2023, 12, 31)),
        ("七月七日", date(2024, 7, 7)),
        ("十月一日", date(2023, 10, 1)),
        ("十二月三十一日", date(2023, 12, 31)),  # the most recent past one
        ("二月二十号", date(2024, 2, 20)),
        ("二〇二四年七月七日", date(2024, 7, 7)),
        ("二零二三年一月十五日", date(2023, 1, 15)),
        ("今天", TODAY),
        ("今日", TODAY),
        ("today", TODAY),
        ("TODAY", TODAY),
        ("昨天", date(2024, 7, 9)),
        ("昨日", date(2024, 7, 9)),
        ("Yesterday", date(2024, 7, 9)),
        ("前天", date(2024, 7, 8)),
        ("明天", date(2024, 7, 11)),
        ("tomorrow", date(2024, 7, 11)),
        ("后天", date(2024, 7, 12)),
        ("3天前", date(2024, 7, 7)),
        ("三天前", date(2024, 7, 7)),
        ("10天前", date(2024, 6, 30)),
        ("3天后", date(2024, 7, 13)),
        ("1 day ago", date(2024, 7, 9)),
        ("12 Days Ago", date(2024, 6, 28)),
    ],
)
def test_parse_date_accepts(text, expected):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text, reason",
    [
        ("2024-02-30", NO_SUCH_DAY),
        ("2023年2月29日", NO_SUCH_DAY),
        ("2023-02-29", NO_SUCH_DAY),
        ("2月30日", NO_SUCH_DAY),
        ("2024-04-31", NO_SUCH_DAY),
        ("2024-13-01", NO_SUCH_DAY),
        ("2024-00-10", NO_SUCH_DAY),
        ("2024-07-00", NO_SUCH_DAY),
        ("十三月一日", NO_SUCH_DAY),
        ("", NOT_A_DATE),
        ("   ", NOT_A_DATE),
        ("someday", NOT_A_DATE),
        ("7月", NOT_A_DATE),
        ("2024-07", NOT_A_DATE),
        ("2024-07/07", NOT_A_DATE),
        ("2024-07-07x", NOT_A_DATE),
        ("2024-07-07 14:30", NOT_A_DATE),
        ("一二月三日", NOT_A_DATE),
        ("2024年7月7", NOT_A_DATE),
        ("现在", NOT_A_DATE),
    ],
)
def test_parse_date_rejects(text, reason):
    assert rejection(lambda t: parse_date(t, TODAY), text, "--date") == reason


@pytest.mark.parametrize(
    "text, today",
    [
        ("1899-12-31", TODAY),
        ("2101-01-01", TODAY),
        ("99999999999-1-1", TODAY),
        ("1" * 5000 + "-1-1", TODAY),
        ("24年7月7日", TODAY),
        ("99999999999天前", TODAY),
        ("明天", LAST),
        ("昨天", FIRST),
    ],
)
def test_parse_date_rejects_years_out_of_range(text, today):
    assert YEAR_RANGE in rejection(lambda t: parse_date(t, today), text, "--date")


@pytest.mark.parametrize("text", ["\x00", "2024-07-07\x00", "\x1b[31m", "\ud800", "\u200b2024-07-07"])
def test_parse_date_rejects_control_characters(text):
    with pytest.raises(InvalidValue) as info:
        parse_date(text, TODAY)
    assert info.value.field == "--date" and info.value.value == text


def test_parse_date_names_the_given_field():
    assert "--since" in str(pytest.raises(InvalidValue, parse_date, "nope", TODAY, "--since").value)


def test_messages_follow_the_language():
    set_lang("en")
    with pytest.raises(InvalidValue) as info:
        parse_date("2024-02-30", TODAY)
    assert str(info.value) == "invalid --date: “2024-02-30” (no such day)"
    with pytest.raises(InvalidValue) as info:
        parse_date("soon", TODAY)
    assert info.value.reason == "not a date, e.g. 2024-07-07, 7月7日, yesterday"


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-07-07 14:30", at(date(2024, 7, 7), 14, 30)),
        ("2024-07-07T14:30", at(date(2024, 7, 7), 14, 30)),
        ("2024-07-07t14:30", at(date(2024, 7, 7), 14, 30)),
        ("2024-07-07 14:30:05", at(date(2024, 7, 7), 14, 30, 5)),
        ("2024/7/7 9:05", at(date(2024, 7, 7), 9, 5)),
        ("20240707 14:30", at(date(2024, 7, 7), 14, 30)),
        ("2024-07-07", at(date(2024, 7, 7), 0)),
        ("7月7日", at(date(2024, 7, 7), 0)),
        ("7月7日 14:30", at(date(2024, 7, 7), 14, 30)),
        ("7月7日14:30", at(date(2024, 7, 7), 14, 30)),
        ("７月７日　１４：３０", at(date(2024, 7, 7), 14, 30)),
        ("7月7日下午3点", at(date(2024, 7, 7), 15)),
        ("2024-07-07 下午3点", at(date(2024, 7, 7), 15)),
        ("下午3点半", at(TODAY, 15, 30)),
        ("下午3点15分", at(TODAY, 15, 15)),
        ("下午 3 点 15", at(TODAY, 15, 15)),
        ("下午3:30", at(TODAY, 15, 30)),
        ("上午9点", at(TODAY, 9)),
        ("上午11点", at(TODAY, 11)),
        ("下午12点", at(TODAY, 12)),
        ("下午1点", at(TODAY, 13)),
        ("晚上8点", at(TODAY, 20)),
        ("晚上11点", at(TODAY, 23)),
        ("中午12点", at(TODAY, 12)),
        ("中午1点", at(TODAY, 13)),
        ("凌晨2点", at(TODAY, 2)),
        ("凌晨0点", at(TODAY, 0)),
        ("早上7点", at(TODAY, 7)),
        ("15点", at(TODAY, 15)),
        ("15时30分", at(TODAY, 15, 30)),
        ("15时30分20秒", at(TODAY, 15, 30, 20)),
        ("3点", at(TODAY, 3)),
        ("3点钟", at(TODAY, 3)),
        ("0点", at(TODAY, 0)),
        ("三点零五分", at(TODAY, 3, 5)),
        ("下午三点半", at(TODAY, 15, 30)),
        ("十五点", at(TODAY, 15)),
        ("两点", at(TODAY, 2)),
        ("14:30", at(TODAY, 14, 30)),
        ("23:59:59", at(TODAY, 23, 59, 59)),
        ("今天下午3点", at(TODAY, 15)),
        ("今天 下午3点", at(TODAY, 15)),
        ("昨天14:30", at(date(2024, 7, 9), 14, 30)),
        ("yesterday 14:30", at(date(2024, 7, 9), 14, 30)),
        ("明天上午9点", at(date(2024, 7, 11), 9)),
        ("3天前 8:00", at(date(2024, 7, 7), 8)),
        ("现在", NOW),
        ("NOW", NOW),
        ("2024-07-07T14:30+08:00", at(date(2024, 7, 7), 14, 30)),
        ("2024-07-07T06:30Z", at(date(2024, 7, 7), 14, 30)),
        ("2024-07-07T06:30:00+00:00", at(date(2024, 7, 7), 14, 30)),
        ("2024-07-07T14:30-05:00", at(date(2024, 7, 8), 3, 30)),
        ("2024-07-07T14:30+0530", at(date(2024, 7, 7), 17)),
    ],
)
def test_parse_datetime_accepts(text, expected):
    result = parse_datetime(text, NOW)
    assert result == expected
    assert result.tzinfo is SHANGHAI


def test_parse_datetime_keeps_fractional_seconds():
    assert parse_datetime("2024-07-07T14:30:05.25", NOW).microsecond == 250000


def test_parse_datetime_stays_in_nows_zone():
    london = zoneinfo.ZoneInfo("Europe/London")
    now = datetime(2024, 7, 10, 12, tzinfo=london)
    result = parse_datetime("2024-07-07T14:30+08:00", now)
    assert result.tzinfo is london
    assert (result.hour, result.minute, result.utcoffset()) == (7, 30, timedelta(hours=1))
    assert parse_datetime("14:30", now).utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("25:00", NO_SUCH_TIME),
        ("14:61", NO_SUCH_TIME),
        ("14:30:60", NO_SUCH_TIME),
        ("24点", NO_SUCH_TIME),
        ("下午13点", NO_SUCH_TIME),
        ("下午0点", NO_SUCH_TIME),
        ("上午13点", NO_SUCH_TIME),
        ("中午5点", NO_SUCH_TIME),
        ("3点60分", NO_SUCH_TIME),
        ("7月7日 25:00", NO_SUCH_TIME),
        ("202407073点", NO_SUCH_TIME),
        ("2024-02-30 10:00", NO_SUCH_DAY),
        ("2月30日下午3点", NO_SUCH_DAY),
    ],
)
def test_parse_datetime_rejects_impossible(text, reason):
    assert rejection(lambda t: parse_datetime(t, NOW), text, "--at") == reason


@pytest.mark.parametrize("text", ["凌晨12点", "晚上12点", "晚上12点半", "上午12点", "晚上0点", "夜里12点"])
def test_parse_datetime_rejects_ambiguous_midnight_and_noon(text):
    assert AMBIGUOUS in rejection(lambda t: parse_datetime(t, NOW), text, "--at")


@pytest.mark.parametrize(
    "text",
    ["", "下午", "2024-07-07T", "2024-07-07 1430", "14:30 tomorrow", "later", "3点一刻", "现在下午", "14", "14:3"],
)
def test_parse_datetime_rejects_unrecognised(text):
    assert "无法识别" in rejection(lambda t: parse_datetime(t, NOW), text, "--at")


@pytest.mark.parametrize("text", ["2024-07-07T14:30+24:00", "2024-07-07T14:30+08:60"])
def test_parse_datetime_rejects_bad_offsets(text):
    assert "UTC" in rejection(lambda t: parse_datetime(t, NOW), text, "--at")


def test_parse_datetime_rejects_years_out_of_range():
    assert YEAR_RANGE in rejection(lambda t: parse_datetime(t, NOW), "1899-12-31 10:00", "--at")


def test_parse_datetime_needs_an_aware_now():
    with pytest.raises(ValueError):
        parse_datetime("14:30", datetime(2024, 7, 10, 9, 0))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-07-07", date(2024, 7, 7)),
        (" 2024-07-07 ", date(2024, 7, 7)),
        ("2024-07-07T14:30", datetime(2024, 7, 7, 14, 30)),
        ("2024-07-07 14:30", datetime(2024, 7, 7, 14, 30)),
        ("2024-07-07T14:30:05", datetime(2024, 7, 7, 14, 30, 5)),
    ],
)
def test_parse_today_accepts(text, expected):
    result = parse_today(text)
    assert result == expected and type(result) is type(expected)
    if isinstance(result, datetime):
        assert result.tzinfo is None


@pytest.mark.parametrize(
    "text, reason_part",
    [
        ("today", "ISO"),
        ("昨天", "ISO"),
        ("7月7日", "ISO"),
        ("2024-7-7", "ISO"),
        ("2024-07-07T14:30+08:00", "ISO"),
        ("", "ISO"),
        ("2024-02-30", NO_SUCH_DAY),
        ("2024-07-07T25:00", NO_SUCH_TIME),
        ("1899-07-07", YEAR_RANGE),
    ],
)
def test_parse_today_rejects(text, reason_part):
    assert reason_part in rejection(parse_today, text, "--today")


@pytest.mark.parametrize(
    "text, days",
    [
        ("7d", 7),
        ("7", 7),
        ("7天", 7),
        ("每7天", 7),
        ("每 7 天", 7),
        ("7 days", 7),
        ("每天", 1),
        ("2w", 14),
        ("2W", 14),
        ("2周", 14),
        ("每两周", 14),
        ("每周", 7),
        ("每星期", 7),
        ("1m", 30),
        ("1月", 30),
        ("每月", 30),
        ("每个月", 30),
        ("3个月", 90),
        ("半月", 15),
        ("每半个月", 15),
        ("3650", 3650),
        ("１０天", 10),
    ],
)
def test_parse_cadence_accepts(text, days):
    assert parse_cadence(text) == days


@pytest.mark.parametrize(
    "text, reason_part",
    [
        ("0", "3650"),
        ("0d", "3650"),
        ("3651", "3650"),
        ("200m", "3650"),
        ("99999999999999999999d", "3650"),
        ("", "无法识别"),
        ("每", "无法识别"),
        ("often", "无法识别"),
        ("-7", "无法识别"),
        ("7.5d", "无法识别"),
        ("7 years", "无法识别"),
    ],
)
def test_parse_cadence_rejects(text, reason_part):
    assert reason_part in rejection(parse_cadence, text, "--every")


JAN = date(2024, 1, 20)


@pytest.mark.parametrize(
    "text, today, expected",
    [
        ("2024-07", TODAY, (date(2024, 7, 1), date(2024, 7, 31))),
        ("2024-2", TODAY, (date(2024, 2, 1), date(2024, 2, 29))),
        ("2023/02", TODAY, (date(2023, 2, 1), date(2023, 2, 28))),
        ("2024年7月", TODAY, (date(2024, 7, 1), date(2024, 7, 31))),
        ("7月", TODAY, (date(2024, 7, 1), date(2024, 7, 31))),
        ("十一月", TODAY, (date(2023, 11, 1), date(2023, 11, 30))),  # the most recent one
        ("last", JAN, (date(2023, 12, 1), date(2023, 12, 31))),
        ("上月", JAN, (date(2023, 12, 1), date(2023, 12, 31))),
        ("上个月", TODAY, (date(2024, 6, 1), date(2024, 6, 30))),
        ("this", JAN, (date(2024, 1, 1), date(2024, 1, 31))),
        ("本月", TODAY, (date(2024, 7, 1), date(2024, 7, 31))),
        ("这个月", TODAY, (date(2024, 7, 1), date(2024, 7, 31))),
        ("next month", date(2024, 12, 5), (date(2025, 1, 1), date(2025, 1, 31))),
    ],
)
def test_parse_month_accepts(text, today, expected):
    assert parse_month(text, today) == expected


@pytest.mark.parametrize(
    "text, today, reason_part",
    [
        ("2024-13", TODAY, "没有这个月"),
        ("0月", TODAY, "没有这个月"),
        ("1899-12", TODAY, YEAR_RANGE),
        ("last", FIRST, YEAR_RANGE),
        ("2024-07-07", TODAY, "无法识别"),
        ("July", TODAY, "无法识别"),
        ("", TODAY, "无法识别"),
    ],
)
def test_parse_month_rejects(text, today, reason_part):
    assert reason_part in rejection(lambda t: parse_month(t, today), text, "--month")


def test_zone_defaults_to_shanghai():
    assert DEFAULT_TZ == "Asia/Shanghai"
    assert zone() == SHANGHAI
    assert zone("Europe/London").utcoffset(datetime(2024, 1, 1)) == timedelta(0)


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "Asia", "../etc/passwd", "x\x00y"])
def test_zone_rejects_unknown_names(name):
    with pytest.raises(InvalidValue) as info:
        zone(name)
    assert info.value.field == "--tz" and info.value.value == name and "--tz" in str(info.value)


def test_zone_falls_back_to_utc8_without_tz_database(monkeypatch):
    def missing(key):
        raise zoneinfo.ZoneInfoNotFoundError(key)

    monkeypatch.setattr(zoneinfo, "ZoneInfo", missing)
    assert zone().utcoffset(datetime(2024, 1, 1)) == timedelta(hours=8)
    with pytest.raises(InvalidValue):
        zone("Europe/London")


def test_iso_formats():
    assert iso_date(date(2024, 7, 7)) == "2024-07-07"
    assert iso_date(date(1900, 1, 1)) == "1900-01-01"
    assert iso_datetime(at(date(2024, 7, 7), 14, 30)) == "2024-07-07T14:30:00+08:00"
    assert iso_datetime(datetime(2024, 7, 7, 6, 30, 5, 999999, tzinfo=timezone.utc)) == "2024-07-07T06:30:05+00:00"


def test_iso_datetime_refuses_naive():
    with pytest.raises(ValueError):
        iso_datetime(datetime(2024, 7, 7, 14, 30))


@PROPERTY
@given(st.dates(FIRST, LAST), st.dates(FIRST, LAST))
def test_dates_round_trip(day, today):
    assert parse_date(iso_date(day), today) == day
    assert parse_date(f"{day.year}年{day.month}月{day.day}日", today) == day
    assert parse_date(f"{day.year}/{day.month}/{day.day}", today) == day
    year = "".join("〇一二三四五六七八九"[int(ch)] for ch in str(day.year))
    assert parse_date(f"{year}年{cn(day.month)}月{cn(day.day)}号", today) == day
    assert parse_date(f"{day.month}月{day.day}日", day) == day


@PROPERTY
@given(st.dates(FIRST, LAST), st.integers(0, 80000))
def test_days_ago_counts_back(today, n):
    expected = today - timedelta(days=n) if today.toordinal() - n >= FIRST.toordinal() else None
    for text in (f"{n}天前", f"{n} days ago"):
        if expected is None:
            assert YEAR_RANGE in rejection(lambda t: parse_date(t, today), text, "--date")
        else:
            assert parse_date(text, today) == expected


ZONES = [
    timezone.utc,
    timezone(timedelta(hours=-12)),
    timezone(timedelta(hours=14)),
    timezone(timedelta(hours=5, minutes=45)),
    SHANGHAI,
    zoneinfo.ZoneInfo("America/New_York"),
    zoneinfo.ZoneInfo("Europe/London"),
    zoneinfo.ZoneInfo("Australia/Lord_Howe"),
]


@PROPERTY
@given(
    st.datetimes(datetime(1900, 1, 1), datetime(2100, 12, 31, 23, 59, 59), timezones=st.sampled_from(ZONES)),
    st.sampled_from(ZONES),
)
def test_datetimes_round_trip(moment, now_zone):
    now = datetime(2024, 7, 10, 12, tzinfo=now_zone)
    back = parse_datetime(iso_datetime(moment), now)
    assert back.tzinfo is now_zone
    assert back.astimezone(timezone.utc) == moment.replace(microsecond=0).astimezone(timezone.utc)


@PROPERTY
@given(st.integers(0, 23), st.integers(0, 59))
def test_clock_times_land_on_nows_date(hour, minute):
    expected = at(TODAY, hour, minute)
    assert parse_datetime(f"{hour}:{minute:02d}", NOW) == expected
    assert parse_datetime(f"{hour}点{minute}分", NOW) == expected
    assert parse_datetime(f"{cn(hour) or '零'}点{cn(minute) or '零'}分", NOW) == expected
    if 1 <= hour <= 11:
        assert parse_datetime(f"下午{hour}点{minute}分", NOW) == expected + timedelta(hours=12)
        assert parse_datetime(f"晚上{hour}:{minute:02d}", NOW) == expected + timedelta(hours=12)
        assert parse_datetime(f"上午{hour}点{minute}分", NOW) == expected


GRAMMAR = "0123456789-/.:+ TtZz年月日号点时分秒半天前后今昨明现在上下午晚凌晨中早周每个〇一二两三十dwm"
ANY_TEXT = st.text() | st.text(alphabet=GRAMMAR, max_size=24)


def returns_or_rejects(call, text, field):
    """``call(text)``'s value, or None if it raised InvalidValue naming ``field`` and ``text``."""
    try:
        return call(text)
    except InvalidValue as error:
        assert error.field == field and error.value == text
        return None


@PROPERTY
@given(ANY_TEXT)
def test_any_text_is_parsed_or_rejected(text):
    day = returns_or_rejects(lambda t: parse_date(t, TODAY), text, "--date")
    assert day is None or type(day) is date
    moment = returns_or_rejects(lambda t: parse_datetime(t, NOW), text, "--at")
    assert moment is None or (type(moment) is datetime and moment.tzinfo is SHANGHAI)
    days = returns_or_rejects(parse_cadence, text, "--every")
    assert days is None or (type(days) is int and 1 <= days <= 3650)
    month = returns_or_rejects(lambda t: parse_month(t, TODAY), text, "--month")
    if month is not None:
        first, last = month
        assert first.day == 1 and (last + timedelta(days=1)).day == 1 and first.month == last.month
    today = returns_or_rejects(parse_today, text, "--today")
    assert today is None or type(today) is date or (type(today) is datetime and today.tzinfo is None)


@st.composite
def impossible_days(draw):
    year = draw(st.integers(1900, 2100))
    month = draw(st.sampled_from([2, 4, 6, 9, 11]))
    return year, month, draw(st.integers(calendar.monthrange(year, month)[1] + 1, 31))


@PROPERTY
@given(impossible_days(),
       st.sampled_from(["{y}-{m:02d}-{d:02d}", "{y}/{m}/{d}", "{y}年{m}月{d}日", "{y}{m:02d}{d:02d}"]))
def test_impossible_days_are_rejected(ymd, form):
    y, m, d = ymd
    text = form.format(y=y, m=m, d=d)
    assert rejection(lambda t: parse_date(t, TODAY), text, "--date") == NO_SUCH_DAY
    if (m, d) != (2, 29):  # without a year, 2月29日 is the last leap year's
        assert rejection(lambda t: parse_date(t, date(y, 1, 1)), f"{m}月{d}号", "--date") == NO_SUCH_DAY
    assert rejection(lambda t: parse_datetime(t, NOW), f"{text} 10:00", "--at") == NO_SUCH_DAY


@pytest.mark.parametrize(
    "text, today, expected",
    [
        ("12月28日", date(2027, 1, 3), date(2026, 12, 28)),  # closing December's books in January
        ("1月3日", date(2027, 1, 3), date(2027, 1, 3)),  # today is not in the future
        ("2月29日", date(2027, 3, 1), date(2024, 2, 29)),  # the last leap year's
    ],
)
def test_a_day_without_a_year_is_the_most_recent_past_one(text, today, expected):
    assert parse_date(text, today) == expected


def test_a_month_without_a_year_is_the_most_recent_one_begun():
    assert parse_month("12月", date(2027, 1, 3)) == (date(2026, 12, 1), date(2026, 12, 31))
    assert parse_month("1月", date(2027, 1, 3)) == (date(2027, 1, 1), date(2027, 1, 31))


def test_a_bare_time_is_the_most_recent_past_one():
    morning = datetime(2027, 1, 3, 8, 0, tzinfo=SHANGHAI)
    assert parse_datetime("9:30", morning) == datetime(2027, 1, 2, 9, 30, tzinfo=SHANGHAI)
    assert parse_datetime("7:30", morning) == datetime(2027, 1, 3, 7, 30, tzinfo=SHANGHAI)
    assert parse_datetime("今天9:30", morning) == datetime(2027, 1, 3, 9, 30, tzinfo=SHANGHAI)  # refused later
