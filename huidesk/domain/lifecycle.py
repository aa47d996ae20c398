"""An issue's life: its state is folded from its dated events, and each new event is checked
against that state. Pure logic, no storage: the store calls `check` inside the write transaction.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from huidesk.domain.errors import InvalidTransition
from huidesk.domain.i18n import tr
from huidesk.domain.records import IssueEvent
from huidesk.domain.settings import LIMIT_KEYS, setting_limit

# Events that change the state (callback and consulted happen within a state).
STATE_EVENTS = ("received", "dispatched", "transferred", "returned", "arrived", "escalated", "resolved", "closed",
                "reopened")
DONE = ("resolved", "closed")


@dataclass
class IssueState:
    state: str | None = None  # the last state-changing event
    units: set[int] = field(default_factory=set)  # units it is currently dispatched to
    called_back: bool = False  # a callback was made since the last resolve
    last_at: str | None = None
    last_event: str | None = None

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


def limits(settings: dict[str, str]):
    """(kind, nature) → (response, resolve) limits in whole minutes: a limit set for the issue's
    诉求性质 (`resolve_limit.complaint`) wins over one set for its kind (`resolve_limit.dispute`),
    which wins over the ledger's default (`response_limit_hours`, `resolve_limit_days`)."""
    default = (setting_limit(settings, "response_limit_hours"), setting_limit(settings, "resolve_limit_days"))
    overrides = {key: setting_limit(settings, key)
                 for key in settings if key.split(".", 1)[0] in LIMIT_KEYS and "." in key}
    if not overrides:
        return lambda kind, nature: default
    cache: dict[tuple[str, str | None], tuple[int, int]] = {}

    def limit(kind: str, nature: str | None) -> tuple[int, int]:
        found = cache.get((kind, nature))
        if found is None:
            found = cache[(kind, nature)] = tuple(  # type: ignore[assignment]
                overrides.get(f"{name}.{nature}", overrides.get(f"{name}.{kind}", default[i]))
                for i, name in enumerate(LIMIT_KEYS))
        return found  # type: ignore[return-value]

    return limit
