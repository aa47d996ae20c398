"""A volunteer-service record (志愿服务记录证明) for one member, as a `Certificate`."""

import datetime as dt
import hashlib
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from huidesk.domain.figures import hours
from huidesk.ledger.roster import member_identity, member_services, member_teams
from huidesk.reports.spec import Period, ReportSpec
from huidesk.reports.values import Value, optional, value

if TYPE_CHECKING:
    from huidesk.ledger.store import Store


@value
class CertifiedMember(Value):
    """The member a record certifies: id, name, when they joined and their registration number."""

    id: int
    name: str
    joined: str | None
    reg_no: str | None


@value
class TeamSpell(Value):
    """A member's time in a team: its name, when they joined and left (None: still in it), and for a person
    registered in more than one community, the team's village or community."""

    name: str
    joined: str
    left: str | None
    community: str | None = optional()


@value
class ServiceMonth(Value):
    """A month of service: minutes, activities and visits, and what the activities were (title or theme)."""

    month: str
    minutes: int
    activities: int
    visits: int
    content: tuple[str, ...]
    hours: Decimal


@value
class Service(Value):
    """An activity or a visit, with the minutes credited to the member."""

    kind: str  # activity or visit
    id: int
    date: str
    team: str
    theme: str | None
    title: str | None
    purpose: str | None
    residents: int | None  # a visit's residents
    minutes: int
    hours: Decimal


@value
class Certificate(Value):
    """A volunteer-service record (志愿服务记录证明): its number and date, the issuer, the member and their
    teams, the period, the hours in all and by month, and each service."""

    certificate_no: str
    date: dt.date
    issuer: str | None
    member: CertifiedMember
    teams: tuple[TeamSpell, ...]
    period: Period
    total_minutes: int
    total_hours: Decimal
    by_month: tuple[ServiceMonth, ...]
    services: tuple[Service, ...]


def build(store: "Store", spec: ReportSpec, member: Mapping) -> Certificate:
    """Identity, teams, hours and content by month, each service (activities and visits) with its
    day and the hours credited to the member, issuer, and a number derived from the member's uid and
    the period (the same record asked for again gets the same number on the same day). The total is
    the member's time in activities plus the time credited for each visit (`visit add --hours`).

    `member`: a member record, or a person (`store.members.person`) whose "ids" are every member record
    sharing their registration number: the services of every one of them count, each team named with
    its community."""
    since, until = spec.period.since, spec.period.until
    member = dict(member)
    ids = list(member.get("ids") or [member["id"]])
    services = member_services(store, ids, *spec.period.iso())
    by_month: dict[str, dict] = {}
    for x in services:
        month = by_month.setdefault(x["date"][:7], {"month": x["date"][:7], "minutes": 0, "activities": 0,
                                                    "visits": 0, "content": []})
        month["minutes"] += x["minutes"]
        if x["kind"] == "activity":
            month["activities"] += 1
            month["content"].append(x["title"] or x["theme"])
        else:
            month["visits"] += 1
    total = sum(x["minutes"] for x in services)
    identity = member_identity(store, ids[0])
    digest = hashlib.sha256(f"{identity['uid']}|{since}|{until}".encode()).hexdigest()[:6].upper()
    return Certificate(
        certificate_no=f"HD{spec.today:%Y%m%d}-{member['id']:05d}-{digest}",
        date=spec.today,
        issuer=spec.settings["issuer"] or None,
        member=CertifiedMember(member["id"], member["name"], member["joined"], identity["reg_no"]),
        teams=_spells(store, ids),
        period=spec.period,
        total_minutes=total,
        total_hours=hours(total),
        by_month=tuple(ServiceMonth(**{**m, "content": tuple(m["content"])}, hours=hours(m["minutes"]))
                       for _, m in sorted(by_month.items())),
        services=tuple(Service(**x, hours=hours(x["minutes"])) for x in services),
    )


def _spells(store: "Store", ids: list[int]) -> tuple[TeamSpell, ...]:
    """A person's times in teams; for one registered in more than one community, each with its community."""
    spells = member_teams(store, ids)
    if len(ids) < 2:
        return tuple(TeamSpell(t["name"], t["joined"], t["left"], None) for t in spells)
    from huidesk.ledger.communities import Communities

    places = Communities(store)
    return tuple(TeamSpell(t["name"], t["joined"], t["left"], places.team(t["team_id"]).name or None) for t in spells)
