"""The ledger itself: init, log, void, check, backup."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.options import FormatOpt, WideOpt
from huidesk.render.output import Column, emit, message, progress

INIT_HELP = tr(
    "创建账本（可重复运行；旧版账本会升级）。\n\n\b\n例：huidesk init\n    huidesk --db ~/村账本.db init",
    "Create the ledger (safe to repeat; upgrades an old one).\n\n\b\nExample: huidesk init",
)


def init(ctx: typer.Context) -> None:
    s = session(ctx)
    existed = s.db.exists()
    with s.ledger(create=True) as store, store.write(s.command) as tx:
        store.init_settings(tx)
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
    from huidesk.domain.errors import InvalidTransition
    from huidesk.exchange.demo import DEMO_DATE, build
    from huidesk.ledger.queries import Scope
    from huidesk.reports.summary import build as summarise

    s = session(ctx)
    with s.ledger(create=True) as store:
        if store.holds_records():
            raise InvalidTransition(
                tr(f"账本 {s.db} 已有记录；示例请建在新文件里：huidesk --db 示例.db demo",
                   f"{s.db} already holds records; build the demo in a new file: huidesk --db demo.db demo")
            )
        build(store, s.command)
        for path, since in (("银川市/金凤区/满城北街街道/平伏桥村", None), ("银川市/金凤区/黄河东路街道", "2024-03-01"),
                            ("吴忠市/同心县/豫海镇/清水社区", "2024-03-01"),
                            ("银川市/兴庆区/玉皇阁北街/高台寺社区", None)):
            import datetime as dt

            start = dt.date.fromisoformat(since) if since else None
            data = summarise(store, Scope(place_path=path, label=path), start, DEMO_DATE, DEMO_DATE)
            sys.stdout.write(data["narrative"] + "\n\n")
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
    Column("at", "时间", "at", show=lambda at: _local(str(at)), nowrap=True, priority=8),
    Column("actor", "记录人", "by", priority=4),
    Column("command", "命令", "command", priority=7),
    Column("writes", "写入", "writes", nowrap=True, priority=5),
    Column("records", "记录", "records", priority=6, least=16),
    Column("hash", "哈希", "hash", show=lambda h: str(h)[:12], nowrap=True, priority=3),
]


def _local(at: str) -> str:
    """A journal time (UTC) as the recorder's local time, to the minute."""
    import datetime as dt

    return dt.datetime.fromisoformat(at).astimezone().strftime("%Y-%m-%d %H:%M")


def log(
    ctx: typer.Context,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=1_000_000, help=tr("最多显示几条", "how many entries"))
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
    message(tr(f"已作废 {name}#{record_id}：{reason.strip()}", f"voided {name}#{record_id}: {reason.strip()}"))


UNDO_HELP = tr(
    "撤销你（--by）上一条命令写入的记录：作废它们，作为一条新日志；撤销 void 则恢复。\n\n\b\n例：huidesk undo",
    "Undo your (--by) last command: void what it wrote, as a new journal entry; undoing a void restores.\n\n\b\n"
    "Example: huidesk undo",
)


def undo(ctx: typer.Context) -> None:
    s = session(ctx)
    with s.ledger() as store, store.write(s.command) as tx:
        entry, done = store.undo(tx, s.actor)
    what = " ".join(f"{t}#{i}" for t, i, _ in done)
    command, number = entry["command"], entry["id"]
    if all(op == "restore" for _, _, op in done):
        message(tr(f"已撤销“{command}”（日志#{number}），恢复：{what}",
                   f"undid '{command}' (entry {number}), restored: {what}"))
    else:
        message(tr(f"已撤销“{command}”（日志#{number}），作废：{what}",
                   f"undid '{command}' (entry {number}), voided: {what}"))


SQL_HELP = tr(
    "只读 SQL 查询（不能写入、附加数据库或加载扩展）。\n\n\b\n"
    "例：huidesk sql \"SELECT kind, count(*) FROM issues GROUP BY kind\" --format json",
    "A read-only SQL query (cannot write, attach or load extensions).\n\n\b\n"
    "Example: huidesk sql \"SELECT kind, count(*) FROM issues GROUP BY kind\"",
)


def sql(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(metavar="SQL", help=tr("SELECT 语句", "a SELECT statement"))],
    fmt: FormatOpt = None,
    wide: WideOpt = False,
) -> None:
    from huidesk.ledger.readonly import read_only_query

    s = session(ctx)
    columns, rows = read_only_query(s.db, query)
    emit((dict(zip(columns, r, strict=True)) for r in rows), [Column(c, c, c) for c in columns], fmt,
         wide=wide)


CHECK_HELP = tr(
    "核验账本：SQLite 完整性、日志哈希链、每条记录与日志是否一致。发现问题时退出码为 3。\n\n\b\n例：huidesk check",
    "Verify the ledger: SQLite integrity, the journal's hash chain, every record against the journal. "
    "Exits 3 when something is wrong.\n\n\b\nExample: huidesk check",
)


def check(ctx: typer.Context) -> None:
    from huidesk.domain.errors import ExitCode
    from huidesk.ledger.integrity import verify

    s = session(ctx)
    with s.ledger() as store:
        total = store.journal_size()
        with progress(tr("核验日志", "checking journal"), total) as advance:
            problems = list(verify(store, advance))
        entry, head = store.head()
    for p in problems:
        sys.stdout.write(f"{p}\n")
    if problems:
        n = len(problems)
        message(tr(f"发现 {n} 处问题：账本被绕过工具改动过", f"{n} problem(s): the ledger was altered"))
        raise typer.Exit(ExitCode.TAMPERED)
    sys.stdout.write(tr(f"账本完好：{entry} 条日志，链头 {head}\n",
                        f"ledger intact: {entry} entries, chain head {head}\n"))


BACKUP_HELP = tr(
    "备份账本到文件或目录（在线备份，写入中也一致；仅本人可读）。\n\n\b\n"
    "例：huidesk backup ~/备份/\n    huidesk backup ledger-2024-07.db",
    "Back the ledger up to a file or folder (consistent while others write; owner-only).\n\n\b\n"
    "Example: huidesk backup ~/backups/",
)


def backup(
    ctx: typer.Context,
    dest: Annotated[Path, typer.Argument(help=tr("目标文件或目录", "destination file or folder"))],
) -> None:
    import datetime as dt

    s = session(ctx)
    if dest.is_dir():
        dest = dest / f"ledger-{dt.datetime.now():%Y%m%d-%H%M%S}.db"
    with s.ledger() as store:
        store.backup(dest)
        entry, head = store.head()
    sys.stdout.write(f"{dest}\n")
    message(tr(f"已备份到 {dest}（{entry} 条日志，链头 {head[:12]}）",
               f"backed up to {dest} ({entry} entries, head {head[:12]})"))
