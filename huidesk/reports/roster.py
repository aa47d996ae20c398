"""`report roster` (花名册): one row per member with their registration number, teams, volunteer hours
from activities and from visits in the period, services, and the star level of the 中国注册志愿者
scale on cumulative hours. The monthly workbook's roster sheet reuses `roster`.

What each column means is in COLUMNS, the one place the table notes, the sheet and README read it.
"""

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from huidesk.domain.figures import hours
from huidesk.domain.hours import STAR_HOURS, star_level, stars
from huidesk.ledger.roster import roster_rows
from huidesk.reports.spec import Period, ReportSpec
from huidesk.reports.values import ColumnNote, Value, value

if TYPE_CHECKING:
    from huidesk.ledger.store import Store

_SCALE = "、".join(f"{h}小时{'★' * n}" for n, h in enumerate(STAR_HOURS, 1))
_SCALE_EN = ", ".join(f"{'★' * n} {h} h" for n, h in enumerate(STAR_HOURS, 1))

# key, Chinese header, English header, Chinese meaning, English meaning: one meaning per column.
COLUMNS = [
    ("id", "编号", "id", "队员编号（注册编号相同的几条队员记录合为一行，如街道合并的各社区的同一人）",
     "the member's id (member records sharing a registration number are one row, e.g. a street's merged communities)"),
    ("name", "姓名", "name", "队员姓名（全名：队员在证明上署名、在台账上具名）",
     "the member's name in full (volunteers sign certificates and are named in the paper)"),
    ("reg_no", "注册编号", "registration no.", "志愿者注册编号（member add/edit --reg-no）",
     "the volunteer registration number (member add/edit --reg-no)"),
    ("teams", "服务队", "teams", "期末所在的服务队", "the teams the member is in at the end of the period"),
    ("activity_hours", "活动时长(小时)", "activity hours", "期内参加活动的志愿服务时长（每人时长之和）",
     "volunteer hours from the period's activities (the member's own time in each)"),
    ("visit_hours", "走访时长(小时)", "visit hours", "期内走访的志愿服务时长（每次走访计给每位走访队员的时长之和）",
     "volunteer hours from the period's visits (each visit's time is credited to every member who went)"),
    ("hours", "合计时长(小时)", "total hours", "活动时长＋走访时长（按分钟相加，保留一位小数）",
     "activity plus visit hours (added in minutes, one decimal)"),
    ("services", "服务次数", "services", "期内参加的活动次数＋走访次数", "activities plus visits in the period"),
    ("cumulative_hours", "累计时长(小时)", "cumulative hours",
     "截至期末（--until）的全部志愿服务时长，不受 --since、--team 限制",
     "all volunteer hours up to the end of the period (--until), whatever --since and --team"),
    ("stars", "星级", "stars", f"按累计时长评定（中国注册志愿者星级：{_SCALE}；不足100小时无星）",
     f"from the cumulative hours (the 中国注册志愿者 scale: {_SCALE_EN}; none below 100 h)"),
]
_MINUTES = ("activity_minutes", "visit_minutes", "minutes", "cumulative_minutes")
# What a person's member records add up to when they share a registration number.
_SUMMED = ("activity_minutes", "visit_minutes", "activities", "visits", "cumulative_minutes")


@value
class RosterRow(Value):
    """A person: member records sharing a registration number are one row (a street's merged communities).
    Hours are Decimals with one decimal; the exact minutes travel beside them."""

    id: int
    name: str
    reg_no: str | None
    teams: tuple[str, ...]
    activity_minutes: int
    visit_minutes: int
    activities: int
    visits: int
    cumulative_minutes: int
    minutes: int
    activity_hours: Decimal
    visit_hours: Decimal
    hours: Decimal
    services: int
    cumulative_hours: Decimal
    star_level: int
    stars: str

    def cells(self) -> dict[str, object]:
        """The row as a sheet holds it: teams joined by 、."""
        return {**self.to_json(), "teams": "、".join(self.teams)}


@value
class RosterTotal(Value):
    """The roster's 合计: the rows' minutes, services and hours added up, and how many members."""

    activity_minutes: int
    visit_minutes: int
    minutes: int
    activities: int
    visits: int
    services: int
    members: int
    activity_hours: Decimal
    visit_hours: Decimal
    hours: Decimal


@value
class Roster(Value):
    """The volunteer roster (花名册) of a period: a row per person, the total, what each column means
    and the chain head it was read at."""

    period: Period
    team: str | None  # the team the roster is of; None: every member
    rows: tuple[RosterRow, ...]
    total: RosterTotal
    columns: tuple[ColumnNote, ...]  # what each column means (the table notes, the sheet and README read them)
    chain_head: str


def roster(store: "Store", spec: ReportSpec) -> Roster:
    """The roster of the spec's period (since None: from the beginning), of every member or, with a team
    as the spec's scope, of that team: its members in the period and anyone who served in its
    activities or visits then, the period's hours and services counting that team's records only.
    Names are as stored: `shown` gives them as a listing shows them."""
    first, last = spec.period.iso()
    team = spec.scope.team_id
    people: dict[tuple, dict] = {}  # one row a person: member records sharing a registration number are one
    voided = store.voided_since(spec.as_of_iso)  # a record voided after the moment is still counted
    for r in roster_rows(store, first, last, team, voided):
        key = ("reg_no", r["reg_no"]) if r["reg_no"] else ("id", r["id"])
        row = people.get(key)
        if row is None:
            people[key] = {"id": r["id"], "name": r["name"], "reg_no": r["reg_no"], "teams": _names(r["teams"]),
                           **{k: r[k] for k in _SUMMED}}
            continue
        row["teams"] += [t for t in _names(r["teams"]) if t not in row["teams"]]  # a street's merged communities
        for k in _SUMMED:
            row[k] += r[k]
    rows = []
    total = {key: 0 for key in ("activity_minutes", "visit_minutes", "minutes", "activities", "visits", "services")}
    for row in people.values():
        minutes = row["activity_minutes"] + row["visit_minutes"]
        level = star_level(row["cumulative_minutes"])
        row.update({
            "teams": tuple(row["teams"]), "minutes": minutes, "activity_hours": hours(row["activity_minutes"]),
            "visit_hours": hours(row["visit_minutes"]), "hours": hours(minutes),
            "services": row["activities"] + row["visits"], "cumulative_hours": hours(row["cumulative_minutes"]),
            "star_level": level, "stars": stars(level),
        })
        rows.append(RosterRow(**row))
        for key in total:
            total[key] += row[key]
    _, head = store.head()
    return Roster(
        period=spec.period,
        team=spec.scope.label if team is not None else None,
        rows=tuple(rows),
        total=RosterTotal(**total, members=len(rows), activity_hours=hours(total["activity_minutes"]),
                          visit_hours=hours(total["visit_minutes"]), hours=hours(total["minutes"])),
        columns=tuple(ColumnNote(*column) for column in COLUMNS),
        chain_head=head,
    )


def shown(found: Roster, with_pii: bool) -> Roster:
    """The roster as a listing shows it: members' names by privacy's one rule (in full: volunteers sign
    certificates and are named in the paper)."""
    from huidesk.domain.privacy import shown as detail

    def row(r: RosterRow) -> RosterRow:
        name = detail("member", "name", r.name, with_pii)
        return r if name == r.name else replace(r, name=name)

    return replace(found, rows=tuple(map(row, found.rows)))


def _names(teams: str | None) -> list[str]:
    import json

    return json.loads(teams) if teams else []
