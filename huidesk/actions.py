"""What the two front doors share: the command line (huidesk/commands) and the web desk (huidesk/web) take
the same values from a person — a team's name, 7月7日, 三, 1.5 — and turn them into the same one ledger
call, so a visit recorded in a browser is the visit `visit add` records, refused with the same one-line
message. Each function here converts what was typed, opens the ledger through the session, makes the one
write (one transaction, one journal entry, the session's actor as its recorder) and returns what was
written with the sentence that says so; the front door shows that sentence its own way.

Reads that both doors shape alike (the merged sources and who has not reported) live here too.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from huidesk.domain.i18n import tr

if TYPE_CHECKING:
    from huidesk.context import Session


@dataclass(frozen=True)
class Recorded:
    """What a write recorded: the new record's id (an issue's, for an event) and the sentence saying so."""

    id: int
    message: str
    notes: tuple[str, ...] = ()  # what else the person should hear: a deadline, an estimate, a likely repeat


def count(text: str | int | None, field: str) -> int | None:
    """A whole number typed in digits or as a Chinese numeral (三, 二十); None when nothing was typed."""
    if text is None or isinstance(text, int):
        return text
    text = text.strip()
    if not text:
        return None
    from huidesk.domain.errors import InvalidValue
    from huidesk.domain.numerals import parse_count

    found = parse_count(text)
    if found is None:
        raise InvalidValue(field, text, tr("需要整数", "needs a whole number"))
    return found


def note(text: str | None, field: str = "--note") -> str | None:
    """A free-text note as an issue's event keeps it: stripped, printable, at most 2,000 characters."""
    from huidesk.domain.errors import InvalidValue

    if text is None:
        return None
    text = text.strip()
    if not text or len(text) > 2000 or not text.replace("\n", " ").isprintable():
        raise InvalidValue(
            field, text, tr("不能为空、过长或含控制字符", "empty, too long or holding control characters")
        )
    return text


def record_visit(s: "Session", residents: Sequence[str], team: str, members: Sequence[str] = (),
                 date: str | None = None, purpose: str | None = None, gifts: Sequence[str] = (),
                 note: str | None = None, follow_up: bool = False, hours: str | None = None) -> Recorded:
    """`visit add`: members of a team visit residents; `hours` is each visiting member's time."""
    from huidesk.ledger.shortcuts import visit as checked_visit  # pydantic only when the visit is refused

    on = s.date(date)
    with s.ledger() as store:
        t = store.find("teams", team, "--team")
        visited = store.find_many("residents", residents, "RESIDENT")
        found = store.find_many("members", members, "--member")
        visit = checked_visit(
            team_id=t["id"], date=on, purpose=purpose, gifts=tuple(gifts), note=note, follow_up=follow_up,
            minutes_each=hours, member_ids=tuple(dict.fromkeys(m["id"] for m in found)), today=s.today.isoformat(),
        )
        with store.write("visit add") as tx:
            vid = store.visits.add(tx, visit.row(), [r["id"] for r in visited], visit.member_ids)
    each = ""
    if visit.minutes_each is not None:
        from huidesk.domain.hours import show_hours

        n, h = len(visit.member_ids), show_hours(visit.minutes_each)
        each = tr(f"，{n} 名队员各计 {h} 小时", f", {h} h credited to each of {n} member(s)")
    return Recorded(vid, tr(f"已记录走访 #{vid}：{t['name']} {on} 走访 {len(visited)} 户{each}",
                            f"recorded visit #{vid}: {t['name']} visited {len(visited)} resident(s) on {on}{each}"))


def record_activity(s: "Session", theme: str, team: str, date: str | None = None, place: str | None = None,
                    title: str | None = None, volunteers: int | None = None, members: Sequence[str] = (),
                    served: int | None = None, hours: str | None = None) -> Recorded:
    """`activity add`: a themed activity; `hours` is each volunteer's time, the total that times the headcount."""
    from huidesk.domain.hours import show_hours
    from huidesk.domain.models import ActivityIn
    from huidesk.domain.vocab import label, resolve

    slug = resolve("theme", theme, "--theme")
    on = s.date(date)
    with s.ledger() as store:
        t = store.find("teams", team, "--team")
        place_id = store.find_id("places", place, "--place")
        found = store.find_many("members", members, "--member")
        activity = ActivityIn.of(
            team_id=t["id"], theme=slug, date=on, place_id=place_id, title=title, volunteers=volunteers, served=served,
            minutes_each=hours, member_ids=tuple(m["id"] for m in found), today=s.today.isoformat(),
        )
        row = activity.row()
        with store.write("activity add") as tx:
            aid = store.activities.add(tx, row, activity.member_ids, activity.minutes_each or 0)
    total = show_hours(int(row["minutes"]))  # type: ignore[call-overload]
    return Recorded(aid, tr(
        f"已记录活动 #{aid}：{t['name']} {on} {label('theme', slug)}，{activity.headcount} 人，共 {total} 小时",
        f"recorded activity #{aid}: {t['name']} {on} {label('theme', slug)}, {activity.headcount} volunteers, "
        f"{total} h"))


def open_issue(s: "Session", text: str, kind: str, source: str, place: str, team: str | None = None,
               resident: str | None = None, at: str | None = None, ref: str | None = None,
               resolved: bool = False, resolved_at: str | None = None, note_text: str | None = None,
               nature: str | None = None, category: str | None = None, repeat_of: str | None = None,
               due: str | None = None, command: str = "issue open") -> Recorded:
    """`issue open`: receive an issue (its `received` event, and `resolved` for one fixed on the spot), held
    to its own limit when `due` gives one; the notes say its deadline and name a likely repeat."""
    from huidesk.domain.calendar import estimated_note
    from huidesk.domain.dates import shown_deadline, shown_moment
    from huidesk.domain.lifecycle import due_by, repeat_hint
    from huidesk.domain.models import IssueIn
    from huidesk.domain.settings import setting_count
    from huidesk.domain.vocab import extra_categories, resolve, resolve_category

    kind_slug = resolve("issue_kind", kind, "--kind")
    source_slug = resolve("source", source, "--source")
    received = s.moment(at)
    done_at = s.moment(resolved_at, "--resolved-at") if resolved_at is not None else (received if resolved else None)
    with s.ledger() as store:
        place_id = store.find("places", place, "--place")["id"]
        team_id = store.find_id("teams", team, "--team")
        resident_id = store.find_id("residents", resident, "--resident")
        issue = IssueIn.of(ref=ref, kind=kind_slug, source=source_slug, place_id=place_id, team_id=team_id,
                           resident_id=resident_id, text=text, received_at=received)
        subject = {
            "nature": resolve("nature", nature, "--nature") if nature is not None else None,
            "category": (resolve_category(category, extra_categories(store.settings()["categories"]))
                         if category is not None else None),
            "repeat_of": store.issues.find(repeat_of, "--repeat-of").id if repeat_of is not None else None,
        }
        settings = store.settings()
        deadline = due_by(due, received, settings) if due is not None else None
        if deadline is not None:
            subject["due_at"] = deadline.at.isoformat(timespec="seconds")
        row = {**issue.row(), **{k: v for k, v in subject.items() if v is not None}}
        days = setting_count(settings, "repeat_days")
        repeats = [] if subject["repeat_of"] is not None or subject["category"] is None or not days else (
            store.issues.similar(place_id, subject["category"], received, days))
        with store.write(command) as tx:
            iid = store.issues.open(tx, row, done_at, note(note_text))
    when = shown_moment(received)  # the full date a 12月30日 or a bare time was taken as
    notes = []
    if deadline is not None:
        notes.append(f"{tr('办结时限至', 'due by')} {shown_deadline(deadline.at.isoformat())}")
        if deadline.estimated:
            notes.append(estimated_note())
    if repeats:
        notes.append(repeat_hint(repeats, days))
    return Recorded(iid, tr(f"已受理诉求 #{iid}（{when}）" + ("，当场办结" if done_at else ""),
                            f"received issue #{iid} ({when})" + (", resolved" if done_at else "")), tuple(notes))


def timeline(received_at: str, events: Sequence) -> list[dict]:
    """An issue's events as both doors show them: when, what, the unit, what else was said (a meeting's
    decision, a callback's answers, an extension and who approved it, a note), and the minutes since the
    step before and since it was received."""
    from huidesk.domain.dates import shown_deadline
    from huidesk.domain.vocab import label

    start = prev = dt.datetime.fromisoformat(received_at)
    rows = []
    for e in events:
        at = dt.datetime.fromisoformat(e.at)
        detail = "；".join(x for x in (
            e.unit,
            e.decision and tr(f"协商会议#{e.meeting_id}：{e.decision}", f"meeting #{e.meeting_id}: {e.decision}"),
            e.answer and f"{label('answer', e.answer)}，{label('satisfaction', e.satisfaction)}",
            e.extension and tr(f"{e.extension}，至 ", f"{e.extension}, due by ") + shown_deadline(e.due_at),
            e.approver and tr(f"批准：{e.approver}", f"approved by {e.approver}"),
            e.note) if x)
        rows.append({"at": e.at, "event": e.event, "unit": e.unit, "detail": detail,
                     "step_minutes": round((at - prev).total_seconds() / 60),
                     "total_minutes": round((at - start).total_seconds() / 60)})
        prev = at
    return rows


# The events the web desk moves an issue by, with the command that journals each (as the command line does).
EVENT_COMMANDS = {
    "dispatched": "issue dispatch", "arrived": "issue arrive", "transferred": "issue transfer",
    "returned": "issue return", "escalated": "issue escalate", "resolved": "issue resolve",
    "callback": "issue callback", "closed": "issue close", "reopened": "issue reopen",
}


def issue_event(s: "Session", issue: str, event: str, at: str | None = None, units: Sequence[str] = (),
                field: str = "--to", **values: object) -> Recorded:
    """One event of an issue (one per unit), after the issue's state allows it: `issue dispatch` and the rest."""
    from huidesk.domain.dates import shown_moment
    from huidesk.domain.vocab import label

    when = s.moment(at)
    with s.ledger() as store:
        found = store.issues.find(issue)
        targets = store.find_many("units", units, field) if units else [None]
        with store.write(EVENT_COMMANDS[event]) as tx:
            for unit in targets:
                store.issues.add_event(tx, found.id, event, when, unit, **values)
    to = "、".join(u["name"] for u in targets if u is not None)
    return Recorded(found.id, tr(
        f"诉求 #{found.id}：{label('event', event)}" + (f" {to}" if to else "") + f"（{shown_moment(when)}）",
        f"issue #{found.id}: {label('event', event)}" + (f" {to}" if to else "") + f" ({shown_moment(when)})"))


def callback_values(resolved: str, satisfaction: str) -> dict[str, str]:
    """A callback's answers as typed (是, 满意) as the ledger keeps them (yes, satisfied)."""
    from huidesk.domain.vocab import resolve

    return {"answer": resolve("answer", resolved, "--resolved"),
            "satisfaction": resolve("satisfaction", satisfaction, "--satisfaction")}


@dataclass(frozen=True)
class Standing:
    """The ledgers merged here, each as `sources` lists it, and the names of those that have not sent a
    bundle this month (from --today)."""

    rows: tuple[dict, ...]
    missing: tuple[str, ...]
    month: str


def source_standing(s: "Session") -> Standing:
    """The merged sources with their last bundle in the ledger's local time, and who has not reported."""
    from huidesk.ledger.federation import sources as merged_sources

    with s.ledger() as store:
        found = merged_sources(store)
    tz = s.now.tzinfo

    def local(at: str) -> dt.datetime:
        return dt.datetime.fromisoformat(at).astimezone(tz)

    month = s.today.strftime("%Y-%m")
    rows, missing = [], []
    for src in found:
        made = local(src["made_at"])
        reported = made.strftime("%Y-%m") == month and made.date() <= s.today
        if not reported:
            missing.append(src["name"] or src["uid"][:12])
        rows.append({
            "name": src["name"] or src["uid"][:12], "uid": src["uid"], "place": src["place"],
            "last_entry": src["last_entry"], "head": src["head_after"],
            "made": f"{made:%Y-%m-%d %H:%M}", "merged": f"{local(src['merged_at']):%Y-%m-%d %H:%M}",
            "bundles": src["bundles"], "records": src["records"], "reported": reported,
        })
    return Standing(tuple(rows), tuple(missing), month)
