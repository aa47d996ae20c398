"""The record tables as files: each table's columns, in both directions, and what an import does
with one validated row of it (its loader).
"""

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from huidesk.domain.errors import InvalidValue
from huidesk.domain.i18n import tr

if TYPE_CHECKING:
    import datetime as dt
    import sqlite3

    from huidesk.exchange.importer import Import, Row


EXPORT_FORMATS = ("csv", "jsonl", "json", "xlsx", "open311")
EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".xlsx": "xlsx"}
MAX_REPORTED = 20  # bad rows listed one per line before "…and N more"
JOIN = "、"  # how a list is written into one csv/xlsx cell
_SPLIT = re.compile(r"\s*[、,，;；]\s*")  # ... and the separators a hand-made cell may use
_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs a cell starting with one of these
_IGNORED = {"id", "编号"}  # ledger-local ids mean nothing in another ledger (list outputs carry them)
_UID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.:-]{0,63}")


@dataclass(frozen=True)
class Field:
    """One column of a table's layout."""

    key: str
    zh: str
    en: str
    type: str = "text"  # text int bool date moment hours cadence consent vocab ref uid
    vocab: str | None = None  # for type vocab: which vocabulary
    ref: str | None = None  # for type ref: the table referred to (by name, path, id or uid)
    many: bool = False  # a list (link rows folded in)
    pii: str | None = None  # name / phone / party: masked unless --with-pii
    required: bool = False
    derived: bool = False  # computed from other records: exported, ignored on import
    exported: bool = True  # False: accepted on import only
    past: bool = False  # a day of work done: not after today
    aliases: tuple[str, ...] = ()

    def header(self) -> str:
        return tr(self.zh, self.en)


@dataclass(frozen=True)
class Table:
    name: str
    fields: tuple[Field, ...]
    sql: str  # live records, ending in a WHERE clause that more conditions can extend
    order: str
    date: str | None = None  # SQL for the record's own day, for --since / --until
    load: Callable[..., str] | None = None  # writes one validated row; None: export only

    def exported(self) -> list[Field]:
        return [f for f in self.fields if f.exported]

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)


F = Field


UID = F("uid", "唯一编号", "uid", type="uid")


def ref(table: str, a: str) -> str:
    """SQL for how a row names the team, member or resident `a`: its name when no other live record
    has it; else with its place's name, 王芳（48号楼）, the label the command line lists candidates
    with; else (or for members, who have no place) with the start of its uid, 王芳（3f2a9c1e）.
    `Import.ref` reads all three back."""
    uid = f"{a}.name || '（' || substr({a}.uid, 1, 8) || '）'"
    shared = f"(SELECT name FROM {table} WHERE void_reason IS NULL GROUP BY name HAVING count(*) > 1)"
    if table == "members":
        return f"(CASE WHEN {a}.name NOT IN {shared} THEN {a}.name ELSE {uid} END)"
    here = f"{a}.name || '（' || (SELECT name FROM places WHERE id = {a}.place_id) || '）'"
    shared_here = (f"(SELECT o.name || '（' || op.name || '）' FROM {table} o JOIN places op ON op.id = o.place_id"
                   f" WHERE o.void_reason IS NULL GROUP BY 1 HAVING count(*) > 1)")
    return (f"(CASE WHEN {a}.name NOT IN {shared} THEN {a}.name WHEN {here} NOT IN {shared_here} THEN {here}"
            f" ELSE {uid} END)")


def _names(record: str, link: str, key: str) -> str:
    """SQL for a JSON array of the records linked to a record through `link`, in the order linked;
    `record` is the link's condition on the record (visit_id = v.id)."""
    table = {"resident_id": "residents", "member_id": "members"}[key]
    return (
        f"(SELECT json_group_array(name) FROM (SELECT {ref(table, 'x')} AS name FROM {link} l"
        f" JOIN {table} x ON x.id = l.{key} WHERE l.{record} ORDER BY l.id))"
    )


# --- import: what each table does with one validated row --------------------------------------
# Each loader gets the import, the row (to report problems on) and the parsed values, and returns
# "added" or "skipped"; a problem is added to the row instead.


def _place_row(imp: "Import", path: str) -> "sqlite3.Row | None":
    return imp.store.conn.execute(
        "SELECT id, level, void_reason FROM places WHERE path = ?", (path,)
    ).fetchone()


def _load_place(imp: "Import", row: "Row", v: dict, uid: str) -> str:
    from huidesk.domain.places import guess_level, split_path

    parts = split_path(v["path"], row.header("path"))
    path = "/".join(parts)
    found = _place_row(imp, path)
    if found is not None:
        if found["void_reason"] is not None:
            row.fail("path", v["path"], tr("同一路径的地点已作废", "a void place has this path"))
            return ""
        return "skipped"
    parent_id, parent_level = None, None
    for k in range(1, len(parts)):  # missing ancestors, as `place add` makes them
        prefix = "/".join(parts[:k])
        above = _place_row(imp, prefix)
        if above is None:
            level = guess_level(parts[k - 1], parent_level)
            parent_id = imp.store.import_record(
                imp.tx, "places",
                {"uid": derive_uid("places", {"path": prefix}), "parent_id": parent_id, "name": parts[k - 1],
                 "level": level, "path": prefix},
            )
            parent_level = level
        elif above["void_reason"] is not None:
            row.fail("path", v["path"], tr(f"上级地点 {prefix} 已作废", f"the place above, {prefix}, is void"))
            return ""
        else:
            parent_id, parent_level = above["id"], above["level"]
    level = v["level"] or guess_level(parts[-1], parent_level)
    imp.store.import_record(
        imp.tx, "places", {"uid": uid, "parent_id": parent_id, "name": parts[-1], "level": level, "path": path}
    )
    return "added"


def _load_unit(imp: "Import", row: "Row", v: dict, uid: str) -> str:
    from huidesk.domain.models import UnitIn
    from huidesk.domain.vocab import guess_unit_kind

    unit = row.model(UnitIn, {"name": v["name"], "kind": v["kind"] or guess_unit_kind(v["name"].strip()),
                              "place_id": row.id_of("place")}, {"place_id": "place"})
    if unit is None:
        return ""
    if imp.store.conn.execute("SELECT 1 FROM units WHERE name = ?", (unit.name,)).fetchone():
        return "skipped"
    imp.store.import_record(imp.tx, "units", {"uid": uid, **unit.row()})
    return "added"


def _load_team(imp: "Import", row: "Row", v: dict, uid: str) -> str:
    from huidesk.domain.models import TeamIn
    from huidesk.domain.vocab import guess_line

    team = row.model(
        TeamIn,
        {"name": v["name"], "place_id": row.id_of("place"),
         "line": v["line"] if "line" in row.cells else guess_line(v["name"]),
         "leader_id": row.id_of("leader"), "founded": v["founded"]},
        {"place_id": "place", "leader_id": "leader"},
    )
    if team is None:
        return ""
    clash = imp.store.conn.execute(
        "SELECT 1 FROM teams WHERE place_id = ? AND name = ?", (team.place_id, team.name)
    ).fetchone()
    if clash:
        return "skipped"
    # The leader's membership is a row of memberships (or of a members file's teams column).
    imp.store.import_record(imp.tx, "teams", {"uid": uid, **team.row()})
    return "added"


def _load_member(imp: "Import", row: "Row", v: dict, uid: str) -> str:
    from huidesk.domain.models import MemberIn

    member = row.model(MemberIn, {"name": v["name"], "phone": v["phone"], "joined": v["joined"] or imp.today.isoformat()})
    if member is None:
        return ""
    teams = [t[0] for t in v["teams"] or []]
    imp.store.add_member(imp.tx, {"uid": uid, **member.row()}, list(dict.fromkeys(teams)),
                         list(dict.fromkeys(v["roles"] or [])))
    return "added"


def _load_membership(imp: "Import", row: "Row", v: dict, uid: str) -> str:
    (member_id, _), (team_id, _) = v["member"], v["team"]
    if v["left"] is not None and v["left"] < v["joined"]:
        row.fail("left", v["left"], tr(f"早于入队日期 {v['joined']}", f"before joining on {v['joined']}"))
        return ""
    if v["left"] is None and imp.store.conn.execute(
        "SELECT 1 FROM memberships WHERE team_id = ? AND member_id = ? AND left IS NULL AND void_reason IS NULL",
        (team_id, member_id),
    ).fetchone():
        row.fail("member", row.raw("member"), tr("该队员已在这支服务队中", "the member is already in this team"))
        return ""
    imp.store.import_record(
        imp.tx, "memberships",
        {"uid": uid, "team_id": team_id, "member_id": member_id, "joined": v["joined"], "left": v["left"]},
    )
    return "added"


def _load_resident(imp: "Import", row: "Row", v: dict, uid: str) -> str:
    from huidesk.domain.models import ResidentIn

    tags = tuple(dict.fromkeys(v["tags"] or []))
    resident = row.model(
        ResidentIn,
        {"name": v["name"], "place_id": row.id_of("place"), "born": v["born"], "phone": v["phone"],
         "visit_every": v["visit_every"], "consent": v["consent"], "guardian": v["guardian"],
         "health_consent": bool(v["health_consent"]), "tags": tags, "this_year": imp.today.year},
        {"place_id": "place"},
    )
    if resident is None:
        return ""
    imp.store.add_resident(imp.tx, {"uid": uid, **resident.row()}, tags)
    return "added"


def _load_visit(imp: "Import", row: "Row", v: dict, uid: str) -> str:
    from huidesk.domain.models import VisitIn

    if not v["residents"]:
        row.fail("residents", row.raw("residents"), tr("至少写一位居民", "name at least one resident"))
        return ""
    gifts = tuple(g for g in _SPLIT.split(v["gifts"]) if g) if v["gifts"] else ()
    visit = row.model(
        VisitIn,
        {"team_id": row.id_of("team"), "date": v["date"], "purpose": v["purpose"], "gifts": gifts, "note": v["note"],
         "follow_up": bool(v["follow_up"]), "today": imp.today.isoformat()},
        {"team_id": "team"},
    )
    if visit is None:
        return ""
    imp.store.add_visit(imp.tx, {"uid": uid, **visit.row()}, [r[0] for r in v["residents"]],
                        [m[0] for m in v["members"] or []])
    return "added"


def _load_activity(imp: "Import", row: "Row", v: dict, uid: str) -> str:
    from huidesk.domain.models import ActivityIn

    minutes = v["minutes"]
    if v["hours"] is not None:
        if minutes is None:
            minutes = v["hours"]
        elif minutes != v["hours"]:
            row.fail("hours", row.raw("hours"), tr(f"与分钟数 {minutes} 不符", f"does not match the minutes, {minutes}"))
            return ""
    members = tuple(dict.fromkeys(m[0] for m in v["members"] or []))
    activity = row.model(
        ActivityIn,
        {"team_id": row.id_of("team"), "theme": v["theme"], "date": v["date"], "place_id": row.id_of("place"),
         "title": v["title"], "volunteers": v["volunteers"], "served": v["served"], "member_ids": members,
         "today": imp.today.isoformat()},
        {"team_id": "team", "place_id": "place", "member_ids": "members"},
    )
    if activity is None:
        return ""
    minutes = minutes or 0
    if minutes and not activity.headcount:
        row.fail("minutes", minutes, tr("有时长却没有志愿者：请给出志愿者人数或队员", "hours without volunteers: give volunteers or members"))
        return ""
    values = {"uid": uid, **activity.row(), "minutes": minutes}
    # Each named member served an equal share (exactly what `activity add --hours` recorded).
    each = minutes // activity.headcount if activity.headcount else 0
    imp.store.add_activity(imp.tx, values, members, each)
    return "added"


def _load_issue(imp: "Import", row: "Row", v: dict, uid: str) -> str:
    from huidesk.domain.models import IssueIn

    if v["ref"] and imp.store.conn.execute("SELECT 1 FROM issues WHERE ref = ?", (v["ref"],)).fetchone():
        return "skipped"
    issue = row.model(
        IssueIn,
        {"ref": v["ref"], "kind": v["kind"], "source": v["source"], "place_id": row.id_of("place"),
         "team_id": row.id_of("team"), "resident_id": row.id_of("resident"), "text": v["text"],
         "received_at": v["received_at"]},
        {"place_id": "place", "team_id": "team", "resident_id": "resident"},
    )
    if issue is None:
        return ""
    resolved, note = v["resolved_at"], v["resolved_note"]
    if resolved is not None and _instant(resolved) < _instant(issue.received_at):
        row.fail("resolved_at", row.raw("resolved_at"), tr("早于受理时间", "before it was received"))
    if note is not None and (resolved is None or len(note) > 2000):
        row.fail("resolved_note", note, tr("办结说明需要办结时间，且最多 2000 字", "needs resolved_at; at most 2000 characters"))
    if row.problems:
        return ""
    imp.store.open_issue(imp.tx, {"uid": uid, **issue.row()}, resolved, note)
    return "added"


def _load_event(imp: "Import", row: "Row", v: dict, uid: str) -> str:
    """One dated step of an issue, checked against the issue's timeline up to its moment (so a file's
    events may come in any order); the same step already there (as an issue import records its
    received and resolved steps) is skipped."""
    from huidesk.domain.lifecycle import check, fold

    conn = imp.store.conn
    issue_id = None
    if v["issue"] is not None:
        hit = conn.execute("SELECT id FROM issues WHERE uid = ? AND void_reason IS NULL", (v["issue"],)).fetchone()
        issue_id = hit[0] if hit else imp.store.find_issue(v["issue"], row.header("issue")).id
    elif v["issue_ref"] is not None:
        issue_id = imp.store.find_issue(v["issue_ref"], row.header("issue_ref")).id
    else:
        row.fail("issue", "", tr("请给出诉求的唯一编号或工单号", "give the issue's uid or ref"))
        return ""
    event, at, unit_id = v["event"], v["at"], row.id_of("unit")
    if (event == "callback") != (v["answer"] is not None and v["satisfaction"] is not None):
        key = "answer" if event == "callback" else "event"
        row.fail(key, row.raw(key), tr("回访须有是否解决和满意度，其他事件没有", "a callback, and only a callback, has an answer and a satisfaction"))
        return ""
    if v["note"] is not None and (len(v["note"]) > 2000 or not v["note"].replace("\n", " ").isprintable()):
        row.fail("note", v["note"], tr("过长或含控制字符", "too long or holding control characters"))
        return ""
    timeline = imp.store.issue_events(issue_id)
    when = _instant(at)
    for e in timeline:
        if (e.event, _instant(e.at), e.unit_id, e.note, e.answer, e.satisfaction) == (
            event, when, unit_id, v["note"], v["answer"], v["satisfaction"]
        ):
            return "skipped"
    if event == "received":
        row.fail("event", row.raw("event"), tr("这件诉求已有受理记录", "the issue was already received"))
        return ""
    unit = conn.execute("SELECT name FROM units WHERE id = ?", (unit_id,)).fetchone() if unit_id else None
    check(fold(e for e in timeline if _instant(e.at) <= when), event, at, unit_id, unit[0] if unit else "")
    imp.store.import_record(imp.tx, "issue_events", {
        "uid": uid, "issue_id": issue_id, "event": event, "at": at, "unit_id": unit_id, "answer": v["answer"],
        "satisfaction": v["satisfaction"], "note": v["note"]})
    return "added"


def _load_wish(imp: "Import", row: "Row", v: dict, uid: str) -> str:
    from huidesk.domain.models import WishIn

    wish = row.model(WishIn, {"resident_id": row.id_of("resident"), "text": v["text"], "listed": v["listed"],
                              "today": imp.today.isoformat()}, {"resident_id": "resident"})
    if wish is None:
        return ""
    member_id, claimed, fulfilled = row.id_of("member"), v["claimed"], v["fulfilled"]
    if (member_id is None) != (claimed is None):
        key = "claimed" if member_id is not None else "member"
        row.fail(key, row.raw(key), tr("认领队员与认领日期须同时给出", "a claimed wish needs both the member and the date"))
    if fulfilled is not None and claimed is None:
        row.fail("fulfilled", fulfilled, tr("尚未认领的心愿不能实现", "a wish is claimed before it is fulfilled"))
    if claimed is not None and claimed < wish.listed:
        row.fail("claimed", claimed, tr(f"早于登记日期 {wish.listed}", f"before it was listed on {wish.listed}"))
    if fulfilled is not None and claimed is not None and fulfilled < claimed:
        row.fail("fulfilled", fulfilled, tr(f"早于认领日期 {claimed}", f"before it was claimed on {claimed}"))
    if row.problems:
        return ""
    imp.store.add_wish(imp.tx, {"uid": uid, **wish.row(), "member_id": member_id, "claimed": claimed,
                                "fulfilled": fulfilled})
    return "added"


def _load_card(imp: "Import", row: "Row", v: dict, uid: str) -> str:
    from huidesk.domain.models import CardIn

    card = row.model(CardIn, {"resident_id": row.id_of("resident"), "kind": v["kind"], "no": v["no"],
                              "date": v["date"], "today": imp.today.isoformat()}, {"resident_id": "resident"})
    if card is None:
        return ""
    imp.store.issue_card(imp.tx, {"uid": uid, **card.row()})
    return "added"


def _load_pairing(imp: "Import", row: "Row", v: dict, uid: str) -> str:
    from huidesk.domain.models import PairingIn

    pairing = row.model(PairingIn, {"member_id": row.id_of("member"), "resident_id": row.id_of("resident"),
                                    "since": v["since"], "note": v["note"], "today": imp.today.isoformat()},
                        {"member_id": "member", "resident_id": "resident"})
    if pairing is None:
        return ""
    if v["until"] is not None and v["until"] < pairing.since:
        row.fail("until", v["until"], tr(f"早于结对日期 {pairing.since}", f"before the pairing began on {pairing.since}"))
        return ""
    if v["until"] is None:
        imp.store.add_pairing(imp.tx, {"uid": uid, **pairing.row()})
    else:  # an ended pairing may lie beside a current one of the same two
        imp.store.import_record(imp.tx, "pairings", {"uid": uid, **pairing.row(), "until": v["until"]})
    return "added"


def _instant(moment: str) -> "dt.datetime":
    import datetime as dt

    return dt.datetime.fromisoformat(moment)


# --- the tables --------------------------------------------------------------------------------

NAME = F("name", "姓名", "name", required=True, aliases=("名字",))
DATE = F("date", "日期", "date", type="date", required=True, past=True)
TEAM = F("team", "服务队", "team", type="ref", ref="teams", required=True)
MEMBERS = F("members", "队员", "members", type="ref", ref="members", many=True)
PLACE = F("place", "地点", "place", type="ref", ref="places")
RESIDENT = F("resident", "居民", "resident", type="ref", ref="residents", pii="name", required=True)
MEMBER = F("member", "队员", "member", type="ref", ref="members", required=True)
NOTE = F("note", "备注", "note")

_ISSUE_EXTRA = (
    " (SELECT e.event FROM issue_events e WHERE e.issue_id = i.id AND e.void_reason IS NULL"
    "   AND e.event NOT IN ('callback', 'consulted') ORDER BY e.at DESC, e.id DESC LIMIT 1) AS state,"
    " (SELECT json_group_array(name) FROM (SELECT DISTINCT u.name FROM issue_events e JOIN units u ON u.id = e.unit_id"
    "   WHERE e.issue_id = i.id AND e.void_reason IS NULL AND e.event IN ('dispatched', 'transferred', 'escalated',"
    "   'arrived') ORDER BY e.at, e.id)) AS units,"
    " (SELECT json_array(e.at, e.note) FROM issue_events e WHERE e.issue_id = i.id AND e.void_reason IS NULL"
    "   AND e.event = 'resolved' ORDER BY e.at DESC, e.id DESC LIMIT 1) AS last_resolved,"
    " (SELECT json_array(e.event, e.at, u.name, e.note) FROM issue_events e LEFT JOIN units u ON u.id = e.unit_id"
    "   WHERE e.issue_id = i.id AND e.void_reason IS NULL ORDER BY e.at DESC, e.id DESC LIMIT 1) AS last_event"
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "places",
            (UID, F("path", "地点路径", "path", required=True, aliases=("地点", "place", "路径")),
             F("level", "层级", "level", type="vocab", vocab="level")),
            "SELECT p.uid, p.path, p.level FROM places p WHERE p.void_reason IS NULL",
            "p.path",
            load=_load_place,
        ),
        Table(
            "units",
            (UID, F("name", "单位名称", "name", required=True, aliases=("单位", "名称")),
             F("kind", "类型", "kind", type="vocab", vocab="unit_kind"),
             F("place", "所在地点", "place", type="ref", ref="places", aliases=("地点",))),
            "SELECT u.uid, u.name, u.kind, p.path AS place FROM units u LEFT JOIN places p ON p.id = u.place_id"
            " WHERE u.void_reason IS NULL",
            "u.id",
            load=_load_unit,
        ),
        Table(
            "teams",
            (UID, F("name", "服务队名称", "name", required=True, aliases=("服务队", "名称")),
             F("place", "所在地点", "place", type="ref", ref="places", required=True, aliases=("地点",)),
             F("line", "类别", "line", type="vocab", vocab="line"),
             F("leader", "队长", "leader", type="ref", ref="members"),
             F("founded", "成立日期", "founded", type="date")),
            "SELECT t.uid, t.name, p.path AS place, t.line, " + ref("members", "m") + " AS leader, t.founded FROM teams t"
            " JOIN places p ON p.id = t.place_id LEFT JOIN members m ON m.id = t.leader_id WHERE t.void_reason IS NULL",
            "t.id",
            date="t.founded",
            load=_load_team,
        ),
        Table(
            "members",
            (UID, NAME, F("phone", "电话", "phone", pii="phone"),
             F("roles", "角色", "roles", type="vocab", vocab="role", many=True),
             F("joined", "加入日期", "joined", type="date"),
             F("teams", "服务队", "teams", type="ref", ref="teams", many=True, exported=False)),
            "SELECT m.uid, m.name, m.phone, (SELECT json_group_array(role) FROM (SELECT role FROM member_roles r"
            " WHERE r.member_id = m.id ORDER BY r.id)) AS roles, m.joined FROM members m WHERE m.void_reason IS NULL",
            "m.id",
            date="m.joined",
            load=_load_member,
        ),
        Table(
            "memberships",
            (UID, MEMBER, F("team", "服务队", "team", type="ref", ref="teams", required=True),
             F("joined", "入队日期", "joined", type="date", required=True),
             F("left", "离队日期", "left", type="date", past=True)),
            "SELECT s.uid, " + ref("members", "m") + " AS member, " + ref("teams", "t") + " AS team, s.joined, s.left"
            " FROM memberships s"
            " JOIN members m ON m.id = s.member_id JOIN teams t ON t.id = s.team_id"
            " WHERE s.void_reason IS NULL AND m.void_reason IS NULL AND t.void_reason IS NULL",
            "s.id",
            date="s.joined",
            load=_load_membership,
        ),
        Table(
            "residents",
            (UID, F("name", "姓名", "name", pii="name", required=True, aliases=("名字",)),
             F("place", "住址", "place", type="ref", ref="places", required=True, aliases=("地点",)),
             F("tags", "标签", "tags", type="vocab", vocab="tag", many=True),
             F("born", "出生年份", "born", type="int", aliases=("出生年",)),
             F("phone", "电话", "phone", pii="phone"),
             F("visit_every", "走访周期(天)", "visit every (days)", type="cadence", aliases=("走访周期",)),
             F("consent", "同意登记", "consent", type="consent", aliases=("同意",)),
             F("guardian", "监护人", "guardian", pii="name"),
             F("health_consent", "健康信息同意", "health consent", type="bool")),
            "SELECT r.uid, r.name, p.path AS place, (SELECT json_group_array(tag) FROM (SELECT tag FROM resident_tags g"
            " WHERE g.resident_id = r.id ORDER BY g.id)) AS tags, r.born, r.phone, r.visit_every, r.consent, r.guardian,"
            " r.health_consent FROM residents r JOIN places p ON p.id = r.place_id WHERE r.void_reason IS NULL",
            "r.id",
            load=_load_resident,
        ),
        Table(
            "visits",
            (UID, DATE, TEAM,
             F("residents", "走访对象", "residents", type="ref", ref="residents", many=True, pii="name", required=True, aliases=("居民",)),
             MEMBERS, F("purpose", "事由", "purpose"), F("gifts", "慰问品", "gifts"), NOTE,
             F("follow_up", "需跟进", "follow-up", type="bool")),
            "SELECT v.uid, v.date, " + ref("teams", "t") + " AS team, " + _names("visit_id = v.id", "visit_residents", "resident_id")
            + " AS residents, " + _names("visit_id = v.id", "visit_members", "member_id")
            + " AS members, v.purpose, v.gifts, v.note, v.follow_up"
            " FROM visits v JOIN teams t ON t.id = v.team_id WHERE v.void_reason IS NULL",
            "v.date, v.id",
            date="v.date",
            load=_load_visit,
        ),
        Table(
            "activities",
            (UID, DATE, TEAM, F("theme", "主题", "theme", type="vocab", vocab="theme", required=True),
             F("title", "名称", "title"), PLACE,
             F("volunteers", "志愿者人数", "volunteers", type="int"), MEMBERS,
             F("served", "服务人数", "served", type="int"),
             F("hours", "时长(小时)", "hours", type="hours", aliases=("时长", "志愿服务时长")),
             F("minutes", "时长(分钟)", "minutes", type="int")),
            "SELECT a.uid, a.date, " + ref("teams", "t") + " AS team, a.theme, a.title, p.path AS place, a.volunteers, "
            + _names("activity_id = a.id", "activity_members", "member_id")
            + " AS members, a.served, a.minutes FROM activities a JOIN teams t ON t.id = a.team_id"
            " LEFT JOIN places p ON p.id = a.place_id WHERE a.void_reason IS NULL",
            "a.date, a.id",
            date="a.date",
            load=_load_activity,
        ),
        Table(
            "issues",
            (UID, F("ref", "工单号", "ref"),
             F("received_at", "受理时间", "received", type="moment", required=True),
             F("kind", "类型", "kind", type="vocab", vocab="issue_kind", required=True),
             F("source", "来源", "source", type="vocab", vocab="source", required=True),
             F("place", "地点", "place", type="ref", ref="places", required=True),
             F("team", "服务队", "team", type="ref", ref="teams"),
             F("resident", "反映人", "resident", type="ref", ref="residents", pii="name"),
             F("text", "内容", "text", required=True),
             F("state", "状态", "state", type="vocab", vocab="event", derived=True),
             F("units", "承办单位", "units", many=True, derived=True),
             F("resolved_at", "办结时间", "resolved", type="moment"),
             F("resolved_note", "办结说明", "resolution note")),
            "SELECT i.id, i.uid, i.ref, i.received_at, i.kind, i.source, p.path AS place, " + ref("teams", "t")
            + " AS team, " + ref("residents", "r") + " AS resident, i.text," + _ISSUE_EXTRA + " FROM issues i JOIN places p ON p.id = i.place_id"
            " LEFT JOIN teams t ON t.id = i.team_id LEFT JOIN residents r ON r.id = i.resident_id"
            " WHERE i.void_reason IS NULL",
            "i.received_at, i.id",
            date="substr(i.received_at, 1, 10)",
            load=_load_issue,
        ),
        Table(
            "issue_events",
            (UID, F("issue", "诉求唯一编号", "issue uid", aliases=("诉求",)), F("issue_ref", "工单号", "ref"),
             F("at", "时间", "at", type="moment", required=True),
             F("event", "事件", "event", type="vocab", vocab="event", required=True),
             F("unit", "单位", "unit", type="ref", ref="units"),
             F("answer", "是否解决", "resolved", type="vocab", vocab="answer"),
             F("satisfaction", "满意度", "satisfaction", type="vocab", vocab="satisfaction"), NOTE),
            "SELECT e.uid, i.uid AS issue, i.ref AS issue_ref, e.at, e.event, u.name AS unit, e.answer, e.satisfaction,"
            " e.note FROM issue_events e JOIN issues i ON i.id = e.issue_id LEFT JOIN units u ON u.id = e.unit_id"
            " WHERE e.void_reason IS NULL AND i.void_reason IS NULL",
            "e.at, e.id",
            date="substr(e.at, 1, 10)",
            load=_load_event,
        ),
        Table(
            "meetings",
            (UID, F("date", "日期", "date", type="date"), F("issue", "诉求唯一编号", "issue uid"),
             F("place", "地点", "place"),
             F("parties", "参会方", "parties", many=True, pii="party"),
             F("decision", "决定", "decision")),
            "SELECT g.uid, g.date, i.uid AS issue, p.path AS place, (SELECT json_group_array(json_array(k, n)) FROM"
            " (SELECT x.resident_id IS NOT NULL AS k, coalesce(u.name, m.name, r.name, x.name) AS n FROM meeting_parties x"
            " LEFT JOIN units u ON u.id = x.unit_id LEFT JOIN members m ON m.id = x.member_id"
            " LEFT JOIN residents r ON r.id = x.resident_id WHERE x.meeting_id = g.id ORDER BY x.id)) AS parties,"
            " g.decision FROM meetings g LEFT JOIN issues i ON i.id = g.issue_id LEFT JOIN places p ON p.id = g.place_id"
            " WHERE g.void_reason IS NULL",
            "g.date, g.id",
            date="g.date",
        ),
        Table(
            "wishes",
            (UID, RESIDENT, F("text", "心愿", "wish", required=True, aliases=("内容", "text")),
             F("listed", "登记日期", "listed", type="date", required=True, past=True),
             F("member", "认领队员", "claimed by", type="ref", ref="members", aliases=("队员",)),
             F("claimed", "认领日期", "claimed", type="date", past=True),
             F("fulfilled", "实现日期", "fulfilled", type="date", past=True)),
            "SELECT w.uid, " + ref("residents", "r") + " AS resident, w.text, w.listed, " + ref("members", "m")
            + " AS member, w.claimed, w.fulfilled FROM wishes w"
            " JOIN residents r ON r.id = w.resident_id LEFT JOIN members m ON m.id = w.member_id"
            " WHERE w.void_reason IS NULL",
            "w.id",
            date="w.listed",
            load=_load_wish,
        ),
        Table(
            "cards",
            (UID, F("kind", "卡种", "kind", required=True), F("no", "卡号", "no"),
             RESIDENT, F("date", "办理日期", "date", type="date", required=True, past=True)),
            "SELECT c.uid, c.kind, c.no, " + ref("residents", "r") + " AS resident, c.date FROM cards c"
            " JOIN residents r ON r.id = c.resident_id"
            " WHERE c.void_reason IS NULL",
            "c.id",
            date="c.date",
            load=_load_card,
        ),
        Table(
            "pairings",
            (UID, MEMBER, RESIDENT, F("since", "结对日期", "since", type="date", required=True, past=True),
             F("until", "结束日期", "until", type="date", past=True), NOTE),
            "SELECT p.uid, " + ref("members", "m") + " AS member, " + ref("residents", "r") + " AS resident, p.since,"
            " p.until, p.note FROM pairings p"
            " JOIN members m ON m.id = p.member_id JOIN residents r ON r.id = p.resident_id WHERE p.void_reason IS NULL",
            "p.id",
            date="p.since",
            load=_load_pairing,
        ),
    )
}
IMPORTABLE = tuple(name for name, t in TABLES.items() if t.load is not None)


def table_label(name: str) -> str:
    from huidesk.ledger.schema import RECORD_TABLES

    zh, en = RECORD_TABLES[name]
    return tr(zh, en)


def importable(name: str, text: str) -> Table:
    """The table to import into; one only exported (issue events, meetings) is refused."""
    table = TABLES[name]
    if table.load is None:
        choices = "、".join(IMPORTABLE)
        raise InvalidValue(
            "TABLE", text,
            tr(f"{table_label(name)}只能导出，可导入：{choices}", f"{name} can only be exported; import one of: {choices}"),
        )
    return table


def derive_uid(table: str, identity: Mapping[str, object]) -> str:
    """The uid of a hand-made row without one: a digest of its canonical content, so that the
    same row imported twice is found the second time."""
    from huidesk.ledger.journal import canonical

    return hashlib.sha256(f"{table}\n{canonical(identity)}".encode()).hexdigest()[:32]
