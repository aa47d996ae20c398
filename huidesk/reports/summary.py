"""`summary`: the figures in the article's own words, then the tables behind them, as a `Summary`.

`build()` takes a ReportSpec and returns frozen, typed values; huidesk/render/reports.py draws them as
text, the output registry's JSON renderer writes their JSON shape. Every figure is computed from records
by huidesk/ledger/queries.py.
"""

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from huidesk.domain.figures import APPROX, EXACT, Figure, hours, written
from huidesk.domain.i18n import lang, tr
from huidesk.domain.vocab import ISSUE_KINDS
from huidesk.ledger import coverage
from huidesk.ledger.queries import Reports
from huidesk.ledger.work_orders import added, exemptions, narrated, resolved_of, work_orders
from huidesk.reports.kpis import (
    COUNTS,
    Exemption,
    HotSpot,
    Kpis,
    Scores,
    counted,
    months,
    orders_from,
    ranked,
    ranked_scores,
    weights_text,
)
from huidesk.reports.spec import ReportScope, ReportSpec
from huidesk.reports.values import Source, Value, optional, sources, value

if TYPE_CHECKING:
    from huidesk.ledger.store import Store

# key, Chinese clause, English clause, measure word, default style. {n} is the written figure.
CLAUSES = (
    ("activities", "开展各类主题志愿服务活动{n}", "held {n} themed volunteer activities", "次", APPROX),
    ("visits", "走访慰问{n}", "made {n} home visits", "次", APPROX),
    ("suggestions", "收集居民意见建议{n}", "collected {n} suggestions from residents", "件", EXACT),
    ("infrastructure", "提升辖区改造基础设施{n}", "improved {n} pieces of infrastructure", "处", EXACT),
    ("livelihood", "解决民生问题{n}", "solved {n} livelihood problems", "件", EXACT),
    ("escalated", "发现并上报民生难题{n}", "escalated {n} hard problems", "件", EXACT),
    ("safety_hazard", "及时处理安全隐患{n}", "dealt with {n} safety hazards", "件", EXACT),
    ("risk", "上报风险隐患{n}并成功化解", "reported and defused {n} risks", "条", EXACT),
    ("non_police", "处置化解非警务事项{n}", "handled {n} non-police matters", "件", EXACT),
    ("dispute", "调处矛盾纠纷{n}", "mediated {n} disputes", "件", EXACT),
    ("wishes", "认领微心愿{n}", "took up {n} small wishes", "个", EXACT),
)


def period_phrase(since: dt.date | None, until: dt.date, today: dt.date) -> str:
    """How the narrative names its days: 截至2024年7月8日 / 今年3月以来 / 去年12月以来 / 两年来 / 2024年7月8日 /
    2024年3月1日至6月30日 (the year written once inside one year) / 2023年12月1日至2024年1月31日 (and English).
    A day after today is never stated as past: a period that ends later is named up to today (what the
    figures can hold)."""
    end = min(until, today)
    if since is not None and since > end:  # nothing of it has come yet
        return tr(f"{_zh(since)}起", f"From {since.isoformat()}")
    if since is None:
        return tr(f"截至{_zh(end)}", f"As of {end.isoformat()}")
    if end == today and since.day == 1 and since < today:
        if since.year == today.year:
            return tr("今年以来", "This year") if since.month == 1 else tr(
                f"今年{since.month}月以来", f"Since {since:%B} this year")
        if since.year == today.year - 1:
            return tr("去年以来", "Since the start of last year") if since.month == 1 else tr(
                f"去年{since.month}月以来", f"Since {since:%B} last year")
    if end == today:
        years = today.year - since.year
        if years >= 1 and (since.month, since.day) == (today.month, today.day):
            zh = "两" if years == 2 else _numeral(years)
            return tr(f"{zh}年来", f"Over the past {years} years")
    if since == end:  # one day
        return tr(_zh(since), f"On {since.isoformat()}")
    last = f"{end.month}月{end.day}日" if end.year == since.year else _zh(end)
    return tr(f"{_zh(since)}至{last}", f"From {since.isoformat()} to {end.isoformat()}")


def _zh(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _numeral(n: int) -> str:
    digits = "零一二三四五六七八九十"
    return digits[n] if n <= 10 else str(n)


@value
class SummaryScope(Value):
    """Whose work a summary covers: the scope's label, team or place, and what it holds."""

    label: str
    team_id: int | None
    place: str | None
    teams: int
    villages: int
    communities: int
    compounds: int


@value
class SummaryPeriod(Value):
    """The days a summary counts, with the phrase its narrative names them by."""

    since: dt.date | None
    until: dt.date
    phrase: str  # 今年3月以来 / As of 2024-07-08: how the narrative names the period


@value
class TeamWork(Value):
    """A team's row (or, team_id None, the row of issues no team is in charge of)."""

    team_id: int | None
    team: str
    members: int
    activities: int
    visits: int
    households: int
    issues_received: int
    issues_resolved: int
    hours: Decimal


@value
class ThemeWork(Value):
    """The activities of one theme: how many, people served, volunteer hours."""

    theme: str
    activities: int
    served: int
    hours: Decimal


@value
class KindCounts(Value):
    """The issues of one kind: received in the period, and of those resolved, escalated, both."""

    kind: str
    received: int
    resolved: int
    escalated: int
    escalated_resolved: int


@value
class RoleCount(Value):
    """The members active at the end of the period in one role."""

    role: str
    members: int


@value
class CardCount(Value):
    """A kind of card issued in the period: distinct residents holding one, and cards."""

    kind: str
    residents: int
    cards: int


@value
class WishCounts(Value):
    """Wishes listed, claimed and fulfilled in the period."""

    listed: int
    claimed: int
    fulfilled: int


@value
class MonthWork(Value):
    """A month of the period: activities, visits and issues received (the bars of the summary)."""

    month: str
    activities: int
    visits: int
    issues_received: int


@value
class SourceWork(Value):
    """The period's work by the ledger it was merged from (uid None: this ledger's own); `minutes` and
    `hours` are its volunteer time as the summary's 志愿服务时长 counts it: activities and visits."""

    uid: str | None
    name: str | None
    place: str | None
    activities: int
    minutes: int
    visits: int
    issues_received: int
    issues_resolved: int
    hours: Decimal


@value
class ChainHead(Value):
    """The journal's last entry and hash when the report was read (`huidesk check --head` verifies it)."""

    entries: int
    hash: str


@value
class Summary(Value):
    """Every figure and table of a summary, as the ledger stood at the spec's as-of moment."""

    scope: SummaryScope
    period: SummaryPeriod
    narrative: str
    figures: tuple[Figure, ...]
    by_team: tuple[TeamWork, ...]
    by_theme: tuple[ThemeWork, ...]
    by_kind: tuple[KindCounts, ...]
    kpi: Kpis
    hot: tuple[HotSpot, ...]
    scores: Scores
    exempted: tuple[Exemption, ...]
    members_by_role: tuple[RoleCount, ...]
    cards: tuple[CardCount, ...]
    wishes: WishCounts
    by_month: tuple[MonthWork, ...]
    sources: tuple[Source, ...] | None = optional()  # only on a ledger that merged others
    by_source: tuple[SourceWork, ...] | None = optional()
    chain_head: ChainHead


def build(store: "Store", spec: ReportSpec, exact: bool = False) -> Summary:
    """Every figure and table of a summary of `spec`, with the chain head it was computed at; `exact`:
    every figure as it is (else each in its clause's style, the article's)."""
    scope, (since, until) = spec.scope, spec.period.iso()
    period = (scope.query(), since, until, spec.as_of_iso)
    r = Reports(store, *period)
    styles = {key: EXACT for key, *_ in CLAUSES} if exact else {}
    settings = spec.settings
    first_callback = spec.first_callback
    kept = r.kept_limits(settings)  # else each issue's limits are counted from the settings as of the moment
    with store.twin() as twin:  # a second connection at the same journal head, read on the second core
        readers = [r] if twin is None else [r, r.on(twin)]
        done = _shared(_work(settings, first_callback, kept), readers)
        found_sources, found_by_source = sources(r), by_source(r, first_callback)
        issue_places = {place for _, place, _ in done["orders"]["groups"]}
        worked = coverage.covered(r, done["worked places"] | issue_places)  # the communities with records in the period
        scored = _scores(store, r, done["orders"]["groups"], done["teams"], settings)
        # the exempted issues listed, when the counts say there are any (a look at every issue's events)
        exempted = exemptions(r) if done["orders"]["counts"]["exempted"] else []
        head = store.head()
    issue_counts, orders, teams, members = done["issue counts"], done["orders"], done["teams"], done["members"]
    cards, wishes, covered = done["cards"], done["wishes"], done["covered"]
    narrated = done["narrated"] if kept else _narrated(done["narrated"], settings)
    by_kind = {row["key"]: row for row in issue_counts["kind"]}
    by_month = done["activities by month"]  # every activity of the period is in one of its months
    activity = {f: sum(row[f] for row in by_month) for f in ("count", "minutes")} if by_month else None
    visit = done["visits"]
    # activities and visits (every visit has a team: its minutes by team add up to the whole)
    minutes = (activity["minutes"] if activity else 0) + sum(done["visit minutes by team"].values())
    values = {
        "members": members[0]["count"],
        "activities": activity["count"] if activity else 0,
        "visits": visit[0]["count"] if visit else 0,
        "households": visit[0]["households"] if visit else 0,
        "suggestions": _get(by_kind, "suggestion", "received"),
        "infrastructure": _get(by_kind, "infrastructure", "resolved"),
        "livelihood": narrated["livelihood"],
        # Risks escalated have a clause of their own ("上报风险隐患N条").
        "escalated": sum(_get(by_kind, k, "escalated") for k in ISSUE_KINDS if k != "risk"),
        "safety_hazard": narrated["safety_hazard"],
        "risk": _get(by_kind, "risk", "escalated_resolved"),
        "non_police": _get(by_kind, "non_police", "resolved"),
        "dispute": _get(by_kind, "dispute", "resolved"),
        "wishes": wishes["claimed"],
        "volunteer_minutes": minutes,
    }
    figures = _figures(values, cards, styles) or _issues_only(by_kind)
    subject = _subject(scope, teams) + _coverage(worked)
    first, last = spec.period.since, spec.period.until
    phrase = period_phrase(first, last, spec.today)
    return Summary(
        scope=SummaryScope(scope.label, scope.team_id, scope.place_path, len(teams), covered["villages"],
                           covered["communities"], covered["compounds"]),
        period=SummaryPeriod(first, last, phrase),
        narrative=_narrative(phrase, subject, values["members"], figures, minutes, len(teams) > 1),
        figures=(*figures,
                 Figure("members", values["members"], EXACT, ""),
                 Figure("households", values["households"], EXACT, ""),
                 Figure("volunteer_hours", hours(minutes), EXACT, ""),  # type: ignore[arg-type]  # a Decimal
                 Figure("volunteer_minutes", minutes, EXACT, "")),
        by_team=_by_team(done, teams, issue_counts["team"]),
        by_theme=tuple(ThemeWork(row["key"], row["count"], row["served"], hours(row["minutes"]))
                       for row in done["activities by theme"]),
        by_kind=tuple(KindCounts(k, *(_get(by_kind, k, f) for f in ("received", "resolved", "escalated",
                                                                      "escalated_resolved")))
                      for k in ISSUE_KINDS),
        kpi=counted(orders, settings),
        hot=ranked(orders["hot"]),
        scores=scored,
        exempted=tuple(Exemption(**dict(row)) for row in exempted),
        members_by_role=tuple(RoleCount(row["key"], row["count"]) for row in members[1:]),
        cards=tuple(CardCount(row["key"], row["residents"], row["cards"]) for row in cards),
        wishes=WishCounts(wishes["listed"], wishes["claimed"], wishes["fulfilled"]),
        by_month=_by_month(done, first, last, issue_counts["month"]),
        sources=found_sources,
        by_source=found_by_source,
        chain_head=ChainHead(*head),
    )


def _work(settings: Mapping[str, str], first_callback: bool, kept: bool) -> dict[str, Callable[[Reports], object]]:
    """What a summary reads, each a statement or two for any reader of the ledger: the longest first.
    `kept`: the work orders counted in SQL against the limits kept beside each issue; else from the
    cohort's rows, each issue's limits counted from the report's settings."""
    def orders(r: Reports) -> dict:
        if kept:
            return work_orders(r, settings, first_callback)
        return orders_from(r.cohort(first_callback), settings)

    return {
        "issue counts": lambda r: r.issue_counts_by("kind", "team", "month"),
        "orders": orders,
        "visits by team": lambda r: r.visits("team"),
        "visits by month": lambda r: r.visits("month", households=False),
        "visits": lambda r: r.visits(),
        "visit minutes by team": lambda r: r.visit_minutes("team"),
        "activities by month": lambda r: r.activities("month"),
        "activities by theme": lambda r: r.activities("theme"),
        "activities by team": lambda r: r.activities("team"),
        "members by team": lambda r: r.members_by_team(),
        "teams": lambda r: r.teams(),
        "members": lambda r: r.members_by_role(),
        "cards": lambda r: r.cards(),
        "wishes": lambda r: r.wishes(),
        "covered": lambda r: r.coverage(),
        "worked places": coverage.worked_places,
        # what the narrative says was solved: counted in SQL against the kept limits, else read out and counted
        "narrated": narrated if kept else lambda r: resolved_of(r, ("livelihood", "safety_hazard")),
    }


def _narrated(rows: list, settings: Mapping[str, str]) -> dict[str, int]:
    """What the narrative says was solved: livelihood problems resolved in the period whose final callback
    does not answer 未解决 (解决民生问题), and safety hazards resolved by their deadline (及时处理安全隐患); an
    exempted issue (核减) is neither."""
    from huidesk.reports.kpis import limits_of

    limit = limits_of(settings, False)
    found = {"livelihood": 0, "safety_hazard": 0}
    for row in rows:
        if row["exempt"]:
            continue
        if row["kind"] == "livelihood":
            found["livelihood"] += row["answer"] != "no"
        elif row["resolve"] is not None:
            found["safety_hazard"] += row["resolve"] <= limit(row)[1]
    return found


def _scores(store: "Store", r: Reports, groups: list, teams: list, settings: Mapping[str, str]) -> Scores:
    """Each community's and each team's score and rank, from the work-order counts by team and place: an
    issue counts in its team's community, or with no team in charge, in its place's
    (huidesk/ledger/communities.py); the communities named by their places, the teams by their names."""
    from huidesk.ledger.communities import Communities

    towns = Communities(store, tr("本级", "own"))
    paths = r.paths()
    names = {t["id"]: t["name"] for t in teams}
    by_team: dict[int, list] = {}
    by_town: dict[tuple, list] = {}
    for team, place, counts in groups:
        if team is not None:
            by_team.setdefault(team, []).append(counts)
        town = towns.team(team) if team is not None else towns.at(paths.get(place))
        by_town.setdefault((town.key, town.name or towns.own_name, town.place), []).append(counts)
    order = sorted(by_town, key=lambda k: (k[0] is None, k[2] or "", k[1]))
    return Scores(
        weights=weights_text(settings),
        communities=ranked_scores([(name, place, _added(by_town[(key, name, place)]))
                                   for key, name, place in order], settings),
        teams=ranked_scores([(names.get(t) or r.team_name(t), None, _added(by_team[t])) for t in sorted(by_team)],
                            settings),
    )


def _added(found: list[Mapping[str, int]]) -> dict[str, int]:
    """Work-order counts ({count: n}, kpis.COUNTS) added up."""
    return added([map(counts.__getitem__, COUNTS) for counts in found], COUNTS)


def _shared(work: dict[str, Callable[[Reports], object]], readers: list[Reports]) -> dict:
    """Every piece of `work` done by one of the readers, each taking the next piece as it finishes
    one: the first reader on this thread, each other on a thread of its own (sqlite3 lets go of the
    GIL while SQLite works, so two readers keep two cores busy). What a piece raised is raised here."""
    import threading

    pieces, lock, found, failed = iter(work.items()), threading.Lock(), {}, []

    def run(r: Reports) -> None:
        try:
            while True:
                with lock:
                    piece = next(pieces, None)
                if piece is None or failed:
                    return
                found[piece[0]] = piece[1](r)
        except BaseException as e:  # raised again by this thread
            failed.append(e)

    threads = [threading.Thread(target=run, args=(r,), name="summary", daemon=True) for r in readers[1:]]
    for thread in threads:
        thread.start()
    run(readers[0])
    for thread in threads:
        thread.join()
    if failed:
        raise failed[0]
    return found


def by_source(r: Reports, first_callback: bool) -> tuple[SourceWork, ...] | None:
    """On a ledger that merged others, the period's work by the ledger it came from (this one's own
    last, named None), hours to one decimal; None on a ledger that merged none. Issues are the
    cohort's (id and state), counted by where each came from; read only on a ledger that merged some."""
    def states() -> Iterator[tuple[int, str]]:
        yield from ((c["id"], c["state"]) for c in r.cohort(first_callback))

    rows = r.by_source(states())
    return tuple(SourceWork(**row, hours=hours(row["minutes"])) for row in rows) or None


def _get(rows: dict, key: str, field: str) -> int:
    return int(rows[key][field] or 0) if key in rows else 0


def _figures(values: dict, cards: list, styles: dict[str, str]) -> list[Figure]:
    figures = []
    for key, zh, en, measure, style in CLAUSES:
        n = values[key]
        if not n:
            continue
        style = styles.get(key, style)
        text = written(n, style, measure) if lang() != "en" else _english(n, style)
        clause = tr(zh, _singular(en) if n == 1 and style == EXACT else en).format(n=text)
        if key == "visits" and values["households"]:
            homes = values["households"]
            clause += tr(f"，覆盖{homes}户", f" to {homes} household{'s' if homes != 1 else ''}")
        figures.append(Figure(key, n, style, clause))
    for card in cards:
        n = card["residents"]
        clause = tr(f"为{written(n, EXACT, '名')}群众办理了{card['key']}",
                    f"issued {card['key']} to {n} resident{'s' if n != 1 else ''}")
        figures.append(Figure(f"card:{card['key']}", n, EXACT, clause))
    return figures


# English clauses whose plural noun is not just the singular plus s.
_SINGULARS = {"pieces": "piece", "activities": "activity", "matters": "matter", "wishes": "wish"}


def _singular(clause: str) -> str:
    """An English clause for one: "collected {n} suggestions" -> "collected {n} suggestion"."""
    words = clause.split(" ")
    at = words.index("{n}")
    for i in range(at + 1, len(words)):
        word = words[i]
        if word in _SINGULARS or (word.endswith("s") and word not in ("of", "from", "to")):
            words[i] = _SINGULARS.get(word, word[:-1])
            break
    return " ".join(words)


def _english(n: int, style: str) -> str:
    if style == EXACT:
        return str(n)
    from huidesk.domain.figures import NEAR, approximate

    value, _, mark = approximate(n)
    return f"nearly {value:,}" if mark == NEAR else f"{value:,}{'+' if mark else ''}"


def _issues_only(by_kind: dict) -> list[Figure]:
    """When issues are all the work in scope and none makes a clause of its own (a livelihood problem
    received but not yet solved), the narrative still says what was done rather than "no records"."""
    received = sum(_get(by_kind, k, "received") for k in ISSUE_KINDS)
    if not received:
        return []
    resolved = sum(_get(by_kind, k, "resolved") for k in ISSUE_KINDS)
    clause = tr(f"受理居民诉求{received}件", f"received {received} issue{'s' if received != 1 else ''} from residents")
    if resolved:
        clause += tr(f"、办结{resolved}件", f" and resolved {resolved}")
    return [Figure("received", received, EXACT, clause)]


def _coverage(covered) -> str:
    """«覆盖18个村、社区的92个小区» when the period's records lie in more than one village or community (those
    with none are not counted: a place registered is not a place served)."""
    villages, communities, compounds = covered["villages"], covered["communities"], covered["compounds"]
    if villages + communities < 2:
        return ""
    words = "、".join(w for w, n in (("村", villages), ("社区", communities)) if n)
    zh = f"覆盖{villages + communities}个{words}" + (f"的{compounds}个小区" if compounds else "") + "，"
    en = f" across {villages + communities} communities" + (f" and {compounds} compounds" if compounds else "")
    return tr(zh, en)


def _subject(scope: ReportScope, teams: list) -> str:
    if scope.team_id is not None:
        return scope.label
    n = len(teams)
    if not n:  # no team in scope: the work is the place's, or this ledger's
        name = scope.place_path.rsplit("/", 1)[-1] if scope.place_path else ""
        return name if lang() != "en" else name or "this ledger"
    if scope.place_path is not None:
        name = scope.place_path.rsplit("/", 1)[-1]
        if n == 1:
            return f"{name}{teams[0]['name']}" if lang() != "en" else f"{teams[0]['name']} of {name}"
        return tr(f"{name}{n}支志愿服务队", f"the {n} volunteer teams of {name}")
    return tr(f"{n}支志愿服务队", f"the {n} volunteer teams")


def _narrative(phrase: str, subject: str, members: int, figures: list[Figure], minutes: int, many: bool) -> str:
    clauses = [f.clause for f in figures]
    if minutes:
        total = hours(minutes).normalize()
        clauses.append(tr(f"志愿服务时长{total:f}小时", f"{total:f} volunteer hours"))
    if lang() == "en":
        have = " have" if many else " has"
        head = f"{phrase}, {subject}" + (f"{have} {members} members and" if members else "")
        work = ", ".join(clauses) if clauses else "no recorded work"
        return head + (f"{have} " if not members else " ") + work + "."
    head = f"{phrase}，{subject}" + (f"现有队员{members}人，" if members else "")
    return head + ("已" + "，".join(clauses) if clauses else "尚无记录") + "。"


def _by_team(done: dict, teams: list, issue_counts: list) -> tuple[TeamWork, ...]:
    acts = {row["key"]: row for row in done["activities by team"]}
    credited = done["visit minutes by team"]
    visits = {row["key"]: row for row in done["visits by team"]}
    issues = {row["key"]: row for row in issue_counts}
    members = done["members by team"]
    rows = []
    for t in teams:
        a, v, i = acts.get(t["id"]), visits.get(t["id"]), issues.get(t["id"])
        rows.append(TeamWork(
            team_id=t["id"], team=t["name"], members=members.get(t["id"], 0),
            activities=a["count"] if a else 0, visits=v["count"] if v else 0,
            households=v["households"] if v else 0,
            issues_received=int(i["received"] or 0) if i else 0,
            issues_resolved=int(i["resolved"] or 0) if i else 0,
            hours=hours((a["minutes"] if a else 0) + credited.get(t["id"], 0)),
        ))
    loose = issues.get(None)  # issues with no team in charge: a row of their own, so the rows add up
    if loose and int(loose["received"] or 0):
        rows.append(TeamWork(
            team_id=None, team=tr("（未指定服务队）", "(no team)"), members=0, activities=0, visits=0,
            households=0, issues_received=int(loose["received"] or 0),
            issues_resolved=int(loose["resolved"] or 0), hours=hours(0),
        ))
    return tuple(rows)


def _by_month(done: dict, since: dt.date | None, until: dt.date, issue_counts: list) -> tuple[MonthWork, ...]:
    acts = {row["key"]: row["count"] for row in done["activities by month"]}
    visits = {row["key"]: row["count"] for row in done["visits by month"]}
    received = {row["key"]: int(row["received"] or 0) for row in issue_counts}
    keys = sorted(set(acts) | set(visits) | set(k for k, v in received.items() if v))
    if not keys:
        return ()
    start = since.isoformat() if since else keys[0] + "-01"
    return tuple(MonthWork(m, acts.get(m, 0), visits.get(m, 0), received.get(m, 0))
                 for m in months(max(start, keys[0] + "-01"), until.isoformat()))
