"""warehouse: this ledger's records into a hive-partitioned Parquet dataset (the warehouse extra)."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.options import PiiOpt
from huidesk.render.output import message

WAREHOUSE_HELP = tr(
    "数据仓库：把本账本的记录写进 DIR 下按 table=/ledger=/year= 分区的 Parquet 数据集，供 DuckDB 和 Spark 读取；"
    "多个账本可写进同一个 DIR。再次运行只重写有变化的分区，没有变化就什么也不写；"
    "写入是原子的，中途被打断时数据集保持原样。"
    "默认居民以化名写入（与报送包相同），--pii 全部（full）写入全部。需要扩展：pip install 'huidesk[warehouse]'。\n\n"
    "读取：huidesk --warehouse DIR summary / report monthly / sql，见 docs/warehouse.md。\n\n\b\n"
    "例：huidesk warehouse /data/仓库\n    huidesk --warehouse /data/仓库 report monthly --month 2024-06",
    "The warehouse: this ledger's records into a Parquet dataset under DIR, partitioned table=/ledger=/year=, for "
    "DuckDB and Spark; many ledgers may write into one DIR. Running it again rewrites only the partitions that "
    "changed, and writes nothing when nothing did; writing is atomic, and a run stopped midway leaves the dataset "
    "as it was. Residents are pseudonymous (as in a bundle) unless --pii full. Needs the extra: "
    "pip install 'huidesk[warehouse]'.\n\nReading it: huidesk --warehouse DIR summary / report monthly / sql; "
    "see docs/warehouse.md.\n\n\b\nExample: huidesk warehouse /data/warehouse",
)


def warehouse(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(metavar="DIR", help=tr("数据集目录", "the dataset's folder"))],
    pii: PiiOpt = "pseudonymous",
) -> None:
    from huidesk.domain.errors import InvalidValue
    from huidesk.domain.vocab import resolve
    from huidesk.ledger.warehouse import write_warehouse

    s = session(ctx)
    pii = resolve("pii", pii, "--pii")
    target = folder.expanduser()
    if target.exists() and not target.is_dir():
        raise InvalidValue("DIR", str(folder), tr("不是目录", "is not a folder"))
    with s.ledger() as store:
        done = write_warehouse(store, target, pii)
    sys.stdout.write(f"{target}\n")
    policy = tr("居民为化名", "residents pseudonymous") if done.pii == "pseudonymous" else tr(
        "含全部个人信息", "with full personal information")
    if done.written or done.removed:
        message(tr(f"已写入数据仓库 {target}：{done.partitions} 个分区中读取 {done.read} 个，{done.written} 个有变化、"
                   f"已重写，删除 {done.removed} 个；共 {done.rows} 行，{policy}",
                   f"wrote the warehouse {target}: read {done.read} of {done.partitions} partitions, {done.written} "
                   f"changed and were rewritten, {done.removed} removed; {done.rows} rows, {policy}"))
    else:
        message(tr(f"数据仓库 {target} 已是最新：{done.partitions} 个分区都没有变化，未写入",
                   f"the warehouse {target} is up to date: none of its {done.partitions} partitions changed; "
                   "nothing written"))
