"""The desk's pages. Each route is a command with another front door: it reads what was asked (a filter, a
month, a form), makes one call — a report's `build` from a ReportSpec, a table's listing, or a write of
huidesk/actions.py, the command line's own — and renders it through a template. Residents are masked
everywhere (王*兰): a page is a listing without --with-pii.
"""

import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from huidesk.domain.i18n import tr
from huidesk.web.desk import Asked, Desk, page

if TYPE_CHECKING:
    from huidesk.ledger.store import Store

PER_PAGE = 50


def _split(text: str | None) -> list[str]:
    """Several names typed in one field: 丁学志 李增友, 丁学志、李增友 or 丁学志,李增友."""
    return [x for x in re.split(r"[\s,，、；;]+", text or "") if x]


def _masked(name: str | None) -> str:
    from huidesk.domain.privacy import shown

    return shown("resident", "name", name) or ""


def _paged(rows: Sequence, asked: Asked) -> tuple[Sequence, dict]:
    """One page of `rows` (PER_PAGE a page) and what the pager shows."""
    try:
        number = max(1, int(asked.query.get("page", "1")))
    except ValueError:
        number = 1
    pages = max(1, math.ceil(len(rows) / PER_PAGE))
    number = min(number, pages)
    kept = {k: v for k, v in asked.query.items() if k != "page" and v}
    return rows[(number - 1) * PER_PAGE:number * PER_PAGE], {"page": number, "pages": pages, "total": len(rows),
                                                             "query": kept}


def _frame(asked: Asked, **values: object) -> dict:
    """What every page's frame shows: who is signed in, the CSRF token, read-only, the messages to show once."""
    flash = list(asked.web.flash) if asked.web else []
    if asked.web:
        asked.web.flash.clear()
    return {"web": asked.web, "desk": asked.desk, "flash": flash, "read_only": asked.desk.read_only, **values}


class Cell:
    """A cell of a listing: its text, and a link when it names a record."""

    __slots__ = ("text", "href", "number")

    def __init__(self, text: object, href: str | None = None, number: bool = False) -> None:
        self.text = "" if text is None else str(text)
        self.href, self.number = href, number


def _listing(asked: Asked, title: str, headers: Sequence[str], rows: Iterable[Sequence[Cell]], filters: list,
             paging: dict, actions: Sequence[tuple[str, str]] = ()) -> Response:
    return asked.desk.html("list.html", **_frame(asked, title=title, headers=headers, rows=list(rows),
                                                 filters=filters, paging=paging, actions=actions))


def _field(name: str, zh: str, en: str, asked: Asked, choices: Sequence[tuple[str, str]] | None = None,
           hint: str = "") -> dict:
    """A filter or form field: its name (the command line's option), label, value typed, choices."""
    return {"name": name, "label": tr(zh, en), "value": asked.get(name) or "", "choices": choices, "hint": hint}


def _choices(vocab: str, blank: bool = True) -> list[tuple[str, str]]:
    from huidesk.domain.vocab import VOCABS, label

    found = [(slug, label(vocab, slug)) for slug in VOCABS[vocab]]
    return [("", tr("（全部）", "(any)")), *found] if blank else found


# --- the dashboard -------------------------------------------------------------------------------------------


def dashboard(asked: Asked) -> Response:
    """The summary's sentences, this month's figures and rates, twelve months of 受理/办结, rates by team, 热点 and
    what is overdue — each from its report's value, as the terminal and the workbook draw it."""
    from huidesk.reports import monthly, summary
    from huidesk.web.charts import trend_chart

    s = asked.session()
    team, place = asked.get("team"), asked.get("place")
    month = s.month_period(asked.get("month") or "this")
    with s.report(s.report_period(None, None), team, place) as (store, spec):
        whole = summary.build(store, spec)
        this = spec.over(month)
        tally = monthly.build(store, this)
        trend = monthly.trend(store, this)
        under = store.find("places", place, "--place") if place else None
        overdue = store.issues.list(state="overdue", team_id=spec.scope.team_id, place=under,
                                    now=spec.as_of_iso)
    teams = sorted((row for row in tally.rows if row.issues_received), key=lambda r: -r.issues_received)
    return asked.desk.html("dashboard.html", **_frame(
        asked, title=tr("看板", "Dashboard"), summary=whole, tally=tally, chart=trend_chart(trend), teams=teams,
        overdue=overdue[:10], overdue_count=len(overdue), percent=_percent, minutes=_minutes,
        filters=[_field("month", "月份", "month", asked, hint="2024-07、7月、上月"),
                 _field("team", "服务队", "team", asked), _field("place", "地点", "place", asked)]))


def _percent(value: object) -> str:
    return "—" if value is None else f"{value}%"


def _minutes(value: object) -> str:
    from huidesk.domain.dates import format_minutes

    return format_minutes(value) if value is not None else "—"  # type: ignore[arg-type]


# --- listings ------------------------------------------------------------------------------------------------


def _period(asked: Asked, s) -> tuple[str | None, str | None]:
    return s.period(asked.get("since"), asked.get("until"))


def _scope(store: "Store", asked: Asked) -> tuple[int | None, object]:
    team, place = asked.get("team"), asked.get("place")
    return store.find_id("teams", team, "--team"), store.find("places", place, "--place") if place else None


def visits(asked: Asked) -> Response:
    import json

    from huidesk.domain.hours import show_hours
    from huidesk.render.output import short_team

    s = asked.session()
    since, until = _period(asked, s)
    with s.ledger() as store:
        team_id, under = _scope(store, asked)
        rows = store.visits.list(team_id=team_id, place=under, resident_id=None, since=since, until=until)
    shown, paging = _paged(rows[::-1], asked)
    cells = ([Cell(r["id"], number=True), Cell(r["date"]), Cell(short_team(r["team"])),
              Cell("、".join(_masked(n) for n in json.loads(r["residents"]))), Cell(r["members"]),
              Cell(r["purpose"]), Cell(show_hours(r["minutes_each"]) if r["minutes_each"] is not None else "",
                                       number=True)] for r in shown)
    return _listing(asked, tr("走访", "Visits"), [tr(*h) for h in (
        ("编号", "id"), ("日期", "date"), ("服务队", "team"), ("走访对象", "residents"), ("队员", "members"),
        ("事由", "purpose"), ("每人时长", "hours each"))], cells, _filters(asked), paging,
        [("/visits/new", tr("记录走访", "Record a visit"))])


def _filters(asked: Asked, *extra: dict) -> list[dict]:
    return [*extra, _field("team", "服务队", "team", asked), _field("place", "地点", "place", asked),
            _field("since", "从", "since", asked, hint="2024-07-01、7月1日"),
            _field("until", "到", "until", asked)]


def activities(asked: Asked) -> Response:
    from huidesk.domain.hours import show_hours
    from huidesk.domain.vocab import label, resolve
    from huidesk.render.output import short_place, short_team

    s = asked.session()
    theme = asked.get("theme")
    slug = resolve("theme", theme, "--theme") if theme else None
    since, until = _period(asked, s)
    with s.ledger() as store:
        team_id, under = _scope(store, asked)
        rows = store.activities.list(team_id=team_id, theme=slug, place=under, since=since, until=until)
    shown, paging = _paged(rows[::-1], asked)
    cells = ([Cell(r["id"], number=True), Cell(r["date"]), Cell(short_team(r["team"])),
              Cell(label("theme", r["theme"])), Cell(r["title"]), Cell(short_place(r["place"]) if r["place"] else ""),
              Cell(r["volunteers"], number=True), Cell(r["served"], number=True),
              Cell(show_hours(r["minutes"]), number=True)] for r in shown)
    return _listing(asked, tr("活动", "Activities"), [tr(*h) for h in (
        ("编号", "id"), ("日期", "date"), ("服务队", "team"), ("主题", "theme"), ("名称", "title"), ("地点", "place"),
        ("志愿者", "volunteers"), ("服务人数", "served"), ("小时", "hours"))], cells,
        _filters(asked, _field("theme", "主题", "theme", asked, _choices("theme"))), paging,
        [("/activities/new", tr("记录活动", "Record an activity"))])


STATES = (("", "（全部）", "(any)"), ("open", "未办结", "open"), ("resolved", "已办结", "resolved"),
          ("closed", "已关闭", "closed"), ("overdue", "超期", "overdue"))


def issues(asked: Asked) -> Response:
    from huidesk.domain.dates import shown_moment
    from huidesk.domain.errors import InvalidValue
    from huidesk.domain.vocab import label, resolve
    from huidesk.render.output import short_place, short_team

    s = asked.session()
    state, kind = asked.get("state"), asked.get("kind")
    if state is not None and state not in {k for k, *_ in STATES}:
        raise InvalidValue("--state", state, tr("可选：open 未办结、resolved 已办结、closed 已关闭、overdue 超期",
                                                "choose open, resolved, closed or overdue"))
    slug = resolve("issue_kind", kind, "--kind") if kind else None
    since, until = _period(asked, s)
    with s.ledger() as store:
        team_id, under = _scope(store, asked)
        rows = store.issues.list(state=state, kind=slug, team_id=team_id, place=under, since=since, until=until,
                                 now=s.now.isoformat())
    shown, paging = _paged(rows[::-1], asked)
    cells = ([Cell(f"#{i.id}", f"/issues/{i.id}"), Cell(shown_moment(i.received_at)), Cell(label("issue_kind", i.kind)),
              Cell(short_place(i.place)), Cell(short_team(i.team) if i.team else ""), Cell(label("event", i.state)),
              Cell(i.text, f"/issues/{i.id}")] for i in shown)
    return _listing(asked, tr("诉求", "Issues"), [tr(*h) for h in (
        ("编号", "id"), ("受理时间", "received"), ("类型", "kind"), ("地点", "place"), ("服务队", "team"),
        ("状态", "state"), ("内容", "text"))], cells,
        _filters(asked, _field("state", "状态", "state", asked, [(k, tr(zh, en)) for k, zh, en in STATES]),
                 _field("kind", "类型", "kind", asked, _choices("issue_kind"))), paging,
        [("/issues/new", tr("受理诉求", "Open an issue"))])


def residents(asked: Asked) -> Response:
    from huidesk.domain.vocab import label, resolve
    from huidesk.render.output import short_place

    s = asked.session()
    tag = asked.get("tag")
    slug = resolve("tag", tag, "--tag") if tag else None
    with s.ledger() as store:
        place = asked.get("place")
        under = store.find("places", place, "--place") if place else None
        rows = store.residents.list(place=under, tag=slug)
    shown, paging = _paged(rows, asked)
    cells = ([Cell(r["id"], number=True), Cell(_masked(r["name"])), Cell(short_place(r["place"])),
              Cell(r["born"] or ""), Cell("、".join(label("tag", x) for x in (r["tags"] or "").split(",") if x)),
              Cell(tr(f"每{r['visit_every']}天", f"every {r['visit_every']} d") if r["visit_every"] else ""),
              Cell(r["last_visit"] or "")] for r in shown)
    return _listing(asked, tr("居民（姓名已遮蔽）", "Residents (names masked)"), [tr(*h) for h in (
        ("编号", "id"), ("姓名", "name"), ("地点", "place"), ("出生年份", "born"), ("标签", "tags"),
        ("走访周期", "cadence"), ("最近走访", "last visit"))], cells,
        [_field("place", "地点", "place", asked), _field("tag", "标签", "tag", asked, _choices("tag"))], paging)


def members(asked: Asked) -> Response:
    from huidesk.domain.vocab import label, resolve
    from huidesk.render.output import short_team

    s = asked.session()
    role = asked.get("role")
    slug = resolve("role", role, "--role") if role else None
    with s.ledger() as store:
        team_id = store.find_id("teams", asked.get("team"), "--team")
        rows = store.members.list(team_id=team_id, role=slug)
    shown, paging = _paged(rows, asked)
    cells = ([Cell(r["id"], number=True), Cell(r["name"]), Cell(r["reg_no"] or ""),
              Cell("、".join(label("role", x) for x in (r["roles"] or "").split(",") if x)),
              Cell("、".join(short_team(x) for x in (r["teams"] or "").split(",") if x)), Cell(r["joined"] or "")]
             for r in shown)
    return _listing(asked, tr("队员", "Members"), [tr(*h) for h in (
        ("编号", "id"), ("姓名", "name"), ("注册编号", "reg. no."), ("角色", "roles"), ("服务队", "teams"),
        ("加入", "joined"))], cells,
        [_field("team", "服务队", "team", asked), _field("role", "角色", "role", asked, _choices("role"))], paging)


# --- an issue and its timeline -------------------------------------------------------------------------------


def issue(asked: Asked) -> Response:
    """An issue with its timeline (each step's time), and the forms that move it."""

    from huidesk.domain.vocab import label

    s = asked.session()
    with s.ledger() as store:
        found = store.issues.find(asked.params["id"], "ID")
        events = store.issues.events(found.id)
        units = [u["name"] for u in store.units.list()]
    from huidesk.actions import timeline as issue_timeline

    timeline = [{"at": r["at"][:16].replace("T", " "), "event": label("event", r["event"]), "detail": r["detail"],
                 "step": _minutes(r["step_minutes"]), "total": _minutes(r["total_minutes"])}
                for r in issue_timeline(found.received_at, events)]
    return asked.desk.html("issue.html", **_frame(
        asked, title=tr(f"诉求 #{found.id}", f"Issue #{found.id}"), issue=found, resident=_masked(found.resident),
        timeline=timeline, units=units, answers=_choices("answer", False),
        feelings=_choices("satisfaction", False), minutes=_minutes, error=asked.params.get("error")))


# --- the forms -----------------------------------------------------------------------------------------------


class Typed(dict):
    """What was typed into a form, by field; a field left empty is ''."""

    def __missing__(self, key: str) -> str:
        return ""


def _form(asked: Asked, template: str, title: str, status: int = 200, error: str | None = None,
          **values: object) -> Response:
    """A form, with what was typed kept and the refusal said when there is one."""
    s = asked.session()
    with s.ledger() as store:
        teams = [t["name"] for t in store.teams()]
        units = [u["name"] for u in store.units.list()]
        places = [p["path"] for p in store.places.list()]
    typed = Typed((k, v) for k, v in (asked.form or {}).items() if k != "csrf" and isinstance(v, str))
    return asked.desk.html(template, status=status, **_frame(
        asked, title=title, error=error, typed=typed, teams=teams, units=units, places=places, choices=_choices,
        **values))


def _recorded(asked: Asked, write: Callable[[], object], again: Callable[[str], Response], where: str) -> Response:
    """Make the write; on success say so on the next page (303: a reload does not post twice), on a refusal show
    the form again with the command line's one line (400), nothing written."""
    from huidesk.domain.errors import HuideskError

    try:
        done = write()
    except HuideskError as e:
        return again(e.message())
    asked.web.flash.append(done.message)  # type: ignore[union-attr,attr-defined]
    return RedirectResponse(where.format(id=done.id), status_code=303)  # type: ignore[attr-defined]


def new_visit(asked: Asked) -> Response:
    return _form(asked, "visit_form.html", tr("记录走访", "Record a visit"))


def add_visit(asked: Asked) -> Response:
    from huidesk.actions import record_visit

    def again(message: str) -> Response:
        return _form(asked, "visit_form.html", tr("记录走访", "Record a visit"), 400, message)

    def write():
        return record_visit(asked.session(), _split(asked.get("resident")), asked.get("team") or "",
                            _split(asked.get("member")), asked.get("date"), asked.get("purpose"),
                            _split(asked.get("gift")), asked.get("note"), bool(asked.get("follow_up")),
                            asked.get("hours"))

    return _recorded(asked, write, again, "/visits")


def new_activity(asked: Asked) -> Response:
    return _form(asked, "activity_form.html", tr("记录活动", "Record an activity"))


def add_activity(asked: Asked) -> Response:
    from huidesk.actions import count, record_activity

    def again(message: str) -> Response:
        return _form(asked, "activity_form.html", tr("记录活动", "Record an activity"), 400, message)

    def write():
        return record_activity(asked.session(), asked.get("theme") or "", asked.get("team") or "", asked.get("date"),
                               asked.get("place"), asked.get("title"), count(asked.get("volunteers"), "--volunteers"),
                               _split(asked.get("member")), count(asked.get("served"), "--served"),
                               asked.get("hours"))

    return _recorded(asked, write, again, "/activities")


def new_issue(asked: Asked) -> Response:
    return _form(asked, "issue_form.html", tr("受理诉求", "Open an issue"))


def open_issue(asked: Asked) -> Response:
    from huidesk.actions import open_issue as opened

    def again(message: str) -> Response:
        return _form(asked, "issue_form.html", tr("受理诉求", "Open an issue"), 400, message)

    def write():
        return opened(asked.session(), asked.get("text") or "", asked.get("kind") or "", asked.get("source") or "",
                      asked.get("place") or "", asked.get("team"), asked.get("resident"), asked.get("at"),
                      asked.get("ref"), bool(asked.get("resolved")), None, asked.get("note"), asked.get("nature"),
                      asked.get("category"), asked.get("repeat_of"))

    return _recorded(asked, write, again, "/issues/{id}")


# The events the issue page's forms post, with the form fields each takes.
EVENTS = ("dispatched", "arrived", "escalated", "resolved", "callback", "closed", "reopened")


def move_issue(asked: Asked) -> Response:
    """One event of an issue, posted from its page: the command line's `issue dispatch` and the rest."""
    from huidesk.actions import callback_values, issue_event, note
    from huidesk.domain.errors import HuideskError, InvalidTransition, InvalidValue

    event = asked.get("event") or ""
    ref = asked.params["id"]

    def write():
        if event not in EVENTS:
            raise InvalidValue("event", event, "/".join(EVENTS))
        s = asked.session()
        if event in ("dispatched", "escalated"):
            return issue_event(s, ref, event, asked.get("at"), _split(asked.get("to")), "--to",
                               note=note(asked.get("note")))
        if event == "arrived":
            return issue_event(s, ref, event, asked.get("at"), [asked.get("unit") or ""], "--unit",
                               note=note(asked.get("note")))
        if event == "callback":
            values = callback_values(asked.get("resolved") or "", asked.get("satisfaction") or "")
            return issue_event(s, ref, event, asked.get("at"), **values, note=note(asked.get("note")))
        if event == "reopened":
            return issue_event(s, ref, event, asked.get("at"), note=note(asked.get("reason"), "--reason"))
        if event == "closed":
            return issue_event(s, ref, event, asked.get("at"))
        return issue_event(s, ref, event, asked.get("at"), note=note(asked.get("note")))

    try:
        done = write()
    except HuideskError as e:
        shown = issue(Asked(asked.desk, asked.web, asked.query, asked.form, {**asked.params, "error": e.message()},
                            asked.sid))
        shown.status_code = 409 if isinstance(e, InvalidTransition) else 400  # the issue's state forbids it
        return shown
    asked.web.flash.append(done.message)  # type: ignore[union-attr]
    return RedirectResponse(f"/issues/{done.id}", status_code=303)


# --- the monthly tally and the sources -----------------------------------------------------------------------


def report_monthly(asked: Asked) -> Response:
    """The month's tally by team with its totals and rates, and its filed workbook to download."""
    from huidesk.reports import monthly

    s = asked.session()
    period = s.month_period(asked.get("month") or "last")
    with s.report(period, asked.get("team"), asked.get("place")) as (store, spec):
        found = monthly.build(store, spec)
    query = {k: v for k, v in asked.query.items() if k in ("month", "team", "place") and v}
    return asked.desk.html("monthly.html", **_frame(
        asked, title=tr(f"月度台账 {found.month}", f"Monthly tally {found.month}"), monthly=found, percent=_percent,
        minutes=_minutes, query=query,
        filters=[_field("month", "月份", "month", asked, hint="2024-07、7月、上月"),
                 _field("team", "服务队", "team", asked), _field("place", "地点", "place", asked)]))


def report_workbook(asked: Asked) -> Response:
    """The filed workbook of the month, as `report monthly --output F.xlsx` writes it."""
    from urllib.parse import quote

    from huidesk.render.reports import monthly_output
    from huidesk.reports import monthly

    s = asked.session()
    period = s.month_period(asked.get("month") or "last")
    with s.report(period, asked.get("team"), asked.get("place")) as (store, spec):
        found = monthly.build(store, spec, sheet=True)
    body = monthly_output(found).workbook()  # type: ignore[misc]
    name = tr(f"月度台账-{found.month}.xlsx", f"monthly-{found.month}.xlsx")
    return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"content-disposition": f"attachment; filename=\"monthly-{found.month}.xlsx\"; "
                                                    f"filename*=UTF-8''{quote(name)}"})


def sources(asked: Asked) -> Response:
    """The ledgers merged here (a street's), and who has not sent a bundle this month."""
    from huidesk.actions import source_standing

    standing = source_standing(asked.session())
    return asked.desk.html("sources.html", **_frame(asked, title=tr("来源账本", "Sources"), standing=standing))


# --- the session ---------------------------------------------------------------------------------------------


def language(asked: Asked) -> Response:
    """Switch this session's language (中文 / English)."""
    wanted = asked.get("lang")
    if asked.web is not None and wanted in ("zh", "en"):
        asked.web.lang = wanted
    return RedirectResponse(_back(asked.get("back")), status_code=303)


def _back(path: str | None) -> str:
    """A path on this desk to return to; anything else (another site, a scheme) is the dashboard."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def invite(asked: Asked) -> Response:
    """A one-time sign-in link for a colleague, named as who records."""
    from huidesk.domain.errors import InvalidValue

    name = (asked.get("name") or "").strip()
    if not name or len(name) > 50 or not name.isprintable():
        raise InvalidValue("--by", name, tr("1 到 50 个可显示的字符", "1 to 50 printable characters"))
    url = asked.desk.sign_in_url(asked.desk.sessions.issue(name))
    return asked.desk.html("invite.html", **_frame(asked, title=tr("邀请", "Invite"), url=url, name=name))


def logout(asked: Asked) -> Response:
    asked.desk.sessions.end(asked.sid)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie("huidesk_session", path="/")
    return response


def routes(desk: Desk) -> list[Route]:
    def get(path: str, work: Callable[[Asked], Response]) -> Route:
        return Route(path, page(desk, work), methods=["GET"])

    def post(path: str, work: Callable[[Asked], Response], write: bool = True) -> Route:
        return Route(path, page(desk, work, write=write), methods=["POST"])

    return [
        get("/", dashboard),
        get("/visits", visits), get("/visits/new", new_visit), post("/visits", add_visit),
        get("/activities", activities), get("/activities/new", new_activity), post("/activities", add_activity),
        get("/issues", issues), get("/issues/new", new_issue), post("/issues", open_issue),
        get("/issues/{id}", issue), post("/issues/{id}/events", move_issue),
        get("/residents", residents), get("/members", members),
        get("/reports/monthly", report_monthly), get("/reports/monthly.xlsx", report_workbook),
        get("/sources", sources),
        post("/language", language, write=False), post("/invite", invite, write=False),
        post("/logout", logout, write=False),
    ]
