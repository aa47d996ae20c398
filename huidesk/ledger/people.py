"""Who and where, a table object each (huidesk/ledger/table.py): places (a path of levels), units that
take dispatched issues, service teams, their members and memberships, and the residents they serve."""

from __future__ import annotations  # the tables' `list` methods would shadow list[...] in later annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from huidesk.domain.errors import Ambiguous, Duplicate, InvalidTransition, InvalidValue
from huidesk.domain.i18n import tr
from huidesk.ledger.sql import escape_like, under, where
from huidesk.ledger.table import Table

if TYPE_CHECKING:
    from huidesk.ledger.tx import Tx


class Places(Table):
    """Places: a path of levels (市/区/街道/社区/小区/楼栋), each with its parent."""

    def add(self, tx: "Tx", path: str, level: str | None) -> list[dict]:
        """Create a place and any missing ancestors; returns the places created (may be none)."""
        from huidesk.domain.places import guess_level, split_path

        parts = split_path(path)
        parent = None
        start = 0
        # Anchor on the longest prefix that names one existing place (so `金凤区/新小区` lands
        # under `银川市/金凤区`); an ambiguous prefix is an error, not a guess.
        for k in range(len(parts), 0, -1):
            prefix = "/".join(parts[:k])
            rows = self.read.all(
                "SELECT id, path, level FROM places"
                " WHERE (path = ? OR path LIKE ? ESCAPE '\\') AND void_reason IS NULL",
                (prefix, "%/" + escape_like(prefix)),
            )
            if len(rows) > 1:
                exact = [r for r in rows if r["path"] == prefix]
                if len(exact) != 1:
                    raise Ambiguous(tr("地点", "place"), prefix, [r["path"] for r in rows], "path")
                rows = exact
            if rows:
                parent, start = rows[0], k
                break
        if parent is None:
            parent = self._own_place(parts)
        if start == len(parts):
            if level and parent["level"] != level:
                raise InvalidValue(
                    "level", level, tr(f"{parent['path']} 已存在，层级不同", "place exists with another level")
                )
            return []
        created = []
        parent_level = parent["level"] if parent else None
        parent_path = parent["path"] if parent else None
        parent_id = parent["id"] if parent else None
        for i, name in enumerate(parts[start:], start):
            last = i == len(parts) - 1
            lvl = level if (last and level) else guess_level(name, parent_level)
            p = f"{parent_path}/{name}" if parent_path else name
            pid = tx.insert("places", {"parent_id": parent_id, "name": name, "level": lvl, "path": p})
            created.append({"id": pid, "path": p, "level": lvl})
            parent_id, parent_path, parent_level = pid, p, lvl
        return created

    def _own_place(self, parts: list[str]) -> sqlite3.Row | None:
        """Where a path that names no existing place goes: under the ledger's own place (紫园社区's
        `3号楼` is 紫园社区/3号楼), unless it is a path from the top that shares the own place's first level
        (the street's tree of its sources); None for a ledger without a place."""
        row = self.read.one("SELECT value FROM _settings WHERE key = 'ledger_place'")
        if row is None or not row[0]:
            return None
        own = self.read.one("SELECT id, path, level FROM places WHERE path = ? AND void_reason IS NULL", (row[0],))
        if own is None or parts[0] == own["path"].split("/", 1)[0]:
            return None
        return own

    def list(self, below: sqlite3.Row | None = None) -> list[sqlite3.Row]:
        """Live places (at or under `below`), by path, with how many teams and residents each has."""
        sql = (
            "SELECT p.id, p.path, p.name, p.level, p.parent_id,"
            " (SELECT count(*) FROM teams t WHERE t.place_id = p.id AND t.void_reason IS NULL) AS teams,"
            " (SELECT count(*) FROM residents r WHERE r.place_id = p.id AND r.void_reason IS NULL) AS residents"
            " FROM places p WHERE p.void_reason IS NULL"
        )
        extra, args = where(under("p.path", below))
        return self.read.all(sql + extra + " ORDER BY p.path", args)


class Units(Table):
    """Units that take dispatched issues: departments, companies, organisations."""

    def add(self, tx: "Tx", name: str, kind: str, place_id: int | None) -> int:
        if self.read.one("SELECT 1 FROM units WHERE name = ?", (name,)):
            raise InvalidValue("name", name, tr("已有同名单位", "a unit with this name exists"))
        return tx.insert("units", {"name": name, "kind": kind, "place_id": place_id})

    def list(self) -> list[sqlite3.Row]:
        return self.read.all(
            "SELECT u.id, u.name, u.kind, p.path AS place FROM units u LEFT JOIN places p ON p.id = u.place_id"
            " WHERE u.void_reason IS NULL ORDER BY u.id"
        )


class Teams(Table):
    """Service teams (服务队), each at a place, with a line, a leader and a founding day."""

    def add(self, tx: "Tx", team: Mapping[str, object], leader_joined: str) -> int:
        clash = self.read.one("SELECT 1 FROM teams WHERE place_id = ? AND name = ?", (team["place_id"], team["name"]))
        if clash:
            raise InvalidValue("name", team["name"], tr("该地点已有同名服务队", "a team of this name exists there"))
        tid = tx.insert("teams", team)
        if team.get("leader_id"):
            self.store.memberships.join(tx, int(team["leader_id"]), tid, leader_joined)
        return tid

    def list(
        self, place: sqlite3.Row | None = None, on: str | None = None, team_id: int | None = None
    ) -> list[sqlite3.Row]:
        on = on or "9999-12-31"
        sql = (
            "SELECT t.id, t.name, t.line, p.path AS place, m.name AS leader, t.founded,"
            " (SELECT count(*) FROM memberships s WHERE s.team_id = t.id AND s.void_reason IS NULL"
            "   AND s.joined <= ? AND (s.left IS NULL OR s.left > ?)) AS members"
            " FROM teams t JOIN places p ON p.id = t.place_id LEFT JOIN members m ON m.id = t.leader_id"
            " WHERE t.void_reason IS NULL"
        )
        extra, args = where(under("p.path", place), ("t.id = ?", team_id))
        return self.read.all(sql + extra + " ORDER BY t.id", [on, on, *args])

    def members(self, team_id: int) -> list[sqlite3.Row]:
        """A team's members, those still in it first."""
        return self.read.all(
            "SELECT m.id, m.name, s.joined, s.left, m.phone,"
            " (SELECT group_concat(role, ',') FROM (SELECT role FROM member_roles r WHERE r.member_id = m.id"
            " ORDER BY r.id))"
            "   AS roles"
            " FROM memberships s JOIN members m ON m.id = s.member_id"
            " WHERE s.team_id = ? AND s.void_reason IS NULL AND m.void_reason IS NULL"
            " ORDER BY s.left IS NOT NULL, m.id",
            (team_id,),
        )


class Members(Table):
    """Members (队员): volunteers with their roles, in one or more teams (memberships)."""

    def add(self, tx: "Tx", member: Mapping[str, object], team_ids: Sequence[int], roles: Sequence[str],
                   allow_duplicate: bool = False) -> int:
        """A member; a second live member of the same name is refused unless `allow_duplicate` (two
        王磊 are then told apart as 王磊#11)."""
        if not allow_duplicate:
            same = self.read.one(
                "SELECT id FROM members WHERE name = ? AND void_reason IS NULL ORDER BY id LIMIT 1", (member["name"],)
            )
            if same:
                raise Duplicate(tr("队员", "member"), str(member["name"]), same[0], "")
        self._reg_no_free(member.get("reg_no"))
        mid = tx.insert("members", member)
        for role in roles:
            tx.insert("member_roles", {"member_id": mid, "role": role})
        for tid in team_ids:
            self.store.memberships.join(tx, mid, tid, str(member["joined"]))
        return mid

    def _reg_no_free(self, reg_no: object, member_id: int | None = None) -> None:
        """Refuse a registration number another live member holds."""
        if reg_no is None:
            return
        holder = self.read.one(
            "SELECT id, name FROM members WHERE reg_no = ? AND void_reason IS NULL AND id IS NOT ?",
            (reg_no, member_id),
        )
        if holder:
            raise InvalidValue(
                "reg_no", reg_no,
                tr(f"已是队员 #{holder['id']} {holder['name']} 的注册编号",
                   f"already the registration number of member #{holder['id']} {holder['name']}"),
            )

    def edit(self, tx: "Tx", member_id: int, changes: Mapping[str, object]) -> None:
        """Change a member's editable fields (registration number, phone); None clears one."""
        if "reg_no" in changes:
            self._reg_no_free(changes["reg_no"], member_id)
        tx.update("members", member_id, changes)

    def list(
        self, team_id: int | None = None, role: str | None = None, member_id: int | None = None
    ) -> list[sqlite3.Row]:
        sql = (
            "SELECT m.id, m.name, m.reg_no, m.phone, m.joined,"
            " (SELECT group_concat(role, ',') FROM (SELECT role FROM member_roles r WHERE r.member_id = m.id"
            " ORDER BY r.id))"
            "   AS roles,"
            " (SELECT group_concat(name, ',') FROM (SELECT t.name FROM memberships s JOIN teams t ON t.id = s.team_id"
            "   WHERE s.member_id = m.id AND s.left IS NULL AND s.void_reason IS NULL ORDER BY s.id)) AS teams"
            " FROM members m WHERE m.void_reason IS NULL"
        )
        extra, args = where(
            ("EXISTS (SELECT 1 FROM memberships s WHERE s.member_id = m.id AND s.team_id = ?"
             " AND s.left IS NULL AND s.void_reason IS NULL)", team_id),
            ("EXISTS (SELECT 1 FROM member_roles r WHERE r.member_id = m.id AND r.role = ?)", role),
            ("m.id = ?", member_id),
        )
        return self.read.all(sql + extra + " ORDER BY m.id", args)

    def person(self, ref: str, field: str) -> dict:
        """The person `ref` names — a registration number (注册编号), or a member as `Store.find` reads a
        reference — with every live member record sharing their registration number (a volunteer
        registered in two communities a street merged): {"id" (the first record), "ids", "name", "joined"
        (the earliest), "reg_no"}. Namesakes sharing one registration number are that one person;
        namesakes without one stay apart, and the error listing them names each one's community."""
        from huidesk.domain.errors import Candidate
        from huidesk.ledger.communities import Communities

        text = ref.strip()
        rows = self.read.all("SELECT id, name, joined, reg_no FROM members WHERE reg_no = ? AND void_reason IS NULL"
                             " ORDER BY id", (text,)) if text else []
        if not rows:
            try:
                rows = [self.store.find("members", ref, field)]
            except Ambiguous as e:
                ids = [c.id for c in e.candidates if isinstance(c, Candidate)]
                marks = ", ".join("?" * len(ids))
                found = self.read.all(f"SELECT id, name, reg_no FROM members WHERE id IN ({marks}) ORDER BY id", ids)
                people = {r["reg_no"] or f"#{r['id']}": r for r in found}
                if len(people) != 1 or len(ids) != len(e.candidates):
                    places = Communities(self.store)
                    shown = [Candidate(r["id"], r["name"], "；".join(
                        x for x in (places.member(r["id"]).name, r["reg_no"] and tr(f"注册编号 {r['reg_no']}",
                                                                                    f"reg. no. {r['reg_no']}")) if x)
                        or None) for r in people.values()]
                    raise Ambiguous(e.kind, e.ref, shown, field) from None
                rows = found[:1]
            reg_no = self.read.value("SELECT reg_no FROM members WHERE id = ?", (rows[0]["id"],))
            if reg_no is not None:
                rows = self.read.all("SELECT id, name, joined, reg_no FROM members WHERE reg_no = ?"
                                     " AND void_reason IS NULL ORDER BY id", (reg_no,))
        ids = [r["id"] for r in rows]
        marks = ", ".join("?" * len(ids))
        records = self.read.all(f"SELECT id, name, joined, reg_no FROM members WHERE id IN ({marks}) ORDER BY id", ids)
        joined = [r["joined"] for r in records if r["joined"]]
        return {"id": ids[0], "ids": ids, "name": records[0]["name"], "joined": min(joined) if joined else None,
                "reg_no": records[0]["reg_no"]}

    def history(self, member_id: int) -> list[sqlite3.Row]:
        """A member's times in teams, earliest first."""
        return self.read.all(
            "SELECT t.id AS team_id, t.name AS team, s.joined, s.left"
            " FROM memberships s JOIN teams t ON t.id = s.team_id"
            " WHERE s.member_id = ? AND s.void_reason IS NULL ORDER BY s.joined, s.id",
            (member_id,),
        )


class Memberships(Table):
    """A member's time in a team: joined, and left (NULL while in it)."""

    def join(self, tx: "Tx", member_id: int, team_id: int, on: str) -> int:
        """The member joins the team on `on` (refused while they are in it)."""
        current = self.read.one(
            "SELECT id FROM memberships WHERE team_id = ? AND member_id = ? AND left IS NULL AND void_reason IS NULL",
            (team_id, member_id),
        )
        if current:
            raise InvalidTransition(tr("该队员已在这支服务队中", "the member is already in this team"))
        return tx.insert("memberships", {"team_id": team_id, "member_id": member_id, "joined": on})

    def leave(self, tx: "Tx", member_id: int, team_id: int, on: str) -> int:
        """The member leaves the team on `on` (not before joining it)."""
        current = self.read.one(
            "SELECT id, joined FROM memberships WHERE team_id = ? AND member_id = ? AND left IS NULL"
            " AND void_reason IS NULL",
            (team_id, member_id),
        )
        if not current:
            raise InvalidTransition(tr("该队员不在这支服务队中", "the member is not in this team"))
        if on < current["joined"]:
            raise InvalidValue(
                "date", on, tr(f"早于入队日期 {current['joined']}", f"before joining on {current['joined']}")
            )
        tx.update("memberships", current["id"], {"left": on})
        return current["id"]


class Residents(Table):
    """Residents (居民) the teams serve, each at a place, with tags and a visit cadence."""

    def add(self, tx: "Tx", resident: Mapping[str, object], tags: Sequence[str],
                     allow_duplicate: bool = False) -> int:
        """A resident; a second live resident of the same name at the same place is refused unless
        `allow_duplicate`."""
        if not allow_duplicate:
            same = self.read.one(
                "SELECT r.id, p.name FROM residents r JOIN places p ON p.id = r.place_id"
                " WHERE r.name = ? AND r.place_id = ? AND r.void_reason IS NULL ORDER BY r.id LIMIT 1",
                (resident["name"], resident["place_id"]),
            )
            if same:
                raise Duplicate(tr("居民", "resident"), str(resident["name"]), same[0], same[1])
        rid = tx.insert("residents", resident)
        for tag in tags:
            tx.insert("resident_tags", {"resident_id": rid, "tag": tag})
        return rid

    def list(
        self, place: sqlite3.Row | None = None, tag: str | None = None, resident_id: int | None = None
    ) -> list[sqlite3.Row]:
        sql = (
            "SELECT r.id, r.name, p.path AS place, r.born, r.phone, r.visit_every, r.consent,"
            " (SELECT group_concat(tag, ',') FROM (SELECT tag FROM resident_tags g WHERE g.resident_id = r.id"
            "   ORDER BY g.id)) AS tags,"
            " (SELECT max(v.date) FROM visit_residents vr JOIN visits v ON v.id = vr.visit_id"
            "   WHERE vr.resident_id = r.id AND v.void_reason IS NULL) AS last_visit"
            " FROM residents r JOIN places p ON p.id = r.place_id WHERE r.void_reason IS NULL"
        )
        extra, args = where(
            under("p.path", place),
            ("EXISTS (SELECT 1 FROM resident_tags g WHERE g.resident_id = r.id AND g.tag = ?)", tag),
            ("r.id = ?", resident_id),
        )
        return self.read.all(sql + extra + " ORDER BY r.id", args)

    def visits(self, resident_id: int) -> list[sqlite3.Row]:
        """A resident's live visits, latest first."""
        return self.read.all(
            "SELECT v.id, v.date, t.name AS team, v.purpose FROM visit_residents vr JOIN visits v ON v.id = vr.visit_id"
            " JOIN teams t ON t.id = v.team_id WHERE vr.resident_id = ? AND v.void_reason IS NULL ORDER BY v.date DESC",
            (resident_id,),
        )
