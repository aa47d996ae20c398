"""The approximate/exact rule of DESIGN.md, property-tested."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from huidesk.domain.figures import APPROX, EXACT, approximate, hours, rate, written


def value_of(text: str) -> int:
    """What a written figure claims, without 余 and the measure word."""
    text = text.rstrip("次件处").removesuffix("余")
    if text.endswith("万"):
        return int(Decimal(text[:-1]) * 10_000)
    return int(text)


def test_the_article_figures():
    assert written(123, APPROX, "次") == "120余次"
    assert written(120, APPROX, "次") == "120次"
    assert written(56, EXACT, "件") == "56件"
    assert written(15, APPROX, "处") == "15处"
    assert written(12_345, APPROX, "次") == "1.2万余次"
    assert written(100_000, APPROX, "次") == "10万次"
    assert written(1_050, APPROX, "次") == "1000余次"
    assert written(19, APPROX) == "19" and written(25, APPROX) == "20余"


@given(st.integers(min_value=0, max_value=10**9))
def test_never_overstates_and_yu_only_when_something_was_dropped(n):
    text = written(n, APPROX)
    claimed = value_of(text)
    assert claimed <= n
    assert text.endswith("余") == (claimed != n)
    kept, _, dropped = approximate(n)
    assert kept == claimed and dropped == (kept != n)


@given(st.integers(min_value=0, max_value=10**9))
def test_precision_follows_the_size(n):
    kept, _, _ = approximate(n)
    step = 1 if n < 20 else 10 if n < 1_000 else 100 if n < 10_000 else 1_000
    assert kept % step == 0 and n - kept < step


@given(st.integers(min_value=0, max_value=10**9))
def test_exact_style_prints_the_number(n):
    assert written(n, EXACT, "件") == f"{n}件"


@given(st.integers(min_value=0, max_value=10**7))
def test_hours_are_exact_decimals(minutes):
    h = hours(minutes)
    assert isinstance(h, Decimal) and abs(h * 60 - minutes) <= 3  # within half a tenth of an hour
    assert str(hours(270)) == "4.5" and str(hours(20)) == "0.3"


def test_rates():
    assert rate(1, 3) == Decimal("33.3") and rate(2, 3) == Decimal("66.7") and rate(0, 0) is None
