"""A volunteer-service record (志愿服务记录证明) for one member, as data."""

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

from huidesk.domain.figures import hours
from huidesk.ledger.roster import member_identity, member_services, member_teams

if TYPE_CHECKING:
    from huidesk.ledger.store import Store


def build(store: "Store", member: object, since: dt.date | None, until: dt.date, today: dt.date) -> dict:
    """Identity, teams, hours and content by month, each service (activities and visits) with its
    day and the hours credited to the member, issuer, and a number derived from the member's uid and
    the period (the same record asked for again gets the same number on the same day). The total is
    the member's time in activities plus the time credited for each visit (`visit add --hours`)."""
    services = member_services(store, member["id"], since.isoformat() if since else None, until.isoformat())
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
    months = [by_month[k] for k in sorted(by_month)]
    total = sum(x["minutes"] for x in services)
    identity = member_identity(store, member["id"])
    digest = hashlib.sha256(f"{identity['uid']}|{since}|{until}".encode()).hexdigest()[:6].upper()
    return {
        "certificate_no": f"HD{today:%Y%m%d}-{member['id']:05d}-{digest}",
        "date": today.isoformat(),
        "issuer": store.settings()["issuer"] or None,
        "member": {"id": member["id"], "name": member["name"], "joined": member["joined"],
                   "reg_no": identity["reg_no"]},
        "teams": member_teams(store, member["id"]),
        "period": {"since": since.isoformat() if since else None, "until": until.isoformat()},
        "total_minutes": total,
        "total_hours": hours(total),
        "by_month": [{**x, "hours": hours(x["minutes"])} for x in months],
        "services": [{**x, "hours": hours(x["minutes"])} for x in services],
    }
