"""`report monthly`: a month's (a quarter's, a year's) tally by team and by issue kind, with totals and the
work-order KPIs; at a street (a report over several villages and communities), also by community.

The work-order columns are figures of the issues received in the month (受理), each as the ledger
stood at the report's moment (the end of --today): a month reported on its last day and the same
month reported later with that --today are the same. Every count column is additive: the totals row
is the sum of the team rows (issues with no team have a row of their own), and the months of a year
add up to the year. Rates are derived from counts that travel with them, so anyone can recompute them.

At a street — a report over more than one village or community (社区/村), or a ledger that merged its
communities' — each team row says its community (huidesk/ledger/communities.py), the rows are grouped
by community (issues with no team: a row in each community), and `communities` holds each community's
rows added up; the communities add up to the same total.

`build()` takes a ReportSpec over the month and returns a `Monthly`: frozen, typed values whose JSON
shape is the public one (each tally row's keys are COLUMNS', in order).
"""

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from huidesk.domain.dates import period_label
from huidesk.domain.i18n import tr
from huidesk.domain.vocab import ISSUE_KINDS, VOCABS
from huidesk.ledger.communities import Communities, Community
from huidesk.ledger.queries import Reports
from huidesk.ledger.work_orders import exemptions
from huidesk.reports.kpis import FIGURES, Exemption, HotSpot, Kpis, combined, hot, rates, tallied, tallier, weights_text
from huidesk.reports.spec import ReportSpec
from huidesk.reports.values import ColumnNote, Source, Value, optional, sources, spread, value

if TYPE_CHECKING:
    from huidesk.ledger.store import Store
    from huidesk.reports.roster import Roster  # made only for the workbook's sheet

_KINDS = tuple((k, VOCABS["issue_kind"][k][0]) for k in ISSUE_KINDS)  # the kinds with their Chinese names
# key, Chinese header, English header, Chinese meaning, English meaning: one meaning per column.
COLUMNS = [
    ("month", "月份", "month", "统计期（月份 2024-06、季度 2024-Q2 或年份 2024）",
     "the period (a month 2024-06, a quarter 2024-Q2 or a year 2024)"),
    ("community", "社区/村", "community",
     "服务队所在的村或社区（街道合并的各来源账本；街道本级的单列一行）。只在含多个村、社区的报表中",
     "the village or community of the team (a street's merged source ledgers; the street's own: a row of its"
     " own). Only in a report over several"),
    ("team", "服务队", "team", "负责的服务队（未指定服务队的诉求单列一行）",
     "the team in charge (issues without one: a row of their own)"),
    ("activities", "活动(次)", "activities", "本期开展的活动", "activities held in the period"),
    ("served", "服务人次", "served", "本期活动服务的人次", "people served by the period's activities"),
    ("volunteer_minutes", "志愿服务时长(分钟)", "volunteer minutes",
     "本期活动和走访的志愿服务时长（走访按每位走访队员计）",
     "volunteer time of the period's activities and visits (a visit's for each visiting member)"),
    ("visits", "走访(次)", "visits", "本期走访慰问", "home visits in the period"),
    ("issues_received", "受理(件)", "received", "本期受理的诉求", "issues received in the period"),
    *[(f"received_{k}", f"受理：{zh}", f"received: {VOCABS['issue_kind'][k][-1]}", f"本期受理的{zh}",
       f"{VOCABS['issue_kind'][k][-1]} issues received in the period") for k, zh in _KINDS],
    ("issues_escalated", "上报(件)", "escalated", "本期有上报事件的诉求", "issues escalated in the period"),
    *[(key, zh if key.endswith(("_rate", "repeats")) else f"{zh}({'次' if key in ('transfers', 'returns') else '件'})",
       en, mzh, men)
      for key, zh, en, mzh, men in FIGURES if key != "received"],
    ("score", "综合得分", "score",
     "(权重₁×响应率 + 权重₂×解决率 + 权重₃×满意率) ÷ 权重之和，各率按本表所示，保留两位小数；权重按设置 score_weights"
     "（默认 10/45/45）；核减的诉求不计；三率缺一（如无回访）不计分",
     "(w1 × response rate + w2 × resolution rate + w3 × satisfaction rate) ÷ (w1 + w2 + w3), the rates as shown, to"
     " two decimals; weights: setting score_weights (10/45/45); exempted issues left out; no score without all three"),
    ("rank", "名次", "rank", "综合得分在各服务队中（村、社区行：在各村、社区中）的名次，并列同名次；无得分不排名",
     "the score's rank among the teams (a community's: among the communities); ties share a rank; no score, no rank"),
    ("chain_head", "账本链头", "chain head", "生成时的账本链头（huidesk check --head 可核验）",
     "the journal's chain head at the time (verify with huidesk check --head)"),
]
RATES = tuple(key for key, *_ in FIGURES if key.endswith("_rate"))
LABELS = ("month", "community", "team", "chain_head")
SCORED = ("score", "rank")
COUNTS = [key for key, *_ in COLUMNS if key not in RATES and key not in LABELS and key not in SCORED]
_WORK_ORDERS = [key for key, *_ in FIGURES if key != "received" and key not in RATES]


@value
class TallyRow(Value):
    """A row of the tally: one team's month (or the issues no team is in charge of, or the total). Its
    JSON and its sheet cells are COLUMNS' keys in order (`received` as `received_<kind>`); `community`
    only in a report over several villages and communities (not on the total)."""

    month: str
    community: str | None = optional()
    team: str
    activities: int
    served: int
    volunteer_minutes: int
    visits: int
    issues_received: int
    received: Mapping[str, int] = spread("received_")  # the issues received by kind, in the vocabulary's order
    issues_escalated: int
    exempted: int
    responded_in_time: int
    resolved: int
    resolved_on_time: int
    overdue: int
    callbacks: int
    callbacks_resolved: int
    satisfied: int
    basically_satisfied: int
    unsatisfied: int
    repeats: int
    transfers: int
    returns: int
    response_rate: Decimal | None
    closure_rate: Decimal | None
    on_time_rate: Decimal | None
    callback_rate: Decimal | None
    resolution_rate: Decimal | None
    satisfaction_rate: Decimal | None
    score: Decimal | None
    rank: int | None
    chain_head: str

    def cells(self) -> dict[str, object]:
        """The row as a sheet reads it: COLUMNS' keys (the community's too, None where there is none)."""
        return {"community": None, **self.to_json()}

    @classmethod
    def of(cls, counts: Mapping[str, object], settings: Mapping[str, str], head: str) -> "TallyRow":
        """A row from its month, team (and community) and COUNTS (`received_<kind>` among them), its rates
        derived from them."""
        from huidesk.domain.settings import setting_weights
        from huidesk.reports.kpis import score

        flat = {key: counts.get(key) for key in ("month", "community", "team", *COUNTS)}
        received = {kind: flat.pop(f"received_{kind}") for kind in ISSUE_KINDS}
        derived = rates({**flat, "received": flat["issues_received"]}, settings)  # type: ignore[dict-item]
        return cls(**flat, received=received, **derived, score=score(derived, setting_weights(settings)),
                   rank=None, chain_head=head)  # type: ignore[arg-type]


@value
class IssueLine(Value):
    """An issue received in the period, as a report lists it."""

    id: int
    ref: str | None
    received_at: str
    kind: str
    source: str
    nature: str | None
    category: str | None
    repeat_of: int | None
    place: str
    team: str | None
    state: str
    resolved_at: str | None
    text: str
    community: str | None = optional()  # at a street: the village or community it counts in
    source_no: int | None = optional()  # merged from a community's ledger: its number there


@value
class IssueStanding(Value):
    """An issue with what a street office checks: overdue (open past its resolve limit, as 超期 counts
    it), resolved on time, minutes elapsed (to its resolution, or to the as-of moment while open) and
    its callback (the one the rates read)."""

    issue: IssueLine
    overdue: bool
    on_time: bool | None
    elapsed_minutes: int | None
    answer: str | None
    satisfaction: str | None
    exempted: bool  # 核减: neither overdue nor on time, in no rate


@value
class TrendMonth(Value):
    """A month of the sheet's trend: the issues received in it and, of those, resolved or closed."""

    month: str
    received: int
    resolved: int


@value
class SheetLimits(Value):
    """The settings the figures were computed with, as the sheet's notes state them (the limits as typed limits
    are written: 24h, 5d, 3工作日)."""

    response_hours: str
    resolve_days: str
    basically_weight: str
    callback_reading: str


@value
class FiledSheet(Value):
    """What the filed workbook shows beyond the figures (see `filed_sheet`)."""

    name: str
    unit: str
    preparer: str
    reviewer: str
    filed: dt.date
    limits: SheetLimits
    issues: tuple[IssueStanding, ...]
    trend: tuple[TrendMonth, ...]
    roster: "Roster | None"


@value
class CommunityRow(Value):
    """A village or community of a street's tally: its name, its place, how many of its teams have rows,
    and its rows added up (`tally`, whose `team` is the community's name)."""

    community: str
    place: str | None
    teams: int
    tally: TallyRow

    def cells(self) -> dict[str, object]:
        """The row as a sheet reads it: its tally's columns, the community's name and its teams."""
        return {**self.tally.cells(), "community": self.community, "teams": self.teams}


@value
class Monthly(Value):
    """The tally of one month (or quarter, or year: `month` names it, 2024-06, 2024-Q2, 2024) as the
    ledger stood at the spec's as-of moment, with its chain head."""

    month: str
    since: dt.date
    until: dt.date
    as_of: dt.datetime
    scope: str
    chain_head: str
    rows: tuple[TallyRow, ...]
    total: TallyRow
    communities: tuple[CommunityRow, ...] | None = optional()  # only over several villages and communities
    kpi: Kpis
    score_weights: str  # the weights of the rows' scores (setting score_weights: 响应率/解决率/满意率)
    hot: tuple[HotSpot, ...]
    issues: tuple[IssueLine, ...] | None = optional()  # None: not asked for (a format that draws the rows only)
    exempted: tuple[Exemption, ...]  # the issues exempted (核减): counted, listed, in no rate
    sources: tuple[Source, ...] | None = optional()  # only on a ledger that merged others
    sheet: FiledSheet | None = optional()  # only for the workbook

    # What each column means and how the filed sheet groups them: the report's, for whoever draws it.
    columns: ClassVar[tuple[ColumnNote, ...]]
    sheet_groups: ClassVar[tuple]

    def meanings(self) -> list[tuple[str, str]]:
        """Each column of the filed sheet with what it counts (社区/村 only at a street), the score's formula
        with the weights it was made by."""
        return meanings(street=self.communities is not None, weights=self.score_weights)


def build(store: "Store", spec: ReportSpec, sheet: bool = False, listing: bool = True) -> Monthly:
    """The tally of the spec's month (quarter, year) as the ledger stood at its as-of moment: a row per
    team (and one for issues without a team) and a totals row, with the chain head it was computed at;
    at a street, the rows grouped by community and each community's sum (see the module's docstring).
    `sheet`: also what the filed workbook needs beyond the figures (see `filed_sheet`); `listing`: the issues
    received listed one by one (a month of a province's is 15,000 lines: not read for a format that draws
    the rows alone)."""
    scope, (first, last), settings = spec.scope, spec.period.iso(), spec.settings
    month = period_label(spec.period.since or spec.period.until, spec.period.until)
    _, head = store.head()
    r = Reports(store, scope.query(), first, last, spec.as_of_iso)
    acts = {row["key"]: row for row in r.activities("team")}
    visits = {row["key"]: row for row in r.visits("team", households=False)}
    credited = r.visit_minutes("team")
    issues = {row["key"]: row for row in r.issue_counts("team")}
    cohort = r.cohort(first_callback=spec.first_callback)
    kept = r.kept_limits(settings)  # else each issue's limits counted from the settings as of the moment
    teams = [(t["id"], t["name"]) for t in r.teams()]
    # Issues in a place may be handled by a team from elsewhere, or by none: they get rows too.
    known = {t for t, _ in teams}
    for team_id in sorted((set(issues) | {c["team_id"] for c in cohort}) - known, key=lambda t: (t is None, t or 0)):
        teams.append((team_id, r.team_name(team_id) if team_id is not None else tr("（未指定服务队）", "(no team)")))
    own = settings.get("ledger_name") or (settings.get("ledger_place") or "").rsplit("/", 1)[-1]
    places = Communities(store, own) if scope.team_id is None else None
    units = _units(r, places, teams, cohort, issues, everything=scope.place_path is None)
    street = any(community is not None for community, *_ in units)
    rows, cells = [], []
    # each issue of the cohort is in one unit: tallied once, the units' tallies make the total's
    count = tallier(settings, kept)
    counted = [count(mine) for *_, mine, _ in units]
    for (community, team_id, name, mine, escalated), (k, *_) in zip(units, counted, strict=True):
        kinds = Counter(c["kind"] for c in mine)
        a, v = (acts.get(team_id), visits.get(team_id)) if team_id is not None else (None, None)
        counts = {
            "month": month, "community": community.name if community else None, "team": name,
            "activities": a["count"] if a else 0, "served": a["served"] if a else 0,
            "volunteer_minutes": (a["minutes"] if a else 0) + (credited.get(team_id, 0) if team_id is not None else 0),
            "visits": v["count"] if v else 0,
            "issues_received": k["received"],
            **{f"received_{kind}": kinds[kind] for kind in ISSUE_KINDS},
            "issues_escalated": escalated,
            **{key: k[key] for key in _WORK_ORDERS},
        }
        rows.append(TallyRow.of(counts, settings, head))
        cells.append(counts)
    rows = _ranked(rows, [team_id is not None for _, team_id, *_ in units])
    communities = None
    if street:
        by: dict = {}
        for (community, team_id, *_), row in zip(units, cells, strict=True):
            by.setdefault(community, [0, []])
            by[community][0] += team_id is not None
            by[community][1].append(row)
        tallies = _ranked([TallyRow.of(_summed(found, month, c.name), settings, head) for c, (_, found) in by.items()],
                          [True] * len(by))
        communities = tuple(CommunityRow(c.name, c.place, n, tally)
                            for (c, (n, _)), tally in zip(by.items(), tallies, strict=True))
    listed = _listed(r, places, cohort, street) if listing or sheet else None
    return Monthly(
        month=month,
        since=spec.period.since,  # type: ignore[arg-type]
        until=spec.period.until,
        as_of=spec.as_of,
        scope=scope.label,
        chain_head=head,
        rows=tuple(rows),
        total=TallyRow.of(_summed(cells, month, tr("合计", "total")), settings, head),
        communities=communities,
        kpi=tallied(combined(counted), settings),
        score_weights=weights_text(settings),
        hot=hot(cohort),
        issues=listed,
        exempted=tuple(Exemption(**dict(row)) for row in exemptions(r)),
        sources=sources(r),
        sheet=filed_sheet(store, spec, cohort, listed) if sheet and listed is not None else None,
    )


def _ranked(rows: list[TallyRow], ranked: list[bool]) -> list[TallyRow]:
    """`rows` with the rank of each score among those `ranked` (a team's, a community's: not the issues no
    team is in charge of), highest first; ties share a rank; no score, no rank."""
    from dataclasses import replace

    scores = sorted((r.score for r, counted in zip(rows, ranked, strict=True) if counted and r.score is not None),
                    reverse=True)
    rank: dict = {}
    for at, score in enumerate(scores, 1):
        rank.setdefault(score, at)
    return [replace(r, rank=rank[r.score]) if counted and r.score is not None else r
            for r, counted in zip(rows, ranked, strict=True)]


def _summed(rows: list[Mapping], month: str, label: str) -> dict[str, object]:
    """The COUNTS of `rows` (each a row's counts, as TallyRow.of takes them) added up, under `label` as the team."""
    return {"month": month, "team": label, **{c: sum(row[c] for row in rows) for c in COUNTS}}


# A row of the tally before it is counted: its community (None: one community), team id (None: the issues
# no team is in charge of), name, its issues of the cohort and how many issues it escalated.
_Unit = tuple["Community | None", int | None, str, list, int]


def _units(r: Reports, places: "Communities | None", teams: list, cohort: list, issues: Mapping,
           everything: bool) -> list[_Unit]:
    """The tally's rows before they are counted. In one community (or a team's report): each team, and
    the issues no team is in charge of in one row. Over several (a street; or everything on a ledger
    that merged others): the teams by community, the communities in the order their first team comes and
    this ledger's own last, the issues with no team a row in each community they are in."""
    received: dict[int | None, list] = {}  # the cohort by team, gathered once
    for c in cohort:
        received.setdefault(c["team_id"], []).append(c)

    def escalated(team_id: int | None) -> int:
        i = issues.get(team_id)
        return int(i["escalated"] or 0) if i else 0

    plain: list[_Unit] = [(None, team_id, name, received.get(team_id, []), escalated(team_id))
                          for team_id, name in teams]
    if places is None:
        return plain
    loose: dict[Community, list] = {}  # the issues without a team by community: [cohort rows, escalated]
    if None in received or escalated(None):
        for c in received.get(None, []):
            loose.setdefault(places.issue(c["id"], None, c["place"]), [[], 0])[0].append(c)
        for issue_id, path in r.escalated_without_team():
            loose.setdefault(places.issue(issue_id, None, path), [[], 0])[1] += 1
    of_team = {team_id: places.team(team_id) for team_id, _ in teams if team_id is not None}
    found = list(dict.fromkeys([*of_team.values(), *loose]))
    if len(found) < 2 and not (places.merged and everything):
        return plain
    found.sort(key=lambda c: c.key is None)  # this ledger's own last
    members: dict[Community, list] = {}  # each community's teams, in the order of `teams`
    for team_id, name in teams:
        if team_id is not None:
            members.setdefault(of_team[team_id], []).append((team_id, name))
    units: list[_Unit] = []
    for community in found:
        shown = community if community.key is not None else Community(None, _own(places), None)
        units += [(shown, team_id, name, received.get(team_id, []), escalated(team_id))
                  for team_id, name in members.get(community, ())]
        if community in loose:
            mine, n = loose[community]
            units.append((shown, None, tr("（未指定服务队）", "(no team)"), mine, n))
    return units


def _own(places: "Communities") -> str:
    """This ledger's own row among its communities: 黄河东路街道本级."""
    name = places.own_name
    return tr(f"{name}本级", f"{name} (own)") if name else tr("本级", "own")


def _listed(r: Reports, places: "Communities | None", cohort: list, street: bool) -> tuple[IssueLine, ...]:
    """The issues received in the period; at a street each with its community and, merged from a
    community's ledger, its number there."""
    listed = [dict(x) for x in r.issues()]
    if not street or places is None:
        return tuple(IssueLine(**x, community=None, source_no=None) for x in listed)
    rows = {c["id"]: c for c in cohort}
    numbers = places.issue_numbers(x["id"] for x in listed)
    found = []
    for x in listed:
        c = rows[x["id"]]
        community = places.issue(x["id"], c["team_id"], c["place"])
        found.append(IssueLine(**x, community=community.name if community.key is not None else _own(places),
                               source_no=numbers.get(x["id"])))
    return tuple(found)


# The filed sheet's columns under their group headers (group zh, group en, the columns' keys with their
# short headers zh and en): the unit stands in the group's header or in the column's own.
SHEET_GROUPS = (
    ("志愿服务", "volunteer service", (
        ("activities", "活动\n(次)", "activities"), ("served", "服务\n人次", "people served"),
        ("volunteer_hours", "时长\n(小时)", "hours"), ("visits", "走访\n(次)", "visits"))),
    ("受理诉求(件)", "issues received", (
        ("issues_received", "合计", "total"),
        *((f"received_{k}", f"{zh[:len(zh) - 2]}\n{zh[-2:]}", VOCABS["issue_kind"][k][-1]) for k, zh in _KINDS))),
    ("诉求办理(件)", "handling", (
        ("issues_escalated", "上报", "escalated"), ("responded_in_time", "按时\n响应", "responded in time"),
        ("resolved", "办结", "resolved"), ("resolved_on_time", "按时\n办结", "resolved on time"),
        ("overdue", "超期", "overdue"))),
    ("回访(件)", "callbacks", (
        ("callbacks", "回访", "called back"), ("callbacks_resolved", "已解决", "resolved"),
        ("satisfied", "满意", "satisfied"), ("basically_satisfied", "基本\n满意", "basically"),
        ("unsatisfied", "不满意", "unsatisfied"))),
    ("其他", "other", (
        ("repeats", "重复件\n(件)", "repeats"), ("transfers", "转办\n(次)", "transfers"),
        ("returns", "退单\n(次)", "returns"))),
    ("考核", "assessment", (("score", "综合\n得分", "score"), ("rank", "名次", "rank"))),
    ("比率(%)", "rates (%)", tuple((key, zh.removesuffix("(%)").replace("按时办结率", "按时\n办结率"),
                                   en.removesuffix(" %")) for key, zh, en, *_ in FIGURES if key in RATES)),
)
TREND_MONTHS = 12


def meanings(street: bool = False, weights: str = "10/45/45") -> list[tuple[str, str]]:
    """Each column of the filed sheet with what it counts, in the user's language (from COLUMNS); the
    community's column only at a `street`; the score's formula with its `weights`."""
    said = {key: (tr(zh, en), tr(mzh, men)) for key, zh, en, mzh, men in COLUMNS}
    w = weights.split("/")
    total = sum(Decimal(x) for x in w).normalize()
    said["score"] = (said["score"][0], tr(
        f"({w[0]}×响应率 + {w[1]}×解决率 + {w[2]}×满意率) ÷ {total:f}，各率按本表所示（%），保留两位小数；权重按设置"
        " score_weights；核减的诉求不计；三率缺一（如无回访）不计分",
        f"({w[0]} × response rate + {w[1]} × resolution rate + {w[2]} × satisfaction rate) ÷ {total:f}, the rates"
        " as shown (%), to two decimals; weights: setting score_weights; exempted issues left out; no score"
        " without all three"))
    said["volunteer_hours"] = (tr("志愿服务时长(小时)", "volunteer hours"),
                               tr("本期活动和走访的志愿服务时长（活动按每人时长之和，走访按每位走访队员计），"
                                  "按小时计，保留一位小数；与摘要的“志愿服务时长”、花名册的“合计时长”同一口径",
                                  "volunteer time of the period's activities and visits (an activity's: each"
                                  " member's own; a visit's: credited to each visiting member) in hours, to one"
                                  " decimal: the summary's volunteer hours and the roster's total hours"))
    shown = [key for _, _, columns in SHEET_GROUPS for key, *_ in columns]
    return [*([said["community"]] if street else []), said["team"], *(said[key] for key in shown)]


def filed_sheet(store: "Store", spec: ReportSpec, cohort: list, issues: tuple[IssueLine, ...]) -> FiledSheet:
    """What the filed workbook shows beyond the figures: whose sheet it is (the scope, else the
    ledger's name or place), who files and reviews it (settings report_unit — else the issuer —,
    report_preparer, report_reviewer) and on which day (the as-of day), each issue's standing
    against its limits, 受理/办结 of the twelve months ending with this one, each month as
    its own report gives it at the same moment, and the month's roster (as its listing shows it; none for a
    --place sheet: the roster scopes by team only)."""
    from huidesk.domain.settings import limit_setting
    from huidesk.reports.roster import roster, shown

    scope, settings = spec.scope, spec.settings
    if scope.team_id is not None or scope.place_path is not None:
        name = scope.label.rsplit("/", 1)[-1]
    else:
        name = settings.get("ledger_name") or (settings.get("ledger_place") or "").rsplit("/", 1)[-1]
    return FiledSheet(
        name=name,
        unit=settings["report_unit"] or settings["issuer"],
        preparer=settings["report_preparer"],
        reviewer=settings["report_reviewer"],
        filed=spec.today,
        limits=SheetLimits(str(limit_setting(settings, "response_limit_hours")),
                           str(limit_setting(settings, "resolve_limit_days")),
                           settings["basically_weight"], settings["callback_reading"]),
        issues=_standing(issues, cohort, settings),
        trend=trend(store, spec),
        roster=None if scope.place_path is not None else shown(roster(store, spec), False),
    )


def _standing(issues: tuple[IssueLine, ...], cohort: list, settings: Mapping[str, str]) -> tuple[IssueStanding, ...]:
    """Each issue's standing against its limits (see IssueStanding)."""
    from huidesk.domain.lifecycle import DONE
    from huidesk.reports.kpis import limits_of

    limit_of = limits_of(settings, False)  # its own deadline, else its limit by the settings as of the moment
    rows = {row["id"]: row for row in cohort}
    shown = []
    for issue in issues:
        row = rows[issue.id]
        state, resolve, age, answer, satisfaction = (row["state"], row["resolve"], row["age"], row["answer"],
                                                     row["satisfaction"])
        limit = limit_of(row)[1]
        done = state in DONE
        if not done:
            answer = satisfaction = None
        assessed = not row["exempt"]  # an exempted issue (核减) is neither overdue nor on time
        shown.append(IssueStanding(issue, overdue=assessed and not done and age > limit, exempted=not assessed,
                                   on_time=resolve <= limit if done and assessed and resolve is not None else None,
                                   elapsed_minutes=resolve if done else age, answer=answer, satisfaction=satisfaction))
    return tuple(shown)


def trend(store: "Store", spec: ReportSpec, n: int = TREND_MONTHS) -> tuple[TrendMonth, ...]:
    """受理 and 办结 of the `n` months ending with the spec's month: the issues received in each month
    and, of those, the ones resolved or closed at the as-of moment (the meanings of the monthly columns)."""
    from huidesk.domain.lifecycle import DONE
    from huidesk.reports.kpis import months

    last = spec.period.until
    back = last.year * 12 + last.month - n  # months since year 0 of the first month shown
    start = dt.date(back // 12, back % 12 + 1, 1)
    counts = {m: [0, 0] for m in months(start.isoformat(), last.isoformat())}
    for issue in Reports(store, spec.scope.query(), start.isoformat(), last.isoformat(), spec.as_of_iso).issues():
        month = counts[issue["received_at"][:7]]
        month[0] += 1
        month[1] += issue["state"] in DONE
    return tuple(TrendMonth(m, received, resolved) for m, (received, resolved) in counts.items())


Monthly.columns = tuple(ColumnNote(*column) for column in COLUMNS)
Monthly.sheet_groups = SHEET_GROUPS
