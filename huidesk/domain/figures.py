"""Figures the way the article prints them: "120余次", "近120次", "56件", "1.2万余次".

Approximate style: counts below 20 are exact; otherwise floor to 10 (below 1,000), to 100 (below
10,000), and to 1,000 written in 万 above — adding 余 only when something was dropped, so such a
figure never overstates. A count just short of a round figure is "近N" instead: 近R when R is at
most 5 % above the count and nearer to it than the figure 余 would floor to at R's own step, R
being a multiple of the count's step or of ten times it (119 → 近120, 9,600 → 近1万, 124 → 120余:
the article's "120余次"). Exact style prints the number as it is.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

APPROX = "approx"
EXACT = "exact"


NEAR = "近"
OVER = "余"


def _step(n: int) -> int:
    return 1 if n < 20 else 10 if n < 1_000 else 100 if n < 10_000 else 1_000


def _text(value: int) -> str:
    if value >= 10_000:
        return format((Decimal(value) / 10_000).normalize(), "f") + "万"
    return str(value)


def approximate(n: int) -> tuple[int, str, str]:
    """(the figure, how it is written, its mark: "" exact, "余" more than it, "近" nearly it)."""
    if n < 0:
        raise ValueError("a count is never negative")
    step = _step(n)
    if step == 1:
        return n, str(n), ""
    for coarse in (step * 10, step):  # the roundest figure first: 9,600 is 近1万, not 近9,700
        above = -(-n // coarse) * coarse
        short = above - n
        if 0 < short and short * 20 <= above and short < n % coarse:
            return above, _text(above), NEAR
    kept = n - n % step
    return kept, _text(kept), OVER if kept != n else ""


def written(n: int, style: str, measure: str = "") -> str:
    """A count with its measure word in the given style: 120余次, 近120次, 56件."""
    if style == EXACT:
        return f"{n}{measure}"
    _, text, mark = approximate(n)
    return f"{mark}{text}{measure}" if mark == NEAR else f"{text}{mark}{measure}"


def hours(minutes: int) -> Decimal:
    """Whole minutes as hours with one decimal, rounded half up (exact input, no float drift)."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def rate(part: int | Decimal, whole: int) -> Decimal | None:
    """A percentage with one decimal; None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Figure:
    key: str  # e.g. "activities"
    value: int
    style: str  # APPROX or EXACT
    clause: str  # the clause of the narrative, e.g. "开展各类主题志愿服务活动120余次"
