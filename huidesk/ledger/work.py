"""What the teams do, a table object each (huidesk/ledger/table.py): visits, activities, consultation
meetings and their parties, residents' wishes, service cards and member-resident pairings."""

from __future__ import annotations  # the tables' `list` methods would shadow list[...] in later annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from huidesk.domain.errors import InvalidTransition, InvalidValue, NotFound
from huidesk.domain.i18n import tr
from huidesk.ledger.sql import under, where
from huidesk.ledger.table import Table

if TYPE_CHECKING:
    from huidesk.domain.records import Wish
    from huidesk.ledger.tx import Tx


class Meetings(Table):
    """Consultation meetings (协商会议): parties, a decision, perhaps for an issue."""

    def add(
        self, tx: "Tx", meeting: Mapping[str, object], parties: Sequence[Mapping[str, object]], at: str
    ) -> int:
        """A meeting with its parties; for an issue, also its `consulted` event at `at`."""
        mid = tx.insert("meetings", meeting)
        for party in parties:
            tx.insert("meeting_parties", {"meeting_id": mid, **party})
        if meeting.get("issue_id"):
            self.store.issues.add_event(tx, int(meeting["issue_id"]), "consulted", at,  # type: ignore[arg-type]
                                        meeting_id=mid)
        return mid

    def party(self, text: str, field: str = "party") -> dict[str, object]:
        """A party by `unit:`, `member:`, `resident:` or `name:` prefix; else a unit or member whose name
        matches, else a party named only (律师, 楼栋长)."""
        text = text.strip()
        if not text or not text.isprintable() or len(text) > 100:
            raise InvalidValue(field, text, tr("请写出参会方名称", "name the party"))
        prefix, _, rest = text.partition(":")
        kinds = {"unit": "units", "member": "members", "resident": "residents", "单位": "units", "队员": "members",
                 "居民": "residents"}
        if rest and prefix in kinds:
            table = kinds[prefix]
            return {table[:-1] + "_id": self.store.find(table, rest, field)["id"]}
        if rest and prefix in ("name", "名称"):
            return {"name": rest.strip()}
        for table, exact_only in (("units", False), ("members", True)):
            try:
                row = self.store.find(table, text, field)
            except NotFound:
                continue
            if exact_only and row["name"] != text:
                continue
            return {table[:-1] + "_id": row["id"]}
        return {"name": text}

    def list(
        self, issue_id: int | None = None, since: str | None = None, until: str | None = None
    ) -> list[sqlite3.Row]:
        sql = (
            "SELECT g.id, g.date, g.issue_id, p.path AS place, g.decision,"
            " (SELECT group_concat(coalesce(u.name, m.name, r.name, x.name), '、') FROM meeting_parties x"
            "   LEFT JOIN units u ON u.id = x.unit_id LEFT JOIN members m ON m.id = x.member_id"
            "   LEFT JOIN residents r ON r.id = x.resident_id WHERE x.meeting_id = g.id) AS parties"
            " FROM meetings g LEFT JOIN places p ON p.id = g.place_id WHERE g.void_reason IS NULL"
        )
        extra, args = where(("g.issue_id = ?", issue_id), ("g.date >= ?", since), ("g.date <= ?", until))
        return self.read.all(sql + extra + " ORDER BY g.date, g.id", args)


class Visits(Table):
    """Visits (走访): members of a team visit one or more residents."""

    def add(
        self, tx: "Tx", visit: Mapping[str, object], resident_ids: Sequence[int], member_ids: Sequence[int]
    ) -> int:
        """A visit with one row per resident visited and per member who went (duplicates collapsed)."""
        vid = tx.insert("visits", visit)
        tx.link("visit_residents", "visit_id", vid, "resident_id", resident_ids)
        tx.link("visit_members", "visit_id", vid, "member_id", member_ids)
        return vid

    def add_many(self, tx: "Tx", visits: list[Mapping[str, object]], residents: list[Sequence[int]],
                 members: list[Sequence[int]]) -> None:
        """Visits read from an import file, each written as `add` writes one (its resident and member rows
        after it), in one call: the bulk path of `import visits`."""
        tx.insert_linked("visits", visits, (("visit_residents", "visit_id", "resident_id"),
                                            ("visit_members", "visit_id", "member_id")),
                         list(zip(residents, members, strict=True)))

    def list(
        self,
        *,
        team_id: int | None = None,
        place: sqlite3.Row | None = None,
        resident_id: int | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[sqlite3.Row]:
        """Live visits, oldest first; `residents` is a JSON array of names (the caller masks them),
        `place` matches visits to a resident living at or under it."""
        sql = (
            "SELECT v.id, v.date, v.team_id, t.name AS team,"
            " (SELECT json_group_array(name) FROM (SELECT r.name FROM visit_residents vr"
            "   JOIN residents r ON r.id = vr.resident_id WHERE vr.visit_id = v.id ORDER BY vr.id)) AS residents,"
            " (SELECT group_concat(name, '、') FROM (SELECT m.name FROM visit_members vm"
            "   JOIN members m ON m.id = vm.member_id WHERE vm.visit_id = v.id ORDER BY vm.id)) AS members,"
            " v.purpose, v.gifts, v.note, v.follow_up, v.minutes_each"
            " FROM visits v JOIN teams t ON t.id = v.team_id WHERE v.void_reason IS NULL"
        )
        lives, at = under("p.path", place)
        extra, args = where(
            ("v.team_id = ?", team_id),
            ("EXISTS (SELECT 1 FROM visit_residents vr WHERE vr.visit_id = v.id AND vr.resident_id = ?)", resident_id),
            ("EXISTS (SELECT 1 FROM visit_residents vr JOIN residents r ON r.id = vr.resident_id"
             "   JOIN places p ON p.id = r.place_id WHERE vr.visit_id = v.id"
             f"   AND {lives})", at),
            ("v.date >= ?", since),
            ("v.date <= ?", until),
        )
        return self.read.all(sql + extra + " ORDER BY v.date, v.id", args)


class Activities(Table):
    """Activities (活动): a team's themed volunteer activity, its volunteers, people served and hours."""

    def add(
        self, tx: "Tx", activity: Mapping[str, object], member_ids: Sequence[int], minutes_each: int
    ) -> int:
        """An activity and, for each member named, the minutes they served."""
        aid = tx.insert("activities", activity)
        for mid in dict.fromkeys(member_ids):
            tx.insert("activity_members", {"activity_id": aid, "member_id": mid, "minutes": minutes_each})
        return aid

    def list(
        self,
        *,
        team_id: int | None = None,
        theme: str | None = None,
        place: sqlite3.Row | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[sqlite3.Row]:
        """Live activities, oldest first; an activity without a place of its own is at its team's place."""
        sql = (
            "SELECT a.id, a.date, a.team_id, t.name AS team, a.theme, a.title, coalesce(ap.path, tp.path) AS place,"
            " a.volunteers,"
            " (SELECT group_concat(name, '、') FROM (SELECT m.name FROM activity_members am"
            "   JOIN members m ON m.id = am.member_id WHERE am.activity_id = a.id ORDER BY am.id)) AS members,"
            " a.served, a.minutes"
            " FROM activities a JOIN teams t ON t.id = a.team_id JOIN places tp ON tp.id = t.place_id"
            " LEFT JOIN places ap ON ap.id = a.place_id WHERE a.void_reason IS NULL"
        )
        extra, args = where(
            ("a.team_id = ?", team_id),
            ("a.theme = ?", theme),
            under("coalesce(ap.path, tp.path)", place),
            ("a.date >= ?", since),
            ("a.date <= ?", until),
        )
        return self.read.all(sql + extra + " ORDER BY a.date, a.id", args)


class Wishes(Table):
    """Residents' wishes (微心愿): listed, claimed by a member, fulfilled."""

    # The columns of `Wish`, in its order.
    _WISHES = (
        "SELECT w.id, w.resident_id, r.name AS resident, w.text,"
        " CASE WHEN w.fulfilled IS NOT NULL THEN 'fulfilled' WHEN w.claimed IS NOT NULL THEN 'claimed'"
        "   ELSE 'listed' END AS state,"
        " w.listed, w.member_id, m.name AS member, w.claimed, w.fulfilled"
        " FROM wishes w JOIN residents r ON r.id = w.resident_id LEFT JOIN members m ON m.id = w.member_id"
        " WHERE w.void_reason IS NULL"
    )

    def add(self, tx: "Tx", wish: Mapping[str, object]) -> int:
        return tx.insert("wishes", wish)

    def get(self, wish_id: int, field: str = "wish_id") -> Wish:
        """A live wish by id, with its derived state."""
        from huidesk.domain.records import Wish

        in_range = 0 < wish_id < 2**63
        found = self.read.records(Wish, self._WISHES + " AND w.id = ?", (wish_id,)) if in_range else []
        if not found:
            raise NotFound(tr("微心愿", "wish"), wish_id, field=field)
        return found[0]

    def claim(self, tx: "Tx", wish_id: int, member_id: int, on: str) -> Wish:
        """A member claims a listed wish on `on` (not before it was listed)."""
        w = self.get(wish_id)
        if w.state == "fulfilled":
            raise InvalidTransition(
                tr(
                    f"微心愿 #{wish_id} 已于 {w.fulfilled} 实现，不能再认领",
                    f"wish #{wish_id} was fulfilled on {w.fulfilled}",
                )
            )
        if w.state == "claimed":
            raise InvalidTransition(
                tr(
                    f"微心愿 #{wish_id} 已由 {w.member} 于 {w.claimed} 认领",
                    f"wish #{wish_id} was claimed by {w.member} on {w.claimed}",
                )
            )
        if on < w.listed:
            raise InvalidValue(
                "date", on, tr(f"早于登记日期 {w.listed}", f"before the wish was listed on {w.listed}")
            )
        tx.update("wishes", wish_id, {"member_id": member_id, "claimed": on})
        return w

    def fulfil(self, tx: "Tx", wish_id: int, on: str) -> Wish:
        """A claimed wish comes true on `on` (not before it was claimed)."""
        w = self.get(wish_id)
        if w.state == "fulfilled":
            raise InvalidTransition(
                tr(
                    f"微心愿 #{wish_id} 已于 {w.fulfilled} 实现",
                    f"wish #{wish_id} was already fulfilled on {w.fulfilled}",
                )
            )
        if w.state == "listed":
            raise InvalidTransition(
                tr(
                    f"微心愿 #{wish_id} 还没有人认领：先 huidesk wish claim {wish_id} --member 队员",
                    f"wish #{wish_id} is not claimed yet: first huidesk wish claim {wish_id} --member M",
                )
            )
        if on < w.claimed:  # type: ignore[operator]
            raise InvalidValue(
                "date", on, tr(f"早于认领日期 {w.claimed}", f"before the wish was claimed on {w.claimed}")
            )
        tx.update("wishes", wish_id, {"fulfilled": on})
        return w

    def list(
        self, *, state: str | None = None, resident_id: int | None = None, member_id: int | None = None
    ) -> "list[Wish]":
        from huidesk.domain.records import Wish

        extra, args = where(("state = ?", state), ("resident_id = ?", resident_id), ("member_id = ?", member_id))
        return self.read.records(Wish, f"SELECT * FROM ({self._WISHES}) WHERE 1{extra} ORDER BY id", args)


class Cards(Table):
    """Service cards (服务卡) issued to residents, numbered per kind."""

    def issue(self, tx: "Tx", card: Mapping[str, object]) -> tuple[int, str]:
        """A card with its number: the one given (refused if that kind already has it, void cards
        included: 0012 and 12 are the same number), else the next after the highest of that kind."""
        kind, no = str(card["kind"]), card.get("no")
        if no is None:
            no = self.next_no(kind)
        else:
            clash = self.read.one(
                "SELECT id, no, void_reason FROM cards WHERE kind = ? AND (no = ? OR (? NOT GLOB '*[^0-9]*'"
                " AND no NOT GLOB '*[^0-9]*' AND ltrim(no, '0') = ltrim(?, '0')))",
                (kind, no, no, no),
            )
            if clash:
                void = tr("，已作废", ", void") if clash["void_reason"] is not None else ""
                raise InvalidValue(
                    "no",
                    no,
                    tr(
                        f"{kind}已有这个卡号：卡 #{clash['id']}，卡号 {clash['no']}{void}",
                        f"this {kind} number is taken: card #{clash['id']}, number {clash['no']}{void}",
                    ),
                )
        cid = tx.insert("cards", {**card, "no": no})
        return cid, str(no)

    def next_no(self, kind: str) -> str:
        """One more than the highest all-digit number of this kind, zero-padded to 4 digits (or wider
        if the kind already uses wider numbers): 0001, 0002, ..."""
        row = self.read.one(
            "SELECT ltrim(no, '0') AS n,"
            " (SELECT max(length(no)) FROM cards WHERE kind = ? AND no NOT GLOB '*[^0-9]*')"
            " AS width FROM cards WHERE kind = ? AND no NOT GLOB '*[^0-9]*'"
            " ORDER BY length(ltrim(no, '0')) DESC, ltrim(no, '0') DESC LIMIT 1",
            (kind, kind),
        )
        highest = int(row["n"] or 0) if row else 0
        width = max(4, row["width"] if row else 0)
        return str(highest + 1).zfill(width)

    def list(self, *, kind: str | None = None, resident_id: int | None = None) -> list[sqlite3.Row]:
        sql = (
            "SELECT c.id, c.kind, c.no, c.resident_id, r.name AS resident, c.date"
            " FROM cards c JOIN residents r ON r.id = c.resident_id WHERE c.void_reason IS NULL"
        )
        extra, args = where(("c.kind = ?", kind), ("c.resident_id = ?", resident_id))
        return self.read.all(sql + extra + " ORDER BY c.id", args)


class Pairings(Table):
    """Pairings (结对): a member paired with a resident, since a day."""

    def add(self, tx: "Tx", pairing: Mapping[str, object]) -> int:
        """A member paired with a resident; a second open pairing of the same two is refused."""
        current = self.read.one(
            "SELECT p.id, p.since, m.name AS member, r.name AS resident FROM pairings p"
            " JOIN members m ON m.id = p.member_id JOIN residents r ON r.id = p.resident_id"
            " WHERE p.member_id = ? AND p.resident_id = ? AND p.until IS NULL AND p.void_reason IS NULL",
            (pairing["member_id"], pairing["resident_id"]),
        )
        if current:
            raise InvalidTransition(
                tr(
                    f"{current['member']} 与 {current['resident']} 已结对"
                    f"（结对 #{current['id']}，自 {current['since']} 起）",
                    f"{current['member']} and {current['resident']} are already paired"
                    f" (#{current['id']}, since {current['since']})",
                )
            )
        return tx.insert("pairings", pairing)

    def list(self, *, member_id: int | None = None, resident_id: int | None = None) -> list[sqlite3.Row]:
        sql = (
            "SELECT p.id, p.member_id, m.name AS member, p.resident_id, r.name AS resident, p.since, p.until, p.note"
            " FROM pairings p JOIN members m ON m.id = p.member_id JOIN residents r ON r.id = p.resident_id"
            " WHERE p.void_reason IS NULL"
        )
        extra, args = where(("p.member_id = ?", member_id), ("p.resident_id = ?", resident_id))
        return self.read.all(sql + extra + " ORDER BY p.id", args)
