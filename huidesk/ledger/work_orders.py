"""A report's issue figures counted by the database: the issues received, resolved and escalated by kind,
team and month, and the work-order figures of the issues received in the period (DESIGN.md "Work-order
figures") — their counts, the minutes to first response and to resolution as histograms (for the medians
and the 90th percentiles), and the issues by category and place (for 热点).

Each statement is an aggregate read straight from each of `Reports._sources` (on a ledger: the kept facts
as a table, and the few issues with an event after the report's moment, derived), and the sources' results
are added up here. The work-order counts mean what huidesk/reports/kpis.py `tally` counts from the cohort's
rows, limit for limit (tests/test_facts.py holds the two equal on random ledgers).
"""

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING

from huidesk.ledger.issues import age_minutes, live_events
from huidesk.ledger.sql import moments, period

if TYPE_CHECKING:
    from huidesk.ledger.queries import Reports

_DONE = "(CASE WHEN i.state IN ('resolved', 'closed') THEN 1 ELSE 0 END)"
_CALLED = f"{_DONE} = 1 AND i.{{first}}satisfaction IS NOT NULL"
# kpis.COUNTS, each as SQL over an issue `i` with its limits {response} and {resolve}, its age {age} and
# {first} the callback read ("" or "first_"). NULL sums are read as 0.
COUNTS = (
    ("received", "count(*)"),
    ("responded_in_time", "sum(i.response <= {response})"),
    ("resolved", f"sum({_DONE})"),
    ("resolved_on_time", f"sum({_DONE} = 1 AND i.resolve <= {{resolve}})"),
    ("overdue", f"sum({_DONE} = 0 AND {{age}} > {{resolve}})"),
    ("callbacks", f"sum({_CALLED})"),
    ("callbacks_resolved", f"sum({_CALLED} AND i.{{first}}answer = 'yes')"),
    ("satisfied", f"sum({_DONE} = 1 AND i.{{first}}satisfaction = 'satisfied')"),
    ("basically_satisfied", f"sum({_DONE} = 1 AND i.{{first}}satisfaction = 'basically')"),
    ("unsatisfied", f"sum({_DONE} = 1 AND i.{{first}}satisfaction = 'unsatisfied')"),
    ("repeats", "sum(i.repeat_of IS NOT NULL)"),
    ("transfers", "sum(i.transfers)"),
    ("returns", "sum(i.returns)"),
)
FIGURES = ("received", "resolved", "escalated", "escalated_resolved")


def issue_counts(r: "Reports", groupings: tuple[str | None, ...]) -> dict[str | None, list[dict]]:
    """Reports.issue_counts for each grouping (kind, team, month or None), each a list of
    {"key", *FIGURES} in order of key (None first)."""
    recv, a1 = period("substr(i.received_at, 1, 10)", r.since, r.until)
    done, a2 = period("substr(i.resolved_at, 1, 10)", r.since, r.until)
    esc, a3 = moments("e.at", r.since, r.until)
    live, a4 = live_events(r.as_of)
    resolved = f"i.state IN ('resolved', 'closed') AND {done}"
    # The escalated issues, from their escalations: a look-up each rather than a test of every issue.
    escalated = (f"(SELECT e.issue_id AS id, max(CASE WHEN {esc} THEN 1 ELSE 0 END) AS in_period FROM issue_events e"
                 f" WHERE e.event = 'escalated' AND {live} GROUP BY e.issue_id) x")
    counted: dict[tuple, list[int]] = {}  # (kind, team) or (month,) -> the FIGURES
    few = r.since is not None and (dt.date.fromisoformat(r.until) - dt.date.fromisoformat(r.since)).days <= 92
    for table, id_, where, args in r._sources(("state", "resolved_at")):
        if not few:  # a long period: from the escalations (a district's 7,000), each joined to its issue
            escalations = (f"SELECT {{by}}, 0, 0, sum(x.in_period), sum({resolved}) FROM {escalated}"
                           f" JOIN {table} ON {id_} = x.id WHERE {where} GROUP BY {{by}}", a2 + a3 + a4 + args)
        else:  # a month's or a quarter's few issues: each one's escalations looked up
            ever = f"EXISTS (SELECT 1 FROM issue_events e WHERE e.issue_id = {id_} AND e.event = 'escalated' AND {live}"
            escalations = (f"SELECT {{by}}, 0, 0, sum({ever} AND {esc})), sum({resolved} AND {ever})) FROM {table}"
                           f" WHERE {where} GROUP BY {{by}}", a4 + a3 + a2 + a4 + args)
        for statement, values in (
            (f"SELECT {{by}}, sum({recv}), sum({resolved}), 0, 0 FROM {table} WHERE {where} GROUP BY {{by}}",
             a1 + a2 + args),
            escalations,
        ):
            for by, wanted in (("i.kind, i.team_id", set(groupings) - {"month"}), ("substr(i.received_at, 1, 7)",
                                                                                  "month" in groupings)):
                if wanted:
                    for *key, a, b, c, d in r.read.all(statement.format(by=by), values):
                        n = counted.setdefault(tuple(key), [0, 0, 0, 0])
                        for at, value in enumerate((a, b, c, d)):
                            n[at] += value or 0
    result = {}
    for by in groupings:
        sums: dict = {}
        for key, n in counted.items():
            if (by == "month") == (len(key) == 1):
                k = {"kind": key[0], "team": key[-1], "month": key[0]}.get(by)  # type: ignore[arg-type]
                sums[k] = [a + b for a, b in zip(sums.get(k, (0, 0, 0, 0)), n, strict=True)]
        result[by] = [dict(key=k, **dict(zip(FIGURES, sums[k], strict=True)))
                      for k in sorted(sums, key=lambda k: (k is not None, k))]
    return result


def work_orders(r: "Reports", settings: dict[str, str], first_callback: bool = False) -> dict:
    """{"counts": {name: int}, "responses" and "resolutions": [(minutes, issues)] in order of minutes,
    "hot": [(category, place, issues)]} for the issues received in `r`'s period, as of its moment."""
    from huidesk.domain.lifecycle import limits
    from huidesk.domain.vocab import VOCABS

    limit_of = limits(settings)
    default = limit_of("", None)  # no kind or nature has a limit of its own
    cases = [(kind, nature or "", *limit_of(kind, nature))
             for kind in VOCABS["issue_kind"] for nature in (None, *VOCABS["nature"])]
    cases = [case for case in cases if case[2:] != default]
    # Each issue's limits: the default, unless its kind and nature have their own (a CASE: joining a table
    # of limits cost a scan of it per issue).
    when = "".join(" WHEN i.kind = ? AND coalesce(i.nature, '') = ? THEN ?" for _ in cases)
    limit = [f"(CASE{when} ELSE ? END)" if cases else "?" for _ in default]
    limit_args = [[v for case in cases for v in (case[0], case[1], case[2 + i])] + [default[i]] for i in range(2)]
    age, margs = age_minutes(r.as_of)
    first = "first_" if first_callback else ""
    sums, sargs = [], []
    for _, sql in COUNTS:  # each count's arguments in the order its SQL names them: limit, age, limit
        sums.append(sql.format(response=limit[0], resolve=limit[1], age=age, first=first))
        sargs += (limit_args[0] if "{response}" in sql else []) + (margs if "{age}" in sql else []) \
            + (limit_args[1] if "{resolve}" in sql else [])
    # +: on a ledger, a report from the beginning reads every kept issue from start to end, not through the
    # index by when they were received
    recv, pargs = moments("+i.received_at" if r.since is None and r.facts else "i.received_at", r.since, r.until)
    counts, responses, resolutions, hot = Counter(), Counter(), Counter(), Counter()
    only = ("state", "response", "resolve", "transfers", "returns", f"{first}answer", f"{first}satisfaction")
    for table, _, where, args in r._sources(only):
        cohort, cargs = f"FROM {table} WHERE {where} AND {recv}", args + pargs
        found = r.read.one(f"SELECT {', '.join(sums)} {cohort}", sargs + cargs)
        counts.update({name: int(n or 0) for (name, _), n in zip(COUNTS, found, strict=True)})
        timed = ((responses, "i.response", ""), (resolutions, "i.resolve", f" AND {_DONE} = 1"))
        for histogram, minutes, also in timed:
            histogram.update(dict(r.read.all(
                f"SELECT {minutes}, count(*) {cohort} AND {minutes} IS NOT NULL{also} GROUP BY 1", cargs)))
        # the places' paths joined to the counts by category and place, not to every issue
        for category, place, n in r.read.all(
            f"SELECT h.category, p.path, h.n FROM (SELECT i.category, i.place_id, count(*) AS n {cohort}"
            f" AND i.category IS NOT NULL GROUP BY 1, 2) h JOIN places p ON p.id = h.place_id", cargs,
        ):
            hot[(category, place)] += n
    return {"counts": {name: counts[name] for name, _ in COUNTS}, "responses": sorted(responses.items()),
            "resolutions": sorted(resolutions.items()), "hot": [(c, p, n) for (c, p), n in hot.items()]}
