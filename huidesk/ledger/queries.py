"""Report queries beside the store: SQL aggregates over a scope (a team or a place and everything
below it) and a period. Each figure counts what DESIGN.md says it counts; void records are left out.

Periods are inclusive dates; `since=None` means from the beginning. Moments are compared by their
local date (`substr(at, 1, 10)`), since every moment is stored with the ledger's own offset.
"""

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from huidesk.ledger import facts
from huidesk.ledger.issues import age_minutes, joined, live_events
from huidesk.ledger.sql import moments, period

if TYPE_CHECKING:
    from huidesk.ledger.store import Store

# The facts of an issue a report may read: those the triggers keep, then the limits Python counts.
ALL_FACTS = (*facts.COLUMNS, *facts.LIMITS)


@dataclass(frozen=True)
class Scope:
    """Whose work a report covers: one team, the teams and issues under a place, or everything."""

    team_id: int | None = None
    place_path: str | None = None
    label: str = ""

    def teams(self) -> tuple[str, list]:
        """SQL for the ids of the teams in scope."""
        if self.team_id is not None:
            return "SELECT ?", [self.team_id]
        if self.place_path is not None:
            return _UNDER.format(table="teams", alias="t"), self._path()
        return "SELECT id FROM teams", []

    def places(self) -> tuple[str, list]:
        """SQL for the ids of the places in scope (for issues, cards and wishes, which have a place)."""
        if self.place_path is None:
            return "SELECT id FROM places", []
        return "SELECT p.id FROM places p WHERE p.path = ? OR p.path LIKE ? ESCAPE '\\'", self._path()

    @property
    def everything(self) -> bool:
        return self.team_id is None and self.place_path is None

    def team_filter(self, column: str) -> tuple[str, list]:
        """SQL for `column` holding a team in scope. For the whole ledger no condition at all: every
        record's team is a team of the ledger (NOT NULL, a foreign key), and testing it row by row
        cost a look-up per visit."""
        if self.everything:
            return "1 = 1", []
        teams, args = self.teams()
        return f"{column} IN ({teams})", args

    def _path(self) -> list:
        escaped = self.place_path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")  # type: ignore[union-attr]
        return [self.place_path, escaped + "/%"]


# A person, of a member record `m`: their registration number, else the record itself.
PERSON = "coalesce(m.reg_no, '#' || CAST(m.id AS TEXT))"

_UNDER = (
    "SELECT {alias}.id FROM {table} {alias} JOIN places p ON p.id = {alias}.place_id"
    " WHERE p.path = ? OR p.path LIKE ? ESCAPE '\\'"
)


def _whole_months(since: str | None, until: str) -> tuple[str, str]:
    """The first and the last month ('YYYY-MM') wholly inside a period; the first after the last when
    the period holds no whole month."""
    import datetime as dt

    def step(month: str, by: int) -> str:
        n = int(month[:4]) * 12 + int(month[5:7]) - 1 + by
        return f"{n // 12:04d}-{n % 12 + 1:02d}"

    first = "0000-01" if since is None else since[:7] if since[8:] == "01" else step(since[:7], 1)
    ends = (dt.date.fromisoformat(until) + dt.timedelta(days=1)).day == 1
    return first, until[:7] if ends else step(until[:7], -1)


class Reports:
    """Every aggregate a summary or a monthly report prints, for one scope and period."""

    def __init__(self, store: "Store", scope: Scope, since: str | None, until: str, as_of: str | None = None) -> None:
        """`as_of`: the moment the report sees the ledger at (the end of --today); issues received and
        events dated after it do not exist for the report. None: everything recorded."""
        self.read, self.scope, self.since, self.until, self.as_of = store.read, scope, since, until, as_of
        self.facts = store.keeps_facts  # the facts kept beside the records (facts.py) are there to read
        self._all = self.read.all
        # A record voided after the report's moment is live for it. When one was (a report as of an earlier
        # moment), every condition on a record's void says so, and the kept facts — of live records only —
        # are not read: the report derives what it needs from the records.
        self.voided_after = store.voided_since(as_of)
        if self.voided_after is not None:
            self.facts = False
        self._store = store
        self.scans = store.scans  # whether a few records are found by scanning (a warehouse), not looked up
        self._later_events: bool | None = None
        self._paths: dict[int, str] | None = None

    def on(self, store: "Store") -> "Reports":
        """This report read through `store`, another reader of exactly the same state (Store.twin): what
        this one found out about it (a void after the moment, a later event) is not asked again."""
        import copy

        if self.as_of is not None and self.facts:
            self._later()  # asked here once, not by each reader
        other = copy.copy(self)
        other.read, other._all, other._store = store.read, store.read.all, store
        return other

    def live(self, alias: str) -> tuple[str, list]:
        """SQL for record `alias` being live as of the report's moment (not void, or voided after it)."""
        if self.voided_after is None:
            return f"{alias}.void_reason IS NULL", []
        return f"({alias}.void_reason IS NULL OR {alias}.void_at > ?)", [self.voided_after]

    def kept_limits(self, settings: Mapping[str, str]) -> bool:
        """Whether each issue's limits kept beside it (counted by the settings in force now) are the ones
        `settings` (a report's, as of its moment) count: the same limits and calendar days, on a ledger whose
        kept facts the report reads. Else the report counts them from its own settings."""
        from huidesk.domain.lifecycle import deadlines
        from huidesk.domain.settings import deadline_settings

        deadlines(settings)  # the limits checked as `setting set` checks them: a bad stored one named in one line
        return self.facts and deadline_settings(settings) == deadline_settings(self._store.settings())

    # --- activities and visits ---

    def activities(self, by: str | None = None) -> list[sqlite3.Row]:
        """count, minutes, served — in total, or grouped by team_id, theme or month."""
        teams, targs = self.scope.team_filter("a.team_id")
        when, pargs = period("a.date", self.since, self.until)
        # +a.team_id: group after reading by date, not by walking the team index in random order.
        key = {"team": "+a.team_id", "theme": "a.theme", "month": "substr(a.date, 1, 7)", None: "NULL"}[by]
        live, largs = self.live("a")
        return self._all(
            f"SELECT {key} AS key, count(*) AS count, coalesce(sum(a.minutes), 0) AS minutes,"
            f" coalesce(sum(a.served), 0) AS served FROM activities a"
            f" WHERE {live} AND {teams} AND {when} GROUP BY 1 ORDER BY 1",
            largs + targs + pargs,
        )

    def visits(self, by: str | None = None, households: bool = True) -> list[sqlite3.Row]:
        """count and (unless not wanted) distinct households visited — in total, or by team_id or month.

        Counted from the (date, team_id, void_reason) index alone: by date (and team) first, in the
        index's order, then summed by month — grouping 600,000 visits by a computed month key
        sorted them all. Households: a resident counts once however often visited, so in total it is
        the residents with a visit in scope (one look-up each in the households kept beside the visits,
        facts.py, by resident and date; on a warehouse, through the visits) rather than a DISTINCT over
        every visit's residents; by team, read in (team, resident) order from the kept households, or on
        a warehouse, deduplicated from the join."""
        teams, targs = self.scope.team_filter("v.team_id")
        when, pargs = period("v.date", self.since, self.until)
        vlive, vargs = self.live("v")  # (no arguments whenever the kept facts are read)
        live = f"{vlive} AND {teams} AND {when}"
        cargs = vargs + targs + pargs
        if self.facts:
            counts, cargs = self._visit_counts(by)
        elif by == "month":
            counts = (f"SELECT substr(d, 1, 7) AS key, sum(n) AS count FROM (SELECT v.date AS d, count(*) AS n"
                      f" FROM visits v WHERE {live} GROUP BY v.date) GROUP BY 1")
        elif by == "team":
            counts = f"SELECT v.team_id AS key, count(*) AS count FROM visits v WHERE {live} GROUP BY 1"
        else:
            # none: no row. Not GROUP BY 1: grouping by a constant sorted every visit.
            counts = f"SELECT * FROM (SELECT NULL AS key, count(*) AS count FROM visits v WHERE {live}) WHERE count > 0"
        if not households:
            return self._all(f"{counts} ORDER BY 1", cargs)
        kept, day = self.homes()
        teams_in, when_in = self.scope.team_filter("h.team_id")[0], period(day, self.since, self.until)[0]
        if by == "team" and self.facts:  # in (team, resident) order from the kept households (facts.py)
            # _visit_firsts holds a team's household once (its key): its rows are counted, not told apart
            # (DuckDB's count(DISTINCT) took 0.10 of a 10-district dataset's 0.11 s)
            counted = "count(DISTINCT h.resident_id)" if self.since else "count(*)"
            homes = (f"SELECT h.team_id AS key, {counted} AS households FROM {kept}"
                     f" WHERE {teams_in} AND {when_in} GROUP BY 1")
        elif by is None and self.facts:  # a look-up per resident in the kept households by resident
            homes = (f"SELECT NULL AS key, count(*) AS households FROM residents r WHERE EXISTS (SELECT 1"
                     f" FROM {kept} WHERE h.resident_id = r.id AND {teams_in} AND {when_in})")
        elif by == "team":
            homes = (f"SELECT v.team_id AS key, count(DISTINCT vr.resident_id) AS households FROM visits v"
                     f" JOIN visit_residents vr ON vr.visit_id = v.id WHERE {live} GROUP BY 1")
        elif by is None:
            homes = (f"SELECT NULL AS key, count(*) AS households FROM residents r WHERE EXISTS (SELECT 1"
                     f" FROM visit_residents vr JOIN visits v ON v.id = vr.visit_id WHERE vr.resident_id = r.id"
                     f" AND {live})")
        else:
            raise ValueError(f"households by {by}")
        join = "LEFT JOIN" if by == "team" else "CROSS JOIN"
        on = " ON h.key = c.key" if by == "team" else ""
        return self._all(
            f"SELECT c.key, c.count, coalesce(h.households, 0) AS households FROM ({counts}) c"
            f" {join} ({homes}) h{on} ORDER BY 1",
            cargs + vargs + targs + pargs,
        )

    def homes(self) -> tuple[str, str]:
        """The kept households a period's households are read from (alias h), and the column of their day: with
        no first day, each team's households by the day first visited (a row per household); else every
        visit's households (facts.py). Either gives a resident once per team in DISTINCT or EXISTS."""
        return ("_visit_homes h", "h.date") if self.since else ("_visit_firsts h", "h.first")

    def _visit_counts(self, by: str | None) -> tuple[str, list]:
        """visits()'s counts on a ledger: the period's whole months from each team's visits by month kept
        beside the visits (facts.py), the days of a month it covers in part from the visits themselves."""
        teams, targs = self.scope.team_filter("v.team_id")
        lo, hi = _whole_months(self.since, self.until)
        if lo <= hi:  # before the first whole month, after the last
            edges, eargs = "(v.date >= ? AND v.date < ? OR v.date > ? AND v.date <= ?)", [
                self.since or "", lo, hi + "~", self.until]
        else:
            edges, eargs = "v.date BETWEEN ? AND ?", [self.since or "", self.until]
        kept, counted = {"team": ("t.team_id", "v.team_id"), "month": ("t.month", "substr(v.date, 1, 7)"),
                         None: ("NULL", "NULL")}[by]
        return (f"SELECT key, sum(n) AS count FROM (SELECT {kept} AS key, sum(t.visits) AS n FROM _visit_months t"
                f" WHERE {self.scope.team_filter('t.team_id')[0]} AND t.month BETWEEN ? AND ? GROUP BY 1"
                f" UNION ALL SELECT {counted}, count(*) FROM visits v WHERE v.void_reason IS NULL AND {teams}"
                f" AND {edges} GROUP BY 1) GROUP BY 1", [*targs, lo, hi, *targs, *eargs])

    def visit_minutes(self, by: str | None = None) -> dict[object, int]:
        """The volunteer time visits credited (each visit's minutes_each to each visiting member), in
        total (key None) or by team_id or month; only visits given hours are read (a partial index)."""
        teams, targs = self.scope.team_filter("v.team_id")
        when, pargs = period("v.date", self.since, self.until)
        # +v.team_id: grouping by the bare column would walk the team index, reading every visit's row
        key = {"team": "+v.team_id", "month": "substr(v.date, 1, 7)", None: "NULL"}[by]
        live, largs = self.live("v")
        rows = self._all(
            f"SELECT {key} AS key, sum(v.minutes_each * (SELECT count(*) FROM visit_members m"
            f" WHERE m.visit_id = v.id)) AS minutes FROM visits v"
            f" WHERE v.minutes_each IS NOT NULL AND {live} AND {teams} AND {when} GROUP BY 1",
            largs + targs + pargs,
        )
        return {row["key"]: int(row["minutes"] or 0) for row in rows}

    # --- issues ---

    def _issue_scope(self) -> tuple[str, list]:
        if self.scope.team_id is not None:
            return "i.team_id = ?", [self.scope.team_id]
        if self.scope.everything:  # every issue has a place of the ledger (NOT NULL, a foreign key)
            return "1 = 1", []
        places, args = self.scope.places()
        return f"i.place_id IN ({places})", args

    def _sources(self, only: tuple[str, ...] = ALL_FACTS) -> list[tuple[str, str, str, list]]:
        """Where the issues in scope and their facts (huidesk/ledger/facts.py: state, times, transfers,
        returns, callbacks, minutes to respond and resolve) as of the report's moment are read, as `i`:
        (FROM, the issue's id, WHERE, arguments) each, narrowed to the issues the period's figures can
        touch: received in it, or resolved or escalated in it. The figures' own conditions still decide;
        this only spares reading every other issue. `only`: the facts a statement reads.

        On a ledger the kept rows of `_issue_facts` (which copy the issue's own columns), read as a table,
        except those of issues with an event after the report's moment, which are derived as of it from
        their events; with `facts` False (a warehouse) every issue is derived. A statement that counts
        runs over each source and adds up (an aggregate read straight from the table is twice as fast
        as one over a compound subquery)."""
        where, args = self._issue_scope()

        def narrowed(issue_id: str, received: str = "i.received_at") -> tuple[str, list]:
            narrow, nargs = f" AND {where}", list(args)
            if self.as_of is not None:
                narrow += f" AND {received} <= ?"
                nargs.append(self.as_of)
            if self.since is not None:
                narrow += (
                    f" AND (i.received_at BETWEEN ? AND ? OR {issue_id} IN (SELECT e.issue_id FROM issue_events e"
                    " WHERE e.event IN ('resolved', 'escalated') AND e.at BETWEEN ? AND ?))"
                )
                nargs += [self.since, self.until + "~", self.since, self.until + "~"]
            return narrow, nargs

        narrow, nargs = narrowed("i.id")
        limits = [c for c in facts.LIMITS if c in only]
        only = tuple(c for c in facts.COLUMNS if c in only)  # in the order columns() derives them
        derived, dargs = joined([c for c in facts.columns(self.as_of, self.voided_after) if c[0] in only])
        if not self.facts:  # the limits are counted by the report (kept_limits is False)
            live, largs = self.live("i")
            derived += "".join(f", NULL AS {c}" for c in limits)
            return [(f"({ISSUE_SELECT}{derived} FROM issues i WHERE {live}{narrow}) i", "i.id", "1 = 1",
                     [*dargs, *largs, *nargs])]
        derived += "".join(f", f.{c} AS {c}" for c in limits)  # they do not depend on the events
        # +: the kept issues of a period are found through the index by when they were received, not these
        kept_narrow, kargs = narrowed("i.issue_id", "+i.received_at")
        kept = ("_issue_facts i", "i.issue_id", f"i.live = 1{kept_narrow}", kargs)
        if self.scans and self.since is not None:  # a warehouse: a period's few issues read out of them all once
            kept = self._period_facts(where, args)
        if self.as_of is None or not self._later():
            return [kept]
        # coalesce: the kept rows read from start to end, not through the index (a look-up per issue); CROSS
        # JOIN: those with a later event found through it, not by walking every issue received.
        return [
            (kept[0], kept[1], f"{kept[2]} AND coalesce(i.last_at, '') <= ?", [*kept[3], self.as_of]),
            (f"({ISSUE_SELECT}{derived} FROM _issue_facts f CROSS JOIN issues i ON i.id = f.issue_id"
             f" WHERE f.last_at > ? AND i.void_reason IS NULL{narrow}) i", "i.id", "1 = 1",
             [*dargs, self.as_of, *nargs]),
        ]

    def _period_facts(self, where: str, args: list) -> tuple[str, str, str, list]:
        """_sources' kept rows of the issues in scope (`where`) that the period's figures can touch, for an engine
        that scans (a warehouse, which makes it once a report: _ONCE there): those received in the period, then
        the others resolved or escalated in it — two reads that skip most row groups of the files, where one
        condition with OR reads every row (a province's 800,000 for a month's 12,000)."""
        common, cargs = f" AND {where}", list(args)
        if self.as_of is not None:
            common += " AND i.received_at <= ?"
            cargs.append(self.as_of)
        received, rargs = "i.received_at BETWEEN ? AND ?", [self.since, self.until + "~"]
        moved = ("i.issue_id IN (SELECT e.issue_id FROM issue_events e WHERE e.event IN ('resolved', 'escalated')"
                 " AND e.at BETWEEN ? AND ?)")
        return (f"({PERIOD_FACTS}{common} AND {received} UNION ALL {PERIOD_FACTS}{common} AND NOT {received}"
                f" AND {moved}) i", "i.issue_id", "1 = 1", cargs + rargs + cargs + rargs + rargs)

    def paths(self) -> dict[int, str]:
        """Every place's path by its id (voided ones too: a record keeps its place), read once a report."""
        if self._paths is None:
            self._paths = dict(self._all("SELECT id, path FROM places", []))
        return self._paths

    def live_events(self) -> tuple[str, list]:
        """SQL for `e` being a live event by the report's moment (issues.live_events): without the moment when
        no live event is later than it (`_later`), the condition every event meets then, left unread."""
        if self.as_of is not None and self.voided_after is None and self.facts and not self._later():
            return live_events(None)
        return live_events(self.as_of, self.voided_after)

    def _later(self) -> bool:
        """Whether an issue has an event after the report's moment (its facts then derived as of it): asked
        once, so that a report as of today on a ledger recorded up to today reads the kept facts alone."""
        if self._later_events is None:
            self._later_events = self.read.one(
                "SELECT 1 FROM _issue_facts WHERE last_at > ? LIMIT 1", (self.as_of,)) is not None
        return self._later_events

    def _states(self, only: tuple[str, ...] = ALL_FACTS) -> tuple[str, list]:
        """The issues of _sources() as one statement: id, the issue's own columns, the facts in `only`."""
        columns = ", ".join(f"i.{c}" for c in (*facts.ISSUE, *(c for c in ALL_FACTS if c in only)))
        parts = [(f"SELECT {id_} AS id, {columns} FROM {table} WHERE {where}", args)
                 for table, id_, where, args in self._sources(only)]
        return " UNION ALL ".join(sql for sql, _ in parts), [a for _, args in parts for a in args]

    def issue_counts(self, by: str | None = None) -> list[dict]:
        """received, resolved, escalated and escalated_resolved — in total (by None), or by kind,
        team_id or month (received).

        received: received in the period. resolved: resolved or closed now, last resolved in the period
        (so each issue counts in one period only, and the months add up to the year).
        escalated: with an escalation in the period. escalated_resolved: escalated ever and resolved in the period.
        """
        return self.issue_counts_by(by)[by]

    def issue_counts_by(self, *groupings: str | None) -> dict[str | None, list[dict]]:
        """`issue_counts` for each grouping (huidesk/ledger/work_orders.py counts them)."""
        from huidesk.ledger.work_orders import issue_counts

        return issue_counts(self, groupings)

    def resolved_by_month(self) -> list[sqlite3.Row]:
        states, args = self._states()
        done, pargs = period("substr(i.resolved_at, 1, 10)", self.since, self.until)
        return self._all(
            f"SELECT substr(i.resolved_at, 1, 7) AS key, count(*) AS resolved FROM ({states}) i"
            f" WHERE i.state IN ('resolved', 'closed') AND {done} GROUP BY 1 ORDER BY 1",
            args + pargs,
        )

    def cohort(self, first_callback: bool = False) -> list[dict]:
        """Issues received in the period, each as of the report's moment, a dict (kpis() reads each row many
        times over by name) of: id, team_id, kind, nature, category, place, state, minutes to first response
        and to the last resolution, age (minutes from received to the as-of moment), repeat_of, transfer and
        return events, the answer and satisfaction of its final (or first) callback; then when it was
        received, its minutes to first contact and to its own deadline, whether it is exempted, and its
        limits kept beside it (NULL where the report counts them: kept_limits), and its place's id."""
        first = "first_" if first_callback else ""
        states, args = self._states(("state", "response", "resolve", "transfers", "returns",
                                     f"{first}answer", f"{first}satisfaction", "contact", "due_in", "exempt",
                                     *facts.LIMITS))
        recv, pargs = moments("i.received_at", self.since, self.until)
        age, aargs = age_minutes(self.as_of)
        return self.read.dicts(
            f"SELECT i.id, i.team_id, i.kind, i.nature, i.category, p.path AS place, i.state, i.response, i.resolve,"
            f" {age} AS age, i.repeat_of, i.transfers, i.returns, i.{first}answer AS answer,"
            f" i.{first}satisfaction AS satisfaction, i.received_at, i.contact, i.due_in, i.exempt,"
            f" i.respond_within, i.resolve_within, i.estimated, i.place_id"
            f" FROM ({states}) i JOIN places p ON p.id = i.place_id WHERE {recv} ORDER BY i.id",
            aargs + args + pargs,
        )

    def issues(self) -> list[sqlite3.Row]:
        """The issues received in the period, for a report's list of issues."""
        states, args = self._states()
        recv, pargs = moments("i.received_at", self.since, self.until)
        return self._all(
            f"SELECT i.id, x.ref, i.received_at, i.kind, x.source, i.nature, i.category, i.repeat_of, p.path AS place,"
            f" t.name AS team, i.state, i.resolved_at, x.text FROM ({states}) i JOIN issues x ON x.id = i.id"
            f" JOIN places p ON p.id = i.place_id LEFT JOIN teams t ON t.id = i.team_id WHERE {recv}"
            f" ORDER BY i.received_at, i.id",
            args + pargs,
        )

    def escalated_without_team(self) -> list[tuple[int, str]]:
        """The issues in scope with no team in charge that were escalated in the period (as of the report's
        moment), each as (id, its place's path): a street's sheet counts them in their own community."""
        states, args = self._states(("state",))
        esc, eargs = moments("e.at", self.since, self.until)
        live, largs = self.live_events()
        return [(r[0], r[1]) for r in self._all(
            f"SELECT i.id, p.path FROM ({states}) i JOIN places p ON p.id = i.place_id WHERE i.team_id IS NULL"
            f" AND EXISTS (SELECT 1 FROM issue_events e WHERE e.issue_id = i.id AND e.event = 'escalated'"
            f" AND {live} AND {esc}) ORDER BY i.id",
            args + largs + eargs,
        )]

    # --- people ---

    def members_by_role(self) -> list[sqlite3.Row]:
        """People active at the end of the period (total under key NULL, then by role): member records
        sharing a registration number are one person (a volunteer registered in two communities a
        street merged)."""
        teams, targs = self.scope.teams()
        (s_live, sargs), (m_live, margs) = self.live("s"), self.live("m")
        active = (
            f"SELECT DISTINCT s.member_id FROM memberships s JOIN members m ON m.id = s.member_id"
            f" WHERE {s_live} AND {m_live} AND s.team_id IN ({teams})"
            f" AND s.joined <= ? AND (s.left IS NULL OR s.left > ?)"
        )
        args = sargs + margs + targs + [self.until, self.until]
        total = self._all(
            f"SELECT NULL AS key, count(DISTINCT {PERSON}) AS count FROM members m WHERE m.id IN ({active})", args)
        roles = self._all(
            f"SELECT r.role AS key, count(DISTINCT {PERSON}) AS count FROM member_roles r"
            f" JOIN members m ON m.id = r.member_id WHERE r.member_id IN ({active}) GROUP BY 1 ORDER BY 2 DESC, 1",
            args,
        )
        return total + roles

    def members_by_team(self) -> dict[int, int]:
        teams, targs = self.scope.teams()
        (s_live, sargs), (m_live, margs) = self.live("s"), self.live("m")
        rows = self._all(
            f"SELECT s.team_id, count(DISTINCT s.member_id) FROM memberships s JOIN members m ON m.id = s.member_id"
            f" WHERE {s_live} AND {m_live} AND s.team_id IN ({teams})"
            f" AND s.joined <= ? AND (s.left IS NULL OR s.left > ?) GROUP BY 1",
            sargs + margs + targs + [self.until, self.until],
        )
        return {r[0]: r[1] for r in rows}

    def cards(self) -> list[sqlite3.Row]:
        """Distinct residents holding each kind of card issued in the period."""
        if self.scope.team_id is not None:
            return []  # cards are issued to residents of a place, not by a team
        places, pargs = self.scope.places()
        when, wargs = period("c.date", self.since, self.until)
        (c_live, cargs), (r_live, rargs) = self.live("c"), self.live("r")
        return self._all(
            f"SELECT c.kind AS key, count(DISTINCT c.resident_id) AS residents, count(*) AS cards FROM cards c"
            f" JOIN residents r ON r.id = c.resident_id WHERE {c_live} AND {r_live}"
            f" AND r.place_id IN ({places}) AND {when} GROUP BY 1 ORDER BY 2 DESC",
            cargs + rargs + pargs + wargs,
        )

    def wishes(self) -> sqlite3.Row:
        """Wishes listed, claimed and fulfilled in the period."""
        if self.scope.team_id is not None:
            teams, sargs = self.scope.teams()
            scope = f"w.member_id IN (SELECT member_id FROM memberships WHERE team_id IN ({teams}))"
        else:
            places, sargs = self.scope.places()
            scope = f"w.resident_id IN (SELECT id FROM residents WHERE place_id IN ({places}))"
        listed, a1 = period("w.listed", self.since, self.until)
        claimed, a2 = period("w.claimed", self.since, self.until)
        fulfilled, a3 = period("w.fulfilled", self.since, self.until)
        return self.read.one(
            f"SELECT coalesce(sum({listed}), 0) AS listed, coalesce(sum({claimed}), 0) AS claimed,"
            f" coalesce(sum({fulfilled}), 0) AS fulfilled FROM wishes w WHERE {self.live('w')[0]} AND {scope}",
            a1 + a2 + a3 + self.live("w")[1] + sargs,
        )

    # --- sources ---

    def sources(self) -> list[dict]:
        """The source ledgers merged here whose records the scope covers, each with its last merged
        bundle: name, place, uid, last entry and the chain head after it, when that bundle was made.
        A place scope covers a source whose place is at, under or above it, or which brought places
        under it; a team scope, the sources the team came from. Empty on a ledger with no sources."""
        where, args = "1", []
        if self.scope.team_id is not None:
            where = "EXISTS (SELECT 1 FROM _merged g WHERE g.source_id = s.id AND g.tbl = 'teams' AND g.rid = ?)"
            args = [self.scope.team_id]
        elif self.scope.place_path is not None:
            places, pargs = self.scope.places()
            where = ("(s.place = ? OR s.place LIKE ? ESCAPE '\\' OR substr(?, 1, length(s.place) + 1) = s.place || '/'"
                     f" OR EXISTS (SELECT 1 FROM _merged g WHERE g.source_id = s.id AND g.tbl = 'places'"
                     f" AND g.rid IN ({places})))")
            args = [*self.scope._path(), self.scope.place_path, *pargs]
        rows = self._all(
            "SELECT s.name, s.place, s.uid, b.last_entry, b.head_after AS head, b.made_at FROM _sources s"
            " JOIN _bundles b ON b.id = (SELECT id FROM _bundles WHERE source_id = s.id ORDER BY last_entry DESC"
            f" LIMIT 1) WHERE {where} ORDER BY s.place, s.name, s.uid",
            args,
        )
        return [dict(r) for r in rows]

    def by_source(self, issues: Iterable[tuple[int, str]]) -> list[dict]:
        """The period's work in scope by the source ledger each record was merged from (the first one, for
        a record several brought), and this ledger's own (uid None): activities, visits, the volunteer
        minutes of both (an activity's, and each visit's credited to each visiting member: 志愿服务时长),
        and of `issues` — the (id, state as of the report's moment) of those received in the period, as the
        report derived them (the cohort), not derived again — those received and those resolved or closed.
        Empty on a ledger that merged nothing."""
        if not self._all("SELECT 1 FROM _sources LIMIT 1", []):
            return []
        origin = ("(SELECT min(g.source_id) FROM _merged g WHERE g.tbl = '{table}' AND g.rid = {alias}.id)")
        teams, targs = self.scope.team_filter("a.team_id")
        when, pargs = period("a.date", self.since, self.until)
        live, largs = self.live("a")
        acts = self._all(
            f"SELECT {origin.format(table='activities', alias='a')} AS source, count(*) AS n,"
            f" coalesce(sum(a.minutes), 0) AS minutes FROM activities a"
            f" WHERE {live} AND {teams} AND {when} GROUP BY 1", largs + targs + pargs)
        teams, targs = self.scope.team_filter("v.team_id")
        when, pargs = period("v.date", self.since, self.until)
        live, largs = self.live("v")
        visits = self._all(
            f"SELECT {origin.format(table='visits', alias='v')} AS source, count(*) AS n,"
            f" coalesce(sum(v.minutes_each * (SELECT count(*) FROM visit_members m WHERE m.visit_id = v.id)), 0)"
            f" AS minutes FROM visits v WHERE {live} AND {teams} AND {when} GROUP BY 1", largs + targs + pargs)
        origins = dict(self._all("SELECT rid, min(source_id) FROM _merged WHERE tbl = 'issues' GROUP BY rid", []))
        counted: dict[object, list[int]] = {}
        for issue_id, state in issues:
            n = counted.setdefault(origins.get(issue_id), [0, 0])
            n[0] += 1
            n[1] += state in ("resolved", "closed")
        names = {r["id"]: dict(r) for r in self._all("SELECT id, uid, name, place FROM _sources", [])}
        rows: dict[object, dict] = {}
        for found, fields in ((acts, ("activities", "minutes")), (visits, ("visits", "minutes")),
                              ([(k, *n) for k, n in counted.items()], ("issues_received", "issues_resolved"))):
            for r in found:
                row = rows.setdefault(r[0], {"activities": 0, "minutes": 0, "visits": 0, "issues_received": 0,
                                             "issues_resolved": 0})
                for field, value in zip(fields, list(r)[1:], strict=True):
                    row[field] += int(value or 0)  # minutes: the activities' and the visits' credited
        mine = {"id": None, "uid": None, "name": None, "place": None}
        found = [{**names.get(key, mine), **row} for key, row in rows.items()]
        found.sort(key=lambda r: (r["id"] is None, r["place"] or "", r["name"] or "", r["uid"] or ""))
        return [{k: v for k, v in r.items() if k != "id"} for r in found]

    def team_name(self, team_id: int) -> str:
        return self.read.value("SELECT name FROM teams WHERE id = ?", (team_id,))

    def teams(self) -> list[sqlite3.Row]:
        teams, targs = self.scope.teams()
        live, largs = self.live("t")
        return self._all(
            f"SELECT t.id, t.name, p.path AS place FROM teams t JOIN places p ON p.id = t.place_id"
            f" WHERE {live} AND t.id IN ({teams}) ORDER BY t.id",
            largs + targs,
        )

    def coverage(self) -> sqlite3.Row:
        """The live villages, communities and compounds registered in scope (a team's scope: none)."""
        places, args = self.scope.places() if self.scope.team_id is None else ("SELECT NULL", [])
        return self._all(
            # distinct paths: a warehouse holding several ledgers holds each of their copies of a place
            "SELECT count(DISTINCT CASE WHEN level = 'community' AND name LIKE '%村' THEN path END) AS villages,"
            " count(DISTINCT CASE WHEN level = 'community' AND name NOT LIKE '%村' THEN path END) AS communities,"
            " count(DISTINCT CASE WHEN level = 'compound' THEN path END) AS compounds"
            f" FROM places WHERE void_reason IS NULL AND id IN ({places})",
            args,
        )[0]


# The issue's own columns a report reads, before its facts (the warehouse finds its statements by them).
ISSUE_SELECT = "SELECT i.id, i.kind, i.place_id, i.team_id, i.received_at, i.nature, i.category, i.repeat_of,"
# The kept facts of a period's issues, on an engine that scans (a warehouse: made once a report, _ONCE there)
PERIOD_FACTS = "SELECT * FROM _issue_facts i WHERE i.live = 1"

