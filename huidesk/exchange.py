"""Export and import of the ledger's record tables (csv, jsonl, json, xlsx; GeoReport v2 for issues).

Each table has one column layout, `TABLES`, used in both directions. A row carries the record's
uid and human references (team name, place path, resident name, unit name), never ledger-local
ids, so that a person can read it and another ledger can take it in. Link rows are folded in as
lists: JSON arrays in json/jsonl, cells joined with 、 in csv/xlsx. Void records are left out;
residents' names, phones and guardians are masked unless asked for.

An import reads rows one at a time and validates each inside one write transaction (so that
references, duplicates and the ledger's own rules are checked against exactly what will be
written); every bad row is collected, and the transaction is rolled back whole if there is one,
or for a dry run. Export queries read the ledger here; every write goes through the store's Tx.
"""

import codecs
import hashlib
import itertools
import json
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from huidesk.errors import HuideskError, InvalidTransition, InvalidValue
from huidesk.i18n import tr

if TYPE_CHECKING:
    import datetime as dt
    import sqlite3

    from huidesk.store import Store, Tx

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
    from huidesk.places import guess_level, split_path

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
    from huidesk.models import UnitIn
    from huidesk.vocab import guess_unit_kind

    unit = row.model(UnitIn, {"name": v["name"], "kind": v["kind"] or guess_unit_kind(v["name"].strip()),
                              "place_id": row.id_of("place")}, {"place_id": "place"})
    if unit is None:
        return ""
    if imp.store.conn.execute("SELECT 1 FROM units WHERE name = ?", (unit.name,)).fetchone():
        return "skipped"
    imp.store.import_record(imp.tx, "units", {"uid": uid, **unit.row()})
    return "added"


def _load_team(imp: "Import", row: "Row", v: dict, uid: str) -> str:
    from huidesk.models import TeamIn
    from huidesk.vocab import guess_line

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
    from huidesk.models import MemberIn

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
    from huidesk.models import ResidentIn

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
    from huidesk.models import VisitIn

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
    from huidesk.models import ActivityIn

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
    from huidesk.models import IssueIn

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
    from huidesk.lifecycle import check, fold

    conn = imp.store.conn
    issue_id = None
    if v["issue"] is not None:
        hit = conn.execute("SELECT id FROM issues WHERE uid = ? AND void_reason IS NULL", (v["issue"],)).fetchone()
        issue_id = hit[0] if hit else imp.store.find_issue(v["issue"], row.header("issue"))["id"]
    elif v["issue_ref"] is not None:
        issue_id = imp.store.find_issue(v["issue_ref"], row.header("issue_ref"))["id"]
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
        if (e["event"], _instant(e["at"]), e["unit_id"], e["note"], e["answer"], e["satisfaction"]) == (
            event, when, unit_id, v["note"], v["answer"], v["satisfaction"]
        ):
            return "skipped"
    if event == "received":
        row.fail("event", row.raw("event"), tr("这件诉求已有受理记录", "the issue was already received"))
        return ""
    unit = conn.execute("SELECT name FROM units WHERE id = ?", (unit_id,)).fetchone() if unit_id else None
    check(fold(e for e in timeline if _instant(e["at"]) <= when), event, at, unit_id, unit[0] if unit else "")
    imp.store.import_record(imp.tx, "issue_events", {
        "uid": uid, "issue_id": issue_id, "event": event, "at": at, "unit_id": unit_id, "answer": v["answer"],
        "satisfaction": v["satisfaction"], "note": v["note"]})
    return "added"


def _load_wish(imp: "Import", row: "Row", v: dict, uid: str) -> str:
    from huidesk.models import WishIn

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
    from huidesk.models import CardIn

    card = row.model(CardIn, {"resident_id": row.id_of("resident"), "kind": v["kind"], "no": v["no"],
                              "date": v["date"], "today": imp.today.isoformat()}, {"resident_id": "resident"})
    if card is None:
        return ""
    imp.store.issue_card(imp.tx, {"uid": uid, **card.row()})
    return "added"


def _load_pairing(imp: "Import", row: "Row", v: dict, uid: str) -> str:
    from huidesk.models import PairingIn

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
    from huidesk.store import RECORD_TABLES

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


# --- export ------------------------------------------------------------------------------------


def format_from(output: Path | None, given: str | None, choices: tuple[str, ...]) -> str:
    """The format asked for; else the output file's extension; else csv."""
    if given:
        return given
    if output is None:
        return "csv"
    kind = EXTENSIONS.get(output.suffix.lower())
    if kind is None or kind not in choices:
        raise InvalidValue(
            "--output", str(output),
            tr(f"无法从扩展名判断格式：请加 --format {'|'.join(choices)}", f"cannot tell the format: add --format {'|'.join(choices)}"),
        )
    return kind


def export_rows(store: "Store", table: Table, since: str | None, until: str | None, with_pii: bool) -> Iterator[dict]:
    """Live records oldest first, references as names, lists as lists, masked unless `with_pii`."""
    from huidesk.hours import show_hours
    from huidesk.privacy import mask_name, mask_phone

    sql, args = table.sql, []
    if since is not None:
        sql += f" AND {table.date} >= ?"
        args.append(since)
    if until is not None:
        sql += f" AND {table.date} <= ?"
        args.append(until)
    lists = [f for f in table.fields if f.many and f.exported]
    flags = [f for f in table.fields if f.type == "bool"]
    for r in store.conn.execute(f"{sql} ORDER BY {table.order}", args):
        row = dict(r)
        for f in lists:
            row[f.key] = json.loads(row[f.key]) if row[f.key] else []
        for f in flags:
            if row[f.key] is not None:
                row[f.key] = bool(row[f.key])
        if "minutes" in row:
            row["hours"] = show_hours(row["minutes"])
        if table.name == "issues":
            state = row["state"]
            done = json.loads(row["last_resolved"]) if row["last_resolved"] and state in ("resolved", "closed") else None
            row["resolved_at"], row["resolved_note"] = done or (None, None)
        for f in table.fields:
            value = row.get(f.key)
            if f.pii == "party":
                row[f.key] = [n if with_pii or not k else mask_name(n) for k, n in value]
            elif f.pii and not with_pii and value:
                mask = mask_phone if f.pii == "phone" else _mask_label if f.type == "ref" else mask_name
                row[f.key] = [mask(x) for x in value] if f.many else mask(value)
        yield row


_LABEL = re.compile(r"(.+?)[（(]([^（）()]+)[）)]")  # 王芳（48号楼）, 王芳(3f2a9c1e)


def _mask_label(text: str) -> str:
    """A resident's name masked, and the place or uid that tells namesakes apart kept: 王*（48号楼）."""
    from huidesk.privacy import mask_name

    m = _LABEL.fullmatch(text)
    return f"{mask_name(m[1])}（{m[2]}）" if m else mask_name(text)


def defuse(text: str) -> str:
    """A cell a spreadsheet would run as a formula, made plain text with a leading quote."""
    return "'" + text if text.startswith(_FORMULA) else text


def _undefuse(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA) else text


def write_csv(rows: Iterable[dict], table: Table, out) -> int:
    import csv

    fields = table.exported()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f.key for f in fields])
    count = 0
    for row in rows:
        writer.writerow([_csv_cell(row.get(f.key)) for f in fields])
        count += 1
    return count


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return value  # numbers stay numbers: -3 is not a formula
    if isinstance(value, list):
        value = JOIN.join(str(x) for x in value)
    return defuse(str(value))


def write_json(rows: Iterable[dict], table: Table, out, lines: bool) -> int:
    fields = table.exported()
    count = 0
    if not lines:
        out.write("[")
    for row in rows:
        text = json.dumps({f.key: row.get(f.key) for f in fields}, ensure_ascii=False)
        if lines:
            out.write(text + "\n")
        else:
            out.write(("\n" if count == 0 else ",\n") + text)
        count += 1
    if not lines:
        out.write("]\n" if count == 0 else "\n]\n")
    return count


def write_open311(rows: Iterable[dict], out, resolve_days: float) -> int:
    """Issues as GeoReport v2 service requests (https://wiki.open311.org/GeoReport_v2)."""
    import datetime as dt

    from huidesk.vocab import label

    count = 0
    out.write("[")
    for row in rows:
        event, at, unit, note = json.loads(row["last_event"]) if row["last_event"] else (None, None, None, None)
        notes = label("event", event) + (f" {unit}" if unit else "") + (f"：{note}" if note else "") if event else None
        expected = _instant(row["received_at"]) + dt.timedelta(days=resolve_days)
        request = {
            "service_request_id": row["ref"] or row["uid"],
            "status": "closed" if row["state"] in ("resolved", "closed") else "open",
            "status_notes": notes,
            "service_name": label("issue_kind", row["kind"]),
            "service_code": row["kind"],
            "description": row["text"],
            "agency_responsible": JOIN.join(row["units"]) or None,
            "service_notice": None,
            "requested_datetime": row["received_at"],
            "updated_datetime": at or row["received_at"],
            "expected_datetime": expected.isoformat(timespec="seconds"),
            "address": row["place"],
            "address_id": None,
            "zipcode": None,
            "lat": None,
            "long": None,
            "media_url": None,
        }
        out.write(("\n" if count == 0 else ",\n") + json.dumps(request, ensure_ascii=False))
        count += 1
    out.write("]\n" if count == 0 else "\n]\n")
    return count


def write_xlsx(rows: Iterable[dict], table: Table, out: BinaryIO) -> int:
    """A real workbook: localised headers and vocabulary, column widths, a frozen header row."""
    from openpyxl import Workbook

    from huidesk.workbook import fill_sheet

    fields = table.exported()
    wb = Workbook()
    ws = wb.active
    ws.title = table_label(table.name)[:31]
    count = 0

    def cells() -> Iterator[list[object]]:
        nonlocal count
        for row in rows:
            count += 1
            yield [_xlsx_cell(f, row.get(f.key)) for f in fields]

    fill_sheet(ws, [f.header() for f in fields], cells())
    ws.auto_filter.ref = ws.dimensions
    wb.save(out)
    return count


def _xlsx_cell(f: Field, value: object) -> object:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from huidesk.vocab import label

    if value is None:
        return None
    if isinstance(value, (bool, int)):
        return value
    if f.type == "hours":
        return Decimal(str(value))
    if isinstance(value, list):
        value = JOIN.join(label(f.vocab, x) if f.vocab else str(x) for x in value)
    elif f.vocab:
        value = label(f.vocab, str(value))
    return defuse(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def export_table(
    store: "Store", name: str, fmt: str, output: Path | None, *, since: str | None, until: str | None, with_pii: bool
) -> tuple[int, tuple[int, str]]:
    """Write one table to `output` (atomically) or stdout; returns the row count and the journal's
    chain head, both read in one snapshot of the ledger."""
    table = TABLES[name]
    if fmt == "open311" and name != "issues":
        raise InvalidValue("--format", "open311", tr("open311 只用于诉求（issues）", "open311 is for issues only"))
    if table.date is None and (since or until):
        raise InvalidValue("--since" if since else "--until", since or until,
                           tr(f"{table_label(name)}没有日期，不能按日期筛选", f"{name} have no date to filter by"))
    if fmt == "xlsx" and output is None and sys.stdout.isatty():
        raise InvalidValue("--format", "xlsx", tr("xlsx 是二进制文件：请加 --output 文件名.xlsx", "xlsx is binary: add --output FILE.xlsx"))
    conn = store.conn
    conn.execute("BEGIN")  # one read snapshot: the rows and the chain head belong together
    try:
        head = store.head()
        rows = export_rows(store, table, since, until, with_pii)
        if output is None:
            out = sys.stdout.buffer if fmt == "xlsx" else sys.stdout
            count = _write(fmt, rows, table, out, store)
            out.flush()
        else:
            from huidesk.files import atomic_write

            with atomic_write(output, binary=fmt == "xlsx") as out:
                if fmt == "csv":
                    out.write("\ufeff")  # Excel reads a CSV file as UTF-8 only when it starts with a BOM
                count = _write(fmt, rows, table, out, store)
    finally:
        conn.execute("COMMIT")
    return count, head


def _write(fmt: str, rows: Iterable[dict], table: Table, out, store: "Store") -> int:
    if fmt == "csv":
        return write_csv(rows, table, out)
    if fmt in ("json", "jsonl"):
        return write_json(rows, table, out, lines=fmt == "jsonl")
    if fmt == "open311":
        return write_open311(rows, out, float(store.settings()["resolve_limit_days"]))
    return write_xlsx(rows, table, out)


# --- reading import files ----------------------------------------------------------------------


class Source:
    """The bytes of a file or of stdin, read in chunks; the first few are kept for sniffing."""

    def __init__(self, name: str, stream: BinaryIO, path: Path | None = None) -> None:
        self.name, self.stream, self.path = name, stream, path
        self.head = stream.read(4096)

    def chunks(self, size: int = 1 << 16) -> Iterator[bytes]:
        if self.head:
            yield self.head
        self.head = b""
        while chunk := self.stream.read(size):
            yield chunk

    def lines(self) -> Iterator[bytes]:
        pending = b""
        for chunk in self.chunks():
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for line in complete:
                yield line + b"\n"
        if pending:
            yield pending

    def sniff(self) -> str | None:
        start = self.head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if start.startswith(b"PK\x03\x04"):
            return "xlsx"
        if start.startswith(b"["):
            return "json"
        if start.startswith(b"{"):
            return "jsonl"
        return "csv" if start.strip() else None  # any other text is read as CSV (a single column has no comma)

    def close(self) -> None:
        if self.stream is not sys.stdin.buffer:
            self.stream.close()

    def __enter__(self) -> "Source":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_source(file: str, fmt: str | None) -> tuple[Source, str]:
    """The file (or stdin for `-`) and its format: as given, else by extension, else sniffed."""
    if file == "-":
        source = Source("stdin", sys.stdin.buffer)
    else:
        path = Path(file).expanduser()
        if path.is_dir():
            raise InvalidValue("FILE", file, tr("是目录，不是文件", "is a folder, not a file"))
        source = Source(path.name, open(path, "rb"), path)
    if fmt is None and source.path is not None:
        fmt = EXTENSIONS.get(source.path.suffix.lower())
    if fmt is None:
        fmt = source.sniff()
    if fmt is None:
        source.close()
        raise InvalidValue("--format", "", tr(f"无法判断 {source.name} 的格式：请加 --format csv|jsonl|json|xlsx",
                                              f"cannot tell the format of {source.name}: add --format csv|jsonl|json|xlsx"))
    return source, fmt


class FileError(HuideskError):
    """The file as a whole cannot be read: wrong encoding, malformed CSV or JSON, not a workbook."""


def _not_utf8(source: Source, line: int) -> FileError:
    return FileError(
        tr(f"{source.name} 第 {line} 行不是 UTF-8 编码（可能是 GBK/GB18030）：请在 Excel/WPS 中另存为“CSV UTF-8”后再导入，未写入任何内容",
           f"{source.name} line {line} is not UTF-8 (GBK/GB18030?): save it as UTF-8 and import again; nothing was written")
    )


def _text_lines(source: Source) -> Iterator[str]:
    for n, raw in enumerate(source.lines(), 1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _not_utf8(source, n) from None
        yield text.removeprefix("\ufeff") if n == 1 else text


def _text_chunks(source: Source) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    newlines, started = 0, False
    for raw in [*source.chunks(), b""]:
        try:
            text = decoder.decode(raw, final=not raw)
        except UnicodeDecodeError as e:
            raise _not_utf8(source, newlines + raw[: max(e.start, 0)].count(b"\n") + 1) from None
        if not started and text:
            text, started = text.removeprefix("\ufeff"), True
        newlines += text.count("\n")
        if text:
            yield text


Cells = dict[str, tuple[str, object]]  # key -> (the header as written, the value)


class Layout:
    """Which column of a file is which field: headers may be keys, Chinese or English names."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.names: dict[str, str] = {}
        self._seen: dict[str, str | None] = {}
        for f in table.fields:
            for name in (f.key, f.zh, f.en, *f.aliases):
                self.names.setdefault(_norm(name), f.key)

    def key(self, header: str) -> str | None:
        if header not in self._seen:  # every row of a JSON file repeats its headers
            if len(self._seen) > 1000:
                return self.names.get(_norm(header))
            self._seen[header] = self.names.get(_norm(header))
        return self._seen[header]

    def unknown(self, header: str) -> str:
        known = "、".join(f"{f.key}/{f.zh}" for f in self.table.fields if not f.derived)
        return tr(f"未知的列“{header}”；可用的列：{known}", f"unknown column “{header}”; known columns: {known}")

    def columns(self, headers: list[object], where: str) -> list[str | None]:
        """Keys of a header row (None: a column to ignore); an unknown, repeated or missing required
        column refuses the whole file."""
        keys: list[str | None] = []
        for h in headers:
            text = "" if h is None else str(h).strip()
            key = self.key(text) if text else None
            if text and key is None and _norm(text) not in _IGNORED:
                raise FileError(where + tr("：", ": ") + self.unknown(text))
            if key is not None and key in keys:
                raise FileError(tr(f"{where}：列“{text}”重复", f"{where}: column “{text}” appears twice"))
            keys.append(key)
        missing = [f for f in self.table.fields if f.required and f.key not in keys]
        if missing:
            names = "、".join(f"{f.key}/{f.zh}" for f in missing)
            raise FileError(tr(f"{where}：缺少必填列 {names}，未写入任何内容", f"{where}: missing required column {names}; nothing was written"))
        return keys


def _norm(name: str) -> str:
    return re.sub(r"[\s_]", "", unicodedata.normalize("NFKC", name)).lower()


def _where(source: Source, n: int, unit: str = "line") -> str:
    if unit == "item":
        return tr(f"{source.name} 第 {n} 项", f"{source.name} item {n}")
    return tr(f"{source.name} 第 {n} 行", f"{source.name} line {n}")


def read_csv(source: Source, layout: Layout) -> Iterator[tuple[str, Cells | str]]:
    import csv

    reader = csv.reader(_text_lines(source), strict=True)
    keys: list[str | None] | None = None
    headers: list[str] = []
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise FileError(tr(f"{_where(source, start)}起：CSV 格式错误（{e}），未写入任何内容",
                               f"{_where(source, start)}: malformed CSV ({e}); nothing was written")) from None
        if not any(cell.strip() for cell in record):
            continue
        if keys is None:
            keys = layout.columns(record, _where(source, start))
            headers = [h.strip() for h in record]
            continue
        where = _where(source, start)
        if len(record) > len(keys) and any(c.strip() for c in record[len(keys):]):
            yield where, tr(f"有 {len(record)} 列，多于表头的 {len(keys)} 列", f"{len(record)} cells, more than the {len(keys)} headers")
            continue
        yield where, {k: (h, _undefuse(v)) for k, h, v in zip(keys, headers, record) if k is not None}
    if keys is None:
        raise FileError(tr(f"{source.name} 是空文件，未写入任何内容", f"{source.name} is empty; nothing was written"))


def read_jsonl(source: Source, layout: Layout) -> Iterator[tuple[str, Cells | str]]:
    for n, line in enumerate(_text_lines(source), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as e:
            raise FileError(tr(f"{_where(source, n)}不是有效的 JSON（{e.msg}，第 {e.colno} 列），未写入任何内容",
                               f"{_where(source, n)} is not valid JSON ({e.msg}, column {e.colno}); nothing was written")) from None
        yield _object(_where(source, n), value, layout)


def read_json(source: Source, layout: Layout) -> Iterator[tuple[str, Cells | str]]:
    """The objects of a JSON array, one at a time, without reading the whole file first."""
    decoder = json.JSONDecoder()
    chunks = _text_chunks(source)
    buf, pos, lines, eof = "", 0, 0, False

    def more() -> None:
        nonlocal buf, eof
        try:
            buf += next(chunks)
        except StopIteration:
            eof = True

    def skip() -> None:
        nonlocal pos
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n":
                pos += 1
            if pos < len(buf) or eof:
                return
            more()

    def bad(at: int, what: str) -> FileError:
        line = lines + buf.count("\n", 0, at) + 1
        return FileError(tr(f"{_where(source, line)}：JSON 格式错误（{what}），未写入任何内容",
                            f"{_where(source, line)}: malformed JSON ({what}); nothing was written"))

    skip()
    if pos >= len(buf) or buf[pos] != "[":
        raise bad(pos, tr("JSON 文件应当是一个对象数组 [...]（每行一个对象请用 jsonl）", "expected an array of objects [...] (use jsonl for one object a line)"))
    pos += 1
    index = 0
    skip()
    if pos < len(buf) and buf[pos] == "]":
        pos += 1
    else:
        while True:
            skip()
            try:
                value, end = decoder.raw_decode(buf, pos)
                if end == len(buf) and not eof and not isinstance(value, (dict, list)):
                    raise json.JSONDecodeError("truncated", buf, end)
            except json.JSONDecodeError as e:
                if not eof and e.pos >= len(buf) - 64:
                    more()
                    continue
                raise bad(e.pos, e.msg) from None
            index += 1
            pos = end
            yield _object(_where(source, index, "item"), value, layout)
            lines += buf.count("\n", 0, pos)
            buf, pos = buf[pos:], 0
            skip()
            if pos >= len(buf):
                raise bad(pos, tr("数组没有结束（缺少 ]）", "the array does not end (no ])"))
            if buf[pos] == "]":
                pos += 1
                break
            if buf[pos] != ",":
                raise bad(pos, tr("对象之间应当用逗号分隔", "expected , between objects"))
            pos += 1
    skip()
    if pos < len(buf):
        raise bad(pos, tr("数组结束后还有内容", "extra data after the array"))


def _object(where: str, value: object, layout: Layout) -> tuple[str, Cells | str]:
    if not isinstance(value, dict):
        return where, tr("应当是一个 JSON 对象 {...}", "expected a JSON object {...}")
    cells: Cells = {}
    for name, item in value.items():
        key = layout.key(str(name))
        if key is None:
            if _norm(str(name)) in _IGNORED:
                continue
            return where, layout.unknown(str(name))
        cells[key] = (str(name), item)
    return where, cells


def read_xlsx(source: Source, layout: Layout) -> Iterator[tuple[str, Cells | str]]:
    import io
    import zipfile

    from openpyxl import load_workbook

    try:
        target = source.path if source.path is not None else io.BytesIO(b"".join(source.chunks()))
        wb = load_workbook(target, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise FileError(tr(f"{source.name} 不是有效的 xlsx 工作簿（{e}），未写入任何内容",
                           f"{source.name} is not a valid xlsx workbook ({e}); nothing was written")) from None
    except Exception as e:  # openpyxl's own InvalidFileException and friends
        raise FileError(tr(f"{source.name} 不是有效的 xlsx 工作簿（{type(e).__name__}），未写入任何内容",
                           f"{source.name} is not a valid xlsx workbook ({type(e).__name__}); nothing was written")) from None
    try:
        ws = wb.worksheets[0]
        keys: list[str | None] | None = None
        headers: list[str] = []
        for n, values in enumerate(ws.iter_rows(values_only=True), 1):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if keys is None:
                keys = layout.columns(list(values), _where(source, n))
                headers = ["" if v is None else str(v).strip() for v in values]
                continue
            cells = {}
            for k, h, v in zip(keys, headers, values):
                if k is not None:
                    cells[k] = (h, _undefuse(v) if isinstance(v, str) else v)
            yield _where(source, n), cells
        if keys is None:
            raise FileError(tr(f"{source.name} 是空工作簿", f"{source.name} is an empty workbook"))
    finally:
        wb.close()


READERS = {"csv": read_csv, "jsonl": read_jsonl, "json": read_json, "xlsx": read_xlsx}


# --- validating and writing import rows --------------------------------------------------------


def derive_uid(table: str, identity: Mapping[str, object]) -> str:
    """The uid of a hand-made row without one: a digest of its canonical content, so that the
    same row imported twice is found the second time."""
    from huidesk.journal import canonical

    return hashlib.sha256(f"{table}\n{canonical(identity)}".encode()).hexdigest()[:32]


_TRUE = {"1", "true", "yes", "y", "是", "有", "需要", "√", "✓", "t"}
_FALSE = {"0", "false", "no", "n", "否", "无", "不需要", "f", "×"}
_BOOLS = _TRUE | _FALSE
_CONSENT = {"self": "self", "本人": "self", "guardian": "guardian", "监护人": "guardian"}


class Row:
    """One row of an import file: its cells parsed field by field, every problem collected."""

    def __init__(self, imp: "Import", where: str, cells: Cells) -> None:
        self.imp, self.where, self.cells = imp, where, cells
        self.problems: list[HuideskError] = []
        self.values: dict[str, object] = {}
        self.identity: dict[str, object] = {}

    def header(self, key: str) -> str:
        cell = self.cells.get(key)
        return cell[0] if cell else key

    def raw(self, key: str) -> object:
        cell = self.cells.get(key)
        return cell[1] if cell else None

    def fail(self, key: str, value: object, reason: str) -> None:
        self.problems.append(InvalidValue(self.header(key), value, reason))

    def id_of(self, key: str) -> int | None:
        value = self.values.get(key)
        return value[0] if value else None  # type: ignore[index]

    def parse(self) -> dict[str, object]:
        for f in self.imp.table.fields:
            if f.derived or f.type == "uid":
                continue
            value = self._field(f)
            self.values[f.key] = value
            if value is not None:
                if f.type == "ref":
                    self.identity[f.key] = [x[1] for x in value] if f.many else value[1]  # type: ignore[index]
                else:
                    self.identity[f.key] = value
        return self.values

    def _field(self, f: Field) -> object:
        cell = self.cells.get(f.key)
        value = cell[1] if cell else None
        if f.many:
            items = value if isinstance(value, list) else _SPLIT.split(_text(value) or "")
            texts = [t for t in (_text(x) for x in items) if t]
            if not texts:
                if f.required:
                    self.fail(f.key, value, tr("必填", "required"))
                return None
            parsed = [self._one(f, t) for t in texts]
            return None if any(p is None for p in parsed) else parsed
        if isinstance(value, (list, dict)):
            self.fail(f.key, json.dumps(value, ensure_ascii=False), tr("应当是单个值", "expected a single value"))
            return None
        text = _text(value)
        if text is None:
            if f.required:
                self.fail(f.key, "", tr("必填", "required"))
            return None
        return self._one(f, text)

    def _one(self, f: Field, text: str) -> object:
        if f.pii and "*" in text:
            self.fail(f.key, text, tr("像是遮蔽过的值：导出时请加 --with-pii", "looks masked: export with --with-pii"))
            return None
        if f.type == "text":
            return text
        imp, header = self.imp, self.header(f.key)
        try:
            if f.type == "uid":
                if not _UID.fullmatch(text):
                    raise InvalidValue(header, text, tr("唯一编号只能含字母、数字和 _.:-", "a uid holds letters, digits and _.:- only"))
                return text
            if f.type == "int":
                if not re.fullmatch(r"[+-]?[0-9]{1,9}(\.0*)?", text):
                    raise InvalidValue(header, text, tr("应当是整数", "expected a whole number"))
                return int(float(text)) if "." in text else int(text)
            if f.type == "bool":
                key = text.lower()
                if key not in _BOOLS:
                    raise InvalidValue(header, text, tr("应当是 是/否（true/false）", "expected yes/no (true/false)"))
                return key in _TRUE
            if f.type == "date":
                day = imp.days.get(text)
                if day is None:
                    from huidesk.dates import iso_date, parse_date

                    day = iso_date(parse_date(text, imp.today, header))
                    if len(imp.days) < 100_000:  # a file's dates repeat: parse each once
                        imp.days[text] = day
                if f.past and day > imp.today.isoformat():
                    raise InvalidValue(header, text, tr(f"晚于今天（{imp.today}）", f"after today ({imp.today})"))
                return day
            if f.type == "moment":
                from huidesk.dates import iso_datetime, parse_datetime

                at = parse_datetime(text, imp.now, header)
                if at.date() > imp.today:
                    raise InvalidValue(header, text, tr(f"晚于今天（{imp.today}）", f"after today ({imp.today})"))
                return iso_datetime(at)
            if f.type == "hours":
                return _minutes(text, header)
            if f.type == "cadence":
                from huidesk.dates import parse_cadence

                return parse_cadence(text, header)
            if f.type == "consent":
                if text.lower() not in _CONSENT:
                    raise InvalidValue(header, text, tr("可选：本人(self)、监护人(guardian)", "choose self or guardian"))
                return _CONSENT[text.lower()]
            if f.type == "vocab":
                from huidesk.vocab import resolve

                return resolve(f.vocab, text, header)  # type: ignore[arg-type]
            if f.type == "ref":
                return imp.ref(f.ref, text, header)  # type: ignore[arg-type]
            raise AssertionError(f.type)
        except HuideskError as e:
            self.problems.append(e)
            return None

    def model(self, cls, values: dict, fields: Mapping[str, str] = {}):  # noqa: B006 - read only
        """The validated pydantic record, or None with each bad field reported under its column."""
        from pydantic import ValidationError

        from huidesk.models import _reason

        try:
            return cls(**values)
        except ValidationError as e:
            for err in e.errors(include_url=False):
                if not err["loc"]:
                    self.problems.append(HuideskError(_reason(err)))
                    continue
                key = fields.get(str(err["loc"][0]), str(err["loc"][0]))
                value = self.raw(key) if key in self.cells else err.get("input")
                self.fail(key, value, _reason(err))
            return None


def _text(value: object) -> str | None:
    """A cell as text: numbers without a spurious .0, spreadsheet dates as ISO, blanks as None."""
    if isinstance(value, str):  # most cells: first
        return value.strip() or None
    import datetime as dt

    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _minutes(text: str, field: str) -> int:
    """A total of hours as exact whole minutes: 4.5, 4.5小时, 270分钟."""
    s = unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(h|hr|hrs|hours?|小时)?", s)
    try:
        if m:
            minutes = Decimal(m[1]) * 60
        elif m2 := re.fullmatch(r"([0-9]+)(m|min|mins|minutes?|分钟|分)", s):
            minutes = Decimal(m2[1])
        else:
            raise InvalidOperation
    except InvalidOperation:
        raise InvalidValue(field, text, tr("不是时长，例如 4.5、4.5小时、270分钟", "not a duration, e.g. 4.5, 4.5h, 270min")) from None
    if minutes > 10_000_000:
        raise InvalidValue(field, text, tr("时长过大", "too long"))
    return int(minutes.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class ImportResult:
    added: int = 0
    skipped: int = 0
    bad: int = 0
    errors: list[str] = dc_field(default_factory=list)  # the first MAX_REPORTED bad rows, one line each


class _Rollback(Exception):
    """Leave the import's transaction without writing (a bad row, or a dry run)."""


# Tables referred to by name whose names have no index (units' are unique, places go by path).
_UNINDEXED_NAMES = ("teams", "members", "residents")
_MAX_NAME_MAP = 500_000  # names held in memory per table during an import


class Import:
    """One import: rows validated one by one inside the write transaction that will hold them."""

    def __init__(self, store: "Store", tx: "Tx", table: Table, today: "dt.date", now: "dt.datetime") -> None:
        self.store, self.tx, self.table, self.today, self.now = store, tx, table, today, now
        self.result = ImportResult()
        self._refs: dict[tuple[str, str, str], tuple[int, str] | HuideskError] = {}
        self._later: list[tuple[str, Cells, HuideskError]] = []  # issue steps whose earlier steps come later
        self._name_maps: dict[str, dict[str, tuple[int, str] | None] | None] = {}
        self.days: dict[str, str] = {}  # a date as written -> its ISO form
        self._held_uids: set[str] = set()  # uids of the rows held back since the last flush
        self._asked: set[str] = set()  # uids of the rows `prefetch` looked up, and those found
        self._known: set[str] = set()
        self._held_from = self._held_to = ""  # and where they were

    def ref(self, table: str, text: str, field: str) -> tuple[int, str]:
        """(id, uid) of the live record a reference names: its uid; its exact name (places: path);
        a label as `ref()` writes it, 王芳（48号楼） or 王芳（3f2a9c1e）; else its id or a unique part
        of its name, as everywhere (`Store.find`, whose errors list the candidates). Looked up once
        per import: an import adds no records to the tables it refers to."""
        key = (table, text, field)
        if key not in self._refs:
            try:
                self._refs[key] = self._lookup(table, text, field)
            except HuideskError as e:
                self._refs[key] = e
        hit = self._refs[key]
        if isinstance(hit, HuideskError):
            raise hit
        return hit

    def _lookup(self, table: str, text: str, field: str) -> tuple[int, str]:
        conn = self.store.conn

        def one(where: str, *args: object) -> tuple[int, str] | None:
            rows = conn.execute(f"SELECT t.id, t.uid FROM {table} t WHERE t.void_reason IS NULL AND {where} LIMIT 2",
                                args).fetchall()
            return (rows[0][0], rows[0][1]) if len(rows) == 1 else None

        hit = one("t.uid = ?", text) if _UID.fullmatch(text) and len(text) >= 16 else None
        if hit is None and table in _UNINDEXED_NAMES:
            names = self._names(table)
            hit = names.get(text) if names is not None else one("t.name = ?", text)
        else:
            hit = hit or one("t.path = ?" if table == "places" else "t.name = ?", text)
        m = _LABEL.fullmatch(text) if table != "places" else None
        if hit is None and m:
            name, tag = m[1].strip(), m[2].strip()
            if re.fullmatch(r"[0-9a-f]{8,32}", tag):
                hit = one("t.name = ? AND t.uid LIKE ?", name, tag + "%")
            if hit is None and table in ("teams", "residents"):
                hit = one("t.name = ? AND t.place_id IN (SELECT id FROM places WHERE name = ? OR path = ? OR path LIKE ?)",
                          name, tag, tag, "%/" + tag)
        if hit is None:
            found = self.store.find(table, text, field)
            hit = (found["id"], conn.execute(f"SELECT uid FROM {table} WHERE id = ?", (found["id"],)).fetchone()[0])
        return hit

    def _names(self, table: str) -> dict[str, tuple[int, str] | None] | None:
        """Each name of a live record of `table` -> (id, uid) of the one record with it, None when
        several share it; read in one pass, once per import (these names have no index, and a big
        file names thousands of residents). None for a table too big to hold in memory: then each
        name is looked up on its own."""
        if table not in self._name_maps:
            names: dict[str, tuple[int, str] | None] | None = {}
            rows = self.store.conn.execute(f"SELECT id, uid, name FROM {table} WHERE void_reason IS NULL")
            for n, (rid, uid, name) in enumerate(rows):
                if n >= _MAX_NAME_MAP:
                    names = None
                    break
                names[name] = None if name in names else (rid, uid)  # type: ignore[index,operator]
            self._name_maps[table] = names
        return self._name_maps[table]

    def take(self, where: str, cells: Cells | str) -> None:
        import sqlite3

        if isinstance(cells, str):
            self._bad(where, [HuideskError(cells)])
            return
        row = Row(self, where, cells)
        uid = row._field(self.table.field("uid"))
        if row.problems:
            self._bad(where, row.problems)
            return
        if uid is not None and self._taken(str(uid)):
            self.result.skipped += 1
            return
        values = row.parse()
        if row.problems:
            self._bad(where, row.problems)
            return
        if uid is None:
            uid = derive_uid(self.table.name, row.identity)
            if self._taken(uid):
                self.result.skipped += 1
                return
        try:
            outcome = self.table.load(self, row, values, uid)  # type: ignore[misc]
        except InvalidTransition as e:
            if self.table.name == "issue_events":
                self._later.append((where, cells, e))
                return
            row.problems.append(e)
        except InvalidValue as e:
            key = e.field.lstrip("-").replace("-", "_").lower()
            known = any(f.key == key for f in self.table.fields)
            row.problems.append(InvalidValue(row.header(key), e.value, e.reason) if known else e)
        except HuideskError as e:
            row.problems.append(e)
        except sqlite3.IntegrityError as e:
            row.problems.append(HuideskError(tr(f"账本拒绝了这一行（{e}）", f"the ledger refused this row ({e})")))
        if row.problems:
            self._bad(where, row.problems)
        elif outcome == "skipped":
            self.result.skipped += 1
        else:
            self.result.added += 1
            if self.tx.held:
                self._held_uids.add(str(uid))
                self._held_from = self._held_from or where
                self._held_to = where

    def _taken(self, uid: str) -> bool:
        """Whether a record of the table, void or live, already has this uid (or a row held back in
        this import took it)."""
        if uid in self._held_uids:
            return True
        if uid in self._asked:
            return uid in self._known
        return self.store.uid_taken(self.table.name, uid)

    def prefetch(self, rows: list[tuple[str, Cells | str]]) -> None:
        """Look up the uids of the next rows in one query, for `_taken` (until the next prefetch;
        no flush may come in between, since it would clear the held uids)."""
        asked = set()
        for _, cells in rows:
            cell = cells.get("uid") if isinstance(cells, dict) else None
            text = _text(cell[1]) if cell is not None and isinstance(cell[1], str) else None
            if text is not None and _UID.fullmatch(text):
                asked.add(text)
        self._asked, self._known = asked, self.store.uids_taken(self.table.name, asked)

    def flush(self) -> None:
        """Write the rows held back since the last flush (the bulk path; see `Tx.holding`). They were
        validated one by one; should the ledger still refuse one, the lines it was among are reported."""
        import sqlite3

        try:
            self.tx.flush()
        except sqlite3.IntegrityError as e:
            where = self._held_from + (tr(" 至 ", " to ") + self._held_to if self._held_to != self._held_from else "")
            self._bad(where, [HuideskError(tr(f"账本拒绝了其中一行（{e}）", f"the ledger refused one of these rows ({e})"))])
        self._held_uids.clear()
        self._held_from = self._held_to = ""

    def finish(self) -> None:
        """Retry the issue steps that did not fit yet, while any of them does; report the rest."""
        while self._later:
            waiting, self._later = self._later, []
            for where, cells, _ in waiting:
                self.take(where, cells)
            if len(self._later) == len(waiting):
                break
        for where, _, problem in self._later:
            self._bad(where, [problem])

    def _bad(self, where: str, problems: list[HuideskError]) -> None:
        self.result.bad += 1
        if len(self.result.errors) < MAX_REPORTED:
            self.result.errors.append(where + tr("：", ": ") + tr("；", "; ").join(str(p) for p in problems))


# Tables imported in bulk: their loaders read nothing this import writes but the rows' uids, so
# rows can be held back and written with executemany (Tx.holding), a few thousand at a time.
_BULK = ("residents", "visits", "activities")
_CHUNK_ROWS = 500  # file rows whose uids are looked up together
_FLUSH_ROWS = 20_000  # rows held (journal rows included) before they are written, between chunks
_BULK_CACHE_KIB = 64 * 1024


def import_table(
    store: "Store", name: str, source: Source, fmt: str, *, command: str, today: "dt.date", now: "dt.datetime",
    dry_run: bool, progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Read, validate and write every row in one transaction: all of them, or (with a bad row, or
    for a dry run) none. A row whose uid (or an issue whose ref) is already there is skipped.
    `progress` hears how many rows have been read, now and then."""
    table = TABLES[name]
    layout = Layout(table)
    rows = READERS[fmt](source, layout)
    imp: Import | None = None
    try:
        with store.write(command) as tx:
            imp = Import(store, tx, table, today, now)
            if name in _BULK:
                # A bigger page cache while the indexes grow (the uid index takes rows in random order).
                store.conn.execute(f"PRAGMA cache_size = -{_BULK_CACHE_KIB}")
                with tx.holding():
                    read = 0
                    while chunk := list(itertools.islice(rows, _CHUNK_ROWS)):
                        imp.prefetch(chunk)
                        for where, cells in chunk:
                            imp.take(where, cells)
                        if tx.held >= _FLUSH_ROWS:
                            imp.flush()
                        read += len(chunk)
                        if progress:
                            progress(read)
                    imp.flush()
            else:
                for read, (where, cells) in enumerate(rows, 1):
                    imp.take(where, cells)
                    if progress:
                        progress(read)
            imp.finish()
            if imp.result.bad or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    assert imp is not None
    return imp.result
