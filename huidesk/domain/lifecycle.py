"""An issue's life: its state is folded from its dated events, and each new event is checked
against that state. Pure logic, no storage: the store calls `check` inside the write transaction.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from huidesk.domain.errors import InvalidTransition
from huidesk.domain.i18n import tr
from huidesk.domain.records import IssueEvent
from huidesk.domain.settings import LIMIT_KEYS, limit_setting, setting_calendar

if TYPE_CHECKING:
    from huidesk.domain.calendar import Deadline, Limit

# Events that change the state. A callback, a meeting, an extension (延期), an exemption (核减) and a first
# contact (先行联系) happen within a state.
STATE_EVENTS = ("received", "dispatched", "transferred", "returned", "arrived", "escalated", "resolved", "closed",
                "reopened")
WITHIN_STATE = ("callback", "consulted", "extended", "exempted", "contacted")
DONE = ("resolved", "closed")


@dataclass
class IssueState:
    state: str | None = None  # the last state-changing event
    units: set[int] = field(default_factory=set)  # units it is currently dispatched to
    called_back: bool = False  # a callback was made since the last resolve
    last_at: str | None = None
    last_event: str | None = None
    exempted: bool = False  # 核减: out of every rate

    @property
    def is_open(self) -> bool:
        return self.state not in DONE


def fold(events: Iterable[IssueEvent]) -> IssueState:
    """The state after these (live) events, in the order they happened."""
    s = IssueState()
    for e in events:
        kind, unit = e.event, e.unit_id
        if kind in ("dispatched", "escalated") and unit is not None:
            s.units.add(int(unit))
        elif kind == "transferred" and unit is not None:
            s.units = {int(unit)}
        elif kind == "returned":
            s.units.discard(int(unit))  # type: ignore[arg-type]
        if kind == "resolved":
            s.called_back = False
        elif kind == "callback":
            s.called_back = True
        elif kind == "exempted":
            s.exempted = True
        if kind in STATE_EVENTS:
            s.state = kind
        s.last_at, s.last_event = str(e.at), str(kind)
    return s


def check(s: IssueState, event: str, at: str, unit_id: int | None = None, unit_name: str = "") -> None:
    """Raise InvalidTransition, saying why, when `event` is not allowed now."""
    from huidesk.domain.dates import shown_moment
    from huidesk.domain.vocab import label

    now = label("event", s.state) if s.state else ""
    if s.state is None:
        raise InvalidTransition(tr("这件诉求还没有受理记录", "the issue has no received event"))
    if s.last_at is not None and at < s.last_at:
        raise InvalidTransition(
            tr(
                f"时间 {shown_moment(at)} 早于上一步（{label('event', s.last_event)} {shown_moment(s.last_at)}）",
                f"time {shown_moment(at)} is before the previous step "
                f"({label('event', s.last_event)} {shown_moment(s.last_at)})",
            )
        )
    if event == "exempted":  # a review may exempt an issue in any state, once
        if s.exempted:
            raise InvalidTransition(tr("这件诉求已核减", "the issue is already exempted"))
        return
    if s.state == "closed" and event != "reopened":
        raise InvalidTransition(
            tr("诉求已关闭，只能重开（issue reopen）", "the issue is closed; only reopen is allowed")
        )
    if event == "reopened":
        if s.state not in DONE:
            raise InvalidTransition(
                tr(f"诉求尚未办结（{now}），无需重开", f"the issue is not resolved ({now}); nothing to reopen")
            )
        return
    if event == "callback":
        if s.state != "resolved":
            raise InvalidTransition(
                tr(f"诉求尚未办结（{now}），不能回访", f"no callback before the issue is resolved ({now})")
            )
        if s.called_back:
            raise InvalidTransition(tr("这次办结已回访过", "this resolution already has a callback"))
        return
    if event == "closed":
        if s.state != "resolved":
            raise InvalidTransition(
                tr(f"诉求尚未办结（{now}），不能关闭", f"an issue must be resolved before it is closed ({now})")
            )
        return
    if s.state == "resolved":
        raise InvalidTransition(
            tr(
                f"诉求已办结，先重开（issue reopen）才能{label('event', event)}",
                "the issue is resolved; reopen it first",
            )
        )
    if event in ("arrived", "returned") and unit_id not in s.units:
        raise InvalidTransition(
            tr(f"诉求没有派给 {unit_name}，不能{label('event', event)}", f"the issue was not dispatched to {unit_name}")
        )
    if event == "dispatched" and unit_id in s.units:
        raise InvalidTransition(tr(f"诉求已派给 {unit_name}", f"the issue is already dispatched to {unit_name}"))
    if event == "transferred" and not s.units:
        raise InvalidTransition(
            tr("诉求还没有派单，不能转单（先 issue dispatch）", "nothing to transfer: dispatch it first")
        )


# --- limits: how long an issue may wait for its first response and for its resolution ---


# Which of an issue's limits was counted over a year of estimated working days (bits, as kept in _issue_facts).
ESTIMATED_RESPONSE, ESTIMATED_RESOLVE = 1, 2


def limits(settings: Mapping[str, str]) -> Callable[[str, str | None], tuple["Limit", "Limit"]]:
    """(kind, nature) → (response, resolve) limits: a limit set for the issue's 诉求性质
    (`resolve_limit.complaint`) wins over one set for its kind (`resolve_limit.dispute`), which wins over
    the ledger's default (`response_limit_hours`, `resolve_limit_days`)."""
    default = (limit_setting(settings, "response_limit_hours"), limit_setting(settings, "resolve_limit_days"))
    overrides = {key: limit_setting(settings, key)
                 for key in settings if key.split(".", 1)[0] in LIMIT_KEYS and "." in key}
    if not overrides:
        return lambda kind, nature: default
    cache: dict[tuple[str, str | None], tuple] = {}

    def limit(kind: str, nature: str | None) -> tuple["Limit", "Limit"]:
        found = cache.get((kind, nature))
        if found is None:
            found = cache[(kind, nature)] = tuple(
                overrides.get(f"{name}.{nature}", overrides.get(f"{name}.{kind}", default[i]))
                for i, name in enumerate(LIMIT_KEYS))
        return found  # type: ignore[return-value]

    return limit


def deadlines(settings: Mapping[str, str]) -> Callable[[str, str, str | None], tuple[int, int, int]]:
    """(received_at, kind, nature) → the whole minutes from receipt to the end of its response limit and
    of its resolve limit, and which was counted over a year whose working days are estimated (the bits
    ESTIMATED_RESPONSE, ESTIMATED_RESOLVE; huidesk/domain/calendar.py: the Civil Code's rule for days, the
    State Council's working days with the ledger's own `holidays` and `workdays`). An issue's own deadline
    (`--due`, 延期) is not counted here: it is a moment recorded with the issue."""
    import datetime as dt

    limit_of, calendar = limits(settings), setting_calendar(settings)
    ends: dict[tuple, tuple[dt.datetime, bool]] = {}  # a day's limits end at the same midnight

    def within(received: dt.datetime, limit: "Limit") -> tuple[int, bool]:
        if limit.unit == "hours":
            return int(limit.amount * 60), False
        key = (received.date(), limit)
        found = ends.get(key)
        if found is None:
            deadline = limit.deadline(received, calendar)
            found = ends[key] = (deadline.at.replace(tzinfo=None), deadline.estimated)
        # whole minutes, a half rounded up (as SQLite's round() counts the minutes to a response)
        return int(((found[0] - received.replace(tzinfo=None)).total_seconds() + 30) // 60), found[1]

    def of(received_at: str, kind: str, nature: str | None) -> tuple[int, int, int]:
        received = dt.datetime.fromisoformat(received_at)
        response, resolve = limit_of(kind, nature)
        (a, x), (b, y) = within(received, response), within(received, resolve)
        return a, b, ESTIMATED_RESPONSE * x + ESTIMATED_RESOLVE * y

    return of


def due_by(text: str, received_at: str, settings: Mapping[str, str], field: str = "--due") -> "Deadline":
    """An issue's own resolve deadline as typed (`--due`, a 办理时限 column): a limit counted from its receipt
    (3工作日, 5d, 72h: the Civil Code's rule, the settings' calendar), a day (due at its 24:00) or a moment;
    it falls after the issue was received."""
    import datetime as dt

    from huidesk.domain.calendar import Deadline
    from huidesk.domain.dates import parse_date, parse_datetime
    from huidesk.domain.errors import InvalidValue
    from huidesk.domain.i18n import tr
    from huidesk.domain.settings import typed_limit

    start = dt.datetime.fromisoformat(received_at)
    try:
        found = typed_limit(text, "d", field).deadline(start, setting_calendar(settings))
    except InvalidValue as not_a_limit:
        try:  # a day: due at its 24:00
            day = parse_date(text, start.date(), field)
            found = Deadline(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), start.tzinfo), False)
        except InvalidValue:
            try:
                found = Deadline(parse_datetime(text, start, field), False)
            except InvalidValue:
                raise InvalidValue(field, text, tr(
                    "应为时限（3工作日、5d、72h）或到期日期、时间（2024-09-19、2024-09-19 18:00）",
                    "a limit (3wd, 5d, 72h) or the day or time it is due (2024-09-19, 2024-09-19 18:00)",
                )) from not_a_limit
    if found.at <= start:
        raise InvalidValue(field, text, tr("应晚于受理时间", "must fall after the issue was received"))
    return found


def repeat_hint(repeats: list[tuple[int, str, str]], days: int) -> str:
    """The hint `issue open` gives when the same place and category had issues within `days` days:
    (id, received_at, text) each, latest first."""
    from huidesk.domain.dates import shown_moment
    from huidesk.domain.i18n import tr

    (first, at, text), others = repeats[0], "".join(f"、#{r[0]}" for r in repeats[1:])
    return tr(f"提示：同一地点、同一类别 {days} 天内已有诉求 #{first}{others}（{shown_moment(at)} {text}）；"
              f"若是重复件，可用 --repeat-of {first} 登记",
              f"hint: the same place and category had issue #{first}{others} within {days} days "
              f"({shown_moment(at)} {text}); a repeat is recorded with --repeat-of {first}")
