"""The approximate/exact rule of figures (README: "120余次"), property-tested."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from huidesk.domain.figures import APPROX, EXACT, approximate, hours, rate, written


def value_of(text: str) -> int:
    """What a written figure claims, without 余 and the measure word."""
    text = text.rstrip("次件处").removesuffix("余").removeprefix("近")
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


def test_nearly_a_round_figure():
    assert written(124, APPROX, "次") == "120余次"  # the article's 120余次: 130 is not nearer than 120
    assert written(119, APPROX, "次") == "近120次"
    assert written(9_600, APPROX, "次") == "近1万次"
    assert written(9_500, APPROX, "次") == "9500次"  # 1万 is 5 % away, but 9,000 is no nearer: exact wins
    assert written(126, APPROX, "次") == "近130次" and written(125, APPROX, "次") == "120余次"
    assert written(99_999, APPROX) == "近10万" and written(12_121, APPROX) == "1.2万余"


@given(st.integers(min_value=0, max_value=10**9))
def test_yu_never_overstates_and_jin_is_within_five_percent(n):
    text = written(n, APPROX)
    claimed = value_of(text)
    kept, _, mark = approximate(n)
    assert kept == claimed
    if text.startswith("近"):
        assert mark == "近" and n < claimed and (claimed - n) * 20 <= claimed
    else:
        assert claimed <= n and text.endswith("余") == (claimed != n) and mark == ("余" if claimed != n else "")


@given(st.integers(min_value=0, max_value=10**9))
def test_precision_follows_the_size(n):
    kept, _, mark = approximate(n)
    step = 1 if n < 20 else 10 if n < 1_000 else 100 if n < 10_000 else 1_000
    assert kept % step == 0 and abs(n - kept) < (step * 10 if mark == "近" else step)
    if mark == "近":  # nearer than the figure 余 would have floored to
        assert kept - n < n - (n - n % step) or kept % (step * 10) == 0


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
