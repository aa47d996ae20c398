"""What an import does with one validated row of each table: its loader. Each gets the import (its
store, transaction and day), the row (to report problems on), the parsed values and the row's uid,
and returns "added" or "skipped"; a problem is added to the row instead, and "" returned."""

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Protocol

from huidesk.domain.i18n import tr
from huidesk.exchange.cells import SPLIT, Cells, instant
from huidesk.exchange.layouts import derive_uid
from huidesk.exchange.rows import BAD, Columns, Row
from huidesk.ledger import exchange as ledger

if TYPE_CHECKING:
    import datetime as dt

    from pydantic import TypeAdapter

    from huidesk.ledger.store import Store, Tx


class Target(Protocol):
    """What a loader writes with (huidesk.exchange.importer.Import)."""

    store: "Store"
    tx: "Tx"
    today: "dt.date"


def _load_place(imp: Target, row: Row, v: dict, uid: str) -> str:
    from huidesk.domain.places import guess_level, split_path

    parts = split_path(v["path"], row.header("path"))
    path = "/".join(parts)
    found = ledger.place_by_path(imp.store, path)
    if found is not None:
        if found["void_reason"] is not None:
            row.fail("path", v["path"], tr("同一路径的地点已作废", "a void place has this path"))
            return ""
        return "skipped"
    parent_id, parent_level = None, None
    for k in range(1, len(parts)):  # missing ancestors, as `place add` makes them
        prefix = "/".join(parts[:k])
        above = ledger.place_by_path(imp.store, prefix)
        if above is None:
            level = guess_level(parts[k - 1], parent_level)
            parent_id = imp.store.places.insert(
                imp.tx, {"uid": derive_uid("places", {"path": prefix}), "parent_id": parent_id, "name": parts[k - 1],
                         "level": level, "path": prefix},
            )
            parent_level = level
        elif above["void_reason"] is not None:
            row.fail("path", v["path"], tr(f"上级地点 {prefix} 已作废", f"the place above, {prefix}, is void"))
            return ""
        else:
            parent_id, parent_level = above["id"], above["level"]
    level = v["level"] or guess_level(parts[-1], parent_level)
    imp.store.places.insert(
        imp.tx, {"uid": uid, "parent_id": parent_id, "name": parts[-1], "level": level, "path": path}
    )
    return "added"


def _load_unit(imp: Target, row: Row, v: dict, uid: str) -> str:
    from huidesk.domain.models import UnitIn
    from huidesk.domain.vocab import guess_unit_kind

    unit = row.model(UnitIn, {"name": v["name"], "kind": v["kind"] or guess_unit_kind(v["name"].strip()),
                              "place_id": row.id_of("place")}, {"place_id": "place"})
    if unit is None:
        return ""
    if ledger.unit_exists(imp.store, unit.name):
        return "skipped"
    imp.store.units.insert(imp.tx, {"uid": uid, **unit.row()})
    return "added"


def _load_team(imp: Target, row: Row, v: dict, uid: str) -> str:
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
    if ledger.team_exists(imp.store, team.place_id, team.name):
        return "skipped"
    # The leader's membership is a row of memberships (or of a members file's teams column).
    imp.store.teams.insert(imp.tx, {"uid": uid, **team.row()})
    return "added"


def _load_member(imp: Target, row: Row, v: dict, uid: str) -> str:
    from huidesk.domain.models import MemberIn

    member = row.model(
        MemberIn, {"name": v["name"], "phone": v["phone"], "joined": v["joined"] or imp.today.isoformat(),
                   "reg_no": v["reg_no"]}
    )
    if member is None:
        return ""
    teams = [t[0] for t in v["teams"] or []]
    # a file's rows are told apart by uid: namesakes are welcome
    imp.store.members.add(imp.tx, {"uid": uid, **member.row()}, list(dict.fromkeys(teams)),
                         list(dict.fromkeys(v["roles"] or [])), allow_duplicate=True)
    return "added"


def _load_membership(imp: Target, row: Row, v: dict, uid: str) -> str:
    (member_id, _), (team_id, _) = v["member"], v["team"]
    if v["left"] is not None and v["left"] < v["joined"]:
        row.fail("left", v["left"], tr(f"早于入队日期 {v['joined']}", f"before joining on {v['joined']}"))
        return ""
    if v["left"] is None and ledger.in_team(imp.store, member_id, team_id):
        row.fail("member", row.raw("member"), tr("该队员已在这支服务队中", "the member is already in this team"))
        return ""
    imp.store.memberships.insert(
        imp.tx, {"uid": uid, "team_id": team_id, "member_id": member_id, "joined": v["joined"], "left": v["left"]},
    )
    return "added"


def _load_resident(imp: Target, row: Row, v: dict, uid: str) -> str:
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
    imp.store.residents.add(imp.tx, {"uid": uid, **resident.row()}, tags, allow_duplicate=True)
    return "added"


def _visit_input(v: dict, today: str) -> dict:
    """What VisitIn validates of a visits row's parsed values."""
    team = v["team"]
    return {"team_id": team[0] if team else None, "date": v["date"], "purpose": v["purpose"],
            "gifts": tuple(g for g in SPLIT.split(v["gifts"]) if g) if v["gifts"] else (), "note": v["note"],
            "follow_up": bool(v["follow_up"]), "minutes_each": v["hours_each"],
            "member_ids": tuple(m[0] for m in v["members"] or []), "today": today}


def _load_visit(imp: Target, row: Row, v: dict, uid: str) -> str:
    from huidesk.domain.models import VisitIn

    if not v["residents"]:
        row.fail("residents", row.raw("residents"), tr("至少写一位居民", "name at least one resident"))
        return ""
    visit = row.model(VisitIn, _visit_input(v, imp.today.isoformat()),
                      {"team_id": "team", "minutes_each": "hours_each", "member_ids": "members"})
    if visit is None:
        return ""
    imp.store.visits.add(imp.tx, {"uid": uid, **visit.row()}, [r[0] for r in v["residents"]], visit.member_ids)
    return "added"


@cache
def _adapter(model: type) -> "TypeAdapter":
    from pydantic import TypeAdapter

    return TypeAdapter(list[model])  # type: ignore[valid-type]


Prepared = tuple[str, dict, list[int], tuple[int, ...]]  # uid, the visit's record, residents, members


def prepare_visits(columns: Columns, rows: list[Cells | str]) -> list[Prepared | None]:
    """Rows of a visits file parsed a column at a time and validated in one call (pydantic's
    TypeAdapter over a list validates in Rust), each as `_load_visit` would write it; None for a row
    that goes the row-by-row way (a bad cell, no uid of its own, a record that fails validation: that
    way says what is wrong)."""
    from pydantic import ValidationError

    from huidesk.domain.models import VisitIn

    table, today = columns.imp.table, columns.imp.today.isoformat()
    out: list[Prepared | None] = [None] * len(rows)
    candidates = [i for i, cells in enumerate(rows) if cells.__class__ is dict]
    uids = columns.uids([rows[i].get("uid") for i in candidates])
    uid_of = {i: uid for i, uid in zip(candidates, uids, strict=True) if uid is not None}
    keep = list(uid_of)
    fields = [f for f in table.fields if not f.derived and f.type != "uid"]
    parsed = []
    for f in fields:
        cells = [rows[i].get(f.key) for i in keep]
        parsed.append(columns.column(f, [c[1] if c else None for c in cells]))
    good, inputs, values = [], [], []
    for n, i in enumerate(keep):
        v = {f.key: column[n] for f, column in zip(fields, parsed, strict=True)}
        if BAD not in v.values() and v["residents"]:
            good.append(i)
            values.append(v)
            inputs.append(_visit_input(v, today))
    adapter = _adapter(VisitIn)
    try:
        visits = adapter.validate_python(inputs)
    except ValidationError:  # one by one, to tell which
        visits = []
        for record in inputs:
            try:
                visits.append(VisitIn(**record))
            except ValidationError:
                visits.append(None)
    for i, v, visit in zip(good, values, visits, strict=True):
        if visit is not None:
            uid = uid_of[i]
            out[i] = (uid, {"uid": uid, **visit.row()}, [r[0] for r in v["residents"]], visit.member_ids)
    return out


def _load_activity(imp: Target, row: Row, v: dict, uid: str) -> str:
    from huidesk.domain.models import ActivityIn

    minutes = v["minutes"]
    if v["hours"] is not None:
        if minutes is None:
            minutes = v["hours"]
        elif minutes != v["hours"]:
            row.fail("hours", row.raw("hours"),
                     tr(f"与分钟数 {minutes} 不符", f"does not match the minutes, {minutes}"))
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
    each = v["hours_each"]
    if each is not None:  # each volunteer's time: the total follows from the headcount, as `activity add` does it
        total = each * activity.headcount
        if minutes is not None and minutes != total:
            row.fail("hours_each", row.raw("hours_each"),
                     tr(f"乘以 {activity.headcount} 人与总时长 {minutes} 分钟不符",
                        f"times {activity.headcount} volunteers does not match the total, {minutes} minutes"))
            return ""
        if each > 24 * 60:
            row.fail("hours_each", row.raw("hours_each"), tr("每人每次最多 24 小时", "at most 24 hours per person"))
            return ""
        minutes = total or each
    minutes = minutes or 0
    if minutes and not activity.headcount:
        row.fail("minutes", minutes, tr("有时长却没有志愿者：请给出志愿者人数或队员",
                                        "hours without volunteers: give volunteers or members"))
        return ""
    values = {"uid": uid, **activity.row(), "minutes": minutes}
    # Each named member served an equal share (exactly what `activity add --hours` recorded).
    each = minutes // activity.headcount if activity.headcount else 0
    imp.store.activities.add(imp.tx, values, members, each)
    return "added"


def _load_issue(imp: Target, row: Row, v: dict, uid: str) -> str:
    from huidesk.domain.models import IssueIn

    if v["ref"] and ledger.issue_ref_taken(imp.store, v["ref"]):
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
    if resolved is not None and instant(resolved) < instant(issue.received_at):
        row.fail("resolved_at", row.raw("resolved_at"), tr("早于受理时间", "before it was received"))
    if note is not None and (resolved is None or len(note) > 2000):
        row.fail("resolved_note", note,
                 tr("办结说明需要办结时间，且最多 2000 字", "needs resolved_at; at most 2000 characters"))
    subject = {k: v[k] for k in ("nature", "category", "repeat_of") if v[k] is not None}
    if v["due"] is not None:  # its own deadline, counted from its receipt by the ledger's calendar
        from huidesk.domain.errors import InvalidValue
        from huidesk.domain.lifecycle import due_by

        try:
            due = due_by(v["due"], issue.received_at, imp.store.settings(), row.header("due"))
            subject["due_at"] = due.at.isoformat(timespec="seconds")
        except InvalidValue as e:
            row.problems.append(e)
    if row.problems:
        return ""
    imp.store.issues.open(imp.tx, {"uid": uid, **issue.row(), **subject}, resolved, note)
    return "added"


def _load_event(imp: Target, row: Row, v: dict, uid: str) -> str:
    """One dated step of an issue, checked against the issue's timeline up to its moment (so a file's
    events may come in any order); the same step already there (as an issue import records its
    received and resolved steps) is skipped."""
    from huidesk.domain.lifecycle import check, fold

    issue_id = None
    if v["issue"] is not None:
        issue_id = ledger.issue_by_uid(imp.store, v["issue"])
        if issue_id is None:
            issue_id = imp.store.issues.find(v["issue"], row.header("issue")).id
    elif v["issue_ref"] is not None:
        issue_id = imp.store.issues.find(v["issue_ref"], row.header("issue_ref")).id
    else:
        row.fail("issue", "", tr("请给出诉求的唯一编号或工单号", "give the issue's uid or ref"))
        return ""
    event, at, unit_id = v["event"], v["at"], row.id_of("unit")
    if (event == "callback") != (v["answer"] is not None and v["satisfaction"] is not None):
        key = "answer" if event == "callback" else "event"
        row.fail(key, row.raw(key), tr("回访须有是否解决和满意度，其他事件没有",
                                       "a callback, and only a callback, has an answer and a satisfaction"))
        return ""
    if v["note"] is not None and (len(v["note"]) > 2000 or not v["note"].replace("\n", " ").isprintable()):
        row.fail("note", v["note"], tr("过长或含控制字符", "too long or holding control characters"))
        return ""
    extra = _extension(row, v, event)
    if extra is None:
        return ""
    timeline = imp.store.issues.events(issue_id)
    when = instant(at)
    for e in timeline:
        if (e.event, instant(e.at), e.unit_id, e.note, e.answer, e.satisfaction) == (
            event, when, unit_id, v["note"], v["answer"], v["satisfaction"]
        ):
            return "skipped"
    if event == "received":
        row.fail("event", row.raw("event"), tr("这件诉求已有受理记录", "the issue was already received"))
        return ""
    unit = (ledger.unit_name(imp.store, unit_id) if unit_id else None) or ""
    check(fold(e for e in timeline if instant(e.at) <= when), event, at, unit_id, unit)
    imp.store.issue_events.insert(imp.tx, {
        "uid": uid, "issue_id": issue_id, "event": event, "at": at, "unit_id": unit_id, "answer": v["answer"],
        "satisfaction": v["satisfaction"], "note": v["note"], **extra})
    return "added"


def _extension(row: Row, v: dict, event: str) -> dict | None:
    """An extension's amount and the deadline it set (both, and only on an extension) and an approver (of an
    extension or an exemption), checked; None when refused."""
    from huidesk.domain.errors import InvalidValue

    extension, due, approver = v["extension"], v["due_at"], v["approver"]
    if (event == "extended") != (extension is not None and due is not None):
        key = "extension" if event == "extended" else "event"
        row.fail(key, row.raw(key), tr("延期须有延期时长和延期至，其他事件没有",
                                       "an extension, and only one, has its amount and the deadline it set"))
        return None
    if approver is not None and (event not in ("extended", "exempted") or len(approver) > 100):
        row.fail("approver", approver, tr("只有延期、核减有批准人（最多 100 字）",
                                          "only an extension or an exemption has an approver (100 characters)"))
        return None
    found = {"approver": approver}
    if event == "extended":
        from huidesk.domain.dates import iso_datetime, parse_datetime
        from huidesk.domain.settings import typed_limit

        try:
            found["extension"] = str(typed_limit(extension, "d", row.header("extension")))
            found["due_at"] = iso_datetime(parse_datetime(due, row.imp.now, row.header("due_at")))
        except InvalidValue as e:
            row.problems.append(e)
            return None
    return {k: x for k, x in found.items() if x is not None}


def _load_wish(imp: Target, row: Row, v: dict, uid: str) -> str:
    from huidesk.domain.models import WishIn

    wish = row.model(WishIn, {"resident_id": row.id_of("resident"), "text": v["text"], "listed": v["listed"],
                              "today": imp.today.isoformat()}, {"resident_id": "resident"})
    if wish is None:
        return ""
    member_id, claimed, fulfilled = row.id_of("member"), v["claimed"], v["fulfilled"]
    if (member_id is None) != (claimed is None):
        key = "claimed" if member_id is not None else "member"
        row.fail(key, row.raw(key),
                 tr("认领队员与认领日期须同时给出", "a claimed wish needs both the member and the date"))
    if fulfilled is not None and claimed is None:
        row.fail("fulfilled", fulfilled, tr("尚未认领的心愿不能实现", "a wish is claimed before it is fulfilled"))
    if claimed is not None and claimed < wish.listed:
        row.fail("claimed", claimed, tr(f"早于登记日期 {wish.listed}", f"before it was listed on {wish.listed}"))
    if fulfilled is not None and claimed is not None and fulfilled < claimed:
        row.fail("fulfilled", fulfilled, tr(f"早于认领日期 {claimed}", f"before it was claimed on {claimed}"))
    if row.problems:
        return ""
    imp.store.wishes.add(imp.tx, {"uid": uid, **wish.row(), "member_id": member_id, "claimed": claimed,
                                "fulfilled": fulfilled})
    return "added"


def _load_card(imp: Target, row: Row, v: dict, uid: str) -> str:
    from huidesk.domain.models import CardIn

    card = row.model(CardIn, {"resident_id": row.id_of("resident"), "kind": v["kind"], "no": v["no"],
                              "date": v["date"], "today": imp.today.isoformat()}, {"resident_id": "resident"})
    if card is None:
        return ""
    imp.store.cards.issue(imp.tx, {"uid": uid, **card.row()})
    return "added"


def _load_pairing(imp: Target, row: Row, v: dict, uid: str) -> str:
    from huidesk.domain.models import PairingIn

    pairing = row.model(PairingIn, {"member_id": row.id_of("member"), "resident_id": row.id_of("resident"),
                                    "since": v["since"], "note": v["note"], "today": imp.today.isoformat()},
                        {"member_id": "member", "resident_id": "resident"})
    if pairing is None:
        return ""
    if v["until"] is not None and v["until"] < pairing.since:
        row.fail("until", v["until"],
                 tr(f"早于结对日期 {pairing.since}", f"before the pairing began on {pairing.since}"))
        return ""
    if v["until"] is None:
        imp.store.pairings.add(imp.tx, {"uid": uid, **pairing.row()})
    else:  # an ended pairing may lie beside a current one of the same two
        imp.store.pairings.insert(imp.tx, {"uid": uid, **pairing.row(), "until": v["until"]})
    return "added"


Loader = Callable[[Target, Row, dict, str], str]

# One for each importable table (huidesk.exchange.layouts.IMPORTABLE).
LOADERS: dict[str, Loader] = {
    "places": _load_place,
    "units": _load_unit,
    "teams": _load_team,
    "members": _load_member,
    "memberships": _load_membership,
    "residents": _load_resident,
    "visits": _load_visit,
    "activities": _load_activity,
    "issues": _load_issue,
    "issue_events": _load_event,
    "wishes": _load_wish,
    "cards": _load_card,
    "pairings": _load_pairing,
}

# Bulk tables whose rows can be prepared a batch at a time (see `prepare_visits`).
PREPARERS = {"visits": prepare_visits}
