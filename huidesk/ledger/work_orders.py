"""The work-order figures of a report's cohort (the issues received in its period) counted by the
database instead of in Python: one statement over `Reports.cohort_sql` gives the counts, the minutes
to first response and to resolution as histograms (for the medians and the 90th percentiles), and the
issues by category and place (for 热点). A district's 80,000 issues then reach Python as a few
thousand small rows instead of 80,000 wide ones.

The counts mean what huidesk/reports/kpis.py `tally` counts from the cohort's rows, limit for limit
(tests/test_facts.py holds the two equal on random ledgers); kpis.py turns both into the same figures.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from huidesk.ledger.queries import Reports

_DONE = "c.done = 1"
_CALLED = f"{_DONE} AND c.satisfaction IS NOT NULL"
# kpis.COUNTS, each as SQL over the cohort `c` with its limits (NULL sums are read as 0).
COUNTS = (
    ("received", "count(*)"),
    ("responded_in_time", "sum(c.response <= c.response_limit)"),
    ("resolved", f"sum({_DONE})"),
    ("resolved_on_time", f"sum({_DONE} AND c.resolve <= c.resolve_limit)"),
    ("overdue", "sum(c.done = 0 AND c.age > c.resolve_limit)"),
    ("callbacks", f"sum({_CALLED})"),
    ("callbacks_resolved", f"sum({_CALLED} AND c.answer = 'yes')"),
    ("satisfied", f"sum({_DONE} AND c.satisfaction = 'satisfied')"),
    ("basically_satisfied", f"sum({_DONE} AND c.satisfaction = 'basically')"),
    ("unsatisfied", f"sum({_DONE} AND c.satisfaction = 'unsatisfied')"),
    ("repeats", "sum(c.repeat_of IS NOT NULL)"),
    ("transfers", "sum(c.transfers)"),
    ("returns", "sum(c.returns)"),
)


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
    when = "".join(" WHEN c.kind = ? AND coalesce(c.nature, '') = ? THEN ?" for _ in cases)
    limit = [f"CASE{when} ELSE ? END" if cases else "?" for _ in default]
    limit_args = [[v for case in cases for v in (case[0], case[1], case[2 + i])] + [default[i]] for i in range(2)]
    cohort, args = r.cohort_sql(first_callback, lean=True)
    blank = ", ".join("NULL" for _ in COUNTS[1:])
    rows = r.conn.execute(
        f"WITH c AS MATERIALIZED (SELECT o.*, CASE WHEN o.state IN ('resolved', 'closed') THEN 1 ELSE 0 END AS done"
        f"   FROM ({cohort}) o)"
        f" SELECT 0 AS part, NULL AS minutes, NULL AS category, NULL AS place, {', '.join(sql for _, sql in COUNTS)}"
        f" FROM (SELECT c.*, {limit[0]} AS response_limit, {limit[1]} AS resolve_limit FROM c) c"
        f" UNION ALL SELECT 1, c.response, NULL, NULL, count(*), {blank} FROM c WHERE c.response IS NOT NULL"
        f"   GROUP BY c.response"
        f" UNION ALL SELECT 2, c.resolve, NULL, NULL, count(*), {blank} FROM c WHERE {_DONE} AND c.resolve IS NOT NULL"
        f"   GROUP BY c.resolve"
        # the places' paths joined to the counts by category and place, not to every issue
        f" UNION ALL SELECT 3, NULL, h.category, p.path, h.n, {blank} FROM (SELECT c.category, c.place, count(*) AS n"
        f"   FROM c WHERE c.category IS NOT NULL GROUP BY c.category, c.place) h JOIN places p ON p.id = h.place",
        args + limit_args[0] + limit_args[1],
    ).fetchall()
    found: dict = {"counts": {}, "responses": [], "resolutions": [], "hot": []}
    for part, minutes, category, place, *counts in rows:
        if part == 0:
            found["counts"] = {name: int(n or 0) for (name, _), n in zip(COUNTS, counts, strict=True)}
        elif part == 3:
            found["hot"].append((category, place, counts[0]))
        else:
            found["responses" if part == 1 else "resolutions"].append((minutes, counts[0]))
    found["responses"].sort()
    found["resolutions"].sort()
    return found
