"""Issues and their dated events (the table objects `store.issues` and `store.issue_events`): opening an
issue, finding it by id or order number, its timeline, each new event checked against the state its events
fold to, and the listing with the state and times derived from the live events (never stored); and the SQL
that derives them, which lists, exports and every report share."""

from __future__ import annotations  # the tables' `list` methods would shadow list[...] in later annotations

import sqlite3
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from huidesk.domain.errors import InvalidValue, NotFound
from huidesk.domain.i18n import tr
from huidesk.ledger.sql import as_id, under, where
from huidesk.ledger.table import Table

if TYPE_CHECKING:
    import datetime as dt

    from huidesk.domain.calendar import Deadline, Limit
    from huidesk.domain.records import Issue, IssueEvent
    from huidesk.ledger.tx import Tx


def live_events(as_of: str | None, voided_after: str | None = None) -> tuple[str, list]:
    """SQL for `e` being one of an issue's live events that had happened by `as_of` (an ISO moment in
    the ledger's offset; None: every live event), with its arguments. `voided_after` (the moment as
    void_at holds moments): an event voided after it is still live then."""
    if as_of is None:
        return "e.void_reason IS NULL", []
    if voided_after is None:
        return "e.void_reason IS NULL AND e.at <= ?", [as_of]
    return "(e.void_reason IS NULL OR e.void_at > ?) AND e.at <= ?", [voided_after, as_of]


# The events that happen within a state (lifecycle.WITHIN_STATE), as SQL.
_WITHIN = "('callback', 'consulted', 'extended', 'exempted', 'contacted')"


def issue_state(as_of: str | None = None, voided_after: str | None = None) -> tuple[str, list]:
    """An issue's state as of a moment: its latest live event by then that moves it (a callback, a
    meeting, an extension, an exemption or a first contact does not)."""
    live, args = live_events(as_of, voided_after)
    return (
        f"(SELECT e.event FROM issue_events e WHERE e.issue_id = i.id AND {live}"
        f"   AND e.event NOT IN {_WITHIN} ORDER BY e.at DESC, e.id DESC LIMIT 1)",
        args,
    )


def issue_columns(as_of: str | None = None, voided_after: str | None = None) -> list[tuple[str, str, list]]:
    """An issue's state and times as of a moment, derived from its live events, never stored: the one
    definition that lists, exports and every report use (`as_of` None: everything recorded), as
    (name, SQL, arguments) for each."""
    state, args = issue_state(as_of, voided_after)
    live, largs = live_events(as_of, voided_after)
    return [
        ("state", state, args),
        ("first_response_at", f"(SELECT min(e.at) FROM issue_events e WHERE e.issue_id = i.id AND {live}"
                              "   AND e.event IN ('dispatched', 'arrived', 'resolved'))", largs),
        ("resolved_at", f"(SELECT max(e.at) FROM issue_events e WHERE e.issue_id = i.id AND {live}"
                        "   AND e.event = 'resolved')", largs),
    ]


def own_deadline(as_of: str | None = None, voided_after: str | None = None) -> list[tuple[str, str, list]]:
    """Issue `i`'s own resolve deadline as of a moment — its last extension's (延期), else the one it was
    opened with (`--due`), a moment — and whether it is exempted (核减): (name, SQL, arguments) each."""
    live, largs = live_events(as_of, voided_after)
    extended = (f"(SELECT e.due_at FROM issue_events e WHERE e.issue_id = i.id AND {live} AND e.event = 'extended'"
                " ORDER BY e.at DESC, e.id DESC LIMIT 1)")
    return [
        ("due_at", f"coalesce({extended}, i.due_at)", largs),
        ("exempt", f"(SELECT count(*) > 0 FROM issue_events e WHERE e.issue_id = i.id AND {live}"
                   " AND e.event = 'exempted')", largs),
    ]


def issue_derived(as_of: str | None = None, voided_after: str | None = None) -> tuple[str, list]:
    """issue_columns as a select list (with a leading space): `state, first_response_at, resolved_at`."""
    return joined(issue_columns(as_of, voided_after))


def joined(columns: list[tuple[str, str, list]]) -> tuple[str, list]:
    """(name, SQL, arguments) columns as one select list and its arguments."""
    return ",".join(f" {sql} AS {name}" for name, sql, _ in columns), [a for *_, args in columns for a in args]


def kept_or_derived(columns: list[tuple[str, str, list]], as_of: str | None) -> tuple[str, list]:
    """A select list reading an issue's facts kept in `_issue_facts` (`f`, huidesk/ledger/facts.py), or,
    for an issue with an event after `as_of`, deriving each of `columns` as of it: the subqueries run for
    those issues only."""
    if as_of is None:
        return ",".join(f" f.{name} AS {name}" for name, _, _ in columns), []
    return (",".join(f" CASE WHEN f.last_at > ? THEN {sql} ELSE f.{name} END AS {name}" for name, sql, _ in columns),
            [a for _, _, args in columns for a in (as_of, *args)])


# The same, with everything recorded (no arguments).
ISSUE_STATE = issue_state()[0]


def age_minutes(as_of: str | None) -> tuple[str, list]:
    """SQL for issue `i`'s age in whole minutes, from when it was received to the report's moment (now
    when there is none), with its arguments."""
    moment, args = ("julianday(?)", [as_of]) if as_of is not None else ("julianday('now')", [])
    return f"CAST(round(({moment} - julianday(i.received_at)) * 1440) AS INTEGER)", args


def _issues(as_of: str | None = None) -> tuple[str, list]:
    """Issues with their place, team and resident, their state and times as of a moment (issues
    received after it do not exist yet), times in whole minutes: the columns of `Issue`, in order."""
    derived, args = kept_or_derived(issue_columns(as_of), as_of)
    own, oargs = joined(own_deadline(as_of))  # its own deadline and exemption: a look at its events
    select = (
        "SELECT i.id, i.uid, i.ref, i.kind, i.source, i.place_id, p.path AS place, i.team_id, t.name AS team,"
        " i.resident_id, r.name AS resident, i.text, i.received_at, i.nature, i.category, i.repeat_of,"
        f"{derived}, i.void_reason,{own.replace(' AS exempt', ' AS exempted')}"
        " FROM issues i JOIN _issue_facts f ON f.issue_id = i.id JOIN places p ON p.id = i.place_id"
        " LEFT JOIN teams t ON t.id = i.team_id"
        " LEFT JOIN residents r ON r.id = i.resident_id"
        + (" WHERE i.received_at <= ?" if as_of is not None else "")
    )
    return (
        "SELECT *,"
        " CAST(round((julianday(first_response_at) - julianday(received_at)) * 1440) AS INTEGER) AS response_minutes,"
        # a reopened issue is not finished, whenever it was resolved before
        " CASE WHEN state IN ('resolved', 'closed') THEN"
        "   CAST(round((julianday(resolved_at) - julianday(received_at)) * 1440) AS INTEGER) END AS resolve_minutes"
        f" FROM ({select})",
        [*args, *oargs, *([as_of] if as_of is not None else [])],
    )


_ISSUES = _issues()[0]
# The columns of `IssueEvent`, in its order.
_EVENTS = (
    "SELECT e.id, e.event, e.at, e.unit_id, u.name AS unit, e.meeting_id, m.decision, e.answer, e.satisfaction,"
    " e.note, e.due_at, e.extension, e.approver"
    " FROM issue_events e LEFT JOIN units u ON u.id = e.unit_id LEFT JOIN meetings m ON m.id = e.meeting_id"
    " WHERE e.issue_id = ? AND e.void_reason IS NULL ORDER BY e.at, e.id"
)


class Issues(Table):
    """Issues (诉求/工单) and their events: each issue's life is its list of dated events."""

    def open(self, tx: "Tx", issue: Mapping[str, object], resolved_at: str | None, note: str | None) -> int:
        """A new issue with its `received` event (and `resolved`, for one fixed on the spot)."""
        if issue.get("ref"):
            clash = self.read.one("SELECT id FROM issues WHERE ref = ?", (issue["ref"],))
            if clash:
                raise InvalidValue(
                    "ref", issue["ref"], tr(f"已有诉求 #{clash[0]} 用了这个工单号", f"issue #{clash[0]} has this ref")
                )
        iid = tx.insert("issues", issue)
        tx.insert("issue_events", {"issue_id": iid, "event": "received", "at": issue["received_at"]})
        if resolved_at is not None:
            self.add_event(tx, iid, "resolved", resolved_at, note=note)
        return iid

    def find(self, ref: str, field: str = "issue") -> Issue:
        """A live issue by id (or #id), else by its 12345/platform order number."""
        text = ref.strip()
        if as_id(text) is not None:
            found = self.get(as_id(text))  # type: ignore[arg-type]
            if found is not None or text.startswith("#"):
                if found is None:
                    raise NotFound(tr("诉求", "issue"), ref, field=field)
                return found
        hit = self.read.one("SELECT id FROM issues WHERE ref = ? AND void_reason IS NULL", (text,))
        if hit is None:
            raise NotFound(tr("诉求", "issue"), ref, field=field)
        return self.get(hit[0])  # type: ignore[return-value]

    def get(self, issue_id: int) -> Issue | None:
        """A live issue by id; None when there is none."""
        from huidesk.domain.records import Issue

        found = self.read.records(Issue, f"{_ISSUES} WHERE id = ? AND void_reason IS NULL", (issue_id,))
        return found[0] if found else None

    def events(self, issue_id: int) -> list[IssueEvent]:
        """An issue's live events, its timeline, in order."""
        from huidesk.domain.records import IssueEvent

        return self.read.records(IssueEvent, _EVENTS, (issue_id,))

    def add_event(
        self, tx: "Tx", issue_id: int, event: str, at: str, unit: sqlite3.Row | None = None, **values: object
    ) -> int:
        """One dated event, if the issue's current state allows it (checked inside the transaction)."""
        from huidesk.domain.lifecycle import check, fold

        state = fold(self.events(issue_id))
        check(state, event, at, unit["id"] if unit else None, unit["name"] if unit else "")
        row = {"issue_id": issue_id, "event": event, "at": at, "unit_id": unit["id"] if unit else None, **values}
        return tx.insert("issue_events", {k: v for k, v in row.items() if v is not None})

    def list(
        self,
        *,
        state: str | None = None,
        kind: str | None = None,
        team_id: int | None = None,
        place: sqlite3.Row | None = None,
        since: str | None = None,
        until: str | None = None,
        now: str | None = None,
    ) -> list[Issue]:
        """Issues with their derived state and times as the ledger stood at `now` (the end of --today);
        `state` is open, resolved, closed or overdue."""
        extra, args = where(
            ("kind = ?", kind or None),
            ("team_id = ?", team_id),
            under("place", place),
            ("substr(received_at, 1, 10) >= ?", since or None),
            ("substr(received_at, 1, 10) <= ?", until or None),
        )
        base, before = _issues(now)
        sql, args = f"{base} WHERE void_reason IS NULL{extra}", before + args
        if state == "open":
            sql += " AND state NOT IN ('resolved', 'closed')"
        elif state in ("resolved", "closed"):
            sql += " AND state = ?"
            args.append(state)
        elif state == "overdue":
            sql += " AND state NOT IN ('resolved', 'closed') AND NOT exempted"
        elif state == "exempted":
            sql += " AND exempted"
        from huidesk.domain.records import Issue

        found = self.read.records(Issue, sql + " ORDER BY received_at, id", args)
        if state == "overdue":  # past its own deadline, else its resolve limit (its nature's, its kind's, the ledger's)
            import datetime as dt

            from huidesk.domain.lifecycle import deadlines

            at = dt.datetime.fromisoformat(now) if now else dt.datetime.now(dt.timezone.utc)
            count = deadlines(self.store.settings())  # a bad stored limit named, whatever is open
            found = [i for i in found if at > self.resolve_by(i, count)]
        return found

    def resolve_by(self, issue: Issue, count: Callable | None = None) -> dt.datetime:
        """When `issue` must be resolved by: its own deadline (`--due`, the last 延期), else the end of its
        resolve limit as `count` (lifecycle.deadlines) counts it, by the settings in force now by default."""
        import datetime as dt

        if issue.due_at is not None:
            return dt.datetime.fromisoformat(issue.due_at)
        if count is None:
            from huidesk.domain.lifecycle import deadlines

            count = deadlines(self.store.settings())
        within = count(issue.received_at, issue.kind, issue.nature)[1]
        return dt.datetime.fromisoformat(issue.received_at) + dt.timedelta(minutes=within)

    def extend(self, tx: "Tx", issue: Issue, by: Limit, at: str, reason: str, approver: str | None) -> Deadline:
        """延期: move the issue's resolve deadline on by `by` from where it falls now (its own, else its
        limit's by the settings in force), as an event holding the amount and the deadline it sets."""
        from huidesk.domain.calendar import Deadline
        from huidesk.domain.lifecycle import deadlines
        from huidesk.domain.settings import setting_calendar

        settings = self.store.settings()
        moved = by.extend(self.resolve_by(issue, deadlines(settings)), setting_calendar(settings))
        due = moved.at.isoformat(timespec="seconds")
        self.add_event(tx, issue.id, "extended", at, note=reason, approver=approver, extension=str(by), due_at=due)
        return Deadline(moved.at, moved.estimated)

    def similar(self, place_id: int, category: str, received_at: str, days: int) -> list[tuple[int, str, str]]:
        """The live issues at the same place and of the same category received in the `days` days before
        `received_at` (a repeat, 重复件, to be named when a new one is opened): (id, received_at, text),
        latest first."""
        return [tuple(r) for r in self.read.all(  # type: ignore[misc]
            "SELECT id, received_at, text FROM issues WHERE place_id = ? AND category = ? AND void_reason IS NULL"
            " AND julianday(received_at) BETWEEN julianday(?) - ? AND julianday(?) ORDER BY received_at DESC, id DESC"
            " LIMIT 3", (place_id, category, received_at, days, received_at))]


class IssueEvents(Table):
    """The dated events of issues, written through `Issues.open` and `Issues.add_event`."""
