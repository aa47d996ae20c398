"""The ledger itself: init, log, void, check, backup."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.options import Count, FormatOpt, WideOpt
from huidesk.render.output import Column, emit, folders_made, message, progress, say

INIT_HELP = tr(
    "创建账本（可重复运行；旧版账本会升级）。\n\n"
    "账本有自己的标识（创建时生成）、名称和地点（--name、--place，之后也可用 setting set ledger_name/ledger_place），"
    "随 bundle 报送给街道。\n\n\b\n例：huidesk init\n"
    "    huidesk --db ~/村账本.db init --name 平伏桥村 --place 银川市/金凤区/满城北街街道/平伏桥村",
    "Create the ledger (safe to repeat; upgrades an old one).\n\n"
    "A ledger has its own uid (made here), a name and a place (--name, --place, or later setting set "
    "ledger_name/ledger_place), which its bundles carry to the street office.\n\n\b\n"
    "Example: huidesk init --name 平伏桥村 --place 银川市/金凤区/满城北街街道/平伏桥村",
)


def init(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Option("--name", help=tr("账本名称，如 平伏桥村", "the ledger's name, e.g. 平伏桥村"))
    ] = None,
    place: Annotated[
        str | None,
        typer.Option("--place", help=tr("账本所属地点的路径", "the path of the place the ledger keeps")),
    ] = None,
) -> None:
    from huidesk.domain.places import identity_text

    s = session(ctx)
    name = identity_text(name, "--name") if name is not None else None
    place = identity_text(place, "--place", path=True) if place is not None else None
    existed = s.db.exists()
    with s.ledger(create=True) as store, store.write(s.command) as tx:
        store.init_settings(tx, name, place)
    if existed:
        message(tr(f"账本已就绪：{s.db}", f"ledger ready: {s.db}"))
    else:
        message(tr(f"已创建账本：{s.db}", f"created ledger: {s.db}"))


DEMO_HELP = tr(
    "建一个示例账本：从一条条记录重现报道中的数字和三个故事（平伏桥村“五色”服务队、黄河东路街道18支服务队、"
    "清水社区“角落”服务队、高台寺社区“红色先锋”），并打印统计。只用于空账本。\n\n\b\n"
    "例：huidesk --db 示例.db demo\n    huidesk --db 示例.db --today 2024-07-08 summary --place 平伏桥村",
    "Build a sample ledger that reproduces the article's figures and stories from individual records, "
    "and print its summaries. Only into an empty ledger.\n\n\b\nExample: huidesk --db demo.db demo",
)


def demo(ctx: typer.Context) -> None:
    import datetime as dt

    from huidesk.context import report_spec, scope
    from huidesk.domain.dates import ledger_zone
    from huidesk.domain.errors import InvalidTransition
    from huidesk.exchange.demo import DEMO_DATE, build
    from huidesk.reports.spec import Period
    from huidesk.reports.summary import build as summarise

    s = session(ctx)
    with s.ledger(create=True) as store:
        if store.holds_records():
            raise InvalidTransition(
                tr(f"账本 {s.db} 已有记录；示例请建在新文件里：huidesk --db 示例.db demo",
                   f"{s.db} already holds records; build the demo in a new file: huidesk --db demo.db demo")
            )
        build(store, s.command)
        as_of = dt.datetime.combine(DEMO_DATE, dt.time(23, 59, 59), ledger_zone())  # the end of the demo's today
        for path, since in (("银川市/金凤区/满城北街街道/平伏桥村", None), ("银川市/金凤区/黄河东路街道", "2024-03-01"),
                            ("吴忠市/同心县/豫海镇/清水社区", "2024-03-01"),
                            ("银川市/兴庆区/玉皇阁北街/高台寺社区", None)):
            period = Period(dt.date.fromisoformat(since) if since else None, DEMO_DATE)
            spec = report_spec(store, scope(store, None, path), period, as_of)
            sys.stdout.write(summarise(store, spec).narrative + "\n\n")
        entries, head = store.head()
    tryout = f"huidesk --db {s.db} --today 2024-07-08 summary --place 平伏桥村"
    message(tr(f"示例账本：{s.db}（日志 {entries} 条，链头 {head[:12]}）。试试：{tryout}",
               f"demo ledger: {s.db} ({entries} entries, head {head[:12]}). Try: {tryout}"))


LOG_HELP = tr(
    "日志：每次写入的时间、记录人、命令和写入的记录（新的在前）。\n\n\b\n例：huidesk log --limit 5",
    "The journal: time, recorder, command and records of each write (newest first).\n\n\b\n"
    "Example: huidesk log --limit 5",
)

_LOG_COLUMNS = [
    Column("id", "序号", "entry", nowrap=True, priority=9),
    # People read the journal's times, in a table and in a sheet alike: the ledger's zone, not UTC (json keeps it)
    Column("at", "时间", "at", show=lambda at: _local(str(at)), written=lambda at: _local(str(at)), nowrap=True,
           priority=8),
    Column("actor", "记录人", "by", priority=4),
    Column("command", "命令", "command", show=lambda c: _command(c), priority=7),
    Column("writes", "写入", "writes", nowrap=True, priority=5),
    Column("records", "记录", "records", show=lambda v: _said(v), written=lambda v: _said(v), priority=6, least=16),
    Column("hash", "哈希", "hash", show=lambda h: str(h)[:12], nowrap=True, priority=3),
]


def _said(records: object) -> object:
    """A log entry's records as people read them (诉求事件#5); json keeps the tables' names."""
    from huidesk.ledger.schema import records_said

    return records_said(records) if isinstance(records, str) else records


def _command(command: object) -> object:
    """A log entry's command as people read it on the screen (走访 登记); sheets and json keep the journal's."""
    from huidesk.ledger.schema import command_said

    return command_said(command) if isinstance(command, str) else command


def _local(at: str) -> str:
    """A journal time (UTC) in the ledger's time zone, to the minute."""
    from huidesk.domain.dates import ledger_zone, shown_moment

    return shown_moment(at, ledger_zone())


def log(
    ctx: typer.Context,
    limit: Annotated[
        int, typer.Option("--limit", "-n", click_type=Count(1, 1_000_000), help=tr("最多显示几条", "how many entries"))
    ] = 20,
    fmt: FormatOpt = None,
    wide: WideOpt = False,
) -> None:
    s = session(ctx)
    with s.ledger() as store:
        emit(store.log(limit), _LOG_COLUMNS, fmt, wide=wide)


VOID_HELP = tr(
    "作废一条记录（不删除），写明原因；统计不再计入。\n\n\b\n例：huidesk void visit 12 --reason 重复录入",
    "Mark a record void (never deleted), with a reason; reports leave it out.\n\n\b\n"
    "Example: huidesk void visit 12 --reason duplicate",
)


def void(
    ctx: typer.Context,
    table: Annotated[
        str, typer.Argument(help=tr("记录类型：visit/走访、team/服务队……", "record type: visit, team, ..."))
    ],
    record_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=2**63 - 1, help=tr("记录编号", "record id"))],
    reason: Annotated[str, typer.Option("--reason", "-r", help=tr("作废原因", "why"))],
) -> None:
    from huidesk.domain.errors import InvalidValue
    from huidesk.ledger.schema import table_name

    s = session(ctx)
    name = table_name(table)
    if not reason.strip() or not reason.isprintable():
        raise InvalidValue("--reason", reason, tr("请写明原因", "give a reason"))
    with s.ledger() as store, store.write(s.command) as tx:
        store.void(tx, name, record_id, reason.strip())
    message(tr(f"已作废 {_said(f'{name}#{record_id}')}：{reason.strip()}",
               f"voided {name}#{record_id}: {reason.strip()}"))


UNDO_HELP = tr(
    "撤销你（--by）上一条命令写入的记录：作废它们，作为一条新日志；撤销 void 则恢复。\n\n\b\n例：huidesk undo",
    "Undo your (--by) last command: void what it wrote, as a new journal entry; undoing a void restores.\n\n\b\n"
    "Example: huidesk undo",
)


def undo(ctx: typer.Context) -> None:
    s = session(ctx)
    with s.ledger() as store, store.write(s.command) as tx:
        entry, done = store.undo(tx, s.actor)
    what = _said(" ".join(f"{t}#{i}" for t, i, _ in done))
    command, number = entry["command"], entry["id"]
    said = _command(command)
    if all(op == "restore" for _, _, op in done):
        message(tr(f"已撤销“{said}”（日志#{number}），恢复：{what}",
                   f"undid '{command}' (entry {number}), restored: {what}"))
    else:
        message(tr(f"已撤销“{said}”（日志#{number}），作废：{what}",
                   f"undid '{command}' (entry {number}), voided: {what}"))


SQL_HELP = tr(
    "只读 SQL 查询（不能写入、附加数据库或加载扩展）。\n\n"
    "sql 是账本主人的原始工具：结果不遮蔽个人信息（居民姓名、电话照原样显示）。"
    "查询默认 30 秒后中止（--timeout 秒数，0 为不限）；Ctrl-C 随时停止（退出码 130）。\n\n\b\n"
    "例：huidesk sql \"SELECT kind, count(*) FROM issues GROUP BY kind\" --format json",
    "A read-only SQL query (cannot write, attach or load extensions).\n\n"
    "sql is the ledger owner's raw tool: its results do not mask personal information (residents' names and "
    "phones show as they are). A query is stopped after 30 seconds (--timeout SECONDS, 0 for no limit); Ctrl-C "
    "stops it at any time (exit code 130).\n\n\b\n"
    "Example: huidesk sql \"SELECT kind, count(*) FROM issues GROUP BY kind\"",
)


def sql(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(metavar="SQL", help=tr("SELECT 语句", "a SELECT statement"))],
    fmt: FormatOpt = None,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout", min=0, metavar="SECONDS",
            help=tr("超过这么多秒就中止查询；0 为不限", "stop the query after this many seconds; 0: no limit"),
        ),
    ] = 30,
    wide: WideOpt = False,
) -> None:
    import signal
    import threading

    from huidesk.ledger.readonly import read_only_query

    s = session(ctx)
    # Ctrl-C sets a flag that SQLite's progress handler reads (huidesk.ledger.readonly). Without a
    # handler no Python runs while SQLite works, so a KeyboardInterrupt waits for the query to end;
    # raised inside the handler, sqlite3 would swallow it into a plain "interrupted" error.
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        if s.warehouse is not None:  # --warehouse: the same query through DuckDB over the dataset's views
            from huidesk.ledger.warehouse_read import read_only_query as on_warehouse

            columns, rows = on_warehouse(s.warehouse, query, timeout or None, stop.is_set)
        else:
            columns, rows = read_only_query(s.db, query, timeout or None, stop.is_set)
        emit((dict(zip(columns, r, strict=True)) for r in rows), [Column(c, c, c) for c in columns], fmt,
             wide=wide)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


CHECK_HELP = tr(
    "核验账本：SQLite 完整性、日志哈希链、每条记录与日志是否一致。发现问题时退出码为 3。\n\n"
    "也核对架构（表、索引、触发器、视图）是否正是 huidesk 所定义的。--head 给出台账上印的链头，--against 给出一份备份："
    "链被截短或被重建过时，它们就不在链中。\n\n\b\n"
    "例：huidesk check\n    huidesk check --head 3f2a9c01b7e4\n"
    "    huidesk check --against ~/备份/ledger-20240708-0930.db",
    "Verify the ledger: SQLite integrity, the journal's hash chain, every record against the journal. Exits 3 "
    "when something is wrong.\n\nAlso that the schema (tables, indexes, triggers, views) is exactly huidesk's. "
    "--head takes the chain head a tally printed, --against a backup: a chain cut short or rebuilt no longer "
    "holds them.\n\n\b\nExample: huidesk check --head 3f2a9c01b7e4",
)


def check(
    ctx: typer.Context,
    head: Annotated[
        str | None,
        typer.Option("--head", metavar="HASH",
                     help=tr("台账上印的链头（完整或前 12 位以上）",
                             "a chain head a tally printed (12 or more hex digits)")),
    ] = None,
    against: Annotated[
        Path | None,
        typer.Option("--against", metavar="BACKUP", help=tr("与这份备份核对", "compare with this backup")),
    ] = None,
) -> None:
    from huidesk.domain.errors import ExitCode
    from huidesk.ledger.store import DamagedLedger

    s = session(ctx)
    try:
        problems, notes, (entry, head_hash), identity = _check(s, head, against)
    except DamagedLedger as e:
        e.exit_code = ExitCode.TAMPERED
        raise
    for p in problems:
        say(str(p))
    if problems:
        n = len(problems)
        message(tr(f"发现 {n} 处问题：账本被绕过工具改动过", f"{n} problem(s): the ledger was altered"))
        raise typer.Exit(ExitCode.TAMPERED)
    say(tr(f"账本完好：{entry} 条日志，链头 {head_hash}", f"ledger intact: {entry} entries, chain head {head_hash}"))
    if any(identity.values()):
        unnamed = tr("未命名", "unnamed")
        where = f"（{identity['place']}）" if identity["place"] else ""
        where_en = f" ({identity['place']})" if identity["place"] else ""
        say(tr(f"账本：{identity['name'] or unnamed}{where}，标识 {identity['uid'] or '—'}",
               f"ledger: {identity['name'] or unnamed}{where_en}, uid {identity['uid'] or '-'}"))
    for note in notes:
        say(note)


def _check(s, head: str | None, against: Path | None) -> tuple[list, list[str], tuple[int, str], dict]:
    from huidesk.ledger.integrity import compare_backup, find_head, head_problem, verify

    notes = []
    with s.ledger() as store:
        anchor = find_head(store, head) if head is not None else None  # a mistyped hash is refused first
        total = store.journal_size()
        with progress(tr("核验日志", "checking journal"), total) as advance:
            problems = list(verify(store, advance))
        last = store.head()
        if head is not None:
            if anchor is None:
                problems.append(head_problem(head))
            else:
                notes.append(_anchored(tr(f"链头 {head}", f"chain head {head}"), anchor, last[0]))
        if against is not None:
            found, differences = compare_backup(store, against)
            problems += differences
            if found is not None and not differences:
                notes.append(_anchored(tr(f"备份 {against}", f"backup {against}"), found, last[0]))
        identity = store.identity()
    return problems, notes, last, identity


def _anchored(what: str, entry, last: int) -> str:
    """Where an anchor sits in the chain, and what that proves (docs/reliability.md): the history up to
    it is the one the anchor saw; what came after is chained and of the shape huidesk writes, which
    does not prove who wrote it."""
    after = last - entry.id
    then = tr("其后", "after it")
    if entry.id == 0:
        where = tr(f"{what} 是日志链的起点", f"{what} is the start of the chain")
    else:
        where = tr(f"{what} 是日志#{entry.id}（{_local(entry.at)} {entry.actor}：{entry.command}），"
                   f"到它为止的 {entry.id} 条日志与当时相同",
                   f"{what} is entry {entry.id} ({_local(entry.at)} {entry.actor}: {entry.command}); "
                   f"the {entry.id} entries up to it are as they were then")
    return where + tr(f"；{then}的 {after} 条接续完好、均为 huidesk 命令写入的形式（不能证明由谁写入）",
                      f"; the {after} entries {then} are chained and in the shape huidesk's commands write "
                      "(which does not prove who wrote them)")


BACKUP_HELP = tr(
    "备份账本到文件或目录（在线备份，写入中也一致；仅本人可读）。\n\n"
    "目标是目录（或以 / 结尾）时，在其中写 ledger-年月日-时分.db，不与已有文件重名；已有的文件不覆盖，除非加 --force。"
    "\n\n\b\n例：huidesk backup ~/备份/\n    huidesk backup ledger-2024-07.db",
    "Back the ledger up to a file or folder (consistent while others write; owner-only).\n\n"
    "Into a folder (or a path ending in /) it writes ledger-YYYYMMDD-HHMM.db, never over another file; an "
    "existing file is not overwritten without --force.\n\n\b\nExample: huidesk backup ~/backups/",
)


def backup(
    ctx: typer.Context,
    dest: Annotated[str, typer.Argument(metavar="DEST", help=tr("目标文件或目录", "destination file or folder"))],
    force: Annotated[bool, typer.Option("--force", help=tr("覆盖已有的文件", "overwrite an existing file"))] = False,
) -> None:
    import datetime as dt
    import os

    from huidesk.domain.dates import ledger_zone
    from huidesk.domain.errors import InvalidValue
    from huidesk.domain.files import dated_name, is_stream, private_folders, refuse_overwrite

    s = session(ctx)
    target = Path(dest).expanduser()
    into_folder = dest.endswith(("/", os.sep)) or target.is_dir()
    folder = target if into_folder else target.parent
    if not into_folder:
        if target.resolve() in {s.db.resolve(), *(Path(f"{s.db.resolve()}{x}") for x in ("-wal", "-shm"))}:
            raise InvalidValue("dest", dest, tr("这是账本自身", "that is the ledger itself"))
        refuse_overwrite(target, force)
    with s.ledger() as store:
        folders_made(private_folders(folder))
        if into_folder:
            target = dated_name(folder, "ledger", ".db", dt.datetime.now(ledger_zone()))  # local time
        store.backup(target, overwrite=force)
        entry, head = store.head()
    if not is_stream(target):  # a file on stdout is the data; its name is not
        sys.stdout.write(f"{target}\n")
    message(tr(f"已备份到 {target}（{entry} 条日志，链头 {head[:12]}）",
               f"backed up to {target} ({entry} entries, head {head[:12]})"))
