"""The huidesk command line: global options, command groups, and the one error handler."""

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from huidesk.i18n import set_lang, tr


def _early_lang() -> str:
    """The language asked for, known before the help texts below are built."""
    argv = sys.argv[1:]
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return os.environ.get("HUIDESK_LANG", "zh")


set_lang(_early_lang())

from huidesk import __version__  # noqa: E402
from huidesk.commands import (  # noqa: E402
    activities,
    cards,
    exchange,
    issues,
    ledger,
    meetings,
    members,
    pairings,
    places,
    reports,
    residents,
    settings,
    teams,
    units,
    visits,
    wishes,
)
from huidesk.errors import ExitCode, HuideskError  # noqa: E402


class HuideskGroup(TyperGroup):
    """Turns every domain error into one line on stderr and an exit code; no traceback."""

    def invoke(self, ctx):
        import sqlite3

        try:
            return super().invoke(ctx)
        except HuideskError as e:
            _fail(str(e), e.exit_code)
        except sqlite3.OperationalError as e:
            text = str(e)
            if "locked" in text or "busy" in text:
                _fail(tr("账本正被另一个程序长时间占用，请稍后再试", "the ledger is busy in another program; try again"))
            elif "full" in text:
                _fail(tr(f"磁盘已满，未写入任何内容：{text}", f"disk full, nothing was written: {text}"))
            _fail(tr(f"账本出错，未写入任何内容：{text}", f"ledger error, nothing was written: {text}"))
        except sqlite3.DatabaseError as e:
            _fail(tr(f"账本出错，未写入任何内容：{e}", f"ledger error, nothing was written: {e}"))
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
        except Exception as e:  # a bug: say so in one line, keep the traceback for HUIDESK_DEBUG
            if os.environ.get("HUIDESK_DEBUG"):
                raise
            _fail(
                tr(f"内部错误（请报告）：{type(e).__name__}: {e}", f"internal error (please report): {type(e).__name__}: {e}"),
                70,
            )


def _fail(message: str, code: int = ExitCode.ERROR):
    from huidesk.errors import one_line

    sys.stderr.write(tr("错误：", "error: ") + one_line(message.replace("\n", " ")) + "\n")
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
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"huidesk {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option("--db", envvar="HUIDESK_DB", help=tr("账本文件（默认在用户数据目录）", "ledger file (default: per-user app dir)")),
    ] = None,
    lang: Annotated[Lang, typer.Option("--lang", envvar="HUIDESK_LANG", help=tr("界面语言", "language"))] = Lang.zh,
    by: Annotated[
        str | None, typer.Option("--by", envvar="HUIDESK_USER", help=tr("记录人（默认登录名）", "who records (default: login name)"))
    ] = None,
    today: Annotated[
        str | None,
        typer.Option("--today", envvar="HUIDESK_TODAY", help=tr("把这一天当作今天（可复现）", "the date to treat as today")),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help=tr("显示版本", "show the version"))
    ] = False,
) -> None:
    import datetime as dt

    from huidesk.context import Session, default_db
    from huidesk.dates import DEFAULT_TZ, parse_today, zone

    set_lang(lang.value)
    tz = zone(os.environ.get("HUIDESK_TZ", DEFAULT_TZ))
    now = dt.datetime.now(tz)
    if today:
        given = parse_today(today)
        if isinstance(given, dt.datetime):
            now = given.replace(tzinfo=tz)
        else:
            now = dt.datetime.combine(given, now.time(), tz)
    ctx.obj = Session(db=db or default_db(), actor=by or _login(), today=now.date(), now=now)


def _login() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


app.command("init", help=ledger.INIT_HELP)(ledger.init)
app.command("demo", help=ledger.DEMO_HELP, short_help=tr("建示例账本：从记录重现报道中的数字", "Build a sample ledger that reproduces the article"))(ledger.demo)
app.add_typer(places.app, name="place")
app.add_typer(units.app, name="unit")
app.add_typer(teams.app, name="team")
app.add_typer(members.app, name="member")
app.add_typer(residents.app, name="resident")
app.add_typer(visits.app, name="visit")
app.add_typer(activities.app, name="activity")
app.add_typer(wishes.app, name="wish")
app.add_typer(cards.app, name="card")
app.add_typer(pairings.app, name="pair")
app.add_typer(issues.app, name="issue")
app.add_typer(meetings.app, name="meeting")
app.command("summary", help=reports.SUMMARY_HELP, short_help=tr("统计：报道式的数字、各类表格、工单三率", "Figures in the article's words, tables, KPIs"))(reports.summary)
app.add_typer(reports.report, name="report")
app.command("due", help=reports.DUE_HELP)(reports.due)
app.command("certificate", help=reports.CERTIFICATE_HELP)(reports.certificate)
app.add_typer(settings.app, name="setting")
app.command("export", help=exchange.EXPORT_HELP, short_help=tr("导出记录表：csv、jsonl、json、xlsx、open311", "Export a table: csv, jsonl, json, xlsx, open311"))(exchange.export)
app.command("import", help=exchange.IMPORT_HELP, short_help=tr("导入记录表：全部有效才写入，重复导入不重复记录", "Import a table: all or nothing, idempotent"))(exchange.import_)
app.command("log", help=ledger.LOG_HELP)(ledger.log)
app.command("undo", help=ledger.UNDO_HELP)(ledger.undo)
app.command("void", help=ledger.VOID_HELP)(ledger.void)
app.command("check", help=ledger.CHECK_HELP)(ledger.check)
app.command("sql", help=ledger.SQL_HELP)(ledger.sql)
app.command("backup", help=ledger.BACKUP_HELP)(ledger.backup)


def main() -> None:
    app()
