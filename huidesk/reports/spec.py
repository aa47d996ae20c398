"""What a report is about, as one value: whose work (the scope), which days (the period), the moment the
ledger is read at (as of) and the settings in force then. huidesk/context.py makes it once from the
command line (`Session.report`); every report takes it, so "today" has one name, `as_of`, and one source.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TYPE_CHECKING

from huidesk.reports.values import Value, value

if TYPE_CHECKING:
    from huidesk.ledger.queries import Scope
    from huidesk.ledger.store import Store


@value
class ReportScope(Value):
    """Whose work a report covers: one team (`team_id`), a place and everything under it (`place_path`),
    or, neither given, everything; `label` names it (the team's name, the place's path). A plain value:
    the reports that query by it turn it into the ledger's Scope (`query()`), so a report that needs no
    such query (the roster, a certificate) never loads them."""

    team_id: int | None = None
    place_path: str | None = None
    label: str = ""

    def query(self) -> "Scope":
        """The ledger's Scope, whose SQL selects the teams, places and issues in scope."""
        from huidesk.ledger.queries import Scope

        return Scope(team_id=self.team_id, place_path=self.place_path, label=self.label)


@value
class Period(Value):
    """The days a report counts, both included: from `since` (None: from the beginning) to `until`."""

    since: dt.date | None
    until: dt.date

    def iso(self) -> tuple[str | None, str]:
        """The period as the ledger's queries take it: ISO days."""
        return (self.since.isoformat() if self.since else None), self.until.isoformat()


@dataclass(frozen=True, slots=True)
class ReportSpec:
    """Scope, period, as-of moment and settings: everything a report needs to know besides the ledger.

    `as_of` is aware, in the ledger's time zone: the end of --today (23:59:59), or now. Events recorded
    after it do not exist for the report, so a month reported on its last day and reported again later
    with that --today gives the same bytes. `settings` are the ledger's, read once when the spec was made."""

    scope: ReportScope
    period: Period
    as_of: dt.datetime
    settings: Mapping[str, str]

    @classmethod
    def of(cls, store: "Store", scope: ReportScope, period: Period, as_of: dt.datetime) -> "ReportSpec":
        """The spec of a report over `period` as of `as_of`, with the settings in force at that moment: the
        ledger keeps each change `setting set` made with when it was recorded, and those recorded after
        the moment are undone (so a setting changed in July leaves April's report as of 04-30 as it was)."""
        from huidesk.domain.dates import stamp

        return cls(scope, period, as_of, store.settings(stamp(as_of)))

    def __post_init__(self) -> None:
        if self.as_of.tzinfo is None:
            raise ValueError("a report's as-of moment carries its time zone")
        if not isinstance(self.settings, MappingProxyType):  # frozen through and through
            object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))

    @property
    def today(self) -> dt.date:
        """The as-of day (what --today names)."""
        return self.as_of.date()

    @property
    def as_of_iso(self) -> str:
        """The as-of moment as the ledger stores moments: ISO, to the second, with its offset."""
        return self.as_of.isoformat(timespec="seconds")

    @property
    def voided_after(self) -> str:
        """The as-of moment as the ledger dates voids and setting changes (UTC): a record voided after it
        is still live for the report."""
        from huidesk.domain.dates import stamp

        return stamp(self.as_of)

    @property
    def first_callback(self) -> bool:
        """Whether the rates read each issue's first callback (setting callback_reading) or its final one."""
        return self.settings["callback_reading"] == "first"

    def over(self, period: Period) -> "ReportSpec":
        """The same spec over other days (a sheet's twelve-month trend, its month's roster)."""
        return replace(self, period=period)
