"""Which village or community (村/社区) a team, an issue or a member is of: what a street's reports count
by, beside the teams.

A record's community is the community-level place (社区/村) its place is at or under; failing one, the
source ledger it was merged from (a source named 紫园社区 whose places are not called so); failing that,
this ledger's own (本级: a street's own teams at the street). An issue counts where its team does (so
its community's row is the sum of its teams' rows), and where its own place is when no team is in
charge. Reads through the store's `read`, so a warehouse (whose merge history is empty) answers by
places alone.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from huidesk.ledger.store import Store


@dataclass(frozen=True, slots=True)
class Community:
    """A village or community a report counts by: `key` tells it apart (its place's path, a source
    ledger's uid, or None for this ledger's own), `name` is what a sheet shows, `place` its path."""

    key: str | None
    name: str
    place: str | None


OWN = Community(None, "", None)  # this ledger's own records: named by the report (本级)


class Communities:
    """The communities of one ledger (or warehouse), read once: community-level places, the source
    ledgers merged here and where each team and each merged issue came from."""

    def __init__(self, store: "Store", own_name: str = "") -> None:
        """`own_name`: this ledger's name, which its own row (本级) is called by."""
        read = store.read
        self.own_name = own_name
        self._places = {r[0] for r in read.all(
            "SELECT path FROM places WHERE level = 'community' AND void_reason IS NULL")}
        self._sources = {r[0]: (r[1], r[2], r[3]) for r in read.all("SELECT id, uid, name, place FROM _sources")}
        self._teams = {r[0]: (r[1], r[2]) for r in read.all(
            "SELECT t.id, p.path, (SELECT min(g.source_id) FROM _merged g WHERE g.tbl = 'teams' AND g.rid = t.id)"
            " FROM teams t JOIN places p ON p.id = t.place_id")}
        self.read = read
        self._issues: dict[int, tuple[int, int]] | None = None

    @property
    def merged(self) -> bool:
        """Whether this ledger merged other ledgers (a street's)."""
        return bool(self._sources)

    def at(self, path: str | None, source_id: int | None = None) -> Community:
        """The community of a record at place `path`, merged from source `source_id` (None: its own)."""
        if path:
            parts = path.split("/")
            for n in range(len(parts), 0, -1):
                prefix = "/".join(parts[:n])
                if prefix in self._places:
                    return Community(prefix, parts[n - 1], prefix)
        if source_id is not None and source_id in self._sources:
            uid, name, place = self._sources[source_id]
            return Community(place or uid, name, place or None)
        return OWN

    def team(self, team_id: int) -> Community:
        """The community of a team."""
        path, source = self._teams.get(team_id, (None, None))
        return self.at(path, source)

    def issue(self, issue_id: int, team_id: int | None, place: str) -> Community:
        """The community an issue counts in: its team's; with no team in charge, its own place's."""
        if team_id is not None:
            return self.team(team_id)
        return self.at(place, self._origins().get(issue_id, (None, None))[0])

    def member(self, member_id: int) -> Community:
        """The community of a member: their team's (the one they are still in, else the first they were in),
        else that of the ledger they were merged from."""
        team = self.read.value(
            "SELECT team_id FROM memberships WHERE member_id = ? AND void_reason IS NULL"
            " ORDER BY (left IS NULL) DESC, id LIMIT 1", (member_id,))
        found = self.team(team) if team is not None else OWN
        if found.key is None:
            source = self.read.value("SELECT min(source_id) FROM _merged WHERE tbl = 'members' AND rid = ?",
                                     (member_id,))
            found = self.at(None, source)
        return found

    def issue_numbers(self, issue_ids: Iterable[int]) -> dict[int, int]:
        """Each merged issue's number in the ledger it came from (its row id there), by its id here."""
        origins = self._origins()
        return {i: origins[i][1] for i in issue_ids if i in origins}

    def _origins(self) -> dict[int, tuple[int, int]]:
        """Each merged issue's (source, row id in that source), by its id here: the first source that
        brought it."""
        if self._issues is None:
            self._issues = {} if not self._sources else {r[0]: (r[1], r[2]) for r in self.read.all(
                "SELECT g.rid, g.source_id, g.source_rid FROM _merged g WHERE g.tbl = 'issues'"
                " AND g.source_id = (SELECT min(h.source_id) FROM _merged h WHERE h.tbl = 'issues' AND h.rid = g.rid)")}
        return self._issues
