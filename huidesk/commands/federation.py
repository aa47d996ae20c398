"""bundle, merge, sources: a community's records travel by file to the street office's ledger."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.options import ForceOpt, FormatOpt, PiiOpt, WideOpt
from huidesk.render.output import Column, emit, folders_made, message

BUNDLE_HELP = tr(
    "报送包：把本账本自上次报送以来的日志和记录写进一个 SQLite 文件，交给街道合并（huidesk merge）。\n\n"
    "包内有清单（manifest：来源账本、首末日志、前后链头、个人信息策略）、带哈希的日志和记录。"
    "报送包用本账本的密钥签名。默认居民以化名报送（编号、遮蔽的姓名、标签、出生年份、地点；不含电话、监护人和健康信息；"
    "文字中的居民姓名、电话和身份证号都遮蔽），--pii 全部（full）报送全部。"
    "--all 从头报送全部日志。已有的文件不覆盖，除非加 --force。\n\n\b\n"
    "例：huidesk bundle --output 报送/2024-07.db\n    huidesk bundle --all --output 全部.db",
    "A bundle: what this ledger journaled since its last bundle, in one SQLite file for the street office "
    "to merge (huidesk merge).\n\nIt holds a manifest (source ledger, first and last entry, chain heads before "
    "and after, PII policy), the journal entries with their hashes, and the records. Residents travel "
    "pseudonymous by default (uid, masked name, tags, birth year, place; no phone, guardian or health details; "
    "residents' names, phone and ID numbers masked in free text); the bundle is signed with this ledger's key; "
    "--pii full sends everything. --all sends the whole journal. An existing file is not overwritten without "
    "--force.\n\n\b\nExample: huidesk bundle --output bundles/2024-07.db",
)


def bundle(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help=tr("报送包文件", "the bundle file"))],
    everything: Annotated[
        bool, typer.Option("--all", help=tr("从头报送全部日志", "the whole journal, not only what is new"))
    ] = False,
    pii: PiiOpt = "pseudonymous",
    force: ForceOpt = False,
) -> None:
    from huidesk import __version__
    from huidesk.domain.errors import InvalidValue
    from huidesk.domain.files import is_stream, private_folders, refuse_overwrite
    from huidesk.domain.vocab import resolve
    from huidesk.ledger.federation import make_bundle

    s = session(ctx)
    pii = resolve("pii", pii, "--pii")
    target = output.expanduser()
    if target.is_dir():
        raise InvalidValue("--output", str(output), tr("是一个目录，请给出文件名", "is a folder; give a file name"))
    if target.resolve() in {s.db.resolve(), *(Path(f"{s.db.resolve()}{x}") for x in ("-wal", "-shm"))}:
        raise InvalidValue("--output", str(output), tr("这是账本自身", "that is the ledger itself"))
    refuse_overwrite(target, force)
    with s.ledger() as store:
        folders_made(private_folders(target.parent))
        with store.write(s.command) as tx:
            # made "now" as the session sees it: with --today a cron job or a test reproduces it
            made_at = s.now.isoformat(timespec="seconds")
            done = make_bundle(store, tx, target, everything, pii, __version__, force, made_at)
    if not is_stream(target):  # a file on stdout is the data; its name is not
        sys.stdout.write(f"{target}\n")
    policy = tr("居民为化名", "residents pseudonymous") if done.pii == "pseudonymous" else tr(
        "含全部个人信息", "with full personal information")
    message(tr(f"已写入报送包 {target}：日志#{done.first}–#{done.last}，{done.records} 条记录，{policy}，"
               f"链头 {done.head_after[:12]}",
               f"wrote bundle {target}: entries {done.first}-{done.last}, {done.records} records, {policy}, "
               f"head {done.head_after[:12]}"))


MERGE_HELP = tr(
    "合并报送包（街道、区的汇总账本）：逐个核验（只读本版本认识的表和列，签名须是该来源账本的密钥，"
    "每条日志的哈希，每条记录都须是日志写下的那条、不多不少），必须接续该来源上次合并到的链头（缺少日志或分叉都拒绝），"
    "已合并过的包跳过；每个包一个事务、一条日志。\n\n"
    "地点按路径、单位按名称、服务队按地点和名称共用；其他记录属于报送它的来源，一个来源只能改动自己的记录。\n\n\b\n"
    "例：huidesk --db 街道.db merge 报送/*.db\n    huidesk sources",
    "Merge bundles (a street or district ledger): each verified (only the tables and columns this version knows, "
    "a signature by the source ledger's key, every entry's hash, every row the one its entries wrote, none "
    "missing or doubled), each continuing its source's chain where the last merged bundle ended (a gap or a "
    "fork is refused); a bundle merged before is passed over; one transaction and one journal entry per bundle."
    "\n\nPlaces are shared by path, units by name, teams by place and name; every other record is its "
    "source's own, and a source changes only its own records."
    "\n\n\b\nExample: huidesk --db street.db merge bundles/*.db",
)


def merge(
    ctx: typer.Context,
    files: Annotated[list[str], typer.Argument(metavar="FILE...", help=tr("报送包", "bundle files"))],
) -> None:
    from contextlib import ExitStack

    from huidesk.domain.errors import InvalidValue
    from huidesk.ledger.federation import read_bundle

    s = session(ctx)
    for name in files:
        if "\x00" in name:
            raise InvalidValue("files", name, tr("文件名含有空字符", "a file name with a NUL character"))
    with ExitStack() as opened:
        bundles = []
        for f in files:  # every file verified before anything is written, and held open until merged
            bundles.append(read_bundle(Path(f)))
            opened.callback(bundles[-1].close)
        # A source's bundles in the order of its chain, whatever order the shell listed them in.
        bundles.sort(key=lambda b: (b.manifest["source_uid"], b.first, b.last))
        with s.ledger() as store:
            _merge_all(store, bundles)


def _merge_all(store, bundles: list) -> None:
    """Each bundle in its own transaction, saying what it added once that is committed."""
    from huidesk.ledger.merge import merge_bundle

    for b in bundles:
        with store.write(b.command()) as tx:
            done = merge_bundle(store, tx, b)
        if done.already:
            message(tr(f"{b.path}：{done.source} 的日志#{done.first}–#{done.last} 已合并过，未增加任何内容",
                       f"{b.path}: {done.source} entries {done.first}-{done.last} were merged before; "
                       "nothing added"))
            continue
        message(tr(
            f"已合并 {b.path}：{done.source} 日志#{done.first}–#{done.last}，新增 {done.inserted} 条、"
            f"更新 {done.updated} 条、与已有记录合并 {done.unified} 条，来源链头 {done.head[:12]}",
            f"merged {b.path}: {done.source} entries {done.first}-{done.last}, {done.inserted} added, "
            f"{done.updated} updated, {done.unified} unified with existing rows, source head {done.head[:12]}"))
        if done.outside:
            shown = "、".join(done.outside[:3]) + ("…" if len(done.outside) > 3 else "")
            message(tr(f"注意：{done.source} 有 {len(done.outside)} 个地点不在本账本的地点之下（{shown}），"
                       "其记录已合并，但不计入本地点的汇总",
                       f"note: {len(done.outside)} place(s) of {done.source} are not under this ledger's place "
                       f"({shown}); their records are merged but not counted in this place's figures"))
        if done.ignored:
            message(tr(f"{done.source} 改动了 {done.ignored} 条不属于它的记录（其他来源或本账本的），未采用",
                       f"{done.source} changed {done.ignored} record(s) that are not its own (another source's "
                       "or this ledger's); not applied"))


SOURCES_HELP = tr(
    "合并到本账本的来源账本：名称、地点、最后合并的日志和链头、最后一个包的报送和合并时间、记录数，"
    "以及本月（按 --today）还没有报送的来源：有来源未报送时退出码为 4（加 -q 也照样说明是谁），供 cron 判断。"
    "\n\n\b\n例：huidesk sources\n    huidesk --today 2024-08-01 sources",
    "The ledgers merged into this one: name, place, last merged entry and head, when the last bundle was made "
    "and merged, record counts, and which have not sent a bundle this month (from --today): then the exit code is 4 "
    "and the line says who, also under -q (cron's signal).\n\n\b\n"
    "Example: huidesk sources",
)

_SOURCE_COLUMNS = [
    Column("name", "来源", "source", priority=9),
    Column("place", "地点", "place", priority=4, least=12),
    Column("last_entry", "日志", "entry", nowrap=True, priority=7),
    Column("head", "链头", "head", show=lambda h: str(h)[:12], nowrap=True, priority=6),
    Column("made", "报送于", "made", nowrap=True, priority=5),
    Column("merged", "合并于", "merged", nowrap=True, priority=3),
    Column("bundles", "包数", "bundles", nowrap=True, priority=2),
    Column("records", "记录数", "records", nowrap=True, priority=6),
    Column("reported", "本月已报送", "this month", show=lambda v: tr("是", "yes") if v else tr("否", "no"),
           nowrap=True, priority=8),
]


def sources(ctx: typer.Context, fmt: FormatOpt = None, wide: WideOpt = False) -> None:
    from huidesk.actions import source_standing

    standing = source_standing(session(ctx))
    found, missing, month = standing.rows, standing.missing, standing.month
    emit(found, _SOURCE_COLUMNS, fmt, wide=wide)
    if not found:
        message(tr("还没有合并过任何报送包", "no bundle has been merged here yet"))
    elif missing:
        from huidesk.domain.errors import NotReported

        raise NotReported(tr(f"本月（{month}）尚未报送：{'、'.join(missing)}", f"not reported this month ({month}): "
                             + ", ".join(missing)))
    else:
        message(tr(f"本月（{month}）各来源均已报送", f"every source has reported this month ({month})"))
