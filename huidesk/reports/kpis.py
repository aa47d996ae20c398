"""The work-order figures (三率 and times), from the rows the ledger's queries give, as typed values:
`Kpis` (the figures of one set of issues) and `HotSpot` (热点: a category and where it was raised most)."""

from collections.abc import Iterator, Mapping
from decimal import Decimal

from huidesk.reports.values import Value, value


def months(since: str, until: str) -> Iterator[str]:
    """Every 'YYYY-MM' from since's month to until's month."""
    y, m = int(since[:4]), int(since[5:7])
    while f"{y:04d}-{m:02d}" <= until[:7]:
        yield f"{y:04d}-{m:02d}"
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def percentile(ordered: list[int], pct: int) -> int | None:
    """The nearest-rank percentile (pct in 1..100) of sorted whole minutes; None for no values."""
    if not ordered:
        return None
    rank = max(1, (len(ordered) * pct + 99) // 100)  # integer ceil: no float drift
    return ordered[rank - 1]


def median(ordered: list[int]) -> int | None:
    """The median of sorted whole minutes — the mean of the two middle ones for an even count, a half
    minute rounded up so that the figure stays whole minutes; None for no values."""
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle] + 1) // 2


# The work-order figures, each with one meaning (DESIGN.md "Work-order figures"): key, Chinese name,
# English name, Chinese meaning, English meaning. Counts first, then the rates derived from them.
FIGURES = (
    ("received", "受理", "received", "本期受理的诉求", "issues received in the period"),
    ("responded_in_time", "按时响应", "responded in time",
     "受理后在响应时限内首次响应（派单、到场或办结）",
     "first response (dispatch, arrival or resolution) within the response limit"),
    ("resolved", "办结", "resolved", "本期受理、截至统计时点已办结（或关闭）",
     "of those received, resolved or closed by the as-of moment"),
    ("resolved_on_time", "按时办结", "resolved on time", "已办结且最后一次办结在办结时限内",
     "resolved, the last resolution within the resolve limit"),
    ("overdue", "超期", "overdue", "截至统计时点未办结且已超过办结时限",
     "unresolved and past the resolve limit at the as-of moment"),
    ("callbacks", "回访", "called back", "已办结且有回访的诉求（每件计一次）",
     "resolved issues with a callback (each once)"),
    ("callbacks_resolved", "回访已解决", "callbacks: resolved", "按回访（默认最后一次）答“已解决”的",
     "whose callback (the final one by default) says resolved"),
    ("satisfied", "满意", "satisfied", "按回访答“满意”的", "whose callback says satisfied"),
    ("basically_satisfied", "基本满意", "basically satisfied", "按回访答“基本满意”的",
     "whose callback says basically satisfied"),
    ("unsatisfied", "不满意", "unsatisfied", "按回访答“不满意”的", "whose callback says unsatisfied"),
    ("repeats", "重复件", "repeats", "以 --repeat-of 登记的重复诉求", "issues opened with --repeat-of"),
    ("transfers", "转办", "transfers", "这些诉求的转单次数", "transfer events of these issues"),
    ("returns", "退单", "returns", "这些诉求的退单次数", "return events of these issues"),
    ("response_rate", "响应率(%)", "response rate %", "按时响应 ÷ 受理", "responded in time ÷ received"),
    ("closure_rate", "办结率(%)", "closure rate %", "办结 ÷ 受理", "resolved ÷ received"),
    ("on_time_rate", "按时办结率(%)", "on-time rate %", "按时办结 ÷ (办结 + 超期)",
     "resolved on time ÷ (resolved + overdue)"),
    ("callback_rate", "回访率(%)", "callback rate %", "回访 ÷ 办结", "called back ÷ resolved"),
    ("resolution_rate", "解决率(%)", "resolution rate %", "回访已解决 ÷ 回访", "callbacks: resolved ÷ called back"),
    ("satisfaction_rate", "满意率(%)", "satisfaction rate %", "(满意 + 权重 × 基本满意) ÷ 回访",
     "(satisfied + weight × basically satisfied) ÷ called back"),
)
COUNTS = tuple(f[0] for f in FIGURES if not f[0].endswith("_rate"))
RATES = tuple(f[0] for f in FIGURES if f[0].endswith("_rate"))


@value
class Kpis(Value):
    """The work-order figures of the issues received in a period, as of the report's moment: the counts
    and rates of FIGURES in its order, then the median and 90th percentile of the minutes to first
    response and to resolution (None: nothing to measure)."""

    received: int
    responded_in_time: int
    resolved: int
    resolved_on_time: int
    overdue: int
    callbacks: int
    callbacks_resolved: int
    satisfied: int
    basically_satisfied: int
    unsatisfied: int
    repeats: int
    transfers: int
    returns: int
    response_rate: Decimal | None
    closure_rate: Decimal | None
    on_time_rate: Decimal | None
    callback_rate: Decimal | None
    resolution_rate: Decimal | None
    satisfaction_rate: Decimal | None
    response_minutes_median: int | None
    response_minutes_p90: int | None
    resolve_minutes_median: int | None
    resolve_minutes_p90: int | None


@value
class PlaceCount(Value):
    """A place and the issues of a category it raised."""

    place: str
    issues: int


@value
class HotSpot(Value):
    """热点: a category of the issues received, with the places that raised it most."""

    category: str
    issues: int
    places: tuple[PlaceCount, ...]


def rates(counts: Mapping[str, int], settings: Mapping[str, str]) -> dict[str, Decimal | None]:
    """The rates of FIGURES from its counts (so a totals row's rates come from its summed counts)."""
    from huidesk.domain.figures import rate
    from huidesk.domain.settings import setting_weight

    weight = setting_weight(settings)  # 0..1, as `setting set` takes it; else one line naming it
    c = counts
    return {
        "response_rate": rate(c["responded_in_time"], c["received"]),
        "closure_rate": rate(c["resolved"], c["received"]),
        "on_time_rate": rate(c["resolved_on_time"], c["resolved"] + c["overdue"]),
        "callback_rate": rate(c["callbacks"], c["resolved"]),
        "resolution_rate": rate(c["callbacks_resolved"], c["callbacks"]),
        "satisfaction_rate": rate(c["satisfied"] + weight * c["basically_satisfied"], c["callbacks"]),
    }


def kpis(cohort: list, settings: Mapping[str, str]) -> Kpis:
    """The work-order figures of DESIGN.md for the issues received in a period, each as of the
    report's moment (the rows `Reports.cohort` gives, in its column order)."""
    counts, responses, resolutions = tally(cohort, settings)
    return figures(counts, responses, resolutions, settings)


def figures(counts: Mapping[str, int], responses: list[int], resolutions: list[int],
            settings: Mapping[str, str]) -> Kpis:
    """The counts with their rates, and the median and 90th percentile of the sorted minutes to first
    response and to resolution."""
    return Kpis(
        **{key: counts[key] for key in COUNTS},
        **rates(counts, settings),
        response_minutes_median=median(responses),
        response_minutes_p90=percentile(responses, 90),
        resolve_minutes_median=median(resolutions),
        resolve_minutes_p90=percentile(resolutions, 90),
    )


def counted(found: dict, settings: Mapping[str, str]) -> Kpis:
    """figures() of what huidesk/ledger/work_orders.py counted (its minutes as histograms)."""
    def spread(histogram: list) -> list[int]:
        return [minutes for minutes, n in histogram for _ in range(n)]

    return figures(found["counts"], spread(found["responses"]), spread(found["resolutions"]), settings)


def tally(cohort: list, settings: Mapping[str, str]) -> tuple[dict, list[int], list[int]]:
    """The COUNTS of the cohort's rows, and their sorted minutes to first response and to resolution."""
    from huidesk.domain.lifecycle import DONE, limits

    limit_of = limits(settings)
    c = dict.fromkeys(COUNTS, 0)
    responses, resolutions = [], []
    answers = {"yes": "callbacks_resolved"}
    feelings = {"satisfied": "satisfied", "basically": "basically_satisfied", "unsatisfied": "unsatisfied"}
    # One pass, unpacking each row in cohort()'s column order: looking columns up by name took twice as long.
    for (_id, _team, kind, nature, _category, _place, state, response, resolve, age, repeat_of, transfers, returns,
         answer, satisfaction) in cohort:
        response_limit, resolve_limit = limit_of(kind, nature)
        c["received"] += 1
        if response is not None:
            responses.append(response)
            if response <= response_limit:
                c["responded_in_time"] += 1
        if state in DONE:
            c["resolved"] += 1
            # None: closed, its resolution voided since: resolved, but neither on time nor timed
            if resolve is not None:
                resolutions.append(resolve)
                if resolve <= resolve_limit:
                    c["resolved_on_time"] += 1
            if satisfaction is not None:
                c["callbacks"] += 1
                if answer in answers:
                    c[answers[answer]] += 1
                c[feelings[satisfaction]] += 1
        elif age > resolve_limit:
            c["overdue"] += 1
        c["repeats"] += repeat_of is not None
        c["transfers"] += transfers
        c["returns"] += returns
    responses.sort()
    resolutions.sort()
    return c, responses, resolutions


def hot(cohort: list, top: int = 10, places: int = 3) -> tuple[HotSpot, ...]:
    """热点: the categories of the issues received, most first, each with the places that raised it
    most (issues without a category are left out)."""
    return ranked(((row[4], row[5], 1) for row in cohort), top, places)


def ranked(counts, top: int = 10, places: int = 3) -> tuple[HotSpot, ...]:
    """hot() from (category, place, issues) counts."""
    from collections import Counter

    by_category: Counter = Counter()
    by_place: dict[str, Counter] = {}
    for category, place, n in counts:
        if category is None:
            continue
        by_category[category] += n
        by_place.setdefault(category, Counter())[place] += n
    return tuple(
        HotSpot(cat, n, tuple(PlaceCount(p, m) for p, m in sorted(by_place[cat].items(),
                                                               key=lambda x: (-x[1], x[0]))[:places]))
        for cat, n in sorted(by_category.items(), key=lambda x: (-x[1], x[0]))[:top]
    )
