"""The ledger: connection, schema and migrations, journaled writes, references and queries.

Every write goes through ``Store.write()``: one ``BEGIN IMMEDIATE`` transaction that also
appends the journal entry describing it. The store never prints.
"""

import datetime as dt
import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from huidesk.domain.errors import Ambiguous, HuideskError, InvalidTransition, InvalidValue, LedgerError, NotFound
from huidesk.domain.i18n import tr
from huidesk.ledger.journal import GENESIS, EntryHash, content_digest, digest, link_digester

# Bump together with each migration added to huidesk/migrations.py (a test checks they agree);
# a ledger whose user_version equals it opens without importing the migration machinery.
SCHEMA_VERSION = 0
BUSY_TIMEOUT_MS = 60_000

# Tables a user can name (void, log) with their Chinese names; all carry uid and void columns.
RECORD_TABLES = {
    "places": ("地点", "place"),
    "units": ("单位", "unit"),
    "teams": ("服务队", "team"),
    "members": ("队员", "member"),
    "memberships": ("入队记录", "membership"),
    "residents": ("居民", "resident"),
    "visits": ("走访", "visit"),
    "activities": ("活动", "activity"),
    "issues": ("诉求", "issue"),
    "issue_events": ("诉求事件", "issue event"),
    "meetings": ("协商会议", "meeting"),
    "wishes": ("微心愿", "wish"),
    "cards": ("服务卡", "card"),
    "pairings": ("结对", "pairing"),
}
# Rows that belong to a record above and are written with it.
LINK_TABLES = (
    "member_roles",
    "resident_tags",
    "visit_residents",
    "visit_members",
    "activity_members",
    "meeting_parties",
)
JOURNALED_TABLES = (*RECORD_TABLES, *LINK_TABLES, "_settings")

DEFAULT_SETTINGS = {
    "response_limit_hours": "24",
    "resolve_limit_days": "5",
    "basically_weight": "1",
    "issuer": "",
}


def table_name(text: str, field: str = "TABLE") -> str:
    """The table a user means by `visit`, `visits`, `走访`, `issue_event`..."""
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    for table, (zh, en) in RECORD_TABLES.items():
        if key in (table, zh, en.replace(" ", "_")) or (table == "pairings" and key == "pair"):
            return table
    choices = "、".join(f"{en}/{zh}" for zh, en in RECORD_TABLES.values())
    raise InvalidValue(field, text, tr(f"可选：{choices}", f"choose from: {choices}"))


def schema_sql() -> str:
    from importlib.resources import files

    try:
        return files("huidesk.data").joinpath("schema.sql").read_text(encoding="utf-8")
    except ModuleNotFoundError:  # running from a source checkout, where data/ sits beside huidesk/
        return (Path(__file__).resolve().parents[2] / "data" / "schema.sql").read_text(encoding="utf-8")


def statements(script: str) -> Iterator[str]:
    """Split an SQL script into complete statements (comments may contain semicolons)."""
    buf: list[str] = []
    for line in script.splitlines(keepends=True):
        buf.append(line)
        text = "".join(buf)
        if sqlite3.complete_statement(text):
            if text.strip() and not all(ln.strip().startswith("--") or not ln.strip() for ln in buf):
                yield text
            buf = []


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


_INSERT_JOURNAL_RECORD = "INSERT INTO _journal_records (entry_id, tbl, rid, op, digest) VALUES (?, ?, ?, ?, ?)"


class Tx:
    """One open write transaction; records what it writes for the journal entry."""

    def __init__(self, store: "Store", command: str) -> None:
        self.store, self.conn, self.command = store, store.conn, command
        row = self.conn.execute("SELECT id, hash FROM _journal ORDER BY id DESC LIMIT 1").fetchone()
        self.entry_id = (row[0] + 1) if row else 1
        self.prev = row[1] if row else GENESIS
        self.at = utc_now()
        self.hash = EntryHash(self.entry_id, self.at, store.actor, command, self.prev)
        self.count = 0
        self.written: list[tuple[str, int, str]] = []  # (table, id, op) of records, for messages and undo
        # While holding (see `holding`): rows waiting for `flush`, by table and columns, in the order
        # first seen (parents before children), their journal rows, and the next id of each table.
        self._held: dict[tuple[str, tuple[str, ...]], list[tuple]] | None = None
        self._held_journal: list[tuple] = []
        self._next_id: dict[str, int] = {}

    def _journal_record(self, table: str, rid: int, op: str, row: Mapping[str, object]) -> None:
        self._journal_digest(table, rid, op, digest(table, row))

    def _journal_digest(self, table: str, rid: int, op: str, d: str) -> None:
        params = (self.entry_id, table, rid, op, d)
        if self._held is not None:
            self._held_journal.append(params)
        else:
            self.conn.execute(_INSERT_JOURNAL_RECORD, params)
            if table in RECORD_TABLES:
                self.written.append((table, rid, op))
        self.hash.add(table, rid, op, d)
        self.count += 1

    def insert(self, table: str, values: Mapping[str, object]) -> int:
        row = {k: int(v) if v.__class__ is bool else v for k, v in values.items()}
        if table in RECORD_TABLES and "uid" not in row:
            row["uid"] = uuid.uuid4().hex
        if self._held is not None:
            rid = self._next_id.get(table) or self._first_free_id(table)
            self._next_id[table] = rid + 1
            self._held.setdefault((table, tuple(row)), []).append((rid, *row.values()))
        else:
            cols = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            rid = self.conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(row.values())).lastrowid
            assert rid is not None
        content = {"id": rid}  # what `digest` hashes: the row as stored, NULL columns left out
        content.update({k: v for k, v in row.items() if v is not None})
        self._journal_digest(table, rid, "insert", content_digest(table, content))
        return rid

    def link(self, table: str, parent: str, parent_id: int, child: str, child_ids: Iterable[int]) -> None:
        """One row (parent_id, child_id) per distinct child, journaled exactly as `insert` journals
        it. While holding, each digest is formatted straight from the two ids, without a dict and a
        JSON encoder per row: an import of a million visits writes millions of these."""
        children = dict.fromkeys(child_ids)
        if self._held is None:
            for cid in children:
                self.insert(table, {parent: parent_id, child: cid})
            return
        link_digest = link_digester(table, parent, child)
        held = self._held.setdefault((table, (parent, child)), [])
        rid = self._next_id.get(table) or self._first_free_id(table)
        for cid in children:
            held.append((rid, parent_id, cid))
            self._journal_digest(table, rid, "insert", link_digest(rid, parent_id, cid))
            rid += 1
        self._next_id[table] = rid

    def _first_free_id(self, table: str) -> int:
        return self.conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]

    @contextmanager
    def holding(self) -> Iterator["Tx"]:
        """Hold inserts back and write them with `executemany` at each `flush` (and at the end):
        the bulk path for imports and generated ledgers. Each row is journaled exactly as one
        `insert` journals it; ids are assigned here, inside the write lock, so they are known at
        once. Reads in between do not see held rows (an update writes them first); held rows are
        not listed in `written`, so memory stays flat however many rows go through."""
        if self._held is not None:
            yield self
            return
        self._held = {}
        try:
            yield self
            self.flush()
        finally:
            self._held, self._held_journal = None, []
            self._next_id.clear()

    @property
    def held(self) -> int:
        """How many rows (journal rows included) wait for `flush`."""
        return 2 * len(self._held_journal)

    def flush(self) -> None:
        """Write the held rows, parents before children."""
        if not self._held_journal:
            return
        held, journal = self._held, self._held_journal
        self._held, self._held_journal = {}, []
        for (table, cols), params in (held or {}).items():
            self.conn.executemany(f"INSERT INTO {table} (id, {', '.join(cols)}) VALUES (?{', ?' * len(cols)})", params)
        self.conn.executemany(_INSERT_JOURNAL_RECORD, journal)

    def insert_many(self, table: str, rows: Iterable[Mapping[str, object]], batch: int = 5000) -> range:
        """Insert rows of one table through `holding`, flushing every `batch` rows; returns their ids,
        which are consecutive, in the order of `rows`."""
        with self.holding():
            first = self._next_id.get(table) or self._first_free_id(table)
            n = 0
            for values in rows:
                self.insert(table, values)
                n += 1
                if n % batch == 0:
                    self.flush()
        return range(first, first + n)

    def update(self, table: str, rid: int, values: Mapping[str, object], op: str = "update") -> None:
        self.flush()
        sets = ", ".join(f"{k} = ?" for k in values)
        self.conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values.values(), rid))
        row = self.conn.execute(f"SELECT * FROM {table} WHERE id = ?", (rid,)).fetchone()
        self._journal_record(table, rid, op, dict(row))

    def void(self, table: str, rid: int, reason: str) -> None:
        self.update(table, rid, {"void_reason": reason, "void_at": utc_now()}, op="void")

    def finish(self) -> None:
        self.flush()
        if self.count:
            self.conn.execute(
                "INSERT INTO _journal (id, at, actor, command, prev, hash) VALUES (?, ?, ?, ?, ?, ?)",
                (self.entry_id, self.at, self.store.actor, self.command, self.prev, self.hash.hexdigest()),
            )


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path, actor: str) -> None:
        self.conn, self.path, self.actor = conn, path, actor

    @classmethod
    def open(cls, path: Path, actor: str, create: bool = False) -> "Store":
        """Open (or with `create`, make) a ledger, migrating an older schema."""
        path = Path(path).expanduser()
        if not path.exists():
            if not create:
                raise LedgerError(
                    tr(f"账本不存在：{path}（先运行 huidesk init）", f"no ledger at {path} (run huidesk init first)")
                )
            _create_private_file(path)
        try:
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            if os.environ.get("HUIDESK_SQL_LOG"):
                _log_sql(conn, Path(os.environ["HUIDESK_SQL_LOG"]))
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if mode != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            has_schema = conn.execute("SELECT 1 FROM sqlite_master WHERE name = '_journal'").fetchone()
        except sqlite3.DatabaseError as e:
            raise LedgerError(tr(f"不是 huidesk 账本：{path}（{e}）", f"not a huidesk ledger: {path} ({e})")) from e
        store = cls(conn, path, actor)
        if not has_schema:
            if not create and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise LedgerError(tr(f"不是 huidesk 账本：{path}", f"not a huidesk ledger: {path}"))
            store._create_schema()
        elif version != SCHEMA_VERSION:
            store._migrate(version)
        return store

    def close(self) -> None:
        self.conn.close()

    def _create_schema(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            if not self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = '_journal'").fetchone():
                for stmt in statements(schema_sql()):
                    self.conn.execute(stmt)
                if SCHEMA_VERSION:
                    from huidesk.ledger.migrations import mark_all_applied

                    mark_all_applied(self.conn)
                self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def _migrate(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise LedgerError(
                tr(
                    f"账本由更新版本的 huidesk 创建（架构版本 {version}），请升级 huidesk",
                    f"ledger made by a newer huidesk (schema {version}); upgrade huidesk",
                )
            )
        from huidesk.ledger.migrations import migrate

        migrate(self.conn, SCHEMA_VERSION)

    @contextmanager
    def write(self, command: str) -> Iterator[Tx]:
        """One transaction and its journal entry; rolled back whole on any error or Ctrl-C."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            tx = Tx(self, command)
            yield tx
            tx.finish()
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    # --- settings -------------------------------------------------------------------------

    def settings(self) -> dict[str, str]:
        rows = self.conn.execute("SELECT key, value FROM _settings ORDER BY key")
        return {**DEFAULT_SETTINGS, **{k: v for k, v in rows}}

    def set_setting(self, tx: Tx, key: str, value: str) -> None:
        row = self.conn.execute("SELECT id FROM _settings WHERE key = ?", (key,)).fetchone()
        if row is None:
            tx.insert("_settings", {"key": key, "value": value})
        else:
            tx.update("_settings", row["id"], {"value": value})

    def init_settings(self, tx: Tx) -> None:
        present = {r[0] for r in self.conn.execute("SELECT key FROM _settings")}
        for key, value in DEFAULT_SETTINGS.items():
            if key not in present:
                tx.insert("_settings", {"key": key, "value": value})

    # --- references -----------------------------------------------------------------------

    def find(self, table: str, ref: str, field: str) -> sqlite3.Row:
        """A live record by id, exact name or unique part of its name (places: by path too)."""
        kind = tr(*RECORD_TABLES[table])
        ref = ref.strip()
        if not ref:
            raise InvalidValue(field, ref, tr("不能为空", "must not be empty"))
        select = _SELECT[table]
        if as_id(ref) is not None:
            rows = self.conn.execute(f"{select} WHERE t.id = ? AND t.void_reason IS NULL", (as_id(ref),))
            row = rows.fetchone()
            if row is None:
                raise NotFound(kind, ref, field=field)
            return row
        if table == "places":
            tiers = [("t.path = ?", ref), ("t.path LIKE ? ESCAPE '\\'", "%/" + _like(ref))]
        else:
            tiers = [("t.name = ?", ref)]
        tiers.append(("t.name LIKE ? ESCAPE '\\'", "%" + _like(ref) + "%"))
        for where, arg in tiers:
            rows = self.conn.execute(f"{select} WHERE {where} AND t.void_reason IS NULL LIMIT 50", (arg,)).fetchall()
            if len(rows) == 1:
                return rows[0]
            if rows:
                raise Ambiguous(kind, ref, [_describe(r) for r in rows], field)
        raise NotFound(kind, ref, field=field)

    def find_id(self, table: str, ref: str | None, field: str) -> int | None:
        """The id of `ref` (see `find`), or None when no reference was given."""
        return self.find(table, ref, field)["id"] if ref else None

    def find_many(self, table: str, refs: Sequence[str], field: str) -> list[sqlite3.Row]:
        rows, seen = [], set()
        for ref in refs:
            row = self.find(table, ref, field)
            if row["id"] not in seen:
                seen.add(row["id"])
                rows.append(row)
        return rows

    # --- places ---------------------------------------------------------------------------

    def add_place(self, tx: Tx, path: str, level: str | None) -> list[dict]:
        """Create a place and any missing ancestors; returns the places created (may be none)."""
        from huidesk.domain.places import guess_level, split_path

        parts = split_path(path)
        parent = None
        start = 0
        # Anchor on the longest prefix that names one existing place (so `金凤区/新小区` lands
        # under `银川市/金凤区`); an ambiguous prefix is an error, not a guess.
        for k in range(len(parts), 0, -1):
            prefix = "/".join(parts[:k])
            rows = self.conn.execute(
                "SELECT id, path, level FROM places WHERE (path = ? OR path LIKE ? ESCAPE '\\') AND void_reason IS NULL",
                (prefix, "%/" + _like(prefix)),
            ).fetchall()
            if len(rows) > 1:
                exact = [r for r in rows if r["path"] == prefix]
                if len(exact) != 1:
                    raise Ambiguous(tr("地点", "place"), prefix, [r["path"] for r in rows], "PATH")
                rows = exact
            if rows:
                parent, start = rows[0], k
                break
        if start == len(parts):
            if level and parent["level"] != level:
                raise InvalidValue("--level", level, tr(f"{parent['path']} 已存在，层级不同", "place exists with another level"))
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

    def places(self, under: sqlite3.Row | None = None) -> list[sqlite3.Row]:
        sql = (
            "SELECT p.id, p.path, p.name, p.level, p.parent_id,"
            " (SELECT count(*) FROM teams t WHERE t.place_id = p.id AND t.void_reason IS NULL) AS teams,"
            " (SELECT count(*) FROM residents r WHERE r.place_id = p.id AND r.void_reason IS NULL) AS residents"
            " FROM places p WHERE p.void_reason IS NULL"
        )
        args: tuple = ()
        if under is not None:
            sql += " AND (p.path = ? OR p.path LIKE ? ESCAPE '\\')"
            args = (under["path"], _like(under["path"]) + "/%")
        return self.conn.execute(sql + " ORDER BY p.path", args).fetchall()

    # --- units ----------------------------------------------------------------------------

    def add_unit(self, tx: Tx, name: str, kind: str, place_id: int | None) -> int:
        if self.conn.execute("SELECT 1 FROM units WHERE name = ?", (name,)).fetchone():
            raise InvalidValue("NAME", name, tr("已有同名单位", "a unit with this name exists"))
        return tx.insert("units", {"name": name, "kind": kind, "place_id": place_id})

    def units(self) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT u.id, u.name, u.kind, p.path AS place FROM units u LEFT JOIN places p ON p.id = u.place_id"
            " WHERE u.void_reason IS NULL ORDER BY u.id"
        ).fetchall()

    # --- teams ----------------------------------------------------------------------------

    def add_team(self, tx: Tx, team: Mapping[str, object], leader_joined: str) -> int:
        clash = self.conn.execute(
            "SELECT 1 FROM teams WHERE place_id = ? AND name = ?", (team["place_id"], team["name"])
        ).fetchone()
        if clash:
            raise InvalidValue("NAME", team["name"], tr("该地点已有同名服务队", "a team of this name exists there"))
        tid = tx.insert("teams", team)
        if team.get("leader_id"):
            self._join(tx, int(team["leader_id"]), tid, leader_joined)
        return tid

    def teams(
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
        args: list = [on, on]
        if place is not None:
            sql += " AND (p.path = ? OR p.path LIKE ? ESCAPE '\\')"
            args += [place["path"], _like(place["path"]) + "/%"]
        if team_id is not None:
            sql += " AND t.id = ?"
            args.append(team_id)
        return self.conn.execute(sql + " ORDER BY t.id", args).fetchall()

    def team_members(self, team_id: int) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT m.id, m.name, s.joined, s.left, m.phone,"
            " (SELECT group_concat(role, ',') FROM (SELECT role FROM member_roles r WHERE r.member_id = m.id ORDER BY r.id))"
            "   AS roles"
            " FROM memberships s JOIN members m ON m.id = s.member_id"
            " WHERE s.team_id = ? AND s.void_reason IS NULL AND m.void_reason IS NULL ORDER BY s.left IS NOT NULL, m.id",
            (team_id,),
        ).fetchall()

    # --- members --------------------------------------------------------------------------

    def add_member(self, tx: Tx, member: Mapping[str, object], team_ids: Sequence[int], roles: Sequence[str]) -> int:
        mid = tx.insert("members", member)
        for role in roles:
            tx.insert("member_roles", {"member_id": mid, "role": role})
        for tid in team_ids:
            self._join(tx, mid, tid, str(member["joined"]))
        return mid

    def _join(self, tx: Tx, member_id: int, team_id: int, on: str) -> int:
        current = self.conn.execute(
            "SELECT id FROM memberships WHERE team_id = ? AND member_id = ? AND left IS NULL AND void_reason IS NULL",
            (team_id, member_id),
        ).fetchone()
        if current:
            raise InvalidTransition(tr("该队员已在这支服务队中", "the member is already in this team"))
        return tx.insert("memberships", {"team_id": team_id, "member_id": member_id, "joined": on})

    def join(self, tx: Tx, member_id: int, team_id: int, on: str) -> int:
        return self._join(tx, member_id, team_id, on)

    def leave(self, tx: Tx, member_id: int, team_id: int, on: str) -> int:
        current = self.conn.execute(
            "SELECT id, joined FROM memberships WHERE team_id = ? AND member_id = ? AND left IS NULL"
            " AND void_reason IS NULL",
            (team_id, member_id),
        ).fetchone()
        if not current:
            raise InvalidTransition(tr("该队员不在这支服务队中", "the member is not in this team"))
        if on < current["joined"]:
            raise InvalidValue("--date", on, tr(f"早于入队日期 {current['joined']}", f"before joining on {current['joined']}"))
        tx.update("memberships", current["id"], {"left": on})
        return current["id"]

    def members(
        self, team_id: int | None = None, role: str | None = None, member_id: int | None = None
    ) -> list[sqlite3.Row]:
        sql = (
            "SELECT m.id, m.name, m.phone, m.joined,"
            " (SELECT group_concat(role, ',') FROM (SELECT role FROM member_roles r WHERE r.member_id = m.id ORDER BY r.id))"
            "   AS roles,"
            " (SELECT group_concat(name, ',') FROM (SELECT t.name FROM memberships s JOIN teams t ON t.id = s.team_id"
            "   WHERE s.member_id = m.id AND s.left IS NULL AND s.void_reason IS NULL ORDER BY s.id)) AS teams"
            " FROM members m WHERE m.void_reason IS NULL"
        )
        args: list = []
        if team_id is not None:
            sql += (
                " AND EXISTS (SELECT 1 FROM memberships s WHERE s.member_id = m.id AND s.team_id = ?"
                " AND s.left IS NULL AND s.void_reason IS NULL)"
            )
            args.append(team_id)
        if role is not None:
            sql += " AND EXISTS (SELECT 1 FROM member_roles r WHERE r.member_id = m.id AND r.role = ?)"
            args.append(role)
        if member_id is not None:
            sql += " AND m.id = ?"
            args.append(member_id)
        return self.conn.execute(sql + " ORDER BY m.id", args).fetchall()

    def member_history(self, member_id: int) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT t.id AS team_id, t.name AS team, s.joined, s.left FROM memberships s JOIN teams t ON t.id = s.team_id"
            " WHERE s.member_id = ? AND s.void_reason IS NULL ORDER BY s.joined, s.id",
            (member_id,),
        ).fetchall()

    # --- residents ------------------------------------------------------------------------

    def add_resident(self, tx: Tx, resident: Mapping[str, object], tags: Sequence[str]) -> int:
        rid = tx.insert("residents", resident)
        for tag in tags:
            tx.insert("resident_tags", {"resident_id": rid, "tag": tag})
        return rid

    def residents(
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
        args: list = []
        if place is not None:
            sql += " AND (p.path = ? OR p.path LIKE ? ESCAPE '\\')"
            args += [place["path"], _like(place["path"]) + "/%"]
        if tag is not None:
            sql += " AND EXISTS (SELECT 1 FROM resident_tags g WHERE g.resident_id = r.id AND g.tag = ?)"
            args.append(tag)
        if resident_id is not None:
            sql += " AND r.id = ?"
            args.append(resident_id)
        return self.conn.execute(sql + " ORDER BY r.id", args).fetchall()

    def resident_visits(self, resident_id: int) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT v.id, v.date, t.name AS team, v.purpose FROM visit_residents vr JOIN visits v ON v.id = vr.visit_id"
            " JOIN teams t ON t.id = v.team_id WHERE vr.resident_id = ? AND v.void_reason IS NULL ORDER BY v.date DESC",
            (resident_id,),
        ).fetchall()

    # --- issues and meetings -------------------------------------------------------------

    def open_issue(self, tx: Tx, issue: Mapping[str, object], resolved_at: str | None, note: str | None) -> int:
        """A new issue with its `received` event (and `resolved`, for one fixed on the spot)."""
        if issue.get("ref"):
            clash = self.conn.execute("SELECT id FROM issues WHERE ref = ?", (issue["ref"],)).fetchone()
            if clash:
                raise InvalidValue("--ref", issue["ref"], tr(f"已有诉求 #{clash[0]} 用了这个工单号", f"issue #{clash[0]} has this ref"))
        iid = tx.insert("issues", issue)
        tx.insert("issue_events", {"issue_id": iid, "event": "received", "at": issue["received_at"]})
        if resolved_at is not None:
            self.add_event(tx, iid, "resolved", resolved_at, note=note)
        return iid

    def find_issue(self, ref: str, field: str = "ID") -> sqlite3.Row:
        """A live issue by id (or #id), else by its 12345/platform order number."""
        text = ref.strip()
        if as_id(text) is not None:
            row = self.issue(as_id(text))  # type: ignore[arg-type]
            if row is not None or text.startswith("#"):
                if row is None:
                    raise NotFound(tr("诉求", "issue"), ref, field=field)
                return row
        hit = self.conn.execute("SELECT id FROM issues WHERE ref = ? AND void_reason IS NULL", (text,)).fetchone()
        if hit is None:
            raise NotFound(tr("诉求", "issue"), ref, field=field)
        return self.issue(hit[0])

    def issue(self, issue_id: int) -> sqlite3.Row | None:
        return self.conn.execute(
            f"{_ISSUES} WHERE id = ? AND void_reason IS NULL", (issue_id,)
        ).fetchone()

    def issue_events(self, issue_id: int) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT e.id, e.event, e.at, e.unit_id, u.name AS unit, e.meeting_id, m.decision, e.answer, e.satisfaction,"
            " e.note FROM issue_events e LEFT JOIN units u ON u.id = e.unit_id LEFT JOIN meetings m ON m.id = e.meeting_id"
            " WHERE e.issue_id = ? AND e.void_reason IS NULL ORDER BY e.at, e.id",
            (issue_id,),
        ).fetchall()

    def add_event(
        self, tx: Tx, issue_id: int, event: str, at: str, unit: sqlite3.Row | None = None, **values: object
    ) -> int:
        """One dated event, if the issue's current state allows it (checked inside the transaction)."""
        from huidesk.domain.lifecycle import check, fold

        state = fold(self.issue_events(issue_id))
        check(state, event, at, unit["id"] if unit else None, unit["name"] if unit else "")
        row = {"issue_id": issue_id, "event": event, "at": at, "unit_id": unit["id"] if unit else None, **values}
        return tx.insert("issue_events", {k: v for k, v in row.items() if v is not None})

    def issues(
        self,
        *,
        state: str | None = None,
        kind: str | None = None,
        team_id: int | None = None,
        place: sqlite3.Row | None = None,
        since: str | None = None,
        until: str | None = None,
        now: str | None = None,
    ) -> list[sqlite3.Row]:
        """Issues with their derived state and times; `state` is open, resolved, closed or overdue."""
        sql = f"{_ISSUES} WHERE void_reason IS NULL"
        args: list = []
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        if team_id is not None:
            sql += " AND team_id = ?"
            args.append(team_id)
        if place is not None:
            sql += " AND (place = ? OR place LIKE ? ESCAPE '\\')"
            args += [place["path"], _like(place["path"]) + "/%"]
        if since:
            sql += " AND substr(received_at, 1, 10) >= ?"
            args.append(since)
        if until:
            sql += " AND substr(received_at, 1, 10) <= ?"
            args.append(until)
        if state == "open":
            sql += " AND state NOT IN ('resolved', 'closed')"
        elif state in ("resolved", "closed"):
            sql += " AND state = ?"
            args.append(state)
        elif state == "overdue":
            days = float(self.settings()["resolve_limit_days"])
            sql += " AND state NOT IN ('resolved', 'closed') AND julianday(?) - julianday(received_at) > ?"
            args += [now, days]
        return self.conn.execute(sql + " ORDER BY received_at, id", args).fetchall()

    def add_meeting(
        self, tx: Tx, meeting: Mapping[str, object], parties: Sequence[Mapping[str, object]], at: str
    ) -> int:
        mid = tx.insert("meetings", meeting)
        for party in parties:
            tx.insert("meeting_parties", {"meeting_id": mid, **party})
        if meeting.get("issue_id"):
            self.add_event(tx, int(meeting["issue_id"]), "consulted", at, meeting_id=mid)  # type: ignore[arg-type]
        return mid

    def meeting_party(self, text: str, field: str = "--party") -> dict[str, object]:
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
            return {table[:-1] + "_id": self.find(table, rest, field)["id"]}
        if rest and prefix in ("name", "名称"):
            return {"name": rest.strip()}
        for table, exact_only in (("units", False), ("members", True)):
            try:
                row = self.find(table, text, field)
            except NotFound:
                continue
            if exact_only and row["name"] != text:
                continue
            return {table[:-1] + "_id": row["id"]}
        return {"name": text}

    def meetings(self, issue_id: int | None = None, since: str | None = None, until: str | None = None) -> list[sqlite3.Row]:
        sql = (
            "SELECT g.id, g.date, g.issue_id, p.path AS place, g.decision,"
            " (SELECT group_concat(coalesce(u.name, m.name, r.name, x.name), '、') FROM meeting_parties x"
            "   LEFT JOIN units u ON u.id = x.unit_id LEFT JOIN members m ON m.id = x.member_id"
            "   LEFT JOIN residents r ON r.id = x.resident_id WHERE x.meeting_id = g.id) AS parties"
            " FROM meetings g LEFT JOIN places p ON p.id = g.place_id WHERE g.void_reason IS NULL"
        )
        args: list = []
        for cond, value in (("g.issue_id = ?", issue_id), ("g.date >= ?", since), ("g.date <= ?", until)):
            if value is not None:
                sql += f" AND {cond}"
                args.append(value)
        return self.conn.execute(sql + " ORDER BY g.date, g.id", args).fetchall()

    def undo(self, tx: Tx, actor: str) -> tuple[sqlite3.Row, list[tuple[str, int, str]]]:
        """Void what the recorder's last command inserted (or restore what it voided)."""
        entry = self.conn.execute(
            "SELECT id, command, at FROM _journal WHERE actor = ? AND command <> 'undo' ORDER BY id DESC LIMIT 1", (actor,)
        ).fetchone()
        if entry is None:
            raise InvalidTransition(tr(f"{actor} 还没有可撤销的命令", f"{actor} has no command to undo"))
        writes = self.conn.execute(
            "SELECT tbl, rid, op FROM _journal_records WHERE entry_id = ? ORDER BY id", (entry["id"],)
        ).fetchall()
        records = [(w["tbl"], w["rid"], w["op"]) for w in writes if w["tbl"] in RECORD_TABLES]
        if any(op == "update" for _, _, op in records) or not records:
            raise InvalidTransition(
                tr(f"上一条命令（{entry['command']}）修改了记录，不能撤销；请用 void 或再记一笔更正",
                   f"the last command ({entry['command']}) changed records and cannot be undone; use void")
            )
        done = []
        reason = tr(f"撤销：{entry['command']}（日志#{entry['id']}）", f"undo: {entry['command']} (entry {entry['id']})")
        for table, rid, op in records:
            current = self.conn.execute(f"SELECT void_reason FROM {table} WHERE id = ?", (rid,)).fetchone()
            if op == "insert" and current["void_reason"] is None:
                tx.void(table, rid, reason)
                done.append((table, rid, "void"))
            elif op == "void" and current["void_reason"] is not None:
                tx.update(table, rid, {"void_reason": None, "void_at": None})
                done.append((table, rid, "restore"))
        if not done:
            raise InvalidTransition(tr(f"上一条命令（{entry['command']}）已撤销过", f"the last command ({entry['command']}) was already undone"))
        return entry, done

    # --- visits, activities, wishes, cards, pairings ---------------------------------------

    def add_visit(
        self, tx: Tx, visit: Mapping[str, object], resident_ids: Sequence[int], member_ids: Sequence[int]
    ) -> int:
        """A visit with one row per resident visited and per member who went (duplicates collapsed)."""
        vid = tx.insert("visits", visit)
        tx.link("visit_residents", "visit_id", vid, "resident_id", resident_ids)
        tx.link("visit_members", "visit_id", vid, "member_id", member_ids)
        return vid

    def visits(
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
            " v.purpose, v.gifts, v.note, v.follow_up"
            " FROM visits v JOIN teams t ON t.id = v.team_id WHERE v.void_reason IS NULL"
        )
        args: list = []
        if team_id is not None:
            sql += " AND v.team_id = ?"
            args.append(team_id)
        if resident_id is not None:
            sql += " AND EXISTS (SELECT 1 FROM visit_residents vr WHERE vr.visit_id = v.id AND vr.resident_id = ?)"
            args.append(resident_id)
        if place is not None:
            sql += (
                " AND EXISTS (SELECT 1 FROM visit_residents vr JOIN residents r ON r.id = vr.resident_id"
                "   JOIN places p ON p.id = r.place_id WHERE vr.visit_id = v.id"
                "   AND (p.path = ? OR p.path LIKE ? ESCAPE '\\'))"
            )
            args += [place["path"], _like(place["path"]) + "/%"]
        if since is not None:
            sql += " AND v.date >= ?"
            args.append(since)
        if until is not None:
            sql += " AND v.date <= ?"
            args.append(until)
        return self.conn.execute(sql + " ORDER BY v.date, v.id", args).fetchall()

    def add_activity(
        self, tx: Tx, activity: Mapping[str, object], member_ids: Sequence[int], minutes_each: int
    ) -> int:
        """An activity and, for each member named, the minutes they served."""
        aid = tx.insert("activities", activity)
        for mid in dict.fromkeys(member_ids):
            tx.insert("activity_members", {"activity_id": aid, "member_id": mid, "minutes": minutes_each})
        return aid

    def activities(
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
        args: list = []
        if team_id is not None:
            sql += " AND a.team_id = ?"
            args.append(team_id)
        if theme is not None:
            sql += " AND a.theme = ?"
            args.append(theme)
        if place is not None:
            sql += " AND (coalesce(ap.path, tp.path) = ? OR coalesce(ap.path, tp.path) LIKE ? ESCAPE '\\')"
            args += [place["path"], _like(place["path"]) + "/%"]
        if since is not None:
            sql += " AND a.date >= ?"
            args.append(since)
        if until is not None:
            sql += " AND a.date <= ?"
            args.append(until)
        return self.conn.execute(sql + " ORDER BY a.date, a.id", args).fetchall()

    _WISHES = (
        "SELECT w.id, w.resident_id, r.name AS resident, w.text,"
        " CASE WHEN w.fulfilled IS NOT NULL THEN 'fulfilled' WHEN w.claimed IS NOT NULL THEN 'claimed'"
        "   ELSE 'listed' END AS state,"
        " w.listed, w.member_id, m.name AS member, w.claimed, w.fulfilled"
        " FROM wishes w JOIN residents r ON r.id = w.resident_id LEFT JOIN members m ON m.id = w.member_id"
        " WHERE w.void_reason IS NULL"
    )

    def add_wish(self, tx: Tx, wish: Mapping[str, object]) -> int:
        return tx.insert("wishes", wish)

    def wish(self, wish_id: int, field: str = "ID") -> sqlite3.Row:
        """A live wish by id, with its derived state."""
        in_range = 0 < wish_id < 2**63
        row = self.conn.execute(self._WISHES + " AND w.id = ?", (wish_id,)).fetchone() if in_range else None
        if row is None:
            raise NotFound(tr("微心愿", "wish"), wish_id, field=field)
        return row

    def claim_wish(self, tx: Tx, wish_id: int, member_id: int, on: str) -> sqlite3.Row:
        """A member claims a listed wish on `on` (not before it was listed)."""
        w = self.wish(wish_id)
        if w["state"] == "fulfilled":
            raise InvalidTransition(
                tr(f"微心愿 #{wish_id} 已于 {w['fulfilled']} 实现，不能再认领", f"wish #{wish_id} was fulfilled on {w['fulfilled']}")
            )
        if w["state"] == "claimed":
            raise InvalidTransition(
                tr(
                    f"微心愿 #{wish_id} 已由 {w['member']} 于 {w['claimed']} 认领",
                    f"wish #{wish_id} was claimed by {w['member']} on {w['claimed']}",
                )
            )
        if on < w["listed"]:
            raise InvalidValue("--date", on, tr(f"早于登记日期 {w['listed']}", f"before the wish was listed on {w['listed']}"))
        tx.update("wishes", wish_id, {"member_id": member_id, "claimed": on})
        return w

    def fulfil_wish(self, tx: Tx, wish_id: int, on: str) -> sqlite3.Row:
        """A claimed wish comes true on `on` (not before it was claimed)."""
        w = self.wish(wish_id)
        if w["state"] == "fulfilled":
            raise InvalidTransition(
                tr(f"微心愿 #{wish_id} 已于 {w['fulfilled']} 实现", f"wish #{wish_id} was already fulfilled on {w['fulfilled']}")
            )
        if w["state"] == "listed":
            raise InvalidTransition(
                tr(
                    f"微心愿 #{wish_id} 还没有人认领：先 huidesk wish claim {wish_id} --member 队员",
                    f"wish #{wish_id} is not claimed yet: first huidesk wish claim {wish_id} --member M",
                )
            )
        if on < w["claimed"]:
            raise InvalidValue("--date", on, tr(f"早于认领日期 {w['claimed']}", f"before the wish was claimed on {w['claimed']}"))
        tx.update("wishes", wish_id, {"fulfilled": on})
        return w

    def wishes(
        self, *, state: str | None = None, resident_id: int | None = None, member_id: int | None = None
    ) -> list[sqlite3.Row]:
        sql = f"SELECT * FROM ({self._WISHES}) WHERE 1"
        args: list = []
        for cond, value in (("state = ?", state), ("resident_id = ?", resident_id), ("member_id = ?", member_id)):
            if value is not None:
                sql += f" AND {cond}"
                args.append(value)
        return self.conn.execute(sql + " ORDER BY id", args).fetchall()

    def issue_card(self, tx: Tx, card: Mapping[str, object]) -> tuple[int, str]:
        """A card with its number: the one given (refused if that kind already has it, void cards
        included: 0012 and 12 are the same number), else the next after the highest of that kind."""
        kind, no = str(card["kind"]), card.get("no")
        if no is None:
            no = self.next_card_no(kind)
        else:
            clash = self.conn.execute(
                "SELECT id, no, void_reason FROM cards WHERE kind = ? AND (no = ? OR (? NOT GLOB '*[^0-9]*'"
                " AND no NOT GLOB '*[^0-9]*' AND ltrim(no, '0') = ltrim(?, '0')))",
                (kind, no, no, no),
            ).fetchone()
            if clash:
                void = tr("，已作废", ", void") if clash["void_reason"] is not None else ""
                raise InvalidValue(
                    "--no",
                    no,
                    tr(
                        f"{kind}已有这个卡号：卡 #{clash['id']}，卡号 {clash['no']}{void}",
                        f"this {kind} number is taken: card #{clash['id']}, number {clash['no']}{void}",
                    ),
                )
        cid = tx.insert("cards", {**card, "no": no})
        return cid, str(no)

    def next_card_no(self, kind: str) -> str:
        """One more than the highest all-digit number of this kind, zero-padded to 4 digits (or wider
        if the kind already uses wider numbers): 0001, 0002, ..."""
        row = self.conn.execute(
            "SELECT ltrim(no, '0') AS n, (SELECT max(length(no)) FROM cards WHERE kind = ? AND no NOT GLOB '*[^0-9]*')"
            " AS width FROM cards WHERE kind = ? AND no NOT GLOB '*[^0-9]*'"
            " ORDER BY length(ltrim(no, '0')) DESC, ltrim(no, '0') DESC LIMIT 1",
            (kind, kind),
        ).fetchone()
        highest = int(row["n"] or 0) if row else 0
        width = max(4, row["width"] if row else 0)
        return str(highest + 1).zfill(width)

    def cards(self, *, kind: str | None = None, resident_id: int | None = None) -> list[sqlite3.Row]:
        sql = (
            "SELECT c.id, c.kind, c.no, c.resident_id, r.name AS resident, c.date"
            " FROM cards c JOIN residents r ON r.id = c.resident_id WHERE c.void_reason IS NULL"
        )
        args: list = []
        if kind is not None:
            sql += " AND c.kind = ?"
            args.append(kind)
        if resident_id is not None:
            sql += " AND c.resident_id = ?"
            args.append(resident_id)
        return self.conn.execute(sql + " ORDER BY c.id", args).fetchall()

    def add_pairing(self, tx: Tx, pairing: Mapping[str, object]) -> int:
        """A member paired with a resident; a second open pairing of the same two is refused."""
        current = self.conn.execute(
            "SELECT p.id, p.since, m.name AS member, r.name AS resident FROM pairings p"
            " JOIN members m ON m.id = p.member_id JOIN residents r ON r.id = p.resident_id"
            " WHERE p.member_id = ? AND p.resident_id = ? AND p.until IS NULL AND p.void_reason IS NULL",
            (pairing["member_id"], pairing["resident_id"]),
        ).fetchone()
        if current:
            raise InvalidTransition(
                tr(
                    f"{current['member']} 与 {current['resident']} 已结对（结对 #{current['id']}，自 {current['since']} 起）",
                    f"{current['member']} and {current['resident']} are already paired (#{current['id']}, since {current['since']})",
                )
            )
        return tx.insert("pairings", pairing)

    def pairings(self, *, member_id: int | None = None, resident_id: int | None = None) -> list[sqlite3.Row]:
        sql = (
            "SELECT p.id, p.member_id, m.name AS member, p.resident_id, r.name AS resident, p.since, p.until, p.note"
            " FROM pairings p JOIN members m ON m.id = p.member_id JOIN residents r ON r.id = p.resident_id"
            " WHERE p.void_reason IS NULL"
        )
        args: list = []
        if member_id is not None:
            sql += " AND p.member_id = ?"
            args.append(member_id)
        if resident_id is not None:
            sql += " AND p.resident_id = ?"
            args.append(resident_id)
        return self.conn.execute(sql + " ORDER BY p.id", args).fetchall()

    # --- import and export ----------------------------------------------------------------

    def import_record(self, tx: Tx, table: str, row: Mapping[str, object]) -> int:
        """A record read from an import file, written as it is (its uid kept); huidesk/exchange/
        has validated it and resolved its references inside this same transaction."""
        if table not in RECORD_TABLES:
            raise ValueError(f"not a record table: {table}")
        return tx.insert(table, row)

    def uid_taken(self, table: str, uid: str) -> bool:
        """Whether a record of `table`, void or live, already has this uid."""
        if table not in RECORD_TABLES:
            raise ValueError(f"not a record table: {table}")
        return self.conn.execute(f"SELECT 1 FROM {table} WHERE uid = ?", (uid,)).fetchone() is not None

    def uids_taken(self, table: str, uids: Iterable[str]) -> set[str]:
        """Those of `uids` that a record of `table`, void or live, already has."""
        if table not in RECORD_TABLES:
            raise ValueError(f"not a record table: {table}")
        found: set[str] = set()
        pending = list(uids)
        for start in range(0, len(pending), 500):
            part = pending[start : start + 500]
            marks = ", ".join("?" * len(part))
            found.update(r[0] for r in self.conn.execute(f"SELECT uid FROM {table} WHERE uid IN ({marks})", part))
        return found

    # --- journal --------------------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        row = self.conn.execute("SELECT id, hash FROM _journal ORDER BY id DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, GENESIS)

    def journal_size(self) -> int:
        return self.conn.execute("SELECT count(*) FROM _journal").fetchone()[0]

    def log(self, limit: int, actor: str | None = None) -> list[sqlite3.Row]:
        sql = (
            "SELECT j.id, j.at, j.actor, j.command, j.hash,"
            " (SELECT count(*) FROM _journal_records r WHERE r.entry_id = j.id) AS writes,"
            # the records themselves when there are a few, else how many of each table
            " CASE WHEN (SELECT count(*) FROM _journal_records r WHERE r.entry_id = j.id) <= 6"
            "  THEN (SELECT group_concat(tbl || '#' || rid, ' ') FROM (SELECT tbl, rid FROM _journal_records r"
            "   WHERE r.entry_id = j.id AND tbl NOT LIKE '\\_%' ESCAPE '\\' ORDER BY r.id))"
            "  ELSE (SELECT group_concat(tbl || '×' || n, ' ') FROM (SELECT tbl, count(*) AS n, min(r.id) AS first"
            "   FROM _journal_records r WHERE r.entry_id = j.id AND tbl NOT LIKE '\\_%' ESCAPE '\\'"
            "   GROUP BY tbl ORDER BY first)) END AS records"
            " FROM _journal j"
        )
        args: list = []
        if actor:
            sql += " WHERE j.actor = ?"
            args.append(actor)
        return self.conn.execute(sql + " ORDER BY j.id DESC LIMIT ?", (*args, limit)).fetchall()

    def void(self, tx: Tx, table: str, rid: int, reason: str) -> None:
        row = self.conn.execute(f"SELECT void_reason FROM {table} WHERE id = ?", (rid,)).fetchone()
        if row is None:
            raise NotFound(tr(*RECORD_TABLES[table]), rid, field="ID")
        if row["void_reason"] is not None:
            raise InvalidTransition(
                tr(f"{table}#{rid} 已作废：{row['void_reason']}", f"{table}#{rid} is already void: {row['void_reason']}")
            )
        tx.void(table, rid, reason)

    def backup(self, dest: Path) -> None:
        """Copy the ledger with SQLite's online backup into `dest`, atomically and owner-only."""
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
        _create_private_file(tmp)
        try:
            target = sqlite3.connect(tmp)
            with target:
                self.conn.backup(target)
            target.execute("PRAGMA journal_mode = DELETE")
            target.close()
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, dest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


# Authorizer action codes (sqlite3.h) that a read-only query may not use.
_SQLITE_PRAGMA, _SQLITE_ATTACH, _SQLITE_DETACH, _SQLITE_FUNCTION = 19, 24, 25, 31
_READ_PRAGMAS = {"table_info", "table_xinfo", "index_list", "index_info", "foreign_key_list", "table_list"}


def read_only_query(path: Path, sql: str) -> tuple[list[str], Iterator[tuple]]:
    """Run one query on a connection that cannot write, attach or load extensions."""
    path = Path(path).expanduser()
    if not path.exists():
        raise LedgerError(tr(f"账本不存在：{path}（先运行 huidesk init）", f"no ledger at {path} (run huidesk init first)"))
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)

    def authorize(action: int, arg1: str | None, arg2: str | None, *_: object) -> int:
        if action in (_SQLITE_ATTACH, _SQLITE_DETACH):
            return sqlite3.SQLITE_DENY
        if action == _SQLITE_PRAGMA and (arg1 or "").lower() not in _READ_PRAGMAS:
            return sqlite3.SQLITE_DENY
        if action == _SQLITE_FUNCTION and (arg2 or "").lower() in ("load_extension", "readfile", "writefile"):
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    conn.execute("PRAGMA query_only = ON")
    conn.set_authorizer(authorize)
    try:
        cursor = conn.execute(sql)
    except sqlite3.Error as e:
        conn.close()
        raise InvalidValue("SQL", sql, str(e)) from e
    columns = [d[0] for d in cursor.description or []]
    return columns, cursor


# How each table is looked up by reference, and how a candidate is described.
_SELECT = {
    "places": "SELECT t.id, t.name, t.path, t.level, t.path AS label FROM places t",
    "units": "SELECT t.id, t.name, t.kind, t.name AS label FROM units t",
    "teams": (
        "SELECT t.id, t.name, t.place_id, t.line, t.leader_id, t.founded, p.path AS place,"
        " t.name || '（' || p.name || '）' AS label FROM teams t JOIN places p ON p.id = t.place_id"
    ),
    "members": "SELECT t.id, t.name, t.phone, t.joined, t.name AS label FROM members t",
    "residents": (
        "SELECT t.id, t.name, t.place_id, t.born, t.phone, t.visit_every, t.consent, t.guardian, t.health_consent,"
        " p.path AS place, t.name || '（' || p.name || '）' AS label FROM residents t JOIN places p ON p.id = t.place_id"
    ),
}


# An issue's state and times derived from its live events, never stored (reports.py uses the same).
ISSUE_DERIVED = (
    " (SELECT e.event FROM issue_events e WHERE e.issue_id = i.id AND e.void_reason IS NULL"
    "   AND e.event NOT IN ('callback', 'consulted') ORDER BY e.at DESC, e.id DESC LIMIT 1) AS state,"
    " (SELECT min(e.at) FROM issue_events e WHERE e.issue_id = i.id AND e.void_reason IS NULL"
    "   AND e.event IN ('dispatched', 'arrived', 'resolved')) AS first_response_at,"
    " (SELECT max(e.at) FROM issue_events e WHERE e.issue_id = i.id AND e.void_reason IS NULL"
    "   AND e.event = 'resolved') AS resolved_at"
)
# An issue with its place, team and resident, its derived state and its times in whole minutes.
_ISSUE_SELECT = (
    "SELECT i.id, i.uid, i.ref, i.kind, i.source, i.place_id, p.path AS place, i.team_id, t.name AS team,"
    " i.resident_id, r.name AS resident, i.text, i.received_at,"
    f"{ISSUE_DERIVED}, i.void_reason"
    " FROM issues i JOIN places p ON p.id = i.place_id LEFT JOIN teams t ON t.id = i.team_id"
    " LEFT JOIN residents r ON r.id = i.resident_id"
)
_ISSUES = (
    "SELECT *,"
    " CAST(round((julianday(first_response_at) - julianday(received_at)) * 1440) AS INTEGER) AS response_minutes,"
    " CAST(round((julianday(resolved_at) - julianday(received_at)) * 1440) AS INTEGER) AS resolve_minutes"
    f" FROM ({_ISSUE_SELECT})"
)


def as_id(ref: str) -> int | None:
    """The record id a reference like `12` or `#12` means; None for anything else (or too big)."""
    text = ref.strip().removeprefix("#")
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def _describe(row: sqlite3.Row) -> str:
    return f"#{row['id']} {row['label']}"


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _log_sql(conn: sqlite3.Connection, path: Path) -> None:
    """Append every statement the connection runs, with its values, to `path` (owner-only): a
    debugging aid, and how bench/run.py replays a command's queries in the sqlite3 shell."""
    _create_private_file(path)
    log = open(path, "a", encoding="utf-8")
    conn.set_trace_callback(lambda sql: log.write(sql.rstrip().rstrip(";") + ";\n"))


def _create_private_file(path: Path) -> None:
    """Create an empty file readable by its owner only (and its folder, if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as e:
        raise LedgerError(tr(f"无法创建账本文件 {path}：{e.strerror}", f"cannot create {path}: {e.strerror}")) from e
    os.close(fd)


__all__ = ["Store", "Tx", "HuideskError", "RECORD_TABLES", "JOURNALED_TABLES"]
