"""Figures the way the article prints them: "120余次", "56件", "1.2万余次".

Approximate style: counts below 20 are exact; otherwise floor to 10 (below 1,000), to 100 (below
10,000), and to 1,000 written in 万 above — adding 余 only when something was dropped, so a figure
never overstates. Exact style prints the number as it is.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

APPROX = "approx"
EXACT = "exact"


def approximate(n: int) -> tuple[int, str, bool]:
    """(the floored value, how it is written, whether 余 belongs after it)."""
    if n < 0:
        raise ValueError("a count is never negative")
    if n < 20:
        return n, str(n), False
    step = 10 if n < 1_000 else 100 if n < 10_000 else 1_000
    kept = n - n % step
    if kept >= 10_000:
        text = format((Decimal(kept) / 10_000).normalize(), "f") + "万"
    else:
        text = str(kept)
    return kept, text, kept != n


def written(n: int, style: str, measure: str = "") -> str:
    """A count with its measure word in the given style: 120余次, 56件."""
    if style == EXACT:
        return f"{n}{measure}"
    _, text, dropped = approximate(n)
    return f"{text}{'余' if dropped else ''}{measure}"


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
