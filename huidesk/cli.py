"""The huidesk command line: global options, command groups, and the one error handler."""

import os
import sys
from collections.abc import Mapping, MutableMapping
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from typer._click import formatting
from typer._click.exceptions import UsageError
from typer.core import TyperGroup

from huidesk.domain.i18n import set_lang, tr


def _early_lang(argv: list[str] | None = None) -> str:
    """The language asked for, known before the help texts below are built (and before a usage
    error in the global options is worded)."""
    argv = sys.argv[1:] if argv is None else argv
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv) and argv[i + 1] in ("zh", "en"):
            return argv[i + 1]
        if arg.startswith("--lang=") and arg.split("=", 1)[1] in ("zh", "en"):
            return arg.split("=", 1)[1]
    return os.environ.get("HUIDESK_LANG", "zh")


set_lang(_early_lang())

from huidesk import __version__  # noqa: E402
from huidesk.domain.errors import ExitCode, HuideskError  # noqa: E402

# Every command in the order `huidesk --help` lists it: name -> (module under huidesk.commands, or a full module
# name for the web desk's own door, the command function or the group's Typer app, the name of a command's help
# text or None for a group).
# A module is imported only when its command runs or shows its own help, so start-up pays for one
# command, not for all of them.
COMMANDS: dict[str, tuple[str, str, str | None]] = {
    "init": ("ledger", "init", "INIT_HELP"),
    "demo": ("ledger", "demo", "DEMO_HELP"),
    "summary": ("reports", "summary", "SUMMARY_HELP"),
    "due": ("reports", "due", "DUE_HELP"),
    "certificate": ("reports", "certificate", "CERTIFICATE_HELP"),
    "export": ("exchange", "export", "EXPORT_HELP"),
    "import": ("exchange", "import_", "IMPORT_HELP"),
    "log": ("ledger", "log", "LOG_HELP"),
    "undo": ("ledger", "undo", "UNDO_HELP"),
    "void": ("ledger", "void", "VOID_HELP"),
    "check": ("ledger", "check", "CHECK_HELP"),
    "sql": ("ledger", "sql", "SQL_HELP"),
    "backup": ("ledger", "backup", "BACKUP_HELP"),
    "bundle": ("federation", "bundle", "BUNDLE_HELP"),
    "merge": ("federation", "merge", "MERGE_HELP"),
    "sources": ("federation", "sources", "SOURCES_HELP"),
    "warehouse": ("warehouse", "warehouse", "WAREHOUSE_HELP"),
    "place": ("places", "app", None),
    "unit": ("units", "app", None),
    "team": ("teams", "app", None),
    "member": ("members", "app", None),
    "resident": ("residents", "app", None),
    "visit": ("visits", "app", None),
    "activity": ("activities", "app", None),
    "wish": ("wishes", "app", None),
    "card": ("cards", "app", None),
    "pair": ("pairings", "app", None),
    "issue": ("issues", "app", None),
    "meeting": ("meetings", "app", None),
    "report": ("reports", "report", None),
    "setting": ("settings", "app", None),
    "serve": ("huidesk.web.serve", "serve", "SERVE_HELP"),
    "key": ("keys", "app", None),
}
# The one-line help of long-winded commands (given to the command as its short help).
SHORT_HELP: dict[str, tuple[str, str]] = {
    "demo": ("建示例账本：从记录重现报道中的数字", "Build a sample ledger that reproduces the article"),
    "summary": ("统计：报道式的数字、各类表格、工单三率", "Figures in the article's words, tables, KPIs"),
    "export": ("导出记录表：csv、jsonl、json、xlsx、open311", "Export a table: csv, jsonl, json, xlsx, open311"),
    "import": ("导入记录表：全部有效才写入，重复导入不重复记录", "Import a table: all or nothing, idempotent"),
    "serve": ("网页服务台：看板、列表、表单和 Open311 接口（需 pip install 'huidesk[serve]'）",
              "The web desk: dashboard, lists, forms and Open311 (needs pip install 'huidesk[serve]')"),
    "merge": ("合并报送包：逐个核验，接续各来源的链，重复合并不重复记录",
              "Merge bundles: verified, continuing each source's chain, idempotent"),
    "warehouse": ("数据仓库：记录写进分区的 Parquet 数据集，供 DuckDB、Spark 读取",
                  "The records into a partitioned Parquet dataset for DuckDB and Spark"),
}
# What `huidesk --help` lists for every other command without importing it: the first paragraph of
# its help (tests/test_cli.py keeps these equal to the commands' own texts, in both languages).
LISTED: dict[str, tuple[str, str]] = {
    "init": ("创建账本（可重复运行；旧版账本会升级）。", "Create the ledger (safe to repeat; upgrades an old one)."),
    "due": (
        "到期提醒：超过响应或办结时限的诉求、超过走访周期的居民（久未走访的在前）、无人认领的微心愿，并给出逾期多久"
        "。",
        "What is late: issues past their response or resolve limit, residents past their visit cadence (longest "
        "first), unclaimed wishes — with how late each is.",
    ),
    "certificate": (
        "志愿服务记录证明：队员身份与注册编号、所在服务队、按月的服务时长、每次活动和走访及其时长、"
        "出具单位（setting issuer）、证明编号和日期。",
        "A volunteer-service record for one member: identity and registration number, teams, hours by month, "
        "each activity and visit with its hours, issuer, number and date.",
    ),
    "log": (
        "日志：每次写入的时间、记录人、命令和写入的记录（新的在前）。",
        "The journal: time, recorder, command and records of each write (newest first).",
    ),
    "undo": (
        "撤销你（--by）上一条命令写入的记录：作废它们，作为一条新日志；撤销 void 则恢复。",
        "Undo your (--by) last command: void what it wrote, as a new journal entry; undoing a void restores.",
    ),
    "void": (
        "作废一条记录（不删除），写明原因；统计不再计入。",
        "Mark a record void (never deleted), with a reason; reports leave it out.",
    ),
    "check": (
        "核验账本：SQLite 完整性、日志哈希链、每条记录与日志是否一致。发现问题时退出码为 3。",
        "Verify the ledger: SQLite integrity, the journal's hash chain, every record against the journal. Exits 3 "
        "when something is wrong.",
    ),
    "sql": (
        "只读 SQL 查询（不能写入、附加数据库或加载扩展）。",
        "A read-only SQL query (cannot write, attach or load extensions).",
    ),
    "backup": (
        "备份账本到文件或目录（在线备份，写入中也一致；仅本人可读）。",
        "Back the ledger up to a file or folder (consistent while others write; owner-only).",
    ),
    "bundle": (
        "报送包：把本账本自上次报送以来的日志和记录写进一个 SQLite 文件，交给街道合并（huidesk merge）。",
        "A bundle: what this ledger journaled since its last bundle, in one SQLite file for the street office to "
        "merge (huidesk merge).",
    ),
    "sources": (
        "合并到本账本的来源账本：名称、地点、最后合并的日志和链头、最后一个包的报送和合并时间、记录数，"
        "以及本月（按 --today）还没有报送的来源：有来源未报送时退出码为 4（加 -q 也照样说明是谁），供 cron 判断。",
        "The ledgers merged into this one: name, place, last merged entry and head, when the last bundle was made "
        "and merged, record counts, and which have not sent a bundle this month (from --today): then the exit code "
        "is 4 and the line says who, also under -q (cron's signal).",
    ),
    "place": (
        "地点：市、区/县、街道/镇、社区/村、小区、楼栋，写成路径。",
        "Places, written as paths: city/district/street/...",
    ),
    "unit": (
        "单位：可派单的部门、企业、组织。",
        "Units a case can be dispatched to: departments, companies, organisations.",
    ),
    "team": (
        "服务队：每支队伍有所在地点、类别、队长和成立日期。",
        "Volunteer teams: place, line, leader, founding date.",
    ),
    "member": (
        "队员：志愿者，可属于多支服务队、有多个角色。",
        "Members: volunteers, in several teams, with several roles.",
    ),
    "resident": ("居民：服务对象，含标签、走访周期和同意记录。", "Residents served: tags, visit cadence, consent."),
    "visit": ("走访慰问：服务队队员上门看望居民。", "Visits: team members call on residents."),
    "activity": (
        "志愿服务活动：主题、人数、服务对象人数与志愿服务时长。",
        "Activities: theme, volunteers, people served, hours.",
    ),
    "wish": ("微心愿：登记 → 队员认领 → 实现。", "Micro-wishes: listed -> claimed by a member -> fulfilled."),
    "card": (
        "服务卡：为居民办理的爱心理发卡等，每种卡号不重复。",
        "Service cards issued to residents, numbered per kind.",
    ),
    "pair": ("结对：队员与居民结对关爱（如爱心妈妈与困境儿童）。", "Pairings: a member paired with a resident."),
    "issue": (
        "诉求/工单：受理 → 派单/吹哨 → 报到 → 上报 → 协商 → 办结 → 回访 → 关闭，每一步都是带时间的事件。",
        "Issues: received → dispatched → arrived → escalated → consulted → resolved → callback → closed, as dated "
        "events.",
    ),
    "meeting": (
        "协商会议：参会各方与决定，可关联一件诉求。",
        "Consultation meetings: parties and decision, optionally for an issue.",
    ),
    "report": ("报表：月度台账、志愿者花名册。", "Reports: monthly tallies, the volunteer roster."),
    "setting": (
        "账本设置：响应/办结时限、基本满意权重、出具单位。",
        "Ledger settings: limits, 基本满意 weight, issuer.",
    ),
    "key": (
        "Open311 接口密钥：外部平台向服务台提交诉求用（只保存哈希）。",
        "Open311 API keys: what outside platforms post requests to the web desk with (kept as hashes).",
    ),
}


def load_command(name: str):
    """The Click command for `name`, built the way `app.command()` / `app.add_typer()` would."""
    import importlib

    import typer.main
    from typer.models import TyperInfo

    module_name, attr, help_attr = COMMANDS[name]
    module = importlib.import_module(module_name if module_name.startswith("huidesk.")
                                     else f"huidesk.commands.{module_name}")
    target = getattr(module, attr)
    if help_attr is None:
        return _adopt(typer.main.get_group_from_info(
            TyperInfo(target, name=name, cls=HuideskSubgroup),
            pretty_exceptions_short=app.pretty_exceptions_short,
            rich_markup_mode=app.rich_markup_mode,
            suggest_commands=app.suggest_commands,
        ))
    single = typer.Typer()
    short = SHORT_HELP.get(name)
    single.command(name, help=getattr(module, help_attr), short_help=tr(*short) if short else None)(target)
    return _adopt(typer.main.get_command_from_info(
        single.registered_commands[0], pretty_exceptions_short=app.pretty_exceptions_short,
        rich_markup_mode=app.rich_markup_mode,
    ))


def _adopt(command):
    """A command and all under it lay out their help with huidesk's formatter."""
    command.context_class = HuideskContext
    for sub in getattr(command, "commands", {}).values():
        _adopt(sub)
    return command


class LazyCommands(MutableMapping):
    """The root's commands by name, each built on first use; iterating lists names without loading."""

    def __init__(self, extra: Mapping | None = None) -> None:
        self.loaded: dict = dict(extra or {})

    def __getitem__(self, name: str):
        if name not in self.loaded:
            if name not in COMMANDS:
                raise KeyError(name)
            self.loaded[name] = load_command(name)
        return self.loaded[name]

    def __setitem__(self, name: str, command) -> None:
        self.loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self.loaded[name]

    def __iter__(self):
        yield from COMMANDS
        yield from (name for name in self.loaded if name not in COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS) + sum(1 for name in self.loaded if name not in COMMANDS)

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS or name in self.loaded


class HelpFormatter(formatting.HelpFormatter):
    """Click's help layout, measured in display width (a CJK character is two cells) and worded in the
    user's language: the layout and the words are huidesk.render.help's."""

    def __init__(self, indent_increment: int = 2, width: int | None = None, max_width: int | None = None) -> None:
        if width is None:
            width = formatting.FORCED_WIDTH
        if width is None:
            import shutil

            width = max(min(shutil.get_terminal_size().columns, max_width or 80) - 2, 20)
        super().__init__(indent_increment, width=width, max_width=max_width)

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        from huidesk.render.help import usage

        self.write("\n".join(usage(prog, args, self.width, self.current_indent)) + "\n")

    def write_heading(self, heading: str) -> None:
        from huidesk.render.help import heading as worded

        self.write(" " * self.current_indent + worded(heading) + "\n")

    def write_text(self, text: str) -> None:
        from huidesk.render.help import paragraphs

        self.write("\n".join(paragraphs(text, self.width, self.current_indent)) + "\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        from huidesk.render.help import definitions, phrase, term

        rows = [(term(first), phrase(second)) for first, second in rows]
        self.write("\n".join(definitions(rows, self.width, self.current_indent, col_spacing)) + "\n")


class HuideskContext(typer.Context):
    formatter_class = HelpFormatter


def _named(name: str, group) -> str:
    """A command as help lists it: its English name and, in Chinese, its Chinese one beside (visit 走访)."""
    from huidesk.domain.command_names import chinese
    from huidesk.domain.i18n import lang

    within = None if isinstance(group, HuideskGroup) else group.name
    word = chinese(name, within)
    return f"{name} {word}" if word and lang() != "en" else name


def _format_commands(group, ctx, formatter, listed=None) -> None:
    """A group's commands, each with the first paragraph of its help (or its short help)."""
    rows = []
    for name in group.list_commands(ctx):
        text = listed(name) if listed else None
        if text is None:
            command = group.commands[name]
            if command.hidden:
                continue
            text = command.short_help or (command.help or "").split("\n\n")[0]
        rows.append((_named(name, group), " ".join(text.split("\n"))))
    if rows:
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _resolve(group, ctx, args: list[str], within: str | None):
    """A group's command from its English or Chinese name (走访 = visit); a word that is neither gets the
    nearest names in both languages."""
    from huidesk.domain.command_names import english, nearest

    names = list(group.list_commands(ctx))
    if args and args[0] not in names:
        args = [english(args[0], names, within), *args[1:]]
    if args and args[0] not in names and not args[0].startswith("-"):
        from huidesk.usage import UsageLine

        maybe = nearest(args[0], names, within)
        text = tr(f"没有命令“{args[0]}”", f"no such command: {args[0]}")
        if maybe:
            text += tr(f"（是不是 {'、'.join(maybe)}？）", f" (did you mean {', '.join(maybe)}?)")
        raise UsageLine(text, ctx)
    return TyperGroup.resolve_command(group, ctx, args)


class ChineseNames(TyperGroup):
    """A group whose commands answer to their Chinese names too (command_names): typed, and offered by the
    shell's completion (`huidesk 走` offers 走访, `huidesk visit ` both add and 登记)."""

    def within(self) -> str | None:
        return self.name

    def resolve_command(self, ctx, args):
        return _resolve(self, ctx, args, self.within())

    def shell_complete(self, ctx, incomplete: str) -> list:
        from typer._click.shell_completion import CompletionItem

        from huidesk.domain.command_names import chinese
        from huidesk.domain.i18n import lang

        found = [item for item in super().shell_complete(ctx, incomplete) if item.value not in self.commands]
        in_chinese = lang() != "en" or not incomplete.isascii()  # a Chinese word typed is always completed
        for name in self.list_commands(ctx):
            word = chinese(name, self.within()) if in_chinese else None
            words = [w for w in (name, word) if w and w.startswith(incomplete)]
            command = self.get_command(ctx, name) if words else None
            if command is not None and not command.hidden:
                found += [CompletionItem(w, help=command.get_short_help_str()) for w in words]
        return found


class HuideskSubgroup(ChineseNames):
    """A command group (issue, member, ...): help laid out as the root's."""

    context_class = HuideskContext

    def format_commands(self, ctx, formatter) -> None:
        _format_commands(self, ctx, formatter)


class HuideskGroup(ChineseNames):
    """The root command: loads each command on first use, turns every domain error into one line on
    stderr and an exit code (no traceback), and every usage error into one line and exit 2."""

    context_class = HuideskContext

    def __init__(self, **attrs) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands(self.commands)

    def list_commands(self, ctx) -> list[str]:
        return list(self.commands)

    def within(self) -> None:
        return None

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        from huidesk.usage import global_first

        return super().parse_args(ctx, global_first(args))

    def format_commands(self, ctx, formatter) -> None:
        """The listing, from the static table: `huidesk --help` imports no command module."""

        def listed(name: str) -> str | None:
            if name in self.commands.loaded or name not in COMMANDS:
                return None
            return tr(*(SHORT_HELP.get(name) or LISTED[name]))

        _format_commands(self, ctx, formatter, listed)

    def make_context(self, info_name, args, parent=None, **extra):
        set_lang(_early_lang(list(args)))
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except UsageError as e:
            raise _usage_line(e) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except UsageError as e:
            raise _usage_line(e) from None
        except HuideskError as e:
            try:
                text = _in_options(ctx, e)
            except Exception:  # a fault in wording a refusal must not turn it into a traceback
                text = str(e)
            _fail(text, e.exit_code)
        except OverflowError:  # a number too big for the ledger, typed where a smaller one was meant
            _fail(tr("数值过大，未写入任何内容", "a number is too large; nothing was written"))
        except BrokenPipeError:
            # The reader of a pipe went away (`| head`): stop quietly.
            sys.stdout = open(os.devnull, "w")
            raise typer.Exit(ExitCode.OK) from None
        except OSError as e:
            _fail(tr(f"文件错误：{e.filename or ''} {e.strerror}", f"file error: {e.filename or ''} {e.strerror}"))
        except (typer.Exit, typer.Abort, typer.TyperException, KeyboardInterrupt):
            raise
        except Exception as e:
            from huidesk.ledger.faults import domain_error

            known = domain_error(e)
            if known is not None:
                _fail(known.message(), known.exit_code)
            if os.environ.get("HUIDESK_DEBUG"):  # a bug: say so in one line, keep the traceback for debugging
                raise
            _fail(
                tr(f"内部错误（请报告）：{type(e).__name__}: {e}",
                   f"internal error (please report): {type(e).__name__}: {e}"),
                ExitCode.INTERNAL,
            )


def _in_options(ctx, error: HuideskError) -> str:
    """The error's message with each field it names spelled as the running command's option or
    argument (the ledger says `date`; the user typed `--date`), and residents' names and phones
    masked unless the running command was given --with-pii."""
    command = getattr(ctx.obj, "leaf", None)
    if command is None:
        return error.message()
    reveal = bool(getattr(ctx.obj, "params", {}).get("with_pii"))
    spelled = {}
    for param in command.params:
        if param.param_type_name == "option":
            spelled[param.name] = next((o for o in param.opts if o.startswith("--")), param.opts[0])
        else:
            spelled[param.name] = param.metavar or param.name.upper()
    return error.message(lambda field: spelled.get(field, field), reveal)


def _usage_line(error: UsageError) -> UsageError:
    from huidesk.usage import usage_line

    return usage_line(error)


def _fail(message: str, code: int = ExitCode.ERROR):
    from huidesk.render.output import to_stderr

    sys.stderr.write(to_stderr(tr("错误：", "error: ") + message.replace("\n", " ")))
    raise typer.Exit(code)


class Lang(str, Enum):
    zh = "zh"
    en = "en"


app = typer.Typer(
    cls=HuideskGroup,
    help=tr(
        "惠民服务台：民生志愿服务队的工作台账（走访、活动、诉求、统计）。",
        "huidesk: the ledger of community volunteer service teams (visits, activities, issues, figures).",
    ),
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"huidesk {__version__}")
        raise typer.Exit()


def _default_db() -> Path:
    """The ledger when no --db or HUIDESK_DB says: ledger.db in the per-user app folder."""
    return Path(typer.get_app_dir("huidesk")) / "ledger.db"


def _home(path: Path) -> str:
    """A path as a person would type it: ~/.config/huidesk/ledger.db."""
    home = Path.home()
    return f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db", envvar="HUIDESK_DB",
            help=tr(f"账本文件（默认 {_home(_default_db())}）", f"ledger file (default: {_home(_default_db())})"),
        ),
    ] = None,
    lang: Annotated[Lang, typer.Option("--lang", envvar="HUIDESK_LANG", help=tr("界面语言", "language"))] = Lang.zh,
    by: Annotated[
        str | None,
        typer.Option(
            "--by", envvar="HUIDESK_USER", help=tr("记录人（默认登录名）", "who records (default: login name)")
        ),
    ] = None,
    today: Annotated[
        str | None,
        typer.Option(
            "--today", envvar="HUIDESK_TODAY", help=tr("把这一天当作今天（可复现）", "the date to treat as today")
        ),
    ] = None,
    warehouse: Annotated[
        Path | None,
        typer.Option("--warehouse", metavar="DIR", help=tr(
            "summary、report monthly、report roster、sql 经 DuckDB 读取这个 Parquet 数据集，而不是账本",
            "summary, report monthly, report roster and sql read this Parquet dataset through DuckDB, not a ledger")),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help=tr("不显示成功消息（供 cron 使用）；数据和错误照常",
                                              "no success messages (for cron); data and errors as usual")),
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help=tr("显示版本", "show the version"))
    ] = False,
) -> None:
    import datetime as dt

    from huidesk.context import Session
    from huidesk.domain.dates import ledger_zone, parse_today
    from huidesk.ledger.shortcuts import without_pydantic_plugins
    from huidesk.render.output import be_quiet

    set_lang(lang.value)
    be_quiet(quiet)
    tz = ledger_zone()
    now = dt.datetime.now(tz)
    if today:
        given = parse_today(today)
        if isinstance(given, dt.datetime):
            now = given.replace(tzinfo=tz)
        else:
            # The end of that day, as reports are computed as of it: the same command gives the same
            # answer whatever the clock says (a bare time typed that day is then always in the past).
            now = dt.datetime.combine(given, dt.time(23, 59, 59), tz)
    ctx.obj = Session(db=db or _default_db(), actor=by or _login(), today=now.date(), now=now,
                      warehouse=warehouse)
    if _FREEZE:
        # The command's module is loaded by now. A process runs one command: keep the collector from walking
        # Typer's, pydantic's and rich's objects again and again while a report or an import makes rows (10%).
        import gc

        gc.freeze()
        without_pydantic_plugins()


def _login() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


_FREEZE = False  # set by the console script; an in-process runner (tests) keeps collecting


def main() -> None:
    global _FREEZE
    _FREEZE = True
    app()
