"""The roster's reads (花名册): each member's volunteer time from activities and from visits, and one
member's services one by one (for the certificate). Activities credit a member the minutes of their
activity_members row; visits credit each visiting member the visit's `minutes_each`."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from huidesk.ledger.store import Store

# Every service a member gave up to :until (void records left out): kind, record, team, day, minutes.
_SERVICES = (
    "SELECT 'activity' AS kind, a.id AS record_id, a.team_id, a.date, am.member_id, am.minutes"
    " FROM activity_members am JOIN activities a ON a.id = am.activity_id"
    " WHERE a.void_reason IS NULL AND a.date <= :until"
    " UNION ALL"
    " SELECT 'visit', v.id, v.team_id, v.date, vm.member_id, coalesce(v.minutes_each, 0)"
    " FROM visit_members vm JOIN visits v ON v.id = vm.visit_id"
    " WHERE v.void_reason IS NULL AND v.date <= :until"
)

def _live(sql: str, voided_after: str | None) -> str:
    """`sql` whose records voided after a report's moment still count (None: none was)."""
    if voided_after is None:
        return sql
    for alias in ("a", "v"):
        sql = sql.replace(f"{alias}.void_reason IS NULL", f"({alias}.void_reason IS NULL OR {alias}.void_at > :voided)")
    return sql


# Whether a service counts for the period's figures: on or after :since and, with :team, that team's.
_COUNTED = "(s.date >= :since AND (:team IS NULL OR s.team_id = :team))"


def roster_rows(store: "Store", since: str | None, until: str, team_id: int | None = None,
                voided_after: str | None = None) -> list[dict]:
    """One row per live member, by id: name, registration number, teams at `until` (a JSON array),
    the period's minutes and count of activities and of visits, and the minutes of every service up
    to `until` (for the star level). With `team_id`: the team's members during the period and anyone
    who served in its activities or visits then, the period's figures counting that team's only.
    Without: every member who had joined by `until`, or served in the period. `voided_after` (a report's
    moment as void_at holds moments, when something was voided since): a record voided after it counts."""
    sql = (
        f"WITH s AS ({_live(_SERVICES, voided_after)}), per AS (SELECT s.member_id,"
        f" sum(CASE WHEN s.kind = 'activity' AND {_COUNTED} THEN s.minutes ELSE 0 END) AS activity_minutes,"
        f" sum(CASE WHEN s.kind = 'visit' AND {_COUNTED} THEN s.minutes ELSE 0 END) AS visit_minutes,"
        f" sum(s.kind = 'activity' AND {_COUNTED}) AS activities,"
        f" sum(s.kind = 'visit' AND {_COUNTED}) AS visits,"
        " sum(s.minutes) AS cumulative_minutes"
        " FROM s GROUP BY s.member_id)"
        " SELECT m.id, m.name, m.reg_no,"
        " (SELECT json_group_array(name) FROM (SELECT t.name FROM memberships x JOIN teams t ON t.id = x.team_id"
        "   WHERE x.member_id = m.id AND x.void_reason IS NULL AND t.void_reason IS NULL AND x.joined <= :until"
        "   AND (x.left IS NULL OR x.left > :until) ORDER BY x.id)) AS teams,"
        " coalesce(p.activity_minutes, 0) AS activity_minutes, coalesce(p.visit_minutes, 0) AS visit_minutes,"
        " coalesce(p.activities, 0) AS activities, coalesce(p.visits, 0) AS visits,"
        " coalesce(p.cumulative_minutes, 0) AS cumulative_minutes"
        " FROM members m LEFT JOIN per p ON p.member_id = m.id"
        " WHERE m.void_reason IS NULL AND (coalesce(p.activities, 0) + coalesce(p.visits, 0) > 0 OR"
        "   CASE WHEN :team IS NULL THEN m.joined IS NULL OR m.joined <= :until"
        "   ELSE EXISTS (SELECT 1 FROM memberships x WHERE x.member_id = m.id AND x.team_id = :team"
        "     AND x.void_reason IS NULL AND x.joined <= :until AND (x.left IS NULL OR x.left >= :since)) END)"
        " ORDER BY m.id"
    )
    if voided_after is not None:
        for alias in ("x", "t", "m"):
            sql = sql.replace(f"{alias}.void_reason IS NULL", f"({alias}.void_reason IS NULL OR {alias}.void_at >"
                              " :voided)")
    args = {"since": since or "0000-01-01", "until": until, "team": team_id,
            **({"voided": voided_after} if voided_after is not None else {})}
    return [dict(r) for r in store.read.rows(sql, args)]


def member_services(store: "Store", member_ids: Sequence[int], since: str | None, until: str) -> list[dict]:
    """A person's activities and visits within [since, until], oldest first, from every member record of
    theirs (`member_ids`: a volunteer registered in two communities a street merged): kind, record id, day,
    team (and its id), what it was (an activity's theme and title; a visit's purpose and how many residents)
    and the minutes credited to the member."""
    marks = ", ".join("?" * len(member_ids))
    sql = (
        "SELECT 'activity' AS kind, a.id, a.date, t.name AS team, a.theme, a.title, NULL AS purpose,"
        " NULL AS residents, am.minutes"
        " FROM activity_members am JOIN activities a ON a.id = am.activity_id JOIN teams t ON t.id = a.team_id"
        f" WHERE am.member_id IN ({marks}) AND a.void_reason IS NULL AND a.date >= ? AND a.date <= ?"
        " UNION ALL"
        " SELECT 'visit', v.id, v.date, t.name, NULL, NULL, v.purpose,"
        " (SELECT count(*) FROM visit_residents vr WHERE vr.visit_id = v.id), coalesce(v.minutes_each, 0)"
        " FROM visit_members vm JOIN visits v ON v.id = vm.visit_id JOIN teams t ON t.id = v.team_id"
        f" WHERE vm.member_id IN ({marks}) AND v.void_reason IS NULL AND v.date >= ? AND v.date <= ?"
        " ORDER BY 3, 1, 2"
    )
    period = [since or "0000-01-01", until]
    return [dict(r) for r in store.read.rows(sql, [*member_ids, *period, *member_ids, *period])]


def member_teams(store: "Store", member_ids: Sequence[int]) -> list[dict]:
    """A person's times in teams (from every member record of theirs), earliest first: team id and name,
    joined, left."""
    marks = ", ".join("?" * len(member_ids))
    return [dict(r) for r in store.read.rows(
        "SELECT s.team_id, t.name, s.joined, s.left FROM memberships s JOIN teams t ON t.id = s.team_id"
        f" WHERE s.member_id IN ({marks}) AND s.void_reason IS NULL ORDER BY s.joined, s.id",
        list(member_ids),
    )]


def member_identity(store: "Store", member_id: int) -> dict:
    """A member's uid and registration number."""
    return dict(store.read.one("SELECT uid, reg_no FROM members WHERE id = ?", (member_id,)))
