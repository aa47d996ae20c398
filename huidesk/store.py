"""The ledger: connection, schema and migrations, journaled writes, references and queries.

Every write goes through ``Store.write()``: one ``BEGIN IMMEDIATE`` transaction that also
appends the journal entry describing it. The store never prints.
"""

import datetime as dt
import os
import sqlite3
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from huidesk.errors import Ambiguous, HuideskError, InvalidTransition, InvalidValue, LedgerError, NotFound
from huidesk.i18n import tr
from huidesk.journal import GENESIS, EntryHash, digest

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
        return (Path(__file__).resolve().parent.parent / "data" / "schema.sql").read_text(encoding="utf-8")


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

    def _journal_record(self, table: str, rid: int, op: str, row: Mapping[str, object]) -> None:
        d = digest(table, row)
        self.conn.execute(
            "INSERT INTO _journal_records (entry_id, tbl, rid, op, digest) VALUES (?, ?, ?, ?, ?)",
            (self.entry_id, table, rid, op, d),
        )
        self.hash.add(table, rid, op, d)
        self.count += 1
        if table in RECORD_TABLES:
            self.written.append((table, rid, op))

    def insert(self, table: str, values: Mapping[str, object]) -> int:
        row = {k: int(v) if isinstance(v, bool) else v for k, v in values.items()}
        if table in RECORD_TABLES and "uid" not in row:
            row["uid"] = uuid.uuid4().hex
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        rid = self.conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(row.values())).lastrowid
        assert rid is not None
        self._journal_record(table, rid, "insert", {"id": rid, **row})
        return rid

    def update(self, table: str, rid: int, values: Mapping[str, object], op: str = "update") -> None:
        sets = ", ".join(f"{k} = ?" for k in values)
        self.conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values.values(), rid))
        row = self.conn.execute(f"SELECT * FROM {table} WHERE id = ?", (rid,)).fetchone()
        self._journal_record(table, rid, op, dict(row))

    def void(self, table: str, rid: int, reason: str) -> None:
        self.update(table, rid, {"void_reason": reason, "void_at": utc_now()}, op="void")

    def finish(self) -> None:
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
                    from huidesk.migrations import mark_all_applied

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
        from huidesk.migrations import migrate

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
        if ref.isdigit() or (ref.startswith("#") and ref[1:].isdigit()):
            rows = self.conn.execute(f"{select} WHERE t.id = ? AND t.void_reason IS NULL", (int(ref.lstrip("#")),))
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
        from huidesk.places import guess_level, split_path

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
            " (SELECT group_concat(tbl || '#' || rid, ' ') FROM (SELECT tbl, rid FROM _journal_records r"
            "   WHERE r.entry_id = j.id AND tbl NOT LIKE '\\_%' ESCAPE '\\' ORDER BY r.id LIMIT 6)) AS records"
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


def _describe(row: sqlite3.Row) -> str:
    return f"#{row['id']} {row['label']}"


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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
