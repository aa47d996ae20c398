"""What every command knows: the ledger path, who records, and what "today" is; and the one place a
report's spec (scope, period, as-of moment, settings) is made from the command line."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from huidesk.ledger.store import Store
    from huidesk.reports.spec import Period, ReportScope, ReportSpec


@dataclass
class Session:
    db: Path
    actor: str
    today: dt.date
    now: dt.datetime  # aware, in the ledger's time zone
    command: str = ""
    leaf: object = None  # the running command, whose options name the fields of an error
    warehouse: Path | None = None  # --warehouse: reports read this Parquet dataset through DuckDB

    def date(self, text: str | None, field: str = "--date") -> str:
        """An ISO date from what the user typed; today when nothing was typed."""
        if text is None:
            return self.today.isoformat()
        from huidesk.domain.dates import iso_date, parse_date

        return iso_date(parse_date(text, self.today, field))

    def period(self, since: str | None, until: str | None) -> tuple[str | None, str | None]:
        """The ISO days --since and --until name; an --until before --since is refused."""
        from huidesk.domain.errors import InvalidValue
        from huidesk.domain.i18n import tr

        first = self.date(since, "--since") if since is not None else None
        last = self.date(until, "--until") if until is not None else None
        if first and last and last < first:
            raise InvalidValue("--until", until, tr(f"早于 --since {first}", f"before --since {first}"))
        return first, last

    def moment(self, text: str | None, field: str = "--at") -> str:
        """An ISO moment (with offset) from what the user typed; now when nothing was typed.
        A moment after now is refused: it is a typing mistake, not a plan (a bare time is the most
        recent past one, so it never is)."""
        if text is None:
            return self.now.isoformat(timespec="seconds")
        from huidesk.domain.dates import iso_datetime, parse_datetime
        from huidesk.domain.errors import InvalidValue
        from huidesk.domain.i18n import tr

        at = parse_datetime(text, self.now, field)
        if at.date() > self.today:
            raise InvalidValue(field, text, tr(f"晚于今天（{self.today}）", f"after today ({self.today})"))
        if at > self.now:
            shown = f"{self.now:%Y-%m-%d %H:%M}"
            raise InvalidValue(field, text, tr(f"晚于现在（{shown}）", f"later than now ({shown})"))
        return iso_datetime(at)

    def report_period(self, since: str | None, until: str | None) -> "Period":
        """The days a report counts, as typed: from --since (or the beginning) to --until (or today)."""
        from huidesk.reports.spec import Period

        first, last = self.period(since, until if until is not None else self.today.isoformat())
        assert last is not None  # --until, else today
        return Period(dt.date.fromisoformat(first) if first else None, dt.date.fromisoformat(last))

    def month_period(self, month: str) -> "Period":
        """The days of the month, quarter or year --month names (2024-07, 7月, last; 2024Q2, 二季度;
        2024, 去年), from today."""
        from huidesk.domain.dates import parse_report_period
        from huidesk.reports.spec import Period

        return Period(*parse_report_period(month, self.today, "--month"))

    @contextmanager
    def report(self, period: "Period", team: str | None = None,
               place: str | None = None) -> Iterator[tuple["Store", "ReportSpec"]]:
        """The open ledger and the spec of a report over `period`: whose work (--team or --place, each
        resolved in the ledger; neither: everything), as of the end of --today (or now), with the
        ledger's settings as they are then. Every report of a command reads this one spec."""
        with self.ledger() as store:
            yield store, report_spec(store, scope(store, team, place), period, self.now)

    @contextmanager
    def ledger(self, create: bool = False) -> Iterator["Store"]:
        """The open ledger; says once what opening it changed (folders made, permissions tightened),
        and turns a damaged file or a read-only location met while using it into plain words."""
        if self.warehouse is not None:
            with self._warehouse() as found:
                yield found
            return
        from huidesk.ledger.store import Store

        store = Store.open(self.db, self.actor, create=create)
        from huidesk.domain.dates import stamp

        store.moment = stamp(self.now)  # what a void or a setting's change is dated by: --today's end, or now
        try:
            _say_what_opening_changed(store)
            yield store
        except Exception as e:
            known = store.explain(e)
            if known is None:
                raise
            raise known from e
        finally:
            store.close()

    @contextmanager
    def _warehouse(self) -> Iterator["Store"]:
        """The dataset at --warehouse in the ledger's place, for the commands that read it."""
        from huidesk.domain.errors import HuideskError
        from huidesk.domain.i18n import tr
        from huidesk.ledger.warehouse_read import Warehouse

        if self.command not in READS_WAREHOUSE:
            raise HuideskError(tr(f"--warehouse 只用于 {'、'.join(READS_WAREHOUSE)}，不用于 {self.command}",
                                  f"--warehouse is for {', '.join(READS_WAREHOUSE)}, not for {self.command}"))
        found = Warehouse(self.warehouse)
        try:
            yield found  # type: ignore[misc]
        except Exception as e:  # a file found damaged while a report reads it: said in plain words
            known = found.explain(e)
            if known is None:
                raise
            raise known from e
        finally:
            found.close()


def scope(store: "Store", team: str | None, place: str | None) -> "ReportScope":
    """Whose work a report covers: the team --team names, the place --place names (and everything
    under it), or everything; both at once is refused."""
    from huidesk.domain.errors import InvalidValue
    from huidesk.domain.i18n import tr
    from huidesk.reports.spec import ReportScope

    if team and place:
        raise InvalidValue("--team/--place", f"{team} / {place}", tr("二者选一", "give one of them"))
    if team:
        t = store.find("teams", team, "--team")
        return ReportScope(team_id=t["id"], label=t["name"])
    if place:
        p = store.find("places", place, "--place")
        return ReportScope(place_path=p["path"], label=p["path"])
    return ReportScope()


def report_spec(store: "Store", scope: "ReportScope", period: "Period", as_of: dt.datetime) -> "ReportSpec":
    """A report's spec: `scope` over `period`, as of `as_of` (aware, in the ledger's time zone), with
    the ledger's settings as they were then (each change recorded later undone), read once."""
    from huidesk.reports.spec import ReportSpec

    return ReportSpec.of(store, scope, period, as_of)


# The commands that read a warehouse (--warehouse) instead of a ledger.
READS_WAREHOUSE = ("summary", "report monthly", "report roster", "sql")


def _say_what_opening_changed(store: "Store") -> None:
    from huidesk.domain.i18n import tr
    from huidesk.render.output import folders_made, message

    folders_made(store.created)
    if store.tightened:
        zh, en = "、".join(map(str, store.tightened)), ", ".join(map(str, store.tightened))
        message(tr(f"已收紧权限，组和其他用户不能再读写：{zh}",
                   f"tightened permissions, group and others can no longer read or write: {en}"))


def session(ctx: typer.Context) -> Session:
    """The session the root callback made, with the command path of the running command."""
    s: Session = ctx.find_root().obj
    root = ctx.find_root().command_path  # "huidesk", or "python -m huidesk" when run as a module
    s.command = ctx.command_path[len(root):].strip()
    s.leaf = ctx.command
    s.params = dict(ctx.params)  # its parsed options: the error handler looks for --with-pii
    return s
