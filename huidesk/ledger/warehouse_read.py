"""Reading the warehouse (huidesk/ledger/warehouse.py) through DuckDB, embedded: views named like the
ledger's tables over the Parquet files, so that the report SQL of huidesk/ledger/queries.py runs on it
unchanged and every figure has one definition for both engines. Where SQLite and DuckDB differ, the
difference is in DIALECT below and nowhere else.

Many ledgers in one dataset: each view is the union of every ledger's rows; their ids are unique, as
each ledger wrote its own plus its number in the dataset times 2^40 (the first ledger's as they are).
A street ledger that merged its
communities wrote their records too (each row's `origin` names the community): when a community also
wrote its own partition, its own rows are the ones counted and the street's copies of its records and
events are left out, so nothing is counted twice (places, units, members and residents are shared
descriptions, never counted by themselves, and stay).
"""

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from huidesk.domain.errors import HuideskError, Interrupted, InvalidValue, LedgerError, one_line
from huidesk.domain.i18n import tr
from huidesk.ledger.people import Teams
from huidesk.ledger.queries import ISSUE_SELECT, PERIOD_FACTS
from huidesk.ledger.sql import VOIDABLE, void_moment, voided_since
from huidesk.ledger.table import Read
from huidesk.ledger.warehouse import (
    ID_BITS,
    KEEPS_FACTS,
    UID,
    Untrusted,
    need,
    partition_parts,
    plain_file,
    read_manifest,
    staging_path,
)
from huidesk.ledger.warehouse_rows import FACTS

if TYPE_CHECKING:
    import sqlite3

# SQLite as the report SQL relies on it, said in DuckDB: the one place where the engines differ.
DIALECT = (
    # SQLite sorts NULL before every value: first ascending, last descending.
    "SET default_null_order = 'nulls_first_on_asc_last_on_desc'",
    # julianday(): days since the Julian epoch as SQLite computes them (whole milliseconds / 86400000.0),
    # so that minutes between two moments round the same way; a moment keeps its UTC offset.
    "CREATE MACRO julianday(x) AS (CASE WHEN x = 'now' THEN epoch_ms(current_timestamp)"
    " ELSE epoch_ms(CAST(x AS TIMESTAMPTZ)) END + 210866760000000) / 86400000.0",
)
# Rewrites of the report SQL (pattern, replacement): SQLite's values carry their own type, so one
# column of a UNION may hold a kind (text) in one part and a team id (integer) in another; DuckDB gives
# such a column one type, unless it is a VARIANT, which keeps each value's own.
#
# SQLite's unary plus only tells its planner not to use an index; DuckDB has no such thing, and refuses it
# on text. Nor has it SQLite's CROSS JOIN … ON (an inner join in the order written): an inner join.
#
# A correlated first-row look-up (an issue's latest event: ORDER BY at, id LIMIT 1) is the same value as
# DuckDB's arg_max/arg_min over (at, id); written so, DuckDB joins the events of the issues asked for
# and keeps one per issue, where the LIMIT form numbered every event of the dataset first (10x slower).
_NO_SUB = r"(?:(?!\(SELECT|\bFROM\b|\bORDER BY\b|\bLIMIT\b).)+?"
REWRITES = (
    # SQLite's unary + (an index left unused) on a text column, which DuckDB refuses: dropped
    (re.compile(r"(?<=[\s(,])\+(?=[A-Za-z_])"), ""),
    (re.compile(r"\bCROSS JOIN (\w+ \w+ ON)\b"), r"JOIN \1"),
    (re.compile(r"(SELECT \d+ AS grouping, )(.+?)( AS key,)"), r"\1CAST(\2 AS VARIANT)\3"),
    (re.compile(rf"\(SELECT ({_NO_SUB}) FROM (\w+) (\w+) WHERE ({_NO_SUB})"
                r" ORDER BY \3\.(\w+) (DESC|ASC), \3\.(\w+) \6 LIMIT 1\)"),
     lambda m: (f"(SELECT {'arg_max' if m[6] == 'DESC' else 'arg_min'}({m[1]}, row({m[3]}.{m[5]}, {m[3]}.{m[7]}))"
                f" FROM {m[2]} {m[3]} WHERE {m[4]})")),
)
_SHARED = ("places", "units", "members", "member_roles", "residents", "resident_tags")
_DUCK_TYPES = {"int64": "BIGINT", "string": "VARCHAR", "float64": "DOUBLE"}
# Federation tables a report may read (Reports.sources): empty here, a dataset has no merge history.
_EMPTY = {
    "_sources": "id BIGINT, uid VARCHAR, name VARCHAR, place VARCHAR",
    "_bundles": "id BIGINT, source_id BIGINT, first_entry BIGINT, last_entry BIGINT, head_before VARCHAR,"
                " head_after VARCHAR, made_at VARCHAR, merged_at VARCHAR, pii VARCHAR, records BIGINT",
    "_merged": "id BIGINT, source_id BIGINT, tbl VARCHAR, source_rid BIGINT, rid BIGINT",
}


class Row(tuple):
    """A result row read by position or by column name, as sqlite3.Row is: a tuple (made by the tuple's own
    constructor, a report reads tens of thousands of rows), whose names are its cursor's (`named`)."""

    __slots__ = ()
    _names: dict[str, int] = {}

    @classmethod
    def named(cls, names: dict[str, int]) -> type["Row"]:
        return type("Row", (cls,), {"__slots__": (), "_names": names})

    def __getitem__(self, key):
        return tuple.__getitem__(self, self._names[key] if key.__class__ is str else key)

    def keys(self) -> list[str]:
        return list(self._names)


class Cursor:
    def __init__(self, result) -> None:
        self._result = result
        self.description = result.description
        names: dict[str, int] = {}
        for i, d in enumerate(self.description or []):
            names.setdefault(d[0], i)  # a name given twice is its first column, as in sqlite3.Row
        self._row = Row.named(names)

    def fetchall(self) -> list[Row]:
        return list(map(self._row, self._result.fetchall()))

    def fetchone(self) -> Row | None:
        r = self._result.fetchone()
        return None if r is None else self._row(r)

    def __iter__(self) -> Iterator[Row]:
        while (r := self._result.fetchone()) is not None:
            yield self._row(r)


# Subqueries a report's statements share, each made once per report into a temporary table (DuckDB would
# derive them again for every statement): the issues with their facts derived as of a moment (Reports._states,
# for issues with an event after it, or every issue of a dataset written before it kept the facts), and the
# escalated issues (work_orders.issue_counts: by kind and team, then by month), and the issues resolved or
# escalated in a report's period (Reports._sources narrows every issue statement to them), and the kept facts
# of those issues (a month's 12,000 of a province's 800,000, read out once instead of by every statement).
_ONCE = (f"({ISSUE_SELECT}", "(SELECT e.issue_id AS id, max(CASE WHEN ",
         "(SELECT e.issue_id FROM issue_events e WHERE e.event IN ('resolved', 'escalated')", f"({PERIOD_FACTS}")


_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


class Connection:
    """The part of sqlite3.Connection the report queries use, over DuckDB. `swap` replaces a table
    in the statements it runs (a find of places reads one place per path)."""

    def __init__(self, duck, swap: dict[str, str] | None = None, like: "Connection | None" = None) -> None:
        self.duck, self.swap = duck, swap or {}
        # the shared subqueries' tables (_ONCE), made once for every cursor of this DuckDB (Warehouse.twin):
        # tables of the in-memory database, which its cursors share (a TEMP table is one cursor's own)
        self.derived: dict[tuple, str] = {} if like is None else like.derived
        self.deriving = threading.Lock() if like is None else like.deriving

    def execute(self, sql: str, args=()) -> Cursor:
        if isinstance(args, dict):  # sqlite3's :name parameters are DuckDB's $name
            sql = _NAMED.sub(r"$\1", sql)
        for old, new in self.swap.items():
            sql = sql.replace(old, new)
        for pattern, replacement in REWRITES:
            sql = pattern.sub(replacement, sql)
        if not isinstance(args, dict):
            sql, args = self._states_once(sql, list(args))
        return Cursor(self.duck.execute(sql, args) if args else self.duck.execute(sql))

    def _states_once(self, sql: str, args: list) -> tuple[str, list]:
        """The shared subqueries in `sql` (_ONCE) read from a temporary table made the first time they are asked for."""
        starts = [at for at in (sql.find(prefix) for prefix in _ONCE) if at >= 0]
        if not starts:
            return sql, args
        start = min(starts)
        depth, end = 0, start
        for end in range(start, len(sql)):
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            if depth == 0:
                break
        inner = sql[start + 1:end]
        before, count = sql[:start].count("?"), inner.count("?")
        key = (inner, *args[before:before + count])
        with self.deriving:
            if key not in self.derived:
                name = f"_derived_{len(self.derived)}"
                self.duck.execute(f"CREATE TABLE {name} AS {inner}", args[before:before + count])
                self.derived[key] = name
        sql = f"{sql[:start]}(SELECT * FROM {self.derived[key]}){sql[end + 1:]}"
        return self._states_once(sql, args[:before] + args[before + count:])


class Warehouse:
    """The dataset at `root` through DuckDB, standing where reports read a Store: `read` (its query helper
    over DuckDB), `settings()`, `head()`, `find()`, `teams`. Its chain head is the word "warehouse": a
    dataset is not one journal."""

    read_only = True
    scans = True  # no indexes: a statement that scans once beats a look-up per record (work_orders)
    created: list = []
    tightened: list = []

    def __init__(self, root: Path) -> None:
        duckdb = need("duckdb")
        self.root = Path(root).expanduser().resolve()
        self.ledgers = _manifests(self.root)
        # The facts kept beside the records (facts.py), as every ledger wrote them (a dataset written before
        # they were has none: the reports derive them from the records, as they did then)
        self.keeps_facts = all(m.get("format_version") in KEEPS_FACTS for m in self.ledgers)
        self.voids_named, self.last_void = _last_void(self.ledgers)
        self.duck = duckdb.connect(":memory:")
        for statement in DIALECT:
            self.duck.execute(statement)
        # A report runs several statements over the same files: read each file's footer once.
        self.duck.execute("SET parquet_metadata_cache = true")
        schema = _schema(self.root)
        try:  # every file the views read: `sql` may read these and nothing else
            self.files = _views(self.duck, self.root, schema, self.ledgers)
        except duckdb.Error as e:  # a file damaged or cut short (the views read each file's schema)
            self.duck.close()
            raise self.explain(e) or e from e
        self.conn = Connection(self.duck)
        self.read = Read(self.conn)
        self.teams = Teams(self, "teams")  # as Store.teams (the roster names its team through it)

    def settings(self, as_of: str | None = None) -> dict[str, str]:
        """The ledgers' settings: a setting all of them agree on, else the default (as they are when the
        dataset was written, whatever `as_of`: a dataset keeps no setting's changes)."""
        from huidesk.ledger.schema import DEFAULT_SETTINGS, LATER_SETTINGS

        values: dict[str, set[str]] = {}
        for key, value in self.duck.execute("SELECT key, value FROM settings").fetchall():
            values.setdefault(key, set()).add(value)
        agreed = {k: v.pop() for k, v in values.items() if len(v) == 1}
        return {**DEFAULT_SETTINGS, **LATER_SETTINGS, **agreed}

    def head(self) -> tuple[int, str]:
        return 0, "warehouse"

    def voided_since(self, as_of: str | None) -> str | None:
        """As Store.voided_since, from the latest void each partition's manifest names (format 4), else
        by reading every voided record."""
        if not self.voids_named or as_of is None:
            return voided_since(self.read, as_of)
        moment = void_moment(as_of)
        return moment if self.last_void is not None and self.last_void > moment else None

    def identity(self) -> dict[str, str | None]:
        return {"uid": None, "name": None, "place": None}

    def find(self, table: str, ref: str, field: str) -> "sqlite3.Row":
        """As Store.find; a place is one per path, however many ledgers hold it."""
        from huidesk.ledger.store import Store

        if table != "places":
            return Store.find(self, table, ref, field)  # type: ignore[arg-type]
        # like: any table it made once would be named apart from the others of this DuckDB
        paths = Connection(self.duck, {"FROM places t": "FROM _place_paths t"}, like=self.conn)
        read, self.read = self.read, Read(paths)
        try:
            return Store.find(self, table, ref, field)  # type: ignore[arg-type]
        finally:
            self.read = read

    def find_id(self, table: str, ref: str | None, field: str) -> int | None:
        from huidesk.ledger.store import Store

        return Store.find_id(self, table, ref, field)  # type: ignore[arg-type]  # through find, above

    def explain(self, e: BaseException) -> HuideskError | None:
        """A failure of DuckDB reading the dataset (a file damaged or cut short), in one line: the first of
        DuckDB's message, which names the file, without the statement it quotes after it. Ctrl-C during a
        statement, which DuckDB's Python client raises as a RuntimeError, as the interruption it is."""
        duckdb = need("duckdb")
        if type(e) is RuntimeError and str(e) == "Query interrupted":
            return Interrupted(tr("已中断（Ctrl-C）：报表未完成", "interrupted (Ctrl-C): the report did not finish"))
        if isinstance(e, duckdb.Error):
            said = one_line((str(e).strip().splitlines() or [type(e).__name__])[0])
            return LedgerError(tr(f"数据仓库读取出错：{said}", f"cannot read the warehouse: {said}"))
        return None

    def close(self) -> None:
        self.duck.close()

    @contextmanager
    def twin(self) -> "Iterator[Warehouse]":
        """A second reader of the same views, on a cursor of its own, for a report's statements on two
        threads: DuckDB spreads one statement over every core, but a summary's 34 are small (5–40 ms on a
        district), and much of each is work one core does (binding the views, opening files); two at once
        took a district's summary from 0.44 to 0.38 s. The subqueries made once (_ONCE) are shared."""
        import copy

        other = copy.copy(self)
        other.duck = self.duck.cursor()
        other.conn = Connection(other.duck, like=self.conn)
        other.read = Read(other.conn)
        other.teams = Teams(other, "teams")
        try:
            yield other
        finally:
            other.duck.close()


def _manifests(root: Path) -> list[dict]:
    """Every ledger's manifest, in uid order; refused while a ledger's write is not complete, and
    refused when it is not what huidesk writes (a shared folder's files are checked, not trusted)."""
    folder = root / "_huidesk"
    if not (root / "_schema.json").is_file() or not folder.is_dir():
        raise LedgerError(tr(f"这里没有数据仓库：{root}（先运行 huidesk warehouse {root}）",
                             f"no warehouse at {root} (run huidesk warehouse {root} first)"))
    found, folders = [], set()
    for path in sorted(folder.glob("ledger=*.json")):
        manifest = _checked_manifest(root, path, folders)
        if (staging_path(root, manifest["ledger"]) / "intent.json").exists():
            who = manifest["name"] or manifest["ledger"][:12]
            raise LedgerError(tr(
                f"数据仓库 {root} 中账本 {who} 的写入尚未完成：请在该账本再运行一次 huidesk warehouse",
                f"the warehouse {root} holds an unfinished write of the ledger {who}: run huidesk warehouse on "
                "that ledger again"))
        found.append(manifest)
    return sorted(found, key=lambda m: m["ledger"])


def _checked_manifest(root: Path, path: Path, folders: set[str]) -> dict:
    """The manifest at `path` if it is one huidesk writes: its ledger the one its name says, every
    partition one of that ledger's own (no path outside the dataset, nor another ledger's) and a regular
    file there (`folders`: plain_file's), its values of the types the views use."""
    def refuse(zh: str, en: str) -> LedgerError:
        return LedgerError(tr(f"数据仓库的清单 {path.relative_to(root)} 不可信：{zh}",
                              f"the warehouse manifest {path.relative_to(root)} is not to be trusted: {en}"))

    try:
        manifest = read_manifest(path)
    except (OSError, ValueError):
        raise refuse("读不出 JSON", "not readable JSON") from None
    uid = path.name.removeprefix("ledger=").removesuffix(".json")
    if not isinstance(manifest, dict) or manifest.get("ledger") != uid or not UID.fullmatch(uid):
        raise refuse("账本标识与文件名不符", "its ledger is not the one its name says")
    sources = manifest.get("sources", [])
    texts = ("name", "place", "head", "pii")
    if (not all(isinstance(manifest.get(k), str) for k in texts) or type(manifest.get("number")) is not int
            or manifest["number"] < 0 or not isinstance(manifest.get("partitions"), dict)
            or not isinstance(sources, list) or not all(isinstance(u, str) and UID.fullmatch(u) for u in sources)):
        raise refuse("格式不对", "not a manifest")
    for rel in manifest["partitions"]:
        if partition_parts(rel, uid) is None:
            raise refuse(f"{rel} 不是该账本的分区", f"{rel} is not one of its ledger's partitions")
        if not plain_file(root, rel, folders):
            raise Untrusted(root, rel, "不是普通文件（链接、管道或已不存在）",
                            "not a regular file (a link, a pipe, or missing)")
    return manifest


def _last_void(ledgers: list[dict]) -> tuple[bool, str | None]:
    """Whether the manifests name the latest void of each partition of a record table (format 4), and the
    latest moment any record of the dataset was voided at (None: none was)."""
    found: list[str] = []
    for manifest in ledgers:
        for rel, info in manifest["partitions"].items():
            if rel.split("/", 1)[0].removeprefix("table=") in VOIDABLE:
                last = info.get("last_void", 0) if isinstance(info, dict) else 0
                if last is not None and not isinstance(last, str):
                    return False, None
                found += [last] if last else []
    return True, max(found, default=None)


_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _schema(root: Path) -> dict:
    """The dataset's `_schema.json` tables, refused unless every table and column is a plain name and
    every type one the views know (they are spelled into the views' SQL)."""
    def refuse(zh: str, en: str) -> LedgerError:
        return LedgerError(tr(f"数据仓库的 _schema.json 不可信：{zh}",
                              f"the warehouse's _schema.json is not to be trusted: {en}"))

    try:
        tables = read_manifest(root / "_schema.json")["tables"]
    except (OSError, ValueError, KeyError, TypeError):
        raise refuse("读不出", "not readable") from None
    if not isinstance(tables, dict):
        raise refuse("没有表", "no tables")
    for table, spec in tables.items():
        columns = spec.get("columns") if isinstance(spec, dict) else None
        if not _IDENTIFIER.fullmatch(table) or not isinstance(columns, dict) or not columns:
            raise refuse(f"表 {table!r}", f"table {table!r}")
        for column, about in columns.items():
            if (not _IDENTIFIER.fullmatch(column) or not isinstance(about, dict)
                    or about.get("arrow") not in _DUCK_TYPES):
                raise refuse(f"列 {table}.{column!r}", f"column {table}.{column!r}")
    return tables


def _views(duck, root: Path, schema: dict, ledgers: list[dict]) -> list[str]:
    """A view per ledger table (ids offset per ledger, a merged ledger's copies of rows whose origin
    wrote its own partition left out), `_place_paths`, `_ledgers`, and the empty federation tables.
    Returns the files the views read."""
    read: list[str] = []
    present = [m["ledger"] for m in ledgers]
    merged = [m["ledger"] for m in ledgers if set(m.get("sources", ())) & set(present)]
    for table, spec in schema.items():
        view = FACTS.get(table, table)  # named as the ledger names them
        columns = {c: d for c, d in spec["columns"].items() if c != "origin"}
        files = [str(root / rel) for m in ledgers for rel in m["partitions"] if rel.startswith(f"table={table}/")]
        read += files
        if not files:
            cols = ", ".join(f"CAST(NULL AS {_DUCK_TYPES[d['arrow']]}) AS \"{c}\"" for c, d in columns.items())
            duck.execute(f"CREATE VIEW \"{view}\" AS SELECT {cols} WHERE false")
            continue
        shown = [f"\"{c}\"" for c in columns]
        where = ""
        if merged and table not in _SHARED and table != "settings":
            writers = ", ".join(f"'{u}'" for u in merged)
            others = ", ".join(f"'{u}'" for u in present)
            where = f" WHERE NOT (ledger IN ({writers}) AND origin <> ledger AND origin IN ({others}))"
        # the files of one layout each (a table kept by year by one ledger and whole by another, as visit_firsts
        # in formats 3 and 4): DuckDB reads the folders of one list as the same hive keys
        layouts: dict[int, list[str]] = {}
        for f in files:
            layouts.setdefault(f.count("/"), []).append("'" + f.replace("'", "''") + "'")
        scans = [f"read_parquet([{', '.join(group)}], hive_partitioning = true, hive_types_autocast = false)"
                 for _, group in sorted(layouts.items())]
        source = scans[0] if len(scans) == 1 else f"({' UNION ALL BY NAME '.join(f'SELECT * FROM {r}' for r in scans)})"
        duck.execute(f"CREATE VIEW \"{view}\" AS SELECT {', '.join(shown)} FROM {source}{where}")
    duck.execute("CREATE VIEW _place_paths AS SELECT min(id) AS id, any_value(name) AS name, path,"
                 " any_value(level) AS level, any_value(void_reason) AS void_reason FROM places"
                 " WHERE void_reason IS NULL GROUP BY path")
    rows = [(m["ledger"], m["name"], m["place"], m["head"], m["pii"], m["number"] << ID_BITS) for m in ledgers]
    duck.execute("CREATE TABLE _ledgers (uid VARCHAR, name VARCHAR, place VARCHAR, head VARCHAR, pii VARCHAR,"
                 " id_offset BIGINT)")
    if rows:
        duck.executemany("INSERT INTO _ledgers VALUES (?, ?, ?, ?, ?, ?)", rows)
    for table, columns in _EMPTY.items():
        duck.execute(f"CREATE TABLE {table} ({columns})")
    return read


def read_only_query(
    root: Path, sql: str, timeout: float | None = None, stopped: Callable[[], bool] = lambda: False,
) -> tuple[list[str], Iterator[tuple]]:
    """`huidesk sql` on the dataset: one SELECT on the views, with no file access of its own (it cannot
    write, attach or export anything, read files other than the views' own, nor change that), stopped
    by `timeout` or by `stopped()`."""
    warehouse = Warehouse(root)
    duck = warehouse.duck
    duckdb = need("duckdb")
    # One SELECT, nothing else: the file rules below alone let a COPY (USE_TMP_FILE false) write over a
    # file the views read, and CREATE or INSERT change the session.
    try:
        statements = duck.extract_statements(sql)
    except duckdb.Error as e:
        warehouse.close()
        raise InvalidValue("SQL", sql, str(e).splitlines()[0]) from e
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        warehouse.close()
        raise InvalidValue("SQL", sql, tr("只能是一条 SELECT 查询（数据仓库只读）",
                                          "one SELECT statement only (the warehouse is read-only)"))
    # and no file but the ones the views read, none to write, no extension, and no way to change that
    duck.execute("SET allowed_directories = []")
    duck.execute("SET allowed_paths = ?", [sorted(set(warehouse.files))])
    duck.execute("SET autoinstall_known_extensions = false")
    duck.execute("SET autoload_known_extensions = false")
    duck.execute("SET enable_external_access = false")
    duck.execute("SET lock_configuration = true")
    why: list[str] = []
    done = threading.Event()
    deadline = time.monotonic() + timeout if timeout else None

    def watch() -> None:
        while not done.wait(0.05):
            if stopped() or (deadline is not None and time.monotonic() > deadline):
                why.append("interrupted" if stopped() else "timeout")
                duck.interrupt()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()

    def refusal(e: Exception) -> HuideskError:
        if why and why[0] == "interrupted":
            return Interrupted(tr("已中断（Ctrl-C）：SQL 查询未完成",
                                  "interrupted (Ctrl-C): the SQL query did not finish"))
        if why:
            return HuideskError(tr(
                f"SQL 查询超过 {timeout:g} 秒，已中止（用 --timeout 秒数 放宽，0 为不限）",
                f"the SQL query was stopped after {timeout:g} s (--timeout SECONDS; 0 for no limit)"))
        return InvalidValue("SQL", sql, str(e).splitlines()[0])

    try:
        result = duck.execute(sql)
        columns = [d[0] for d in result.description or []]
        rows = result.fetchall()
    except duckdb.Error as e:
        raise refusal(e) from e
    finally:
        done.set()
        warehouse.close()
    return columns, iter(rows)
