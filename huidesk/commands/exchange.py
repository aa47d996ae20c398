"""export / import: a record table to or from csv, jsonl, json or xlsx (issues also as GeoReport v2)."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.exchange.layouts import EXPORT_FORMATS
from huidesk.options import ForceOpt, SinceOpt, UntilOpt, WithPii
from huidesk.render.output import format_choice, message

# What a table is exported as (exchange's layouts, open311 among them) and read from: the same file formats.
ExportFormat = format_choice("ExportFormat", EXPORT_FORMATS)
ImportFormat = format_choice("ImportFormat", [f for f in EXPORT_FORMATS if f != "open311"])

TableArg = Annotated[
    str,
    typer.Argument(
        metavar="TABLE",
        help=tr("记录表：residents/居民、visits/走访、issues/诉求、teams/服务队……",
                "record table: residents, visits, issues, teams, ..."),
    ),
]

EXPORT_HELP = tr(
    "导出一张记录表：每行带唯一编号和可读的引用（服务队名称、地点路径、居民姓名），不含作废记录；"
    "居民姓名、电话、监护人默认遮蔽（--with-pii 显示）。--since/--until 按记录自己的日期筛选。"
    "--output 写入文件（原子写入，仅本人可读；不给 --format 时按扩展名判断），否则写到标准输出。"
    "open311 为 GeoReport v2 工单格式，只用于诉求。账本链头打印在标准错误上。\n\n\b\n"
    "例：huidesk export visits --since 2024-07-01 --until 2024-07-31 --output 七月走访.xlsx\n"
    "    huidesk export issues --format open311 > issues.json\n"
    "    huidesk export residents --format jsonl --with-pii | huidesk --db 新账本.db import residents -",
    "Export a record table: each row carries its uid and readable references (team name, place path, resident name);\n"
    "void records are left out; residents' names, phones and guardians are masked unless --with-pii.\n"
    "--since/--until filter by the record's own date. --output writes a file atomically (owner-only; the format\n"
    "follows the extension unless --format is given), else stdout. open311 is GeoReport v2, for issues only.\n"
    "The journal's chain head is printed on stderr.\n\n\b\n"
    "Example: huidesk export visits --since 2024-07-01 --output july-visits.xlsx\n"
    "         huidesk export issues --format open311 > issues.json",
)


def export(
    ctx: typer.Context,
    table: TableArg,
    fmt: Annotated[
        ExportFormat | None,
        typer.Option("--format", "-f", help=tr("格式；默认按 --output 的扩展名，否则 csv",
                                               "format; default: by --output's extension, else csv")),
    ] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    with_pii: WithPii = False,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help=tr("写入这个文件（默认标准输出）", "write to this file (default: stdout)")),
    ] = None,
    force: ForceOpt = False,
) -> None:
    from huidesk.exchange.export import export_table
    from huidesk.exchange.layouts import table_label
    from huidesk.ledger.schema import table_name
    from huidesk.render.output import choose

    s = session(ctx)
    name = table_name(table)
    first, last = s.period(since, until)
    if fmt is not None and fmt.value == "open311":
        kind = fmt.value
    else:
        kind = choose(fmt, output, [f for f in EXPORT_FORMATS if f != "open311"], default="csv")
    with s.ledger() as store:
        count, (entry, head) = export_table(store, name, kind, output, since=first, until=last, with_pii=with_pii,
                                            force=force)
    where = tr(f"到 {output}", f"to {output}") if output else ""
    message(
        tr(
            f"已导出{table_label(name)} {count} 条{where}（{kind}）；账本链头 #{entry} {head}",
            f"exported {count} {name} {where} ({kind}); ledger chain head #{entry} {head}".replace("  ", " "),
        )
    )


IMPORT_HELP = tr(
    "从文件导入一张记录表（FILE 为 - 时读标准输入）：可以是 export 导出的文件，也可以是手工整理的表格"
    "（中文或英文表头，词汇可写中文，如 类型=安全隐患）。先逐行校验，任何一行有错就列出所有出错的行（行号、列、值），"
    "什么也不写入；全部正确才在一个事务中写入。唯一编号（诉求为工单号）已存在的行跳过，"
    "没有唯一编号的行按内容生成，所以同一文件导入两次不会重复。诉求导入时记一步“受理”，有办结时间的再记“办结”；"
    "其余步骤（派单、报到、回访……）随后导入 issue_events，每一步都按诉求的时间线核对。"
    "--dry-run 只校验并报告。\n\n\b\n"
    "例：huidesk import residents 居民名单.xlsx --dry-run\n"
    "    huidesk import visits 七月走访.csv\n"
    "    huidesk export teams --format jsonl | huidesk --db 新账本.db import teams -",
    "Import a record table from a file (FILE - reads stdin): an export's own file, or a hand-made sheet (Chinese or\n"
    "English headers, vocabulary in Chinese or as slugs). Every row is validated first; "
    "if any is bad, each bad row is\n"
    "reported (line, column, value) and nothing is written; otherwise all rows go in one transaction. A row whose uid\n"
    "(an issue: whose ref) exists is skipped; a row without a uid gets one from its content, "
    "so importing a file twice\n"
    "adds nothing. Issues get their received event (and a resolved one for resolved_at); their other steps come with\n"
    "issue_events, each checked against the issue's timeline. --dry-run validates only.\n\n\b\n"
    "Example: huidesk import residents residents.xlsx --dry-run\n"
    "         huidesk export teams --format jsonl | huidesk --db new.db import teams -",
)


def import_(
    ctx: typer.Context,
    table: TableArg,
    file: Annotated[
        str, typer.Argument(metavar="FILE|-", help=tr("要导入的文件；- 为标准输入", "the file; - for stdin"))
    ],
    fmt: Annotated[
        ImportFormat | None,
        typer.Option("--format", "-f",
                     help=tr("格式；默认按扩展名或内容判断", "format; default: by extension or content")),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help=tr("只校验，不写入", "validate only, write nothing"))
    ] = False,
    template: Annotated[
        bool,
        typer.Option("--template", help=tr("不导入：把这张表的空白模板（中文表头、示例、下拉词汇）写入 FILE.xlsx",
                                           "import nothing: write a blank form of this table to FILE.xlsx")),
    ] = False,
    force: ForceOpt = False,
) -> None:
    from huidesk.domain.errors import HuideskError
    from huidesk.exchange.importer import import_table
    from huidesk.exchange.layouts import importable, table_label
    from huidesk.exchange.readers import open_source
    from huidesk.ledger.schema import table_name
    from huidesk.render.controls import visible
    from huidesk.render.output import progress

    s = session(ctx)
    name = table_name(table)
    importable(name, table)
    label = table_label(name)
    if template:
        _write_template(name, Path(file), force)
        return
    source, kind = open_source(file, fmt.value if fmt else None)
    with source, s.ledger() as store, progress(tr(f"导入{label}（行）", f"importing {name} (rows)")) as advance:
        result = import_table(store, name, source, kind, command=f"{s.command} {name}", today=s.today, now=s.now,
                              dry_run=dry_run, progress=advance)
    if result.bad:
        nothing = tr("未写入任何内容", "nothing was written")
        if result.bad == 1:
            raise HuideskError(f"{result.errors[0]}{tr('；', '; ')}{nothing}")
        for line in result.errors:  # each quoting what the file holds: on one line, its controls made visible
            sys.stderr.write(visible(line) + "\n")
        if result.bad > len(result.errors):
            more = result.bad - len(result.errors)
            sys.stderr.write(tr(f"…还有 {more} 行有错\n", f"…and {more} more\n"))
        raise HuideskError(tr(f"{result.bad} 行有错，{nothing}", f"{result.bad} bad rows, {nothing}"))
    back = ""
    if result.restored:
        back = tr(f"，恢复 {result.restored} 条（撤销后再导入）",
                  f", restored {result.restored} (undone, imported again)")
    if dry_run:
        back = back.replace("恢复", "将恢复").replace("restored", "would restore")
        message(tr(
            f"（试运行）{label}：将新增 {result.added} 条{back}，跳过 {result.skipped} 条（已在账本中）；"
            "未写入任何内容",
            f"(dry run) {name}: would add {result.added}{back}, skip {result.skipped} (already there); nothing written",
        ))
    else:
        message(tr(f"已导入{label}：新增 {result.added} 条{back}，跳过 {result.skipped} 条（已在账本中）",
                   f"imported {name}: added {result.added}{back}, skipped {result.skipped} (already there)"))


def _write_template(name: str, path: Path, force: bool) -> None:
    from huidesk.domain.errors import InvalidValue
    from huidesk.exchange.layouts import TABLES, table_label
    from huidesk.exchange.template import template_workbook
    from huidesk.render.output import Output, render

    if path.suffix.lower() != ".xlsx":
        raise InvalidValue("FILE", str(path),
                           tr("模板是 xlsx 工作簿：文件名请以 .xlsx 结尾", "a template is an .xlsx file"))
    render(Output((), (), workbook=lambda: template_workbook(TABLES[name])), "xlsx", path, force)
    message(tr(f"已写入{table_label(name)}模板 {path}：在第一张表中每行填一条，再运行 huidesk import {name} {path}",
               f"wrote a {name} template to {path}: fill the first sheet, then huidesk import {name} {path}"))
