"""`report monthly`: a month's tally by team and by issue kind, with totals and the work-order KPIs.

The work-order columns are figures of the issues received in the month (受理), each as the ledger
stood at the report's moment (the end of --today): a month reported on its last day and the same
month reported later with that --today are the same. Every count column is additive: the totals row
is the sum of the team rows (issues with no team have a row of their own), and the months of a year
add up to the year. Rates are derived from counts that travel with them, so anyone can recompute them.

`build()` takes a ReportSpec over the month and returns a `Monthly`: frozen, typed values whose JSON
shape is the public one (each tally row's keys are COLUMNS', in order).
"""

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from huidesk.domain.i18n import tr
from huidesk.domain.vocab import ISSUE_KINDS, VOCABS
from huidesk.ledger.queries import Reports
from huidesk.reports.kpis import FIGURES, HotSpot, Kpis, hot, kpis, rates
from huidesk.reports.spec import ReportSpec
from huidesk.reports.values import ColumnNote, Source, Value, optional, sources, spread, value

if TYPE_CHECKING:
    from huidesk.ledger.store import Store
    from huidesk.reports.roster import Roster  # made only for the workbook's sheet

_KINDS = tuple((k, VOCABS["issue_kind"][k][0]) for k in ISSUE_KINDS)  # the kinds with their Chinese names
# key, Chinese header, English header, Chinese meaning, English meaning: one meaning per column.
COLUMNS = [
    ("month", "月份", "month", "统计月份", "the month"),
    ("team", "服务队", "team", "负责的服务队（未指定服务队的诉求单列一行）",
     "the team in charge (issues without one: a row of their own)"),
    ("activities", "活动(次)", "activities", "本月开展的活动", "activities held in the month"),
    ("served", "服务人次", "served", "本月活动服务的人次", "people served by the month's activities"),
    ("volunteer_minutes", "志愿服务时长(分钟)", "volunteer minutes",
     "本月活动和走访的志愿服务时长（走访按每位走访队员计）",
     "volunteer time of the month's activities and visits (a visit's for each visiting member)"),
    ("visits", "走访(次)", "visits", "本月走访慰问", "home visits in the month"),
    ("issues_received", "受理(件)", "received", "本月受理的诉求", "issues received in the month"),
    *[(f"received_{k}", f"受理：{zh}", f"received: {VOCABS['issue_kind'][k][-1]}", f"本月受理的{zh}",
       f"{VOCABS['issue_kind'][k][-1]} issues received in the month") for k, zh in _KINDS],
    ("issues_escalated", "上报(件)", "escalated", "本月有上报事件的诉求", "issues escalated in the month"),
    *[(key, zh if key.endswith(("_rate", "repeats")) else f"{zh}({'次' if key in ('transfers', 'returns') else '件'})",
       en, mzh, men)
      for key, zh, en, mzh, men in FIGURES if key != "received"],
    ("chain_head", "账本链头", "chain head", "生成时的账本链头（huidesk check --head 可核验）",
     "the journal's chain head at the time (verify with huidesk check --head)"),
]
RATES = tuple(key for key, *_ in FIGURES if key.endswith("_rate"))
LABELS = ("month", "team", "chain_head")
COUNTS = [key for key, *_ in COLUMNS if key not in RATES and key not in LABELS]
_WORK_ORDERS = [key for key, *_ in FIGURES if key != "received" and key not in RATES]


@value
class TallyRow(Value):
    """A row of the tally: one team's month (or the issues no team is in charge of, or the total). Its
    JSON and its sheet cells are COLUMNS' keys in order (`received` as `received_<kind>`)."""

    month: str
    team: str
    activities: int
    served: int
    volunteer_minutes: int
    visits: int
    issues_received: int
    received: Mapping[str, int] = spread("received_")  # the issues received by kind, in the vocabulary's order
    issues_escalated: int
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
    chain_head: str

    def cells(self) -> dict[str, object]:
        """The row as a sheet reads it: COLUMNS' keys, in order."""
        return self.to_json()

    @classmethod
    def of(cls, counts: Mapping[str, object], settings: Mapping[str, str], head: str) -> "TallyRow":
        """A row from its month, team and COUNTS (`received_<kind>` among them), its rates derived from them."""
        flat = {key: counts[key] for key in ("month", "team", *COUNTS)}
        received = {kind: flat.pop(f"received_{kind}") for kind in ISSUE_KINDS}
        derived = rates({**flat, "received": flat["issues_received"]}, settings)  # type: ignore[dict-item]
        return cls(**flat, received=received, **derived, chain_head=head)  # type: ignore[arg-type]


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


@value
class TrendMonth(Value):
    """A month of the sheet's trend: the issues received in it and, of those, resolved or closed."""

    month: str
    received: int
    resolved: int


@value
class SheetLimits(Value):
    """The settings the figures were computed with, as the sheet's notes state them."""

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
class Monthly(Value):
    """The tally of one month as the ledger stood at the spec's as-of moment, with its chain head."""

    month: str
    since: dt.date
    until: dt.date
    as_of: dt.datetime
    scope: str
    chain_head: str
    rows: tuple[TallyRow, ...]
    total: TallyRow
    kpi: Kpis
    hot: tuple[HotSpot, ...]
    issues: tuple[IssueLine, ...]
    sources: tuple[Source, ...] | None = optional()  # only on a ledger that merged others
    sheet: FiledSheet | None = optional()  # only for the workbook

    # What each column means and how the filed sheet groups them: the report's, for whoever draws it.
    columns: ClassVar[tuple[ColumnNote, ...]]
    sheet_groups: ClassVar[tuple]

    @staticmethod
    def meanings() -> list[tuple[str, str]]:
        return meanings()


def build(store: "Store", spec: ReportSpec, sheet: bool = False) -> Monthly:
    """The tally of the spec's month as the ledger stood at its as-of moment: a row per team (and one
    for issues without a team) and a totals row, with the chain head it was computed at. `sheet`: also
    what the filed workbook needs beyond the figures (see `filed_sheet`)."""
    scope, (first, last), settings = spec.scope, spec.period.iso(), spec.settings
    month = first[:7]  # type: ignore[index]  # a month's period has a first day
    _, head = store.head()
    r = Reports(store, scope.query(), first, last, spec.as_of_iso)
    acts = {row["key"]: row for row in r.activities("team")}
    visits = {row["key"]: row for row in r.visits("team", households=False)}
    credited = r.visit_minutes("team")
    issues = {row["key"]: row for row in r.issue_counts("team")}
    cohort = r.cohort(first_callback=spec.first_callback)
    received: dict[int | None, list] = {}  # the cohort by team, gathered once
    for c in cohort:
        received.setdefault(c["team_id"], []).append(c)
    teams = [(t["id"], t["name"]) for t in r.teams()]
    # Issues in a place may be handled by a team from elsewhere, or by none: they get rows too.
    known = {t for t, _ in teams}
    for team_id in sorted((set(issues) | set(received)) - known, key=lambda t: (t is None, t or 0)):
        teams.append((team_id, r.team_name(team_id) if team_id is not None else tr("（未指定服务队）", "(no team)")))
    rows = []
    for team_id, name in teams:
        a, v, i = acts.get(team_id), visits.get(team_id), issues.get(team_id)
        mine = received.get(team_id, [])
        k = kpis(mine, settings)
        counts = {
            "month": month, "team": name,
            "activities": a["count"] if a else 0, "served": a["served"] if a else 0,
            "volunteer_minutes": (a["minutes"] if a else 0) + credited.get(team_id, 0),
            "visits": v["count"] if v else 0,
            "issues_received": k.received,
            **{f"received_{kind}": sum(1 for c in mine if c["kind"] == kind) for kind in ISSUE_KINDS},
            "issues_escalated": int(i["escalated"] or 0) if i else 0,
            **{key: getattr(k, key) for key in _WORK_ORDERS},
        }
        rows.append(TallyRow.of(counts, settings, head))
    cells = [row.cells() for row in rows]
    total = {"month": month, "team": tr("合计", "total"), **{c: sum(row[c] for row in cells) for c in COUNTS}}
    listed = tuple(IssueLine(**dict(x)) for x in r.issues())
    return Monthly(
        month=month,
        since=spec.period.since,  # type: ignore[arg-type]
        until=spec.period.until,
        as_of=spec.as_of,
        scope=scope.label,
        chain_head=head,
        rows=tuple(rows),
        total=TallyRow.of(total, settings, head),
        kpi=kpis(cohort, settings),
        hot=hot(cohort),
        issues=listed,
        sources=sources(r),
        sheet=filed_sheet(store, spec, cohort, listed) if sheet else None,
    )


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
    ("比率(%)", "rates (%)", tuple((key, zh.removesuffix("(%)").replace("按时办结率", "按时\n办结率"),
                                   en.removesuffix(" %")) for key, zh, en, *_ in FIGURES if key in RATES)),
)
TREND_MONTHS = 12


def meanings() -> list[tuple[str, str]]:
    """Each column of the filed sheet with what it counts, in the user's language (from COLUMNS)."""
    said = {key: (tr(zh, en), tr(mzh, men)) for key, zh, en, mzh, men in COLUMNS}
    said["volunteer_hours"] = (tr("志愿服务时长(小时)", "volunteer hours"),
                               tr("本月活动的志愿服务时长，按小时计，保留一位小数", "volunteer time of the month's "
                                  "activities in hours, to one decimal"))
    return [said["team"], *(said[key] for _, _, columns in SHEET_GROUPS for key, *_ in columns)]


def filed_sheet(store: "Store", spec: ReportSpec, cohort: list, issues: tuple[IssueLine, ...]) -> FiledSheet:
    """What the filed workbook shows beyond the figures: whose sheet it is (the scope, else the
    ledger's name or place), who files and reviews it (settings report_unit — else the issuer —,
    report_preparer, report_reviewer) and on which day (the as-of day), each issue's standing
    against its limits, 受理/办结 of the twelve months ending with this one, each month as
    its own report gives it at the same moment, and the month's roster (names masked; none for a
    --place sheet: the roster scopes by team only)."""
    from huidesk.reports.roster import masked, roster

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
        limits=SheetLimits(settings["response_limit_hours"], settings["resolve_limit_days"],
                           settings["basically_weight"], settings["callback_reading"]),
        issues=_standing(issues, cohort, settings),
        trend=trend(store, spec),
        roster=None if scope.place_path is not None else masked(roster(store, spec), False),
    )


def _standing(issues: tuple[IssueLine, ...], cohort: list, settings: Mapping[str, str]) -> tuple[IssueStanding, ...]:
    """Each issue's standing against its limits (see IssueStanding)."""
    from huidesk.domain.lifecycle import DONE, limits

    limit_of = limits(settings)
    rows = {row[0]: row for row in cohort}
    shown = []
    for issue in issues:
        _id, _team, kind, nature, _cat, _place, state, _resp, resolve, age, *_, answer, satisfaction = rows[issue.id]
        limit = limit_of(kind, nature)[1]
        done = state in DONE
        if not done:
            answer = satisfaction = None
        shown.append(IssueStanding(issue, overdue=not done and age > limit,
                                   on_time=resolve <= limit if done else None,
                                   elapsed_minutes=resolve if done else age, answer=answer, satisfaction=satisfaction))
    return tuple(shown)


def trend(store: "Store", spec: ReportSpec, n: int = TREND_MONTHS) -> tuple[TrendMonth, ...]:
    """受理 and 办结 of the `n` months ending with the spec's month: the issues received in each month
    and, of those, the ones resolved or closed at the as-of moment (the meanings of the monthly columns)."""
    from huidesk.domain.lifecycle import DONE
    from huidesk.reports.kpis import months

    first, last = spec.period.since or spec.period.until, spec.period.until
    back = first.year * 12 + first.month - n  # months since year 0 of the first month shown
    start = dt.date(back // 12, back % 12 + 1, 1)
    counts = {m: [0, 0] for m in months(start.isoformat(), last.isoformat())}
    for issue in Reports(store, spec.scope.query(), start.isoformat(), last.isoformat(), spec.as_of_iso).issues():
        month = counts[issue["received_at"][:7]]
        month[0] += 1
        month[1] += issue["state"] in DONE
    return tuple(TrendMonth(m, received, resolved) for m, (received, resolved) in counts.items())


Monthly.columns = tuple(ColumnNote(*column) for column in COLUMNS)
Monthly.sheet_groups = SHEET_GROUPS
