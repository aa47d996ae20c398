"""The ledger's side of export and import: each record table's export query, and the reads an import
makes while it validates a row, through the store's read-only query helper (`store.read`).
huidesk/exchange/ holds the layouts and the logic and never speaks SQL; every write goes through the
store's tables and its Tx.
"""

import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from huidesk.domain.errors import LedgerError
from huidesk.domain.i18n import tr
from huidesk.ledger.issues import ISSUE_STATE

if TYPE_CHECKING:
    from huidesk.ledger.store import Store


class Refused(LedgerError):
    """The ledger refused a write that validation let through (a constraint of the schema)."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(tr(f"账本拒绝了写入（{detail}）", f"the ledger refused the write ({detail})"))


class _Refusals:
    """Turns the ledger's refusal of a write (sqlite3.IntegrityError) into `Refused`. A plain class,
    not @contextmanager: an import enters it once a row, and a generator-based one costs 3 % of it."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, error: BaseException | None, trace: object) -> None:
        if kind is not None and issubclass(kind, sqlite3.IntegrityError):
            raise Refused(str(error)) from error


_REFUSALS = _Refusals()


def refusals() -> _Refusals:
    """`with refusals():` a write the ledger refuses raises `Refused` (with SQLite's reason)."""
    return _REFUSALS


# --- export ------------------------------------------------------------------------------------


def ref(table: str, a: str) -> str:
    """SQL for how a row names the team, member or resident `a`: its name when no other live record
    has it; else with its place's name, 王芳（48号楼）, the label the command line lists candidates
    with; else (or for members, who have no place) with the start of its uid, 王芳（3f2a9c1e）.
    An import reads all three back (huidesk.exchange.importer, `Import.ref`)."""
    uid = f"{a}.name || '（' || substr({a}.uid, 1, 8) || '）'"
    shared = f"(SELECT name FROM {table} WHERE void_reason IS NULL GROUP BY name HAVING count(*) > 1)"
    if table == "members":
        return f"(CASE WHEN {a}.name NOT IN {shared} THEN {a}.name ELSE {uid} END)"
    here = f"{a}.name || '（' || (SELECT name FROM places WHERE id = {a}.place_id) || '）'"
    shared_here = (f"(SELECT o.name || '（' || op.name || '）' FROM {table} o JOIN places op ON op.id = o.place_id"
                   f" WHERE o.void_reason IS NULL GROUP BY 1 HAVING count(*) > 1)")
    return (f"(CASE WHEN {a}.name NOT IN {shared} THEN {a}.name WHEN {here} NOT IN {shared_here} THEN {here}"
            f" ELSE {uid} END)")


def names(record: str, link: str, key: str) -> str:
    """SQL for a JSON array of the records linked to a record through `link`, in the order linked;
    `record` is the link's condition on the record (visit_id = v.id)."""
    table = {"resident_id": "residents", "member_id": "members"}[key]
    return (
        f"(SELECT json_group_array(name) FROM (SELECT {ref(table, 'x')} AS name FROM {link} l"
        f" JOIN {table} x ON x.id = l.{key} WHERE l.{record} ORDER BY l.id))"
    )


class ExportQuery(NamedTuple):
    sql: str  # live records, ending in a WHERE clause that more conditions can extend
    order: str
    date: str | None = None  # SQL for the record's own day, for --since / --until


_ISSUE_EXTRA = (
    f" {ISSUE_STATE} AS state,"
    " (SELECT json_group_array(name) FROM (SELECT DISTINCT u.name FROM issue_events e"
    " JOIN units u ON u.id = e.unit_id"
    "   WHERE e.issue_id = i.id AND e.void_reason IS NULL AND e.event IN ('dispatched', 'transferred', 'escalated',"
    "   'arrived') ORDER BY e.at, e.id)) AS units,"
    " (SELECT json_array(e.at, e.note) FROM issue_events e WHERE e.issue_id = i.id AND e.void_reason IS NULL"
    "   AND e.event = 'resolved' ORDER BY e.at DESC, e.id DESC LIMIT 1) AS last_resolved,"
    " (SELECT json_array(e.event, e.at, u.name, e.note) FROM issue_events e LEFT JOIN units u ON u.id = e.unit_id"
    "   WHERE e.issue_id = i.id AND e.void_reason IS NULL ORDER BY e.at DESC, e.id DESC LIMIT 1) AS last_event"
)

# Each record table's export: one column per field of its layout (huidesk.exchange.layouts), lists
# as JSON arrays, references as names, paths or labels (`ref`).
EXPORTS: dict[str, ExportQuery] = {
    "places": ExportQuery(
        "SELECT p.uid, p.path, p.level FROM places p WHERE p.void_reason IS NULL",
        "p.path",
    ),
    "units": ExportQuery(
        "SELECT u.uid, u.name, u.kind, p.path AS place FROM units u LEFT JOIN places p ON p.id = u.place_id"
        " WHERE u.void_reason IS NULL",
        "u.id",
    ),
    "teams": ExportQuery(
        "SELECT t.uid, t.name, p.path AS place, t.line, " + ref("members", "m") + " AS leader, t.founded FROM teams t"
        " JOIN places p ON p.id = t.place_id LEFT JOIN members m ON m.id = t.leader_id WHERE t.void_reason IS NULL",
        "t.id",
        "t.founded",
    ),
    "members": ExportQuery(
        "SELECT m.uid, m.name, m.reg_no, m.phone, (SELECT json_group_array(role) FROM (SELECT role FROM member_roles r"
        " WHERE r.member_id = m.id ORDER BY r.id)) AS roles, m.joined FROM members m WHERE m.void_reason IS NULL",
        "m.id",
        "m.joined",
    ),
    "memberships": ExportQuery(
        "SELECT s.uid, " + ref("members", "m") + " AS member, " + ref("teams", "t") + " AS team, s.joined, s.left"
        " FROM memberships s"
        " JOIN members m ON m.id = s.member_id JOIN teams t ON t.id = s.team_id"
        " WHERE s.void_reason IS NULL AND m.void_reason IS NULL AND t.void_reason IS NULL",
        "s.id",
        "s.joined",
    ),
    "residents": ExportQuery(
        "SELECT r.uid, r.name, p.path AS place, (SELECT json_group_array(tag) FROM (SELECT tag FROM resident_tags g"
        " WHERE g.resident_id = r.id ORDER BY g.id)) AS tags, r.born, r.phone, r.visit_every, r.consent,"
        " r.guardian,"
        " r.health_consent FROM residents r JOIN places p ON p.id = r.place_id WHERE r.void_reason IS NULL",
        "r.id",
    ),
    "visits": ExportQuery(
        "SELECT v.uid, v.date, " + ref("teams", "t") + " AS team, "
        + names("visit_id = v.id", "visit_residents", "resident_id")
        + " AS residents, " + names("visit_id = v.id", "visit_members", "member_id")
        + " AS members, v.minutes_each, v.purpose, v.gifts, v.note, v.follow_up"
        " FROM visits v JOIN teams t ON t.id = v.team_id WHERE v.void_reason IS NULL",
        "v.date, v.id",
        "v.date",
    ),
    "activities": ExportQuery(
        "SELECT a.uid, a.date, " + ref("teams", "t") + " AS team, a.theme, a.title, p.path AS place, a.volunteers, "
        + names("activity_id = a.id", "activity_members", "member_id")
        + " AS members, a.served, a.minutes FROM activities a JOIN teams t ON t.id = a.team_id"
        " LEFT JOIN places p ON p.id = a.place_id WHERE a.void_reason IS NULL",
        "a.date, a.id",
        "a.date",
    ),
    "issues": ExportQuery(
        "SELECT i.id, i.uid, i.ref, i.received_at, i.kind, i.source, p.path AS place, " + ref("teams", "t")
        + " AS team, " + ref("residents", "r") + " AS resident, i.text, i.nature, i.category,"
        " (SELECT o.uid FROM issues o WHERE o.id = i.repeat_of) AS repeat_of, i.due_at AS due," + _ISSUE_EXTRA
        + " FROM issues i JOIN places p ON p.id = i.place_id"
        " LEFT JOIN teams t ON t.id = i.team_id LEFT JOIN residents r ON r.id = i.resident_id"
        " WHERE i.void_reason IS NULL",
        "i.received_at, i.id",
        "substr(i.received_at, 1, 10)",
    ),
    "issue_events": ExportQuery(
        "SELECT e.uid, i.uid AS issue, i.ref AS issue_ref, e.at, e.event, u.name AS unit, e.answer, e.satisfaction,"
        " e.note, e.extension, e.due_at, e.approver FROM issue_events e JOIN issues i ON i.id = e.issue_id"
        " LEFT JOIN units u ON u.id = e.unit_id"
        " WHERE e.void_reason IS NULL AND i.void_reason IS NULL",
        "e.at, e.id",
        "substr(e.at, 1, 10)",
    ),
    "meetings": ExportQuery(
        "SELECT g.uid, g.date, i.uid AS issue, p.path AS place, (SELECT json_group_array(json_array(k, n)) FROM"
        " (SELECT x.resident_id IS NOT NULL AS k, coalesce(u.name, m.name, r.name, x.name) AS n"
        " FROM meeting_parties x"
        " LEFT JOIN units u ON u.id = x.unit_id LEFT JOIN members m ON m.id = x.member_id"
        " LEFT JOIN residents r ON r.id = x.resident_id WHERE x.meeting_id = g.id ORDER BY x.id)) AS parties,"
        " g.decision FROM meetings g LEFT JOIN issues i ON i.id = g.issue_id LEFT JOIN places p ON p.id = g.place_id"
        " WHERE g.void_reason IS NULL",
        "g.date, g.id",
        "g.date",
    ),
    "wishes": ExportQuery(
        "SELECT w.uid, " + ref("residents", "r") + " AS resident, w.text, w.listed, " + ref("members", "m")
        + " AS member, w.claimed, w.fulfilled FROM wishes w"
        " JOIN residents r ON r.id = w.resident_id LEFT JOIN members m ON m.id = w.member_id"
        " WHERE w.void_reason IS NULL",
        "w.id",
        "w.listed",
    ),
    "cards": ExportQuery(
        "SELECT c.uid, c.kind, c.no, " + ref("residents", "r") + " AS resident, c.date FROM cards c"
        " JOIN residents r ON r.id = c.resident_id"
        " WHERE c.void_reason IS NULL",
        "c.id",
        "c.date",
    ),
    "pairings": ExportQuery(
        "SELECT p.uid, " + ref("members", "m") + " AS member, " + ref("residents", "r") + " AS resident, p.since,"
        " p.until, p.note FROM pairings p"
        " JOIN members m ON m.id = p.member_id JOIN residents r ON r.id = p.resident_id WHERE p.void_reason IS NULL",
        "p.id",
        "p.since",
    ),
}


def dated(table: str) -> bool:
    """Whether a table's records have a day of their own to filter an export by."""
    return EXPORTS[table].date is not None


def export_rows(store: "Store", table: str, since: str | None, until: str | None) -> Iterator[dict]:
    """A table's live records as its export query reads them, oldest first, within [since, until]
    by the record's own day."""
    query = EXPORTS[table]
    sql, args = query.sql, []
    if since is not None:
        sql += f" AND {query.date} >= ?"
        args.append(since)
    if until is not None:
        sql += f" AND {query.date} <= ?"
        args.append(until)
    for r in store.read.rows(f"{sql} ORDER BY {query.order}", args):
        yield dict(r)


def open311_rows(store: "Store", kind: str | None = None, status: str | None = None, start: str | None = None,
                 end: str | None = None, request_id: str | None = None, limit: int = 50,
                 offset: int = 0) -> list[dict]:
    """Issues as the export query reads them, for Open311: of a kind, open or closed (`status`), received within
    [start, end] (ISO moments in the ledger's offset), or the one whose request id is `request_id` (its order
    number, else its uid: see `huidesk.exchange.export.request_id`); newest first, a page at a time."""
    clauses, args = [], []
    if kind is not None:
        clauses.append("kind = ?")
        args.append(kind)
    if status == "open":
        clauses.append("state NOT IN ('resolved', 'closed')")
    elif status == "closed":
        clauses.append("state IN ('resolved', 'closed')")
    if start is not None:
        clauses.append("received_at >= ?")
        args.append(start)
    if end is not None:
        clauses.append("received_at <= ?")
        args.append(end)
    if request_id is not None:
        clauses.append("(ref = ? OR (ref IS NULL AND uid = ?))")
        args += [request_id, request_id]
    where = " WHERE " + " AND ".join(clauses) if clauses else ""
    sql = f"SELECT * FROM ({EXPORTS['issues'].sql}){where} ORDER BY received_at DESC, id DESC LIMIT ? OFFSET ?"
    return [dict(r) for r in store.read.rows(sql, (*args, limit, offset))]


def issue_ids(store: "Store", issue_id: int) -> dict:
    """An issue's order number and uid (what its Open311 request id is made from)."""
    return dict(store.read.one("SELECT ref, uid FROM issues WHERE id = ?", (issue_id,)))


# --- import: the reads that validate a row ---------------------------------------------------------


def place_by_path(store: "Store", path: str) -> dict | None:
    """The place with this path, void or live: its id, level and void_reason."""
    row = store.read.one("SELECT id, level, void_reason FROM places WHERE path = ?", (path,))
    return dict(row) if row is not None else None


def unit_exists(store: "Store", name: str) -> bool:
    """Whether a unit, void or live, has this name."""
    return store.read.one("SELECT 1 FROM units WHERE name = ?", (name,)) is not None


def unit_name(store: "Store", unit_id: int) -> str | None:
    return store.read.value("SELECT name FROM units WHERE id = ?", (unit_id,))


def team_exists(store: "Store", place_id: int, name: str) -> bool:
    """Whether a team, void or live, of this name is at this place."""
    return store.read.one("SELECT 1 FROM teams WHERE place_id = ? AND name = ?", (place_id, name)) is not None


def in_team(store: "Store", member_id: int, team_id: int) -> bool:
    """Whether the member is in the team now (a live membership not yet left)."""
    return store.read.one(
        "SELECT 1 FROM memberships WHERE team_id = ? AND member_id = ? AND left IS NULL AND void_reason IS NULL",
        (team_id, member_id),
    ) is not None


def issue_ref_taken(store: "Store", ref: str) -> bool:
    """Whether an issue, void or live, has this ref (工单号)."""
    return store.read.one("SELECT 1 FROM issues WHERE ref = ?", (ref,)) is not None


def issue_by_uid(store: "Store", uid: str) -> int | None:
    """The id of the live issue with this uid."""
    return store.read.value("SELECT id FROM issues WHERE uid = ? AND void_reason IS NULL", (uid,))


def uid_of(store: "Store", table: str, rid: int) -> str:
    return store.read.value(f"SELECT uid FROM {table} WHERE id = ?", (rid,))


def live_names(store: "Store", table: str) -> Iterator[tuple[int, str, str]]:
    """(id, uid, name) of every live record of `table`, in one pass."""
    yield from store.read.rows(f"SELECT id, uid, name FROM {table} WHERE void_reason IS NULL")


def _one(store: "Store", table: str, where: str, *args: object) -> tuple[int, str] | None:
    rows = store.read.all(f"SELECT t.id, t.uid FROM {table} t WHERE t.void_reason IS NULL AND {where} LIMIT 2", args)
    return (rows[0][0], rows[0][1]) if len(rows) == 1 else None


# Each: (id, uid) of the one live record of `table` that matches, None for none or several.


def one_by_uid(store: "Store", table: str, uid: str) -> tuple[int, str] | None:
    return _one(store, table, "t.uid = ?", uid)


def one_by_name(store: "Store", table: str, name: str) -> tuple[int, str] | None:
    """By name; places by path."""
    return _one(store, table, "t.path = ?" if table == "places" else "t.name = ?", name)


def one_by_name_and_uid_start(store: "Store", table: str, name: str, start: str) -> tuple[int, str] | None:
    return _one(store, table, "t.name = ? AND t.uid LIKE ?", name, start + "%")


def one_by_name_and_place(store: "Store", table: str, name: str, place: str) -> tuple[int, str] | None:
    """By name, at the place with this name or path, or whose path ends in it."""
    return _one(store, table,
                "t.name = ? AND t.place_id IN (SELECT id FROM places WHERE name = ? OR path = ? OR path LIKE ?)",
                name, place, place, "%/" + place)
