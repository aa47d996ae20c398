"""A volunteer-service record (志愿服务记录证明) for one member, as data."""

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

from huidesk.domain.figures import hours
from huidesk.ledger.queries import service_record

if TYPE_CHECKING:
    from huidesk.ledger.store import Store


def build(store: "Store", member: object, since: dt.date | None, until: dt.date, today: dt.date) -> dict:
    """Identity, teams, hours and content by month, issuer, and a number derived from the member's
    uid and the period (the same record asked for again gets the same number on the same day)."""
    record = service_record(store, member["id"], since.isoformat() if since else None, until.isoformat())
    by_month: dict[str, dict] = {}

    def month_of(key: str) -> dict:
        return by_month.setdefault(key, {"month": key, "minutes": 0, "activities": 0, "visits": 0, "content": []})

    for a in record["activities"]:
        month = month_of(a["month"])
        month["minutes"] += a["minutes"]
        month["activities"] += 1
        month["content"].append(a["title"] or a["theme"])
    for key, n in record["visits"].items():
        month_of(key)["visits"] = n
    months = [by_month[k] for k in sorted(by_month)]
    total = sum(x["minutes"] for x in months)
    digest = hashlib.sha256(f"{record['uid']}|{since}|{until}".encode()).hexdigest()[:6].upper()
    return {
        "certificate_no": f"HD{today:%Y%m%d}-{member['id']:05d}-{digest}",
        "date": today.isoformat(),
        "issuer": store.settings()["issuer"] or None,
        "member": {"id": member["id"], "name": member["name"], "joined": member["joined"]},
        "teams": record["teams"],
        "period": {"since": since.isoformat() if since else None, "until": until.isoformat()},
        "total_minutes": total,
        "total_hours": hours(total),
        "by_month": [{**x, "hours": hours(x["minutes"])} for x in months],
    }
