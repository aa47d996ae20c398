"""`report monthly`: a month's tally by team and by issue kind, with totals and the work-order KPIs.

Every count column is additive: the totals row is the sum of the team rows (issues with no team
have a row of their own), and the months of a year add up to the year. Rates are derived from
counts that travel with them, so anyone can recompute them.
"""

import datetime as dt
from typing import TYPE_CHECKING

from huidesk.domain.figures import rate
from huidesk.domain.i18n import tr
from huidesk.domain.vocab import VOCABS
from huidesk.ledger.queries import Reports, Scope
from huidesk.reports.kpis import ISSUE_KINDS, kpis

if TYPE_CHECKING:
    from huidesk.ledger.store import Store

# key, Chinese header, English header
COLUMNS = [
    ("month", "月份", "month"),
    ("team", "服务队", "team"),
    ("activities", "活动(次)", "activities"),
    ("served", "服务人次", "served"),
    ("volunteer_minutes", "志愿服务时长(分钟)", "volunteer minutes"),
    ("visits", "走访(次)", "visits"),
    ("issues_received", "受理诉求(件)", "issues received"),
    *[(f"received_{k}", zh, f"received: {VOCABS['issue_kind'][k][-1]}") for k, zh in (
        ("suggestion", "意见建议"), ("livelihood", "民生问题"), ("safety_hazard", "安全隐患"), ("risk", "风险隐患"),
        ("dispute", "矛盾纠纷"), ("non_police", "非警务事项"), ("infrastructure", "基础设施"))],
    ("issues_resolved", "本月办结(件)", "resolved this month"),
    ("received_resolved", "本月受理已办结(件)", "received and resolved"),
    ("issues_escalated", "上报(件)", "escalated"),
    ("responded_in_time", "按时响应(件)", "responded in time"),
    ("callbacks", "回访(件)", "callbacks"),
    ("callbacks_resolved", "回访已解决(件)", "callbacks: resolved"),
    ("satisfied", "满意(件)", "satisfied"),
    ("basically_satisfied", "基本满意(件)", "basically satisfied"),
    ("response_rate", "响应率(%)", "response rate %"),
    ("closure_rate", "办结率(%)", "closure rate %"),
    ("resolution_rate", "解决率(%)", "resolution rate %"),
    ("satisfaction_rate", "满意率(%)", "satisfaction rate %"),
    ("chain_head", "账本链头", "chain head"),
]
RATES = ("response_rate", "closure_rate", "resolution_rate", "satisfaction_rate")
LABELS = ("month", "team", "chain_head")
COUNTS = [key for key, _, _ in COLUMNS if key not in RATES and key not in LABELS]


def build(store: "Store", scope: Scope, first: dt.date, last: dt.date) -> dict:
    """The tally of one month: a row per team (and one for issues without a team) and a totals row,
    with the chain head it was computed at."""
    month = first.isoformat()[:7]
    settings, (_, head) = store.settings(), store.head()
    r = Reports(store, scope, first.isoformat(), last.isoformat())
    acts = {row["key"]: row for row in r.activities("team")}
    visits = {row["key"]: row for row in r.visits("team", households=False)}
    issues = {row["key"]: row for row in r.issue_counts("team")}
    cohort, callbacks = r.cohort(), r.callbacks()
    received: dict[int | None, list] = {}  # the cohort and the callbacks by team, gathered once
    answered: dict[int | None, list] = {}
    for c in cohort:
        received.setdefault(c["team_id"], []).append(c)
    for c in callbacks:
        answered.setdefault(c["team_id"], []).append(c)
    teams = [(t["id"], t["name"]) for t in r.teams()]
    # Issues in a place may be handled by a team from elsewhere, or by none: they get rows too.
    known = {t for t, _ in teams}
    for team_id in sorted((set(issues) | set(received)) - known, key=lambda t: (t is None, t or 0)):
        teams.append((team_id, r.team_name(team_id) if team_id is not None else tr("（未指定服务队）", "(no team)")))
    rows = []
    for team_id, name in teams:
        a, v, i = acts.get(team_id), visits.get(team_id), issues.get(team_id)
        mine = received.get(team_id, [])
        k = kpis(mine, answered.get(team_id, []), settings)
        row = {
            "month": month, "team": name,
            "activities": a["count"] if a else 0, "served": a["served"] if a else 0,
            "volunteer_minutes": a["minutes"] if a else 0, "visits": v["count"] if v else 0,
            "issues_received": int(i["received"] or 0) if i else 0,
            **{f"received_{kind}": sum(1 for c in mine if c["kind"] == kind) for kind in ISSUE_KINDS},
            "issues_resolved": int(i["resolved"] or 0) if i else 0,
            "issues_escalated": int(i["escalated"] or 0) if i else 0,
            "received_resolved": k["resolved"],
            **{key: k[key] for key in ("responded_in_time", "callbacks", "callbacks_resolved", "satisfied",
                                       "basically_satisfied")},
        }
        rows.append(_with_rates(row, settings, head))
    total = {"month": month, "team": tr("合计", "total"), **{c: sum(row[c] for row in rows) for c in COUNTS}}
    return {
        "month": month,
        "since": first.isoformat(),
        "until": last.isoformat(),
        "scope": scope.label,
        "chain_head": head,
        "rows": rows,
        "total": _with_rates(total, settings, head),
        "kpi": kpis(cohort, callbacks, settings),
        "issues": [dict(x) for x in r.issues()],
    }


def _with_rates(row: dict, settings: dict, head: str) -> dict:
    from decimal import Decimal

    weight = Decimal(settings["basically_weight"])
    row["response_rate"] = rate(row["responded_in_time"], row["issues_received"])
    row["closure_rate"] = rate(row["received_resolved"], row["issues_received"])
    row["resolution_rate"] = rate(row["callbacks_resolved"], row["callbacks"])
    row["satisfaction_rate"] = rate(row["satisfied"] + weight * row["basically_satisfied"], row["callbacks"])
    row["chain_head"] = head
    return row
