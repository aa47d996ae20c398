"""Which villages, communities and compounds a report's records lie in: «覆盖N个村、社区的M个小区» counts the
places a period's work was done at or under (an activity's place, else its team's home; a visited household's;
an issue's), not every place registered."""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from huidesk.ledger.sql import period

if TYPE_CHECKING:
    from huidesk.ledger.queries import Reports


def worked_places(r: "Reports") -> set[int]:
    """The places with work in the period: of its activities (an activity's own place, else its team's
    home) and of the households visited in it (the issues' places the caller has)."""
    teams, targs = r.scope.team_filter("a.team_id")
    when, pargs = period("a.date", r.since, r.until)
    live, largs = r.live("a")
    found = {r[0] for r in r.read.all(
        f"SELECT DISTINCT coalesce(a.place_id, t.place_id) FROM activities a JOIN teams t ON t.id = a.team_id"
        f" WHERE {live} AND {teams} AND {when}", largs + targs + pargs)}
    kept, day = r.homes()
    teams, targs = r.scope.team_filter("h.team_id" if r.facts else "v.team_id")
    when, pargs = period(day if r.facts else "v.date", r.since, r.until)
    if r.facts:  # a look-up per resident in the kept households by resident
        homes = f"SELECT 1 FROM {kept} WHERE h.resident_id = r.id AND {teams} AND {when}"
        largs = []
    else:
        live, largs = r.live("v")
        homes = (f"SELECT 1 FROM visit_residents vr JOIN visits v ON v.id = vr.visit_id WHERE vr.resident_id = r.id"
                 f" AND {live} AND {teams} AND {when}")
    found |= {r[0] for r in r.read.all(f"SELECT DISTINCT r.place_id FROM residents r WHERE EXISTS ({homes})",
                                      largs + targs + pargs)}
    return found

def covered(r: "Reports", place_ids: Iterable[int]) -> dict[str, int]:
    """{"villages", "communities", "compounds"}: the live ones in scope at or above any of `place_ids`
    (the places a period's records were at: a community counts when work was done in it)."""
    places, args = r.scope.places()
    live, largs = r.live("p")
    levels = {r[0]: (r[1], r[2]) for r in r.read.all(
        f"SELECT p.path, p.level, p.name FROM places p WHERE p.level IN ('community', 'compound') AND {live}"
        f" AND p.id IN ({places})", largs + args)}
    wanted = set(place_ids)
    paths = [path for place, path in r.paths().items() if place in wanted]
    found: set[str] = set()
    for path in paths:
        parts = path.split("/")
        found.update(prefix for prefix in ("/".join(parts[:n]) for n in range(1, len(parts) + 1))
                     if prefix in levels)
    kinds = [levels[p] for p in found]
    return {"villages": sum(1 for level, name in kinds if level == "community" and name.endswith("村")),
            "communities": sum(1 for level, name in kinds if level == "community" and not name.endswith("村")),
            "compounds": sum(1 for level, _ in kinds if level == "compound")}
