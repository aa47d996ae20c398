"""The work-order figures (三率 and times), from the rows the ledger's queries give, as typed values:
`Kpis` (the figures of one set of issues) and `HotSpot` (热点: a category and where it was raised most)."""

from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal

from huidesk.reports.values import Value, optional, value


def months(since: str, until: str) -> Iterator[str]:
    """Every 'YYYY-MM' from since's month to until's month."""
    y, m = int(since[:4]), int(since[5:7])
    while f"{y:04d}-{m:02d}" <= until[:7]:
        yield f"{y:04d}-{m:02d}"
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def percentile(ordered: Sequence[int], pct: int) -> int | None:
    """The nearest-rank percentile (pct in 1..100) of sorted whole minutes; None for no values."""
    if not ordered:
        return None
    rank = max(1, (len(ordered) * pct + 99) // 100)  # integer ceil: no float drift
    return ordered[rank - 1]


def median(ordered: Sequence[int]) -> int | None:
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
    ("received", "受理", "received", "本期受理的诉求（含核减的）", "issues received in the period (exempted ones too)"),
    ("exempted", "核减", "exempted", "经批准核减的诉求：计入受理，不计入以下各项和各项比率",
     "exempted by approval (核减): counted as received, left out of every figure below and every rate"),
    ("responded_in_time", "按时响应", "responded in time",
     "受理后在响应时限内首次响应（默认派单、到场或办结；setting response_events 可计先行联系）",
     "first response (by default a dispatch, an arrival or a resolution; setting response_events may count a first"
     " contact) within the response limit"),
    ("resolved", "办结", "resolved", "本期受理、截至统计时点已办结（或关闭）",
     "of those received, resolved or closed by the as-of moment"),
    ("resolved_on_time", "按时办结", "resolved on time",
     "已办结且最后一次办结在时限内（本件时限或延期后的时限，否则按设置的办结时限）",
     "resolved, the last resolution by its deadline (its own or extended one, else the resolve limit)"),
    ("overdue", "超期", "overdue", "截至统计时点未办结且已过时限",
     "unresolved and past its deadline at the as-of moment"),
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
    ("response_rate", "响应率(%)", "response rate %", "按时响应 ÷ (受理 − 核减)",
     "responded in time ÷ (received − exempted)"),
    ("closure_rate", "办结率(%)", "closure rate %", "办结 ÷ (受理 − 核减)", "resolved ÷ (received − exempted)"),
    ("on_time_rate", "按时办结率(%)", "on-time rate %", "按时办结 ÷ (办结 + 超期)",
     "resolved on time ÷ (resolved + overdue)"),
    ("callback_rate", "回访率(%)", "callback rate %", "回访 ÷ 办结", "called back ÷ resolved"),
    ("resolution_rate", "解决率(%)", "resolution rate %", "回访已解决 ÷ 回访", "callbacks: resolved ÷ called back"),
    ("satisfaction_rate", "满意率(%)", "satisfaction rate %", "(满意 + 权重 × 基本满意) ÷ 回访",
     "(satisfied + weight × basically satisfied) ÷ called back"),
)
COUNTS = tuple(f[0] for f in FIGURES if not f[0].endswith("_rate"))
RATES = tuple(f[0] for f in FIGURES if f[0].endswith("_rate"))
# What `tally` counts of some issues: COUNTS, the sorted minutes to first response and to resolution, and
# how many were held to limits counted over estimated working days.
Tally = tuple[dict, list[int], list[int], int]


@value
class Kpis(Value):
    """The work-order figures of the issues received in a period, as of the report's moment: the counts
    and rates of FIGURES in its order, then the median and 90th percentile of the minutes to first
    response and to resolution (None: nothing to measure)."""

    received: int
    exempted: int
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
    # the issues whose limits were counted over a year whose working days are not published (Monday to
    # Friday): the figures are estimates, and the report says so (left out while there are none)
    estimated: int | None = optional()


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
    assessed = c["received"] - c.get("exempted", 0)  # an exempted issue leaves every rate
    return {
        "response_rate": rate(c["responded_in_time"], assessed),
        "closure_rate": rate(c["resolved"], assessed),
        "on_time_rate": rate(c["resolved_on_time"], c["resolved"] + c["overdue"]),
        "callback_rate": rate(c["callbacks"], c["resolved"]),
        "resolution_rate": rate(c["callbacks_resolved"], c["callbacks"]),
        "satisfaction_rate": rate(c["satisfied"] + weight * c["basically_satisfied"], c["callbacks"]),
    }


def kpis(cohort: list, settings: Mapping[str, str], kept: bool = False) -> Kpis:
    """The work-order figures of DESIGN.md for the issues received in a period, each as of the
    report's moment (the rows `Reports.cohort` gives). `kept`: the limits kept beside each issue are the
    ones `settings` count (`Reports.kept_limits`); else they are counted here."""
    return tallied(tally(cohort, settings, kept), settings)


def tallied(found: Tally, settings: Mapping[str, str]) -> Kpis:
    """figures() of a tally (`tally`, `combined`)."""
    counts, responses, resolutions, estimated = found
    return figures(counts, responses, resolutions, settings, estimated)


def combined(tallies: list[Tally]) -> Tally:
    """The tally (`tally`) of several sets of rows, none in two of them, from theirs: the counts and estimates
    added, the minutes sorted together."""
    from itertools import chain

    from huidesk.ledger.work_orders import added

    counts = added([found.values() for found, *_ in tallies], COUNTS)  # each tally's in COUNTS' order
    return (counts, sorted(chain.from_iterable(t[1] for t in tallies)),
            sorted(chain.from_iterable(t[2] for t in tallies)), sum(t[3] for t in tallies))


def figures(counts: Mapping[str, int], responses: Sequence[int], resolutions: Sequence[int],
            settings: Mapping[str, str], estimated: int = 0) -> Kpis:
    """The counts with their rates, and the median and 90th percentile of the sorted minutes to first
    response and to resolution."""
    return Kpis(
        **{key: counts[key] for key in COUNTS},
        **rates(counts, settings),
        response_minutes_median=median(responses),
        response_minutes_p90=percentile(responses, 90),
        resolve_minutes_median=median(resolutions),
        resolve_minutes_p90=percentile(resolutions, 90),
        estimated=estimated or None,
    )


def counted(found: dict, settings: Mapping[str, str]) -> Kpis:
    """figures() of what huidesk/ledger/work_orders.py counted (its minutes as histograms)."""
    return figures(found["counts"], Spread(found["responses"]), Spread(found["resolutions"]), settings,
                   found["estimated"])


class Spread(Sequence):
    """The sorted minutes of a histogram ([(minutes, issues)] in order of minutes) as median() and percentile()
    read them, each by its rank, without writing them all out (a province's 800,000 resolutions)."""

    def __init__(self, histogram: list) -> None:
        from itertools import accumulate

        self._minutes = [minutes for minutes, _ in histogram]
        self._ends = list(accumulate(n for _, n in histogram))  # the rank after each value's last

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def __getitem__(self, rank):  # a rank from 0, as a list is indexed
        from bisect import bisect_right

        if not 0 <= rank < len(self):
            raise IndexError(rank)
        return self._minutes[bisect_right(self._ends, rank)]


def limits_of(settings: Mapping[str, str], kept: bool):
    """row → (minutes to the end of its response limit, to its resolve deadline, estimated) for a cohort row:
    its own deadline (`--due`, 延期) when it has one, else its limits — kept beside it when `kept`, else
    counted from `settings` (the calendar's rule: huidesk/domain/lifecycle.py `deadlines`)."""
    from huidesk.domain.lifecycle import deadlines

    count = deadlines(settings)

    def of(row) -> tuple[int, int, bool]:
        if kept and row["respond_within"] is not None:
            respond, resolve, estimated = row["respond_within"], row["resolve_within"], row["estimated"]
        else:
            respond, resolve, estimated = count(row["received_at"], row["kind"], row["nature"])
        own = row["due_in"] is not None  # its own deadline: the resolve limit's estimate does not count
        return respond, row["due_in"] if own else resolve, bool(estimated & 1 or (estimated & 2 and not own))

    return of


def response_of(settings: Mapping[str, str]):
    """row → its minutes to first response, by the events the setting response_events counts."""
    from operator import itemgetter

    from huidesk.domain.settings import setting_events

    events = setting_events(settings)
    counted = [c for c, event in (("response", "dispatched"), ("contact", "contacted")) if event in events]
    if len(counted) == 1:  # one of them (the settings allow no other): read as it is
        return itemgetter(counted[0])

    def of(row) -> int | None:
        found = [m for m in (row["response"], row["contact"]) if m is not None]
        return min(found) if found else None

    return of


def tally(cohort: list, settings: Mapping[str, str], kept: bool = False) -> Tally:
    """The COUNTS of the cohort's rows, their sorted minutes to first response and to resolution, and how
    many were held to limits counted over estimated working days (huidesk/ledger/work_orders.py counts the
    same in SQL)."""
    return tallier(settings, kept)(cohort)


def tallier(settings: Mapping[str, str], kept: bool = False) -> Callable[[list], Tally]:
    """`tally` with the settings read once, for many cohorts (a report's teams)."""
    from huidesk.domain.lifecycle import DONE

    limit, response_minutes = limits_of(settings, kept), response_of(settings)
    answers = {"yes": "callbacks_resolved"}
    feelings = {"satisfied": "satisfied", "basically": "basically_satisfied", "unsatisfied": "unsatisfied"}

    def count(cohort: list) -> Tally:
        c = dict.fromkeys(COUNTS, 0)
        responses, resolutions, estimated = [], [], 0
        for row in cohort:
            c["received"] += 1
            c["repeats"] += row["repeat_of"] is not None
            c["transfers"] += row["transfers"]
            c["returns"] += row["returns"]
            if row["exempt"]:
                c["exempted"] += 1
                continue
            response_limit, resolve_limit, guessed = limit(row)
            estimated += guessed
            response = response_minutes(row)
            if response is not None:
                responses.append(response)
                if response <= response_limit:
                    c["responded_in_time"] += 1
            state, resolve, satisfaction = row["state"], row["resolve"], row["satisfaction"]
            if state in DONE:
                c["resolved"] += 1
                # None: closed, its resolution voided since: resolved, but neither on time nor timed
                if resolve is not None:
                    resolutions.append(resolve)
                    if resolve <= resolve_limit:
                        c["resolved_on_time"] += 1
                if satisfaction is not None:
                    c["callbacks"] += 1
                    if row["answer"] in answers:
                        c[answers[row["answer"]]] += 1
                    c[feelings[satisfaction]] += 1
            elif row["age"] > resolve_limit:
                c["overdue"] += 1
        responses.sort()
        resolutions.sort()
        return c, responses, resolutions, estimated

    return count


def hot(cohort: list, top: int = 10, places: int = 3) -> tuple[HotSpot, ...]:
    """热点: the categories of the issues received, most first, each with the places that raised it
    most (issues without a category are left out)."""
    return ranked(((row["category"], row["place"], 1) for row in cohort), top, places)


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


# --- the score a street ranks its communities and teams by (考核) ---

SCORED = ("response_rate", "resolution_rate", "satisfaction_rate")


@value
class Score(Value):
    """A community's or a team's standing: its issues received and exempted, the three rates the score
    weighs (each as its report shows it, one decimal), the score and the rank among those scored (ties
    share a rank; None: a rate it weighs has nothing to divide by, so neither score nor rank)."""

    name: str
    place: str | None
    received: int
    exempted: int
    response_rate: Decimal | None
    resolution_rate: Decimal | None
    satisfaction_rate: Decimal | None
    score: Decimal | None
    rank: int | None


@value
class Scores(Value):
    """The score of each community (社区/村) and each team in scope, ranked, with the weights it was made by."""

    weights: str
    communities: tuple[Score, ...]
    teams: tuple[Score, ...]


def score(figures: Mapping[str, Decimal | None], weights: tuple[Decimal, Decimal, Decimal]) -> Decimal | None:
    """(w1·响应率 + w2·解决率 + w3·满意率) ÷ (w1 + w2 + w3), the rates as shown (percent, one decimal), to two
    decimals (half up); None when a rate with a weight is None."""
    from decimal import ROUND_HALF_UP

    if any(figures[key] is None and w for key, w in zip(SCORED, weights, strict=True)):
        return None
    total = sum((w * (figures[key] or 0) for key, w in zip(SCORED, weights, strict=True)), Decimal(0))
    return (total / sum(weights)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def ranked_scores(units: list[tuple[str, str | None, Mapping[str, int]]], settings: Mapping[str, str]
                  ) -> tuple[Score, ...]:
    """Each (name, place, counts) scored by the setting score_weights and ranked, highest first (ties share
    the higher rank and keep their given order; the unscored follow, unranked)."""
    from huidesk.domain.settings import setting_weights

    weights = setting_weights(settings)
    made = []
    for name, place, counts in units:
        found = rates(counts, settings)
        made.append((name, place, counts, found, score(found, weights)))
    order = sorted(range(len(made)), key=lambda i: (made[i][4] is None, -(made[i][4] or 0), i))
    scores, rank, last = [], 0, None
    for position, i in enumerate(order, 1):
        name, place, counts, found, value_ = made[i]
        if value_ is not None and value_ != last:
            rank, last = position, value_
        scores.append(Score(name, place, counts["received"], counts["exempted"], *(found[k] for k in SCORED),
                            value_, rank if value_ is not None else None))
    return tuple(scores)


def weights_text(settings: Mapping[str, str]) -> str:
    """The weights as the sheet and the JSON state them: 10/45/45."""
    from huidesk.domain.settings import setting_weights

    return "/".join(f"{w.normalize():f}" for w in setting_weights(settings))


@value
class Exemption(Value):
    """An issue received in the period and exempted (核减) by the report's moment: counted as received and
    as exempted, left out of every rate, and listed with why and who approved it."""

    id: int
    ref: str | None
    received_at: str
    kind: str
    place: str
    team: str | None
    exempted_at: str
    reason: str | None
    approver: str | None


def orders_from(cohort: list, settings: Mapping[str, str], kept: bool = False) -> dict:
    """What huidesk/ledger/work_orders.py `work_orders` counts in SQL, counted from the cohort's rows in
    Python: for a report whose settings as of its moment count other limits than those kept (a limit or a
    calendar day set since), or a warehouse, which keeps none."""
    from collections import Counter

    groups: dict[tuple, list] = {}
    for row in cohort:
        groups.setdefault((row["team_id"], row["place_id"]), []).append(row)
    found, responses, resolutions, estimated = [], [], [], 0
    total: Counter = Counter()
    for (team, place), rows in groups.items():
        counts, times, took, late = tally(rows, settings, kept)
        found.append((team, place, counts))
        total.update(counts)
        responses += times
        resolutions += took
        estimated += late
    return {"counts": {key: total[key] for key in COUNTS}, "groups": found, "estimated": estimated,
            "responses": sorted(Counter(responses).items()), "resolutions": sorted(Counter(resolutions).items()),
            "hot": [(row["category"], row["place"], 1) for row in cohort]}
