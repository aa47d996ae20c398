"""What is late (`due`): issues past their deadline or not responded to in time, residents due a visit,
wishes nobody has claimed — as the ledger stands at a moment."""

from typing import TYPE_CHECKING

from huidesk.ledger.issues import issue_columns, joined, kept_or_derived, live_events, own_deadline

if TYPE_CHECKING:
    from huidesk.ledger.store import Store


def due(store: "Store", now: str, today: str, settings: dict[str, str]) -> list[dict]:
    """What is late, longest first within each kind: issues past their own deadline or their resolve
    limit, or not responded to within their response limit (the events the setting response_events
    names), residents past their visit cadence, wishes nobody has claimed. An exempted issue (核减) is
    late for nothing."""
    from huidesk.domain.lifecycle import deadlines
    from huidesk.domain.settings import setting_events

    limit_of = deadlines(settings)
    events = setting_events(settings)
    rows = store.read.rows
    late = []
    derived, args = kept_or_derived(issue_columns(now), now)
    own, oargs = joined(own_deadline(now))
    live, largs = live_events(now)
    contact = f"(SELECT min(e.at) FROM issue_events e WHERE e.issue_id = i.id AND {live} AND e.event = 'contacted')"
    for row in rows(
        f"SELECT * FROM (SELECT i.id, i.kind, i.nature, i.text, p.path AS place, i.received_at,{derived},{own},"
        f" {contact} AS contacted_at, (julianday(?) - julianday(i.received_at)) * 1440 AS age FROM issues i"
        f" JOIN _issue_facts f ON f.issue_id = i.id JOIN places p ON p.id = i.place_id"
        f" WHERE i.void_reason IS NULL AND i.received_at <= ?)"
        " WHERE state NOT IN ('resolved', 'closed') AND NOT exempt",
        [*args, *oargs, *largs, now, now],
    ):
        import datetime as dt

        response, resolve, _ = limit_of(row["received_at"], row["kind"], row["nature"])
        if row["due_at"] is not None:
            resolve = (dt.datetime.fromisoformat(row["due_at"]) - dt.datetime.fromisoformat(row["received_at"])
                       ).total_seconds() / 60
        responded = (row["first_response_at"] is not None and "dispatched" in events) or (
            row["contacted_at"] is not None and "contacted" in events)
        if row["age"] > resolve:
            detail, limit = "resolve", resolve
        elif not responded and row["age"] > response:
            detail, limit = "response", response
        else:
            continue
        late.append({
            "what": "issue", "id": row["id"], "subject": row["text"], "place": row["place"],
            "since": row["received_at"][:10], "late_minutes": round(row["age"] - limit), "detail": detail,
        })
    for row in rows(
        "SELECT r.id, r.name, p.path AS place, r.visit_every, last.date AS last_visit,"
        " julianday(?) - julianday(coalesce(last.date, ?)) - r.visit_every AS late_days"
        " FROM residents r JOIN places p ON p.id = r.place_id"
        " LEFT JOIN (SELECT vr.resident_id, max(v.date) AS date FROM visit_residents vr"
        "   JOIN visits v ON v.id = vr.visit_id"
        "   WHERE v.void_reason IS NULL AND v.date <= ? GROUP BY 1) last ON last.resident_id = r.id"
        " WHERE r.void_reason IS NULL AND r.visit_every IS NOT NULL",
        (today, "0001-01-01", today),
    ):
        if row["last_visit"] is None:
            late.append({"what": "resident", "id": row["id"], "subject": row["name"], "place": row["place"],
                         "since": None, "late_minutes": None, "detail": "never visited"})
        elif row["late_days"] > 0:
            late.append({"what": "resident", "id": row["id"], "subject": row["name"], "place": row["place"],
                         "since": row["last_visit"], "late_minutes": round(row["late_days"] * 1440),
                         "detail": f"every {row['visit_every']} days"})
    for row in rows(
        "SELECT w.id, w.text, w.listed, p.path AS place, julianday(?) - julianday(w.listed) AS waiting"
        " FROM wishes w JOIN residents r ON r.id = w.resident_id JOIN places p ON p.id = r.place_id"
        " WHERE w.void_reason IS NULL AND w.listed <= ? AND (w.claimed IS NULL OR w.claimed > ?)",
        (today, today, today),
    ):
        late.append({"what": "wish", "id": row["id"], "subject": row["text"], "place": row["place"],
                     "since": row["listed"], "late_minutes": round(row["waiting"] * 1440), "detail": "not claimed"})
    order = {"issue": 0, "resident": 1, "wish": 2}
    never = 10**12  # never visited: the latest of all
    late.sort(key=lambda x: (order[x["what"]], -(never if x["late_minutes"] is None else x["late_minutes"]), x["id"]))
    return late
