"""The work-order figures of DESIGN.md (三率 and times), from the rows the ledger's queries give."""

from collections.abc import Iterator

ISSUE_KINDS = ("suggestion", "livelihood", "safety_hazard", "risk", "dispute", "non_police", "infrastructure")


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


def kpis(cohort: list, callbacks: list, settings: dict[str, str]) -> dict[str, object]:
    """The work-order figures of DESIGN.md from issues received in a period and its callbacks
    (counted by answer, as `Reports.callbacks` gives them)."""
    from bisect import bisect_right
    from decimal import Decimal

    from huidesk.domain.figures import rate

    limit = int(Decimal(settings["response_limit_hours"]) * 60)
    weight = Decimal(settings["basically_weight"])
    received = len(cohort)
    responses, resolutions = [], []
    # One pass, unpacking each row in cohort()'s column order: a district has ~80,000 issues, and
    # looking columns up by name took twice as long.
    for _id, _team, _kind, state, response, resolve in cohort:
        if response is not None:
            responses.append(response)
        if resolve is not None and state in ("resolved", "closed"):
            resolutions.append(resolve)
    responses.sort()
    resolutions.sort()
    in_time = bisect_right(responses, limit)
    resolved = len(resolutions)
    n = sum(c["n"] for c in callbacks)
    yes = sum(c["n"] for c in callbacks if c["answer"] == "yes")
    satisfied = sum(c["n"] for c in callbacks if c["satisfaction"] == "satisfied")
    basically = sum(c["n"] for c in callbacks if c["satisfaction"] == "basically")
    return {
        "received": received,
        "responded_in_time": in_time,
        "resolved": resolved,
        "callbacks": n,
        "callbacks_resolved": yes,
        "satisfied": satisfied,
        "basically_satisfied": basically,
        "unsatisfied": n - satisfied - basically,
        "response_rate": rate(in_time, received),
        "closure_rate": rate(resolved, received),
        "resolution_rate": rate(yes, n),
        "satisfaction_rate": rate(satisfied + weight * basically, n),
        "response_minutes_median": percentile(responses, 50),
        "response_minutes_p90": percentile(responses, 90),
        "resolve_minutes_median": percentile(resolutions, 50),
        "resolve_minutes_p90": percentile(resolutions, 90),
    }
