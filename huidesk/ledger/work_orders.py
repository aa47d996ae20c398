"""A report's issue figures counted by the database: the issues received, resolved and escalated by kind,
team and month, and the work-order figures of the issues received in the period (DESIGN.md "Work-order
figures") — their counts (by team and place, for the scores), the minutes to first response and to
resolution as histograms (for the medians and the 90th percentiles), and the issues by category and place
(for 热点). Each issue is held to its own deadline (`--due`, 延期) or to its limits counted by the calendar
(kept beside it), and an exempted one (核减) leaves every figure a rate is made of.

Each statement is an aggregate read straight from each of `Reports._sources` (on a ledger: the kept facts
as a table, and the few issues with an event after the report's moment, derived), and the sources' results
are added up here. The work-order counts mean what huidesk/reports/kpis.py `tally` counts from the cohort's
rows, limit for limit (tests/test_facts.py holds the two equal on random ledgers).
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from huidesk.ledger.issues import age_minutes
from huidesk.ledger.sql import moments, period

if TYPE_CHECKING:
    from huidesk.ledger.queries import Reports

_DONE = "(CASE WHEN i.state IN ('resolved', 'closed') THEN 1 ELSE 0 END)"
_CALLED = f"{_DONE} = 1 AND i.{{first}}satisfaction IS NOT NULL"
# An issue exempted (核减) is counted as received and as exempted, and in none of the figures a rate is made of.
_IN = "i.exempt = 0"


def rows_where(condition: str) -> str:
    """SQL counting the rows that meet `condition`: an aggregate's FILTER, which SQLite and DuckDB both run
    faster than a sum of the condition's truth (a province's work-order counts: 2.4 s -> 1.9 s, 0.38 s ->
    0.27 s). NULL counts as false either way."""
    return f"count(*) FILTER (WHERE {condition})"


# kpis.COUNTS, each as SQL over an issue `i` with {response} its minutes to first response (by the setting
# response_events), {resolve_by} its minutes to its resolve deadline (its own, else its limit's), its age
# {age} and {first} the callback read ("" or "first_"). NULL sums are read as 0.
COUNTS = (
    ("received", "count(*)"),
    ("exempted", "sum(i.exempt)"),
    ("responded_in_time", rows_where(f"{_IN} AND {{response}} <= i.respond_within")),
    ("resolved", rows_where(f"{_IN} AND {_DONE}")),
    ("resolved_on_time", rows_where(f"{_IN} AND {_DONE} = 1 AND i.resolve <= {{resolve_by}}")),
    ("overdue", rows_where(f"{_IN} AND {_DONE} = 0 AND {{age}} > {{resolve_by}}")),
    ("callbacks", rows_where(f"{_IN} AND {_CALLED}")),
    ("callbacks_resolved", rows_where(f"{_IN} AND {_CALLED} AND i.{{first}}answer = 'yes'")),
    ("satisfied", rows_where(f"{_IN} AND {_DONE} = 1 AND i.{{first}}satisfaction = 'satisfied'")),
    ("basically_satisfied", rows_where(f"{_IN} AND {_DONE} = 1 AND i.{{first}}satisfaction = 'basically'")),
    ("unsatisfied", rows_where(f"{_IN} AND {_DONE} = 1 AND i.{{first}}satisfaction = 'unsatisfied'")),
    ("repeats", rows_where("i.repeat_of IS NOT NULL")),
    ("transfers", "sum(i.transfers)"),
    ("returns", "sum(i.returns)"),
)
RESOLVE_BY = "coalesce(i.due_in, i.resolve_within)"
# Its limits counted over a year of estimated working days: the response's, or the resolve limit's when it has
# no deadline of its own (the bits of _issue_facts.estimated, huidesk/ledger/deadlines.py).
ESTIMATED = "(i.estimated & 1 OR (i.estimated & 2 AND i.due_in IS NULL))"
_NEVER = "999999999"  # no such event: later than any limit


def response_sql(events: frozenset[str]) -> str:
    """An issue's minutes to its first response, as the setting response_events counts it: the kept
    minutes to a dispatch, an arrival or a resolution (`response`), to a first contact (`contact`), or
    to the earlier of the two."""
    if "dispatched" not in events:
        return "i.contact"
    if "contacted" not in events:
        return "i.response"
    return f"nullif(min(coalesce(i.response, {_NEVER}), coalesce(i.contact, {_NEVER})), {_NEVER})"


FIGURES = ("received", "resolved", "escalated", "escalated_resolved")


def issue_counts(r: "Reports", groupings: tuple[str | None, ...]) -> dict[str | None, list[dict]]:
    """Reports.issue_counts for each grouping (kind, team, month or None), each a list of
    {"key", *FIGURES} in order of key (None first)."""
    recv, a1 = period("substr(i.received_at, 1, 10)", r.since, r.until)
    done, a2 = period("substr(i.resolved_at, 1, 10)", r.since, r.until)
    esc, a3 = moments("e.at", r.since, r.until)
    live, a4 = r.live_events()
    resolved = f"i.state IN ('resolved', 'closed') AND {done}"
    # The escalated issues, from their escalations: a look-up each rather than a test of every issue.
    escalated = (f"(SELECT e.issue_id AS id, max(CASE WHEN {esc} THEN 1 ELSE 0 END) AS in_period FROM issue_events e"
                 f" WHERE e.event = 'escalated' AND {live} GROUP BY e.issue_id) x")
    counted: dict[tuple, list[int]] = {}  # (kind, team) or (month,) -> the FIGURES
    few = (r.since is not None and (dt.date.fromisoformat(r.until) - dt.date.fromisoformat(r.since)).days <= 92
           and not r.scans)
    for table, id_, where, args in r._sources(("state", "resolved_at")):
        if not few:  # a long period: from the escalations (a district's 7,000), each joined to its issue
            escalations = (f"SELECT {{by}}, 0, 0, sum(x.in_period), {rows_where(resolved)} FROM {escalated}"
                           f" JOIN {table} ON {id_} = x.id WHERE {where} GROUP BY {{by}}", a2 + a3 + a4 + args)
        else:  # a month's or a quarter's few issues: each one's escalations looked up
            ever = f"EXISTS (SELECT 1 FROM issue_events e WHERE e.issue_id = {id_} AND e.event = 'escalated' AND {live}"
            escalations = (f"SELECT {{by}}, 0, 0, sum({ever} AND {esc})), sum({resolved} AND {ever})) FROM {table}"
                           f" WHERE {where} GROUP BY {{by}}", a4 + a3 + a2 + a4 + args)
        for statement, values in (
            (f"SELECT {{by}}, {rows_where(recv)}, {rows_where(resolved)}, 0, 0 FROM {table} WHERE {where}"
             " GROUP BY {by}", a1 + a2 + args),
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
    """{"counts": {name: int}, "groups": [(team_id, place_id, {name: int})], "estimated": int, "responses"
    and "resolutions": [(minutes, issues)] in order of minutes, "hot": [(category, place, issues)]} for the
    issues received in `r`'s period, as of its moment, each against its own deadline or the limits kept
    beside it (`_issue_facts`, counted by the settings in force now: the caller reads them only when the
    report's settings give the same, `Reports.kept_limits`). The counts by team and place add up to the
    totals; "estimated": the issues whose limits were counted over a year of estimated working days."""
    from huidesk.domain.settings import setting_events

    response = response_sql(setting_events(settings))
    age, margs = age_minutes(r.as_of)
    first = "first_" if first_callback else ""
    sums, sargs = [], []
    for _, sql in COUNTS:  # each count's arguments in the order its SQL names them
        sums.append(sql.format(response=response, resolve_by=RESOLVE_BY, age=age, first=first))
        sargs += margs if "{age}" in sql else []
    # +: on a ledger, a report from the beginning reads every kept issue from start to end, not through the
    # index by when they were received
    recv, pargs = moments("+i.received_at" if r.since is None and r.facts else "i.received_at", r.since, r.until)
    groups: dict[tuple, list] = {}  # (team, place) -> its counts as each source gives them, in COUNTS' order
    responses, resolutions, hot, estimated = Counter(), Counter(), Counter(), 0
    only = ("state", "response", "resolve", "transfers", "returns", f"{first}answer", f"{first}satisfaction",
            "due_in", "exempt", "contact", "respond_within", "resolve_within", "estimated")
    for table, _, where, args in r._sources(only):
        cohort, cargs = f"FROM {table} WHERE {where} AND {recv}", args + pargs
        for team, place, *found, late in r.read.all(
                f"SELECT i.team_id, i.place_id, {', '.join(sums)}, {rows_where(f'{_IN} AND {ESTIMATED}')}"
                f" {cohort} GROUP BY 1, 2", sargs + cargs):
            groups.setdefault((team, place), []).append([int(n or 0) for n in found])
            estimated += int(late or 0)
        timed = ((responses, response, ""), (resolutions, "i.resolve", f" AND {_DONE} = 1"))
        for histogram, minutes, also in timed:
            histogram.update(dict(r.read.all(
                f"SELECT {minutes}, count(*) {cohort} AND {_IN} AND {minutes} IS NOT NULL{also} GROUP BY 1", cargs)))
        # the places' paths joined to the counts by category and place, not to every issue
        for category, place, n in r.read.all(
            f"SELECT h.category, p.path, h.n FROM (SELECT i.category, i.place_id, count(*) AS n {cohort}"
            f" AND i.category IS NOT NULL GROUP BY 1, 2) h JOIN places p ON p.id = h.place_id", cargs,
        ):
            hot[(category, place)] += n
    names = [name for name, _ in COUNTS]
    found = [(team, place, added(n, names)) for (team, place), n in groups.items()]
    return {"counts": added([counts.values() for *_, counts in found], names),
            "groups": found,
            "estimated": estimated, "responses": sorted(responses.items()),
            "resolutions": sorted(resolutions.items()), "hot": [(c, p, n) for (c, p), n in hot.items()]}


def added(rows: list[Iterable[int]], names: Sequence[str]) -> dict[str, int]:
    """Rows of counts, each in the order of `names`, added up column by column into {name: count}: C's loops,
    where a Counter's update is Python's a key at a time (a province's 14,400 teams and places: 0.45 s)."""
    if not rows:
        return dict.fromkeys(names, 0)
    # one row (a team and place of one ledger, most often) as it is
    return dict(zip(names, rows[0] if len(rows) == 1 else map(sum, zip(*rows))))


def resolved_of(r: "Reports", kinds: tuple[str, ...]) -> list:
    """The issues of `kinds` resolved (or closed) as of the report's moment and last resolved in the
    period — those issue_counts counts as resolved — with the answer of their final callback, their
    minutes to resolution, own deadline, exemption and limits (what the narrative's 解决 and 及时 read)."""
    states, args = r._states(("state", "resolved_at", "resolve", "answer", "due_in", "exempt", "respond_within",
                              "resolve_within", "estimated"))
    done, pargs = period("substr(i.resolved_at, 1, 10)", r.since, r.until)
    return r.read.all(
        f"SELECT i.id, i.kind, i.nature, i.received_at, i.resolve, i.answer, i.due_in, i.exempt,"
        f" i.respond_within, i.resolve_within, i.estimated FROM ({states}) i"
        f" WHERE i.state IN ('resolved', 'closed') AND {done} AND i.kind IN ({', '.join('?' for _ in kinds)})"
        f" ORDER BY i.id",
        args + pargs + list(kinds),
    )

def narrated(r: "Reports") -> dict[str, int]:
    """What `resolved_of` gives the narrative, counted in SQL against the limits kept beside each issue (for a
    report whose settings count those: `Reports.kept_limits`): the livelihood issues resolved in the period
    whose final callback does not answer 未解决, and the safety hazards resolved in it by their deadline; an
    exempted issue is neither. One aggregate over each source, where reading the issues out took three times
    as long on a district."""
    done, pargs = period("substr(i.resolved_at, 1, 10)", r.since, r.until)
    found = {"livelihood": 0, "safety_hazard": 0}
    solution = rows_where("i.kind = 'livelihood' AND coalesce(i.answer, '') <> 'no'")
    in_time = rows_where(f"i.kind = 'safety_hazard' AND i.resolve <= {RESOLVE_BY}")
    for table, _, where, args in r._sources(("state", "resolved_at", "resolve", "answer", "due_in", "exempt",
                                             "resolve_within")):
        solved, timely = r.read.one(
            f"SELECT {solution}, {in_time} FROM {table} WHERE {where}"
            f" AND i.kind IN ('livelihood', 'safety_hazard') AND i.exempt = 0 AND i.state IN ('resolved', 'closed')"
            f" AND {done}", args + pargs)
        found["livelihood"] += int(solved or 0)
        found["safety_hazard"] += int(timely or 0)
    return found


def exemptions(r: "Reports") -> list:
    """The issues received in the period and exempted (核减) as of the report's moment, with when, why and
    by whose approval (their live exemption)."""
    states, args = r._states(("exempt",))
    recv, pargs = moments("i.received_at", r.since, r.until)
    live, largs = r.live_events()
    return r.read.all(
        f"SELECT i.id, x.ref, i.received_at, i.kind, p.path AS place, t.name AS team, e.at AS exempted_at,"
        f" e.note AS reason, e.approver FROM ({states}) i JOIN issues x ON x.id = i.id"
        f" JOIN places p ON p.id = i.place_id LEFT JOIN teams t ON t.id = i.team_id"
        f" JOIN issue_events e ON e.issue_id = i.id AND e.event = 'exempted' AND {live}"
        f" WHERE i.exempt AND {recv} ORDER BY i.received_at, i.id",
        args + largs + pargs,
    )
